#!/usr/bin/env python3
# Sonar: mines vs rocks, logistic regression from scratch with numpy only.
import numpy as np


def load_sonar(path="sonar.all-data"):
    raw = np.genfromtxt(path, delimiter=",", dtype=str)
    X = raw[:, :-1].astype(np.float64)
    y = (raw[:, -1] == "M").astype(np.float64)
    return X, y


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_logreg(X, y, lr=0.1, lam=1e-2, epochs=3000):
    w = np.zeros(X.shape[1])
    b = 0.0
    n = len(y)
    for epoch in range(epochs):
        p = sigmoid(X @ w + b)
        grad_w = X.T @ (p - y) / n + lam * w
        grad_b = np.mean(p - y)
        w -= lr * grad_w
        b -= lr * grad_b
        if epoch % 500 == 0:
            loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
            print(f"epoch {epoch:4d}  loss {loss:.4f}")
    return w, b


X, y = load_sonar()

# standardise every band
mu = X.mean(axis=0)
sigma = X.std(axis=0) + 1e-8
X = (X - mu) / sigma

rng = np.random.default_rng(0)
idx = rng.permutation(len(X))
n_test = int(0.25 * len(X))
test_idx, train_idx = idx[:n_test], idx[n_test:]

Xtr, ytr = X[train_idx], y[train_idx]
Xte, yte = X[test_idx], y[test_idx]

w, b = train_logreg(Xtr, ytr)
acc = np.mean((sigmoid(Xte @ w + b) > 0.5) == yte)
print(f"test accuracy: {acc:.3f}  ({len(yte)} samples)")
