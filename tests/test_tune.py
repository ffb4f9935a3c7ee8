"""mlvet.tune: typed spaces, trials as a pure function of (seed, i), the record, the analysis."""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import select

from mlvet.exceptions import InputError
from mlvet.experiments import Categorical, Int, LogUniform, Uniform, corrected_ttest, tune
from mlvet.experiments._space import sample
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger

CV = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n, 6, n_informative=4, random_state=seed)


# --- the space ---------------------------------------------------------------------------
def test_trial_values_are_a_pure_function_of_seed_index_and_name() -> None:
    space = {"C": LogUniform(1e-3, 1e2), "k": Int(1, 9), "kind": Categorical(["a", "b"])}
    first = [sample(space, seed=7, index=i) for i in range(50)]
    assert first == [sample(space, seed=7, index=i) for i in range(50)]
    assert first != [sample(space, seed=8, index=i) for i in range(50)]
    # adding a parameter leaves the others' values alone
    wider = space | {"alpha": Uniform(0, 1)}
    assert [
        {k: v for k, v in sample(wider, seed=7, index=i).items() if k != "alpha"} for i in range(50)
    ] == first


def test_draws_follow_their_distributions() -> None:
    n = 3000
    logs = [
        math.log10(sample({"x": LogUniform(1e-3, 1e3)}, seed=1, index=i)["x"]) for i in range(n)
    ]
    assert stats.kstest(logs, stats.uniform(loc=-3, scale=6).cdf).pvalue > 0.01
    flat = [sample({"x": Uniform(2, 5)}, seed=1, index=i)["x"] for i in range(n)]
    assert stats.kstest(flat, stats.uniform(loc=2, scale=3).cdf).pvalue > 0.01
    ints = [sample({"x": Int(1, 4)}, seed=1, index=i)["x"] for i in range(n)]
    counts = np.bincount(ints, minlength=5)[1:]
    assert stats.chisquare(counts).pvalue > 0.01 and set(ints) == {1, 2, 3, 4}
    log_ints = [sample({"x": Int(1, 1000, log=True)}, seed=1, index=i)["x"] for i in range(n)]
    assert min(log_ints) >= 1 and max(log_ints) <= 1000
    assert np.median(log_ints) < 100  # log scale: the median sits near sqrt(1000), not 500


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"C": Uniform(1.0, 1.0)}, "range \\[1.0, 1.0\\] is empty"),
        ({"C": LogUniform(0.0, 1.0)}, "needs low > 0"),
        ({"C": Uniform(0.0, float("nan"))}, "must be finite"),
        ({"max_iter": Int(5, 2)}, "is empty"),
        ({"max_iter": Int(1.5, 3)}, "must be an int"),  # type: ignore[arg-type]
        ({"C": Categorical([])}, "no choices"),
        ({"C": (0.1, 1.0)}, "not a search distribution"),
        ({"Cee": Uniform(0.1, 1.0)}, "has no parameter 'Cee'"),
        ({}, "non-empty dict"),
    ],
)
def test_bad_spaces_are_refused_with_the_fix(space: Any, message: str) -> None:
    X, y = data(60)
    with pytest.raises(InputError, match=message):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", cv=CV, record=False)


def test_a_misspelled_pipeline_parameter_gets_a_suggestion() -> None:
    X, y = data(60)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.raises(InputError, match="Did you mean 'logisticregression__C'"):
        tune(pipe, {"C": Uniform(0.1, 1)}, X, y, scoring="accuracy", cv=CV, record=False)


