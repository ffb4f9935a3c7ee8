"""A finished trace in the ledger: one run of kind ``trace`` and its findings."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from mlvet._json import canonical_json

if TYPE_CHECKING:
    from mlvet.tracing._trace import Trace

__all__ = ["MAX_CALLS", "record_trace"]

MAX_CALLS = 20_000
"""Calls kept in the run's parameters; a longer trace keeps the first ones and a count."""


def record_trace(trace: Trace, *, ledger: Any = None) -> str:
    """Write the trace's calls (summaries: no row values) and findings; return the run id."""
    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger, write_findings
    from mlvet.ledger._ledger import now_iso

    led = open_ledger(ledger)
    run_id = str(uuid.uuid4())
    now = now_iso()
    calls = [c.summary() for c in trace.calls[:MAX_CALLS]]
    params = {
        "calls": calls,
        "n_calls": len(trace.calls),
        "truncated": len(trace.calls) > MAX_CALLS,
        "findings": len(trace.findings),
    }
    with led.transaction() as tx:
        tx.insert(
            s.runs,
            {
                "id": run_id,
                "kind": "trace",
                "name": trace.name,
                "status": trace.status,
                "started_at": now,
                "ended_at": now,
                "params_json": canonical_json(params),
                "code_ref_json": canonical_json({}),
                "families": "DL,GE",
                "parent_id": None,
            },
        )
        write_findings(tx, trace.findings, run_id=run_id)
    return run_id
