"""check_split: leakage checks on split data, with planted leaks of known size."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mlvet import Ledger, open_ledger
from mlvet.exceptions import InputError
from mlvet.leakage import SplitReport, check_split
from mlvet.ledger import _schema as s

ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas": lambda df: df.reset_index(drop=True),
    "polars": lambda df: pl.from_pandas(df.reset_index(drop=True)),
    "pyarrow": lambda df: pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False),
}
CHECK_NAMES = {
    "exact-overlap",
    "near-duplicates",
    "group-overlap",
    "temporal-order",
    "peek-a-boo",
    "class-ratio",
    "target-proxy",
}


def frame(n: int, seed: int = 0, prefix: str = "r") -> pd.DataFrame:
    """Distinct rows: an id, four floats, a small int, a category and a weak binary label."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = 0.8 * x[:, 0] - 1.5
    return pd.DataFrame(
        {
            "rid": [f"{prefix}{i}" for i in range(n)],
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "x4": x[:, 3],
            "k": rng.integers(0, 5, n),
            "cat": rng.choice(["alpha", "beta", "gamma", "delta"], n),
            "y": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64),
        }
    )


def codes(report: SplitReport) -> list[str]:
    return [f.code for f in report]


def the(report: SplitReport, code: str) -> Any:
    (finding,) = [f for f in report if f.code == code]
    return finding


# --- the report ----------------------------------------------------------------------------


def test_clean_split_passes_and_names_every_check() -> None:
    df = frame(1000)
    report = check_split(df.iloc[:800], df.iloc[800:], target="y", id="rid")
    assert set(report.checks) == CHECK_NAMES
    assert report.ok and len(report) == 0 and list(report) == []
    assert report.checks["exact-overlap"] == "passed"
    assert report.checks["target-proxy"] == "passed"
    assert report.checks["group-overlap"] == "skipped: no group= column given"
    assert report.checks["temporal-order"].startswith("skipped:")
    assert (report.n_train, report.n_test, report.run_id) == (800, 200, None)
    data = report.to_dict()
    assert json.loads(json.dumps(data))["checks"] == report.checks
    text = str(report)
    assert "exact-overlap" in text and text.endswith("All clear.")
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(report.rich_table())
    assert "class-ratio" in console.export_text()


# --- DL201 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_exact_overlap_counts_the_planted_copies(engine: str) -> None:
    df = frame(1000, seed=1)
    train, test = df.iloc[:800].copy(), df.iloc[800:].copy()
    rng = np.random.default_rng(7)
    test_pos = np.sort(rng.choice(200, 37, replace=False))
    train_pos = rng.choice(800, 37, replace=False)
    features = [c for c in df.columns if c != "rid"]
    test.iloc[test_pos, [df.columns.get_loc(c) for c in features]] = train.iloc[train_pos][
        features
    ].to_numpy()
    test = test.astype(df.dtypes.to_dict())
    to = ENGINES[engine]
    report = check_split(to(train), to(test), target="y", id="rid")
    f = the(report, "DL201")
    assert f.evidence["n_test_rows"] == 37 and f.evidence["n_train_rows"] == 37
    assert f.evidence["fraction"] == pytest.approx(37 / 200)
    planted_test = [test["rid"].iloc[p] for p in test_pos[:5]]
    planted_train = [train["rid"].iloc[p] for p in train_pos[:5]]
    assert f.evidence["test_examples"] == planted_test
    assert f.evidence["train_examples"] == planted_train
    assert "37 of 200 test rows (18.5%)" in f.message
    assert report.checks["exact-overlap"] == "failed" and not report.ok
    # without id= the examples are row positions
    plain = check_split(
        to(train).drop("rid") if engine == "polars" else to(train.drop(columns="rid")),
        to(test.drop(columns="rid")),
    )
    assert the(plain, "DL201").evidence["test_examples"] == [int(p) for p in test_pos[:5]]


def test_nulls_equal_nulls_and_the_id_is_not_compared() -> None:
    train = pd.DataFrame({"id": [1, 2, 3], "a": [1.0, np.nan, 3.0], "s": ["x", None, "z"]})
    test = pd.DataFrame({"id": [4, 5], "a": [np.nan, 9.0], "s": [None, "q"]})
    f = the(check_split(train, test, id="id"), "DL201")
    assert f.evidence["pairs"] == [{"test": 4, "train": 2}]


def test_int_and_float_sides_compare_by_value() -> None:
    train = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    test = pd.DataFrame({"a": [2.0, np.nan], "b": ["y", "y"]})
    assert the(check_split(train, test), "DL201").evidence["n_test_rows"] == 1


def test_different_representations_of_equal_values_match() -> None:
    train = pd.DataFrame(
        {
            "cat": pd.Categorical(["a", "b", "c"]),
            "n": np.array([1, 2, 3], dtype=np.int32),
            "when": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]).as_unit("us"),
        }
    )
    test = pa.table(
        {
            "cat": pa.array(["b", "z"], pa.large_string()),
            "n": pa.array([2, 9], pa.int64()),
            "when": pa.array(pd.to_datetime(["2020-01-02", "2020-01-09"]), pa.timestamp("ns")),
        }
    )
    report = check_split(train, test, source=None)
    assert the(report, "DL201").evidence["pairs"] == [{"test": 0, "train": 1}]
    lazy = check_split(pl.from_pandas(train).lazy(), test)
    assert the(lazy, "DL201").evidence["n_test_rows"] == 1


