"""Mergeable column profiles: histograms on the reference's quantile bins, category
counts, null counts.

A reference profile fixes, per numeric column, ``n_bins`` coarse bins (the reference's
deciles by default; PSI and Jensen–Shannon are computed on them) and ``fine_bins`` fine
bins (its percentiles; the KS statistic and the Wasserstein distance are read from them).
A batch is profiled *against* the reference: its values are counted in the reference's
bins, so two batch profiles add up to the profile of both batches (``merge``) without
rereading a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = ["ColumnProfile", "Profile", "profile_against", "profile_reference"]


@dataclass
class ColumnProfile:
    """One column's counts. Numeric: ``coarse`` and ``fine`` counts on the reference's
    cut points (``len(cuts) + 1`` bins each). Categorical: a count per category."""

    name: str
    kind: str  # "numeric" or "categorical"
    n: int = 0
    nulls: int = 0
    coarse_cuts: np.ndarray = field(default_factory=lambda: np.empty(0))
    fine_cuts: np.ndarray = field(default_factory=lambda: np.empty(0))
    coarse: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    fine: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    categories: dict[str, int] = field(default_factory=dict)
    low: float = np.inf
    high: float = -np.inf
    total: float = 0.0
    total_sq: float = 0.0

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """The profile of both batches (profiled against the same reference)."""
        self.check_same_bins(other)
        cats = dict(self.categories)
        for k, v in other.categories.items():
            cats[k] = cats.get(k, 0) + v
        return ColumnProfile(
            self.name,
            self.kind,
            self.n + other.n,
            self.nulls + other.nulls,
            self.coarse_cuts,
            self.fine_cuts,
            self.coarse + other.coarse,
            self.fine + other.fine,
            cats,
            min(self.low, other.low),
            max(self.high, other.high),
            self.total + other.total,
            self.total_sq + other.total_sq,
        )

    def check_same_bins(self, other: ColumnProfile) -> None:
        """Refuse a profile of this column made on other bins (not against one reference)."""
        if (
            (self.name, self.kind) != (other.name, other.kind)
            or not np.array_equal(self.coarse_cuts, other.coarse_cuts)
            or not np.array_equal(self.fine_cuts, other.fine_cuts)
        ):
            raise InputError(
                f"The profiles of {self.name!r} were made on other bins: profile a batch with "
                "profile_against(batch, reference), not with profile_reference."
            )

    @property
    def std(self) -> float:
        m = self.n - self.nulls
        if m < 2:
            return 0.0
        mean = self.total / m
        return float(np.sqrt(max(0.0, (self.total_sq - m * mean * mean) / (m - 1))))


@dataclass
class Profile:
    """Column profiles by name, with the number of rows profiled."""

    columns: dict[str, ColumnProfile]
    n_rows: int

    def merge(self, other: Profile) -> Profile:
        if set(self.columns) != set(other.columns):
            raise InputError("Profiles with different columns cannot be merged.")
        return Profile(
            {k: c.merge(other.columns[k]) for k, c in self.columns.items()},
            self.n_rows + other.n_rows,
        )


def column_values(frame: Any, name: str) -> np.ndarray:
    """One column of an eager frame as a numpy array."""
    import narwhals as nw

    return (
        np.asarray(frame.get_column(name).to_numpy())
        if isinstance(frame, nw.DataFrame)
        else np.asarray(frame[name])
    )


def _as_frame(data: Any, who: str) -> Any:
    """An eager narwhals frame, or a lazy one (DuckDB, PySpark, polars lazy) whose engine
    will compute the profile."""
    import narwhals as nw

    try:
        frame = nw.from_native(data)
    except TypeError as exc:
        raise InputError(
            f"{who}: expected a pandas, polars, pyarrow, DuckDB or PySpark frame; got "
            f"{type(data).__name__}."
        ) from exc
    if isinstance(frame, nw.DataFrame) and len(frame) == 0:
        raise InputError(f"{who}: the frame has no rows.")
    if not isinstance(frame, nw.DataFrame | nw.LazyFrame):
        raise InputError(f"{who}: expected a data frame; got a {type(data).__name__} series.")
    return frame


def _fresh(base: str, taken: Any) -> str:
    """A column name starting with ``base`` that is not in ``taken``."""
    name = base
    while name in taken:
        name += "_"
    return name


def is_time(dtype: Any) -> bool:
    """A date, a datetime or a time of day (a duration is a quantity, not a time)."""
    import narwhals as nw

    return dtype == nw.Date or dtype == nw.Time or isinstance(dtype, nw.Datetime)


def _kinds(frame: Any, names: list[str], *, time: str) -> dict[str, str]:
    """Each column's kind from its type: numbers and booleans are numeric, text and
    categories categorical. A date or time column is refused when named (``time='refuse'``)
    and left out when every column is watched (``'skip'``): each batch's times are new by
    construction. ``'text'`` counts it as text (a reference recorded with one, before
    times were left out)."""
    import narwhals as nw

    schema = frame.collect_schema() if _lazy(frame) else frame.schema
    kinds = {}
    for n in names:
        dtype = schema[n]
        if is_time(dtype) and time != "text":
            if time == "skip":
                continue
            raise InputError(
                f"Column {n!r} holds dates or times: every batch's are new, so their drift "
                "means nothing. Leave it out of features (a Monitor takes it as timestamp=)."
            )
        kinds[n] = "numeric" if dtype.is_numeric() or dtype == nw.Boolean else "categorical"
    return kinds


def _lazy(frame: Any) -> bool:
    import narwhals as nw

    return isinstance(frame, nw.LazyFrame)


def _columns(frame: Any) -> list[str]:
    return [str(c) for c in (frame.collect_schema().names() if _lazy(frame) else frame.columns)]


# --- profiles computed in the caller's engine ------------------------------------------------
def _finite(name: str) -> Any:
    """The column as floats (as the eager path reads it: booleans 0/1, no integer
    overflow in sums of squares), with non-finite values as nulls."""
    import narwhals as nw

    x = nw.col(name).cast(nw.Float64)
    return nw.when(x.is_finite()).then(x)


def _count(expr: Any) -> Any:
    import narwhals as nw

    return expr.cast(nw.Int64).sum()


def _clean(frame: Any, kinds: dict[str, str]) -> Any:
    """The watched columns, with non-finite numbers as nulls (one projection, so that the
    aggregates over it stay simple expressions the engine plans quickly)."""
    import narwhals as nw

    return frame.select(
        *(
            _finite(n).alias(n) if kind == "numeric" else nw.col(n).cast(nw.String)
            for n, kind in kinds.items()
        )
    )


def _lazy_cuts(frame: Any, kinds: dict[str, str], n_bins: int, fine_bins: int) -> dict[str, Any]:
    """The reference's quantile cut points, computed by its engine (linear interpolation,
    as numpy's default)."""
    import narwhals as nw

    probs = sorted(
        {round(float(q), 12) for b in (n_bins, fine_bins) for q in np.linspace(0, 1, b + 1)[1:-1]}
    )
    numeric = [n for n in kinds if kinds[n] == "numeric"]
    if not numeric:
        return {}
    clean = _clean(frame, {n: "numeric" for n in numeric})
    if clean.implementation.is_pyspark() or clean.implementation.is_pyspark_connect():
        # one exact percentile aggregate per column (Spark's percentile interpolates
        # linearly); a separate aggregate per probability takes Spark ten times longer
        from pyspark.sql import functions as F

        arr = F.array(*(F.lit(q) for q in probs))
        got = nw.to_native(clean).agg(*(F.percentile(F.col(n), arr) for n in numeric)).first()
        table = {
            n: dict(zip(probs, got[i] or [None] * len(probs), strict=True))
            for i, n in enumerate(numeric)
        }
    else:
        row = _one_row(
            clean.select(
                *(
                    nw.col(n).quantile(q, interpolation="linear").alias(f"{i}\x1f{j}")
                    for i, n in enumerate(numeric)
                    for j, q in enumerate(probs)
                )
            )
        )
        table = {
            n: {q: row[f"{i}\x1f{j}"] for j, q in enumerate(probs)} for i, n in enumerate(numeric)
        }
    out = {}
    for n, qs in table.items():

        def cuts(bins: int, qs: dict[float, Any] = qs) -> np.ndarray:
            vals = [qs[round(float(q), 12)] for q in np.linspace(0, 1, bins + 1)[1:-1]]
            if any(v is None for v in vals):
                return np.empty(0)  # no finite value
            cut = np.unique(np.asarray(vals, dtype=float))
            return np.asarray(cut[np.isfinite(cut)], dtype=float)  # interpolation can overflow

        out[n] = (cuts(n_bins), cuts(fine_bins))
    return out


