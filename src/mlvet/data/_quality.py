"""Data-quality assertions: Pandera schemas, inferred, stored in the ledger, enforced.

``infer_schema`` writes a schema a person can read and edit: each column's type, whether it
may be null, a lower bound of zero for columns that never go negative, the allowed set of
a low-cardinality text column, and uniqueness for the keys you name. It does *not* pin the
reference's min and max (every later batch would fail on a new maximum).

``validate`` collects every failure (Pandera's lazy mode), then groups them by reason into
DC findings with counts and examples, instead of stopping at the first. Types are compared
engine-neutrally (``int``, ``float``, ``string``, ``timestamp``...), so the same data read by
pandas, polars or DuckDB passes the same schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlvet._findings import Finding, Location
from mlvet.data._frames import Frame, as_frame, canonical_type
from mlvet.exceptions import InputError

if TYPE_CHECKING:  # pandera (and, through it, PySpark) loads at first use, not at import
    from mlvet.data._pandera import pdv

__all__ = ["infer_schema", "schema_from_json", "schema_to_json", "validate"]

_TAG_TO_DTYPE = {
    "int": "int64",
    "uint": "uint64",
    "float": "float64",
    "bool": "bool",
    "string": "str",
    "timestamp": "datetime64[ns]",
    "date": "date",
    "duration": "timedelta64[ns]",
    "decimal": "decimal",
}
EXAMPLES = 5


def _tag_of(dtype: Any) -> str | None:
    """The canonical type a Pandera column dtype stands for (None: any type).

    >>> _tag_of("int32"), _tag_of("datetime64[ns, UTC]"), _tag_of(None)
    ('int', 'timestamp[UTC]', None)
    """
    if dtype is None:
        return None
    text = str(dtype)
    low = text.lower()
    if ("datetime" in low or "timestamp" in low) and ", " in text:
        return f"timestamp[{text.split(', ', 1)[1].rstrip(']')}]"
    for needle, tag in (
        ("uint", "uint"),
        ("int", "int"),
        ("float", "float"),
        ("double", "float"),
        ("bool", "bool"),
        ("timedelta", "duration"),
        ("datetime", "timestamp"),
        ("timestamp", "timestamp"),
        ("date", "date"),
        ("str", "string"),
        ("object", "string"),
        ("category", "string"),
        ("decimal", "decimal"),
    ):
        if needle in low:
            return tag
    return None


def _validation_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow-backed pandas columns with one physical type per canonical type."""
    cols = {}
    for name in table.column_names:
        arr = table.column(name)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        tag = canonical_type(arr.type, name)
        target = {
            "int": pa.int64(),
            "uint": pa.uint64(),
            "float": pa.float64(),
            "string": pa.large_string(),
        }.get(tag)
        if target is not None and arr.type != target:
            arr = arr.cast(target)
        if tag == "float" and arr.null_count < len(arr):  # NaN is missing, as in pandas
            arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), arr)
        cols[name] = arr
    frame: pd.DataFrame = pa.table(cols).to_pandas(types_mapper=pd.ArrowDtype)
    return frame


