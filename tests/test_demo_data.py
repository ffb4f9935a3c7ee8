"""The synthetic settlement-fails data set behind ``mlvet demo``.

scikit-learn and scipy are not dependencies of mlvet, so rank AUC, logistic regression
and the Kolmogorov-Smirnov statistic are written out with numpy below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.tseries.holiday import GoodFriday, USFederalHolidayCalendar

from mlvet.demo._data import (
    FAIL_THRESHOLD_BN,
    REGIME_SHIFT,
    REPORTING_LAGS,
    corrupt_batch,
    daily_batches,
    settlement_fails,
)
from mlvet.exceptions import InputError

EXPECTED_COLUMNS = [
    "trade_date",
    "cusip",
    "tenor",
    "on_the_run",
    "issue_size_bn",
    "intraday_volume_bn",
    "repo_specialness_bp",
    "price_volatility_bp",
    "dealer_position_bn",
    "fails_prev_day_bn",
    "fail",
]
FLOAT_COLUMNS = [
    "issue_size_bn",
    "intraday_volume_bn",
    "repo_specialness_bp",
    "price_volatility_bp",
    "dealer_position_bn",
    "fails_prev_day_bn",
]
ALLOWED_TENORS = {"2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y"}
LEGIT_FEATURES = [
    "repo_specialness_bp",
    "price_volatility_bp",
    "on_the_run",
    "fails_prev_day_bn",
    "intraday_volume_bn",
    "issue_size_bn",
]


# --- numpy stand-ins for sklearn / scipy ---------------------------------------------


def rank_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic, ties counted half."""
    y = np.asarray(y).astype(bool)
    ranks = pd.Series(np.asarray(score, dtype=float)).rank().to_numpy()
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


class Logit:
    """L2-regularised logistic regression on standardised features (Newton steps)."""

    def __init__(self, l2: float = 1e-3, iterations: int = 30) -> None:
        self.l2, self.iterations = l2, iterations

    def _design(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(x)), (x - self.mean) / self.scale])

    def fit(self, x: np.ndarray, y: np.ndarray) -> Logit:
        self.mean, self.scale = x.mean(axis=0), x.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        z = self._design(x)
        w = np.zeros(z.shape[1])
        for _ in range(self.iterations):
            p = 1.0 / (1.0 + np.exp(-(z @ w)))
            grad = z.T @ (p - y) + self.l2 * w
            hess = (z * (p * (1 - p))[:, None]).T @ z + self.l2 * np.eye(len(w))
            w -= np.linalg.solve(hess, grad)
        self.coef = w
        return self

    def decision(self, x: np.ndarray) -> np.ndarray:
        return self._design(x) @ self.coef


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov D."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def cusip_check_digit(base: str) -> int:
    total = 0
    for i, char in enumerate(base):
        value = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        if i % 2:
            value *= 2
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return settlement_fails()


