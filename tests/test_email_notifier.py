"""E-mail alerts delivered to a real local SMTP server (aiosmtpd): headers, body, unicode,
header injection, login, retries, and the argument checks."""

from __future__ import annotations

import email
import json
import logging
import smtplib
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mlvet.exceptions import InputError
from mlvet.monitoring import Monitor, evaluate
from mlvet.monitoring._email import EmailNotifier

USER, PASSWORD = "mlvet", "correct-horse"
SENDER = "mlvet@example.com"
TO = ["ops@example.com", "ana@example.org"]
ALERT: dict[str, Any] = {
    "id": 7,
    "monitor": "fails-inputs",
    "rule": "psi > 0.2 for 2 consecutive batches",
    "status": "open",
    "created_at": "2024-03-01T06:00:00+00:00",
    "detail": {
        "batches": ["2020-03", "2020-04"],
        "columns": [{"feature": "volume", "values": [0.31, 0.42]}],
    },
}


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def body(self) -> str:
        return str(self.message.get_content()).replace("\r\n", "\n")


@dataclass
class Inbox:
    """An aiosmtpd handler: answers DATA from ``answers`` first (then 250) and keeps what it
    accepted; checks logins against USER/PASSWORD."""

    received: list[Delivery] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    data_calls: int = 0
    logins: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        if self.answers:
            return self.answers.pop(0)
        self.received.append(
            Delivery(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content),
                bool(session.authenticated),
            )
        )
        return "250 2.0.0 OK"

    def authenticator(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (
            USER.encode(),
            PASSWORD.encode(),
        )
        self.logins.append(ok)
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A plain (no TLS) SMTP server on 127.0.0.1 that offers AUTH and not SMTPUTF8."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="smtp.test",
        authenticator=inbox.authenticator,
        auth_require_tls=False,
        enable_SMTPUTF8=False,
    )
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def notifier(port: int, **kwargs: Any) -> EmailNotifier:
    options: dict[str, Any] = {
        "port": port,
        "sender": SENDER,
        "recipients": TO,
        "starttls": False,
        "backoff": 0.01,
    }
    return EmailNotifier("127.0.0.1", **(options | kwargs))


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "mlvet.alerts" and r.levelno >= logging.ERROR
    ]


