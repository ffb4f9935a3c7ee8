"""A synthetic US Treasury settlement-fails data set for ``mlvet demo``.

The demo retells a case study from *Using AntiPatterns to avoid MLOps Mistakes*
(Muralidhar et al., 2021): a bank's service forecasts, per security and business day,
whether settlement of a US Treasury security will *fail*, from intraday metrics.
:func:`settlement_fails` builds a deterministic stand-in for that data: one row per
(security, US bond-market business day) with these columns:

``trade_date``            the business day (weekdays minus the SIFMA bond-market holidays
                          of 2018–2021, hard-coded below; other years drop weekends only)
``cusip``                 a 9-character CUSIP-like id, ``912828`` + 2 chars + check digit
``tenor``                 original maturity, ``2Y`` … ``30Y`` (categorical, per security)
``on_the_run``            whether the security is the newest issue of its tenor that day
``issue_size_bn``         amount outstanding, USD bn (per security)
``intraday_volume_bn``    traded volume, USD bn (lognormal; more for on-the-run issues)
``repo_specialness_bp``   general-collateral minus special repo rate, bp (spikes)
``price_volatility_bp``   intraday price volatility, bp
``dealer_position_bn``    the dealers' net position, USD bn (short positions fail more)
``fails_prev_day_bn``     the security's fails on the previous business day, USD bn
``fail``                  label: 1 when the day's fails exceed :data:`FAIL_THRESHOLD_BN`

The label is a noisy logistic function of the inputs, so an honest model reaches an
AUC of about 0.75, not 0.99. Two traps are built in for the leakage chapters:

*Reporting lag ("Peek-a-Boo").* ``dealer_position_bn`` is a value *for* ``trade_date``
that is only published one business day later (:data:`REPORTING_LAGS`). Same-day it is
a strong predictor of ``fail``; the value actually available at forecast time — the
previous day's, ``groupby("cusip").shift(1)`` — is only weakly predictive. A model
trained on the column as stored looks far better than it can be in production.

*Regime shift.* From :data:`REGIME_SHIFT` (2020-03-09, the COVID-19 market stress)
volatility, volume, repo specialness and dealer positions jump, the fail rate rises
from about 8% to over 20%, and the relationship between inputs and ``fail`` changes
(concept drift). From June 2020 the market partly reverts: the inputs settle at a level
above the pre-2020 one and the relationship stays somewhat different from before.
Because fails cluster in time and persist from day to day, a random split of the rows
leaks the future into training; split by ``trade_date`` instead.

:func:`daily_batches` replays the frame one business day at a time, as a monitoring
job would receive it, and :func:`corrupt_batch` adds the mistakes of a hand-prepared
file for the data-quality chapter.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from mlvet.exceptions import InputError

__all__ = [
    "COLUMNS",
    "FAIL_THRESHOLD_BN",
    "REGIME_SHIFT",
    "REPORTING_LAGS",
    "TENORS",
    "corrupt_batch",
    "daily_batches",
    "settlement_fails",
]

#: Business days after ``trade_date`` at which a column's value is published.
REPORTING_LAGS: dict[str, int] = {"dealer_position_bn": 1}

#: First business day of the March 2020 stress regime.
REGIME_SHIFT: str = "2020-03-09"

#: A security-day is labelled ``fail = 1`` when its fails exceed this amount (USD bn).
FAIL_THRESHOLD_BN: float = 0.25

#: The allowed tenors, in maturity order.
TENORS: tuple[str, ...] = ("2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y")

#: Column order of :func:`settlement_fails`.
COLUMNS: tuple[str, ...] = (
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
)

# SIFMA full closes of the US bond market, 2018-2021 (observed dates). The market stayed
# open on Juneteenth 2021 and on 2021-12-31.
_HOLIDAYS = (
    # New Year, MLK, Presidents, Good Friday, Memorial, Independence, Labor, Columbus,
    # Veterans, Thanksgiving, Christmas
    "2018-01-01", "2018-01-15", "2018-02-19", "2018-03-30", "2018-05-28", "2018-07-04",
    "2018-09-03", "2018-10-08", "2018-11-12", "2018-11-22", "2018-12-25",
    "2019-01-01", "2019-01-21", "2019-02-18", "2019-04-19", "2019-05-27", "2019-07-04",
    "2019-09-02", "2019-10-14", "2019-11-11", "2019-11-28", "2019-12-25",
    "2020-01-01", "2020-01-20", "2020-02-17", "2020-04-10", "2020-05-25", "2020-07-03",
    "2020-09-07", "2020-10-12", "2020-11-11", "2020-11-26", "2020-12-25",
    "2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31", "2021-07-05",
    "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24",
)  # fmt: skip

_TENOR_DTYPE = pd.CategoricalDtype(list(TENORS), ordered=True)
_TENOR_WEIGHTS = np.array([0.20, 0.15, 0.20, 0.15, 0.15, 0.05, 0.10])
_TENOR_VOL_BP = np.array([2.5, 3.0, 4.0, 4.5, 5.0, 6.0, 6.5])  # calm-market volatility

_CUSIP_PREFIX = "912828"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # CUSIP character values 0..35
_ISSUE_CHARS = _ALNUM.replace("I", "").replace("O", "")  # issue numbers skip I and O
_MAX_SECURITIES = len(_ISSUE_CHARS) ** 2

_STRESS_END = "2020-06-01"  # first day of the partial reversion
_REVERSION_DAYS = 20.0  # e-folding time of the reversion, business days
_RESIDUAL_STRESS = 0.3  # share of the stress that never reverts

# Fail model: logit = coef . [1, specialness, volatility, on_the_run, volume, prev fails,
# dealer position] + noise. "stress" applies in full from REGIME_SHIFT and decays to
# _RESIDUAL_STRESS; "after" is added from _STRESS_END on (a lasting change).
_COEF_CALM = np.array([-3.50, 0.75, 0.75, 0.80, -0.20, 1.80, -1.40])
_COEF_STRESS = np.array([-4.10, 0.90, 0.90, 0.30, 0.35, 1.80, -1.40])
_COEF_AFTER = np.array([-0.20, 0.20, -0.20, -0.40, 0.20, 0.00, 0.00])
_LOGIT_NOISE_SD = 0.4


def _business_days(start: str, end: str) -> pd.DatetimeIndex:
    try:
        days = pd.bdate_range(start, end)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"start and end must be dates such as '2018-01-02', got {start!r} and {end!r}."
        ) from exc
    days = days[~days.isin(pd.DatetimeIndex(_HOLIDAYS))]
    if len(days) == 0:
        raise InputError(
            f"No business days between start={start!r} and end={end!r}; pass start <= end."
        )
    return pd.DatetimeIndex(days.values.astype("datetime64[ns]"))


def _check_digit(base: str) -> str:
    """The CUSIP check digit ("modulus 10 double add double") of an 8-character base."""
    total = 0
    for i, char in enumerate(base):
        value = _ALNUM.index(char)
        if i % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def _cusips(n: int) -> list[str]:
    # A fixed stride through the 34**2 issue numbers: the same ids for every seed.
    width = len(_ISSUE_CHARS)
    numbers = sorted((100 + 577 * i) % _MAX_SECURITIES for i in range(n))
    bases = [_CUSIP_PREFIX + _ISSUE_CHARS[k // width] + _ISSUE_CHARS[k % width] for k in numbers]
    return [base + _check_digit(base) for base in bases]


def _regime(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Stress intensity in [0, 1] per day, and the 0/1 flag of the post-stress period."""
    shift, stress_end = pd.Timestamp(REGIME_SHIFT), pd.Timestamp(_STRESS_END)
    after = np.asarray(days >= stress_end)
    since_end = np.cumsum(after) - 1.0  # business days since _STRESS_END
    decay = _RESIDUAL_STRESS + (1.0 - _RESIDUAL_STRESS) * np.exp(-since_end / _REVERSION_DAYS)
    stress = np.where(after, decay, np.asarray(days >= shift, dtype=float))
    return stress, after.astype(float)


