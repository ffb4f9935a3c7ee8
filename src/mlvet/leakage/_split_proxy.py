"""DL206: single features that predict the target on their own (target proxies).

For each feature a one-feature model is cross-validated on the training rows: the feature
is cut into bins (numbers on training-fold quantiles, few-valued numbers and categories by
value), the per-bin target statistics are learned on four folds and scored on the fifth.
All folds and bins come out of one ``np.bincount`` per feature; the scores are computed
from per-bin counts, never per row, so 50 features of 200,000 rows take about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlvet.data import canonical_type

__all__ = ["ProxyResult", "ProxySettings", "Scan", "scan_proxies"]

_SUB = 4096  # rows used to place the fine bin edges
_FINE = 256  # fine bins; coarse bins are unions of them, chosen per training fold
_ALPHA = 1.0  # smoothing towards the training-fold prior
_MAX_CELLS = 8_000_000  # folds x codes x classes above which a categorical is id-like
MIN_ROWS = 30
MIN_CLASS_ROWS = 5  # training rows a class needs for its AUC to mean anything
MIN_FOLDS = 3  # folds that must score for a feature's score to count
MAX_CLASSES = 50  # the most frequent classes scored; the rest are merged into one
_FUNCTIONAL_SHARE = 0.1  # a function of a feature with at most n/10 distinct values
_AFFINE = 0.9999


@dataclass(frozen=True)
class ProxySettings:
    """How the one-feature models are built and when they are flagged."""

    classification: bool
    threshold: float = 0.99
    folds: int = 5
    bins: int = 32
    max_rows: int = 200_000
    seed: int = 0


@dataclass(frozen=True)
class ProxyResult:
    """What one feature's model scored, and whether the target is a function of it."""

    feature: str
    metric: str
    score: float | None
    fold_scores: list[float]
    n_values: int | None = None
    functional: bool = False
    affine_corr: float | None = None
    flagged: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Codes:
    codes: np.ndarray  # int64 in [0, n_codes); the last code is "missing"
    n_codes: int
    ordered: bool  # numeric bins that may be merged into coarser quantile bins
    exact: bool  # one code per distinct value (and one for missing)


# --- encoding ---------------------------------------------------------------------------


def _numeric_values(arr: pa.Array) -> np.ndarray | None:
    tag = canonical_type(arr.type)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if tag.startswith(("timestamp", "date", "duration")):
        if pa.types.is_date(arr.type):
            arr = arr.cast(pa.date32()).cast(pa.int32())
        else:
            arr = arr.cast(pa.int64())
    elif tag not in ("int", "uint", "float"):
        return None
    # beyond 2**53 integers (and nanosecond times) lose precision as floats: fine for bins
    values: np.ndarray = arr.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    return values


def _encode_numeric(x: np.ndarray, rng: np.random.Generator) -> tuple[_Codes, _Codes | None] | None:
    """(bin codes for the model, exact value codes for the functional test or None)."""
    valid = ~np.isnan(x)
    n_valid = int(valid.sum())
    if not n_valid:
        return None
    present = x[valid]
    sub = np.sort(present if n_valid <= _SUB else present[rng.integers(0, n_valid, _SUB)])
    distinct = np.unique(sub)
    if len(distinct) <= _FINE:
        edges = distinct
    else:
        edges = np.unique(sub[np.linspace(0, len(sub) - 1, _FINE + 1).astype(np.int64)[1:-1]])
    # side="left": a value equal to an edge ends its bin, so a point mass (say, all the
    # zeros) is never merged with the values just above it
    codes = np.searchsorted(edges, x, side="left").astype(np.int64)
    n_codes = len(edges) + 2
    codes[~valid] = n_codes - 1
    at_edge = edges[np.minimum(codes[valid], len(edges) - 1)]
    exact = len(distinct) <= _FINE and bool(np.all(present == at_edge))
    model = _Codes(codes, n_codes, True, exact)
    if exact:
        return model, model
    if len(distinct) <= 0.95 * len(sub):
        # repeated values: code them by value so the functional-dependence test can run
        by_value = _factorize(x)
        if by_value.n_codes - 1 <= _FUNCTIONAL_SHARE * len(x):
            return model, by_value
    return model, None


def _factorize(values: np.ndarray) -> _Codes:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    n_codes = len(uniques) + 1
    codes[codes < 0] = n_codes - 1
    return _Codes(codes, n_codes, False, True)


