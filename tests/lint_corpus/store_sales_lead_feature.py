import pandas as pd
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_absolute_error

sales = pd.read_csv("store_daily_sales.csv", parse_dates=["date"])
sales = sales.sort_values(["store", "date"])
sales["dow"] = sales["date"].dt.dayofweek
sales["month"] = sales["date"].dt.month
sales["is_weekend"] = (sales["dow"] >= 5).astype(int)

# lag features
for lag in [1, 7, 14]:
    sales[f"sales_lag_{lag}"] = sales.groupby("store")["sales"].shift(-lag)
sales["sales_ma_7"] = sales.groupby("store")["sales"].transform(lambda s: s.rolling(7).mean().shift(1))
sales = sales.dropna()

features = ["store", "dow", "month", "is_weekend", "promo", "holiday",
            "sales_lag_1", "sales_lag_7", "sales_lag_14", "sales_ma_7"]
X_train, X_test, y_train, y_test = train_test_split(sales[features], sales["sales"], test_size=0.2)

gbr = HistGradientBoostingRegressor(max_iter=500, learning_rate=0.05)
gbr.fit(X_train, y_train)
print("MAE:", mean_absolute_error(y_test, gbr.predict(X_test)))
