"""What tune, compare and ablate share: data checks, scorers, splits drawn once and
fingerprinted, and descriptions of the estimator, the features and the calling code that
``mlvet diff`` sets side by side."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import numpy as np

from mlvet._checks import check_name
from mlvet._git import git
from mlvet.exceptions import InputError

__all__ = [
    "caller_code_ref",
    "check_data",
    "check_estimator",
    "check_features",
    "check_n_jobs",
    "check_name",
    "check_seed",
    "check_target",
    "data_fingerprint",
    "describe_estimator",
    "feature_names",
    "get_scorer_checked",
    "insert_splits",
    "json_clean",
    "split_fingerprint",
    "split_list",
]


def split_list(
    cv: Any, X: Any, y: np.ndarray, classification: bool, seed: int, *, who: str = "compare"
) -> list[Any]:
    """The splits, drawn once. ``compare`` also takes a single holdout split; ``tune`` and
    ``ablate`` need at least three folds for their paired tests."""
    from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

    if cv is None:
        maker = RepeatedStratifiedKFold if classification else RepeatedKFold
        cv = maker(n_splits=5, n_repeats=5, random_state=seed)
    if (
        isinstance(cv, (list, tuple))
        and cv
        and all(isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in cv)
    ):
        cv = _Fixed([(np.asarray(tr), np.asarray(te)) for tr, te in cv])
    if isinstance(cv, int) or not hasattr(cv, "split"):
        raise InputError(
            "cv must be a splitter object (e.g. RepeatedStratifiedKFold(n_splits=5, "
            f"n_repeats=5, random_state=0)); got {cv!r}. An int would hide the seed."
        )
    try:
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y)]
    except InputError:
        raise
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"The splitter {cv!r} cannot split these rows: {exc} A group splitter needs its "
            "groups: pass cv=list(splitter.split(X, y, groups)) (a list of (train, test) "
            "index pairs is accepted)."
        ) from exc
    if who != "compare" and len(splits) < 3:
        raise InputError(
            f"cv gives {len(splits)} split(s); {who} tests paired fold scores and needs at "
            "least 3 folds to mean anything (5 x 5 repeated k-fold is a good default)."
        )
    if len(splits) == 2 or not splits:
        raise InputError(
            f"cv gives {len(splits)} split(s); a corrected test needs at least 3 (5 x 5 "
            "repeated k-fold is a good default), or exactly one holdout split (McNemar and "
            "a paired bootstrap), e.g. ShuffleSplit(n_splits=1, test_size=0.25, random_state=0)."
        )
    return splits


class _Fixed:
    """Splits given as a list of (train, test) index pairs."""

    def __init__(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.pairs = pairs

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Any:
        n = len(y) if y is not None else len(X)
        for k, (tr, te) in enumerate(self.pairs):
            for side, idx in (("train", tr), ("test", te)):
                if idx.ndim != 1 or idx.dtype.kind not in "iu":
                    raise InputError(
                        f"Split {k}: the {side} side must be a 1-D array of integer row "
                        f"positions; got dtype {idx.dtype} and shape {idx.shape}."
                    )
                if idx.size == 0 or idx.max() >= n or idx.min() < 0:
                    raise InputError(
                        f"Split {k}: the {side} side is empty or indexes outside the {n} rows."
                    )
            shared = np.intersect1d(tr, te)
            if shared.size:
                raise InputError(
                    f"Split {k}: {shared.size} row(s) are on both the train and the test side "
                    f"(first: {shared[:5].tolist()}); a model would be scored on rows it learned."
                )
            yield tr, te

    def __repr__(self) -> str:
        return f"<{len(self.pairs)} given splits>"


def split_fingerprint(splits: list[Any]) -> str:
    digest = hashlib.sha256(b"mlvet-splits-v1")
    for train, test in splits:
        digest.update(np.asarray(train, dtype=np.int64).tobytes() + b"|")
        digest.update(np.asarray(test, dtype=np.int64).tobytes() + b"/")
    return digest.hexdigest()


def check_estimator(estimator: Any, who: str) -> None:
    if isinstance(estimator, type):
        raise InputError(
            f"{who} takes an estimator instance, not the class {estimator.__name__}; write "
            f"{estimator.__name__}()."
        )
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise InputError(
            f"{who} needs a scikit-learn estimator or Pipeline (with fit and get_params); got "
            f"{type(estimator).__name__}."
        )


def check_features(X: Any, who: str) -> Any:
    """X as given when it is a frame or an array; a list of rows becomes an array."""
    if isinstance(X, (list, tuple)):
        try:
            X = np.asarray(X)
        except ValueError as exc:
            raise InputError(
                f"{who}: X is a ragged list of rows ({exc}); give a frame or array."
            ) from exc
    if not hasattr(X, "shape") and not hasattr(X, "columns"):
        raise InputError(
            f"{who}: X must be a DataFrame or an array of rows; got {type(X).__name__}."
        )
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) != 2:
        raise InputError(
            f"{who}: X must be two-dimensional (rows x columns); got shape {tuple(shape)}. "
            "A single feature is X.reshape(-1, 1)."
        )
    if shape is not None and shape[1] == 0:
        raise InputError(f"{who}: X has no columns.")
    return X


def check_target(y: np.ndarray, classification: bool, who: str) -> None:
    """A classifier needs discrete labels of at least two classes."""
    import pandas as pd

    missing = int(pd.isna(pd.Series(y, dtype=object)).sum()) if y.dtype.kind == "O" else 0
    if missing:
        raise InputError(f"{who}: y has {missing} missing label(s) (None or NA); drop those rows.")
    if not classification:
        return
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise InputError(
            f"{who}: the estimator is a classifier but y is {kind}; pass class labels, or a "
            "regressor for a numeric target."
        )
    if len(np.unique(y)) < 2:
        raise InputError(f"{who}: y has a single class ({y[0]!r}); a classifier needs two or more.")


def check_n_jobs(n_jobs: Any) -> None:
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0
    ):
        raise InputError(f"n_jobs must be None, -1 or a non-zero int; got {n_jobs!r}.")


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise InputError(f"seed must be an int in [0, 2**32); got {seed!r}.")
    return int(seed)


def check_data(X: Any, y: Any, who: str = "compare") -> np.ndarray:
    n_x = len(X) if hasattr(X, "__len__") else None
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        raise InputError(f"y must be one-dimensional; got shape {y_arr.shape}.")
    if n_x != len(y_arr):
        raise InputError(f"X has {n_x} rows but y has {len(y_arr)}; pass one label per row.")
    if len(y_arr) < 10:
        raise InputError(f"{who} needs at least 10 rows to cross-validate; got {len(y_arr)}.")
    if y_arr.dtype.kind in "fc" and not np.isfinite(y_arr).all():
        bad = int((~np.isfinite(y_arr)).sum())
        raise InputError(f"y has {bad} NaN or infinite value(s); drop those rows or fill them.")
    return y_arr


def get_scorer_checked(scoring: Any) -> Any:
    from sklearn.metrics import get_scorer, get_scorer_names

    if not isinstance(scoring, str):
        raise InputError(f"scoring must be a scorer name such as 'roc_auc'; got {scoring!r}.")
    if scoring not in get_scorer_names():
        raise InputError(
            f"Unknown scoring {scoring!r}; valid names are {sorted(get_scorer_names())}."
        )
    return get_scorer(scoring)


def data_fingerprint(X: Any, y: np.ndarray) -> str:
    """A digest of the rows and labels in order (the splits index into this order)."""
    from mlvet.tracing import row_hashes

    digest = hashlib.sha256(b"mlvet-compare-data-v1")
    try:
        digest.update(row_hashes(X).tobytes())
    except Exception:  # an X the hasher cannot read: the labels still identify the order
        digest.update(b"?")
    digest.update(row_hashes(y).tobytes())
    return digest.hexdigest()


def describe_estimator(estimator: Any) -> dict[str, Any]:
    """The estimator's class, its pipeline steps and its parameters, as JSON values."""
    from mlvet.experiments._space import label

    steps: list[dict[str, str]] = []

    def walk(prefix: str, est: Any) -> None:
        inner = getattr(est, "steps", None) or getattr(est, "transformers", None)
        if inner is None:
            steps.append({"name": prefix or type(est).__name__, "class": _qualname(est)})
            return
        for item in inner:
            name, sub = item[0], item[1]
            if sub in ("drop", "passthrough") or sub is None:
                steps.append({"name": f"{prefix}{name}", "class": str(sub)})
            else:
                walk(f"{prefix}{name}/", sub)

    walk("", estimator)
    params: dict[str, Any] = {}
    if hasattr(estimator, "get_params"):
        for key, value in sorted(estimator.get_params(deep=True).items()):
            if hasattr(value, "get_params") or key in ("steps", "transformers", "memory"):
                continue
            if isinstance(value, np.generic):  # np.int64(100) is the parameter 100, not "100"
                value = value.item()
            params[key] = (
                value
                if value is None or isinstance(value, (bool, int, float, str))
                else label(value)
            )
    return {"class": _qualname(estimator), "steps": steps, "params": params}