def _one_row(lazy: Any) -> dict[str, Any]:
    """The single row of an aggregate, brought to the driver (never the data itself)."""
    table = lazy.collect(backend="pyarrow").to_native()
    return {name: table.column(name)[0].as_py() for name in table.column_names}


def _bin_counts(frame: Any, templates: dict[str, ColumnProfile]) -> dict[str, np.ndarray]:
    """Per numeric column, the count of finite values in each bin of the union of its coarse
    and fine cuts: each value's bin index (how many cuts are at or below it) is one
    projection, and one group-by over (column, bin) counts them all. Engines plan this far
    faster than a hundred sums per column."""
    import narwhals as nw

    unions = {
        n: np.union1d(t.coarse_cuts, t.fine_cuts)
        for n, t in templates.items()
        if t.kind == "numeric"
    }
    if not unions:
        return {}
    exprs = []
    for n, cuts in unions.items():
        x = nw.col(n)
        index = (
            nw.sum_horizontal(*((x >= c).cast(nw.Int64) for c in cuts.tolist()))
            if cuts.size
            else nw.lit(0, nw.Int64)
        )
        exprs.append(nw.when(x.is_null()).then(nw.lit(-1, nw.Int64)).otherwise(index).alias(n))
    vcol = _fresh("__col", unions)
    vbin = _fresh("__bin", unions)
    vk = _fresh("__k", {vcol, vbin})
    table = (
        frame.select(*exprs)
        .unpivot(on=list(unions), variable_name=vcol, value_name=vbin)
        .group_by(vcol, vbin)
        .agg(nw.len().alias(vk))
        .collect(backend="pyarrow")
        .to_native()
    )
    out = {n: np.zeros(cuts.size + 1, dtype=np.int64) for n, cuts in unions.items()}
    for col, b, k in zip(
        table.column(vcol).to_pylist(),
        table.column(vbin).to_pylist(),
        table.column(vk).to_pylist(),
        strict=True,
    ):
        if b is not None and b >= 0:
            out[col][int(b)] += int(k)
    return out


