"""Alert rules on a monitor's drift, notifiers, and an alert's life in the ledger.

A rule is a line of text::

    psi > 0.2                                  any column, this batch
    psi[volume] >= 0.25 for 2 consecutive batches
    drifted_share > 0.3                        the share of columns that drifted

``evaluate`` reads the monitor's history after a batch; a rule that holds opens an alert
(unless one is open for it already) and tells every notifier. An alert is ``open`` until
someone ``acknowledge``s or ``resolve``s it, with who and why; every change is an audit
event. Notifiers: :class:`LogNotifier` (Python logging) and :class:`WebhookNotifier` (a JSON
POST signed with HMAC-SHA256 in ``X-Mlvet-Signature``, retried with exponential backoff).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import operator
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mlvet._checks import check_name, check_number, check_reason
from mlvet._json import canonical_json
from mlvet.exceptions import InputError, NotFoundError, StateError

__all__ = [
    "Alert",
    "AlertRule",
    "LogNotifier",
    "WebhookNotifier",
    "acknowledge",
    "alerts",
    "evaluate",
    "resolve",
]

log = logging.getLogger("mlvet.alerts")

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
#: performance metrics a rule can watch, by the name rules use
PERFORMANCE_METRICS = {
    f"{kind}_{short}": (metric, kind)
    for kind in ("estimated", "realized")
    for short, metric in (("auc", "roc_auc"), ("accuracy", "accuracy"))
} | {
    "realized_mae": ("mae", "realized"),
    "realized_rmse": ("rmse", "realized"),
    "domain_auc": ("domain_auc", "estimated"),
    "quality_failures": ("quality_failures", "observed"),
}
_METRICS = "|".join(["psi", "drifted_share", *sorted(PERFORMANCE_METRICS, key=len, reverse=True)])
_RULE = re.compile(
    rf"^\s*(?P<metric>{_METRICS})(?:\[(?P<feature>[^\]]+)\])?\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<value>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"(?:\s+for\s+(?P<n>\d+)\s+consecutive\s+batch(?:es)?)?\s*$"
)


@dataclass(frozen=True)
class AlertRule:
    """A parsed rule: ``metric[feature] op value for n consecutive batches``."""

    text: str
    metric: str
    feature: str | None
    op: str
    value: float
    consecutive: int = 1

    @classmethod
    def parse(cls, text: str) -> AlertRule:
        if not isinstance(text, str):
            raise InputError(f"An alert rule is a line of text; got {text!r}.")
        m = _RULE.match(text)
        if m is None:
            raise InputError(
                f"Cannot read the alert rule {text!r}. Write e.g. 'psi > 0.2', "
                "'psi[volume] >= 0.25 for 2 consecutive batches', 'drifted_share > 0.3' or "
                "'estimated_auc < 0.8'; performance metrics: "
                f"{', '.join(sorted(PERFORMANCE_METRICS))}."
            )
        n = int(m.group("n") or 1)
        if n < 1:
            raise InputError(f"{text!r}: 'for N consecutive batches' needs N >= 1.")
        if m.group("metric") != "psi" and m.group("feature"):
            raise InputError(
                f"{text!r}: {m.group('metric')} is over the whole batch; drop the [column]."
            )
        return cls(
            " ".join(text.split()),
            m.group("metric"),
            m.group("feature"),
            m.group("op"),
            float(m.group("value")),
            n,
        )

    @property
    def on_performance(self) -> bool:
        return self.metric in PERFORMANCE_METRICS

    def check_watched(self, columns: Any, monitor: str | None = None) -> None:
        """Refuse a rule on a column the monitor does not watch (``columns``)."""
        if self.feature is not None and self.feature not in columns:
            whose = f"monitor {monitor!r}" if monitor else "the monitor"
            raise InputError(
                f"The rule {self.text!r} names the column {self.feature!r}, which {whose} "
                f"does not watch; it watches {sorted(columns)}."
            )

    def holds(self, history: Any, metrics: Any = None) -> tuple[bool, dict[str, Any]]:
        """Whether the rule holds on the last ``consecutive`` batches of a history frame
        (a metric rule: of the batches that have the metric, from ``Monitor.metrics()``)."""
        if self.on_performance:
            return self._holds_performance(metrics)
        keys = list(dict.fromkeys(history["batch_key"]))
        if len(keys) < self.consecutive:
            return False, {}
        last = keys[-self.consecutive :]
        test = _OPS[self.op]
        if self.metric == "drifted_share":
            shares = [float(history[history.batch_key == k].drifted.mean()) for k in last]
            ok = all(test(v, self.value) for v in shares)
            return ok, {"batches": last, "values": shares}
        frame = history[history.batch_key.isin(last)]
        if self.feature is not None:
            self.check_watched(set(history.feature))
            frame = frame[frame.feature == self.feature]
        hits = []
        for feature, part in frame.groupby("feature", sort=True):
            values = [float(v) for v in part.statistic]  # the history is in batch order
            if len(values) == len(last) and all(test(v, self.value) for v in values):
                hits.append({"feature": feature, "values": values})
        return bool(hits), {"batches": last, "columns": hits}

    def _holds_performance(self, metrics: Any) -> tuple[bool, dict[str, Any]]:
        metric, kind = PERFORMANCE_METRICS[self.metric]
        if metrics is None or metrics.empty:
            return False, {}
        part = metrics[(metrics.metric == metric) & (metrics.kind == kind) & metrics.value.notna()]
        if len(part) < self.consecutive:
            return False, {}
        last = part.tail(self.consecutive)
        values = [float(v) for v in last.value]
        test = _OPS[self.op]
        ok = all(test(v, self.value) for v in values)
        return ok, {"batches": last.batch_key.tolist(), "metric": self.metric, "values": values}


class LogNotifier:
    """Writes each alert to the ``mlvet.alerts`` logger at WARNING."""

    def notify(self, alert: dict[str, Any]) -> None:
        log.warning("mlvet alert %s on %s: %s", alert["id"], alert["monitor"], alert["rule"])


class WebhookNotifier:
    """POSTs each alert as JSON, signed with HMAC-SHA256 of the body in
    ``X-Mlvet-Signature: sha256=<hex>``; retried with exponential backoff on failure."""

    def __init__(
        self, url: str, *, secret: str, retries: int = 3, backoff: float = 0.5, timeout: float = 5.0
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InputError(f"A webhook URL starts with http:// or https://; got {url!r}.")
        if not isinstance(secret, str) or len(secret) < 16:
            raise InputError("A webhook secret must be a string of at least 16 characters.")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"retries must be an int >= 0; got {retries!r}.")
        self.url, self.secret, self.retries = url, secret, retries
        self.backoff = check_number(backoff, "backoff", strict=False)
        self.timeout = check_number(timeout, "timeout")

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def notify(self, alert: dict[str, Any]) -> None:
        body = canonical_json(alert).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Mlvet-Signature": self.sign(body)},
        )
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    if 200 <= response.status < 300:
                        return
                    last = RuntimeError(f"HTTP {response.status}")
            except urllib.error.HTTPError as exc:  # a non-2xx answer: close it, then retry
                exc.close()
                last = exc
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        log.error(
            "mlvet alert %s: the webhook %s failed after %d tries: %s",
            alert["id"],
            self.url,
            self.retries + 1,
            last,
        )


# --- the ledger ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Alert:
    id: int
    monitor: str
    rule: str
    status: str
    detail: dict[str, Any]
    created_at: str
    updated_at: str
    updated_by: str | None
    reason: str | None


def evaluate(
    monitor: Any, rules: Sequence[str | AlertRule], *, notifiers: Sequence[Any] = ()
) -> list[Alert]:
    """Open an alert for every rule that holds on ``monitor``'s latest batches and has no
    open alert yet; tell every notifier. Returns the alerts opened."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger._ledger import now_iso

    if isinstance(rules, str | AlertRule):
        raise InputError(f"rules is a list of rules; got one on its own: {rules!r} (write [it]).")
    parsed = [r if isinstance(r, AlertRule) else AlertRule.parse(r) for r in rules]
    for n in notifiers:
        if not hasattr(n, "notify"):
            raise InputError(f"A notifier needs a notify(alert) method; got {n!r}.")
    for rule in parsed:  # all checked before any is kept or evaluated
        rule.check_watched(monitor.features, monitor.name)
        why = monitor.cannot_measure(rule.metric)
        if why is not None:
            raise InputError(
                f"The rule {rule.text!r} can never hold on monitor {monitor.name!r}: {why}."
            )
    monitor.keep_rules([r.text for r in parsed])
    history = monitor.history()
    metrics = monitor.metrics() if any(r.on_performance for r in parsed) else None
    opened: list[Alert] = []
    if history.empty:
        return opened
    for rule in parsed:
        holds, detail = rule.holds(history, metrics)
        if not holds:
            continue
        with monitor._led.transaction() as tx:
            already = tx.conn.execute(
                select(s.alerts.c.id).where(
                    s.alerts.c.monitor_id == monitor.id,
                    s.alerts.c.rule == rule.text,
                    s.alerts.c.status != "resolved",
                )
            ).scalar()
            if already is not None:
                continue
            now = now_iso()
            alert_id = tx.insert(
                s.alerts,
                {
                    "monitor_id": monitor.id,
                    "rule": rule.text,
                    "status": "open",
                    "detail_json": canonical_json(detail),
                    "updated_at": now,
                    "updated_by": None,
                    "reason": None,
                },
            )
        alert = Alert(int(alert_id), monitor.name, rule.text, "open", detail, now, now, None, None)
        opened.append(alert)
        payload = {
            "id": alert.id,
            "monitor": monitor.name,
            "rule": rule.text,
            "detail": detail,
            "at": now,
        }
        for n in notifiers:  # the alert is recorded; a failing notifier must not stop the rest
            try:
                n.notify(payload)
            except Exception:
                log.exception("mlvet alert %s: the notifier %r failed", alert.id, n)
    return opened


