"""``mlvet.compare``: candidates on identical splits, with baselines and corrected statistics.

PEST (Perceived Empirical SuperioriTy) is a model declared better from unequal pipelines,
different splits or a difference within noise. ``compare`` makes the fair version the easy
one: every candidate and two baselines (a dummy and a simple linear model) are scored on
the very same repeated cross-validation splits, whose fingerprint is recorded; every pair
is tested with the Nadeau–Bengio corrected t-test (Holm-adjusted across pairs) and the
correlated Bayesian t-test with a region of practical equivalence; the verdict is written
in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from mlvet._checks import check_number
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
    split_fingerprint,
    split_list,
)
from mlvet.experiments._stats import (
    bayesian_correlated_ttest,
    bootstrap_summary,
    corrected_ttest,
    holm,
)

__all__ = ["Comparison", "PairResult", "compare"]

DUMMY = "baseline: dummy"
LINEAR = "baseline: linear"


@dataclass(frozen=True)
class PairResult:
    """One pair: A − B per fold, the corrected test (Holm-adjusted) and the Bayesian test."""

    a: str
    b: str
    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    p_holm: float
    p_a_better: float
    p_equivalent: float
    p_b_better: float
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found: per-candidate fold scores, every pair, the verdicts."""

    scoring: str
    scores: dict[str, list[float]]
    pairs: tuple[PairResult, ...]
    split_fingerprint: str
    n_splits: int
    rope: float
    failures: dict[str, list[str]] = field(default_factory=dict)
    run_id: str | None = None
    findings: tuple[Finding, ...] = ()
    data_fingerprint: str = ""

    def mean(self, name: str) -> float:
        """The mean over the folds that scored (a failed fold does not make it NaN)."""
        values = np.asarray(self.scores[name], dtype=float)
        ok = values[np.isfinite(values)]
        return float(ok.mean()) if ok.size else float("nan")

    @property
    def best(self) -> str:
        return max(self.scores, key=self.mean)

    def pair(self, a: str, b: str) -> PairResult:
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
            if (p.a, p.b) == (b, a):
                return _flip(p)
        raise InputError(f"No pair {a!r} vs {b!r}; candidates are {sorted(self.scores)}.")

    def __str__(self) -> str:
        lines = [
            f"compare: {len(self.scores)} model{'s' if len(self.scores) != 1 else ''} on the same {self.n_splits} splits "
            f"({self.split_fingerprint[:12]}), {self.scoring}, ROPE ±{self.rope:g}"
        ]
        for name in sorted(self.scores, key=self.mean, reverse=True):
            values = np.asarray(self.scores[name])
            lines.append(f"  {name:<28} {values.mean():.4f} ± {values.std(ddof=1):.4f}")
        best = self.best
        lines += [p.verdict for p in self.pairs if best in (p.a, p.b)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scoring": self.scoring,
            "scores": self.scores,
            "pairs": [p.to_dict() for p in self.pairs],
            "split_fingerprint": self.split_fingerprint,
            "n_splits": self.n_splits,
            "rope": self.rope,
            "failures": self.failures,
            "run_id": self.run_id,
            "data_fingerprint": self.data_fingerprint,
            "findings": [f.to_dict() for f in self.findings],
        }


def _flip(p: PairResult) -> PairResult:
    return PairResult(
        p.b,
        p.a,
        -p.mean,
        -p.ci_high,
        -p.ci_low,
        p.p_value,
        p.p_holm,
        p.p_b_better,
        p.p_equivalent,
        p.p_a_better,
        p.verdict,
    )


def _candidates(candidates: Any) -> dict[str, Any]:
    if isinstance(candidates, Mapping):
        items = list(candidates.items())
    elif isinstance(candidates, Sequence) and not isinstance(candidates, str):
        items = [(type(c).__name__, c) for c in candidates]
    else:
        raise InputError(
            "candidates must be a dict of name -> estimator or a list of estimators; got "
            f"{type(candidates).__name__}."
        )
    names = [str(n) for n, _ in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"Candidate names {dupes} repeat; pass a dict with unique names.")
    if not items:
        raise InputError("candidates is empty; pass at least one estimator.")
    for name, est in items:
        check_estimator(est, f"compare (candidate {name!r})")
    return dict(zip(names, (e for _, e in items), strict=True))


def _baselines(y: np.ndarray, classification: bool) -> dict[str, Any]:
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if classification:
        return {
            DUMMY: DummyClassifier(strategy="prior"),
            LINEAR: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        }
    return {DUMMY: DummyRegressor(), LINEAR: make_pipeline(StandardScaler(), Ridge())}


