"""mlvet.Guard: conformal coverage checked over seeds, MAPIE's own sets, routing, bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from mapie.classification import SplitConformalClassifier
from mapie.regression import SplitConformalRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlvet.exceptions import InputError
from mlvet.guard import Guard, min_calibration_size

ALPHA = 0.1


def classes(seed: int, n: int = 5000) -> tuple[np.ndarray, ...]:
    """Three classes, the rarest (10%) also the hardest to tell apart."""
    X, y = make_classification(
        n,
        6,
        n_classes=3,
        n_informative=4,
        weights=[0.6, 0.3, 0.1],
        class_sep=0.7,
        flip_y=0.05,
        random_state=seed,
    )
    return X[:2000], y[:2000], X[2000:], y[2000:]


def sd_of_coverage(n_cal: int, n_test: int, alpha: float = ALPHA) -> float:
    """The spread of one run's coverage: the calibration draw (a Beta with variance about
    alpha(1-alpha)/n_cal) plus the binomial noise of the test rows."""
    return math.sqrt(alpha * (1 - alpha) / n_cal + alpha * (1 - alpha) / n_test)


# --- the guarantee, over seeds -------------------------------------------------------------
def test_split_and_mondrian_classification_cover_at_one_minus_alpha() -> None:
    seeds = range(20)
    got: dict[str, list[float]] = {"split": [], "mondrian": []}
    per_class: dict[str, list[list[float]]] = {"split": [], "mondrian": []}
    for seed in seeds:
        Xa, ya, Xb, yb = classes(seed)
        for method in got:
            guard = Guard(
                LogisticRegression(max_iter=1000), alpha=ALPHA, method=method, random_state=seed
            ).fit(Xa, ya)
            got[method].append(guard.coverage(Xb, yb))
            per_class[method].append([guard.coverage(Xb[yb == k], yb[yb == k]) for k in range(3)])
    sd = sd_of_coverage(500, 3000)
    for method, values in got.items():
        # every run within 4 sd below the target; the mean within 3 sd of the mean's spread
        assert min(values) >= 1 - ALPHA - 4 * sd, method
        assert np.mean(values) >= 1 - ALPHA - 3 * sd / math.sqrt(len(values)), method
        assert np.mean(values) <= 1 - ALPHA + 1 / 501 + 3 * sd / math.sqrt(len(values)), method
    # marginal coverage hides the rare class; Mondrian covers every class
    split_rare = np.mean([c[2] for c in per_class["split"]])
    mondrian = np.mean(per_class["mondrian"], axis=0)
    assert split_rare < 0.8
    rare_sd = sd_of_coverage(50, 300) / math.sqrt(len(seeds))
    assert all(m >= 1 - ALPHA - 3 * rare_sd for m in mondrian), mondrian


def test_regression_and_cross_conformal_cover() -> None:
    split, cross, cross_cls = [], [], []
    for seed in range(12):
        X, y = make_regression(3000, 5, noise=20, random_state=seed)
        split.append(
            Guard(Ridge(), alpha=ALPHA, random_state=seed)
            .fit(X[:1500], y[:1500])
            .coverage(X[1500:], y[1500:])
        )
        if seed < 6:
            cross.append(
                Guard(Ridge(), alpha=ALPHA, method="cross", random_state=seed)
                .fit(X[:1500], y[:1500])
                .coverage(X[1500:], y[1500:])
            )
            Xa, ya, Xb, yb = classes(seed)
            guard = Guard(
                LogisticRegression(max_iter=1000), alpha=ALPHA, method="cross", random_state=seed
            )
            cross_cls.append(guard.fit(Xa, ya).coverage(Xb, yb))
    sd = sd_of_coverage(375, 1500)
    assert min(split) >= 1 - ALPHA - 4 * sd and np.mean(split) >= 1 - ALPHA - 3 * sd / math.sqrt(
        len(split)
    )
    # cross-conformal (CV+) guarantees 1 - 2 alpha; in practice it sits near 1 - alpha
    for values in (cross, cross_cls):
        assert min(values) >= 1 - 2 * ALPHA and np.mean(values) >= 1 - ALPHA - 0.02


# --- built on MAPIE ------------------------------------------------------------------------------
def test_one_pass_sets_and_intervals_are_mapies_own() -> None:
    Xa, ya, Xb, _ = classes(1)
    model = LogisticRegression(max_iter=1000).fit(Xa[:1500], ya[:1500])
    guard = Guard(model, alpha=0.2).calibrate(Xa[1500:], ya[1500:])
    mapie = SplitConformalClassifier(model, confidence_level=0.8, prefit=True).conformalize(
        Xa[1500:], ya[1500:]
    )
    assert np.array_equal(guard.predict_set(Xb), mapie.predict_set(Xb)[1][:, :, 0])
    X, y = make_regression(1200, 4, noise=5, random_state=0)
    reg = LinearRegression().fit(X[:600], y[:600])
    g = Guard(reg, alpha=0.1).calibrate(X[600:900], y[600:900])
    m = SplitConformalRegressor(reg, confidence_level=0.9, prefit=True).conformalize(
        X[600:900], y[600:900]
    )
    assert np.allclose(g.predict_interval(X[900:]), m.predict_interval(X[900:])[1][:, :, 0])


def test_the_minimum_calibration_size_is_the_textbook_one() -> None:
    for alpha in (0.5, 0.2, 0.1, 0.05, 0.01):
        n = min_calibration_size(alpha)
        assert math.ceil((n + 1) * (1 - alpha)) <= n  # a finite quantile
        assert math.ceil(n * (1 - alpha)) > n - 1  # and not with one row fewer
    X, y = make_classification(200, 4, random_state=0)
    with pytest.raises(InputError, match=r"has 50 rows; alpha=0.01 needs at least 99"):
        Guard(LogisticRegression(), alpha=0.01).fit(X, y)


# --- routing ---------------------------------------------------------------------------------------
def test_route_hands_unsure_rows_to_the_fallback_then_to_review() -> None:
    Xa, ya, Xb, _ = classes(3)
    weak = DummyClassifier(strategy="prior")  # never sure: its set is every plausible class
    guard = Guard(
        weak,
        alpha=ALPHA,
        fallback=HistGradientBoostingClassifier(max_iter=60, random_state=0),
        review=True,
    )
    routing = guard.fit(Xa, ya).route(Xb)
    counts = routing.counts()
    assert (
        counts["model"] == 0
        and counts["fallback"] > 0
        and counts["review"] > 0
        and counts["abstain"] == 0
    )
    assert sum(counts.values()) == len(Xb)
    frame = routing.frame()
    taken = frame[frame.decision == "fallback"]
    first = guard.fallback_[0]
    fb_sets = first.estimator.predict_proba(Xb[taken.index]) >= 1 - first.threshold - 1e-8
    assert (fb_sets.sum(axis=1) == 1).all()  # the fallback decides only where it is sure
    assert (taken.prediction.to_numpy() == np.argmax(fb_sets, axis=1)).all()
    assert frame[frame.decision == "review"].reason.str.endswith("queued for review").all()
    assert set(taken.decided_by) == {"fallback 1 (HistGradientBoostingClassifier)"}
    alone = Guard(LogisticRegression(max_iter=1000), alpha=ALPHA).fit(Xa, ya).route(Xb)
    sizes = alone.set_size
    assert set(alone.decision[sizes == 1]) == {"model"} and set(alone.decision[sizes != 1]) <= {
        "abstain"
    }
    assert (
        alone.reason[sizes == 0]
        == "the model's conformal set is empty (no class is plausible); nobody else to ask"
    ).all()


def test_a_fallback_chain_is_tried_in_order() -> None:
    Xa, ya, Xb, _ = classes(4)
    chain = [
        DummyClassifier(strategy="prior"),  # never sure
        LogisticRegression(max_iter=1000),
        HistGradientBoostingClassifier(max_iter=60, random_state=0),
    ]
    guard = Guard(DummyClassifier(strategy="prior"), alpha=ALPHA, fallback=chain, review=True)
    routing = guard.fit(Xa, ya).route(Xb)
    used = set(routing.decided_by)
    assert "fallback 1 (DummyClassifier)" not in used
    assert {
        "fallback 2 (LogisticRegression)",
        "fallback 3 (HistGradientBoostingClassifier)",
    } <= used
    # the third decides only rows the second was unsure of
    second = guard.fallback_[1]
    rows = np.flatnonzero(routing.decided_by == "fallback 3 (HistGradientBoostingClassifier)")
    sets = second.estimator.predict_proba(Xb[rows]) >= 1 - second.threshold - 1e-8
    assert (sets.sum(axis=1) != 1).all()
    assert len(guard.fallback_) == 3


def test_regression_routes_by_interval_width() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = X @ [2.0, -1.0, 0.5] + rng.normal(scale=1.0, size=2000)
    guard = Guard(Ridge(), alpha=0.1, max_width=2.0, review=True).fit(X[:1000], y[:1000])
    width = np.diff(guard.predict_interval(X[1000:]), axis=1).ravel()
    routing = guard.route(X[1000:])
    expected = np.where(width <= 2.0, "model", "review")
    assert (routing.decision == expected).all()


# --- bad input -----------------------------------------------------------------------------------
def test_bad_input_is_named() -> None:
    X, y = make_classification(400, 4, random_state=0)
    for alpha in (0, 1, -0.1, 1.5, "0.1", True):
        with pytest.raises(InputError, match="alpha must"):
            Guard(LogisticRegression(), alpha=alpha).fit(X, y)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="method must be one of"):
        Guard(LogisticRegression(), method="jackknife").fit(X, y)
    with pytest.raises(InputError, match="per class, for classifiers"):
        Guard(Ridge(), method="mondrian").fit(X, y.astype(float))
    with pytest.raises(InputError, match="same kind as the model"):
        Guard(LogisticRegression(), fallback=Ridge()).fit(X, y)
    X_nan = X.copy()
    X_nan[5, 2] = np.nan
    with pytest.raises(InputError, match=r"1 NaN or infinite value.*row 5, column 2"):
        Guard(LogisticRegression()).fit(X_nan, y)
    guard = Guard(LogisticRegression()).fit(X, y)
    with pytest.raises(InputError, match="NaN"):
        guard.route(X_nan)
    with pytest.raises(NotFittedError):
        Guard(LogisticRegression()).route(X)
    with pytest.raises(InputError, match="needs a fitted LogisticRegression"):
        Guard(LogisticRegression()).calibrate(X, y)
    model = LogisticRegression().fit(
        X[y == 0][:50].tolist() + X[y == 1][:50].tolist(), [0] * 50 + [1] * 50
    )
    y3 = y.copy()
    y3[:5] = 2
    with pytest.raises(InputError, match=r"class\(es\) \[2\] that the model never saw"):
        Guard(model).calibrate(X, y3)
    with pytest.raises(InputError, match="rows of every class"):
        Xr, yr = make_classification(300, 4, weights=[0.97], random_state=0)
        Guard(LogisticRegression(), alpha=0.05, method="mondrian").fit(Xr, yr)
    with pytest.raises(InputError, match="predict_set is for classifiers"):
        Guard(Ridge()).fit(X, y.astype(float)).predict_set(X)


# --- the scikit-learn contract -------------------------------------------------------------------
# alpha=0.5 lets the checks' tiny data sets (tens of rows) calibrate at all
EXPECTED = {
    # the check sets any parameter named alpha to 0.01, assuming it is a penalty: 50
    # calibration rows cannot give a 99% threshold, which Guard says, as it should
    "check_regressors_train": "alpha is the miscoverage here, not a penalty",
}


@parametrize_with_checks(
    [Guard(LogisticRegression(), alpha=0.5), Guard(Ridge(), alpha=0.5)],
    expected_failed_checks=lambda est: EXPECTED if not hasattr(est.model, "predict_proba") else {},
)
def test_scikit_learn_contract(estimator: Guard, check: object) -> None:
    check(estimator)  # type: ignore[operator]


# --- calibration evidence ------------------------------------------------------------------------
def test_calibration_numbers_match_scikit_learn_and_tell_calibrated_from_overconfident(
    tmp_path: Any,
) -> None:
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    from mlvet.guard import calibration_report

    rng = np.random.default_rng(0)
    p = rng.uniform(0.001, 0.999, 20_000)
    y = (rng.uniform(size=p.size) < p).astype(int)  # calibrated by construction
    honest = calibration_report(y, p, n_bins=10)
    assert honest.brier == pytest.approx(brier_score_loss(y, p))
    acc, conf = calibration_curve(y, p, n_bins=10)
    assert [c["accuracy"] for c in honest.curve] == pytest.approx(acc)
    assert [c["confidence"] for c in honest.curve] == pytest.approx(conf)
    assert honest.ece < 0.02
    sharp = np.clip(0.5 + 1.8 * (p - 0.5), 0.001, 0.999)  # overconfident: pushed to 0 and 1
    loud = calibration_report(y, sharp, n_bins=10)
    assert loud.ece > 0.08 and loud.brier > honest.brier  # the mean gap is about 0.1
    seg = calibration_report(y, p, segments=np.where(np.arange(p.size) % 2, "odd", "even"))
    assert set(seg.segments) == {"even", "odd"} and all(
        v["ece"] < 0.03 for v in seg.segments.values()
    )
    png = honest.plot(tmp_path / "reliability.png")
    import matplotlib.image as mpimg

    assert mpimg.imread(png).shape[0] > 400
    page = seg.to_html(title="fails <model>")
    assert (
        "data:image/png;base64," in page
        and "fails &lt;model&gt;" in page
        and "<td>odd</td>" in page
    )


def test_guard_reports_calibration_and_calibration_input_is_checked() -> None:
    from mlvet.guard import calibration_report

    Xa, ya, Xb, yb = classes(5)
    guard = Guard(LogisticRegression(max_iter=1000)).fit(Xa, ya)
    report = guard.calibration_report(Xb, yb)
    assert report.task == "top-label" and 0 < report.ece < 0.1 and report.n == len(yb)
    with pytest.raises(InputError, match="do not sum to 1"):
        calibration_report([0, 1], [[0.5, 0.6], [0.2, 0.8]])
    with pytest.raises(InputError, match="outside"):
        calibration_report([0, 1], [1.2, 0.3])
    with pytest.raises(InputError, match=r"pass classes=model\.classes_"):
        calibration_report([0, 0], [[0.5, 0.5], [0.2, 0.8]])
