"""Bringing train and test in for :func:`~mlvet.leakage.check_split`: validated once.

Every problem is an :class:`~mlvet.exceptions.InputError` that names the frame, the
column and the fix, raised before any check runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v1 as nw
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlvet.data import as_frame, canonical_type
from mlvet.data._frames import index_columns
from mlvet.exceptions import InputError

__all__ = ["Side", "Spec", "load_sides", "make_spec", "time_ns"]

NUMERIC = ("int", "uint", "float")
TIME_TAGS = ("timestamp", "date")
_MIXED = ("mixed", "mixed-integer")
MAX_SPAN = pd.Timedelta(days=36_525)  # 100 years: horizons and lags beyond are typos


@dataclass(frozen=True)
class Side:
    """One side of the split: its validated Arrow table and how to name its rows."""

    name: str
    table: pa.Table
    id_column: str | None

    @property
    def n(self) -> int:
        return int(self.table.num_rows)

    def ids(self, positions: np.ndarray | Sequence[int]) -> list[Any]:
        """Row ids for evidence: the id column's values, else 0-based row positions."""
        pos = np.asarray(positions, dtype=np.int64)
        if self.id_column is None:
            return [int(p) for p in pos]
        values: list[Any] = self.table.column(self.id_column).take(pa.array(pos)).to_pylist()
        return values


@dataclass(frozen=True)
class Spec:
    """The validated keyword arguments of one check_split call."""

    target: str | None
    time: str | None
    group: tuple[str, ...]
    id: str | None
    horizon: pd.Timedelta
    available_at: Mapping[str, pd.Timedelta | str]
    prediction_time: str | None
    near_digits: int

    @property
    def id_kind(self) -> str:
        return f"values of id column {self.id!r}" if self.id else "0-based row positions"

    def metadata_columns(self) -> set[str]:
        """Columns that describe rows rather than feed a model: never proxy candidates."""
        cols = {c for c in (self.target, self.time, self.id, self.prediction_time) if c}
        cols.update(self.group)
        cols.update(v for v in self.available_at.values() if isinstance(v, str))
        return cols


# --- frames ----------------------------------------------------------------------------


def _mixed_columns(frame: Any) -> list[str]:
    """pandas object columns holding values of several types (e.g. ints and strings)."""
    if not isinstance(frame, pd.DataFrame):
        return []
    out = []
    for name, dtype in frame.dtypes.items():
        if (
            pd.api.types.is_object_dtype(dtype)
            and pd.api.types.infer_dtype(frame[name], skipna=True) in _MIXED
        ):
            out.append(str(name))
    return out


@dataclass(frozen=True)
class _Index:
    """What a pandas frame's index became: its columns, and whether it is a unique key."""

    columns: tuple[str, ...] = ()
    unique_key: bool = False


def _pandas_index(frame: Any) -> _Index:
    if type(frame).__module__.split(".")[0] != "pandas" or not isinstance(frame, pd.DataFrame):
        return _Index()
    columns = tuple(str(c) for c in index_columns(frame))
    named = frame.index.nlevels == 1 and frame.index.name is not None
    return _Index(columns, bool(columns) and named and bool(frame.index.is_unique))


