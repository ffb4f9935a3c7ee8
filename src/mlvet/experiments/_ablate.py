"""``mlvet.ablate``: how much of a pipeline's score each component earns.

Bad Credit Assignment is a gain credited to the component an author touts when it came
from preprocessing, tuning or the features. ``ablate`` scores the pipeline with every
subset of its components removed, on the same splits, and reports each component's

* **leave-one-component-out** (LOCO) effect: the full pipeline's score minus its score
  without the component, with a corrected-t interval over the folds; and
* **Shapley value**: its average marginal effect over all orders in which the components
  could be added (exact up to six components; beyond, Monte Carlo over permutations, the
  interval then including the sampling error). The Shapley values add up to the full
  pipeline's score minus the score with no component.

A component is a pipeline step (removed = ``"passthrough"``), a group of features
(:class:`Features`, removed = the columns dropped) or a step's tuned hyperparameters
(:class:`Defaults`, removed = the class's defaults). With every feature removed the
score is a prior-predicting dummy's. ``credited=`` names the component a run claims as its
improvement; CA201 reports when the ablation gives most of the credit elsewhere.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from mlvet._findings import Finding, Location
from mlvet._json import canonical_json
from mlvet.exceptions import InputError
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

__all__ = [
    "Ablation",
    "Credit",
    "Defaults",
    "Features",
    "ablate",
    "permutation_contributions",
    "shapley_exact",
]

EXACT_UP_TO = 6


@dataclass(frozen=True)
class Features:
    """A group of feature columns (names for a frame, positions for an array)."""

    columns: Sequence[Any]


@dataclass(frozen=True)
class Defaults:
    """A step's hyperparameters (``step=None``: the final estimator's); removing the
    component resets them to the class's defaults, keeping ``random_state``."""

    step: str | None = None


