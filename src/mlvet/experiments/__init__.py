"""Honest experiments: recorded tuning (``tune``), sound comparisons (``compare``), credit
by ablation (``ablate``), run diffs (``diff``) and the statistics behind them."""

from __future__ import annotations

from mlvet.experiments._ablate import Ablation, Credit, Defaults, Features, ablate, shapley_exact
from mlvet.experiments._compare import Comparison, PairResult, compare
from mlvet.experiments._diff import FACTORS, Change, RunDiff, diff
from mlvet.experiments._space import Categorical, Int, LogUniform, Uniform
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
from mlvet.experiments._tune import Trial, TuneResult, tune

__all__ = [
    "FACTORS",
    "Ablation",
    "BayesianResult",
    "Categorical",
    "Change",
    "Comparison",
    "Credit",
    "Defaults",
    "Features",
    "Int",
    "LogUniform",
    "PairResult",
    "RunDiff",
    "TestResult",
    "Trial",
    "TuneResult",
    "Uniform",
    "ablate",
    "bayesian_correlated_ttest",
    "compare",
    "corrected_ttest",
    "diff",
    "holm",
    "mcnemar",
    "naive_paired_ttest",
    "paired_bootstrap",
    "shapley_exact",
    "tune",
]
