"""Precision and recall of ``mlvet lint`` on labelled corpora, per file and leakage kind.

    python bench/corpus_score.py [FOLDER ...] [-v]

Default: the tuning corpus ``tests/lint_corpus`` and the held-out ``tests/lint_corpus_holdout``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mlvet.lint._corpus import score_corpus

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-")] or [
        ROOT / "tests" / "lint_corpus",
        ROOT / "tests" / "lint_corpus_holdout",
        ROOT / "tests" / "lint_corpus_blind",
    ]
    for folder in folders:
        if not (folder / "labels.json").is_file():
            continue
        result = score_corpus(folder)
        print(f"\n{folder.name}: {result.files} files")
        print(result.table())
        if "-v" in sys.argv:
            print("\n".join(result.mistakes))


if __name__ == "__main__":
    main()
