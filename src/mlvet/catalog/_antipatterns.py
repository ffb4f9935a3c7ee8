"""The nine MLOps antipatterns of Muralidhar et al. (2021) as data.

Source: N. Muralidhar, S. Muthiah, P. Butler, M. Jain, Y. Yu, K. Burne, W. Li, D. Jones,
P. Arunachalam, H. S. McCormick, N. Ramakrishnan, "Using AntiPatterns to avoid MLOps
Mistakes", arXiv:2107.00079 (2021). The families, the paper's stages, the named kinds of
leakage and the recommendations below are the vocabulary of every finding mlvet reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "PAPER",
    "Antipattern",
    "Recommendation",
    "Stage",
]

PAPER = "Muralidhar et al., 'Using AntiPatterns to avoid MLOps Mistakes', arXiv:2107.00079 (2021)"


class Stage(StrEnum):
    """The stage of the ML life cycle in which the paper places an antipattern."""

    DESIGN = "design & development"
    EVALUATION = "performance evaluation"
    DEPLOYMENT = "deployment & maintenance"


@dataclass(frozen=True)
class Kind:
    """One entry of a family's fixed ``kind`` vocabulary."""

    name: str
    description: str


@dataclass(frozen=True)
class Antipattern:
    """One of the nine antipatterns: its two-letter family code and what it means."""

    family: str
    name: str
    stage: Stage
    summary: str
    consequence: str
    guard: str
    kinds: tuple[Kind, ...]
    coverage: str | None = None
    """What mlvet checks for this family today, or ``None`` when nothing does yet."""

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.kinds)


@dataclass(frozen=True)
class Recommendation:
    """A practice the paper recommends, and the families it defends against."""

    text: str
    families: tuple[str, ...]
    implemented_by: str | None


