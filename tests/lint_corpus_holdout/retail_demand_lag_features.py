"""Store-item demand: predict tomorrow's unit sales (Kaggle store-item-demand train.csv + price file)."""
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.model_selection import TimeSeriesSplit
from sklearn.metrics import mean_absolute_error

df = pd.read_csv("train.csv", parse_dates=["date"])
prices = pd.read_csv("item_prices.csv", parse_dates=["date"])
df = df.merge(prices, on=["date", "item"], how="left")
df = df.sort_values(["store", "item", "date"]).reset_index(drop=True)

g = df.groupby(["store", "item"])
df["price"] = g["price"].ffill()                              # carry last known price forward
df["target"] = g["sales"].shift(-1)                           # tomorrow's sales = label
df["sales_lag1"] = df["sales"]                                 # today's sales (known at prediction time)
df["sales_lag7"] = g["sales"].shift(6)
df["roll7"] = g["sales"].transform(lambda s: s.rolling(7).mean())
df["roll28"] = g["sales"].transform(lambda s: s.rolling(28).mean())
df["exp_mean"] = g["sales"].transform(lambda s: s.expanding().mean())
df["dow_next"] = (df["date"] + pd.Timedelta(days=1)).dt.dayofweek
df["month"] = df["date"].dt.month
df = df.dropna(subset=["target", "sales_lag7", "roll28", "price"])

features = ["store", "item", "price", "sales_lag1", "sales_lag7", "roll7", "roll28", "exp_mean", "dow_next", "month"]

cutoff = df["date"].max() - pd.Timedelta(days=90)
train = df[df["date"] <= cutoff].sort_values("date")
test = df[df["date"] > cutoff]

model = lgb.LGBMRegressor(n_estimators=500, learning_rate=0.05, num_leaves=63, verbose=-1)
for k, (tr, va) in enumerate(TimeSeriesSplit(n_splits=4).split(train)):
    model.fit(train.iloc[tr][features], train.iloc[tr]["target"])
    print(f"fold {k}: MAE {mean_absolute_error(train.iloc[va]['target'], model.predict(train.iloc[va][features])):.3f}")

model.fit(train[features], train["target"])
print("last-90-days MAE: %.3f" % mean_absolute_error(test["target"], model.predict(test[features])))
