"""Runs in the ledger: one helper for every guard that records a piece of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from mlvet._json import canonical_json
from mlvet.ledger import _schema as s
from mlvet.ledger._ledger import Tx, now_iso

__all__ = ["insert_run"]


def insert_run(
    tx: Tx,
    *,
    kind: str,
    name: str,
    families: Iterable[str],
    params: Mapping[str, Any],
    code_ref: Mapping[str, Any] | None = None,
    status: str = "completed",
    run_id: str | None = None,
) -> str:
    """Insert a run (a lint, a trace, a split check, a comparison, a transform); return its id.

    The scorecard counts a family as checked when a run names it in ``families``.
    """
    run_id = run_id or str(uuid.uuid4())
    now = now_iso()
    tx.insert(
        s.runs,
        {
            "id": run_id,
            "kind": kind,
            "name": name,
            "status": status,
            "started_at": now,
            "ended_at": now,
            "params_json": canonical_json(dict(params)),
            "code_ref_json": canonical_json(dict(code_ref or {})),
            "families": ",".join(families),
            "parent_id": None,
        },
    )
    return run_id
