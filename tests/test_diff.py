"""mlvet diff: what changed between two recorded runs, and crediting one of several changes."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sqlalchemy import select
from typer.testing import CliRunner

import mlvet
from mlvet.cli import app
from mlvet.exceptions import InputError, NotFoundError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger

CV = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
runner = CliRunner()


def frame(n: int = 240, extra: bool = False, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {"vol": rng.normal(size=n), "spread": rng.normal(size=n), "age": rng.normal(size=n)}
    )
    y = (X.vol + X.spread + rng.normal(size=n) > 0).astype(int).to_numpy()
    if extra:
        X["lagged_fails"] = X.vol + rng.normal(scale=0.5, size=n)
    return X, y


def test_only_the_parameter_changed_so_crediting_it_is_fine(ledger_url: str) -> None:
    X, y = frame()
    a = mlvet.compare(
        {"model": LogisticRegression(C=1.0)}, X, y, scoring="roc_auc", cv=CV, ledger=ledger_url
    )
    b = mlvet.compare(
        {"model": LogisticRegression(C=0.05)}, X, y, scoring="roc_auc", cv=CV, ledger=ledger_url
    )
    d = mlvet.diff(a.run_id, b.run_id, credited="parameters", ledger=ledger_url)  # type: ignore[arg-type]
    assert d.factors == ["parameters"]
    assert [(c.key, c.before, c.after) for c in d.changes] == [("model: C", 1.0, 0.05)]
    assert d.findings == ()
    assert d.score_a == pytest.approx(a.mean("model")) and d.score_b == pytest.approx(
        b.mean("model")
    )


def test_several_changes_with_one_credited_is_ca202(ledger_url: str) -> None:
    X, y = frame()
    space = {"logisticregression__C": mlvet.LogUniform(0.01, 10)}
    a = mlvet.tune(
        make_pipeline(StandardScaler(), LogisticRegression()),
        space,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=4,
        ledger=ledger_url,
        name="v1",
        progress=False,
    )
    X2, y2 = frame(extra=True)
    b = mlvet.tune(
        make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=500)),
        space,
        X2,
        y2,
        scoring="roc_auc",
        cv=CV,
        n_trials=6,
        ledger=ledger_url,
        name="v2",
        progress=False,
    )
    d = mlvet.diff("v1", "v2", credited="features", ledger=ledger_url)
    assert d.factors == ["data", "features", "preprocessing", "parameters", "settings"]
    by_factor = {c.factor: c for c in d.changes}
    assert by_factor["features"].after == ["lagged_fails"] and by_factor["features"].before is None
    assert by_factor["preprocessing"].before == ["StandardScaler"] and by_factor[
        "preprocessing"
    ].after == ["MinMaxScaler"]
    assert ("logisticregression__max_iter", 100, 500) in [
        (c.key, c.before, c.after) for c in d.changes
    ]
    assert ("n_trials", 4, 6) in [(c.key, c.before, c.after) for c in d.changes]
    assert [f.code for f in d.findings] == ["CA202"]
    assert "credited to features" in d.findings[0].message
    assert d.score_a == pytest.approx(a.best_score) and d.score_b == pytest.approx(b.best_score)
    with open_ledger(ledger_url).connect() as conn:
        rows = conn.execute(
            select(s.findings.c.code, s.findings.c.run_id).where(s.findings.c.code == "CA202")
        ).all()
    assert [r.run_id for r in rows] == [d.run_id]


def test_diff_refuses_unknown_runs_and_factors(sqlite_url: str) -> None:
    X, y = frame()
    a = mlvet.compare(
        {"m": LogisticRegression()}, X, y, scoring="roc_auc", cv=CV, ledger=sqlite_url
    )
    with pytest.raises(NotFoundError, match="No run with id, id prefix or name 'nope'"):
        mlvet.diff(a.run_id, "nope", ledger=sqlite_url)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="credited must be one of"):
        mlvet.diff(a.run_id, a.run_id, credited="luck", ledger=sqlite_url)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="are the same run"):
        mlvet.diff(a.run_id, "compare", ledger=sqlite_url)  # type: ignore[arg-type]


def test_cli_runs_trials_and_diff(sqlite_url: str) -> None:
    X, y = frame()
    space = {"C": mlvet.LogUniform(0.01, 10)}
    a = mlvet.tune(
        LogisticRegression(),
        space,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=3,
        ledger=sqlite_url,
        name="first",
        progress=False,
    )
    b = mlvet.tune(
        LogisticRegression(),
        space,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=3,
        seed=1,
        ledger=sqlite_url,
        name="second",
        progress=False,
    )
    listed = runner.invoke(app, ["runs", "--db", sqlite_url, "--kind", "tune", "--format", "json"])
    assert listed.exit_code == 0 and [r["name"] for r in json.loads(listed.output)] == [
        "second",
        "first",
    ]
    shown = runner.invoke(app, ["trials", "first", "--db", sqlite_url], terminal_width=200)
    assert shown.exit_code == 0 and "default" in shown.output and "seed 0" in shown.output
    data = json.loads(
        runner.invoke(
            app, ["trials", (a.run_id or "")[:8], "--db", sqlite_url, "-f", "json"]
        ).output
    )
    assert [t["trial"] for t in data["trials"]] == [-1, 0, 1, 2]
    assert data["trials"][1]["folds"] == pytest.approx(a.trials[0].scores)
    out = runner.invoke(
        app,
        ["diff", "first", "second", "--credited", "parameters", "--db", sqlite_url],
        terminal_width=200,
    )
    assert out.exit_code == 1 and "CA202" in out.output and "seed: 0 -> 1" in out.output
    same = runner.invoke(app, ["diff", "first", "second", "--db", sqlite_url, "-f", "json"])
    got = json.loads(same.output)
    assert same.exit_code == 0 and got["factors"] == ["parameters", "settings"]
    # tune seeds an unseeded estimator with the search's seed, so that changed too
    assert [c["key"] for c in got["changes"] if c["factor"] == "parameters"] == ["random_state"]
    bad = runner.invoke(app, ["trials", "nothing-here", "--db", sqlite_url])
    assert bad.exit_code != 0
    assert b.run_id


def test_two_traces_of_the_same_code_differ_in_nothing(sqlite_url: str, tmp_path: Any) -> None:
    X, y = frame()
    for name in ("first", "second"):
        with mlvet.trace(name, ledger=sqlite_url):
            LogisticRegression().fit(X[:200], y[:200]).score(X[200:], y[200:])
    d = mlvet.diff("first", "second", credited="code", ledger=sqlite_url)
    assert "settings" not in d.factors  # call timings are not a change
    missing = runner.invoke(app, ["runs", "--db", f"sqlite:///{tmp_path / 'typo.db'}"])
    assert missing.exit_code == 2 and not (tmp_path / "typo.db").exists()
