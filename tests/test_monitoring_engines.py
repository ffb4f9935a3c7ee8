"""Profiles computed in the caller's engine: DuckDB, PySpark (local[2]) and polars lazy
frames give the same counts, and so the same decisions, as pandas, and bring only
aggregates back to Python."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pytest
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError
from mlvet.monitoring import Monitor, compare_profiles, drift, profile_against, profile_reference
from mlvet.monitoring._profile import profile_to_dict

runner = CliRunner()


def frame(seed: int, n: int, *, drifted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    volume = rng.normal(0.5 if drifted else 0.0, 1.0, n)
    volume[rng.random(n) < 0.01] = np.nan
    return pd.DataFrame(
        {
            "volume": volume,
            "spread": rng.exponential(1.8 if drifted else 1.0, n),
            "count": rng.poisson(4, n),
            "steady": rng.normal(size=n),
            "tenor": rng.choice(
                ["2Y", "5Y", "10Y", None],  # type: ignore[arg-type]
                n,
                p=[0.2, 0.4, 0.35, 0.05] if drifted else [0.5, 0.3, 0.15, 0.05],
            ),
        }
    )


def same_counts(a: Any, b: Any) -> None:
    da, db = profile_to_dict(a), profile_to_dict(b)
    for name, col in da["columns"].items():
        other = db["columns"][name]
        for key in (
            "kind",
            "n",
            "nulls",
            "coarse_cuts",
            "fine_cuts",
            "coarse",
            "fine",
            "categories",
        ):
            assert (
                col[key] == pytest.approx(other[key]) if "cuts" in key else col[key] == other[key]
            ), (
                name,
                key,
            )
        for key in ("low", "high", "total", "total_sq") if col["kind"] == "numeric" else ():
            assert col[key] == pytest.approx(other[key], rel=1e-9), (name, key)


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of rows of everything a lazy frame brings back to Python."""
    sizes: list[int] = []
    original = nw.LazyFrame.collect

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(self, *args, **kwargs)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(nw.LazyFrame, "collect", spy)
    yield sizes


def test_duckdb_and_polars_lazy_profiles_equal_pandas(collected: list[int]) -> None:
    ref, cur = frame(0, 20_000), frame(1, 8_000, drifted=True)
    base_ref = profile_reference(ref)
    base_cur = profile_against(cur, base_ref)
    expected = compare_profiles(base_ref, base_cur)
    assert sorted(expected.drifted) == ["spread", "tenor", "volume"]

    con = duckdb.connect()
    con.register("ref_df", ref)
    con.register("cur_df", cur)
    for make in (
        lambda df, name: con.sql(f"select * from {name}"),
        lambda df, name: pl.from_pandas(df).lazy(),
    ):
        lazy_ref = profile_reference(make(ref, "ref_df"))
        same_counts(lazy_ref, base_ref)
        lazy_cur = profile_against(make(cur, "cur_df"), base_ref)
        same_counts(lazy_cur, base_cur)
        assert compare_profiles(base_ref, lazy_cur).to_dict() == expected.to_dict()
    assert collected and max(collected) <= 4  # aggregates and category counts, never rows


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("mlvet-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_pyspark_batches_give_the_pandas_decisions_without_collecting(
    spark: Any, collected: list[int], sqlite_url: str
) -> None:
    ref, cur = frame(0, 20_000), frame(1, 8_000, drifted=True)
    expected = drift(ref, cur)
    base_ref = profile_reference(ref)
    spark_ref = profile_reference(spark.createDataFrame(ref))
    same_counts(spark_ref, base_ref)
    spark_cur = profile_against(spark.createDataFrame(cur), base_ref)
    same_counts(spark_cur, profile_against(cur, base_ref))
    assert compare_profiles(base_ref, spark_cur).to_dict() == expected.to_dict()
    # through a monitor: the reference in pandas, the batch a Spark frame (sampled by
    # Spark for the domain classifier)
    monitor = Monitor("spark-batches", ref, multivariate=True, sample=2_000, ledger=sqlite_url)
    report = monitor.observe(spark.createDataFrame(cur), batch_key="2020-03")
    assert report.drifted == expected.drifted
    assert report.multivariate is not None and report.multivariate.drifted
    # aggregates only: at most one row per (numeric column, bin), whatever the data's size
    # and the domain classifier's sample, drawn by Spark: never the batch itself
    assert collected and max(collected) <= 2_000 < len(cur)
    assert sum(n > 4 * 101 for n in collected) == 1  # the sample is the one bigger result


