"""Functions run in child processes by the reliability tests (importable under spawn)."""

from __future__ import annotations

import time
from pathlib import Path


def write_events(url: str, worker: int, n: int) -> int:
    from mlvet.ledger import Ledger

    led = Ledger(url)
    for i in range(n):
        with led.transaction(actor=f"worker-{worker}") as tx:
            tx.event("test.concurrent", {"worker": worker, "i": i})
    led.dispose()
    return n


def hang_in_transaction(url: str, marker: str) -> None:
    from mlvet.ledger import Ledger
    from mlvet.ledger import _schema as s

    led = Ledger(url)
    with led.transaction(actor="doomed") as tx:
        tx.insert(s.datasets, {"name": "half-written", "description": "never committed"})
        tx.event("test.partial", {"about": "to be killed"})
        Path(marker).write_text("inside", encoding="utf-8")
        time.sleep(120)
