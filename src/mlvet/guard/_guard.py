"""``mlvet.Guard``: a model that says how sure it is, and hands over when it is not.

Communicate with Ambivalence is a pipeline that emits point predictions with no sense of
its own uncertainty. A Guard wraps a scikit-learn model with MAPIE's conformal
predictors: for a classifier, a prediction *set* that holds the true class with
probability at least ``1 - alpha``; for a regressor, an *interval* with that coverage.
``route(X)`` then decides, per row:

* ``model`` — the model's set is one class (or its interval is narrower than
  ``max_width``): the model's prediction stands;
* ``fallback`` — the model is unsure, and a fallback (calibrated the same way) is sure:
  the first sure model of the fallback chain decides (``Routing.decided_by`` names it);
* ``review`` — still unsure and ``review=True``: a person decides;
* ``abstain`` — still unsure, and nobody else to ask.

``method="split"`` holds out ``calibration_size`` of the rows to calibrate (stratified for
classifiers, seeded); ``"cross"`` is MAPIE's cross-conformal predictor (every row both
trains and calibrates); ``"mondrian"`` calibrates one threshold per class, so that every
class — not only the average — is covered at ``1 - alpha``.

For ``split`` and ``mondrian`` the sets are computed from one ``predict_proba`` (or one
``predict``) with the quantile of MAPIE's conformity scores, which gives MAPIE's own sets
(a test checks that they are identical) at the cost of a single pass over the model.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.utils.metaestimators import available_if

from mlvet.exceptions import InputError

__all__ = ["DECISIONS", "Guard", "Routing", "min_calibration_size"]

DECISIONS = ("model", "fallback", "review", "abstain")
METHODS = ("split", "cross", "mondrian")


def min_calibration_size(alpha: float) -> int:
    """The fewest calibration rows for which a split-conformal threshold is finite at
    ``alpha``: ``ceil((n + 1)(1 - alpha)) <= n`` first holds at ``n = ceil(1/alpha) - 1``.

    >>> min_calibration_size(0.1), min_calibration_size(0.05), min_calibration_size(0.01)
    (9, 19, 99)
    """
    _check_alpha(alpha)
    n = 1
    while math.ceil((n + 1) * (1 - alpha) - 1e-12) > n:
        n += 1
    return n


def _check_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)):
        raise InputError(f"alpha must be a number in (0, 1); got {alpha!r}.")
    if not 0 < float(alpha) < 1:
        raise InputError(
            f"alpha must lie strictly between 0 and 1 (it is the miscoverage: 0.1 asks for "
            f"90% coverage); got {alpha!r}."
        )
    return float(alpha)


def _quantile(scores: np.ndarray, alpha: float) -> float:
    """The split-conformal order statistic: the ceil((n+1)(1-alpha))-th smallest score
    (MAPIE's own choice, so that the sets match its ``predict_set``)."""
    n = len(scores)
    k = min(n, math.ceil((n + 1) * (1 - alpha) - 1e-12))
    return float(np.sort(scores)[k - 1])


EPSILON = 1e-8  # MAPIE's tolerance when a probability is compared with the threshold


def _kind(est: Any) -> str:
    """An estimator's class name; a pipeline by its final step's (``Pipeline(LogisticRegression)``)."""
    steps = getattr(est, "steps", None)
    if steps:
        return f"{type(est).__name__}({type(steps[-1][1]).__name__})"
    return type(est).__name__


def _rows(data: Any, index: np.ndarray) -> Any:
    return data.iloc[index] if hasattr(data, "iloc") else data[index]


def _allows_nan(model: Any) -> bool:
    """Whether the model takes missing values itself (an imputing pipeline, a booster)."""
    steps = getattr(model, "steps", None)
    if steps:  # a pipeline takes NaN when its first step does (an imputer, a booster)
        first = next((st for _, st in steps if st not in (None, "passthrough")), None)
        return first is not None and _allows_nan(first)
    branches = getattr(model, "transformers", None)
    if branches:  # a column transformer takes NaN when every branch does
        used = [t for _, t, _ in branches if t not in ("drop", "passthrough")]
        return bool(used) and all(_allows_nan(t) for t in used)
    try:
        return bool(model.__sklearn_tags__().input_tags.allow_nan)
    except Exception:
        return False


def _check_X(X: Any, who: str, allow_nan: bool = False) -> Any:
    import scipy.sparse

    if scipy.sparse.issparse(X):
        raise InputError(
            f"{who}: sparse input is not supported; pass X.toarray() or a dense frame."
        )
    if isinstance(X, (list, tuple)) or (hasattr(X, "__array__") and not hasattr(X, "shape")):
        X = np.asarray(X)
    if not hasattr(X, "shape"):
        raise InputError(f"{who}: X must be a DataFrame or a 2-D array; got {type(X).__name__}.")
    if len(X.shape) != 2:
        raise InputError(
            f"{who}: X must be two-dimensional (rows x columns); got shape {X.shape}. Reshape "
            "your data: a single feature is X.reshape(-1, 1), a single row X.reshape(1, -1)."
        )
    if X.shape[0] == 0:
        raise InputError(f"{who}: X has no rows.")
    numeric = (
        X.select_dtypes(include="number").to_numpy(dtype=float)
        if hasattr(X, "select_dtypes")
        else (np.asarray(X, dtype=float) if np.asarray(X).dtype.kind in "biuf" else None)
    )
    if numeric is not None and numeric.size:
        bad = np.argwhere(np.isinf(numeric) if allow_nan else ~np.isfinite(numeric))
    else:
        bad = np.empty((0, 2), dtype=int)
    if len(bad):
        row, col = (int(v) for v in bad[0])
        name = X.select_dtypes(include="number").columns[col] if hasattr(X, "columns") else col
        what = "infinite" if allow_nan else "NaN or infinite"
        raise InputError(
            f"{who}: X has {len(bad)} {what} value(s), the first in row {row}, column "
            f"{name!r}. The model does not take them: impute in the model's pipeline (then "
            "NaN is allowed), or drop those rows."
        )
    return X


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """MAPIE checks a prefit model by predicting on an unnamed zeros array; a model fitted
    on a frame then warns about feature names. That check is MAPIE's, not the user's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        warnings.filterwarnings("ignore", message=".*less labels than your training")
        yield


@dataclass(frozen=True)
class _Calibrated:
    """One calibrated model: the fitted estimator and its threshold (split: a float;
    Mondrian: one per class), or MAPIE's cross-conformal predictor, which keeps its folds."""

    estimator: Any
    threshold: Any = None
    cross: Any = None


@dataclass(frozen=True)
class Routing:
    """``Guard.route``'s answer: per row, the decision, the reason and the prediction."""

    decision: np.ndarray
    reason: np.ndarray
    prediction: np.ndarray
    set_size: np.ndarray | None = None
    width: np.ndarray | None = None
    decided_by: np.ndarray | None = None
    sets: np.ndarray | None = None
    """The model's conformal sets (rows x ``classes_``), for a classifier."""
    bounds: np.ndarray | None = None
    """The model's intervals (rows x 2), for a regressor."""

    def counts(self) -> dict[str, int]:
        return {d: int((self.decision == d).sum()) for d in DECISIONS}

    def shares(self) -> dict[str, float]:
        n = max(1, len(self.decision))
        return {d: c / n for d, c in self.counts().items()}

    def frame(self) -> Any:
        import pandas as pd

        data: dict[str, Any] = {
            "decision": self.decision,
            "reason": self.reason,
            "prediction": self.prediction,
        }
        if self.set_size is not None:
            data["set_size"] = self.set_size
        if self.width is not None:
            data["width"] = self.width
        if self.decided_by is not None:
            data["decided_by"] = self.decided_by
        return pd.DataFrame(data)

    def __len__(self) -> int:
        return len(self.decision)


class Guard(MetaEstimatorMixin, BaseEstimator):  # type: ignore[misc]
    """A conformal wrapper that routes uncertain rows to a fallback, a person, or nobody.

    Parameters
    ----------
    model : a scikit-learn classifier (with ``predict_proba``) or regressor.
    alpha : the miscoverage, in (0, 1): sets or intervals hold the truth with probability
        at least ``1 - alpha``.
    method : ``"split"``, ``"cross"`` or ``"mondrian"`` (per-class thresholds; classifiers).
    fallback : an estimator of the same kind, or an ordered list of them (a fallback
        chain: say a simpler robust model, then a rule written as an estimator), each
        calibrated like the model; the first one sure of a row decides it.
    review : route rows that neither model is sure of to ``review`` (else ``abstain``).
    calibration_size : the share of rows ``fit`` holds out to calibrate (split, mondrian).
    cv : folds of the cross-conformal predictor.
    max_width : for regressors, the widest interval that counts as sure (None: all do).
    random_state : seeds the calibration split and the cross-conformal folds.
    """

    def __init__(
        self,
        model: Any = None,
        *,
        alpha: float = 0.1,
        method: str = "split",
        fallback: Any = None,
        review: bool = False,
        calibration_size: float = 0.25,
        cv: int = 5,
        max_width: float | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.model = model
        self.alpha = alpha
        self.method = method
        self.fallback = fallback
        self.review = review
        self.calibration_size = calibration_size
        self.cv = cv
        self.max_width = max_width
        self.random_state = random_state

    # -- checks ----------------------------------------------------------------------------
    def _validate(self) -> None:
        _check_alpha(self.alpha)
        if self.model is None or not hasattr(self.model, "fit") or isinstance(self.model, type):
            raise InputError(
                "Guard needs a scikit-learn estimator instance as model, e.g. "
                f"Guard(LogisticRegression()); got {self.model!r}."
            )
        if self.method not in METHODS:
            raise InputError(f"method must be one of {list(METHODS)}; got {self.method!r}.")
        classifier = is_classifier(self.model)
        if classifier and not hasattr(self.model, "predict_proba"):
            raise InputError(
                f"{type(self.model).__name__} has no predict_proba; conformal sets need class "
                "probabilities (wrap it in CalibratedClassifierCV)."
            )
        if self.method == "mondrian" and not classifier:
            raise InputError(
                "method='mondrian' calibrates one threshold per class, for classifiers; use "
                "'split' or 'cross' for a regressor."
            )
        for est in self._chain():
            if not hasattr(est, "fit") or isinstance(est, type) or is_classifier(est) != classifier:
                raise InputError(
                    "fallback must be an estimator of the same kind as the model (a classifier "
                    f"for a classifier), or a list of them; got {est!r}."
                )
            if classifier and not hasattr(est, "predict_proba"):
                raise InputError(f"The fallback {type(est).__name__} has no predict_proba.")
        if not isinstance(self.review, (bool, np.bool_)):
            raise InputError(f"review must be True or False; got {self.review!r}.")
        if not (
            isinstance(self.calibration_size, (float, np.floating))
            and 0 < self.calibration_size < 1
        ):
            raise InputError(
                f"calibration_size must be a float in (0, 1); got {self.calibration_size!r}."
            )
        if isinstance(self.cv, bool) or not isinstance(self.cv, (int, np.integer)) or self.cv < 2:
            raise InputError(f"cv must be an int >= 2; got {self.cv!r}.")
        if self.max_width is not None and (
            isinstance(self.max_width, bool)
            or not isinstance(self.max_width, (int, float))
            or not self.max_width > 0
        ):
            raise InputError(
                f"max_width must be a positive number or None; got {self.max_width!r}."
            )

    def _check_target(self, y: Any, n: int) -> np.ndarray:
        y_arr = np.asarray(y)
        if y_arr.ndim == 2 and y_arr.shape[1] == 1:
            from sklearn.exceptions import DataConversionWarning

            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it was flattened "
                "to one label per row (y.ravel()).",
                DataConversionWarning,
                stacklevel=3,
            )
            y_arr = y_arr.ravel()
        if y_arr.ndim != 1 or len(y_arr) != n:
            raise InputError(
                f"y must be one label per row of X: X has {n} rows, y has shape {y_arr.shape}."
            )
        if y_arr.dtype.kind == "f" and not np.isfinite(y_arr).all():
            raise InputError("y has NaN or infinite values; drop those rows.")
        if is_classifier(self.model):
            from sklearn.utils.multiclass import type_of_target

            kind = type_of_target(y_arr)
            if kind not in ("binary", "multiclass"):
                raise InputError(
                    f"Unknown label type: {kind}. The model is a classifier; pass class labels, "
                    "or guard a regressor for a numeric target."
                )
        elif y_arr.dtype.kind == "c":
            raise InputError("Complex data not supported: y must be real numbers.")
        elif y_arr.dtype.kind not in "biuf":
            try:
                y_arr = y_arr.astype(float)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"Unknown label type: the model is a regressor but y holds {y_arr.dtype} "
                    "values that are not numbers; pass numbers, or guard a classifier."
                ) from exc
        return y_arr

    def _nan_ok(self) -> bool:
        return _allows_nan(self.model) and all(_allows_nan(f) for f in self._chain())

    def _chain(self) -> list[Any]:
        if self.fallback is None:
            return []
        return list(self.fallback) if isinstance(self.fallback, (list, tuple)) else [self.fallback]

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> Guard:
        """Fit the model (and the fallback) and calibrate them (see ``method``)."""
        self._validate()
        X = _check_X(X, "Guard.fit", self._nan_ok())
        y_arr = self._check_target(y, X.shape[0])
        self._classifier = is_classifier(self.model)
        if self.method == "cross":
            self.calibrated_ = self._cross(self.model, X, y_arr)
            self.fallback_ = [self._cross(est, X, y_arr) for est in self._chain()]
            self._finish()
            return self
        from sklearn.model_selection import train_test_split

        stratify = y_arr if self._classifier else None
        try:
            train, cal = train_test_split(
                np.arange(len(y_arr)),
                test_size=self.calibration_size,
                random_state=self.random_state,
                stratify=stratify,
            )
        except ValueError as exc:
            raise InputError(f"Guard.fit cannot hold out a calibration set: {exc}") from exc
        X_tr, y_tr = _rows(X, train), y_arr[train]
        X_cal, y_cal = _rows(X, cal), y_arr[cal]
        model = clone(self.model).fit(X_tr, y_tr)
        chain = [clone(est).fit(X_tr, y_tr) for est in self._chain()]
        return self._calibrate(model, chain, X_cal, y_cal)

    def calibrate(self, X_cal: Any, y_cal: Any) -> Guard:
        """Calibrate an already fitted model (and fallback) on held-out rows."""
        self._validate()
        if self.method == "cross":
            raise InputError(
                "method='cross' fits and calibrates together; call fit(X, y), or use "
                "method='split' to calibrate a fitted model."
            )
        from sklearn.utils.validation import check_is_fitted

        for est in (self.model, *self._chain()):
            if est is not None:
                try:
                    check_is_fitted(est)
                except Exception as exc:
                    raise InputError(
                        f"calibrate() needs a fitted {type(est).__name__}; fit it first, or "
                        "call Guard.fit(X, y) to fit and calibrate."
                    ) from exc
        self._classifier = is_classifier(self.model)
        X_cal = _check_X(X_cal, "Guard.calibrate", self._nan_ok())
        y_cal = self._check_target(y_cal, X_cal.shape[0])
        return self._calibrate(self.model, self._chain(), X_cal, y_cal)

    def _calibrate(self, model: Any, chain: list[Any], X_cal: Any, y_cal: np.ndarray) -> Guard:
        if self._classifier:
            for est in chain:
                if list(est.classes_) != list(model.classes_):
                    raise InputError(
                        f"The fallback {type(est).__name__} knows the classes "
                        f"{list(est.classes_)} but the model knows {list(model.classes_)}; fit "
                        "every model of the chain on the same labels."
                    )
        self.calibrated_ = self._split(model, X_cal, y_cal)
        self.fallback_ = [self._split(est, X_cal, y_cal) for est in chain]
        self._finish()
        return self

    def _finish(self) -> None:
        est = self.calibrated_.estimator
        if self._classifier:
            self.classes_ = np.asarray(est.classes_)
        if hasattr(est, "n_features_in_"):
            self.n_features_in_ = est.n_features_in_
        if hasattr(est, "feature_names_in_"):
            self.feature_names_in_ = est.feature_names_in_

    def _split(self, model: Any, X_cal: Any, y_cal: np.ndarray) -> _Calibrated:
        alpha = float(self.alpha)
        need = min_calibration_size(alpha)
        if len(y_cal) < need:
            raise InputError(
                f"The calibration set has {len(y_cal)} rows; alpha={alpha:g} needs at least "
                f"{need} (ceil(1/alpha) - 1) for a finite threshold. Calibrate on more rows "
                "or raise alpha."
            )
        if not self._classifier:
            from mapie.regression import SplitConformalRegressor

            mapie = SplitConformalRegressor(model, confidence_level=1 - alpha, prefit=True)
            with _quiet():
                mapie.conformalize(X_cal, y_cal)
            scores = np.asarray(mapie._mapie_regressor.conformity_scores_, dtype=float)
            return _Calibrated(model, _quantile(scores, alpha))
        classes = np.asarray(model.classes_)
        unseen = sorted(set(np.unique(y_cal).tolist()) - set(classes.tolist()))
        if unseen:
            raise InputError(
                f"The calibration labels include class(es) {unseen} that the model never saw "
                f"(it knows {classes.tolist()}); refit the model on data with every class."
            )
        from mapie.classification import SplitConformalClassifier

        if self.method == "mondrian":
            counts = {c: int((y_cal == c).sum()) for c in classes.tolist()}
            short = {c: n for c, n in counts.items() if n < need}
            if short:
                raise InputError(
                    f"Mondrian calibration needs at least {need} rows of every class at "
                    f"alpha={alpha:g}; the calibration set has {short}. Calibrate on more "
                    "rows, raise alpha, or use method='split'."
                )
            thresholds = np.empty(len(classes))
            for k, c in enumerate(classes):
                mask = y_cal == c
                mapie = SplitConformalClassifier(model, confidence_level=1 - alpha, prefit=True)
                with _quiet():  # one class per calibration subset, by design
                    mapie.conformalize(_rows(X_cal, np.flatnonzero(mask)), y_cal[mask])
                scores = np.asarray(mapie._mapie_classifier.conformity_scores_, dtype=float)
                thresholds[k] = _quantile(scores.ravel(), alpha)
            return _Calibrated(model, thresholds)
        mapie = SplitConformalClassifier(model, confidence_level=1 - alpha, prefit=True)
        with _quiet():
            mapie.conformalize(X_cal, y_cal)
        scores = np.asarray(mapie._mapie_classifier.conformity_scores_, dtype=float)
        return _Calibrated(model, _quantile(scores.ravel(), alpha))

    def _cross(self, model: Any, X: Any, y: np.ndarray) -> _Calibrated:
        alpha = float(self.alpha)
        if self._classifier:
            from mapie.classification import CrossConformalClassifier

            mapie: Any = CrossConformalClassifier(
                clone(model), confidence_level=1 - alpha, cv=self.cv, random_state=self.random_state
            )
        else:
            from mapie.regression import CrossConformalRegressor

            mapie = CrossConformalRegressor(
                clone(model), confidence_level=1 - alpha, cv=self.cv, random_state=self.random_state
            )
        try:
            with _quiet():
                mapie.fit_conformalize(X, y)
        except ValueError as exc:
            raise InputError(f"Cross-conformal calibration failed: {exc}") from exc
        try:  # MAPIE refuses some settings only at prediction time: find out now
            with _quiet():
                probe = _rows(X, np.arange(1))
                mapie.predict_set(probe) if self._classifier else mapie.predict_interval(probe)
        except ValueError as exc:
            raise InputError(
                f"Cross-conformal calibration cannot predict at alpha={alpha:g} with "
                f"{len(y)} rows and cv={self.cv}: {exc}. Use more rows or a larger alpha."
            ) from exc
        fitted = clone(model).fit(X, y)  # the point predictor: the model on every row
        return _Calibrated(fitted, cross=mapie)

    # -- predicting --------------------------------------------------------------------------
    def _fitted(self) -> _Calibrated:
        if not hasattr(self, "calibrated_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                "This Guard is not fitted yet; call fit(X, y), or calibrate(X_cal, y_cal) for "
                "a fitted model."
            )
        return self.calibrated_

    def predict(self, X: Any) -> np.ndarray:
        """The model's point predictions."""
        cal = self._fitted()
        X = _check_X(X, "Guard.predict", self._nan_ok())
        return np.asarray(cal.estimator.predict(X))

    @available_if(lambda self: is_classifier(self.model))  # type: ignore[untyped-decorator]
    def predict_proba(self, X: Any) -> np.ndarray:
        cal = self._fitted()
        if not self._classifier:
            raise InputError("predict_proba is for classifiers; use predict_interval.")
        return np.asarray(
            cal.estimator.predict_proba(_check_X(X, "Guard.predict_proba", self._nan_ok()))
        )

    def _sets(self, cal: _Calibrated, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """(point predictions, boolean sets n x classes) from one pass over the model."""
        if cal.threshold is None:  # cross-conformal: MAPIE aggregates its folds
            y_pred, sets = cal.cross.predict_set(X)
            return np.asarray(cal.estimator.predict(X)), np.asarray(sets)[:, :, 0]
        proba = np.asarray(cal.estimator.predict_proba(X))
        classes = np.asarray(cal.estimator.classes_)
        y_pred = classes[np.argmax(proba, axis=1)]
        return y_pred, (1 - proba) - np.asarray(cal.threshold) <= EPSILON

    def _intervals(self, cal: _Calibrated, X: Any) -> tuple[np.ndarray, np.ndarray]:
        if cal.threshold is None:
            _, bounds = cal.cross.predict_interval(X)
            return np.asarray(cal.estimator.predict(X)), np.asarray(bounds)[:, :, 0]
        y_pred = np.asarray(cal.estimator.predict(X), dtype=float)
        return y_pred, np.column_stack([y_pred - cal.threshold, y_pred + cal.threshold])

    def predict_set(self, X: Any) -> np.ndarray:
        """For each row, a boolean mask over ``classes_``: the conformal prediction set."""
        cal = self._fitted()
        if not self._classifier:
            raise InputError("predict_set is for classifiers; a regressor has predict_interval.")
        return self._sets(cal, _check_X(X, "Guard.predict_set", self._nan_ok()))[1]

    def predict_interval(self, X: Any) -> np.ndarray:
        """For each row, ``[low, high]``: the conformal prediction interval."""
        cal = self._fitted()
        if self._classifier:
            raise InputError("predict_interval is for regressors; a classifier has predict_set.")
        return self._intervals(cal, _check_X(X, "Guard.predict_interval", self._nan_ok()))[1]

    def route(self, X: Any) -> Routing:
        """Decide for each row who answers: the model, the fallback, a reviewer, or nobody."""
        cal = self._fitted()
        X = _check_X(X, "Guard.route", self._nan_ok())
        n = X.shape[0]
        decision = np.full(n, "abstain" if not self.review else "review", dtype=object)
        reason = np.empty(n, dtype=object)
        if self._classifier:
            y_pred, sets = self._sets(cal, X)
            size = sets.sum(axis=1)
            sure = size == 1
            prediction = y_pred.astype(object)
            prediction[sure] = np.asarray(cal.estimator.classes_)[np.argmax(sets[sure], axis=1)]
            reason[sure] = "the model's conformal set is one class"
            reason[~sure] = np.where(
                size[~sure] == 0,
                "the model's conformal set is empty (no class is plausible)",
                "the model's conformal set has several classes",
            )
            width, bounds = None, None
        else:
            y_pred, bounds = self._intervals(cal, X)
            sets = None
            width = bounds[:, 1] - bounds[:, 0]
            sure = np.ones(n, dtype=bool) if self.max_width is None else width <= self.max_width
            prediction = y_pred.astype(object)
            reason[sure] = "the model's interval is narrow enough"
            reason[~sure] = f"the model's interval is wider than {self.max_width}"
            size = None
        decision[sure] = "model"
        decided_by = np.where(sure, "model", "").astype(object)
        for position, fallback in enumerate(self.fallback_):
            rows = np.flatnonzero(decided_by == "")
            if not rows.size:
                break
            X_u = _rows(X, rows)
            if self._classifier:
                _, fb_sets = self._sets(fallback, X_u)
                fb_sure = fb_sets.sum(axis=1) == 1
                fb_value = np.asarray(fallback.estimator.classes_)[np.argmax(fb_sets, axis=1)]
            else:
                fb_pred, fb_bounds = self._intervals(fallback, X_u)
                fb_width = fb_bounds[:, 1] - fb_bounds[:, 0]
                fb_sure = (
                    np.ones(len(rows), dtype=bool)
                    if self.max_width is None
                    else fb_width <= self.max_width
                )
                fb_value = fb_pred
            label = f"fallback {position + 1} ({_kind(fallback.estimator)})"
            taken = rows[fb_sure]
            decision[taken] = "fallback"
            decided_by[taken] = label
            prediction[taken] = np.asarray(fb_value, dtype=object)[fb_sure]
            reason[taken] = np.asarray(reason[taken], dtype=object) + f"; {label} is sure"
            left = rows[~fb_sure]
            reason[left] = np.asarray(reason[left], dtype=object) + f"; {label} is unsure too"
        still = decided_by == ""
        if self.review:
            reason[still] = np.asarray(reason[still], dtype=object) + "; queued for review"
        else:
            reason[still] = np.asarray(reason[still], dtype=object) + "; nobody else to ask"
        decided_by[decision == "review"] = "reviewer"
        decided_by[decision == "abstain"] = "nobody"
        return Routing(decision, reason, prediction, size, width, decided_by, sets, bounds)

    def calibration_report(self, X: Any, y: Any, *, segments: Any = None, n_bins: int = 10) -> Any:
        """Brier score, ECE and the reliability curve of the model's probabilities on
        held-out rows (overall and per segment); see :func:`calibration_report`."""
        from mlvet.guard._calibration import calibration_report

        cal = self._fitted()
        if not self._classifier:
            raise InputError("calibration_report is for classifiers' probabilities.")
        X = _check_X(X, "Guard.calibration_report", self._nan_ok())
        y_arr = self._check_target(y, X.shape[0])
        proba = cal.estimator.predict_proba(X)
        return calibration_report(
            y_arr, proba, classes=cal.estimator.classes_, segments=segments, n_bins=n_bins
        )

    def score(self, X: Any, y: Any) -> float:
        """The model's own score (accuracy for a classifier, R² for a regressor), so that a
        Guard works in ``cross_val_score`` and ``GridSearchCV``."""
        cal = self._fitted()
        X = _check_X(X, "Guard.score", self._nan_ok())
        return float(cal.estimator.score(X, self._check_target(y, X.shape[0])))

    def coverage(self, X: Any, y: Any) -> float:
        """The share of rows whose set (or interval) holds the true label."""
        cal = self._fitted()
        X = _check_X(X, "Guard.coverage", self._nan_ok())
        y_arr = self._check_target(y, X.shape[0])
        if self._classifier:
            sets = self._sets(cal, X)[1]
            classes = np.asarray(cal.estimator.classes_)
            unknown = sorted({str(v) for v in y_arr.tolist()} - {str(c) for c in classes.tolist()})
            numeric = (y_arr.dtype.kind in "biuf", classes.dtype.kind in "biuf")
            if unknown or numeric[0] != numeric[1]:
                raise InputError(
                    f"y's labels {unknown[:5] or y_arr.dtype} do not match the model's classes "
                    f"{classes.tolist()} (of type {classes.dtype}); pass labels of the same kind."
                )
            idx = np.searchsorted(classes, y_arr)
            known = (idx < len(classes)) & (classes[np.minimum(idx, len(classes) - 1)] == y_arr)
            hit = np.zeros(len(y_arr), dtype=bool)
            hit[known] = sets[np.flatnonzero(known), idx[known]]
            return float(hit.mean())
        bounds = self._intervals(cal, X)[1]
        return float(((bounds[:, 0] <= y_arr) & (y_arr <= bounds[:, 1])).mean())

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        if self.model is not None and hasattr(self.model, "__sklearn_tags__"):
            inner = self.model.__sklearn_tags__()
            tags.estimator_type = inner.estimator_type
            tags.classifier_tags = inner.classifier_tags
            tags.regressor_tags = inner.regressor_tags
        tags.input_tags.allow_nan = self.model is not None and self._nan_ok()
        return tags