def _qualname(obj: Any) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def feature_names(X: Any) -> list[str]:
    """Column names of a frame, or ``x0..xN`` for an array."""
    columns = getattr(X, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    shape = getattr(X, "shape", None)
    width = shape[1] if shape is not None and len(shape) > 1 else 1
    return [f"x{i}" for i in range(width)]


def caller_code_ref() -> dict[str, Any]:
    """The script that called into mlvet: file, line, the file's SHA-256, git commit."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("mlvet"):
        frame = frame.f_back
    if frame is None:
        return {}
    path = Path(frame.f_code.co_filename)
    ref: dict[str, Any] = {"file": str(path), "line": frame.f_lineno}
    try:
        ref["source_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ref  # a REPL or a notebook cell
    root = git(["rev-parse", "--show-toplevel"], path.parent)
    if root:
        ref["file"] = (
            str(path.resolve().relative_to(root))
            if path.resolve().is_relative_to(root)
            else str(path)
        )
        ref["git_commit"] = git(["rev-parse", "HEAD"], path.parent)
        ref["git_dirty"] = bool(git(["status", "--porcelain", "--", str(path)], path.parent))
    return ref


def insert_splits(tx: Any, run_id: str, fingerprint: str, splits: list[Any]) -> Any:
    """Record the splits a run used (their fingerprint and sizes); return the row's id."""
    from mlvet._json import canonical_json
    from mlvet.ledger import _schema as s

    return tx.insert(
        s.splits,
        {
            "run_id": run_id,
            "dataset_version_id": None,
            "method": "cross-validation" if len(splits) > 1 else "holdout",
            "fingerprint": fingerprint,
            "params_json": canonical_json(
                {"n_splits": len(splits), "sizes": [[len(a), len(b)] for a, b in splits]}
            ),
            "indices_uri": None,
        },
    )


def json_clean(value: Any) -> Any:
    """NaN and infinities as null, so a result is valid JSON."""
    import math

    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
