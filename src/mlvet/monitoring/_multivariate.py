"""Multivariate drift by a domain classifier.

A gradient-boosted classifier learns to tell reference rows from current rows; its
out-of-fold ROC AUC says how separable the two are. 0.5 means indistinguishable; a shift
in how columns move *together*, invisible column by column, raises it. The decision is an
effect size: drifted when the AUC is at least ``threshold`` (0.55 by default) *and* its
95% interval (Hanley & McNeil) lies above 0.5. Rows are sampled (``sample`` per side), so
the cost and the trigger do not grow with the size of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlvet._checks import check_number
from mlvet.exceptions import InputError

__all__ = [
    "DOMAIN_THRESHOLD",
    "MIN_DOMAIN_ROWS",
    "DomainDrift",
    "domain_classifier",
    "sample_rows",
]

#: The domain classifier's AUC at which a batch has drifted (with its interval above 0.5).
DOMAIN_THRESHOLD = 0.55
#: The fewest rows a side needs for the domain classifier.
MIN_DOMAIN_ROWS = 20


@dataclass(frozen=True)
class DomainDrift:
    """The domain classifier's out-of-fold AUC with its 95% interval, and the decision."""

    auc: float
    lower: float
    upper: float
    threshold: float
    drifted: bool
    n_reference: int
    n_current: int
    features: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "domain_classifier_auc",
            "auc": self.auc,
            "lower": self.lower,
            "upper": self.upper,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "features": list(self.features),
        }

    def __str__(self) -> str:
        mark = "DRIFT" if self.drifted else "ok"
        return (
            f"  {mark:<5} multivariate: domain-classifier AUC {self.auc:.3f} "
            f"[{self.lower:.3f}, {self.upper:.3f}] (>= {self.threshold:g} and above 0.5 decides)"
        )


def sample_rows(data: Any, features: list[str], n: int, seed: int, who: str) -> Any:
    """Up to ``n`` rows of ``features`` drawn at random (seeded), as pandas. A lazy
    engine's frame is sampled by the engine (DuckDB's reservoir sample, Spark's
    ``sample``), so only the sample comes to Python."""
    import narwhals as nw

    try:
        frame = nw.from_native(data)
    except TypeError as exc:
        raise InputError(
            f"{who}: expected a data frame (pandas, polars, pyarrow, DuckDB, PySpark); got "
            f"{type(data).__name__}."
        ) from exc
    names = frame.collect_schema().names() if isinstance(frame, nw.LazyFrame) else frame.columns
    missing = [c for c in features if c not in names]
    if missing:
        raise InputError(f"{who}: columns {missing} are missing; it has {list(names)}.")
    picked = frame.select(features)
    if isinstance(picked, nw.DataFrame):
        pdf = picked.to_pandas()
        if len(pdf) > n:
            pdf = pdf.sample(n=n, random_state=seed)
        return pdf.reset_index(drop=True)
    native = nw.to_native(picked)
    impl = picked.implementation
    if impl.is_duckdb():
        sql = f"SELECT * FROM t USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({int(seed)})"
        drawn = native.query("t", sql)
    elif impl.is_pyspark() or impl.is_pyspark_connect():
        total = native.count()
        fraction = 1.0 if total <= n else min(1.0, 1.2 * n / total)
        drawn = native.sample(False, fraction, seed).limit(n)
    else:
        drawn = None
    if drawn is not None:
        return nw.from_native(drawn).collect(backend="pyarrow").to_pandas()
    eager = picked.collect().to_pandas()  # polars lazy: its rows are local anyway
    return (eager.sample(n=n, random_state=seed) if len(eager) > n else eager).reset_index(
        drop=True
    )


def _sample(data: Any, features: list[str], n: int, seed: int, who: str) -> Any:
    rows = sample_rows(data, features, n, seed, who)
    if len(rows) < MIN_DOMAIN_ROWS:
        raise InputError(
            f"{who}: {len(rows)} rows; the domain classifier needs at least {MIN_DOMAIN_ROWS}."
        )
    return rows


def domain_classifier(
    reference: Any,
    current: Any,
    *,
    features: list[str] | None = None,
    threshold: float = DOMAIN_THRESHOLD,
    sample: int = 10_000,
    folds: int = 5,
    seed: int = 0,
) -> DomainDrift:
    """Tell ``current`` from ``reference`` with a classifier; decide drift by its AUC."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from mlvet.monitoring._performance import fractional_auc, hanley_mcneil

    threshold = check_number(threshold, "threshold")
    if not 0.5 < threshold < 1:
        raise InputError(f"threshold is an AUC in (0.5, 1); got {threshold!r}.")
    for name, value, low in (("sample", sample, 20), ("folds", folds, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InputError(f"{name} must be an int >= {low}; got {value!r}.")
    import narwhals as nw

    if features is None:
        try:
            ref_frame = nw.from_native(reference)
            features = [
                str(c)
                for c in (
                    ref_frame.collect_schema().names()
                    if isinstance(ref_frame, nw.LazyFrame)
                    else ref_frame.columns
                )
            ]
        except TypeError as exc:
            raise InputError(
                f"reference: expected a data frame; got {type(reference).__name__}."
            ) from exc
    ref = _sample(reference, list(features), sample, seed, "reference")
    cur = _sample(current, list(features), sample, seed + 1, "current")
    both = pd.concat([ref, cur], ignore_index=True)
    categorical = []
    for col in both.columns:
        if both[col].dtype.kind not in "biuf":
            text = both[col].astype("string")
            # the booster takes at most 255 categories: the 254 most common keep their own
            # code, the rest share one
            top = {v: i for i, v in enumerate(text.value_counts().index[:254])}
            codes = np.array([top.get(v, 254) for v in text.fillna("").tolist()], dtype=float)
            both[col] = np.where(text.isna().to_numpy(), np.nan, codes)
            categorical.append(col)
        else:
            both[col] = both[col].astype(float).replace([np.inf, -np.inf], np.nan)
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    model = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=15,
        categorical_features=[both.columns.get_loc(c) for c in categorical] or None,
        random_state=seed,
    )
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    proba = cross_val_predict(model, both.to_numpy(dtype=float), y, cv=cv, method="predict_proba")
    auc = fractional_auc(proba[:, 1], y)
    lo, hi = hanley_mcneil(auc, float(len(cur)), float(len(ref)))
    lower = 0.0 if lo is None else lo
    upper = 1.0 if hi is None else hi
    return DomainDrift(
        auc,
        lower,
        upper,
        float(threshold),
        bool(math.isfinite(auc) and auc >= threshold and lower > 0.5),
        len(ref),
        len(cur),
        tuple(features),
    )
