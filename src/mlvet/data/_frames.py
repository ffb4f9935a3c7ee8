"""Bringing a caller's frame in: pandas, polars, pyarrow or DuckDB, validated once.

narwhals is the seam between engines. Frames are checked here and every problem is named
with its column and the fix, before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pyarrow as pa

from mlvet.exceptions import InputError

__all__ = ["Frame", "as_frame", "canonical_type", "frame_columns"]

SUPPORTED = "pandas, polars or pyarrow frames and DuckDB relations"


@dataclass(frozen=True)
class Frame:
    """A validated frame: the narwhals view (for profiling) and an Arrow table (for hashing)."""

    nw: nw.DataFrame[Any]
    arrow: pa.Table
    native_kind: str

    @property
    def n_rows(self) -> int:
        return int(self.arrow.num_rows)

    @property
    def columns(self) -> list[str]:
        return list(self.arrow.column_names)


def index_columns(frame: Any) -> list[Any]:
    """The columns a pandas frame's index becomes; none for plain row labels.

    A meaningful index (dates, names, a named key) is data and is kept as columns; an
    unnamed integer index is only row labels left by filtering or shuffling.
    """
    import pandas as pd

    index = frame.index
    unnamed = all(n is None for n in index.names)
    if unnamed and pd.api.types.is_integer_dtype(index.dtype) and index.nlevels == 1:
        return []
    return [n if n is not None else f"index_{i}" for i, n in enumerate(index.names)]


def _pandas_prepare(frame: Any) -> Any:
    import pandas as pd

    if isinstance(frame, pd.Series):
        raise InputError(
            f"Expected a frame ({SUPPORTED}); got a pandas Series. Wrap it: series.to_frame()."
        )
    cols = frame.columns
    if isinstance(cols, pd.MultiIndex):
        raise InputError(
            "The frame has MultiIndex columns; flatten them first, e.g. "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns]."
        )
    names = [c if isinstance(c, str) else str(c) for c in cols]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(
            f"The frame has duplicate column names {dupes}; rename them so each column is "
            "unique (e.g. df.columns = [...])."
        )
    out = frame
    if names != list(cols):
        out = frame.copy(deep=False)
        out.columns = names
    index = out.index
    level_names = index_columns(out)
    if level_names:
        clash = sorted(set(level_names) & set(names))
        if clash:
            raise InputError(
                f"The frame's index level(s) {clash} have the same name as columns; rename the "
                "index or drop it with df.reset_index(drop=True)."
            )
        out = out.copy(deep=False)
        out.index = out.index.set_names(level_names)
        out = out.reset_index()
    elif not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1:
        out = out.reset_index(drop=True)
    return out


def _to_arrow(frame: Any) -> tuple[nw.DataFrame[Any], pa.Table, str]:
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    module = type(frame).__module__.split(".")[0]
    if module == "pandas":
        frame = _pandas_prepare(frame)
    try:
        native = nw.from_native(frame)
    except TypeError as exc:
        raise InputError(
            f"Expected {SUPPORTED}; got {type(frame).__module__}.{type(frame).__name__}."
        ) from exc
    if isinstance(native, nw.LazyFrame):
        native = native.collect()
    if not isinstance(native, nw.DataFrame):
        raise InputError(
            f"Expected a frame ({SUPPORTED}); got a series-like "
            f"{type(frame).__name__}. Wrap it: series.to_frame()."
        )
    try:
        table = native.to_arrow()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputError(
            f"The frame cannot be read as typed columns: {exc}. A column probably mixes "
            "types (e.g. numbers and strings in one object column); cast it to one type."
        ) from exc
    return native, table, module


def as_frame(frame: Any, *, allow_inf: bool = False, what: str = "frame") -> Frame:
    """Validate a caller's frame and return it as :class:`Frame`.

    Raises :class:`~mlvet.exceptions.InputError` for an empty frame, duplicate or empty
    column names, unsupported (nested) types, and infinite values (unless ``allow_inf``).
    """
    if frame is None:
        raise InputError(f"The {what} is None; pass {SUPPORTED}.")
    native, table, module = _to_arrow(frame)
    names = table.column_names
    if not names:
        raise InputError(f"The {what} has no columns; register data with at least one column.")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"The {what} has duplicate column names {dupes}; rename them.")
    if any(not n.strip() for n in names):
        raise InputError(f"The {what} has a column with an empty name; give every column a name.")
    if table.num_rows == 0:
        raise InputError(
            f"The {what} is empty (0 rows, columns {names[:5]}{'…' if len(names) > 5 else ''}); "
            "there is nothing to record. Check the filter or query that produced it."
        )
    for name in names:
        column = table.column(name)
        canonical_type(column.type, name)
        if not allow_inf and pa.types.is_floating(column.type):
            n_inf = _count_inf(column)
            if n_inf:
                raise InputError(
                    f"Column {name!r} of the {what} has {n_inf} infinite value(s); they usually "
                    "come from a division by zero. Replace them (e.g. with NaN) where the column "
                    "is computed, or pass allow_inf=True to record them as they are."
                )
    return Frame(nw=native, arrow=table, native_kind=module)


def _count_inf(column: pa.ChunkedArray) -> int:
    """Infinite values in a float column (numpy on the Arrow buffers: no copy without nulls)."""
    return sum(int(np.isinf(c.to_numpy(zero_copy_only=False)).sum()) for c in column.chunks)


def canonical_type(dtype: pa.DataType, name: str = "?") -> str:
    """The engine-neutral type tag used in fingerprints and schemas.

    >>> canonical_type(pa.int32()), canonical_type(pa.large_string())
    ('int', 'string')
    """
    t = pa.types
    if t.is_dictionary(dtype):
        return canonical_type(dtype.value_type, name)
    if t.is_boolean(dtype):
        return "bool"
    if t.is_signed_integer(dtype):
        return "int"
    if t.is_unsigned_integer(dtype):
        return "uint"
    if t.is_floating(dtype):
        return "float"
    if t.is_string(dtype) or t.is_large_string(dtype) or t.is_string_view(dtype):
        return "string"
    if t.is_binary(dtype) or t.is_large_binary(dtype) or t.is_fixed_size_binary(dtype):
        return "binary"
    if t.is_timestamp(dtype):
        return f"timestamp[{dtype.tz}]" if dtype.tz else "timestamp"
    if t.is_date(dtype):
        return "date"
    if t.is_time(dtype):
        return "time"
    if t.is_duration(dtype):
        return "duration"
    if t.is_decimal(dtype):
        return "decimal"
    if t.is_null(dtype):
        return "null"
    raise InputError(
        f"Column {name!r} has type {dtype}, which mlvet cannot fingerprint or profile; "
        "flatten nested columns (lists, structs, maps) into scalar columns or serialise "
        "them to strings (e.g. JSON) first."
    )


def frame_columns(table: pa.Table) -> list[dict[str, Any]]:
    """The recorded column list: name, canonical type and the engine's own type."""
    return [
        {"name": f.name, "type": canonical_type(f.type, f.name), "arrow_type": str(f.type)}
        for f in table.schema
    ]