def settlement_fails(
    *, n_securities: int = 60, start: str = "2018-01-02", end: str = "2021-12-31", seed: int = 7
) -> pd.DataFrame:
    """One row per (security, business day) of synthetic Treasury settlement data.

    See the module docstring for the columns, the reporting lag of
    ``dealer_position_bn`` and the March 2020 regime shift. The frame is sorted by
    ``trade_date`` then ``cusip`` and fully determined by the arguments.

    >>> frame = settlement_fails(n_securities=3, start="2020-03-02", end="2020-03-13")
    >>> frame.shape
    (30, 11)
    >>> frame["cusip"].unique().tolist()
    ['9128282W9', '9128282Y5', '912828KX7']
    >>> int((frame["trade_date"].dt.day_name() == "Monday").sum())
    6
    >>> int(frame["fails_prev_day_bn"].isna().sum())  # the first day of each security
    3
    """
    if isinstance(n_securities, bool) or not isinstance(n_securities, int | np.integer):
        raise InputError(f"n_securities must be an int, got {n_securities!r}.")
    if not 1 <= n_securities <= _MAX_SECURITIES:
        raise InputError(
            f"n_securities must be between 1 and {_MAX_SECURITIES}, got {n_securities}."
        )
    days = _business_days(start, end)
    rng = np.random.default_rng(seed)
    n_days, n_sec = len(days), int(n_securities)
    stress, after = _regime(days)
    stress_col = stress[:, None]

    # Per security.
    tenor_code = rng.choice(len(TENORS), size=n_sec, p=_TENOR_WEIGHTS)
    issue_size = rng.uniform(20.0, 80.0, size=n_sec)
    base_vol = _TENOR_VOL_BP[tenor_code] * np.exp(rng.normal(0.0, 0.1, size=n_sec))
    base_special = rng.uniform(0.0, 8.0, size=n_sec)
    dealer_mean = rng.normal(0.3, 0.4, size=n_sec)
    otr_share = rng.uniform(0.10, 0.20, size=n_sec)
    otr_len = np.rint(otr_share * n_days).astype(int)
    otr_start = rng.integers(0, n_days - otr_len + 1)
    day_idx = np.arange(n_days)[:, None]
    on_the_run = (day_idx >= otr_start) & (day_idx < otr_start + otr_len)
    otr = on_the_run.astype(float)

    # Market-wide log-volatility factor: AR(1), common to all securities on a day.
    market_shock = rng.normal(0.0, 0.08, size=n_days)
    market = np.empty(n_days)
    level = 0.0
    for t in range(n_days):
        level = 0.95 * level + market_shock[t]
        market[t] = level
    market_col = market[:, None]

    volatility = base_vol * np.exp(
        market_col + 0.9 * stress_col + rng.normal(0.0, 0.25, size=(n_days, n_sec))
    )
    volume = (
        issue_size
        * 0.04
        * np.exp(
            0.9 * otr
            + 0.5 * stress_col
            + 0.3 * market_col
            + rng.normal(0.0, 0.45, size=(n_days, n_sec))
        )
    )

    # Repo specialness: a mean-reverting level plus decaying spikes, more of both in stress.
    special_shock = rng.normal(0.0, 4.0, size=(n_days, n_sec))
    jump = (rng.random((n_days, n_sec)) < 0.015 + 0.05 * stress_col) * rng.exponential(
        1.0, size=(n_days, n_sec)
    )
    jump *= 40.0 + 40.0 * stress_col
    special_noise = np.empty((n_days, n_sec))
    noise, spike = np.zeros(n_sec), np.zeros(n_sec)
    for t in range(n_days):
        noise = 0.8 * noise + special_shock[t]
        spike = 0.75 * spike + jump[t]
        special_noise[t] = noise + spike
    raw_special = base_special + 15.0 * otr + 10.0 * stress_col + special_noise
    specialness = 300.0 * np.tanh(np.maximum(raw_special, 0.0) / 300.0)  # fails-charge cap

    # Dealer net position: security mean plus nearly independent daily moves, so the
    # same-day value is informative and yesterday's value much less so.
    dealer = (
        dealer_mean
        + 0.5 * stress_col
        + (0.8 + 0.4 * stress_col) * rng.normal(0.0, 1.0, size=(n_days, n_sec))
    )

    # Fail model, run day by day because yesterday's fails feed today's.
    weight = stress[:, None] * (_COEF_STRESS - _COEF_CALM) + after[:, None] * _COEF_AFTER
    coef = _COEF_CALM + weight  # (n_days, 7)
    features = np.stack(
        [
            np.ones((n_days, n_sec)),
            specialness / 20.0 - 0.5,
            np.log(volatility / 4.0),
            otr,
            np.log(volume / 2.0),
            np.zeros((n_days, n_sec)),  # previous-day fails, filled in the loop
            dealer,
        ],
        axis=-1,
    )
    logit_noise = rng.normal(0.0, _LOGIT_NOISE_SD, size=(n_days, n_sec))
    draw = rng.random((n_days, n_sec))
    fail_excess = rng.lognormal(-0.5, 1.0, size=(n_days, n_sec))
    small_fail = rng.random((n_days, n_sec))
    small_size = rng.random((n_days, n_sec))
    amount = np.empty((n_days, n_sec))
    fail = np.empty((n_days, n_sec), dtype=bool)
    prev = np.zeros(n_sec)
    for t in range(n_days):
        features[t, :, 5] = np.log1p(prev / FAIL_THRESHOLD_BN)
        logit = features[t] @ coef[t] + logit_noise[t]
        failed = draw[t] < 1.0 / (1.0 + np.exp(-logit))
        small = np.where(small_fail[t] < 0.5, 0.0, 0.999 * FAIL_THRESHOLD_BN * small_size[t])
        prev = np.where(failed, FAIL_THRESHOLD_BN * (1.004 + fail_excess[t]), small)
        amount[t], fail[t] = prev, failed
    prev_amount = np.vstack([np.full((1, n_sec), np.nan), amount[:-1]])

    n_rows = n_days * n_sec
    frame = pd.DataFrame(
        {
            "trade_date": np.repeat(days.values, n_sec),
            "cusip": pd.array(np.tile(_cusips(n_sec), n_days), dtype=pd.StringDtype()),
            "tenor": pd.Categorical.from_codes(np.tile(tenor_code, n_days), dtype=_TENOR_DTYPE),
            "on_the_run": on_the_run.reshape(n_rows),
            "issue_size_bn": np.tile(np.round(issue_size, 2), n_days),
            "intraday_volume_bn": np.maximum(np.round(volume, 4), 1e-4).reshape(n_rows),
            "repo_specialness_bp": np.round(specialness, 2).reshape(n_rows),
            "price_volatility_bp": np.maximum(np.round(volatility, 2), 0.01).reshape(n_rows),
            "dealer_position_bn": np.round(dealer, 4).reshape(n_rows),
            "fails_prev_day_bn": np.round(prev_amount, 4).reshape(n_rows),
            "fail": fail.reshape(n_rows).astype(np.int8),
        },
        columns=list(COLUMNS),
    )
    return frame


