"""Deployed models checked for Act Now, Reflect Never and Set and Forget.

For every model version in production:

* **AN201** no monitor watches the model (``Monitor(..., model=NAME)``);
* **AN202** monitors watch it, but none has an alert rule (rules are kept on a monitor when
  ``evaluate`` or ``mlvet monitor run`` uses them);
* **SF201** it was last validated (promoted or :func:`revalidate`-d) longer ago than
  ``max_age_days``;
* **SF202** an alert opened on one of its monitors after it was last validated, and it has
  not been revalidated since.

Each check is a run (families AN and SF); its findings replace the open findings of the
previous check.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from mlvet._checks import check_name, check_number, check_reason
from mlvet._findings import Finding, Location
from mlvet.exceptions import InputError, NotFoundError

__all__ = ["check_deployments", "revalidate"]

RUN_NAME = "deployments"


def _parse(ts: str) -> datetime:
    when = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def check_deployments(
    *,
    max_age_days: float = 180,
    now: datetime | None = None,
    record: bool = True,
    ledger: Any = None,
) -> list[Finding]:
    """AN and SF findings for every model in production (recorded as a run unless
    ``record=False``)."""
    from sqlalchemy import func, select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import insert_run, open_ledger, supersede_findings, write_findings

    max_age_days = check_number(max_age_days, "max_age_days")
    if now is not None and not isinstance(now, datetime):
        raise InputError(f"now must be a datetime; got {type(now).__name__}.")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # the ledger's times are UTC; so is a naive one
    now = now.astimezone(UTC)
    led = open_ledger(ledger)
    findings: list[Finding] = []
    with led.connect() as conn:
        prod = conn.execute(
            select(s.model_versions.c.id, s.models.c.name, s.model_versions.c.version)
            .join(s.models, s.models.c.id == s.model_versions.c.model_id)
            .where(s.model_versions.c.stage == "production")
            .order_by(s.models.c.name)
        ).all()
        monitors = [
            (mid, mname, json.loads(cfg))
            for mid, mname, cfg in conn.execute(
                select(s.monitors.c.id, s.monitors.c.name, s.monitors.c.config_json)
            )
        ]
        for version_id, name, version in prod:
            where = Location(dataset=f"model:{name}@{version}")
            watching = [
                (mid, mname, cfg) for mid, mname, cfg in monitors if cfg.get("model") == name
            ]
            if not watching:
                findings.append(
                    Finding.of(
                        "AN201",
                        f"{name}@{version} is in production and no monitor watches it.",
                        location=where,
                        evidence={"model": name, "version": version},
                    )
                )
            elif not any(cfg.get("rules") for _, _, cfg in watching):
                findings.append(
                    Finding.of(
                        "AN202",
                        f"{name}@{version} is watched by {[m for _, m, _ in watching]}, but no "
                        "alert rule watches them: drift would be recorded and nobody told.",
                        location=where,
                        evidence={"model": name, "monitors": [m for _, m, _ in watching]},
                    )
                )
            validated = conn.execute(
                select(func.max(s.model_stages.c.created_at)).where(
                    s.model_stages.c.model_version_id == version_id
                )
            ).scalar()
            if validated is None:
                continue
            age = now - _parse(validated)
            if age > timedelta(days=max_age_days):
                findings.append(
                    Finding.of(
                        "SF201",
                        f"{name}@{version} was last validated {age.days} days ago "
                        f"(staleness age {max_age_days:g} days).",
                        location=where,
                        evidence={"model": name, "validated_at": validated, "age_days": age.days},
                    )
                )
            if watching:
                after = conn.execute(
                    select(s.alerts.c.id, s.alerts.c.rule, s.alerts.c.created_at, s.monitors.c.name)
                    .join(s.monitors, s.monitors.c.id == s.alerts.c.monitor_id)
                    .where(
                        s.alerts.c.monitor_id.in_([m for m, _, _ in watching]),
                        s.alerts.c.created_at > validated,
                    )
                    .order_by(s.alerts.c.id)
                ).all()
                if after:
                    findings.append(
                        Finding.of(
                            "SF202",
                            f"{name}@{version} has {len(after)} alert(s) since it was last "
                            f"validated ({after[0][3]}: {after[0][1]}) and has not been "
                            "revalidated.",
                            location=where,
                            evidence={
                                "model": name,
                                "validated_at": validated,
                                "alerts": [int(a[0]) for a in after],
                            },
                        )
                    )
    if record:
        with led.transaction() as tx:
            supersede_findings(tx, kind="deployments", name=RUN_NAME)
            run_id = insert_run(
                tx,
                kind="deployments",
                name=RUN_NAME,
                families=("AN", "SF"),
                params={
                    "max_age_days": max_age_days,
                    "models_in_production": [f"{n}@{v}" for _, n, v in prod],
                    "findings": len(findings),
                },
            )
            write_findings(tx, findings, run_id=run_id)
    return findings


def revalidate(name: str, version: int, *, reason: str, ledger: Any = None) -> None:
    """Record that ``name@version`` in production was checked again and stays (after a
    drift alert, or at its staleness age); it joins the model's history."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    check_name(name, "A model's name")
    check_reason(reason)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError(f"version must be an int; got {version!r}.")
    led = open_ledger(ledger)
    with led.transaction() as tx:
        row = tx.conn.execute(
            select(s.model_versions.c.id, s.model_versions.c.stage)
            .join(s.models, s.models.c.id == s.model_versions.c.model_id)
            .where(s.models.c.name == name, s.model_versions.c.version == version)
        ).first()
        if row is None:
            raise NotFoundError(f"No model version {name}@{version}; see model_history({name!r}).")
        if row[1] != "production":
            raise InputError(
                f"{name}@{version} is in {row[1]}, not production; only a deployed model is "
                "revalidated (promote it instead)."
            )
        tx.insert(
            s.model_stages,
            {
                "model_version_id": row[0],
                "stage": "production",
                "reason": f"revalidated: {reason}",
                "actor": tx.actor,
            },
        )
