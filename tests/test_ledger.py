"""The ledger and its audit chain, against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from mlvet.exceptions import (
    ConfigError,
    LedgerError,
    LedgerNotInitialisedError,
    LedgerOutdatedError,
)
from mlvet.ledger import Ledger, current_revision, head_revision
from mlvet.ledger import _schema as s
from mlvet.ledger._chain import GENESIS, event_hash
from tests import _workers


def _fill(url: str, n: int = 6) -> Ledger:
    led = Ledger(url)
    for i in range(n):
        with led.transaction(actor="alice") as tx:
            tx.event("test.event", {"i": i, "note": "ünïcode ✓"})
    return led


def test_new_sqlite_ledger_is_created_at_head(sqlite_url: str) -> None:
    led = Ledger(sqlite_url)
    assert current_revision(led) == head_revision()
    assert led.head() == (0, GENESIS)
    assert led.verify().ok
    gitignore = Path(sqlite_url.removeprefix("sqlite:///")).parent / ".gitignore"
    assert not gitignore.exists()  # only written inside a .mlvet folder


def test_default_ledger_lives_in_dot_mlvet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLVET_DB_URL", raising=False)
    led = Ledger()
    assert Path(led.url.database or "") == tmp_path / ".mlvet" / "ledger.db"
    assert (tmp_path / ".mlvet" / ".gitignore").read_text().strip().endswith("*")
    with led.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_migrations_match_the_models(ledger_url: str) -> None:
    led = Ledger(ledger_url)
    with led.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), s.metadata)
    assert diff == []


def test_postgres_without_schema_says_how_to_create_it(pg_url: str) -> None:
    with pytest.raises(LedgerNotInitialisedError, match="mlvet db upgrade"):
        Ledger(pg_url)


def test_outdated_ledger_is_refused(sqlite_url: str) -> None:
    led = Ledger(sqlite_url)
    with led.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(LedgerOutdatedError, match="newer mlvet"):
        Ledger(sqlite_url)


def test_an_older_ledger_is_refused_then_upgraded_by_the_cli(ledger_url: str) -> None:
    from alembic import command
    from typer.testing import CliRunner

    from mlvet.cli import app
    from mlvet.ledger._migrate import _config

    led = Ledger(ledger_url)
    with led.transaction() as tx:
        tx.event("test.kept", {"before": "the upgrade"})
    with led.engine.begin() as conn:  # as a ledger written by the release with revision 0002
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    led.dispose()
    with pytest.raises(LedgerOutdatedError, match="at schema revision 0002"):
        Ledger(ledger_url)
    runner = CliRunner()
    assert "revision 0002" in runner.invoke(app, ["db", "current", "--db", ledger_url]).output
    out = runner.invoke(app, ["db", "upgrade", "--db", ledger_url])
    assert out.exit_code == 0 and f"0002 -> {head_revision()}" in out.output
    again = Ledger(ledger_url)
    assert current_revision(again) == head_revision()
    assert [e["kind"] for e in again.events()][-1] == "test.kept" and again.verify().ok


def test_unreachable_server_is_a_ledger_error() -> None:
    from mlvet.exceptions import LedgerError

    with pytest.raises(LedgerError, match="Cannot open the ledger"):
        Ledger("postgresql://nobody@127.0.0.1:1/none")


def test_bad_urls_are_named() -> None:
    with pytest.raises(ConfigError, match="SQLAlchemy URL"):
        Ledger("not a url at all")
    with pytest.raises(ConfigError, match="SQLite and PostgreSQL"):
        Ledger("mysql://root@localhost/test")


def test_events_chain_and_verify(ledger_url: str) -> None:
    led = _fill(ledger_url)
    events = led.events()
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0]["prev_hash"] == GENESIS
    for prev, cur in itertools.pairwise(events):
        assert cur["prev_hash"] == prev["hash"]
    assert events[2]["payload"] == {"i": 2, "note": "ünïcode ✓"}
    report = led.verify()
    assert report.ok and report.n_events == 6 and report.head_seq == 6


def test_rows_and_events_commit_together(ledger_url: str) -> None:
    led = Ledger(ledger_url)
    with pytest.raises(RuntimeError), led.transaction() as tx:
        tx.insert(s.datasets, {"name": "x", "description": ""})
        raise RuntimeError("boom")
    with led.connect() as conn:
        assert conn.execute(select(s.datasets)).all() == []
    assert led.head() == (0, GENESIS)
    assert led.verify().ok


def _tamper(led: Ledger, *sql: str) -> None:
    with led.engine.begin() as conn:
        for statement in sql:
            conn.execute(text(statement))


def test_edited_payload_is_located(ledger_url: str) -> None:
    led = _fill(ledger_url)
    with led.engine.begin() as conn:
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": '{"i":99}'})
    report = led.verify()
    assert not report.ok
    assert report.first is not None
    assert (report.first.seq, report.first.problem) == (3, "edited")


def test_deleted_event_is_located(ledger_url: str) -> None:
    led = _fill(ledger_url)
    _tamper(led, "DELETE FROM events WHERE seq = 4")
    first = led.verify().first
    assert first is not None
    assert (first.seq, first.problem) == (5, "deleted")
    assert "4" in first.detail


def test_deleted_and_renumbered_events_are_located(ledger_url: str) -> None:
    led = _fill(ledger_url)
    _tamper(
        led,
        "DELETE FROM events WHERE seq = 4",
        "UPDATE events SET seq = seq + 100 WHERE seq > 4",
        "UPDATE events SET seq = seq - 101 WHERE seq > 100",
    )
    first = led.verify().first
    assert first is not None
    assert (first.seq, first.problem) == (4, "broken-link")


def test_swapped_events_are_located(ledger_url: str) -> None:
    led = _fill(ledger_url)
    _tamper(
        led,
        "UPDATE events SET seq = 1000 WHERE seq = 2",
        "UPDATE events SET seq = 2 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = 1000",
    )
    first = led.verify().first
    assert first is not None
    assert (first.seq, first.problem) == (2, "reordered")


def test_swapped_payloads_are_located(ledger_url: str) -> None:
    led = _fill(ledger_url)
    with led.engine.begin() as conn:
        p2, p3 = (
            conn.execute(text(f"SELECT payload FROM events WHERE seq = {i}")).scalar()
            for i in (2, 3)
        )
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 2"), {"p": p3})
        conn.execute(text("UPDATE events SET payload = :p WHERE seq = 3"), {"p": p2})
    problems = led.verify().problems
    assert [(p.seq, p.problem) for p in problems] == [(2, "edited"), (3, "edited")]


def test_rehashed_edit_breaks_the_next_link(ledger_url: str) -> None:
    led = _fill(ledger_url)
    with led.engine.begin() as conn:
        row = conn.execute(select(s.events).where(s.events.c.seq == 3)).mappings().one()
        payload = '{"i":-1}'
        forged = event_hash(
            prev_hash=row["prev_hash"],
            kind=row["kind"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            actor=row["actor"],
            created_at=row["created_at"],
            payload=payload,
        )
        conn.execute(
            text("UPDATE events SET payload = :p, hash = :h WHERE seq = 3"),
            {"p": payload, "h": forged},
        )
    first = led.verify().first
    assert first is not None
    assert (first.seq, first.problem) == (4, "broken-link")


def test_truncated_tail_is_caught_by_head_and_by_expected_head(ledger_url: str) -> None:
    led = _fill(ledger_url)
    _, kept_head = led.head()
    with led.transaction() as tx:  # legitimate writes after the head was kept are fine
        tx.event("later", {})
    assert led.verify(expect_head=kept_head).ok
    _tamper(led, "DELETE FROM events WHERE seq >= 5")
    assert led.verify().first.problem == "truncated"  # type: ignore[union-attr]
    # a careful forger also rewinds the head row: only the head kept elsewhere catches it
    with led.engine.begin() as conn:
        h4 = conn.execute(text("SELECT hash FROM events WHERE seq = 4")).scalar()
        conn.execute(text("UPDATE chain_head SET seq = 4, hash = :h"), {"h": h4})
    assert led.verify().ok
    report = led.verify(expect_head=kept_head)
    assert not report.ok and report.first.problem == "truncated"  # type: ignore[union-attr]


def test_edited_and_deleted_rows_are_located(ledger_url: str) -> None:
    led = Ledger(ledger_url)
    with led.transaction() as tx:
        a = tx.insert(s.datasets, {"name": "a", "description": "first"})
        tx.insert(s.datasets, {"name": "b", "description": "second"})
    with led.transaction() as tx:
        tx.update(s.datasets, a, {"description": "changed on purpose"})
    assert led.verify().ok
    _tamper(led, "UPDATE datasets SET description = 'sneaky' WHERE name = 'a'")
    problems = led.verify().problems
    assert [(p.problem, p.table) for p in problems] == [("record-edited", "datasets")]
    assert "description" in problems[0].detail
    _tamper(led, "DELETE FROM datasets WHERE name = 'b'")
    kinds = sorted(p.problem for p in led.verify().problems)
    assert kinds == ["record-deleted", "record-edited"]


@pytest.mark.slow
def test_eight_processes_writing_concurrently_lose_nothing(ledger_url: str) -> None:
    Ledger(ledger_url).dispose()
    ctx = mp.get_context("spawn")
    with ctx.Pool(8) as pool:
        done = pool.starmap(_workers.write_events, [(ledger_url, w, 500) for w in range(8)])
    assert done == [500] * 8
    led = Ledger(ledger_url)
    report = led.verify()
    assert report.ok, report.first
    assert report.n_events == 4000
    payloads = {(e["payload"]["worker"], e["payload"]["i"]) for e in led.events()}
    assert payloads == {(w, i) for w in range(8) for i in range(500)}


@pytest.mark.slow
def test_writer_killed_mid_transaction_leaves_no_partial_write(
    ledger_url: str, tmp_path: Path
) -> None:
    led = _fill(ledger_url, 3)
    before = led.head()
    marker = tmp_path / "inside"
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_workers.hang_in_transaction, args=(ledger_url, str(marker)))
    proc.start()
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline, "child never reached the transaction"
        assert proc.is_alive(), "child died early"
        time.sleep(0.05)
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    led.dispose()
    fresh = Ledger(ledger_url)
    assert fresh.verify().ok
    assert fresh.head() == before
    with fresh.connect() as conn:
        assert conn.execute(select(s.datasets)).all() == []
    with fresh.transaction() as tx:  # and the ledger still takes writes
        tx.event("after.kill", {"ok": True})
    assert fresh.verify().ok


def test_a_ledger_folder_that_cannot_be_made_is_a_ledger_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    with pytest.raises(LedgerError, match="Cannot create the folder"):
        Ledger(f"sqlite:///{tmp_path}/blocker/ledger.db")


def test_verify_sees_one_moment_while_others_write(ledger_url: str) -> None:
    """Rows committed while verify walks the chain must not look edited (PostgreSQL reads
    in READ COMMITTED by default; verify asks for a snapshot)."""
    import threading

    led = Ledger(ledger_url)
    stop = threading.Event()
    written = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with led.transaction(actor="writer") as tx:
                pk = tx.insert(s.datasets, {"name": f"busy-{i}", "description": "x"})
                tx.update(s.datasets, pk, {"description": f"edited {i}"})
            written.append(i)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [led.verify() for _ in range(15)]
    finally:
        stop.set()
        thread.join()
    assert len(written) > 15  # the writer really wrote during the verifications
    assert [r.first.describe() for r in reports if not r.ok] == []
    led.dispose()