def _encode_category(arr: pa.Array) -> _Codes:
    encoded = arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)
    n_codes = len(encoded.dictionary) + 1
    codes: np.ndarray = (
        encoded.indices.fill_null(n_codes - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    )
    return _Codes(codes, n_codes, False, True)


def _encode(arr: pa.Array, rng: np.random.Generator) -> tuple[_Codes, _Codes | None] | None:
    """(codes for the model, exact value codes for the functional test or None)."""
    if arr.null_count == len(arr):
        return None
    x = _numeric_values(arr)
    if x is None:
        codes = _encode_category(arr)
        return codes, codes
    return _encode_numeric(x, rng)


# --- scoring ----------------------------------------------------------------------------


def _coarse_map(counts: np.ndarray, codes: _Codes, bins: int) -> np.ndarray:
    """Fine code -> coarse bin, on the quantiles of one training fold; missing stays apart."""
    n_fine = codes.n_codes - 1
    if not codes.ordered or n_fine <= bins:
        return np.arange(codes.n_codes)
    c = counts[:n_fine].astype(np.float64)
    total = c.sum()
    if total <= 0:
        mapping = np.zeros(codes.n_codes, dtype=np.int64)
    else:
        mid = np.cumsum(c) - c / 2.0
        mapping = np.minimum((mid / total * bins).astype(np.int64), bins - 1)
        mapping = np.append(mapping, bins)
    return mapping


def _aggregate(values: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    size = int(mapping.max()) + 1
    if size == len(mapping):
        return values
    out = np.zeros((size, *values.shape[1:]), dtype=values.dtype)
    np.add.at(out, mapping, values)
    return out


def _auc(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC from per-bin scores and counts of positives and negatives (ties count half)."""
    n_pos, n_neg = pos.sum(), neg.sum()
    if n_pos <= 0 or n_neg <= 0:
        return float("nan")
    uniq, inv = np.unique(score, return_inverse=True)
    p = np.bincount(inv, weights=pos, minlength=len(uniq))
    n = np.bincount(inv, weights=neg, minlength=len(uniq))
    below = np.cumsum(n) - n
    return float((p * (below + 0.5 * n)).sum() / (n_pos * n_neg))


def _classification_scores(codes: _Codes, y: _Target, s: ProxySettings) -> list[float]:
    f, c, fold = codes.n_codes, y.n_model, y.fold
    joint = np.bincount((fold * f + codes.codes) * c + y.model, minlength=s.folds * f * c)
    joint = joint.reshape(s.folds, f, c)
    total = joint.sum(axis=0)
    scores = []
    for k in range(s.folds):
        train = total - joint[k]
        mapping = _coarse_map(train.sum(axis=1), codes, s.bins)
        tr, ho = _aggregate(train, mapping), _aggregate(joint[k], mapping)
        prior = (tr.sum(axis=0) + 1.0) / (tr.sum() + c)
        prob = (tr + _ALPHA * prior) / (tr.sum(axis=1, keepdims=True) + _ALPHA)
        per_class = [_auc(prob[:, j], ho[:, j], ho.sum(axis=1) - ho[:, j]) for j in y.scored]
        finite = [a for a in per_class if np.isfinite(a)]
        if finite:
            scores.append(float(np.mean(finite)))
    return scores


def _regression_scores(
    codes: _Codes, yz: np.ndarray, fold: np.ndarray, s: ProxySettings
) -> list[float]:
    f = codes.n_codes
    key = fold * f + codes.codes
    size = s.folds * f
    cnt = np.bincount(key, minlength=size).reshape(s.folds, f).astype(np.float64)
    s1 = np.bincount(key, weights=yz, minlength=size).reshape(s.folds, f)
    s2 = np.bincount(key, weights=yz * yz, minlength=size).reshape(s.folds, f)
    tot_n, tot_1 = cnt.sum(axis=0), s1.sum(axis=0)
    scores = []
    for k in range(s.folds):
        tr_n, tr_1 = tot_n - cnt[k], tot_1 - s1[k]
        mapping = _coarse_map(tr_n, codes, s.bins)
        bn, b1 = _aggregate(tr_n, mapping), _aggregate(tr_1, mapping)
        ho_n, ho_1, ho_2 = (_aggregate(a[k], mapping) for a in (cnt, s1, s2))
        mean = np.where(bn > 0, b1 / np.maximum(bn, 1.0), b1.sum() / max(bn.sum(), 1.0))
        sse = (ho_2 - 2.0 * mean * ho_1 + ho_n * mean * mean).sum()
        n_ho = ho_n.sum()
        sst = ho_2.sum() - ho_1.sum() ** 2 / max(n_ho, 1.0)
        if n_ho > 1 and sst > 0:
            scores.append(float(1.0 - max(sse, 0.0) / sst))
    return scores


def _n_values(codes: _Codes) -> int:
    return int(np.count_nonzero(np.bincount(codes.codes, minlength=codes.n_codes)))


def _functional(codes: _Codes, y_codes: np.ndarray, n_y: int) -> tuple[bool, int]:
    """Whether each feature value maps to one target value; and the number of values."""
    n_values = _n_values(codes)
    n = len(codes.codes)
    if n_y < 2 or n_values < 2 or n_values > _FUNCTIONAL_SHARE * n:
        return False, n_values
    pairs = codes.codes * n_y + y_codes
    if codes.n_codes * n_y <= _MAX_CELLS:
        n_pairs = int(np.count_nonzero(np.bincount(pairs, minlength=codes.n_codes * n_y)))
    else:
        n_pairs = len(pd.unique(pairs))
    return n_pairs == n_values, n_values


def _affine_corr(x: np.ndarray | None, y: np.ndarray) -> float | None:
    if x is None:
        return None
    ok = np.isfinite(x)
    if ok.sum() < MIN_ROWS:
        return None
    xv, yv = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    denom = float(np.sqrt((xv @ xv) * (yv @ yv)))
    return float(xv @ yv / denom) if denom > 0 else None


# --- the scan ---------------------------------------------------------------------------


def _sample(table: pa.Table, s: ProxySettings, rng: np.random.Generator) -> pa.Table:
    if table.num_rows <= s.max_rows:
        return table
    idx = np.sort(rng.choice(table.num_rows, size=s.max_rows, replace=False))
    return table.take(pa.array(idx))


@dataclass(frozen=True)
class _Target:
    """The target of the sampled training rows, in the forms the scores need."""

    model: np.ndarray  # class codes (rare classes merged), or standardised ranks
    codes: np.ndarray  # one code per distinct value (the functional-dependence test)
    n_values: int
    raw: np.ndarray | None  # numeric values (the affine test), None for classes
    fold: np.ndarray
    n_model: int = 1  # classes of ``model``
    scored: tuple[int, ...] = ()  # the classes whose one-vs-rest AUC is averaged
    counts: tuple[tuple[Any, int], ...] = ()  # (class, training rows), most frequent first


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _class_target(codes: np.ndarray, uniques: Any, fold: np.ndarray) -> _Target:
    """Class codes for the model: the most frequent MAX_CLASSES kept, the rest merged."""
    n = len(uniques)
    counts = np.bincount(codes, minlength=n)
    order = np.argsort(-counts, kind="stable")
    keep = order[:MAX_CLASSES] if n > MAX_CLASSES + 1 else order
    rank = np.full(n, len(keep), dtype=np.int64)
    rank[keep] = np.arange(len(keep))
    model = rank[codes]
    n_model = len(keep) + (1 if n > len(keep) else 0)
    scored = tuple(i for i, k in enumerate(keep) if counts[k] >= MIN_CLASS_ROWS)
    if n == 2:  # one AUC: class 1 against class 0 is class 0 against class 1
        scored = scored[1:] if len(scored) == 2 else ()
    listed = tuple((_plain(uniques[k]), int(counts[k])) for k in order)
    return _Target(model, codes, n, None, fold, n_model, scored, listed)


def _target(
    col: pa.Array, classification: bool, s: ProxySettings, rng: np.random.Generator
) -> _Target:
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    values = col.to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(values)
    codes = codes.astype(np.int64)
    fold = rng.permutation(np.arange(len(values), dtype=np.int64) % s.folds)
    if classification:
        return _class_target(codes, uniques, fold)
    # the model predicts the target's rank, so heavy tails neither hide nor fake a proxy
    raw = values.astype(np.float64)
    ranks = pd.Series(raw).rank(method="average").to_numpy()
    sd = float(ranks.std())
    model = (ranks - ranks.mean()) / sd if sd > 0 else np.zeros_like(ranks)
    return _Target(model, codes, len(uniques), raw, fold)


def _unscorable(y: _Target, target: str, s: ProxySettings) -> str | None:
    """Why no feature can be scored against this target, if none can."""
    if y.n_values < 2:
        value = _plain(pd.unique(y.raw)[0]) if y.raw is not None else y.counts[0][0]
        return f"the training target {target!r} has a single value ({value!r})"
    if not s.classification or len(y.scored) >= (1 if y.n_values == 2 else 2):
        return None
    rare = [(c, n) for c, n in y.counts if n < MIN_CLASS_ROWS]
    listed = [f"class {c!r}: {n} row{'s' if n != 1 else ''}" for c, n in rare[:5]]
    shown = ", ".join(listed) + ("…" if len(rare) > 5 else "")
    return (
        f"too few training rows per class of {target!r} ({shown}; needs {MIN_CLASS_ROWS} in "
        "each class for a cross-validated AUC)"
    )


@dataclass(frozen=True)
class Scan:
    """The per-feature results of a scan, notes for the report, or why nothing was scored."""

    results: list[ProxyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None


def scan_proxies(table: pa.Table, target: str, features: Sequence[str], s: ProxySettings) -> Scan:
    """Score every feature alone on (a seeded sample of) the training rows.

    Returns the per-feature results and notes on features that were not scored, or the
    reason no feature could be scored (a single-valued target, too few rows in a class).
    """
    rng = np.random.default_rng(s.seed)
    sample = _sample(table.select([*features, target]), s, rng)
    y = _target(sample.column(target).combine_chunks(), s.classification, s, rng)
    reason = _unscorable(y, target, s)
    if reason:
        return Scan(skipped=reason)
    outcomes = [
        _score_feature(
            name, sample.column(name).combine_chunks(), y, s, np.random.default_rng([s.seed, i])
        )
        for i, name in enumerate(features)
    ]
    results = [r for r in outcomes if isinstance(r, ProxyResult)]
    notes = [
        f"skipped {name!r}: {r}"
        for name, r in zip(features, outcomes, strict=True)
        if isinstance(r, str)
    ]
    if s.classification and y.n_values > y.n_model:
        notes.insert(
            0,
            f"scored the {len(y.scored)} most frequent of {y.n_values:,} classes of {target!r} "
            "(one-vs-rest macro ROC AUC); the rarer classes were merged into one",
        )
    elif s.classification and y.n_values > 2 and len(y.scored) < y.n_model:
        notes.insert(
            0,
            f"classes of {target!r} with fewer than {MIN_CLASS_ROWS} training rows are left "
            "out of the macro ROC AUC",
        )
    return Scan(results, notes)


def _score_feature(
    name: str, arr: pa.Array, y: _Target, s: ProxySettings, rng: np.random.Generator
) -> ProxyResult | str:
    encoded = _encode(arr, rng)
    if encoded is None:
        return "entirely null in the training rows; not scored"
    model_codes, value_codes = encoded
    cells = s.folds * model_codes.n_codes * (y.n_model if s.classification else 1)
    if cells > _MAX_CELLS:
        return f"{model_codes.n_codes - 1:,} distinct values (id-like); not scored"
    if s.classification:
        scores = _classification_scores(model_codes, y, s)
    else:
        scores = _regression_scores(model_codes, y.model, y.fold, s)
    if len(scores) < MIN_FOLDS:
        scores = []  # one or two folds decide nothing
    functional, n_values = (
        _functional(value_codes, y.codes, y.n_values) if value_codes else (False, None)
    )
    corr = None if y.raw is None else _affine_corr(_numeric_values(arr), y.raw)
    score = float(np.mean(scores)) if scores else None
    flagged = (
        (score is not None and score >= s.threshold)
        or functional
        or (corr is not None and abs(corr) >= _AFFINE)
    )
    return ProxyResult(
        feature=name,
        metric="roc_auc" if s.classification else "r2_rank",
        score=score,
        fold_scores=scores,
        n_values=n_values,
        functional=functional,
        affine_corr=corr,
        flagged=flagged,
    )


def describe(result: ProxyResult, target: str, n_rows: int, s: ProxySettings) -> str:
    """The finding's message for a flagged feature."""
    reasons = []
    if result.score is not None and result.score >= s.threshold:
        metric = "ROC AUC" if result.metric == "roc_auc" else "R² (on the target's ranks)"
        reasons.append(
            f"alone it predicts {target!r} with cross-validated {metric} {result.score:.4f} "
            f"({len(result.fold_scores)} folds on {n_rows:,} training rows; flagged at "
            f"{s.threshold})"
        )
    if result.functional:
        reasons.append(
            f"{target!r} is a function of it: each of its {result.n_values:,} values maps to "
            "exactly one target value"
        )
    if result.affine_corr is not None and abs(result.affine_corr) >= _AFFINE:
        reasons.append(
            f"it is an affine function of {target!r} (correlation {result.affine_corr:.6f})"
        )
    return f"feature {result.feature!r}: " + "; ".join(reasons) + "."


def evidence(result: ProxyResult, target: str, n_rows: int, s: ProxySettings) -> dict[str, Any]:
    return {
        "feature": result.feature,
        "target": target,
        "metric": result.metric,
        "score": result.score,
        "fold_scores": result.fold_scores,
        "folds": s.folds,
        "bins": s.bins,
        "rows": n_rows,
        "threshold": s.threshold,
        "functional_dependence": result.functional,
        "n_values": result.n_values,
        "affine_correlation": result.affine_corr,
    }
