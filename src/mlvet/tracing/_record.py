"""A finished trace in the ledger: one run of kind ``trace`` and its findings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlvet.tracing._trace import Trace

__all__ = ["MAX_CALLS", "record_trace"]

MAX_CALLS = 20_000
"""Calls kept in the run's parameters; a longer trace keeps the first ones and a count."""


def record_trace(trace: Trace, *, ledger: Any = None) -> str:
    """Write the trace's calls (summaries: no row values) and findings; return the run id.

    Open findings of earlier traces with the same name are marked ``superseded``.
    """

    from mlvet.ledger import insert_run, open_ledger, supersede_findings, write_findings

    led = open_ledger(ledger)
    calls = [c.summary() for c in trace.calls[:MAX_CALLS]]
    params = {
        "calls": calls,
        "n_calls": len(trace.calls),
        "truncated": len(trace.calls) > MAX_CALLS,
        "findings": len(trace.findings),
    }
    with led.transaction() as tx:
        # a trace of the same name is the same script run again
        supersede_findings(tx, kind="trace", name=trace.name)
        run_id = insert_run(
            tx,
            kind="trace",
            name=trace.name,
            families=("DL", "GE"),
            params=params,
            status=trace.status,
        )
        write_findings(tx, trace.findings, run_id=run_id)
    return run_id
