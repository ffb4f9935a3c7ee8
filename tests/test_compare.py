"""mlvet.compare: identical splits, baselines, corrected verdicts, the ledger."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import select

import mlvet
from mlvet.exceptions import InputError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger


def data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


CV = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)


def test_a_clearly_better_model_beats_the_baselines_on_identical_splits() -> None:
    X, y = data()
    result = mlvet.compare(
        {"logistic": LogisticRegression(), "stump": DecisionTreeClassifier(max_depth=1)},
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        record=False,
    )
    assert set(result.scores) == {"logistic", "stump", "baseline: dummy", "baseline: linear"}
    assert all(len(v) == 15 for v in result.scores.values())
    assert result.scores["baseline: dummy"] == [0.5] * 15
    versus_dummy = result.pair("logistic", "baseline: dummy")
    assert versus_dummy.mean > 0.4 and versus_dummy.p_holm < 0.05
    assert versus_dummy.verdict.startswith("logistic beats baseline: dummy by +0.")
    # the baselines were scored on the very splits the candidates were
    splits = list(CV.split(X, y))
    from sklearn.model_selection import cross_val_score

    by_hand = cross_val_score(LogisticRegression(), X, y, cv=splits, scoring="roc_auc")
    assert result.scores["logistic"] == pytest.approx(by_hand.tolist())


def test_two_equal_models_are_not_declared_different() -> None:
    X, y = data(seed=1)
    result = mlvet.compare(
        {"C=1": LogisticRegression(C=1.0), "C=0.9": LogisticRegression(C=0.9)},
        X,
        y,
        scoring="accuracy",
        cv=CV,
        baseline=False,
        rope=0.02,
        record=False,
    )
    (pair,) = result.pairs
    assert pair.p_holm > 0.05 and pair.p_equivalent > 0.9
    assert "practically equivalent" in pair.verdict


class FailsOnSmallFolds(ClassifierMixin, BaseEstimator):
    """Fails whenever the row with the largest first feature is not in its training rows."""

    largest = 0.0

    def fit(self, X: np.ndarray, y: np.ndarray) -> FailsOnSmallFolds:
        if X[:, 0].max() < self.largest:
            raise ValueError("cannot fit this fold")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)


def test_failing_folds_are_recorded_not_fatal(recwarn: pytest.WarningsRecorder) -> None:
    X, y = data(seed=2)
    FailsOnSmallFolds.largest = float(X[:, 0].max())
    result = mlvet.compare(
        {
            "flaky": FailsOnSmallFolds(),
            "forest": RandomForestClassifier(n_estimators=10, random_state=0),
        },
        X,
        y,
        scoring="accuracy",
        cv=CV,
        baseline=False,
        record=False,
    )
    assert len(result.failures["flaky"]) == 3  # one fold per repeat
    assert all(f.endswith("failed") for f in result.failures["flaky"])
    assert np.isfinite(result.pair("flaky", "forest").mean)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scoring": "auc"}, "Unknown scoring 'auc'; valid names are"),
        ({"scoring": "accuracy", "cv": 5}, "splitter object"),
        ({"scoring": "accuracy", "cv": StratifiedKFold(2)}, "at least 3"),
        ({"scoring": "accuracy", "rope": -1}, "rope"),
        ({"scoring": "accuracy", "seed": -1}, "seed must be an int"),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, object], message: str) -> None:
    X, y = data(100)
    with pytest.raises(InputError, match=message):
        mlvet.compare([LogisticRegression()], X, y, record=False, **kwargs)  # type: ignore[arg-type]


def test_unequal_lengths_and_repeated_names_are_refused() -> None:
    X, y = data(100)
    with pytest.raises(InputError, match="X has 100 rows but y has 99"):
        mlvet.compare([LogisticRegression()], X, y[:99], scoring="accuracy", record=False)
    with pytest.raises(InputError, match="repeat"):
        mlvet.compare(
            [LogisticRegression(), LogisticRegression()], X, y, scoring="accuracy", record=False
        )


def test_a_comparison_is_recorded_with_its_split_fingerprint(ledger_url: str) -> None:
    X, y = data(seed=3)
    result = mlvet.compare(
        [LogisticRegression()], X, y, scoring="roc_auc", cv=CV, ledger=ledger_url
    )
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        row = conn.execute(select(s.comparisons)).mappings().one()
        split = conn.execute(select(s.splits)).mappings().one()
        run = conn.execute(select(s.runs).where(s.runs.c.id == result.run_id)).mappings().one()
    assert run["kind"] == "compare" and split["fingerprint"] == result.split_fingerprint
    stored = json.loads(row["result_json"])["scores"]
    assert {k: pytest.approx(v) for k, v in stored.items()} == result.scores
    assert "LogisticRegression beats baseline: dummy by +0." in row["verdict"]
    assert led.verify().ok
    again = mlvet.compare([LogisticRegression()], X, y, scoring="roc_auc", cv=CV, record=False)
    assert again.split_fingerprint == result.split_fingerprint


def test_a_tied_winner_and_a_missing_baseline_are_findings(ledger_url: str) -> None:
    X, y = data(seed=4)
    tied = mlvet.compare(
        {"C=1": LogisticRegression(C=1.0), "C=0.9": LogisticRegression(C=0.9)},
        X,
        y,
        scoring="accuracy",
        cv=CV,
        baseline=False,
        name="tied",
        ledger=ledger_url,
    )
    assert sorted(f.code for f in tied.findings) == ["PE202", "PE203"]
    X2, y2 = _circles()
    clear = mlvet.compare(
        [RandomForestClassifier(n_estimators=50, random_state=0)],
        X2,
        y2,
        scoring="roc_auc",
        cv=CV,
        ledger=ledger_url,
    )
    assert clear.findings == ()
    with open_ledger(ledger_url).connect() as conn:
        codes = [f.code for f in mlvet.ledger.read_findings(conn, family="PE")]
    assert sorted(codes) == ["PE202", "PE203"]


def _circles() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=300, noise=0.1, factor=0.5, random_state=0)
    return X, y


def test_a_comparison_rerun_on_other_splits_or_data_is_pe201(sqlite_url: str) -> None:
    X, y = data(seed=5)
    models = {"forest": RandomForestClassifier(n_estimators=20, random_state=0)}
    first = mlvet.compare(models, X, y, scoring="roc_auc", cv=CV, name="fails", ledger=sqlite_url)
    same = mlvet.compare(models, X, y, scoring="roc_auc", cv=CV, name="fails", ledger=sqlite_url)
    assert "PE201" not in [f.code for f in first.findings + same.findings]
    other_cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=1)
    moved = mlvet.compare(
        models, X, y, scoring="roc_auc", cv=other_cv, name="fails", ledger=sqlite_url
    )
    pe201 = [f for f in moved.findings if f.code == "PE201"]
    assert pe201 and pe201[0].evidence["differs"] == ["splits"]
    edited = X.copy()
    edited[0, 0] += 1.0  # one value changed: same splits, other data
    other_data = mlvet.compare(
        models, edited, y, scoring="roc_auc", cv=CV, name="fails", ledger=sqlite_url
    )
    # set beside the latest run of the name, which used other splits as well
    assert [f.evidence["differs"] for f in other_data.findings if f.code == "PE201"] == [
        ["splits", "data"]
    ]
    again = mlvet.compare(
        models, edited, y, scoring="roc_auc", cv=CV, name="fails", ledger=sqlite_url
    )
    assert "PE201" not in [f.code for f in again.findings]  # the same as the latest run


def test_one_holdout_split_uses_mcnemar_and_a_paired_bootstrap() -> None:
    from sklearn.model_selection import StratifiedShuffleSplit

    from mlvet.experiments import mcnemar

    X, y = data(600, seed=6)
    holdout = StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=0)
    result = mlvet.compare(
        [LogisticRegression()], X, y, scoring="accuracy", cv=holdout, record=False
    )
    assert result.n_splits == 1 and all(len(v) == 1 for v in result.scores.values())
    pair = result.pair("LogisticRegression", "baseline: dummy")
    ((train, test),) = list(holdout.split(X, y))
    fitted = LogisticRegression().fit(X[train], y[train])
    dummy_correct = y[test] == np.bincount(y[train]).argmax()
    expected = mcnemar(fitted.predict(X[test]) == y[test], dummy_correct).p_value
    assert pair.p_value == pytest.approx(expected)
    assert pair.p_holm < 0.05 and pair.ci_low > 0.2 and "beats" in pair.verdict
    assert pair.mean == pytest.approx(
        result.scores["LogisticRegression"][0] - result.scores["baseline: dummy"][0]
    )


def test_unequal_preprocessing_within_and_across_comparisons(sqlite_url: str) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X, y = data(seed=6)
    first = mlvet.compare(
        {
            "model": make_pipeline(StandardScaler(), LogisticRegression()),
            "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        },
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        name="weekly",
        ledger=sqlite_url,
    )
    pe204 = [f for f in first.findings if f.code == "PE204"]
    assert len(pe204) == 1 and "model: StandardScaler; tree: none" in pe204[0].message
    assert "baseline" not in pe204[0].message  # the baselines' own scaler does not count
    second = mlvet.compare(
        {
            "model": make_pipeline(MinMaxScaler(), LogisticRegression()),
            "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        },
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        name="weekly",
        ledger=sqlite_url,
    )
    pe201 = [f for f in second.findings if f.code == "PE201"]
    assert len(pe201) == 1 and "preprocessing (for model)" in pe201[0].message
    same = mlvet.compare(
        {"tree": DecisionTreeClassifier(max_depth=3, random_state=0)},
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        ledger=sqlite_url,
    )
    assert not [f for f in same.findings if f.code in ("PE201", "PE204")]
