"""The linter against labelled corpora of leaky notebooks and scripts and their fixed twins.

``lint_corpus`` is the corpus the rules were developed on. ``lint_corpus_holdout`` and
``lint_corpus_blind`` were written separately, by authors who did not see the analysis; each
was measured once as it arrived (numbers in docs/guards/lint.md), and the general mistakes
it exposed were then fixed, so both now guard against regressions too. The bars are the issue's: precision and recall
>= 0.9 for preprocessing and overlap leakage, >= 0.75 for multi-test leakage.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlvet.lint import LintConfig, lint_file
from mlvet.lint._corpus import KINDS, score_corpus

HERE = Path(__file__).resolve().parent
CORPORA = [
    p for p in (HERE / "lint_corpus", HERE / "lint_corpus_holdout") if (p / "labels.json").is_file()
]
BARS = {"[preprocessing]": 0.9, "[overlap]": 0.9, "[multi-test]": 0.75}


@pytest.mark.parametrize("folder", CORPORA, ids=lambda p: p.name)
def test_precision_and_recall_bars(folder: Path) -> None:
    result = score_corpus(folder)
    print(f"\n{folder.name}\n{result.table()}")
    for group, bar in BARS.items():
        row = result.rows[group]
        assert row.precision >= bar and row.recall >= bar, (group, row, result.mistakes)


@pytest.mark.parametrize("folder", CORPORA, ids=lambda p: p.name)
def test_corpus_is_well_formed(folder: Path) -> None:
    labels = json.loads((folder / "labels.json").read_text())
    leaky = [name for name, label in labels.items() if label["kinds"]]
    assert len(leaky) >= 25
    for name, label in labels.items():
        assert set(label["kinds"]) <= set(KINDS), name
        if label["kinds"] and label.get("twin"):
            twin = labels[label["twin"]]
            assert twin["kinds"] == [] and twin["twin"] == name


def test_every_leaky_dev_file_is_caught_and_every_twin_is_clean() -> None:
    folder = HERE / "lint_corpus"
    labels = json.loads((folder / "labels.json").read_text())
    config = LintConfig(root=folder)
    for name, label in labels.items():
        kinds = {f.kind for f in lint_file(folder / name, config)} & set(KINDS)
        assert kinds == set(label["kinds"]), (name, kinds, label["note"])
