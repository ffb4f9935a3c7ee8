"""Finding codes: a two-letter family and three digits, ruff-style (``DC101``).

Each rule has a one-line message (the problem), a fix hint (what to do instead), a kind
from its family's vocabulary and a page ``docs/rules/<CODE>.md`` that ``mlvet explain``
prints. Guards add their codes here as they land; a test keeps codes and pages in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Rule", "Severity"]

CODE_RE = re.compile(r"^(?P<family>[A-Z]{2})(?P<number>\d{3})$")


class Severity(StrEnum):
    """How bad a finding is. ``error`` fails a gate; ``info`` never does."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Rule:
    """One finding code and its fixed texts."""

    code: str
    name: str
    kind: str
    severity: Severity
    message: str
    fix: str

    @property
    def family(self) -> str:
        return self.code[:2]


RULES: tuple[Rule, ...] = (
    # --- DC: Data Crisis as a Service -------------------------------------------------
    Rule(
        "DC101",
        "missing-or-unexpected-column",
        "schema",
        Severity.ERROR,
        "A column required by the dataset's schema is missing, or a column is not in it.",
        "Produce the columns the schema names, or record a new schema version on purpose.",
    ),
    Rule(
        "DC102",
        "wrong-dtype",
        "schema",
        Severity.ERROR,
        "A column's data type differs from the type in the dataset's schema.",
        "Cast the column where it is produced, or update the schema if the change is intended.",
    ),
    Rule(
        "DC103",
        "unexpected-nulls",
        "quality",
        Severity.ERROR,
        "A column that must not be null has null values.",
        "Find the producer step that drops values; impute explicitly in a recorded step if needed.",
    ),
    Rule(
        "DC104",
        "check-failed",
        "quality",
        Severity.ERROR,
        "Values fail a data-quality check (range, allowed set, pattern).",
        "Fix the upstream data or the step that produced it; widen the check only on evidence.",
    ),
    Rule(
        "DC105",
        "duplicate-values",
        "quality",
        Severity.ERROR,
        "A column or key that must be unique has duplicate values.",
        "Deduplicate in a recorded step, or correct the key the schema declares unique.",
    ),
    Rule(
        "DC106",
        "no-assertions",
        "quality",
        Severity.INFO,
        "The dataset is registered with no data-quality assertions.",
        "Attach a schema: mlvet.infer_schema(reference) and register_dataset(..., schema=...).",
    ),
    Rule(
        "DC201",
        "unknown-provenance",
        "provenance",
        Severity.WARNING,
        "The dataset is registered with no producer and no inputs: nobody can say where it came from.",
        "Register it with produced_by= (the loading or extraction code) and its inputs=.",
    ),
    Rule(
        "DC202",
        "derived-from-quarantined",
        "lineage",
        Severity.ERROR,
        "A dataset is derived from a quarantined version.",
        "Repair the quarantined batch and register the repaired version, then derive from that.",
    ),
    Rule(
        "DC301",
        "audit-chain-broken",
        "audit",
        Severity.ERROR,
        "The ledger's hash-chained event log was edited, reordered or had events deleted.",
        "Restore the ledger from a trusted backup and investigate who changed it and when.",
    ),
    Rule(
        "DC302",
        "record-does-not-match-event",
        "audit",
        Severity.ERROR,
        "A recorded row no longer matches the audit event that created it.",
        "Restore the row from the event's payload or a backup; find out who edited it.",
    ),
)
