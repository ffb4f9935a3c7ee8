"""The comparison statistics: known values from scipy and textbooks, and calibration under
the null (two equally good models), where the uncorrected paired t-test fails."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score

from mlvet.exceptions import InputError
from mlvet.experiments import (
    bayesian_correlated_ttest,
    corrected_ttest,
    holm,
    mcnemar,
    naive_paired_ttest,
    paired_bootstrap,
)

DIFFS = np.array([0.021, 0.013, 0.030, -0.004, 0.018, 0.009, 0.025, 0.031, 0.002, 0.017])


def test_naive_test_is_scipys_one_sample_t_test() -> None:
    ours = naive_paired_ttest(DIFFS)
    ref = stats.ttest_1samp(DIFFS, 0.0)
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.p_value == pytest.approx(ref.pvalue)
    low, high = ref.confidence_interval(0.95)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high))


def test_corrected_test_inflates_the_variance_by_n_test_over_n_train() -> None:
    r = corrected_ttest(DIFFS, n_train=900, n_test=100)
    se = math.sqrt((1 / 10 + 100 / 900) * DIFFS.var(ddof=1))
    assert r.statistic == pytest.approx(DIFFS.mean() / se)
    assert r.p_value == pytest.approx(2 * stats.t.sf(DIFFS.mean() / se, 9))
    assert r.df == 9 and r.ci_low < DIFFS.mean() < r.ci_high
    naive = naive_paired_ttest(DIFFS)
    assert r.p_value > 5 * naive.p_value  # the correction matters several-fold


def test_bayesian_correlated_ttest_reads_the_student_posterior() -> None:
    r = bayesian_correlated_ttest(DIFFS, n_train=900, n_test=100, rope=0.01)
    scale = math.sqrt((1 / 10 + 100 / 900) * DIFFS.var(ddof=1))
    posterior = stats.t(9, loc=DIFFS.mean(), scale=scale)
    assert r.p_b_better == pytest.approx(posterior.cdf(-0.01))
    assert r.p_a_better == pytest.approx(1 - posterior.cdf(0.01))
    assert r.p_a_better + r.p_equivalent + r.p_b_better == pytest.approx(1.0)
    wide = bayesian_correlated_ttest(DIFFS, n_train=900, n_test=100, rope=1.0)
    assert wide.p_equivalent > 0.999


def test_holm_matches_the_textbook_step_down() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]).tolist() == [0.03, 0.06, 0.06, 0.02]
    assert holm([0.5, 0.9]).tolist() == [1.0, 1.0]
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        holm([0.2, 1.5])


def test_mcnemar_exact_and_chi_square() -> None:
    # 10 rows only A gets right, 2 only B: the exact two-sided binomial p-value
    a = np.array([True] * 10 + [False] * 2 + [True] * 50 + [False] * 8)
    b = np.array([False] * 10 + [True] * 2 + [True] * 50 + [False] * 8)
    exact = mcnemar(a, b)
    assert exact.name == "McNemar exact"
    assert exact.p_value == pytest.approx(stats.binomtest(2, 12, 0.5).pvalue)
    assert exact.p_value == pytest.approx(0.03857, abs=1e-5)
    assert exact.mean == pytest.approx((60 - 52) / 70)
    # Wikipedia's example table: b = 121, c = 59; with the continuity correction
    a = np.array([True] * 121 + [False] * 59 + [True] * 101 + [False] * 33)
    b = np.array([False] * 121 + [True] * 59 + [True] * 101 + [False] * 33)
    chi = mcnemar(a, b)
    assert chi.statistic == pytest.approx((121 - 59 - 1) ** 2 / 180)
    assert chi.p_value == pytest.approx(stats.chi2.sf(61**2 / 180, 1)) and chi.p_value < 1e-4
    same = mcnemar(a, a)
    assert same.p_value == 1.0


def test_paired_bootstrap_interval_is_seeded_and_centred() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    a = np.where(rng.random(400) < 0.85, y, 1 - y)
    b = np.where(rng.random(400) < 0.75, y, 1 - y)
    r = paired_bootstrap(accuracy_score, y, a, b, n_bootstrap=1000, seed=1)
    assert r.mean == pytest.approx(accuracy_score(y, a) - accuracy_score(y, b))
    assert r.ci_low < r.mean < r.ci_high and r.ci_low > 0 and r.p_value < 0.01
    assert paired_bootstrap(accuracy_score, y, a, b, n_bootstrap=1000, seed=1) == r
    tie = paired_bootstrap(accuracy_score, y, a, a, n_bootstrap=200)
    assert tie.mean == 0.0 and tie.p_value == 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: corrected_ttest([0.1, 0.2], n_train=9, n_test=1), "at least 3"),
        (lambda: corrected_ttest([0.1, np.nan, 0.2], n_train=9, n_test=1), "NaN or infinite"),
        (lambda: corrected_ttest([0.1, 0.2, 0.3], n_train=0, n_test=1), "n_train"),
        (lambda: corrected_ttest([[0.1], [0.2], [0.3]], n_train=9, n_test=1), "1-D"),
        (lambda: bayesian_correlated_ttest([0.1, 0.2, 0.3], n_train=9, n_test=1, rope=-1), "rope"),
        (lambda: mcnemar([1, 0], [0, 1]), "booleans"),
        (lambda: mcnemar(np.array([True]), np.array([True, False])), "equal length"),
        (lambda: paired_bootstrap(accuracy_score, [0, 1], [0], [1]), "one entry per row"),
        (lambda: naive_paired_ttest([0.1, 0.2, 0.3], confidence=1.5), "confidence"),
    ],
)
def test_bad_input_is_named(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


def _null_differences(
    rng: np.random.Generator, n: int = 200, repeats: int = 10, k: int = 10
) -> np.ndarray:
    """Accuracy of A minus B per fold of 10 x 10-fold cross-validation, where A and B are
    equally good: least-squares linear classifiers on two symmetric halves of the features."""
    X = rng.normal(size=(n, 6))
    y = (X.sum(axis=1) + rng.normal(scale=1.5, size=n) > 0).astype(float)
    ones = np.ones((n, 1))
    XA, XB = np.hstack([ones, X[:, :3]]), np.hstack([ones, X[:, 3:]])
    diffs = []
    for _ in range(repeats):
        folds = np.array_split(rng.permutation(n), k)
        for i, te in enumerate(folds):
            tr = np.concatenate([f for j, f in enumerate(folds) if j != i])
            scores = []
            for Z in (XA, XB):
                w, *_ = np.linalg.lstsq(Z[tr], 2 * y[tr] - 1, rcond=None)
                scores.append(float(((Z[te] @ w > 0) == (y[te] == 1)).mean()))
            diffs.append(scores[0] - scores[1])
    return np.array(diffs)


@pytest.mark.slow
def test_corrected_test_keeps_its_false_positive_rate_under_the_null() -> None:
    """Bouckaert & Frank's setting (10 x 10-fold CV) with two equally good models."""
    rng = np.random.default_rng(2026)
    sims = 800
    corrected = naive = 0
    for _ in range(sims):
        d = _null_differences(rng)
        corrected += corrected_ttest(d, n_train=180, n_test=20).p_value < 0.05
        naive += naive_paired_ttest(d).p_value < 0.05
    rate_corrected, rate_naive = corrected / sims, naive / sims
    print(
        f"false positive rate at alpha=0.05 over {sims} null simulations of 10x10-fold CV: "
        f"corrected {rate_corrected:.3f}, naive paired t-test {rate_naive:.3f}"
    )
    assert rate_corrected <= 0.06
    assert rate_naive > 0.30  # the uncorrected test calls a winner in about half the ties
