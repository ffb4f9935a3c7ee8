"""Performance over time: estimated without labels, realized when labels come, watched by
river's detectors, and alert rules on both."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select

from mlvet.exceptions import InputError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger
from mlvet.monitoring import AlertRule, Monitor, evaluate
from mlvet.monitoring._performance import (
    change_points,
    estimated_metrics,
    fractional_auc,
    realized_metrics,
)


def scored(
    seed: int, n: int, *, shift: float = 0.0, flip: bool = False, start: int = 0
) -> pd.DataFrame:
    """Rows of a calibrated model: the score is the true chance of the label.

    ``shift`` moves the inputs (covariate shift: the score still tells the truth);
    ``flip`` breaks the relation of labels to inputs (concept drift).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    z = rng.normal(0.0, 1.0, n)
    p = 1 / (1 + np.exp(-(1.5 * x - 1.0)))
    truth = 1 - p if flip else p
    y = (rng.random(n) < truth).astype(int)
    return pd.DataFrame(
        {"row_id": [f"r{start + i}" for i in range(n)], "x": x, "z": z, "score": p, "fail": y}
    )


def test_fractional_auc_is_the_ordinary_auc_on_zero_one_labels() -> None:
    rng = np.random.default_rng(0)
    scores = np.round(rng.random(500), 2)  # many ties
    y = (rng.random(500) < scores).astype(float)
    assert fractional_auc(scores, y) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)


def test_fractional_auc_matches_the_pairwise_definition() -> None:
    rng = np.random.default_rng(1)
    s_ = np.round(rng.random(60), 1)
    p = rng.random(60)
    num = sum(
        p[i] * (1 - p[j]) * (1.0 if s_[i] > s_[j] else 0.5 if s_[i] == s_[j] else 0.0)
        for i in range(60)
        for j in range(60)
    )
    assert fractional_auc(s_, p) == pytest.approx(num / (p.sum() * (1 - p).sum()), rel=1e-12)
    assert math.isnan(fractional_auc(s_, np.zeros(60)))


def test_hanley_mcneil_band_matches_the_formula() -> None:
    # 50 positives, 50 negatives, AUC 0.8: Q1 = 0.8/1.2, Q2 = 2*0.64/1.8, SE = 0.04450
    scores = np.r_[np.ones(50), np.zeros(50)]
    y = np.r_[np.ones(40), np.zeros(10), np.ones(10), np.zeros(40)]
    real = realized_metrics(scores, y, task="binary", decision_threshold=0.5)["roc_auc"]
    assert real.value == pytest.approx(0.8)
    q1, q2 = 0.8 / 1.2, 2 * 0.64 / 1.8
    se = math.sqrt((0.16 + 49 * (q1 - 0.64) + 49 * (q2 - 0.64)) / 2500)
    assert se == pytest.approx(0.04450, abs=1e-5)
    assert real.upper - real.value == pytest.approx(1.959964 * se, rel=1e-5)


def test_estimates_follow_the_realized_metric_under_covariate_shift() -> None:
    errors_auc, errors_acc, covered = [], [], 0
    for seed in range(20):
        batch = scored(seed, 4_000, shift=0.6)
        est = estimated_metrics(batch.score.to_numpy(), batch.score.to_numpy(), 0.5)
        real = realized_metrics(
            batch.score.to_numpy(),
            batch.fail.to_numpy(float),
            task="binary",
            decision_threshold=0.5,
        )
        errors_auc.append(est["roc_auc"].value - real["roc_auc"].value)
        errors_acc.append(est["accuracy"].value - real["accuracy"].value)
        covered += est["accuracy"].lower <= real["accuracy"].value <= est["accuracy"].upper
    assert abs(np.mean(errors_auc)) < 0.005 and np.max(np.abs(errors_auc)) < 0.03
    assert abs(np.mean(errors_acc)) < 0.005
    assert covered >= 16  # a 95% band over 20 batches


def test_river_detectors_find_the_batch_where_performance_falls() -> None:
    rng = np.random.default_rng(3)
    stream = np.r_[rng.random(3000) < 0.85, rng.random(3000) < 0.60].astype(float)
    owners = ["a"] * 3000 + ["b"] * 3000
    assert change_points(stream, owners, detector="adwin") == ["b"]
    assert change_points(stream, owners, detector="page_hinkley") == ["b"]
    steady = (rng.random(6000) < 0.85).astype(float)
    assert change_points(steady, owners, detector="page_hinkley") == []
    with pytest.raises(InputError, match="adwin"):
        change_points(stream, owners, detector="cusum")


