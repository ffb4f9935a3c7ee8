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
    cursor_of: Callable[[dict[str, Any]], str] | None = field(default=None, repr=False)

    def head(self, n: int) -> Page:
        """The first ``n`` items as a page of their own, its next cursor after the n-th:
        one read serves a short table and a longer chart window."""
        if n >= len(self.items):
            return Page(self.items, self.next_cursor, self.total, n, self.extra, self.cursor_of)
        if self.cursor_of is None:
            raise ValueError("this page cannot make cursors; read it with paginate")
        return Page(
            self.items[:n],
            self.cursor_of(self.items[n - 1]),
            self.total,
            n,
            self.extra,
            self.cursor_of,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "next_cursor": self.next_cursor,
            "total": self.total,
            "limit": self.limit,
        } | self.extra


MAX_INT = 2**63 - 1  # the widest integer column either database holds


def encode_cursor(tag: str, values: Sequence[Any]) -> str:
    raw = json.dumps([tag, *values], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, tag: str, types: Sequence[type]) -> list[Any]:
    """The key values in a cursor this list (``tag``) gave out; anything else is an
    InputError (a malformed cursor, another list's, a value no key can hold)."""
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
        or len(values) != len(types) + 1
        or values[0] != tag
        or not all(type(v) is t for v, t in zip(values[1:], types, strict=True))
        or any(isinstance(v, int) and not -MAX_INT <= v <= MAX_INT for v in values[1:])
        or any(isinstance(v, str) and ("\x00" in v or len(v) > 255) for v in values[1:])
    ):
        raise InputError(
            f"The cursor {cursor[:40]!r} does not belong to this list; start again from the "
            "first page (leave cursor out)."
        )
    return values[1:]


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
    total: int | None = None,
) -> Page:
    """Read one page of ``query`` ordered by ``keys`` descending (the keys must be unique
    together and selected under their own names). ``total`` is counted from the query
    unless given."""
    limit = check_limit(limit)
    if total is None:  # the caller may know it more cheaply (e.g. from the chain head)
        total = int(
            conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
            or 0
        )
    tag = ",".join(f"{k.table.name}.{k.key}" for k in keys)
    q = query.order_by(*(k.desc() for k in keys)).limit(limit + 1)
    if cursor:
        values = decode_cursor(cursor, tag, types)
        q = (
            q.where(keys[0] < values[0])
            if len(keys) == 1
            else q.where(tuple_(*keys) < tuple(values))
        )
    rows = list(conn.execute(q).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    names = [str(k.key) for k in keys]
    next_cursor = encode_cursor(tag, [rows[-1][n] for n in names]) if more and rows else None
    items = [row(r) if row else dict(r) for r in rows]
    return Page(
        items,
        next_cursor,
        total,
        limit,
        cursor_of=lambda item: encode_cursor(tag, [item[n] for n in names]),
    )
