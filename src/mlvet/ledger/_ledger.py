"""The ledger: one store of record with a tamper-evident, hash-chained event log.

Every write goes through :meth:`Ledger.transaction`. Inside it, :meth:`Tx.insert` and
:meth:`Tx.update` write a row *and* append an event whose payload is that row, linked to
the previous event by its SHA-256; the row keeps the event's sequence number. Writers are
serialised on the chain head (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on
PostgreSQL), so concurrent processes never fork the chain, and a writer killed mid-way
leaves nothing behind: the row and its event commit together or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from mlvet._config import get_settings
from mlvet._json import canonical_json
from mlvet.exceptions import ConfigError, LedgerError
from mlvet.ledger import _schema as s
from mlvet.ledger._chain import (
    GENESIS,
    ChainProblem,
    VerifyReport,
    event_hash,
    verify_events,
)

__all__ = ["Ledger", "Tx", "now_iso", "open_ledger"]


def now_iso() -> str:
    """The current UTC time as the ledger stores it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _normalise_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"Cannot parse the ledger URL {raw!r} ({exc}). Use a SQLAlchemy URL such as "
            "sqlite:///path/ledger.db or postgresql://user@host:5432/db."
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"The ledger supports SQLite and PostgreSQL; got {url.get_backend_name()!r} in "
            f"{url.render_as_string(hide_password=True)!r}."
        )
    return url


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:":
        path = Path(database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"Cannot create the folder of the SQLite ledger {path}: {exc.strerror} "
                f"({exc.filename}). Point --db or MLVET_DB_URL at a writable folder."
            ) from exc
        ignore = path.parent / ".gitignore"
        if path.parent.name == ".mlvet" and not ignore.exists():
            ignore.write_text("# the mlvet ledger is not source code\n*\n", encoding="utf-8")
    engine = create_engine(url, connect_args={"timeout": 120}, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=120000",
        ):
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("mlvet_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass(frozen=True)
class _Head:
    seq: int
    hash: str


class Tx:
    """One write transaction. Every row written here is mirrored by a chained event."""

    def __init__(self, conn: Connection, actor: str, head: _Head) -> None:
        self.conn = conn
        self.actor = actor
        self._seq = head.seq
        self._hash = head.hash
        self.events_written = 0

    # -- the chain ---------------------------------------------------------------------
    def event(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        entity: str | None = None,
        entity_id: str | None = None,
    ) -> int:
        """Append one event to the chain and return its sequence number."""
        seq = self._seq + 1
        created_at = now_iso()
        text = canonical_json(payload)
        digest = event_hash(
            prev_hash=self._hash,
            kind=kind,
            entity=entity,
            entity_id=entity_id,
            actor=self.actor,
            created_at=created_at,
            payload=text,
        )
        self.conn.execute(
            s.events.insert().values(
                seq=seq,
                prev_hash=self._hash,
                hash=digest,
                kind=kind,
                entity=entity,
                entity_id=entity_id,
                actor=self.actor,
                created_at=created_at,
                payload=text,
            )
        )
        self._seq, self._hash = seq, digest
        self.events_written += 1
        return seq

    # -- audited rows ------------------------------------------------------------------
    def insert(self, table: Table, values: Mapping[str, Any]) -> Any:
        """Insert a row of an audited table and its event; return the primary key."""
        row = _coerce(table, values)
        row.setdefault("created_at", now_iso())
        row["event_seq"] = self._seq + 1
        result = self.conn.execute(table.insert().values(**row))
        pk_col = next(iter(table.primary_key.columns)).name
        pk = row.get(pk_col)
        if pk is None:
            pk = result.inserted_primary_key[0]  # type: ignore[index]
        row[pk_col] = pk
        self._row_event("insert", table, pk, row)
        return pk

    def update(self, table: Table, pk: Any, values: Mapping[str, Any]) -> None:
        """Change columns of an audited row; the event carries the whole new row."""
        pk_col = next(iter(table.primary_key.columns))
        current = self.conn.execute(select(table).where(pk_col == pk)).mappings().first()
        if current is None:
            raise LedgerError(f"No {table.name} row with {pk_col.name}={pk!r} to update.")
        row = dict(current) | _coerce(table, values)
        row["event_seq"] = self._seq + 1
        self.conn.execute(table.update().where(pk_col == pk).values(**row))
        self._row_event("update", table, pk, row)

    def _row_event(self, op: str, table: Table, pk: Any, row: Mapping[str, Any]) -> None:
        body = {k: v for k, v in row.items() if k != "event_seq"}
        self.event(
            f"{table.name}.{op}",
            {"op": op, "table": table.name, "row": body},
            entity=table.name,
            entity_id=str(pk),
        )


def _coerce(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the database will return them, so the event payload matches the row."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in table.c:
            raise LedgerError(f"{table.name} has no column {key!r}.")
        if hasattr(value, "item") and not isinstance(value, str | bytes):
            value = value.item()  # numpy scalar
        if value is not None:
            py = table.c[key].type.python_type
            if py is float:
                value = float(value)
            elif py is int and not isinstance(value, bool):
                value = int(value)
            elif py is bool:
                value = bool(value)
        out[key] = value
    return out


class Ledger:
    """A connection to the store of record.

    ``url`` defaults to the configured ``MLVET_DB_URL`` or ``./.mlvet/ledger.db``. A new
    SQLite ledger is created at the current schema revision automatically; a PostgreSQL
    ledger is created by ``mlvet db upgrade`` (or ``create=True``). An existing ledger at an
    older revision is refused unless ``check_revision=False`` (what ``mlvet db upgrade``
    and ``mlvet db current`` use, to migrate it or to say where it stands).
    """

    def __init__(
        self, url: str | None = None, *, create: bool | None = None, check_revision: bool = True
    ) -> None:
        raw = url or get_settings().db_url
        self.url = _normalise_url(raw)
        self.backend = self.url.get_backend_name()
        if self.backend == "sqlite":
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=4)
        weakref.finalize(self, self.engine.dispose)  # close pooled connections with the ledger
        from mlvet.ledger._migrate import ensure_current

        try:
            ensure_current(
                self,
                create=self.backend == "sqlite" if create is None else create,
                check_revision=check_revision,
            )
        except SQLAlchemyError as exc:
            raise LedgerError(f"Cannot open the ledger at {self.display_url}: {exc}") from exc

    def __repr__(self) -> str:
        return f"Ledger({self.url.render_as_string(hide_password=True)!r})"

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    # -- connections -------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read connection inside one (read) transaction.

        ``snapshot=True`` makes every read of the transaction see the same moment: what
        ``verify`` needs while others write. SQLite's read transactions (WAL) always do;
        PostgreSQL needs REPEATABLE READ for it (its default, READ COMMITTED, would show
        rows committed after the events were read as edited).
        """
        try:
            with self.engine.connect() as raw:
                conn = raw
                if snapshot and self.backend == "postgresql":
                    conn = raw.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise LedgerError(f"Cannot read the ledger at {self.display_url}: {exc.orig}") from exc

    @contextlib.contextmanager
    def transaction(self, *, actor: str | None = None) -> Iterator[Tx]:
        """A write transaction holding the chain head until it commits."""
        who = actor or get_settings().actor
        try:
            with self.engine.connect() as raw:
                conn = raw.execution_options(mlvet_write=True)
                with conn.begin():
                    head_q = select(s.chain_head.c.seq, s.chain_head.c.hash).where(
                        s.chain_head.c.id == 1
                    )
                    if self.backend == "postgresql":
                        head_q = head_q.with_for_update()
                    head = conn.execute(head_q).first()
                    if head is None:
                        raise LedgerError(
                            "The ledger has no chain head row; it was not created by "
                            "`mlvet db upgrade` or was damaged. Run `mlvet audit verify`."
                        )
                    tx = Tx(conn, who, _Head(int(head.seq), str(head.hash)))
                    yield tx
                    if tx.events_written:
                        conn.execute(
                            s.chain_head.update()
                            .where(s.chain_head.c.id == 1)
                            .values(seq=tx._seq, hash=tx._hash)
                        )
        except OperationalError as exc:
            raise LedgerError(
                f"Cannot write to the ledger at {self.display_url}: {exc.orig}. Nothing of this "
                "transaction was recorded."
            ) from exc

    # -- the chain ---------------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        with self.connect() as conn:
            row = conn.execute(select(s.chain_head.c.seq, s.chain_head.c.hash)).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS)

    def events(self, *, after: int = 0) -> list[dict[str, Any]]:
        """Events after sequence number ``after``, in order, with the payload parsed."""
        q = select(s.events).where(s.events.c.seq > after).order_by(s.events.c.seq)
        with self.connect() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        for r in rows:
            r["payload"] = json.loads(r["payload"])
        return rows

    def verify(self, *, expect_head: str | None = None) -> VerifyReport:
        """Walk the chain and every audited row; report each edit, deletion or reordering.

        ``expect_head`` is a head hash kept outside the ledger (``mlvet audit head``);
        giving it also catches the deletion of the newest events together with the head.
        """
        report = VerifyReport()
        with self.connect(snapshot=True) as conn:
            rows = conn.execute(select(s.events).order_by(s.events.c.seq)).mappings()
            hashes = verify_events(rows, report)
            head = conn.execute(select(s.chain_head)).mappings().first()
            _check_head(report, head, hashes, expect_head)
            _check_rows(conn, report)
            _check_monitor_rows(conn, report)
        return report

    def dispose(self) -> None:
        """Close every pooled connection (the ledger stays usable; it reconnects)."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _check_head(
    report: VerifyReport,
    head: Mapping[Any, Any] | None,
    hashes: Mapping[int, str],
    expect_head: str | None,
) -> None:
    last_seq = max(hashes) if hashes else 0
    last_hash = hashes.get(last_seq, GENESIS)
    if head is None:
        report.problems.append(ChainProblem(None, "truncated", "the chain head row is missing"))
        return
    report.head_seq, report.head_hash = int(head["seq"]), str(head["hash"])
    if report.head_seq != last_seq or report.head_hash != last_hash:
        report.problems.append(
            ChainProblem(
                last_seq or None,
                "truncated",
                f"the chain head records event {report.head_seq} ({report.head_hash[:12]}…) but "
                f"the log ends at event {last_seq} ({last_hash[:12]}…): the newest events were "
                "deleted or the head was altered",
            )
        )
    if expect_head is not None and expect_head not in hashes.values():
        # a head kept elsewhere must still be in the log; later events may follow it
        detail = (
            f"the expected head {expect_head[:12]}… is not in the log: it or events before it "
            "were deleted or rewritten"
        )
        report.problems.append(ChainProblem(None, "truncated", detail))