def infer_schema(
    reference: Any,
    *,
    unique: Sequence[str] | None = None,
    categorical_max: int = 50,
    outlier_factor: float | None = 10.0,
    strict: bool = True,
) -> pdv.DataFrameSchema:
    """Infer an editable Pandera schema from a reference frame.

    ``unique`` names the column(s) whose combination must be unique (a key).
    ``categorical_max`` is the largest number of distinct values for which a text column
    gets an allowed-set check. ``outlier_factor`` sets generous numeric bounds: the
    reference's range widened by that many ranges on each side (``None``: no bounds), so a
    new maximum passes and a value off by orders of magnitude does not. ``strict`` rejects
    columns the schema does not name.

    >>> import pandas as pd
    >>> ref = pd.DataFrame({"tenor": ["2Y", "5Y", "2Y"], "volume": [1.5, 0.0, 2.5]})
    >>> schema = infer_schema(ref)
    >>> sorted(schema.columns)
    ['tenor', 'volume']
    >>> [(c.name, c.statistics) for c in schema.columns["volume"].checks]
    [('greater_than_or_equal_to', {'min_value': 0}), ('less_than_or_equal_to', {'max_value': 27.5})]
    """
    from mlvet.data._pandera import pdv

    if (
        isinstance(categorical_max, bool)
        or not isinstance(categorical_max, int)
        or categorical_max < 0
    ):
        raise InputError(f"categorical_max must be a non-negative int, got {categorical_max!r}.")
    if outlier_factor is not None and (
        isinstance(outlier_factor, bool)
        or not isinstance(outlier_factor, int | float)
        or not 0 <= outlier_factor < float("inf")
    ):
        raise InputError(
            f"outlier_factor must be a finite number >= 0 or None, got {outlier_factor!r}."
        )
    if isinstance(unique, str):
        unique = [unique]
    frame = as_frame(reference, allow_inf=True, what="reference")
    table = frame.arrow
    keys = list(unique or [])
    missing = [k for k in keys if k not in table.column_names]
    if missing:
        raise InputError(
            f"unique names column(s) {missing} that the reference does not have; "
            f"its columns are {table.column_names}."
        )
    columns: dict[str, pdv.Column] = {}
    for name in table.column_names:
        arr = table.column(name)
        tag = canonical_type(arr.type, name)
        checks: list[pdv.Check] = []
        if tag in ("int", "float"):
            lo, hi = (x.as_py() for x in pc.min_max(arr).values())
            if lo is not None and lo == lo and hi == hi:  # x == x: not NaN
                if lo >= 0:
                    checks.append(pdv.Check.ge(0))
                span = float(hi) - float(lo)
                if outlier_factor is not None and span > 0:
                    # generous bounds: a new maximum passes, an absurd value does not (no
                    # bound where it would pass the float range)
                    low, high = lo - outlier_factor * span, hi + outlier_factor * span
                    if lo < 0 and math.isfinite(low):
                        checks.append(pdv.Check.ge(_round(low)))
                    if math.isfinite(high):
                        checks.append(pdv.Check.le(_round(high)))
        elif tag == "string":
            distinct = pc.unique(arr.drop_null())
            values = sorted(v for v in distinct.to_pylist() if v is not None)
            if 0 < len(values) <= categorical_max and len(values) < max(2, table.num_rows // 2):
                checks.append(pdv.Check.isin(values))
        nullable = arr.null_count > 0 or (tag == "float" and bool(pc.any(pc.is_nan(arr)).as_py()))
        dtype = _TAG_TO_DTYPE.get(tag)
        if tag.startswith("timestamp["):
            dtype = f"datetime64[ns, {tag[10:-1]}]"
        columns[name] = pdv.Column(
            dtype,
            checks=checks,
            nullable=nullable,
            unique=len(keys) == 1 and keys[0] == name,
            coerce=False,
        )
    return pdv.DataFrameSchema(
        columns,
        strict=strict,
        unique=keys if len(keys) > 1 else None,
        coerce=False,
    )


def _round(x: float) -> float:
    """A bound rounded outward to 3 significant digits, for a readable schema."""
    if x == 0:
        return 0.0
    digits = 2 - math.floor(math.log10(abs(x)))
    factor = 10.0**digits
    return (math.ceil(x * factor) if x > 0 else math.floor(x * factor)) / factor


def _stat(value: Any) -> Any:
    if isinstance(value, datetime | date | pd.Timestamp):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, list | tuple | set | frozenset):
        return [
            _stat(v)
            for v in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)
        ]
    if hasattr(value, "item"):
        return value.item()
    return value


def _unstat(value: Any) -> Any:
    if isinstance(value, dict) and "__datetime__" in value:
        return pd.Timestamp(value["__datetime__"])
    if isinstance(value, list):
        return [_unstat(v) for v in value]
    return value


def _check_to_json(check: pdv.Check, where: str) -> dict[str, Any]:
    from mlvet.data._pandera import pdv

    name = check.name
    if not name or not hasattr(pdv.Check, name) or check.statistics is None:
        raise InputError(
            f"The check {name or check!r} on {where} cannot be stored in the ledger: only "
            "Pandera's built-in checks (Check.ge, Check.isin, Check.str_matches, ...) can. "
            "Replace custom or lambda checks with built-in ones."
        )
    return {"name": name, "statistics": {k: _stat(v) for k, v in check.statistics.items()}}


