"""mlvet.ablate: Shapley values against textbook games, LOCO against hand-made CV, credit findings."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, RepeatedStratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from mlvet.exceptions import InputError
from mlvet.experiments import Defaults, Features, ablate, shapley_exact
from mlvet.experiments._ablate import _permutations, permutation_contributions
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger

CV = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)


def _subsets(k: int) -> list[frozenset[int]]:
    return [frozenset(c) for size in range(k + 1) for c in combinations(range(k), size)]


# --- the games ------------------------------------------------------------------------------
def test_exact_shapley_matches_the_textbook_three_player_game() -> None:
    # v(12)=90, v(13)=80, v(23)=70, v(123)=120, singletons 0: Shapley (45, 40, 35)
    v = {frozenset(): 0.0, frozenset({0}): 0.0, frozenset({1}): 0.0, frozenset({2}): 0.0}
    v |= {frozenset({0, 1}): 90.0, frozenset({0, 2}): 80.0, frozenset({1, 2}): 70.0}
    v[frozenset({0, 1, 2})] = 120.0
    assert shapley_exact(v, 3) == pytest.approx([45.0, 40.0, 35.0])
    # the glove game: player 0 holds a left glove, 1 and 2 right gloves -> (2/3, 1/6, 1/6)
    glove = {s_: float(0 in s_ and bool(s_ & {1, 2})) for s_ in _subsets(3)}
    assert shapley_exact(glove, 3) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_additive_games_give_each_player_its_own_value_by_both_methods() -> None:
    a = np.array([0.3, -0.1, 0.05, 0.2, 0.0, 0.12, -0.04, 0.08])
    v = {s_: float(sum(a[i] for i in s_)) for s_ in _subsets(8)}
    assert shapley_exact(v, 8) == pytest.approx(a)
    contrib = permutation_contributions(v, _permutations(8, 6, seed=0), 8)
    assert contrib.mean(axis=0) == pytest.approx(a)


def test_permutation_sampling_converges_to_exact_and_is_efficient() -> None:
    rng = np.random.default_rng(1)
    k = 7
    v = {s_: float(len(s_) ** 1.5 + rng.normal(scale=0.3)) for s_ in _subsets(k)}
    v[frozenset()] = 0.0
    exact = shapley_exact(v, k)
    contrib = permutation_contributions(v, _permutations(k, 4000, seed=2), k)
    assert contrib.mean(axis=0) == pytest.approx(exact, abs=0.05)
    # every order's contributions add up to v(all) - v(none)
    assert contrib.sum(axis=1) == pytest.approx(np.full(4000, v[frozenset(range(k))]))


# --- a real pipeline ----------------------------------------------------------------------------
def _frame(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "amount": rng.normal(size=n) * 1000,  # on a scale that swamps KNN without scaling
            "rate": rng.normal(size=n),
            "noise1": rng.normal(size=n),
            "noise2": rng.normal(size=n),
        }
    )
    y = ((X.amount / 1000 + X.rate + 0.5 * rng.normal(size=n)) > 0).astype(int).to_numpy()
    return X, y


COMPONENTS = {
    "scaling": "standardscaler",
    "signal": Features(["amount", "rate"]),
    "noise": Features(["noise1", "noise2"]),
    "k=25": Defaults(),
}


def test_credit_goes_where_the_signal_is_and_loco_matches_hand_made_cv(sqlite_url: str) -> None:
    X, y = _frame()
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=25))
    result = ablate(pipe, X, y, components=COMPONENTS, scoring="roc_auc", cv=CV, ledger=sqlite_url)
    signal, scaling, noise = (result.credit(n) for n in ("signal", "scaling", "noise"))
    assert signal.shapley > scaling.shapley > 0 and signal.shapley_low > 0
    assert noise.shapley_low < 0 < noise.shapley_high  # noise earns nothing shown
    total = sum(c.shapley for c in result.credits)
    assert total == pytest.approx(result.full_score - result.empty_score)
    assert result.empty_score == pytest.approx(0.5)  # no feature at all: a prior dummy
    full = cross_val_score(pipe, X, y, cv=CV, scoring="roc_auc")
    unscaled = cross_val_score(
        make_pipeline("passthrough", KNeighborsClassifier(n_neighbors=25)),
        X,
        y,
        cv=CV,
        scoring="roc_auc",
    )
    assert result.full_score == pytest.approx(full.mean())
    assert scaling.loco == pytest.approx((full - unscaled).mean())
    assert "exact Shapley over 16 subsets" in result.method and result.n_configs == 16
    with open_ledger(sqlite_url).connect() as conn:
        run = conn.execute(select(s.runs).where(s.runs.c.id == result.run_id)).mappings().one()
        row = conn.execute(select(s.ablations)).mappings().one()
    assert (
        run["kind"] == "ablate"
        and json.loads(run["params_json"])["components"]["scaling"] == "standardscaler"
    )
    stored = {c["name"]: c["shapley"] for c in json.loads(row["result_json"])["credits"]}
    assert stored["signal"] == pytest.approx(signal.shapley)
    assert "signal" in str(result) and result.table().index[0] == "signal"


def test_crediting_the_wrong_component_is_a_finding(tmp_path: Path) -> None:
    X, y = _frame(seed=1)
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=25))
    wrong = ablate(
        pipe, X, y, components=COMPONENTS, scoring="roc_auc", cv=CV, credited="noise", record=False
    )
    assert [f.code for f in wrong.findings] == ["CA201"]
    assert "'signal' earns" in wrong.findings[0].message
    right = ablate(
        pipe, X, y, components=COMPONENTS, scoring="roc_auc", cv=CV, credited="signal", record=False
    )
    assert right.findings == ()
    png = wrong.plot(tmp_path / "waterfall.png")
    import matplotlib.image as mpimg

    assert mpimg.imread(png).shape[1] > 500


def test_more_than_six_components_are_sampled_by_permutation() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 7))
    weights = np.array([3.0, 2.0, 1.0, 0.5, 0.0, 0.0, 0.0])
    y = X @ weights + rng.normal(size=300)
    comps = {f"x{i}": Features([i]) for i in range(7)}
    result = ablate(
        Ridge(),
        X,
        y,
        components=comps,
        scoring="r2",
        cv=KFold(5, shuffle=True, random_state=0),
        n_permutations=24,
        record=False,
    )
    assert result.method.startswith("permutation Shapley (24 orders")
    shap = [result.credit(f"x{i}").shapley for i in range(7)]
    assert shap[0] > shap[1] > shap[2] > shap[3] > max(shap[4:])
    assert sum(shap) == pytest.approx(result.full_score - result.empty_score)


def test_a_configuration_that_cannot_fit_is_recorded_not_fatal() -> None:
    X, y = _frame(200, seed=2)
    X = X.copy()
    X.iloc[::7, 1] = np.nan  # without the imputer the model cannot fit
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression())
    result = ablate(
        pipe,
        X,
        y,
        components={"impute": "simpleimputer", "scale": "standardscaler"},
        scoring="roc_auc",
        cv=CV,
        record=False,
    )
    assert any("impute" not in key for key in result.failures)
    assert all("NaN" in msgs[0] for msgs in result.failures.values())
    assert np.isfinite(result.full_score)


def test_bad_components_are_refused_with_what_exists() -> None:
    X, y = _frame(100)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    cases = [
        (
            {"s": "scaler"},
            "not a step of the pipeline; steps are \\['standardscaler', 'logisticregression'\\]",
        ),
        ({"f": Features(["nope"])}, "columns \\['nope'\\] are not in X"),
        ({"f": Features([])}, "names no column"),
        (
            {"a": Features(["rate"]), "b": Features(["rate", "amount"])},
            "more than one feature group",
        ),
        ({"d": Defaults("missing")}, "names no step"),
        ({"x": 3}, "use a step name"),
        ({}, "components is empty"),
    ]
    for comps, message in cases:
        with pytest.raises(InputError, match=message):
            ablate(pipe, X, y, components=comps, scoring="roc_auc", cv=CV, record=False)
    with pytest.raises(InputError, match="credited='nope' is not a component"):
        ablate(
            pipe,
            X,
            y,
            components=["standardscaler"],
            scoring="roc_auc",
            cv=CV,
            credited="nope",
            record=False,
        )
    with pytest.raises(InputError, match="needs at least 3 folds"):
        ablate(
            pipe, X, y, components=["standardscaler"], scoring="roc_auc", cv=KFold(2), record=False
        )


def test_columns_defaults_and_final_steps_are_checked() -> None:
    import polars as pl
    from sklearn.feature_selection import SelectKBest
    from sklearn.pipeline import Pipeline

    X, y = _frame(160, seed=4)
    pipe = Pipeline(
        [("sc", StandardScaler()), ("sel", SelectKBest(k=2)), ("clf", LogisticRegression(C=0.1))]
    )
    with pytest.raises(InputError, match="both components"):
        ablate(
            pipe,
            X,
            y,
            components={"tuned": Defaults("sel"), "sel": "sel"},
            scoring="roc_auc",
            cv=CV,
            record=False,
        )
    with pytest.raises(InputError, match="final estimator"):
        ablate(pipe, X, y, components=["sc", "clf"], scoring="roc_auc", cv=CV, record=False)
    with pytest.raises(InputError, match="Write Features\\(\\['rate'\\]\\)"):
        ablate(
            pipe, X, y, components={"f": Features("rate")}, scoring="roc_auc", cv=CV, record=False
        )
    with pytest.raises(InputError, match="names no step"):
        ablate(
            pipe, X, y, components={"d": Defaults("clf__C")}, scoring="roc_auc", cv=CV, record=False
        )
    # the tuned C and k are reset to LogisticRegression's and SelectKBest's defaults
    reset = ablate(
        pipe,
        X,
        y,
        components={"C": Defaults("clf"), "k": Defaults("sel")},
        scoring="roc_auc",
        cv=CV,
        record=False,
    )
    assert reset.failures == {}
    by_position = ablate(
        LogisticRegression(),
        pd.DataFrame(X.to_numpy()),
        y,
        components={"g": Features([0, 1])},
        scoring="roc_auc",
        cv=CV,
        record=False,
    )
    as_polars = ablate(
        LogisticRegression(),
        pl.from_pandas(X),
        y,
        components={"g": Features(["amount", "rate"])},
        scoring="roc_auc",
        cv=CV,
        record=False,
    )
    assert by_position.credit("g").shapley == pytest.approx(as_polars.credit("g").shapley)
    assert json.dumps(as_polars.to_dict(), allow_nan=False)
