"""``mlvet.tune``: a hyperparameter search whose every trial is recorded and reproducible.

Tuning-under-the-Carpet is a search nobody can rerun: the space, the seed, the trials that
failed and the budget are gone, and only the best score survives. ``tune`` keeps all of
it. A random-search trial *i* is a pure function of ``(seed, i)``
(:func:`mlvet.experiments._space.sample`), and every trial is scored on the same splits,
drawn once and fingerprinted, so a search gives the same trials serially, with
``n_jobs > 1``, under a Dask or Ray joblib backend, and across worker processes that
claim trial indices from one shared ledger (``shared=True``).

Besides the best parameters, a search reports what a reviewer asks next: whether the best
value sits at the edge of its range (TC201), which trials failed and why (TC202), how
optimistic the best cross-validated score is after picking the best of *n* (Tibshirani &
Tibshirani 2009), whether the tuned model beats the estimator's own defaults on the same
splits (corrected t-test; TC203 when it does not), and which parameters mattered
(Optuna's fANOVA).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from mlvet._findings import Finding, Location
from mlvet._json import canonical_json
from mlvet.exceptions import InputError, LedgerError
from mlvet.experiments._common import (
    caller_code_ref,
    check_data,
    check_estimator,
    check_features,
    check_n_jobs,
    check_name,
    check_seed,
    check_target,
    data_fingerprint,
    describe_estimator,
    feature_names,
    get_scorer_checked,
    insert_splits,
    json_clean,
    split_fingerprint,
    split_list,
)
from mlvet.experiments._space import (
    Categorical,
    Distribution,
    Int,
    check_space,
    sample,
    trial_seed,
)

__all__ = ["Trial", "TuneResult", "tune"]

DEFAULT = -1
"""The trial index of the estimator's own parameters (scored on the same splits)."""

EDGE = 0.05
"""A float's best value within this share of its range's end is "at the edge"."""

TPE_CAVEAT = (
    "TPE proposes each trial from the results of the earlier ones: the search repeats only "
    "with the same seed, the same n_jobs (the batch size) and the same Optuna version, and "
    "cannot be shared across worker processes; random search has none of these limits."
)


@dataclass(frozen=True)
class Trial:
    """One trial: its parameters, per-fold scores (NaN where a fold failed), and what failed."""

    index: int
    params: dict[str, Any]
    seed: int
    scores: list[float]
    status: str
    duration_s: float
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    worker: str = ""

    @property
    def mean(self) -> float:
        values = np.asarray(self.scores, dtype=float)
        return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "seed": self.seed,
            "scores": self.scores,
            "mean": self.mean,
            "status": self.status,
            "duration_s": self.duration_s,
            "errors": self.errors,
            "warnings": self.warnings,
            "worker": self.worker,
        }


