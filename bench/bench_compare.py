"""Wall time of ``mlvet.compare`` against the same cross-validation fits done by hand.

    python bench/bench_compare.py [--rows 20000] [--repeats 3]

Three candidates (logistic regression, a random forest, histogram gradient boosting) plus
the two baselines ``compare`` adds, on 5 x 5 repeated stratified k-fold of a seeded
20,000 x 20 classification set. "By hand" is five ``cross_validate`` calls on the same
splits and nothing else: no fingerprints, no statistics, no ledger. Reported: the best of
``--repeats`` for each, and the ratio (the price of the corrected tests, the verdicts and
the record). Target: close to 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlvet


def candidates() -> dict[str, object]:
    return {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        "forest": RandomForestClassifier(n_estimators=50, max_depth=10, random_state=0),
        "boosting": HistGradientBoostingClassifier(max_iter=50, random_state=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_classification(n_samples=args.rows, n_features=20, n_informative=8, random_state=0)
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=5, random_state=0)
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'ledger.db'}"

    def by_hand() -> None:
        splits = list(cv.split(X, y))
        models = {**candidates(), "dummy": DummyClassifier(), "linear": candidates()["logistic"]}
        for model in models.values():
            cross_validate(model, X, y, cv=splits, scoring="roc_auc")

    def with_mlvet() -> mlvet.Comparison:
        return mlvet.compare(candidates(), X, y, scoring="roc_auc", cv=cv, ledger=db)

    best = {"by hand": float("inf"), "mlvet.compare": float("inf")}
    result = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        by_hand()
        best["by hand"] = min(best["by hand"], time.perf_counter() - start)
        start = time.perf_counter()
        result = with_mlvet()
        best["mlvet.compare"] = min(best["mlvet.compare"], time.perf_counter() - start)
    print(f"{args.rows:,} rows x 20 features, 5 models x 25 splits, best of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name:14s} {seconds:7.2f} s")
    print(f"  ratio mlvet/by hand: {best['mlvet.compare'] / best['by hand']:.3f}")
    assert result is not None
    print(f"  best model: {result.best}; {len(result.pairs)} pairs tested; run {result.run_id}")


if __name__ == "__main__":
    main()