# --- DL202 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_near_duplicates_found_at_the_ninth_digit_not_the_second(engine: str) -> None:
    df = frame(600, seed=2)
    # put x1 on the 6-digit grid so the planted change cannot straddle a rounding boundary
    df["x1"] = [float(f"{v:.6g}") for v in df["x1"]]
    train, test = df.iloc[:500].copy(), df.iloc[500:].copy()
    near = list(range(0, 40, 2))  # 20 test rows become near copies of train rows 100..119
    far = list(range(1, 21, 2))  # 10 test rows differ in the 2nd significant digit
    cols = [c for c in df.columns if c != "rid"]
    for i, pos in enumerate(near):
        test.iloc[pos, 1:] = train.iloc[100 + i][cols].to_numpy()
        test.iloc[pos, test.columns.get_loc("x1")] = train["x1"].iloc[100 + i] * (1 + 2e-9)
        test.iloc[pos, test.columns.get_loc("cat")] = (
            "  " + train["cat"].iloc[100 + i].upper() + " "
        )
    for i, pos in enumerate(far):
        test.iloc[pos, 1:] = train.iloc[200 + i][cols].to_numpy()
        test.iloc[pos, test.columns.get_loc("x1")] = train["x1"].iloc[200 + i] * 1.11
        test.iloc[pos, test.columns.get_loc("cat")] = train["cat"].iloc[200 + i].upper()
    test = test.astype(df.dtypes.to_dict())
    to = ENGINES[engine]
    report = check_split(to(train), to(test), id="rid")
    assert "DL201" not in codes(report)
    f = the(report, "DL202")
    assert f.severity.value == "warning" and report.ok  # a warning does not fail the report
    assert f.evidence["n_test_rows"] == 20
    assert f.evidence["test_examples"] == [test["rid"].iloc[p] for p in near[:5]]
    assert f.evidence["train_examples"] == [train["rid"].iloc[100 + i] for i in range(5)]
    assert set(f.evidence["differing_columns"]) == {"x1", "cat"}
    # with 9 significant digits the perturbed copies are no longer near
    strict = check_split(to(train), to(test), id="rid", near_digits=10)
    assert strict.checks["near-duplicates"] == "passed"


def test_near_duplicates_exclude_exact_copies() -> None:
    train = pd.DataFrame({"a": [1.5, 2.5], "s": ["Hello World", "b"]})
    test = pd.DataFrame({"a": [1.5, 2.5000000001], "s": ["Hello World", "B"]})
    report = check_split(train, test)
    assert the(report, "DL201").evidence["n_test_rows"] == 1
    assert the(report, "DL202").evidence["n_test_rows"] == 1


# --- DL203 ---------------------------------------------------------------------------------


