"""Next-day direction of the S&P 500 from past returns (daily OHLCV csv)."""
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

px = pd.read_csv("sp500_daily.csv", parse_dates=["Date"], index_col="Date").sort_index()

px["ret"] = np.log(px["Close"]).diff()
# label: does tomorrow close above today's close?
px["target"] = (px["Close"].shift(-1) > px["Close"]).astype(int)

# features use today and earlier only
for k in range(5):
    px[f"ret_{k}"] = px["ret"].shift(k)
px["vol_20"] = px["ret"].rolling(20).std()
px["mom_10"] = px["Close"].pct_change(10)
px["range"] = (px["High"] - px["Low"]) / px["Close"]
vol_mean = px["Volume"].rolling(60).mean()
vol_std = px["Volume"].rolling(60).std()
px["volume_z"] = (px["Volume"] - vol_mean) / vol_std

px = px.iloc[:-1]  # last day has no "tomorrow"
features = [f"ret_{k}" for k in range(5)] + ["vol_20", "mom_10", "range", "volume_z"]
px = px.dropna(subset=features)

train = px.loc[:"2018-12-31"]
test = px.loc["2019-01-01":]

model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1))
tscv = TimeSeriesSplit(n_splits=8)
cv_auc = cross_val_score(model, train[features], train["target"], cv=tscv, scoring="roc_auc")
print("walk-forward CV AUC: %.3f +/- %.3f" % (cv_auc.mean(), cv_auc.std()))

model.fit(train[features], train["target"])
proba = model.predict_proba(test[features])[:, 1]
print("test AUC      :", round(roc_auc_score(test["target"], proba), 3))
print("test accuracy :", round(accuracy_score(test["target"], proba > 0.5), 3))
print("always-up rate:", round(test["target"].mean(), 3))
