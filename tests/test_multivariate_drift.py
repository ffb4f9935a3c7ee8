"""Multivariate drift: a domain classifier finds a change in how columns move together
that no single column shows, and stays quiet when nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError
from mlvet.monitoring import domain_classifier, drift

runner = CliRunner()


def pairs(seed: int, n: int, rho: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = rho * a + np.sqrt(1 - rho**2) * rng.normal(size=n)
    desk = rng.choice(["rates", "credit", "fx"], n)
    return pd.DataFrame({"volume": a, "fails": b, "desk": desk})


def test_a_broken_correlation_is_found_only_by_the_domain_classifier() -> None:
    ref, cur = pairs(0, 6_000, 0.8), pairs(1, 6_000, -0.8)
    report = drift(ref, cur, multivariate=True)
    assert report.drifted == []  # every margin is unchanged
    mv = report.multivariate
    assert mv is not None and mv.drifted and mv.auc > 0.75 and mv.lower > 0.5
    assert report.to_dict()["multivariate"]["method"] == "domain_classifier_auc"
    assert "multivariate" in str(report)


def test_no_change_no_multivariate_drift_at_any_size() -> None:
    for n in (2_000, 40_000):
        mv = domain_classifier(pairs(2, n, 0.8), pairs(3, n, 0.8))
        assert not mv.drifted and abs(mv.auc - 0.5) < 0.04
        assert mv.n_reference == min(n, 10_000)  # sampled: the trigger does not grow with n


def test_the_interval_is_hanley_mcneil_around_the_auc() -> None:
    mv = domain_classifier(pairs(4, 3_000, 0.8), pairs(5, 3_000, 0.2), sample=3_000)
    a = mv.auc
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt((a * (1 - a) + 2999 * (q1 - a * a) + 2999 * (q2 - a * a)) / 3000**2)
    assert mv.upper - mv.lower == pytest.approx(2 * 1.959964 * se, rel=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threshold": 0.4}, r"AUC in \(0.5, 1\)"),
        ({"sample": 5}, "sample must be"),
        ({"folds": 1}, "folds must be"),
        ({"features": ["nope"]}, "missing"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        domain_classifier(pairs(0, 500, 0.5), pairs(1, 500, 0.5), **kwargs)  # type: ignore[arg-type]


def test_too_few_rows_are_refused_and_lazy_frames_are_sampled_by_their_engine() -> None:
    import duckdb
    import polars as pl

    from mlvet.monitoring._multivariate import sample_rows

    with pytest.raises(InputError, match="at least 20"):
        domain_classifier(pairs(0, 10, 0.5), pairs(1, 500, 0.5))
    con = duckdb.connect()  # not the default connection
    ref, cur = pairs(0, 6_000, 0.8), pairs(1, 6_000, -0.8)
    con.register("r", ref)
    con.register("c", cur)
    drawn = sample_rows(con.sql("select * from r"), ["volume", "desk"], 500, 7, "reference")
    assert len(drawn) == 500 and list(drawn.columns) == ["volume", "desk"]
    again = sample_rows(con.sql("select * from r"), ["volume", "desk"], 500, 7, "reference")
    assert drawn.equals(again)  # seeded
    for lazy_ref, lazy_cur in (
        (con.sql("select * from r"), con.sql("select * from c")),
        (pl.from_pandas(ref).lazy(), pl.from_pandas(cur).lazy()),
    ):
        mv = domain_classifier(lazy_ref, lazy_cur, sample=3_000)
        assert mv.drifted and mv.n_reference == 3_000


def test_cli_multivariate_flag(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    pairs(0, 4_000, 0.8).to_parquet(ref)
    pairs(1, 4_000, -0.8).to_parquet(cur)
    plain = runner.invoke(app, ["drift", str(ref), str(cur)])
    assert plain.exit_code == 0, plain.output
    out = runner.invoke(app, ["drift", str(ref), str(cur), "--multivariate", "-f", "json"])
    assert out.exit_code == 1, out.output
    assert json.loads(out.stdout)["multivariate"]["drifted"] is True


def test_a_monitor_checks_every_batch_against_its_reference_sample(ledger_url: str) -> None:
    from sqlalchemy import update

    from mlvet.exceptions import LedgerError
    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger
    from mlvet.monitoring import Monitor, evaluate

    monitor = Monitor(
        "fails-joint", pairs(0, 8_000, 0.8), multivariate=True, sample=3_000, ledger=ledger_url
    )
    assert monitor.config["multivariate"]["sample"] == 3_000
    calm = monitor.observe(pairs(1, 3_000, 0.8), batch_key="2020-02")
    broken = monitor.observe(pairs(2, 3_000, -0.8), batch_key="2020-03")
    assert calm.multivariate is not None and not calm.multivariate.drifted
    assert broken.drifted == [] and broken.multivariate is not None and broken.multivariate.drifted
    again = Monitor.open("fails-joint", ledger=ledger_url).observe(
        pairs(9, 100, 0.0), batch_key="2020-03"
    )
    assert again.to_dict() == broken.to_dict()  # the recorded verdict, not a new one
    opened = evaluate(monitor, ["domain_auc > 0.6"])
    assert [a.detail["batches"] for a in opened] == [["2020-03"]]
    led = open_ledger(ledger_url)
    assert led.verify().ok
    with led.transaction() as tx:  # the sample is edited behind mlvet's back
        tx.conn.execute(update(s.monitor_samples).values(payload=b"PAR1 not the sample"))
    with pytest.raises(LedgerError, match="reference sample"):
        Monitor.open("fails-joint", ledger=ledger_url).observe(
            pairs(3, 500, 0.8), batch_key="2020-04"
        )


def test_the_html_report_shows_the_multivariate_verdict() -> None:
    from mlvet.monitoring import profile_against, profile_reference

    ref, cur = pairs(0, 3_000, 0.8), pairs(1, 3_000, -0.8)
    report = drift(ref, cur, multivariate=True)
    ref_p = profile_reference(ref)
    page = report.to_html(ref_p, profile_against(cur, ref_p))
    assert "Multivariate:" in page and f"{report.multivariate.auc:.3f}" in page  # type: ignore[union-attr]
