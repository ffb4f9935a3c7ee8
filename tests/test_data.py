"""Fingerprints, registration, lineage, assertions and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlvet
from mlvet.data import openlineage_events, schema_from_json, schema_to_json
from mlvet.exceptions import DataQualityError, InputError, NotFoundError


def _frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "cusip": [f"912828{i:03d}" for i in range(n)],
            "tenor": rng.choice(["2Y", "5Y", "10Y"], n),
            "volume": rng.gamma(2.0, 3.0, n),
            "fails": rng.integers(0, 2, n),
            "day": pd.date_range("2021-01-04", periods=n, freq="D"),
        }
    )


# --- fingerprints ---------------------------------------------------------------------
def test_fingerprint_is_engine_neutral() -> None:
    df = _frame()
    df.loc[3, "volume"] = np.nan
    expected = mlvet.fingerprint(df)
    assert mlvet.fingerprint(pl.from_pandas(df)) == expected
    assert mlvet.fingerprint(pa.Table.from_pandas(df, preserve_index=False)) == expected
    assert mlvet.fingerprint(duckdb.sql("select * from df")) == expected
    assert mlvet.fingerprint(df[list(reversed(df.columns))]) == expected  # column order
    narrow = df.astype({"fails": "int32"})
    assert mlvet.fingerprint(narrow) == expected  # integer width is not content


def test_rowset_fingerprint_recognises_a_shuffle() -> None:
    df = _frame()
    shuffled = df.sample(frac=1.0, random_state=1)
    a, b = mlvet.fingerprint(df), mlvet.fingerprint(shuffled)
    assert a.rowset_fingerprint == b.rowset_fingerprint
    assert a.fingerprint != b.fingerprint


@pytest.mark.parametrize("column", ["cusip", "tenor", "volume", "fails", "day"])
@pytest.mark.parametrize("row", [0, 25, 49])
def test_every_cell_counts(column: str, row: int) -> None:
    df = _frame()
    base = mlvet.fingerprint(df)
    changed = df.copy()
    value = changed.at[row, column]
    if isinstance(value, str):
        changed.at[row, column] = value + "x"
    elif isinstance(value, pd.Timestamp):
        changed.at[row, column] = value + pd.Timedelta(seconds=1)
    else:
        changed.at[row, column] = value + 1
    fp = mlvet.fingerprint(changed)
    assert fp.fingerprint != base.fingerprint
    assert fp.rowset_fingerprint != base.rowset_fingerprint


def test_missing_values_and_signed_zero() -> None:
    a = pd.DataFrame({"x": [0.0, np.nan, 1.0]})
    b = pl.DataFrame({"x": [-0.0, None, 1.0]})
    assert mlvet.fingerprint(a) == mlvet.fingerprint(b)
    c = pd.DataFrame({"x": [0.0, 0.0, 1.0]})
    assert mlvet.fingerprint(a) != mlvet.fingerprint(c)


def test_row_hashes_find_duplicates() -> None:
    df = pd.DataFrame({"a": [1, 2, 1, 3], "b": ["x", "y", "x", "x"]})
    h = mlvet.row_hashes(df)
    assert h.dtype == np.uint64
    assert h[0] == h[2] and len(set(h.tolist())) == 3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**40), 2**40),
            st.text(max_size=8),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_shuffle_property(rows: list[tuple[int, str, float]], rnd: object) -> None:
    df = pd.DataFrame(rows, columns=["i", "s", "f"])
    perm = list(range(len(df)))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    shuffled = df.iloc[perm]
    assert (
        mlvet.fingerprint(df).rowset_fingerprint == mlvet.fingerprint(shuffled).rowset_fingerprint
    )
    assert mlvet.fingerprint(df).fingerprint == mlvet.fingerprint(pl.from_pandas(df)).fingerprint


# --- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"a": []}), "empty"),
        (pd.DataFrame(), "no columns"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names"),
        (pd.DataFrame({"a": [1.0, np.inf]}), "infinite"),
        (pd.DataFrame({"a": [[1, 2], [3]]}), "flatten"),
        (pd.DataFrame({"a": [1, "x"]}), "mixes types|cannot be read"),
        ([1, 2, 3], "Expected"),
        (None, "None"),
    ],
)
def test_bad_frames_get_clear_errors(sqlite_url: str, frame: object, message: str) -> None:
    good = mlvet.register_dataset(_frame(), "kept", produced_by="t", ledger=sqlite_url)
    with pytest.raises(InputError, match=message):
        mlvet.register_dataset(frame, "bad", produced_by="t", ledger=sqlite_url)
    assert mlvet.get_version("kept", ledger=sqlite_url) == good  # nothing lost
    assert mlvet.open_ledger(sqlite_url).verify().ok


@pytest.mark.parametrize("name", ["", "  ", "a@b", "x" * 201, "tab\there", 3])
def test_bad_names(sqlite_url: str, name: object) -> None:
    with pytest.raises(InputError, match="name"):
        mlvet.register_dataset(_frame(), name, ledger=sqlite_url)  # type: ignore[arg-type]


def test_unicode_names_and_inf_opt_in(sqlite_url: str) -> None:
    df = pd.DataFrame({"montant_€": [1.0, np.inf], "标签": ["ja", "nein"]})
    v = mlvet.register_dataset(
        df, "règlements-échoués_日本", allow_inf=True, produced_by="t", ledger=sqlite_url
    )
    assert (
        mlvet.get_version("règlements-échoués_日本@1", ledger=sqlite_url).fingerprint
        == v.fingerprint
    )
    assert [c["name"] for c in v.columns] == ["montant_€", "标签"]


# --- registration, versions, lineage ---------------------------------------------------
def test_register_is_idempotent_and_versions_change(ledger_url: str) -> None:
    df = _frame()
    v1 = mlvet.register_dataset(df, "fails", produced_by="extract", ledger=ledger_url)
    again = mlvet.register_dataset(df.copy(), "fails", produced_by="extract", ledger=ledger_url)
    assert (again.version, again.created, again.id) == (1, False, v1.id)
    changed = df.copy()
    changed.loc[0, "volume"] += 1
    v2 = mlvet.register_dataset(changed, "fails", produced_by="extract", ledger=ledger_url)
    assert v2.version == 2 and v2.fingerprint != v1.fingerprint
    assert [v.ref for v in mlvet.dataset_versions("fails", ledger=ledger_url)] == [
        "fails@1",
        "fails@2",
    ]
    assert v1.profile["columns"]["volume"]["type"] == "float"
    assert v1.profile["columns"]["tenor"]["top"][0][1] >= 1
    assert mlvet.open_ledger(ledger_url).verify().ok


def test_provenance_finding_when_nobody_says_where_data_came_from(sqlite_url: str) -> None:
    v = mlvet.register_dataset(_frame(), "mystery", ledger=sqlite_url)
    assert {f.code for f in v.findings} == {"DC106", "DC201"}
    assert v.status == "active"


def produce_clean(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["volume"] > 1].reset_index(drop=True)


def test_step_records_lineage_and_code(ledger_url: str) -> None:
    raw = _frame()
    raw_v = mlvet.register_dataset(raw, "raw", produced_by="extract", ledger=ledger_url)
    clean = mlvet.step("clean", ledger=ledger_url)(produce_clean)(raw)
    assert len(clean) < len(raw)
    graph = mlvet.lineage("clean", ledger=ledger_url)
    assert [(graph.nodes[p].ref, graph.nodes[c].ref) for p, c, _ in graph.edges] == [
        ("raw@1", "clean@1")
    ]
    code = graph.runs[graph.edges[0][2]]["code_ref"]  # type: ignore[index]
    assert code["function"] == "produce_clean"
    assert len(code["source_sha256"]) == 64 and code["line"] > 0
    assert mlvet.lineage("raw", ledger=ledger_url).children(raw_v.id)[0][0].ref == "clean@1"
    found = mlvet.identify(clean.sample(frac=1.0, random_state=0), ledger=ledger_url)
    assert [(v.ref, how) for v, how in found] == [("clean@1", "rowset")]


def test_unregistered_input_is_refused(sqlite_url: str) -> None:
    with pytest.raises(InputError, match="not registered"):
        mlvet.register_dataset(_frame(), "child", inputs=[_frame(seed=9)], ledger=sqlite_url)
    with pytest.raises(NotFoundError, match="No dataset version"):
        mlvet.register_dataset(_frame(), "child", inputs=["nope@1"], ledger=sqlite_url)


def test_openlineage_events_validate_and_plot(sqlite_url: str, tmp_path: Path) -> None:
    raw = _frame()
    mlvet.register_dataset(raw, "raw", produced_by="extract", ledger=sqlite_url)
    mlvet.step("clean", ledger=sqlite_url)(produce_clean)(raw)
    events = openlineage_events("clean", ledger=sqlite_url)
    assert [e["eventType"] for e in events] == ["COMPLETE", "COMPLETE"]
    by_job = {e["job"]["name"]: e for e in events}
    assert [d["name"] for d in by_job["produce_clean"]["inputs"]] == ["raw"]
    assert [d["name"] for d in by_job["produce_clean"]["outputs"]] == ["clean"]
    fields = by_job["produce_clean"]["outputs"][0]["facets"]["schema"]["fields"]
    assert {f["name"] for f in fields} == set(raw.columns)
    assert json.loads(json.dumps(events)) == events
    png = mlvet.plot_lineage("raw", tmp_path / "lineage.png", ledger=sqlite_url)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


# --- assertions -----------------------------------------------------------------------
def test_quarantine_lists_every_failure_grouped_by_reason(ledger_url: str) -> None:
    ref = _frame(200)
    schema = mlvet.infer_schema(ref, unique=["cusip"])
    mlvet.register_dataset(ref, "daily", schema=schema, produced_by="extract", ledger=ledger_url)
    bad = _frame(200, seed=1)
    bad.loc[[1, 2, 3], "volume"] = -1.0
    bad.loc[[4, 5], "tenor"] = "15Y"
    bad.loc[6, "cusip"] = None
    bad.loc[7, "cusip"] = bad.loc[8, "cusip"]
    bad.loc[9, "volume"] = 1e9
    bad = bad.drop(columns=["fails"]).assign(extra=1)
    with pytest.raises(DataQualityError, match="QUARANTINED") as info:
        mlvet.register_dataset(bad, "daily", produced_by="manual", ledger=ledger_url)
    codes = sorted(f.code for f in info.value.findings)
    assert codes == ["DC101", "DC101", "DC103", "DC104", "DC104", "DC104", "DC105"]
    negative = next(f for f in info.value.findings if "greater_than" in f.message)
    assert negative.evidence["rows"] == [1, 2, 3] and negative.location.field == "volume"
    version = info.value.version
    with pytest.raises(DataQualityError, match="QUARANTINED") as again:  # the same bad data
        mlvet.register_dataset(bad, "daily", produced_by="manual", ledger=ledger_url)
    assert sorted(f.code for f in again.value.findings) == codes
    assert version.quarantined and mlvet.get_version("daily@2", ledger=ledger_url).quarantined
    with pytest.raises(DataQualityError) as derived:
        mlvet.register_dataset(
            ref.head(5), "derived", inputs=["daily@2"], produced_by="t", ledger=ledger_url
        )
    assert derived.value.findings[-1].code == "DC202"
    assert mlvet.open_ledger(ledger_url).verify().ok


def test_wrong_type_is_a_schema_finding(sqlite_url: str) -> None:
    ref = _frame()
    schema = mlvet.infer_schema(ref)
    bad = ref.assign(volume=ref["volume"].astype(str))
    v = mlvet.register_dataset(
        bad, "typed", schema=schema, produced_by="t", strict=False, ledger=sqlite_url
    )
    assert v.quarantined
    dtype = [f for f in v.findings if f.code == "DC102"]
    assert dtype[0].evidence == {"expected": "float", "actual": "string"}


def test_schema_roundtrip_and_custom_checks_refused() -> None:
    import pandera.pandas as pdv

    schema = mlvet.infer_schema(_frame(), unique=["cusip", "day"])
    again = schema_from_json(schema_to_json(schema))
    assert schema_to_json(again) == schema_to_json(schema)
    custom = pdv.DataFrameSchema({"a": pdv.Column(float, checks=pdv.Check(lambda s: s > 0))})
    with pytest.raises(InputError, match="built-in"):
        schema_to_json(custom)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outlier_factor": -1}, "outlier_factor"),
        ({"outlier_factor": float("nan")}, "outlier_factor"),
        ({"categorical_max": "50"}, "categorical_max"),
        ({"unique": ["nope"]}, "does not have"),
    ],
)
def test_infer_schema_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        mlvet.infer_schema(_frame(), **kwargs)  # type: ignore[arg-type]


def test_dates_and_durations_are_typed() -> None:
    import datetime as dt

    ref = pd.DataFrame({"d": [dt.date(2021, 1, 4)], "wait": pd.to_timedelta([90], unit="s")})
    schema = mlvet.infer_schema(ref, unique="d")
    assert schema.columns["d"].unique
    assert mlvet.validate(ref, schema) == []
    drifted = ref.assign(d=["2021-01-04"], wait=[90])
    found = {f.location.field: f.evidence for f in mlvet.validate(drifted, schema)}
    assert found == {
        "d": {"expected": "date", "actual": "string"},
        "wait": {"expected": "duration", "actual": "int"},
    }


def test_same_schema_passes_data_from_every_engine() -> None:
    df = _frame()
    schema = mlvet.infer_schema(df)
    for frame in (df, pl.from_pandas(df), duckdb.sql("select * from df")):
        assert mlvet.validate(frame, schema) == []
