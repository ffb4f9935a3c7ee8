"""The dataflow analysis behind ``mlvet lint``.

An abstract interpreter walks the module's statements in order (the order the cells ran,
for notebooks) and gives every expression an abstract value:

* :class:`Data` — rows that came from loaded data: which loads they derive from
  (``origins``), which side of which split they are on (``tags``: ``(split, "train")`` or
  ``(split, "test")``), which learned steps transformed them (``fits``), which whole-data
  statistics were mixed in (``stats``), whether they were resampled, whether they hold
  predictions of a model, and peek-a-boo marks per column;
* :class:`Est` — an estimator object, with every fit it went through;
* :class:`Tup` — tuples and lists (split results, ``[("scaler", ...), ...]``);
* :class:`Ref` — an imported module or name, resolved through aliases;
* :class:`Func` — a function defined in the file, analysed at each call with its
  arguments (depth-limited) and once on its own if never called;
* anything else is :data:`OTHER`.

Leaks are decided from these values when rows are split, fitted, predicted and scored,
and a few rules (test-set reuse, comparisons) are decided once the whole file is read.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from mlvet.lint import _knowledge as K

__all__ = ["Analysis", "Issue", "analyse"]

_TRAIN, _TEST = "train", "test"
_AFFIX = r"(x|y|df|data|ds|set|raw|full|idx|index|ids|mask|part|rows|feat|features|labels?|target)?"
_TEST_TOKEN = re.compile(
    rf"^{_AFFIX}(test|tst|te|holdout|hold|oos|oot|outofsample|outoftime){_AFFIX}(ing)?$"
)
_VALID_TOKEN = re.compile(
    rf"^{_AFFIX}(val|valid|validation|va|eval|evaluation|calib|calibration){_AFFIX}$"
)
_TRAIN_TOKEN = re.compile(
    rf"^{_AFFIX}(train|trn|tr|training|learn|insample|dev|fit|trainval|trainvalid|trval)"
    rf"{_AFFIX}(ing)?$"
)


def _name_tokens(name: str) -> list[str]:
    """``X_train_small`` -> x, train, small; ``dfTest2`` -> df, test."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [t for t in re.split(r"[^a-z]+", spaced.lower()) if t]


def _is_test_name(name: str | None) -> bool:
    return bool(name) and any(_TEST_TOKEN.match(t) for t in _name_tokens(name or ""))


def _is_valid_name(name: str | None) -> bool:
    return bool(name) and any(_VALID_TOKEN.match(t) for t in _name_tokens(name or ""))


def _is_train_name(name: str | None) -> bool:
    return bool(name) and any(_TRAIN_TOKEN.match(t) for t in _name_tokens(name or ""))


_BUILTINS = frozenset(dir(builtins))
_PERMUTATIONS = frozenset({"permutation", "randperm"})
_SCALING_FUNCTIONS = frozenset(
    {
        "scale",
        "minmax_scale",
        "robust_scale",
        "maxabs_scale",
        "quantile_transform",
        "power_transform",
    }
)
_STATSMODELS = frozenset(
    {
        "ols",
        "logit",
        "probit",
        "glm",
        "wls",
        "mixedlm",
        "OLS",
        "Logit",
        "Probit",
        "GLM",
        "WLS",
        "GLS",
        "ARIMA",
        "SARIMAX",
        "ExponentialSmoothing",
        "AutoReg",
        "VAR",
        "Holt",
    }
)
_OPTUNA_SAMPLERS = frozenset(
    {"TPESampler", "RandomSampler", "CmaEsSampler", "QMCSampler", "NSGAIISampler", "GPSampler"}
)
_MODULE_ALIASES = {
    "pd": "pandas",
    "np": "numpy",
    "plt": "matplotlib.pyplot",
    "sns": "seaborn",
    "tf": "tensorflow",
    "xgb": "xgboost",
    "lgb": "lightgbm",
    "cb": "catboost",
    "sm": "statsmodels.api",
    "pl": "polars",
    "optuna": "optuna",
    "keras": "keras",
}
_PASS_THROUGH = frozenset(
    {
        "copy",
        "reset_index",
        "to_numpy",
        "values",
        "astype",
        "dropna",
        "sort_index",
        "sort_values",
        "iloc",
        "loc",
        "to_frame",
        "squeeze",
        "ravel",
        "flatten",
        "reshape",
        "set_index",
    }
)
_LABEL_NAME = re.compile(r"^(y|Y|target|targets|label|labels|y_\w*|\w*_y|\w*_target|\w*_label)$")
_LOADER_NAME = re.compile(
    r"^(load|read|fetch|get|import|download|query|extract|open)|data|_df$|frame", re.I
)
_MAX_DEPTH = 6


# --- abstract values ----------------------------------------------------------------------


@dataclass(eq=False)
class Split:
    """One place rows were divided into a training and a test side."""

    id: int
    node: ast.AST
    how: str
    shuffled: bool
    seeded: bool
    source_label: str
    test_label: str | None = None
    train_label: str | None = None
    cv: bool = False
    sides: set[str] = field(default_factory=lambda: {_TRAIN, _TEST})
    parent: tuple[int, str] | None = None
    """For a validation part sliced out of a training side: that side. Rows on it that are
    not the validation part are this split's training side."""


@dataclass(eq=False)
class Fit:
    """One call that learned state from rows (``fit``, ``fit_transform``, a pandas statistic)."""

    est: Est | None
    data: Data
    node: ast.AST
    method: str
    loops: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class Mark:
    """A peek-a-boo mark on a column built from the future of its row."""

    column: str | None
    code: str
    node: ast.AST = field(compare=False, hash=False)
    line: int = 0
    how: str = ""


@dataclass(eq=False)
class Pred:
    """Predictions of ``est`` (as fitted by ``fit``) for the rows ``data``."""

    est: Est
    fit: Fit | None
    data: Data


@dataclass(frozen=True, eq=False)
class Data:
    origins: frozenset[int] = frozenset()
    tags: frozenset[tuple[int, str]] = frozenset()
    fits: frozenset[Fit] = frozenset()
    stats: frozenset[Fit] = frozenset()
    resampled: frozenset[Fit] = frozenset()
    preds: frozenset[Pred] = frozenset()
    marks: frozenset[Mark] = frozenset()
    curve: ast.AST | None = None
    time: bool = False
    ordered: bool = False
    """Rows put in time order (sorted, indexed by date, shifted, windowed): with ``time``,
    a time series rather than a table that merely has a date column."""
    label: str = "data"
    rows: str | None = None
    """A positional range taken inline, ``[:200]`` or ``[200:]``: rows of an unnamed slice,
    so that ``fit(df.iloc[:200])`` and ``predict(df.iloc[200:])`` are not the same rows."""

    def relabel(self, label: str) -> Data:
        return replace(self, label=label)

    @property
    def test_splits(self) -> frozenset[int]:
        return frozenset(s for s, side in self.tags if side == _TEST)

    def keep_columns(self, columns: Iterable[str]) -> Data:
        cols = set(columns)
        return replace(
            self, marks=frozenset(m for m in self.marks if m.column is None or m.column in cols)
        )

    def drop_columns(self, columns: Iterable[str]) -> Data:
        cols = set(columns)
        return replace(self, marks=frozenset(m for m in self.marks if m.column not in cols))


class Est:
    """An estimator, splitter or search object, mutable as the real one is."""

    _ids = itertools.count(1)

    def __init__(
        self,
        qualname: str,
        role: str | None,
        node: ast.AST,
        label: str,
        kwargs: dict[str, ast.expr],
        loops: tuple[int, ...],
    ) -> None:
        self.id = next(self._ids)
        self.qualname = qualname
        self.cls = qualname.rsplit(".", 1)[-1]
        self.role = role
        self.node = node
        self.label = label
        self.kwargs = kwargs
        self.loops = loops
        self.fits: list[Fit] = []
        self.steps: list[Est] = []
        self.inner: Est | None = None
        self.multi = False
        self.members: list[Est] = []
        self.pending: Any = None
        """Rows given at construction (statsmodels): what a bare ``fit()`` learns from."""

    @property
    def current(self) -> Fit | None:
        return self.fits[-1] if self.fits else None

    def effective_role(self) -> str | None:
        if self.role in {"model", None} and self.steps:
            roles = [s.effective_role() for s in self.steps]
            if all(r in {"transform", "stateless", "target-encoder"} for r in roles):
                return "transform"
            if any(r == "resample" for r in roles) and roles[-1] != "model":
                return "resample"
            return "model"
        if self.role == "search" and self.inner is not None:
            return "model"
        return self.role

    def has_learned_steps(self) -> bool:
        if self.steps:
            return any(s.effective_role() == "transform" for s in self.steps)
        return self.effective_role() == "transform"

    def describe(self) -> str:
        return f"`{self.label}` ({self.cls})" if self.label != self.cls else f"`{self.cls}`"


@dataclass(frozen=True)
class Tup:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Cols:
    """A list of column names known from the source: ``["age", "fare"]``."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    qualname: str

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(eq=False)
class Func:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope
    called: bool = False


@dataclass(eq=False)
class ClassVal:
    """A class defined in the file; calling it makes an :class:`Obj` (or an :class:`Est`
    when it derives from an estimator base such as ``BaseEstimator``)."""

    node: ast.ClassDef
    methods: dict[str, Func]
    bases: tuple[str, ...]


@dataclass(eq=False)
class Obj:
    """An instance of a class of the file; ``self.x = ...`` lands in ``attrs``."""

    cls: ClassVal
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SplitIter:
    """What a splitter's ``.split(X)`` yields: (train indices, test indices) pairs."""

    train: Data
    test: Data


@dataclass(frozen=True)
class Grouped:
    data: Data


@dataclass(frozen=True)
class Windowed:
    """``rolling``/``expanding``/``ewm``: reductions stay row-aligned, over a window."""

    data: Data


class _Other:
    def __repr__(self) -> str:
        return "OTHER"


