"""mlvet.trace: real scikit-learn and imbalanced-learn pipelines, traced with no code change."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline as imb_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import mlvet
from mlvet.exceptions import InputError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger, read_findings
from mlvet.tracing import row_hashes


def data(n: int = 600, *, seed: int = 0, minority: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (rng.random(n) < minority).astype(int)
    X[y == 1, 0] += 1.5
    return X, y


def codes(t: mlvet.Trace) -> list[str]:
    return sorted(f.code for f in t.findings)


def test_scaler_fitted_before_the_split_is_dl301_and_points_at_the_fit() -> None:
    X, y = data()
    with mlvet.trace(record=False) as t:
        Xs = StandardScaler().fit_transform(X)  # the leak: every row
        X_tr, X_te, y_tr, y_te = train_test_split(Xs, y, random_state=0)
        model = LogisticRegression().fit(X_tr, y_tr)
        accuracy_score(y_te, model.predict(X_te))
    assert codes(t) == ["DL301"]
    finding = t.findings[0]
    assert finding.location.path == __file__
    assert finding.evidence["fitted_rows"] == 600
    assert finding.evidence["evaluations"][0]["in_fit"] == 150
    assert "StandardScaler" in finding.message and "LogisticRegression" in finding.message


def test_scaler_fitted_before_split_then_transform_separately_is_caught_too() -> None:
    X, y = data(seed=1)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=1)
    with mlvet.trace(record=False) as t:
        scaler = StandardScaler().fit(X)  # all rows, raw
        model = LogisticRegression().fit(scaler.transform(X_tr), y_tr)
        model.score(scaler.transform(X_te), y_te)
    assert codes(t) == ["DL301"]


def test_honest_split_then_pipeline_has_no_findings_and_records_one_fit() -> None:
    X, y = data(seed=2)
    with mlvet.trace(record=False) as t:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
        pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr)
        roc_auc_score(y_te, pipe.predict_proba(X_te)[:, 1])
    assert t.findings == ()
    ops = [(c.op, c.target) for c in t.calls]
    assert ops == [
        ("split", "train_test_split"),
        ("fit", "Pipeline"),
        ("predict_proba", "Pipeline"),
        ("metric", "roc_auc_score"),
    ]
    metric = t.calls[-1]
    assert metric.link == 2 and metric.link_how == "output"  # a view of the probabilities
    assert metric.value == pytest.approx(roc_auc_score(y_te, pipe.predict_proba(X_te)[:, 1]))


@pytest.mark.parametrize("sampler", [RandomOverSampler(random_state=0), SMOTE(random_state=0)])
def test_oversampling_before_the_split_is_dl302(sampler: object) -> None:
    X, y = data(800, seed=3, minority=0.1)
    with mlvet.trace(record=False) as t:
        X_res, y_res = sampler.fit_resample(X, y)  # type: ignore[attr-defined]
        X_tr, X_te, y_tr, y_te = train_test_split(X_res, y_res, random_state=0)
        model = DecisionTreeClassifier(random_state=0).fit(X_tr, y_tr)
        f1_score(y_te, model.predict(X_te))
    assert "DL302" in codes(t)
    dl302 = next(f for f in t.findings if f.code == "DL302")
    ev = dl302.evidence["evaluations"][0]
    assert ev["rows"] == len(np.unique(row_hashes(X_te)))
    if isinstance(sampler, SMOTE):
        assert dl302.evidence["synthetic_rows"] > 500 and ev["synthetic"] > 0
    else:
        assert dl302.evidence["synthetic_rows"] == 0
        assert "DL303" in codes(t)  # copies of minority rows on both sides


def test_resampling_only_the_training_rows_is_clean() -> None:
    X, y = data(800, seed=4, minority=0.1)
    with mlvet.trace(record=False) as t:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
        X_res, y_res = SMOTE(random_state=0).fit_resample(X_tr, y_tr)
        model = DecisionTreeClassifier(random_state=0).fit(X_res, y_res)
        f1_score(y_te, model.predict(X_te))
    assert t.findings == ()
    with mlvet.trace(record=False) as t:
        pipe = imb_pipeline(StandardScaler(), SMOTE(random_state=0), LogisticRegression())
        pipe.fit(X_tr, y_tr)
        pipe.score(X_te, y_te)
    assert t.findings == ()
    assert [c.op for c in t.calls] == ["fit", "score"]


def test_duplicated_rows_across_the_split_are_dl303() -> None:
    X, y = data(400, seed=5)
    X_all = np.vstack([X, X[:50]])  # 50 exact copies
    y_all = np.concatenate([y, y[:50]])
    order = np.random.default_rng(0).permutation(len(X_all))
    X_all, y_all = X_all[order], y_all[order]
    with mlvet.trace(record=False) as t:
        X_tr, X_te, y_tr, y_te = train_test_split(X_all, y_all, test_size=0.3, random_state=0)
        model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_tr, y_tr)
        model.score(X_te, y_te)
    assert codes(t) == ["DL303"]
    ev = t.findings[0].evidence
    tr = set(row_hashes(X_tr).tolist())
    expected = len({h for h in row_hashes(X_te).tolist() if h in tr})
    assert ev["overlapping_rows"] == expected > 0


def test_training_score_is_not_an_overlap() -> None:
    X, y = data(seed=6)
    with mlvet.trace(record=False) as t:
        model = LogisticRegression().fit(X, y)
        model.score(X, y)
        accuracy_score(y, model.predict(X))
    assert t.findings == ()


def test_several_models_on_one_test_set_is_ge201_and_the_later_fits_ge202() -> None:
    X, y = data(seed=7)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    scores = {}
    with mlvet.trace(record=False) as t:
        for model in (LogisticRegression(), DecisionTreeClassifier(random_state=0), SVC()):
            model.fit(X_tr, y_tr)
            scores[type(model).__name__] = accuracy_score(y_te, model.predict(X_te))
    assert codes(t) == ["GE201", "GE202"]
    ge201 = next(f for f in t.findings if f.code == "GE201")
    reported = {m["estimator"]: m["score"] for m in ge201.evidence["models"]}
    assert reported == pytest.approx(scores)
    ge202 = next(f for f in t.findings if f.code == "GE202")
    assert [f["estimator"] for f in ge202.evidence["later_fits"]] == [
        "DecisionTreeClassifier",
        "SVC",
    ]


def test_validation_then_a_single_test_evaluation_is_clean() -> None:
    X, y = data(900, seed=8)
    X_tr, X_rest, y_tr, y_rest = train_test_split(X, y, test_size=0.4, random_state=0)
    X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)
    with mlvet.trace(record=False) as t:
        best, best_score = None, -1.0
        for c in (0.01, 0.1, 1.0):
            model = LogisticRegression(C=c).fit(X_tr, y_tr)
            score = accuracy_score(y_val, model.predict(X_val))
            if score > best_score:
                best, best_score = model, score
        assert best is not None
        accuracy_score(y_te, best.predict(X_te))
    assert t.findings == ()


def test_cross_validation_and_grid_search_are_honest() -> None:
    X, y = data(seed=9)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    with mlvet.trace(record=False) as t:
        cv = KFold(5, shuffle=True, random_state=0)
        cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X_tr, y_tr, cv=cv)
        search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X_tr, y_tr)
        search.score(X_te, y_te)
    assert t.findings == ()
    cv_preds = [c for c in t.calls if c.in_scoring]
    assert len(cv_preds) == 5 and all(c.value is not None for c in cv_preds)
    split = next(c for c in t.calls if c.op == "split" and c.target == "KFold")
    assert split.params["n_splits"] == 5 and len(split.params["folds"]) == 5
    # GridSearchCV's own inner fits are nested in its fit: one recorded fit
    assert [c.target for c in t.calls if c.op == "fit"].count("GridSearchCV") == 1
    assert "LogisticRegression" not in [c.target for c in t.calls if c.op == "fit"]


def test_work_on_joblib_threads_is_nested_in_the_call_that_started_it() -> None:
    X, y = data(seed=15)
    with mlvet.trace(record=False) as t:
        forest = RandomForestClassifier(n_estimators=8, n_jobs=2, random_state=0).fit(X, y)
        forest.predict_proba(X)
    assert [(c.op, c.target) for c in t.calls] == [
        ("fit", "RandomForestClassifier"),
        ("predict_proba", "RandomForestClassifier"),
    ]


def test_pandas_frames_and_arrays_hash_alike() -> None:
    X, y = data(seed=10)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    with mlvet.trace(record=False) as t:
        scaler = StandardScaler().fit(frame)  # leak through a frame
        X_tr, X_te, y_tr, y_te = train_test_split(frame, y, random_state=0)
        model = LogisticRegression().fit(scaler.transform(X_tr), y_tr)
        accuracy_score(y_te, model.predict(scaler.transform(X_te)))
    assert codes(t) == ["DL301"]
    assert (row_hashes(frame) == row_hashes(X)).all()
    assert (row_hashes(frame.astype({"f0": "float32"}).round(3)) != row_hashes(X)).any()
    ints = np.arange(12).reshape(4, 3)
    assert (row_hashes(ints) == row_hashes(ints.astype(float))).all()
    assert (row_hashes(ints.tolist()) == row_hashes(ints)).all()


def test_classes_defined_inside_the_trace_are_traced() -> None:
    X, y = data(seed=11)
    with mlvet.trace(record=False) as t:

        class Majority(ClassifierMixin, BaseEstimator):
            def fit(self, X: object, y: np.ndarray) -> Majority:
                self.value_ = int(np.bincount(y).argmax())
                return self

            def predict(self, X: np.ndarray) -> np.ndarray:
                return np.full(len(X), self.value_)

        Majority().fit(X[:300], y[:300]).score(X[200:400], y[200:400])
    assert [c.op for c in t.calls] == ["fit", "score"]
    assert codes(t) == ["DL303"]


def test_patches_are_removed_and_behaviour_is_kept() -> None:
    original_fit = LogisticRegression.__dict__.get("fit")
    original_metric = accuracy_score
    with mlvet.trace(record=False):
        assert not hasattr(SVC(probability=False), "predict_proba")  # available_if still works
        assert hasattr(SVC(probability=True), "predict_proba")
        assert LogisticRegression.__dict__.get("fit") is not original_fit
    assert LogisticRegression.__dict__.get("fit") is original_fit
    assert accuracy_score is original_metric
    assert "__init_subclass__" not in vars(BaseEstimator)


def test_failure_inside_the_block_keeps_the_error_and_unpatches() -> None:
    X, y = data(seed=12)
    original_fit = LogisticRegression.__dict__.get("fit")
    with pytest.raises(ValueError), mlvet.trace(record=False) as t:
        LogisticRegression().fit(X, y[:10])
    assert t.status == "failed" and t.calls[0].error == "ValueError"
    assert LogisticRegression.__dict__.get("fit") is original_fit


def test_traces_do_not_nest_and_do_not_rerun() -> None:
    outer = mlvet.trace(record=False)
    with outer, pytest.raises(InputError, match="already active"), mlvet.trace(record=False):
        pass
    with pytest.raises(InputError, match="already run"), outer:
        pass
    with pytest.raises(InputError, match="non-empty"):
        mlvet.trace("")


def test_trace_and_findings_are_recorded(ledger_url: str) -> None:
    X, y = data(seed=13)
    with mlvet.trace("leaky-run", ledger=ledger_url) as t:
        Xs = StandardScaler().fit_transform(X)
        X_tr, X_te, y_tr, y_te = train_test_split(Xs, y, random_state=0)
        LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)
    assert t.run_id is not None
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        run = conn.execute(s.runs.select().where(s.runs.c.id == t.run_id)).mappings().one()
        stored = read_findings(conn, family="DL")
    assert run["kind"] == "trace" and run["name"] == "leaky-run" and run["status"] == "completed"
    params = json.loads(run["params_json"])
    assert [c["op"] for c in params["calls"]] == ["fit_transform", "split", "fit", "score"]
    assert params["calls"][0]["n_rows"] == 600 and len(params["calls"][0]["rowset"]) == 16
    assert [f.code for f in stored] == ["DL301"]
    # the ledger keeps digests of row sets, never row values
    assert f"{Xs[0, 0]:.6f}"[:8] not in run["params_json"]
    assert led.verify().ok
    with mlvet.trace("leaky-run", ledger=ledger_url):  # the same script, fixed
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
        make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr).score(X_te, y_te)
    with led.connect() as conn:
        assert read_findings(conn, family="DL") == []
        assert [f.code for f in read_findings(conn, family="DL", status="superseded")] == ["DL301"]


def test_resampling_a_whole_frame_then_selecting_features_is_dl302() -> None:
    X, y = data(800, seed=14, minority=0.1)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    frame["trade_date"] = pd.date_range("2020-01-01", periods=800, freq="D")
    frame["cusip"] = [f"912828{i % 40:03d}" for i in range(800)]
    frame["fail"] = y
    features = [f"f{i}" for i in range(5)]
    with mlvet.trace(record=False) as t:
        balanced, _ = RandomOverSampler(random_state=0).fit_resample(frame, frame["fail"])  # noqa: DL111
        train, test = train_test_split(balanced, random_state=0)
        model = DecisionTreeClassifier(random_state=0).fit(train[features], train["fail"])
        f1_score(test["fail"], model.predict(test[features]))
    assert {"DL302", "DL303"} <= set(codes(t))
    dl302 = next(f for f in t.findings if f.code == "DL302")
    assert dl302.evidence["evaluations"][0]["through_resampler"] == len(
        np.unique(row_hashes(test[features]))
    )


def test_a_search_and_its_best_estimator_are_one_model() -> None:
    X, y = data(seed=16)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    with mlvet.trace(record=False) as t:
        search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X_tr, y_tr)
        search.score(X_te, y_te)
        roc_auc_score(y_te, search.best_estimator_.predict_proba(X_te)[:, 1])
        pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr)
    assert [f.code for f in t.findings] == ["GE202"]  # only the pipeline fitted afterwards
    with mlvet.trace(record=False) as t:
        pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_tr, y_tr)
        pipe.score(X_te, y_te)
        pipe[-1].predict(pipe[:-1].transform(X_te))
        accuracy_score(y_te, pipe[-1].predict(pipe[:-1].transform(X_te)))
    assert t.findings == ()


def test_validation_and_test_of_equal_size_are_told_apart_by_their_split() -> None:
    X, y = data(1000, seed=17)
    with mlvet.trace(record=False) as t:
        X_tr, X_rest, y_tr, y_rest = train_test_split(X, y, test_size=0.4, random_state=0)
        X_va, X_te, y_va, y_te = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)
        models = [
            LogisticRegression().fit(X_tr, y_tr),
            DecisionTreeClassifier(random_state=0).fit(X_tr, y_tr),
        ]
        scored = []
        for m in models:
            p_val, p_test = m.predict_proba(X_va)[:, 1], m.predict_proba(X_te)[:, 1]
            scored.append((f1_score(y_va, p_val > 0.5), p_test))  # chosen on validation
        best = max(scored, key=lambda s: s[0])
        f1_score(y_te, best[1] > 0.5)  # one test number
    assert t.findings == ()
    metrics = [c for c in t.calls if c.op == "metric"]
    assert [c.link_how for c in metrics] == ["split", "split", "split"]


def test_a_model_fitted_on_all_rows_and_scored_on_the_test_split_is_dl303() -> None:
    X, y = data(seed=18)
    with mlvet.trace(record=False) as t:
        _, X_te, _, y_te = train_test_split(X, y, random_state=0)
        model = LogisticRegression().fit(X, y)  # the split is made, then ignored
        accuracy_score(y_te, model.predict(X_te))
    assert codes(t) == ["DL303"]
    assert t.findings[0].evidence["fraction"] == 1.0


def test_wrappers_do_not_outlive_the_block_even_in_modules_imported_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "late_module.py").write_text("from sklearn.metrics import roc_auc_score\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    X, y = data(seed=19)
    with mlvet.trace(record=False) as t:
        import late_module

    assert late_module.roc_auc_score is roc_auc_score
    model = LogisticRegression().fit(X, y)
    model.predict(X)
    assert t.calls == []


def test_cross_validation_on_joblib_threads_records_every_fold() -> None:
    import joblib

    X, y = data(seed=20)
    with mlvet.trace(record=False) as t, joblib.parallel_backend("threading", n_jobs=2):
        cross_val_score(
            RandomForestClassifier(n_estimators=5, random_state=0), X, y, cv=5, n_jobs=2
        )
    assert sum(c.op == "fit" for c in t.calls) == 5
    assert sum(c.in_scoring for c in t.calls) == 5


def test_traced_methods_stay_bound_methods_and_odd_inputs_are_left_alone() -> None:
    import pickle

    from sklearn.preprocessing import FunctionTransformer

    X, y = data(seed=21)
    loads: list[int] = []

    class Lazy:  # a dataset that loads items when indexed
        def __len__(self) -> int:
            return 10

        def __getitem__(self, i: int) -> np.ndarray:
            loads.append(i)
            return np.ones(3)

    class NoLength:
        def __len__(self) -> int:
            raise RuntimeError("length unknown before compute")

    FunctionTransformer(lambda d: d).fit(Lazy())
    untraced = list(loads)
    loads.clear()
    with mlvet.trace(record=False) as t:
        model = LogisticRegression().fit(X, y)
        method = model.predict
        assert method.__self__ is model and method.__name__ == "predict"
        assert pickle.loads(pickle.dumps(method))(X[:3]).shape == (3,)
        FunctionTransformer(lambda d: d).fit(Lazy())
        FunctionTransformer(lambda d: d).fit(NoLength())
    assert loads == untraced  # the trace itself indexed nothing
    assert [c.n_rows for c in t.calls if c.target == "FunctionTransformer"] == [10, None]


def test_declared_validation_rows_are_not_the_test_set() -> None:
    X, y = data(900, seed=22)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0)

    def select() -> None:
        for c in (0.01, 0.1, 1.0):
            model = LogisticRegression(C=c).fit(X_tr, y_tr)
            accuracy_score(y_va, model.predict(X_va))

    with mlvet.trace(record=False) as t:
        select()
    assert codes(t) == ["GE201", "GE202"]  # without a test set in sight, X_va looks like one
    with mlvet.trace(record=False, validation=X_va) as t:
        select()
    assert t.findings == ()
    with pytest.raises(InputError, match="validation feature rows"):
        mlvet.trace(validation=[X_va, object()])


def test_a_ledger_that_cannot_be_opened_fails_before_the_block_runs(tmp_path: Path) -> None:
    from mlvet.exceptions import LedgerError

    (tmp_path / "blocker").write_text("a file where the ledger's folder should be")
    ran = []
    with pytest.raises(LedgerError), mlvet.trace(ledger=f"sqlite:///{tmp_path}/blocker/l.db"):
        ran.append(1)
    assert ran == [] and LogisticRegression.__dict__.get("fit") is not None
    with mlvet.trace(record=False) as t:  # nothing was left active
        pass
    assert t.status == "completed"


def test_lazy_import_proxies_in_loaded_modules_do_not_break_the_trace() -> None:
    """Optuna keeps lazy-import proxies in its modules' namespaces; looking an attribute up
    on one imports its module (here: one that is not installed). The trace must not."""
    import sys
    import types

    import optuna  # noqa: F401  (its samplers hold such proxies)

    class Proxy:
        def __getattr__(self, name: str) -> object:
            raise ModuleNotFoundError("No module named 'not_installed'")

    holder = types.ModuleType("mlvet_test_lazy_holder")
    holder.cmaes = Proxy()  # type: ignore[attr-defined]
    sys.modules[holder.__name__] = holder
    try:
        X = np.random.default_rng(0).normal(size=(60, 3))
        y = (X[:, 0] > 0).astype(int)
        with mlvet.trace(record=False) as t:
            LogisticRegression().fit(X[:40], y[:40]).score(X[40:], y[40:])
        assert t.findings == ()
    finally:
        del sys.modules[holder.__name__]


def test_linking_metric_calls_digests_each_prediction_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A metric given a list (not the prediction's array) is linked by its row set; each
    prediction's digest is computed once, not again for every later metric call."""
    import mlvet.tracing._trace as traced

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    counted = {"n": 0}
    original = traced.rowset_digest

    def counting(h: np.ndarray) -> str:
        counted["n"] += 1
        return original(h)

    monkeypatch.setattr(traced, "rowset_digest", counting)
    with mlvet.trace(record=False):
        for _ in range(40):
            Xk = rng.normal(size=(200, 3))
            accuracy_score((Xk[:, 0] > 0).astype(int), list(model.predict(Xk)))
    assert counted["n"] <= 40 + 5  # linear in the calls (it was quadratic: ~40 * 41 / 2)