@dataclass(frozen=True)
class TuneResult:
    """What :func:`tune` found, and the record a reviewer needs to trust it."""

    scoring: str
    trials: tuple[Trial, ...]
    default: Trial | None
    best_index: int
    spec: dict[str, Any]
    optimism: dict[str, float]
    tuned_vs_default: dict[str, Any]
    importances: dict[str, float]
    importance_note: str
    at_edge: dict[str, str]
    findings: tuple[Finding, ...] = ()
    run_id: str | None = None
    best_estimator_: Any = None

    @property
    def best(self) -> Trial:
        return next(t for t in self.trials if t.index == self.best_index)

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best.params)

    @property
    def best_score(self) -> float:
        return self.best.mean

    @property
    def record(self) -> dict[str, Any]:
        """The search record attached to the chosen model as ``mlvet_search_``."""
        return {
            **self.spec,
            "run_id": self.run_id,
            "best_index": self.best_index,
            "best_params": {k: _jsonable(v) for k, v in self.best_params.items()},
            "best_score": self.best_score,
            "optimism": self.optimism,
            "tuned_vs_default": self.tuned_vs_default,
        }

    def trials_frame(self) -> Any:
        """The trials as a pandas DataFrame: index, status, mean, one column per parameter."""
        import pandas as pd

        rows = []
        for t in self.trials:
            row: dict[str, Any] = {"trial": t.index, "status": t.status, "mean": t.mean}
            row.update({f"param:{k}": _jsonable(v) for k, v in t.params.items()})
            row["duration_s"] = t.duration_s
            rows.append(row)
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        spec = self.spec
        n_ok = sum(t.status == "ok" for t in self.trials)
        lines = [
            f"tune: {len(self.trials)} trials ({n_ok} ok) of {spec['estimator']['class'].rsplit('.', 1)[-1]}, "
            f"{spec['sampler']} sampler, seed {spec['seed']}, {spec['n_splits']} splits "
            f"({spec['split_fingerprint'][:12]}), {self.scoring}",
            f"  best trial {self.best_index}: {self.best_score:.4f}  "
            + ", ".join(f"{k}={_short(v)}" for k, v in sorted(self.best_params.items())),
        ]
        if self.optimism:
            lines.append(
                f"  optimism of picking the best of {n_ok}: {self.optimism['bias']:.4f} "
                f"(bias-corrected best {self.optimism['corrected_best']:.4f})"
            )
        if self.tuned_vs_default:
            lines.append(f"  {self.tuned_vs_default['verdict']}")
        if self.importances:
            top = sorted(self.importances.items(), key=lambda kv: -kv[1])
            lines.append("  importance (fANOVA): " + ", ".join(f"{k} {v:.2f}" for k, v in top))
        for name, where in sorted(self.at_edge.items()):
            lines.append(f"  ! best {name} sits at the {where} edge of its range")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON values (NaN as null)."""
        clean: dict[str, Any] = json_clean(self._dict())
        return clean

    def _dict(self) -> dict[str, Any]:
        return {
            "scoring": self.scoring,
            "spec": self.spec,
            "run_id": self.run_id,
            "best_index": self.best_index,
            "best_score": self.best_score,
            "best_params": {k: _jsonable(v) for k, v in self.best_params.items()},
            "default": self.default.to_dict() if self.default else None,
            "optimism": self.optimism,
            "tuned_vs_default": self.tuned_vs_default,
            "importances": self.importances,
            "importance_note": self.importance_note,
            "at_edge": self.at_edge,
            "trials": [t.to_dict() for t in self.trials],
            "findings": [f.to_dict() for f in self.findings],
        }

    def plot(self, path: str | Path) -> Path:
        """Draw the trials (score per trial, the running best, the defaults) and the
        parameter importances to a PNG."""
        from mlvet.experiments._plots import plot_search

        return plot_search(self, Path(path))


# --- running a trial ---------------------------------------------------------------------
def _rows(data: Any, index: np.ndarray) -> Any:
    return data.iloc[index] if hasattr(data, "iloc") else data[index]


def fit_and_score(
    estimator: Any,
    params: dict[str, Any],
    X: Any,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    scorer: Any,
    seed: int | None = None,
) -> tuple[float, str | None, list[str], float]:
    """Fit a clone with ``params`` on ``train`` and score it on ``test``; estimator-valued
    parameters are cloned, and seeded with ``seed`` where their ``random_state`` is None.

    Returns (score or NaN, the traceback of a failure, the warnings raised, seconds). A
    failing fold is data, not an exception: the search goes on.
    """
    from sklearn.base import clone

    start = time.perf_counter()
    error = None
    score = math.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = clone(estimator).set_params(**seeded_choices(params, seed))
            model.fit(_rows(X, train), y[train])
            score = float(scorer(model, _rows(X, test), y[test]))
            if not math.isfinite(score):
                raise ValueError(f"the scorer returned {score}")
        except Exception:
            score = math.nan
            error = traceback.format_exc(limit=6)
    seen = sorted({f"{w.category.__name__}: {str(w.message)[:200]}" for w in caught})
    return score, error, seen[:5], time.perf_counter() - start


def seeded_choices(params: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """``params`` with every estimator value cloned (the caller's object is never fitted)
    and, when ``seed`` is given, its unset ``random_state`` parameters set to ``seed``."""
    from sklearn.base import clone

    out = {}
    for key, value in params.items():
        if hasattr(value, "get_params") and not isinstance(value, type):
            value = clone(value)
            if seed is not None:
                unset = {
                    k: seed
                    for k, v in value.get_params(deep=True).items()
                    if k.split("__")[-1] == "random_state" and v is None
                }
                value.set_params(**unset)
        out[key] = value
    return out


def _run_batch(
    estimator: Any,
    batch: list[tuple[int, dict[str, Any], int]],
    X: Any,
    y: np.ndarray,
    splits: list[Any],
    scorer: Any,
    n_jobs: int | None,
    worker: str,
    seed: int,
) -> list[Trial]:
    """Every (trial, fold) of a batch as one joblib fan-out; then one Trial per index."""
    from joblib import Parallel, delayed

    jobs = [
        delayed(fit_and_score)(estimator, params, X, y, tr, te, scorer, seed)
        for _, params, _ in batch
        for tr, te in splits
    ]
    out = Parallel(n_jobs=n_jobs)(jobs)
    trials = []
    k = len(splits)
    for j, (index, params, seed) in enumerate(batch):
        folds = out[j * k : (j + 1) * k]
        scores = [f[0] for f in folds]
        errors = list(dict.fromkeys(f[1] for f in folds if f[1]))
        seen = sorted({w for f in folds for w in f[2]})[:5]
        ok = sum(math.isfinite(s) for s in scores)
        status = "ok" if ok == k else ("failed" if ok == 0 else "partial")
        trials.append(
            Trial(
                index,
                params,
                seed,
                scores,
                status,
                float(sum(f[3] for f in folds)),
                errors[:3],
                seen,
                worker,
            )
        )
    return trials


# --- where trials are claimed and kept -----------------------------------------------------
class _LocalStore:
    """Claims in this process only (``record=False``)."""

    def __init__(self, indices: Sequence[int]) -> None:
        self._todo = list(indices)
        self._done: dict[int, Trial] = {}

    def claim(self, k: int) -> list[int]:
        taken, self._todo = self._todo[:k], self._todo[k:]
        return taken

    def save(self, trials: Sequence[Trial]) -> None:
        for t in trials:
            self._done[t.index] = t

    def collect(self, wait: float) -> list[Trial] | None:
        return [self._done[i] for i in sorted(self._done)]

    def release(self) -> None:
        """Nothing to give back: the claims were this process's own."""


class _LedgerStore:
    """Claims and results in the ledger's ``trials`` table; the unique (run, index) pair
    and the ledger's serialised write transactions make a claim atomic across processes."""

    def __init__(
        self,
        led: Any,
        run_id: str,
        indices: Sequence[int],
        worker: str,
        dists: dict[str, Distribution],
    ) -> None:
        self.led, self.run_id, self.order, self.worker = led, run_id, list(indices), worker
        self.dists = dists
        self._pks: dict[int, Any] = {}

    def claim(self, k: int) -> list[int]:
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self.led.transaction() as tx:
            rows = tx.conn.execute(
                select(s.trials.c.trial_index, s.trials.c.id, s.trials.c.status).where(
                    s.trials.c.run_id == self.run_id
                )
            ).all()
            released = {int(i): pk for i, pk, status in rows if status == "released"}
            taken = {int(i) for i, _, status in rows if status != "released"}
            free = [i for i in self.order if i not in taken][:k]
            for i in free:
                if i in released:  # a trial another worker gave back when it was stopped
                    tx.update(s.trials, released[i], {"status": "running", "worker": self.worker})
                    self._pks[i] = released[i]
                    continue
                self._pks[i] = tx.insert(
                    s.trials,
                    {
                        "run_id": self.run_id,
                        "trial_index": i,
                        "seed": 0,
                        "params_json": "{}",
                        "scores_json": "[]",
                        "status": "running",
                        "duration_s": None,
                        "error": None,
                        "worker": self.worker,
                    },
                )
        return free

    def save(self, trials: Sequence[Trial]) -> None:
        from mlvet.ledger import _schema as s

        with self.led.transaction() as tx:
            for t in trials:
                tx.update(
                    s.trials,
                    self._pks[t.index],
                    {
                        "seed": t.seed,
                        "params_json": canonical_json(encode_params(t.params, self.dists)),
                        "scores_json": canonical_json(
                            {"folds": [_num(v) for v in t.scores], "warnings": t.warnings}
                        ),
                        "status": t.status,
                        "duration_s": t.duration_s,
                        "error": "\n\n".join(t.errors) or None,
                    },
                )

    def release(self) -> None:
        """Give back the trials this worker claimed and did not finish (it was stopped)."""
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        with self.led.transaction() as tx:
            mine = (
                tx.conn.execute(
                    select(s.trials.c.id).where(
                        s.trials.c.run_id == self.run_id,
                        s.trials.c.worker == self.worker,
                        s.trials.c.status == "running",
                    )
                )
                .scalars()
                .all()
            )
            for pk in mine:
                tx.update(s.trials, pk, {"status": "released"})

    def collect(self, wait: float) -> list[Trial] | None:
        """Every trial of the search, once no claimed trial is still running; None when
        trials were given back and are waiting to be claimed again."""
        from sqlalchemy import select

        from mlvet.ledger import _schema as s

        deadline = time.monotonic() + wait
        while True:
            with self.led.connect() as conn:
                rows = (
                    conn.execute(select(s.trials).where(s.trials.c.run_id == self.run_id))
                    .mappings()
                    .all()
                )
            running = [r["trial_index"] for r in rows if r["status"] == "running"]
            if any(r["status"] == "released" for r in rows):
                return None
            if not running and len(rows) >= len(self.order):
                return [
                    _trial_from_row(r, self.dists)
                    for r in sorted(rows, key=lambda r: r["trial_index"])
                ]
            if time.monotonic() > deadline:
                raise LedgerError(
                    f"Trials {running[:10]} of search {self.run_id[:8]} are still claimed by "
                    f"other workers after {wait:.0f} s; a worker may have died. Rerun "
                    "tune(..., shared=True) after they finish, or raise wait=."
                )
            time.sleep(0.25)


def _trial_from_row(row: Any, dists: dict[str, Distribution]) -> Trial:
    scores = json.loads(row["scores_json"])
    return Trial(
        int(row["trial_index"]),
        decode_params(json.loads(row["params_json"]), dists),
        int(row["seed"]),
        [math.nan if v is None else float(v) for v in scores.get("folds", [])],
        str(row["status"]),
        float(row["duration_s"] or 0.0),
        [e for e in (row["error"] or "").split("\n\n") if e],
        list(scores.get("warnings", [])),
        str(row["worker"] or ""),
    )


# --- the search ----------------------------------------------------------------------------
class AllFailed(InputError):
    """Every trial of a search failed on every fold."""


def tune(
    estimator: Any,
    space: Any,
    X: Any,
    y: Any,
    *,
    scoring: str,
    cv: Any = None,
    n_trials: int = 50,
    seed: int = 0,
    sampler: str = "random",
    n_jobs: int | None = None,
    name: str = "tune",
    shared: bool = False,
    refit: bool = True,
    record: bool = True,
    ledger: Any = None,
    progress: bool = True,
    wait: float = 3600.0,
) -> TuneResult:
    """Search ``space`` for ``estimator``'s best parameters, recording every trial.

    ``space`` maps parameter names (``"clf__max_depth"`` for a pipeline step) to
    :class:`Uniform`, :class:`LogUniform`, :class:`Int` or :class:`Categorical`.
    ``sampler="random"`` draws trial *i* from ``(seed, i)`` alone; ``"tpe"`` is Optuna's
    TPE (see :data:`TPE_CAVEAT`). Every trial is scored on the same splits (``cv``: default
    5 x 5 repeated k-fold seeded with ``seed``), and so are the estimator's own
    parameters, as trial -1. Fits fan out through joblib (``n_jobs``).

    ``shared=True`` joins an open search of the same ``name`` and the same specification
    in the ledger (or opens one): worker processes, on one machine or several sharing a
    PostgreSQL ledger, claim trial indices until none is left, wait for the others, and
    all return the same result. An estimator whose ``random_state`` is None gets ``seed``,
    so that trials differ by their parameters alone.
    """
    from sklearn.base import clone, is_classifier

    check_estimator(estimator, "tune")
    valid = sorted(estimator.get_params(deep=True))
    dists = check_space(space, valid)
    X = check_features(X, "tune")
    y_arr = check_data(X, y, who="tune")
    check_target(y_arr, is_classifier(estimator), "tune")
    seed = check_seed(seed)
    scorer = get_scorer_checked(scoring)
    check_n_jobs(n_jobs)
    check_name(name)
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise InputError(f"n_trials must be a positive int; got {n_trials!r}.")
    if sampler not in ("random", "tpe"):
        raise InputError(f"sampler must be 'random' or 'tpe'; got {sampler!r}.")
    if shared and sampler == "tpe":
        raise InputError("shared=True needs sampler='random'. " + TPE_CAVEAT)
    if shared and not (record or ledger is not None):
        raise InputError("shared=True claims trials through the ledger; do not pass record=False.")
    base = estimator
    seeded = [k for k in valid if k.split("__")[-1] == "random_state" and k not in dists]
    fixed = {k: seed for k in seeded if estimator.get_params(deep=True)[k] is None}
    if fixed:
        base = clone(estimator).set_params(**fixed)
    splits = split_list(cv, X, y_arr, is_classifier(estimator), seed, who="tune")
    spec = {
        "estimator": describe_estimator(base),
        "space": {k: d.describe() for k, d in sorted(dists.items())},
        "sampler": sampler,
        "seed": seed,
        "n_trials": n_trials,
        "scoring": scoring,
        "n_splits": len(splits),
        "split_fingerprint": split_fingerprint(splits),
        "data_fingerprint": data_fingerprint(X, y_arr),
        "features": feature_names(X),
        "seeded_random_state": sorted(fixed),
        "seeded_choices": "estimator choices with random_state=None get the search's seed",
        "optuna_caveat": TPE_CAVEAT if sampler == "tpe" else None,
    }
    spec_hash = hashlib.sha256(canonical_json(spec).encode()).hexdigest()
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    order = [DEFAULT, *range(n_trials)]
    led = None
    run_id: str | None = None
    if record or ledger is not None:
        from mlvet.ledger import open_ledger

        led = open_ledger(ledger)
        run_id = _open_search(led, name, spec, spec_hash, splits, shared)
        store: Any = _LedgerStore(led, run_id, order, worker, dists)
    else:
        store = _LocalStore(order)

    from joblib import effective_n_jobs

    width = max(1, effective_n_jobs(n_jobs))
    runner = _tpe_batches if sampler == "tpe" else _random_batches
    try:
        all_trials = None
        with _Progress(progress, n_trials + 1, name) as advance:
            while all_trials is None:  # again while stopped workers' trials wait to be claimed
                for batch in runner(dists, seed, store, width):
                    trials = _run_batch(
                        base, batch.todo, X, y_arr, splits, scorer, n_jobs, worker, seed
                    )
                    store.save(trials)
                    batch.done(trials)
                    advance(len(trials))
                all_trials = store.collect(wait)
        result = _summarise(all_trials, dists, spec, scoring, splits, seed, name)
    except BaseException as exc:
        # a search that cannot finish is closed as failed, so that its name can be reused;
        # a shared search is left to the other workers unless every trial failed
        if led is not None and run_id is not None and (not shared or isinstance(exc, AllFailed)):
            _fail(led, run_id, exc, name)
        elif shared:
            store.release()  # another worker, or a rerun, picks up what this one claimed
        raise
    if led is not None and run_id is not None:
        result = _finish(led, run_id, result)
    if refit and math.isfinite(result.best_score):
        model = clone(base).set_params(**seeded_choices(result.best_params, seed))
        model.fit(X, y_arr)
        model.mlvet_search_ = result.record
        result = replace(result, best_estimator_=model)
    return result


@dataclass
class _Batch:
    todo: list[tuple[int, dict[str, Any], int]]
    done: Callable[[list[Trial]], None] = lambda trials: None


def _random_batches(
    dists: dict[str, Distribution], seed: int, store: Any, width: int
) -> Iterator[_Batch]:
    while True:
        indices = store.claim(width * 2)
        if not indices:
            return
        yield _Batch(
            [
                (i, {}, seed)
                if i == DEFAULT
                else (i, sample(dists, seed=seed, index=i), trial_seed(seed, i))
                for i in indices
            ]
        )


def _tpe_batches(
    dists: dict[str, Distribution], seed: int, store: Any, width: int
) -> Iterator[_Batch]:
    """Optuna's TPE through ask/tell: a batch of ``width`` trials at a time."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
        )
    distributions = {k: d.to_optuna() for k, d in sorted(dists.items())}
    while True:
        indices = store.claim(width)
        if not indices:
            return
        asked: dict[int, Any] = {}
        todo: list[tuple[int, dict[str, Any], int]] = []
        for i in indices:
            if i == DEFAULT:
                todo.append((i, {}, seed))
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                trial = study.ask(distributions)
            asked[i] = trial
            todo.append((i, _from_optuna(trial.params, dists), seed))

        def tell(trials: list[Trial], asked: dict[int, Any] = asked) -> None:
            for t in trials:
                if t.index in asked:
                    if math.isfinite(t.mean):
                        study.tell(asked[t.index], t.mean)
                    else:
                        study.tell(asked[t.index], state=TrialState.FAIL)

        yield _Batch(todo, tell)


def encode_params(params: dict[str, Any], dists: dict[str, Distribution]) -> dict[str, Any]:
    """Parameters as the ledger stores them (a categorical choice by value or label)."""
    out = {}
    for k, v in params.items():
        d = dists.get(k)
        out[k] = d.encode(v) if isinstance(d, Categorical) else _jsonable(v)
    return out


def decode_params(stored: dict[str, Any], dists: dict[str, Distribution]) -> dict[str, Any]:
    """Stored parameters back to the values the estimator takes (the very choices)."""
    out = {}
    for k, v in stored.items():
        d = dists.get(k)
        out[k] = d.decode(v) if isinstance(d, Categorical) else v
    return out


def _from_optuna(params: dict[str, Any], dists: dict[str, Distribution]) -> dict[str, Any]:
    """Optuna's values to the estimator's: a categorical position to its choice."""
    return {
        k: dists[k].choices[v] if isinstance(dists[k], Categorical) else v  # type: ignore[union-attr]
        for k, v in params.items()
    }


class _Progress:
    """A Rich progress bar over the trials (off with ``progress=False``)."""

    def __init__(self, on: bool, total: int, name: str) -> None:
        self.on, self.total, self.name = on, total, name

    def __enter__(self) -> Callable[[int], None]:
        if not self.on:
            return lambda n: None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.__enter__()
        task = self.bar.add_task(f"tune {self.name}", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self.on:
            self.bar.__exit__(None, None, None)


# --- what the trials say -----------------------------------------------------------------
def _summarise(
    trials: list[Trial],
    dists: dict[str, Distribution],
    spec: dict[str, Any],
    scoring: str,
    splits: list[Any],
    seed: int,
    name: str,
) -> TuneResult:
    default = next((t for t in trials if t.index == DEFAULT), None)
    searched = tuple(t for t in trials if t.index != DEFAULT)
    ranked = [t for t in searched if math.isfinite(t.mean)]
    if not ranked:
        first = next((t.errors[0] for t in searched if t.errors), "no error recorded")
        raise AllFailed(
            f"All {len(searched)} trials failed on every fold; nothing to choose. The first "
            f"error:\n{first}"
        )
    complete = [t for t in ranked if t.status == "ok"] or ranked
    best = max(complete, key=lambda t: (t.mean, -t.index))
    optimism = _optimism(complete, best)
    versus = _versus_default(best, default, splits, scoring)
    importances, note = _importances(ranked, dists, seed)
    at_edge = _edges(best, dists)
    findings = _tune_findings(searched, default, versus, at_edge, dists, name, best)
    return TuneResult(
        scoring,
        tuple(sorted(searched, key=lambda t: t.index)),
        default,
        best.index,
        spec,
        optimism,
        versus,
        importances,
        note,
        at_edge,
        findings,
    )


def _optimism(complete: list[Trial], best: Trial) -> dict[str, float]:
    """Tibshirani & Tibshirani (2009): the best-of-n cross-validated score is biased up by
    about the mean, over folds, of (best score in that fold − the chosen trial's score in
    it). Also the spread among the top five trials' means."""
    if len(complete) < 2:
        return {}
    folds = np.array([t.scores for t in complete], dtype=float)
    chosen = np.asarray(best.scores, dtype=float)
    bias = float(np.mean(folds.max(axis=0) - chosen))
    top = sorted((t.mean for t in complete), reverse=True)[:5]
    return {
        "bias": bias,
        "corrected_best": best.mean - bias,
        "top5_spread": float(np.std(top, ddof=1)) if len(top) > 1 else 0.0,
        "gap_to_second": float(top[0] - top[1]),
        "n_compared": float(len(complete)),
    }


def _versus_default(
    best: Trial, default: Trial | None, splits: list[Any], scoring: str
) -> dict[str, Any]:
    from mlvet.experiments._stats import corrected_ttest

    if default is None or not math.isfinite(default.mean):
        return {"verdict": "the default parameters failed; no tuned-vs-default comparison"}
    d = np.asarray(best.scores, dtype=float) - np.asarray(default.scores, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 3:
        return {"verdict": "too few folds where both ran to compare tuned and default"}
    n_train = int(np.mean([len(tr) for tr, _ in splits]))
    n_test = int(np.mean([len(te) for _, te in splits]))
    t = corrected_ttest(d, n_train=n_train, n_test=n_test)
    better = t.p_value < 0.05 and t.ci_low > 0
    words = "beats" if better else "is not shown to beat"
    return {
        "default_score": default.mean,
        "tuned_score": best.mean,
        "mean": t.mean,
        "ci_low": t.ci_low,
        "ci_high": t.ci_high,
        "p_value": t.p_value,
        "better": better,
        "verdict": (
            f"tuned {words} default by {t.mean:+.4f} {scoring} [{t.ci_low:+.4f}, "
            f"{t.ci_high:+.4f}] (corrected p = {t.p_value:.3g}; before the optimism of "
            "picking the best)"
        ),
    }


def _importances(
    ranked: list[Trial], dists: dict[str, Distribution], seed: int
) -> tuple[dict[str, float], str]:
    """Optuna's fANOVA over the trials that scored (parameters that never varied skipped)."""
    varied = {
        k
        for k in dists
        if len({json.dumps(_jsonable(t.params.get(k)), sort_keys=True) for t in ranked}) > 1
    }
    if len(ranked) < 4 or not varied:
        return (
            {},
            f"importances need >= 4 scored trials with varied parameters; {len(ranked)} scored",
        )
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances
    from optuna.trial import create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.RandomSampler(seed=seed)
        )
        for t in ranked:
            params = {
                k: d.index(v) if isinstance(d := dists[k], Categorical) else v
                for k, v in t.params.items()
                if k in varied
            }
            study.add_trial(
                create_trial(
                    value=t.mean,
                    params=params,
                    distributions={k: dists[k].to_optuna() for k in params},
                )
            )
        try:
            got = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        except Exception as exc:  # fANOVA can refuse degenerate trials; say so, go on
            return {}, f"fANOVA failed: {type(exc).__name__}: {exc}"
    return {k: float(v) for k, v in got.items()}, "Optuna fANOVA over the scored trials"


def _edges(best: Trial, dists: dict[str, Distribution]) -> dict[str, str]:
    out = {}
    for k, d in dists.items():
        if isinstance(d, Categorical) or k not in best.params:
            continue
        value = best.params[k]
        if isinstance(d, Int) and d.high - d.low < 2:
            continue  # two values: each is an end, as with a categorical
        pos = d.position(value)
        low_edge = pos <= EDGE or (isinstance(d, Int) and value == d.low)
        high_edge = pos >= 1 - EDGE or (isinstance(d, Int) and value == d.high)
        if low_edge or high_edge:
            out[k] = "lower" if low_edge else "upper"
    return out


def _tune_findings(
    searched: Sequence[Trial],
    default: Trial | None,
    versus: dict[str, Any],
    at_edge: dict[str, str],
    dists: dict[str, Distribution],
    name: str,
    best: Trial,
) -> tuple[Finding, ...]:
    where = Location(dataset=f"tune:{name}")
    out = []
    for k, side in sorted(at_edge.items()):
        out.append(
            Finding.of(
                "TC201",
                f"The best {k} = {_short(best.params[k])} sits at the {side} edge of its range "
                f"{dists[k].describe()}; the optimum may lie outside it.",
                location=where,
                evidence={"param": k, "value": _jsonable(best.params[k]), "edge": side},
            )
        )
    failed = [t for t in searched if t.status != "ok"]
    if failed:
        first = next((t.errors[0] for t in failed if t.errors), "")
        last_line = first.strip().splitlines()[-1] if first.strip() else "no traceback"
        out.append(
            Finding.of(
                "TC202",
                f"{len(failed)} of {len(searched)} trials failed on some or all folds "
                f"(first: {last_line}); their parameters were not really searched.",
                location=where,
                evidence={"failed": [t.index for t in failed][:50], "first_error": first},
            )
        )
    if default is not None and versus.get("better") is False:
        out.append(
            Finding.of(
                "TC203",
                f"The tuned parameters are not shown to beat the estimator's defaults: "
                f"{versus['verdict']}.",
                location=where,
                evidence={k: v for k, v in versus.items() if k != "verdict"},
            )
        )
    return tuple(out)


# --- the ledger ------------------------------------------------------------------------------
def _open_search(
    led: Any, name: str, spec: dict[str, Any], spec_hash: str, splits: list[Any], shared: bool
) -> str:
    """The run this process works on: with ``shared``, an open search with the same name
    and specification (found and created in one write transaction, so two workers starting
    together agree on one run)."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import insert_run

    with led.transaction() as tx:
        if shared:
            rows = tx.conn.execute(
                select(s.runs.c.id, s.searches.c.spec_hash)
                .join(s.searches, s.searches.c.run_id == s.runs.c.id)
                .where(s.runs.c.kind == "tune", s.runs.c.name == name, s.runs.c.status == "running")
                .order_by(s.runs.c.started_at)
            ).all()
            for run_id, other_hash in rows:
                if other_hash == spec_hash:
                    return str(run_id)
            if rows:
                raise InputError(
                    f"An open search named {name!r} (run {str(rows[0][0])[:8]}) has a different "
                    "specification (estimator, space, seed, budget, data or splits); workers of "
                    "one search must pass identical arguments. Use another name for a new search."
                )
        run_id = insert_run(
            tx,
            kind="tune",
            name=name,
            families=("TC",),
            params={
                k: spec[k] for k in ("sampler", "seed", "n_trials", "scoring", "data_fingerprint")
            }
            | {"estimator": spec["estimator"], "features": spec["features"]},
            code_ref=caller_code_ref(),
            status="running",
        )
        split_id = insert_splits(tx, run_id, spec["split_fingerprint"], splits)
        tx.insert(
            s.searches,
            {
                "run_id": run_id,
                "split_id": split_id,
                "spec_hash": spec_hash,
                "spec_json": canonical_json(spec),
                "result_json": None,
            },
        )
    return run_id


def _fail(led: Any, run_id: str, exc: BaseException, name: str) -> None:
    """Close a search that could not finish: status ``failed``; TC202 when every trial
    failed, with the first traceback."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import write_findings
    from mlvet.ledger._ledger import now_iso

    with led.transaction() as tx:
        status = tx.conn.execute(select(s.runs.c.status).where(s.runs.c.id == run_id)).scalar()
        if status != "running":
            return
        tx.update(s.runs, run_id, {"status": "failed", "ended_at": now_iso()})
        if isinstance(exc, AllFailed):
            finding = Finding.of(
                "TC202",
                f"Every trial of the search {name!r} failed; nothing was searched. "
                f"{str(exc).splitlines()[0]}",
                location=Location(dataset=f"tune:{name}"),
                evidence={"error": str(exc)[:4000]},
            )
            write_findings(tx, (finding,), run_id=run_id)


def _finish(led: Any, run_id: str, result: TuneResult) -> TuneResult:
    """Close the run once: the first worker to finish writes the summary and findings."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import write_findings
    from mlvet.ledger._ledger import now_iso

    located = result.findings
    result = replace(result, run_id=run_id)
    with led.transaction() as tx:
        status = tx.conn.execute(select(s.runs.c.status).where(s.runs.c.id == run_id)).scalar()
        if status != "running":
            return result
        search_id = tx.conn.execute(
            select(s.searches.c.id).where(s.searches.c.run_id == run_id)
        ).scalar()
        summary = {k: v for k, v in result.to_dict().items() if k not in ("trials", "spec")}
        tx.update(s.searches, search_id, {"result_json": canonical_json(json_clean(summary))})
        tx.update(s.runs, run_id, {"status": "completed", "ended_at": now_iso()})
        write_findings(tx, located, run_id=run_id)
    return result


# --- small helpers -----------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    from mlvet.experiments._space import label

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return label(value)


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(_jsonable(value))
