# German credit risk - logistic regression scorecard
import numpy as np
import pandas as pd
import sklearn.preprocessing as pp
from sklearn.preprocessing import StandardScaler as SS
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.compose import make_column_transformer

credit = pd.read_csv("german_credit_data.csv", index_col=0)
credit["Saving accounts"] = credit["Saving accounts"].fillna("none")
credit["Checking account"] = credit["Checking account"].fillna("none")
credit["Risk"] = (credit["Risk"] == "bad").astype(int)

skewed = ["Credit amount", "Duration"]
dense = ["Age", "Job"]
X = pd.get_dummies(credit.drop(columns="Risk"), drop_first=True).astype(float)
y = credit["Risk"]
kfold = StratifiedKFold(n_splits=10, shuffle=True, random_state=3)

# robust scaling for the heavy tailed amounts, z-score for everything - refit in every fold
rest = [c for c in X.columns if c not in skewed]
scaling = make_column_transformer((pp.RobustScaler(), skewed), ("passthrough", rest))
logit = make_pipeline(scaling, SS(), LogisticRegression(C=0.3, max_iter=500))
auc = cross_val_score(logit, X, y, cv=kfold, scoring="roc_auc")
print("10-fold AUC: {:.3f} (+/- {:.3f})".format(auc.mean(), auc.std()))
