"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against
`mlvet serve` running under uvicorn with two workers on a real ledger.

A reviewer logs in, walks the scorecard to a finding's evidence, walks the lineage graph,
acknowledges an alert, decides a review and verifies the audit chain; a viewer sees no
buttons it may not press. Throughout, no script from the data runs (no dialog opens), no
request leaves the machine, and the page reports no error. Screenshots are saved under
``tests/artifacts/screenshots``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests._dashboard_world import build_world

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        why = "Debian's chromium is not installed (scripts/install-chromium installs it)"
        if os.environ.get("MLVET_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'ledger.db'}"
    world = build_world(url)
    port = _free_port()
    mlvet = Path(sys.executable).with_name("mlvet")
    proc = subprocess.Popen(
        [str(mlvet), "serve", "--db", url, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            proc.kill()
            raise AssertionError(f"mlvet serve did not start: {proc.stdout.read()!r}")  # type: ignore[union-attr]
        yield world | {"base": base, "url": url}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        proc.stdout.close()  # type: ignore[union-attr]


@pytest.fixture
def browser_page(server: dict[str, Any]) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    trouble: dict[str, list[str]] = {"dialogs": [], "errors": [], "outside": []}
    host = urlparse(server["base"]).netloc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 950})

        def gate(route: Any) -> None:
            if urlparse(route.request.url).netloc != host:
                trouble["outside"].append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", gate)
        page = context.new_page()

        def on_dialog(dialog: Any) -> None:
            trouble["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: trouble["errors"].append(str(exc)))
        page.on(
            "console",
            lambda msg: trouble["errors"].append(msg.text) if msg.type == "error" else None,
        )
        yield page, trouble
        context.close()
        browser.close()


def _login(page: Any, base: str, token: str, then: str = "/") -> None:
    page.goto(base + then)
    assert page.url.startswith(base + "/login")
    page.fill("#token", token)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + then)


def test_reviewer_walks_the_dashboard(
    server: dict[str, Any], browser_page: tuple[Any, dict[str, list[str]]]
) -> None:
    page, trouble = browser_page
    base = server["base"]
    _login(page, base, server["tokens"]["reviewer"])
    assert page.locator("h1").inner_text() == "Scorecard"
    assert [t.lower() for t in page.locator(".stage h2").all_inner_texts()] == [
        "design & development",
        "performance evaluation",
        "deployment & maintenance",
    ]
    dc = page.locator("article[data-family=DC]")
    assert "guarded" in dc.inner_text() or "at risk" in dc.inner_text()
    page.screenshot(path=str(SHOTS / "01-scorecard.png"), full_page=True)

    # scorecard -> the family's findings -> one finding -> its evidence (the data version)
    dc.locator("a", has_text="note").first.click()
    page.wait_for_url("**/findings?family=DC*")
    page.locator("table.list tbody tr td.msg a").first.click()
    page.wait_for_url("**/findings/*")
    assert page.locator("h2", has_text="Evidence").count() == 1
    page.screenshot(path=str(SHOTS / "02-finding-evidence.png"), full_page=True)
    page.locator("ul.evidence a[href^='/versions/']").click()
    page.wait_for_url("**/versions/*")
    here = page.locator("h1").inner_text()
    assert here.startswith(("raw_fails@", "clean_fails@"))

    # the lineage graph: click the neighbour, and back again
    neighbour = page.locator("#lineage a.node:not(.root)")
    assert neighbour.count() == 1
    neighbour.click()
    page.wait_for_url("**/versions/*")
    there = page.locator("h1").inner_text()
    assert there != here and there.split("@")[0] in ("raw_fails", "clean_fails")
    assert (page.locator("#lineage .edge text").first.text_content() or "").endswith("clean")
    page.screenshot(path=str(SHOTS / "03-lineage.png"), full_page=True)
    page.locator("#lineage a.node:not(.root)").click()
    page.wait_for_url("**/versions/*")
    assert page.locator("h1").inner_text() == here

    # acknowledge an alert, with a reason
    page.goto(base + "/alerts")
    rows = page.locator("table.alerts tbody tr[id^=alert-]")
    assert rows.count() == 2
    first = rows.first
    alert_id = first.get_attribute("id")
    first.locator("form[action$='/acknowledge'] input[name=reason]").fill("desk is on it")
    first.locator("form[action$='/acknowledge'] button").click()
    page.wait_for_url("**/alerts*")
    page.goto(base + "/alerts?status=acknowledged")
    acked = page.locator(f"tr#{alert_id}")
    assert "reviewer-bot (token 2): desk is on it" in acked.inner_text()
    page.screenshot(path=str(SHOTS / "04-alerts.png"), full_page=True)

    # decide a review: approve the prediction, with a reason
    page.goto(base + "/reviews")
    page.locator("table.list tbody tr td a").first.click()
    page.wait_for_url("**/reviews/*")
    page.fill("form.decide input[name=reason]", "checked against the settlement report")
    page.click("form.decide button[value=approve]")
    page.wait_for_url("**/reviews/*")
    decision = page.locator("p.decision").inner_text()
    assert (
        decision.startswith("reviewer-bot (token 2) labelled it")
        and "settlement report" in decision
    )
    page.screenshot(path=str(SHOTS / "05-review.png"), full_page=True)

    # a monitor's charts are drawn by the bundled library
    page.goto(base + "/monitors/fails-watch")
    page.wait_for_selector("#chart-drift canvas")
    assert page.locator(".uplot").count() >= 2
    assert page.locator("td.psi.drifted").count() >= 2  # the drifted batches are marked
    page.screenshot(path=str(SHOTS / "06-monitor.png"), full_page=True)

    page.goto(base + "/models/fails-model")
    page.wait_for_selector(".reliability canvas")
    page.screenshot(path=str(SHOTS / "07-model.png"), full_page=True)

    # verify the audit chain from the browser
    page.goto(base + "/audit")
    page.click("form[action='/audit/verify'] button")
    page.wait_for_url("**/audit")
    assert "events intact" in page.locator("#verification").inner_text()
    assert "reviewer-bot (token 2)" in page.locator("#verification").inner_text()
    page.screenshot(path=str(SHOTS / "08-audit.png"), full_page=True)

    assert trouble == {"dialogs": [], "errors": [], "outside": []}


def test_viewer_sees_no_buttons_it_may_not_press(
    server: dict[str, Any], browser_page: tuple[Any, dict[str, list[str]]]
) -> None:
    page, trouble = browser_page
    base = server["base"]
    _login(page, base, server["tokens"]["viewer"], then="/alerts?status=all")
    assert page.locator("table.alerts form").count() == 0
    page.goto(base + "/reviews")
    page.locator("table.list tbody tr td a").first.click()
    assert page.locator("form.decide").count() == 0
    assert "A reviewer or admin token can decide" in page.content()
    page.goto(base + "/settings")
    assert "Only a token with the admin role" in page.locator("p.error").inner_text()
    page.screenshot(path=str(SHOTS / "09-viewer-refused.png"), full_page=True)
    # the hostile token's name and the hostile column are shown as text everywhere
    page.goto(base + "/monitors/fails-watch")
    titles = page.locator("table.heat th.col").evaluate_all("els => els.map(e => e.title)")
    assert "<script>alert(1)</script>" in titles
    assert trouble["dialogs"] == [] and trouble["outside"] == []
