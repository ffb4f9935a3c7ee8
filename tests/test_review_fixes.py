"""Bad input the guards must name before anything is recorded (found in review)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sqlalchemy import func, select

from mlvet.exceptions import InputError
from mlvet.guard import Guard, decide, queue_reviews, register_model, reviews
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger
from mlvet.monitoring import (
    Monitor,
    WebhookNotifier,
    compare_profiles,
    drift,
    evaluate,
    profile_reference,
    run_config,
)


def frame(k: int, shift: float = 0.0, n: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    return pd.DataFrame({"volume": rng.normal(shift, 1, size=n), "spread": rng.exponential(size=n)})


def test_thresholds_and_profiles_are_checked(sqlite_url: str) -> None:
    ref, cur = frame(0), frame(1, shift=3.0)
    for bad in (float("nan"), float("inf"), -1, "0.2", True):
        with pytest.raises(InputError, match="threshold must be"):
            drift(ref, cur, threshold=bad)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="threshold must be"):
            Monitor(f"m{bad!s}", ref, threshold=bad, ledger=sqlite_url)  # type: ignore[arg-type]
    # two reference profiles, each on its own deciles, would hide a 3-sd shift
    with pytest.raises(InputError, match="made on other bins"):
        compare_profiles(profile_reference(ref), profile_reference(cur))
    with pytest.raises(InputError, match=r"no column\(s\) \['spread'\]"):
        compare_profiles(profile_reference(ref), profile_reference(cur[["volume"]]))


def test_a_monitors_file_is_checked_before_any_batch_is_recorded(
    tmp_path: Path, sqlite_url: str
) -> None:
    (tmp_path / "b").mkdir()
    frame(0).to_parquet(tmp_path / "ref.parquet")
    frame(1).to_parquet(tmp_path / "b" / "2020-01.parquet")
    config = tmp_path / "m.yaml"
    config.write_text(
        "monitors:\n  - name: m\n    reference: ref.parquet\n    batches: b/*\n"
        "    rules: ['psi[volumee] > 0.2']\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"column\(s\) \['volumee'\] it does not watch"):
        run_config(config, ledger=sqlite_url, progress=False)
    with open_ledger(sqlite_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.prediction_batches)).scalar() == 0
    config.write_text(config.read_text().replace("volumee", "volume"), encoding="utf-8")
    (tmp_path / "b" / "2020-02.csv").write_text("", encoding="utf-8")  # an empty batch file
    with pytest.raises(InputError, match=r"Monitor 'm': .*2020-02.csv cannot be read"):
        run_config(config, ledger=sqlite_url, progress=False)
    config.write_text(config.read_text() + "    threshold: high\n", encoding="utf-8")
    with pytest.raises(InputError, match="monitor 'm': threshold must be a number"):
        run_config(config, ledger=sqlite_url, progress=False)


def test_notifiers_are_checked_and_one_failing_does_not_stop_the_rest(sqlite_url: str) -> None:
    with pytest.raises(InputError, match="backoff must be"):
        WebhookNotifier("http://127.0.0.1:9/x", secret="s" * 16, backoff=-1)

    class Broken:
        def notify(self, alert: object) -> None:
            raise RuntimeError("down")

    class Keeper:
        def __init__(self) -> None:
            self.seen: list[object] = []

        def notify(self, alert: object) -> None:
            self.seen.append(alert)

    monitor = Monitor("m", frame(0), ledger=sqlite_url)
    monitor.observe(frame(1, shift=2.0), batch_key="b1")
    keeper = Keeper()
    assert len(evaluate(monitor, ["psi > 0.2"], notifiers=[Broken(), keeper])) == 1
    assert len(keeper.seen) == 1


def test_reviews_keep_what_route_saw_and_refuse_bad_labels_and_names(sqlite_url: str) -> None:
    X, y = make_classification(1500, 5, class_sep=0.5, random_state=0)
    guard = Guard(LogisticRegression(), alpha=0.05, review=True).fit(X[:1000], y[:1000])
    routing = guard.route(X[1000:])
    queue_reviews(guard, X[1000:], routing, ledger=sqlite_url)
    first = reviews(ledger=sqlite_url)[0]
    row = int(first.row_key)  # type: ignore[arg-type]
    expected = [int(c) for c, on in zip(guard.classes_, routing.sets[row], strict=True) if on]  # type: ignore[index]
    assert first.prediction["set"] == expected
    for label in (float("nan"), None):
        with pytest.raises(InputError, match="label must be"):
            decide(first.id, label, reviewer="ana", reason="x", ledger=sqlite_url)
    with pytest.raises(InputError, match="reviewer must be a non-empty string of at most 200"):
        decide(first.id, 1, reviewer="a" * 201, reason="x", ledger=sqlite_url)
    with pytest.raises(InputError, match="ece_threshold must be"):
        register_model("m", guard, ece_threshold=float("nan"), ledger=sqlite_url)


def test_experiment_inputs_found_in_review() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold

    from mlvet.experiments import Features, ablate, compare, tune
    from mlvet.experiments._common import describe_estimator
    from mlvet.experiments._compare import Comparison

    X, y = make_classification(200, 4, random_state=0)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    # a numpy parameter is described as the number it is (else diff sees "100 -> 100")
    assert (
        describe_estimator(HistGradientBoostingClassifier(max_iter=np.int64(100)))["params"][
            "max_iter"
        ]
        == 100
    )
    with pytest.raises(InputError, match="cv must be a splitter"):
        tune(
            LogisticRegression(),
            {"C": [0.1, 1.0]},
            X,
            y,
            scoring="accuracy",
            cv=[1, 2, 3],
            record=False,
        )
    with pytest.raises(InputError, match=r"columns \[1\.0\] are not in X"):
        ablate(
            LogisticRegression(),
            X,
            y,
            components={"f": Features([1.0])},
            scoring="accuracy",
            cv=cv,
            record=False,
        )
    with pytest.raises(InputError, match="rope must be"):
        compare(
            [LogisticRegression()], X, y, scoring="accuracy", cv=cv, rope=float("nan"), record=False
        )
    # one failed fold does not make a model's mean NaN (nor make it "best")
    result = Comparison(
        "accuracy", {"flaky": [float("nan"), 0.5, 0.5], "good": [0.9, 0.9, 0.9]}, (), "x", 3, 0.01
    )
    assert result.mean("flaky") == 0.5 and result.best == "good"


def test_a_small_imbalanced_holdout_is_compared_not_crashed() -> None:
    from sklearn.model_selection import StratifiedShuffleSplit

    from mlvet.experiments import compare

    X, y = make_classification(60, 4, weights=[0.9], random_state=0)
    holdout = StratifiedShuffleSplit(1, test_size=0.2, random_state=0)  # 12 rows, 1-2 positives
    result = compare([LogisticRegression()], X, y, scoring="roc_auc", cv=holdout, record=False)
    assert all(np.isfinite(p.ci_low) and np.isfinite(p.ci_high) for p in result.pairs)