def _load(frame: Any, what: str) -> pa.Table:
    shape = getattr(frame, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2 and shape[0] == 0:
        raise InputError(
            f"The {what} frame is empty (0 rows); check_split needs rows on both sides. "
            "Check the filter or split that produced it."
        )
    try:
        table = as_frame(frame, allow_inf=True, what=f"{what} frame").arrow
    except InputError as exc:
        mixed = _mixed_columns(frame)
        if mixed:
            raise InputError(
                f"Column(s) {mixed} of the {what} frame mix value types (e.g. numbers and "
                f"strings in one object column); cast each to one type, e.g. "
                f"df[{mixed[0]!r}] = df[{mixed[0]!r}].astype(str)."
            ) from exc
        raise InputError(f"check_split cannot use the {what} frame: {exc}") from exc
    return table


def _decoded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Plain values for a dictionary (pandas category, polars Categorical) column."""
    if pa.types.is_dictionary(col.type):
        return col.cast(col.type.value_type)
    return col


def _unify_column(name: str, a: pa.ChunkedArray, b: pa.ChunkedArray) -> tuple[Any, Any]:
    """One plain type per column on both sides, so equal values hash equally.

    Dictionaries are decoded (Arrow has no distinct-count kernel for them), and integers
    beside floats become floats, rounding beyond 2**53 rather than failing.
    """
    a, b = _decoded(a), _decoded(b)
    ta, tb = canonical_type(a.type, name), canonical_type(b.type, name)
    if a.type == b.type:
        return a, b
    if ta == tb and not ta.startswith("timestamp"):
        return _common_type(a), _common_type(b)
    if ta == "null":
        b = _common_type(b)
        return a.cast(b.type), b
    if tb == "null":
        a = _common_type(a)
        return a, b.cast(a.type)
    if ta in NUMERIC and tb in NUMERIC:
        return a.cast(pa.float64(), safe=False), b.cast(pa.float64(), safe=False)
    if ta.startswith("timestamp") and tb.startswith("timestamp"):
        return _unify_time_zones(name, a, b)
    raise InputError(
        f"Column {name!r} has type {a.type} in train but {b.type} in test; cast it to one "
        f"type on both sides (e.g. df[{name!r}] = df[{name!r}].astype(...)) before the check."
    )


_WIDEST = {
    "int": pa.int64(),
    "uint": pa.uint64(),
    "float": pa.float64(),
    "string": pa.large_string(),
    "binary": pa.large_binary(),
    "date": pa.date32(),
    "time": pa.time64("ns"),
    "duration": pa.duration("ns"),
}


def _common_type(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Plain values of the widest type of their kind (categories decoded), so sides concatenate."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    wide = _WIDEST.get(canonical_type(col.type))
    return col.cast(wide) if wide is not None and col.type != wide else col


def _unify_time_zones(name: str, a: pa.ChunkedArray, b: pa.ChunkedArray) -> tuple[Any, Any]:
    """Aware timestamps in different zones compare as UTC instants; aware vs naive is an error."""
    a, b = _common_type(a), _common_type(b)
    if a.type == b.type:
        return a, b
    if (a.type.tz is None) != (b.type.tz is None):
        raise InputError(
            f"Column {name!r} is time-zone aware on one side ({a.type} in train, {b.type} in "
            f"test) and naive on the other; make both aware (df[{name!r}].dt.tz_localize('UTC')) "
            "or both naive."
        )
    utc = pa.timestamp("ns", "UTC" if a.type.tz else None)
    try:
        return a.cast(utc), b.cast(utc)
    except pa.ArrowInvalid as exc:
        raise InputError(f"Column {name!r} cannot be compared across time zones: {exc}") from exc


def _same_columns(train: pa.Table, test: pa.Table) -> None:
    missing = [c for c in train.column_names if c not in set(test.column_names)]
    extra = [c for c in test.column_names if c not in set(train.column_names)]
    if missing or extra:
        raise InputError(
            "train and test must have the same columns; "
            f"missing from test: {missing}, only in test: {extra}. "
            "Select the same columns on both sides (test = test[train.columns])."
        )


def _index_id(
    train: Any, test: Any, id_column: str | None, used: set[str]
) -> tuple[str | None, list[str]]:
    """The row id: ``id=``, else a unique named pandas index on both sides; and a note."""
    ia, ib = _pandas_index(train), _pandas_index(test)
    columns = list(dict.fromkeys(ia.columns + ib.columns))
    if not columns or set(columns) & used:
        return id_column, []
    if id_column is None and ia.columns == ib.columns and ia.unique_key and ib.unique_key:
        name = ia.columns[0]
        return name, [
            f"the pandas index {name!r} is a unique key on both sides: it names the rows "
            f"(as id={name!r}) and is not compared"
        ]
    compared = [c for c in columns if c != id_column]
    if not compared:
        return id_column, []
    listed = ", ".join(map(repr, compared))
    return id_column, [
        f"the pandas index ({listed}) was compared as data, like a column; pass id= if it "
        "names the rows, or reset_index(drop=True) if it means nothing"
    ]


def load_sides(
    train: Any, test: Any, id_column: str | None, used: set[str] | None = None
) -> tuple[Side, Side, list[str]]:
    """Validate both frames and give every shared column one type on both sides.

    Returns the sides and notes. Without ``id_column`` a pandas index that is named and
    unique on both sides (and not among the ``used`` argument columns) names the rows.
    """
    a, b = _load(train, "train"), _load(test, "test")
    id_column, notes = _index_id(train, test, id_column, used or set())
    _same_columns(a, b)
    names = a.column_names
    b = b.select(names)
    cols_a, cols_b = [], []
    for name in names:
        ca, cb = _unify_column(name, a.column(name), b.column(name))
        cols_a.append(ca)
        cols_b.append(cb)
    a = pa.table(cols_a, names=names)
    b = pa.table(cols_b, names=names)
    return Side("train", a, id_column), Side("test", b, id_column), notes


def load_source_target(source: Any, target: str, train: Side) -> pa.ChunkedArray:
    """The target column of the pre-split frame, of the same type as train's target."""
    column = _select_source_target(source, target)
    return _unify_labels(target, _decoded(column), train.table.column(target))


def _unify_labels(target: str, src: pa.ChunkedArray, ref: pa.ChunkedArray) -> pa.ChunkedArray:
    """Source labels as the type of train's labels: numbers beside numbers, else an error."""
    if src.type == ref.type:
        return src
    ts, tr = canonical_type(src.type, target), canonical_type(ref.type, target)
    if ts == tr or (ts in NUMERIC and tr in NUMERIC) or ts == "null":
        try:
            return src.cast(ref.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if ts in NUMERIC and tr in NUMERIC:
                return src.cast(pa.float64(), safe=False)
    raise InputError(
        f"The target column {target!r} is {src.type} in the source frame but {ref.type} in "
        f"train and test, so their classes cannot be compared; cast it to one type, e.g. "
        f"source[{target!r}] = source[{target!r}].astype(train[{target!r}].dtype)."
    )


def _select_source_target(source: Any, target: str) -> pa.ChunkedArray:
    """The target column of the pre-split frame, selected in the caller's engine."""
    try:
        native = nw.from_native(source)
    except TypeError as exc:
        raise InputError(
            "source= must be a pandas, polars or pyarrow frame (the data before the split); "
            f"got {type(source).__module__}.{type(source).__name__}."
        ) from exc
    if not isinstance(native, nw.DataFrame | nw.LazyFrame):
        raise InputError(
            f"source= must be a frame, got a {type(source).__name__}; use .to_frame()."
        )
    if target not in native.columns:
        raise InputError(
            f"The source frame has no target column {target!r}; pass the frame as it was "
            f"before the split, with its label (columns: {list(native.columns)[:8]})."
        )
    selected = native.select(target)
    if isinstance(selected, nw.LazyFrame):
        selected = selected.collect()
    column: pa.ChunkedArray = selected.to_arrow().column(0)
    if not len(column):
        raise InputError("The source frame is empty (0 rows); pass the data before the split.")
    return column


# --- arguments -------------------------------------------------------------------------


def _column_arg(value: Any, what: str, columns: Sequence[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what}= must be a column name (str), got {type(value).__name__}.")
    if value not in columns:
        raise InputError(
            f"{what}={value!r} is not a column of train and test; "
            f"the columns are {list(columns)[:12]}{'…' if len(columns) > 12 else ''}."
        )
    return value


def _group_arg(value: Any, columns: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise InputError(
            f"group= must be a column name or a non-empty list of names, got {value!r}."
        )
    return tuple(str(_column_arg(n, "group", columns)) for n in names)


def parse_timedelta(value: Any, what: str) -> pd.Timedelta:
    """A ``pd.Timedelta`` from a Timedelta, ``datetime.timedelta``, numpy timedelta or text."""
    if isinstance(value, bool) or not isinstance(
        value, pd.Timedelta | dt.timedelta | np.timedelta64 | str
    ):
        raise InputError(
            f"{what} must be a time span: a pd.Timedelta, datetime.timedelta or text such "
            f"as '1D' or '6h'; got {value!r}."
        )
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"{what}={value!r} is not a time span; use text such as '1D' or '6h'."
        ) from exc
    if pd.isna(delta):
        raise InputError(f"{what} is NaT; give a time span such as '1D'.")
    if abs(delta) > MAX_SPAN:
        raise InputError(
            f"{what}={value!r} is more than 100 years; times beyond that cannot be compared "
            "to the nanosecond. Give the span in its real unit (e.g. '30D', '6h')."
        )
    return delta


def _available_arg(value: Any, columns: Sequence[str]) -> dict[str, pd.Timedelta | str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(
            "available_at= must map feature columns to a publication lag ('1D') or to the "
            f"name of a column of publication times; got {type(value).__name__}."
        )
    out: dict[str, pd.Timedelta | str] = {}
    for col, rule in value.items():
        _column_arg(col, "available_at key", columns)
        if isinstance(rule, str) and rule in columns:
            out[col] = rule
        elif isinstance(rule, str):
            try:
                pd.Timedelta(rule)
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"available_at[{col!r}]={rule!r} is neither a column of train and test "
                    "nor a lag such as '1D'; name the column holding publication times or "
                    "give the reporting lag."
                ) from exc
            out[col] = parse_timedelta(rule, f"available_at[{col!r}]")
        else:
            out[col] = parse_timedelta(rule, f"available_at[{col!r}]")
    return out


def make_spec(columns: Sequence[str], **kw: Any) -> Spec:
    """Check every keyword argument against the columns; see check_split for their meaning."""
    digits = kw["near_digits"]
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
        raise InputError(f"near_digits must be an int from 1 to 15, got {digits!r}.")
    raw_horizon = kw["horizon"]
    horizon = pd.Timedelta(0) if raw_horizon is None else parse_timedelta(raw_horizon, "horizon")
    if horizon < pd.Timedelta(0):
        raise InputError(f"horizon must not be negative, got {horizon}.")
    time = _column_arg(kw["time"], "time", columns)
    available = _available_arg(kw["available_at"], columns)
    prediction_time = _column_arg(kw["prediction_time"], "prediction_time", columns)
    if available and not (prediction_time or time):
        raise InputError(
            "available_at= needs the time each prediction is made: pass prediction_time= "
            "(a column) or time= (used when prediction_time is not given)."
        )
    if kw["horizon"] is not None and time is None:
        raise InputError("horizon= applies to the temporal check; pass time= as well.")
    return Spec(
        target=_column_arg(kw["target"], "target", columns),
        time=time,
        group=_group_arg(kw["group"], columns),
        id=_column_arg(kw["id"], "id", columns),
        horizon=horizon,
        available_at=available,
        prediction_time=prediction_time,
        near_digits=digits,
    )


# --- column checks ---------------------------------------------------------------------


def _null_count(col: pa.ChunkedArray) -> int:
    n = int(col.null_count)
    if pa.types.is_floating(col.type):
        n += int(pc.sum(pc.is_nan(col)).as_py() or 0)
    return n


def check_key_columns(sides: Sequence[Side], spec: Spec) -> None:
    """Target, time, group and id columns must be usable on both sides."""
    roles = [("target", spec.target), ("time", spec.time), ("id", spec.id)]
    roles += [("group", g) for g in spec.group]
    for role, name in roles:
        if name is None:
            continue
        for side in sides:
            col = side.table.column(name)
            if _null_count(col) == side.n:
                raise InputError(
                    f"The {role} column {name!r} is entirely null in {side.name}; "
                    f"pass the column that holds the {role}, or fill it."
                )
    if spec.target:
        _check_target(sides, spec.target)
    if spec.id:
        _check_ids(sides, spec.id)
    for name in {spec.time, spec.prediction_time} - {None}:
        check_time_column(sides, str(name))


def _check_target(sides: Sequence[Side], target: str) -> None:
    for side in sides:
        col = side.table.column(target)
        bad = _null_count(col)
        if pa.types.is_floating(col.type):
            bad += int(pc.sum(pc.is_inf(col)).as_py() or 0)
        if bad:
            raise InputError(
                f"The target column {target!r} has {bad} missing or infinite value(s) in "
                f"{side.name}; drop those rows (df.dropna(subset=[{target!r}])) or fix the "
                "label before the check."
            )


def _check_ids(sides: Sequence[Side], name: str) -> None:
    for side in sides:
        col = side.table.column(name)
        if col.null_count:
            raise InputError(
                f"The id column {name!r} has {col.null_count} null value(s) in {side.name}; "
                "every row needs an id."
            )
        n_distinct = int(pc.count_distinct(col).as_py())
        if n_distinct != side.n:
            raise InputError(
                f"The id column {name!r} has {side.n - n_distinct} duplicated value(s) in "
                f"{side.name}; an id must name one row. Pass a unique row key, or leave id= "
                "unset to use row positions."
            )


def check_time_column(sides: Sequence[Side], name: str) -> None:
    """A datetime or date column, time-zone aware on both sides or naive on both."""
    tags = {s.name: canonical_type(s.table.column(name).type, name) for s in sides}
    for side_name, tag in tags.items():
        if not tag.startswith(TIME_TAGS):
            col_type = sides[0].table.column(name).type
            raise InputError(
                f"Column {name!r} must hold datetimes or dates, but it is {col_type} in "
                f"{side_name}; convert it first: df[{name!r}] = pd.to_datetime(df[{name!r}])."
            )
    aware = {s: "[" in t for s, t in tags.items()}
    if len(set(aware.values())) > 1:
        raise InputError(
            f"Column {name!r} is time-zone aware on one side and naive on the other; make both "
            f"aware (df[{name!r}].dt.tz_localize('UTC')) or both naive."
        )
    for side in sides:
        n_null = side.table.column(name).null_count
        if n_null:
            raise InputError(
                f"The time column {name!r} has {n_null} null value(s) in {side.name}; a row "
                "without a time cannot be placed before or after the split. Drop or fill them."
            )


def time_ns(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Nanoseconds since the epoch (UTC for aware columns) as int64; nulls become INT64 min."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    if pa.types.is_date(col.type):
        col = col.cast(pa.date32()).cast(pa.timestamp("s"))
    try:
        col = col.cast(pa.timestamp("ns", col.type.tz)).cast(pa.int64())
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"Times outside the years 1677-2262 cannot be compared to the nanosecond: {exc}"
        ) from exc
    values: np.ndarray = col.fill_null(np.iinfo(np.int64).min).to_numpy(zero_copy_only=False)
    return values


def time_tz(col: pa.ChunkedArray) -> str | None:
    dtype = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    return dtype.tz if pa.types.is_timestamp(dtype) else None


def format_time(ns: int, tz: str | None, is_date: bool) -> str:
    """An ISO text for evidence and messages."""
    stamp = pd.Timestamp(ns, tz="UTC")
    if tz:
        return stamp.tz_convert(tz).isoformat()
    stamp = stamp.tz_localize(None)
    if is_date:
        return stamp.date().isoformat()
    return stamp.isoformat()
