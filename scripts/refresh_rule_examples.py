"""Regenerate the `mlvet lint` output blocks of docs/rules/*.md from each page's own example.

    .venv/bin/python scripts/refresh_rule_examples.py DL101 GE103 ...

Run it after changing a rule's message; tests/test_lint.py checks that each example still
fires and each "Use instead" block is clean.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs", "rules")
MLVET = os.path.join(ROOT, ".venv", "bin", "mlvet")
# GE103's example is one cell of a notebook; this is the cell before it.
GE103_SETUP = """\
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

df = pd.read_parquet("fails.parquet")
X, y = df.drop(columns=["is_fail"]), df["is_fail"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
clf = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
"""


def nb(cells):
    out = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"language": "python", "name": "python3", "display_name": "Python 3"}
        },
        "cells": [],
    }
    for kind, src in cells:
        c = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code":
            c.update(outputs=[], execution_count=None)
        out["cells"].append(c)
    return json.dumps(out, indent=1)


def export_file():
    terms = " + ".join(f"{i * 0.001:.3f} * x[{i % 30}]" for i in range(1500))
    return "def score(x):\n    return " + terms + "\n"


def refresh(code):
    path = f"{DOCS}/{code}.md"
    s = Path(path).read_text()
    ex_start, ex_end = s.find("## Example"), s.find("## Use instead")
    ex = s[ex_start:ex_end]
    m = re.search(r"```console\n\$ mlvet lint (\S+)\n(.*?)```", ex, re.S)
    if not m:
        print(code, "no console block")
        return
    name = m[1]
    py = re.search(r"```python\n(.*?)```", ex, re.S)
    tmp = tempfile.mkdtemp()
    target = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if code == "GE103":
        Path(target).write_text(
            nb(
                [
                    ("markdown", "# Settlement fails"),
                    ("code", GE103_SETUP),
                    ("markdown", "## Threshold"),
                    ("code", py[1].rstrip("\n")),
                ]
            )
        )
    elif code == "MV002":
        Path(target).write_text(export_file())
    else:
        Path(target).write_text(py[1])
    r = subprocess.run([MLVET, "lint", name], cwd=tmp, capture_output=True, text=True)
    shutil.rmtree(tmp)
    out = (r.stdout + r.stderr).rstrip("\n")
    new_block = f"```console\n$ mlvet lint {name}\n{out}\n```"
    ex2 = ex[: m.start()] + new_block + ex[m.end() :]
    s = s[:ex_start] + ex2 + s[ex_end:]
    Path(path).write_text(s)
    print(
        code,
        "exit",
        r.returncode,
        "|",
        " ".join(re.findall(r": ([A-Z]{2}\d{3}) \[", out)) or out.splitlines()[0],
    )


for code in sys.argv[1:]:
    refresh(code)
