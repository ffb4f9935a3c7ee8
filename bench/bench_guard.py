"""Overhead of ``Guard.route`` on a batch against the bare model's ``predict_proba``.

    python bench/bench_guard.py [--rows 100000] [--repeats 5]

A histogram gradient-boosting classifier (3 classes, 20 features) behind a split-conformal
Guard at alpha = 0.1. ``route`` returns each row's prediction, its conformal set size, the
decision and its reason, so it is the Guard's whole batch work; the bare model's
``predict_proba`` is the floor. Reported: the best of ``--repeats`` for each and the ratio.
Target: overhead <= 15%.
"""

from __future__ import annotations

import argparse
import time

from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier

from mlvet.guard import Guard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, y = make_classification(
        n_samples=20_000 + args.rows, n_features=20, n_informative=8, n_classes=3, random_state=0
    )
    X_fit, y_fit, X_batch = X[:20_000], y[:20_000], X[20_000:]
    guard = Guard(
        HistGradientBoostingClassifier(max_iter=100, random_state=0), alpha=0.1, review=True
    )
    guard.fit(X_fit, y_fit)
    model = guard.calibrated_.estimator
    best = {"predict_proba": float("inf"), "Guard.route": float("inf")}
    routing = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.predict_proba(X_batch)
        best["predict_proba"] = min(best["predict_proba"], time.perf_counter() - start)
        start = time.perf_counter()
        routing = guard.route(X_batch)
        best["Guard.route"] = min(best["Guard.route"], time.perf_counter() - start)
    assert routing is not None
    print(f"{args.rows:,} rows x 20 features, 3 classes, best of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name:14s} {seconds:7.3f} s")
    ratio = best["Guard.route"] / best["predict_proba"]
    print(f"  ratio route/predict_proba: {ratio:.3f} (overhead {100 * (ratio - 1):.1f}%)")
    print(f"  decisions: {routing.counts()}")


if __name__ == "__main__":
    main()