def compare(
    candidates: Any,
    X: Any,
    y: Any,
    *,
    scoring: str,
    cv: Any = None,
    baseline: str | bool = "auto",
    rope: float = 0.01,
    seed: int = 0,
    n_jobs: int | None = None,
    name: str = "compare",
    record: bool = True,
    ledger: Any = None,
) -> Comparison:
    """Score every candidate and two baselines on identical splits and test every pair.

    ``cv`` is a splitter (default: 5 x 5 repeated, stratified for classifiers, seeded with
    ``seed``); its splits are drawn once, fingerprinted and handed to every model.
    ``baseline="auto"`` adds a prior-predicting dummy and a standardised logistic (or
    ridge) regression; ``False`` leaves them out. Fits go through joblib
    (``cross_validate(n_jobs=...)``), so a Dask or Ray joblib backend fans them out. A
    model that fails on some folds is recorded with its error and compared on the folds
    where it did not fail. ``rope`` is the region of practical equivalence in the
    scorer's units.
    """
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import cross_validate

    models = _candidates(candidates)
    X = check_features(X, "compare")
    y_arr = check_data(X, y)
    check_n_jobs(n_jobs)
    check_name(name)
    check_seed(seed)
    scorer = get_scorer_checked(scoring)
    rope = check_number(rope, "rope", strict=False)
    classification = any(is_classifier(m) for m in models.values())
    check_target(y_arr, classification, "compare")
    if baseline == "auto":
        for key, est in _baselines(y_arr, classification).items():
            models.setdefault(key, est)
    elif baseline is not False:
        raise InputError(f"baseline must be 'auto' or False; got {baseline!r}.")
    splits = split_list(cv, X, y_arr, classification, seed)
    fingerprint = split_fingerprint(splits)
    scores: dict[str, list[float]] = {}
    failures: dict[str, list[str]] = {}
    for key, est in models.items():
        result = cross_validate(
            clone(est), X, y_arr, cv=splits, scoring=scorer, n_jobs=n_jobs, error_score=np.nan
        )
        values = [float(v) for v in result["test_score"]]
        bad = [i for i, v in enumerate(values) if not np.isfinite(v)]
        if bad:
            failures[key] = [f"fold {i} failed" for i in bad]
        scores[key] = values
    if len(splits) == 1:
        pairs = _holdout_pairs(models, X, y_arr, splits[0], scorer, scoring, rope, seed, failures)
    else:
        pairs = _pairs(scores, splits, rope, scoring)
    findings = _findings(scores, pairs, name, baseline is not False)
    findings += _unequal_preprocessing(
        {k: m for k, m in models.items() if k not in (DUMMY, LINEAR)}, name
    )
    comparison = Comparison(
        scoring,
        scores,
        pairs,
        fingerprint,
        len(splits),
        float(rope),
        failures,
        findings=findings,
        data_fingerprint=data_fingerprint(X, y_arr),
    )
    if record or ledger is not None:
        comparison = _record(comparison, splits, name, ledger, models, X)
    return comparison


def preprocessing(estimator: Any) -> tuple[str, ...]:
    """The classes of a pipeline's steps before its final estimator (() for a bare model)."""
    steps = [st["class"].rsplit(".", 1)[-1] for st in describe_estimator(estimator)["steps"]]
    return tuple(steps[:-1])


def _unequal_preprocessing(models: dict[str, Any], name: str) -> tuple[Finding, ...]:
    seen = {key: preprocessing(m) for key, m in models.items()}
    if len(set(seen.values())) < 2:
        return ()
    shown = "; ".join(f"{k}: {' + '.join(v) or 'none'}" for k, v in seen.items())
    return (
        Finding.of(
            "PE204",
            f"The candidates of {name!r} differ in preprocessing as well as model ({shown}); "
            "a difference between them credits both together.",
            location=Location(dataset=f"compare:{name}"),
            evidence={"preprocessing": {k: list(v) for k, v in seen.items()}},
        ),
    )


def _findings(
    scores: dict[str, list[float]], pairs: tuple[PairResult, ...], name: str, baselines: bool
) -> tuple[Finding, ...]:
    where = Location(dataset=f"compare:{name}")
    out = []
    ranked = sorted(scores, key=lambda k: -np.nanmean(scores[k]))
    if len(ranked) >= 2:
        best, second = ranked[0], ranked[1]
        pair = next((p for p in pairs if {p.a, p.b} == {best, second}), None)
        if pair is not None and not (pair.p_holm < 0.05 and pair.ci_low > 0):
            out.append(
                Finding.of(
                    "PE202",
                    f"{best} scores highest but is not shown to beat {second}: {pair.verdict}",
                    location=where,
                    evidence={"best": best, "runner_up": second, **pair.to_dict()},
                )
            )
    if not baselines:
        out.append(
            Finding.of(
                "PE203",
                f"The comparison {name!r} scores {len(scores)} model(s) with no dummy or linear "
                "baseline on the same splits.",
                location=where,
                evidence={"models": sorted(scores)},
            )
        )
    return tuple(out)