def _check_rows(conn: Connection, report: VerifyReport) -> None:
    """Each audited row must equal the payload of the newest event written for it."""
    latest: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    q = (
        select(s.events.c.seq, s.events.c.entity, s.events.c.entity_id, s.events.c.payload)
        .where(s.events.c.entity.is_not(None))
        .order_by(s.events.c.seq)
    )
    for seq, entity, entity_id, payload in conn.execute(q):
        try:
            body = json.loads(payload)
        except ValueError:
            continue  # reported as an edited event already
        latest[(entity, entity_id)] = (seq, body)
    seen: set[tuple[str, str]] = set()
    for table in s.AUDITED_TABLES:
        pk_col = next(iter(table.primary_key.columns)).name
        for row in conn.execute(select(table)).mappings():
            key = (table.name, str(row[pk_col]))
            seen.add(key)
            report.n_rows_checked += 1
            found = latest.get(key)
            if found is None:
                report.problems.append(
                    ChainProblem(
                        row["event_seq"],
                        "record-edited",
                        "this row has no event that created it: it was inserted outside mlvet",
                        table.name,
                        key[1],
                    )
                )
                continue
            seq, body = found
            current = {k: v for k, v in row.items() if k != "event_seq"}
            if canonical_json(current) != canonical_json(body.get("row", {})):
                changed = sorted(k for k in current if current.get(k) != body.get("row", {}).get(k))
                report.problems.append(
                    ChainProblem(
                        seq,
                        "record-edited",
                        f"column(s) {', '.join(changed) or '?'} differ from the event that wrote "
                        "this row",
                        table.name,
                        key[1],
                    )
                )
            elif row["event_seq"] != seq:
                report.problems.append(
                    ChainProblem(
                        seq,
                        "record-edited",
                        f"the row points at event {row['event_seq']} but event {seq} wrote it last",
                        table.name,
                        key[1],
                    )
                )
    for key, (seq, body) in latest.items():
        if key not in seen and body.get("op") != "delete":
            report.problems.append(
                ChainProblem(
                    seq, "record-deleted", "the row this event wrote is gone", key[0], key[1]
                )
            )


