"""The row, entity and time checks of check_split (DL201-DL204) and their shared helpers.

Each check returns ``(status, findings)`` where status is ``"passed"``, ``"failed"`` or
``"skipped: <why>"``. Everything is vectorised over numpy or Arrow arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from mlvet._findings import Finding, Location
from mlvet.leakage._split_hash import first_positions, isin, row_keys
from mlvet.leakage._split_input import (
    Side,
    Spec,
    format_time,
    time_ns,
    time_tz,
)

__all__ = [
    "N_EXAMPLES",
    "Hashes",
    "Outcome",
    "check_exact",
    "check_groups",
    "check_near",
    "check_temporal",
    "pct",
]

Outcome = tuple[str, list[Finding]]
N_EXAMPLES = 5


@dataclass(frozen=True)
class Hashes:
    """Exact and near row hashes of both sides, with the masks derived from them."""

    train_exact: np.ndarray
    test_exact: np.ndarray
    train_near: np.ndarray
    test_near: np.ndarray

    @cached_property
    def test_in_train(self) -> np.ndarray:
        """Test rows with an exact copy in train."""
        return isin(self.test_exact, self.train_exact)

    @cached_property
    def test_near_in_train(self) -> np.ndarray:
        """Test rows with a near (or exact) copy in train."""
        return isin(self.test_near, self.train_near)


def pct(part: int, whole: int) -> str:
    """``"12.5%"``; tiny shares keep two significant digits, and only all of it is 100%.

    >>> pct(1, 8), pct(1, 5000), pct(7999, 8000)
    ('12.5%', '0.02%', '>99.9%')
    """
    share = 100.0 * part / whole if whole else 0.0
    if 0 < share < 0.1:
        return f"{share:.2g}%"
    if part < whole and share >= 99.95:
        return ">99.9%"
    return f"{share:.1f}%"


_UNITS = (
    ("day", pd.Timedelta(days=1)),
    ("hour", pd.Timedelta(hours=1)),
    ("minute", pd.Timedelta(minutes=1)),
    ("second", pd.Timedelta(seconds=1)),
)


def timespan(delta: pd.Timedelta) -> str:
    """A span in words: whole days, hours, minutes and seconds; pandas' text below a second.

    >>> timespan(pd.Timedelta("3D")), timespan(pd.Timedelta("2h")), timespan(pd.Timedelta("1D6h"))
    ('3 days', '2 hours', '1 day 6 hours')
    >>> timespan(pd.Timedelta(0)), timespan(pd.Timedelta("1500ms"))
    ('0 days', '0 days 00:00:01.500000')
    """
    if delta % pd.Timedelta(seconds=1) or delta < pd.Timedelta(0):
        return str(delta)
    if not delta:
        return "0 days"
    parts, rest = [], delta
    for unit, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts)


def _row_dict(side: Side, pos: int) -> dict[str, Any]:
    row: dict[str, Any] = side.table.slice(pos, 1).to_pylist()[0]
    return row


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _differing(train: Side, test: Side, pairs: Sequence[tuple[int, int]]) -> list[str]:
    """Columns in which a few near-duplicate pairs differ exactly."""
    cols: list[str] = []
    for te, tr in pairs:
        a, b = _row_dict(test, te), _row_dict(train, tr)
        cols.extend(c for c in a if c != test.id_column and not _same(a[c], b[c]) and c not in cols)
    return cols


def _pairs(
    train: Side, test: Side, mask: np.ndarray, keys: np.ndarray, lookup: np.ndarray
) -> list[tuple[int, int]]:
    test_pos = np.flatnonzero(mask)[:N_EXAMPLES]
    train_pos = first_positions(keys[test_pos], lookup)
    return [(int(a), int(b)) for a, b in zip(test_pos, train_pos, strict=True) if b >= 0]


def _pair_evidence(train: Side, test: Side, pairs: Sequence[tuple[int, int]]) -> list[Any]:
    test_ids = test.ids([p[0] for p in pairs])
    train_ids = train.ids([p[1] for p in pairs])
    return [{"test": a, "train": b} for a, b in zip(test_ids, train_ids, strict=True)]


# --- DL201 / DL202 ---------------------------------------------------------------------


def _compared(n_cols: int, spec: Spec) -> str:
    """``"all 3 columns except the id"``, ``"the only column"``."""
    if n_cols == 1:
        return "the only column besides the id" if spec.id else "the only column"
    return f"all {n_cols} columns{' except the id' if spec.id else ''}"


def check_exact(train: Side, test: Side, h: Hashes, spec: Spec, n_cols: int) -> Outcome:
    """DL201: test rows with an exact copy in train."""
    if n_cols == 0:
        return "skipped: no columns besides the id to compare", []
    mask = h.test_in_train
    n = int(mask.sum())
    if not n:
        return "passed", []
    n_train = int(isin(h.train_exact, h.test_exact).sum())
    pairs = _pairs(train, test, mask, h.test_exact, h.train_exact)
    examples = _pair_evidence(train, test, pairs)
    first = examples[0]
    msg = (
        f"{n:,} of {test.n:,} test rows ({pct(n, test.n)}) have an exact copy in train "
        f"({n_train:,} train row{'s' if n_train != 1 else ''} copied), comparing "
        f"{_compared(n_cols, spec)}; e.g. test row {first['test']!r} = train row "
        f"{first['train']!r}."
    )
    evidence = {
        "n_test_rows": n,
        "n_test": test.n,
        "fraction": n / test.n,
        "n_train_rows": n_train,
        "n_train": train.n,
        "columns_compared": n_cols,
        "test_examples": [e["test"] for e in examples],
        "train_examples": [e["train"] for e in examples],
        "pairs": examples,
        "example_ids": spec.id_kind,
    }
    return "failed", [
        Finding.of("DL201", msg, location=Location(dataset="test"), evidence=evidence)
    ]


def check_near(train: Side, test: Side, h: Hashes, spec: Spec, n_cols: int) -> Outcome:
    """DL202: test rows equal to a training row after normalisation, not exact copies."""
    if n_cols == 0:
        return "skipped: no columns besides the id to compare", []
    mask = h.test_near_in_train & ~h.test_in_train
    n = int(mask.sum())
    if not n:
        return "passed", []
    pairs = _pairs(train, test, mask, h.test_near, h.train_near)
    examples = _pair_evidence(train, test, pairs)
    differ = _differing(train, test, pairs)
    first = examples[0]
    msg = (
        f"{n:,} of {test.n:,} test rows ({pct(n, test.n)}) equal a training row once floats "
        f"are rounded to {spec.near_digits} significant digits and text is lower-cased with "
        f"spaces collapsed (exact copies not counted); e.g. test row {first['test']!r} ≈ train "
        f"row {first['train']!r}, differing only in {', '.join(map(repr, differ[:5]))}."
    )
    evidence = {
        "n_test_rows": n,
        "n_test": test.n,
        "fraction": n / test.n,
        "near_digits": spec.near_digits,
        "columns_compared": n_cols,
        "differing_columns": differ,
        "test_examples": [e["test"] for e in examples],
        "train_examples": [e["train"] for e in examples],
        "pairs": examples,
        "example_ids": spec.id_kind,
    }
    return "failed", [
        Finding.of("DL202", msg, location=Location(dataset="test"), evidence=evidence)
    ]


# --- DL203 -----------------------------------------------------------------------------


def _valid_entities(side: Side, cols: Sequence[str]) -> np.ndarray:
    """Rows with a value in every group column (a null group is no entity)."""
    valid = np.ones(side.n, dtype=bool)
    for c in cols:
        col = side.table.column(c)
        if col.null_count or pa.types.is_floating(col.type):
            valid &= ~col.is_null(nan_is_null=True).to_numpy(zero_copy_only=False)
    return valid


def _entity_label(side: Side, cols: Sequence[str], pos: int) -> Any:
    row = side.table.select(list(cols)).slice(pos, 1).to_pylist()[0]
    return row[cols[0]] if len(cols) == 1 else row


def check_groups(train: Side, test: Side, spec: Spec) -> Outcome:
    """DL203: entities with rows on both sides."""
    if not spec.group:
        return "skipped: no group= column given", []
    cols = spec.group
    keys = row_keys(train.table, test.table, cols)
    vtr, vte = _valid_entities(train, cols), _valid_entities(test, cols)
    ktr, kte = keys.train, keys.test
    ktr, kte_valid = ktr[vtr], kte[vte]
    test_pos_valid = np.flatnonzero(vte)
    hit = isin(kte_valid, ktr)
    if not hit.any():
        return "passed", []
    shared = pd.unique(kte_valid[hit])
    n_train_rows = int(isin(ktr, shared).sum())
    n_test_rows = int(hit.sum())
    first_rows = test_pos_valid[np.flatnonzero(hit)]
    _, first_idx = np.unique(kte_valid[hit], return_index=True)
    example_pos = np.sort(first_rows[first_idx])[:N_EXAMPLES]
    entities = [_entity_label(test, cols, int(p)) for p in example_pos]
    n_test_entities = len(pd.unique(kte_valid))
    label = cols[0] if len(cols) == 1 else "+".join(cols)
    msg = (
        f"{len(shared):,} of {n_test_entities:,} {label!r} entities in test also have rows in "
        f"train: {n_test_rows:,} of {test.n:,} test rows ({pct(n_test_rows, test.n)}) and "
        f"{n_train_rows:,} train rows; e.g. {', '.join(map(repr, entities[:3]))}."
    )
    evidence = {
        "group": list(cols),
        "n_shared_entities": len(shared),
        "n_test_entities": n_test_entities,
        "n_train_entities": len(pd.unique(ktr)),
        "n_test_rows": n_test_rows,
        "fraction_test_rows": n_test_rows / test.n,
        "n_train_rows": n_train_rows,
        "entity_examples": entities,
        "test_examples": test.ids(example_pos),
        "example_ids": spec.id_kind,
        "rows_without_entity": {"train": int((~vtr).sum()), "test": int((~vte).sum())},
    }
    loc = Location(dataset="test", field=label)
    return "failed", [Finding.of("DL203", msg, location=loc, evidence=evidence)]


# --- DL204 -----------------------------------------------------------------------------


def check_temporal(train: Side, test: Side, spec: Spec) -> Outcome:
    """DL204: every test time after every train time plus the horizon."""
    if spec.time is None:
        return "skipped: no time= column given", []
    name = spec.time
    a = time_ns(train.table.column(name))
    b = time_ns(test.table.column(name))
    h = int(spec.horizon.value)
    max_train, min_test = int(a.max()), int(b.min())
    ok = max_train + h <= min_test if h > 0 else max_train < min_test
    if ok:
        return "passed", []
    if h > 0:
        train_in, test_in = a > min_test - h, b < max_train + h
    else:
        train_in, test_in = a >= min_test, b <= max_train
    n_tr, n_te = int(train_in.sum()), int(test_in.sum())
    col = train.table.column(name)
    tz, is_date = time_tz(col), pa.types.is_date(col.type)

    def fmt(ns: int) -> str:
        return format_time(ns, tz, is_date)

    start, end = fmt(min_test), fmt(max_train)
    train_rows = f"{n_tr:,} of {train.n:,} train rows ({pct(n_tr, train.n)})"
    test_rows = f"{n_te:,} of {test.n:,} test rows ({pct(n_te, test.n)})"
    if h:
        span = timespan(spec.horizon)
        msg = (
            f"test starts at {start}, less than the horizon ({span}) after the last training "
            f"time {end}: {train_rows} are later than {fmt(min_test - h)} (the test start - "
            f"{span}) and {test_rows} earlier than {fmt(max_train + h)} (the last training "
            f"time + {span})."
        )
    else:
        msg = (
            f"test starts at {start}, not after the last training time {end}: {train_rows} "
            f"are at or after the test start and {test_rows} at or before the last training "
            "time."
        )
    evidence = {
        "time": name,
        "train_max": end,
        "test_min": start,
        "horizon": timespan(spec.horizon),
        "train_span": [fmt(min_test - h), end],
        "test_span": [start, fmt(max_train + h)],
        "n_train_rows_in_span": n_tr,
        "n_test_rows_in_span": n_te,
        "fraction_test_rows": n_te / test.n,
        "train_examples": train.ids(np.flatnonzero(train_in)[:N_EXAMPLES]),
        "test_examples": test.ids(np.flatnonzero(test_in)[:N_EXAMPLES]),
        "example_ids": spec.id_kind,
    }
    loc = Location(dataset="test", field=name)
    return "failed", [Finding.of("DL204", msg, location=loc, evidence=evidence)]
