import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler, LabelEncoder
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, StratifiedKFold

COLS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
        "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
        "hours_per_week", "native_country", "income"]


def read_adult(path="data/adult.data"):
    return pd.read_csv(path, header=None, names=COLS, na_values="?", skipinitialspace=True)


df = read_adult()
df = df.drop(columns=["fnlwgt", "education"])
y = LabelEncoder().fit_transform(df.pop("income"))

num_cols = df.select_dtypes("number").columns.tolist()
cat_cols = [c for c in df.columns if c not in num_cols]

num_pipe = Pipeline([("impute", SimpleImputer(strategy="median")),
                     ("scale", StandardScaler())])
cat_pipe = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                     ("onehot", OneHotEncoder(handle_unknown="ignore", min_frequency=20))])
pre = ColumnTransformer([("num", num_pipe, num_cols), ("cat", cat_pipe, cat_cols)])

X = pre.fit_transform(df)
print("encoded shape:", X.shape)

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
clf = LogisticRegression(max_iter=2000, C=0.5)
scores = cross_val_score(clf, X, y, cv=cv, scoring="roc_auc")
print("ROC AUC: %.4f +/- %.4f" % (scores.mean(), scores.std()))
