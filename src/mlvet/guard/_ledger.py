"""The guard's records in the ledger: model versions and their stage history, the human
review queue, and the decision log of the paper's multi-stage view.

* ``register_model`` / ``promote`` / ``model_history``: every model an application used,
  with its stage changes, dates, who and why. Registering or promoting a model reports
  CW201 without calibration evidence, CW202 when its ECE is above the threshold, and
  promotion to ``production`` of a bare model (no Guard) reports CW203.
* ``queue_reviews`` / ``reviews`` / ``decide`` / ``review_labels``: rows a Guard routed to
  review become items with their inputs, the prediction, the set or interval and the
  reason; a reviewer's decision is recorded with who and why and becomes a label.
* ``DecisionLog``: for each positive prediction, was the client notified, was there an
  intervention, what was the outcome; ``kpis()`` gives the rates of each operational
  state beside the confusion matrix.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlvet._checks import check_name, check_number, check_reason
from mlvet._findings import Finding, Location
from mlvet._json import canonical_json
from mlvet.exceptions import InputError, NotFoundError, StateError

__all__ = [
    "STAGES",
    "STATES",
    "DecisionLog",
    "ModelVersion",
    "ReviewItem",
    "decide",
    "model_history",
    "promote",
    "queue_reviews",
    "register_model",
    "review_item",
    "review_labels",
    "reviews",
]

STAGES = ("candidate", "staging", "production", "archived")
ECE_THRESHOLD = 0.05


# --- models -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model, its current stage and its card."""

    id: int
    name: str
    version: int
    stage: str
    fingerprint: str
    card: dict[str, Any]
    created_at: str
    findings: tuple[Finding, ...] = ()


def _check_fitted(model: Any) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if isinstance(model, type) or not hasattr(model, "predict"):
        raise InputError(f"model must be a fitted estimator or Guard; got {model!r}.")
    try:
        if type(model).__name__ == "Guard":
            if not hasattr(model, "calibrated_"):
                raise NotFittedError("the Guard is not fitted")
        else:
            check_is_fitted(model)
    except NotFittedError as exc:
        raise InputError(
            f"register_model takes a fitted model; {type(model).__name__} is not fitted ({exc})."
        ) from exc


