"""Findings in the ledger: written with their run or dataset version, read back as Findings."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, select

from mlvet._findings import Finding
from mlvet._json import canonical_json
from mlvet.ledger import _schema as s
from mlvet.ledger._ledger import Tx

__all__ = ["read_findings", "supersede_findings", "write_findings"]


def write_findings(
    tx: Tx,
    findings: Iterable[Finding],
    *,
    run_id: str | None = None,
    dataset_version_id: int | None = None,
) -> list[int]:
    """Record findings as open; return their ids."""
    return [
        tx.insert(
            s.findings,
            {
                "code": f.code,
                "family": f.family,
                "kind": f.kind,
                "severity": f.severity.value,
                "message": f.message,
                "fix": f.fix,
                "location_json": canonical_json(f.location.to_dict()),
                "evidence_json": canonical_json(dict(f.evidence)),
                "status": "open",
                "run_id": run_id,
                "dataset_version_id": dataset_version_id,
            },
        )
        for f in findings
    ]


def read_findings(
    conn: Connection,
    *,
    dataset_version_id: int | None = None,
    family: str | None = None,
    status: str = "open",
) -> list[Finding]:
    """Recorded findings in the order they were written."""
    f = s.findings
    q = select(f).where(f.c.status == status).order_by(f.c.id)
    if dataset_version_id is not None:
        q = q.where(f.c.dataset_version_id == dataset_version_id)
    if family is not None:
        q = q.where(f.c.family == family.upper())
    return [
        Finding.from_dict(
            {
                **row,
                "location": json.loads(row["location_json"]),
                "evidence": json.loads(row["evidence_json"]),
            }
        )
        for row in conn.execute(q).mappings()
    ]


def supersede_findings(tx: Tx, *, kind: str, name: str) -> int:
    """Mark the open findings of earlier runs of ``kind`` named ``name`` as superseded (the
    same check run again: its new findings replace them; the history stays in the audit
    chain). Returns how many were superseded."""
    f = s.findings
    earlier = tx.conn.execute(
        select(f.c.id)
        .join(s.runs, s.runs.c.id == f.c.run_id)
        .where(s.runs.c.kind == kind, s.runs.c.name == name, f.c.status == "open")
    ).all()
    for (finding_id,) in earlier:
        tx.update(f, finding_id, {"status": "superseded"})
    return len(earlier)