ANTIPATTERNS: tuple[Antipattern, ...] = (
    Antipattern(
        family="DL",
        name="Data Leakage",
        stage=Stage.DESIGN,
        summary=(
            "Information that will not be available at prediction time reaches training or "
            "evaluation: Peek-a-Boo (a value used before it is published), temporal leakage "
            "(time-dependent data split at random), oversampling leakage (resampling before "
            "the split) and Metrics-from-Beyond (preprocessing or selection fitted with test data)."
        ),
        consequence=(
            "Optimistic offline scores; the paper's Fig. 2 shows minority-class F1 0.84 with "
            "oversampling before the split against 0.60 honestly."
        ),
        guard="lint, check_split and trace",
        coverage=(
            "static lint of scripts and notebooks (mlvet lint): fits before the split, resampling "
            "before the split, train/test overlap, shuffled time splits, future-shifted features; "
            "checks on split data (check_split): duplicate and near-duplicate rows, shared "
            "entities, time order, a rebalanced test set, target proxies, values used before "
            "publication; run-time tracing (trace): preprocessing or resampling that reached "
            "the evaluation, train/test overlap"
        ),
        kinds=(
            Kind("peek-a-boo", "a value is used before it is published (reporting lag)"),
            Kind("temporal", "time-dependent data split or cross-validated at random"),
            Kind("oversampling", "resampling or augmentation before the train/test split"),
            Kind(
                "metrics-from-beyond",
                "a scaler, imputer, selector or hyperparameter fitted with test data",
            ),
            Kind("overlap", "the same rows or entities on both sides of a split"),
            Kind("target-proxy", "a feature that encodes the target"),
        ),
    ),
    Antipattern(
        family="TC",
        name="Tuning-under-the-Carpet",
        stage=Stage.DESIGN,
        summary=(
            "Hyperparameters are searched without a record of the space, the seed, the trials "
            "or the budget, so the reported model cannot be reproduced or judged."
        ),
        consequence="Irreproducible results and an unknown optimism from picking the best trial.",
        guard="tune",
        coverage=(
            "static lint (mlvet lint): unseeded searches and estimators, unrecorded hand-written "
            "searches, grid-search design; mlvet.tune: seeded, recorded searches (every trial, "
            "space, seed, splits), best values at a range's edge, failed trials, tuning that "
            "does not beat the defaults"
        ),
        kinds=(
            Kind("unrecorded", "a search whose space, trials or budget are not recorded"),
            Kind("unseeded", "a search or stochastic estimator with no fixed seed"),
            Kind("search-design", "a search that covers the space poorly for its budget"),
        ),
    ),
    Antipattern(
        family="PE",
        name="PEST (Perceived Empirical SuperioriTy)",
        stage=Stage.EVALUATION,
        summary=(
            "A model is declared better from unequal pipelines, different splits or a "
            "difference within noise, without a baseline or a sound statistical test."
        ),
        consequence="Claims of superiority that do not survive a fair comparison.",
        guard="compare",
        coverage=(
            "static lint (mlvet lint): models compared on different splits or preprocessing, "
            "single-split comparisons; mlvet.compare: identical fingerprinted splits, "
            "baselines, corrected tests, comparisons recorded on other splits or data, "
            "winners not shown better, candidates with unequal preprocessing"
        ),
        kinds=(
            Kind("unequal-pipelines", "candidates compared on different splits, data or steps"),
            Kind("no-significance", "superiority claimed without a corrected test"),
            Kind("no-baseline", "no simple baseline in the comparison"),
        ),
    ),
    Antipattern(
        family="CA",
        name="Bad Credit Assignment",
        stage=Stage.EVALUATION,
        summary=(
            "The gain is credited to the touted component while it came from preprocessing, "
            "tuning or the problem formulation."
        ),
        consequence="Effort spent on the component that does not matter.",
        guard="ablate and diff",
        coverage=(
            "mlvet.ablate: LOCO and Shapley credit over steps, feature groups and tuned "
            "hyperparameters on identical splits; mlvet diff: what changed between two runs"
        ),
        kinds=(
            Kind("misattributed-gain", "most of the gain comes from another component"),
            Kind("confounded-change", "several factors changed between runs, one is credited"),
        ),
    ),
    Antipattern(
        family="GE",
        name="Grade-your-own-Exam",
        stage=Stage.EVALUATION,
        summary=(
            "The test set is looked at, reused and selected on (HARKing), so the final score "
            "is part of the development loop rather than an independent exam."
        ),
        consequence="A final score that overstates performance on new data.",
        guard="lint, trace and the vault",
        coverage=(
            "static lint (mlvet lint): one test set scoring several models, test data in early "
            "stopping, searches and threshold choice; run-time tracing (trace): a test set "
            "scoring several models, fits after a test score; the vault: a sealed test set "
            "with a commitment, an access log and an evaluation budget"
        ),
        kinds=(
            Kind("multi-test", "the same test set evaluated for several models, the best kept"),
            Kind(
                "test-in-selection",
                "test data used for early stopping, thresholds or hyperparameter selection",
            ),
        ),
    ),
    Antipattern(
        family="AN",
        name="Act Now, Reflect Never",
        stage=Stage.DEPLOYMENT,
        summary=(
            "Predictions are consumed downstream with no checks on inputs or outputs, no "
            "alerts and no gate before action."
        ),
        consequence="Silent failures acted on before anyone notices.",
        guard="monitor and alerts",
        coverage=(
            "mlvet.monitoring: monitors of inputs and predictions with alert rules and "
            "notifiers; check_deployments: a production model with no monitor (AN201) or no "
            "alert rule (AN202)"
        ),
        kinds=(
            Kind("unmonitored", "a deployed model with no input or prediction monitor"),
            Kind("no-alert", "a monitor with no alert rule or notifier"),
            Kind("ungated-action", "predictions acted on without a gate"),
        ),
    ),
    Antipattern(
        family="SF",
        name="Set and Forget",
        stage=Stage.DEPLOYMENT,
        summary=(
            "A model is left in production with no drift detection, no revalidation and no "
            "retraining policy while the world changes (the paper's March 2020 regime shift)."
        ),
        consequence="Performance decays under concept drift and nobody retrains.",
        guard="monitor and retraining policy",
        coverage=(
            "mlvet.monitoring: drift per column and multivariate, performance estimated and "
            "realized over time, river change detectors; check_deployments: a model past its "
            "staleness age (SF201) or not revalidated after an alert (SF202)"
        ),
        kinds=(
            Kind("drift", "input, prediction or concept drift beyond threshold"),
            Kind("stale", "a model past its staleness age"),
            Kind("not-revalidated", "a model not revalidated after drift"),
        ),
    ),
    Antipattern(
        family="CW",
        name="Communicate with Ambivalence",
        stage=Stage.DEPLOYMENT,
        summary=(
            "Predictions are emitted with no sense of their uncertainty, so neither fallback "
            "systems nor people can take over when the model is unsure."
        ),
        consequence="Over-confident decisions and no route to a human or a fallback.",
        guard="Guard: conformal sets, fallbacks, review",
        coverage=(
            "mlvet.Guard: conformal sets and intervals (split, cross, Mondrian), fallback "
            "chains and a review queue; calibration reports; the model registry reports "
            "models without calibration evidence, poorly calibrated, or bare in production"
        ),
        kinds=(
            Kind("no-uncertainty", "predictions emitted without sets, intervals or scores"),
            Kind("miscalibrated", "calibration error beyond threshold or not measured"),
            Kind("no-fallback", "no fallback model or human route for uncertain rows"),
        ),
    ),
    Antipattern(
        family="DC",
        name="Data Crisis as a Service",
        stage=Stage.DEPLOYMENT,
        summary=(
            "Data is hand-prepared and passed around without lineage, assertions or an audit "
            "trail, so nobody can say which data a model saw or whether it was fit for use."
        ),
        consequence="Untraceable results and bad batches used silently.",
        guard="catalog, lineage, assertions and the audit chain",
        kinds=(
            Kind("schema", "columns or types differ from the dataset's schema"),
            Kind("quality", "values violate the dataset's data-quality assertions"),
            Kind("lineage", "data derived from a quarantined or unknown input"),
            Kind("provenance", "data registered with no producer and no inputs"),
            Kind("audit", "the audit chain or a recorded row was edited or deleted"),
        ),
        coverage=(
            "dataset catalog with full-content fingerprints, lineage with code references, "
            "Pandera assertions with quarantine, hash-chained audit trail"
        ),
    ),
)

