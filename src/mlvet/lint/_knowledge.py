"""What the analysis knows about the ML libraries: which names load data, learn state, split,
resample, evaluate or search.

Names are matched on the last component of the resolved import (``StandardScaler`` whether
it came from ``sklearn.preprocessing`` or an alias), plus suffix patterns for families of
classes, so code that imports with ``*`` or aliases is still understood.
"""

from __future__ import annotations

import re

__all__ = [
    "CV_FUNCTIONS",
    "DATA_LOADERS",
    "EVAL_METHODS",
    "METRIC_FUNCTIONS",
    "SEARCH_CLASSES",
    "SPLITTER_CLASSES",
    "estimator_role",
    "is_metric",
    "is_stochastic",
]

# Calls whose result is a fresh dataset (an "origin").
DATA_LOADERS = re.compile(
    r"^(read_(csv|parquet|excel|json|table|feather|pickle|sql|sql_query|sql_table|hdf|orc|"
    r"fwf|stata|sas|spss|xml|html|clipboard|ndjson|ipc|database|delta|avro)|"
    r"load_[a-z0-9_]+|fetch_[a-z0-9_]+|make_(classification|regression|blobs|moons|circles|"
    r"friedman\d|multilabel_classification|gaussian_quantiles|hastie_10_2|sparse_uncorrelated)|"
    r"load_dataset|loadtxt|genfromtxt|load|download|DataReader|get_data_yahoo|scan_csv|"
    r"scan_parquet|DataFrame|from_pandas|from_dict|from_records|read)$"
)
# Calls that make their data time-indexed.
TIME_MAKERS = frozenset({"to_datetime", "date_range", "DatetimeIndex", "period_range", "to_period"})

_TRANSFORMER = re.compile(
    r"^(\w*Scaler|\w*Imputer|OneHotEncoder|OrdinalEncoder|TargetEncoder|\w+Encoder|"
    r"\w*Vectorizer|TfidfTransformer|PCA|\w+PCA|TruncatedSVD|NMF|FactorAnalysis|FastICA|"
    r"LatentDirichletAllocation|KBinsDiscretizer|QuantileTransformer|PowerTransformer|"
    r"Select\w+|RFE|RFECV|VarianceThreshold|SequentialFeatureSelector|GenericUnivariateSelect|"
    r"ColumnTransformer|make_column_transformer|FeatureUnion|make_union|"
    r"LinearDiscriminantAnalysis|Isomap|TSNE|UMAP|LocallyLinearEmbedding|"
    r"Word2Vec|Tokenizer|TextVectorization|WOEEncoder|CountFrequencyEncoder|"
    r"MeanEncoder|RareLabelEncoder|DropCorrelatedFeatures|SmartCorrelatedSelection)$"
)
# Learned-looking names that learn nothing about rows (or only the number of columns).
_STATELESS = frozenset(
    {
        "Normalizer",
        "Binarizer",
        "FunctionTransformer",
        "PolynomialFeatures",
        "SplineTransformer",
        "HashingVectorizer",
        "FeatureHasher",
        "MissingIndicator",
        "LabelEncoder",
        "LabelBinarizer",
        "MultiLabelBinarizer",
    }
)
_TARGET_ENCODERS = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
_RESAMPLER = re.compile(
    r"^(SMOTE\w*|\w*SMOTE|ADASYN|RandomOverSampler|RandomUnderSampler|\w+Sampler|NearMiss|"
    r"TomekLinks|ClusterCentroids|EditedNearestNeighbours|RepeatedEditedNearestNeighbours|"
    r"AllKNN|CondensedNearestNeighbour|OneSidedSelection|NeighbourhoodCleaningRule|"
    r"InstanceHardnessThreshold|SMOTEENN|SMOTETomek)$"
)
_NOT_RESAMPLERS = frozenset(
    {
        "TPESampler",
        "RandomSampler",
        "GridSampler",
        "CmaEsSampler",
        "QMCSampler",
        "NSGAIISampler",
        "BruteForceSampler",
    }
)
SEARCH_CLASSES = frozenset(
    {
        "GridSearchCV",
        "RandomizedSearchCV",
        "HalvingGridSearchCV",
        "HalvingRandomSearchCV",
        "BayesSearchCV",
        "TuneSearchCV",
        "TuneGridSearchCV",
    }
)
RANDOM_SEARCHES = frozenset(
    {"RandomizedSearchCV", "HalvingRandomSearchCV", "BayesSearchCV", "TuneSearchCV"}
)
SPLITTER_CLASSES = frozenset(
    {
        "KFold",
        "StratifiedKFold",
        "GroupKFold",
        "StratifiedGroupKFold",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "TimeSeriesSplit",
        "LeaveOneOut",
        "LeavePOut",
        "LeaveOneGroupOut",
        "LeavePGroupsOut",
        "PredefinedSplit",
    }
)
# Splitters that shuffle whether asked or not.
SHUFFLING_SPLITTERS = frozenset(
    {
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
    }
)
CV_FUNCTIONS = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)
_MODEL = re.compile(
    r"^(\w*Classifier|\w*Regressor|\w*Regression|\w*RegressionCV|SVC|SVR|NuSVC|NuSVR|"
    r"LinearSVC|LinearSVR|\w*NB|KNeighbors\w*|RadiusNeighbors\w*|Lasso\w*|Ridge\w*|"
    r"ElasticNet\w*|Lars\w*|OrthogonalMatchingPursuit\w*|\w*Perceptron|XGB\w+|LGBM\w+|"
    r"CatBoost\w*|Sequential|Model|KMeans|MiniBatchKMeans|DBSCAN|IsolationForest|"
    r"OneClassSVM|LocalOutlierFactor|GaussianMixture|Prophet|ARIMA|SARIMAX|ExponentialSmoothing|"
    r"QuadraticDiscriminantAnalysis|GaussianProcess\w*|\w*Boost\w*|Pipeline|make_pipeline|"
    r"StackingClassifier|StackingRegressor|VotingClassifier|VotingRegressor|"
    r"CalibratedClassifierCV|TabNet\w*|AutoML|TPOT\w*)$"
)
# Estimators whose score changes from run to run unless seeded. XGBoost, LightGBM and
# CatBoost default to a fixed seed and are left out.
_STOCHASTIC = re.compile(
    r"^(RandomForest\w+|ExtraTrees\w+|GradientBoosting\w+|HistGradientBoosting\w+|"
    r"DecisionTree\w+|ExtraTree\w+|MLP\w+|SGD\w+|KMeans|MiniBatchKMeans|BaggingClassifier|"
    r"BaggingRegressor|AdaBoost\w+|IsolationForest|Perceptron)$"
)

