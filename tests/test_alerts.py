"""Alert rules on a monitor, a signed webhook to a real local server, the alert's life."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mlvet.cli import app
from mlvet.exceptions import InputError
from mlvet.ledger import open_ledger
from mlvet.monitoring import (
    AlertRule,
    LogNotifier,
    Monitor,
    WebhookNotifier,
    acknowledge,
    alerts,
    evaluate,
    resolve,
)

runner = CliRunner()
SECRET = "a-long-shared-secret"


def month(k: int, shift: float = 0.0, n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    return pd.DataFrame({"volume": rng.normal(shift, 1, size=n), "spread": rng.exponential(size=n)})


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, Any], str]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.fail_first > 0:
            Receiver.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        Receiver.received.append((json.loads(body), self.headers["X-Mlvet-Signature"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.send_response(
            200 if hmac.compare_digest(expected, self.headers["X-Mlvet-Signature"]) else 401
        )
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Any:
    Receiver.received = []
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()
    httpd.server_close()


def test_rules_parse_and_refuse_what_they_cannot_read() -> None:
    rule = AlertRule.parse("psi[volume] >= 0.25 for 2 consecutive batches")
    assert (rule.metric, rule.feature, rule.op, rule.value, rule.consecutive) == (
        "psi",
        "volume",
        ">=",
        0.25,
        2,
    )
    assert AlertRule.parse("drifted_share > 0.3").consecutive == 1
    for bad in (
        "psi >> 0.2",
        "auc < 0.8",
        "psi > 0.2 for 0 consecutive batches",
        "drifted_share[x] > 0.1",
    ):
        with pytest.raises(InputError):
            AlertRule.parse(bad)


def test_an_alert_opens_once_notifies_signed_and_lives_in_the_ledger(
    ledger_url: str, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    monitor = Monitor("fails-inputs", month(0, n=20_000), ledger=ledger_url)
    rules = ["psi > 0.2 for 2 consecutive batches", "psi[spread] > 0.2"]
    Receiver.fail_first = 1  # the first POST fails: the notifier retries
    notifiers = [WebhookNotifier(server, secret=SECRET, backoff=0.01), LogNotifier()]
    opened = []
    with caplog.at_level(logging.WARNING, logger="mlvet.alerts"):
        for i, (key, shift) in enumerate(
            [
                ("2020-01", 0.0),
                ("2020-02", 0.0),
                ("2020-03", 0.8),
                ("2020-04", 0.9),
                ("2020-05", 0.9),
            ]
        ):
            monitor.observe(month(i + 1, shift), batch_key=key)
            opened.append([a.rule for a in evaluate(monitor, rules, notifiers=notifiers)])
    # March drifts once; April makes it two in a row; May keeps the same alert open
    assert opened == [[], [], [], ["psi > 0.2 for 2 consecutive batches"], []]
    ((payload, signature),) = Receiver.received
    assert payload["rule"] == "psi > 0.2 for 2 consecutive batches"
    assert payload["detail"]["columns"][0]["feature"] == "volume"
    assert signature.startswith("sha256=") and "mlvet alert" in caplog.text
    (alert,) = alerts(status="open", ledger=ledger_url)
    seen = acknowledge(
        alert.id, who="ops-desk", reason="looking into the March shift", ledger=ledger_url
    )
    assert seen.status == "acknowledged" and seen.updated_by == "ops-desk"
    with pytest.raises(InputError, match="acknowledged already"):
        acknowledge(alert.id, who="ops-desk", reason="again", ledger=ledger_url)
    done = resolve(alert.id, who="ana", reason="retrained on post-shift data", ledger=ledger_url)
    assert done.status == "resolved" and done.reason == "retrained on post-shift data"
    with pytest.raises(InputError, match="resolved already"):
        resolve(alert.id, who="ana", reason="x", ledger=ledger_url)
    monitor.observe(month(9, 0.9), batch_key="2020-06")
    assert [a.rule for a in evaluate(monitor, rules)] == [
        "psi > 0.2 for 2 consecutive batches"
    ]  # a new one
    assert open_ledger(ledger_url).verify().ok


def test_the_alerts_command(sqlite_url: str) -> None:
    monitor = Monitor("m", month(0, n=10_000), ledger=sqlite_url)
    monitor.observe(month(1, 1.0), batch_key="b1")
    (alert,) = evaluate(monitor, ["drifted_share >= 0.5"])
    listed = runner.invoke(app, ["alerts", "list", "--db", sqlite_url, "-f", "json"])
    assert listed.exit_code == 1 and json.loads(listed.output)[0]["rule"] == "drifted_share >= 0.5"
    ack = runner.invoke(
        app,
        ["alerts", "ack", str(alert.id), "--who", "bo", "--reason", "on it", "--db", sqlite_url],
    )
    assert ack.exit_code == 0 and "acknowledged by bo" in ack.output
    done = runner.invoke(
        app,
        [
            "alerts",
            "resolve",
            str(alert.id),
            "--who",
            "bo",
            "--reason",
            "fixed",
            "--db",
            sqlite_url,
        ],
    )
    assert done.exit_code == 0
    assert runner.invoke(app, ["alerts", "list", "--db", sqlite_url]).exit_code == 0  # nothing open
    with pytest.raises(InputError, match="does not watch"):
        evaluate(monitor, ["psi[nope] > 0.1"])
    with pytest.raises(InputError, match="at least 16 characters"):
        WebhookNotifier("http://127.0.0.1:9/x", secret="short")
