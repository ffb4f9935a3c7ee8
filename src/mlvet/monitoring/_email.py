"""E-mail alerts: :class:`EmailNotifier` sends each alert as a plain-text message over SMTP.

::

    EmailNotifier(
        "smtp.example.com",
        sender="mlvet@example.com",
        recipients=["ops@example.com"],
        username="mlvet",
        password=os.environ["MLVET_SMTP_PASSWORD"],
    )

The subject reads ``[mlvet] alert 17 on fails-inputs: psi > 0.2``; the body gives the rule,
status, monitor and creation time, then the alert's detail as indented JSON. Headers are
encoded per RFC 2047 and the body as quoted-printable UTF-8, so the message is plain ASCII
on the wire and any server takes it. Line breaks and control characters in the monitor
name or the rule become spaces, so no alert can add a header or a recipient.

Port 587 with STARTTLS is the default, and it is strict: a server that does not offer
STARTTLS is refused rather than written to in clear text. ``ssl=True`` (port 465 unless
given) encrypts from the first byte. A transient failure
(no connection, a dropped connection, a 4xx answer) is retried with exponential backoff;
a permanent one (a 5xx answer such as a refused login, or a missing extension) is not.
Either way ``notify`` never raises: the last failure is logged on ``mlvet.alerts``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import smtplib
import ssl as _ssl
import time
import unicodedata
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from mlvet._checks import check_number
from mlvet._json import jsonable
from mlvet.exceptions import InputError

__all__ = ["EmailNotifier"]

log = logging.getLogger("mlvet.alerts")

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*")
_ADDRESS_HELP = (
    "an address like alerts@example.com: one @, ASCII letters, digits and "
    "!#$%&'*+/=?^_`{|}~-. only (an international domain in its xn-- form), no spaces, "
    "line breaks or display name"
)


def _one_line(value: Any) -> str:
    """``value`` as text on one line: every run of whitespace, line or paragraph separators
    and control characters becomes one space."""
    text = "".join(
        " " if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in str(value)
    )
    return " ".join(text.split())


def _address(value: Any, what: str) -> str:
    if not isinstance(value, str) or _ADDRESS.fullmatch(value) is None:
        raise InputError(f"{what} must be {_ADDRESS_HELP}; got {value!r}.")
    return value


def _credential(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or not value.isascii():
        got = (  # never the value itself: it may be a password
            type(value).__name__
            if not isinstance(value, str)
            else ("an empty string" if not value else "a non-ASCII string")
        )
        raise InputError(
            f"{what} must be a non-empty ASCII string (SMTP AUTH sends credentials as "
            f"ASCII); got {got}."
        )
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InputError(f"{what} must not contain line breaks or control characters.")
    return value


def _permanent(exc: BaseException) -> bool:
    """Whether retrying cannot help: a 5xx answer, or a server without a needed extension."""
    if isinstance(exc, smtplib.SMTPNotSupportedError | _ssl.SSLCertVerificationError):
        return True  # a certificate that does not verify will not verify on a retry
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


class EmailNotifier:
    """Sends each alert as a plain-text e-mail over SMTP (STARTTLS by default), retried
    with exponential backoff on transient failures; ``notify`` logs, never raises."""

    def __init__(
        self,
        host: str,
        *,
        port: int | None = None,
        sender: str,
        recipients: str | Sequence[str],
        username: str | None = None,
        password: str | None = None,
        starttls: bool | None = None,
        ssl: bool = False,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        subject_prefix: str = "[mlvet]",
    ) -> None:
        if not isinstance(host, str) or not host or _one_line(host) != host or " " in host:
            raise InputError(
                "host must be the SMTP server's name or IP address, a non-empty string "
                f"without spaces or line breaks; got {host!r}."
            )
        if host.count(":") == 1:
            raise InputError(
                f"host {host!r} carries a port; pass the name alone and the port as port=..."
            )
        if port is None:
            port = 465 if ssl is True else 587  # SMTPS, or submission with STARTTLS
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise InputError(
                f"port must be an int from 1 to 65535 (587 for STARTTLS, 465 for ssl=True); "
                f"got {port!r}."
            )
        _address(sender, "sender")
        if isinstance(recipients, str):
            recipients = [recipients]
        if not isinstance(recipients, Sequence) or not recipients:
            raise InputError(
                "recipients must be an address or a non-empty list of addresses; "
                f"got {recipients!r}."
            )
        for k, to in enumerate(recipients):
            _address(to, f"recipients[{k}]")
        if (username is None) != (password is None):
            raise InputError(
                "username and password go together: pass both to log in, or neither to send "
                "without logging in."
            )
        if username is not None:
            _credential(username, "username")
            _credential(password, "password")
        if starttls is None:
            starttls = ssl is not True  # STARTTLS unless the connection is TLS from the start
        for flag, name in ((starttls, "starttls"), (ssl, "ssl")):
            if not isinstance(flag, bool):
                raise InputError(f"{name} must be True or False; got {flag!r}.")
        if starttls and ssl:
            raise InputError(
                "starttls and ssl cannot both be on: ssl=True encrypts from the first byte "
                "(usually port 465), starttls=True upgrades a plain connection (usually port "
                "587). Pass starttls=False with ssl=True."
            )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"retries must be an int >= 0; got {retries!r}.")
        if not isinstance(subject_prefix, str) or _one_line(subject_prefix) != subject_prefix:
            raise InputError(
                "subject_prefix must be a string on one line, without line breaks or control "
                f"characters (or empty); got {subject_prefix!r}."
            )
        self.host, self.port = host, port
        self.sender = sender
        self.recipients = list(dict.fromkeys(recipients))
        self.username, self._password = username, password
        self.starttls, self.ssl = starttls, ssl
        self.timeout = check_number(timeout, "timeout")
        self.retries = retries
        self.backoff = check_number(backoff, "backoff", strict=False)
        self.subject_prefix = subject_prefix

    def __repr__(self) -> str:  # never shows the password
        return (
            f"EmailNotifier({self.host!r}, port={self.port}, sender={self.sender!r}, "
            f"recipients={self.recipients!r})"
        )

    def message(self, alert: dict[str, Any]) -> EmailMessage:
        """The e-mail for ``alert``: one-line headers whatever the alert's text, UTF-8 body."""
        alert_id = _one_line(alert.get("id", "?"))
        monitor = _one_line(alert.get("monitor", "?"))
        rule = _one_line(alert.get("rule", "?"))
        status = _one_line(alert.get("status", "open"))
        created = alert.get("created_at", alert.get("at"))
        subject = f"alert {alert_id} on {monitor}: {rule}"
        lines = [
            f"Rule:     {rule}",
            f"Status:   {status}",
            f"Monitor:  {monitor}",
        ]
        if created is not None:
            lines.append(f"Created:  {_one_line(created)}")
        lines.append(f"Alert:    {alert_id}")
        detail = json.dumps(
            jsonable(alert.get("detail", {})), indent=2, sort_keys=True, ensure_ascii=False
        )
        lines += ["", "Detail:", detail, ""]
        msg = EmailMessage()
        msg["Subject"] = f"{self.subject_prefix} {subject}" if self.subject_prefix else subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2])
        msg.set_content("\n".join(lines), charset="utf-8", cte="quoted-printable")
        return msg

    def _send(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One attempt: connect, secure, log in, send; the recipients refused, if any."""
        context = _ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:  # refuses a server that does not offer STARTTLS
                smtp.starttls(context=context)
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            refused = smtp.send_message(msg, from_addr=self.sender, to_addrs=self.recipients)
        except BaseException:
            smtp.close()
            raise
        # sent: a server that answers QUIT badly must not make the e-mail go twice
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()
        return refused

    def notify(self, alert: dict[str, Any]) -> None:
        """Send ``alert``; on failure retry, then log an error on ``mlvet.alerts``."""
        alert_id = _one_line(alert.get("id", "?"))
        where = f"{self.host}:{self.port}"
        try:
            msg = self.message(alert)
        except Exception:
            log.exception("mlvet alert %s: cannot build the e-mail for %s", alert_id, where)
            return
        last: BaseException | None = None
        tries = 0
        for attempt in range(self.retries + 1):
            tries += 1
            try:
                refused = self._send(msg)
            except (smtplib.SMTPException, OSError) as exc:
                last = exc
                if _permanent(exc):
                    break
            except Exception as exc:  # anything else will fail again the same way
                last = exc
                break
            else:
                if refused:
                    log.error(
                        "mlvet alert %s: the SMTP server %s refused the recipient(s) %s; the "
                        "others got the e-mail",
                        alert_id,
                        where,
                        ", ".join(sorted(refused)),
                    )
                return
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        log.error(
            "mlvet alert %s: the e-mail via the SMTP server %s failed after %d %s: %s",
            alert_id,
            where,
            tries,
            "try" if tries == 1 else "tries",
            last,
        )
