"""DL205: a test set far more balanced than the data it came from (oversampling leakage).

The thresholds and the two rules (with and without ``source``) are documented on
:func:`mlvet.leakage.check_split` and in ``docs/rules/DL205.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlvet._findings import Finding, Location
from mlvet.data import canonical_type
from mlvet.leakage._split_checks import Hashes, Outcome
from mlvet.leakage._split_input import NUMERIC, Side, Spec

__all__ = ["check_class_ratio", "is_categorical"]

MAX_CLASSES = 20
RATIO_FLAG = 1.5  # test minority share / source minority share
SOURCE_IMBALANCED = 0.35  # the source's minority share must be below this
Z_MIN = 3.0  # binomial standard errors of the test size
COPY_RATE_RATIO = 3.0  # one class copied 3x as often as another
COPY_RATE_MIN = 0.10
COPY_ROWS_MIN = 5  # copied test rows, and distinct rows they copy
COPY_CONCENTRATION_MAX = 0.2  # no one repeated row is more than a fifth of the copies
SHOWN_CLASSES = 10  # classes listed in a message


def _labels(col: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    values: np.ndarray = col.to_numpy()
    return values


def is_categorical(train: Side, test: Side, target: str) -> tuple[bool, int]:
    """(looks categorical, number of distinct values over both sides)."""
    col = pa.chunked_array(
        train.table.column(target).chunks + test.table.column(target).chunks,
        type=train.table.column(target).type,
    )
    n_distinct = int(pc.count_distinct(col).as_py())
    tag = canonical_type(col.type, target)
    return (tag not in NUMERIC or n_distinct <= MAX_CLASSES), n_distinct


def _shares(values: np.ndarray, classes: Sequence[Any]) -> np.ndarray:
    counts = pd.Series(values).value_counts()
    return np.array([counts.get(c, 0) for c in classes], dtype=np.float64) / max(len(values), 1)


def _class_list(*arrays: np.ndarray) -> list[Any]:
    both = np.concatenate([np.asarray(a, dtype=object) for a in arrays])
    return list(pd.unique(both))


def _fmt_shares(classes: Sequence[Any], shares: np.ndarray) -> str:
    """``"0: 50.0%, 1: 50.0%"``: the largest shares first beyond SHOWN_CLASSES classes."""
    pairs = list(zip(classes, shares, strict=True))
    if len(pairs) > SHOWN_CLASSES:
        pairs = sorted(pairs, key=lambda p: -p[1])
    text = ", ".join(f"{c!r}: {s:.1%}" for c, s in pairs[:SHOWN_CLASSES])
    more = len(pairs) - SHOWN_CLASSES
    return text + (f", … ({more:,} more classes)" if more > 0 else "")


def _balance_tolerance(n_classes: int, n: int) -> float:
    """Three binomial standard errors of an even share in a test set of ``n`` rows."""
    even = 1.0 / n_classes
    return Z_MIN * math.sqrt(even * (1.0 - even) / max(n, 1))


def check_class_ratio(
    train: Side,
    test: Side,
    spec: Spec,
    h: Hashes,
    source: pa.ChunkedArray | None,
) -> Outcome:
    """DL205: a test set far more balanced than the data it came from."""
    if spec.target is None:
        return "skipped: no target= given", []
    categorical, n_distinct = is_categorical(train, test, spec.target)
    if not categorical:
        return f"skipped: target {spec.target!r} is numeric with {n_distinct} distinct values", []
    y_train = _labels(train.table.column(spec.target))
    y_test = _labels(test.table.column(spec.target))
    if source is not None:
        return _ratio_with_source(test, spec.target, y_test, _labels(source))
    return _ratio_from_copies(test, spec, y_train, y_test, h)


def _ratio_with_source(test: Side, target: str, y_test: np.ndarray, y_src: np.ndarray) -> Outcome:
    classes = _class_list(y_src, y_test)
    src, tst = _shares(y_src, classes), _shares(y_test, classes)
    present = src > 0
    if present.sum() < 2:
        return "skipped: the source has a single class", []
    minority = int(np.argmin(np.where(present, src, np.inf)))
    p_src, p_test = float(src[minority]), float(tst[minority])
    ratio = p_test / p_src
    z = (p_test - p_src) / math.sqrt(p_src * (1 - p_src) / test.n)
    if not (p_src < SOURCE_IMBALANCED and ratio >= RATIO_FLAG and z >= Z_MIN):
        return "passed", []
    label = classes[minority]
    msg = (
        f"the minority class {label!r} of {target!r} is {p_test:.1%} of the test rows but "
        f"{p_src:.1%} of the source data ({ratio:.1f}x); test classes {_fmt_shares(classes, tst)} "
        f"vs source {_fmt_shares(classes, src)}."
    )
    evidence = {
        "target": target,
        "minority_class": label,
        "minority_share_test": p_test,
        "minority_share_source": p_src,
        "ratio": ratio,
        "z": z,
        "test_shares": dict(zip(map(str, classes), tst.tolist(), strict=True)),
        "source_shares": dict(zip(map(str, classes), src.tolist(), strict=True)),
        "basis": "source",
    }
    loc = Location(dataset="test", field=target)
    return "failed", [Finding.of("DL205", msg, location=loc, evidence=evidence)]


def _copy_spread(keys: np.ndarray) -> tuple[int, float]:
    """(distinct rows among copied rows, the share of the most repeated one)."""
    if not len(keys):
        return 0, 0.0
    counts = pd.Series(keys, copy=False).value_counts(sort=False).to_numpy()
    return len(counts), float(counts.max() / len(keys))


def _ratio_from_copies(
    test: Side, spec: Spec, y_train: np.ndarray, y_test: np.ndarray, h: Hashes
) -> Outcome:
    target = str(spec.target)
    classes = _class_list(y_train, y_test)
    if len(classes) < 2:
        return "skipped: the target has a single class", []
    shares = _shares(y_test, classes)
    tolerance = _balance_tolerance(len(classes), test.n)
    if not bool(np.all(np.abs(shares - 1.0 / len(classes)) <= tolerance)):
        return (
            f"skipped: test classes are not balanced ({_fmt_shares(classes, shares)}), so "
            "there is no oversampling to even classes to see; pass source= (the data before "
            "the split) to compare with the natural class ratio",
            [],
        )
    copied = pd.Series(h.test_near).duplicated(keep=False).to_numpy() | h.test_near_in_train
    codes = pd.Index(classes, dtype=object).get_indexer(pd.Series(y_test, dtype=object))
    n_rows = np.bincount(codes, minlength=len(classes))
    n_copied = np.bincount(codes, weights=copied, minlength=len(classes))
    rates = n_copied / np.maximum(n_rows, 1)
    i_top, i_low = int(np.argmax(rates)), int(np.argmin(rates))
    top, low = classes[i_top], classes[i_low]
    r_top, r_low, n_top = float(rates[i_top]), float(rates[i_low]), int(n_copied[i_top])
    n_distinct, concentration = _copy_spread(h.test_near[copied & (codes == i_top)])
    signature = (
        r_top >= COPY_RATE_MIN
        and n_top >= COPY_ROWS_MIN
        and r_top >= COPY_RATE_RATIO * r_low
        and n_distinct >= COPY_ROWS_MIN
        and concentration <= COPY_CONCENTRATION_MAX
    )
    if not signature:
        common = (
            f" (the copies of class {top!r} are mostly one repeated row, a common value "
            "rather than oversampled rows)"
            if n_top >= COPY_ROWS_MIN and concentration > COPY_CONCENTRATION_MAX
            else ""
        )
        return (
            f"skipped: test classes are balanced ({_fmt_shares(classes, shares)}) with no "
            f"copy signature{common}; pass source= (the data before the split) to compare "
            "with the natural class ratio",
            [],
        )
    msg = (
        f"test classes of {target!r} are balanced ({_fmt_shares(classes, shares)}) and "
        f"{r_top:.1%} of the test rows of class {top!r} are copies (within test or of train "
        f"rows, exact or near) against {r_low:.1%} of class {low!r}: the signature of "
        "oversampling before the split."
    )
    evidence = {
        "target": target,
        "test_shares": dict(zip(map(str, classes), shares.tolist(), strict=True)),
        "balance_tolerance": tolerance,
        "oversampled_class": top,
        "copy_rate": r_top,
        "copy_rate_other": r_low,
        "n_copied_rows": n_top,
        "n_distinct_copied": n_distinct,
        "largest_copy_share": concentration,
        "basis": "copies",
    }
    loc = Location(dataset="test", field=target)
    return "failed", [Finding.of("DL205", msg, location=loc, evidence=evidence)]
