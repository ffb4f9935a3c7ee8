"""mlvet: vet machine-learning work for the nine MLOps antipatterns.

The public surface is re-exported here; implementation lives in private modules.
"""

from __future__ import annotations

from mlvet._config import Settings, config_context, get_settings
from mlvet._findings import Finding, Location
from mlvet._scorecard import ScorecardRow, scorecard
from mlvet._version import __version__
from mlvet.catalog import Severity, get_rule, rules
from mlvet.data import (
    DatasetVersion,
    Fingerprint,
    Lineage,
    dataset_versions,
    datasets,
    fingerprint,
    get_version,
    identify,
    infer_schema,
    lineage,
    openlineage_events,
    plot_lineage,
    register_dataset,
    row_hashes,
    step,
    validate,
)
from mlvet.exceptions import (
    BudgetExceededError,
    ConfigError,
    DataQualityError,
    InputError,
    LedgerError,
    MlvetError,
    NotFoundError,
    VaultError,
)
from mlvet.experiments import (
    Ablation,
    Categorical,
    Comparison,
    Defaults,
    Features,
    Int,
    LogUniform,
    RunDiff,
    TuneResult,
    Uniform,
    ablate,
    compare,
    diff,
    tune,
)
from mlvet.leakage import SplitReport, check_split
from mlvet.ledger import Ledger, open_ledger
from mlvet.report import render
from mlvet.tracing import Trace, trace
from mlvet.vault import Budget, Vault, vaults

__all__ = [
    "Ablation",
    "Budget",
    "BudgetExceededError",
    "Categorical",
    "Comparison",
    "ConfigError",
    "DataQualityError",
    "DatasetVersion",
    "Defaults",
    "Features",
    "Finding",
    "Fingerprint",
    "Guard",
    "InputError",
    "Int",
    "Ledger",
    "LedgerError",
    "Lineage",
    "Location",
    "LogUniform",
    "MlvetError",
    "NotFoundError",
    "Routing",
    "RunDiff",
    "ScorecardRow",
    "Settings",
    "Severity",
    "SplitReport",
    "Trace",
    "TuneResult",
    "Uniform",
    "Vault",
    "VaultError",
    "__version__",
    "ablate",
    "check_split",
    "compare",
    "config_context",
    "dataset_versions",
    "datasets",
    "diff",
    "fingerprint",
    "get_rule",
    "get_settings",
    "get_version",
    "identify",
    "infer_schema",
    "lineage",
    "open_ledger",
    "openlineage_events",
    "plot_lineage",
    "register_dataset",
    "render",
    "row_hashes",
    "rules",
    "scorecard",
    "step",
    "trace",
    "tune",
    "validate",
    "vaults",
]


def __getattr__(name: str) -> object:
    """``mlvet.Guard`` and ``mlvet.Routing`` load scikit-learn and MAPIE on first use, so
    that ``import mlvet`` stays light."""
    if name in ("Guard", "Routing"):
        from mlvet import guard

        return getattr(guard, name)
    raise AttributeError(f"module 'mlvet' has no attribute {name!r}")
