"""Next-day direction classifier for SPY daily bars."""
import numpy as np
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score

px = pd.read_csv("data/SPY.csv", parse_dates=["Date"], index_col="Date").sort_index()
close = px["Adj Close"]

feat = pd.DataFrame(index=px.index)
feat["ret_1"] = close.pct_change()
feat["ret_5"] = close.pct_change(5)
feat["ret_20"] = close.pct_change(20)
feat["vol_10"] = feat["ret_1"].rolling(10).std()

feat["vol_ratio"] = px["Volume"] / px["Volume"].rolling(20).mean()
feat["hl_range"] = (px["High"] - px["Low"]) / close

# label: does tomorrow close higher than today?
data = feat.assign(next_ret=close.shift(-1) / close - 1).dropna()
X = data.drop(columns="next_ret").values
y = (data["next_ret"] > 0).astype(int).values

splitter = TimeSeriesSplit(n_splits=5, gap=1)
accs, aucs = [], []
for tr, te in splitter.split(X):
    clf = GradientBoostingClassifier(n_estimators=200, max_depth=3, learning_rate=0.05, random_state=0)
    clf.fit(X[tr], y[tr])
    p = clf.predict_proba(X[te])[:, 1]
    accs.append(accuracy_score(y[te], p > 0.5))
    aucs.append(roc_auc_score(y[te], p))
print(f"accuracy {np.mean(accs):.3f}  auc {np.mean(aucs):.3f}")
