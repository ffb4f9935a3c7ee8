"""The rule pages of run-time codes: each Example reports its code, each Use instead does not.

The pages' Python blocks are executed as written (in a temporary directory, so their
default ledger is fresh); codes are read from the trace the block names ``t`` and from the
findings the block recorded in the ledger.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlvet import catalog
from mlvet.ledger import Ledger, read_findings
from mlvet.tracing import Trace

RUNTIME = [
    r.code
    for r in catalog.rules()
    if r.guard in {"trace", "vault", "compare", "tune", "ablate", "diff", "guard", "monitor"}
]


def block(page: str, heading: str) -> str:
    section = page.split(f"## {heading}", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under {heading}"
    return match.group(1)


def reported(source: str, where: Path) -> set[str]:
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, str(where / "train.py"), "exec"), namespace)
    codes: set[str] = set()
    trace = namespace.get("t")
    if isinstance(trace, Trace):
        codes |= {f.code for f in trace.findings}
    ledger = Ledger(f"sqlite:///{where / '.mlvet' / 'ledger.db'}")
    with ledger.connect() as conn:
        codes |= {f.code for f in read_findings(conn)}
    ledger.dispose()
    return codes


@pytest.mark.parametrize("code", RUNTIME)
def test_example_reports_the_code_and_the_fix_does_not(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = catalog.rule_page(code)
    monkeypatch.delenv("MLVET_DB_URL", raising=False)
    for name, heading, expect in (("example", "Example", True), ("fix", "Use instead", False)):
        where = tmp_path / name
        where.mkdir()
        monkeypatch.chdir(where)
        codes = reported(block(page, heading), where)
        assert (code in codes) is expect, (heading, sorted(codes))
