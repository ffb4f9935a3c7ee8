"""Drift between a reference and a batch, decided by effect sizes.

Per numeric column: the population stability index (PSI) and the Jensen–Shannon distance
on the reference's decile bins, the Kolmogorov–Smirnov statistic and the Wasserstein
distance (divided by the reference's standard deviation) read from its percentile bins.
Per categorical column: PSI, Jensen–Shannon and the chi-square test with Cramér's V.

**Decisions use effect sizes** (PSI >= ``threshold``, 0.2 by default), which do not grow
more trigger-happy with the number of rows; p-values (KS, chi-square) are reported beside
them, and at a million rows they flag differences nobody cares about.

**The empty-bin rule.** PSI divides by bin shares, so an empty bin needs a rule, and
libraries differ: some floor shares at 1e-4, some drop the bin, some add one row. Here
every bin gets half a row on both sides before the shares are taken (additive 0.5
smoothing), which changes nothing visible at any real size, keeps PSI finite, and is the
same for every column and batch.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlvet._checks import check_number
from mlvet.exceptions import InputError
from mlvet.monitoring._multivariate import DomainDrift
from mlvet.monitoring._profile import ColumnProfile, Profile, profile_against, profile_reference

__all__ = ["ColumnDrift", "DriftReport", "compare_profiles", "drift", "psi"]

SMOOTHING = 0.5
"""Rows added to every bin on both sides before PSI's shares are taken."""


def psi(reference: Any, current: Any) -> float:
    """PSI = sum (c - r) * ln(c / r) over bins, on shares after adding ``SMOOTHING`` rows
    to every bin on both sides.

    >>> round(psi([250, 250, 500], [200, 300, 500]), 4)
    0.0202
    """
    r = np.asarray(reference, dtype=float) + SMOOTHING
    c = np.asarray(current, dtype=float) + SMOOTHING
    r, c = r / r.sum(), c / c.sum()
    return float(np.sum((c - r) * np.log(c / r)))


