"""The vault: sealed test sets that answer with aggregate metrics and spend a budget."""

from __future__ import annotations

from mlvet.vault._metrics import METRICS, MetricResult
from mlvet.vault._store import KEY_ENV
from mlvet.vault._vault import (
    Budget,
    QueryAnswer,
    Vault,
    VaultInfo,
    VaultResult,
    lineage_of,
    model_fingerprint,
    vaults,
)

__all__ = [
    "KEY_ENV",
    "METRICS",
    "Budget",
    "MetricResult",
    "QueryAnswer",
    "Vault",
    "VaultInfo",
    "VaultResult",
    "lineage_of",
    "model_fingerprint",
    "vaults",
]
