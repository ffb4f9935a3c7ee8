"""Monitor: the reference and every batch in the ledger, once per batch key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError, NotFoundError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger
from mlvet.monitoring import Monitor, drift

runner = CliRunner()


def month(k: int, shift: float = 0.0, n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    return pd.DataFrame(
        {
            "volume": rng.normal(shift, 1, size=n),
            "spread": rng.exponential(size=n),
            "tenor": rng.choice(["2Y", "5Y", "10Y"], n, p=[0.5, 0.3, 0.2]),
        }
    )


def test_batches_are_recorded_once_and_reopen_from_the_ledger(
    ledger_url: str, tmp_path: Path
) -> None:
    reference = month(0, n=20_000)
    monitor = Monitor("fails-inputs", reference, ledger=ledger_url)
    keys = ["2020-01", "2020-02", "2020-03", "2020-04"]
    shifts = [0.0, 0.0, 0.8, 0.9]  # the March regime shift
    reports = [
        monitor.observe(month(i + 1, shift), batch_key=k, period_start=f"{k}-01")
        for i, (k, shift) in enumerate(zip(keys, shifts, strict=True))
    ]
    assert [r.drifted for r in reports] == [[], [], ["volume"], ["volume"]]
    again = monitor.observe(month(99, shift=5.0), batch_key="2020-03")  # a rerun of March
    assert again.to_dict() == reports[2].to_dict()  # the recorded batch, not the new rows
    with open_ledger(ledger_url).connect() as conn:
        n_batches = conn.execute(select(func.count()).select_from(s.prediction_batches)).scalar()
        n_results = conn.execute(select(func.count()).select_from(s.drift_results)).scalar()
    assert (n_batches, n_results) == (4, 12)
    reopened = Monitor.open("fails-inputs", ledger=ledger_url)
    history = reopened.history()
    volume = history[history.feature == "volume"]
    assert volume.drifted.tolist() == [False, False, True, True]
    expected = drift(reference, month(3, 0.8)).column("volume").statistic
    assert volume.statistic.iloc[2] == pytest.approx(expected)
    assert reopened.latest().drifted == ["volume"]  # type: ignore[union-attr]
    png = reopened.plot(tmp_path / "drift.png")
    assert png.stat().st_size > 10_000
    same = Monitor("fails-inputs", reference, ledger=ledger_url)  # the same reference reopens
    assert same.id == monitor.id
    with pytest.raises(InputError, match="exists with another reference"):
        Monitor("fails-inputs", month(7, n=20_000), ledger=ledger_url)
    assert open_ledger(ledger_url).verify().ok


def test_monitor_errors_and_the_show_command(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="No monitor 'nope'"):
        Monitor.open("nope", ledger=sqlite_url)
    monitor = Monitor("m", month(0), ledger=sqlite_url)
    with pytest.raises(InputError, match="batch_key must be"):
        monitor.observe(month(1), batch_key="")
    with pytest.raises(InputError, match="missing from this batch"):
        monitor.observe(month(1).drop(columns="tenor"), batch_key="b1")
    with pytest.raises(InputError, match="observed no batch"):
        monitor.plot(tmp_path / "x.png")
    monitor.observe(month(1), batch_key="b1")
    monitor.observe(month(2, shift=1.0), batch_key="b2")
    out = runner.invoke(
        app,
        ["monitor", "show", "m", "--db", sqlite_url, "--plot", str(tmp_path / "m.png")],
        terminal_width=200,
    )
    assert (
        out.exit_code == 0
        and "2 batch(es), 1 with drift" in out.output
        and "DRIFT volume" in out.output
    )
    data = json.loads(
        runner.invoke(app, ["monitor", "show", "m", "--db", sqlite_url, "-f", "json"]).output
    )
    assert data["batches"] == 2 and data["latest"]["drifted"] == ["volume"]


def test_batches_are_checked_against_the_references_assertions(ledger_url: str) -> None:
    from mlvet.monitoring import evaluate

    monitor = Monitor("fails-quality", month(0, n=5_000), ledger=ledger_url)
    assert monitor.config["schema"] is not None
    monitor.observe(month(1), batch_key="2020-01")
    bad = month(2)
    bad.loc[:9, "volume"] = np.nan  # nulls the reference never had
    bad.loc[10, "spread"] = 1e9  # far outside the reference's range
    bad.loc[11, "tenor"] = "<script>alert(1)</script>"  # a category never seen
    monitor.observe(bad, batch_key="2020-02")
    quality = Monitor.open("fails-quality", ledger=ledger_url).quality()
    assert set(quality.batch_key) == {"2020-02"}
    assert set(zip(quality.code, quality.column, strict=True)) >= {
        ("DC103", "volume"),
        ("DC104", "spread"),
        ("DC104", "tenor"),
    }
    opened = evaluate(monitor, ["quality_failures > 0"])
    assert [a.detail["batches"] for a in opened] == [["2020-02"]]
    assert open_ledger(ledger_url).verify().ok


def test_a_monitor_recorded_by_an_earlier_version_reopens(ledger_url: str) -> None:
    reference = month(0, n=5_000)
    monitor = Monitor("legacy", reference, ledger=ledger_url)
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        row = conn.execute(select(s.monitors).where(s.monitors.c.id == monitor.id)).mappings().one()
    config = json.loads(row["config_json"])
    profile = json.loads(row["profile_json"])
    # as an earlier version wrote it: no assertions, no column order, cut points a bit off,
    # the digest of that profile
    for key in ("schema", "decision_threshold"):
        config.pop(key)
    config["reference_sha256"] = "0" * 64
    profile.pop("order")
    profile["columns"]["volume"]["fine_cuts"][3] *= 1 + 1e-15
    with led.transaction() as tx:
        tx.update(
            s.monitors,
            monitor.id,
            {"config_json": json.dumps(config), "profile_json": json.dumps(profile)},
        )
    again = Monitor("legacy", reference, ledger=ledger_url)
    assert again.id == monitor.id and again.config.get("schema") is None
    with pytest.raises(InputError, match="another reference or settings"):
        Monitor("legacy", month(1, n=5_000), ledger=ledger_url)
    with pytest.raises(InputError, match="another reference or settings"):
        Monitor("legacy", reference, threshold=0.3, ledger=ledger_url)


def test_processes_creating_one_monitor_at_once_all_get_it(ledger_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    reference = month(0, n=3_000)

    def make(_: int) -> int:
        return Monitor("raced", reference, ledger=ledger_url).id

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(make, range(4)))
    assert len(set(ids)) == 1
