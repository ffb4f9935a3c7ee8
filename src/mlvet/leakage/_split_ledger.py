"""Recording a check_split run in the ledger: parameters, fingerprints and findings, no rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pyarrow as pa

from mlvet._findings import Finding
from mlvet.data import fingerprint

__all__ = ["KIND", "NAME", "fingerprints", "record_run"]

KIND = "check_split"
NAME = "mlvet.check_split"


def fingerprints(table: pa.Table) -> dict[str, Any]:
    """The content fingerprints of one side (never its rows)."""
    fp = fingerprint(table, allow_inf=True)
    return {
        "rows": fp.n_rows,
        "columns": fp.n_columns,
        "fingerprint": fp.fingerprint,
        "rowset_fingerprint": fp.rowset_fingerprint,
    }


def _supersede(tx: Any, params: Mapping[str, Any], checked: Collection[str]) -> None:
    """Mark open findings of earlier runs on the same train and test data as superseded.

    Only findings whose code was checked again (``checked``: the codes of the checks that
    passed or failed in this run) are superseded; a check skipped now leaves them open.
    """
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    if not checked:
        return
    f, r = s.findings, s.runs
    rows = tx.conn.execute(
        select(f.c.id, r.c.params_json)
        .join(r, r.c.id == f.c.run_id)
        .where(r.c.kind == KIND, f.c.status == "open", f.c.code.in_(sorted(checked)))
    ).all()
    key = (params["train"]["fingerprint"], params["test"]["fingerprint"])
    for fid, raw in rows:
        earlier = json.loads(raw)
        if (earlier["train"]["fingerprint"], earlier["test"]["fingerprint"]) == key:
            tx.update(f, fid, {"status": "superseded"})


def record_run(
    params: Mapping[str, Any],
    findings: Sequence[Finding],
    ledger: Any,
    checked: Collection[str] = (),
) -> str:
    """Write one run of kind ``check_split`` with its findings; return the run id.

    ``ledger`` is a URL, an :class:`mlvet.Ledger` or None (the configured ledger);
    ``checked`` holds the codes of the checks that ran (passed or failed), whose earlier
    open findings on the same data this run supersedes.
    """
    from mlvet.ledger import insert_run, open_ledger, write_findings

    led = open_ledger(ledger)
    run_id = str(uuid.uuid4())
    with led.transaction() as tx:
        _supersede(tx, params, checked)
        insert_run(tx, kind=KIND, name=NAME, families=("DL",), params=params, run_id=run_id)
        write_findings(tx, findings, run_id=run_id)
    return run_id
