"""Column profiles, computed by the caller's own engine through narwhals expressions.

The profile records, per column: its type, null count and distinct count; for numbers
min, max, mean, standard deviation and quantiles; for booleans the share of true values;
for strings the ten most frequent values; for times the first and last value. All scalar
statistics are one ``select`` in the frame's engine.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np

from mlvet._json import jsonable
from mlvet.data._frames import Frame, canonical_type

__all__ = ["QUANTILES", "profile"]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
TOP_K = 10
_SEP = "\x1f"


def _exprs(name: str, tag: str) -> list[nw.Expr]:
    col = nw.col(name)
    out = [
        col.null_count().alias(f"{name}{_SEP}null_count"),
        col.n_unique().alias(f"{name}{_SEP}n_unique"),
    ]
    if tag in ("int", "uint", "float"):
        out += [
            col.min().alias(f"{name}{_SEP}min"),
            col.max().alias(f"{name}{_SEP}max"),
            col.mean().alias(f"{name}{_SEP}mean"),
            col.std().alias(f"{name}{_SEP}std"),
        ]
        out += [
            col.quantile(q, interpolation="linear").alias(f"{name}{_SEP}q{q}") for q in QUANTILES
        ]
    elif tag == "bool":
        out.append(col.mean().alias(f"{name}{_SEP}true_share"))
    elif tag.startswith("timestamp") or tag == "date":
        out += [col.min().alias(f"{name}{_SEP}min"), col.max().alias(f"{name}{_SEP}max")]
    return out


def profile(frame: Frame) -> dict[str, Any]:
    """The profile of a validated frame (see the module docstring)."""
    df = frame.nw
    tags = {f.name: canonical_type(f.type, f.name) for f in frame.arrow.schema}
    exprs = [e for name, tag in tags.items() for e in _exprs(name, tag)]
    with np.errstate(invalid="ignore", over="ignore"):  # inf allowed in by the caller
        result = df.select(exprs)
    stats = dict(zip(result.columns, result.row(0), strict=True))
    columns: dict[str, dict[str, Any]] = {name: {"type": tag} for name, tag in tags.items()}
    for key, value in stats.items():
        name, stat = key.split(_SEP, 1)
        if stat.startswith("q"):
            columns[name].setdefault("quantiles", {})[stat[1:]] = jsonable(value)
        else:
            columns[name][stat] = jsonable(value)
    for name, tag in tags.items():
        if tag == "string":
            top = (
                df.select(name)
                .drop_nulls()
                .group_by(name)
                .agg(nw.len().alias("count"))
                .sort(["count", name], descending=[True, False])
                .head(TOP_K)
            )
            columns[name]["top"] = [[v, int(c)] for v, c in top.iter_rows()]
    return {"n_rows": frame.n_rows, "columns": columns}