def test_bad_calls_name_the_problem() -> None:
    X, y = data(60)
    space = {"C": LogUniform(0.01, 10)}
    with pytest.raises(InputError, match=r"valid names are .*'roc_auc'"):
        tune(LogisticRegression(), space, X, y, scoring="auc", cv=CV, record=False)
    with pytest.raises(InputError, match="X has 60 rows but y has 59"):
        tune(LogisticRegression(), space, X, y[:59], scoring="accuracy", cv=CV, record=False)
    with pytest.raises(InputError, match="needs at least 3 folds"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", cv=KFold(2), record=False)
    with pytest.raises(InputError, match="n_trials must be a positive int"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", n_trials=0, record=False)
    with pytest.raises(InputError, match="sampler must be"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", sampler="grid", record=False)
    with pytest.raises(InputError, match="shared=True needs sampler='random'"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", sampler="tpe", shared=True)
    y_nan = y.astype(float)
    y_nan[3] = np.nan
    with pytest.raises(InputError, match="1 NaN or infinite"):
        tune(
            Ridge(),
            {"alpha": LogUniform(0.1, 10)},
            X,
            y_nan,
            scoring="r2",
            cv=KFold(3),
            record=False,
        )


# --- reproducibility ----------------------------------------------------------------------
SPACE = {
    "n_neighbors": Int(1, 40),
    "weights": Categorical(["uniform", "distance"]),
    "leaf_size": Int(10, 60),
}


def _scores(result: Any) -> list[tuple[int, Any, list[float]]]:
    return [
        (t.index, json.dumps(t.to_dict()["params"], sort_keys=True), t.scores)
        for t in result.trials
    ]


def test_serial_and_parallel_searches_give_identical_trials() -> None:
    X, y = data()
    kwargs: dict[str, Any] = {
        "scoring": "roc_auc",
        "cv": CV,
        "n_trials": 16,
        "seed": 3,
        "record": False,
        "progress": False,
    }
    serial = tune(KNeighborsClassifier(), SPACE, X, y, **kwargs)
    parallel = tune(KNeighborsClassifier(), SPACE, X, y, n_jobs=2, **kwargs)
    assert _scores(serial) == _scores(parallel)
    assert serial.best_params == parallel.best_params
    other_seed = tune(KNeighborsClassifier(), SPACE, X, y, **(kwargs | {"seed": 4}))
    assert _scores(other_seed) != _scores(serial)


def test_tpe_repeats_with_the_same_seed_and_states_its_caveat() -> None:
    X, y = data()
    kwargs: dict[str, Any] = {
        "scoring": "roc_auc",
        "cv": CV,
        "n_trials": 14,
        "seed": 5,
        "record": False,
        "progress": False,
        "sampler": "tpe",
    }
    a = tune(KNeighborsClassifier(), SPACE, X, y, **kwargs)
    b = tune(KNeighborsClassifier(), SPACE, X, y, **kwargs)
    assert _scores(a) == _scores(b)
    assert "same Optuna version" in a.spec["optuna_caveat"]


def test_tpe_concentrates_where_the_score_is_high() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20))
    y = X @ rng.normal(size=20) + rng.normal(size=200)
    space = {"alpha": LogUniform(1e-4, 1e4)}  # large alphas shrink the fit to nothing
    kwargs: dict[str, Any] = {
        "scoring": "r2",
        "cv": KFold(5, shuffle=True, random_state=0),
        "n_trials": 30,
        "seed": 1,
        "record": False,
        "progress": False,
    }
    tpe = tune(Ridge(), space, X, y, sampler="tpe", **kwargs)
    rand = tune(Ridge(), space, X, y, **kwargs)
    late = {
        name: np.mean([t.mean for t in r.trials if t.index >= 15])
        for name, r in (("tpe", tpe), ("random", rand))
    }
    assert late["tpe"] > late["random"] + 0.05


# --- what a search reports ------------------------------------------------------------------
def test_best_at_the_edge_is_a_finding_and_the_optimism_follows_tibshirani() -> None:
    X, y = data(400, seed=2)
    result = tune(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": Int(1, 3)},
        X,
        y,
        scoring="accuracy",
        cv=CV,
        n_trials=8,
        record=False,
        progress=False,
    )
    assert result.best_params["max_depth"] == 3
    assert result.at_edge == {"max_depth": "upper"}
    assert [f.code for f in result.findings if f.code == "TC201"] == ["TC201"]
    ok = [t for t in result.trials if t.status == "ok"]
    folds = np.array([t.scores for t in ok])
    expected = np.mean(folds.max(axis=0) - np.array(result.best.scores))
    assert result.optimism["bias"] == pytest.approx(expected)
    assert result.optimism["bias"] >= 0
    assert result.optimism["corrected_best"] == pytest.approx(result.best_score - expected)


def test_tuned_versus_default_uses_the_corrected_test_on_the_same_splits() -> None:
    X, y = data(400, seed=1)
    result = tune(
        LogisticRegression(C=1e-5),
        {"C": LogUniform(0.01, 10)},
        X,
        y,
        scoring="accuracy",
        cv=CV,
        n_trials=10,
        record=False,
        progress=False,
    )
    d = np.array(result.best.scores) - np.array(result.default.scores)  # type: ignore[union-attr]
    t = corrected_ttest(d, n_train=240, n_test=60)
    versus = result.tuned_vs_default
    assert versus["p_value"] == pytest.approx(t.p_value) and versus["ci_low"] == pytest.approx(
        t.ci_low
    )
    assert versus["better"] and "tuned beats default by +" in versus["verdict"]
    assert "TC203" not in {f.code for f in result.findings}


def test_importances_rank_a_parameter_that_matters_above_one_that_does_not() -> None:
    X, y = data(300, seed=4)
    result = tune(
        KNeighborsClassifier(),
        {"n_neighbors": Int(1, 60), "leaf_size": Int(10, 60)},  # leaf_size changes no prediction
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=24,
        record=False,
        progress=False,
    )
    assert result.importances["n_neighbors"] > 0.8 > result.importances["leaf_size"]


def test_failing_trials_are_recorded_with_their_traceback_not_fatal(sqlite_url: str) -> None:
    X, y = data(200)  # 160 training rows per fold: more neighbours than that cannot fit
    space = {"n_neighbors": Int(1, 400)}
    result = tune(
        KNeighborsClassifier(),
        space,
        X,
        y,
        scoring="accuracy",
        cv=CV,
        n_trials=12,
        ledger=sqlite_url,
        progress=False,
    )
    failed = [t for t in result.trials if t.status == "failed"]
    assert failed and all(t.params["n_neighbors"] > 160 for t in failed)
    assert all(t.params["n_neighbors"] <= 160 for t in result.trials if t.status == "ok")
    assert "ValueError" in failed[0].errors[0] and "Traceback" in failed[0].errors[0]
    assert "TC202" in {f.code for f in result.findings}
    with open_ledger(sqlite_url).connect() as conn:
        rows = conn.execute(select(s.trials).where(s.trials.c.status == "failed")).mappings().all()
    assert len(rows) == len(failed) and "n_neighbors" in rows[0]["error"]


def test_all_trials_failing_says_why() -> None:
    X, y = data(60)
    with pytest.raises(InputError, match=r"All 3 trials failed.*\n.*Traceback"):
        tune(
            KNeighborsClassifier(),
            {"n_neighbors": Int(100, 200)},
            X,
            y,
            scoring="accuracy",
            cv=CV,
            n_trials=3,
            record=False,
            progress=False,
        )


def test_the_search_is_recorded_and_attached_to_the_chosen_model(
    ledger_url: str, tmp_path: Path
) -> None:
    X, y = data()
    result = tune(
        KNeighborsClassifier(),
        SPACE,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=6,
        seed=9,
        ledger=ledger_url,
        name="knn",
        progress=False,
    )
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        run = conn.execute(select(s.runs).where(s.runs.c.id == result.run_id)).mappings().one()
        trials = (
            conn.execute(select(s.trials).where(s.trials.c.run_id == result.run_id))
            .mappings()
            .all()
        )
        search = conn.execute(select(s.searches)).mappings().one()
        split = (
            conn.execute(select(s.splits).where(s.splits.c.id == search["split_id"]))
            .mappings()
            .one()
        )
    assert run["kind"] == "tune" and run["status"] == "completed" and run["name"] == "knn"
    assert sorted(r["trial_index"] for r in trials) == list(range(-1, 6))
    stored = {r["trial_index"]: json.loads(r["scores_json"])["folds"] for r in trials}
    alone = tune(  # the same search in memory: the ledger keeps what was computed
        KNeighborsClassifier(),
        SPACE,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=6,
        seed=9,
        record=False,
        progress=False,
    )
    assert stored == {t.index: pytest.approx(t.scores) for t in (alone.default, *alone.trials)}
    spec = json.loads(search["spec_json"])
    assert spec["seed"] == 9 and spec["space"]["n_neighbors"] == {
        "type": "int",
        "low": 1,
        "high": 40,
        "log": False,
    }
    assert split["fingerprint"] == spec["split_fingerprint"]
    assert json.loads(search["result_json"])["best_index"] == result.best_index
    attached = result.best_estimator_.mlvet_search_
    assert (
        attached["run_id"] == result.run_id
        and attached["best_params"]["n_neighbors"] == result.best_params["n_neighbors"]
    )
    assert result.best_estimator_.get_params()["n_neighbors"] == result.best_params["n_neighbors"]
    assert led.verify().ok
    png = result.plot(tmp_path / "search.png")
    import matplotlib.image as mpimg

    assert mpimg.imread(png).shape[0] > 300


def test_a_shared_search_refuses_a_different_specification(sqlite_url: str) -> None:
    X, y = data()
    # a first worker opens the search and leaves it running (its trials claimed, not done)
    from mlvet.experiments._tune import _open_search

    led = open_ledger(sqlite_url)
    from mlvet.ledger import upgrade

    upgrade(led)
    _open_search(
        led,
        "shared",
        {
            "estimator": {},
            "features": [],
            "sampler": "random",
            "seed": 1,
            "n_trials": 2,
            "scoring": "accuracy",
            "data_fingerprint": "x",
            "split_fingerprint": "y",
        },
        "hash-a",
        [],
        True,
    )
    with pytest.raises(InputError, match="different specification"):
        tune(
            KNeighborsClassifier(),
            SPACE,
            X,
            y,
            scoring="roc_auc",
            cv=CV,
            n_trials=4,
            ledger=sqlite_url,
            name="shared",
            shared=True,
            progress=False,
        )


# --- four worker processes on one PostgreSQL ledger -------------------------------------------
def _worker(url: str, flags: str, k: int, queue: Any) -> None:
    Path(flags, f"ready-{k}").touch()
    while not Path(flags, "go").exists():
        time.sleep(0.01)
    X, y = data(500, seed=11)
    result = tune(
        KNeighborsClassifier(),
        SPACE,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=24,
        seed=2,
        ledger=url,
        name="pool",
        shared=True,
        progress=False,
    )
    queue.put((k, result.run_id, _scores(result), result.best_index))


@pytest.mark.postgres
@pytest.mark.slow
def test_four_worker_processes_share_one_search_through_postgres(
    pg_url: str, tmp_path: Path
) -> None:
    from mlvet.ledger import Ledger, upgrade

    led = Ledger(pg_url, create=True)
    upgrade(led)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(pg_url, str(tmp_path), k, queue)) for k in range(4)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    (tmp_path / "go").touch()
    got = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert len({run_id for _, run_id, _, _ in got}) == 1  # one search, not four
    first = got[0][2]
    assert all(trials == first for _, _, trials, _ in got)
    X, y = data(500, seed=11)
    serial = tune(
        KNeighborsClassifier(),
        SPACE,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=24,
        seed=2,
        record=False,
        progress=False,
    )
    assert _scores(serial) == first and serial.best_index == got[0][3]
    with led.connect() as conn:
        rows = conn.execute(select(s.trials.c.trial_index, s.trials.c.worker)).all()
        runs = conn.execute(select(s.runs.c.status).where(s.runs.c.kind == "tune")).all()
        findings = conn.execute(select(s.findings.c.run_id)).all()
    assert sorted(i for i, _ in rows) == list(range(-1, 24))  # each trial ran once
    assert len({w for _, w in rows}) >= 2  # the work was shared
    assert [r.status for r in runs] == ["completed"]
    assert len(findings) == len(serial.findings)  # written once, by the worker that closed it
    assert led.verify().ok


# --- choices that are estimators -----------------------------------------------------------
def test_estimator_choices_round_trip_are_seeded_and_left_unfitted(sqlite_url: str) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    X, y = data(240, seed=5)
    weak, strong = SVC(C=0.001), SVC(C=100.0)
    pipe = Pipeline([("sc", StandardScaler()), ("clf", LogisticRegression())])
    space = {"clf": Categorical([weak, strong])}
    assert space["clf"].labels() == ["SVC(C=0.001)", "SVC(C=100.0)"]
    for sampler in ("random", "tpe"):
        result = tune(
            pipe,
            space,
            X,
            y,
            scoring="accuracy",
            cv=CV,
            n_trials=8,
            sampler=sampler,
            ledger=sqlite_url,
            name=f"svc-{sampler}",
            progress=False,
        )
        assert {t.params["clf"].C for t in result.trials} == {0.001, 100.0}  # both are tried
        assert result.best_params["clf"] is strong  # the ledger gives back the very choice
        assert result.best_estimator_.named_steps["clf"].C == 100.0
    assert not hasattr(strong, "support_")  # the user's object was never fitted
    forests = {"clf": Categorical([RandomForestClassifier(n_estimators=5), LogisticRegression()])}
    runs = [
        tune(
            pipe,
            forests,
            X,
            y,
            scoring="roc_auc",
            cv=CV,
            n_trials=4,
            n_jobs=n,
            record=False,
            progress=False,
        )
        for n in (None, 2, None)
    ]
    assert _scores(runs[0]) == _scores(runs[1]) == _scores(runs[2])  # forests get the seed


def test_function_parameters_are_described_without_memory_addresses() -> None:
    from sklearn.feature_selection import SelectKBest

    from mlvet.experiments._common import describe_estimator

    described = describe_estimator(make_pipeline(SelectKBest(k=3), LogisticRegression()))
    assert (
        described["params"]["selectkbest__score_func"]
        == "sklearn.feature_selection._univariate_selection.f_classif"
    )
    assert "0x" not in json.dumps(described)


def test_a_search_whose_trials_all_fail_is_closed_and_its_name_reusable(sqlite_url: str) -> None:
    X, y = data(60)
    kwargs: dict[str, Any] = {
        "scoring": "accuracy",
        "cv": CV,
        "n_trials": 3,
        "ledger": sqlite_url,
        "name": "s",
        "shared": True,
        "progress": False,
    }
    with pytest.raises(InputError, match="All 3 trials failed"):
        tune(KNeighborsClassifier(), {"n_neighbors": Int(100, 200)}, X, y, **kwargs)
    fixed = tune(KNeighborsClassifier(), {"n_neighbors": Int(1, 20)}, X, y, **kwargs)
    with open_ledger(sqlite_url).connect() as conn:
        runs = conn.execute(
            select(s.runs.c.id, s.runs.c.status).order_by(s.runs.c.started_at)
        ).all()
        codes = (
            conn.execute(select(s.findings.c.code).where(s.findings.c.run_id == runs[0].id))
            .scalars()
            .all()
        )
    assert [r.status for r in runs] == ["failed", "completed"] and runs[1].id == fixed.run_id
    assert codes == ["TC202"]


def test_edges_of_wide_and_narrow_integer_ranges() -> None:
    from mlvet.experiments._tune import Trial, _edges

    def at(value: Any, dist: Any) -> dict[str, str]:
        return _edges(Trial(0, {"p": value}, 0, [1.0], "ok", 0.0), {"p": dist})

    assert at(995, Int(1, 1000)) == {"p": "upper"}  # within 5% of the end
    assert at(500, Int(1, 1000)) == {}
    assert at(3, Int(1, 3)) == {"p": "upper"} and at(1, Int(1, 3)) == {"p": "lower"}
    assert at(0, Int(0, 1)) == {}  # two values: each is an end
    assert at(2, Int(1, 1000, log=True)) == {}  # 0.1 of the way on the log scale
    assert at(0.97, Uniform(0, 1)) == {"p": "upper"}


def test_more_bad_input_is_named() -> None:
    X, y = data(60)
    space = {"C": LogUniform(0.01, 10)}
    with pytest.raises(InputError, match="not the class LogisticRegression"):
        tune(LogisticRegression, space, X, y, scoring="accuracy", record=False)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="single class"):
        tune(
            LogisticRegression(),
            space,
            X,
            np.zeros(60, dtype=int),
            scoring="accuracy",
            record=False,
        )
    with pytest.raises(InputError, match="classifier but y is continuous"):
        tune(
            LogisticRegression(), space, X, np.linspace(0, 1, 60), scoring="accuracy", record=False
        )
    with pytest.raises(InputError, match="n_jobs must be"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", n_jobs=0, record=False)
    with pytest.raises(InputError, match="two-dimensional"):
        tune(LogisticRegression(), space, X[:, 0], y, scoring="accuracy", record=False)
    with pytest.raises(InputError, match="groups"):
        from sklearn.model_selection import GroupKFold

        tune(LogisticRegression(), space, X, y, scoring="accuracy", cv=GroupKFold(3), record=False)
    groups = np.arange(60) % 4
    from sklearn.model_selection import GroupKFold

    given = list(GroupKFold(4).split(X, y, groups))
    result = tune(
        LogisticRegression(),
        space,
        X,
        y,
        scoring="accuracy",
        cv=given,
        n_trials=3,
        record=False,
        progress=False,
    )
    assert result.spec["n_splits"] == 4
    listed = tune(
        LogisticRegression(),
        space,
        X.tolist(),
        y,
        scoring="accuracy",
        cv=CV,
        n_trials=2,
        record=False,
        progress=False,
    )
    assert np.isfinite(listed.best_score)
    assert json.dumps(result.to_dict(), allow_nan=False)


class Stoppable(KNeighborsClassifier):
    """Stands in for a worker stopped by Ctrl-C in the middle of its trials."""

    stop_at: int | None = None

    def fit(self, X: Any, y: Any) -> Stoppable:
        if Stoppable.stop_at is not None and self.n_neighbors == Stoppable.stop_at:
            raise KeyboardInterrupt
        return super().fit(X, y)  # type: ignore[no-any-return]


def test_a_stopped_shared_worker_gives_its_trials_back(sqlite_url: str) -> None:
    X, y = data()
    space = {"n_neighbors": Int(1, 40)}
    kwargs: dict[str, Any] = {
        "scoring": "roc_auc",
        "cv": CV,
        "n_trials": 8,
        "seed": 3,
        "ledger": sqlite_url,
        "name": "pool",
        "shared": True,
        "progress": False,
    }
    third = sample(space, seed=3, index=3)["n_neighbors"]
    Stoppable.stop_at = third
    try:
        with pytest.raises(KeyboardInterrupt):
            tune(Stoppable(), space, X, y, **kwargs)
    finally:
        Stoppable.stop_at = None
    with open_ledger(sqlite_url).connect() as conn:
        statuses = dict(conn.execute(select(s.trials.c.trial_index, s.trials.c.status)).all())
    assert "released" in statuses.values() and "running" not in statuses.values()
    again = tune(Stoppable(), space, X, y, **kwargs)  # a rerun joins and finishes the search
    alone = tune(
        Stoppable(), space, X, y, **(kwargs | {"shared": False, "record": False, "ledger": None})
    )
    assert _scores(again) == _scores(alone)
    with open_ledger(sqlite_url).connect() as conn:
        runs = conn.execute(select(s.runs.c.status).where(s.runs.c.kind == "tune")).scalars().all()
    assert runs == ["completed"]


def test_numpy_choices_and_given_splits_are_checked(sqlite_url: str) -> None:
    X, y = data(120)
    space = {"C": Categorical(list(np.logspace(-2, 2, 5)))}
    result = tune(
        LogisticRegression(),
        space,
        X,
        y,
        scoring="accuracy",
        cv=CV,
        n_trials=6,
        ledger=sqlite_url,
        progress=False,
    )
    assert result.best_params["C"] in list(np.logspace(-2, 2, 5))
    folds = list(CV.split(X, y))
    leaky = [(np.arange(120), te) for _, te in folds]
    with pytest.raises(InputError, match="on both the train and the test side"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", cv=leaky, record=False)
    floats = [(tr.astype(float), te) for tr, te in folds]
    with pytest.raises(InputError, match="1-D array of integer row positions"):
        tune(LogisticRegression(), space, X, y, scoring="accuracy", cv=floats, record=False)
