"""Deployed models checked for Act Now, Reflect Never (AN201, AN202) and Set and Forget
(SF201, SF202), recorded as runs whose findings replace the previous check's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sqlalchemy import select
from typer.testing import CliRunner

from mlvet import scorecard
from mlvet.cli import app
from mlvet.exceptions import InputError, NotFoundError
from mlvet.guard import model_history, promote, register_model
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger
from mlvet.monitoring import Monitor, check_deployments, evaluate, revalidate

runner = CliRunner()


def data(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"volume": rng.normal(shift, 1, n), "spread": rng.exponential(size=n)})


def codes(found: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f.code for f in found)


def test_deployed_models_are_checked_from_unmonitored_to_revalidated(ledger_url: str) -> None:
    X = data(0, 500)
    y = (X.volume > 0).astype(int)
    register_model("fails", LogisticRegression().fit(X, y), ledger=ledger_url)
    assert check_deployments(ledger=ledger_url) == []  # nothing in production yet
    promote("fails", 1, "production", reason="release", ledger=ledger_url)
    assert codes(check_deployments(ledger=ledger_url)) == ["AN201"]

    monitor = Monitor("fails-inputs", data(1, 5_000), model="fails", ledger=ledger_url)
    assert codes(check_deployments(ledger=ledger_url)) == ["AN202"]

    rules = ["psi > 0.2"]
    monitor.observe(data(2, 2_000), batch_key="2020-02")
    assert evaluate(monitor, rules) == []
    assert check_deployments(ledger=ledger_url) == []  # watched, with a rule, nothing fired

    monitor.observe(data(3, 2_000, shift=1.0), batch_key="2020-03")
    opened = evaluate(monitor, rules)
    assert len(opened) == 1
    found = check_deployments(ledger=ledger_url)
    assert codes(found) == ["SF202"]
    assert found[0].evidence["alerts"] == [opened[0].id]

    later = datetime.now(UTC) + timedelta(days=200)
    assert codes(check_deployments(now=later, ledger=ledger_url)) == ["SF201", "SF202"]
    naive = later.replace(tzinfo=None)  # read as UTC, like the ledger's times
    assert codes(check_deployments(now=naive, record=False, ledger=ledger_url)) == [
        "SF201",
        "SF202",
    ]

    revalidate("fails", 1, reason="checked March on 4,000 labels: AUC 0.81", ledger=ledger_url)
    assert check_deployments(ledger=ledger_url) == []
    assert model_history("fails", ledger=ledger_url)[-1]["reason"].startswith("revalidated: ")

    # each check is a run; an earlier check's open findings are superseded
    with open_ledger(ledger_url).connect() as conn:
        rows = conn.execute(
            select(s.findings.c.code, s.findings.c.status)
            .join(s.runs, s.runs.c.id == s.findings.c.run_id)
            .where(s.runs.c.kind == "deployments")
        ).all()
    assert {st for _, st in rows} == {"superseded"}
    card = {r.family: r for r in scorecard(ledger=ledger_url, verify=False)}
    assert card["AN"].checks > 0 and card["SF"].checks > 0
    assert open_ledger(ledger_url).verify().ok


def test_a_new_monitor_of_a_new_production_version_counts(sqlite_url: str) -> None:
    X = data(0, 300)
    y = (X.volume > 0).astype(int)
    register_model("settle", LogisticRegression().fit(X, y), ledger=sqlite_url)
    promote("settle", 1, "production", reason="v1", ledger=sqlite_url)
    register_model("settle", LogisticRegression(C=0.5).fit(X, y), ledger=sqlite_url)
    promote("settle", 2, "production", reason="v2", ledger=sqlite_url)
    found = check_deployments(record=False, ledger=sqlite_url)
    assert codes(found) == ["AN201"] and "settle@2" in found[0].message


def test_revalidate_refuses_what_is_not_deployed(sqlite_url: str) -> None:
    X = data(0, 300)
    register_model("m", LogisticRegression().fit(X, (X.volume > 0).astype(int)), ledger=sqlite_url)
    with pytest.raises(InputError, match="not production"):
        revalidate("m", 1, reason="looked", ledger=sqlite_url)
    with pytest.raises(NotFoundError, match="m@7"):
        revalidate("m", 7, reason="looked", ledger=sqlite_url)
    with pytest.raises(InputError):
        revalidate("m", 1, reason="", ledger=sqlite_url)
    with pytest.raises(NotFoundError, match="register"):
        Monitor("orphan", data(1, 100), model="nope", ledger=sqlite_url)
    with pytest.raises(InputError, match="max_age_days"):
        check_deployments(max_age_days=float("nan"), ledger=sqlite_url)


def test_cli_monitor_check_and_models_revalidate(sqlite_url: str) -> None:
    X = data(0, 300)
    register_model(
        "cli", LogisticRegression().fit(X, (X.volume > 0).astype(int)), ledger=sqlite_url
    )
    promote("cli", 1, "production", reason="release", ledger=sqlite_url)
    out = runner.invoke(app, ["monitor", "check", "--db", sqlite_url])
    assert out.exit_code == 1 and "AN201" in out.output
    out = runner.invoke(app, ["monitor", "check", "--db", sqlite_url, "--max-age-days", "1e-9"])
    assert "SF201" in out.output
    out = runner.invoke(
        app, ["models", "revalidate", "cli", "1", "--reason", "fresh labels", "--db", sqlite_url]
    )
    assert out.exit_code == 0, out.output


def test_monitor_check_refuses_a_ledger_that_is_not_there(tmp_path: Path) -> None:
    out = runner.invoke(app, ["monitor", "check", "--db", f"sqlite:///{tmp_path / 'typo.db'}"])
    assert out.exit_code == 2 and "No ledger" in out.output
    assert not (tmp_path / "typo.db").exists()
