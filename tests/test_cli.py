"""The command line, driven through Typer's runner: exit codes and output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

import mlvet
import mlvet.guard
import mlvet.monitoring
from mlvet.cli import app
from mlvet.ledger import _schema as s

runner = CliRunner()


def _seed(url: str) -> None:
    ref = pd.DataFrame({"cusip": ["A", "B", "C", "D"], "vol": [1.0, 2.0, 3.0, 4.0]})
    mlvet.register_dataset(
        ref, "fails", schema=mlvet.infer_schema(ref), produced_by="extract", ledger=url
    )
    bad = ref.assign(vol=[-1.0, 2.0, 3.0, 4.0])
    mlvet.register_dataset(bad, "fails", produced_by="manual", strict=False, ledger=url)


def test_rules_and_explain() -> None:
    out = runner.invoke(app, ["rules"], terminal_width=200)
    assert out.exit_code == 0 and "DC101" in out.output and "DC302" in out.output
    data = json.loads(runner.invoke(app, ["rules", "--format", "json"]).output)
    assert {d["code"] for d in data} == {r.code for r in mlvet.rules()}
    guards = {d["code"]: d["guard"] for d in data}
    assert guards["DL101"] == "lint" and guards["DL201"] == "check_split"
    assert guards["DL301"] == "trace" and guards["GE301"] == "vault"
    page = runner.invoke(app, ["explain", "dc103"])
    assert page.exit_code == 0 and "## Why is this bad?" in page.output
    bad = runner.invoke(app, ["explain", "XX123"])
    assert bad.exit_code == 2 and "mlvet rules" in bad.output


def test_audit_verify_exit_codes(sqlite_url: str) -> None:
    _seed(sqlite_url)
    ok = runner.invoke(app, ["audit", "verify", "--db", sqlite_url])
    assert ok.exit_code == 0 and "OK" in ok.output
    head = runner.invoke(app, ["audit", "head", "--db", sqlite_url]).output.split()
    led = mlvet.open_ledger(sqlite_url)
    with led.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify", "--db", sqlite_url], terminal_width=200)
    assert broken.exit_code == 1 and "event 2" in broken.output and "edited" in broken.output
    js = json.loads(
        runner.invoke(app, ["audit", "verify", "--db", sqlite_url, "-f", "json"]).output
    )
    assert js["ok"] is False and js["problems"][0]["seq"] == 2
    assert len(head) == 2 and len(head[1]) == 64
    log = runner.invoke(app, ["audit", "log", "--db", sqlite_url], terminal_width=200)
    assert log.exit_code == 0 and "datasets" in log.output and head[1][:12] in log.output


def test_catalog_lineage_findings_scorecard(sqlite_url: str, tmp_path: Path) -> None:
    _seed(sqlite_url)
    listing = runner.invoke(app, ["catalog", "list", "--db", sqlite_url], terminal_width=200)
    assert listing.exit_code == 0 and "fails" in listing.output
    show = json.loads(
        runner.invoke(app, ["catalog", "show", "fails@2", "--db", sqlite_url, "-f", "json"]).output
    )
    assert show["status"] == "quarantined" and show["findings"][0]["code"] == "DC104"
    missing = runner.invoke(app, ["catalog", "show", "nope", "--db", sqlite_url])
    assert missing.exit_code == 2 and "No dataset version" in missing.output
    found = runner.invoke(app, ["findings", "--db", sqlite_url, "-f", "sarif"])
    assert found.exit_code == 1 and json.loads(found.output)["version"] == "2.1.0"
    assert runner.invoke(app, ["findings", "--db", sqlite_url, "--exit-zero"]).exit_code == 0
    tree = runner.invoke(
        app, ["lineage", "fails@1", "--db", sqlite_url, "--plot", str(tmp_path / "l.png")]
    )
    assert tree.exit_code == 0 and "fails@1" in tree.output and (tmp_path / "l.png").exists()
    ol = json.loads(
        runner.invoke(app, ["lineage", "fails@1", "--db", sqlite_url, "-f", "openlineage"]).output
    )
    assert ol[0]["eventType"] == "COMPLETE"
    card = json.loads(runner.invoke(app, ["scorecard", "--db", sqlite_url, "-f", "json"]).output)
    dc = next(r for r in card if r["family"] == "DC")
    assert dc["status"] == "guarded" and dc["caught"] == 1  # quarantined = caught
    assert {r["status"] for r in card if r["family"] != "DC"} == {"not checked"}


def test_info_findings_do_not_fail_the_gate_and_formats_are_checked(sqlite_url: str) -> None:
    mlvet.register_dataset(pd.DataFrame({"a": [1]}), "plain", produced_by="t", ledger=sqlite_url)
    out = runner.invoke(app, ["findings", "--db", sqlite_url], terminal_width=200)
    assert out.exit_code == 0 and "DC106" in out.output
    bad = runner.invoke(app, ["catalog", "list", "--db", sqlite_url, "-f", "sarif"])
    assert bad.exit_code == 2 and "'sarif' is not one of" in bad.output


def test_register_a_file(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "fails.csv"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_csv(path, index=False)
    out = runner.invoke(
        app, ["catalog", "register", str(path), "--name", "fails", "--db", sqlite_url]
    )
    assert out.exit_code == 0 and "fails@1 active" in out.output
    bad = runner.invoke(
        app, ["catalog", "register", str(tmp_path / "x.xlsx"), "--name", "f", "--db", sqlite_url]
    )
    assert bad.exit_code == 2 and "not a file" in bad.output


def test_db_upgrade_creates_a_postgres_ledger(pg_url: str) -> None:
    out = runner.invoke(app, ["db", "upgrade", "--db", pg_url])
    from mlvet.ledger import head_revision

    assert out.exit_code == 0 and f"-> {head_revision()}" in out.output
    assert runner.invoke(app, ["audit", "verify", "--db", pg_url]).exit_code == 0


@pytest.mark.slow
def test_demo_tells_chapters_one_to_six(tmp_path: Path) -> None:
    out = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")], terminal_width=160)
    assert out.exit_code == 0, out.output
    assert "QUARANTINED" in out.output and "DC202" in out.output and "verified" in out.output
    assert (tmp_path / "demo" / "lineage.png").exists()
    events = json.loads((tmp_path / "demo" / "openlineage.json").read_text())
    assert {e["job"]["name"] for e in events} == {
        "extract_settlement_data",
        "clean_settlement_data",
        "build_features",
    }
    url = f"sqlite:///{tmp_path / 'demo' / 'ledger.db'}"
    assert mlvet.open_ledger(url).verify().ok
    # it ends with the dashboard's command and a token that opens it
    assert f"mlvet serve --db '{url}'" in out.output
    token = re.search(r"^\s*(mlvet_[A-Za-z0-9_-]{40,})\s*$", out.output, re.M)
    assert token is not None, out.output[-800:]
    from mlvet.dashboard import authenticate

    who = authenticate(mlvet.open_ledger(url), token.group(1))
    assert who is not None and (who.name, who.role) == ("demo", "admin")
    _walk_the_demo_dashboard(url, token.group(1))
    card = {r.family: r.status for r in mlvet.scorecard(ledger=url)}
    assert card["DC"] == "guarded"
    # chapter 2: the leaky draft is caught, its fixed twin is clean and supersedes it
    for code in ("DL141", "DL142", "DL101", "DL131", "GE101"):
        assert code in out.output
    assert "(fixed twin)\nAll clear." in out.output
    draft = tmp_path / "demo" / "notebooks" / "drafts" / "fails_forecast_v1.ipynb"
    relint = runner.invoke(app, ["lint", str(draft), "--format", "json"])
    assert relint.exit_code == 1
    assert {f["code"] for f in json.loads(relint.stdout)} >= {"DL141", "DL101", "GE101"}
    # chapter 3: the leaky script is caught by lint, by trace and by check_split
    led = mlvet.open_ledger(url)
    with led.connect() as conn:
        runs = {r.kind: r.id for r in conn.execute(select(s.runs.c.kind, s.runs.c.id))}
        rows = conn.execute(
            select(s.findings.c.code, s.runs.c.kind, s.runs.c.name).join(s.runs)
        ).all()
    by_kind: dict[str, set[str]] = {}
    for code, kind, name in rows:
        if name != "honest pipeline":
            by_kind.setdefault(kind, set()).add(code)
    assert {"trace", "check_split", "lint"} <= set(runs)
    assert {"DL301", "DL302", "DL303"} <= by_kind["trace"]
    assert {"DL201", "DL204", "DL205"} <= by_kind["check_split"]
    assert {"DL111", "DL101", "DL131"} <= by_kind["lint"]
    honest = tmp_path / "demo" / "pipelines" / "honest_pipeline.py"
    assert runner.invoke(app, ["lint", str(honest)]).exit_code == 0
    flat = " ".join(out.output.split())
    leaky = float(flat.split("minority-class F1 on the random split: ")[1][:4])
    sealed = re.search(r"sealed 2021 test year, evaluated once\s*│\s*([0-9.]+)", flat)
    assert sealed and leaky > 0.9 and float(sealed.group(1)) < 0.6
    assert "refused GE301" in out.output and "DL207" in out.output
    (info,) = mlvet.vaults(ledger=url)
    assert info.final_spent == 1 and info.n_rows == 15_000
    assert card["DL"] == "violated" and card["GE"] == "at risk"
    # chapter 4: a recorded search, a comparison with baselines, an ablation's credit
    with led.connect() as conn:
        search = conn.execute(select(s.runs).where(s.runs.c.kind == "tune")).mappings().one()
        trials = conn.execute(select(s.trials).where(s.trials.c.run_id == search["id"])).all()
        ablation = conn.execute(select(s.ablations)).mappings().one()
    assert search["name"] == "fails-gbm-search" and search["status"] == "completed"
    assert len(trials) == 13  # twelve trials and the defaults
    credits = {c["name"]: c["shapley"] for c in json.loads(ablation["result_json"])["credits"]}
    assert credits["tuning"] < min(v for k, v in credits.items() if k != "tuning")
    assert "CA201 'tuning' is credited with the improvement" in flat
    assert "gbm tuned is not shown to beat gbm defaults" in flat
    assert "baseline: linear" in out.output
    assert (tmp_path / "demo" / "tuning.png").exists() and (
        tmp_path / "demo" / "credit.png"
    ).exists()
    assert card["CA"] == "at risk" and card["TC"] != "not checked" and card["PE"] != "not checked"
    # chapter 5: the guarded model, its routing, a review decided, the decision log
    assert (tmp_path / "demo" / "reliability.png").exists()
    assert "data:image/png;base64," in (tmp_path / "demo" / "calibration.html").read_text()
    assert "review item 1 decided by ops-desk" in out.output and "ethical landmine" in out.output
    decided = runner.invoke(
        app, ["review", "list", "--status", "decided", "--db", url, "-f", "json"]
    )
    assert [i["reviewer"] for i in json.loads(decided.output)] == ["ops-desk"]
    history = mlvet.guard.model_history("fails-forecaster", ledger=url)
    assert [h["stage"] for h in history] == ["candidate", "production"]
    assert card["CW"] == "guarded"
    shown = runner.invoke(app, ["trials", "fails-gbm-search", "--db", url], terminal_width=200)
    assert shown.exit_code == 0 and "default" in shown.output and shown.output.count(" 5/5 ") == 13
    # chapter 6: months through the March-2020 shift; alerts; estimated vs realized;
    # a deployment check finds the unwatched and the unrevalidated, and the fix clears it
    monitor = mlvet.monitoring.Monitor.open("fails-2019-inputs", ledger=url)
    perf = monitor.performance()
    acc = perf[perf.metric == "accuracy"].set_index("batch_key")
    assert acc.realized["2020-04"] < acc.realized["2020-01"] - 0.05  # the shift costs accuracy
    assert acc.estimated["2020-04"] < 0.85  # and the estimate saw it with no labels
    assert acc.realized.isna().tolist()[-1]  # December's outcomes have not come yet
    assert abs(acc.error["2020-01"]) < 0.02 and abs(acc.error["2020-10"]) < 0.03
    opened = {a.rule: a.detail["batches"] for a in mlvet.monitoring.alerts(ledger=url)}
    assert opened["estimated_accuracy < 0.85"] == ["2020-03"]
    assert opened["realized_accuracy < 0.85"] == ["2020-03"]
    assert "drifted_share >= 0.5" in opened
    assert "AN201 fails-forecaster@1" in flat and "SF202 fails-forecaster-2019@1" in flat
    assert "0 finding(s) left" in flat
    assert card["AN"] == "guarded" and card["SF"] == "guarded"
    for png in ("performance.png", "drift_over_time.png"):
        assert (tmp_path / "demo" / png).stat().st_size > 10_000
    shown = runner.invoke(app, ["monitor", "show", "fails-2019-inputs", "--db", url])
    assert shown.exit_code == 0, shown.output


def test_error_messages_are_not_broken_across_lines(tmp_path: Path, sqlite_url: str) -> None:
    long_path = tmp_path / ("d" * 120) / "file.xlsx"
    bad = runner.invoke(
        app, ["catalog", "register", str(long_path), "--name", "f", "--db", sqlite_url]
    )
    assert bad.exit_code == 2 and f"error: {long_path} is not a file." in bad.output


def _walk_the_demo_dashboard(url: str, token: str) -> None:
    """Every page of the dashboard renders the demo's ledger, with its real content."""
    from fastapi.testclient import TestClient

    from mlvet.dashboard import create_app

    client = TestClient(create_app(url))
    h = {"Authorization": f"Bearer {token}"}
    runs = client.get("/api/runs", params={"kind": "tune"}, headers=h).json()["items"]
    versions = client.get("/api/datasets/fails_features/versions", headers=h).json()["items"]
    expect = {
        "/": "deployment &amp; maintenance",
        "/findings?family=DL": "DL1",
        "/experiments?kind=runs&family=SF": "deployments",
        "/catalog?show=quarantined": "fails_daily@",
        f"/versions/{versions[0]['id']}": 'class="node',
        "/searches/1": "learning_rate",
        "/comparisons/1": "is not shown to beat",
        "/ablations/1": "market metrics",
        f"/runs/{runs[0]['id']}": "the search",
        "/vault/fails-2021-final": "final report",
        "/models/fails-forecaster": "Fallback chain",
        "/monitors/fails-2019-inputs": "estimated_accuracy &lt; 0.85",
        "/alerts?status=all": "the March repo squeeze",
        "/reviews?status=decided": "checked against the settlement report",
        "/audit": "Verify the chain now",
        "/settings": "demo",
    }
    checks = client.get("/api/runs", params={"family": "AN"}, headers=h).json()
    assert checks["total"] >= 1 and all("AN" in r["families"].split(",") for r in checks["items"])
    assert (
        'class="checks" href="/experiments?kind=runs&amp;family=AN"'
        in client.get("/", headers=h).text
    )
    trials = client.get("/api/searches/1/trials", params={"limit": 100}, headers=h).json()
    assert sum(t["defaults"] for t in trials["items"]) == 1
    assert all(t["mean"] is not None for t in trials["items"] if t["status"] == "ok")
    assert "{'bias'" not in client.get("/searches/1", headers=h).text
    for path, shown in expect.items():
        page = client.get(path, headers=h)
        assert page.status_code == 200, (path, page.status_code)
        assert shown in page.text, (path, shown)
