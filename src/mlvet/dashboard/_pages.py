"""Keyset pagination for every list the dashboard shows.

A page is read with ``WHERE (key) < (cursor) ORDER BY key DESC LIMIT n + 1`` on an indexed
key, so page 1 and page 2,000 cost the same. The cursor is opaque to clients (URL-safe
base64 of the last row's key) and checked when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from mlvet.exceptions import InputError

__all__ = ["MAX_LIMIT", "Page", "check_limit", "decode_cursor", "encode_cursor", "paginate"]

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass
class Page:
    """One page of a list, newest first, with the cursor of the next page (None at the end)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "next_cursor": self.next_cursor,
            "total": self.total,
            "limit": self.limit,
        } | self.extra


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, n_keys: int, types: Sequence[type]) -> list[Any]:
    """The key values in a cursor; a malformed or foreign cursor is an InputError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise InputError(
            f"The cursor {cursor[:40]!r} is not one this list gave out; start again from the "
            "first page (leave cursor out)."
        ) from exc
    if (
        not isinstance(values, list)
        or len(values) != n_keys
        or not all(type(v) is t for v, t in zip(values, types, strict=True))
    ):
        raise InputError(
            f"The cursor {cursor[:40]!r} does not belong to this list; start again from the "
            "first page (leave cursor out)."
        )
    return values


def check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be a whole number from 1 to {MAX_LIMIT}; got {limit!r}.")
    return limit


def paginate(
    conn: Connection,
    query: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    *,
    cursor: str | None,
    limit: int,
    row: Callable[[Any], dict[str, Any]] | None = None,
    types: Sequence[type] = (int,),
    count: bool = True,
) -> Page:
    """Read one page of ``query`` ordered by ``keys`` descending (the keys must be unique
    together and selected under their own names)."""
    limit = check_limit(limit)
    total = 0
    if count:
        total = int(
            conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
            or 0
        )
    q = query.order_by(*(k.desc() for k in keys)).limit(limit + 1)
    if cursor:
        values = decode_cursor(cursor, len(keys), types)
        q = (
            q.where(keys[0] < values[0])
            if len(keys) == 1
            else q.where(tuple_(*keys) < tuple(values))
        )
    rows = list(conn.execute(q).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    names = [str(k.key) for k in keys]
    next_cursor = encode_cursor([rows[-1][n] for n in names]) if more and rows else None
    items = [row(r) if row else dict(r) for r in rows]
    return Page(items, next_cursor, total, limit)