def _pairs(
    scores: dict[str, list[float]], splits: list[Any], rope: float, scoring: str
) -> tuple[PairResult, ...]:
    n_train = int(np.mean([len(tr) for tr, _ in splits]))
    n_test = int(np.mean([len(te) for _, te in splits]))
    raw = []
    for a, b in combinations(sorted(scores, key=lambda k: -np.nanmean(scores[k])), 2):
        d = np.asarray(scores[a]) - np.asarray(scores[b])
        d = d[np.isfinite(d)]
        if d.size < 3:
            continue
        t = corrected_ttest(d, n_train=n_train, n_test=n_test)
        bayes = bayesian_correlated_ttest(d, n_train=n_train, n_test=n_test, rope=rope)
        raw.append((a, b, t, bayes))
    adjusted: Any = holm([t.p_value for *_, t, _ in raw]) if raw else []
    out = []
    for (a, b, t, bayes), p_holm in zip(raw, adjusted, strict=True):
        out.append(
            PairResult(
                a,
                b,
                t.mean,
                t.ci_low,
                t.ci_high,
                t.p_value,
                float(p_holm),
                bayes.p_a_better,
                bayes.p_equivalent,
                bayes.p_b_better,
                _verdict(a, b, t.mean, t.ci_low, t.ci_high, float(p_holm), bayes, scoring),
            )
        )
    return tuple(out)


def _rows(data: Any, index: np.ndarray) -> Any:
    return data.iloc[index] if hasattr(data, "iloc") else data[index]


