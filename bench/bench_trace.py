"""Overhead of ``with mlvet.trace():`` on a typical tabular pipeline.

    python bench/bench_trace.py [--rows 50000] [--repeats 3]

The pipeline: a time-ordered split, an imputer + scaler + logistic regression pipeline
cross-validated 5-fold, a random forest fitted and scored, a SMOTE-resampled gradient
boosting model, ROC AUC and F1 on the test rows — about two dozen recorded calls over 50,000 rows x
30 features. Each variant runs ``--repeats`` times in turns; the best time of each is
compared. Reported: seconds without trace, with trace (recording to a SQLite ledger),
with trace but no ledger, and the ratios. Target: <= 1.20.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlvet


def make_data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 30))
    X[rng.random(X.shape) < 0.01] = np.nan
    logit = np.nan_to_num(X[:, :5]) @ np.array([1.0, -0.8, 0.6, 0.4, -0.3]) - 2.0
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def pipeline(X: np.ndarray, y: np.ndarray) -> float:
    cut = int(len(X) * 0.8)
    X_tr, X_te, y_tr, y_te = X[:cut], X[cut:], y[:cut], y[cut:]
    linear = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=200))
    cross_val_score(linear, X_tr, y_tr, cv=TimeSeriesSplit(5), scoring="roc_auc")
    imputer = SimpleImputer().fit(X_tr)
    forest = RandomForestClassifier(n_estimators=40, max_depth=8, n_jobs=1, random_state=0)
    forest.fit(imputer.transform(X_tr), y_tr)
    X_res, y_res = SMOTE(random_state=0).fit_resample(imputer.transform(X_tr), y_tr)
    boosted = HistGradientBoostingClassifier(max_iter=60, random_state=0).fit(X_res, y_res)
    proba = boosted.predict_proba(imputer.transform(X_te))[:, 1]
    f1_score(y_te, forest.predict(imputer.transform(X_te)))
    return float(roc_auc_score(y_te, proba))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_data(args.rows)
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'ledger.db'}"
    calls: list[int] = []

    def traced(record: bool) -> Callable[[], None]:
        def run() -> None:
            with mlvet.trace("bench", record=record, ledger=db if record else None) as t:
                pipeline(X, y)
            calls.append(len(t.calls))

        return run

    pipeline(X[:2000], y[:2000])  # warm imports and caches
    variants = {
        "plain": lambda: pipeline(X, y),
        "trace": traced(True),
        "trace, no ledger": traced(False),
    }
    best = {name: float("inf") for name in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            best[name] = min(best[name], timed(fn))
    print(f"{args.rows:,} rows x 30 features, {calls[-1]} recorded calls, best of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name:18s} {seconds:7.2f} s   ratio {seconds / best['plain']:.3f}")
    verdict = "meets" if best["trace"] / best["plain"] <= 1.20 else "MISSES"
    print(
        f"overhead with ledger: {best['trace'] / best['plain'] - 1:+.1%} ({verdict} the <= 20% target)"
    )


if __name__ == "__main__":
    main()
