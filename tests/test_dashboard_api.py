"""The dashboard's API and pages, served in-process on a real ledger (SQLite and PostgreSQL).

Access is checked for every route the app has (not a hand-kept list), roles for every
route that changes something, and every page is searched for markup that came from data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from mlvet.dashboard import create_app, create_token, revoke_token, tokens
from mlvet.exceptions import InputError, NotFoundError, StateError
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger
from tests._dashboard_world import HOSTILE, HOSTILE_IMG, build_world

PATH_VALUES = {
    "finding_id": "1",
    "run_id": "00000000",
    "name": "fails-watch",
    "item_id": "1",
    "alert_id": "1",
    "token_id": "1",
    "kind": "searches",
    "version_id": "1",
    "search_id": "1",
    "code": "DL101",
    "action": "acknowledge",
}
OPEN = {"/api/health", "/login"}


@pytest.fixture
def world(ledger_url: str) -> dict[str, Any]:
    return build_world(ledger_url) | {"url": ledger_url}


def _client(url: str) -> TestClient:
    return TestClient(create_app(url), follow_redirects=False)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if path.startswith("/static") or path in OPEN:
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            filled = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
            out.append((method, filled))
    return out


def _events(url: str) -> int:
    with open_ledger(url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(s.events)).scalar() or 0)


def login(client: TestClient, token: str) -> str:
    """Log in through the form as a browser would; return the session's CSRF secret."""
    page = client.get("/login")
    pre = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert pre is not None
    done = client.post("/login", data={"token": token, "csrf": pre.group(1), "next": "/alerts"})
    assert done.status_code == 303 and done.headers["location"] == "/alerts", done.text
    home = client.get("/alerts")
    csrf = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert csrf is not None
    return csrf.group(1)