def _lazy_profile(frame: Any, templates: dict[str, ColumnProfile]) -> Profile:
    """Counts on the templates' bins, computed in the frame's engine: one aggregate, one
    group-by over every numeric column's bins, and a group-by per categorical column."""
    import narwhals as nw

    frame = _clean(frame, {n: t.kind for n, t in templates.items()})
    # Spark plans a hundred sums per column slowly, and a group-by over bins fast; DuckDB's
    # unpivot reads relations on its default connection only, and it sums quickly anyway
    spark = frame.implementation.is_pyspark() or frame.implementation.is_pyspark_connect()
    binned = _bin_counts(frame, templates) if spark else {}
    exprs = [nw.len().alias("__n")]
    for i, (name, t) in enumerate(templates.items()):
        x = nw.col(name)
        if t.kind != "numeric":
            exprs.append(_count(x.is_null()).alias(f"{i}\x1fnull"))
            continue
        exprs += [
            x.count().alias(f"{i}\x1ffin"),
            x.min().alias(f"{i}\x1fmin"),
            x.max().alias(f"{i}\x1fmax"),
            x.sum().alias(f"{i}\x1fsum"),
            (x * x).sum().alias(f"{i}\x1fsq"),
        ]
        if name not in binned:
            for j, c in enumerate(np.union1d(t.coarse_cuts, t.fine_cuts).tolist()):
                exprs.append(_count(x < c).alias(f"{i}\x1fc{j}"))
    row = _one_row(frame.select(*exprs))
    n = int(row["__n"])
    if n == 0:
        raise InputError("The frame has no rows.")
    cols = {}
    for i, (name, t) in enumerate(templates.items()):
        if t.kind != "numeric":
            kk = _fresh("__k", {name})
            counts = (
                frame.select(name)
                .group_by(name)
                .agg(nw.len().alias(kk))
                .collect(backend="pyarrow")
                .to_native()
            )
            cats: dict[str, int] = {}
            for key, k in zip(
                counts.column(name).to_pylist(), counts.column(kk).to_pylist(), strict=True
            ):
                if key is not None:
                    cats[str(key)] = int(k)
            cols[name] = ColumnProfile(
                name, "categorical", n, int(row[f"{i}\x1fnull"]), categories=cats
            )
            continue
        fin = int(row[f"{i}\x1ffin"] or 0)
        union = np.union1d(t.coarse_cuts, t.fine_cuts)
        if name in binned:  # values below each cut: the counts of the bins before it
            cum = np.cumsum(binned[name])[:-1].tolist()
        else:
            cum = [int(row[f"{i}\x1fc{j}"] or 0) for j in range(union.size)]
        below = dict(zip(union.tolist(), cum, strict=True))

        def bins(cuts: np.ndarray, below: dict[float, int] = below, fin: int = fin) -> np.ndarray:
            cum = [0, *(below[c] for c in cuts.tolist()), fin]
            return np.diff(np.asarray(cum, dtype=np.int64))

        cols[name] = ColumnProfile(
            name,
            "numeric",
            n,
            n - fin,
            t.coarse_cuts,
            t.fine_cuts,
            bins(t.coarse_cuts),
            bins(t.fine_cuts),
            {},
            float(row[f"{i}\x1fmin"]) if fin else np.inf,
            float(row[f"{i}\x1fmax"]) if fin else -np.inf,
            float(row[f"{i}\x1fsum"] or 0.0),
            float(row[f"{i}\x1fsq"] or 0.0),
        )
    return Profile(cols, n)


