"""The metrics a vault answers with, and their bootstrap confidence intervals.

Only named metrics are accepted: a user-supplied callable would see the sealed labels and
could return them. Each metric is computed with scikit-learn; its interval is the
percentile bootstrap over rows (seeded, so the same evaluation gives the same interval).

>>> import numpy as np
>>> y = np.array([0, 1, 1, 0, 1, 0, 1, 1])
>>> p = np.array([0, 1, 0, 0, 1, 0, 1, 1])
>>> r = score("accuracy", y, p, None, n_bootstrap=200, confidence=0.9, seed=0)
>>> r.value, r.low <= r.value <= r.high
(0.875, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = ["METRICS", "MetricResult", "Spec", "score"]


@dataclass(frozen=True)
class Spec:
    """How to compute one metric: which output of the model it needs, and for which task."""

    name: str
    needs: str  # "label" (predict) or "score" (probabilities or decision values)
    task: str  # "classification" or "regression"
    greater_is_better: bool
    binary_only: bool = False


@dataclass(frozen=True)
class MetricResult:
    """An aggregate: the value on the sealed rows and its bootstrap interval."""

    value: float
    low: float
    high: float
    confidence: float
    n_bootstrap: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "value": self.value,
            "ci_low": self.low,
            "ci_high": self.high,
            "confidence": self.confidence,
            "n_bootstrap": self.n_bootstrap,
        }

    def __str__(self) -> str:
        pct = round(self.confidence * 100)
        return f"{self.value:.4g} [{self.low:.4g}, {self.high:.4g}] ({pct}% CI)"


METRICS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec("accuracy", "label", "classification", True),
        Spec("balanced_accuracy", "label", "classification", True),
        Spec("f1", "label", "classification", True, binary_only=True),
        Spec("f1_macro", "label", "classification", True),
        Spec("precision", "label", "classification", True, binary_only=True),
        Spec("recall", "label", "classification", True, binary_only=True),
        Spec("matthews", "label", "classification", True),
        Spec("roc_auc", "score", "classification", True),
        Spec("average_precision", "score", "classification", True, binary_only=True),
        Spec("log_loss", "score", "classification", False),
        Spec("brier", "score", "classification", False, binary_only=True),
        Spec("mae", "label", "regression", False),
        Spec("mse", "label", "regression", False),
        Spec("rmse", "label", "regression", False),
        Spec("r2", "label", "regression", True),
        Spec("mape", "label", "regression", False),
    )
}


def _original(fn: Any) -> Any:
    """The metric itself, not a trace's wrapper around it."""
    return getattr(fn, "__mlvet_traced__", fn)


def _function(name: str, positive: Any, classes: np.ndarray | None) -> Callable[..., float]:
    from sklearn import metrics as m

    binary = {"pos_label": positive}
    table: dict[str, Callable[..., float]] = {
        "accuracy": lambda t, p: _original(m.accuracy_score)(t, p),
        "balanced_accuracy": lambda t, p: _original(m.balanced_accuracy_score)(t, p),
        "f1": lambda t, p: _original(m.f1_score)(t, p, **binary),
        "f1_macro": lambda t, p: _original(m.f1_score)(t, p, average="macro"),
        "precision": lambda t, p: _original(m.precision_score)(t, p, zero_division=0, **binary),
        "recall": lambda t, p: _original(m.recall_score)(t, p, **binary),
        "matthews": lambda t, p: _original(m.matthews_corrcoef)(t, p),
        "roc_auc": lambda t, s: (
            _original(m.roc_auc_score)(t == positive, s)
            if s.ndim == 1
            else _original(m.roc_auc_score)(t, s, multi_class="ovr", labels=classes)
        ),
        "average_precision": lambda t, s: _original(m.average_precision_score)(t == positive, s),
        "log_loss": lambda t, s: _original(m.log_loss)(t, s, labels=classes),
        "brier": lambda t, s: _original(m.brier_score_loss)(t == positive, s),
        "mae": lambda t, p: _original(m.mean_absolute_error)(t, p),
        "mse": lambda t, p: _original(m.mean_squared_error)(t, p),
        "rmse": lambda t, p: float(np.sqrt(_original(m.mean_squared_error)(t, p))),
        "r2": lambda t, p: _original(m.r2_score)(t, p),
        "mape": lambda t, p: _original(m.mean_absolute_percentage_error)(t, p),
    }
    return table[name]


def check_metrics(metrics: Any, task: str) -> tuple[str, ...]:
    """Validate metric names against the sealed task; names only, never callables."""
    if isinstance(metrics, str):
        metrics = (metrics,)
    if isinstance(metrics, Mapping):
        raise InputError(
            f"metrics must be a list of metric names such as ['accuracy', 'roc_auc']; got a "
            f"{type(metrics).__name__}."
        )
    try:
        names = tuple(metrics)
    except TypeError:
        raise InputError(
            f"metrics must be metric names such as ('accuracy', 'roc_auc'); got {type(metrics).__name__}."
        ) from None
    if not names:
        raise InputError(f"metrics is empty; name at least one of {sorted(METRICS)}.")
    for name in names:
        if callable(name) or not isinstance(name, str):
            raise InputError(
                "The vault accepts metric names only, not functions: a function would see the "
                f"sealed labels. Use one of {sorted(METRICS)}."
            )
        spec = METRICS.get(name)
        if spec is None:
            raise InputError(f"Unknown metric {name!r}; the vault answers {sorted(METRICS)}.")
        if spec.task != task:
            raise InputError(
                f"Metric {name!r} is a {spec.task} metric but this vault holds a {task} set; "
                f"use one of {sorted(n for n, s in METRICS.items() if s.task == task)}."
            )
    return names


def default_metrics(task: str, has_scores: bool) -> tuple[str, ...]:
    if task == "regression":
        return ("mae", "rmse", "r2")
    return ("accuracy", "roc_auc") if has_scores else ("accuracy", "balanced_accuracy")


def score(
    name: str,
    y: np.ndarray,
    predicted: np.ndarray,
    positive: Any,
    *,
    classes: np.ndarray | None = None,
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> MetricResult:
    """The metric on all rows and its percentile-bootstrap interval."""
    fn = _function(name, positive, classes)
    rng = np.random.default_rng(seed)
    n = len(y)
    draws = np.empty(n_bootstrap)
    with warnings.catch_warnings():
        # warnings about sealed labels (undefined metrics, unseen classes) may quote them
        warnings.simplefilter("ignore")
        value = float(fn(y, predicted))
        for b in range(n_bootstrap):
            idx = rng.integers(0, n, n)
            try:
                draws[b] = fn(y[idx], predicted[idx])
            except ValueError:  # e.g. one class only in a resample: that draw says nothing
                draws[b] = np.nan
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        low = high = value
    else:
        tail = (1 - confidence) / 2 * 100
        low, high = (float(v) for v in np.percentile(draws, [tail, 100 - tail]))
    return MetricResult(value, min(low, value), max(high, value), confidence, n_bootstrap)
