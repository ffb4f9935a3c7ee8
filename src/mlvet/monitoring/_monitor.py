"""``mlvet.monitoring.Monitor``: a reference profile kept in the ledger, and every batch
checked against it, once.

``Monitor(name, reference)`` profiles the reference and records it (a rerun with the same
reference reopens the monitor; another reference under the same name is refused).
``observe(batch, batch_key=...)`` profiles the batch on the reference's bins, decides drift
per column (PSI against the threshold; p-values beside it) and records the batch profile
and the per-column results; observing the same ``batch_key`` again returns the recorded
results without recording twice, so a scheduled job can be rerun safely.
``history()`` is drift over time, ``plot()`` draws it, and ``Monitor.open(name)`` reopens a
monitor from the ledger alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam

from mlvet._checks import check_name, check_number
from mlvet._json import canonical_json
from mlvet.exceptions import InputError, NotFoundError
from mlvet.monitoring._drift import DriftReport, compare_profiles
from mlvet.monitoring._multivariate import (
    DOMAIN_THRESHOLD,
    MIN_DOMAIN_ROWS,
    DomainDrift,
    domain_classifier,
    sample_rows,
)
from mlvet.monitoring._performance import (
    Calibrator,
    MetricValue,
    binary_labels,
    change_points,
    estimated_metrics,
    realized_metrics,
    scores_array,
)
from mlvet.monitoring._profile import (
    Profile,
    column_values,
    is_time,
    profile_against,
    profile_from_dict,
    profile_reference,
    profile_to_dict,
)

__all__ = ["Monitor"]


class Monitor:
    """Drift of every observed batch against one reference, and the model's performance,
    recorded in the ledger.

    ``prediction`` names the column of the model's score (the probability of the positive
    class for a binary classifier, the predicted value for a regressor); it is profiled
    like a feature, so prediction drift is reported beside input drift. ``target`` names
    the reference's label column: with it, a classifier's scores are calibrated to the
    labels (isotonic) so that later batches' performance can be *estimated* before their
    labels arrive. ``id`` names the row-id column of batches: each scored row is kept by
    its id, and ``label(ids, y)`` joins late labels to it for *realized* performance.
    ``timestamp`` names a time column (a batch's period starts at its earliest value),
    ``model`` the registered model the monitor watches.
    """

    def __init__(
        self,
        name: str,
        reference: Any = None,
        *,
        features: list[str] | None = None,
        prediction: str | None = None,
        target: str | None = None,
        id: str | None = None,
        timestamp: str | None = None,
        model: str | None = None,
        task: str | None = None,
        decision_threshold: float = 0.5,
        threshold: float = 0.2,
        multivariate: bool = False,
        sample: int = 5_000,
        assertions: bool = True,
        ledger: Any = None,
    ) -> None:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s
        from mlvet.ledger import open_ledger
        from mlvet.ledger._ledger import now_iso

        self.name = check_name(name, "A monitor's name")
        self._led = open_ledger(ledger)
        threshold = check_number(threshold, "threshold")
        with self._led.connect() as conn:
            row = (
                conn.execute(select(s.monitors).where(s.monitors.c.name == name)).mappings().first()
            )
        if reference is None:
            if row is None:
                raise NotFoundError(
                    f"No monitor {name!r} in the ledger; create it with Monitor({name!r}, reference)."
                )
            self._load(row)
            return
        roles = _roles(prediction, target, id, timestamp, model)
        if task not in (None, "binary", "regression"):
            raise InputError(f"task is 'binary' or 'regression'; got {task!r}.")
        for flag, what in ((multivariate, "multivariate"), (assertions, "assertions")):
            if not isinstance(flag, bool):
                raise InputError(f"{what} must be True or False; got {flag!r}.")
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < MIN_DOMAIN_ROWS:
            raise InputError(f"sample must be an int >= {MIN_DOMAIN_ROWS}; got {sample!r}.")
        decision_threshold = check_number(decision_threshold, "decision_threshold", strict=False)
        columns = _column_names(reference)
        for role in ("prediction", "target", "id", "timestamp"):
            col = roles[role]
            if col is not None and col not in columns:
                raise InputError(
                    f"The {role} column {col!r} is not in the reference; it has {columns}."
                )
        skip = {c for c in (roles["target"], roles["id"], roles["timestamp"]) if c is not None}
        if features is None:  # every column but the roles' and times (never comparable)
            times = _time_columns(reference)
            watched = [c for c in columns if c not in skip and c not in times]
        else:
            watched = list(features)
            clash = sorted(skip & set(watched))
            if clash:
                raise InputError(
                    f"Column(s) {clash} are the monitor's target, id or timestamp, not features."
                )
            if prediction is not None and prediction not in watched:
                watched.append(prediction)
        profile = profile_reference(reference, features=watched)
        stored = profile_to_dict(profile)
        digest = _profile_digest(stored)
        config = {
            "threshold": float(threshold),
            "features": list(profile.columns),
            "reference_sha256": digest,
            **roles,
            "decision_threshold": float(decision_threshold),
            **_reference_performance(reference, roles, task, float(decision_threshold)),
        }
        if multivariate:
            config["multivariate"] = {
                "method": "domain_classifier_auc",
                "threshold": DOMAIN_THRESHOLD,
                "sample": sample,
            }
        kept: bytes | None = None
        if row is None:  # what only a new monitor needs: its assertions and its sample
            if assertions:
                config["schema"] = _reference_schema(reference, list(profile.columns))
            if multivariate:
                kept = _reference_sample(reference, list(profile.columns), sample)
                config["multivariate"]["sha256"] = hashlib.sha256(kept).hexdigest()
            with self._led.transaction() as tx:
                # another process may have created it since: write transactions are
                # serialised, so this sees it
                row = (
                    tx.conn.execute(select(s.monitors).where(s.monitors.c.name == name))
                    .mappings()
                    .first()
                )
                if row is None:
                    self.id = int(
                        tx.insert(
                            s.monitors,
                            {
                                "name": name,
                                "model_version_id": _production_version(tx.conn, model),
                                "reference_version_id": None,
                                "config_json": canonical_json(config),
                                "profile_json": canonical_json(stored),
                            },
                        )
                    )
                    if kept is not None:
                        tx.conn.execute(
                            s.monitor_samples.insert().values(
                                monitor_id=self.id, payload=kept, created_at=now_iso()
                            )
                        )
        if row is not None:
            if not _same_monitor(row, config, reference):
                raise InputError(
                    f"A monitor named {name!r} exists with another reference or settings; open "
                    f"it with Monitor({name!r}) or choose another name."
                )
            self._load(row)
            return
        self._configure(profile, config)

    @classmethod
    def open(cls, name: str, *, ledger: Any = None) -> Monitor:
        """A monitor recorded earlier, from the ledger alone."""
        return cls(name, ledger=ledger)

    def _load(self, row: Any) -> None:
        self.id = int(row["id"])
        self._configure(
            profile_from_dict(json.loads(row["profile_json"])), json.loads(row["config_json"])
        )

    def _configure(self, profile: Profile, config: dict[str, Any]) -> None:
        self.reference = profile
        self.config = config
        self.threshold = float(config["threshold"])
        self.features = list(config["features"])
        self.prediction: str | None = config.get("prediction")
        self.target: str | None = config.get("target")
        self.id_column: str | None = config.get("id")
        self.timestamp: str | None = config.get("timestamp")
        self.model: str | None = config.get("model")
        self.task: str | None = config.get("task")
        self.decision_threshold = float(config.get("decision_threshold", 0.5))
        cal = config.get("calibrator")
        self.calibrator = None if cal is None else Calibrator.from_dict(cal)
        self._sample: Any = None  # the reference sample, read when first needed
        self._schema: Any = None  # the reference's assertions, parsed when first needed

    @property
    def rules(self) -> list[str]:
        """The alert rules last evaluated on this monitor (kept in the ledger)."""
        return list(self.config.get("rules", []))

    def cannot_measure(self, metric: str) -> str | None:
        """Why this monitor cannot measure a rule's metric (None when it can)."""
        return unmeasurable(
            metric,
            calibrated=self.calibrator is not None,
            keeps_rows=self.id_column is not None and self.prediction is not None,
            task=self.task,
            multivariate=self.config.get("multivariate") is not None,
            assertions=self.config.get("schema") is not None,
        )

    def keep_rules(self, rules: list[str]) -> None:
        """Record the alert rules watching this monitor (AN202 looks for them)."""
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        if list(rules) == self.rules:
            return  # the common case: no write transaction (a change is re-read below)
        with self._led.transaction() as tx:
            # read inside the transaction: another process may have changed them
            current = json.loads(
                tx.conn.execute(
                    select(s.monitors.c.config_json).where(s.monitors.c.id == self.id)
                ).scalar_one()
            )
            if current.get("rules", []) != list(rules):
                current["rules"] = list(rules)
                tx.update(s.monitors, self.id, {"config_json": canonical_json(current)})
        self.config = current

    # -- batches -----------------------------------------------------------------------------
    def observe(
        self,
        batch: Any,
        *,
        batch_key: str,
        period_start: Any = None,
        predictions: Any = None,
    ) -> DriftReport:
        """Check a batch against the reference and record it (once per ``batch_key``).

        ``predictions`` gives the model's scores for the batch's rows when they are not a
        column of it. With an ``id`` column, every scored row is kept for ``label``; with a
        calibrated classifier, the batch's performance is estimated now.
        """

        from mlvet.ledger import _schema as s

        check_name(batch_key, "batch_key")
        with self._led.connect() as conn:
            seen = self._batch_id(conn, batch_key)
        if seen is not None:
            return self._recorded(int(seen))
        current, scores, keys, start = self._profile_batch(batch, predictions)
        if period_start is not None:
            start = _period_text(period_start)
        report = compare_profiles(self.reference, current, threshold=self.threshold)
        estimated = (
            estimated_metrics(scores, self.calibrator(scores), self.decision_threshold)
            if scores is not None and self.calibrator is not None
            else {}
        )
        quality = self._quality(batch, predictions)
        domain = self._domain(batch, predictions)
        if domain is not None:
            report = dataclasses.replace(report, multivariate=domain)
            estimated["domain_auc"] = MetricValue(
                domain.auc, domain.lower, domain.upper, domain.n_current
            )
        with self._led.transaction() as tx:
            # write transactions are serialised, so this sees a batch another process
            # recorded meanwhile
            again = self._batch_id(tx.conn, batch_key)
            if again is not None:
                return self._recorded(int(again))
            batch_id = tx.insert(
                s.prediction_batches,
                {
                    "monitor_id": self.id,
                    "batch_key": batch_key,
                    "period_start": start,
                    "n_rows": current.n_rows,
                    "profile_json": canonical_json(profile_to_dict(current)),
                    "log_uri": None,
                },
            )
            for col in report.columns:
                p = col.ks_p if col.kind == "numeric" else col.chi2_p
                tx.insert(
                    s.drift_results,
                    {
                        "batch_id": batch_id,
                        "feature": col.name,
                        "method": col.method,
                        "statistic": _num(col.statistic),
                        "threshold": col.threshold,
                        "p_value": _num(p),
                        "drifted": col.drifted,
                    },
                )
            for metric, mv in estimated.items():
                _put_metric(tx, int(batch_id), metric, "estimated", mv)
            if quality is not None:
                failures = [
                    {"code": f.code, "column": f.location.field, "message": f.message}
                    for f in quality
                ]
                _put_metric(
                    tx,
                    int(batch_id),
                    "quality_failures",
                    "observed",
                    MetricValue(float(len(failures)), None, None, current.n_rows),
                    detail=failures,
                )
            if keys is not None and scores is not None:
                self._keep_rows(tx, int(batch_id), batch_key, keys, scores)
        return report

    def _quality(self, batch: Any, predictions: Any) -> list[Any] | None:
        """The batch's failures against the reference's assertions (None when the monitor
        has none, or the batch is a lazy engine's frame)."""
        from mlvet.data import schema_from_json, validate

        text = self.config.get("schema")
        frame = _eager(batch)
        if text is None or frame is None:
            return None
        if self._schema is None:
            self._schema = schema_from_json(text)
        rows = frame.to_pandas()
        if predictions is not None and self.prediction is not None:  # scores given beside
            rows = rows.assign(**{self.prediction: np.asarray(predictions, dtype=float)})
        watched = [c for c in self._schema.columns if c in rows.columns]
        return validate(rows[watched], self._schema, dataset=self.name)

    def _domain(self, batch: Any, predictions: Any) -> DomainDrift | None:
        """The domain classifier's verdict on this batch against the reference sample
        (None when the monitor keeps no sample, or the batch is too small to learn from).
        A lazy engine's batch is sampled by the engine."""
        spec = self.config.get("multivariate")
        if spec is None:
            return None
        if self._sample is None:
            self._sample = self._read_sample(spec["sha256"])
        columns = list(self._sample.columns)
        if predictions is not None and self.prediction is not None:
            frame = _eager(batch)
            if frame is None:
                return None  # refused earlier: predictions= needs the rows in memory
            rows = frame.to_pandas().assign(
                **{self.prediction: np.asarray(predictions, dtype=float)}
            )
        else:
            rows = sample_rows(batch, columns, int(spec["sample"]), 1, "batch")
        if len(rows) < MIN_DOMAIN_ROWS:
            return None  # a batch too small to learn from gets the column checks only
        return domain_classifier(
            self._sample,
            rows,
            features=list(self._sample.columns),
            threshold=float(spec["threshold"]),
            sample=int(spec["sample"]),
        )

    def _read_sample(self, sha256: str) -> Any:
        import io

        import pyarrow.parquet as pq
        from sqlalchemy import select

        from mlvet.exceptions import LedgerError
        from mlvet.ledger import _schema as s

        with self._led.connect() as conn:
            payload = conn.execute(
                select(s.monitor_samples.c.payload).where(s.monitor_samples.c.monitor_id == self.id)
            ).scalar()
        if payload is None or hashlib.sha256(payload).hexdigest() != sha256:
            raise LedgerError(
                f"Monitor {self.name!r}: its reference sample is missing or differs from the "
                "SHA-256 its configuration records; it was changed outside mlvet."
            )
        return pq.read_table(io.BytesIO(payload)).to_pandas()

    def _profile_batch(
        self, batch: Any, predictions: Any
    ) -> tuple[Profile, np.ndarray | None, list[str] | None, str | None]:
        """The batch's profile, its scores and row keys (when kept), and its period start."""
        import narwhals as nw
        import pandas as pd

        frame = _eager(batch)
        if frame is None:
            # a lazy engine's batch is profiled where it lives; only the columns kept per
            # row (score, id, time) come back, and only when the scores are used
            if predictions is not None:
                raise InputError(
                    "predictions= needs the batch's rows in memory; give the scores as a "
                    f"column ({self.prediction!r}) of a lazy batch instead."
                )
            lazy = nw.from_native(batch)
            have = lazy.collect_schema().names()
            scored = self.prediction is not None and (
                self.calibrator is not None or self.id_column is not None
            )
            if scored:
                kept = (self.prediction, self.id_column, self.timestamp)
                frame = lazy.select([c for c in kept if c in have]).collect(backend="pyarrow")
            elif self.timestamp is not None and self.timestamp in have:
                # only the earliest time is needed: the engine finds it
                frame = lazy.select(nw.col(self.timestamp).min()).collect(backend="pyarrow")
        scores: np.ndarray | None = None
        if predictions is not None:
            if self.prediction is None:
                raise InputError(
                    f"Monitor {self.name!r} was made without a prediction column; create it "
                    "with Monitor(..., prediction='score') to watch predictions."
                )
            scores = scores_array(predictions, "predictions", unit=self.task == "binary")
            if frame is None or len(scores) != len(frame):
                n = "?" if frame is None else len(frame)
                raise InputError(
                    f"predictions has {len(scores)} values for a batch of {n} rows; give one "
                    "score per row."
                )
            ref = Profile(
                {k: v for k, v in self.reference.columns.items() if k != self.prediction},
                self.reference.n_rows,
            )
            rest = profile_against(batch, ref)
            pred = profile_against(
                pd.DataFrame({self.prediction: scores}),
                Profile(
                    {self.prediction: self.reference.columns[self.prediction]},
                    self.reference.n_rows,
                ),
            )
            current = Profile({**rest.columns, **pred.columns}, rest.n_rows)
            current = Profile({k: current.columns[k] for k in self.reference.columns}, rest.n_rows)
        else:
            current = profile_against(batch, self.reference)
            if (
                self.prediction is not None
                and frame is not None
                and self.prediction in frame.columns
            ):
                scores = scores_array(
                    column_values(frame, self.prediction),
                    f"column {self.prediction!r}",
                    unit=self.task == "binary",
                )
        keys: list[str] | None = None
        start: str | None = None
        if self.id_column is not None and scores is not None and frame is not None:
            if self.id_column not in frame.columns:
                raise InputError(
                    f"The batch has no id column {self.id_column!r}; labels are joined by it."
                )
            keys = _row_keys(column_values(frame, self.id_column), self.id_column)
        if self.timestamp is not None and frame is not None and self.timestamp in frame.columns:
            start = _period_start(column_values(frame, self.timestamp), self.timestamp)
        return current, scores, keys, start

    def _keep_rows(
        self, tx: Any, batch_id: int, batch_key: str, keys: list[str], scores: np.ndarray
    ) -> None:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s
        from mlvet.ledger._ledger import rows_digest

        taken: list[str] = []
        for chunk in _chunks(keys):
            taken += (
                tx.conn.execute(
                    select(s.monitor_rows.c.row_key).where(
                        s.monitor_rows.c.monitor_id == self.id, s.monitor_rows.c.row_key.in_(chunk)
                    )
                )
                .scalars()
                .all()
            )
        if taken:
            raise InputError(
                f"{len(taken)} row id(s) of batch {batch_key!r} were observed before in another "
                f"batch (e.g. {sorted(taken)[:3]}); ids must be unique across a monitor's batches."
            )
        rows = [
            # + 0.0: a negative zero reads back from SQLite as 0.0 (and must hash the same)
            {"monitor_id": self.id, "batch_id": batch_id, "row_key": k, "score": float(v) + 0.0}
            for k, v in zip(keys, scores.tolist(), strict=True)
        ]
        tx.conn.execute(s.monitor_rows.insert(), rows)
        digest = rows_digest([(r["row_key"], r["score"]) for r in rows])
        tx.event(
            "monitor.rows",
            # not an entity event: the audited rows are checked against their own events
            {
                "monitor": self.name,
                "batch": batch_key,
                "batch_id": batch_id,
                "n": len(rows),
                "sha256": digest,
            },
        )

    # -- labels and performance --------------------------------------------------------------
    def label(self, ids: Any, y: Any, *, unknown: str = "error") -> dict[str, Any]:
        """Join late labels to the observed rows by id; realized performance of every batch
        they touch is recomputed. ``unknown='ignore'`` skips ids never observed (the default
        refuses the call, recording nothing). Labels equal to those recorded change nothing,
        so a scheduled job can give the same file again."""
        from sqlalchemy import select, update

        from mlvet.ledger import _schema as s
        from mlvet.ledger._ledger import now_iso, rows_digest

        if self.id_column is None or self.prediction is None:
            raise InputError(
                f"Monitor {self.name!r} keeps no rows to label: create it with "
                "Monitor(..., prediction='score', id='row_id')."
            )
        if unknown not in ("error", "ignore"):
            raise InputError(f"unknown is 'error' or 'ignore'; got {unknown!r}.")
        keys = _row_keys(np.asarray(ids, dtype=object).ravel(), "ids")
        labels = (
            binary_labels(y, "y")
            if self.task == "binary"
            else scores_array(y, "y", unit=False, missing="give only the labels that came")
        )
        if len(labels) != len(keys):
            raise InputError(f"ids has {len(keys)} values but y has {len(labels)}.")
        if not keys:
            raise InputError("No labels given: ids and y are empty.")
        by_key = dict(zip(keys, labels.tolist(), strict=True))
        with self._led.transaction() as tx:
            found: dict[str, tuple[int, int]] = {}  # observed rows whose label changes
            observed: set[str] = set()
            r = s.monitor_rows
            for chunk in _chunks(keys):
                for rid, key, bid, old in tx.conn.execute(
                    select(r.c.id, r.c.row_key, r.c.batch_id, r.c.label).where(
                        r.c.monitor_id == self.id, r.c.row_key.in_(chunk)
                    )
                ):
                    observed.add(key)
                    if old is None or float(old) != by_key[key]:
                        found[key] = (int(rid), int(bid))
            same = len(observed) - len(found)
            missing = [k for k in keys if k not in observed]
            if missing and unknown == "error":
                raise InputError(
                    f"{len(missing)} id(s) were never observed by monitor {self.name!r} "
                    f"(e.g. {missing[:3]}); observe their batch first, or pass unknown='ignore'."
                )
            if not found:
                return {"labelled": 0, "unchanged": same, "unknown": len(missing), "batches": []}
            now = now_iso()
            tx.conn.execute(
                update(s.monitor_rows)
                .where(s.monitor_rows.c.id == bindparam("rid"))
                .values(label=bindparam("lab"), labelled_at=now),
                [{"rid": found[k][0], "lab": by_key[k] + 0.0} for k in found],
            )
            touched = sorted({bid for _, bid in found.values()})
            r = s.monitor_rows
            digests = {}
            for bid in touched:  # each touched batch's labels, as they now stand
                rows = tx.conn.execute(
                    select(r.c.row_key, r.c.score, r.c.label).where(
                        r.c.batch_id == bid, r.c.label.is_not(None)
                    )
                ).all()
                digests[str(bid)] = rows_digest(sorted((k, y) for k, _, y in rows))
                scored = np.asarray([(v, y) for _, v, y in rows], dtype=float).reshape(-1, 2)
                realized = realized_metrics(
                    scored[:, 0],
                    scored[:, 1],
                    task=self.task or "binary",
                    decision_threshold=self.decision_threshold,
                )
                for metric, mv in realized.items():
                    _put_metric(tx, bid, metric, "realized", mv)
            tx.event(
                "monitor.label",
                {"monitor": self.name, "monitor_id": self.id, "n": len(found), "batches": digests},
            )
            batch_keys = [
                r[0]
                for r in tx.conn.execute(
                    select(s.prediction_batches.c.batch_key)
                    .where(s.prediction_batches.c.id.in_(touched))
                    .order_by(s.prediction_batches.c.id)
                )
            ]
        return {
            "labelled": len(found),
            "unchanged": same,
            "unknown": len(missing),
            "batches": batch_keys,
        }

    def performance(self) -> Any:
        """Performance per batch and metric: estimated (with its band) and realized (with
        the number of labelled rows), and the estimate's error once labels came."""
        import pandas as pd
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        b, m = s.prediction_batches, s.batch_metrics
        with self._led.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        b.c.id,
                        b.c.batch_key,
                        b.c.period_start,
                        b.c.n_rows,
                        m.c.metric,
                        m.c.kind,
                        m.c.value,
                        m.c.lower,
                        m.c.upper,
                        m.c.n,
                    )
                    .join(m, m.c.batch_id == b.c.id)
                    .where(b.c.monitor_id == self.id, m.c.kind != "observed")
                    .order_by(b.c.id, m.c.metric)
                )
                .mappings()
                .all()
            )
        cols = [
            "batch_key",
            "period_start",
            "n_rows",
            "metric",
            "estimated",
            "estimated_lower",
            "estimated_upper",
            "realized",
            "realized_lower",
            "realized_upper",
            "n_labelled",
            "error",
        ]
        out: dict[tuple[int, str], dict[str, Any]] = {}
        for r in rows:
            rec = out.setdefault(
                (r["id"], r["metric"]),
                {c: None for c in cols}
                | {
                    "batch_key": r["batch_key"],
                    "period_start": r["period_start"],
                    "n_rows": r["n_rows"],
                    "metric": r["metric"],
                    "n_labelled": 0,
                },
            )
            kind = r["kind"]
            rec[kind] = r["value"]
            rec[f"{kind}_lower"], rec[f"{kind}_upper"] = r["lower"], r["upper"]
            if kind == "realized":
                rec["n_labelled"] = int(r["n"])
        for rec in out.values():
            if rec["estimated"] is not None and rec["realized"] is not None:
                rec["error"] = rec["estimated"] - rec["realized"]
        return pd.DataFrame(list(out.values()), columns=cols)

    def metrics(self) -> Any:
        """Every recorded batch metric, in batch order: batch_key, metric, kind
        (``estimated``, ``realized`` or ``observed``), value, lower, upper, n. Alert rules
        on performance and quality read this."""
        import pandas as pd
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        b, m = s.prediction_batches, s.batch_metrics
        with self._led.connect() as conn:
            rows = conn.execute(
                select(b.c.batch_key, m.c.metric, m.c.kind, m.c.value, m.c.lower, m.c.upper, m.c.n)
                .join(m, m.c.batch_id == b.c.id)
                .where(b.c.monitor_id == self.id)
                .order_by(b.c.id, m.c.metric, m.c.kind)
            ).all()
        cols = ["batch_key", "metric", "kind", "value", "lower", "upper", "n"]
        return pd.DataFrame([tuple(r) for r in rows], columns=cols)

    def quality(self) -> Any:
        """Data-quality failures per batch against the reference's assertions: batch_key,
        period_start, code (DC101–DC104), column, message. Batches with none have no row."""
        import pandas as pd
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        b, m = s.prediction_batches, s.batch_metrics
        with self._led.connect() as conn:
            rows = conn.execute(
                select(b.c.batch_key, b.c.period_start, m.c.detail_json)
                .join(m, m.c.batch_id == b.c.id)
                .where(b.c.monitor_id == self.id, m.c.metric == "quality_failures")
                .order_by(b.c.id)
            ).all()
        out = [
            (key, start, f["code"], f["column"], f["message"])
            for key, start, detail in rows
            for f in json.loads(detail or "[]")
        ]
        return pd.DataFrame(out, columns=["batch_key", "period_start", "code", "column", "message"])

    def changes(self) -> dict[str, list[str]]:
        """Batches at which river's detectors signalled a change: ADWIN on the labelled
        rows' correctness, Page–Hinkley on every row's expected correctness (no labels)."""
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        if self.task != "binary" or self.id_column is None:
            return {"adwin": [], "page_hinkley": []}
        r, b = s.monitor_rows, s.prediction_batches
        with self._led.connect() as conn:
            rows = conn.execute(
                select(b.c.batch_key, r.c.score, r.c.label)
                .join(b, b.c.id == r.c.batch_id)
                .where(r.c.monitor_id == self.id)
                .order_by(r.c.batch_id, r.c.id)
            ).all()
        if not rows:
            return {"adwin": [], "page_hinkley": []}
        owners = [k for k, _, _ in rows]
        score = np.asarray([v for _, v, _ in rows], dtype=float)
        label = np.asarray([np.nan if v is None else v for _, _, v in rows], dtype=float)
        out: dict[str, list[str]] = {}
        has = ~np.isnan(label)
        right = ((score[has] >= self.decision_threshold) == (label[has] == 1)).astype(float)
        out["adwin"] = change_points(
            right, [o for o, h in zip(owners, has.tolist(), strict=True) if h], detector="adwin"
        )
        if self.calibrator is None:
            out["page_hinkley"] = []
        else:
            p = self.calibrator(score)
            expected = np.where(score >= self.decision_threshold, p, 1 - p)
            out["page_hinkley"] = change_points(expected, owners, detector="page_hinkley")
        return out

    def plot_performance(self, path: str | Path, *, metric: str = "roc_auc") -> Path:
        """Estimated (with its band) and realized ``metric`` over the batches."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        frame = self.performance()
        part = frame[frame.metric == metric]
        if part.empty:
            known = sorted(set(frame.metric)) or "none yet"
            raise InputError(
                f"Monitor {self.name!r} has no {metric!r} to plot; its metrics: {known}."
            )
        path = Path(path)
        x = np.arange(len(part))
        fig, ax = plt.subplots(figsize=(max(6.0, 0.4 * len(part) + 3), 4))
        est = part.estimated.astype(float)
        if est.notna().any():
            ax.fill_between(
                x,
                part.estimated_lower.astype(float),
                part.estimated_upper.astype(float),
                color="#4477aa",
                alpha=0.18,
                label="estimated, 95% band",
            )
            ax.plot(x, est, color="#4477aa", marker="o", ms=3, label="estimated (no labels)")
        real = part.realized.astype(float)
        if real.notna().any():
            ax.plot(x, real, color="#cc3311", marker="s", ms=4, label="realized (labels)")
        ref = self.config.get("reference_performance", {}).get(metric)
        if ref is not None:
            ax.axhline(ref, color="grey", ls=":", label=f"reference {ref:.3f}")
        step = max(1, len(part) // 12)
        keys = part.batch_key.tolist()
        ax.set_xticks(x[::step], keys[::step], rotation=30, ha="right", fontsize=7)
        ax.set_ylabel(metric)
        ax.set_title(f"performance over time: {self.name}")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def _batch_id(self, conn: Any, batch_key: str) -> int | None:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        found = conn.execute(
            select(s.prediction_batches.c.id).where(
                s.prediction_batches.c.monitor_id == self.id,
                s.prediction_batches.c.batch_key == batch_key,
            )
        ).scalar()
        return None if found is None else int(found)

    def _recorded(self, batch_id: int) -> DriftReport:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self._led.connect() as conn:
            row = (
                conn.execute(
                    select(s.prediction_batches).where(s.prediction_batches.c.id == batch_id)
                )
                .mappings()
                .one()
            )
        current: Profile = profile_from_dict(json.loads(row["profile_json"]))
        report = compare_profiles(self.reference, current, threshold=self.threshold)
        spec = self.config.get("multivariate")
        if spec is None:
            return report
        with self._led.connect() as conn:
            m = (
                conn.execute(
                    select(s.batch_metrics).where(
                        s.batch_metrics.c.batch_id == batch_id,
                        s.batch_metrics.c.metric == "domain_auc",
                    )
                )
                .mappings()
                .first()
            )
        if m is None or m["value"] is None:
            return report
        auc, lower, upper = float(m["value"]), float(m["lower"]), float(m["upper"])
        threshold = float(spec["threshold"])
        domain = DomainDrift(
            auc,
            lower,
            upper,
            threshold,
            auc >= threshold and lower > 0.5,
            min(int(spec["sample"]), self.reference.n_rows),
            int(m["n"]),
            tuple(c for c in self.features),
        )
        return dataclasses.replace(report, multivariate=domain)

    def history(self) -> Any:
        """Drift over time: one row per (batch, feature), in the order batches came."""
        import pandas as pd
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self._led.connect() as conn:
            rows = (
                conn.execute(
                    select(
                        s.prediction_batches.c.batch_key,
                        s.prediction_batches.c.period_start,
                        s.prediction_batches.c.n_rows,
                        s.drift_results.c.feature,
                        s.drift_results.c.method,
                        s.drift_results.c.statistic,
                        s.drift_results.c.threshold,
                        s.drift_results.c.p_value,
                        s.drift_results.c.drifted,
                    )
                    .join(s.drift_results, s.drift_results.c.batch_id == s.prediction_batches.c.id)
                    .where(s.prediction_batches.c.monitor_id == self.id)
                    .order_by(s.prediction_batches.c.id, s.drift_results.c.id)
                )
                .mappings()
                .all()
            )
        return pd.DataFrame(
            [dict(r) for r in rows],
            columns=[
                "batch_key",
                "period_start",
                "n_rows",
                "feature",
                "method",
                "statistic",
                "threshold",
                "p_value",
                "drifted",
            ],
        )

    def latest(self) -> DriftReport | None:
        """The drift of the last batch observed (None before the first)."""
        from sqlalchemy import func, select

        from mlvet.ledger import _schema as s

        with self._led.connect() as conn:
            last = conn.execute(
                select(func.max(s.prediction_batches.c.id)).where(
                    s.prediction_batches.c.monitor_id == self.id
                )
            ).scalar()
        return None if last is None else self._recorded(int(last))

    def plot(self, path: str | Path) -> Path:
        """PSI per feature over the batches, with the threshold."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        frame = self.history()
        if frame.empty:
            raise InputError(f"Monitor {self.name!r} has observed no batch yet; nothing to plot.")
        path = Path(path)
        fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * frame.batch_key.nunique() + 3), 4))
        order = list(dict.fromkeys(frame.batch_key))
        for feature, part in frame.groupby("feature", sort=False):
            x = [order.index(k) for k in part.batch_key]
            ax.plot(x, part.statistic, marker="o", ms=3, label=str(feature))
        ax.axhline(self.threshold, color="#cc3311", ls="--", label=f"threshold {self.threshold:g}")
        step = max(1, len(order) // 12)
        ax.set_xticks(
            range(0, len(order), step), order[::step], rotation=30, ha="right", fontsize=7
        )
        ax.set_ylabel("PSI against the reference")
        ax.set_title(f"drift over time: {self.name}")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _roles(
    prediction: str | None,
    target: str | None,
    id_: str | None,
    timestamp: str | None,
    model: str | None,
) -> dict[str, str | None]:
    roles = {"prediction": prediction, "target": target, "id": id_, "timestamp": timestamp}
    for role, col in roles.items():
        if col is not None and not isinstance(col, str):
            raise InputError(f"{role} names a column (a string); got {col!r}.")
    named = [c for c in roles.values() if c is not None]
    if len(named) != len(set(named)):
        raise InputError(
            f"prediction, target, id and timestamp must be different columns; got {roles}."
        )
    return {**roles, "model": None if model is None else check_name(model, "model")}


def _column_names(data: Any) -> list[str]:
    import narwhals as nw

    try:
        frame = nw.from_native(data)
    except TypeError as exc:
        raise InputError(
            f"reference: expected a data frame (pandas, polars, pyarrow, DuckDB, PySpark); got "
            f"{type(data).__name__}."
        ) from exc
    return [str(c) for c in frame.columns]


def _eager(data: Any) -> Any:
    """The batch as an eager narwhals frame, or None for a lazy engine's frame."""
    import narwhals as nw

    if isinstance(data, dict):
        return nw.from_dict(data, backend="pandas")
    try:
        return nw.from_native(data, eager_only=True)
    except TypeError:
        return None


def _row_keys(values: Any, what: str) -> list[str]:
    keys = []
    for v in np.asarray(values, dtype=object).ravel().tolist():
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            raise InputError(f"{what} holds a missing id; every monitored row needs an id.")
        # 7 and 7.0 are one id (a column read as floats from a file with gaps)
        keys.append(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})[:3] if len(keys) < 10_000 else []
        raise InputError(f"{what} holds duplicate ids {dup}; ids must be unique.")
    too_long = [k for k in keys if len(k) > 255]
    if too_long:
        raise InputError(
            f"{what}: ids are at most 255 characters; {too_long[0][:40]!r}... is longer."
        )
    return keys


