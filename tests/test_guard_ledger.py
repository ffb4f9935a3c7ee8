"""The guard's ledger: model history with CW findings, the review queue, the decision log."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sqlalchemy import select
from typer.testing import CliRunner

import mlvet
from mlvet.cli import app
from mlvet.exceptions import InputError, NotFoundError
from mlvet.guard import (
    DecisionLog,
    Guard,
    decide,
    model_history,
    promote,
    queue_reviews,
    register_model,
    review_labels,
    reviews,
)
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger

runner = CliRunner()


def data(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_classification(3000, 5, n_informative=3, class_sep=0.6, random_state=seed)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(5)]), y


def test_models_carry_their_history_and_cw_findings(ledger_url: str) -> None:
    X, y = data()
    bare = LogisticRegression().fit(X[:2000], y[:2000])
    v1 = register_model("fails", bare, ledger=ledger_url)
    assert (v1.version, v1.stage) == (1, "candidate")
    assert [f.code for f in v1.findings] == ["CW201"]  # no calibration evidence
    shipped = promote("fails", 1, "production", reason="first model", ledger=ledger_url)
    assert sorted(f.code for f in shipped.findings) == ["CW201", "CW203"]  # and bare
    guard = Guard(
        HistGradientBoostingClassifier(max_iter=50, random_state=0), alpha=0.1, review=True
    )
    guard.fit(X[:2000], y[:2000])
    report = guard.calibration_report(X[2000:], y[2000:])
    v2 = register_model("fails", guard, calibration=report, ece_threshold=0.5, ledger=ledger_url)
    assert v2.version == 2 and v2.card["guarded"] and v2.card["calibration"]["n"] == 1000
    assert v2.findings == ()
    later = promote("fails", 2, "production", reason="guarded, calibrated", ledger=ledger_url)
    assert later.findings == () and later.stage == "production"
    strict = register_model(
        "fails", guard, calibration=report, ece_threshold=1e-6, ledger=ledger_url
    )
    assert [f.code for f in strict.findings] == ["CW202"]
    history = model_history("fails", ledger=ledger_url)
    assert [(h["version"], h["stage"]) for h in history] == [
        (1, "candidate"),
        (1, "production"),
        (2, "candidate"),
        (1, "archived"),  # replaced when version 2 went to production
        (2, "production"),
        (3, "candidate"),
    ]
    assert history[3]["reason"] == "replaced by fails@2" and all(h["at"] for h in history)
    with pytest.raises(NotFoundError, match="fails@9"):
        promote("fails", 9, "production", reason="x", ledger=ledger_url)
    with pytest.raises(InputError, match="needs a reason"):
        promote("fails", 2, "staging", reason=" ", ledger=ledger_url)
    card = {r.family: r.status for r in mlvet.scorecard(ledger=ledger_url)}
    assert card["CW"] == "at risk"
    assert open_ledger(ledger_url).verify().ok


def test_reviews_are_queued_decided_and_become_labels(ledger_url: str) -> None:
    X, y = data(1)
    guard = Guard(LogisticRegression(), alpha=0.05, review=True).fit(X[:2000], y[:2000])
    batch = X[2000:2300]
    routing = guard.route(batch)
    keys = [f"CUSIP{i:04d}/2021-03-04" for i in range(len(batch))]
    ids = queue_reviews(guard, batch, routing, keys=keys, ledger=ledger_url)
    sent = np.flatnonzero(routing.decision == "review")
    assert len(ids) == len(sent) > 0
    items = reviews(ledger=ledger_url)
    first = items[0]
    assert first.row_key == keys[sent[0]] and first.status == "open"
    assert first.inputs["f0"] == pytest.approx(batch.iloc[sent[0]]["f0"])
    assert sorted(first.prediction["set"]) == [0, 1]  # both classes plausible: that is why
    assert "several classes" in first.reason
    decided = decide(
        first.id, 1, reviewer="ana", reason="fails recorded at DTCC", ledger=ledger_url
    )
    assert decided.status == "decided" and decided.reviewer == "ana"
    with pytest.raises(InputError, match="decided already by ana"):
        decide(first.id, 0, reviewer="bo", reason="second opinion", ledger=ledger_url)
    labels = review_labels(ledger=ledger_url)
    assert labels.to_dict("records")[0]["row_key"] == keys[sent[0]] and labels.label.tolist() == [1]
    with open_ledger(ledger_url).connect() as conn:
        actor = conn.execute(
            select(s.events.c.actor).where(s.events.c.kind == "review_items.update")
        ).scalar()
    assert actor == "ana"  # the decision is an audit event by the reviewer


def test_the_review_cli(sqlite_url: str) -> None:
    X, y = data(2)
    guard = Guard(LogisticRegression(), alpha=0.05, review=True).fit(X[:2000], y[:2000])
    batch = X[2000:2200]
    queue_reviews(guard, batch, guard.route(batch), ledger=sqlite_url)
    listed = runner.invoke(app, ["review", "list", "--db", sqlite_url, "-f", "json"])
    items = json.loads(listed.output)
    assert listed.exit_code == 0 and items and all(i["status"] == "open" for i in items)
    shown = runner.invoke(app, ["review", "show", str(items[0]["id"]), "--db", sqlite_url])
    assert shown.exit_code == 0 and "routed because" in shown.output and "f4 =" in shown.output
    done = runner.invoke(
        app,
        [
            "review",
            "decide",
            str(items[0]["id"]),
            "--label",
            "0",
            "--reviewer",
            "ana",
            "--reason",
            "settled on time",
            "--db",
            sqlite_url,
        ],
    )
    assert done.exit_code == 0 and "decided by ana: label 0" in done.output
    again = runner.invoke(
        app,
        [
            "review",
            "decide",
            str(items[0]["id"]),
            "--label",
            "1",
            "--reviewer",
            "bo",
            "--reason",
            "x",
            "--db",
            sqlite_url,
        ],
    )
    assert again.exit_code == 2 and "decided already" in again.output
    register_model("fails", guard, ledger=sqlite_url)
    history = runner.invoke(app, ["models", "history", "fails", "--db", sqlite_url, "-f", "json"])
    assert history.exit_code == 0 and json.loads(history.output)[0]["stage"] == "candidate"


def test_the_decision_log_counts_each_operational_state(ledger_url: str) -> None:
    log = DecisionLog("fails-alerts", ledger=ledger_url)
    cases = [
        # predicted, notified, intervened, outcome -> state
        (True, True, False, True, "success"),
        (True, True, True, True, "success"),
        (True, True, True, False, "averted"),
        (True, True, False, False, "boy who cried wolf"),
        (True, True, False, False, "boy who cried wolf"),
        (True, False, False, True, "ethical landmine"),
        (False, False, False, True, "ethical landmine"),
        (False, False, False, False, "quiet"),
        (True, True, False, None, "pending"),
    ]
    for k, (p, n, i, o, _) in enumerate(cases):
        log.record(f"row{k}", predicted=p, notified=n, intervened=i, outcome=o)
    log.outcome("row8", True)
    frame = log.frame()
    expected = [c[4] for c in cases[:-1]] + ["success"]
    assert frame.state.tolist() == expected
    kpis = log.kpis()
    assert kpis["counts"]["boy who cried wolf"] == 2 and kpis["counts"]["ethical landmine"] == 2
    assert kpis["rates"]["success"] == pytest.approx(3 / 9)
    assert kpis["confusion"] == {
        "true positive": 4,
        "false positive": 3,
        "false negative": 1,
        "true negative": 1,
    }
    with pytest.raises(InputError, match="needs notified=True"):
        log.record("bad", predicted=True, notified=False, intervened=True)
    with pytest.raises(InputError, match="predicted must be True or False"):
        log.record("bad", predicted="yes", notified=False)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        log.outcome("nope", True)


def test_second_review_fixes(sqlite_url: str) -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    X, y = data(3)
    # keys given as a Series with a shuffled index are taken by position
    shuffled = X.sample(frac=1.0, random_state=0)
    y_shuffled = y[shuffled.index.to_numpy()]
    guard = Guard(LogisticRegression(), alpha=0.05, review=True).fit(
        shuffled[:2000], y_shuffled[:2000]
    )
    batch = shuffled[2000:2400]
    keys = pd.Series([f"k{i}" for i in range(len(batch))], index=batch.index)
    routing = guard.route(batch)
    queue_reviews(guard, batch, routing, keys=keys, ledger=sqlite_url)
    first = reviews(ledger=sqlite_url)[0]
    position = int(first.row_key[1:])
    assert routing.decision[position] == "review"
    assert first.inputs["f0"] == pytest.approx(batch.iloc[position]["f0"])
    # a model that imputes takes NaN; one that does not is refused with the fix
    holes = X.copy()
    holes.iloc[::50, 1] = np.nan
    imputing = Guard(make_pipeline(SimpleImputer(), LogisticRegression()), alpha=0.1).fit(holes, y)
    assert len(imputing.route(holes)) == len(holes)
    with pytest.raises(InputError, match="impute in the model's pipeline"):
        Guard(LogisticRegression(), alpha=0.1).fit(holes, y)
    # a Guard scores like its model, so it works in cross_val_score
    assert cross_val_score(Guard(LogisticRegression(), alpha=0.2), X, y, cv=3).mean() > 0.6
    with pytest.raises(InputError, match="do not match the model's classes"):
        guard.coverage(batch, np.array(["a"] * len(batch)))
    fallback = LogisticRegression().fit(X[:100], np.where(y[:100] == 1, 2, 0))
    with pytest.raises(InputError, match="fit every model of the chain on the same labels"):
        Guard(LogisticRegression().fit(X, y), fallback=fallback).calibrate(X, y)
    # the registry: fitted models only, production archives the previous one
    with pytest.raises(InputError, match="not fitted"):
        register_model("m", LogisticRegression(), ledger=sqlite_url)
    register_model("m", guard, stage="production", ledger=sqlite_url)
    register_model("m", guard, stage="production", ledger=sqlite_url)
    stages = [(h["version"], h["stage"]) for h in model_history("m", ledger=sqlite_url)]
    assert stages == [(1, "production"), (2, "production"), (1, "archived")]
    # the decision log: one record per key, outcomes are booleans or unknown
    log = DecisionLog("l", ledger=sqlite_url)
    log.record("a", predicted=True, notified=True, outcome=True)
    with pytest.raises(InputError, match="already"):
        log.record("a", predicted=True, notified=True)
    with pytest.raises(InputError, match="happened must be True, False or None"):
        log.outcome("a", "no")  # type: ignore[arg-type]
    log.outcome("a", None)
    assert log.frame().state.tolist() == ["pending"]
    from mlvet.guard import calibration_report

    p = np.linspace(0.05, 0.95, 40)
    labels = (np.arange(40) % 2).astype(int)
    flat = calibration_report(labels, p)
    column = calibration_report(pd.DataFrame({"y": labels}), p)
    assert column.brier == pytest.approx(flat.brier) and column.ece == pytest.approx(flat.ece)
