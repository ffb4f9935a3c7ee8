"""Foundation benchmarks, printed as ratios measured in one run.

1. Fingerprint throughput on 1M rows x 25 columns against the floor of hashing the same
   Arrow buffers with plain hashlib SHA-256 and with xxhash (target: within 2x of SHA-256).
2. Ledger appends per second on SQLite and (when MLVET_TEST_PG_URL is set) PostgreSQL,
   against a bare INSERT loop on the same database (the cost of the chain).

Run: .venv/bin/python bench/bench_foundation.py [--rows N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
import uuid

import numpy as np
import pyarrow as pa
import xxhash
from sqlalchemy import create_engine, text

from mlvet.data._fingerprint import fingerprint_table
from mlvet.data._frames import as_frame
from mlvet.ledger import Ledger, upgrade


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    cols: dict[str, pa.Array] = {f"f{i}": pa.array(rng.normal(size=rows)) for i in range(20)}
    cols.update({f"i{i}": pa.array(rng.integers(0, 1_000_000, rows)) for i in range(3)})
    ids = np.char.add("SEC", rng.integers(0, 10_000, rows).astype(str))
    cols["cusip"] = pa.array(ids.tolist(), pa.large_string())
    cols["tenor"] = pa.array(
        rng.choice(["2Y", "5Y", "10Y", "30Y"], rows).tolist(), pa.large_string()
    )
    return pa.table(cols)


def buffers(t: pa.Table) -> list[memoryview]:
    out = []
    for col in t.combine_chunks().columns:
        for buf in col.chunks[0].buffers():
            if buf is not None:
                out.append(memoryview(buf))
    return out


def bench_fingerprint(rows: int) -> None:
    t = table(rows)
    bufs = buffers(t)
    size = sum(b.nbytes for b in bufs) / 1e6
    sha = best(lambda: [hashlib.sha256(b).digest() for b in bufs])
    xxh = best(lambda: [xxhash.xxh3_128(b).digest() for b in bufs])
    fp = best(lambda: fingerprint_table(t))
    full = best(lambda: fingerprint_table(as_frame(t).arrow))
    print(f"fingerprint: {rows:,} rows x {t.num_columns} columns, {size:,.0f} MB of Arrow buffers")
    print(f"  floor hashlib sha256 {sha:.3f}s  floor xxh3_128 {xxh:.3f}s")
    print(
        f"  mlvet fingerprint    {fp:.3f}s  -> {fp / sha:.2f}x sha256 floor, {fp / xxh:.1f}x xxhash floor"
    )
    print(f"  with input checks    {full:.3f}s  -> {full / sha:.2f}x sha256 floor")


def bench_ledger(name: str, url: str, n: int = 500) -> None:
    led = Ledger(url, create=True)
    upgrade(led)

    def chained() -> None:
        for i in range(n):
            with led.transaction(actor="bench") as tx:
                tx.event("bench.event", {"i": i, "payload": "x" * 100})

    engine = led.engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_plain (body TEXT NOT NULL)"))

    def plain() -> None:
        for i in range(n):
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO bench_plain (body) VALUES (:b)"), {"b": f'{{"i":{i}}}'}
                )

    tc, tp = best(chained, 2), best(plain, 2)
    print(
        f"ledger {name}: {n / tc:,.0f} chained events/s vs {n / tp:,.0f} plain inserts/s "
        f"-> chain costs {tc / tp:.2f}x a bare committed insert"
    )
    assert led.verify().ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_fingerprint(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        bench_ledger("SQLite", f"sqlite:///{tmp}/bench.db")
    pg = os.environ.get("MLVET_TEST_PG_URL")
    if pg:
        schema = f"mlvet_bench_{uuid.uuid4().hex[:8]}"
        eng = create_engine(pg)
        with eng.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            bench_ledger(
                "PostgreSQL", f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
            )
        finally:
            with eng.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    else:
        print("ledger PostgreSQL: skipped (set MLVET_TEST_PG_URL)")


if __name__ == "__main__":
    main()
