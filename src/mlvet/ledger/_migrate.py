"""Schema revisions through Alembic, driven from code (no alembic.ini needed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from mlvet.exceptions import LedgerError, LedgerNotInitialisedError, LedgerOutdatedError

if TYPE_CHECKING:
    from mlvet.ledger._ledger import Ledger

__all__ = ["current_revision", "ensure_current", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The schema revision this version of mlvet expects."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(ledger: Ledger) -> str | None:
    """The ledger's schema revision, or ``None`` for an empty database."""
    with ledger.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _init_lock(ledger: Ledger) -> Iterator[None]:
    """Serialise first-time creation of a SQLite ledger across processes."""
    database = ledger.url.database
    if ledger.backend != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(f"{database}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(ledger: Ledger, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the ledger to ``revision``; return (before, after)."""
    with _init_lock(ledger):
        before = current_revision(ledger)
        with ledger.engine.begin() as conn:
            cfg = _config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return before, current_revision(ledger) or ""


def ensure_current(ledger: Ledger, *, create: bool, check_revision: bool = True) -> None:
    """Create a new ledger (when allowed) or check that an existing one is current (unless
    ``check_revision`` is False: the ledger is being opened to be migrated)."""
    head = head_revision()
    with _init_lock(ledger):
        rev = current_revision(ledger)
        if rev is None:
            tables = set(inspect(ledger.engine).get_table_names())
            if tables & {"events", "datasets", "runs"}:
                raise LedgerError(
                    f"{ledger.display_url} has mlvet tables but no schema revision; "
                    "it was not created by mlvet. Point MLVET_DB_URL at another database."
                )
            if not create:
                raise LedgerNotInitialisedError(
                    f"The ledger at {ledger.display_url} has no mlvet schema yet. Create it with "
                    f"`mlvet db upgrade --db '{ledger.display_url}'`."
                )
            with ledger.engine.begin() as conn:
                cfg = _config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return
    if rev == head or not check_revision:
        return
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if rev not in known:
        raise LedgerOutdatedError(
            f"The ledger at {ledger.display_url} is at schema revision {rev}, which this mlvet "
            "does not know: it was written by a newer mlvet. Upgrade mlvet."
        )
    raise LedgerOutdatedError(
        f"The ledger at {ledger.display_url} is at schema revision {rev}; this mlvet needs "
        f"{head}. Run `mlvet db upgrade --db '{ledger.display_url}'` (back it up first)."
    )