def _chunks(keys: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def _put_metric(
    tx: Any,
    batch_id: int,
    metric: str,
    kind: str,
    mv: MetricValue,
    *,
    detail: list[dict[str, Any]] | None = None,
) -> None:
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    values = {
        "batch_id": batch_id,
        "metric": metric,
        "kind": kind,
        "value": _num(mv.value),
        "lower": _num(mv.lower),
        "upper": _num(mv.upper),
        "n": mv.n,
        "detail_json": None if detail is None else canonical_json(detail),
    }
    pk = tx.conn.execute(
        select(s.batch_metrics.c.id).where(
            s.batch_metrics.c.batch_id == batch_id,
            s.batch_metrics.c.metric == metric,
            s.batch_metrics.c.kind == kind,
        )
    ).scalar()
    if pk is None:
        tx.insert(s.batch_metrics, values)
    else:
        tx.update(s.batch_metrics, pk, values)


def _reference_performance(
    reference: Any, roles: dict[str, str | None], task: str | None, decision_threshold: float
) -> dict[str, Any]:
    """The task, the calibrator (a classifier with labels) and the reference's own metrics."""
    pred, target = roles["prediction"], roles["target"]
    if pred is None:
        if target is not None:
            raise InputError("A target without a prediction column cannot measure performance.")
        return {"task": task}
    frame = _eager(reference)
    if frame is None:
        raise InputError(
            "A monitor with a prediction column needs an eager reference (pandas, polars, "
            "pyarrow) to calibrate its scores; collect the reference sample first."
        )
    scores = column_values(frame, pred)
    if target is None:
        if task is None:
            s = scores_array(scores, f"column {pred!r}", unit=False)
            task = "binary" if s.size and s.min() >= 0 and s.max() <= 1 else "regression"
        return {"task": task}
    labels = np.asarray(column_values(frame, target))
    if task is None:
        if labels.dtype.kind not in "biuf":
            raise InputError(
                f"The target {target!r} holds {labels.dtype} values: a monitor measures binary "
                "classifiers (0/1) and regressors (numbers); multiclass is not supported yet."
            )
        uniq = set(np.unique(labels[~_isnan(labels)]).tolist())
        integral = all(float(v).is_integer() for v in uniq)
        if integral and 2 < len(uniq) <= 20:
            raise InputError(
                f"The target {target!r} looks multiclass ({len(uniq)} classes), which a "
                "monitor does not support yet; pass task='regression' if it is a count."
            )
        task = "binary" if uniq <= {0, 1} and len(uniq) == 2 else "regression"
    s = scores_array(scores, f"column {pred!r}", unit=task == "binary")
    if task == "regression":
        y = scores_array(labels, f"column {target!r}", unit=False)
        real = realized_metrics(s, y, task=task, decision_threshold=decision_threshold)
        return {"task": task, "reference_performance": {k: v.value for k, v in real.items()}}
    y = binary_labels(labels, f"column {target!r}")
    if y.min() == y.max():
        raise InputError(
            f"The reference's target {target!r} holds one class; calibration needs both."
        )
    cal = Calibrator.fit(s, y)
    real = realized_metrics(s, y, task=task, decision_threshold=decision_threshold)
    return {
        "task": task,
        "calibrator": cal.to_dict(),
        "reference_performance": {k: v.value for k, v in real.items()},
    }


def _isnan(values: np.ndarray) -> np.ndarray:
    return (
        np.isnan(values.astype(float)) if values.dtype.kind == "f" else np.zeros(len(values), bool)
    )


def _production_version(conn: Any, model: str | None) -> int | None:
    """The model's version in production now (else its newest), or a clear refusal."""
    if model is None:
        return None
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    rows = conn.execute(
        select(s.model_versions.c.id, s.model_versions.c.stage)
        .join(s.models, s.models.c.id == s.model_versions.c.model_id)
        .where(s.models.c.name == model)
        .order_by(s.model_versions.c.version.desc())
    ).all()
    if not rows:
        raise NotFoundError(
            f"No registered model {model!r}; register it with mlvet.register_model first."
        )
    prod = [r for r in rows if r[1] == "production"]
    return int((prod or rows)[0][0])


def _reference_sample(reference: Any, columns: list[str], n: int) -> bytes:
    """A seeded sample of the reference's watched columns, as Parquet bytes."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = _eager(reference)
    if frame is None:
        raise InputError(
            "A multivariate monitor keeps a sample of its reference: give the reference as "
            "pandas, polars or pyarrow (collect a sample of a lazy frame first)."
        )
    rows = frame.select(columns).to_pandas()
    if len(rows) > n:
        rows = rows.sample(n=n, random_state=0)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False), buf)
    return buf.getvalue()


def _reference_schema(reference: Any, columns: list[str]) -> str | None:
    """The reference's inferred assertions (types, nulls, ranges, allowed categories) as
    JSON; None for a lazy reference, whose rows are not in memory."""
    from mlvet.data import infer_schema, schema_to_json

    frame = _eager(reference)
    if frame is None:
        return None
    return schema_to_json(infer_schema(frame.select(columns).to_native(), strict=False))


def _profile_digest(stored: dict[str, Any]) -> str:
    """The SHA-256 of a reference profile's content (its column order aside)."""
    body = {k: v for k, v in stored.items() if k != "order"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


#: what a user chooses; the rest of a monitor's configuration is derived from the reference
#: (calibrator, assertions, sample bytes) and may differ by a last bit across library versions
_SETTINGS = (
    "threshold",
    "features",
    "prediction",
    "target",
    "id",
    "timestamp",
    "model",
    "decision_threshold",
)


def _same_monitor(row: Any, config: dict[str, Any], reference: Any) -> bool:
    """Whether a recorded monitor has these settings and this reference: the reference,
    counted on the recorded bins, gives the recorded counts (whatever engine holds it, and
    whatever the column order), and what was learned from its labels agrees."""
    existing = json.loads(row["config_json"])
    defaults = {"decision_threshold": 0.5}  # monitors recorded before it existed
    keys = [k for k in _SETTINGS if k != "features"]
    if any(existing.get(k, defaults.get(k)) != config.get(k) for k in keys):
        return False
    # a monitor recorded before times were left out watches them too
    legacy = _time_columns(reference) - set(config["features"])
    if set(existing["features"]) - legacy != set(config["features"]):
        return False
    if config.get("task") is not None and existing.get("task") != config["task"]:
        return False
    mine, theirs = config.get("multivariate"), existing.get("multivariate")
    if (mine is None) != (theirs is None) or (mine and mine["sample"] != theirs["sample"]):
        return False
    for key in ("reference_performance", "calibrator"):  # learned from the labels
        a, b = existing.get(key), config.get(key)
        if a is None or b is None:
            if a is not b:
                return False
        elif not _close(a, b):
            return False
    if existing.get("reference_sha256") == config["reference_sha256"]:
        return True
    stored = profile_from_dict(json.loads(row["profile_json"]))
    try:
        recount = profile_against(reference, stored)
    except InputError:
        return False
    return _same_counts(stored, recount)


def _close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if set(a) != set(b):
        return False
    for k in a:
        x, y = np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float)
        if x.shape != y.shape or not np.allclose(x, y, rtol=1e-9, atol=1e-12):
            return False
    return True


def _same_counts(a: Profile, b: Profile) -> bool:
    if a.n_rows != b.n_rows or set(a.columns) != set(b.columns):
        return False
    for name, x in a.columns.items():
        y = b.columns[name]
        if (x.kind, x.n, x.nulls, x.categories) != (y.kind, y.n, y.nulls, y.categories):
            return False
        if not (np.array_equal(x.coarse, y.coarse) and np.array_equal(x.fine, y.fine)):
            return False
    return True


def _period_text(value: Any) -> str:
    """A period start as given (a date, a datetime or text), as text the ledger keeps."""
    import pandas as pd

    if isinstance(value, str):
        text = value
    elif (
        isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat")
    ) and not pd.isna(value):
        text = _iso(pd.Timestamp(value))
    else:
        raise InputError(f"period_start is a date, a datetime or text; got {value!r}.")
    if not text or len(text) > 32:
        raise InputError(f"period_start must be 1 to 32 characters; got {text!r}.")
    return text


def _iso(ts: Any) -> str:
    """UTC ISO-8601 text to the microsecond (naive times are taken as UTC)."""
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return str(ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def _period_start(values: np.ndarray, column: str) -> str | None:
    """The earliest time in a batch's time column, as UTC ISO text (None if it has none)."""
    import warnings

    import pandas as pd

    series = pd.Series(values)
    if series.dtype.kind in "biufc":
        raise InputError(
            f"The timestamp column {column!r} holds numbers; give times (dates, datetimes or "
            "ISO-8601 text), not epoch counts whose unit mlvet would have to guess."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pandas warns, then guesses, on ambiguous text
            stamps = pd.to_datetime(series, utc=True, errors="raise", format="ISO8601")
    except (ValueError, TypeError, OverflowError, Warning) as exc:
        raise InputError(
            f"The timestamp column {column!r} holds values that are not ISO-8601 times: {exc}"
        ) from exc
    stamps = stamps.dropna()
    return None if stamps.empty else _iso(stamps.min())


def _time_columns(data: Any) -> set[str]:
    import narwhals as nw

    frame = nw.from_native(data)
    schema = frame.collect_schema() if isinstance(frame, nw.LazyFrame) else frame.schema
    return {str(n) for n, dtype in schema.items() if is_time(dtype)}


def unmeasurable(
    metric: str,
    *,
    calibrated: bool,
    keeps_rows: bool,
    task: str | None,
    multivariate: bool,
    assertions: bool,
) -> str | None:
    """Why a monitor with these settings can never measure a rule's metric (None when it
    can): one answer for a monitor and for a monitors file checked before it exists."""
    if metric.startswith("estimated_") and not calibrated:
        return (
            "it estimates nothing: it needs prediction and target, a binary classifier's "
            "scores calibrated on the reference's labels"
        )
    if metric.startswith("realized_"):
        if not keeps_rows:
            return "it keeps no rows to label: it needs prediction and id"
        wants = "regression" if metric in ("realized_mae", "realized_rmse") else "binary"
        if task != wants:
            return f"{metric} is for a {wants} model; this one's task is {task}"
    if metric == "domain_auc" and not multivariate:
        return "it keeps no reference sample: it needs multivariate: true (multivariate=True)"
    if metric == "quality_failures" and not assertions:
        return "it has no assertions (a lazy reference, or assertions=False)"
    return None