def _holdout_pairs(
    models: dict[str, Any],
    X: Any,
    y: np.ndarray,
    split: Any,
    scorer: Any,
    scoring: str,
    rope: float,
    seed: int,
    failures: dict[str, list[str]],
    n_bootstrap: int = 500,
) -> tuple[PairResult, ...]:
    """One holdout set: a paired bootstrap of the score difference for every pair, and
    McNemar's test on per-row correctness for classifiers (the p-value used, Holm-adjusted);
    for regressors the bootstrap's p-value."""
    from sklearn.base import clone, is_classifier

    from mlvet.experiments._stats import mcnemar

    train, test = split
    X_te, y_te = _rows(X, test), y[test]
    fitted: dict[str, Any] = {}
    for key, est in models.items():
        try:
            fitted[key] = clone(est).fit(_rows(X, train), y[train])
        except Exception as exc:  # recorded, not fatal
            failures.setdefault(key, []).append(f"holdout fit failed: {type(exc).__name__}")
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(test), len(test)) for _ in range(n_bootstrap)]

    def score(model: Any, idx: Any) -> float:
        import warnings

        try:  # a resample of a small holdout may hold one class only: that draw is dropped
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # sklearn's "undefined metric": NaN, dropped
                return float(scorer(model, _rows(X_te, idx), y_te[idx]))
        except (ValueError, IndexError):
            return float("nan")

    boot = {k: np.array([score(m, idx) for idx in draws]) for k, m in fitted.items()}
    point = {k: score(m, np.arange(len(test))) for k, m in fitted.items()}
    unscored = sorted(k for k, v in point.items() if not np.isfinite(v))
    if unscored:
        raise InputError(
            f"The holdout cannot be scored with {scoring!r} for {unscored} (too few rows or "
            "one class only); use a larger holdout or repeated cross-validation."
        )
    raw = []
    ranked = sorted(fitted, key=lambda k: -point[k])
    for a, b in combinations(ranked, 2):
        d = boot[a] - boot[b]
        d = d[np.isfinite(d)]
        low, high, p_boot = bootstrap_summary(d)
        if is_classifier(fitted[a]) and is_classifier(fitted[b]):
            p = mcnemar(fitted[a].predict(X_te) == y_te, fitted[b].predict(X_te) == y_te).p_value
        else:
            p = p_boot
        shares = (
            float((d > rope).mean()),
            float((np.abs(d) <= rope).mean()),
            float((d < -rope).mean()),
        )
        raw.append((a, b, point[a] - point[b], low, high, p, shares))
    adjusted: Any = holm([r[5] for r in raw]) if raw else []
    out = []
    for (a, b, mean, low, high, p, shares), p_holm in zip(raw, adjusted, strict=True):
        bayes = _Shares(*shares)
        out.append(
            PairResult(
                a,
                b,
                mean,
                low,
                high,
                p,
                float(p_holm),
                shares[0],
                shares[1],
                shares[2],
                _verdict(a, b, mean, low, high, float(p_holm), bayes, scoring),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class _Shares:
    """Bootstrap shares read like the Bayesian test's probabilities, for one holdout set."""

    p_a_better: float
    p_equivalent: float
    p_b_better: float


def _verdict(
    a: str, b: str, mean: float, low: float, high: float, p_holm: float, bayes: Any, scoring: str
) -> str:
    interval = f"{mean:+.3f} {scoring} [{low:+.3f}, {high:+.3f}]"
    odds = (
        f"P({a} better) = {bayes.p_a_better:.2f}, P(practically equivalent) = "
        f"{bayes.p_equivalent:.2f}"
    )
    shown_p = "< 1e-16" if p_holm < 1e-16 else f"= {p_holm:.3g}"
    if p_holm < 0.05 and low > 0:
        return f"{a} beats {b} by {interval} (corrected p {shown_p}); {odds}."
    if bayes.p_equivalent >= 0.95:
        return f"{a} and {b} are practically equivalent: {interval}; {odds}."
    return (
        f"{a} is not shown to beat {b}: {interval}, corrected p {shown_p}; {odds}. "
        "Claiming superiority from this is PEST."
    )


def _record(
    comparison: Comparison,
    splits: list[Any],
    name: str,
    ledger: Any,
    models: dict[str, Any],
    X: Any,
) -> Comparison:
    """Write the run, its splits, the comparison and the findings; PE201 when an earlier
    comparison of the same name used other splits or other data."""
    import json
    from dataclasses import replace

    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import insert_run, open_ledger, write_findings

    led = open_ledger(ledger)
    run_id = str(uuid.uuid4())
    with led.transaction() as tx:
        earlier = tx.conn.execute(
            select(s.runs.c.id, s.runs.c.params_json, s.splits.c.fingerprint)
            .join(s.splits, s.splits.c.run_id == s.runs.c.id)
            .where(s.runs.c.kind == "compare", s.runs.c.name == name)
            .order_by(s.runs.c.started_at)
        ).all()
        findings = list(comparison.findings)
        now = {k: preprocessing(m) for k, m in models.items()}
        for other_id, params, split_fp in earlier[-1:]:  # the latest run of that name
            before = json.loads(params)
            other_data = before.get("data_fingerprint")
            other_steps = {
                k: tuple(st["class"].rsplit(".", 1)[-1] for st in d.get("steps", [])[:-1])
                for k, d in (before.get("candidates") or {}).items()
            }
            changed = sorted(k for k in now.keys() & other_steps.keys() if now[k] != other_steps[k])
            what = [
                label
                for label, differs in (
                    ("splits", split_fp != comparison.split_fingerprint),
                    ("data", other_data != comparison.data_fingerprint),
                    (f"preprocessing (for {', '.join(changed)})", bool(changed)),
                )
                if differs
            ]
            if what:
                findings.append(
                    Finding.of(
                        "PE201",
                        f"The comparison {name!r} was last recorded (run {other_id[:8]}) on "
                        f"other {' and '.join(what)}; its scores cannot be set beside these.",
                        location=Location(dataset=f"compare:{name}", run_id=run_id),
                        evidence={"earlier_run": other_id, "differs": what},
                    )
                )
                break
        comparison = replace(comparison, run_id=run_id, findings=tuple(findings))
        insert_run(
            tx,
            kind="compare",
            name=name,
            families=("PE",),
            params={
                "models": sorted(comparison.scores),
                "scoring": comparison.scoring,
                "data_fingerprint": comparison.data_fingerprint,
                "candidates": {k: describe_estimator(m) for k, m in models.items()},
                "features": feature_names(X),
            },
            code_ref=caller_code_ref(),
            run_id=run_id,
        )
        split_id = insert_splits(tx, run_id, comparison.split_fingerprint, splits)
        best = comparison.best
        verdict = "\n".join(p.verdict for p in comparison.pairs if best in (p.a, p.b))
        tx.insert(
            s.comparisons,
            {
                "run_id": run_id,
                "split_id": split_id,
                "scoring": comparison.scoring,
                "result_json": canonical_json(comparison.to_dict()),
                "verdict": verdict,
            },
        )
        write_findings(tx, comparison.findings, run_id=run_id)
    return comparison