def grouped(n_entities: int = 100, per: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = frame(n_entities * per, seed=3)
    df["acct"] = np.repeat([f"A{i:03d}" for i in range(n_entities)], per)
    in_train = df["acct"] < "A080"
    leaked = df["acct"].isin([f"A{i:03d}" for i in range(80, 85)]) & (
        df.groupby("acct").cumcount() < 2
    )
    return df[in_train | leaked], df[~in_train & ~leaked]


@pytest.mark.parametrize("engine", ENGINES)
def test_group_overlap_counts_entities_and_rows(engine: str) -> None:
    train, test = grouped()
    to = ENGINES[engine]
    f = the(check_split(to(train), to(test), group="acct", id="rid"), "DL203")
    ev = f.evidence
    assert (ev["n_shared_entities"], ev["n_test_entities"]) == (5, 20)
    assert (ev["n_test_rows"], ev["n_train_rows"]) == (40, 10)
    assert ev["fraction_test_rows"] == pytest.approx(40 / 190)
    assert ev["entity_examples"] == ["A080", "A081", "A082", "A083", "A084"]
    assert f.location.field == "acct"


def test_group_overlap_with_two_columns_and_null_entities() -> None:
    train = pd.DataFrame({"desk": ["a", "a", None], "book": [1, 2, 3], "v": [0.1, 0.2, 0.3]})
    test = pd.DataFrame({"desk": ["a", "b", None], "book": [2, 2, 3], "v": [0.4, 0.5, 0.6]})
    f = the(check_split(train, test, group=["desk", "book"]), "DL203")
    assert f.evidence["n_shared_entities"] == 1
    assert f.evidence["entity_examples"] == [{"desk": "a", "book": 2}]
    assert f.evidence["rows_without_entity"] == {"train": 1, "test": 1}
    clean = check_split(train, test.assign(desk=["c", "b", None]), group=["desk", "book"])
    assert clean.checks["group-overlap"] == "passed"


# --- DL204 ---------------------------------------------------------------------------------


def daily(days: list[int], tz: str | None = None) -> pd.DataFrame:
    start = pd.Timestamp("2020-01-01", tz=tz)
    df = frame(len(days), seed=4, prefix="d")
    df["day"] = [start + pd.Timedelta(days=d) for d in days]
    return df


@pytest.mark.parametrize("engine", ENGINES)
def test_temporal_overlap_span_and_counts(engine: str) -> None:
    to = ENGINES[engine]
    train, test = daily([*range(80), 85]), daily([d for d in range(80, 100) if d != 85])
    f = the(check_split(to(train), to(test), time="day"), "DL204")
    ev = f.evidence
    assert ev["train_span"] == ev["test_span"] == ["2020-03-21T00:00:00", "2020-03-26T00:00:00"]
    assert (ev["n_train_rows_in_span"], ev["n_test_rows_in_span"]) == (1, 5)
    assert ev["train_examples"] == [80] and ev["test_examples"] == [0, 1, 2, 3, 4]


def test_temporal_order_with_a_horizon() -> None:
    train, test = daily(list(range(80))), daily(list(range(80, 100)))
    assert check_split(train, test, time="day").checks["temporal-order"] == "passed"
    f = the(check_split(train, test, time="day", horizon="3D"), "DL204")
    assert f.evidence["train_span"] == ["2020-03-18T00:00:00", "2020-03-20T00:00:00"]
    assert f.evidence["test_span"] == ["2020-03-21T00:00:00", "2020-03-23T00:00:00"]
    assert (f.evidence["n_train_rows_in_span"], f.evidence["n_test_rows_in_span"]) == (2, 2)
    gap = daily(list(range(77)))
    assert (
        check_split(gap, test, time="day", horizon=pd.Timedelta(days=3)).checks["temporal-order"]
        == "passed"
    )
    import datetime as dt

    assert (
        check_split(gap, test, time="day", horizon=dt.timedelta(days=5)).checks["temporal-order"]
        == "failed"
    )
    # with no horizon a shared timestamp is an overlap: test must be strictly later
    touching = check_split(daily(list(range(81))), test, time="day")
    assert the(touching, "DL204").evidence["n_test_rows_in_span"] == 1


def test_temporal_order_with_dates_and_time_zones() -> None:
    train, test = daily(list(range(10)), tz="Europe/Paris"), daily(list(range(5, 15)), tz="UTC")
    f = the(check_split(train, test, time="day"), "DL204")
    # midnight in Paris is 23:00 UTC the day before: train days 6..9 (Paris) follow 5 Jan UTC
    assert f.evidence["n_train_rows_in_span"] == 4
    assert f.evidence["train_span"][1] == "2020-01-09T23:00:00+00:00"  # compared as UTC instants
    dates_train, dates_test = daily(list(range(10))), daily(list(range(9, 15)))
    dates_train["day"] = dates_train["day"].dt.date
    dates_test["day"] = dates_test["day"].dt.date
    f = the(check_split(dates_train, dates_test, time="day"), "DL204")
    assert f.evidence["train_span"] == f.evidence["test_span"] == ["2020-01-10", "2020-01-10"]


# --- DL205 ---------------------------------------------------------------------------------


def imbalanced(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    return pd.DataFrame(
        {"a": rng.normal(size=n) + y, "b": rng.normal(size=n), "c": rng.integers(0, 50, n), "y": y}
    )


def oversample(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Random oversampling of the minority class until the classes are even."""
    pos, neg = df[df.y == 1], df[df.y == 0]
    extra = pos.iloc[rng.integers(0, len(pos), len(neg) - len(pos))]
    return pd.concat([df, extra], ignore_index=True)


def split(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = rng.permutation(len(df))
    cut = int(0.8 * len(df))
    return df.iloc[idx[:cut]], df.iloc[idx[cut:]]


def test_oversampling_before_the_split_is_flagged() -> None:
    source = imbalanced()
    rng = np.random.default_rng(11)
    train, test = split(oversample(source, rng), rng)
    report = check_split(train, test, target="y")
    f = the(report, "DL205")
    assert f.evidence["basis"] == "copies" and f.evidence["oversampled_class"] == 1
    assert f.evidence["copy_rate"] > 0.5 and f.evidence["copy_rate_other"] < 0.05
    assert "DL201" in codes(report)
    with_source = the(check_split(train, test, target="y", source=source), "DL205")
    assert with_source.evidence["basis"] == "source"
    assert with_source.evidence["minority_share_source"] == pytest.approx(source.y.mean())
    assert with_source.evidence["ratio"] > 4


def test_honest_split_and_balanced_data_are_not_flagged() -> None:
    source = imbalanced()
    rng = np.random.default_rng(12)
    train, test = split(source, rng)
    train = oversample(train, rng)  # resampling only the training rows is the right way
    report = check_split(train, test, target="y")
    assert report.checks["class-ratio"].startswith("skipped: test classes are not balanced (0: ")
    assert check_split(train, test, target="y", source=source).checks["class-ratio"] == "passed"
    balanced = imbalanced().assign(y=lambda d: np.arange(len(d)) % 2)
    tr, te = balanced.iloc[:2400], balanced.iloc[2400:]
    natural = check_split(tr, te, target="y")
    assert "DL205" not in codes(natural)
    assert natural.checks["class-ratio"].startswith("skipped: test classes are balanced")
    assert check_split(tr, te, target="y", source=balanced).checks["class-ratio"] == "passed"


def test_a_small_test_set_is_not_flagged_by_chance() -> None:
    source = imbalanced(n=2000)
    test = pd.concat([source[source.y == 1].iloc[:3], source[source.y == 0].iloc[:12]])
    report = check_split(source.iloc[1000:], test, target="y", source=source)
    assert report.checks["class-ratio"] == "passed"  # 20% vs 10% on 15 rows is noise


# --- DL206 ---------------------------------------------------------------------------------


def proxy_frame(n: int = 3000, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    return pd.DataFrame(
        {
            "leak": y + rng.normal(size=n) * 1e-6,
            "status": np.where(
                y == 1,
                rng.choice(["closed-fail", "late"], n),
                rng.choice(["ok", "closed", "settled"], n),
            ),
            "row_key": np.arange(n),
            "code": [f"T{i:05d}" for i in range(n)],
            "weak": rng.normal(size=n) + 0.7 * y,
            "k": rng.integers(0, 5, n),
            "penalty": y * rng.gamma(2.0, 500.0, n),  # zero unless the label is 1
            "empty": np.full(n, np.nan),
            "y": y,
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_target_proxies_flagged_and_ordinary_features_not(engine: str) -> None:
    df = proxy_frame()
    to = ENGINES[engine]
    report = check_split(to(df.iloc[:2400]), to(df.iloc[2400:]), target="y")
    flagged = {f.location.field: f for f in report if f.code == "DL206"}
    assert set(flagged) == {"leak", "status", "penalty"}
    assert flagged["leak"].evidence["score"] >= 0.99
    assert len(flagged["leak"].evidence["fold_scores"]) == 5
    assert flagged["status"].evidence["functional_dependence"] is True
    assert flagged["status"].evidence["n_values"] == 5
    assert any("'empty'" in n for n in report.notes)


def test_regression_proxies() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    y = rng.standard_t(3, size=n) * 100
    df = pd.DataFrame(
        {
            "scaled": 3 * y + 2 + rng.normal(size=n) * 1e-6,
            "monotone": np.exp(y / 100),
            "weak": y / 100 + rng.normal(size=n) * 3,
            "row_key": np.arange(n),
            "y": y,
        }
    )
    report = check_split(df.iloc[:2400], df.iloc[2400:], target="y")
    flagged = {f.location.field: f.evidence for f in report if f.code == "DL206"}
    assert set(flagged) == {"scaled", "monotone"}
    assert abs(flagged["scaled"]["affine_correlation"]) >= 0.9999
    assert flagged["monotone"]["metric"] == "r2_rank" and flagged["monotone"]["score"] >= 0.99
    assert report.checks["class-ratio"].startswith("skipped: target 'y' is numeric")


def test_multiclass_proxy() -> None:
    rng = np.random.default_rng(9)
    n = 3000
    y = rng.choice(["buy", "hold", "sell"], n)
    df = pd.DataFrame(
        {
            "signal": pd.Series(y).map({"buy": 1.0, "hold": 0.0, "sell": -1.0})
            + rng.normal(size=n) * 0.01,
            "noise": rng.normal(size=n),
            "y": y,
        }
    )
    report = check_split(df.iloc[:2400], df.iloc[2400:], target="y")
    assert [f.location.field for f in report if f.code == "DL206"] == ["signal"]


# --- DL207 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_peek_a_boo_lag_and_publication_column(engine: str) -> None:
    train, test = daily(list(range(60))), daily(list(range(60, 90)))
    for df in (train, test):
        df.loc[df.index[:5], "x2"] = np.nan  # no value, not used
        df["x3_published"] = df["day"] + pd.to_timedelta(
            np.where(np.arange(len(df)) % 3 == 0, 2, -1), unit="D"
        )
    to = ENGINES[engine]
    report = check_split(
        to(train), to(test), time="day", available_at={"x2": "30D", "x3": "x3_published"}, id="rid"
    )
    found = {f.location.field: f.evidence for f in report if f.code == "DL207"}
    assert found["x2"]["train"]["n_rows"] == 55 and found["x2"]["test"]["n_rows"] == 25
    assert found["x2"]["worst_gap"] == "30 days"
    assert found["x3"]["train"]["n_rows"] == 20 and found["x3"]["test"]["n_rows"] == 10
    assert found["x3"]["train"]["examples"][:2] == [train["rid"].iloc[0], train["rid"].iloc[3]]
    # declaring the remaining lag of an already shifted feature clears it
    shifted = check_split(to(train), to(test), time="day", available_at={"x2": "0D"})
    assert shifted.checks["peek-a-boo"] == "passed"
    # a later prediction time makes the published values usable
    later = [df.assign(asof=df["day"] + pd.Timedelta(days=31)) for df in (train, test)]
    ok = check_split(
        to(later[0]), to(later[1]), time="day", prediction_time="asof", available_at={"x2": "30D"}
    )
    assert ok.checks["peek-a-boo"] == "passed"


# --- bad input -------------------------------------------------------------------------------


def base() -> pd.DataFrame:
    return daily(list(range(20)))


BAD: list[tuple[str, Callable[[], tuple[Any, Any, dict[str, Any]]], str]] = [
    ("type", lambda: ([1, 2], base(), {}), "train"),
    ("empty", lambda: (base().iloc[:0], base(), {}), "empty"),
    ("columns", lambda: (base(), base().drop(columns="x2").assign(extra=1), {}), "'x2'.*'extra'"),
    ("target", lambda: (base(), base(), {"target": "label"}), "'label'"),
    ("time", lambda: (base(), base(), {"time": "when"}), "'when'"),
    ("group", lambda: (base(), base(), {"group": ["cat", "desk"]}), "'desk'"),
    ("id", lambda: (base(), base(), {"id": "key"}), "'key'"),
    (
        "available",
        lambda: (base(), base(), {"time": "day", "available_at": {"gdp": "1D"}}),
        "'gdp'",
    ),
    ("lag", lambda: (base(), base(), {"time": "day", "available_at": {"x2": "soon"}}), "'soon'"),
    (
        "pub-type",
        lambda: (base(), base(), {"time": "day", "available_at": {"x2": "x3"}}),
        "'x3'.*to_datetime",
    ),
    ("no-time", lambda: (base(), base(), {"available_at": {"x2": "1D"}}), "prediction_time"),
    ("mixed", lambda: (base().assign(m=[1, "a"] * 10), base().assign(m="a"), {}), "'m'.*astype"),
    ("null-target", lambda: (base().assign(y=np.nan), base(), {"target": "y"}), "'y'.*null"),
    (
        "nan-target",
        lambda: (base().assign(y=[np.nan] + [1.0] * 19), base(), {"target": "y"}),
        "'y'.*missing",
    ),
    (
        "inf-target",
        lambda: (base().assign(y=[np.inf] + [1.0] * 19), base(), {"target": "y"}),
        "'y'.*infinite",
    ),
    ("time-type", lambda: (base(), base(), {"time": "x1"}), "'x1'.*pd.to_datetime"),
    (
        "time-str",
        lambda: (base().assign(day="2020-01-01"), base().assign(day="2020-01-01"), {"time": "day"}),
        "to_datetime",
    ),
    ("tz", lambda: (base(), daily(list(range(20)), tz="UTC"), {}), "'day'"),
    (
        "tz-time",
        lambda: (base().assign(day=base()["day"].dt.tz_localize("UTC")), base(), {"time": "day"}),
        "'day'",
    ),
    ("dup-id", lambda: (base().assign(rid="same"), base(), {"id": "rid"}), "'rid'.*duplicated"),
    (
        "null-group",
        lambda: (base().assign(g=None), base().assign(g="a"), {"group": "g"}),
        "'g'.*entirely null",
    ),
    ("type-clash", lambda: (base(), base().assign(k="five"), {}), "'k'.*astype"),
    ("horizon", lambda: (base(), base(), {"time": "day", "horizon": "-1D"}), "negative"),
    ("horizon-type", lambda: (base(), base(), {"time": "day", "horizon": 3}), "time span"),
    ("digits", lambda: (base(), base(), {"near_digits": 0}), "near_digits"),
    (
        "source",
        lambda: (base(), base(), {"target": "y", "source": base().drop(columns="y")}),
        "'y'",
    ),
    (
        "threshold",
        lambda: (base(), base(), {"target": "y", "proxy_threshold": 2}),
        "proxy_threshold",
    ),
    ("ledger", lambda: (base(), base(), {"ledger": 3}), "ledger"),
]


@pytest.mark.parametrize(("case", "make", "match"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_named(
    case: str, make: Callable[[], tuple[Any, Any, dict[str, Any]]], match: str
) -> None:
    train, test, kw = make()
    with pytest.raises(InputError, match=match):
        check_split(train, test, **kw)


def test_an_entirely_null_feature_is_not_an_error() -> None:
    df = base().assign(blank=None)
    report = check_split(df.iloc[:15], df.iloc[15:], target="y")
    assert report.checks["target-proxy"] == "skipped: only 15 training rows (needs 30)"
    assert report.checks["exact-overlap"] == "passed"


def test_unicode_column_names() -> None:
    df = pd.DataFrame(
        {
            "prix €": [1.0, 2.0, 3.0],
            "état": ["a", "b", "c"],
            "日付": pd.date_range("2021-01-01", periods=3),
        }
    )
    report = check_split(df.iloc[:2], df.iloc[1:], time="日付", group="état")
    assert the(report, "DL204").location.field == "日付"
    assert the(report, "DL203").evidence["entity_examples"] == ["b"]


# --- the ledger --------------------------------------------------------------------------------


def test_recorded_run_and_findings_read_back(ledger_url: str) -> None:
    train, test = grouped()
    report = check_split(train, test, group="acct", target="y", id="rid", ledger=ledger_url)
    assert report.run_id is not None
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        run = conn.execute(select(s.runs).where(s.runs.c.id == report.run_id)).mappings().one()
        rows = (
            conn.execute(select(s.findings).where(s.findings.c.run_id == report.run_id))
            .mappings()
            .all()
        )
    assert (run["kind"], run["name"], run["families"]) == ("check_split", "mlvet.check_split", "DL")
    params = json.loads(run["params_json"])
    assert params["group"] == ["acct"] and params["checks"] == report.checks
    assert params["train"]["rows"] == 810 and len(params["train"]["fingerprint"]) == 64
    assert "A080" not in run["params_json"]  # fingerprints, never rows
    assert [r["code"] for r in rows] == codes(report) == ["DL203"]
    assert json.loads(rows[0]["evidence_json"])["n_shared_entities"] == 5
    # checking the same data again supersedes the earlier findings
    again = check_split(
        train,
        test,
        group="acct",
        target="y",
        id="rid",
        ledger=Ledger(ledger_url) if ledger_url.startswith("sqlite") else ledger_url,
    )
    with led.connect() as conn:
        statuses = dict(conn.execute(select(s.findings.c.run_id, s.findings.c.status)).all())
    assert statuses == {report.run_id: "superseded", again.run_id: "open"}
    assert led.verify().ok


def test_record_uses_the_configured_ledger(sqlite_url: str) -> None:
    import mlvet

    with mlvet.config_context(db_url=sqlite_url):
        df = frame(100)
        report = check_split(df.iloc[:80], df.iloc[80:], record=True)
    assert report.run_id is not None


# --- properties ------------------------------------------------------------------------------

VALUES = {
    "f": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()),
    "i": st.integers(-5, 5),
    "s": st.one_of(st.sampled_from(["a", "A ", "b", "", "ü  x"]), st.none()),
}


@st.composite
def frames(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    n = draw(st.integers(2, 40))
    kinds = draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=4))
    data = {
        f"{k}{j}": draw(st.lists(VALUES[k], min_size=n, max_size=n)) for j, k in enumerate(kinds)
    }
    df = pd.DataFrame(data)
    for col in df.columns:
        if col.startswith("s"):
            df[col] = df[col].astype(object)
    cut = draw(st.integers(1, n - 1))
    return df, cut


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.booleans(), st.booleans(), st.sampled_from(sorted(ENGINES)))
def test_never_crashes_on_small_frames(
    data: tuple[pd.DataFrame, int], with_target: bool, with_group: bool, engine: str
) -> None:
    df, cut = data
    target = df.columns[0] if with_target else None
    group = df.columns[-1] if with_group else None
    to = ENGINES[engine]
    try:
        train, test = to(df.iloc[:cut]), to(df.iloc[cut:])
    except (TypeError, ValueError, pa.ArrowException):
        return  # the engine itself refuses the frame (e.g. polars and mixed objects)
    try:
        report = check_split(train, test, target=target, group=group)
    except InputError:
        return
    assert set(report.checks) == CHECK_NAMES


@settings(max_examples=40, deadline=None)
@given(frames())
def test_distinct_rows_never_overlap(data: tuple[pd.DataFrame, int]) -> None:
    df, cut = data
    df = df.drop_duplicates(ignore_index=True)
    df = df[~df.map(lambda v: isinstance(v, float) and np.isnan(v)).any(axis=1)] if len(df) else df
    if len(df) < 2:
        return
    cut = min(cut, len(df) - 1)
    report = check_split(df.iloc[:cut], df.iloc[cut:])
    assert "DL201" not in codes(report)


# --- the rule pages ------------------------------------------------------------------------------

SPLIT_CODES = [f"DL20{i}" for i in range(1, 8)]


def _section(page: str, heading: str) -> str:
    return page.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("code", SPLIT_CODES)
def test_rule_page_example_prints_what_the_page_shows(
    code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each page's Example prints its console block; its Use instead gives the commented value."""
    import re

    from mlvet import catalog

    page = catalog.rule_page(code)
    example = _section(page, "Example")
    (source,) = re.findall(r"```python\n(.*?)```", example, re.S)
    (console,) = re.findall(r"```console\n\$ python check.py\n(.*?)```", example, re.S)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, f"{code}-example.py", "exec"), namespace)
    assert capsys.readouterr().out == console
    assert code in console
    for fix in re.findall(r"```python\n(.*?)```", _section(page, "Use instead"), re.S):
        *body, last = fix.strip().splitlines()
        exec(compile("\n".join(body), f"{code}-fix.py", "exec"), namespace)
        if "  # " in last:
            expression, expected = last.split("  # ", 1)
            assert eval(expression, namespace) == eval(expected), code
        else:
            exec(last, namespace)


# --- regressions from the adversarial review -----------------------------------------------------


@pytest.mark.parametrize("engine", ["pandas", "polars", "pyarrow"])
def test_a_categorical_target_and_id_are_decoded(engine: str) -> None:
    df = pd.DataFrame(
        {
            "x": np.arange(40.0),
            "y": pd.Categorical(["no", "yes"] * 20),
            "key": pd.Categorical([f"k{i}" for i in range(40)]),
        }
    )
    train, test = df.iloc[:30], df.iloc[30:]
    if engine == "polars":
        train, test = pl.from_pandas(train), pl.from_pandas(test)
        assert train.schema["y"] == pl.Categorical
    elif engine == "pyarrow":
        train = pa.Table.from_pandas(train, preserve_index=False)
        test = pa.Table.from_pandas(test, preserve_index=False)
        assert pa.types.is_dictionary(train.schema.field("y").type)
    report = check_split(train, test, target="y", id="key")
    assert report.checks["exact-overlap"] == "passed"
    assert report.checks["class-ratio"].startswith("skipped: test classes are balanced")
    assert report.checks["target-proxy"] == "passed"
    copied = pd.concat([df.iloc[:30], df.iloc[[3]].assign(key="k3b")])
    copied["key"] = copied["key"].astype("category")
    f = the(check_split(df.iloc[:30], copied.iloc[30:], target="y", id="key"), "DL201")
    assert f.evidence["pairs"] == [{"test": "k3b", "train": "k3"}]


def test_integers_beyond_2_53_are_compared_exactly() -> None:
    train, test = pd.DataFrame({"h": [2**62, 5]}), pd.DataFrame({"h": [2**62 + 1, 7]})
    report = check_split(train, test)
    assert report.checks["exact-overlap"] == report.checks["near-duplicates"] == "passed"
    assert the(check_split(train, train.iloc[::-1]), "DL201").evidence["n_test_rows"] == 2
    # beside a float column the integers become floats (rounding, not an error)
    mixed = check_split(train, test.astype({"h": np.float64}), target=None)
    assert mixed.checks["exact-overlap"] in ("passed", "failed")
    stamps = pd.to_datetime(1_700_000_000_123 + np.arange(40) * 1001, unit="ms")
    d = pd.DataFrame(
        {
            "event": pd.Series(stamps).astype("datetime64[ns]") + pd.Timedelta(7, "ns"),
            "wait": pd.to_timedelta(np.arange(40) * 1001 + 3, unit="ns") * 10**9,
            "y": [0, 1] * 20,
        }
    )
    report = check_split(d.iloc[:30], d.iloc[30:], target="y")
    assert report.checks["target-proxy"] == "passed"


def test_integer_columns_are_not_rounded_for_near_duplicates() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    df = pd.DataFrame(
        {
            "ts": 1_700_000_000 + np.arange(n) * 60,  # epoch seconds, one a minute
            "day": pd.date_range("2020-01-01", periods=n).strftime("%Y%m%d").astype(int),
            "flag": rng.integers(0, 2, n),
        }
    )
    report = check_split(df.iloc[:1600], df.iloc[1600:])
    assert report.checks["near-duplicates"] == "passed"  # 6 digits would merge minutes
    floats = df[["ts", "flag"]].astype(np.float64)
    near = the(check_split(floats.iloc[:1600], floats.iloc[1600:]), "DL202")
    assert near.evidence["differing_columns"][0] == "ts"  # floats are still rounded


def test_a_unique_named_pandas_index_names_the_rows() -> None:
    df = pd.DataFrame(
        {"cust": [7, 8, 9, 10], "x": [1.0, 2.0, 1.0, 2.0], "y": [0, 1, 0, 1]}
    ).set_index("cust")
    report = check_split(df.iloc[:2], df.iloc[2:])
    f = the(report, "DL201")
    assert f.evidence["pairs"] == [{"test": 9, "train": 7}, {"test": 10, "train": 8}]
    assert "except the id" in f.message
    assert any("'cust'" in n and "not compared" in n for n in report.notes)
    # a repeated index is not a key: it is compared as data, and the notes say so
    repeated = df.set_axis(pd.Index([1, 1, 2, 2], name="batch"))
    plain = check_split(repeated.iloc[:2], repeated.iloc[2:])
    assert "DL201" not in codes(plain)
    assert any("'batch'" in n and "compared as data" in n for n in plain.notes)
    # with id= given, the index is data too; an index named by time= is data without a note
    keyed = df.reset_index().assign(rid=list("abcd")).set_index("cust")
    assert any("compared as data" in n for n in check_split(keyed, keyed, id="rid").notes)
    dated = df.set_axis(pd.date_range("2020-01-01", periods=4, name="day"))
    on_time = check_split(dated.iloc[:2], dated.iloc[2:], time="day")
    assert on_time.checks["temporal-order"] == "passed" and not on_time.notes
    assert check_split(df.reset_index(), df.reset_index()).checks["exact-overlap"] == "failed"


def test_a_pandas_series_is_refused_with_the_fix() -> None:
    df = pd.DataFrame({"x": np.arange(10.0)})
    with pytest.raises(InputError, match=r"to_frame\(\)"):
        check_split(df.x, df.x)


def test_a_source_label_of_another_type_is_unified_or_refused() -> None:
    source = imbalanced()
    rng = np.random.default_rng(11)
    train, test = split(oversample(source, rng), rng)
    as_float = source.astype({"y": np.float64})
    found = the(check_split(train, test, target="y", source=as_float), "DL205")
    assert found.evidence["basis"] == "source" and found.evidence["ratio"] > 4
    for other in (source.astype({"y": str}), source.assign(y=source.y.astype(bool))):
        with pytest.raises(InputError, match=r"'y'.*(string|bool).*int64"):
            check_split(train, test, target="y", source=other)


def _noise(n: int, p: float, seed: int) -> pd.DataFrame:
    """Ten features unrelated to a rare binary label (the review's generator)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < p).astype(int)
    cols: dict[str, Any] = {"y": y}
    for j in range(10):
        kind = j % 4
        if kind == 0:
            cols[f"f{j}"] = rng.normal(size=n)
        elif kind == 1:
            cols[f"f{j}"] = rng.integers(0, 100, n)
        elif kind == 2:
            cols[f"f{j}"] = rng.choice([f"c{i}" for i in range(max(2, n // 12))], n)
        else:
            cols[f"f{j}"] = np.arange(n)
    return pd.DataFrame(cols)


def test_a_tiny_minority_class_is_not_scored_by_one_fold() -> None:
    df = _noise(2000, 0.005, 101)  # 7 positives in train; one fold decided before
    report = check_split(df.iloc[:1600], df.iloc[1600:], target="y")
    assert "DL206" not in codes(report)
    assert report.checks["target-proxy"] == (
        "skipped: too few training rows per class of 'y' (class 1: 1 row; needs 5 in each "
        "class for a cross-validated AUC)"
    )
    small = _noise(40, 0.05, 8)
    assert "DL206" not in codes(check_split(small.iloc[:32], small.iloc[32:], target="y"))
    mid = _noise(500, 0.01, 122)  # 2 scored folds were enough before
    assert "DL206" not in codes(check_split(mid.iloc[:400], mid.iloc[400:], target="y"))
    # a real proxy with a rare class that has enough rows is still found
    rng = np.random.default_rng(4)
    y = np.zeros(400, dtype=int)
    y[rng.choice(400, 12, replace=False)] = 1
    leak = pd.DataFrame({"leak": y + rng.normal(size=400) * 1e-3, "y": y})
    assert the(check_split(leak.iloc[:320], leak.iloc[320:], target="y"), "DL206")


def test_target_proxy_says_skipped_when_nothing_was_scored() -> None:
    blank = pd.DataFrame({"x": np.full(40, np.nan), "z": [None] * 40, "y": [0, 1] * 20})
    report = check_split(blank.iloc[:32], blank.iloc[32:], target="y")
    assert report.checks["target-proxy"] == "skipped: no feature could be scored (see the notes)"
    assert len(report.notes) == 2
    single = pd.DataFrame({"x": np.arange(40.0), "y": [0] * 32 + [1] * 8})
    report = check_split(single.iloc[:32], single.iloc[32:], target="y")
    assert (
        report.checks["target-proxy"] == "skipped: the training target 'y' has a single value (0)"
    )


def test_a_many_class_target_is_capped_and_its_messages_short() -> None:
    rng = np.random.default_rng(0)
    n = 40_000
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2000, n).astype(str),
            "f": rng.normal(size=n),
            "c": rng.integers(0, 50, n).astype(str),
        }
    )
    report = check_split(df.iloc[:32_000], df.iloc[32_000:], target="y")
    assert report.checks["target-proxy"] == "passed"
    assert any("50 most frequent of 2,000 classes" in n for n in report.notes)
    assert "… (1,990 more classes)" in report.checks["class-ratio"]
    assert len(str(report)) < 2000
    df["code"] = df["y"] + "-x"  # determines the target: still found with 2,000 classes
    report = check_split(df.iloc[:32_000], df.iloc[32_000:], target="y")
    assert [f.location.field for f in report if f.code == "DL206"] == ["code"]


def test_natural_duplicates_in_balanced_data_are_not_oversampling() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    y = rng.permutation(np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)])
    inactive = (y == 1) & (rng.random(n) < 0.3)  # churners often have no activity at all
    df = pd.DataFrame(
        {
            "logins": np.where(inactive, 0, rng.poisson(20, n)),
            "spend": np.where(inactive, 0.0, rng.gamma(2, 50, n).round(2)),
            "y": y,
        }
    )
    train, test = df.iloc[:3000], df.iloc[3000:]
    report = check_split(train, test, target="y")
    assert "DL205" not in codes(report)
    assert "one repeated row" in report.checks["class-ratio"]


def test_a_small_oversampled_test_set_is_balanced_within_binomial_noise() -> None:
    source = imbalanced(n=600, seed=0)
    rng = np.random.default_rng(0)
    over = oversample(source, rng)
    idx = rng.permutation(len(over))
    train, test = over.iloc[idx[:-150]], over.iloc[idx[-150:]]
    assert abs(test.y.mean() - 0.5) > 0.05  # 2 points would call it unbalanced
    f = the(check_split(train, test, target="y"), "DL205")
    assert f.evidence["basis"] == "copies" and f.evidence["n_distinct_copied"] >= 5


def test_a_skipped_check_does_not_supersede_earlier_findings(sqlite_url: str) -> None:
    source = imbalanced()
    rng = np.random.default_rng(11)
    train, test = split(oversample(source, rng), rng)
    first = check_split(train, test, target="y", source=source, ledger=sqlite_url)
    assert {"DL201", "DL205"} <= set(codes(first))
    again = check_split(train, test, ledger=sqlite_url)  # no target: DL205, DL206 skipped
    led = open_ledger(sqlite_url)
    with led.connect() as conn:
        rows = conn.execute(
            select(s.findings.c.run_id, s.findings.c.code, s.findings.c.status)
        ).all()
    status = {(r, c): st for r, c, st in rows}
    assert status[(first.run_id, "DL205")] == "open"
    assert status[(first.run_id, "DL201")] == "superseded"
    assert status[(again.run_id, "DL201")] == "open"


def test_temporal_span_contains_the_counted_rows() -> None:
    train = pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-01-10"]), "x": [1, 2]})
    test = pd.DataFrame({"t": pd.to_datetime(["2024-01-11", "2024-01-20"]), "x": [3, 4]})
    f = the(check_split(train, test, time="t", horizon="2D"), "DL204")
    assert f.evidence["train_span"] == ["2024-01-09T00:00:00", "2024-01-10T00:00:00"]
    assert f.evidence["test_span"] == ["2024-01-11T00:00:00", "2024-01-12T00:00:00"]
    assert (f.evidence["n_train_rows_in_span"], f.evidence["n_test_rows_in_span"]) == (1, 1)
    assert "1 of 2 test rows (50.0%) earlier than 2024-01-12T00:00:00" in f.message
    late = test.assign(t=pd.to_datetime(["2024-01-10 01:00", "2024-01-20 00:00"]))
    f = the(check_split(train, late, time="t", horizon="2h"), "DL204")
    assert "horizon (2 hours)" in f.message and f.evidence["horizon"] == "2 hours"


def test_a_lag_or_horizon_beyond_a_century_is_refused() -> None:
    d = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=10), "x": np.arange(10.0)})
    with pytest.raises(InputError, match="100 years"):
        check_split(d.iloc[:5], d.iloc[5:], time="t", available_at={"x": "100000D"})
    with pytest.raises(InputError, match="100 years"):
        check_split(d.iloc[:5], d.iloc[5:], time="t", horizon="100000D")


def test_one_compared_column_is_worded_as_one() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 1.0]})
    f = the(check_split(df.iloc[:2], df.iloc[2:]), "DL201")
    assert "comparing the only column;" in f.message
