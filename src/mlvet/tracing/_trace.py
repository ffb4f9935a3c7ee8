"""``with mlvet.trace():`` — record what scikit-learn and imbalanced-learn did, row by row.

While a trace is active, every ``fit``, ``fit_transform``, ``fit_resample``,
``partial_fit``, ``transform``, ``predict``, ``predict_proba``, ``predict_log_proba``,
``decision_function`` and ``score`` of a scikit-learn estimator (imbalanced-learn's are
scikit-learn estimators too), every splitter's ``split``, ``train_test_split`` and the
sklearn metric functions are wrapped. Only the outermost call is recorded: a Pipeline's
``fit`` is one call with the rows the pipeline saw, not one per step. Each recorded call
keeps a 64-bit hash of every row it saw (see :mod:`mlvet.tracing._rows`), and each
``transform`` links its output rows to its input rows, so rows can be followed through
scaling into a model and out into a metric.

When the block ends, :func:`mlvet.tracing._analysis.derive` turns the calls into findings
(DL301–DL303, GE201, GE202) and the trace is recorded in the ledger as a run of kind
``trace``. Nothing else in the user's code has to change.

What it cannot see: work done in other processes (``n_jobs > 1`` with joblib's default
process backend — use ``joblib.parallel_backend("threading")`` inside the trace), user
classes that override ``fit`` without calling ``super().fit`` unless they subclass
``BaseEstimator`` (those are wrapped when defined), and estimators outside scikit-learn's
class tree (XGBoost's and LightGBM's sklearn wrappers are inside it).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from mlvet._findings import Finding
from mlvet.exceptions import InputError
from mlvet.tracing._rows import n_rows, row_hashes, rowset_digest

__all__ = ["Call", "Trace", "trace"]

METHODS = (
    "fit",
    "fit_transform",
    "fit_resample",
    "partial_fit",
    "transform",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
)
PREDICT_OPS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function"})
FIT_OPS = frozenset({"fit", "fit_transform", "fit_resample", "partial_fit"})
_EXTRA_METRICS = frozenset(
    {
        "classification_report",
        "confusion_matrix",
        "matthews_corrcoef",
        "precision_recall_fscore_support",
        "roc_curve",
        "precision_recall_curve",
        "det_curve",
        "mean_gamma_deviance",
        "mean_poisson_deviance",
        "mean_tweedie_deviance",
    }
)
_INTERNAL = ("sklearn", "imblearn", "mlvet", "joblib", "numpy", "scipy", "pandas")
_PKG_DIRS: tuple[str, ...] = ()
_active_lock = threading.Lock()
_active: Trace | None = None


@dataclass
class Call:
    """One recorded call: ``rows`` hashes the feature rows it saw, ``labels`` their labels
    when the call had them (a fit's ``y``, a metric's ``y_true``)."""

    index: int
    op: str
    target: str
    estimator: int | None
    site: tuple[str, int] | None
    t: float
    n_rows: int | None = None
    rows: np.ndarray | None = field(default=None, repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)
    out_rows: np.ndarray | None = field(default=None, repr=False)
    value: float | None = None
    link: int | None = None
    link_how: str | None = None
    in_scoring: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    columns: tuple[str, ...] | None = field(default=None, repr=False)
    frames: tuple[Any, Any] | None = field(default=None, repr=False)
    _digest: tuple[int, str] | None = field(default=None, repr=False, compare=False)

    def rowset(self) -> str | None:
        """The digest of ``rows``, computed once per rows array (linking metric calls
        compares it with every earlier prediction's)."""
        if self.rows is None:
            return None
        if self._digest is None or self._digest[0] != id(self.rows):
            self._digest = (id(self.rows), rowset_digest(self.rows))
        return self._digest[1]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready record of the call (no row values, only a digest of the row set)."""
        out: dict[str, Any] = {"i": self.index, "op": self.op, "target": self.target}
        if self.estimator is not None:
            out["estimator"] = self.estimator
        if self.site:
            out["site"] = f"{self.site[0]}:{self.site[1]}"
        if self.n_rows is not None:
            out["n_rows"] = self.n_rows
        if self.rows is not None and self.rows.size:
            out["rowset"] = self.rowset()
        if self.value is not None:
            out["value"] = self.value
        if self.link is not None:
            out["link"] = self.link
        if self.params:
            out["params"] = self.params
        if self.error:
            out["error"] = self.error
        out["t"] = round(self.t, 6)
        return out


def _package_dirs(*, refresh: bool = False) -> tuple[str, ...]:
    global _PKG_DIRS
    if refresh or not _PKG_DIRS:
        dirs = []
        for name in _INTERNAL:
            mod = sys.modules.get(name)
            path = getattr(mod, "__file__", None)
            if path:
                dirs.append(os.path.dirname(os.path.abspath(path)) + os.sep)
        _PKG_DIRS = tuple(dirs)
    return _PKG_DIRS


def _user_frame() -> Any:
    """The innermost frame outside mlvet and the libraries it wraps."""
    skip = _package_dirs()
    frame = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename.startswith(skip) or "<frozen" in frame.f_code.co_filename
    ):
        frame = frame.f_back  # type: ignore[assignment]
    return frame


def _call_site() -> tuple[str, int] | None:
    """The first frame outside scikit-learn, imbalanced-learn, mlvet and their helpers."""
    skip = _package_dirs()
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(skip) and "<frozen" not in filename:
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _label_hashes(y: Any) -> np.ndarray | None:
    if y is None:
        return None
    try:
        hashes = row_hashes(y)
    except (TypeError, ValueError):
        return None
    return hashes


class Trace:
    """What one ``with mlvet.trace():`` block saw, and the findings derived from it.

    Attributes after the block: ``calls`` (every recorded :class:`Call`), ``findings``
    (a tuple of :class:`~mlvet.Finding`), ``run_id`` (the ledger run, when recorded).
    """

    def __init__(
        self,
        name: str = "trace",
        *,
        record: bool = True,
        ledger: Any = None,
        hash_rows: bool = True,
        validation: Any = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"trace(name=...) must be a non-empty string, got {name!r}.")
        self.validation_digests: set[str] = set()
        for part in _as_list(validation):
            rows = row_hashes(part) if _hashable(part) else None
            if rows is None or rows.size == 0:
                raise InputError(
                    "trace(validation=...) takes the validation feature rows (an array or "
                    f"frame, or a list of them); got {type(part).__name__}."
                )
            self.validation_digests.add(rowset_digest(rows))
        self.name = name
        self.record = bool(record)
        self.ledger = ledger
        self.hash_rows = bool(hash_rows)
        self.calls: list[Call] = []
        self.findings: tuple[Finding, ...] = ()
        self.run_id: str | None = None
        self.status = "new"
        self._estimators: dict[int, int] = {}
        self._keep: list[Any] = []
        self._outputs: dict[int, int] = {}
        self._lineage: list[tuple[np.ndarray, np.ndarray]] = []
        self._index: tuple[int, np.ndarray, np.ndarray] | None = None
        self._local = threading.local()
        self._undo: list[Callable[[], None]] = []
        self._t0 = 0.0
        self._lock = threading.RLock()
        self._busy: dict[int, tuple[int, Any]] = {}
        self._paused = 0
        self._alias: dict[int, int] = {}
        self._split_parts: dict[int, np.ndarray] = {}
        self.test_digests: set[str] = set()

    # -- the context manager -------------------------------------------------------------
    def __enter__(self) -> Trace:
        global _active
        if self.record:  # a ledger that cannot be opened fails now, not after the block ran
            from mlvet.ledger import open_ledger

            open_ledger(self.ledger)
        with _active_lock:
            if _active is not None:
                raise InputError(
                    "A trace is already active; traces do not nest. End the outer "
                    "`with mlvet.trace():` block first."
                )
            if self.status != "new":
                raise InputError("This trace has already run; start a new mlvet.trace().")
            _active = self
        self.status = "active"
        self._t0 = time.perf_counter()
        try:
            self._install()
        except BaseException:
            self._uninstall()
            with _active_lock:
                _active = None
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _active
        try:
            self._uninstall()
        finally:
            with _active_lock:
                _active = None
        self.status = "failed" if exc_type is not None else "completed"
        from mlvet.tracing._analysis import derive
        from mlvet.tracing._record import record_trace

        try:
            self.findings = tuple(derive(self))
            if self.record:
                self.run_id = record_trace(self, ledger=self.ledger)
        except Exception as problem:
            if exc_type is None:
                raise
            # the block's own exception matters more; say what was lost beside it
            warnings.warn(
                f"mlvet.trace could not analyse or record the failed block: {problem!r}",
                RuntimeWarning,
                stacklevel=2,
            )
        finally:
            self._keep.clear()
            self._outputs.clear()
            self._split_parts.clear()

    # -- reading ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Trace({self.name!r}, status={self.status!r}, calls={len(self.calls)}, "
            f"findings={len(self.findings)})"
        )

    def _lineage_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Transform outputs (sorted) and the inputs they came from; built once per size."""
        with self._lock:
            if self._index is None or self._index[0] != len(self._lineage):
                outs = np.concatenate([o for o, _ in self._lineage])
                ins = np.concatenate([i for _, i in self._lineage])
                keep = outs != ins
                outs, ins = outs[keep], ins[keep]
                order = np.argsort(outs, kind="stable")
                self._index = (len(self._lineage), outs[order], ins[order])
            return self._index[1], self._index[2]

    def canonical(self, hashes: np.ndarray) -> np.ndarray:
        """Follow transform outputs back to the rows they were computed from."""
        if not self._lineage or hashes.size == 0:
            return hashes
        outs, ins = self._lineage_index()
        if outs.size == 0:
            return hashes
        current = hashes.copy()
        for _ in range(16):
            pos = np.searchsorted(outs, current)
            pos[pos == outs.size] = 0
            hit = outs[pos] == current
            if not hit.any():
                break
            current[hit] = ins[pos[hit]]
        return current

    # -- installing wrappers ---------------------------------------------------------------
    def _install(self) -> None:
        import sklearn.base
        import sklearn.metrics
        import sklearn.model_selection
        import sklearn.model_selection._split as split_mod
        import sklearn.model_selection._validation as validation

        _package_dirs(refresh=True)
        patched: set[type] = set()
        self._patched = patched
        for cls in _all_subclasses(sklearn.base.BaseEstimator):
            self._patch_class(cls)
        for base in (split_mod.BaseCrossValidator, split_mod.BaseShuffleSplit):
            for cls in (base, *_all_subclasses(base)):
                self._patch_splitter(cls)
        repeated = getattr(split_mod, "_RepeatedSplits", None)
        if repeated is not None:
            for cls in (repeated, *_all_subclasses(repeated)):
                self._patch_splitter(cls)
        self._hook_new_classes(sklearn.base.BaseEstimator)
        if hasattr(validation, "_score"):
            self._set(validation, "_score", self._wrap_cv_score(validation._score))
        functions: dict[int, Callable[..., Any]] = {}
        for name in sklearn.metrics.__all__:
            fn = getattr(sklearn.metrics, name, None)
            if inspect.isfunction(fn) and (
                name.endswith(("_score", "_error", "_loss")) or name in _EXTRA_METRICS
            ):
                functions[id(fn)] = self._wrap_metric(name, fn)
        tts = sklearn.model_selection.train_test_split
        functions[id(tts)] = self._wrap_train_test_split(tts)
        originals = {id(fn): fn for fn in _originals(sklearn.metrics, tts)}
        for key, wrapper in functions.items():
            original = originals[key]
            for module in (sklearn.metrics, sklearn.model_selection):
                if getattr(module, getattr(original, "__name__", ""), None) is original:
                    self._set(module, original.__name__, wrapper)
        for module in list(sys.modules.values()):
            self._patch_namespace(module, functions)
        caller = _user_frame()
        if caller is not None:  # a doctest or exec() namespace is no module
            self._patch_dict(caller.f_globals, functions)

    def _set(self, owner: Any, name: str, value: Any) -> None:
        had = name in vars(owner)
        old = vars(owner).get(name)
        setattr(owner, name, value)

        def undo() -> None:
            if had:
                setattr(owner, name, old)
            else:
                delattr(owner, name)

        self._undo.append(undo)

    def _uninstall(self) -> None:
        while self._undo:
            undo = self._undo.pop()
            with contextlib.suppress(AttributeError, TypeError):  # a class that forbids it
                undo()
        # modules imported inside the block copied wrappers: give them the originals back
        for module in list(sys.modules.values()):
            try:
                items = list(vars(module).items())
            except TypeError:
                continue
            for name, value in items:
                if _tracer_of(value) is self:
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(module, name, value.__mlvet_traced__)

    def _patch_namespace(
        self, module: ModuleType, functions: dict[int, Callable[..., Any]]
    ) -> None:
        mod_name = getattr(module, "__name__", "") or ""
        if mod_name.split(".")[0] in _INTERNAL:
            return
        try:
            items = list(vars(module).items())
        except TypeError:
            return
        for name, value in items:
            wrapper = functions.get(id(value))
            if wrapper is not None and inspect.isfunction(value):
                self._set(module, name, wrapper)

    def _patch_dict(
        self, namespace: dict[str, Any], functions: dict[int, Callable[..., Any]]
    ) -> None:
        for name, value in list(namespace.items()):
            wrapper = functions.get(id(value))
            if wrapper is None or not inspect.isfunction(value):
                continue
            namespace[name] = wrapper

            def undo(name: str = name, value: Any = value, wrapper: Any = wrapper) -> None:
                if namespace.get(name) is wrapper:
                    namespace[name] = value

            self._undo.append(undo)

    def _patch_class(self, cls: type) -> None:
        for klass in cls.__mro__:
            if klass is object or klass in self._patched:
                continue
            self._patched.add(klass)
            for name in METHODS:
                attr = klass.__dict__.get(name)
                if attr is None or isinstance(attr, (staticmethod, classmethod, _Traced)):
                    continue
                if not (inspect.isfunction(attr) or hasattr(attr, "__get__")):
                    continue
                try:
                    self._set(klass, name, _Traced(self, name, attr))
                except (AttributeError, TypeError):  # pragma: no cover - builtin types
                    continue

    def _patch_splitter(self, cls: type) -> None:
        attr = cls.__dict__.get("split")
        if attr is None or not inspect.isfunction(attr) or cls in self._patched:
            return
        self._patched.add(cls)
        self._set(cls, "split", self._wrap_split(attr))

    def _hook_new_classes(self, base: type) -> None:
        previous = inspect.getattr_static(base, "__init_subclass__")
        tracer = self

        def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
            previous.__get__(None, cls)(**kwargs)
            tracer._patch_class(cls)

        self._set(base, "__init_subclass__", classmethod(__init_subclass__))

    # -- recording ---------------------------------------------------------------------------
    def _depth(self) -> int:
        return int(getattr(self._local, "depth", 0))

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Record nothing inside this block (the vault uses it around sealed rows)."""
        with self._lock:
            self._paused += 1
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1

    def _enter(self, est: Any = None) -> bool:
        """Count a call in; True when it is an outermost call to record.

        A call on a worker thread is nested too when its estimator belongs to an estimator
        that another thread is inside (a random forest's trees on joblib threads); calls
        of independent estimators on worker threads (cross-validation folds with the
        threading backend) are recorded.
        """
        depth = self._depth()
        self._local.depth = depth + 1
        if depth or self._paused or _active is not self:
            return False
        me = threading.get_ident()
        with self._lock:
            if est is not None and any(
                _owns(outer, est) for owner, (_, outer) in self._busy.items() if owner != me
            ):
                self._local.nested = True
                return False
            count, _ = self._busy.get(me, (0, None))
            self._busy[me] = (count + 1, est)
        self._local.nested = False
        return True

    def _leave(self) -> None:
        depth = self._depth() - 1
        self._local.depth = depth
        if depth == 0 and not getattr(self._local, "nested", False):
            me = threading.get_ident()
            with self._lock:
                count, outer = self._busy.get(me, (0, None))
                if count > 1:
                    self._busy[me] = (count - 1, outer)
                else:
                    self._busy.pop(me, None)

    def _estimator_id(self, obj: Any) -> int:
        key = id(obj)
        with self._lock:
            if key in self._alias and key not in self._estimators:
                return self._alias[key]
            if key not in self._estimators:
                self._estimators[key] = len(self._estimators) + 1
                self._keep.append(obj)
            return self._estimators[key]

    def _new_call(self, op: str, target: str, estimator: Any = None) -> Call:
        with self._lock:
            call = Call(
                index=len(self.calls),
                op=op,
                target=target,
                estimator=None if estimator is None else self._estimator_id(estimator),
                site=_call_site(),
                t=time.perf_counter() - self._t0,
                in_scoring=bool(getattr(self._local, "scoring", False)),
            )
            self.calls.append(call)
            return call

    def _hash(self, data: Any) -> np.ndarray | None:
        if not self.hash_rows or data is None or not _hashable(data):
            return None
        try:
            return row_hashes(data)
        except Exception:  # an odd container: the call is recorded without its rows
            return None

    def _observe_method(
        self, est: Any, op: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Call:
        call = self._new_call(op, _class_name(est), est)
        X = args[0] if args else kwargs.get("X", kwargs.get("raw_documents"))
        y = args[1] if len(args) > 1 else kwargs.get("y")
        call.n_rows = _safe_rows(X)
        call.rows = self._hash(X)
        names = getattr(X, "columns", None)
        if names is not None and not isinstance(names, str):
            try:
                call.columns = tuple(str(c) for c in names)
            except TypeError:
                call.columns = None
        labels = _label_hashes(y) if self.hash_rows else None
        if call.rows is not None and labels is not None and labels.size == call.rows.size:
            call.labels = labels
        if op in FIT_OPS:
            call.params["role"] = _role(est)
        return call

    def _after_method(self, call: Call, result: Any, X: Any) -> None:
        op = call.op
        if op in ("fit_transform", "transform"):
            out = self._hash(result)
            if out is not None and call.rows is not None and out.size == call.rows.size:
                with self._lock:
                    self._lineage.append((out, call.rows))
                call.out_rows = out
        elif op == "fit_resample" and isinstance(result, tuple) and result:
            call.out_rows = self._hash(result[0])
            if call.columns is not None and hasattr(result[0], "columns"):
                # resampling a whole frame and then selecting feature columns is common:
                # keep both frames so the analysis can hash the columns later calls used
                call.frames = (X, result[0])
        elif op in PREDICT_OPS and result is not None:
            with self._lock:
                self._keep.append(result)
                self._outputs[id(result)] = call.index
        elif op == "score":
            call.value = _as_float(result)

    def _run_method(
        self,
        est: Any,
        op: str,
        bound: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if not self._enter(est):
            outer = getattr(self._local, "outer", None)
            if outer is not None and op in FIT_OPS and self._depth() > 1:
                with self._lock:  # fitted inside a recorded fit: it is part of that model
                    if id(est) not in self._estimators:
                        self._alias[id(est)] = outer
                        self._keep.append(est)
            try:
                return bound(*args, **kwargs)
            finally:
                self._leave()
        try:
            call = self._observe_method(est, op, args, kwargs)
            self._local.outer = call.estimator
            try:
                result = bound(*args, **kwargs)
            except BaseException as exc:
                call.error = type(exc).__name__
                raise
            try:
                self._after_method(call, result, args[0] if args else kwargs.get("X"))
            except Exception:  # observing must never change what the call returns
                call.out_rows = None
            return result
        finally:
            self._local.outer = None
            self._leave()

    def _wrap_metric(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        @functools.wraps(fn)
        def metric(*args: Any, **kwargs: Any) -> Any:
            if _active is not tracer:
                return fn(*args, **kwargs)
            if not tracer._enter():
                try:
                    return fn(*args, **kwargs)
                finally:
                    tracer._leave()
            try:
                call = tracer._new_call("metric", name)
                y_true = args[0] if args else kwargs.get("y_true", kwargs.get("labels_true"))
                rest = list(args[1:]) + [
                    kwargs[k]
                    for k in ("y_pred", "y_score", "y_proba", "y_prob", "probas_pred")
                    if k in kwargs
                ]
                tracer._link(call, rest, y_true)
                result = fn(*args, **kwargs)
                call.value = _as_float(result)
                return result
            finally:
                tracer._leave()

        metric.__mlvet_traced__ = fn  # type: ignore[attr-defined]
        metric.__mlvet_tracer__ = self  # type: ignore[attr-defined]
        return metric

    def _remember_parts(self, parts: Any) -> None:
        """Tie each output of ``train_test_split`` to the feature rows of its side."""
        if not isinstance(parts, (list, tuple)) or len(parts) < 2 or len(parts) % 2:
            return
        sides = [self._hash(parts[0]), self._hash(parts[1])]
        for i, side in enumerate(sides):
            if side is not None and i == 1:
                self.test_digests.add(rowset_digest(side))
        with self._lock:
            for i, part in enumerate(parts):
                side = sides[i % 2]
                if side is not None and _safe_rows(part) == side.size:
                    self._split_parts[id(part)] = side
                    self._keep.append(part)

    def _rows_of_labels(self, y_true: Any) -> np.ndarray | None:
        obj = y_true
        for _ in range(4):
            rows = self._split_parts.get(id(obj))
            if rows is not None:
                return rows
            obj = getattr(obj, "base", None)
            if obj is None:
                return None
        return None

    def _link(self, call: Call, candidates: list[Any], y_true: Any) -> None:
        """Tie a metric call to the prediction call whose output it scores."""
        for value in candidates:
            obj = value
            for _ in range(4):
                index = self._outputs.get(id(obj))
                if index is not None:
                    call.link, call.link_how = index, "output"
                    break
                obj = getattr(obj, "base", None)
                if obj is None:
                    break
            if call.link is not None:
                break
        n = _safe_rows(y_true) if y_true is not None else None
        rows = self._rows_of_labels(y_true) if call.link is None and y_true is not None else None
        predictions = [
            c for c in self.calls[: call.index] if c.op in PREDICT_OPS and not c.in_scoring
        ]
        if rows is not None:  # y_true is a side of a recorded split: its X rows decide
            digest = rowset_digest(rows)
            for earlier in reversed(predictions):
                if earlier.rows is not None and earlier.rowset() == digest:
                    call.link, call.link_how = earlier.index, "split"
                    break
        elif call.link is None and n is not None:
            same = [c for c in predictions if c.n_rows == n]
            digests = {c.rowset() for c in same}
            if same and len(digests) == 1:  # only unambiguous: one set of rows that size
                call.link, call.link_how = same[-1].index, "length"
        call.n_rows = n
        if call.link is not None and y_true is not None and self.hash_rows:
            source = self.calls[call.link]
            labels = _label_hashes(y_true)
            if source.rows is not None and labels is not None and labels.size == source.rows.size:
                call.rows = source.rows
                call.labels = labels

    def _wrap_cv_score(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        @functools.wraps(fn)
        def _score(*args: Any, **kwargs: Any) -> Any:
            before = len(tracer.calls)
            tracer._local.scoring = True
            try:
                result = fn(*args, **kwargs)
            finally:
                tracer._local.scoring = False
            y_test = args[2] if len(args) > 2 else kwargs.get("y_test")
            labels = _label_hashes(y_test) if tracer.hash_rows else None
            value = _as_float(result)
            for call in tracer.calls[before:]:
                if call.op in PREDICT_OPS or call.op == "score":
                    call.value = value if call.value is None else call.value
                    if (
                        call.rows is not None
                        and labels is not None
                        and labels.size == call.rows.size
                    ):
                        call.labels = labels
            return result

        return _score

    def _wrap_split(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        @functools.wraps(fn)
        def split(splitter: Any, X: Any = None, *args: Any, **kwargs: Any) -> Iterator[Any]:
            top = tracer._depth() == 0 and not tracer._paused and _active is tracer
            call = tracer._new_call("split", _class_name(splitter)) if top else None
            if call is not None:
                call.n_rows = n_rows(X) if X is not None else None
                call.params = _splitter_params(splitter)
                call.params["folds"] = []
            rows = tracer._hash(X) if call is not None else None
            for train, test in fn(splitter, X, *args, **kwargs):
                if call is not None:
                    call.params["folds"].append([len(train), len(test)])
                    if rows is not None:
                        tracer.test_digests.add(rowset_digest(rows[test]))
                yield train, test

        return split

    def _wrap_train_test_split(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        tracer = self

        @functools.wraps(fn)
        def train_test_split(*arrays: Any, **options: Any) -> Any:
            if _active is not tracer:
                return fn(*arrays, **options)
            top = tracer._enter()
            try:
                result = fn(*arrays, **options)
            finally:
                tracer._leave()
            if top:
                call = tracer._new_call("split", "train_test_split")
                call.n_rows = n_rows(arrays[0]) if arrays else None
                call.params = {
                    "shuffle": bool(options.get("shuffle", True)),
                    "random_state": _jsonable_param(options.get("random_state")),
                    "stratify": options.get("stratify") is not None,
                    "sizes": [n_rows(result[0]), n_rows(result[1])] if len(result) >= 2 else [],
                }
                tracer._remember_parts(result)
            return result

        train_test_split.__mlvet_traced__ = fn  # type: ignore[attr-defined]
        train_test_split.__mlvet_tracer__ = self  # type: ignore[attr-defined]
        return train_test_split


class _Traced:
    """A descriptor that wraps one estimator method and keeps its ``available_if`` logic."""

    def __init__(self, tracer: Trace, name: str, original: Any) -> None:
        self.tracer = tracer
        self.name = name
        self.original = original
        self.__doc__ = getattr(original, "__doc__", None)
        self.__wrapped__ = original

    def __set_name__(self, owner: type, name: str) -> None:  # pragma: no cover - set by hand
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        bound = self.original.__get__(obj, objtype)
        if obj is None or _active is not self.tracer:
            return bound
        tracer, name = self.tracer, self.name

        @functools.wraps(self.original)
        def traced(owner: Any, /, *args: Any, **kwargs: Any) -> Any:
            return tracer._run_method(owner, name, bound, args, kwargs)

        # a bound method, as without the trace: __self__, pickling by name, equality of kind
        return types.MethodType(traced, obj)


def _all_subclasses(base: type) -> list[type]:
    seen: dict[type, None] = {}
    stack = [base]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen[cls] = None
        try:
            stack.extend(cls.__subclasses__())
        except TypeError:  # pragma: no cover - type.__subclasses__ needs an argument
            continue
    return list(seen)


def _originals(metrics: ModuleType, tts: Callable[..., Any]) -> list[Callable[..., Any]]:
    out = [tts]
    for name in metrics.__all__:
        fn = getattr(metrics, name, None)
        if inspect.isfunction(fn):
            out.append(fn)
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _owns(outer: Any, est: Any) -> bool:
    """Is ``est`` the estimator ``outer`` or one of its fitted parts?"""
    if est is outer:
        return True
    for attr in ("estimators_", "calibrated_classifiers_"):
        parts = getattr(outer, attr, None)
        if isinstance(parts, list) and any(p is est for p in parts):
            return True
    for attr in ("best_estimator_", "estimator_", "base_estimator_"):
        if getattr(outer, attr, None) is est:
            return True
    steps = getattr(outer, "steps", None)
    return isinstance(steps, list) and any(step is est for _, step in steps)


_HASHABLE_MODULES = ("numpy", "pandas", "scipy", "polars", "pyarrow")


def _hashable(data: Any) -> bool:
    """Only arrays, frames, sparse matrices and lists are hashed; other objects (a dataset
    that loads items on indexing) are never touched."""
    if isinstance(data, (list, tuple)):
        return True
    return type(data).__module__.split(".")[0] in _HASHABLE_MODULES


def _safe_rows(data: Any) -> int | None:
    if data is None:
        return None
    try:
        return n_rows(data)
    except Exception:  # a __len__ that raises: unknown, not an error of the user's call
        return None


def _role(est: Any) -> str:
    """``resampler``, ``model`` (predicts) or ``transformer``, from the fitted object's API."""
    try:
        if hasattr(est, "fit_resample"):
            return "resampler"
        if any(hasattr(est, name) for name in ("predict", "predict_proba", "decision_function")):
            return "model"
    except Exception:
        return "model"
    return "transformer"


def _class_name(obj: Any) -> str:
    return type(obj).__name__


def _as_float(value: Any) -> float | None:
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        number = float(value)
        return number if np.isfinite(number) else None
    return None


def _jsonable_param(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return type(value).__name__


def _splitter_params(splitter: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in ("n_splits", "shuffle", "random_state", "test_size", "gap", "n_repeats"):
        if hasattr(splitter, key):
            params[key] = _jsonable_param(getattr(splitter, key))
    return params


def trace(
    name: str = "trace", *, record: bool = True, ledger: Any = None, validation: Any = None
) -> Trace:
    """Trace scikit-learn and imbalanced-learn calls inside a ``with`` block.

    Use as ``with mlvet.trace() as t: ...``; afterwards ``t.findings`` lists what was
    found and the trace is in the ledger (``record=False`` keeps it in memory only).
    ``validation`` names the validation rows (``X_val``, or a list of such) when the block
    compares models on them and never scores a test set: otherwise the last held-out rows
    scored are taken for the test set.

    >>> import numpy as np, mlvet
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.metrics import accuracy_score
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    >>> with mlvet.trace(record=False) as t:
    ...     Xs = StandardScaler().fit_transform(X)           # fitted on every row
    ...     model = LogisticRegression().fit(Xs[:150], y[:150])
    ...     _ = accuracy_score(y[150:], model.predict(Xs[150:]))
    >>> [f.code for f in t.findings]
    ['DL301']
    """
    return Trace(name, record=record, ledger=ledger, validation=validation)


def active_trace() -> Trace | None:
    """The trace currently recording, if any."""
    return _active


def _tracer_of(value: Any) -> Any:
    """The trace a wrapper belongs to; None for anything else, including lazy-import
    proxies (Optuna's) whose attribute lookup imports, or fails to import, a module."""
    if not inspect.isfunction(value):
        return None
    return getattr(value, "__mlvet_tracer__", None)
