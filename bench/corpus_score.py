"""Precision and recall of ``mlvet lint`` on the labelled corpus, per file and leakage kind.

    python bench/corpus_score.py [tests/lint_corpus]

Each file of the corpus is labelled with the leakage kinds truly present (``labels.json``);
a file counts as predicted for a kind when any finding of that kind is reported in it.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mlvet.lint import LintConfig, lint_file

KINDS = (
    "metrics-from-beyond",
    "oversampling",
    "overlap",
    "temporal",
    "peek-a-boo",
    "multi-test",
    "test-in-selection",
)
# The research analyzers' three leakage types, as the hidden corpus scores them.
GROUPS = {
    "preprocessing": ("metrics-from-beyond",),
    "overlap": ("overlap", "oversampling"),
    "multi-test": ("multi-test",),
}


def predictions(folder: Path) -> dict[str, set[str]]:
    config = LintConfig(root=folder)
    out: dict[str, set[str]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in {".py", ".ipynb"}:
            out[path.name] = {f.kind for f in lint_file(path, config)}
    return out


def score(folder: Path) -> dict[str, dict[str, float]]:
    labels = json.loads((folder / "labels.json").read_text())
    predicted = predictions(folder)
    table: dict[str, dict[str, float]] = {}
    groups = {k: (k,) for k in KINDS} | {f"[{g}]": kinds for g, kinds in GROUPS.items()}
    for name, kinds in groups.items():
        c: Counter[str] = Counter()
        for file, label in labels.items():
            truth = bool(set(label["kinds"]) & set(kinds))
            guess = bool(predicted.get(file, set()) & set(kinds))
            c["tp" if truth and guess else "fp" if guess else "fn" if truth else "tn"] += 1
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        table[name] = {
            "precision": precision,
            "recall": recall,
            **{k: float(c[k]) for k in ("tp", "fp", "fn")},
        }
    return table


def mistakes(folder: Path) -> list[str]:
    labels = json.loads((folder / "labels.json").read_text())
    predicted = predictions(folder)
    out = []
    for file, label in sorted(labels.items()):
        truth = set(label["kinds"]) & set(KINDS)
        guess = predicted.get(file, set()) & set(KINDS)
        if truth != guess:
            out.append(
                f"{file}: missed {sorted(truth - guess)} extra {sorted(guess - truth)}  ({label.get('note', '')})"
            )
    return out


def main() -> None:
    folder = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "tests" / "lint_corpus"
    )
    print(f"{'kind':<24}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for name, row in score(folder).items():
        print(
            f"{name:<24}{row['precision']:>10.2f}{row['recall']:>8.2f}{row['tp']:>5.0f}{row['fp']:>5.0f}{row['fn']:>5.0f}"
        )
    if "-v" in sys.argv:
        print("\n".join(mistakes(folder)))


if __name__ == "__main__":
    main()
