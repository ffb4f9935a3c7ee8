"""Regenerate the console blocks of the run-time rule pages (trace, vault, compare, tune, ablate and diff codes).

    .venv/bin/python scripts/refresh_runtime_rule_examples.py [CODE ...]

Each page's Example block is run as ``python train.py`` in a fresh directory (so the
vault examples get a fresh default ledger) and its output replaces the console block
below it. tests/test_rule_pages_runtime.py checks that each example still reports its
code and each "Use instead" block does not.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mlvet import catalog  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
BLOCKS = re.compile(r"(## Example\n.*?```python\n)(.*?)(```\n\n```console\n\$ python train.py\n)(.*?)(```)", re.S)


def refresh(code: str) -> None:
    path = ROOT / "docs" / "rules" / f"{code}.md"
    page = path.read_text(encoding="utf-8")
    match = BLOCKS.search(page)
    if match is None:
        raise SystemExit(f"{code}: no Example block followed by a `$ python train.py` console block")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "train.py").write_text(match.group(2), encoding="utf-8")
        run = subprocess.run(
            [str(PYTHON), "train.py"], cwd=folder, capture_output=True, text=True, check=True
        )
        output = run.stdout.rstrip().replace(str(Path(folder).resolve()) + "/", "")
    start, end = match.span(4)
    path.write_text(page[:start] + output + "\n" + page[end:], encoding="utf-8")
    print(f"{code}: refreshed")


if __name__ == "__main__":
    wanted = sys.argv[1:] or [
        r.code for r in catalog.rules() if r.guard in {"trace", "vault", "compare", "tune", "ablate", "diff", "guard", "monitor"}
    ]
    for code in wanted:
        refresh(code)