def schema_to_json(schema: pdv.DataFrameSchema) -> str:
    """Serialise a schema of built-in checks to canonical JSON (for the ledger)."""
    from mlvet.data._pandera import pdv

    if not isinstance(schema, pdv.DataFrameSchema):
        raise InputError(
            f"schema must be a pandera DataFrameSchema (see mlvet.infer_schema), got "
            f"{type(schema).__name__}."
        )
    cols = {}
    for name, col in schema.columns.items():
        cols[str(name)] = {
            "dtype": None if col.dtype is None else str(col.dtype),
            "type": _tag_of(col.dtype),
            "nullable": bool(col.nullable),
            "unique": bool(col.unique),
            "required": bool(col.required),
            "checks": [_check_to_json(c, f"column {name!r}") for c in col.checks],
        }
    unique = schema.unique
    body = {
        "format": "mlvet-pandera-v1",
        "columns": cols,
        "checks": [_check_to_json(c, "the frame") for c in schema.checks],
        "strict": bool(schema.strict),
        "unique": list(unique) if isinstance(unique, list | tuple) else unique,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def schema_from_json(text: str) -> pdv.DataFrameSchema:
    """Rebuild a schema written by :func:`schema_to_json`."""
    from mlvet.data._pandera import pdv

    try:
        body = json.loads(text)
    except ValueError as exc:
        raise InputError(f"A stored schema is not valid JSON: {exc}") from exc
    if body.get("format") != "mlvet-pandera-v1":
        raise InputError("A stored schema has an unknown format; it was not written by mlvet.")

    def checks(items: Iterable[dict[str, Any]]) -> list[pdv.Check]:
        out = []
        for item in items:
            stats = {k: _unstat(v) for k, v in item["statistics"].items()}
            out.append(getattr(pdv.Check, item["name"])(**stats))
        return out

    columns = {
        name: pdv.Column(
            spec["dtype"],
            checks=checks(spec["checks"]),
            nullable=spec["nullable"],
            unique=spec["unique"],
            required=spec["required"],
            coerce=False,
        )
        for name, spec in body["columns"].items()
    }
    return pdv.DataFrameSchema(
        columns,
        checks=checks(body["checks"]),
        strict=body["strict"],
        unique=body["unique"],
        coerce=False,
    )


def _code_for(check: str) -> str:
    if check in ("column_in_dataframe", "column_in_schema"):
        return "DC101"
    if check.startswith("dtype("):
        return "DC102"
    if check == "not_nullable":
        return "DC103"
    if "uniqueness" in check or check == "unique":
        return "DC105"
    return "DC104"


def _describe(code: str, column: str | None, check: str, n: int) -> str:
    rows = f"{n} row{'s' if n != 1 else ''}"
    if code == "DC101":
        return (
            f"required column {column!r} is missing"
            if check == "column_in_dataframe"
            else f"column {column!r} is not in the schema"
        )
    if code == "DC103":
        return f"column {column!r} has {rows} with null values"
    if code == "DC105":
        what = f"key ({column})" if column and "," in column else f"column {column!r}"
        return f"{what} has {rows} with duplicate values"
    where = f"column {column!r}" if column else "the frame"
    return f"{where}: {rows} fail {check}"


def validate(
    frame: Frame | Any, schema: pdv.DataFrameSchema, *, dataset: str | None = None
) -> list[Finding]:
    """Every failure of ``frame`` against ``schema``, grouped by reason into DC findings."""
    from mlvet.data._pandera import SchemaErrors, pdv

    if not isinstance(schema, pdv.DataFrameSchema):
        raise InputError(f"schema must be a pandera DataFrameSchema, got {type(schema).__name__}.")
    if not isinstance(frame, Frame):
        frame = as_frame(frame, allow_inf=True)
    table = frame.arrow
    findings: list[Finding] = []
    present = set(table.column_names)
    for name, col in schema.columns.items():
        want = _tag_of(col.dtype)
        if name in present and want is not None:
            got = canonical_type(table.schema.field(name).type, name)
            if got != want and not (want == "int" and got == "uint"):
                findings.append(
                    Finding.of(
                        "DC102",
                        f"column {name!r} is {got}, the schema says {want}",
                        location=Location(dataset=dataset, field=str(name)),
                        evidence={"expected": want, "actual": got},
                    )
                )
    values_only = schema.update_columns(
        {name: {"dtype": None, "coerce": False} for name in schema.columns}
    )
    values_only.coerce = False
    try:
        values_only.validate(_validation_frame(table), lazy=True)
    except SchemaErrors as exc:
        findings.extend(_group(exc.failure_cases, dataset))
    return findings


def _group(cases: pd.DataFrame, dataset: str | None) -> list[Finding]:
    out: list[Finding] = []
    cases = cases.copy()
    cases["column"] = cases["column"].astype(object).where(cases["column"].notna(), None)
    cases["check"] = cases["check"].astype(str)
    keys = cases[["column", "check"]].drop_duplicates()
    done: set[tuple[str | None, str]] = set()
    for column, check in keys.itertuples(index=False):
        mask = (cases["check"] == check) & (
            cases["column"].isna() if column is None else cases["column"] == column
        )
        group = cases[mask]
        if check in ("column_in_dataframe", "column_in_schema"):
            column = str(group["failure_case"].iloc[0])
            for missing in group["failure_case"].astype(str).unique():
                code = _code_for(check)
                out.append(
                    Finding.of(
                        code,
                        _describe(code, missing, check, 1),
                        location=Location(dataset=dataset, field=missing),
                        evidence={"check": check},
                    )
                )
            continue
        code = _code_for(check)
        if check == "multiple_fields_uniqueness":
            if any(k[1] == check for k in done):
                continue
            done.add((None, check))
            group = cases[cases["check"] == check]
            column = ",".join(sorted({str(c) for c in group["column"].dropna()}))
        rows = [int(i) for i in group["index"].dropna().unique()]
        examples = [_stat(v) for v in group["failure_case"].head(EXAMPLES).tolist()]
        out.append(
            Finding.of(
                code,
                _describe(code, column, check, len(rows) or len(group)),
                location=Location(dataset=dataset, field=column),
                evidence={
                    "check": check,
                    "failures": len(group),
                    "rows": rows[:EXAMPLES],
                    "examples": examples,
                },
            )
        )
    return out
