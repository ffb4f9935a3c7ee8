"""DL207 (Peek-a-Boo): feature values used in rows whose prediction time precedes their publication."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from mlvet._findings import Finding, Location
from mlvet.exceptions import InputError
from mlvet.leakage._split_checks import N_EXAMPLES, Outcome, pct, timespan
from mlvet.leakage._split_input import Side, Spec, check_time_column, time_ns, time_tz

__all__ = ["check_peek_a_boo", "check_publication_times"]


@dataclass(frozen=True)
class _Late:
    n: int
    n_used: int
    n_unknown: int
    worst_ns: int
    examples: list[Any]


def _late_rows(side: Side, column: str, rule: pd.Timedelta | str, spec: Spec) -> _Late:
    table = side.table
    when = str(spec.prediction_time or spec.time)
    pred = time_ns(table.column(when))
    used = ~table.column(column).is_null(nan_is_null=True).to_numpy(zero_copy_only=False)
    if isinstance(rule, str):
        pub_col = table.column(rule)
        unknown = pub_col.is_null().to_numpy(zero_copy_only=False)
        published = time_ns(pub_col)
    else:
        unknown = np.zeros(side.n, dtype=bool)
        published = time_ns(table.column(str(spec.time))) + int(rule.value)
    late = used & ~unknown & (published > pred)
    gaps = published[late] - pred[late]
    return _Late(
        n=int(late.sum()),
        n_used=int(used.sum()),
        n_unknown=int((used & unknown).sum()),
        worst_ns=int(gaps.max()) if gaps.size else 0,
        examples=side.ids(np.flatnonzero(late)[:N_EXAMPLES]),
    )


def check_publication_times(sides: Sequence[Side], spec: Spec) -> None:
    when = str(spec.prediction_time or spec.time)
    check_time_column(sides, when)
    uses_time = any(not isinstance(r, str) for r in spec.available_at.values())
    if uses_time and spec.time is None:
        raise InputError(
            "A publication lag in available_at= is counted from the row's time; pass time= "
            "(the period each row describes)."
        )
    pub_cols = sorted({r for r in spec.available_at.values() if isinstance(r, str)})
    for col in pub_cols:
        _check_publication_column(sides, col, when)


def _check_publication_column(sides: Sequence[Side], col: str, when: str) -> None:
    for side in sides:
        t = side.table.column(col).type
        t = t.value_type if pa.types.is_dictionary(t) else t
        if not (pa.types.is_timestamp(t) or pa.types.is_date(t)):
            raise InputError(
                f"Publication column {col!r} must hold datetimes, but it is {t} in {side.name}; "
                f"convert it: df[{col!r}] = pd.to_datetime(df[{col!r}])."
            )
        aware = time_tz(side.table.column(col)) is not None
        if aware != (time_tz(side.table.column(when)) is not None):
            raise InputError(
                f"Publication column {col!r} and prediction time {when!r} must both be "
                "time-zone aware or both naive; localise one of them (.dt.tz_localize('UTC'))."
            )


def check_peek_a_boo(train: Side, test: Side, spec: Spec) -> Outcome:
    """DL207: values used in rows whose prediction time precedes their publication."""
    if not spec.available_at:
        return "skipped: no available_at= given", []
    findings = []
    for column, rule in spec.available_at.items():
        late = {s.name: _late_rows(s, column, rule, spec) for s in (train, test)}
        if not any(v.n for v in late.values()):
            continue
        findings.append(_peek_finding(column, rule, late, spec, train.n, test.n))
    return ("failed" if findings else "passed"), findings


def _peek_finding(
    column: str,
    rule: pd.Timedelta | str,
    late: dict[str, _Late],
    spec: Spec,
    n_train: int,
    n_test: int,
) -> Finding:
    tr, te = late["train"], late["test"]
    worst = timespan(pd.Timedelta(max(tr.worst_ns, te.worst_ns)))
    how = (
        f"published at the time in column {rule!r}"
        if isinstance(rule, str)
        else f"published {timespan(rule)} after {spec.time!r}"
    )
    when = spec.prediction_time or spec.time
    msg = (
        f"{column!r} ({how}) is not yet published at the prediction time {when!r} in "
        f"{tr.n:,} of {n_train:,} train rows ({pct(tr.n, n_train)}) and {te.n:,} of "
        f"{n_test:,} test rows ({pct(te.n, n_test)}); values are used up to {worst} before "
        "publication."
    )
    sides = [n for n, v in late.items() if v.n]
    evidence = {
        "column": column,
        "publication": rule if isinstance(rule, str) else timespan(rule),
        "prediction_time": when,
        "worst_gap": worst,
        "example_ids": spec.id_kind,
        **{
            name: {
                "n_rows": v.n,
                "n_rows_with_value": v.n_used,
                "n_unknown_publication": v.n_unknown,
                "worst_gap": timespan(pd.Timedelta(v.worst_ns)),
                "examples": v.examples,
            }
            for name, v in late.items()
        },
    }
    loc = Location(dataset="+".join(sides), field=column)
    return Finding.of("DL207", msg, location=loc, evidence=evidence)
