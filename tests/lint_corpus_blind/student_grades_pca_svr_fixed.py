"""Predict final maths grade G3 (UCI Student Performance, student-mat.csv).

Scale -> PCA -> SVR, 10-fold CV.
"""
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.decomposition import PCA
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

students = pd.read_csv("student-mat.csv", sep=";")
target = students.pop("G3")
students = students.drop(columns=["G1", "G2"])  # too close to the target for an early warning model
X = pd.get_dummies(students, drop_first=True).astype(float)

# scaler and PCA are refitted inside every training fold
pipe = Pipeline([
    ("scale", StandardScaler()),
    ("pca", PCA(n_components=0.95, random_state=0)),
    ("svr", SVR(C=1.0, epsilon=0.5)),
])

cv = KFold(n_splits=10, shuffle=True, random_state=0)
scores = cross_val_score(pipe, X, target, cv=cv, scoring="neg_root_mean_squared_error")
print(f"CV RMSE: {-scores.mean():.3f} +/- {scores.std():.3f}")

base = cross_val_score(DummyRegressor(strategy="mean"), X, target, cv=cv,
                       scoring="neg_root_mean_squared_error")
print(f"predict-the-mean RMSE: {-base.mean():.3f}")