def test_every_route_but_health_and_login_needs_a_token(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    routes = _routes(client)
    assert len(routes) > 50  # every page and API route the app has
    before = _events(world["url"])
    for method, path in routes:
        answer = client.request(method, path)
        if path.startswith("/api"):
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert "token" in answer.json()["error"]
        else:
            assert answer.status_code in (303, 401, 403), (method, path, answer.status_code)
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/login")
    bad = client.get("/api/me", headers={"Authorization": "Bearer mlvet_not-a-real-token"})
    assert bad.status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert _events(world["url"]) == before  # refused requests record nothing


def test_roles_on_every_route_that_changes_something(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    tok = world["tokens"]
    writes = [
        r
        for r in client.app.routes  # type: ignore[attr-defined]
        if isinstance(r, APIRoute) and r.path.startswith("/api") and "POST" in r.methods
    ]
    assert {r.path for r in writes} == {
        "/api/alerts/{alert_id}/acknowledge",
        "/api/alerts/{alert_id}/resolve",
        "/api/reviews/{item_id}/decide",
        "/api/audit/verify",
        "/api/tokens",
        "/api/tokens/{token_id}/revoke",
    }
    bodies = {
        "/api/alerts/{alert_id}/acknowledge": {"reason": "on it"},
        "/api/alerts/{alert_id}/resolve": {"reason": "fixed upstream"},
        "/api/reviews/{item_id}/decide": {"label": 1, "reason": "checked"},
        "/api/audit/verify": None,
        "/api/tokens": {"name": "new-bot", "role": "viewer"},
        "/api/tokens/{token_id}/revoke": None,
    }
    minimum = {
        "/api/alerts/{alert_id}/acknowledge": "reviewer",
        "/api/alerts/{alert_id}/resolve": "reviewer",
        "/api/reviews/{item_id}/decide": "reviewer",
        "/api/audit/verify": "viewer",
        "/api/tokens": "admin",
        "/api/tokens/{token_id}/revoke": "admin",
    }
    order = ("viewer", "reviewer", "admin")
    for route in writes:
        path = route.path.replace("{alert_id}", "1").replace(
            "{item_id}", str(world["review_ids"][0])
        )
        path = path.replace("{token_id}", "4")  # mallory's viewer token
        for role in order:
            allowed = order.index(role) >= order.index(minimum[route.path])
            before = _events(world["url"])
            answer = client.post(path, json=bodies[route.path], headers=_auth(tok[role]))
            if allowed:
                # allowed: done, or refused for what it asks (e.g. acknowledged already)
                assert answer.status_code in (200, 201, 409), (path, role, answer.text)
            else:
                assert answer.status_code == 403, (path, role, answer.text)
                assert minimum[route.path] in answer.json()["error"]
                assert _events(world["url"]) == before  # nothing recorded
    admin_only = client.get("/api/tokens", headers=_auth(tok["reviewer"]))
    assert admin_only.status_code == 403
    listed = client.get("/api/tokens", headers=_auth(tok["admin"])).json()["items"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.get("/settings", headers=_auth(tok["viewer"])).status_code == 403


def test_alerts_acknowledged_and_resolved_with_who_and_why(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    rev = _auth(world["tokens"]["reviewer"])
    opened = client.get("/api/alerts", headers=rev).json()
    assert opened["total"] == 2 and {a["rule"] for a in opened["items"]} == {
        f"psi[{HOSTILE}] > 0.2",
        "drifted_share >= 0.3",
    }
    first = opened["items"][0]["id"]
    ack = client.post(
        f"/api/alerts/{first}/acknowledge", json={"reason": "desk is on it"}, headers=rev
    )
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    again = client.post(f"/api/alerts/{first}/acknowledge", json={"reason": "x"}, headers=rev)
    assert again.status_code == 409 and "acknowledged already" in again.json()["error"]
    done = client.post(f"/api/alerts/{first}/resolve", json={"reason": "feed fixed"}, headers=rev)
    assert done.json()["status"] == "resolved"
    blank = client.post(f"/api/alerts/{first}/resolve", json={"reason": ""}, headers=rev)
    assert blank.status_code == 422
    missing = client.post("/api/alerts/999/acknowledge", json={"reason": "x"}, headers=rev)
    assert missing.status_code == 404 and "No alert 999" in missing.json()["error"]
    led = open_ledger(world["url"])
    events = [e for e in led.events() if e["kind"] == "alerts.update"]
    assert [(e["actor"], e["payload"]["row"]["reason"]) for e in events] == [
        ("reviewer-bot (token 2)", "desk is on it"),
        ("reviewer-bot (token 2)", "feed fixed"),
    ]
    assert led.verify().ok


def test_reviews_are_decided_once_and_paginate_by_keyset(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    view = _auth(world["tokens"]["viewer"])
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 50} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/reviews", params=params, headers=view).json()
        assert page["total"] == len(world["review_ids"])
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(world["review_ids"], reverse=True)  # newest first, each once
    bad = client.get("/api/reviews", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=view)
    assert bad.status_code == 400 and "first page" in bad.json()["error"]
    assert client.get("/api/reviews", params={"limit": 0}, headers=view).status_code == 422
    assert client.get("/api/reviews", params={"limit": 501}, headers=view).status_code == 422

    rev = _auth(world["tokens"]["reviewer"])
    item = world["review_ids"][3]
    shown = client.get(f"/api/reviews/{item}", headers=rev).json()
    assert shown["row_key"].startswith(HOSTILE) and shown["status"] == "open"
    decided = client.post(
        f"/api/reviews/{item}/decide", json={"label": 0, "reason": "settled on time"}, headers=rev
    )
    assert decided.status_code == 200
    body = decided.json()
    assert (body["status"], body["reviewer"], body["decision"]["label"]) == (
        "decided",
        "reviewer-bot (token 2)",
        0,
    )
    twice = client.post(
        f"/api/reviews/{item}/decide", json={"label": 1, "reason": "x"}, headers=rev
    )
    assert twice.status_code == 409 and "not overwritten" in twice.json()["error"]
    assert (
        client.get("/api/reviews", params={"status": "decided"}, headers=rev).json()["total"] == 1
    )


def test_browser_session_cookie_csrf_and_revocation(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    page = client.get("/login")
    assert "mlvet_login_csrf" in page.headers["set-cookie"]
    stale = client.post("/login", data={"token": world["tokens"]["reviewer"], "csrf": "forged"})
    assert stale.status_code == 403
    wrong = client.post(
        "/login",
        data={
            "token": "mlvet_nope",
            "csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1),
        },  # type: ignore[union-attr]
    )
    assert wrong.status_code == 303 and "error=" in wrong.headers["location"]
    pre = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert pre is not None
    made = client.post("/login", data={"token": world["tokens"]["reviewer"], "csrf": pre.group(1)})
    session = next(h for h in made.headers.get_list("set-cookie") if h.startswith("mlvet_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Max-Age=43200" in session
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/alerts").text).group(1)  # type: ignore[union-attr]
    alert = client.get("/api/alerts", headers={}).json()["items"][0]["id"]
    # a form without the session's CSRF secret is refused, and nothing is recorded
    before = _events(world["url"])
    forged = client.post(f"/alerts/{alert}/acknowledge", data={"reason": "x", "csrf": "guess"})
    assert forged.status_code == 403 and _events(world["url"]) == before
    # an API call made with the cookie must send the secret as a header
    assert client.post(f"/api/alerts/{alert}/acknowledge", json={"reason": "x"}).status_code == 403
    ok = client.post(
        f"/alerts/{alert}/acknowledge", data={"reason": "seen in the browser", "csrf": csrf}
    )
    assert ok.status_code == 303
    assert client.get("/api/alerts", params={"status": "acknowledged"}).json()["total"] == 1
    via_header = client.post(
        f"/api/alerts/{alert}/resolve", json={"reason": "done"}, headers={"X-CSRF-Token": csrf}
    )
    assert via_header.status_code == 200
    # logins are events; revoking the token ends the session at once
    led = open_ledger(world["url"])
    assert [e["actor"] for e in led.events() if e["kind"] == "dashboard.login"] == [
        "reviewer-bot (token 2)"
    ]
    reviewer_id = next(t.id for t in tokens(ledger=world["url"]) if t.name == "reviewer-bot")
    revoke_token(reviewer_id, actor="security", ledger=world["url"])
    assert client.get("/api/me").status_code == 401
    assert client.get("/alerts").status_code == 303
    with led.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.dashboard_sessions)).scalar() == 0
    assert led.verify().ok


def test_logout_ends_the_session(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    csrf = login(client, world["tokens"]["viewer"])
    assert client.get("/api/me").json() == {"name": "viewer-bot", "role": "viewer"}
    assert client.post("/logout", data={"csrf": "nope"}).status_code == 403
    out = client.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/api/me").status_code == 401
    kinds = [e["kind"] for e in open_ledger(world["url"]).events()][-2:]
    assert kinds == ["dashboard.login", "dashboard.logout"]
    assert open_ledger(world["url"]).verify().ok  # logins and logouts keep the chain whole


def test_every_page_escapes_what_came_from_data(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    login(client, world["tokens"]["admin"])
    with open_ledger(world["url"]).connect() as conn:
        version = conn.execute(select(func.max(s.dataset_versions.c.id))).scalar()
        search_run = conn.execute(select(s.comparisons.c.id)).scalar()
    pages = [
        "/",
        "/findings?status=all",
        "/catalog",
        "/catalog/raw_fails",
        f"/versions/{version}",
        "/experiments?kind=comparisons",
        f"/comparisons/{search_run}",
        "/experiments?kind=runs",
        "/vault",
        "/vault/fails-final",
        "/models",
        "/models/fails-model",
        "/monitors",
        "/monitors/fails-watch",
        "/alerts?status=all",
        "/reviews",
        f"/reviews/{world['review_ids'][0]}",
        "/audit",
        "/settings",
        "/catalog/" + HOSTILE,  # a 404 that repeats the name
    ]
    for path in pages:
        page = client.get(path)
        assert page.status_code in (200, 404), (path, page.status_code)
        assert HOSTILE not in page.text, path
        assert "<img src=x" not in page.text, path
        assert "onerror=alert" not in page.text or "&lt;img" in page.text, path
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
    monitor = client.get("/monitors/fails-watch").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in monitor  # shown, as text
    assert "\\u003cscript\\u003e" in monitor  # and escaped inside the chart data block
    with pytest.raises(InputError, match="letters, digits"):
        create_token(HOSTILE, "viewer", ledger=world["url"])  # a holder's name is plain


def test_vault_pages_show_the_commitment_and_log_never_rows(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    view = _auth(world["tokens"]["viewer"])
    info = client.get("/api/vaults/fails-final", headers=view).json()
    assert info["n_rows"] == 300 and len(info["commitment"]) == 64
    assert info["final_spent"] == 1 and info["remaining"] == 2 and info["reads"] == 1
    reads = client.get("/api/vaults/fails-final/reads", headers=view).json()["items"]
    assert [r["purpose"] for r in reads] == ["final report"]
    listed = client.get("/api/vaults", headers=view).json()["items"][0]
    assert (listed["final_spent"], listed["remaining"]) == (1, 2)
    # no route reads the sealed rows: the dashboard's code never names their table
    source = Path(__file__).resolve().parents[1] / "src" / "mlvet" / "dashboard"
    assert not [p for p in source.rglob("*.py") if "vault_contents" in p.read_text()]
    page = client.get("/vault/fails-final", headers=view).text
    assert "payload" not in page and "salt" not in page


def test_audit_verification_is_recorded_and_finds_tampering(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    view = _auth(world["tokens"]["viewer"])
    assert client.get("/api/audit", headers=view).json() == {"last_verification": None}
    ok = client.post("/api/audit/verify", headers=view).json()
    assert ok["ok"] and ok["n_events"] > 100
    last = client.get("/api/audit", headers=view).json()["last_verification"]
    assert last["ok"] and last["actor"] == "viewer-bot (token 1)"
    with open_ledger(world["url"]).engine.begin() as conn:
        conn.execute(text("UPDATE alerts SET reason = 'edited by hand' WHERE id = 1"))
    broken = client.post("/api/audit/verify", headers=view).json()
    assert not broken["ok"] and any("alerts" in p for p in broken["problems"])
    card = client.get("/api/scorecard", headers=view).json()
    assert card["last_verification"]["ok"] is False
    events = client.get("/api/audit/events", params={"kind": "audit.verify"}, headers=view).json()
    assert events["total"] == 2


def test_lists_and_details_answer_from_the_ledger(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    h = _auth(world["tokens"]["viewer"])
    monitor = client.get("/api/monitors/fails-watch", headers=h).json()
    assert monitor["batches"] == 4 and "calibrator" not in monitor["config"]
    batches = client.get("/api/monitors/fails-watch/batches", params={"limit": 3}, headers=h).json()
    assert [b["batch_key"] for b in batches["items"]] == ["2026-04", "2026-03", "2026-02"]
    assert (
        HOSTILE in batches["items"][0]["drifted"] and HOSTILE not in batches["items"][2]["drifted"]
    )
    series = client.get("/api/monitors/fails-watch/series", headers=h).json()
    assert series["batches"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert series["drift"][HOSTILE][3] > 0.2 > series["drift"][HOSTILE][0]
    catalog = client.get("/api/datasets", headers=h).json()
    assert {d["name"] for d in catalog["items"]} == {"raw_fails", "clean_fails"}
    raw = client.get("/api/datasets/raw_fails", headers=h).json()
    assert raw["description"] == HOSTILE_IMG
    versions = client.get("/api/datasets/raw_fails/versions", headers=h).json()
    assert versions["total"] == 1 and versions["items"][0]["name"] == "raw_fails"
    quarantined = client.get("/api/quarantined", headers=h).json()
    assert quarantined["total"] == 0
    lineage = client.get(f"/api/versions/{versions['items'][0]['id']}/lineage", headers=h).json()
    names = {n["id"]: n["name"] for n in lineage["nodes"]}
    assert [(names[e["parent"]], names[e["child"]], e["step"]) for e in lineage["edges"]] == [
        ("raw_fails", "clean_fails", "build_world.<locals>.clean")
    ]
    model = client.get("/api/models/fails-model", headers=h).json()
    card = model["versions"]["items"][0]["card"]
    assert card["guarded"] and card["calibration"]["n"] == 300
    comparisons = client.get("/api/experiments/comparisons", headers=h).json()
    assert comparisons["total"] == 1 and "tree" in comparisons["items"][0]["verdict"]
    runs = client.get("/api/runs", params={"limit": 2}, headers=h).json()
    assert runs["total"] >= 3 and len(runs["items"]) == 2 and runs["next_cursor"]
    rest = client.get("/api/runs", params={"limit": 100, "cursor": runs["next_cursor"]}, headers=h)
    assert len(rest.json()["items"]) == runs["total"] - 2
    for missing in (
        "/api/models/nope",
        "/api/monitors/nope",
        "/api/findings/99999",
        "/api/runs/zzzz",
    ):
        answer = client.get(missing, headers=h)
        assert answer.status_code == 404 and "No " in answer.json()["error"], missing
    one = client.get("/alerts", params={"status": "all", "monitor": "fails-watch"}, headers=h)
    assert one.status_code == 200 and 'of <a href="/monitors/fails-watch">' in one.text
    wrong = client.get("/api/alerts", params={"status": "closed"}, headers=h)
    assert wrong.status_code == 422


def test_tokens_validate_and_show_the_secret_once(sqlite_url: str) -> None:
    info, secret = create_token("ops-desk", "reviewer", actor="alice", ledger=sqlite_url)
    assert secret.startswith("mlvet_") and len(secret) > 40 and info.created_by == "alice"
    with open_ledger(sqlite_url).connect() as conn:
        stored = conn.execute(select(s.api_tokens.c.token_hash)).scalar()
    assert stored != secret and secret not in str(open_ledger(sqlite_url).events())
    with pytest.raises(InputError, match="role must be one of viewer, reviewer, admin"):
        create_token("x", "root", ledger=sqlite_url)
    with pytest.raises(InputError):
        create_token("   ", "viewer", ledger=sqlite_url)
    with pytest.raises(NotFoundError):
        revoke_token(99, ledger=sqlite_url)
    revoke_token(info.id, actor="alice", ledger=sqlite_url)
    with pytest.raises(StateError, match="revoked already"):
        revoke_token(info.id, ledger=sqlite_url)
    assert not tokens(ledger=sqlite_url)[0].active
    assert open_ledger(sqlite_url).verify().ok


def test_token_cli(sqlite_url: str) -> None:
    from typer.testing import CliRunner

    from mlvet.cli import app

    runner = CliRunner()
    open_ledger(sqlite_url)
    made = runner.invoke(
        app, ["token", "create", "--role", "viewer", "--name", "auditor", "--db", sqlite_url]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("mlvet_")
    listed = runner.invoke(app, ["token", "list", "--db", sqlite_url, "-f", "json"])
    assert '"name": "auditor"' in listed.stdout and secret not in listed.stdout
    bad = runner.invoke(app, ["token", "create", "--role", "root", "--db", sqlite_url])
    assert bad.exit_code == 2
    gone = runner.invoke(app, ["token", "revoke", "1", "--db", sqlite_url])
    assert gone.exit_code == 0 and "revoked" in gone.stdout
    nowhere = runner.invoke(app, ["token", "list", "--db", "sqlite:////nonexistent/x.db"])
    assert nowhere.exit_code == 2
    no_ledger = runner.invoke(app, ["serve", "--db", "sqlite:////nonexistent/x.db"])
    assert no_ledger.exit_code == 2 and "No ledger at /nonexistent/x.db" in no_ledger.output


def test_odd_input_is_a_clear_error_never_a_crash(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    h = _auth(world["tokens"]["reviewer"])
    # NUL anywhere: refused alike on SQLite and PostgreSQL (which cannot store it)
    for path in ("/api/models/a%00b", "/api/runs?kind=x%00", "/catalog/%00"):
        answer = client.get(path, headers=h)
        assert answer.status_code == 400 and "NUL" in answer.text, path
    nul = client.post("/api/alerts/1/acknowledge", json={"reason": "a\x00b"}, headers=h)
    assert nul.status_code == 422
    # a cursor this list did not give out: another list's, or one holding an impossible key
    events = client.get("/api/audit/events", params={"limit": 1}, headers=h).json()
    foreign = client.get("/api/reviews", params={"cursor": events["next_cursor"]}, headers=h)
    assert foreign.status_code == 400 and "does not belong to this list" in foreign.text
    from mlvet.dashboard._pages import encode_cursor

    huge = encode_cursor("findings.id", [2**63])
    assert client.get("/api/findings", params={"cursor": huge}, headers=h).status_code == 400
    # a run prefix is hexadecimal; LIKE's wildcards are not wildcards
    assert client.get("/api/runs/%25", headers=h).status_code == 404
    assert client.get("/api/runs/_", headers=h).status_code == 404
    # labels: bounded, and typed like the prediction when typed into the form
    item = world["review_ids"][5]
    long = client.post(
        f"/api/reviews/{item}/decide", json={"label": "x" * 256, "reason": "r"}, headers=h
    )
    assert long.status_code == 422
    # a validation error on a page is a page, not JSON
    client.cookies.clear()
    login(client, world["tokens"]["reviewer"])
    page = client.get("/alerts?limit=0")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "limit" in page.text
    wrong = client.get("/login?error=<b>phish</b>")
    assert wrong.status_code == 422 and "phish" not in wrong.text


def test_a_form_label_is_read_as_the_prediction_type(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    csrf = login(client, world["tokens"]["reviewer"])
    item = world["review_ids"][6]
    done = client.post(
        f"/reviews/{item}/decide",
        data={"action": "override", "label": "1.0", "reason": "settled late", "csrf": csrf},
    )
    assert done.status_code == 303
    decided = client.get(f"/api/reviews/{item}").json()["decision"]
    assert decided["label"] == 1 and isinstance(decided["label"], int)


def test_names_with_slashes_are_reachable(ledger_url: str) -> None:
    import pandas as pd

    import mlvet

    mlvet.register_dataset(
        pd.DataFrame({"x": [1.0, 2.0]}), "team/sales", produced_by="extract", ledger=ledger_url
    )
    _, token = create_token("ana", "viewer", ledger=ledger_url)
    client = _client(ledger_url)
    h = _auth(token)
    assert client.get("/api/datasets/team%2Fsales", headers=h).json()["name"] == "team/sales"
    versions = client.get("/api/datasets/team/sales/versions", headers=h).json()
    assert versions["total"] == 1 and versions["items"][0]["name"] == "team/sales"
    login(client, token)
    assert client.get("/catalog/team%2Fsales").status_code == 200


def test_token_names_are_unique_and_plain(sqlite_url: str) -> None:
    create_token("ana", "viewer", ledger=sqlite_url)
    with pytest.raises(StateError, match="exists already"):
        create_token("ana", "admin", ledger=sqlite_url)
    with pytest.raises(InputError, match="U\\+202E"):
        create_token("\u202e evil", "viewer", ledger=sqlite_url)
    with pytest.raises(InputError, match="NUL"):
        create_token("a\x00b", "viewer", ledger=sqlite_url)


def test_verifying_twice_with_nothing_new_records_once(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    h = _auth(world["tokens"]["viewer"])
    first = client.post("/api/audit/verify", headers=h).json()
    second = client.post("/api/audit/verify", headers=h).json()
    assert first["ok"] and second["ok"] and second["n_events"] == first["n_events"] + 1
    events = client.get("/api/audit/events", params={"kind": "audit.verify"}, headers=h).json()
    assert events["total"] == 1


def test_a_tampered_vault_log_is_shown_on_its_page(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    h = _auth(world["tokens"]["viewer"])
    assert client.get("/api/vaults/fails-final", headers=h).json()["integrity"] is None
    with open_ledger(world["url"]).engine.begin() as conn:
        conn.execute(text("DELETE FROM vault_reads"))
    shown = client.get("/api/vaults/fails-final", headers=h).json()
    assert "changed outside mlvet" in shown["integrity"]
    login(client, world["tokens"]["viewer"])
    assert "changed outside mlvet" in client.get("/vault/fails-final").text


def test_a_comparison_with_undefined_scores_renders(sqlite_url: str) -> None:
    import numpy as np
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import KFold

    import mlvet

    X = np.arange(60, dtype=float).reshape(-1, 1)
    y = np.r_[np.zeros(57), np.ones(3)].astype(int)  # some folds hold one class only
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns that AUC is undefined on those folds
        _compare_undefined(mlvet, X, y, KFold, DummyClassifier, sqlite_url)
    _, token = create_token("ana", "viewer", ledger=sqlite_url)
    client = _client(sqlite_url)
    login(client, token)
    page = client.get("/comparisons/1")
    assert page.status_code == 200 and "undefined" in page.text


def _compare_undefined(mlvet: Any, X: Any, y: Any, KFold: Any, Dummy: Any, url: str) -> None:
    DummyClassifier = Dummy
    sqlite_url = url
    mlvet.compare(
        {"a": DummyClassifier(strategy="prior"), "b": DummyClassifier(strategy="uniform")},
        X,
        y,
        scoring="roc_auc",
        cv=KFold(3),
        baseline=False,
        name="undefined",
        ledger=sqlite_url,
    )


def test_an_unreadable_ledger_is_a_503_that_names_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    _, token = create_token("ana", "viewer", ledger=url)
    client = _client(url)
    (tmp_path / "ledger.db").unlink()
    (tmp_path / "ledger.db").mkdir()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"ledger.db{suffix}").unlink(missing_ok=True)
    answer = client.get("/api/me", headers=_auth(token))
    assert answer.status_code == 503 and str(tmp_path) not in answer.text


def test_serve_without_the_dashboard_extra_names_it(sqlite_url: str) -> None:
    import subprocess
    import sys

    open_ledger(sqlite_url)
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from mlvet.cli import main\n"
        f"sys.argv = ['mlvet', 'serve', '--db', {sqlite_url!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "pip install 'mlvet[dashboard]'" in done.stderr and "uvicorn" in done.stderr


def test_a_models_versions_and_history_are_paginated(sqlite_url: str) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from mlvet.guard import promote, register_model

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), np.r_[np.zeros(30), np.ones(30)].astype(int)
    for c in (0.1, 1.0, 10.0):
        register_model("desk/fails", LogisticRegression(C=c).fit(X, y), ledger=sqlite_url)
    promote("desk/fails", 3, "production", reason="best on the vault", ledger=sqlite_url)
    _, token = create_token("ana", "viewer", ledger=sqlite_url)
    client = _client(sqlite_url)
    h = _auth(token)
    first = client.get("/api/models/desk/fails/versions", params={"limit": 2}, headers=h).json()
    assert [v["version"] for v in first["items"]] == [3, 2] and first["total"] == 3
    rest = client.get(
        "/api/models/desk/fails/versions", params={"cursor": first["next_cursor"]}, headers=h
    ).json()
    assert [v["version"] for v in rest["items"]] == [1] and rest["next_cursor"] is None
    history = client.get("/api/models/desk/fails/history", headers=h).json()
    assert [(e["version"], e["stage"]) for e in history["items"]][:2] == [
        (3, "production"),
        (3, "candidate"),
    ]
    assert history["total"] == 4
    login(client, token)
    page = client.get("/models/desk%2Ffails?limit=1")
    assert page.status_code == 200 and "v3" in page.text and "older" in page.text
    assert "best on the vault" in client.get("/models/desk%2Ffails/history").text
    # a deep link survives the login page with its name still encoded
    client.cookies.clear()
    bounced = client.get("/models/desk%2Ffails?limit=1")
    assert bounced.status_code == 303 and "desk%252Ffails" in bounced.headers["location"]


def test_second_review_fixes(tmp_path: Path, sqlite_url: str) -> None:
    import sqlite3

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from typer.testing import CliRunner

    from mlvet.cli import app
    from mlvet.dashboard._lineage_svg import layout
    from mlvet.guard import register_model

    # a name that ends like a sub-resource is still that name
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.r_[np.zeros(20), np.ones(20)].astype(int)
    register_model("x", LogisticRegression().fit(X, y), ledger=sqlite_url)
    register_model("x/history", LogisticRegression(C=2).fit(X, y), ledger=sqlite_url)
    _, token = create_token("ana", "viewer", ledger=sqlite_url)
    client = _client(sqlite_url)
    h = _auth(token)
    assert client.get("/api/models/x%2Fhistory", headers=h).json()["name"] == "x/history"
    assert client.get("/api/models/x/history", headers=h).json()["total"] == 1  # x's history
    # names hold no control characters, and are not "." or ".."
    for bad in ("new\nline", "tab\there", ".."):
        with pytest.raises(InputError):
            create_token(bad, "viewer", ledger=sqlite_url)
    with pytest.raises(NotFoundError):
        revoke_token(10**20, ledger=sqlite_url)
    # the token and serve commands never turn another database into a ledger
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    runner = CliRunner()
    refused = runner.invoke(app, ["token", "list", "--db", f"sqlite:///{other}"])
    assert refused.exit_code == 2 and "mlvet db upgrade" in refused.output
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"customers"}
    plain = runner.invoke(app, ["token", "list", "--db", str(other)])
    assert plain.exit_code == 2 and "sqlite:///" in plain.output
    # a damaged ledger with a cycle still draws
    cycle = {
        "root": 1,
        "nodes": [{"id": i, "name": f"n{i}", "version": 1} for i in (1, 2, 3)],
        "edges": [{"parent": a, "child": b} for a, b in ((1, 2), (2, 3), (3, 1))],
    }
    assert len(layout(cycle)["edges"]) == 3


def test_a_monitors_table_pages_through_its_chart_window(world: dict[str, Any]) -> None:
    client = _client(world["url"])
    login(client, world["tokens"]["viewer"])
    first = client.get("/monitors/fails-watch?limit=1").text
    rows = re.findall(r"<tr><td>(2026-0\d)</td>", first)
    assert rows == ["2026-04"]
    assert '"batches": ["2026-01", "2026-02", "2026-03", "2026-04"]' in first  # the chart window
    older = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert older is not None
    second = client.get("/monitors/fails-watch?" + older.group(1).replace("&amp;", "&")).text
    assert re.findall(r"<tr><td>(2026-0\d)</td>", second) == ["2026-03"]
