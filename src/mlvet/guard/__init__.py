"""Communicate with confidence: conformal prediction sets and intervals, routing of
uncertain rows to a fallback chain, a reviewer or nobody (``mlvet.Guard``), calibration
evidence, the model registry with its history, the review queue and the decision log."""

from __future__ import annotations

from mlvet.guard._calibration import (
    CalibrationReport,
    calibration_report,
    expected_calibration_error,
)
from mlvet.guard._guard import DECISIONS, Guard, Routing, min_calibration_size
from mlvet.guard._ledger import (
    STAGES,
    STATES,
    DecisionLog,
    ModelVersion,
    ReviewItem,
    decide,
    model_history,
    promote,
    queue_reviews,
    register_model,
    review_item,
    review_labels,
    reviews,
)

__all__ = [
    "DECISIONS",
    "STAGES",
    "STATES",
    "CalibrationReport",
    "DecisionLog",
    "Guard",
    "ModelVersion",
    "ReviewItem",
    "Routing",
    "calibration_report",
    "decide",
    "expected_calibration_error",
    "min_calibration_size",
    "model_history",
    "promote",
    "queue_reviews",
    "register_model",
    "review_item",
    "review_labels",
    "reviews",
]
