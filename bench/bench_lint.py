"""Speed of ``mlvet lint`` on a generated corpus of realistic notebooks.

    python bench/bench_lint.py [--files 2000] [--jobs 2]

The notebooks are built from the labelled corpora's scripts and notebooks (leaky and
clean), cut into cells at blank lines and padded with exploratory cells (``head()``,
``describe()``, plots, markdown) so that sizes vary like real Kaggle notebooks. Reported:
files/s with ``--jobs`` processes and with one, the floor of merely reading and parsing
each file (``json.loads`` + ``ast.parse``, one process) and the ratio to it; then the time
for one 5,000-line script. Target: >= 200 files/s on 2 cores.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import random
import tempfile
import time
from pathlib import Path

from mlvet.lint import LintConfig, lint_file, lint_paths
from mlvet.lint._source import neutralise_ipython

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT / "tests" / "lint_corpus", ROOT / "tests" / "lint_corpus_holdout"]
NOISE = [
    "df.head()",
    "df.describe()",
    "df.info()",
    "df.isnull().sum()",
    "df['{c}'].value_counts()",
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "plt.figure(figsize=(10, 6))\nplt.hist(df['{c}'], bins=50)\nplt.title('{c}')\nplt.show()",
    "import seaborn as sns\nsns.heatmap(df.corr(), annot=True, cmap='coolwarm')",
    "for col in df.columns:\n    print(col, df[col].nunique())",
    "df.groupby('{c}').size().plot(kind='bar')",
    "!pip install -q lightgbm",
]


def template_cells() -> list[list[str]]:
    out = []
    for folder in CORPORA:
        for path in sorted(folder.glob("*.py")):
            text = path.read_text()
            out.append([c for c in text.split("\n\n") if c.strip()])
        for path in sorted(folder.glob("*.ipynb")):
            nb = json.loads(path.read_text())
            out.append(["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"])
    return out


def make_notebook(rng: random.Random, cells: list[str]) -> str:
    nb_cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Analysis\n"]}]
    body = list(cells)
    for _ in range(rng.randint(5, 25)):
        body.insert(rng.randint(1, len(body)), rng.choice(NOISE).format(c=rng.choice("abcdefgh")))
    for i, src in enumerate(body, start=1):
        nb_cells.append(
            {
                "cell_type": "code",
                "execution_count": i,
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"] * 20}],
                "source": src.splitlines(keepends=True),
            }
        )
    return json.dumps({"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def parse_floor(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                with contextlib.suppress(SyntaxError):
                    ast.parse(neutralise_ipython("".join(cell["source"])))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(0)
    templates = template_cells()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i in range(args.files):
            path = folder / f"nb_{i:05}.ipynb"
            path.write_text(make_notebook(rng, rng.choice(templates)))
            files.append(path)
        size = sum(p.stat().st_size for p in files) / 1e6
        lines = sum(
            len("".join(c["source"]).splitlines())
            for p in files
            for c in json.loads(p.read_text())["cells"]
            if c["cell_type"] == "code"
        )
        print(f"corpus: {len(files)} notebooks, {lines:,} code lines, {size:.1f} MB")
        config = LintConfig(root=folder)
        floor = parse_floor(files)
        t0 = time.perf_counter()
        serial = lint_paths([folder], config, jobs=1)
        t1 = time.perf_counter()
        parallel = lint_paths([folder], config, jobs=args.jobs)
        t2 = time.perf_counter()
        assert [f.to_dict() for f in serial.findings] == [f.to_dict() for f in parallel.findings]
        print(f"read+parse floor (1 process): {len(files) / floor:8.0f} files/s")
        print(
            f"mlvet lint, 1 process:        {len(files) / (t1 - t0):8.0f} files/s"
            f"  ({(t1 - t0) / floor:.2f}x the parse floor)"
        )
        print(
            f"mlvet lint, {args.jobs} processes:      {len(files) / (t2 - t1):8.0f} files/s"
            f"  (target >= 200; {len(parallel.findings)} findings)"
        )

        script = folder / "big_script.py"
        chunks, n = [], 0
        py_templates = [p.read_text() for c in CORPORA for p in sorted(c.glob("*.py"))]
        while n < 5000:
            text = rng.choice(py_templates)
            chunks.append(text)
            n += text.count("\n")
        script.write_text("\n".join(chunks))
        t3 = time.perf_counter()
        found = lint_file(script, config)
        t4 = time.perf_counter()
        print(f"one {n:,}-line script: {t4 - t3:.2f} s ({len(found)} findings)")


if __name__ == "__main__":
    main()