def test_monitor_estimates_then_realizes_performance(ledger_url: str, tmp_path: Path) -> None:
    reference = scored(100, 20_000)
    monitor = Monitor(
        "fails-model",
        reference,
        features=["x", "z"],
        prediction="score",
        target="fail",
        id="row_id",
        ledger=ledger_url,
    )
    assert monitor.task == "binary" and monitor.calibrator is not None
    assert monitor.features == ["x", "z", "score"]  # prediction drift beside input drift
    batches = {
        "2020-01": scored(1, 2_000, start=100_000),
        "2020-02": scored(2, 2_000, shift=0.5, start=200_000),  # covariate shift
        "2020-03": scored(3, 2_000, flip=True, start=300_000),  # concept drift
    }
    for key, frame in batches.items():
        monitor.observe(frame.drop(columns="fail"), batch_key=key)
    perf = monitor.performance()
    auc = perf[perf.metric == "roc_auc"].set_index("batch_key")
    assert auc.realized.isna().all() and auc.estimated.notna().all()
    # labels arrive: all of January and February, half of March
    for key, frame in batches.items():
        part = frame if key != "2020-03" else frame.iloc[:1_000]
        out = monitor.label(part.row_id, part.fail)
        assert out["labelled"] == len(part) and out["batches"] == [key]
    led = open_ledger(ledger_url)
    head = led.head()
    jan = batches["2020-01"]
    again = monitor.label(jan.row_id, jan.fail)  # the same file given again
    assert (again["labelled"], again["unchanged"]) == (0, 2_000) and led.head() == head
    perf = monitor.performance()
    auc = perf[perf.metric == "roc_auc"].set_index("batch_key")
    for key in ("2020-01", "2020-02"):
        frame = batches[key]
        assert auc.realized[key] == pytest.approx(roc_auc_score(frame.fail, frame.score))
        assert abs(auc.error[key]) < 0.03
    march = batches["2020-03"].iloc[:1_000]
    assert auc.n_labelled["2020-03"] == 1_000
    assert auc.realized["2020-03"] == pytest.approx(roc_auc_score(march.fail, march.score))
    assert auc.error["2020-03"] > 0.4  # the estimate cannot see concept drift; realized does
    assert monitor.changes()["adwin"] == ["2020-03"]
    png = monitor.plot_performance(tmp_path / "perf.png")
    assert png.stat().st_size > 10_000

    # rules on performance, kept on the monitor
    opened = evaluate(monitor, ["realized_auc < 0.6", "estimated_auc < 0.6"])
    assert [a.rule for a in opened] == ["realized_auc < 0.6"]
    assert opened[0].detail["batches"] == ["2020-03"]
    assert Monitor.open("fails-model", ledger=ledger_url).rules == [
        "realized_auc < 0.6",
        "estimated_auc < 0.6",
    ]
    report = open_ledger(ledger_url).verify()  # kept rows and labels leave the chain whole
    assert report.ok, report.problems[:3]


def test_labels_that_cannot_join_are_refused_and_change_nothing(ledger_url: str) -> None:
    monitor = Monitor(
        "fails-labels",
        scored(0, 5_000),
        prediction="score",
        target="fail",
        id="row_id",
        ledger=ledger_url,
    )
    batch = scored(1, 500, start=10_000)
    monitor.observe(batch.drop(columns="fail"), batch_key="b1")
    led = open_ledger(ledger_url)

    def labelled() -> int:
        with led.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(s.monitor_rows)
                    .where(s.monitor_rows.c.label.is_not(None))
                ).scalar_one()
            )

    with pytest.raises(InputError, match="never observed"):
        monitor.label(["r10000", "nope"], [1, 0])
    assert labelled() == 0
    assert monitor.label(["r10000", "nope"], [1, 0], unknown="ignore")["unknown"] == 1
    assert labelled() == 1
    with pytest.raises(InputError, match="0/1"):
        monitor.label(["r10001"], [2])
    with pytest.raises(InputError, match="duplicate"):
        monitor.label(["r10001", "r10001"], [1, 1])
    with pytest.raises(InputError, match="observed before"):  # ids are unique per monitor
        monitor.observe(batch.drop(columns="fail"), batch_key="b2")
    dup = batch.drop(columns="fail").iloc[:3].copy()
    dup["row_id"] = ["x", "x", "y"]
    with pytest.raises(InputError, match="duplicate"):
        monitor.observe(dup, batch_key="b3")
    with pytest.raises(InputError, match="NaN"):
        bad = batch.drop(columns="fail").assign(row_id=[f"n{i}" for i in range(500)])
        monitor.observe(bad, batch_key="b4", predictions=np.r_[np.nan, np.ones(499) / 2])
    with led.connect() as conn:
        keys = conn.execute(select(s.prediction_batches.c.batch_key)).scalars().all()
    assert sorted(keys) == ["b1"]