def _archive_production(tx: Any, name: str, keep: int) -> None:
    """Archive the versions of ``name`` in production other than ``keep``."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    current = (
        tx.conn.execute(
            select(s.model_versions.c.id)
            .join(s.models, s.models.c.id == s.model_versions.c.model_id)
            .where(s.models.c.name == name, s.model_versions.c.stage == "production")
        )
        .scalars()
        .all()
    )
    replacing = tx.conn.execute(
        select(s.model_versions.c.version).where(s.model_versions.c.id == keep)
    ).scalar()
    for other in current:
        if other != keep:
            tx.update(s.model_versions, other, {"stage": "archived"})
            tx.insert(
                s.model_stages,
                {
                    "model_version_id": other,
                    "stage": "archived",
                    "reason": f"replaced by {name}@{replacing}",
                    "actor": tx.actor,
                },
            )


def _fingerprint(model: Any) -> str:
    import joblib

    buffer = io.BytesIO()
    try:
        joblib.dump(model, buffer)
    except Exception as exc:
        raise InputError(f"The model cannot be serialised to fingerprint it: {exc}") from exc
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _card(model: Any, calibration: Any) -> dict[str, Any]:
    from mlvet.guard._guard import Guard

    guarded = isinstance(model, Guard)
    inner = model.model if guarded else model
    card: dict[str, Any] = {
        "class": f"{type(inner).__module__}.{type(inner).__qualname__}",
        "guarded": guarded,
        "calibration": calibration.to_dict() if calibration is not None else None,
    }
    if guarded:
        card |= {
            "alpha": model.alpha,
            "method": model.method,
            "review": model.review,
            "fallback_chain": [type(f).__name__ for f in model._chain()],
        }
    return card


def _cw_findings(
    name: str, version: int, card: dict[str, Any], stage: str, threshold: float
) -> list[Finding]:
    where = Location(dataset=f"model:{name}@{version}")
    out = []
    calibration = card.get("calibration")
    if calibration is None:
        out.append(
            Finding.of(
                "CW201",
                f"{name}@{version} ({stage}) has no calibration evidence: nobody has checked "
                "that its probabilities mean what they say.",
                location=where,
                evidence={"stage": stage},
            )
        )
    elif calibration["ece"] > threshold:
        out.append(
            Finding.of(
                "CW202",
                f"{name}@{version} has an expected calibration error of {calibration['ece']:.3f} "
                f"(threshold {threshold:g}) on {int(calibration['n']):,} rows.",
                location=where,
                evidence={
                    "ece": calibration["ece"],
                    "brier": calibration["brier"],
                    "threshold": threshold,
                },
            )
        )
    if stage == "production" and not card.get("guarded"):
        out.append(
            Finding.of(
                "CW203",
                f"{name}@{version} goes to production as a bare {card['class'].rsplit('.', 1)[-1]}: "
                "it will emit point predictions with no set, interval or route for uncertain rows.",
                location=where,
                evidence={"class": card["class"]},
            )
        )
    return out


def register_model(
    name: str,
    model: Any,
    *,
    calibration: Any = None,
    stage: str = "candidate",
    reason: str = "registered",
    ece_threshold: float = ECE_THRESHOLD,
    ledger: Any = None,
) -> ModelVersion:
    """Record a new version of ``name`` (its fingerprint, card and first stage).

    ``calibration`` is a :class:`CalibrationReport` (e.g. ``guard.calibration_report(X_val,
    y_val)``); without one, CW201 is reported; with an ECE above ``ece_threshold``, CW202.
    """
    from sqlalchemy import func, select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger, write_findings

    check_name(name, "name")
    if stage not in STAGES:
        raise InputError(f"stage must be one of {list(STAGES)}; got {stage!r}.")
    _check_fitted(model)
    check_reason(reason)
    ece_threshold = check_number(ece_threshold, "ece_threshold", strict=False)
    if calibration is not None and not hasattr(calibration, "ece"):
        raise InputError("calibration must be a CalibrationReport (guard.calibration_report(...)).")
    card = _card(model, calibration)
    fingerprint = _fingerprint(model)
    led = open_ledger(ledger)
    with led.transaction() as tx:
        model_id = tx.conn.execute(select(s.models.c.id).where(s.models.c.name == name)).scalar()
        if model_id is None:
            model_id = tx.insert(s.models, {"name": name})
        latest = tx.conn.execute(
            select(func.max(s.model_versions.c.version)).where(
                s.model_versions.c.model_id == model_id
            )
        ).scalar()
        version = int(latest or 0) + 1
        version_id = tx.insert(
            s.model_versions,
            {
                "model_id": model_id,
                "version": version,
                "fingerprint": fingerprint,
                "run_id": None,
                "train_version_id": None,
                "stage": stage,
                "card_json": canonical_json(card),
            },
        )
        tx.insert(
            s.model_stages,
            {"model_version_id": version_id, "stage": stage, "reason": reason, "actor": tx.actor},
        )
        if stage == "production":
            _archive_production(tx, name, version_id)
        findings = _cw_findings(name, version, card, stage, ece_threshold)
        write_findings(tx, findings)
    return _version(led, name, version, tuple(findings))


def promote(
    name: str,
    version: int,
    stage: str,
    *,
    reason: str,
    ece_threshold: float = ECE_THRESHOLD,
    ledger: Any = None,
) -> ModelVersion:
    """Move ``name@version`` to ``stage`` with a reason; the change joins its history.

    Promoting to ``production`` archives the version that was there, and reports CW201,
    CW202 or CW203 for this one as :func:`register_model` does.
    """

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger, write_findings

    if stage not in STAGES:
        raise InputError(f"stage must be one of {list(STAGES)}; got {stage!r}.")
    check_reason(reason)
    ece_threshold = check_number(ece_threshold, "ece_threshold", strict=False)
    led = open_ledger(ledger)
    with led.transaction() as tx:
        row = tx.conn.execute(_version_query(name, version)).mappings().first()
        if row is None:
            raise NotFoundError(f"No model version {name}@{version}; see model_history({name!r}).")
        if row["stage"] == stage:
            raise InputError(f"{name}@{version} is in {stage} already.")
        findings: list[Finding] = []
        if stage == "production":
            _archive_production(tx, name, row["id"])
            findings = _cw_findings(
                name, version, json.loads(row["card_json"]), stage, ece_threshold
            )
        tx.update(s.model_versions, row["id"], {"stage": stage})
        tx.insert(
            s.model_stages,
            {"model_version_id": row["id"], "stage": stage, "reason": reason, "actor": tx.actor},
        )
        write_findings(tx, findings)
    return _version(led, name, version, tuple(findings))


def _version_query(name: str, version: int) -> Any:
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    return (
        select(s.model_versions, s.models.c.name)
        .join(s.models, s.models.c.id == s.model_versions.c.model_id)
        .where(s.models.c.name == name, s.model_versions.c.version == version)
    )


def _version(led: Any, name: str, version: int, findings: tuple[Finding, ...]) -> ModelVersion:
    with led.connect() as conn:
        row = conn.execute(_version_query(name, version)).mappings().one()
    return ModelVersion(
        int(row["id"]),
        name,
        int(row["version"]),
        str(row["stage"]),
        str(row["fingerprint"]),
        json.loads(row["card_json"]),
        str(row["created_at"]),
        findings,
    )


def model_history(name: str, *, ledger: Any = None) -> list[dict[str, Any]]:
    """Every stage change of every version of ``name``, oldest first: version, stage,
    when, who, why."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    with open_ledger(ledger).connect() as conn:
        rows = (
            conn.execute(
                select(
                    s.model_versions.c.version,
                    s.model_versions.c.fingerprint,
                    s.model_stages.c.stage,
                    s.model_stages.c.created_at,
                    s.model_stages.c.actor,
                    s.model_stages.c.reason,
                )
                .join(s.model_versions, s.model_versions.c.id == s.model_stages.c.model_version_id)
                .join(s.models, s.models.c.id == s.model_versions.c.model_id)
                .where(s.models.c.name == name)
                .order_by(s.model_stages.c.id)
            )
            .mappings()
            .all()
        )
    if not rows:
        raise NotFoundError(f"No model named {name!r} is registered.")
    return [
        {
            "version": int(r["version"]),
            "fingerprint": r["fingerprint"][:12],
            "stage": r["stage"],
            "at": r["created_at"],
            "actor": r["actor"],
            "reason": r["reason"],
        }
        for r in rows
    ]