@dataclass(frozen=True)
class Credit:
    """One component's LOCO effect and Shapley value, each with a 95% interval."""

    name: str
    loco: float
    loco_low: float
    loco_high: float
    shapley: float
    shapley_low: float
    shapley_high: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Ablation:
    """What :func:`ablate` found: per-component credit, the scores at both ends."""

    scoring: str
    credits: tuple[Credit, ...]
    full_score: float
    empty_score: float
    method: str
    n_configs: int
    split_fingerprint: str
    n_splits: int
    credited: str | None = None
    failures: dict[str, list[str]] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    run_id: str | None = None

    def credit(self, name: str) -> Credit:
        for c in self.credits:
            if c.name == name:
                return c
        raise InputError(f"No component {name!r}; components are {[c.name for c in self.credits]}.")

    def table(self) -> Any:
        """The credit table as a pandas DataFrame, largest Shapley value first."""
        import pandas as pd

        rows = sorted((c.to_dict() for c in self.credits), key=lambda r: -r["shapley"])
        return pd.DataFrame(rows).set_index("name")

    def _header(self) -> str:
        return (
            f"ablate: {len(self.credits)} components, {self.n_configs} configurations on the same "
            f"{self.n_splits} splits ({self.split_fingerprint[:12]}), {self.scoring}, {self.method}; "
            f"all components {self.full_score:.4f}, none {self.empty_score:.4f}, "
            f"gain {self.full_score - self.empty_score:+.4f}"
        )

    def _rows(self) -> list[list[str]]:
        rows = []
        for c in sorted(self.credits, key=lambda c: -c.shapley):
            rows.append(
                [
                    c.name + ("  <- credited" if c.name == self.credited else ""),
                    f"{c.loco:+.4f}",
                    f"[{c.loco_low:+.4f}, {c.loco_high:+.4f}]",
                    f"{c.shapley:+.4f}",
                    f"[{c.shapley_low:+.4f}, {c.shapley_high:+.4f}]",
                    _pct(c.share),
                ]
            )
        return rows

    def __str__(self) -> str:
        head = ["component", "LOCO", "95% interval", "Shapley", "95% interval", "share"]
        rows = [head, *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [self._header()]
        lines += [
            f"  ! {cfg or '(none)'} failed: {msgs[0]} ({msgs[1]})"
            for cfg, msgs in self.failures.items()
        ]
        for r in rows:
            cells = [r[0].ljust(widths[0])] + [
                v.rjust(w) for v, w in zip(r[1:], widths[1:], strict=True)
            ]
            lines.append("  " + "  ".join(cells))
        return "\n".join(lines)

    def rich_table(self) -> Any:
        """The credit table as a ``rich.table.Table``."""
        from rich.table import Table

        table = Table(title=self._header())
        for col in ("component", "LOCO", "95% interval", "Shapley", "95% interval", "share"):
            table.add_column(col, justify="left" if col == "component" else "right")
        for row in self._rows():
            table.add_row(*row)
        return table

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON values (NaN as null)."""
        clean: dict[str, Any] = json_clean(self._dict())
        return clean

    def _dict(self) -> dict[str, Any]:
        return {
            "scoring": self.scoring,
            "credits": [c.to_dict() for c in self.credits],
            "full_score": self.full_score,
            "empty_score": self.empty_score,
            "method": self.method,
            "n_configs": self.n_configs,
            "split_fingerprint": self.split_fingerprint,
            "n_splits": self.n_splits,
            "credited": self.credited,
            "failures": self.failures,
            "run_id": self.run_id,
            "findings": [f.to_dict() for f in self.findings],
        }

    def plot(self, path: str | Path) -> Path:
        """A waterfall from the score with no component to the full pipeline's."""
        from mlvet.experiments._plots import plot_waterfall

        return plot_waterfall(self, Path(path))


# --- the game ----------------------------------------------------------------------------------
def shapley_exact(values: Mapping[frozenset[int], Any], k: int) -> np.ndarray:
    """Exact Shapley values of players ``0..k-1`` from ``values[S]`` for every subset.

    ``values[S]`` may be a number or an array (per fold); the result has one row per player.

    >>> v = {frozenset(): 0, frozenset({0}): 0, frozenset({1}): 0, frozenset({2}): 0,
    ...      frozenset({0, 1}): 90, frozenset({0, 2}): 80, frozenset({1, 2}): 70,
    ...      frozenset({0, 1, 2}): 120}
    >>> [round(float(x), 6) for x in shapley_exact(v, 3)]
    [45.0, 40.0, 35.0]
    """
    weights = [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    out = []
    for i in range(k):
        others = [j for j in range(k) if j != i]
        total: Any = 0.0
        for size in range(k):
            for subset in combinations(others, size):
                s = frozenset(subset)
                total = total + weights[size] * (
                    np.asarray(values[s | {i}], dtype=float) - np.asarray(values[s], dtype=float)
                )
        out.append(total)
    return np.asarray(out, dtype=float)


def permutation_contributions(
    values: Mapping[frozenset[int], Any], perms: Sequence[Sequence[int]], k: int
) -> np.ndarray:
    """Each player's marginal contribution in each order: shape (orders, players, ...).

    Their mean over orders estimates the Shapley values; each order's contributions add
    up to ``values[all] - values[none]``, so the estimate is efficient exactly.
    """
    first = np.asarray(values[frozenset()], dtype=float)
    out = np.zeros((len(perms), k, *first.shape))
    for r, p in enumerate(perms):
        for j in range(k):
            before = frozenset(p[:j])
            out[r, p[j]] = np.asarray(values[before | {p[j]}], dtype=float) - np.asarray(
                values[before], dtype=float
            )
    return out


def _mc_halfwidth(contrib: np.ndarray) -> np.ndarray:
    """The 95% Monte Carlo half-width of each permutation estimate: orders come in
    antithetic pairs, which are not independent, so the error is taken over pair means
    with a t quantile on (pairs - 1) degrees of freedom."""
    from scipy import stats

    per_order = np.nanmean(contrib, axis=2) if contrib.ndim == 3 else contrib
    n_pairs = per_order.shape[0] // 2
    pairs = (per_order[0 : 2 * n_pairs : 2] + per_order[1 : 2 * n_pairs : 2]) / 2
    if n_pairs < 2:
        return np.full(per_order.shape[1], math.inf)
    se = pairs.std(axis=0, ddof=1) / math.sqrt(n_pairs)
    return np.asarray(stats.t.ppf(0.975, n_pairs - 1) * se)


def _permutations(k: int, n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    perms = []
    for _ in range(n // 2):
        p = [int(x) for x in rng.permutation(k)]
        perms += [p, p[::-1]]  # antithetic pairs halve the variance for additive parts
    return perms


# --- building the configurations ---------------------------------------------------------------
def _components(components: Any, pipeline: Any, X: Any) -> dict[str, Any]:
    if isinstance(components, Mapping):
        items = dict(components)
    elif isinstance(components, Sequence) and not isinstance(components, str):
        items = {str(c): c for c in components}
    else:
        raise InputError(
            "components must be a dict of name -> step name / Features / Defaults, or a list "
            f"of step names; got {components!r}."
        )
    if not items:
        raise InputError(
            "components is empty; name at least one step, feature group or Defaults()."
        )
    params = pipeline.get_params(deep=True)
    final, _ = _final_step(pipeline)
    known = _columns(X)
    for name, comp in items.items():
        if isinstance(comp, str):
            if comp not in params or not hasattr(params[comp], "fit"):
                steps = [k for k, v in params.items() if hasattr(v, "fit") and k != "estimator"]
                raise InputError(
                    f"Component {name!r}: {comp!r} is not a step of the pipeline; steps are "
                    f"{steps}."
                )
            if comp == final:
                raise InputError(
                    f"Component {name!r}: {comp!r} is the pipeline's final estimator; without "
                    "it nothing predicts. Ablate its tuning with Defaults(), or compare models "
                    "with mlvet.compare."
                )
        elif isinstance(comp, Features):
            if isinstance(comp.columns, (str, bytes)):
                raise InputError(
                    f"Component {name!r}: Features takes a list of columns; got the string "
                    f"{comp.columns!r}. Write Features([{comp.columns!r}])."
                )
            cols = list(comp.columns)
            if not cols:
                raise InputError(f"Component {name!r}: Features([]) names no column.")
            positional = not hasattr(X, "columns")  # an array: integer positions only
            unseen = [
                c
                for c in cols
                if c not in known
                or (positional and (isinstance(c, bool) or not isinstance(c, (int, np.integer))))
            ]
            if unseen:
                raise InputError(
                    f"Component {name!r}: columns {unseen} are not in X; its columns are {known}."
                )
        elif isinstance(comp, Defaults):
            target = pipeline if comp.step is None else params.get(comp.step)
            if comp.step is not None and comp.step in items.values():
                raise InputError(
                    f"Component {name!r}: Defaults({comp.step!r}) and the step {comp.step!r} "
                    "itself are both components; ablate one or the other."
                )
            if comp.step is None:
                target = _final_step(pipeline)[1]
            if not hasattr(target, "get_params") or isinstance(target, type):
                steps = [k for k, v in params.items() if hasattr(v, "get_params")]
                raise InputError(
                    f"Component {name!r}: Defaults({comp.step!r}) names no step; steps are {steps}."
                )
            _defaults_of(target)  # refuses an estimator without defaults to reset to
        else:
            raise InputError(
                f"Component {name!r} is {comp!r}; use a step name, Features([...]) or Defaults()."
            )
    grouped = [c for comp in items.values() if isinstance(comp, Features) for c in comp.columns]
    twice = sorted({str(c) for c in grouped if grouped.count(c) > 1})
    if twice:
        raise InputError(f"Columns {twice} are in more than one feature group.")
    return items


def _columns(X: Any) -> list[Any]:
    """The real column labels of a frame, or positions for an array."""
    columns = getattr(X, "columns", None)
    if columns is not None:
        return list(columns)
    return list(range(np.asarray(X).shape[1] if np.asarray(X).ndim > 1 else 1))


def _final_step(pipeline: Any) -> tuple[str | None, Any]:
    steps = getattr(pipeline, "steps", None)
    return (steps[-1][0], steps[-1][1]) if steps else (None, pipeline)


def _defaults_of(est: Any) -> dict[str, Any]:
    """The constructor defaults of ``est``'s class (``random_state`` and required
    arguments keep their current values)."""
    import inspect

    try:
        signature = inspect.signature(type(est).__init__)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Cannot read the defaults of {type(est).__name__}: {exc}") from exc
    defaults = {
        k: p.default
        for k, p in signature.parameters.items()
        if k not in ("self", "random_state") and p.default is not inspect.Parameter.empty
    }
    if not defaults:
        raise InputError(
            f"{type(est).__name__} has no parameter with a default to reset; Defaults() "
            "cannot ablate its tuning."
        )
    return {k: v for k, v in defaults.items() if k in est.get_params(deep=False)}


def _configure(
    pipeline: Any,
    X: Any,
    comps: dict[str, Any],
    absent: frozenset[str],
    classification: bool,
) -> tuple[Any, Any]:
    """The pipeline and the feature matrix with the ``absent`` components removed, in the
    components' order (hyperparameters reset before steps are removed)."""
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier, DummyRegressor

    model = clone(pipeline)
    drop: list[Any] = []
    ordered = [n for n in comps if n in absent]
    for name in sorted(ordered, key=lambda n: not isinstance(comps[n], Defaults)):
        comp = comps[name]
        if isinstance(comp, str):
            model.set_params(**{comp: "passthrough"})
        elif isinstance(comp, Features):
            drop += list(comp.columns)
        elif comp.step is None and not hasattr(model, "steps"):
            model.set_params(**_defaults_of(model))
        else:
            key = comp.step or _final_step(model)[0]
            est = model.get_params()[key]
            model.set_params(**{f"{key}__{k}": v for k, v in _defaults_of(est).items()})
    if not drop:
        return model, X
    if hasattr(X, "columns"):
        import narwhals as nw

        rest = nw.to_native(nw.from_native(X, eager_only=True).drop(drop))
    else:
        rest = np.delete(np.asarray(X), drop, axis=1)
    if rest.shape[1] == 0:
        dummy = DummyClassifier(strategy="prior") if classification else DummyRegressor()
        return dummy, np.zeros((len(rest), 1))
    return model, rest


# --- the ablation ------------------------------------------------------------------------------
def ablate(
    pipeline: Any,
    X: Any,
    y: Any,
    *,
    components: Any,
    scoring: str,
    cv: Any = None,
    credited: str | None = None,
    n_permutations: int = 32,
    seed: int = 0,
    n_jobs: int | None = None,
    name: str = "ablate",
    record: bool = True,
    ledger: Any = None,
) -> Ablation:
    """Credit each component of ``pipeline`` by LOCO and Shapley values on identical splits.

    ``components`` maps names to a pipeline step name, :class:`Features` or
    :class:`Defaults` (a list of step names also works). ``cv`` defaults to 5 x 5 repeated
    k-fold seeded with ``seed``. Up to six components every subset is scored (2^k
    configurations); beyond, ``n_permutations`` random orders (antithetic pairs) are
    walked. Every (configuration, fold) fit goes through joblib (``n_jobs``).
    """
    from joblib import Parallel, delayed
    from sklearn.base import is_classifier

    from mlvet.experiments._stats import corrected_ttest
    from mlvet.experiments._tune import fit_and_score

    check_estimator(pipeline, "ablate")
    X = check_features(X, "ablate")
    y_arr = check_data(X, y, who="ablate")
    check_target(y_arr, is_classifier(pipeline), "ablate")
    check_n_jobs(n_jobs)
    check_name(name)
    seed = check_seed(seed)
    scorer = get_scorer_checked(scoring)
    comps = _components(components, pipeline, X)
    names = list(comps)
    if credited is not None and credited not in comps:
        raise InputError(f"credited={credited!r} is not a component; components are {names}.")
    if (
        isinstance(n_permutations, bool)
        or not isinstance(n_permutations, int)
        or n_permutations < 4
        or n_permutations % 2
    ):
        raise InputError(
            "n_permutations must be an even int >= 4 (orders are drawn in antithetic pairs); "
            f"got {n_permutations!r}."
        )
    classification = is_classifier(pipeline)
    splits = split_list(cv, X, y_arr, classification, seed, who="ablate")
    k = len(names)
    exact = k <= EXACT_UP_TO
    if exact:
        subsets = [frozenset(c) for size in range(k + 1) for c in combinations(range(k), size)]
        perms: list[list[int]] = []
    else:
        perms = _permutations(k, n_permutations, seed)
        seen: dict[frozenset[int], None] = {frozenset(): None}
        for p in perms:
            for j in range(1, k + 1):
                seen[frozenset(p[:j])] = None
        subsets = list(seen)
        for i in range(k):  # LOCO needs every "all but one"
            subsets.append(frozenset(range(k)) - {i})
        subsets = list(dict.fromkeys(subsets))
    configs = []
    for present in subsets:
        absent = frozenset(names[i] for i in range(k) if i not in present)
        configs.append(_configure(pipeline, X, comps, absent, classification))
    jobs = [
        delayed(fit_and_score)(model, {}, Xc, y_arr, tr, te, scorer)
        for model, Xc in configs
        for tr, te in splits
    ]
    out = Parallel(n_jobs=n_jobs)(jobs)
    n = len(splits)
    values: dict[frozenset[int], np.ndarray] = {}
    failures: dict[str, list[str]] = {}
    for j, present in enumerate(subsets):
        folds = out[j * n : (j + 1) * n]
        values[present] = np.array([f[0] for f in folds], dtype=float)
        errs = [f[1] for f in folds if f[1]]
        if errs:
            label = "+".join(names[i] for i in sorted(present)) or "(none)"
            failures[label] = [errs[0].strip().splitlines()[-1], f"{len(errs)} of {n} folds failed"]
    full = values[frozenset(range(k))]
    if not np.isfinite(full).any():
        raise InputError(f"The full pipeline failed on every fold; nothing to ablate. {failures}")
    if exact:
        per_fold = shapley_exact(values, k)
        mc_half = np.zeros(k)
        method = f"exact Shapley over {len(subsets)} subsets"
    else:
        contrib = permutation_contributions(values, perms, k)
        per_fold = contrib.mean(axis=0)
        mc_half = _mc_halfwidth(contrib)
        method = f"permutation Shapley ({len(perms)} orders, {len(subsets)} subsets)"
    n_train = int(np.mean([len(tr) for tr, _ in splits]))
    n_test = int(np.mean([len(te) for _, te in splits]))
    empty = values[frozenset()]
    full_score, empty_score = _mean(full), _mean(empty)
    gain = full_score - empty_score
    credits = []
    for i, comp_name in enumerate(names):
        loco = full - values[frozenset(range(k)) - {i}]
        lo = _interval(loco, n_train, n_test, corrected_ttest)
        sh = _interval(per_fold[i], n_train, n_test, corrected_ttest, extra=mc_half[i])
        credits.append(
            Credit(
                comp_name,
                lo[0],
                lo[1],
                lo[2],
                sh[0],
                sh[1],
                sh[2],
                sh[0] / gain if abs(gain) > 1e-12 else math.nan,
            )
        )
    result = Ablation(
        scoring,
        tuple(credits),
        full_score,
        empty_score,
        method,
        len(subsets),
        split_fingerprint(splits),
        n,
        credited,
        failures,
    )
    result = replace(result, findings=_findings(result, name))
    if record or ledger is not None:
        result = _record(result, pipeline, X, y_arr, comps, splits, name, ledger)
    return result


def _mean(values: np.ndarray) -> float:
    """The mean over the folds that scored (NaN when none did)."""
    ok = values[np.isfinite(values)]
    return float(ok.mean()) if ok.size else math.nan


def _interval(
    d: np.ndarray, n_train: int, n_test: int, test: Any, extra: float = 0.0
) -> tuple[float, float, float]:
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 3:
        return (float(d.mean()) if d.size else math.nan, math.nan, math.nan)
    if np.allclose(d, d[0]):
        return (float(d[0]), float(d[0]) - extra, float(d[0]) + extra)
    t = test(d, n_train=n_train, n_test=n_test)
    half = math.hypot((t.ci_high - t.ci_low) / 2, extra)
    return (float(t.mean), float(t.mean - half), float(t.mean + half))


def _findings(result: Ablation, name: str) -> tuple[Finding, ...]:
    if result.credited is None:
        return ()
    mine = result.credit(result.credited)
    top = max(result.credits, key=lambda c: c.shapley)
    if top.name == result.credited or (math.isfinite(mine.share) and mine.share >= 0.5):
        return ()
    return (
        Finding.of(
            "CA201",
            f"{result.credited!r} is credited with the improvement, but the ablation gives it "
            f"{mine.shapley:+.4f} {result.scoring} ({_pct(mine.share)} of the gain) while "
            f"{top.name!r} earns {top.shapley:+.4f} ({_pct(top.share)}).",
            location=Location(dataset=f"ablate:{name}"),
            evidence={"credited": mine.to_dict(), "largest": top.to_dict()},
        ),
    )


def _pct(share: float) -> str:
    return f"{share:.0%}" if math.isfinite(share) else "n/a"


def _record(
    result: Ablation,
    pipeline: Any,
    X: Any,
    y: np.ndarray,
    comps: dict[str, Any],
    splits: list[Any],
    name: str,
    ledger: Any,
) -> Ablation:
    from mlvet.ledger import _schema as s
    from mlvet.ledger import insert_run, open_ledger, write_findings

    led = open_ledger(ledger)
    run_id = str(uuid.uuid4())
    findings = result.findings
    result = replace(result, run_id=run_id)
    described = {
        k: c
        if isinstance(c, str)
        else {"features": [str(x) for x in c.columns]}
        if isinstance(c, Features)
        else {"defaults": c.step}
        for k, c in comps.items()
    }
    with led.transaction() as tx:
        insert_run(
            tx,
            kind="ablate",
            name=name,
            families=("CA",),
            params={
                "scoring": result.scoring,
                "components": described,
                "credited": result.credited,
                "estimator": describe_estimator(pipeline),
                "features": feature_names(X),
                "data_fingerprint": data_fingerprint(X, y),
            },
            code_ref=caller_code_ref(),
            run_id=run_id,
        )
        split_id = insert_splits(tx, run_id, result.split_fingerprint, splits)
        tx.insert(
            s.ablations,
            {
                "run_id": run_id,
                "split_id": split_id,
                "result_json": canonical_json(result.to_dict()),
            },
        )
        write_findings(tx, findings, run_id=run_id)
    return result
