# Craigslist used car prices (vehicles.csv) - gradient boosting on log price
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.model_selection import train_test_split

COLS = ["price", "year", "manufacturer", "condition", "cylinders", "fuel", "odometer",
        "transmission", "drive", "type", "paint_color", "state"]
CATS = ["manufacturer", "condition", "cylinders", "fuel", "transmission", "drive", "type", "paint_color", "state"]

cars = pd.read_csv("vehicles.csv", usecols=COLS)
cars = cars.dropna(subset=["year", "odometer", "manufacturer"])
cars = cars[cars["price"].between(1_000, 100_000) & cars["odometer"].between(0, 500_000)]
cars = cars.drop_duplicates()

cars["age"] = (2021 - cars["year"]).clip(lower=0)
cars["log_odometer"] = np.log1p(cars["odometer"])
cars["sqrt_age"] = np.sqrt(cars["age"])
cars[CATS] = cars[CATS].fillna("missing")
cars = pd.get_dummies(cars, columns=CATS, drop_first=True, dtype=np.uint8)

y = np.log1p(cars.pop("price"))
X = cars.drop(columns=["year", "odometer"])

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=21)

gbr = HistGradientBoostingRegressor(max_iter=800, learning_rate=0.08, max_leaf_nodes=63, random_state=21)
gbr.fit(X_train, y_train)

for name, XX, yy in [("train", X_train, y_train), ("test", X_test, y_test)]:
    p = gbr.predict(XX)
    rmse = np.sqrt(mean_squared_error(yy, p))
    mae_usd = mean_absolute_error(np.expm1(yy), np.expm1(p))
    print(f"{name:5s} RMSE(log) {rmse:.4f}   MAE ${mae_usd:,.0f}")
