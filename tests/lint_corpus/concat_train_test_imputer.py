"""
Adult census income. adult.data and adult.test both come with labels;
adult.test is our hold-out set.
"""
import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier
from sklearn.metrics import accuracy_score, roc_auc_score

COLS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
        "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
        "hours_per_week", "native_country", "income"]

train_df = pd.read_csv("adult.data", names=COLS, na_values="?", skipinitialspace=True)
test_df = pd.read_csv("adult.test", names=COLS, na_values="?", skipinitialspace=True, skiprows=1)
for d in (train_df, test_df):
    d["income"] = d["income"].str.rstrip(".").eq(">50K").astype(int)

NUM = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CAT = ["workclass", "marital_status", "occupation", "relationship", "race", "sex"]

full = pd.concat([train_df, test_df], axis=0, ignore_index=True)
full = pd.get_dummies(full, columns=CAT, dummy_na=True)
feature_cols = [c for c in full.columns if c not in ("income", "education", "native_country")]

# impute + scale once on everything so train and test use the same transformation
full[feature_cols] = KNNImputer(n_neighbors=5).fit_transform(full[feature_cols])
full[NUM] = StandardScaler().fit_transform(full[NUM])

train_part = full.iloc[: len(train_df)]
test_part = full.iloc[len(train_df):]

xgb = XGBClassifier(n_estimators=400, max_depth=5, learning_rate=0.05, subsample=0.9)
xgb.fit(train_part[feature_cols], train_part["income"])
proba = xgb.predict_proba(test_part[feature_cols])[:, 1]
print("hold-out accuracy:", accuracy_score(test_part["income"], proba > 0.5))
print("hold-out AUC:", roc_auc_score(test_part["income"], proba))