def test_scores_given_beside_the_batch_equal_scores_in_it(sqlite_url: str) -> None:
    reference = scored(0, 5_000)
    a = Monitor("in-col", reference, prediction="score", target="fail", ledger=sqlite_url)
    b = Monitor("beside", reference, prediction="score", target="fail", ledger=sqlite_url)
    batch = scored(7, 1_000, shift=0.4).drop(columns="fail")
    with_col = a.observe(batch, batch_key="b")
    beside = b.observe(batch.drop(columns="score"), batch_key="b", predictions=batch.score)
    assert with_col.to_dict() == beside.to_dict()
    assert a.performance().estimated.tolist() == b.performance().estimated.tolist()
    with pytest.raises(InputError, match="one score per row"):
        b.observe(batch, batch_key="c", predictions=batch.score[:10])


def test_regression_monitors_realize_mae_and_rmse(sqlite_url: str) -> None:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"id": range(2_000), "x": rng.normal(size=2_000)})
    ref["y"] = 3 * ref.x + rng.normal(size=2_000)
    ref["pred"] = 3 * ref.x
    monitor = Monitor("fails-count", ref, prediction="pred", target="y", id="id", ledger=sqlite_url)
    assert monitor.task == "regression" and monitor.calibrator is None
    batch = ref.iloc[:500].assign(id=range(10_000, 10_500))
    monitor.observe(batch.drop(columns="y"), batch_key="b")
    monitor.label(batch.id, batch.y)
    perf = monitor.performance().set_index("metric")
    err = batch.pred - batch.y
    assert perf.realized["mae"] == pytest.approx(err.abs().mean())
    assert perf.realized["rmse"] == pytest.approx(math.sqrt((err**2).mean()))
    assert AlertRule.parse("realized_mae > 0.5").holds(None, monitor.metrics())[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prediction": "nope"}, "prediction column 'nope'"),
        ({"prediction": "score", "target": "score"}, "different columns"),
        ({"target": "fail"}, "without a prediction"),
        ({"prediction": "score", "task": "multiclass"}, "task is"),
        ({"prediction": "x", "target": "fail", "task": "binary"}, r"\[0, 1\]"),
        ({"prediction": "score", "features": ["x", "fail"], "target": "fail"}, "not features"),
    ],
)
def test_bad_monitor_settings_are_named(
    sqlite_url: str, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        Monitor("bad", scored(0, 500), ledger=sqlite_url, **kwargs)


def test_performance_rules_parse_and_refuse_columns() -> None:
    rule = AlertRule.parse("estimated_auc < 0.80 for 2 consecutive batches")
    assert (rule.metric, rule.op, rule.value, rule.consecutive) == ("estimated_auc", "<", 0.8, 2)
    with pytest.raises(InputError, match="whole batch"):
        AlertRule.parse("estimated_auc[x] < 0.8")
    with pytest.raises(InputError, match="realized_mae"):
        AlertRule.parse("auc < 0.8")


@pytest.mark.parametrize(
    "tamper",
    [
        "update monitor_rows set score = 1 - score where id = 3",
        "update monitor_rows set label = 1 - label where id = 5",
        "update monitor_rows set label = 1 where id = 700",  # a label never given
        "delete from monitor_rows where id = 9",
    ],
)
def test_scores_and_labels_kept_outside_the_chain_are_still_verified(
    ledger_url: str, tamper: str
) -> None:
    from sqlalchemy import text

    monitor = Monitor(
        "tamper",
        scored(0, 3_000),
        prediction="score",
        target="fail",
        id="row_id",
        ledger=ledger_url,
    )
    batch = scored(1, 800, start=70_000)
    monitor.observe(batch.drop(columns="fail"), batch_key="b")
    monitor.label(batch.row_id[:400], batch.fail[:400])
    led = open_ledger(ledger_url)
    assert led.verify().ok
    with led.engine.begin() as conn:  # behind mlvet's back
        conn.execute(text(tamper))
    report = led.verify()
    assert not report.ok
    assert {p.table for p in report.problems} == {"monitor_rows"}


def test_the_realized_accuracy_interval_is_wilsons() -> None:
    # all ten wrong: Wilson's upper bound is z^2 / (n + z^2) = 0.2775, not Wald's 0
    scores, labels = np.full(10, 0.9), np.zeros(10)
    acc = realized_metrics(scores, labels, task="binary", decision_threshold=0.5)["accuracy"]
    assert acc.value == 0 and acc.lower == 0
    assert acc.upper == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-5)
    # 40 of 50 right: the textbook interval (0.670, 0.888)
    scores = np.r_[np.full(40, 0.9), np.full(10, 0.9)]
    labels = np.r_[np.ones(40), np.zeros(10)]
    acc = realized_metrics(scores, labels, task="binary", decision_threshold=0.5)["accuracy"]
    assert (acc.lower, acc.upper) == pytest.approx((0.6696, 0.8876), abs=5e-4)
