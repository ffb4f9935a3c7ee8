"""Statistics for comparing two models: tests that know cross-validation scores are not
independent.

Scores of two models on the folds of (repeated) cross-validation are paired, and the folds
share training rows, so their differences are correlated. The plain paired t-test ignores
that and declares winners far too often (Dietterich 1998; Nadeau & Bengio 2003). This
module provides:

* :func:`corrected_ttest` — the Nadeau–Bengio corrected resampled t-test: the variance of
  the mean difference is inflated from ``s²/J`` to ``(1/J + n_test/n_train) s²``; over the
  J = r·k folds of r-times repeated k-fold CV this is Bouckaert & Frank's corrected
  repeated CV test. Under the null (two equally good models, 10 x 10-fold CV, 800
  simulations) it rejects at alpha = 0.05 in 4.4% of cases, the plain paired t-test in
  55% (``tests/test_experiments_stats.py``);
* :func:`bayesian_correlated_ttest` — Corani & Benavoli's correlated Bayesian t-test
  (Benavoli et al., JMLR 2017): the posterior of the mean difference is a Student t with
  the same correction, read as P(A better), P(practically equivalent), P(B better) for a
  region of practical equivalence (ROPE);
* :func:`paired_bootstrap` — a percentile interval for the difference of a metric of two
  models scored on the same rows;
* :func:`mcnemar` — McNemar's test for two classifiers on one holdout set (exact binomial
  for few discordant pairs, continuity-corrected chi-square otherwise);
* :func:`holm` — Holm's step-down adjustment across several pairs;
* :func:`naive_paired_ttest` — the uncorrected test, kept to show how often it is wrong.

>>> d = [0.02, 0.01, 0.03, 0.00, 0.02, 0.01, 0.02, 0.03, 0.01, 0.02]
>>> r = corrected_ttest(d, n_train=900, n_test=100)
>>> round(r.statistic, 2), round(r.p_value, 4)
(3.9, 0.0036)
>>> round(naive_paired_ttest(d).p_value, 4)  # the same scores, ten times more "significant"
0.0003
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlvet.exceptions import InputError

__all__ = [
    "BayesianResult",
    "TestResult",
    "bayesian_correlated_ttest",
    "corrected_ttest",
    "holm",
    "mcnemar",
    "naive_paired_ttest",
    "paired_bootstrap",
]

MIN_RESAMPLES = 3


@dataclass(frozen=True)
class TestResult:
    """A frequentist test of "A and B score the same": the mean difference (A − B), the
    statistic, its p-value (two-sided), and a confidence interval of the difference."""

    name: str
    mean: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    df: float | None = None


@dataclass(frozen=True)
class BayesianResult:
    """Posterior probabilities that A is better (difference > rope), that the two are
    practically equivalent (|difference| <= rope), and that B is better."""

    mean: float
    p_a_better: float
    p_equivalent: float
    p_b_better: float
    rope: float


def _diffs(differences: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    d = np.asarray(differences, dtype=float)
    if d.ndim != 1:
        raise InputError(
            f"{what} takes one difference per resample (a 1-D sequence); got shape {d.shape}."
        )
    if not np.isfinite(d).all():
        raise InputError(
            f"{what}: {int((~np.isfinite(d)).sum())} difference(s) are NaN or infinite; a fold "
            "that failed must be dropped for both models, not scored as NaN."
        )
    if d.size < MIN_RESAMPLES:
        raise InputError(
            f"{what} needs at least {MIN_RESAMPLES} paired scores to mean anything; got "
            f"{d.size}. Use more folds or repeats (e.g. 10 repeats of 10-fold CV)."
        )
    return d


def _ratio(n_train: int, n_test: int) -> float:
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"{name} must be a positive int (rows per fold); got {value!r}.")
    return n_test / n_train


def _t_result(name: str, d: np.ndarray, scale2: float, confidence: float) -> TestResult:
    mean = float(d.mean())
    df = d.size - 1
    if scale2 == 0.0:  # every resample gave the same difference
        p = 1.0 if mean == 0.0 else 0.0
        stat = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
        return TestResult(name, mean, stat, p, mean, mean, df)
    se = math.sqrt(scale2)
    stat = mean / se
    from scipy import stats  # imported on use: scipy.stats costs half a second at import

    p = float(2 * stats.t.sf(abs(stat), df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return TestResult(name, mean, float(stat), p, mean - half, mean + half, df)


def corrected_ttest(
    differences: Sequence[float] | np.ndarray,
    *,
    n_train: int,
    n_test: int,
    confidence: float = 0.95,
) -> TestResult:
    """Nadeau & Bengio's corrected resampled t-test on per-resample differences (A − B).

    ``n_train`` and ``n_test`` are the rows per fit and per evaluation of each resample
    (for k-fold CV, ``(k-1)/k`` and ``1/k`` of the rows). The statistic is
    ``mean / sqrt((1/J + n_test/n_train) * s²)`` with ``J - 1`` degrees of freedom.
    """
    d = _diffs(differences, "corrected_ttest")
    _check_confidence(confidence)
    scale2 = (1 / d.size + _ratio(n_train, n_test)) * float(d.var(ddof=1))
    return _t_result("corrected resampled t-test", d, scale2, confidence)


def naive_paired_ttest(
    differences: Sequence[float] | np.ndarray, *, confidence: float = 0.95
) -> TestResult:
    """The ordinary paired t-test (``s²/J``): too optimistic on cross-validation scores."""
    d = _diffs(differences, "naive_paired_ttest")
    _check_confidence(confidence)
    return _t_result("paired t-test (uncorrected)", d, float(d.var(ddof=1)) / d.size, confidence)


def bayesian_correlated_ttest(
    differences: Sequence[float] | np.ndarray,
    *,
    n_train: int,
    n_test: int,
    rope: float = 0.01,
) -> BayesianResult:
    """Corani & Benavoli's correlated Bayesian t-test with a region of practical equivalence.

    With ``rho = n_test / (n_train + n_test)`` (the correlation of resamples), the posterior
    of the mean difference is Student t with ``J - 1`` degrees of freedom, location the
    mean and scale ``sqrt((1/J + rho/(1-rho)) * s²)``.
    """
    d = _diffs(differences, "bayesian_correlated_ttest")
    if not isinstance(rope, (int, float)) or not math.isfinite(rope) or rope < 0:
        raise InputError(
            f"rope must be a non-negative number (in the metric's units); got {rope!r}."
        )
    ratio = _ratio(n_train, n_test)  # rho/(1-rho) == n_test/n_train
    mean = float(d.mean())
    scale2 = (1 / d.size + ratio) * float(d.var(ddof=1))
    if scale2 == 0.0:
        inside = abs(mean) <= rope
        return BayesianResult(
            mean, float(mean > rope), float(inside), float(mean < -rope), float(rope)
        )
    from scipy import stats

    posterior = stats.t(d.size - 1, loc=mean, scale=math.sqrt(scale2))
    p_b = float(posterior.cdf(-rope))
    p_a = float(posterior.sf(rope))
    return BayesianResult(mean, p_a, max(0.0, 1.0 - p_a - p_b), p_b, float(rope))


def paired_bootstrap(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: Sequence[object] | np.ndarray,
    pred_a: Sequence[object] | np.ndarray,
    pred_b: Sequence[object] | np.ndarray,
    *,
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> TestResult:
    """Percentile bootstrap of ``metric(y, pred_a) - metric(y, pred_b)`` over the same rows.

    The p-value is the two-sided bootstrap proportion of differences on the other side of
    zero (``2 * min(P(d <= 0), P(d >= 0))``, at most 1).
    """
    y = np.asarray(y_true)
    a, b = np.asarray(pred_a), np.asarray(pred_b)
    if not (len(y) == len(a) == len(b)):
        raise InputError(
            f"y_true, pred_a and pred_b must have one entry per row; got lengths {len(y)}, "
            f"{len(a)} and {len(b)}."
        )
    if len(y) < 2:
        raise InputError("paired_bootstrap needs at least 2 rows.")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int) or n_bootstrap < 100:
        raise InputError(f"n_bootstrap must be an int >= 100; got {n_bootstrap!r}.")
    _check_confidence(confidence)
    observed = float(metric(y, a) - metric(y, b))
    rng = np.random.default_rng(seed)
    draws = np.empty(n_bootstrap)
    for i in range(n_bootstrap):
        idx = rng.integers(0, len(y), len(y))
        try:
            draws[i] = metric(y[idx], a[idx]) - metric(y[idx], b[idx])
        except ValueError:  # e.g. one class only in a resample
            draws[i] = np.nan
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        raise InputError("The metric was undefined on every bootstrap resample; use more rows.")
    low, high, p = bootstrap_summary(draws, confidence)
    return TestResult("paired bootstrap", observed, observed, p, low, high)


def bootstrap_summary(draws: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """The percentile interval of bootstrap differences and their two-sided p-value
    (``2 * min(P(d <= 0), P(d >= 0))``, at most 1).

    >>> bootstrap_summary(np.array([0.1, 0.2, 0.3, -0.1]), 0.5)
    (0.05, 0.225, 0.5)
    """
    tail = (1 - confidence) / 2
    low, high = (float(v) for v in np.quantile(draws, [tail, 1 - tail]))
    p = float(min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean())))
    return low, high, p


def mcnemar(
    correct_a: Sequence[bool] | np.ndarray,
    correct_b: Sequence[bool] | np.ndarray,
    *,
    exact: bool | None = None,
) -> TestResult:
    """McNemar's test for two classifiers on one holdout set, from per-row correctness.

    ``b`` counts rows A gets right and B wrong, ``c`` the reverse. With ``exact=None`` the
    exact binomial test is used when ``b + c < 25``, else the continuity-corrected
    chi-square ``(|b - c| - 1)² / (b + c)``. ``mean`` is the difference in accuracy.
    """
    a = np.asarray(correct_a)
    b_ = np.asarray(correct_b)
    if a.shape != b_.shape or a.ndim != 1:
        raise InputError(
            f"correct_a and correct_b must be 1-D and of equal length; got shapes {a.shape} and {b_.shape}."
        )
    if a.dtype.kind != "b" or b_.dtype.kind != "b":
        raise InputError("correct_a and correct_b must be booleans: was each row predicted right?")
    if a.size == 0:
        raise InputError("mcnemar needs at least one row.")
    from scipy import stats

    b = int((a & ~b_).sum())
    c = int((~a & b_).sum())
    diff = float(a.mean() - b_.mean())
    n = b + c
    if n == 0:
        return TestResult("McNemar (no discordant pairs)", diff, 0.0, 1.0, diff, diff)
    use_exact = n < 25 if exact is None else exact
    if use_exact:
        p = float(stats.binomtest(min(b, c), n, 0.5).pvalue)
        return TestResult("McNemar exact", diff, float(min(b, c)), p, diff, diff)
    chi2 = (abs(b - c) - 1) ** 2 / n
    p = float(stats.chi2.sf(chi2, 1))
    return TestResult("McNemar chi-square", diff, float(chi2), p, diff, diff, 1.0)


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the input order.

    >>> holm([0.01, 0.04, 0.03, 0.005]).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise InputError("holm takes a non-empty 1-D sequence of p-values.")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputError("p-values must be numbers in [0, 1].")
    order = np.argsort(p, kind="stable")
    m = p.size
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return np.round(adjusted, 15)


def _check_confidence(confidence: float) -> None:
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, float)
        or not 0.5 <= confidence < 1
    ):
        raise InputError(f"confidence must be a float in [0.5, 1); got {confidence!r}.")
