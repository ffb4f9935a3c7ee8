"""The scorecard: every antipattern with its status, rolled up from the ledger."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from mlvet.catalog import antipatterns
from mlvet.ledger import Ledger, open_ledger
from mlvet.ledger import _schema as s

__all__ = ["ScorecardRow", "scorecard", "scorecard_json"]

STATUSES = ("violated", "at risk", "guarded", "not checked")


@dataclass(frozen=True)
class ScorecardRow:
    """One antipattern's line on the scorecard."""

    family: str
    name: str
    stage: str
    status: str
    errors: int
    warnings: int
    infos: int
    caught: int
    checks: int
    note: str


def scorecard(*, ledger: Ledger | str | None = None, verify: bool = True) -> list[ScorecardRow]:
    """One row per antipattern, in the paper's order.

    Status: *violated* (open error findings on data or runs in use), *at risk* (open
    warnings), *guarded* (checked, nothing open), *not checked* (nothing recorded yet, or
    no guard in this version of mlvet — the note says which). Errors on quarantined data
    count as *caught*: the guard stopped them.
    """
    led = open_ledger(ledger)
    f, v = s.findings, s.dataset_versions
    with led.connect() as conn:
        q = (
            select(f.c.family, f.c.severity, v.c.status, func.count())
            .select_from(f.outerjoin(v, v.c.id == f.c.dataset_version_id))
            .where(f.c.status == "open")
            .group_by(f.c.family, f.c.severity, v.c.status)
        )
        counts: dict[str, dict[str, int]] = {}
        for family, severity, vstatus, n in conn.execute(q):
            bucket = counts.setdefault(family, {})
            key = "caught" if severity == "error" and vstatus == "quarantined" else severity
            bucket[key] = bucket.get(key, 0) + int(n)
        checks = {"DC": int(conn.execute(select(func.count()).select_from(v)).scalar() or 0)}
        for family, n in conn.execute(
            select(s.runs.c.families, func.count()).group_by(s.runs.c.families)
        ):
            for fam in family.split(","):
                if fam and fam != "DC":
                    checks[fam] = checks.get(fam, 0) + int(n)
        # a sealed test set guards GE: each sealing and each read is a check
        sealed = conn.execute(select(func.count()).select_from(s.vaults)).scalar() or 0
        reads = conn.execute(select(func.count()).select_from(s.vault_reads)).scalar() or 0
        if sealed or reads:
            checks["GE"] = checks.get("GE", 0) + int(sealed) + int(reads)
        # a registered model version is checked for calibration evidence and uncertainty
        versions = conn.execute(select(func.count()).select_from(s.model_versions)).scalar() or 0
        if versions:
            checks["CW"] = checks.get("CW", 0) + int(versions)
    audit_note = ""
    if verify:
        report = led.verify()
        if not report.ok:
            counts.setdefault("DC", {})
            counts["DC"]["error"] = counts["DC"].get("error", 0) + len(report.problems)
            audit_note = f"; audit chain BROKEN ({report.first.describe() if report.first else ''})"
        else:
            audit_note = f"; audit chain verified ({report.n_events} events)"
    rows = []
    for ap in antipatterns():
        c = counts.get(ap.family, {})
        n_checks = checks.get(ap.family, 0)
        errors, warnings, infos, caught = (
            c.get(k, 0) for k in ("error", "warning", "info", "caught")
        )
        if ap.coverage is None:
            status, note = "not checked", f"no guard yet (planned: {ap.guard})"
        elif not n_checks and not errors:
            status, note = "not checked", f"nothing checked yet; use {ap.guard}"
        else:
            status = "violated" if errors else "at risk" if warnings else "guarded"
            note = (
                f"{n_checks} check(s); {caught} caught and quarantined"
                if caught
                else f"{n_checks} check(s)"
            )
            if ap.family == "DC":
                note += audit_note
        rows.append(
            ScorecardRow(
                ap.family,
                ap.name,
                ap.stage.value,
                status,
                errors,
                warnings,
                infos,
                caught,
                n_checks,
                note,
            )
        )
    return rows


def scorecard_json(rows: list[ScorecardRow]) -> str:
    return json.dumps([asdict(r) for r in rows], indent=2)
