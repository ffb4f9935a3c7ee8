"""What tune, compare and ablate share: data checks, scorers, splits drawn once and
fingerprinted, and descriptions of the estimator, the features and the calling code that
``mlvet diff`` sets side by side."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import numpy as np

from mlvet._git import git
from mlvet.exceptions import InputError

__all__ = [
    "caller_code_ref",
    "check_data",
    "check_seed",
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
    if isinstance(cv, int) or not hasattr(cv, "split"):
        raise InputError(
            "cv must be a splitter object (e.g. RepeatedStratifiedKFold(n_splits=5, "
            f"n_repeats=5, random_state=0)); got {cv!r}. An int would hide the seed."
        )
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y)]
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


def split_fingerprint(splits: list[Any]) -> str:
    digest = hashlib.sha256(b"mlvet-splits-v1")
    for train, test in splits:
        digest.update(np.asarray(train, dtype=np.int64).tobytes() + b"|")
        digest.update(np.asarray(test, dtype=np.int64).tobytes() + b"/")
    return digest.hexdigest()


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