# --- the review queue --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewItem:
    """A row routed to a person: what the model saw and said, why it was routed."""

    id: int
    row_key: str | None
    inputs: dict[str, Any]
    prediction: dict[str, Any]
    reason: str
    status: str
    decision: dict[str, Any] | None = None
    reviewer: str | None = None
    decided_at: str | None = None
    created_at: str = ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def queue_reviews(
    guard: Any,
    X: Any,
    routing: Any,
    *,
    keys: Sequence[Any] | None = None,
    model: ModelVersion | None = None,
    ledger: Any = None,
) -> list[int]:
    """Record every row ``routing`` sent to review as an open review item; return the ids.

    ``keys`` identifies the rows (e.g. ``"CUSIP/2021-03-04"``) so a decision can be joined
    back as a label; by default the row's position.
    """
    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    if getattr(routing, "sets", None) is None and getattr(routing, "bounds", None) is None:
        raise InputError("routing must be what guard.route(X) returned for this X.")
    if isinstance(X, (list, tuple)):
        X = np.asarray(X)
    decision = np.asarray(routing.decision)
    if len(decision) != len(X):
        raise InputError(f"routing has {len(decision)} rows but X has {len(X)}; route this X.")
    if keys is not None:
        keys = list(np.asarray(keys, dtype=object))  # by position, whatever the index
        if len(keys) != len(X):
            raise InputError(f"keys has {len(keys)} entries for {len(X)} rows.")
    rows = np.flatnonzero(decision == "review")
    if not rows.size:
        return []
    columns = (
        [str(c) for c in X.columns]
        if hasattr(X, "columns")
        else [f"x{i}" for i in range(X.shape[1])]
    )
    values = X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)
    if routing.sets is not None:  # what route saw: the sets of the rows it routed
        classes = list(guard.classes_)
        uncertainty: list[Any] = [
            [_jsonable(c) for c, on in zip(classes, routing.sets[i], strict=True) if on]
            for i in rows
        ]
    else:
        uncertainty = [[float(lo), float(hi)] for lo, hi in routing.bounds[rows]]
    ids = []
    led = open_ledger(ledger)
    with led.transaction() as tx:
        for j, i in enumerate(rows):
            key = check_name(str(keys[int(i)]) if keys is not None else str(int(i)), "row key")
            prediction = {
                "prediction": _jsonable(routing.prediction[i]),
                "set" if routing.sets is not None else "interval": uncertainty[j],
            }
            ids.append(
                tx.insert(
                    s.review_items,
                    {
                        "model_version_id": model.id if model is not None else None,
                        "row_key": key,
                        "inputs_json": canonical_json(
                            {c: _jsonable(v) for c, v in zip(columns, values[i], strict=True)}
                        ),
                        "prediction_json": canonical_json(prediction),
                        "reason": str(routing.reason[i]),
                        "status": "open",
                        "decision_json": None,
                        "reviewer": None,
                        "decided_at": None,
                    },
                )
            )
    return ids


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        int(row["id"]),
        row["row_key"],
        json.loads(row["inputs_json"]),
        json.loads(row["prediction_json"]),
        row["reason"],
        row["status"],
        json.loads(row["decision_json"]) if row["decision_json"] else None,
        row["reviewer"],
        row["decided_at"],
        row["created_at"],
    )