def rows_digest(pairs: Sequence[Sequence[Any]]) -> str:
    """The SHA-256 of (key, value) pairs kept outside the chain (a batch's scored rows, its
    labels): the event that wrote them carries it."""
    return hashlib.sha256(canonical_json([list(p) for p in pairs]).encode()).hexdigest()


def _check_monitor_rows(conn: Connection, report: VerifyReport) -> None:
    """Monitored rows live outside the chain; each batch's scores and labels must still
    have the SHA-256 the newest event about them recorded."""
    r = s.monitor_rows
    scores: dict[int, tuple[int, str]] = {}
    labels: dict[int, tuple[int, str]] = {}
    q = (
        select(s.events.c.seq, s.events.c.kind, s.events.c.payload)
        .where(s.events.c.kind.in_(("monitor.rows", "monitor.label")))
        .order_by(s.events.c.seq)
    )
    for seq, kind, payload in conn.execute(q):
        try:
            body = json.loads(payload)
        except ValueError:
            continue  # reported as an edited event already
        if kind == "monitor.rows" and "batch_id" in body:
            scores[int(body["batch_id"])] = (seq, body["sha256"])
        for bid, digest in (body.get("batches") or {}).items() if kind == "monitor.label" else ():
            labels[int(bid)] = (seq, digest)
    rows_by_batch: dict[int, list[tuple[Any, Any, Any]]] = {}
    q_rows = select(r.c.batch_id, r.c.row_key, r.c.score, r.c.label).order_by(r.c.batch_id, r.c.id)
    for bid, key, score, label in conn.execute(q_rows):  # one pass over the kept rows
        rows_by_batch.setdefault(int(bid), []).append((key, score, label))
    for bid in sorted(set(rows_by_batch) | set(scores) | set(labels)):
        rows = rows_by_batch.get(bid, [])
        seq, digest = scores.get(bid, (None, None))
        if digest != rows_digest([(k, v) for k, v, _ in rows]):
            report.problems.append(
                ChainProblem(
                    seq,
                    "record-edited",
                    "the batch's scored rows differ from the SHA-256 recorded when they were "
                    "kept (edited, added or deleted outside mlvet)",
                    "monitor_rows",
                    f"batch {bid}",
                )
            )
        labelled = sorted((k, y) for k, _, y in rows if y is not None)
        seq, digest = labels.get(bid, (None, None))
        if (digest is None and labelled) or (
            digest is not None and digest != rows_digest(labelled)
        ):
            report.problems.append(
                ChainProblem(
                    seq,
                    "record-edited",
                    "the batch's labels differ from the SHA-256 recorded when they were joined",
                    "monitor_rows",
                    f"batch {bid}",
                )
            )


