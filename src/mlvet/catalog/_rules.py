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
    guard: str = "lint"
    """Which guard reports the code: ``lint``, ``check_split``, ``trace``, ``vault``, ``compare``,
    ``tune``, ``ablate``, ``diff``, ``guard``, ``monitor``, ``catalog``, ``audit``."""

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
    # --- DL2xx: checks on the split data (mlvet.check_split) ----------------------------
    Rule(
        "DL201",
        "rows-in-both-splits",
        "overlap",
        Severity.ERROR,
        "The same rows (features and label) appear in both the training and the test set.",
        "Drop duplicates before splitting, or split by an entity id so each copy stays on one side.",
        guard="check_split",
    ),
    Rule(
        "DL202",
        "near-duplicates-across-splits",
        "overlap",
        Severity.WARNING,
        "Test rows equal training rows once floats are rounded and text is case- and space-folded.",
        "Deduplicate on normalised values before the split, or split by the entity the copies come from.",
        guard="check_split",
    ),
    Rule(
        "DL203",
        "entity-in-both-splits",
        "overlap",
        Severity.ERROR,
        "The same entity (customer, security, patient) has rows on both sides of the split.",
        "Split by the entity: GroupShuffleSplit or GroupKFold with groups= the entity id.",
        guard="check_split",
    ),
    Rule(
        "DL204",
        "test-not-after-train",
        "temporal",
        Severity.ERROR,
        "Test rows are not strictly later than every training row plus the forecast horizon.",
        "Split by time: train on rows up to a cut-off, test on rows from cut-off + horizon on (TimeSeriesSplit with gap=).",
        guard="check_split",
    ),
    Rule(
        "DL205",
        "test-rebalanced",
        "oversampling",
        Severity.ERROR,
        "The test set's classes are far more balanced than in the data it came from: the signature of resampling before the split.",
        "Split first, resample only the training rows, and keep the test set at the natural class ratio.",
        guard="check_split",
    ),
    Rule(
        "DL206",
        "target-proxy-feature",
        "target-proxy",
        Severity.ERROR,
        "A single feature predicts the target almost perfectly on its own, or determines it exactly.",
        "Find out how the feature is produced; drop it if it is computed from the outcome or only known after it.",
        guard="check_split",
    ),
    Rule(
        "DL207",
        "used-before-published",
        "peek-a-boo",
        Severity.ERROR,
        "Feature values are used in rows whose prediction time comes before the values were published.",
        "Lag the feature by its publication delay (groupby(entity).shift) or join it as of the prediction time.",
        guard="check_split",
    ),
    # --- DL3xx: found at run time (mlvet.trace) -----------------------------------------
    Rule(
        "DL301",
        "traced-fit-on-evaluation-rows",
        "metrics-from-beyond",
        Severity.ERROR,
        "At run time, a preprocessing step was fitted on rows that were later used to evaluate a model.",
        "Fit the step on the training rows only, or put it in a Pipeline so it is refitted per split.",
        guard="trace",
    ),
    Rule(
        "DL302",
        "traced-resample-reaches-evaluation",
        "oversampling",
        Severity.ERROR,
        "At run time, rows a resampler saw or synthesised were later used to evaluate a model.",
        "Resample after the split and only the training rows (an imblearn Pipeline does it per fold).",
        guard="trace",
    ),
    Rule(
        "DL303",
        "traced-train-test-overlap",
        "overlap",
        Severity.ERROR,
        "At run time, a model was evaluated on a mix of rows it was trained on and rows it was not.",
        "Evaluate on rows disjoint from the training rows; deduplicate and split by entity.",
        guard="trace",
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
    Rule(
        "GE201",
        "traced-test-reuse",
        "multi-test",
        Severity.WARNING,
        "At run time, the same evaluation rows scored several models.",
        "Select among models by cross-validation on the training rows; score only the chosen one on the test rows, once (mlvet.Vault).",
        guard="trace",
    ),
    Rule(
        "GE202",
        "traced-fit-after-test",
        "test-in-selection",
        Severity.WARNING,
        "At run time, a model was fitted after a test score had been computed: the test result can shape what is built next.",
        "Finish development on training and validation rows; evaluate on the test rows last, once.",
        guard="trace",
    ),
    Rule(
        "GE301",
        "vault-budget-exceeded",
        "multi-test",
        Severity.WARNING,
        "A sealed test set was asked for more evaluations than its budget allows; the evaluation was refused.",
        "Develop on validation data; if a further final evaluation is justified, pass override= with a written reason.",
        guard="vault",
    ),
    Rule(
        "GE302",
        "vault-budget-override",
        "multi-test",
        Severity.WARNING,
        "A sealed test set was evaluated beyond its budget under a recorded override.",
        "Report every evaluation of the sealed set with the final score, and the reason for the extra ones.",
        guard="vault",
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
    Rule(
        "TC201",
        "best-at-range-edge",
        "search-design",
        Severity.WARNING,
        "The best value of a searched parameter sits at the edge of its range, so the optimum may lie outside the space.",
        "Widen the range past that edge (on a log scale for rates and penalties) and search again.",
        guard="tune",
    ),
    Rule(
        "TC202",
        "failed-trials",
        "unrecorded",
        Severity.WARNING,
        "Some trials of a search failed on some or all folds, so part of the space was not searched.",
        "Read the recorded tracebacks; fix the failing region or shrink the space, and rerun with the same seed.",
        guard="tune",
    ),
    Rule(
        "TC203",
        "tuning-not-better-than-default",
        "search-design",
        Severity.INFO,
        "The tuned parameters are not shown to beat the estimator's defaults on the same splits.",
        "Report the defaults (or the simpler model) unless a larger search or more data shows a real gain.",
        guard="tune",
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
    # --- PE2xx: found by mlvet.compare ------------------------------------------------------
    Rule(
        "PE201",
        "compared-on-other-splits",
        "unequal-pipelines",
        Severity.WARNING,
        "The last comparison of the same name used different splits or different data, or a candidate's preprocessing steps changed since, so the two cannot be set side by side.",
        "Score every candidate in one compare() call, or keep the splitter, its seed and the data fixed between runs.",
        guard="compare",
    ),
    Rule(
        "PE202",
        "winner-not-shown-better",
        "no-significance",
        Severity.WARNING,
        "The best-scoring model is not shown to beat the runner-up: the difference is within the noise of the splits.",
        "Report the two as tied (or practically equivalent), or gather more data or folds before naming a winner.",
        guard="compare",
    ),
    Rule(
        "PE203",
        "no-baseline",
        "no-baseline",
        Severity.WARNING,
        "Models are compared without a dummy or a simple baseline on the same splits.",
        "Keep baseline='auto' so that a dummy and a linear model are scored on the same splits.",
        guard="compare",
    ),
    Rule(
        "PE204",
        "candidates-differ-in-preprocessing",
        "unequal-pipelines",
        Severity.INFO,
        "The compared candidates differ in their preprocessing as well as their model, so the difference credits both together.",
        "Give every candidate the same preprocessing steps, or use mlvet.ablate to separate the two.",
        guard="compare",
    ),
    # --- CA: Bad Credit Assignment ------------------------------------------------------
    Rule(
        "CA201",
        "credit-elsewhere",
        "misattributed-gain",
        Severity.WARNING,
        "The component named as the improvement earns less of the gain than another component in an ablation.",
        "Credit the gain to the components the ablation names, or show the named one's effect in its own ablation.",
        guard="ablate",
    ),
    Rule(
        "CA202",
        "several-changes-one-credited",
        "confounded-change",
        Severity.WARNING,
        "Between two runs several factors changed (data, features, preprocessing, parameters, code) but one is credited with the difference.",
        "Change one factor at a time, or run mlvet.ablate over the changed factors before crediting one.",
        guard="diff",
    ),
    # --- CW: Communicate with Ambivalence ------------------------------------------------
    Rule(
        "CW201",
        "no-calibration-evidence",
        "miscalibrated",
        Severity.WARNING,
        "A model was registered or promoted with no calibration evidence, so nobody knows whether its probabilities mean what they say.",
        "Register it with calibration=guard.calibration_report(X_val, y_val) (Brier score, ECE, reliability diagram) on held-out rows.",
        guard="guard",
    ),
    Rule(
        "CW202",
        "poorly-calibrated",
        "miscalibrated",
        Severity.WARNING,
        "The model's expected calibration error on held-out rows is above the threshold.",
        "Recalibrate (CalibratedClassifierCV with isotonic or sigmoid on held-out rows), or communicate sets from a Guard rather than raw probabilities.",
        guard="guard",
    ),
    Rule(
        "CW203",
        "point-predictions-only",
        "no-uncertainty",
        Severity.WARNING,
        "A model goes to production bare: it will emit point predictions with no set, interval or route for uncertain rows.",
        "Deploy it behind mlvet.Guard (conformal sets or intervals, a fallback chain, a review queue) and register the Guard.",
        guard="guard",
    ),
    # --- AN: Act Now, Reflect Never (deployed models without checks) ------------------
    Rule(
        "AN201",
        "unmonitored-model",
        "unmonitored",
        Severity.ERROR,
        "A model is in production and no monitor watches its inputs or predictions.",
        "Create Monitor(name, reference, prediction=..., model=NAME) and observe every scored batch (mlvet monitor run from cron).",
        guard="monitor",
    ),
    Rule(
        "AN202",
        "monitor-without-alerts",
        "no-alert",
        Severity.WARNING,
        "A production model's monitors have no alert rule, so drift is recorded and nobody is told.",
        "Evaluate rules after each batch (evaluate(monitor, ['psi > 0.2 for 2 consecutive batches', 'estimated_auc < 0.8'], notifiers=[...])) or list them under rules: in monitors.yaml.",
        guard="monitor",
    ),
    # --- SF: Set and Forget (deployed models nobody revalidates) ---------------------
    Rule(
        "SF201",
        "stale-model",
        "stale",
        Severity.WARNING,
        "A production model was last validated longer ago than its staleness age.",
        "Check it on recent labelled data and record the outcome: revalidate(name, version, reason=...), or retrain and promote a new version.",
        guard="monitor",
    ),
    Rule(
        "SF202",
        "not-revalidated-after-drift",
        "not-revalidated",
        Severity.ERROR,
        "A production model's monitors raised an alert after it was last validated, and nobody has revalidated it since.",
        "Look at the alert's evidence (estimated vs realized performance), then revalidate(name, version, reason=...) with what you found, or retrain and promote a new version.",
        guard="monitor",
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
        guard="catalog",
    ),
    Rule(
        "DC102",
        "wrong-dtype",
        "schema",
        Severity.ERROR,
        "A column's data type differs from the type in the dataset's schema.",
        "Cast the column where it is produced, or update the schema if the change is intended.",
        guard="catalog",
    ),
    Rule(
        "DC103",
        "unexpected-nulls",
        "quality",
        Severity.ERROR,
        "A column that must not be null has null values.",
        "Find the producer step that drops values; impute explicitly in a recorded step if needed.",
        guard="catalog",
    ),
    Rule(
        "DC104",
        "check-failed",
        "quality",
        Severity.ERROR,
        "Values fail a data-quality check (range, allowed set, pattern).",
        "Fix the upstream data or the step that produced it; widen the check only on evidence.",
        guard="catalog",
    ),
    Rule(
        "DC105",
        "duplicate-values",
        "quality",
        Severity.ERROR,
        "A column or key that must be unique has duplicate values.",
        "Deduplicate in a recorded step, or correct the key the schema declares unique.",
        guard="catalog",
    ),
    Rule(
        "DC106",
        "no-assertions",
        "quality",
        Severity.INFO,
        "The dataset is registered with no data-quality assertions.",
        "Attach a schema: mlvet.infer_schema(reference) and register_dataset(..., schema=...).",
        guard="catalog",
    ),
    Rule(
        "DC201",
        "unknown-provenance",
        "provenance",
        Severity.WARNING,
        "The dataset is registered with no producer and no inputs: nobody can say where it came from.",
        "Register it with produced_by= (the loading or extraction code) and its inputs=.",
        guard="catalog",
    ),
    Rule(
        "DC202",
        "derived-from-quarantined",
        "lineage",
        Severity.ERROR,
        "A dataset is derived from a quarantined version.",
        "Repair the quarantined batch and register the repaired version, then derive from that.",
        guard="catalog",
    ),
    Rule(
        "DC301",
        "audit-chain-broken",
        "audit",
        Severity.ERROR,
        "The ledger's hash-chained event log was edited, reordered or had events deleted.",
        "Restore the ledger from a trusted backup and investigate who changed it and when.",
        guard="audit",
    ),
    Rule(
        "DC302",
        "record-does-not-match-event",
        "audit",
        Severity.ERROR,
        "A recorded row no longer matches the audit event that created it.",
        "Restore the row from the event's payload or a backup; find out who edited it.",
        guard="audit",
    ),
)
