"""The bundled demo: synthetic settlement-fails data and the story told on it."""

from __future__ import annotations

from mlvet.demo._data import (
    REGIME_SHIFT,
    REPORTING_LAGS,
    corrupt_batch,
    daily_batches,
    settlement_fails,
)
from mlvet.demo._story import run_demo

__all__ = [
    "REGIME_SHIFT",
    "REPORTING_LAGS",
    "corrupt_batch",
    "daily_batches",
    "run_demo",
    "settlement_fails",
]