OTHER: Any = _Other()


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def get(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None

    def set(self, name: str, value: Any) -> None:
        self.vars[name] = value

    @property
    def root(self) -> Scope:
        return self if self.parent is None else self.parent.root


# --- events and issues -------------------------------------------------------------------


@dataclass(eq=False)
class Eval:
    est: Est
    fit: Fit | None
    data: Data
    node: ast.AST
    how: str
    loops: tuple[int, ...]


@dataclass(frozen=True)
class Issue:
    """A raw finding: a code at a node, before it is mapped to file, cell and line."""

    code: str
    line: int
    column: int
    message: str
    evidence: tuple[tuple[str, Any], ...] = ()
    end_line: int | None = None
    end_column: int | None = None


@dataclass
class Loop:
    id: int
    node: ast.AST
    targets: set[str]
    tainted: set[str]
    multi_est: bool = False
    records: bool = False
    thresholded: set[str] = field(default_factory=set)
    data_loop: bool = False
    """The loop walks data sets (``for X, y in [(X_tr, y_tr), (X_te, y_te)]``), not values."""


def _line(node: ast.AST | None) -> int:
    return int(getattr(node, "lineno", 1) or 1)


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _const_strs(node: ast.AST | None) -> list[str] | None:
    if node is None:
        return None
    single = _const_str(node)
    if single is not None:
        return [single]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        values = [_const_str(e) for e in node.elts]
        if all(v is not None for v in values):
            return [v for v in values if v is not None]
    return None


def _negative_int(node: ast.AST | None) -> bool:
    """``-3``, ``-k`` or ``-(h + 1)``: a shift into the future (``-0`` aside)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = node.operand
        if isinstance(operand, ast.Constant):
            return isinstance(operand.value, int | float) and operand.value > 0
        return isinstance(operand, ast.Name | ast.BinOp | ast.Attribute | ast.Subscript)
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
        and node.value < 0
    )


def _ordered(items: Iterable[Any]) -> list[Any]:
    """Set members in source order, so that the same file always gives the same messages."""

    def where(item: Any) -> tuple[int, int, str]:
        node = getattr(item, "node", None) or getattr(getattr(item, "fit", None), "node", None)
        return (
            _line(node),
            int(getattr(node, "col_offset", 0) or 0),
            repr(getattr(item, "label", "")),
        )

    return sorted(items, key=where)


def _const_int(node: ast.AST | None) -> int | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const_int(node.operand)
        return -inner if inner is not None else None
    return None


_EARLY_STOPPING = frozenset(
    {
        "early_stopping_rounds",
        "callbacks",
        "use_best_model",
        "early_stopping",
        "n_iter_no_change",
        "od_type",
        "od_wait",
    }
)


def _stops_early(fit_kw: dict[str, ast.expr], init_kw: dict[str, ast.expr]) -> bool:
    """Evaluation data only selects the model when something stops or keeps the best on it;
    an ``eval_set`` that is only printed selects nothing."""
    for kw in (fit_kw, init_kw):
        for key in _EARLY_STOPPING & set(kw):
            value = kw[key]
            if not (isinstance(value, ast.Constant) and value.value in (None, False, 0)):
                return True
    return False


def _sides(data: Data, sid: int) -> set[str]:
    return {side for s, side in data.tags if s == sid}


def _call_name(node: ast.Call) -> str:
    func = node.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _compared_in(func: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    return any(isinstance(n, ast.Compare) and name in _names_in(n) for n in ast.walk(func))


def _holds_data(value: Any) -> bool:
    if isinstance(value, Data):
        return True
    return isinstance(value, Tup) and any(_holds_data(v) for v in value.items)


def _reduces_param(func: ast.Lambda) -> bool:
    """``lambda s: s.fillna(s.mean())`` reduces its group; ``lambda s: s.rolling(7).mean()``
    does not."""
    params = {a.arg for a in func.args.args}
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in K.STAT_METHODS
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id in params
        for n in ast.walk(func.body)
    )


def _truthy_kw(kwargs: dict[str, ast.expr], name: str) -> bool | None:
    node = kwargs.get(name)
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return True


def _side_from_name(name: str | None) -> str | None:
    held_out = _is_test_name(name) or _is_valid_name(name)
    training = _is_train_name(name)
    if held_out and training:
        return None  # train_test, trainval: not one side
    return _TEST if held_out else _TRAIN if training else None


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        out: list[str] = []
        for elt in target.elts:
            out.extend(_target_names(elt.value if isinstance(elt, ast.Starred) else elt))
        return out
    if isinstance(target, ast.Attribute):
        return [target.attr]
    if isinstance(target, ast.Subscript):
        col = _const_str(target.slice)
        return [col] if col else _target_names(target.value)
    return []


# --- the analysis ------------------------------------------------------------------------


class Analysis:
    """Walks one module and collects :class:`Issue` records."""

    def __init__(
        self,
        module: ast.Module,
        *,
        time_columns: Sequence[str] = (),
        describe_line: Callable[[int], str] | None = None,
    ) -> None:
        self.module = module
        self.describe_line = describe_line or (lambda n: f"line {n}")
        self.time_columns = frozenset(time_columns)
        self.issues: dict[tuple[str, int, int], Issue] = {}
        self.reported: set[tuple[str, int]] = set()
        self.splits: dict[int, Split] = {}
        self.split_ids = itertools.count(1)
        self.origin_ids = itertools.count(1)
        self.loop_ids = itertools.count(1)
        self.origin_labels: dict[int, str] = {}
        self.manual_splits: dict[Any, int] = {}
        self.manual_split_ids: set[int] = set()
        self.evals: list[Eval] = []
        self.ests: list[Est] = []
        self.funcs: list[Func] = []
        self.loops: list[Loop] = []
        self.depth = 0
        self.call_stack: list[Func] = []
        self.returns: list[list[Any]] = []
        self.hint: list[str] = []
        self.deferred: list[Callable[[], None]] = []
        self.all_fits: list[Fit] = []
        self.only_validation = False
        self.scored_splits: set[int] = set()
        self.files_split: Split | None = None
        self.origin_stmt: dict[int, int] = {}
        self.stmt_count = 0
        self.positioned: set[tuple[frozenset[int], frozenset[tuple[int, str]]]] = set()
        self.perm_sides: dict[int, tuple[str, ast.AST, str]] = {}
        self.perm_origins: set[int] = set()
        self.temporal: list[tuple[Split, Data, ast.AST]] = []
        self.assigned: dict[str, ast.expr] = {}
        self.samples: dict[Any, list[tuple[ast.AST, str, str]]] = {}
        self.slice_bounds: dict[tuple[int, str], tuple[int | None, int | None, ast.AST]] = {}
        self.mark_uses: dict[tuple[int, str, str | None], tuple[Mark, Est, ast.AST]] = {}
        self.target_columns: set[str] = set()
        self.hint_nodes: list[ast.AST] = []
        self.cv_used = False
        self.unseeded_splits: list[Split] = []
        self.global_scope = Scope()

    # --- driver ---------------------------------------------------------------------------

    def run(self) -> list[Issue]:
        self.block(self.module.body, self.global_scope)
        for func in list(self.funcs):
            if not func.called and isinstance(func.node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.call_function(func, [], {}, fresh=True)
        self.finish()
        return sorted(self.issues.values(), key=lambda i: (i.line, i.column, i.code))

    def at(self, node: ast.AST) -> str:
        """Where a node is, for messages: ``line 12``, or ``cell 4, line 2`` in a notebook."""
        return self.describe_line(_line(node))

    def report(
        self, code: str, node: ast.AST, message: str, *, key: Any = None, **evidence: Any
    ) -> None:
        dedupe = (code, key if key is not None else _line(node))
        if dedupe in self.reported:
            return
        self.reported.add(dedupe)
        line = _line(node)
        col = int(getattr(node, "col_offset", 0) or 0) + 1
        issue = Issue(
            code,
            line,
            col,
            message,
            tuple(sorted(evidence.items())),
            getattr(node, "end_lineno", None),
            getattr(node, "end_col_offset", None),
        )
        self.issues.setdefault((code, line, col), issue)

    # --- values ---------------------------------------------------------------------------

    def tag_loaded(self, name: str, value: Data, node: ast.AST) -> Data:
        """``train = read(...)`` / ``test = read(...)``: files loaded under a training and a
        test name are the two sides of one split."""
        side = _side_from_name(name)
        fresh = value.origins and all(
            self.origin_stmt.get(o) == self.stmt_count for o in value.origins
        )
        if side is None or value.tags or not fresh:
            return value
        if self.files_split is None:
            self.files_split = self.new_split(
                node, "separate files", shuffled=False, seeded=True, source=value
            )
            self.files_split.sides = set()
        split = self.files_split
        split.sides.add(side)
        if side == _TEST:
            split.test_label = split.test_label or name
        return replace(value, tags=frozenset({(split.id, side)}))

    def new_origin(self, label: str, *, time: bool = False) -> Data:
        oid = next(self.origin_ids)
        self.origin_stmt[oid] = self.stmt_count
        self.origin_labels[oid] = label
        return Data(origins=frozenset({oid}), label=label, time=time)

    @staticmethod
    def union(values: Iterable[Any], label: str | None = None) -> Any:
        datas = [v for v in _flatten(values) if isinstance(v, Data)]
        if not datas:
            return OTHER
        if len(datas) == 1:
            return datas[0] if label is None else datas[0].relabel(label)
        first = datas[0]
        return Data(
            origins=frozenset().union(*(d.origins for d in datas)),
            tags=frozenset().union(*(d.tags for d in datas)),
            fits=frozenset().union(*(d.fits for d in datas)),
            stats=frozenset().union(*(d.stats for d in datas)),
            resampled=frozenset().union(*(d.resampled for d in datas)),
            preds=frozenset().union(*(d.preds for d in datas)),
            marks=frozenset().union(*(d.marks for d in datas)),
            curve=next((d.curve for d in datas if d.curve is not None), None),
            time=any(d.time for d in datas),
            ordered=any(d.ordered for d in datas),
            label=label or first.label,
            rows=first.rows if all(d.rows == first.rows for d in datas) else None,
        )

    @property
    def loop_path(self) -> tuple[int, ...]:
        return tuple(loop.id for loop in self.loops)

    # --- statements -----------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.stmt(stmt, scope)

    def stmt(self, node: ast.stmt, scope: Scope) -> None:
        if self.depth == 0:
            self.stmt_count += 1
        if isinstance(node, ast.Assign):
            names = [n for t in node.targets for n in _target_names(t)]
            value = self.expr_hinted(node.value, scope, names)
            for target in node.targets:
                self.bind(target, value, scope, node.value)
                self.note_target_assignment(target, node.value)
                if isinstance(target, ast.Name):
                    self.assigned[target.id] = node.value
            self.note_loop_assignment(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                value = self.expr_hinted(node.value, scope, _target_names(node.target))
                self.bind(node.target, value, scope, node.value)
        elif isinstance(node, ast.AugAssign):
            old = self.expr(node.target, scope)
            new = self.expr(node.value, scope)
            if isinstance(node.target, ast.Name):
                merged = self.union([old, new])
                if isinstance(old, Tup) and isinstance(new, Tup) and isinstance(node.op, ast.Add):
                    merged = Tup(old.items + new.items)
                scope.set(node.target.id, merged if merged is not OTHER else old)
            else:
                self.bind(node.target, self.union([old, new]), scope, node.value)
            self.note_loop_assignment([node.target], node.value)
        elif isinstance(node, ast.Expr):
            self.expr(node.value, scope)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.for_loop(node, scope)
        elif isinstance(node, ast.While):
            self.expr(node.test, scope)
            self.loop_body(node, set(), scope, node.body, multi=False)
            self.block(node.orelse, scope)
        elif isinstance(node, ast.If):
            self.expr(node.test, scope)
            self.block(node.body, scope)
            self.block(node.orelse, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, scope, item.context_expr)
            self.block(node.body, scope)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.block(node.body, scope)
            for handler in node.handlers:
                self.block(handler.body, scope)
            self.block(node.orelse, scope)
            self.block(node.finalbody, scope)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            func = Func(node, scope)
            self.funcs.append(func)
            scope.set(node.name, func)
        elif isinstance(node, ast.ClassDef):
            inner = Scope(scope)
            methods: dict[str, Func] = {}
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    func = Func(member, inner)
                    self.funcs.append(func)
                    methods[member.name] = func
            bases = tuple(ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases)
            scope.set(node.name, ClassVal(node, methods, bases))
        elif isinstance(node, ast.Return):
            if self.returns:
                self.returns[-1].append(self.expr(node.value, scope) if node.value else OTHER)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.set(alias.asname, Ref(alias.name))
                else:
                    top = alias.name.split(".")[0]
                    scope.set(top, Ref(top))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name != "*":
                    scope.set(alias.asname or alias.name, Ref(f"{module}.{alias.name}"))
        elif isinstance(node, ast.Match):
            self.expr(node.subject, scope)
            for case in node.cases:
                self.block(case.body, scope)
        elif isinstance(
            node,
            ast.Delete
            | ast.Global
            | ast.Nonlocal
            | ast.Pass
            | ast.Break
            | ast.Continue
            | ast.Raise
            | ast.Assert,
        ):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr) and not isinstance(child, ast.Name):
                    self.expr(child, scope)

    def note_target_assignment(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name) and _LABEL_NAME.match(target.id):
            self.note_target(value)
        elif isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            for t, v in zip(target.elts, value.elts, strict=False):
                self.note_target_assignment(t, v)

    def note_loop_assignment(self, targets: Sequence[ast.AST], value: ast.AST) -> None:
        if not self.loops:
            return
        names = {n for t in targets for n in _target_names(t)}
        used = _names_in(value)
        compares = any(isinstance(n, ast.Compare) for n in ast.walk(value))
        for loop in self.loops:
            if used & loop.tainted:
                if compares or used & loop.thresholded:
                    loop.thresholded |= names
                loop.tainted |= names
        if any(isinstance(t, ast.Subscript) for t in targets):
            for loop in self.loops:
                loop.records = True

    def for_loop(self, node: ast.For | ast.AsyncFor, scope: Scope) -> None:
        it = self.expr(node.iter, scope)
        element = self.element_of(it)
        multi = self.is_multi(element)
        self.bind(node.target, element, scope, node.iter)
        self.loop_body(
            node,
            set(_target_names(node.target)),
            scope,
            node.body,
            multi=multi,
            data_loop=_holds_data(element),
        )
        self.block(node.orelse, scope)

    def loop_body(
        self,
        node: ast.AST,
        targets: set[str],
        scope: Scope,
        body: Sequence[ast.stmt],
        *,
        multi: bool,
        data_loop: bool = False,
    ) -> None:
        with self.looping(node, targets, multi=multi, data_loop=data_loop) as loop:
            self.block(body, scope)
        self.check_hand_search(loop, body)

    @contextmanager
    def looping(
        self, node: ast.AST, targets: set[str], *, multi: bool, data_loop: bool
    ) -> Iterator[Loop]:
        """Walk a loop body (once) with the loop on the stack."""
        loop = Loop(
            next(self.loop_ids),
            node,
            set(targets),
            set(targets),
            multi_est=multi,
            data_loop=data_loop,
        )
        self.loops.append(loop)
        try:
            yield loop
        finally:
            self.loops.pop()

    def is_multi(self, value: Any) -> bool:
        if isinstance(value, Est):
            return value.multi
        if isinstance(value, Tup):
            return any(self.is_multi(v) for v in value.items)
        return False

    def element_of(self, value: Any) -> Any:
        if isinstance(value, SplitIter):
            return Tup((value.train, value.test))
        if isinstance(value, Tup):
            items = value.items
            ests = [v for v in items if isinstance(v, Est)]
            if len(ests) >= 2 and len(ests) == len(items):
                return self.multi_est(ests)
            tuples = [v for v in items if isinstance(v, Tup)]
            if tuples and len(tuples) == len(items):
                width = max(len(t.items) for t in tuples)
                cols = []
                for k in range(width):
                    column = [t.items[k] for t in tuples if k < len(t.items)]
                    col_ests = [c for c in column if isinstance(c, Est)]
                    if len(col_ests) >= 2 and len(col_ests) == len(column):
                        cols.append(self.multi_est(col_ests))
                    else:
                        cols.append(
                            self.union(column)
                            if any(isinstance(c, Data) for c in column)
                            else (column[0] if column else OTHER)
                        )
                return Tup(tuple(cols))
            if items:
                data = [v for v in items if isinstance(v, Data)]
                return self.union(data) if data else items[0]
            return OTHER
        if isinstance(value, Data):
            return value
        return value

    def multi_est(self, ests: list[Est]) -> Est:
        first = ests[0]
        multi = Est(first.qualname, first.role, first.node, "model", {}, self.loop_path)
        multi.multi = True
        multi.members = ests
        multi.cls = " / ".join(dict.fromkeys(e.cls for e in ests))
        roles = {e.effective_role() for e in ests}
        multi.role = roles.pop() if len(roles) == 1 else "model"
        self.ests.append(multi)
        return multi

    def bind(
        self, target: ast.AST, value: Any, scope: Scope, value_node: ast.AST | None = None
    ) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Data):
                if self.depth == 0 and value_node is not None and isinstance(value_node, ast.Call):
                    value = self.tag_loaded(target.id, value, value_node)
                value = self.manual_split(target.id, value, value_node)
                value = value.relabel(target.id)
            elif isinstance(value, Est) and value.label == value.cls and not value.multi:
                value.label = target.id
            scope.set(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            elts = target.elts
            if isinstance(value, Tup) and len(value.items) == len(elts):
                nodes: list[ast.AST | None] = [None] * len(elts)
                if isinstance(value_node, ast.Tuple | ast.List) and len(value_node.elts) == len(
                    elts
                ):
                    nodes = list(value_node.elts)
                for elt, item, item_node in zip(elts, value.items, nodes, strict=True):
                    self.bind(elt, item, scope, item_node)
            elif isinstance(value, Tup) and any(isinstance(e, ast.Starred) for e in elts):
                for elt, item in zip(elts, value.items, strict=False):
                    self.bind(elt.value if isinstance(elt, ast.Starred) else elt, item, scope)
            elif isinstance(value, Data) and self.presplit_sides(target):
                # (x_train, y_train), (x_test, y_test) = mnist.load_data(): split by its maker
                split = self.new_split(
                    target, "the loader", shuffled=False, seeded=True, source=value
                )
                self.bind_presplit(target, value, split, scope)
            else:
                for elt in elts:
                    self.bind(elt.value if isinstance(elt, ast.Starred) else elt, value, scope)
        elif isinstance(target, ast.Subscript):
            base = self.expr(target.value, scope)
            self.expr(target.slice, scope)
            if isinstance(base, Tup | _EstDict) and isinstance(value, Est):
                # models[name] = model: the container now holds the estimator
                items = base.values.items if isinstance(base, _EstDict) else base.items
                if value not in items:
                    self.rebind_root(target.value, _EstDict(Tup((*items, value))), scope)
            elif isinstance(base, Data) and isinstance(value, Data):
                column = _const_str(target.slice)
                columns = _const_strs(target.slice) or ([column] if column else [])
                # a column built from marked values is marked itself; marks the frame
                # already had (whole-frame ones included) are not renamed
                marks = frozenset(
                    replace(m, column=columns[0])
                    if columns
                    and len(columns) == 1
                    and (m.column is not None or m not in base.marks)
                    else m
                    for m in value.marks
                )
                if columns and column in self.time_columns:
                    value = replace(value, time=True)
                incoming = replace(value, marks=marks, tags=frozenset(), origins=frozenset())
                merged = self.union([base.drop_columns(columns), incoming], label=base.label)
                self.rebind_root(target.value, merged, scope)
        elif isinstance(target, ast.Attribute):
            base = self.expr(target.value, scope)
            if isinstance(base, Data) and isinstance(value, Data):
                keep = replace(value, tags=frozenset(), origins=frozenset())
                merged = self.union([base, keep], label=base.label)
                if target.attr == "index" and value.time:  # df.index = pd.to_datetime(...)
                    merged = replace(merged, ordered=True)
                self.rebind_root(target.value, merged, scope)
            elif isinstance(base, Obj):
                if isinstance(value, Data):
                    value = self.manual_split(target.attr, value, value_node).relabel(
                        f"self.{target.attr}"
                    )
                base.attrs[target.attr] = value

    @staticmethod
    def presplit_sides(target: ast.AST) -> bool:
        sides = {_side_from_name(n) for n in _target_names(target)}
        return {_TRAIN, _TEST} <= sides

    def bind_presplit(self, target: ast.AST, value: Data, split: Split, scope: Scope) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self.bind_presplit(
                    elt.value if isinstance(elt, ast.Starred) else elt, value, split, scope
                )
            return
        names = _target_names(target)
        side = _side_from_name(names[0]) if names else None
        part = replace(value, tags=value.tags | {(split.id, side)}) if side else value
        if side == _TEST and names:
            split.test_label = split.test_label or names[0]
        self.bind(target, part, scope)

    def rebind_root(self, node: ast.AST, value: Any, scope: Scope) -> None:
        """``df['a'] = ...`` and in-place methods change the object a name refers to."""
        while isinstance(node, ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Attribute):
                owner = self.peek(node.value, scope)
                if isinstance(owner, Obj):  # self.frame['a'] = ...: the attribute changes
                    owner.attrs[node.attr] = value
                    return
            node = node.value
        if isinstance(node, ast.Name):
            scope.set(node.id, value)

    def peek(self, node: ast.AST, scope: Scope) -> Any:
        """The value of a name or attribute chain, without evaluating anything else."""
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self.peek(node.value, scope)
            return owner.attrs.get(node.attr) if isinstance(owner, Obj) else None
        return None

    # --- manual splits: X[:n] / X[n:], df.sample + df.drop -----------------------------------

    def manual_split(self, name: str, value: Data, value_node: ast.AST | None) -> Data:
        while isinstance(value_node, ast.Call | ast.Attribute) and (
            (isinstance(value_node, ast.Attribute) and value_node.attr in _PASS_THROUGH)
            or (
                isinstance(value_node, ast.Call)
                and isinstance(value_node.func, ast.Attribute)
                and value_node.func.attr in _PASS_THROUGH
            )
        ):
            value_node = (
                value_node.value if isinstance(value_node, ast.Attribute) else value_node.func
            )
            if isinstance(value_node, ast.Attribute) and value_node.attr in _PASS_THROUGH:
                value_node = value_node.value
        side = _side_from_name(name)
        if side is None:
            return value
        if isinstance(value_node, ast.Compare | ast.BoolOp) or (
            isinstance(value_node, ast.Call)
            and isinstance(value_node.func, ast.Attribute)
            and value_node.func.attr in {"between", "isin"}
        ):
            return self.tag_side(name, side, value, value_node)  # a named mask: is_train = ...
        if (
            isinstance(value_node, ast.Call)
            and isinstance(value_node.func, ast.Attribute)
            and value_node.func.attr
            in {"filter", "query", "where", "slice", "head", "tail", "take"}
            and value_node.args
            and not value_node.keywords
        ):
            return self.tag_side(name, side, value, value_node)  # train = df.filter(mask)
        if not isinstance(value_node, ast.Subscript):
            return value
        index = value_node.slice
        key = _const_str(index)
        if (
            key is not None
            and isinstance(value_node.value, ast.Attribute)
            and (value_node.value.attr in {"loc", "xs"})
        ):
            # joined.loc["train"]: the part of concat(..., keys=["train", "test"]) so named
            return self.take_side(value, _side_from_name(key) or side)
        if isinstance(index, ast.Slice):
            if index.lower is None and index.upper is None:
                return value
        elif not (
            isinstance(index, ast.Compare | ast.BoolOp | ast.Call)
            or (isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Not | ast.Invert))
        ):
            return value
        if isinstance(index, ast.Call) and not (
            isinstance(index.func, ast.Attribute) and index.func.attr in {"between", "isin"}
        ):
            return value
        return self.tag_side(name, side, value, value_node)

    def tag_side(self, name: str, side: str, value: Data, value_node: ast.AST) -> Data:
        if (value.origins, value.tags) in self.positioned:
            return value  # the side of train and test joined, already taken apart
        if any(t[1] == side for t in value.tags if t[0] in {sid for sid in self.manual_split_ids}):
            return value  # already this side of a manual split (a filter of the test set)
        key = (value.origins, frozenset(t for t in value.tags if t[0] not in self.manual_split_ids))
        sid = self.named_split(key, value, value_node, sides=set())
        split = self.splits[sid]
        self.check_slice_bounds(sid, side, name, value_node)
        self.check_independent_draws(value, side, name, value_node)
        if side == _TEST and _is_valid_name(name) and not _is_test_name(name):
            # tr / va / te: the validation part is held out from the training side of the
            # split, whose other training part is everything on that side that is not it
            inner = self.named_split(
                (key, "validation"), value, value_node, sides={_TRAIN, _TEST}, parent=(sid, _TRAIN)
            )
            self.splits[inner].test_label = self.splits[inner].test_label or name
            self.add_side(split, _TRAIN, value, value_node)
            return replace(value, tags=value.tags | {(sid, _TRAIN), (inner, _TEST)})
        self.add_side(split, side, value, value_node)
        if side == _TEST:
            split.test_label = split.test_label or name
        else:
            split.train_label = split.train_label or name
        return replace(value, tags=value.tags | {(sid, side)})

    def named_split(
        self,
        key: Any,
        value: Data,
        node: ast.AST,
        *,
        sides: set[str],
        parent: tuple[int, str] | None = None,
    ) -> int:
        """The split that parts named from the same rows belong to (made on first use)."""
        sid = self.manual_splits.get(key)
        if sid is None:
            sid = next(self.split_ids)
            self.manual_splits[key] = sid
            self.manual_split_ids.add(sid)
            self.splits[sid] = Split(
                sid,
                node,
                "slicing",
                shuffled=False,
                seeded=True,
                source_label=value.label,
                sides=sides,
                parent=parent,
            )
        return sid

    def add_side(self, split: Split, side: str, value: Data, node: ast.AST) -> None:
        """A split made by naming its parts becomes a split once both sides exist."""
        was_live = len(split.sides) == 2
        split.sides.add(side)
        if not was_live and len(split.sides) == 2:
            self.on_split(split, value, node)

    def check_independent_draws(self, value: Data, side: str, name: str, node: ast.AST) -> None:
        """Training and test positions sliced from two separate permutations overlap."""
        perms = value.origins & self.perm_origins
        if len(perms) != 1:
            return
        (perm,) = perms
        for other, (other_side, other_node, other_name) in self.perm_sides.items():
            if other != perm and other_side != side:
                self.report(
                    "DL121",
                    node,
                    f"`{name}` ({self.at(node)}) and `{other_name}` ({self.at(other_node)}) are "
                    "sliced from two independent permutations: they share rows, so the model is "
                    "scored on rows it trained on.",
                    key=("DL121-perm", perm, other),
                )
        self.perm_sides.setdefault(perm, (side, node, name))

    def check_slice_bounds(self, sid: int, side: str, name: str, node: ast.AST) -> None:
        """``X[:36000]`` for training and ``X[32000:]`` for testing share 4,000 rows."""
        index = node.slice if isinstance(node, ast.Subscript) else None
        if not isinstance(index, ast.Slice):
            return
        bounds = (_const_int(index.lower), _const_int(index.upper))
        if (index.lower is not None and bounds[0] is None) or (
            index.upper is not None and bounds[1] is None
        ):
            return
        self.slice_bounds.setdefault((sid, side), (*bounds, node))
        other = self.slice_bounds.get((sid, _TEST if side == _TRAIN else _TRAIN))
        if other is None:
            return
        lo1, hi1 = bounds
        lo2, hi2, other_node = other
        if any(b is not None and b < 0 for b in (lo1, hi1, lo2, hi2)):
            return
        start = max(lo1 or 0, lo2 or 0)
        end = min(hi1 if hi1 is not None else 2**62, hi2 if hi2 is not None else 2**62)
        if start < end:
            self.report(
                "DL121",
                node,
                f"The slices at {self.at(other_node)} and {self.at(node)} overlap (rows {start} to "
                f"{end if end < 2**62 else 'the end'}): `{name}` shares rows with the other side.",
                key=("DL121-slice", sid),
            )

    def positional_part(self, base: Data, index: ast.Slice) -> Data:
        """``joined.iloc[:len(train)]``: a positional slice of train and test joined together
        is the side its name says, or else the first (training) part for ``[:n]`` and the
        later part for ``[n:]``, the order of ``concat([train, test])``."""
        side = _side_from_name(self.hint_names[0] if len(self.hint_names) == 1 else None)
        if side is None and (index.lower is None) != (index.upper is None):
            side = _TRAIN if index.lower is None else _TEST
        part = self.take_side(base, side)
        if part is base:
            part = replace(base, rows=(base.rows or "") + f"[{ast.unparse(index)}]")
        return part

    def take_side(self, joined: Data, side: str | None) -> Data:
        """The ``side`` part of rows that hold both sides of a split (train and test joined)."""
        mixed = {sid for sid in joined.test_splits if (sid, _TRAIN) in joined.tags}
        if side is None or not mixed:
            return joined
        drop = _TEST if side == _TRAIN else _TRAIN
        part = replace(
            joined, tags=frozenset(t for t in joined.tags if not (t[0] in mixed and t[1] == drop))
        )
        self.positioned.add((part.origins, part.tags))
        return part

    def live(self, sid: int) -> bool:
        """A split both of whose sides exist. A slice named as a training part alone is a
        filter; a part named as the test set alone still holds out those rows from a model
        fitted on everything (``test = df.filter(is_test)``, then ``fit(df)``)."""
        split = self.splits.get(sid)
        if split is None:
            return False
        return len(split.sides) == 2 or (sid in self.manual_split_ids and split.sides == {_TEST})

    # --- expressions ------------------------------------------------------------------------

    def expr_hinted(self, node: ast.expr, scope: Scope, names: list[str]) -> Any:
        self.hint.append(",".join(names))
        self.hint_nodes.append(node)
        try:
            return self.expr(node, scope)
        finally:
            self.hint.pop()
            self.hint_nodes.pop()

    @property
    def hint_names(self) -> list[str]:
        return self.hint[-1].split(",") if self.hint and self.hint[-1] else []

    def expr(self, node: ast.AST | None, scope: Scope) -> Any:
        if node is None:
            return OTHER
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is not None:
            return method(node, scope)
        values = [
            self.expr(c, scope) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)
        ]
        return self.union(values)

    def e_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        return OTHER

    def e_Name(self, node: ast.Name, scope: Scope) -> Any:
        value = scope.get(node.id)
        if value is not None:
            return value
        if node.id in _BUILTINS:
            return Ref(node.id)
        if node.id in _MODULE_ALIASES:  # the import is in a cell that did not parse, or absent
            return Ref(_MODULE_ALIASES[node.id])
        data = self.new_origin(node.id)
        scope.root.set(node.id, data)
        return data

    def e_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        base = self.expr(node.value, scope)
        if isinstance(base, Obj):
            return base.attrs.get(node.attr, OTHER)
        if isinstance(base, Ref):
            return Ref(f"{base.qualname}.{node.attr}")
        if isinstance(base, Est):
            if node.attr in {"best_estimator_", "estimator", "estimator_"}:
                return base
            if node.attr in {"named_steps", "steps"}:
                return base
            return OTHER
        if isinstance(base, Data):
            if node.attr in {
                "dt",
                "str",
                "cat",
                "index",
                "values",
                "T",
                "iloc",
                "loc",
                "at",
                "iat",
                "array",
            }:
                return base
            if node.attr in {"columns", "dtypes", "shape", "size", "ndim", "name", "empty"}:
                return OTHER  # names and sizes, not rows
            column = node.attr
            kept = base.keep_columns([column])
            return kept
        if isinstance(base, Grouped | Windowed):
            return base
        return OTHER

    def e_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        base = self.expr(node.value, scope)
        index = self.expr(node.slice, scope)
        if isinstance(base, _EstDict) or (
            isinstance(base, Tup)
            and not isinstance(node.slice, ast.Constant)
            and len(base.items) >= 2
            and all(isinstance(i, Est) for i in base.items)
        ):
            # candidates[best]: the one model chosen among several
            items = base.values.items if isinstance(base, _EstDict) else base.items
            ests = [i for i in items if isinstance(i, Est)]
            if isinstance(node.slice, ast.Constant) and isinstance(base, _EstDict):
                return ests[0] if len(ests) == 1 else self.multi_est(ests)
            return self.multi_est(ests) if len(ests) >= 2 else (ests[0] if ests else OTHER)
        if isinstance(base, Tup):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
                k = node.slice.value
                if -len(base.items) <= k < len(base.items):
                    return base.items[k]
                return OTHER
            return self.union(base.items) if any(isinstance(i, Data) for i in base.items) else base
        if isinstance(base, Est):
            return (
                base.steps[-1]
                if base.steps and isinstance(node.slice, ast.Constant) and node.slice.value == -1
                else base
            )
        if isinstance(base, Grouped | Windowed):
            cols = _const_strs(node.slice)
            if cols:
                return type(base)(base.data.keep_columns(cols))
            return base
        if isinstance(base, Data) and isinstance(node.slice, ast.Tuple) and isinstance(index, Tup):
            # .loc[rows, columns]
            rows = index.items[0] if index.items else OTHER
            if isinstance(rows, Data):
                base = replace(base, tags=base.tags | rows.tags)
            cols = _const_strs(node.slice.elts[1]) if len(node.slice.elts) > 1 else None
            if cols is None and len(index.items) > 1 and isinstance(index.items[1], Cols):
                cols = list(index.items[1].names)
            return base.keep_columns(cols) if cols else base
        if isinstance(base, Data):
            columns = _const_strs(node.slice)
            if columns is None and isinstance(index, Cols):
                columns = list(index.names)
            if columns is not None:
                shown = (
                    repr(columns[0])
                    if len(columns) == 1 and _const_strs(node.slice)
                    else ast.unparse(node.slice)
                )
                picked = base.keep_columns(columns).relabel(
                    f"{base.label}[{shown}]" if len(shown) <= 40 else base.label
                )
                if self.time_columns.intersection(columns):
                    picked = replace(picked, time=True)
                return picked
            if isinstance(index, Data):
                # a mask or index array chooses rows: it brings its split side, not its values
                for sid in sorted({t[0] for t in index.tags} - {t[0] for t in base.tags}):
                    split = self.splits.get(sid)
                    if split is not None and self.live(sid) and not split.cv:
                        self.on_split(split, base, node)
                return replace(base, tags=base.tags | index.tags, time=base.time or index.time)
            if isinstance(node.slice, ast.Slice):
                return self.positional_part(base, node.slice)
            return base
        if isinstance(base, Ref) and isinstance(index, Data):
            return index
        return OTHER

    def e_Tuple(self, node: ast.Tuple | ast.List | ast.Set, scope: Scope) -> Any:
        names = _const_strs(node)
        if names and not isinstance(node, ast.Tuple):
            return Cols(tuple(names))
        items = tuple(
            self.expr(e.value if isinstance(e, ast.Starred) else e, scope) for e in node.elts
        )
        return Tup(items)

    e_List = e_Tuple
    e_Set = e_Tuple

    def e_Dict(self, node: ast.Dict, scope: Scope) -> Any:
        for key in node.keys:
            self.expr(key, scope)
        values = tuple(self.expr(v, scope) for v in node.values)
        ests = [v for v in values if isinstance(v, Est)]
        if len(ests) >= 2 and len(ests) == len(values):
            return _EstDict(Tup(values))
        return Tup(values)

    @contextmanager
    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: Scope
    ) -> Iterator[Scope]:
        """A comprehension is a loop: bind its targets in a scope of their own and walk the
        element as a loop body (so scores inside it count once per value)."""
        inner = Scope(scope)
        targets: set[str] = set()
        data_loop = multi = False
        for gen in node.generators:
            element = self.element_of(self.expr(gen.iter, inner))
            data_loop = data_loop or _holds_data(element)
            multi = multi or self.is_multi(element)
            self.bind(gen.target, element, inner)
            targets |= set(_target_names(gen.target))
            for cond in gen.ifs:
                self.expr(cond, inner)
        with self.looping(node, targets, multi=multi, data_loop=data_loop):
            yield inner

    def e_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp, scope: Scope) -> Any:
        with self.comprehension(node, scope) as inner:
            value = self.expr(node.elt, inner)
        if isinstance(value, Data):
            return value
        if isinstance(value, Est):
            return Tup(tuple(value.members) if value.multi else (value,))
        return OTHER

    e_SetComp = e_ListComp
    e_GeneratorExp = e_ListComp

    def e_DictComp(self, node: ast.DictComp, scope: Scope) -> Any:
        with self.comprehension(node, scope) as inner:
            self.expr(node.key, inner)
            value = self.expr(node.value, inner)
        return value if isinstance(value, Data) else OTHER

    def e_Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        return Func(node, scope)

    def e_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.expr(node.value, scope)
        self.bind(node.target, value, scope, node.value)
        return value

    def e_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        value = self.expr(node.operand, scope)
        if isinstance(node.op, ast.Invert) and isinstance(value, Data) and value.tags:
            # ~df.index.isin(train.index): the rows not in the training side
            flipped = frozenset((s, _TEST if side == _TRAIN else _TRAIN) for s, side in value.tags)
            return replace(value, tags=flipped)
        return value

    def e_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        values = [self.expr(node.left, scope), *(self.expr(c, scope) for c in node.comparators)]
        preds = [v for v in values if isinstance(v, Data) and v.preds]
        others = [v for v in values if isinstance(v, Data) and not v.preds]
        if preds and others and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            self.evaluate_preds(preds, others, node, "comparison with the labels")
        return self.union(values)

    def e_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        self.expr(node.test, scope)
        return self.union([self.expr(node.body, scope), self.expr(node.orelse, scope)])

    def e_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        for value in node.values:
            self.expr(value, scope)
        return OTHER

    def e_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        if isinstance(left, Tup) and isinstance(right, Tup) and isinstance(node.op, ast.Add):
            return Tup(left.items + right.items)
        if isinstance(left, Cols) and isinstance(right, Cols) and isinstance(node.op, ast.Add):
            return Cols(left.names + right.names)
        return self.union([left, right])

    # --- calls ------------------------------------------------------------------------------

    def e_Call(self, node: ast.Call, scope: Scope) -> Any:
        func = node.func
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value, scope)
            args = self.call_args(node, scope)
            kw_values = {k: self.expr(v, scope) for k, v in kwargs.items()}
            splat = [self.expr(kw.value, scope) for kw in node.keywords if kw.arg is None]
            return self.method_call(
                receiver, func.attr, args, kw_values, kwargs, node, scope, splat
            )
        if isinstance(func, ast.Name) and scope.get(func.id) is None and func.id not in _BUILTINS:
            callee: Any = Ref(func.id)  # defined elsewhere (another module, a cell that failed)
        else:
            callee = self.expr(func, scope)
        args = self.call_args(node, scope)
        kw_values = {k: self.expr(v, scope) for k, v in kwargs.items()}
        splat = [self.expr(kw.value, scope) for kw in node.keywords if kw.arg is None]
        if isinstance(callee, Func):
            return self.call_function(callee, args, kw_values)
        if isinstance(callee, ClassVal):
            return self.instantiate(callee, args, kw_values, kwargs, node)
        if isinstance(callee, Ref):
            return self.ref_call(callee, args, kw_values, kwargs, node, scope)
        if isinstance(callee, Est):
            return callee
        return self.union([*args, *kw_values.values(), *splat])

    def call_args(self, node: ast.Call, scope: Scope) -> list[Any]:
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                value = self.expr(a.value, scope)
                args.extend(value.items if isinstance(value, Tup) else [value])
            else:
                args.append(self.expr(a, scope))
        return args

    def instantiate(
        self,
        cls: ClassVal,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
    ) -> Any:
        roles = {
            "TransformerMixin": "transform",
            "ClassifierMixin": "model",
            "RegressorMixin": "model",
            "BaseEstimator": None,
            "Module": "model",
            "Model": "model",
            "OneToOneFeatureMixin": "transform",
        }
        known = [roles[b] for b in cls.bases if b in roles]
        if known:  # a custom estimator: treat it like a library one
            role = next((r for r in known if r is not None), None)
            if role is None:
                role = "transform" if "transform" in cls.methods else "model"
            return self.make_est(Ref(cls.node.name), role, node, kw, kw_nodes, args)
        obj = Obj(cls)
        fields: list[str] = []
        for stmt in cls.node.body:  # class-level defaults, dataclass fields
            target = (
                stmt.target
                if isinstance(stmt, ast.AnnAssign)
                else (
                    stmt.targets[0]
                    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    else None
                )
            )
            if not isinstance(target, ast.Name):
                continue
            fields.append(target.id)
            value_node: ast.expr | None = (
                stmt.value if isinstance(stmt, ast.AnnAssign | ast.Assign) else None
            )
            if (
                isinstance(value_node, ast.Call)
                and _call_name(value_node) == "field"
                and "default_factory" in {k.arg for k in value_node.keywords}
            ):
                factory = next(k.value for k in value_node.keywords if k.arg == "default_factory")
                value_node = (
                    factory.body
                    if isinstance(factory, ast.Lambda)
                    else ast.Call(func=factory, args=[], keywords=[])
                )
            if value_node is not None:
                obj.attrs[target.id] = self.expr(value_node, self.global_scope)
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, [obj, *args], kw)
        else:
            for name, value in (*zip(fields, args, strict=False), *kw.items()):
                obj.attrs[name] = value
        return obj

    def call_function(
        self, func: Func, args: list[Any], kwargs: dict[str, Any], *, fresh: bool = False
    ) -> Any:
        if func in self.call_stack or self.depth >= _MAX_DEPTH:
            return self.union([*args, *kwargs.values()])
        func.called = func.called or not fresh
        node = func.node
        local = Scope(func.scope)
        params = node.args
        positional = [*params.posonlyargs, *params.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(params.defaults)) + list(
            params.defaults
        )
        for i, (param, default) in enumerate(zip(positional, defaults, strict=True)):
            if i < len(args):
                value = args[i]
            elif param.arg in kwargs:
                value = kwargs[param.arg]
            elif fresh and param.arg not in {"self", "cls"}:
                value = self.new_origin(param.arg)
            elif default is not None:
                value = self.expr(default, func.scope)
            else:
                value = OTHER
            local.set(param.arg, value.relabel(param.arg) if isinstance(value, Data) else value)
        for param, kwdefault in zip(params.kwonlyargs, params.kw_defaults, strict=True):
            if param.arg in kwargs:
                local.set(param.arg, kwargs[param.arg])
            elif kwdefault is not None:
                local.set(param.arg, self.expr(kwdefault, func.scope))
            else:
                local.set(param.arg, self.new_origin(param.arg) if fresh else OTHER)
        if params.vararg:
            local.set(params.vararg.arg, Tup(tuple(args[len(positional) :])))
        if params.kwarg:
            local.set(params.kwarg.arg, OTHER)
        self.call_stack.append(func)
        self.depth += 1
        self.returns.append([])
        saved_hint = self.hint
        self.hint = []
        try:
            if isinstance(node, ast.Lambda):
                result = self.expr(node.body, local)
            else:
                self.block(node.body, local)
                results = self.returns[-1]
                tuples = [r for r in results if isinstance(r, Tup)]
                if tuples:
                    result = tuples[-1]
                elif any(isinstance(r, Est | Obj | _EstDict | Func | ClassVal) for r in results):
                    result = next(
                        r
                        for r in reversed(results)
                        if isinstance(r, Est | Obj | _EstDict | Func | ClassVal)
                    )
                else:
                    result = self.union(results)
        finally:
            self.hint = saved_hint
            self.returns.pop()
            self.depth -= 1
            self.call_stack.pop()
        return result

    def ref_call(
        self,
        callee: Ref,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
        scope: Scope,
    ) -> Any:
        name = callee.name
        qual = callee.qualname
        if name == "train_test_split" or (
            name == "split" and qual.endswith("model_selection.split")
        ):
            return self.train_test_split(args, kw, kw_nodes, node)
        if name in K.CV_FUNCTIONS:
            return self.cv_call(name, args, kw, kw_nodes, node)
        if name == "resample" and ("utils" in qual or qual == "resample"):
            return self.resample_call(args, kw_nodes, node, name)
        if name in {"train"} and qual.split(".")[0] in {"xgb", "xgboost", "lgb", "lightgbm"}:
            est = self.make_est(Ref("Booster"), "model", node, {}, kw_nodes)
            data = args[1] if len(args) > 1 else kw.get("dtrain", kw.get("train_set", OTHER))
            if isinstance(data, Data):
                watched = {k: v for k, v in kw.items() if k in {"evals", "valid_sets"}}
                self.fit(
                    est, data, None, node, "train", watched if _stops_early(kw_nodes, {}) else {}
                )
            return est
        if (
            name in K.STAT_METHODS
            and qual.split(".")[0] in {"numpy", "np"}
            and args
            and isinstance(args[0], Data)
        ):
            axis = kw_nodes.get("axis") or (node.args[1] if len(node.args) > 1 else None)
            if isinstance(axis, ast.Constant) and axis.value in (1, -1):
                return args[0]  # per row
            data = args[0]
            fit = Fit(None, data, node, name, self.loop_path, f"np.{name}({data.label})")
            return Data(stats=frozenset({fit}), label=fit.label)
        if name in _SCALING_FUNCTIONS and args and isinstance(args[0], Data):
            est = self.make_est(Ref(name), "transform", node, kw, kw_nodes)
            fit = self.fit(est, args[0], None, node, name, {})
            return self.transformed(est, fit, args[0])
        if name in _PERMUTATIONS and qual.split(".")[0] in {"numpy", "np", "torch", "random"}:
            return self.permutation(node)
        if name in _STATSMODELS:
            est = self.make_est(callee, "model", node, kw, kw_nodes, args)
            est.pending = self.union([*args, *kw.values()])
            return est
        if name == "create_study" and "sampler" not in kw_nodes:
            self.report(
                "TC101",
                node,
                "optuna.create_study() without a sampler uses an unseeded TPE sampler: rerunning "
                "the study tries different trials and may pick a different model.",
                search="optuna",
            )
        if name in _OPTUNA_SAMPLERS and "seed" not in kw_nodes:
            self.report(
                "TC101",
                node,
                f"{name}() has no seed: rerunning the study tries different trials and may pick a "
                "different model.",
                search=name,
            )
        if name in {"argmax", "argmin", "nanargmax", "nanargmin", "idxmax"} and args:
            self.check_curve(args[0], node)
        if K.is_metric(qual) and name not in {"make_scorer", "get_scorer", "check_scoring"}:
            return self.metric_call(name, args, kw, node)
        role = K.estimator_role(qual)
        if role is not None or name in {"make_pipeline", "Pipeline", "make_imb_pipeline"}:
            return self.make_est(callee, role, node, kw, kw_nodes, args)
        if K.DATA_LOADERS.match(name):
            label = self.hint_names[0] if self.hint_names else name
            time = any(k in kw_nodes for k in ("parse_dates", "date_parser", "date_format"))
            if time and "index_col" in kw_nodes:
                return replace(self.new_origin(label, time=True), ordered=True)
            if name in {"DataFrame", "from_pandas", "from_dict", "from_records"} and any(
                isinstance(a, Data) for a in [*args, *kw.values()]
            ):
                return self.union([*args, *kw.values()])
            return self.new_origin(label, time=time)
        if name in K.TIME_MAKERS:
            value = self.union(args)
            ordered = name != "to_datetime"
            return replace(value, time=True, ordered=ordered) if isinstance(value, Data) else OTHER
        if name in K.CONCAT_FUNCTIONS or name in {
            "array",
            "asarray",
            "column_stack",
            "DMatrix",
            "Dataset",
            "Pool",
        }:
            joined = self.union([*args, *kw.values()])
            joined = self.check_duplication(name, args, kw_nodes, node, joined)
            parts = [a.label for a in _flatten(args) if isinstance(a, Data)]
            if isinstance(joined, Data) and len(parts) > 1 and name in K.CONCAT_FUNCTIONS:
                return joined.relabel(f"{name}({', '.join(parts[:3])})")
            return joined
        key = kw.get("key")
        if name in {"max", "min", "sorted"} and isinstance(key, Func) and args:
            # max(thresholds, key=lambda t: f1_score(y_test, p > t)): a loop over the values
            params = {a.arg for a in key.node.args.args}
            with self.looping(node, params, multi=False, data_loop=_holds_data(args[0])) as loop:
                loop.thresholded |= {p for p in params if _compared_in(key.node, p)}
                self.call_function(key, [self.element_of(args[0])], {})
            return self.element_of(args[0]) if name != "sorted" else args[0]
        if name in {
            "enumerate",
            "zip",
            "list",
            "tuple",
            "sorted",
            "reversed",
            "iter",
            "dict",
            "next",
        }:
            return self.builtin_container(name, args)
        if name in {
            "len",
            "print",
            "display",
            "type",
            "isinstance",
            "range",
            "str",
            "repr",
            "round",
            "int",
        }:
            return OTHER
        result = self.union([*args, *kw.values()])
        if result is OTHER and _LOADER_NAME.search(name):
            return self.new_origin(self.hint_names[0] if self.hint_names else name)
        return result

    def check_duplication(
        self, name: str, args: list[Any], kw_nodes: dict[str, ast.expr], node: ast.Call, joined: Any
    ) -> Any:
        """``concatenate([X, flipped(X)])`` or ``concat([df, df[df.y == 1]])``: rows stacked
        with copies or transforms of themselves are augmented or resampled rows."""
        axis = kw_nodes.get("axis")
        if name not in {"concat", "concatenate", "vstack", "row_stack", "append"} or not (
            axis is None or (isinstance(axis, ast.Constant) and axis.value in (0, "index", "rows"))
        ):
            return joined
        first = node.args[0] if node.args else None
        elts = first.elts if isinstance(first, ast.List | ast.Tuple) else []
        if any(isinstance(e, ast.Subscript) and _const_str(e.slice) is not None for e in elts):
            return joined  # f["x_train"], f["x_test"]: different arrays of one file
        parts = [a for a in _flatten(args) if isinstance(a, Data)]
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                if a.origins and a.origins == b.origins and a.tags == b.tags:
                    fit = Fit(
                        None,
                        joined,
                        node,
                        "augmentation",
                        self.loop_path,
                        f"{name}({a.label}, {b.label}, ...)",
                    )
                    return replace(joined, resampled=joined.resampled | {fit})
        return joined

    def permutation(self, node: ast.Call) -> Data:
        """``rng.permutation(n)``: shuffled row positions; slicing them makes a split."""
        label = self.hint_names[0] if len(self.hint_names) == 1 else "permutation"
        index = self.new_origin(label)
        self.perm_origins |= index.origins
        return index

    def builtin_container(self, name: str, args: list[Any]) -> Any:
        if not args:
            return OTHER
        if name == "enumerate":
            return Tup((Tup((OTHER, self.element_of(args[0]))),))
        if name == "zip":
            return Tup((Tup(tuple(self.element_of(a) for a in args)),))
        if name == "dict" and isinstance(args[0], _EstDict):
            return args[0]
        if name == "next":
            return self.element_of(args[0])
        return args[0]

    def make_est(
        self,
        callee: Ref,
        role: str | None,
        node: ast.Call,
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        args: Sequence[Any] = (),
    ) -> Est:
        direct = bool(self.hint_nodes) and self.hint_nodes[-1] is node
        label = self.hint_names[0] if direct and len(self.hint_names) == 1 else callee.name
        kwargs = dict(kw_nodes)
        for keyword in node.keywords:  # Model(**params): the keys of a dict in the file
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                source = self.assigned.get(keyword.value.id)
                if isinstance(source, ast.Dict):
                    for key, value in zip(source.keys, source.values, strict=True):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            kwargs.setdefault(key.value, value)
                elif isinstance(source, ast.Call) and _call_name(source) == "dict":
                    kwargs.update({k.arg: k.value for k in source.keywords if k.arg})
        est = Est(callee.qualname, role, node, label, kwargs, self.loop_path)
        name = callee.name
        if name in {"make_pipeline", "make_imb_pipeline", "make_union", "make_column_transformer"}:
            est.steps = [a for a in _flatten(args) if isinstance(a, Est)]
        elif name in {"Pipeline", "ColumnTransformer", "FeatureUnion"}:
            steps = (
                args[0]
                if args
                else kw.get("steps", kw.get("transformers", kw.get("transformer_list")))
            )
            est.steps = [a for a in _flatten([steps]) if isinstance(a, Est)]
        elif role == "search":
            inner = args[0] if args else kw.get("estimator")
            est.inner = inner if isinstance(inner, Est) else None
            self.check_search_design(est, node, kw_nodes, args)
        elif role in {"model"} and name in {
            "StackingClassifier",
            "StackingRegressor",
            "VotingClassifier",
            "VotingRegressor",
            "CalibratedClassifierCV",
            "BaggingClassifier",
        }:
            pass
        if role == "splitter":
            est.role = "splitter"
        self.ests.append(est)
        for loop in self.loops:
            if _names_in(node) & loop.tainted:
                loop.tainted |= set(self.hint_names)
        return est

    # --- methods ----------------------------------------------------------------------------

    def method_call(
        self,
        receiver: Any,
        name: str,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
        scope: Scope,
        splat: list[Any],
    ) -> Any:
        if name in _PERMUTATIONS and not isinstance(receiver, Data | Est):
            return self.permutation(node)
        if isinstance(receiver, Ref):
            return self.ref_call(
                Ref(f"{receiver.qualname}.{name}"), args, kw, kw_nodes, node, scope
            )
        if isinstance(receiver, Est):
            return self.est_method(receiver, name, args, kw, kw_nodes, node, scope)
        if isinstance(receiver, _EstDict):
            if name in {"items"}:
                return Tup((Tup((OTHER, self.element_of(receiver.values))),))
            if name == "values":
                return receiver.values
            return OTHER
        if isinstance(receiver, Tup):
            if name in {"append", "extend"} and args:
                self.note_append()
                added = (
                    args[0].items if name == "extend" and isinstance(args[0], Tup) else (args[0],)
                )
                if isinstance(node.func, ast.Attribute) and any(
                    isinstance(a, Data | Est) for a in added
                ):
                    self.rebind_root(node.func.value, Tup((*receiver.items, *added)), scope)
                return OTHER
            return self.union([*receiver.items, *args])
        if isinstance(receiver, Grouped):
            return self.grouped_method(receiver, name, args, kw_nodes, node)
        if isinstance(receiver, Windowed):
            return receiver.data
        if isinstance(receiver, Func):
            return self.call_function(receiver, args, kw) if name == "__call__" else OTHER
        if isinstance(receiver, Obj):
            method = receiver.cls.methods.get(name)
            if method is not None:
                return self.call_function(method, [receiver, *args], kw)
            return self.union([*args, *kw.values()])
        if isinstance(receiver, ClassVal):
            method = receiver.methods.get(name)
            return self.call_function(method, args, kw) if method is not None else OTHER
        if isinstance(receiver, Data):
            return self.data_method(receiver, name, args, kw, kw_nodes, node, scope)
        if name in {
            "append",
            "extend",
            "add",
            "update",
            "insert",
            "log_metric",
            "log_param",
            "log_params",
            "log_metrics",
            "to_csv",
            "write",
            "report",
        }:
            self.note_append()
        return self.union([*args, *kw.values(), *splat])

    def note_append(self) -> None:
        for loop in self.loops:
            loop.records = True

    def est_method(
        self,
        est: Est,
        name: str,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
        scope: Scope,
    ) -> Any:
        x = args[0] if args else kw.get("X", kw.get("x", OTHER))
        y = args[1] if len(args) > 1 else kw.get("y", OTHER)
        if name == "fit" and not isinstance(x, Data) and isinstance(est.pending, Data):
            x = est.pending
        if est.role == "splitter" and name == "split":
            return self.splitter_split(est, x, node)
        if name in {"fit", "fit_resample", "partial_fit", "train"}:
            self.note_target(node.args[1] if len(node.args) > 1 else kw_nodes.get("y"))
        if name in K.FIT_METHODS:
            if not isinstance(x, Data):
                return est if name in {"fit", "partial_fit", "train"} else OTHER
            extra = (
                {
                    k: v
                    for k, v in kw.items()
                    if k
                    in {"eval_set", "validation_data", "eval_X", "X_val", "valid_sets", "evals"}
                }
                if _stops_early(kw_nodes, est.kwargs)
                else {}
            )
            fit = self.fit(est, x, y if isinstance(y, Data) else None, node, name, extra)
            role = est.effective_role()
            if name in {"fit_resample", "fit_sample"} or (role == "resample" and name != "fit"):
                stamped = replace(x, resampled=x.resampled | {fit})
                stamped_y = (
                    replace(y, resampled=y.resampled | {fit}) if isinstance(y, Data) else OTHER
                )
                return Tup((stamped, stamped_y))
            if name == "fit_transform":
                return self.transformed(est, fit, x)
            if name == "fit_predict":
                return replace(x, preds=frozenset({Pred(est, fit, x)}))
            return est
        if name in {"transform", "inverse_transform"}:
            if not isinstance(x, Data):
                return OTHER
            if est.role is None:
                est.role = "transform"
            return self.transformed(est, est.current, x)
        if name in K.PREDICT_METHODS:
            if not isinstance(x, Data):
                return OTHER
            if est.role is None:
                est.role = "model"
            pred = Pred(est, est.current, x)
            self.check_inputs(est, x, node)
            return replace(x, preds=frozenset({pred}), label=f"{est.label}.{name}({x.label})")
        if name in K.EVAL_METHODS:
            if isinstance(x, Data):
                self.record_eval(est, est.current, x, node, f"{est.label}.{name}()")
            return OTHER
        if name in {"set_params", "add", "compile", "summary", "get_params"}:
            return est if name == "set_params" else OTHER
        return OTHER

    def transformed(self, est: Est, fit: Fit | None, x: Data) -> Data:
        if fit is None or (not est.has_learned_steps() and est.effective_role() != "search"):
            return x
        return replace(x, fits=x.fits | {fit})

    def data_method(
        self,
        data: Data,
        name: str,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
        scope: Scope,
    ) -> Any:
        inplace = _truthy_kw(kw_nodes, "inplace") is True
        result: Any
        if name in {"shift", "diff", "pct_change"}:
            periods = node.args[0] if node.args else kw_nodes.get("periods")
            result = data = replace(data, ordered=True)
            if _negative_int(periods):
                result = replace(
                    data, marks=data.marks | {Mark(None, "DL141", node, _line(node), "shift")}
                )
        elif name in {"resample", "asfreq"} and (node.args or "rule" in kw_nodes):
            return Windowed(replace(data, time=True, ordered=True))  # time buckets
        elif name in {"rolling", "expanding", "ewm"}:
            result = data = replace(data, ordered=True)
            if name == "rolling" and _truthy_kw(kw_nodes, "center"):
                result = replace(
                    data, marks=data.marks | {Mark(None, "DL142", node, _line(node), "rolling")}
                )
            return Windowed(result)
        elif name in {"bfill", "backfill"} or (
            name == "fillna" and _const_str(kw_nodes.get("method")) in {"bfill", "backfill"}
        ):
            result = data
            if data.time:
                result = replace(
                    data, marks=data.marks | {Mark(None, "DL143", node, _line(node), name)}
                )
            if name == "fillna":
                result = self.union([result, *args])
        elif name in {"set_index", "to_datetime", "asfreq", "sort_values", "sort_index"}:
            result = replace(data, ordered=True) if name != "to_datetime" else data
            cols = _const_strs(node.args[0]) if node.args else _const_strs(kw_nodes.get("by"))
            if (
                name in {"set_index", "sort_values"}
                and cols
                and self.time_columns.intersection(cols)
            ):
                result = replace(result, time=True)
        elif name == "groupby":
            return Grouped(data)
        elif name == "sample":
            result = self.sample_call(data, kw_nodes, node)
        elif name == "drop":
            result = self.drop_call(data, args, kw, kw_nodes, node)
        elif name in {"head", "tail"}:
            result = data
        elif (
            name in K.STAT_METHODS
            and not args
            and not any(isinstance(v, Data) for v in kw.values())
        ):
            if name in {"value_counts", "describe", "count", "sum", "nunique"}:
                return OTHER  # summaries for reading, not values written back into rows
            axis = kw_nodes.get("axis")
            if isinstance(axis, ast.Constant) and axis.value in (1, "columns"):
                return data  # a statistic of each row's own values
            fit = Fit(None, data, node, name, self.loop_path, f"{data.label}.{name}()")
            result = Data(stats=frozenset({fit}), label=f"{data.label}.{name}()")
        elif name == "assign":
            parts = [
                self.call_function(v, [data], {}) if isinstance(v, Func) else v for v in kw.values()
            ]
            parts = [
                replace(p, marks=frozenset(replace(m, column=k) for m in p.marks))
                if isinstance(p, Data)
                else p
                for k, p in zip(kw, parts, strict=True)
            ]
            merged = self.union(
                [
                    data,
                    *(
                        replace(p, origins=frozenset(), tags=frozenset())
                        for p in parts
                        if isinstance(p, Data)
                    ),
                ],
                label=data.label,
            )
            result = merged
        elif name in {"append", "merge", "join", "combine_first", "update"}:
            result = self.union([data, *args])
        elif name in {"argmax", "argmin", "idxmax", "idxmin"}:
            self.check_curve(data, node)
            result = data if (data.preds and node.args) or "axis" in kw_nodes else OTHER
        elif name == "pipe" and args and isinstance(args[0], Func):
            result = self.call_function(args[0], [data, *args[1:]], kw)
        elif name in {"apply", "transform", "map", "agg", "aggregate", "applymap"}:
            result = self.union([data, *[a for a in args if isinstance(a, Data)]])
        elif name == "isin":
            # df.index.isin(train.index): a mask of the rows on the other frame's side
            incoming = [a for a in args if isinstance(a, Data)]
            result = (
                replace(data, tags=frozenset().union(*(a.tags for a in incoming)))
                if incoming
                else data
            )
        else:
            result = self.union([data, *args, *kw.values()])
        if name in {"to_datetime"} and isinstance(result, Data):
            result = replace(result, time=True)
        if inplace and isinstance(result, Data) and isinstance(node.func, ast.Attribute):
            base = self.expr(node.func.value, scope)
            if isinstance(base, Data):
                self.rebind_root(
                    node.func.value,
                    self.union(
                        [base, replace(result, origins=frozenset(), tags=frozenset())],
                        label=base.label,
                    ),
                    scope,
                )
        return result

    def grouped_method(
        self,
        grouped: Grouped,
        name: str,
        args: list[Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
    ) -> Any:
        data = grouped.data
        if name in {"rolling", "expanding", "ewm", "shift", "diff", "pct_change", "cumsum"}:
            data = replace(data, ordered=True)
        if name in {"rolling", "expanding", "ewm"}:
            if name == "rolling" and _truthy_kw(kw_nodes, "center"):
                data = replace(
                    data, marks=data.marks | {Mark(None, "DL142", node, _line(node), "rolling")}
                )
            return Windowed(data)
        fit = Fit(
            None,
            data,
            node,
            f"groupby().{name}",
            self.loop_path,
            f"{data.label}.groupby(...).{name}()",
        )
        if name == "transform" or name in {
            "cumsum",
            "cumcount",
            "rank",
            "shift",
            "diff",
            "ffill",
            "bfill",
        }:
            if name == "shift":
                periods = node.args[0] if node.args else kw_nodes.get("periods")
                if _negative_int(periods):
                    return replace(
                        data, marks=data.marks | {Mark(None, "DL141", node, _line(node), "shift")}
                    )
                return data
            if name in {"cumsum", "cumcount", "rank", "ffill", "diff"}:
                return data
            if name == "bfill":
                mark = Mark(None, "DL143", node, _line(node), "bfill")
                return replace(data, marks=data.marks | {mark}) if data.time else data
            func = node.args[0] if node.args else kw_nodes.get("func")
            if isinstance(func, ast.Lambda):
                applied = args[0] if args and isinstance(args[0], Func) else None
                result = self.call_function(applied, [data], {}) if applied else OTHER
                marks = result.marks if isinstance(result, Data) else frozenset()
                data = replace(data, marks=data.marks | marks)
                if not _reduces_param(func):
                    return data
            return replace(data, stats=data.stats | {fit})
        if name in K.STAT_METHODS or name in {"agg", "aggregate", "apply", "size"}:
            return Data(stats=frozenset({fit}), label=fit.label)
        return Grouped(data)

    # --- splits ------------------------------------------------------------------------------

    def new_split(
        self,
        node: ast.AST,
        how: str,
        *,
        shuffled: bool,
        seeded: bool,
        source: Data,
        cv: bool = False,
    ) -> Split:
        sid = next(self.split_ids)
        split = Split(sid, node, how, shuffled, seeded, source.label, cv=cv)
        self.splits[sid] = split
        return split

    def train_test_split(
        self, args: list[Any], kw: dict[str, Any], kw_nodes: dict[str, ast.expr], node: ast.Call
    ) -> Any:
        arrays = [a for a in args if isinstance(a, Data)]
        if not arrays:
            return Tup((OTHER, OTHER, OTHER, OTHER))
        shuffle = _truthy_kw(kw_nodes, "shuffle")
        shuffled = shuffle is not False
        seeded = "random_state" in kw_nodes
        source = self.union(arrays)
        split = self.new_split(
            node, "train_test_split", shuffled=shuffled, seeded=seeded, source=source
        )
        names = self.hint_names
        if len(names) == 2 * len(arrays):
            split.train_label, split.test_label = names[0], names[1]
        if shuffled and not seeded:
            self.unseeded_splits.append(split)
        self.on_split(split, source, node)
        items: list[Any] = []
        for a in arrays:
            items.append(replace(a, tags=a.tags | {(split.id, _TRAIN)}))
            items.append(replace(a, tags=a.tags | {(split.id, _TEST)}))
        return Tup(tuple(items))

    def splitter_split(self, est: Est, x: Any, node: ast.Call) -> Any:
        if not isinstance(x, Data):
            return OTHER
        shuffle = _truthy_kw(est.kwargs, "shuffle")
        shuffled = bool(shuffle) or est.cls in K.SHUFFLING_SPLITTERS
        seeded = "random_state" in est.kwargs
        split = self.new_split(
            node, f"{est.cls}.split", shuffled=shuffled, seeded=seeded, source=x, cv=True
        )
        split.test_label = "each held-out fold"
        if shuffled and not seeded:
            self.unseeded_splits.append(split)
        self.cv_used = True
        self.on_split(split, x, node, est=est)
        idx = Data(origins=x.origins, time=x.time, label="index")
        return SplitIter(
            replace(idx, tags=x.tags | {(split.id, _TRAIN)}, label="train_index"),
            replace(idx, tags=x.tags | {(split.id, _TEST)}, label="test_index"),
        )

    def sample_call(self, data: Data, kw_nodes: dict[str, ast.expr], node: ast.Call) -> Any:
        replace_kw = _truthy_kw(kw_nodes, "replace")
        if replace_kw:
            fit = Fit(
                None,
                data,
                node,
                "sample(replace=True)",
                self.loop_path,
                f"{data.label}.sample(replace=True)",
            )
            return replace(data, resampled=data.resampled | {fit})
        frac = kw_nodes.get("frac")
        side = _side_from_name(self.hint_names[0] if self.hint_names else None)
        whole = (
            isinstance(frac, ast.Constant)
            and isinstance(frac.value, int | float)
            and frac.value >= 1
        )
        if side is None or whole or (frac is None and "n" not in kw_nodes and not node.args):
            return data
        name = self.hint_names[0]
        sample_key = (data.origins, data.tags)
        for earlier_node, earlier_side, earlier_name in self.samples.get(sample_key, []):
            if earlier_side != side:
                self.report(
                    "DL121",
                    node,
                    f"`{name}` is drawn by a second, independent sample of `{data.label}` "
                    f"({self.at(node)}) after `{earlier_name}` ({self.at(earlier_node)}): rows "
                    "land in both, so the model is scored on rows it trained on.",
                    key=("DL121-sample", id(node)),
                )
        self.samples.setdefault(sample_key, []).append((node, side, name))
        split = self.new_split(
            node, "sample", shuffled=True, seeded="random_state" in kw_nodes, source=data
        )
        split.sides = {side}
        if not split.seeded:
            self.unseeded_splits.append(split)
        if side == _TRAIN:
            split.train_label = self.hint_names[0]
        else:
            split.test_label = self.hint_names[0]
        return replace(data, tags=data.tags | {(split.id, side)})

    def drop_call(
        self,
        data: Data,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
    ) -> Any:
        columns = _const_strs(kw_nodes.get("columns"))
        axis = kw_nodes.get("axis") or (node.args[1] if len(node.args) > 1 else None)
        if (
            columns is None
            and node.args
            and (
                (isinstance(axis, ast.Constant) and axis.value in (1, "columns"))
                or "columns" in kw_nodes
            )
        ):
            columns = _const_strs(node.args[0])
        if (
            columns is None
            and "labels" in kw_nodes
            and isinstance(axis, ast.Constant)
            and axis.value in (1, "columns")
        ):
            columns = _const_strs(kw_nodes["labels"])
        if columns is not None:
            return data.drop_columns(columns)
        index = args[0] if args else kw.get("index", kw.get("labels"))
        if isinstance(index, Data):
            new = [
                (s, _TEST)
                for s, side in index.tags
                if side == _TRAIN and (s, _TRAIN) not in data.tags
            ]
            new += [
                (s, _TRAIN)
                for s, side in index.tags
                if side == _TEST and (s, _TEST) not in data.tags
            ]
            if new:
                for s, side in new:
                    split = self.splits.get(s)
                    if split is not None:
                        if self.hint_names and side == _TEST:
                            split.test_label = split.test_label or self.hint_names[0]
                        self.add_side(split, side, data, node)
                    if split is not None and self.hint_names:
                        if side == _TEST:
                            split.test_label = split.test_label or self.hint_names[0]
                        else:
                            split.train_label = split.train_label or self.hint_names[0]
                return replace(data, tags=data.tags | frozenset(new))
        return data

    def resample_call(
        self, args: list[Any], kw_nodes: dict[str, ast.expr], node: ast.Call, name: str
    ) -> Any:
        data = [a for a in args if isinstance(a, Data)]
        if not data or _truthy_kw(kw_nodes, "replace") is False:
            return self.union(data)
        source = self.union(data)
        fit = Fit(None, source, node, "resample", self.loop_path, f"resample({source.label})")
        if len(data) == 1:
            return replace(data[0], resampled=data[0].resampled | {fit})
        return Tup(tuple(replace(d, resampled=d.resampled | {fit}) for d in data))

    def on_split(self, split: Split, data: Data, node: ast.AST, est: Est | None = None) -> None:
        """Rows are divided: whatever was learned from all of them now reaches the test side."""
        test = f"`{split.test_label}`" if split.test_label else "its test side"
        for fit in _ordered(data.fits):
            if (
                fit.data.origins & data.origins
                and fit.data.tags <= data.tags
                and fit.est is not None
            ):
                self.report(
                    "DL101",
                    fit.node,
                    f"{fit.est.describe()} is fitted on `{fit.data.label}` ({self.at(fit.node)}), "
                    f"which is split at {self.at(node)} by {split.how}: {test} "
                    "was seen by the fit.",
                    key=fit,
                    estimator=fit.est.cls,
                    fit_line=_line(fit.node),
                    split_line=_line(node),
                )
        for stat in _ordered(data.stats):
            if stat.data.origins & data.origins and stat.data.tags <= data.tags:
                self.report(
                    "DL103",
                    stat.node,
                    f"`{stat.label}` is computed over all rows of `{stat.data.label}` "
                    f"({self.at(stat.node)}) and written into data split at {self.at(node)}: "
                    f"{test} shaped it.",
                    key=("DL103", _line(stat.node)),
                    statistic=stat.method,
                    split_line=_line(node),
                )
        for fit in _ordered(data.resampled):
            self.report(
                "DL111",
                fit.node,
                f"`{fit.label}` resamples the rows ({self.at(fit.node)}) before they are split at "
                f"{self.at(node)}: copies or synthetic neighbours of training rows land in {test}.",
                key=fit,
                split_line=_line(node),
            )
        if split.shuffled and data.time and (data.ordered or bool(self.time_columns)):
            self.temporal.append((split, data, node))

    def report_temporal(self) -> None:
        used = {sid for ev in self.evals for sid, _ in ev.data.tags}
        used |= {sid for fit in self.all_fits for sid, _ in fit.data.tags}
        for split, data, node in self.temporal:
            if split.id in used or split.cv:
                self.report(
                    "DL131",
                    node,
                    f"`{data.label}` is time-ordered, but {split.how} at {self.at(node)} splits it "
                    "at random: the model trains on rows from after its test rows.",
                    how=split.how,
                )

    def cv_call(
        self,
        name: str,
        args: list[Any],
        kw: dict[str, Any],
        kw_nodes: dict[str, ast.expr],
        node: ast.Call,
    ) -> Any:
        est = args[0] if args else kw.get("estimator")
        x = args[1] if len(args) > 1 else kw.get("X", OTHER)
        y = args[2] if len(args) > 2 else kw.get("y", OTHER)
        self.cv_used = True
        if not isinstance(x, Data):
            return OTHER
        cv = kw.get("cv")
        shuffled = isinstance(cv, Est) and (
            bool(_truthy_kw(cv.kwargs, "shuffle")) or cv.cls in K.SHUFFLING_SPLITTERS
        )
        seeded = not isinstance(cv, Est) or "random_state" in cv.kwargs
        split = self.new_split(node, name, shuffled=shuffled, seeded=seeded, source=x, cv=True)
        split.test_label = "each validation fold"
        if shuffled and not seeded:
            self.unseeded_splits.append(split)
        if not x.tags:
            self.on_split(split, x, node)
        elif shuffled and x.time:
            self.on_split(
                replace(split),
                replace(x, fits=frozenset(), stats=frozenset(), resampled=frozenset()),
                node,
            )
        if isinstance(est, Est):
            if isinstance(y, Data):
                self.check_inputs(est, x, node)
            self.record_eval(
                est, None, replace(x, tags=x.tags | {(split.id, _TEST)}), node, f"{name}()", cv=True
            )
        return OTHER

    # --- fits, predictions and evaluations -------------------------------------------------

    def fit(
        self, est: Est, x: Data, y: Data | None, node: ast.Call, method: str, extra: dict[str, Any]
    ) -> Fit:
        fit = Fit(est, x, node, method, self.loop_path, f"{est.label}.{method}({x.label})")
        est.fits.append(fit)
        for member in est.members:
            member.fits.append(fit)
        self.all_fits.append(fit)
        role = est.effective_role()
        for key, value in extra.items():
            for data in _flatten([value]):
                if isinstance(data, Data):
                    self.defer_if_test(
                        data,
                        partial(
                            self.report,
                            "GE102",
                            node,
                            f"{est.describe()} is fitted with {key}= holding `{data.label}`, the test "
                            "set: early stopping and validation scores then select the model on its "
                            "own exam.",
                            key=("GE102", est.id, id(node)),
                            argument=key,
                        ),
                    )
        if est.role == "search":
            self.defer_if_test(
                x,
                partial(
                    self.report,
                    "GE102",
                    node,
                    f"The hyperparameter search {est.describe()} is fitted on `{x.label}`, the test "
                    "set: the parameters are chosen on the exam itself.",
                    key=("GE102", est.id, id(node)),
                    argument="X",
                ),
            )
        if role in {"model", "search", None}:
            self.check_inputs(est, x, node)
        return fit

    def check_inputs(self, est: Est, x: Data, node: ast.AST) -> None:
        for mark in _ordered(x.marks):
            self.mark_uses.setdefault((mark.line, mark.code, mark.column), (mark, est, node))

    def note_target(self, node: ast.AST | None) -> None:
        """Columns used as the label: a negative shift there builds the target, not a leak."""
        if isinstance(node, ast.Subscript):
            names = _const_strs(node.slice)
            if names:
                self.target_columns.update(names)
        elif isinstance(node, ast.Attribute) and node.attr not in {"values", "index", "T"}:
            self.target_columns.add(node.attr)  # y = df.target
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pop"
        ):
            self.target_columns.update(_const_strs(node.args[0] if node.args else None) or [])

    def report_marks(self) -> None:
        for mark, est, node in self.mark_uses.values():
            if mark.column is not None and mark.column in self.target_columns:
                continue
            detail = {
                "DL141": "a negative shift, so each row holds a value from its future",
                "DL142": "a centered rolling window, which averages in later values",
                "DL143": "back-filling, which copies later values into earlier rows",
            }[mark.code]
            column = f"column `{mark.column}`" if mark.column else "a feature"
            self.report(
                mark.code,
                mark.node,  # the feature's construction
                f"{column[0].upper()}{column[1:]} is built with {detail} ({self.at(mark.node)}), and "
                f"{est.describe()} uses it as an input at {self.at(node)}.",
                key=("mark", mark.line, mark.code),
                column=mark.column,
            )

    def final_test(self, data: Data) -> bool:
        return any(self.final_test_for(data, s) for s in data.test_splits)

    def final_test_for(self, data: Data, sid: int) -> bool:
        """The rows are the test side of ``sid`` and not a validation split of training rows."""
        if (sid, _TEST) not in data.tags or not self.live(sid):
            return False
        if any(
            s != sid and side == _TRAIN and self.live(s) and s in self.scored_splits
            for s, side in data.tags
        ):
            return False
        if self.only_validation:
            return True
        split = self.splits.get(sid)
        # the name the rows got when split decides; a later wrapper's name (lgb_eval) does not
        name = split.test_label if split and split.test_label else data.label
        return not (_is_valid_name(name) and not _is_test_name(name))

    def metric_call(self, name: str, args: list[Any], kw: dict[str, Any], node: ast.Call) -> Any:
        values = [*args, *kw.values()]
        preds = [v for v in values if isinstance(v, Data) and v.preds]
        truth = [v for v in values if isinstance(v, Data) and not v.preds]
        if preds:
            self.evaluate_preds(preds, truth, node, f"{name}()")
        if name in K.THRESHOLD_CURVES:
            data = self.union(values)
            if isinstance(data, Data) and data.test_splits:
                curve = Data(label=f"{name}(...)", curve=node, tags=data.tags, origins=data.origins)
                return Tup((curve, curve, curve))
        for loop in reversed(self.loops):
            arg_names = set().union(*(_names_in(a) for a in [*node.args, *node.keywords]))
            used = arg_names & loop.tainted
            if used and preds and not loop.multi_est and not loop.data_loop:
                threshold = bool(_names_in(node) & loop.thresholded) or any(
                    isinstance(n, ast.Compare) and _names_in(n) & loop.tainted
                    for n in ast.walk(node)
                )
                for pred_data in preds:
                    for pred in _ordered(pred_data.preds):
                        fitted_inside = pred.fit is not None and loop.id in pred.fit.loops
                        if not fitted_inside:
                            self.defer_if_test(
                                pred.data,
                                partial(
                                    self.report_loop_choice,
                                    name,
                                    node,
                                    pred,
                                    loop,
                                    threshold=threshold,
                                ),
                            )
                break
        return OTHER

    def report_loop_choice(
        self, metric: str, node: ast.AST, pred: Pred, loop: Loop, *, threshold: bool
    ) -> None:
        values = ", ".join(sorted(loop.targets))
        if threshold:
            self.report(
                "GE103",
                node,
                f"{metric} scores each threshold `{values}` on the test rows `{pred.data.label}`: "
                "choosing the threshold on the test set makes its score optimistic.",
                key=("GE103", loop.id),
            )
        else:
            self.report(
                "GE101",
                node,
                f"{metric} scores each value of `{values}` on the test rows `{pred.data.label}`: "
                "choosing among them on the test set grades your own exam.",
                key=("GE101-loop", loop.id),
            )

    def defer_if_test(self, data: Data, action: Callable[[], None]) -> None:
        """Run ``action`` once the file is read, if ``data`` turns out to be the test set."""

        def check() -> None:
            if self.final_test(data):
                action()

        self.deferred.append(check)

    def check_curve(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, Data) and value.curve is not None:
            self.defer_if_test(value, partial(self.report_curve, value, node))

    def report_curve(self, value: Data, node: ast.AST) -> None:
        if value.curve is not None:
            self.report(
                "GE103",
                value.curve,
                f"The decision threshold is picked ({self.at(node)}) from a curve computed on the "
                "test set: the reported score is tuned on its own exam.",
                key=("GE103", id(value.curve)),
            )

    def evaluate_preds(self, preds: list[Data], truth: list[Data], node: ast.AST, how: str) -> None:
        all_preds = [p for data in preds for p in _ordered(data.preds)]
        models = list(dict.fromkeys(p.est for p in all_preds))
        if len(models) >= 2 and not self.loops:
            # (m1.predict_proba(X) + m2.predict_proba(X)) / 2 scored once: an ensemble
            blend = self.multi_est(models)
            for pred in all_preds:
                self.check_scored_rows(pred.data, node)
            self.evals.append(
                Eval(
                    blend, None, self.union([p.data for p in all_preds]), node, how, self.loop_path
                )
            )
            for pred in all_preds:
                if pred.fit is not None and self.covers(pred.fit.data, pred.data):
                    self.record_eval(pred.est, pred.fit, pred.data, node, how)
            return
        for pred in all_preds:
            self.record_eval(pred.est, pred.fit, pred.data, node, how)

    def record_eval(
        self, est: Est, fit: Fit | None, data: Data, node: ast.AST, how: str, *, cv: bool = False
    ) -> None:
        self.evals.append(Eval(est, fit, data, node, how, self.loop_path))
        self.check_scored_rows(data, node, cv=cv)
        if fit is None or cv:
            return
        reason = self.covers(fit.data, data)
        if reason is not None:
            where = "before the split, on rows that include" if reason == "before" else "on"
            self.report(
                "DL121",
                fit.node,
                f"{est.describe()} is trained on `{fit.data.label}` ({self.at(fit.node)}) {where} "
                f"the test rows `{data.label}`, and scored on them at {self.at(node)}.",
                key=("DL121", id(fit.node)),
                fit_line=_line(fit.node),
                eval_line=_line(node),
            )

    def check_scored_rows(self, data: Data, node: ast.AST, *, cv: bool = False) -> None:
        """Rows a model predicts or is scored on: was anything learned from them beforehand?"""
        test = data.label
        for f in _ordered(data.fits):
            reason = self.covers(f.data, data)
            if reason is None or f.est is None:
                continue
            if reason == "before":
                self.report(
                    "DL101",
                    f.node,
                    f"{f.est.describe()} is fitted on `{f.data.label}` ({self.at(f.node)}) before "
                    f"the split, and transforms `{test}`, which the model is applied to at "
                    f"{self.at(node)}.",
                    key=f,
                    estimator=f.est.cls,
                    fit_line=_line(f.node),
                    eval_line=_line(node),
                )
            else:
                joined = any((sid, _TRAIN) in f.data.tags for sid in f.data.test_splits)
                where = "train and test joined together" if joined else "the test rows"
                self.report(
                    "DL102",
                    f.node,
                    f"{f.est.describe()} is fitted on `{f.data.label}`, {where} ("
                    f"{self.at(f.node)}), and transforms `{test}`, which the model is applied to at "
                    f"{self.at(node)}.",
                    key=f,
                    estimator=f.est.cls,
                    joined=joined,
                )
        for st in _ordered(data.stats):
            if self.covers(st.data, data) is not None:
                self.report(
                    "DL103",
                    st.node,
                    f"`{st.label}` is computed over rows that include `{test}` ("
                    f"{self.at(st.node)}), which the model is applied to at {self.at(node)}.",
                    key=("DL103", _line(st.node)),
                    statistic=st.method,
                    eval_line=_line(node),
                )
        for r in _ordered(data.resampled):
            if r.data.test_splits and not cv and any(self.live(x) for x in r.data.test_splits):
                self.report(
                    "DL112",
                    node,
                    f"`{test}` was resampled at {self.at(r.node)} and is scored at "
                    f"{self.at(node)}: the score counts synthetic or duplicated rows.",
                    key=("DL112", id(r)),
                )
            elif self.covers(r.data, data) == "before":
                self.report(
                    "DL111",
                    r.node,
                    f"`{r.label}` resamples the rows ({self.at(r.node)}) before the split, and "
                    f"`{test}` at {self.at(node)} holds copies of training rows.",
                    key=r,
                )

    def covers(self, fitted: Data, scored: Data) -> str | None:
        """Whether the rows ``fitted`` include rows of the held-out ``scored``: how, or None."""
        if not fitted.origins & scored.origins:
            return None
        for sid in {t[0] for t in fitted.tags}:
            # opposite sides of one split: the rows are disjoint whatever came later
            if (
                self.live(sid)
                and len(_sides(fitted, sid)) == 1
                and len(_sides(scored, sid)) == 1
                and _sides(fitted, sid) != _sides(scored, sid)
            ):
                return None
        for sid in sorted(scored.test_splits):
            if not self.live(sid):
                continue
            if (sid, _TEST) in fitted.tags:
                return "test"
            parent = self.splits[sid].parent
            if (sid, _TRAIN) not in fitted.tags and not (parent and parent in fitted.tags):
                return "before"
        return None

    # --- rules over the whole file ----------------------------------------------------------

    def check_search_design(
        self, est: Est, node: ast.Call, kw_nodes: dict[str, ast.expr], args: Sequence[Any]
    ) -> None:
        if est.cls in K.RANDOM_SEARCHES and "random_state" not in kw_nodes:
            self.report(
                "TC101",
                node,
                f"{est.cls} samples its candidates at random with no random_state: rerunning the "
                "notebook searches a different set and may pick a different model.",
                search=est.cls,
            )
        if est.cls in {"GridSearchCV", "HalvingGridSearchCV"}:
            grid = node.args[1] if len(node.args) > 1 else kw_nodes.get("param_grid")
            if isinstance(grid, ast.Name):
                grid = self.assigned.get(grid.id, grid)
            grids = grid.elts if isinstance(grid, ast.List) else [grid]
            for g in grids:
                if not isinstance(g, ast.Dict):
                    continue
                numeric = 0
                for value in g.values:
                    if (
                        isinstance(value, ast.List | ast.Tuple)
                        and len(value.elts) >= 3
                        and all(
                            isinstance(e, ast.Constant)
                            and isinstance(e.value, int | float)
                            and not isinstance(e.value, bool)
                            for e in value.elts
                        )
                    ):
                        numeric += 1
                if numeric >= 2:
                    self.report(
                        "TC104",
                        node,
                        f"The grid searches {numeric} numeric parameters on fixed values; a random "
                        "search of the same budget tries as many distinct values of each.",
                        numeric_parameters=numeric,
                    )
                    break

    def check_hand_search(self, loop: Loop, body: Sequence[ast.stmt]) -> None:
        configured = [
            e
            for e in self.ests
            if loop.id in e.loops
            and e.role == "model"
            and any(_names_in(v) & loop.targets for v in e.kwargs.values())
        ]
        scored = [ev for ev in self.evals if loop.id in ev.loops and ev.est in configured]
        if scored and not loop.records:
            self.report(
                "TC102",
                loop.node,
                f"The loop over `{', '.join(sorted(loop.targets))}` tries hyperparameter values of "
                f"{configured[0].describe()} and keeps no record of the trials.",
                key=("TC102", loop.id),
            )

    def finish(self) -> None:
        self.report_marks()
        self.scored_splits = {sid for ev in self.evals for sid in ev.data.test_splits}
        held_out = [
            (ev.data, sid)
            for ev in self.evals
            for sid in ev.data.test_splits
            if not self.splits[sid].cv
        ]
        self.only_validation = bool(held_out) and not any(
            self.final_test_for(d, sid) for d, sid in held_out
        )
        for check in self.deferred:
            check()
        self.report_temporal()
        self.check_reuse()
        self.check_training_only_scores()
        self.check_seeds()

    def config_key(self, ev: Eval) -> list[tuple[int, int]]:
        """Distinct model configurations an evaluation stands for."""
        est = ev.est
        members = est.members if est.multi else [est]
        if est.multi and ev.loops:
            return [(m.id, 0) for m in members]
        if est.multi:  # one score of several models' predictions combined: an ensemble
            return [(est.id, 0)]
        if ev.fit is not None and ev.fit.loops and set(ev.fit.loops) & set(ev.loops):
            return [(est.id, -1), (est.id, -2)]
        if est.loops and set(est.loops) & set(ev.loops):
            return [(est.id, -1), (est.id, -2)]
        return [(est.id, id(ev.fit) if ev.fit is not None else 0)]

    def check_reuse(self) -> None:
        by_test: dict[frozenset[int], list[Eval]] = {}
        for ev in self.evals:
            finals = frozenset(
                s
                for s in ev.data.test_splits
                if self.final_test_for(ev.data, s) and not self.splits[s].cv
            )
            if finals and not (ev.fit is not None and self.covers(ev.fit.data, ev.data)):
                # a model trained on the test rows is overlap (DL121), not a candidate
                by_test.setdefault(finals, []).append(ev)
        compared_splits: dict[tuple[int, ...], list[Eval]] = {}
        for key, evs in by_test.items():
            configs: dict[tuple[int, int], Eval] = {}
            for ev in evs:
                for ck in self.config_key(ev):
                    configs.setdefault(ck, ev)
            models = {ck[0] for ck in configs}
            if len(configs) >= 2:
                ordered = sorted(configs.values(), key=lambda e: _line(e.node))
                second = next(
                    (e for e in ordered if _line(e.node) != _line(ordered[0].node)), ordered[-1]
                )
                labels = list(
                    dict.fromkeys(
                        m.describe()
                        for e in ordered
                        for m in (e.est.members if e.est.multi else [e.est])
                    )
                )
                split = self.splits[min(key)]
                test = split.test_label or ordered[0].data.label
                what = (
                    f"{len(labels)} models ({', '.join(labels[:4])}{'...' if len(labels) > 4 else ''})"
                    if len(labels) > 1
                    else f"several configurations of {labels[0]}"
                )
                self.report(
                    "GE101",
                    second.node,
                    f"The test set `{test}` (split at {self.at(split.node)}) scores {what}; "
                    "picking the best of them on it grades your own exam.",
                    key=("GE101", key),
                    configurations=len(configs),
                    split_line=_line(split.node),
                )
                if len(models) >= 2 and not self.cv_used:
                    self.report(
                        "PE103",
                        second.node,
                        f"Models are compared on the single split at {self.at(split.node)} with no "
                        "repetition; a difference of this kind is often noise.",
                        key=("PE103", key),
                    )
                fit_sets: dict[int, frozenset[str]] = {}
                for e in ordered:
                    if e.est.multi:
                        continue
                    fit_sets.setdefault(
                        e.est.id, frozenset(f.est.cls for f in e.data.fits if f.est)
                    )
                if len(set(fit_sets.values())) > 1:
                    self.report(
                        "PE102",
                        second.node,
                        f"The models scored on `{test}` were given differently preprocessed features.",
                        key=("PE102", key),
                    )
            for ev in evs:
                compared_splits.setdefault(tuple(sorted(key)), []).append(ev)
        origins_seen: dict[frozenset[int], set[tuple[int, ...]]] = {}
        first_eval: dict[tuple[int, ...], Eval] = {}
        for key_t, evs in compared_splits.items():
            split_sources = frozenset().union(*(e.data.origins for e in evs))
            origins_seen.setdefault(split_sources, set()).add(key_t)
            first_eval[key_t] = evs[0]
        for _, keys in origins_seen.items():
            if len(keys) >= 2:
                evs_models = {e.est.id for k in keys for e in compared_splits[k]}
                if len(evs_models) >= 2:
                    later = sorted((first_eval[k] for k in keys), key=lambda e: _line(e.node))[-1]
                    nodes = sorted((self.splits[k[0]].node for k in keys), key=_line)
                    self.report(
                        "PE101",
                        later.node,
                        f"Models in this file are scored on {len(keys)} different splits ("
                        f"{', '.join(self.at(n) for n in nodes)}); their scores are not comparable.",
                        key=("PE101", tuple(sorted(keys))),
                    )

    def check_training_only_scores(self) -> None:
        held_out: set[int] = set()
        for ev in self.evals:
            if ev.data.test_splits:
                held_out.add(ev.est.id)
        for ev in self.evals:
            if ev.est.id in held_out or ev.fit is None or ev.data.test_splits:
                continue
            fitted = ev.fit.data
            if fitted.rows is not None and ev.data.rows is not None and fitted.rows != ev.data.rows:
                continue  # different positional slices: scored on other rows than it was fit on
            if (
                fitted.origins & ev.data.origins
                and fitted.tags <= ev.data.tags | fitted.tags
                and ev.data.tags <= fitted.tags | ev.data.tags
                and not (fitted.tags ^ ev.data.tags)
            ):
                self.report(
                    "DL122",
                    ev.node,
                    f"{ev.est.describe()} is scored at {self.at(ev.node)} on `{ev.data.label}`, the "
                    f"rows it was trained on ({self.at(ev.fit.node)}), and never on held-out rows.",
                    key=("DL122", ev.est.id),
                )

    def check_seeds(self) -> None:
        for ev in self.evals:
            for est in [ev.est, *ev.est.members, *ev.est.steps] + (
                [ev.est.inner] if ev.est.inner else []
            ):
                if (
                    est is not None
                    and K.is_stochastic(est.qualname)
                    and "random_state" not in est.kwargs
                    and not est.multi
                ):
                    self.report(
                        "TC103",
                        est.node,
                        f"{est.describe()} is stochastic and has no random_state, and its score is "
                        "reported: the number changes from run to run.",
                        key=("TC103", est.id),
                    )
        tested = {s for ev in self.evals for s in ev.data.test_splits}
        for split in self.unseeded_splits:
            if split.id in tested:
                self.report(
                    "TC103",
                    split.node,
                    f"{split.how} shuffles with no random_state, and scores on its split are "
                    "reported: the number changes from run to run.",
                    key=("TC103-split", split.id),
                )


class _EstDict:
    """A dict whose values are estimators: ``{"lr": LogisticRegression(), ...}``."""

    def __init__(self, values: Tup) -> None:
        self.values = values


def _flatten(values: Iterable[Any]) -> Iterator[Any]:
    for v in values:
        if isinstance(v, Tup):
            yield from _flatten(v.items)
        elif isinstance(v, _EstDict):
            yield from _flatten(v.values.items)
        else:
            yield v


def analyse(
    module: ast.Module,
    *,
    time_columns: Sequence[str] = (),
    describe_line: Callable[[int], str] | None = None,
) -> list[Issue]:
    """All issues of one parsed module; ``describe_line`` names a module line in messages
    (for notebooks: its cell and line)."""
    return Analysis(module, time_columns=time_columns, describe_line=describe_line).run()
