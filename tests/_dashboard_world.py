"""A small but real ledger for the dashboard's tests, built with mlvet's public functions.

Strings that could be markup are everywhere a user could put them: a column, a dataset
description, a monitor's alert rule, a review item's key and inputs. Every
page must show them as text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

import mlvet
from mlvet.dashboard import create_token
from mlvet.guard import Guard, queue_reviews, register_model
from mlvet.monitoring import Monitor, evaluate
from mlvet.vault import Vault

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(2)>'


def build_world(url: str) -> dict[str, Any]:
    """Record datasets with lineage, a monitor with drift and alerts, a guarded model with
    a review queue, a sealed set read once and a comparison; return tokens and ids."""
    rng = np.random.default_rng(0)
    raw = pd.DataFrame(
        {
            HOSTILE: rng.normal(size=400),
            "x": rng.normal(size=400),
            "segment": rng.choice(["a", "b", HOSTILE_IMG], size=400),
        }
    )
    mlvet.register_dataset(
        raw, "raw_fails", produced_by="extract", description=HOSTILE_IMG, ledger=url
    )

    @mlvet.step("clean_fails", ledger=url)
    def clean(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["x"] > -2].reset_index(drop=True)

    clean(raw)

    # a monitor on the hostile column: two quiet batches, then two drifted ones
    reference = raw.copy()
    monitor = Monitor("fails-watch", reference, threshold=0.2, ledger=url)
    rules = [f"psi[{HOSTILE}] > 0.2", "drifted_share >= 0.3"]
    monitor.keep_rules(rules)
    for i in range(4):
        shift = 0.0 if i < 2 else 1.5
        batch = pd.DataFrame(
            {
                HOSTILE: rng.normal(size=300) + shift,
                "x": rng.normal(size=300),
                "segment": rng.choice(["a", "b", HOSTILE_IMG], size=300),
            }
        )
        monitor.observe(batch, batch_key=f"2026-0{i + 1}", period_start=f"2026-0{i + 1}-01")
        evaluate(monitor, rules)

    # a guarded model, calibrated, with rows it was unsure of sent to review
    X, y = make_classification(
        1500, 4, n_informative=2, n_redundant=0, class_sep=0.5, random_state=1
    )
    frame = pd.DataFrame(X, columns=["f0", "f1", HOSTILE, "f3"])
    guard = Guard(LogisticRegression(), alpha=0.05, review=True).fit(frame[:900], y[:900])
    report = guard.calibration_report(frame[900:1200], y[900:1200])
    register_model("fails-model", guard, calibration=report, ece_threshold=0.5, ledger=url)
    batch = frame[1200:1500]
    routing = guard.route(batch)
    keys = [f"{HOSTILE}/{i}" for i in range(len(batch))]
    review_ids = queue_reviews(guard, batch, routing, keys=keys, ledger=url)

    # a sealed test set, read once
    vault = Vault("fails-final", ledger=url)
    test_X, test_y = X[1200:], y[1200:]
    vault.seal(test_X, test_y)
    vault.evaluate(LogisticRegression().fit(X[:900], y[:900]), purpose="final report")

    # a comparison on identical splits
    mlvet.compare(
        {
            "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
            "logit": LogisticRegression(),
        },
        X[:600],
        y[:600],
        scoring="roc_auc",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        name="tree-vs-logit",
        ledger=url,
    )

    tokens = {
        role: create_token(f"{role}-bot", role, ledger=url)[1] for role in mlvet.dashboard.ROLES
    }
    tokens["mallory"] = create_token("mallory", "viewer", ledger=url)[1]
    return {"tokens": tokens, "review_ids": review_ids, "monitor": "fails-watch"}
