"""Drift statistics against scipy, effect-size decisions at large n, mergeable profiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError
from mlvet.monitoring import compare_profiles, drift, profile_against, profile_reference, psi

runner = CliRunner()


def frames(n: int, seed: int = 0, shift: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "amount": rng.normal(size=n),
            "spread": rng.exponential(size=n),
            "tenor": rng.choice(["2Y", "5Y", "10Y"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    cur = pd.DataFrame(
        {
            "amount": rng.normal(shift, 1, size=n),
            "spread": rng.exponential(size=n),
            "tenor": rng.choice(["2Y", "5Y", "10Y"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    return ref, cur


def test_psi_textbook_value_and_the_empty_bin_rule() -> None:
    # shares (.25, .25, .5) vs (.2, .3, .5): (.2-.25)ln(.2/.25) + (.3-.25)ln(.3/.25) = 0.0203
    assert psi([250_000, 250_000, 500_000], [200_000, 300_000, 500_000]) == pytest.approx(
        0.02027, abs=1e-4
    )
    assert np.isfinite(psi([100, 0], [50, 50]))  # an empty bin: half a row, not infinity
    assert psi([10, 10], [10, 10]) == 0.0


def test_statistics_agree_with_scipy() -> None:
    ref, cur = frames(50_000, shift=0.5)
    report = drift(ref, cur)
    a = report.column("amount")
    assert a.ks == pytest.approx(stats.ks_2samp(ref.amount, cur.amount).statistic, abs=0.01)
    exact_w = stats.wasserstein_distance(ref.amount, cur.amount) / ref.amount.std()
    assert a.wasserstein == pytest.approx(exact_w, abs=0.05)
    profile = profile_reference(ref)
    edges = np.concatenate([[-np.inf], profile.columns["amount"].coarse_cuts, [np.inf]])
    r = np.histogram(ref.amount, bins=edges)[0]
    c = np.histogram(cur.amount, bins=edges)[0]
    assert a.js == pytest.approx(jensenshannon(r / r.sum(), c / c.sum(), base=2))
    t = report.column("tenor")
    table = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))],
        np.r_[ref.tenor.to_numpy(), cur.tenor.to_numpy()],
    )
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert t.chi2 == pytest.approx(chi2) and t.chi2_p == pytest.approx(p)


def test_decisions_do_not_grow_trigger_happy_with_n() -> None:
    # a shift of 0.01 sd on a million rows: KS's p-value is tiny, PSI says nothing happened
    ref, cur = frames(1_000_000, seed=1, shift=0.01)
    report = drift(ref, cur)
    amount = report.column("amount")
    assert amount.ks_p is not None and amount.ks_p < 1e-6
    assert report.drifted == []
    # and exactly the drifted column is flagged when one moves
    ref, cur = frames(200_000, seed=2, shift=0.6)
    cur.loc[:, "tenor"] = np.where(np.arange(len(cur)) % 3 == 0, "30Y", cur.tenor)
    report = drift(ref, cur)
    assert report.drifted == ["amount", "tenor"]
    assert report.column("tenor").unseen == ["30Y"]


def test_profiles_merge_like_the_whole_and_engines_agree() -> None:
    ref, cur = frames(20_000, seed=3, shift=0.3)
    reference = profile_reference(ref)
    halves = profile_against(cur.iloc[:7_000], reference).merge(
        profile_against(cur.iloc[7_000:], reference)
    )
    whole = profile_against(cur, reference)
    for name in ref.columns:
        a, b = halves.columns[name], whole.columns[name]
        assert np.array_equal(a.fine, b.fine) and a.categories == b.categories and a.n == b.n
    assert (
        compare_profiles(reference, halves).to_dict()
        == compare_profiles(reference, whole).to_dict()
    )
    on_polars = drift(pl.from_pandas(ref), pl.from_pandas(cur))
    assert on_polars.to_dict() == drift(ref, cur).to_dict()


def test_schema_changes_and_bad_input_are_named() -> None:
    ref, cur = frames(1_000)
    with pytest.raises(InputError, match=r"Columns \['spread'\] of the reference are missing"):
        drift(ref, cur.drop(columns="spread"))
    with pytest.raises(InputError, match="numeric in the reference but holds"):
        drift(ref, cur.assign(amount=cur.amount.astype(str)))
    with pytest.raises(InputError, match="no rows"):
        drift(ref, cur.iloc[:0])
    with pytest.raises(InputError, match="threshold must be a positive number"):
        drift(ref, cur, threshold=0)
    with pytest.raises(InputError, match=r"Columns \['nope'\] are not in the reference"):
        drift(ref, cur, features=["nope"])


def test_the_drift_command(tmp_path: Path) -> None:
    ref, cur = frames(5_000, seed=4, shift=0.8)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    out = runner.invoke(
        app, ["drift", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.csv"), "-f", "json"]
    )
    assert out.exit_code == 1
    data = json.loads(out.output)
    by_name = {c["name"]: c for c in data["columns"]}
    assert set(by_name) == {"amount", "spread", "tenor"}
    assert {
        k for k in ("name", "method", "statistic", "threshold", "drifted") if k in by_name["amount"]
    } == {
        "name",
        "method",
        "statistic",
        "threshold",
        "drifted",
    }
    assert by_name["amount"]["drifted"] and not by_name["spread"]["drifted"]
    same = runner.invoke(
        app, ["drift", str(tmp_path / "ref.parquet"), str(tmp_path / "ref.parquet")]
    )
    assert same.exit_code == 0 and "0 of 3 columns drifted" in same.output
    bad = runner.invoke(app, ["drift", str(tmp_path / "ref.parquet"), str(tmp_path / "nope.xlsx")])
    assert bad.exit_code == 2