RECOMMENDATIONS: tuple[Recommendation, ...] = (
    Recommendation(
        "Use assertions to track data quality.",
        ("DC", "AN"),
        "mlvet.infer_schema / register_dataset(schema=...)",
    ),
    Recommendation(
        "Document data lineage with transformations so that audit trails exist.",
        ("DC",),
        "mlvet.register_dataset(inputs=..., produced_by=...), mlvet.step, mlvet audit verify",
    ),
    Recommendation(
        "Keep ensembles and fallback pipelines ready, with a history of the models used.",
        ("CW", "SF"),
        None,
    ),
    Recommendation(
        "Put humans in the loop at several levels (notify, intervene, outcome).",
        ("CW", "AN"),
        None,
    ),
    Recommendation(
        "Split time-dependent data by time and respect reporting lags.",
        ("DL",),
        None,
    ),
    Recommendation(
        "Record every tuning trial, seed and search space next to the score.",
        ("TC",),
        None,
    ),
    Recommendation(
        "Compare models on identical splits with corrected statistics and a simple baseline.",
        ("PE", "CA"),
        None,
    ),
    Recommendation(
        "Keep the test set sealed and spend it once.",
        ("GE",),
        None,
    ),
    Recommendation(
        "Monitor inputs and predictions for drift and retrain on a policy.",
        ("SF", "AN"),
        None,
    ),
    Recommendation(
        "Use the antipatterns as a shared vocabulary in reviews and scorecards.",
        ("DL", "TC", "PE", "CA", "GE", "AN", "SF", "CW", "DC"),
        "mlvet scorecard",
    ),
)


TOOL = Antipattern(
    family="MV",
    name="Not analysed",
    stage=Stage.DESIGN,
    summary="Not an antipattern: a file mlvet could not parse or fully analyse.",
    consequence="The file was not checked, so its mistakes would go unreported.",
    guard="mlvet lint",
    kinds=(Kind("parse", "the file or a cell could not be parsed or analysed"),),
)
"""mlvet's own family for inputs it could not check; it is not one of the nine."""