METRIC_FUNCTIONS = frozenset(
    {
        "classification_report",
        "confusion_matrix",
        "multilabel_confusion_matrix",
        "roc_curve",
        "precision_recall_curve",
        "det_curve",
        "precision_recall_fscore_support",
        "log_loss",
        "hinge_loss",
        "zero_one_loss",
        "hamming_loss",
        "brier_score_loss",
        "mean_pinball_loss",
        "mean_tweedie_deviance",
        "mean_poisson_deviance",
        "mean_gamma_deviance",
        "auc",
        "from_predictions",
        "from_estimator",
        "plot_confusion_matrix",
        "plot_roc_curve",
        "plot_precision_recall_curve",
        "RocCurveDisplay",
        "ConfusionMatrixDisplay",
    }
)
_METRIC_PATTERN = re.compile(r"^\w+_(score|error|loss)$")
THRESHOLD_CURVES = frozenset({"roc_curve", "precision_recall_curve", "det_curve"})
EVAL_METHODS = frozenset({"score", "evaluate"})
PREDICT_METHODS = frozenset(
    {
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "fit_predict",
        "predict_classes",
        "transform_predict",
    }
)
FIT_METHODS = frozenset(
    {"fit", "fit_transform", "fit_resample", "partial_fit", "fit_predict", "fit_sample", "train"}
)
# pandas reductions whose value, broadcast back into rows, carries whole-data information.
STAT_METHODS = frozenset(
    {
        "mean",
        "median",
        "std",
        "var",
        "min",
        "max",
        "mode",
        "quantile",
        "sem",
        "skew",
        "kurt",
        "nunique",
        "value_counts",
        "describe",
        "sum",
        "count",
        "cummax",
        "cummin",
    }
)
# Calls that combine row sets.
CONCAT_FUNCTIONS = frozenset(
    {
        "concat",
        "concatenate",
        "vstack",
        "hstack",
        "append",
        "r_",
        "row_stack",
        "merge",
        "join",
        "union",
        "combine_first",
    }
)


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def estimator_role(qualname: str) -> str | None:
    """``"transform"``, ``"resample"``, ``"model"``, ``"search"``, ``"splitter"``,
    ``"target-encoder"``, ``"stateless"`` or ``None`` for a constructor's resolved name."""
    name = _last(qualname)
    if name in SEARCH_CLASSES:
        return "search"
    if name in SPLITTER_CLASSES:
        return "splitter"
    if name in _TARGET_ENCODERS:
        return "target-encoder"
    if name in _STATELESS:
        return "stateless"
    if name not in _NOT_RESAMPLERS and (
        _RESAMPLER.match(name)
        or ".over_sampling" in qualname
        or ".under_sampling" in qualname
        or ".combine." in qualname
    ):
        return "resample"
    if _TRANSFORMER.match(name):
        return "transform"
    if _MODEL.match(name):
        return "model"
    return None


def is_stochastic(qualname: str) -> bool:
    return bool(_STOCHASTIC.match(_last(qualname)))


def is_metric(qualname: str) -> bool:
    name = _last(qualname)
    return name in METRIC_FUNCTIONS or bool(_METRIC_PATTERN.match(name))