def test_a_delivered_alert_has_its_sender_recipients_subject_and_body(
    smtp: tuple[int, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = smtp
    with caplog.at_level(logging.WARNING, logger="mlvet.alerts"):
        notifier(port).notify(ALERT)
    assert errors(caplog) == []
    (got,) = inbox.received
    assert got.mail_from == SENDER and got.rcpt_tos == TO and not got.authenticated
    msg = got.message
    assert msg["Subject"] == "[mlvet] alert 7 on fails-inputs: psi > 0.2 for 2 consecutive batches"
    assert msg["From"] == SENDER and msg["To"] == ", ".join(TO)
    assert msg["Date"] and msg["Message-ID"].endswith("@example.com>")
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    body = got.body
    for line in (
        "Rule:     psi > 0.2 for 2 consecutive batches",
        "Status:   open",
        "Monitor:  fails-inputs",
        "Created:  2024-03-01T06:00:00+00:00",
        "Alert:    7",
    ):
        assert line in body
    assert json.dumps(ALERT["detail"], indent=2, sort_keys=True) in body
    detail = body.split("Detail:\n", 1)[1]
    assert json.loads(detail) == ALERT["detail"]


def test_the_message_method_builds_what_notify_sends() -> None:
    msg = EmailNotifier(
        "smtp.example.com", sender=SENDER, recipients="ops@example.com", subject_prefix=""
    ).message({"id": 1, "monitor": "m", "rule": "psi > 0.2", "detail": {"x": np.float64(0.5)}})
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "alert 1 on m: psi > 0.2" and msg["To"] == "ops@example.com"
    body = msg.get_content()
    assert "Status:   open" in body and "Created:" not in body and '"x": 0.5' in body


def test_unicode_monitor_names_and_rules_travel_as_utf8(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    alert = ALERT | {
        "monitor": "débit-über-日本",
        "rule": "psi[température] > 0.2",
        "detail": {"columns": [{"feature": "température", "values": [0.3]}]},
    }
    notifier(port).notify(alert)
    (got,) = inbox.received
    assert got.content.isascii()  # encoded words and quoted-printable: any server takes it
    assert got.message["Subject"] == "[mlvet] alert 7 on débit-über-日本: psi[température] > 0.2"
    assert "Monitor:  débit-über-日本" in got.body and '"feature": "température"' in got.body


@pytest.mark.parametrize(
    ("monitor", "rule"),
    [
        ("fails-inputs", "psi > 0.2\r\nBcc: evil@x"),
        ("fails-inputs\nTo: evil@x", "psi > 0.2"),
        ("fails-inputs", "psi > 0.2\u2028Bcc: evil@x\x85Cc: evil@x\rX-Evil: 1"),
    ],
)
def test_line_breaks_in_an_alert_cannot_add_a_header(
    smtp: tuple[int, Inbox], monitor: str, rule: str
) -> None:
    port, inbox = smtp
    notifier(port).notify(ALERT | {"monitor": monitor, "rule": rule})
    (got,) = inbox.received
    assert got.rcpt_tos == TO
    msg = got.message
    for header in ("Bcc", "Cc", "X-Evil"):
        assert header not in msg
    assert msg.get_all("To") == [", ".join(TO)]
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert "evil@x" in msg["Subject"]  # kept as text, on the subject's one line
    heads = got.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not any(h.lower().startswith((b"bcc:", b"cc:", b"x-evil:")) for h in heads)


def test_a_login_with_the_right_password_delivers(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    notifier(port, username=USER, password=PASSWORD).notify(ALERT)
    (got,) = inbox.received
    assert got.authenticated and inbox.logins == [True]


def test_a_wrong_password_is_logged_once_and_sends_nothing(
    smtp: tuple[int, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = smtp
    with caplog.at_level(logging.ERROR, logger="mlvet.alerts"):
        notifier(port, username=USER, password="wrong").notify(ALERT)  # does not raise
    assert inbox.received == [] and inbox.data_calls == 0
    # one connection: smtplib tries PLAIN, then LOGIN; a 535 is permanent, so no retry
    assert inbox.logins == [False, False]
    (error,) = errors(caplog)
    assert f"127.0.0.1:{port}" in error and "after 1 try" in error and "535" in error
    assert "wrong" not in error


def test_starttls_is_required_when_asked_for(
    smtp: tuple[int, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = smtp  # a plain server that does not offer STARTTLS
    with caplog.at_level(logging.ERROR, logger="mlvet.alerts"):
        notifier(port, starttls=True).notify(ALERT)
    assert inbox.received == [] and inbox.data_calls == 0
    (error,) = errors(caplog)
    assert "STARTTLS" in error and "after 1 try" in error


def test_a_server_that_is_down_is_tried_retries_plus_one_times_then_logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    connects: list[tuple[str, int]] = []
    real_connect = smtplib.SMTP.connect

    def counting_connect(self: smtplib.SMTP, host: str = "localhost", port: int = 0) -> Any:
        connects.append((host, port))
        return real_connect(self, host, port)

    delays: list[float] = []
    real_sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        delays.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting_connect)
    monkeypatch.setattr(time, "sleep", recording_sleep)
    with caplog.at_level(logging.ERROR, logger="mlvet.alerts"):
        notifier(port, retries=2, backoff=0.01).notify(ALERT)  # returns, does not raise
    assert connects == [("127.0.0.1", port)] * 3
    assert delays == [0.01, 0.02]  # exponential backoff between the tries
    (error,) = errors(caplog)
    assert error.startswith("mlvet alert 7:")
    assert f"127.0.0.1:{port}" in error and "after 3 tries" in error


def test_a_451_on_data_is_retried_and_delivered_once(
    smtp: tuple[int, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = smtp
    inbox.answers = ["451 4.3.0 Try again later"]
    with caplog.at_level(logging.WARNING, logger="mlvet.alerts"):
        notifier(port, retries=2).notify(ALERT)
    assert inbox.data_calls == 2 and len(inbox.received) == 1
    assert errors(caplog) == []


def test_transient_answers_use_every_retry_and_a_permanent_one_stops_at_once(
    smtp: tuple[int, Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    port, inbox = smtp
    inbox.answers = ["451 4.3.0 Try again later"] * 5
    with caplog.at_level(logging.ERROR, logger="mlvet.alerts"):
        notifier(port, retries=2).notify(ALERT)
        assert inbox.data_calls == 3 and inbox.received == []
        inbox.answers, inbox.data_calls = ["554 5.6.0 Message rejected"], 0
        notifier(port, retries=2).notify(ALERT)
        assert inbox.data_calls == 1 and inbox.received == []
    first, second = errors(caplog)
    assert "after 3 tries" in first and "451" in first
    assert "after 1 try" in second and "554" in second


def test_an_opened_alert_is_mailed_from_evaluate(sqlite_url: str, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"volume": rng.normal(size=5_000)})
    monitor = Monitor("fails-inputs", reference, ledger=sqlite_url)
    monitor.observe(pd.DataFrame({"volume": rng.normal(1.0, size=3_000)}), batch_key="b1")
    (alert,) = evaluate(monitor, ["psi[volume] > 0.2"], notifiers=[notifier(port)])
    (got,) = inbox.received
    assert got.message["Subject"] == f"[mlvet] alert {alert.id} on fails-inputs: psi[volume] > 0.2"
    assert f"Created:  {alert.created_at}" in got.body and '"feature": "volume"' in got.body


def test_repr_never_shows_the_password() -> None:
    text = repr(notifier(25, username=USER, password=PASSWORD))
    assert PASSWORD not in text and "127.0.0.1" in text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"host": ""}, "host must be"),
        ({"host": "smtp.example.com\r\n"}, "host must be"),
        ({"host": 25}, "host must be"),
        ({"host": "smtp.example.com:587"}, "carries a port"),
        ({"port": 0}, "port must be an int from 1 to 65535"),
        ({"port": 70_000}, "port must be"),
        ({"port": True}, "port must be"),
        ({"port": "587"}, "port must be"),
        ({"sender": "mlvet"}, "sender must be an address"),
        ({"sender": "a@b@example.com"}, "sender must be"),
        ({"sender": "ml vet@example.com"}, "sender must be"),
        ({"sender": "mlvet@example.com\r\nBcc: evil@x"}, "sender must be"),
        ({"sender": "Mlvet <mlvet@example.com>"}, "sender must be"),
        ({"recipients": []}, "non-empty list"),
        ({"recipients": None}, "non-empty list"),
        ({"recipients": ["ops@example.com", "evil@x\nBcc: a@b"]}, r"recipients\[1\] must be"),
        ({"recipients": "ops@example.com, evil@x"}, r"recipients\[0\] must be"),
        ({"recipients": [b"ops@example.com"]}, r"recipients\[0\] must be"),
        ({"username": USER}, "go together"),
        ({"password": PASSWORD}, "go together"),
        ({"username": USER, "password": ""}, "password must be a non-empty ASCII string"),
        ({"username": USER, "password": "pässwort"}, "got a non-ASCII string"),
        ({"username": "ops\n", "password": PASSWORD}, "username must not contain line breaks"),
        ({"starttls": True, "ssl": True}, "Pass starttls=False with ssl=True"),
        ({"ssl": "yes"}, "ssl must be True or False"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"timeout": float("inf")}, "timeout must be"),
        ({"backoff": -1}, "backoff must be a finite number >= 0"),
        ({"backoff": float("nan")}, "backoff must be"),
        ({"retries": -1}, "retries must be an int >= 0"),
        ({"retries": 1.5}, "retries must be"),
        ({"subject_prefix": "[mlvet]\r\nBcc: evil@x"}, "subject_prefix must be a string on one"),
    ],
)
def test_arguments_are_checked(kwargs: dict[str, Any], match: str) -> None:
    options: dict[str, Any] = {"host": "smtp.example.com", "sender": SENDER, "recipients": TO}
    options |= kwargs
    with pytest.raises(InputError, match=match):
        EmailNotifier(**options)


def test_a_password_never_appears_in_an_argument_error() -> None:
    with pytest.raises(InputError) as info:
        EmailNotifier(
            "smtp.example.com", sender=SENDER, recipients=TO, username=USER, password="pässwort"
        )
    assert "pässwort" not in str(info.value)