def _row(row: Any, name: str) -> Alert:
    return Alert(
        int(row["id"]),
        name,
        row["rule"],
        row["status"],
        json.loads(row["detail_json"]),
        row["created_at"],
        row["updated_at"],
        row["updated_by"],
        row["reason"],
    )


def alerts(
    *, status: str | None = None, monitor: str | None = None, ledger: Any = None
) -> list[Alert]:
    """Alerts, oldest first, optionally of one status or one monitor."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger

    if status not in (None, "open", "acknowledged", "resolved"):
        raise InputError(f"status must be open, acknowledged, resolved or None; got {status!r}.")
    q = (
        select(s.alerts, s.monitors.c.name.label("monitor_name"))
        .join(s.monitors, s.monitors.c.id == s.alerts.c.monitor_id)
        .order_by(s.alerts.c.id)
    )
    if status:
        q = q.where(s.alerts.c.status == status)
    if monitor:
        q = q.where(s.monitors.c.name == monitor)
    with open_ledger(ledger).connect() as conn:
        return [_row(r, r["monitor_name"]) for r in conn.execute(q).mappings()]


def _move(alert_id: int, status: str, who: str, reason: str, ledger: Any) -> Alert:
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.ledger import open_ledger
    from mlvet.ledger._ledger import now_iso

    check_name(who, "who", max_len=200)
    check_reason(reason)
    led = open_ledger(ledger)
    with led.transaction(actor=who) as tx:
        row = tx.conn.execute(select(s.alerts).where(s.alerts.c.id == alert_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"No alert {alert_id}; list them with `mlvet alerts list`.")
        if row["status"] == "resolved":
            raise StateError(f"Alert {alert_id} is resolved already ({row['reason']}).")
        if row["status"] == status:
            raise StateError(f"Alert {alert_id} is {status} already.")
        tx.update(
            s.alerts,
            alert_id,
            {"status": status, "updated_at": now_iso(), "updated_by": who, "reason": reason},
        )
    return next(a for a in alerts(ledger=led) if a.id == alert_id)


def acknowledge(alert_id: int, *, who: str, reason: str, ledger: Any = None) -> Alert:
    """Someone has seen the alert and is on it."""
    return _move(alert_id, "acknowledged", who, reason, ledger)


def resolve(alert_id: int, *, who: str, reason: str, ledger: Any = None) -> Alert:
    """The alert is dealt with; a new one can open for the same rule."""
    return _move(alert_id, "resolved", who, reason, ledger)
