"""The one Finding type every guard reports."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlvet._json import jsonable
from mlvet.catalog import Severity, get_antipattern, get_rule
from mlvet.exceptions import InputError

__all__ = ["Finding", "Location"]


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file position, a notebook cell, a dataset column or a run.

    Every field is optional; renderers show those that are set.
    """

    path: str | None = None
    line: int | None = None
    column: int | None = None
    cell: int | None = None
    dataset: str | None = None
    field: str | None = None
    run_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("line", "column", "cell"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InputError(f"Location.{name} must be a non-negative int, got {value!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def describe(self) -> str:
        """A short human-readable form: ``train.py:12:5``, ``cell 3``, ``fails@2:volume``."""
        parts: list[str] = []
        if self.path:
            pos = self.path
            if self.cell is not None:
                pos += f"[cell {self.cell}]"
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        if self.dataset:
            parts.append(self.dataset + (f":{self.field}" if self.field else ""))
        elif self.field:
            parts.append(f"column {self.field}")
        if self.run_id:
            parts.append(f"run {self.run_id}")
        return " ".join(parts) or "-"


@dataclass(frozen=True)
class Finding:
    """One antipattern found: a small immutable record.

    Build findings with :meth:`Finding.of`, which fills the family, kind, severity and
    fix from the catalog so that every guard names a mistake the same way.
    """

    code: str
    family: str
    kind: str
    severity: Severity
    message: str
    fix: str
    location: Location = field(default_factory=Location)
    evidence: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        *,
        location: Location | None = None,
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | str | None = None,
        fix: str | None = None,
    ) -> Finding:
        """A finding of a catalog code with a specific message."""
        rule = get_rule(code)
        if not isinstance(message, str) or not message.strip():
            raise InputError(f"A finding of {rule.code} needs a non-empty message.")
        return cls(
            code=rule.code,
            family=rule.family,
            kind=rule.kind,
            severity=Severity(severity) if severity is not None else rule.severity,
            message=message,
            fix=fix or rule.fix,
            location=location or Location(),
            evidence=jsonable(dict(evidence or {})),
        )

    @property
    def antipattern(self) -> str:
        """The antipattern's name, e.g. ``"Data Crisis as a Service"``."""
        return get_antipattern(self.family).name

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the JSON renderer's element)."""
        loc = self.location
        return {
            "code": self.code,
            "antipattern": self.antipattern,
            "family": self.family,
            "kind": self.kind,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "path": loc.path,
            "line": loc.line,
            "column": loc.column,
            "cell": loc.cell,
            "location": loc.to_dict(),
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from :meth:`to_dict` output (e.g. read from the ledger)."""
        loc = data.get("location") or {}
        return cls(
            code=data["code"],
            family=data["family"],
            kind=data["kind"],
            severity=Severity(data["severity"]),
            message=data["message"],
            fix=data["fix"],
            location=Location(**loc),
            evidence=dict(data.get("evidence") or {}),
        )

    def __str__(self) -> str:
        return f"{self.location.describe()}: {self.code} [{self.kind}] {self.message}"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
