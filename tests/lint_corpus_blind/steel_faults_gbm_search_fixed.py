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
    X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
    # the sweep is scored on a validation split carved out of the development data
    X_tr, X_val, y_tr, y_val = train_test_split(X_dev, y_dev, test_size=0.25, random_state=seed, stratify=y_dev)
    return (X_tr, X_val, y_tr, y_val), (X_dev, y_dev), (X_test, y_test)


def train_and_eval(params, data, seed):
    X_tr, X_val, y_tr, y_val = data
    clf = GradientBoostingClassifier(random_state=seed, **params)
    clf.fit(X_tr, y_tr)
    score = f1_score(y_val, clf.predict(X_val), average="macro")
    return clf, score


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--csv", default="faults.csv")
    ap.add_argument("--out", default="steel_gbm.joblib")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    val_data, (X_dev, y_dev), (X_test, y_test) = load_data(args.csv, args.seed)

    grid = itertools.product([100, 300], [2, 3, 5], [0.05, 0.1])
    best_score, best_params = -1.0, None
    for n_estimators, max_depth, lr in grid:
        params = dict(n_estimators=n_estimators, max_depth=max_depth, learning_rate=lr)
        _, score = train_and_eval(params, val_data, args.seed)
        log.info("%s -> validation macro F1 %.4f", params, score)
        if score > best_score:
            best_score, best_params = score, params

    final = GradientBoostingClassifier(random_state=args.seed, **best_params)
    final.fit(X_dev, y_dev)
    test_f1 = f1_score(y_test, final.predict(X_test), average="macro")
    log.info("best params %s (val %.4f) -> test macro F1 = %.4f", best_params, best_score, test_f1)
    joblib.dump(final, args.out)


if __name__ == "__main__":
    main()
