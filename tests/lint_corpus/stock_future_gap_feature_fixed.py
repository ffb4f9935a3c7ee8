import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.metrics import roc_auc_score, accuracy_score

spy = pd.read_csv("SPY_daily.csv", parse_dates=["Date"]).set_index("Date").sort_index()


def make_features(px):
    out = pd.DataFrame(index=px.index)
    out["ret_1d"] = px["Close"].pct_change()
    out["ret_5d"] = px["Close"].pct_change(5)
    out["ret_20d"] = px["Close"].pct_change(20)
    out["rsi_proxy"] = out["ret_1d"].clip(lower=0).rolling(14).mean() / out["ret_1d"].abs().rolling(14).mean()
    out["overnight_gap"] = px["Open"] / px["Close"].shift(1) - 1     # today's gap, known at today's close
    out["vol_chg"] = px["Volume"].pct_change()
    return out


feats = make_features(spy)
# label: next day's close higher than today's
feats["y"] = (spy["Close"].shift(-1) > spy["Close"]).astype(int)
feats = feats.dropna().iloc[:-1]

split = int(len(feats) * 0.8)
train, test = feats.iloc[:split], feats.iloc[split:]
X_cols = [c for c in feats.columns if c != "y"]

clf = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.02, num_leaves=15, verbose=-1)
clf.fit(train[X_cols], train["y"])
p = clf.predict_proba(test[X_cols])[:, 1]
print("AUC", roc_auc_score(test["y"], p), "acc", accuracy_score(test["y"], p > 0.5))
