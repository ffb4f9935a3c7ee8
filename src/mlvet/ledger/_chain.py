"""The hash chain: canonical serialization, event hashes and verification.

Each event stores ``prev_hash`` (the SHA-256 of its predecessor, or 64 zeros for the first)
and ``hash = SHA-256(canonical({"actor", "at", "entity", "entity_id", "kind", "payload",
"prev"}))``. The sequence number is deliberately left out of the hash: order is protected by
the ``prev`` links, which lets verification tell a reordering (a link that points at another
event still present) from a deletion (a link to nothing) and from an edit (a hash that no
longer matches its own content).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlvet._json import canonical_json

__all__ = [
    "GENESIS",
    "ChainProblem",
    "VerifyReport",
    "event_hash",
    "verify_events",
]

GENESIS = "0" * 64


def event_hash(
    *,
    prev_hash: str,
    kind: str,
    entity: str | None,
    entity_id: str | None,
    actor: str,
    created_at: str,
    payload: str,
) -> str:
    """The SHA-256 of one event; ``payload`` is the stored canonical JSON text."""
    envelope = canonical_json(
        {
            "actor": actor,
            "at": created_at,
            "entity": entity,
            "entity_id": entity_id,
            "kind": kind,
            "payload": payload,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(envelope.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong with the ledger, located by event sequence number."""

    seq: int | None
    problem: str  # edited | deleted | reordered | broken-link | truncated | record-*
    detail: str
    table: str | None = None
    row_id: str | None = None

    def describe(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "ledger"
        if self.table:
            where += f" ({self.table} row {self.row_id})"
        return f"{where}: {self.problem}: {self.detail}"


@dataclass
class VerifyReport:
    """What ``verify`` found: ``ok`` only when there is no problem at all."""

    n_events: int = 0
    n_rows_checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None


def verify_events(rows: Iterable[Mapping[Any, Any]], report: VerifyReport) -> dict[int, str]:
    """Walk events in ``seq`` order; add problems to ``report``; return seq -> stored hash.

    ``rows`` must be sorted by ``seq`` and carry every events column.
    """
    by_hash: dict[str, int] = {}
    buffered: list[Mapping[Any, Any]] = []
    for row in rows:
        buffered.append(row)
        by_hash[row["hash"]] = row["seq"]
    hashes: dict[int, str] = {}
    expected_prev = GENESIS
    expected_seq = 1
    for row in buffered:
        seq = row["seq"]
        recomputed = event_hash(
            prev_hash=row["prev_hash"],
            kind=row["kind"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            actor=row["actor"],
            created_at=row["created_at"],
            payload=row["payload"],
        )
        if recomputed != row["hash"]:
            report.problems.append(
                ChainProblem(
                    seq,
                    "edited",
                    f"the stored content of event {seq} ({row['kind']}) no longer matches its "
                    "hash: its payload, kind, actor or time was changed after it was written",
                )
            )
        if seq != expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}..{seq - 1}"
            report.problems.append(
                ChainProblem(
                    seq,
                    "deleted",
                    f"event(s) {missing} are missing before event {seq}",
                )
            )
        elif row["prev_hash"] != expected_prev:
            other = by_hash.get(row["prev_hash"])
            if other is not None and other != seq:
                report.problems.append(
                    ChainProblem(
                        seq,
                        "reordered",
                        f"event {seq} ({row['kind']}) was written after the event now at "
                        f"{other}, but stands before it: events were reordered",
                    )
                )
            else:
                report.problems.append(
                    ChainProblem(
                        seq,
                        "broken-link",
                        f"event {seq} does not link to event {seq - 1}: event {seq - 1} was "
                        "edited and re-hashed, or events between them were deleted and the "
                        "rest renumbered",
                    )
                )
        hashes[seq] = row["hash"]
        expected_prev = row["hash"]
        expected_seq = seq + 1
    report.n_events = len(buffered)
    return hashes