def test_a_lazy_batch_with_a_changed_type_is_a_schema_change() -> None:
    ref = frame(0, 1_000)
    bad = frame(1, 1_000).assign(volume=lambda d: d.volume.astype(str))
    with pytest.raises(InputError, match="schema"):
        profile_against(pl.from_pandas(bad).lazy(), profile_reference(ref))


def test_a_column_that_lost_every_value_has_drifted() -> None:
    ref = frame(0, 2_000)
    cur = frame(1, 1_000).assign(volume=np.nan)
    col = drift(ref, cur).column("volume")
    assert col.drifted and col.null_share_current == 1.0
    empty_ref = ref.assign(volume=np.nan)
    assert not drift(empty_ref, frame(2, 500).assign(volume=np.nan)).column("volume").drifted


def test_cli_drift_reads_duckdb_tables_and_writes_html(tmp_path: Path) -> None:
    db = tmp_path / "fails.duckdb"
    con = duckdb.connect(str(db))
    ref_df, cur_df = frame(0, 5_000), frame(1, 3_000, drifted=True)
    con.register("r", ref_df)
    con.register("c", cur_df)
    con.execute("create table reference as select * from r")
    con.execute("create table march as select * from c")
    con.close()
    out = runner.invoke(app, ["drift", f"{db}::reference", f"{db}::march", "-f", "json"])
    assert out.exit_code == 1, out.output
    got = json.loads(out.stdout)
    assert sorted(got["drifted"]) == sorted(drift(ref_df, cur_df).drifted)
    page = tmp_path / "out" / "drift.html"
    out = runner.invoke(
        app, ["drift", f"{db}::reference", f"{db}::march", "-f", "html", "-o", str(page)]
    )
    assert out.exit_code == 1, out.output
    html = page.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and html.count("<img") == 5
    missing = runner.invoke(app, ["drift", f"{db}::nope", f"{db}::march"])
    assert missing.exit_code == 2 and "nope" in missing.output


def test_integers_booleans_and_odd_names_profile_alike_in_every_engine() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    ref = pd.DataFrame(
        {
            "small": rng.integers(0, 100, n).astype("int8"),
            "big": rng.integers(40_000, 50_000, n).astype("int32"),  # squares overflow int32
            "flag": rng.random(n) < 0.3,
            "__k": rng.choice(["a", "b"], n),  # the names used inside the profile
            "__col": rng.normal(size=n),
        }
    )
    cur = ref.sample(frac=0.5, random_state=1).reset_index(drop=True)
    base_ref = profile_reference(ref)
    assert {c: p.kind for c, p in base_ref.columns.items()} == {
        "small": "numeric",
        "big": "numeric",
        "flag": "numeric",
        "__k": "categorical",
        "__col": "numeric",
    }
    con = duckdb.connect()
    con.register("ref_df", ref)
    con.register("cur_df", cur)
    for lazy_ref, lazy_cur in (
        (con.sql("select * from ref_df"), con.sql("select * from cur_df")),
        (pl.from_pandas(ref).lazy(), pl.from_pandas(cur).lazy()),
    ):
        same_counts(profile_reference(lazy_ref), base_ref)
        same_counts(profile_against(lazy_cur, base_ref), profile_against(cur, base_ref))
    assert base_ref.columns["big"].std == pytest.approx(ref.big.std(), rel=1e-6)


def test_time_columns_are_left_out_or_refused_and_names_must_be_text() -> None:
    frame_ = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=50), "x": np.arange(50.0)})
    assert list(profile_reference(frame_).columns) == ["x"]  # every column: times left out
    with pytest.raises(InputError, match="dates or times"):
        profile_reference(frame_, features=["day", "x"])
    with pytest.raises(InputError, match="dates or times"):
        profile_reference(pl.from_pandas(frame_).lazy(), features=["day"])
    with pytest.raises(InputError, match="column names must be text"):
        drift(pd.DataFrame(np.zeros((50, 2))), pd.DataFrame(np.zeros((50, 2))))


def test_values_near_the_float_limits_give_no_warning() -> None:
    half = np.linspace(0.0, 1e308, 500)
    ref = pd.DataFrame({"x": np.r_[-half, half, 1e200]})
    report = drift(ref, ref)  # warnings are errors in the test run
    assert report.drifted == []


def test_checking_a_batch_shows_no_pyspark_warning_to_users(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import pandas as pd\n"
        "from mlvet.monitoring import Monitor\n"
        "ref = pd.DataFrame({'x': range(100), 't': ['a', 'b'] * 50})\n"
        f"m = Monitor('m', ref, ledger='sqlite:///{tmp_path / 'l.db'}')\n"
        "m.observe(ref, batch_key='b')\n"
    )
    run = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c", code], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
