"""Communicate with confidence: conformal prediction sets and intervals, and routing of
uncertain rows to a fallback model, a reviewer, or nobody (``mlvet.Guard``)."""

from __future__ import annotations

from mlvet.guard._calibration import (
    CalibrationReport,
    calibration_report,
    expected_calibration_error,
)
from mlvet.guard._guard import DECISIONS, Guard, Routing, min_calibration_size

__all__ = [
    "DECISIONS",
    "CalibrationReport",
    "Guard",
    "Routing",
    "calibration_report",
    "expected_calibration_error",
    "min_calibration_size",
]