def daily_batches(frame: pd.DataFrame) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """Yield ``(trade_date, rows of that day)`` in date order, as a daily feed would.

    Each batch is a copy with a fresh ``RangeIndex``.

    >>> frame = settlement_fails(n_securities=3, start="2021-03-01", end="2021-03-05")
    >>> [(day.date().isoformat(), len(batch)) for day, batch in daily_batches(frame)][:2]
    [('2021-03-01', 3), ('2021-03-02', 3)]
    """
    if "trade_date" not in frame.columns:
        raise InputError(
            f"daily_batches needs a 'trade_date' column, got columns {list(frame.columns)}."
        )
    for day, batch in frame.groupby("trade_date", sort=True, observed=True):
        yield pd.Timestamp(day), batch.reset_index(drop=True)  # type: ignore[arg-type]


def corrupt_batch(batch: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """A copy of ``batch`` with the mistakes of a hand-prepared file.

    A few rows each get: a negative ``intraday_volume_bn``, a null ``cusip``, a
    ``tenor`` of ``"15Y"`` (added to the categories, so the column stays categorical),
    an absurd ``price_volatility_bp`` of 1e6; and one row appears twice (same ``cusip``
    and ``trade_date``), right after itself. Columns and dtypes are otherwise unchanged
    and ``batch`` is not modified. Different rows carry different defects when the batch
    has enough rows.

    >>> batch = settlement_fails(n_securities=20, start="2021-03-01", end="2021-03-01")
    >>> bad = corrupt_batch(batch)
    >>> len(bad), int(bad["cusip"].isna().sum()), int((bad["tenor"] == "15Y").sum())
    (21, 1, 1)
    >>> int((bad["intraday_volume_bn"] < 0).sum()), int((bad["price_volatility_bp"] > 1e5).sum())
    (1, 1)
    """
    missing = [c for c in COLUMNS if c not in batch.columns]
    if missing:
        raise InputError(f"corrupt_batch needs the columns of settlement_fails; missing {missing}.")
    if len(batch) == 0:
        raise InputError("corrupt_batch needs a batch with at least one row, got an empty one.")
    rng = np.random.default_rng(seed)
    out = batch.reset_index(drop=True).copy(deep=True)
    n_rows = len(out)
    per_defect = max(1, min(3, n_rows // 20))
    # Defects: negative volume, null cusip, bad tenor, absurd volatility, duplicate.
    order = rng.permutation(n_rows)
    picks = np.resize(order, 4 * per_defect + 1)
    negative = picks[:per_defect]
    no_cusip = picks[per_defect : 2 * per_defect]
    bad_tenor = picks[2 * per_defect : 3 * per_defect]
    absurd = picks[3 * per_defect : 4 * per_defect]
    if n_rows > 4 * per_defect:
        duplicate = int(picks[4 * per_defect])
    else:  # too small to keep defects apart: duplicate a row that keeps its cusip
        keep = [i for i in order.tolist() if i not in set(no_cusip.tolist())]
        duplicate = keep[0] if keep else int(order[0])

    # out has a RangeIndex, so labels are positions.
    volume = out["intraday_volume_bn"].to_numpy()[negative]
    out.loc[negative, "intraday_volume_bn"] = -np.abs(volume) - 0.5
    out.loc[no_cusip, "cusip"] = pd.NA
    if "15Y" not in out["tenor"].cat.categories:
        out["tenor"] = out["tenor"].cat.add_categories(["15Y"])
    out.loc[bad_tenor, "tenor"] = "15Y"
    out.loc[absurd, "price_volatility_bp"] = 1e6
    rows = np.insert(np.arange(n_rows), duplicate + 1, duplicate)
    return out.iloc[rows].reset_index(drop=True)
