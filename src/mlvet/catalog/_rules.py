"""Finding codes: a two-letter family and three digits, ruff-style (``DC101``).

Each rule has a one-line message (the problem), a fix hint (what to do instead), a kind
from its family's vocabulary and a page ``docs/rules/<CODE>.md`` that ``mlvet explain``
prints. Guards add their codes here as they land; a test keeps codes and pages in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Rule", "Severity"]

CODE_RE = re.compile(r"^(?P<family>[A-Z]{2})(?P<number>\d{3})$")


class Severity(StrEnum):
    """How bad a finding is. ``error`` fails a gate; ``info`` never does."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Rule:
    """One finding code and its fixed texts."""

    code: str
    name: str
    kind: str
    severity: Severity
    message: str
    fix: str

    @property
    def family(self) -> str:
        return self.code[:2]


RULES: tuple[Rule, ...] = (
    # --- DL: Data Leakage (static lint; runtime and data checks add theirs) ----------
    Rule(
        "DL101",
        "fitted-before-split",
        "metrics-from-beyond",
        Severity.ERROR,
        "A learned preprocessing or feature-selection step is fitted on rows that later reach the test side.",
        "Split first and fit the step on the training rows only, or put it in a Pipeline that cross-validation refits per fold.",
    ),
    Rule(
        "DL102",
        "fitted-on-test",
        "metrics-from-beyond",
        Severity.ERROR,
        "A learned preprocessing step is fitted on the test set, or on train and test joined together.",
        "Fit the step on the training rows and only call transform() on the test rows.",
    ),
    Rule(
        "DL103",
        "whole-data-statistic",
        "metrics-from-beyond",
        Severity.WARNING,
        "A statistic computed over all rows (mean, std, a group aggregate) is written into features that reach the test side.",
        "Compute the statistic on the training rows after the split and apply that value to the test rows.",
    ),
    Rule(
        "DL111",
        "resampled-before-split",
        "oversampling",
        Severity.ERROR,
        "Rows are oversampled, undersampled or synthesised before the train/test split, so copies reach the test side.",
        "Split first and resample only the training rows (an imblearn Pipeline does this per CV fold).",
    ),
    Rule(
        "DL112",
        "resampled-test-set",
        "oversampling",
        Severity.ERROR,
        "The rows a model is evaluated on were resampled or synthesised.",
        "Evaluate on the test rows as they occur; resample only the training rows.",
    ),
    Rule(
        "DL121",
        "trained-on-test-rows",
        "overlap",
        Severity.ERROR,
        "A model is trained on rows it is later evaluated on: fitted before the split, on the test set, or on train and test joined.",
        "Fit the model on the training split only and evaluate it once on rows it never saw.",
    ),
    Rule(
        "DL122",
        "evaluated-on-training-data",
        "overlap",
        Severity.WARNING,
        "A model's only reported score is computed on the data it was trained on.",
        "Hold out a test split (or cross-validate) and report the score on rows the model never saw.",
    ),
    Rule(
        "DL131",
        "shuffled-time-split",
        "temporal",
        Severity.WARNING,
        "Time-ordered data is split or cross-validated at random, so the model trains on the future of its test rows.",
        "Split chronologically: a cut-off date, train_test_split(..., shuffle=False) or TimeSeriesSplit.",
    ),
    Rule(
        "DL141",
        "future-shift-feature",
        "peek-a-boo",
        Severity.ERROR,
        "A feature is built with a negative shift, so each row sees a value from its own future.",
        "Use shift(k) with k >= the value's publication lag; negative shifts belong only in the target.",
    ),
    Rule(
        "DL142",
        "centered-window-feature",
        "peek-a-boo",
        Severity.WARNING,
        "A rolling feature uses a centered window, which averages in values after the row's time.",
        "Use a trailing window: rolling(n) without center=True, then shift by the publication lag.",
    ),
    Rule(
        "DL143",
        "backfilled-feature",
        "peek-a-boo",
        Severity.WARNING,
        "Missing values of time-ordered data are back-filled, copying later values into earlier rows.",
        "Forward-fill (ffill) or impute from the past only; never fill a row from its future.",
    ),
    # --- GE: Grade-your-own-Exam -------------------------------------------------------
    Rule(
        "GE101",
        "test-set-reused",
        "multi-test",
        Severity.WARNING,
        "The same test set scores several models or configurations, so choosing among them grades your own exam.",
        "Choose on a validation split or cross-validation of the training data; score the chosen model on the test set once (mlvet.Vault seals it).",
    ),
    Rule(
        "GE102",
        "test-in-model-selection",
        "test-in-selection",
        Severity.ERROR,
        "Test data drives model selection: early stopping, validation_data or a hyperparameter search uses the test set.",
        "Carve a validation split out of the training data for early stopping and searches; keep the test set for the final score.",
    ),
    Rule(
        "GE103",
        "threshold-tuned-on-test",
        "test-in-selection",
        Severity.WARNING,
        "A decision threshold is chosen by scoring thresholds on the test set.",
        "Choose the threshold on a validation split or out-of-fold predictions, then report it on the test set.",
    ),
    # --- TC: Tuning-under-the-Carpet ---------------------------------------------------
    Rule(
        "TC101",
        "unseeded-search",
        "unseeded",
        Severity.WARNING,
        "A randomised hyperparameter search has no seed, so its result cannot be reproduced.",
        "Pass random_state= (or a seeded sampler) and record the search with mlvet.tune.",
    ),
    Rule(
        "TC102",
        "unrecorded-hand-search",
        "unrecorded",
        Severity.INFO,
        "A hand-written loop tries hyperparameter values and keeps no record of the trials.",
        "Record every trial (mlvet.tune records space, seed and fold scores), or at least store them in a table.",
    ),
    Rule(
        "TC103",
        "unseeded-estimator",
        "unseeded",
        Severity.INFO,
        "A stochastic estimator or random split has no random_state, and its score is reported.",
        "Pass random_state= so the reported score can be reproduced.",
    ),
    Rule(
        "TC104",
        "grid-over-random",
        "search-design",
        Severity.INFO,
        "A grid search over several numeric parameters; a random search of the same budget covers each parameter more densely.",
        "Use RandomizedSearchCV (or mlvet.tune) with distributions and the same number of trials.",
    ),
    # --- PE: Perceived Empirical SuperioriTy -------------------------------------------
    Rule(
        "PE101",
        "compared-on-different-splits",
        "unequal-pipelines",
        Severity.WARNING,
        "Models compared in one file are scored on different train/test splits.",
        "Score every candidate on the same splits (one split object, one random_state), or use mlvet.compare.",
    ),
    Rule(
        "PE102",
        "compared-with-different-preprocessing",
        "unequal-pipelines",
        Severity.INFO,
        "Models compared on the same test set were given differently preprocessed features.",
        "Give every candidate the same preprocessing, or attribute the difference with an ablation.",
    ),
    Rule(
        "PE103",
        "single-split-comparison",
        "no-significance",
        Severity.INFO,
        "Models are compared on one train/test split with no repetition, so the difference may be noise.",
        "Compare on repeated cross-validation with a corrected test (mlvet.compare).",
    ),
    # --- MV: files mlvet could not analyse -----------------------------------------------
    Rule(
        "MV001",
        "file-not-parsed",
        "parse",
        Severity.WARNING,
        "The file (or a notebook cell) could not be parsed, so it was not checked.",
        "Fix the syntax (Python 3), or the notebook JSON; the rest of the run was not affected.",
    ),
    Rule(
        "MV002",
        "analysis-failed",
        "parse",
        Severity.WARNING,
        "The analysis of this file stopped on an internal error, so it was only partly checked.",
        "Report the file (or a reduced copy) as a bug; the other files were checked.",
    ),
    # --- DC: Data Crisis as a Service -------------------------------------------------
    Rule(
        "DC101",
        "missing-or-unexpected-column",
        "schema",
        Severity.ERROR,
        "A column required by the dataset's schema is missing, or a column is not in it.",
        "Produce the columns the schema names, or record a new schema version on purpose.",
    ),
    Rule(
        "DC102",
        "wrong-dtype",
        "schema",
        Severity.ERROR,
        "A column's data type differs from the type in the dataset's schema.",
        "Cast the column where it is produced, or update the schema if the change is intended.",
    ),
    Rule(
        "DC103",
        "unexpected-nulls",
        "quality",
        Severity.ERROR,
        "A column that must not be null has null values.",
        "Find the producer step that drops values; impute explicitly in a recorded step if needed.",
    ),
    Rule(
        "DC104",
        "check-failed",
        "quality",
        Severity.ERROR,
        "Values fail a data-quality check (range, allowed set, pattern).",
        "Fix the upstream data or the step that produced it; widen the check only on evidence.",
    ),
    Rule(
        "DC105",
        "duplicate-values",
        "quality",
        Severity.ERROR,
        "A column or key that must be unique has duplicate values.",
        "Deduplicate in a recorded step, or correct the key the schema declares unique.",
    ),
    Rule(
        "DC106",
        "no-assertions",
        "quality",
        Severity.INFO,
        "The dataset is registered with no data-quality assertions.",
        "Attach a schema: mlvet.infer_schema(reference) and register_dataset(..., schema=...).",
    ),
    Rule(
        "DC201",
        "unknown-provenance",
        "provenance",
        Severity.WARNING,
        "The dataset is registered with no producer and no inputs: nobody can say where it came from.",
        "Register it with produced_by= (the loading or extraction code) and its inputs=.",
    ),
    Rule(
        "DC202",
        "derived-from-quarantined",
        "lineage",
        Severity.ERROR,
        "A dataset is derived from a quarantined version.",
        "Repair the quarantined batch and register the repaired version, then derive from that.",
    ),
    Rule(
        "DC301",
        "audit-chain-broken",
        "audit",
        Severity.ERROR,
        "The ledger's hash-chained event log was edited, reordered or had events deleted.",
        "Restore the ledger from a trusted backup and investigate who changed it and when.",
    ),
    Rule(
        "DC302",
        "record-does-not-match-event",
        "audit",
        Severity.ERROR,
        "A recorded row no longer matches the audit event that created it.",
        "Restore the row from the event's payload or a backup; find out who edited it.",
    ),
)
