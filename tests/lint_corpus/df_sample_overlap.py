import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, r2_score

diamonds = pd.read_csv("diamonds.csv", index_col=0)
diamonds = diamonds[(diamonds[["x", "y", "z"]] > 0).all(axis=1)]
diamonds["volume"] = diamonds["x"] * diamonds["y"] * diamonds["z"]
cut_order = {"Fair": 0, "Good": 1, "Very Good": 2, "Premium": 3, "Ideal": 4}
color_order = {c: i for i, c in enumerate("JIHGFED")}
clarity_order = {c: i for i, c in enumerate(["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"])}
diamonds["cut"] = diamonds["cut"].map(cut_order)
diamonds["color"] = diamonds["color"].map(color_order)
diamonds["clarity"] = diamonds["clarity"].map(clarity_order)

features = ["carat", "cut", "color", "clarity", "depth", "table", "volume"]

train = diamonds.sample(frac=0.8, random_state=1)
test = diamonds.sample(frac=0.2, random_state=2)

rf = RandomForestRegressor(n_estimators=200, n_jobs=-1, random_state=0)
rf.fit(train[features], np.log(train["price"]))
pred = np.exp(rf.predict(test[features]))
print("MAE:", mean_absolute_error(test["price"], pred))
print("R2 :", r2_score(test["price"], pred))