def period(frame: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    """Rows with start <= trade_date < end."""
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame["trade_date"] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame["trade_date"] < pd.Timestamp(end)
    return frame[mask]


def legit_matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame[LEGIT_FEATURES].astype(float).fillna(0.0).to_numpy()


# --- shape, types, calendar ----------------------------------------------------------


def test_constants() -> None:
    assert REPORTING_LAGS == {"dealer_position_bn": 1}
    assert pd.Timestamp(REGIME_SHIFT) == pd.Timestamp("2020-03-09")


def test_same_seed_gives_identical_frame(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(settlement_fails(seed=7), frame)
    small = {"n_securities": 5, "start": "2019-06-03", "end": "2019-07-31", "seed": 123}
    pd.testing.assert_frame_equal(settlement_fails(**small), settlement_fails(**small))


def test_different_seed_gives_different_frame(frame: pd.DataFrame) -> None:
    other = settlement_fails(seed=8)
    assert other.shape == frame.shape
    assert not other.equals(frame)
    assert not np.allclose(other["intraday_volume_bn"], frame["intraday_volume_bn"])
    assert (other["fail"] != frame["fail"]).any()


def test_columns_and_dtypes(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == EXPECTED_COLUMNS
    assert isinstance(frame.index, pd.RangeIndex)
    assert frame.index[0] == 0 and frame.index[-1] == len(frame) - 1
    assert frame["trade_date"].dtype == np.dtype("datetime64[ns]")
    assert isinstance(frame["cusip"].dtype, pd.StringDtype)
    assert isinstance(frame["tenor"].dtype, pd.CategoricalDtype)
    assert set(frame["tenor"].cat.categories) == ALLOWED_TENORS
    assert frame["on_the_run"].dtype == np.dtype(bool)
    for column in FLOAT_COLUMNS:
        assert frame[column].dtype == np.dtype("float64"), column
    assert frame["fail"].dtype == np.dtype("int8")
    assert set(frame["fail"].unique()) == {0, 1}


def test_default_size(frame: pd.DataFrame) -> None:
    # 1044 weekdays from 2018-01-02 to 2021-12-31, less 43 bond-market holidays.
    assert frame["cusip"].nunique() == 60
    assert frame["trade_date"].nunique() == 1001
    assert len(frame) == 60 * 1001


def test_no_weekends_or_holidays(frame: pd.DataFrame) -> None:
    days = pd.DatetimeIndex(frame["trade_date"].unique())
    assert (days.day_of_week < 5).all()
    federal = USFederalHolidayCalendar().holidays("2018-01-01", "2021-12-31")
    # The bond market stayed open on Juneteenth 2021 and on 2021-12-31.
    closed = federal.difference(pd.DatetimeIndex(["2021-06-18", "2021-12-31"]))
    closed = closed.union(GoodFriday.dates("2018-01-01", "2021-12-31"))
    assert len(closed) == 44
    assert not days.isin(closed).any()
    # Every other weekday is there.
    weekdays = pd.bdate_range("2018-01-02", "2021-12-31")
    expected = weekdays[~weekdays.isin(closed)]
    assert days.equals(pd.DatetimeIndex(expected.values.astype("datetime64[ns]")))
    assert (days.year == 2019).sum() == 250


def test_one_row_per_security_day_sorted(frame: pd.DataFrame) -> None:
    assert not frame.duplicated(["cusip", "trade_date"]).any()
    per_security = frame.groupby("cusip")["trade_date"].nunique()
    assert (per_security == frame["trade_date"].nunique()).all()
    assert frame["trade_date"].is_monotonic_increasing
    ordered = frame.sort_values(["trade_date", "cusip"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(ordered, frame)


def test_securities_are_consistent(frame: pd.DataFrame) -> None:
    cusips = frame["cusip"].unique().tolist()
    assert all(len(c) == 9 and c.startswith("912828") for c in cusips)
    assert all(int(c[-1]) == cusip_check_digit(c[:8]) for c in cusips)
    per_security = frame.groupby("cusip").agg(
        tenors=("tenor", "nunique"), sizes=("issue_size_bn", "nunique")
    )
    assert (per_security["tenors"] == 1).all()
    assert (per_security["sizes"] == 1).all()
    assert frame["issue_size_bn"].between(20, 80).all()
    assert frame["tenor"].nunique() >= 5
    # The ids do not depend on the seed, only on how many securities are asked for.
    assert settlement_fails(n_securities=60, start="2018-01-02", end="2018-01-02", seed=99)[
        "cusip"
    ].tolist() == sorted(cusips)


def test_value_ranges(frame: pd.DataFrame) -> None:
    assert (frame["intraday_volume_bn"] > 0).all()
    assert (frame["price_volatility_bp"] > 0).all()
    assert frame[FLOAT_COLUMNS[:-1]].notna().all().all()
    special = period(frame, None, REGIME_SHIFT)["repo_specialness_bp"]
    assert (special >= 0).all()
    assert special.between(0, 50).mean() > 0.95
    assert special.max() > 100  # spikes
    assert 0.10 <= frame["on_the_run"].mean() <= 0.20
    assert frame.groupby("cusip")["on_the_run"].any().mean() > 0.9
    # On-the-run issues trade more.
    by_otr = frame.groupby("on_the_run")["intraday_volume_bn"].median()
    assert by_otr[True] > 1.5 * by_otr[False]


# --- label, regime shift, leakage ----------------------------------------------------


@pytest.mark.parametrize("seed", [7, 11])
def test_positive_rates_per_period(seed: int) -> None:
    frame = settlement_fails(seed=seed)
    before = period(frame, None, REGIME_SHIFT)["fail"].mean()
    stress = period(frame, REGIME_SHIFT, "2020-06-01")["fail"].mean()
    after = period(frame, "2020-07-01", None)["fail"].mean()
    assert 0.06 <= before <= 0.10
    assert 0.15 <= stress <= 0.25
    assert after < 0.13
    assert stress > before + 0.08 and stress > after + 0.08


def test_regime_shift_moves_the_inputs(frame: pd.DataFrame) -> None:
    calm = period(frame, "2019-09-01", REGIME_SHIFT)
    stress = period(frame, REGIME_SHIFT, "2020-06-01")
    late = period(frame, "2021-01-01", None)
    for column in ["price_volatility_bp", "intraday_volume_bn", "repo_specialness_bp"]:
        assert ks_statistic(calm[column].to_numpy(), stress[column].to_numpy()) > 0.3, column
        assert stress[column].mean() > 1.5 * calm[column].mean(), column
        # Partial reversion: back down, but not all the way.
        assert calm[column].mean() < late[column].mean() < stress[column].mean(), column
    # The week before the shift looks like the calm period.
    week_before = period(frame, "2020-03-02", REGIME_SHIFT)["price_volatility_bp"]
    assert week_before.mean() < 1.5 * calm["price_volatility_bp"].mean()


def test_relationship_between_inputs_and_fail_changes(frame: pd.DataFrame) -> None:
    columns = ["on_the_run", "intraday_volume_bn"]

    def coefficients(rows: pd.DataFrame) -> np.ndarray:
        x = np.column_stack(
            [
                np.log1p(rows["repo_specialness_bp"]),
                np.log(rows["price_volatility_bp"]),
                rows["on_the_run"],
                np.log(rows["intraday_volume_bn"]),
                rows["fails_prev_day_bn"].fillna(0.0) > FAIL_THRESHOLD_BN,
                rows["dealer_position_bn"],
            ]
        ).astype(float)
        return Logit(l2=1e-6).fit(x, rows["fail"].to_numpy(float)).coef[[3, 4]]

    before = dict(zip(columns, coefficients(period(frame, None, REGIME_SHIFT)), strict=True))
    stress = dict(
        zip(columns, coefficients(period(frame, REGIME_SHIFT, "2020-06-01")), strict=True)
    )
    after = dict(zip(columns, coefficients(period(frame, "2020-09-01", None)), strict=True))
    assert before["intraday_volume_bn"] < 0 < stress["intraday_volume_bn"]
    assert after["intraday_volume_bn"] > 0
    assert before["on_the_run"] > after["on_the_run"] + 0.15


def test_fails_prev_day_is_yesterdays_fails(frame: pd.DataFrame) -> None:
    prev = frame["fails_prev_day_bn"]
    first_day = frame["trade_date"] == frame["trade_date"].min()
    assert prev[first_day].isna().all()
    assert prev[~first_day].notna().all()
    assert (prev[~first_day] >= 0).all()
    # fail is 1 exactly when the day's fails exceed the threshold, and the day's fails
    # are what the next business day reports as fails_prev_day_bn.
    yesterday_failed = frame.groupby("cusip")["fail"].shift(1)
    reported = prev > FAIL_THRESHOLD_BN
    assert (yesterday_failed[~first_day] == reported[~first_day].astype(int)).all()
    assert frame.groupby("cusip")["fail"].last().notna().all()


def test_fails_persist_from_day_to_day(frame: pd.DataFrame) -> None:
    yesterday = frame.groupby("cusip")["fail"].shift(1)
    rate_after_fail = frame.loc[yesterday == 1, "fail"].mean()
    rate_after_clean = frame.loc[yesterday == 0, "fail"].mean()
    assert rate_after_fail > 2 * rate_after_clean


def test_same_day_dealer_position_leaks(frame: pd.DataFrame) -> None:
    lag = REPORTING_LAGS["dealer_position_bn"]
    frame = frame.assign(
        dealer_as_published=frame.groupby("cusip")["dealer_position_bn"].shift(lag)
    )
    usable = frame["dealer_as_published"].notna()
    y = frame.loc[usable, "fail"].to_numpy()
    # Short (negative) positions fail more, so score with the negated position.
    same_day = rank_auc(y, -frame.loc[usable, "dealer_position_bn"].to_numpy())
    published = rank_auc(y, -frame.loc[usable, "dealer_as_published"].to_numpy())
    assert same_day > 0.68
    assert 0.5 < published < 0.62
    assert same_day > published + 0.1


def honest_and_leaky_auc(frame: pd.DataFrame) -> tuple[float, float]:
    train, test = period(frame, None, "2019-01-01"), period(frame, "2019-01-01", "2020-01-01")
    y_train, y_test = train["fail"].to_numpy(float), test["fail"].to_numpy(float)
    honest = Logit().fit(legit_matrix(train), y_train)
    honest_auc = rank_auc(y_test, honest.decision(legit_matrix(test)))

    def with_dealer(rows: pd.DataFrame) -> np.ndarray:
        return np.column_stack([legit_matrix(rows), rows["dealer_position_bn"]])

    leaky = Logit().fit(with_dealer(train), y_train)
    return honest_auc, rank_auc(y_test, leaky.decision(with_dealer(test)))


def test_honest_model_is_useful_but_not_perfect(frame: pd.DataFrame) -> None:
    honest_auc, _ = honest_and_leaky_auc(frame)
    assert 0.65 < honest_auc < 0.9


def test_leaky_model_scores_inflated(frame: pd.DataFrame) -> None:
    honest_auc, leaky_auc = honest_and_leaky_auc(frame)
    assert leaky_auc > honest_auc + 0.05


def test_random_split_scores_differ_from_time_split(frame: pd.DataFrame) -> None:
    # Sanity check for the temporal-leakage chapter: the fail rate is not stationary,
    # so a random split mixes stress days into training and test alike.
    monthly = frame.groupby(frame["trade_date"].dt.to_period("M"))["fail"].mean()
    assert monthly.max() > 2.5 * monthly.loc["2019"].mean()


# --- daily batches and corruption ----------------------------------------------------


def test_daily_batches_replays_the_frame_in_order() -> None:
    frame = settlement_fails(n_securities=4, start="2020-03-02", end="2020-03-20")
    batches = list(daily_batches(frame))
    days = [day for day, _ in batches]
    assert days == sorted(frame["trade_date"].unique())
    assert all(isinstance(day, pd.Timestamp) for day in days)
    for day, batch in batches:
        assert (batch["trade_date"] == day).all()
        assert isinstance(batch.index, pd.RangeIndex)
        assert len(batch) == 4
    rebuilt = pd.concat([batch for _, batch in batches], ignore_index=True)
    pd.testing.assert_frame_equal(rebuilt, frame)


def test_daily_batches_needs_trade_date() -> None:
    with pytest.raises(InputError, match="trade_date"):
        next(daily_batches(pd.DataFrame({"x": [1]})))


@pytest.fixture
def batch(frame: pd.DataFrame) -> pd.DataFrame:
    day, rows = next(iter(daily_batches(period(frame, "2021-02-01", None))))
    assert day == pd.Timestamp("2021-02-01")
    return rows


def test_corrupt_batch_introduces_each_defect(batch: pd.DataFrame) -> None:
    bad = corrupt_batch(batch, seed=1)
    assert list(bad.columns) == list(batch.columns)
    for column in batch.columns:
        if column != "tenor":
            assert bad[column].dtype == batch[column].dtype, column
    assert isinstance(bad["tenor"].dtype, pd.CategoricalDtype)

    negative = bad["intraday_volume_bn"] < 0
    no_cusip = bad["cusip"].isna()
    bad_tenor = ~bad["tenor"].isin(ALLOWED_TENORS)
    absurd = bad["price_volatility_bp"] >= 1e5
    duplicated = bad.duplicated(["cusip", "trade_date"], keep=False) & ~no_cusip
    for defect in [negative, no_cusip, bad_tenor, absurd]:
        assert 1 <= defect.sum() <= 3
    assert set(bad.loc[bad_tenor, "tenor"]) == {"15Y"}
    assert duplicated.sum() == 2
    assert len(bad) == len(batch) + 1
    # A few rows are touched, the rest is the batch as it was.
    defective = negative | no_cusip | bad_tenor | absurd | duplicated
    assert defective.sum() <= 15
    clean = bad[~defective].assign(tenor=lambda d: d["tenor"].astype(str))
    original = batch.assign(tenor=lambda d: d["tenor"].astype(str))
    merged = clean.merge(original, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_corrupt_batch_does_not_modify_its_input(batch: pd.DataFrame) -> None:
    before = batch.copy(deep=True)
    corrupt_batch(batch, seed=5)
    pd.testing.assert_frame_equal(batch, before)


def test_corrupt_batch_is_deterministic(batch: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(corrupt_batch(batch, seed=3), corrupt_batch(batch, seed=3))
    assert not corrupt_batch(batch, seed=3).equals(corrupt_batch(batch, seed=4))


@pytest.mark.parametrize("n_rows", [1, 2, 5])
def test_corrupt_batch_small_batches(batch: pd.DataFrame, n_rows: int) -> None:
    bad = corrupt_batch(batch.iloc[:n_rows])
    assert len(bad) == n_rows + 1
    assert bad["cusip"].isna().any()
    assert (bad["tenor"] == "15Y").any()
    assert (bad["intraday_volume_bn"] < 0).any()
    assert (bad["price_volatility_bp"] >= 1e5).any()


def test_corrupt_batch_rejects_empty_or_foreign_frames(batch: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="at least one row"):
        corrupt_batch(batch.iloc[:0])
    with pytest.raises(InputError, match="missing"):
        corrupt_batch(batch.drop(columns=["cusip"]))


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_securities": 0},
        {"n_securities": 10_000},
        {"n_securities": 2.5},
        {"start": "2020-01-10", "end": "2020-01-01"},
        {"start": "not a date"},
    ],
)
def test_bad_arguments_raise_input_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        settlement_fails(**kwargs)  # type: ignore[arg-type]


def test_short_range_small_universe() -> None:
    frame = settlement_fails(n_securities=3, start="2020-04-06", end="2020-04-17", seed=1)
    # 2020-04-10 is Good Friday.
    assert frame["trade_date"].nunique() == 9
    assert pd.Timestamp("2020-04-10") not in set(frame["trade_date"])
    assert len(frame) == 27
    assert list(frame.columns) == EXPECTED_COLUMNS
