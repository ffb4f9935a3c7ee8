"""mlvet monitor run monitors.yaml: new batches observed once, rules evaluated, reruns safe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError
from mlvet.monitoring import alerts, load_config, run_config

runner = CliRunner()

CONFIG = """
monitors:
  - name: fails-inputs
    reference: data/reference.parquet
    batches: data/batches/*.parquet
    threshold: 0.2
    rules:
      - psi > 0.2 for 2 consecutive batches
    notify:
      - log
"""


def month(k: int, shift: float = 0.0, n: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    return pd.DataFrame({"volume": rng.normal(shift, 1, size=n), "spread": rng.exponential(size=n)})


def test_a_scheduled_run_observes_new_batches_once(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / "data" / "batches").mkdir(parents=True)
    month(0, n=10_000).to_parquet(tmp_path / "data" / "reference.parquet")
    for i, (key, shift) in enumerate([("2020-01", 0.0), ("2020-02", 0.0), ("2020-03", 0.8)]):
        month(i + 1, shift).to_parquet(tmp_path / "data" / "batches" / f"{key}.parquet")
    (tmp_path / "monitors.yaml").write_text(CONFIG, encoding="utf-8")
    first = run_config(tmp_path / "monitors.yaml", ledger=sqlite_url, progress=False)
    assert first[0]["new_batches"] == ["2020-01", "2020-02", "2020-03"]
    assert first[0]["drifted"] == ["2020-03"] and first[0]["alerts_opened"] == []
    month(9, 0.9).to_parquet(tmp_path / "data" / "batches" / "2020-04.parquet")
    out = runner.invoke(
        app, ["monitor", "run", str(tmp_path / "monitors.yaml"), "--db", sqlite_url, "-f", "json"]
    )
    second = json.loads(out.output)
    assert out.exit_code == 0 and second[0]["new_batches"] == ["2020-04"]
    assert second[0]["alerts_opened"] == ["psi > 0.2 for 2 consecutive batches"]
    again = run_config(tmp_path / "monitors.yaml", ledger=sqlite_url, progress=False)
    assert again[0]["new_batches"] == [] and again[0]["files"] == 4  # nothing twice
    assert len(alerts(status="open", ledger=sqlite_url)) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("monitors: []", "at least one monitor"),
        ("monitors:\n  - name: m\n    reference: r.parquet\n", "'batches' is required"),
        (
            "monitors:\n  - name: m\n    reference: r.parquet\n    batches: b/*.csv\n    colour: red\n",
            r"unknown key\(s\) \['colour'\]",
        ),
        (
            "monitors:\n  - name: m\n    reference: r.parquet\n    batches: b/*.csv\n    rules: ['psi >> 1']\n",
            "Cannot read the alert rule",
        ),
        (
            "monitors:\n  - name: m\n    reference: r.parquet\n    batches: b/*.csv\n    notify:\n      - webhook: {url: 'http://x', secret_env: MLVET_TEST_UNSET_SECRET}\n",
            "MLVET_TEST_UNSET_SECRET' is not set",
        ),
        ("monitors: [", "not valid YAML"),
    ],
)
def test_a_bad_monitors_file_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "monitors.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_config(tmp_path / "monitors.yaml")


PERF_CONFIG = """
monitors:
  - name: fails-model
    reference: data/reference.parquet
    batches: data/batches/*.parquet
    prediction: score
    target: fail
    id: row_id
    timestamp: day
    multivariate: true
    labels: data/labels/*.parquet
    rules:
      - estimated_accuracy < 0.7
      - realized_accuracy < 0.7
"""


def scored(k: int, n: int, *, flip: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-2 * x))
    y = (rng.random(n) < (1 - p if flip else p)).astype(int)
    days = pd.date_range(f"2020-{k:02d}-01", periods=n, freq="min")
    return pd.DataFrame(
        {"row_id": [f"{k}-{i}" for i in range(n)], "day": days, "x": x, "score": p, "fail": y}
    )


def test_a_scheduled_run_joins_late_labels_and_alerts_on_performance(
    tmp_path: Path, sqlite_url: str
) -> None:
    from mlvet.monitoring import Monitor

    data = tmp_path / "data"
    for sub in ("batches", "labels"):
        (data / sub).mkdir(parents=True)
    scored(1, 4_000).to_parquet(data / "reference.parquet")
    for k, flip in ((2, False), (3, True)):
        frame = scored(k, 1_500, flip=flip)
        frame.drop(columns="fail").to_parquet(data / "batches" / f"2020-0{k}.parquet")
    (tmp_path / "monitors.yaml").write_text(PERF_CONFIG, encoding="utf-8")
    first = run_config(tmp_path / "monitors.yaml", ledger=sqlite_url, progress=False)
    assert first[0]["labels_joined"] == 0 and first[0]["alerts_opened"] == []
    # March's outcomes arrive (concept drift: the estimate could not see it)
    march = scored(3, 1_500, flip=True)
    march[["row_id", "fail"]].to_parquet(data / "labels" / "2020-03.parquet")
    second = run_config(tmp_path / "monitors.yaml", ledger=sqlite_url, progress=False)
    assert second[0]["new_batches"] == [] and second[0]["labels_joined"] == 1_500
    assert second[0]["alerts_opened"] == ["realized_accuracy < 0.7"]
    third = run_config(tmp_path / "monitors.yaml", ledger=sqlite_url, progress=False)
    assert third[0]["labels_joined"] == 0 and third[0]["alerts_opened"] == []  # idempotent
    monitor = Monitor.open("fails-model", ledger=sqlite_url)
    perf = monitor.performance()
    assert set(perf.metric) == {"accuracy", "roc_auc", "domain_auc"}
    history = monitor.history()
    assert history.period_start.iloc[0].startswith("2020-02-01")  # from the timestamp column
    shown = runner.invoke(app, ["monitor", "show", "fails-model", "--db", sqlite_url])
    assert shown.exit_code == 0 and "realized" in shown.output


def test_monitors_file_checks_roles_and_labels(tmp_path: Path) -> None:
    base = "monitors:\n  - name: m\n    reference: r.parquet\n    batches: b/*.csv\n"
    for extra, message in (
        ("    labels: l/*.csv\n    id: row_id\n", "set both id and target"),
        ("    prediction: [a, b]\n", "prediction names a column"),
        ("    multivariate: sometimes\n", "true or false"),
    ):
        (tmp_path / "monitors.yaml").write_text(base + extra, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_config(tmp_path / "monitors.yaml")
