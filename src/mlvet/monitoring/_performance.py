"""Performance of a monitored model: realized once labels come, estimated before they do.

**Estimated without labels (confidence-based, as in CBPE).** The reference's scores are
calibrated to its labels by isotonic regression. For a batch, each row's calibrated score
``p`` is the chance that its label is 1, so:

* the expected accuracy at the decision threshold ``t`` is the mean of ``p`` where the score
  is at least ``t`` and of ``1 - p`` elsewhere; its sampling band comes from the
  Poisson-binomial variance ``sum c(1 - c) / n**2`` of the rows' chances ``c`` of being right;
* the expected ROC AUC is the AUC with fractional labels: every pair of rows ``(i, j)`` with
  ``s_i > s_j`` counts ``p_i (1 - p_j)`` (ties half), divided by ``sum p * sum (1 - p)``;
  with 0/1 labels this is the ordinary AUC. Its band is Hanley & McNeil's standard error at
  the expected numbers of positives and negatives.

The estimate holds while the relation of labels to scores stays as in the reference
(covariate shift); under concept drift it is wrong, which is why the realized value is
reported beside it, with the error, once labels arrive.

**Realized.** ROC AUC (Hanley & McNeil's band) and accuracy (Wilson's interval) for
classifiers, MAE and RMSE for regressors, on the labelled rows of a batch.

**Streaming change detection** (river): ADWIN watches the per-row 0/1 correctness of the
labelled rows in batch order; Page–Hinkley watches each row's expected correctness, so
it can fire before any label arrives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = [
    "Calibrator",
    "MetricValue",
    "change_points",
    "estimated_metrics",
    "fractional_auc",
    "realized_metrics",
]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class MetricValue:
    """A metric's value with a 95% band (None where no band is defined)."""

    value: float
    lower: float | None
    upper: float | None
    n: int


@dataclass(frozen=True)
class Calibrator:
    """Isotonic map from raw score to the chance of the positive label (piecewise linear
    through ``x``, ``y``; clipped outside)."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray) -> Calibrator:
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(scores, labels)
        return cls(
            tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_)
        )

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(np.interp(scores, np.asarray(self.x), np.asarray(self.y)), dtype=float)

    def to_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: dict[str, list[float]]) -> Calibrator:
        return cls(tuple(data["x"]), tuple(data["y"]))


def binary_labels(values: Any, what: str) -> np.ndarray:
    """Labels as a float array of 0s and 1s, or a clear refusal."""
    y = np.asarray(values)
    if y.ndim != 1:
        raise InputError(f"{what} must be one label per row (1-D); got shape {y.shape}.")
    if y.dtype.kind == "b":
        return y.astype(float)
    if y.dtype.kind not in "iuf":
        raise InputError(f"{what} must be 0/1 (or booleans) for a classifier; got {y.dtype}.")
    y = y.astype(float)
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise InputError(
            f"{what} must be 0/1 for a classifier; found {y[bad][:3].tolist()} "
            f"(at position {int(np.argmax(bad))})."
        )
    return y


def scores_array(
    values: Any, what: str, *, unit: bool, missing: str = "a monitored model must score every row"
) -> np.ndarray:
    """Finite float scores (in [0, 1] when ``unit``), or a clear refusal (``missing`` says
    why a NaN is not allowed)."""
    try:
        s = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be numbers; {exc}") from exc
    if s.ndim != 1:
        raise InputError(f"{what} must be one score per row (1-D); got shape {s.shape}.")
    bad = ~np.isfinite(s)
    if bad.any():
        raise InputError(
            f"{what} holds {int(bad.sum())} NaN or infinite value(s), the first at position "
            f"{int(np.argmax(bad))}; {missing}."
        )
    if unit and s.size and (s.min() < 0 or s.max() > 1):
        raise InputError(
            f"{what} must be probabilities of the positive class in [0, 1]; "
            f"got values from {s.min():g} to {s.max():g}."
        )
    return s


def fractional_auc(scores: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC where row i is positive with weight ``p[i]`` and negative with ``1 - p[i]``;
    ties in the score count half. NaN when either class has no weight."""
    order = np.argsort(scores, kind="mergesort")
    s, w = scores[order], p[order]
    # group tied scores
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    pos = np.add.reduceat(w, starts)
    neg = np.add.reduceat(1.0 - w, starts)
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return math.nan
    neg_below = np.cumsum(neg) - neg
    return float((pos * (neg_below + 0.5 * neg)).sum() / (total_pos * total_neg))


def hanley_mcneil(auc: float, n_pos: float, n_neg: float) -> tuple[float | None, float | None]:
    if not math.isfinite(auc) or n_pos < 1 or n_neg < 1:
        return None, None
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (
        n_pos * n_neg
    )
    se = math.sqrt(max(var, 0.0))
    return max(0.0, auc - Z95 * se), min(1.0, auc + Z95 * se)


def estimated_metrics(
    scores: np.ndarray, calibrated: np.ndarray, decision_threshold: float
) -> dict[str, MetricValue]:
    """Expected ROC AUC and accuracy of a batch from calibrated confidence alone."""
    n = len(scores)
    auc = fractional_auc(scores, calibrated)
    lo, hi = hanley_mcneil(auc, float(calibrated.sum()), float((1 - calibrated).sum()))
    right = np.where(scores >= decision_threshold, calibrated, 1 - calibrated)
    acc = float(right.mean())
    se = math.sqrt(float((right * (1 - right)).sum())) / n
    return {
        "roc_auc": MetricValue(auc, lo, hi, n),
        "accuracy": MetricValue(acc, max(0.0, acc - Z95 * se), min(1.0, acc + Z95 * se), n),
    }


def realized_metrics(
    scores: np.ndarray, labels: np.ndarray, *, task: str, decision_threshold: float
) -> dict[str, MetricValue]:
    """The metrics on labelled rows (empty when none are labelled)."""
    n = len(labels)
    if n == 0:
        return {}
    if task == "regression":
        err = scores - labels
        return {
            "mae": MetricValue(float(np.abs(err).mean()), None, None, n),
            "rmse": MetricValue(float(np.sqrt(np.square(err).mean())), None, None, n),
        }
    auc = fractional_auc(scores, labels)
    lo, hi = hanley_mcneil(auc, float(labels.sum()), float(n - labels.sum()))
    right = (scores >= decision_threshold) == (labels == 1)
    acc = float(right.mean())
    return {
        "roc_auc": MetricValue(auc, lo, hi, n),
        "accuracy": MetricValue(acc, *_wilson(acc, n), n),
    }


def _wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson's 95% interval for a proportion: sensible at 0, 1 and small n."""
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def change_points(stream: np.ndarray, owners: list[str], *, detector: str) -> list[str]:
    """The owners (batch keys) of the rows at which a river detector signalled a change.

    ``adwin``: ADWIN (delta 0.002) on the stream; ``page_hinkley``: Page–Hinkley watching
    for a fall in the stream's mean (threshold 50, as river's default).
    """
    from river import drift as rd

    det: Any
    if detector == "adwin":
        det = rd.ADWIN(delta=0.002)  # type: ignore[no-untyped-call]
    elif detector == "page_hinkley":
        det = rd.PageHinkley(mode="down")
    else:
        raise InputError(f"detector is 'adwin' or 'page_hinkley'; got {detector!r}.")
    hits: list[str] = []
    for value, owner in zip(stream.tolist(), owners, strict=True):
        det.update(value)
        if det.drift_detected and (not hits or hits[-1] != owner):
            hits.append(owner)
    return hits
