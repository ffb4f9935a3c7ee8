"""Run-time tracing of scikit-learn and imbalanced-learn: ``with mlvet.trace():``."""

from __future__ import annotations

from mlvet.tracing._analysis import Evaluation, derive, evaluations
from mlvet.tracing._record import record_trace
from mlvet.tracing._rows import row_hashes
from mlvet.tracing._trace import Call, Trace, active_trace, trace

__all__ = [
    "Call",
    "Evaluation",
    "Trace",
    "active_trace",
    "derive",
    "evaluations",
    "record_trace",
    "row_hashes",
    "trace",
]