def reviews(
    *, status: str | None = "open", limit: int = 100, ledger: Any = None
) -> list[ReviewItem]:
    """Review items, oldest first (``status=None``: all)."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    if status not in (None, "open", "decided"):
        raise InputError(f"status must be 'open', 'decided' or None; got {status!r}.")
    q = select(s.review_items).order_by(s.review_items.c.id).limit(limit)
    if status:
        q = q.where(s.review_items.c.status == status)
    with open_ledger(ledger).connect() as conn:
        return [_item(r) for r in conn.execute(q).mappings()]


def review_item(item_id: int, *, ledger: Any = None) -> ReviewItem:
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    with open_ledger(ledger).connect() as conn:
        row = (
            conn.execute(select(s.review_items).where(s.review_items.c.id == item_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError(f"No review item {item_id}; list them with `mlvet review list`.")
    return _item(row)


def decide(
    item_id: int, label: Any, *, reviewer: str, reason: str, ledger: Any = None
) -> ReviewItem:
    """Record a reviewer's decision on an open item: the label, who, why."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger
    from mlvet.ledger._ledger import now_iso

    check_name(reviewer, "reviewer", max_len=200)
    check_reason(reason, "reviewer's reason")
    if label is None or (isinstance(label, (float, np.floating)) and not math.isfinite(label)):
        raise InputError(f"The label must be the class (or value) the row has; got {label!r}.")
    led = open_ledger(ledger)
    with led.transaction(actor=reviewer) as tx:
        row = (
            tx.conn.execute(select(s.review_items).where(s.review_items.c.id == item_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"No review item {item_id}; list them with `mlvet review list`.")
        if row["status"] != "open":
            raise StateError(
                f"Review item {item_id} was decided already by {row['reviewer']} at "
                f"{row['decided_at']}; a decision is not overwritten."
            )
        tx.update(
            s.review_items,
            item_id,
            {
                "status": "decided",
                "decision_json": canonical_json({"label": _jsonable(label), "reason": reason}),
                "reviewer": reviewer,
                "decided_at": now_iso(),
            },
        )
    return review_item(item_id, ledger=led)


def review_labels(*, ledger: Any = None) -> Any:
    """Decided reviews as labels (``row_key``, ``label``, ``reviewer``, ``decided_at``) for
    monitoring to join by key."""
    import pandas as pd

    items = reviews(status="decided", limit=10**9, ledger=ledger)
    return pd.DataFrame(
        [
            {
                "row_key": i.row_key,
                "label": (i.decision or {}).get("label"),
                "reviewer": i.reviewer,
                "decided_at": i.decided_at,
            }
            for i in items
        ],
        columns=["row_key", "label", "reviewer", "decided_at"],
    )


# --- the decision log ------------------------------------------------------------------------
STATES: dict[str, str] = {
    "success": "predicted, notified, and it happened",
    "averted": "predicted, notified and acted on, and it did not happen (the action may have worked)",
    "boy who cried wolf": "predicted and notified, no action, and it did not happen",
    "ethical landmine": "not notified, and it happened",
    "quiet": "not notified, and it did not happen",
    "pending": "the outcome is not known yet",
}


@dataclass
class DecisionLog:
    """Positive predictions followed through notify -> intervene -> outcome."""

    name: str
    ledger: Any = None
    _led: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from mlvet.ledger import open_ledger

        check_name(self.name, "DecisionLog name")
        self._led = open_ledger(self.ledger)

    def record(
        self,
        row_key: Any,
        *,
        predicted: bool,
        notified: bool,
        intervened: bool = False,
        outcome: bool | None = None,
        model: ModelVersion | None = None,
    ) -> int:
        """Log one decision (the outcome may come later through :meth:`outcome`)."""
        row_key = check_name(str(row_key), "row key")
        from mlvet.ledger import _schema as s

        for what, v in (
            ("predicted", predicted),
            ("notified", notified),
            ("intervened", intervened),
        ):
            if not isinstance(v, (bool, np.bool_)):
                raise InputError(f"{what} must be True or False; got {v!r}.")
        if outcome is not None and not isinstance(outcome, (bool, np.bool_)):
            raise InputError(
                f"outcome must be True, False or None (not known yet); got {outcome!r}."
            )
        if notified and not predicted:
            raise InputError(
                "notified=True needs predicted=True: the log follows positive predictions; "
                "record a notification nobody predicted as predicted=True by the person who sent it."
            )
        if intervened and not notified:
            raise InputError(
                "intervened=True needs notified=True: nobody acts on an alert they never got."
            )
        from sqlalchemy import select

        with self._led.transaction() as tx:
            seen = tx.conn.execute(
                select(s.decisions.c.id).where(
                    s.decisions.c.log == self.name, s.decisions.c.row_key == str(row_key)
                )
            ).scalar()
            if seen is not None:
                raise InputError(
                    f"{row_key!r} is in the log {self.name!r} already; a decision is recorded "
                    "once (fill in what happened with outcome())."
                )
            return int(
                tx.insert(
                    s.decisions,
                    {
                        "log": self.name,
                        "row_key": str(row_key),
                        "model_version_id": model.id if model is not None else None,
                        "predicted": bool(predicted),
                        "notified": bool(notified),
                        "intervened": bool(intervened),
                        "outcome": None if outcome is None else bool(outcome),
                    },
                )
            )

    def outcome(self, row_key: Any, happened: bool | None) -> None:
        """Fill in what happened for a logged decision (None: not known after all)."""
        if happened is not None and not isinstance(happened, (bool, np.bool_)):
            raise InputError(f"happened must be True, False or None; got {happened!r}.")
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self._led.transaction() as tx:
            pk = tx.conn.execute(
                select(s.decisions.c.id).where(
                    s.decisions.c.log == self.name, s.decisions.c.row_key == str(row_key)
                )
            ).scalar()
            if pk is None:
                raise NotFoundError(f"No decision {row_key!r} in the log {self.name!r}.")
            tx.update(s.decisions, pk, {"outcome": None if happened is None else bool(happened)})

    def frame(self) -> Any:
        import pandas as pd
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self._led.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        s.decisions.c.row_key,
                        s.decisions.c.predicted,
                        s.decisions.c.notified,
                        s.decisions.c.intervened,
                        s.decisions.c.outcome,
                    )
                    .where(s.decisions.c.log == self.name)
                    .order_by(s.decisions.c.id)
                )
                .mappings()
                .all()
            )
        frame = pd.DataFrame(
            [dict(r) for r in rows],
            columns=["row_key", "predicted", "notified", "intervened", "outcome"],
        )
        frame["state"] = [_state(r) for r in frame.itertuples()]
        return frame

    def kpis(self) -> dict[str, Any]:
        """The share of each operational state, and the confusion matrix of prediction
        against outcome (decisions whose outcome is known)."""
        frame = self.frame()
        n = len(frame)
        counts = {state: int((frame["state"] == state).sum()) for state in STATES}
        known = frame[frame["outcome"].notna()]
        predicted = known["predicted"].astype(bool)
        happened = known["outcome"].astype(bool)
        confusion = {
            "true positive": int((predicted & happened).sum()),
            "false positive": int((predicted & ~happened).sum()),
            "false negative": int((~predicted & happened).sum()),
            "true negative": int((~predicted & ~happened).sum()),
        }
        return {
            "n": n,
            "counts": counts,
            "rates": {k: (v / n if n else math.nan) for k, v in counts.items()},
            "confusion": confusion,
        }


def _state(row: Any) -> str:
    if row.outcome is None or (isinstance(row.outcome, float) and math.isnan(row.outcome)):
        return "pending"
    happened = bool(row.outcome)
    if not row.notified:
        return "ethical landmine" if happened else "quiet"
    if happened:
        return "success"
    return "averted" if row.intervened else "boy who cried wolf"
