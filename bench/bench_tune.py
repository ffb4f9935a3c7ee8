"""Wall time of ``mlvet.tune`` against a bare Optuna study running the same trials.

    python bench/bench_tune.py [--rows 5000] [--trials 30] [--repeats 2]

A histogram gradient-boosting classifier, four parameters, 5-fold stratified CV on a
seeded classification set. mlvet draws the random-search trials from ``(seed, i)``; the
bare study is handed the very same parameter sets (``enqueue_trial``) and scores each with
``cross_val_score`` on the same splits, after scoring the estimator's defaults once (as
mlvet does for its trial -1): no record, no optimism, importances or findings. mlvet's run
records every trial in SQLite. Reported: the best of ``--repeats`` for each, and the
ratio. Target: close to 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import optuna
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

import mlvet
from mlvet.experiments._space import sample

SPACE = {
    "learning_rate": mlvet.LogUniform(0.01, 0.3),
    "max_depth": mlvet.Int(2, 8),
    "l2_regularization": mlvet.Uniform(0.0, 1.0),
    "max_iter": mlvet.Categorical([50, 100]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    X, y = make_classification(n_samples=args.rows, n_features=20, n_informative=8, random_state=0)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    splits = list(cv.split(X, y))
    estimator = HistGradientBoostingClassifier(random_state=0)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def bare() -> float:
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0)
        )
        for i in range(args.trials):
            study.enqueue_trial(sample(SPACE, seed=0, index=i))

        def objective(trial: optuna.Trial) -> float:
            params = {
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
                "max_depth": trial.suggest_int("max_depth", 2, 8),
                "l2_regularization": trial.suggest_float("l2_regularization", 0.0, 1.0),
                "max_iter": trial.suggest_categorical("max_iter", [50, 100]),
            }
            model = HistGradientBoostingClassifier(random_state=0, **params)
            return float(cross_val_score(model, X, y, cv=splits, scoring="roc_auc").mean())

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the same work as mlvet's trial -1: the estimator's defaults on the same splits
            cross_val_score(estimator, X, y, cv=splits, scoring="roc_auc")
            study.optimize(objective, n_trials=args.trials)
        return float(study.best_value)

    def with_mlvet() -> mlvet.TuneResult:
        db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'ledger.db'}"
        return mlvet.tune(
            estimator,
            SPACE,
            X,
            y,
            scoring="roc_auc",
            cv=cv,
            n_trials=args.trials,
            seed=0,
            ledger=db,
            progress=False,
            refit=False,
        )

    best = {"bare optuna": float("inf"), "mlvet.tune": float("inf")}
    result = None
    bare_best = float("nan")
    for _ in range(args.repeats):
        start = time.perf_counter()
        bare_best = bare()
        best["bare optuna"] = min(best["bare optuna"], time.perf_counter() - start)
        start = time.perf_counter()
        result = with_mlvet()
        best["mlvet.tune"] = min(best["mlvet.tune"], time.perf_counter() - start)
    assert result is not None
    print(
        f"{args.rows:,} rows x 20 features, {args.trials} trials x 5 folds, best of {args.repeats}"
    )
    for name, seconds in best.items():
        print(f"  {name:12s} {seconds:7.2f} s")
    print(f"  ratio mlvet/bare: {best['mlvet.tune'] / best['bare optuna']:.3f}")
    print(f"  same best score: mlvet {result.best_score:.6f}, optuna {bare_best:.6f}")


if __name__ == "__main__":
    main()
