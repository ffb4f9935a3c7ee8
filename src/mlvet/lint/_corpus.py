"""Scoring the linter on a labelled corpus: precision and recall per file and leakage kind.

A corpus is a folder of scripts and notebooks with a ``labels.json`` that gives, for every
file, the leakage kinds truly present (``{"kinds": [...], "twin": ..., "note": ...}``). A
file counts as predicted for a kind when any finding of that kind is reported in it: the
way the research analyzers of notebook leakage were scored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlvet.exceptions import InputError

__all__ = ["GROUPS", "KINDS", "CorpusScore", "score_corpus"]

KINDS = (
    "metrics-from-beyond",
    "oversampling",
    "overlap",
    "temporal",
    "peek-a-boo",
    "multi-test",
    "test-in-selection",
)
GROUPS: dict[str, tuple[str, ...]] = {
    "preprocessing": ("metrics-from-beyond",),
    "overlap": ("overlap", "oversampling"),
    "multi-test": ("multi-test",),
}
"""The research analyzers' three leakage types, mapped onto mlvet's kinds."""


@dataclass(frozen=True)
class Row:
    name: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(frozen=True)
class CorpusScore:
    files: int
    rows: dict[str, Row]
    mistakes: list[str]

    def table(self) -> str:
        lines = [f"{'kind':<24}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}"]
        for row in self.rows.values():
            lines.append(
                f"{row.name:<24}{row.precision:>10.2f}{row.recall:>8.2f}"
                f"{row.tp:>5}{row.fp:>5}{row.fn:>5}"
            )
        return "\n".join(lines)


def _labels(folder: Path) -> dict[str, Any]:
    path = folder / "labels.json"
    if not path.is_file():
        raise InputError(
            f"{folder} has no labels.json; a corpus needs one (see mlvet.lint._corpus)."
        )
    labels = json.loads(path.read_text(encoding="utf-8"))
    files = {p.name for p in folder.iterdir() if p.suffix in {".py", ".ipynb"}}
    if set(labels) != files:
        raise InputError(
            f"labels.json and the files of {folder} differ: unlabelled {sorted(files - set(labels))}, "
            f"missing {sorted(set(labels) - files)}."
        )
    return dict(labels)


def score_corpus(folder: str | Path) -> CorpusScore:
    """Lint every file of a labelled corpus and score the findings against the labels."""
    from mlvet.lint import LintConfig, lint_file

    root = Path(folder)
    labels = _labels(root)
    config = LintConfig(root=root)
    predicted = {name: {f.kind for f in lint_file(root / name, config)} for name in labels}
    groups = {k: (k,) for k in KINDS} | {f"[{g}]": kinds for g, kinds in GROUPS.items()}
    rows: dict[str, Row] = {}
    for name, kinds in groups.items():
        c: Counter[str] = Counter()
        for file, label in labels.items():
            truth = bool(set(label["kinds"]) & set(kinds))
            guess = bool(predicted[file] & set(kinds))
            c["tp" if truth and guess else "fp" if guess else "fn" if truth else "tn"] += 1
        rows[name] = Row(name, c["tp"], c["fp"], c["fn"])
    mistakes = []
    for file, label in sorted(labels.items()):
        true_kinds = set(label["kinds"]) & set(KINDS)
        found_kinds = predicted[file] & set(KINDS)
        if true_kinds != found_kinds:
            mistakes.append(
                f"{file}: missed {sorted(true_kinds - found_kinds)}, "
                f"extra {sorted(found_kinds - true_kinds)} "
                f"({label.get('note', '')})"
            )
    return CorpusScore(len(labels), rows, mistakes)