_ledgers: dict[tuple[int, str], Ledger] = {}
_lock = threading.Lock()


def open_ledger(url: str | Ledger | None = None) -> Ledger:
    """The ledger for ``url`` (or the configured one), reused within a process."""
    if isinstance(url, Ledger):
        return url
    raw = url or get_settings().db_url
    if not isinstance(raw, str):
        raise ConfigError(f"A ledger URL must be a string or a Ledger, got {type(raw).__name__}.")
    key = (os.getpid(), raw)
    with _lock:
        ledger = _ledgers.get(key)
        if ledger is None:
            ledger = _ledgers[key] = Ledger(raw)
        return ledger


def unchained_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Primary keys of ``rows`` that differ from the newest chained event that wrote them.

    A guard that trusts a few rows (a vault's budget and reads) checks them here rather
    than waiting for ``mlvet audit verify``: a row edited through plain SQL, or one with no
    event at all, is returned.
    """
    pk_col = next(iter(table.primary_key.columns)).name
    keys = [str(r[pk_col]) for r in rows]
    if not keys:
        return []
    latest: dict[str, Any] = {}
    q = (
        select(s.events.c.entity_id, s.events.c.payload)
        .where(s.events.c.entity == table.name, s.events.c.entity_id.in_(keys))
        .order_by(s.events.c.seq)
    )
    for entity_id, payload in conn.execute(q):
        try:
            latest[entity_id] = json.loads(payload).get("row")
        except ValueError:
            latest[entity_id] = None
    bad = []
    for key, row in zip(keys, rows, strict=True):
        current = {k: v for k, v in row.items() if k != "event_seq"}
        if latest.get(key) is None or canonical_json(current) != canonical_json(latest[key]):
            bad.append(key)
    return bad


def chained_keys(conn: Connection, table: Table, column: str, value: Any) -> set[str]:
    """Keys of every row of ``table`` that the chain says was written with ``column == value``.

    Compared with the rows present, this finds rows deleted through plain SQL.
    """
    keys: set[str] = set()
    q = select(s.events.c.entity_id, s.events.c.payload).where(s.events.c.entity == table.name)
    for entity_id, payload in conn.execute(q):
        try:
            body = json.loads(payload)
        except ValueError:
            continue
        row = body.get("row") or {}
        if row.get(column) == value and body.get("op") != "delete":
            keys.add(entity_id)
    return keys