def _js(reference: np.ndarray, current: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    r = np.asarray(reference, dtype=float)
    c = np.asarray(current, dtype=float)
    if r.sum() == 0 or c.sum() == 0:
        return math.nan
    return float(jensenshannon(r / r.sum(), c / c.sum(), base=2))


@dataclass(frozen=True)
class ColumnDrift:
    """One column: the deciding statistic against its threshold, and the others."""

    name: str
    kind: str
    method: str
    statistic: float
    threshold: float
    drifted: bool
    psi: float
    js: float
    ks: float | None = None
    ks_p: float | None = None
    wasserstein: float | None = None
    chi2: float | None = None
    chi2_p: float | None = None
    cramers_v: float | None = None
    null_share_reference: float = 0.0
    null_share_current: float = 0.0
    unseen: list[str] | None = None
    out_of_range: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for k, v in self.__dict__.items():
            out[k] = None if isinstance(v, float) and not math.isfinite(v) else v
        return out


@dataclass(frozen=True)
class DriftReport:
    """Per-column drift of a batch against a reference."""

    columns: tuple[ColumnDrift, ...]
    n_reference: int
    n_current: int
    multivariate: DomainDrift | None = None

    @property
    def drifted(self) -> list[str]:
        return [c.name for c in self.columns if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.name == name:
                return c
        raise InputError(f"No column {name!r}; columns are {[c.name for c in self.columns]}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "drifted": self.drifted,
            "columns": [c.to_dict() for c in self.columns],
            "multivariate": None if self.multivariate is None else self.multivariate.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_html(self, reference: Profile, current: Profile, *, title: str = "Drift report") -> str:
        """A self-contained HTML page of this report, drawn from the profiles it was
        computed from (``compare_profiles(reference, current)``)."""
        from mlvet.monitoring._report import drift_html

        return drift_html(self, reference, current, title=title)

    def __str__(self) -> str:
        lines = [
            f"drift: {len(self.drifted)} of {len(self.columns)} columns drifted "
            f"({self.n_current:,} rows against {self.n_reference:,})"
        ]
        for c in self.columns:
            mark = "DRIFT" if c.drifted else "ok"
            extra = (
                f"KS {c.ks:.3f} (p {c.ks_p:.2g}), W/sd {c.wasserstein:.3f}"
                if c.kind == "numeric"
                else f"chi2 p {c.chi2_p:.2g}, V {c.cramers_v:.3f}"
                + (f", unseen {c.unseen[:3]}" if c.unseen else "")
            )
            lines.append(
                f"  {mark:<5} {c.name:<24} {c.method} {c.statistic:.4f} (>= {c.threshold:g}); "
                f"JS {c.js:.3f}; {extra}"
            )
        if self.multivariate is not None:
            lines.append(str(self.multivariate))
        return "\n".join(lines)


def _cdf(counts: np.ndarray) -> np.ndarray:
    """The CDF after each bin except the last (at each cut point)."""
    total = counts.sum()
    return np.cumsum(counts)[:-1] / total if total else np.zeros(len(counts) - 1)


def _numeric(ref: ColumnProfile, cur: ColumnProfile, threshold: float) -> ColumnDrift:
    from scipy import stats

    m, n = int(ref.fine.sum()), int(cur.fine.sum())
    if not m or not n:
        # no finite value on one side: nothing to compare; a column that has lost every
        # value has drifted (its null share says how), one that never had any has not
        return ColumnDrift(
            ref.name,
            "numeric",
            "psi",
            math.nan,
            threshold,
            bool(m and not n),
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            null_share_reference=ref.nulls / ref.n if ref.n else 0.0,
            null_share_current=cur.nulls / cur.n if cur.n else 0.0,
        )
    p = psi(ref.coarse, cur.coarse)
    fr, fc = _cdf(ref.fine), _cdf(cur.fine)
    ks = float(np.max(np.abs(fr - fc))) if fr.size else 0.0
    ks_p = float(stats.kstwobign.sf(ks * math.sqrt(m * n / (m + n))))
    # Wasserstein-1 = integral of |F_ref - F_cur|, on the grid of the reference's cut points
    # widened to both profiles' extremes; divided by the reference's standard deviation
    grid = np.concatenate([[min(ref.low, cur.low)], ref.fine_cuts, [max(ref.high, cur.high)]])
    diffs = np.concatenate([[0.0], np.abs(fr - fc)])
    width = np.diff(grid)
    w = (
        float(np.sum(width * (diffs + np.concatenate([diffs[1:], [0.0]])) / 2))
        if width.size
        else 0.0
    )
    sd = ref.std
    return ColumnDrift(
        ref.name,
        "numeric",
        "psi",
        p,
        threshold,
        p >= threshold,
        p,
        _js(ref.coarse, cur.coarse),
        ks,
        ks_p,
        w / sd if sd > 0 else math.nan,
        null_share_reference=ref.nulls / ref.n if ref.n else 0.0,
        null_share_current=cur.nulls / cur.n if cur.n else 0.0,
        out_of_range=bool(cur.low < ref.low or cur.high > ref.high),
    )


def _categorical(ref: ColumnProfile, cur: ColumnProfile, threshold: float) -> ColumnDrift:
    from scipy import stats

    names = sorted(set(ref.categories) | set(cur.categories))
    r = np.array([ref.categories.get(k, 0) for k in names], dtype=float)
    c = np.array([cur.categories.get(k, 0) for k in names], dtype=float)
    p = psi(r, c)
    table = np.vstack([r, c])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] >= 2 and table.sum(axis=1).all():
        chi2, chi2_p, _, _ = stats.chi2_contingency(table, correction=False)
        v = math.sqrt(chi2 / table.sum())
    else:
        chi2, chi2_p, v = 0.0, 1.0, 0.0
    unseen = sorted(set(cur.categories) - set(ref.categories))
    return ColumnDrift(
        ref.name,
        "categorical",
        "psi",
        p,
        threshold,
        p >= threshold,
        p,
        _js(r, c),
        chi2=float(chi2),
        chi2_p=float(chi2_p),
        cramers_v=v,
        null_share_reference=ref.nulls / ref.n if ref.n else 0.0,
        null_share_current=cur.nulls / cur.n if cur.n else 0.0,
        unseen=unseen,
    )


def compare_profiles(
    reference: Profile, current: Profile, *, threshold: float = 0.2
) -> DriftReport:
    """Drift of ``current`` (profiled against ``reference``) per column."""
    threshold = check_number(threshold, "threshold")
    missing = sorted(set(reference.columns) - set(current.columns))
    if missing:
        raise InputError(f"The current profile has no column(s) {missing} of the reference.")
    cols = []
    for name, ref in reference.columns.items():
        cur = current.columns[name]
        ref.check_same_bins(cur)
        cols.append(
            _numeric(ref, cur, float(threshold))
            if ref.kind == "numeric"
            else _categorical(ref, cur, float(threshold))
        )
    return DriftReport(tuple(cols), reference.n_rows, current.n_rows)


def drift(
    reference: Any,
    current: Any,
    *,
    features: list[str] | None = None,
    threshold: float = 0.2,
    n_bins: int = 10,
    multivariate: bool = False,
    seed: int = 0,
) -> DriftReport:
    """Profile ``reference`` and ``current`` and compare them column by column; with
    ``multivariate=True`` also by a domain classifier (rows in memory only)."""
    import dataclasses

    if not isinstance(multivariate, bool):
        raise InputError(f"multivariate must be True or False; got {multivariate!r}.")
    ref = profile_reference(reference, features=features, n_bins=n_bins)
    report = compare_profiles(ref, profile_against(current, ref), threshold=threshold)
    if not multivariate:
        return report
    from mlvet.monitoring._multivariate import domain_classifier

    domain = domain_classifier(reference, current, features=list(ref.columns), seed=seed)
    return dataclasses.replace(report, multivariate=domain)
