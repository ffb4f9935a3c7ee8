"""Honest experiments: the statistics behind model comparisons (``compare`` builds on them)."""

from __future__ import annotations

from mlvet.experiments._compare import Comparison, PairResult, compare
from mlvet.experiments._stats import (
    BayesianResult,
    TestResult,
    bayesian_correlated_ttest,
    corrected_ttest,
    holm,
    mcnemar,
    naive_paired_ttest,
    paired_bootstrap,
)

__all__ = [
    "BayesianResult",
    "Comparison",
    "PairResult",
    "TestResult",
    "bayesian_correlated_ttest",
    "compare",
    "corrected_ttest",
    "holm",
    "mcnemar",
    "naive_paired_ttest",
    "paired_bootstrap",
]
