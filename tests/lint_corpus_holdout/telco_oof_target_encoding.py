"""Telco churn - out-of-fold CV with target encoding done inside each fold."""
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

TE_COLS = ["Contract", "PaymentMethod", "InternetService"]
NUM_COLS = ["tenure", "MonthlyCharges", "TotalCharges"]


def read_telco(path="WA_Fn-UseC_-Telco-Customer-Churn.csv"):
    df = pd.read_csv(path)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce").fillna(0.0)
    df["Churn"] = (df["Churn"] == "Yes").astype(int)
    return df


def target_encode(tr, va, col, smoothing=20):
    prior = tr["Churn"].mean()
    stats = tr.groupby(col)["Churn"].agg(["mean", "count"])
    enc = (stats["mean"] * stats["count"] + prior * smoothing) / (stats["count"] + smoothing)
    return tr[col].map(enc), va[col].map(enc).fillna(prior)


df = read_telco()
skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
oof = np.zeros(len(df))

for fold, (tr_idx, va_idx) in enumerate(skf.split(df, df["Churn"])):
    tr, va = df.iloc[tr_idx].copy(), df.iloc[va_idx].copy()
    for c in TE_COLS:
        tr[c + "_te"], va[c + "_te"] = target_encode(tr, va, c)
    cols = NUM_COLS + [c + "_te" for c in TE_COLS]
    sc = StandardScaler().fit(tr[cols])
    clf = LogisticRegression(max_iter=1000).fit(sc.transform(tr[cols]), tr["Churn"])
    oof[va_idx] = clf.predict_proba(sc.transform(va[cols]))[:, 1]
    print(f"fold {fold}: AUC {roc_auc_score(va['Churn'], oof[va_idx]):.4f}")

print("OOF AUC: %.4f" % roc_auc_score(df["Churn"], oof))
