"""Monitoring: mergeable profiles of a reference and of batches, and drift decided by
effect sizes (``mlvet.monitoring.drift``; ``mlvet drift`` on files)."""

from __future__ import annotations

from mlvet.monitoring._alerts import (
    Alert,
    AlertRule,
    LogNotifier,
    WebhookNotifier,
    acknowledge,
    alerts,
    evaluate,
    resolve,
)
from mlvet.monitoring._deployments import check_deployments, revalidate
from mlvet.monitoring._drift import ColumnDrift, DriftReport, compare_profiles, drift, psi
from mlvet.monitoring._email import EmailNotifier
from mlvet.monitoring._monitor import Monitor
from mlvet.monitoring._multivariate import DomainDrift, domain_classifier
from mlvet.monitoring._profile import ColumnProfile, Profile, profile_against, profile_reference
from mlvet.monitoring._report import drift_html, write_drift_html
from mlvet.monitoring._run import load_config, run_config

__all__ = [
    "Alert",
    "AlertRule",
    "ColumnDrift",
    "ColumnProfile",
    "DomainDrift",
    "DriftReport",
    "EmailNotifier",
    "LogNotifier",
    "Monitor",
    "Profile",
    "WebhookNotifier",
    "acknowledge",
    "alerts",
    "check_deployments",
    "compare_profiles",
    "domain_classifier",
    "drift",
    "drift_html",
    "evaluate",
    "load_config",
    "profile_against",
    "profile_reference",
    "psi",
    "resolve",
    "revalidate",
    "run_config",
    "write_drift_html",
]
