# Give Me Some Credit - probability of serious delinquency in 2 years
import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score

credit = pd.read_csv("cs-training.csv", index_col=0)
target = "SeriousDlqin2yrs"
credit["MonthlyIncome"] = credit["MonthlyIncome"].fillna(-1)        # xgboost treats it as a flag value
credit["NumberOfDependents"] = credit["NumberOfDependents"].fillna(0)
credit["DebtRatio_capped"] = credit["DebtRatio"].clip(upper=10)

features = [c for c in credit.columns if c != target]
X, y = credit[features], credit[target]

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
X_tr, X_valid, y_tr, y_valid = train_test_split(X_train, y_train, test_size=0.15, random_state=42, stratify=y_train)

clf = xgb.XGBClassifier(
    n_estimators=3000,
    learning_rate=0.02,
    max_depth=4,
    subsample=0.8,
    colsample_bytree=0.8,
    eval_metric="auc",
    early_stopping_rounds=100,
)
clf.fit(
    X_tr, y_tr,
    eval_set=[(X_tr, y_tr), (X_valid, y_valid)],
    verbose=200,
)
print("best iteration:", clf.best_iteration)
print("Test AUC: %.5f" % roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]))
