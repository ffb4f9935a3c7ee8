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

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from mlvet._checks import check_name, check_number
from mlvet._json import canonical_json
from mlvet.exceptions import InputError, NotFoundError
from mlvet.monitoring._drift import DriftReport, compare_profiles
from mlvet.monitoring._profile import (
    Profile,
    profile_against,
    profile_from_dict,
    profile_reference,
    profile_to_dict,
)

__all__ = ["Monitor"]


class Monitor:
    """Drift of every observed batch against one reference, recorded in the ledger."""

    def __init__(
        self,
        name: str,
        reference: Any = None,
        *,
        features: list[str] | None = None,
        threshold: float = 0.2,
        ledger: Any = None,
    ) -> None:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s
        from mlvet.ledger import open_ledger

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
        profile = profile_reference(reference, features=features)
        stored = profile_to_dict(profile)
        digest = hashlib.sha256(canonical_json(stored).encode()).hexdigest()
        config = {
            "threshold": float(threshold),
            "features": list(profile.columns),
            "reference_sha256": digest,
        }
        if row is not None:
            existing = json.loads(row["config_json"])
            if existing.get("reference_sha256") != digest or existing.get("threshold") != float(
                threshold
            ):
                raise InputError(
                    f"A monitor named {name!r} exists with another reference or threshold; open it "
                    f"with Monitor({name!r}) or choose another name."
                )
            self._load(row)
            return
        with self._led.transaction() as tx:
            self.id = int(
                tx.insert(
                    s.monitors,
                    {
                        "name": name,
                        "model_version_id": None,
                        "reference_version_id": None,
                        "config_json": canonical_json(config),
                        "profile_json": canonical_json(stored),
                    },
                )
            )
        self.reference, self.threshold, self.features = (
            profile,
            float(threshold),
            list(profile.columns),
        )

    @classmethod
    def open(cls, name: str, *, ledger: Any = None) -> Monitor:
        """A monitor recorded earlier, from the ledger alone."""
        return cls(name, ledger=ledger)

    def _load(self, row: Any) -> None:
        config = json.loads(row["config_json"])
        self.id = int(row["id"])
        self.reference = profile_from_dict(json.loads(row["profile_json"]))
        self.threshold = float(config["threshold"])
        self.features = list(config["features"])

    # -- batches -----------------------------------------------------------------------------
    def observe(self, batch: Any, *, batch_key: str, period_start: Any = None) -> DriftReport:
        """Check a batch against the reference and record it (once per ``batch_key``)."""

        from mlvet.ledger import _schema as s

        check_name(batch_key, "batch_key")
        with self._led.connect() as conn:
            seen = self._batch_id(conn, batch_key)
        if seen is not None:
            return self._recorded(int(seen))
        current = profile_against(batch, self.reference)
        report = compare_profiles(self.reference, current, threshold=self.threshold)
        start = None if period_start is None else str(period_start)
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
        return report

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
        return compare_profiles(self.reference, current, threshold=self.threshold)

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
