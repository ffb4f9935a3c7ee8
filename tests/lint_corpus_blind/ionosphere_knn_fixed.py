"""k-NN baseline for the UCI Ionosphere radar returns.

usage: python ionosphere_knn.py --data ionosphere.data --k 5
"""
import argparse

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier


def load(path):
    df = pd.read_csv(path, header=None)
    X = df.iloc[:, :34].to_numpy(dtype=float)
    y = (df[34] == "g").astype(int).to_numpy()
    # attribute 2 is always 0 -> useless for distances
    X = np.delete(X, 1, axis=1)
    return X, y


def train_model(X, y, k):
    clf = KNeighborsClassifier(n_neighbors=k, weights="distance")
    clf.fit(X, y)
    return clf


def evaluate(model, X, y):
    y_pred = model.predict(X)
    print("accuracy:", round(accuracy_score(y, y_pred), 4))
    print(confusion_matrix(y, y_pred))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="ionosphere.data")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--test-size", type=float, default=0.3)
    args = parser.parse_args()

    X, y = load(args.data)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=1, stratify=y
    )
    model = train_model(X_train, y_train, args.k)
    evaluate(model, X_test, y_test)


if __name__ == "__main__":
    main()
