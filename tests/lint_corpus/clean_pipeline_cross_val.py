"""Heart failure prediction (fedesoriano) - 10-fold CV of a preprocessing + model pipeline."""
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

heart = pd.read_csv("heart.csv")
# a cholesterol of 0 means "not measured"
heart["Cholesterol"] = heart["Cholesterol"].replace(0, np.nan)

X = heart.drop(columns="HeartDisease")
y = heart["HeartDisease"]

numeric = ["Age", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak"]
categorical = ["Sex", "ChestPainType", "FastingBS", "RestingECG", "ExerciseAngina", "ST_Slope"]

preprocess = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                      ("scale", StandardScaler())]), numeric),
    ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
])
pipe = Pipeline([("prep", preprocess), ("clf", LogisticRegression(C=0.5, max_iter=1000))])

cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
res = cross_validate(pipe, X, y, cv=cv, scoring=["accuracy", "roc_auc", "f1"])
for metric in ("accuracy", "roc_auc", "f1"):
    vals = res[f"test_{metric}"]
    print(f"{metric:9s}: {vals.mean():.3f} +/- {vals.std():.3f}")
