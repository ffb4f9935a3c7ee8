"""Diabetes progression - ridge baseline with polynomial features.

usage: python diabetes_utils_scaler_kbest.py [k]
"""
import sys

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import *
from sklearn.feature_selection import SelectKBest, f_regression
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.metrics import mean_squared_error, r2_score


def load_data():
    d = load_diabetes()
    return d.data, d.target, d.feature_names


def preprocess(X, y, k=6):
    scaler = StandardScaler()
    X = scaler.fit_transform(X)
    poly = PolynomialFeatures(degree=2, include_bias=False)
    X = poly.fit_transform(X)
    selector = SelectKBest(f_regression, k=k)
    X = selector.fit_transform(X, y)
    return X


def evaluate(model, X, y):
    pred = model.predict(X)
    return {"rmse": round(mean_squared_error(y, pred) ** 0.5, 2),
            "r2": round(r2_score(y, pred), 4)}


if __name__ == "__main__":
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    X, y, names = load_data()
    X = preprocess(X, y, k=k)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=7)
    model = Ridge(alpha=1.0).fit(X_tr, y_tr)
    print("train", evaluate(model, X_tr, y_tr))
    print("test ", evaluate(model, X_te, y_te))
