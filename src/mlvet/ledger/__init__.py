"""The ledger: the one store of record, with a hash-chained audit trail."""

from __future__ import annotations

from mlvet._json import canonical_json
from mlvet.ledger._chain import ChainProblem, VerifyReport
from mlvet.ledger._findings import read_findings, supersede_findings, write_findings
from mlvet.ledger._ledger import Ledger, Tx, now_iso, open_ledger
from mlvet.ledger._migrate import current_revision, head_revision, upgrade
from mlvet.ledger._runs import insert_run

__all__ = [
    "ChainProblem",
    "Ledger",
    "Tx",
    "VerifyReport",
    "canonical_json",
    "current_revision",
    "head_revision",
    "insert_run",
    "now_iso",
    "open_ledger",
    "read_findings",
    "supersede_findings",
    "upgrade",
    "write_findings",
]
