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


def _column(frame: Any, name: str) -> np.ndarray:
    import narwhals as nw

    return (
        np.asarray(frame.get_column(name).to_numpy())
        if isinstance(frame, nw.DataFrame)
        else np.asarray(frame[name])
    )


def _as_frame(data: Any, who: str) -> Any:
    import narwhals as nw

    try:
        frame = nw.from_native(data, eager_only=True)
    except TypeError as exc:
        raise InputError(
            f"{who}: expected a pandas, polars or pyarrow frame; got {type(data).__name__}."
        ) from exc
    if len(frame) == 0:
        raise InputError(f"{who}: the frame has no rows.")
    return frame


def _is_numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "biuf"


def _numeric(values: np.ndarray) -> tuple[np.ndarray, int]:
    v = values.astype(float)
    finite = np.isfinite(v)
    return v[finite], int((~finite).sum())


def _counts(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return np.bincount(np.searchsorted(cuts, values, side="right"), minlength=len(cuts) + 1)


def _cuts(values: np.ndarray, bins: int) -> np.ndarray:
    """Interior cut points at the reference's quantiles (ties merged)."""
    if values.size == 0:
        return np.empty(0)
    qs = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(qs)


def profile_reference(
    data: Any, *, features: list[str] | None = None, n_bins: int = 10, fine_bins: int = 100
) -> Profile:
    """The reference profile: bins at the reference's quantiles, and their counts."""
    frame = _as_frame(data, "reference")
    names = list(frame.columns) if features is None else list(features)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise InputError(
            f"Columns {missing} are not in the reference; it has {list(frame.columns)}."
        )
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 2:
        raise InputError(f"n_bins must be an int >= 2; got {n_bins!r}.")
    if isinstance(fine_bins, bool) or not isinstance(fine_bins, int) or fine_bins < n_bins:
        raise InputError(f"fine_bins must be an int >= n_bins; got {fine_bins!r}.")
    cols = {}
    for name in names:
        values = _column(frame, name)
        if _is_numeric(values):
            finite = _numeric(values)[0]
            template = ColumnProfile(
                name,
                "numeric",
                coarse_cuts=_cuts(finite, n_bins),
                fine_cuts=_cuts(finite, fine_bins),
            )
        else:
            template = ColumnProfile(name, "categorical")
        cols[name] = _profile_column(values, template)
    return Profile(cols, len(frame))


def _profile_column(values: np.ndarray, template: ColumnProfile) -> ColumnProfile:
    if template.kind == "numeric":
        if not _is_numeric(values):
            raise InputError(
                f"Column {template.name!r} is numeric in the reference but holds {values.dtype} "
                "values here (a schema change); fix the producer or rebuild the reference."
            )
        finite, nulls = _numeric(values)
        return ColumnProfile(
            template.name,
            "numeric",
            len(values),
            nulls,
            template.coarse_cuts,
            template.fine_cuts,
            _counts(finite, template.coarse_cuts),
            _counts(finite, template.fine_cuts),
            {},
            float(finite.min()) if finite.size else np.inf,
            float(finite.max()) if finite.size else -np.inf,
            float(finite.sum()),
            float(np.square(finite).sum()),
        )
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


def profile_against(data: Any, reference: Profile) -> Profile:
    """A batch's profile on the reference's bins (mergeable with other batches')."""
    frame = _as_frame(data, "current")
    missing = [c for c in reference.columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"Columns {missing} of the reference are missing from this batch (a schema change); "
            f"it has {list(frame.columns)}."
        )
    return Profile(
        {
            name: _profile_column(_column(frame, name), ref)
            for name, ref in reference.columns.items()
        },
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
    return {"n_rows": profile.n_rows, "columns": cols}


def profile_from_dict(data: dict[str, Any]) -> Profile:
    cols = {}
    for name, c in data["columns"].items():
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
