"""Monitors at their edges: ids, times, lazy batches, small batches, wide categories and
rules that could never hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlvet.exceptions import InputError
from mlvet.monitoring import Monitor, domain_classifier, evaluate, load_config, run_config


def scored(seed: int, n: int, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-2 * x))
    return pd.DataFrame(
        {
            "row_id": np.arange(start, start + n, dtype=float),  # ids read as floats
            "day": pd.date_range("2020-03-02", periods=n, freq="min"),
            "x": x,
            "score": p,
            "fail": (rng.random(n) < p).astype(int),
        }
    )


def test_ids_read_as_floats_join_labels_given_as_ints(sqlite_url: str) -> None:
    m = Monitor(
        "float-ids",
        scored(0, 2_000),
        prediction="score",
        target="fail",
        id="row_id",
        ledger=sqlite_url,
    )
    batch = scored(1, 500, start=10_000)
    m.observe(batch.drop(columns="fail"), batch_key="b")
    out = m.label(batch.row_id.astype(int), batch.fail)
    assert out["labelled"] == 500 and out["unknown"] == 0
    with pytest.raises(InputError, match="one label per row"):
        m.label(["10000"], [[1]])
    with pytest.raises(InputError, match="one label per row"):
        m.label("10000", 1)


def test_a_batchs_period_starts_at_its_earliest_time_in_utc(sqlite_url: str) -> None:
    m = Monitor(
        "times",
        scored(0, 2_000).drop(columns="row_id"),
        timestamp="day",
        features=["x"],
        ledger=sqlite_url,
    )
    batch = scored(1, 100).drop(columns="row_id")
    batch["day"] = batch["day"].dt.tz_localize("Europe/London").astype(object)
    batch.loc[0, "day"] = None  # a missing time is skipped
    m.observe(batch, batch_key="b1")
    starts = m.history().period_start.unique().tolist()
    assert starts == ["2020-03-02T00:01:00.000000Z"]
    with pytest.raises(InputError, match="not ISO-8601 times"):
        m.observe(batch.assign(day="soon"), batch_key="b2")
    with pytest.raises(InputError, match="1 to 32 characters"):
        m.observe(batch, batch_key="b3", period_start="x" * 40)
    m.observe(batch, batch_key="b4", period_start=pd.Timestamp("2020-04-01 09:30", tz="UTC"))
    assert m.history().period_start.iloc[-1] == "2020-04-01T09:30:00.000000Z"


def test_a_lazy_batch_keeps_its_scored_rows_for_labels(sqlite_url: str) -> None:
    m = Monitor(
        "lazy-rows",
        scored(0, 3_000),
        prediction="score",
        target="fail",
        id="row_id",
        ledger=sqlite_url,
    )
    batch = scored(1, 800, start=50_000)
    m.observe(pl.from_pandas(batch.drop(columns="fail")).lazy(), batch_key="b")
    assert m.performance().estimated.notna().all()
    assert m.label(batch.row_id, batch.fail)["labelled"] == 800
    with pytest.raises(InputError, match="in memory"):
        m.observe(
            pl.from_pandas(batch.drop(columns=["fail", "score"])).lazy(),
            batch_key="c",
            predictions=batch.score,
        )


def test_small_batches_and_wide_categories_on_a_multivariate_monitor(sqlite_url: str) -> None:
    rng = np.random.default_rng(3)
    ref = pd.DataFrame(
        {"city": rng.choice([f"c{i}" for i in range(400)], 4_000), "x": rng.normal(size=4_000)}
    )
    mv = domain_classifier(ref, ref.sample(2_000, random_state=1))  # 400 categories: lumped
    assert not mv.drifted
    m = Monitor("wide", ref, multivariate=True, sample=1_000, ledger=sqlite_url)
    small = m.observe(ref.iloc[:15], batch_key="tiny")  # too few rows to learn from
    assert small.multivariate is None and small.columns
    big = m.observe(ref.iloc[:1_000], batch_key="big")
    assert big.multivariate is not None


def test_rules_that_could_never_hold_are_refused(sqlite_url: str, tmp_path: Path) -> None:
    m = Monitor("plain", scored(0, 1_000)[["x"]], ledger=sqlite_url)
    for rule, why in (
        ("estimated_auc < 0.8", "estimates nothing"),
        ("realized_accuracy < 0.8", "keeps no rows"),
        ("domain_auc > 0.6", "no reference sample"),
    ):
        with pytest.raises(InputError, match=why):
            evaluate(m, [rule])
    assert m.rules == []  # nothing kept: AN202 is not fooled
    r = Monitor(
        "reg",
        scored(0, 1_000).assign(score=lambda d: d.x * 3, fail=lambda d: d.x * 3.1),
        prediction="score",
        target="fail",
        id="row_id",
        ledger=sqlite_url,
    )
    with pytest.raises(InputError, match="binary model"):
        evaluate(r, ["realized_auc < 0.8"])
    evaluate(r, ["realized_mae > 1"])  # measurable


def test_two_batch_files_with_one_name_are_refused(tmp_path: Path, sqlite_url: str) -> None:
    data = tmp_path / "data"
    (data / "batches").mkdir(parents=True)
    frame = scored(0, 500)[["x"]]
    frame.to_parquet(data / "reference.parquet")
    frame.to_parquet(data / "batches" / "2020-01.parquet")
    frame.to_csv(data / "batches" / "2020-01.csv", index=False)
    (tmp_path / "m.yaml").write_text(
        "monitors:\n  - name: dup\n    reference: data/reference.parquet\n"
        "    batches: data/batches/*\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="share the name"):
        run_config(tmp_path / "m.yaml", ledger=sqlite_url, progress=False)
    assert load_config(tmp_path / "m.yaml")[0]["name"] == "dup"


def test_a_refused_monitors_file_records_nothing(tmp_path: Path, sqlite_url: str) -> None:
    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    data = tmp_path / "data"
    (data / "batches").mkdir(parents=True)
    frame = scored(0, 500)
    frame.to_parquet(data / "reference.parquet")
    base = (
        "monitors:\n  - name: m1\n    reference: data/reference.parquet\n"
        "    batches: data/batches/*.parquet\n    features: [x]\n"
    )
    for extra, message in (
        ("    rules: ['psi[score] > 0.2']\n", "does not watch"),
        ("    rules: ['estimated_auc < 0.8']\n", "needs prediction and target"),
        ("    rules: ['domain_auc > 0.6']\n", "multivariate: true"),
        ("    model: nobody\n", "no registered model"),
        ("    prediction: nope\n", "not in the reference"),
    ):
        (tmp_path / "m.yaml").write_text(base + extra, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            run_config(tmp_path / "m.yaml", ledger=sqlite_url, progress=False)
    with open_ledger(sqlite_url).connect() as conn:
        assert conn.execute(s.monitors.select()).first() is None
    (tmp_path / "m.yaml").write_text(base + "    rules: ['psi[x] > 0.2']\n", encoding="utf-8")
    assert run_config(tmp_path / "m.yaml", ledger=sqlite_url, progress=False)[0]["files"] == 0


def test_evaluate_checks_every_rule_before_keeping_any(sqlite_url: str) -> None:
    m = Monitor("strict", scored(0, 500)[["x"]], ledger=sqlite_url)
    with pytest.raises(InputError, match="does not watch"):
        evaluate(m, ["psi > 0.2", "psi[nosuch] > 0.2 for 3 consecutive batches"])
    assert Monitor.open("strict", ledger=sqlite_url).rules == []


def test_webhook_settings_are_checked_like_email_settings(tmp_path: Path) -> None:
    base = (
        "monitors:\n  - name: m\n    reference: r.parquet\n    batches: b/*.csv\n"
        "    notify:\n      - webhook: "
    )
    for hook, message in (
        ("{url: 'http://x', secret: 'abcdefghijklmnopqrstuvwxyz'}", "never write the secret"),
        ("{url: 'http://x', secret_env: X, sekret_env: Y}", "unknown key"),
        ("{secret_env: X}", "url is required"),
    ):
        (tmp_path / "m.yaml").write_text(base + hook + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_config(tmp_path / "m.yaml")


def test_multiclass_targets_are_refused(sqlite_url: str) -> None:
    frame = scored(0, 600).assign(cls=lambda d: np.arange(len(d)) % 3)
    with pytest.raises(InputError, match="multiclass"):
        Monitor("mc", frame, prediction="score", target="cls", ledger=sqlite_url)
    counts = Monitor(
        "counts", frame, prediction="score", target="cls", task="regression", ledger=sqlite_url
    )
    assert counts.task == "regression"


def test_an_ssl_email_notifier_defaults_to_port_465() -> None:
    from mlvet.monitoring import EmailNotifier

    n = EmailNotifier(
        "smtp.example.com", sender="a@example.com", recipients=["b@example.com"], ssl=True
    )
    assert (n.port, n.starttls) == (465, False)


def test_reopening_ignores_column_order_and_engine_but_not_the_labels(sqlite_url: str) -> None:
    import duckdb

    ref = scored(0, 3_000)
    Monitor(
        "ro", ref, features=["x", "score"], prediction="score", target="fail", ledger=sqlite_url
    )
    assert (
        Monitor(
            "ro",
            ref[["fail", "score", "x", "row_id", "day"]],
            features=["score", "x"],
            prediction="score",
            target="fail",
            ledger=sqlite_url,
        ).name
        == "ro"
    )
    con = duckdb.connect()
    con.register("r", ref)
    plain = Monitor("ro-plain", ref[["x", "score"]], ledger=sqlite_url)
    again = Monitor("ro-plain", con.sql("select x, score from r"), ledger=sqlite_url)
    assert again.id == plain.id  # the same rows held by another engine
    with pytest.raises(InputError, match="another reference or settings"):
        Monitor(
            "ro",
            ref.assign(fail=1 - ref.fail),
            features=["x", "score"],
            prediction="score",
            target="fail",
            ledger=sqlite_url,
        )


def test_a_negative_zero_score_keeps_the_audit_chain_whole(ledger_url: str) -> None:
    from mlvet.ledger import open_ledger

    m = Monitor(
        "nz",
        scored(0, 1_000),
        prediction="score",
        target="fail",
        id="row_id",
        task="binary",
        ledger=ledger_url,
    )
    batch = scored(1, 100, start=9_000).drop(columns="fail")
    batch.loc[0, "score"] = -0.0
    m.observe(batch, batch_key="b")
    m.label(batch.row_id[:2], [0, 1])
    assert open_ledger(ledger_url).verify().ok


def test_times_quality_and_lazy_starts(sqlite_url: str) -> None:
    ref = scored(0, 2_000)
    m = Monitor(
        "tq",
        ref,
        prediction="score",
        target="fail",
        timestamp="day",
        features=["x"],
        ledger=sqlite_url,
    )
    batch = scored(1, 300).drop(columns="fail")
    with pytest.raises(InputError, match="holds numbers"):
        m.observe(batch.assign(day=np.arange(300)), batch_key="epoch")
    with pytest.raises(InputError, match="period_start"):
        m.observe(batch, batch_key="nat", period_start=pd.NaT)
    m.observe(batch.drop(columns="score"), batch_key="beside", predictions=batch.score)
    assert m.quality().empty  # the scores given beside are checked as the column
    plain = Monitor("tq-lazy", ref[["day", "x"]], timestamp="day", ledger=sqlite_url)
    plain.observe(pl.from_pandas(batch[["day", "x"]]).lazy(), batch_key="lazy")
    assert plain.history().period_start.iloc[0] == "2020-03-02T00:00:00.000000Z"


def test_a_legacy_time_column_is_still_counted_as_text() -> None:
    from mlvet.monitoring import profile_against, profile_reference

    frame_ = scored(0, 500)[["day", "x"]]
    as_text = profile_reference(frame_.assign(day=frame_.day.astype(str)))
    again = profile_against(frame_, as_text)  # a batch with real times, as before
    assert again.columns["day"].kind == "categorical" and again.columns["day"].n == 500


def test_a_batch_may_carry_unwatched_columns_with_any_name(sqlite_url: str) -> None:
    m = Monitor("extra", scored(0, 500)[["x"]], ledger=sqlite_url)
    batch = scored(1, 200)[["x"]]
    batch[0] = 1.0  # an extra column named by a number
    assert m.observe(batch, batch_key="b").drifted == []


def test_a_monitors_file_sets_the_task_and_is_refused_before_recording(
    tmp_path: Path, sqlite_url: str
) -> None:
    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    data = tmp_path / "data"
    (data / "batches").mkdir(parents=True)
    frame = scored(0, 600).assign(days=lambda d: np.arange(len(d)) % 8)
    frame.to_parquet(data / "reference.parquet")
    base = (
        "monitors:\n  - name: ok-one\n    reference: data/reference.parquet\n"
        "    batches: data/batches/*.parquet\n    features: [x]\n"
        "  - name: counts\n    reference: data/reference.parquet\n"
        "    batches: data/batches/*.parquet\n    features: [x]\n"
        "    prediction: score\n    target: days\n    id: row_id\n"
    )
    (tmp_path / "m.yaml").write_text(
        base + "    task: regression\n    rules: ['realized_auc < 0.8']\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="for a binary model"):
        run_config(tmp_path / "m.yaml", ledger=sqlite_url, progress=False)
    with open_ledger(sqlite_url).connect() as conn:
        assert conn.execute(s.monitors.select()).first() is None
    (tmp_path / "m.yaml").write_text(
        base + "    task: regression\n    rules: ['realized_mae > 2']\n", encoding="utf-8"
    )
    assert len(run_config(tmp_path / "m.yaml", ledger=sqlite_url, progress=False)) == 2


def test_a_rule_given_alone_or_a_flag_given_as_text_is_named(sqlite_url: str) -> None:
    from mlvet.monitoring import drift

    m = Monitor("alone", scored(0, 300)[["x"]], ledger=sqlite_url)
    with pytest.raises(InputError, match="list of rules"):
        evaluate(m, "psi > 0.2")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="multivariate must be True or False"):
        Monitor("flag", scored(0, 300)[["x"]], multivariate="yes", ledger=sqlite_url)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="multivariate must be True or False"):
        drift(scored(0, 300)[["x"]], scored(1, 300)[["x"]], multivariate="no")  # type: ignore[arg-type]