def _is_numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "biuf"


def _numeric(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The finite values, sorted (a copy), and how many were not finite. Sorting once
    makes every cut point an index lookup and every bin count a binary search per cut."""
    v = values.astype(float)
    finite = np.isfinite(v)
    kept = v[finite] if not finite.all() else (v.copy() if v is values else v)
    kept.sort()
    return kept, int(v.size - kept.size)


def _counts(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Counts per bin of sorted ``values``: bin i holds cuts[i-1] <= x < cuts[i]."""
    return np.diff(np.searchsorted(values, cuts, side="left"), prepend=0, append=values.size)


def _cuts(values: np.ndarray, bins: int) -> np.ndarray:
    """Interior cut points at the reference's quantiles (linear interpolation, as numpy's
    default, to the last bit or so; ties merged), read off the sorted values."""
    if values.size == 0:
        return np.empty(0)
    pos = np.linspace(0, 1, bins + 1)[1:-1] * (values.size - 1)
    lo = pos.astype(np.int64)
    hi = np.minimum(lo + 1, values.size - 1)
    frac = pos - lo
    # lo + frac * (hi - lo) overflows when the values span more than the float range
    with np.errstate(over="ignore", invalid="ignore"):
        cuts = values[lo] + frac * (values[hi] - values[lo])
    cuts = np.where(np.isfinite(cuts), cuts, values[lo] * (1 - frac) + values[hi] * frac)
    return np.unique(cuts)


def profile_reference(
    data: Any, *, features: list[str] | None = None, n_bins: int = 10, fine_bins: int = 100
) -> Profile:
    """The reference profile: bins at the reference's quantiles, and their counts."""

    frame = _as_frame(data, "reference")
    columns = _columns(frame)
    names = columns if features is None else list(features)
    missing = [c for c in names if c not in columns]
    if missing:
        raise InputError(f"Columns {missing} are not in the reference; it has {columns}.")
    if features is None:
        raw = frame.collect_schema().names() if _lazy(frame) else list(frame.columns)
        odd = [n for n in raw if not isinstance(n, str)]
        if odd:
            raise InputError(
                f"reference: column names must be text; got {odd[:3]} (name them, e.g. "
                "frame.columns = [f'x{i}' for i in range(frame.shape[1])], or pass features=)."
            )
    kinds = _kinds(frame, names, time="skip" if features is None else "refuse")
    names = list(kinds)
    if not names:
        raise InputError("The reference has no column to watch (only dates or times).")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 2:
        raise InputError(f"n_bins must be an int >= 2; got {n_bins!r}.")
    if isinstance(fine_bins, bool) or not isinstance(fine_bins, int) or fine_bins < n_bins:
        raise InputError(f"fine_bins must be an int >= n_bins; got {fine_bins!r}.")
    if _lazy(frame):
        cuts = _lazy_cuts(frame, kinds, n_bins, fine_bins)
        templates = {
            n: ColumnProfile(n, "numeric", coarse_cuts=cuts[n][0], fine_cuts=cuts[n][1])
            if kinds[n] == "numeric"
            else ColumnProfile(n, "categorical")
            for n in names
        }
        return _lazy_profile(frame, templates)
    cols = {}
    for name in names:
        if kinds[name] == "categorical":
            cols[name] = _profile_from(frame, name, ColumnProfile(name, "categorical"))
            continue
        values = column_values(frame, name)
        finite, nulls = _numeric(values)
        template = ColumnProfile(
            name, "numeric", coarse_cuts=_cuts(finite, n_bins), fine_cuts=_cuts(finite, fine_bins)
        )
        cols[name] = _numeric_profile(finite, nulls, len(values), template)
    return Profile(cols, len(frame))


def _profile_from(frame: Any, name: str, template: ColumnProfile) -> ColumnProfile:
    """One column of an eager frame profiled on the template's bins. Text columns are
    counted by their own library (no Python string per row)."""
    import narwhals as nw

    if template.kind == "categorical" and isinstance(frame, nw.DataFrame):
        series = frame.get_column(name)
        if series.dtype in (nw.String, nw.Categorical, nw.Enum):
            k = _fresh("__k", {name})
            counts = series.drop_nulls().cast(nw.String).value_counts(sort=False, name=k)
            keys, ks = counts.get_column(name).to_list(), counts.get_column(k).to_list()
            return ColumnProfile(
                name,
                "categorical",
                len(series),
                int(series.null_count()),
                categories={str(k): int(v) for k, v in zip(keys, ks, strict=True)},
            )
    return _profile_column(column_values(frame, name), template)


def _profile_column(values: np.ndarray, template: ColumnProfile) -> ColumnProfile:
    if template.kind == "numeric":
        if not _is_numeric(values):
            raise InputError(
                f"Column {template.name!r} is numeric in the reference but holds {values.dtype} "
                "values here (a schema change); fix the producer or rebuild the reference."
            )
        finite, nulls = _numeric(values)
        return _numeric_profile(finite, nulls, len(values), template)
    import pandas as pd

    series = pd.Series(values, dtype=object)
    nulls = int(series.isna().sum())
    counts = series.dropna().astype(str).value_counts()
    return ColumnProfile(
        template.name,
        "categorical",
        len(values),
        nulls,
        categories={str(k): int(v) for k, v in counts.items()},
    )


def _numeric_profile(
    finite: np.ndarray, nulls: int, n: int, template: ColumnProfile
) -> ColumnProfile:
    """A numeric column's profile from its sorted finite values."""
    return ColumnProfile(
        template.name,
        "numeric",
        n,
        nulls,
        template.coarse_cuts,
        template.fine_cuts,
        _counts(finite, template.coarse_cuts),
        _counts(finite, template.fine_cuts),
        {},
        float(finite[0]) if finite.size else np.inf,
        float(finite[-1]) if finite.size else -np.inf,
        *_sums(finite),
    )


def profile_against(data: Any, reference: Profile) -> Profile:
    """A batch's profile on the reference's bins (mergeable with other batches')."""
    frame = _as_frame(data, "current")
    columns = _columns(frame)
    missing = [c for c in reference.columns if c not in columns]
    if missing:
        raise InputError(
            f"Columns {missing} of the reference are missing from this batch (a schema change); "
            f"it has {columns}."
        )
    kinds = _kinds(frame, list(reference.columns), time="text")
    if _lazy(frame):
        changed = [
            n for n, t in reference.columns.items() if t.kind == "numeric" and kinds[n] != "numeric"
        ]
        if changed:
            raise InputError(
                f"Column(s) {changed} are numeric in the reference but not here (a schema "
                "change); fix the producer or rebuild the reference."
            )
        return _lazy_profile(frame, reference.columns)
    return Profile(
        {name: _profile_from(frame, name, ref) for name, ref in reference.columns.items()},
        len(frame),
    )


# --- storage ---------------------------------------------------------------------------------
def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """A profile as JSON values (the ledger stores it)."""
    cols = {}
    for name, c in profile.columns.items():
        cols[name] = {
            "kind": c.kind,
            "n": c.n,
            "nulls": c.nulls,
            "coarse_cuts": c.coarse_cuts.tolist(),
            "fine_cuts": c.fine_cuts.tolist(),
            "coarse": c.coarse.tolist(),
            "fine": c.fine.tolist(),
            "categories": c.categories,
            "low": c.low if np.isfinite(c.low) else None,
            "high": c.high if np.isfinite(c.high) else None,
            "total": c.total,
            "total_sq": c.total_sq,
        }
    # canonical JSON sorts keys: the column order is kept beside them
    return {"n_rows": profile.n_rows, "columns": cols, "order": list(profile.columns)}


def profile_from_dict(data: dict[str, Any]) -> Profile:
    cols = {}
    order = data.get("order") or list(data["columns"])
    for name in order:
        c = data["columns"][name]
        cols[name] = ColumnProfile(
            name,
            c["kind"],
            int(c["n"]),
            int(c["nulls"]),
            np.asarray(c["coarse_cuts"], dtype=float),
            np.asarray(c["fine_cuts"], dtype=float),
            np.asarray(c["coarse"], dtype=np.int64),
            np.asarray(c["fine"], dtype=np.int64),
            {str(k): int(v) for k, v in c["categories"].items()},
            np.inf if c["low"] is None else float(c["low"]),
            -np.inf if c["high"] is None else float(c["high"]),
            float(c["total"]),
            float(c["total_sq"]),
        )
    return Profile(cols, int(data["n_rows"]))


def _sums(values: np.ndarray) -> tuple[float, float]:
    """The sum and the sum of squares; infinite or NaN (not a warning) beyond the float
    range."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(values.sum()), float(np.square(values).sum())
