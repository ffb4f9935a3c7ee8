"""``mlvet monitor run monitors.yaml``: scheduled batch monitoring, safe to rerun.

::

    monitors:
      - name: fails-inputs
        reference: data/reference.parquet     # Parquet or CSV, relative to this file
        batches: data/batches/*.parquet       # each file is a batch; its stem is the key
        features: [volume, spread]            # optional: default all columns
        threshold: 0.2                        # optional: the PSI that counts as drift
        prediction: score                     # optional: the model's score column
        target: fail                          # optional: the reference's label column
        id: row_id                            # optional: row ids, to join labels later
        timestamp: trade_date                 # optional: a batch starts at its earliest
        model: fails-forecaster               # optional: the registered model it watches
        multivariate: true                    # optional: a domain classifier per batch
        labels: data/labels/*.parquet         # optional: files of id and target columns
        rules:
          - psi > 0.2 for 2 consecutive batches
          - estimated_auc < 0.8
        notify:
          - log
          - webhook: {url: "https://hooks.example/mlvet", secret_env: MLVET_WEBHOOK_SECRET}
          - email: {host: smtp.example.com, sender: mlvet@example.com, recipients: [ops@example.com], username: mlvet, password_env: MLVET_SMTP_PASSWORD}

Every batch file not yet observed is observed in name order and the rules are evaluated
after each one; then every label file is joined (labels already recorded change nothing;
ids never observed are skipped) and, if any label changed, the rules are evaluated again.
A batch already in the ledger is skipped, so a cron job can run the file every hour.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from mlvet._checks import check_number
from mlvet._io import read_table
from mlvet.exceptions import InputError
from mlvet.monitoring._alerts import AlertRule, LogNotifier, WebhookNotifier, evaluate
from mlvet.monitoring._email import EmailNotifier
from mlvet.monitoring._monitor import Monitor, unmeasurable

__all__ = ["load_config", "run_config"]

_KEYS = {
    "name",
    "reference",
    "batches",
    "features",
    "threshold",
    "rules",
    "notify",
    "prediction",
    "target",
    "id",
    "timestamp",
    "model",
    "multivariate",
    "labels",
    "task",
}
_ROLES = ("prediction", "target", "id", "timestamp", "model", "task")
_EMAIL_KEYS = {
    "host",
    "port",
    "sender",
    "recipients",
    "username",
    "password_env",
    "starttls",
    "ssl",
    "timeout",
    "retries",
    "backoff",
    "subject_prefix",
}


def _email(spec: dict[str, Any], where: str) -> EmailNotifier:
    if "password" in spec:
        raise InputError(
            f"{where}: email: never write the SMTP password in the file; put it in an "
            "environment variable and name that variable in password_env."
        )
    unknown = sorted(str(key) for key in set(spec) - _EMAIL_KEYS)
    if unknown:
        raise InputError(
            f"{where}: email: unknown key(s) {unknown}; the keys are {sorted(_EMAIL_KEYS)}."
        )
    missing = [key for key in ("host", "sender", "recipients") if key not in spec]
    if missing:
        raise InputError(
            f"{where}: email: {missing} missing; host, sender and recipients are required."
        )
    options = dict(spec)
    env = options.pop("password_env", None)
    if env is not None:
        if not isinstance(env, str) or env not in os.environ:
            raise InputError(
                f"{where}: email: the SMTP password is read from the environment variable "
                f"named by password_env; {env!r} is not set."
            )
        options["password"] = os.environ[env]
    try:
        return EmailNotifier(options.pop("host"), **options)
    except InputError as exc:
        raise InputError(f"{where}: email: {exc}") from exc


def _notifiers(spec: Any, where: str) -> list[Any]:
    out: list[Any] = []
    for item in spec or []:
        if item == "log":
            out.append(LogNotifier())
        elif (
            isinstance(item, dict)
            and set(item) == {"webhook"}
            and isinstance(item["webhook"], dict)
        ):
            hook = item["webhook"]
            if "secret" in hook:
                raise InputError(
                    f"{where}: webhook: never write the secret in the file; put it in an "
                    "environment variable and name that variable in secret_env."
                )
            odd = sorted(str(k) for k in set(hook) - {"url", "secret_env"})
            if odd:
                raise InputError(
                    f"{where}: webhook: unknown key(s) {odd}; the keys are url and secret_env."
                )
            if not hook.get("url"):
                raise InputError(f"{where}: webhook: url is required.")
            env = hook.get("secret_env")
            if not env or env not in os.environ:
                raise InputError(
                    f"{where}: the webhook's secret is read from the environment variable named "
                    f"by secret_env; {env!r} is not set."
                )
            out.append(WebhookNotifier(str(hook.get("url")), secret=os.environ[env]))
        elif isinstance(item, dict) and set(item) == {"email"} and isinstance(item["email"], dict):
            out.append(_email(item["email"], where))
        else:
            raise InputError(
                f"{where}: a notifier is 'log', {{webhook: {{url: ..., secret_env: ...}}}} or "
                f"{{email: {{host: ..., sender: ..., recipients: [...]}}}}; got {item!r}."
            )
    return out


def load_config(path: str | Path) -> list[dict[str, Any]]:
    """Read and check a monitors file; every problem names the monitor and the key."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("monitors"), list)
        or not data["monitors"]
    ):
        raise InputError(
            f"{path}: expected a top-level 'monitors:' list with at least one monitor."
        )
    base = path.parent
    out = []
    for k, m in enumerate(data["monitors"]):
        where = f"{path}: monitors[{k}]"
        if not isinstance(m, dict):
            raise InputError(f"{where} must be a mapping with name, reference and batches.")
        unknown = sorted(set(m) - _KEYS)
        if unknown:
            raise InputError(f"{where}: unknown key(s) {unknown}; the keys are {sorted(_KEYS)}.")
        for key in ("name", "reference", "batches"):
            if not m.get(key):
                raise InputError(f"{where}: '{key}' is required.")
        where = f"{path}: monitor {m['name']!r}"
        rules = m.get("rules") or []
        if not isinstance(rules, list):
            raise InputError(f"{where}: rules must be a list of lines.")
        parsed = [AlertRule.parse(rule) for rule in rules]  # refuses what it cannot read
        try:
            threshold = check_number(m.get("threshold", 0.2), "threshold")
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc
        roles = {}
        for role in _ROLES:
            value = m.get(role)
            if value is not None and not isinstance(value, str):
                raise InputError(f"{where}: {role} names a column (or model): a string.")
            roles[role] = value
        if roles["task"] not in (None, "binary", "regression"):
            raise InputError(f"{where}: task is binary or regression; got {roles['task']!r}.")
        if not isinstance(m.get("multivariate", False), bool):
            raise InputError(f"{where}: multivariate is true or false.")
        if m.get("labels") and (roles["id"] is None or roles["target"] is None):
            raise InputError(
                f"{where}: labels are joined by the id column to the target column; set both "
                "id and target."
            )
        out.append(
            {
                "name": str(m["name"]),
                "reference": (base / str(m["reference"])),
                "batches": str(base / str(m["batches"])),
                "features": m.get("features"),
                "threshold": threshold,
                "rules": parsed,
                "notify": _notifiers(m.get("notify"), where),
                "roles": roles,
                "multivariate": bool(m.get("multivariate", False)),
                "labels": str(base / str(m["labels"])) if m.get("labels") else None,
            }
        )
    return out


def run_config(
    path: str | Path, *, ledger: Any = None, progress: bool = True
) -> list[dict[str, Any]]:
    """Observe every new batch of every monitor in the file; one summary per monitor."""
    from mlvet.ledger import open_ledger

    config = load_config(path)
    led = open_ledger(ledger)
    # every check that can be made from the file and the references runs before any
    # monitor is recorded, so that fixing the file is all a refused run asks for
    checked = [(m, *_precheck(m, led)) for m in config]
    plans = []
    for m, reference, files in checked:
        monitor = Monitor(
            m["name"],
            reference,
            features=m["features"],
            threshold=m["threshold"],
            multivariate=m["multivariate"],
            ledger=led,
            **m["roles"],
        )
        for rule in m["rules"]:  # what only the monitor knows (its task, its assertions)
            why = monitor.cannot_measure(rule.metric)
            if why is not None:
                raise InputError(
                    f"Monitor {m['name']!r}: the rule {rule.text!r} can never hold: {why}."
                )
        seen = set(monitor.history().batch_key)
        plans.append((m, monitor, [f for f in files if f.stem not in seen], len(files)))
    total = sum(len(todo) for _, _, todo, _ in plans)
    summaries = []
    from rich.progress import Progress

    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("observing batches", total=total)
        for m, monitor, todo, n_files in plans:
            drifted, opened = [], []
            for f in todo:
                try:
                    batch = read_table(f)
                except InputError as exc:
                    raise InputError(f"Monitor {m['name']!r}: {exc}") from exc
                report = monitor.observe(batch, batch_key=f.stem)
                if report.drifted:
                    drifted.append(f.stem)
                opened += [a.rule for a in evaluate(monitor, m["rules"], notifiers=m["notify"])]
                bar.advance(task)
            labelled, unknown = _join_labels(monitor, m["labels"])  # with or without batches
            if labelled:
                opened += [a.rule for a in evaluate(monitor, m["rules"], notifiers=m["notify"])]
            summaries.append(
                {
                    "monitor": m["name"],
                    "files": n_files,
                    "new_batches": [f.stem for f in todo],
                    "drifted": drifted,
                    "labels_joined": labelled,
                    "labels_unknown": unknown,
                    "alerts_opened": opened,
                }
            )
    return summaries


def _join_labels(monitor: Monitor, pattern: str | None) -> tuple[int, int]:
    """Join every label file's labels (id and target columns); how many changed, and how
    many ids the monitor never observed."""
    if pattern is None:
        return 0, 0
    changed = unknown = 0
    for f in sorted(Path(p) for p in glob.glob(pattern)):
        try:
            table = read_table(f)
            names = set(table.column_names)
            missing = {monitor.id_column, monitor.target} - names
            if missing:
                raise InputError(f"{f} has no column(s) {sorted(str(c) for c in missing)}.")
            out = monitor.label(
                table.column(str(monitor.id_column)).to_pylist(),
                table.column(str(monitor.target)).to_numpy(zero_copy_only=False),
                unknown="ignore",
            )
        except InputError as exc:
            raise InputError(f"Monitor {monitor.name!r}: labels: {exc}") from exc
        changed += int(out["labelled"])
        unknown += int(out["unknown"])
    return changed, unknown


def _precheck(m: dict[str, Any], led: Any) -> tuple[Any, list[Path]]:
    """The monitor's reference and batch files, once its rules, roles and files are known
    to make sense; refused (naming the monitor) before anything is recorded."""
    import narwhals as nw
    from sqlalchemy import select

    from mlvet.ledger import _schema as s
    from mlvet.monitoring._profile import is_time

    name, roles = m["name"], m["roles"]
    reference = read_table(m["reference"])
    columns = reference.column_names
    for role in ("prediction", "target", "id", "timestamp"):
        if roles[role] is not None and roles[role] not in columns:
            raise InputError(
                f"Monitor {name!r}: the {role} column {roles[role]!r} is not in the reference; "
                f"it has {columns}."
            )
    if m["features"]:
        watched = [*m["features"], *([roles["prediction"]] if roles["prediction"] else [])]
    else:
        skip = {roles["target"], roles["id"], roles["timestamp"]}
        schema = nw.from_native(reference).schema
        watched = [c for c in columns if c not in skip and not is_time(schema[c])]
    unwatched = sorted({r.feature for r in m["rules"] if r.feature and r.feature not in watched})
    if unwatched:
        raise InputError(
            f"Monitor {name!r}: its rules name column(s) {unwatched} it does not watch; it "
            f"watches {watched}."
        )
    performance = [r for r in m["rules"] if r.metric.startswith(("estimated_", "realized_"))]
    learned = _learned(reference, roles) if performance else {"task": roles["task"]}
    for rule in m["rules"]:
        why = unmeasurable(
            rule.metric,
            calibrated="calibrator" in learned,
            keeps_rows=roles["prediction"] is not None and roles["id"] is not None,
            task=learned["task"],
            multivariate=m["multivariate"],
            assertions=True,  # a file's reference is in memory: its assertions are inferred
        )
        if why is not None:
            raise InputError(f"Monitor {name!r}: the rule {rule.text!r} can never hold: {why}.")
    if roles["model"] is not None:
        with led.connect() as conn:
            known = conn.execute(
                select(s.models.c.id).where(s.models.c.name == roles["model"])
            ).scalar()
        if known is None:
            raise InputError(
                f"Monitor {name!r}: no registered model {roles['model']!r}; register it "
                "first (mlvet.register_model)."
            )
    files = sorted(Path(p) for p in glob.glob(m["batches"]))
    stems = [f.stem for f in files]
    twice = sorted({k for k in stems if stems.count(k) > 1})
    if twice:  # the stem is the batch key: two files would be one batch
        raise InputError(
            f"Monitor {name!r}: batch files share the name(s) {twice} (the batch key); rename them."
        )
    return reference, files


def _learned(reference: Any, roles: dict[str, Any]) -> dict[str, Any]:
    """The task (and calibrator) a monitor would learn from this reference."""
    from mlvet.monitoring._monitor import _reference_performance

    return _reference_performance(
        reference,
        {k: roles[k] for k in ("prediction", "target", "id", "timestamp")},
        roles["task"],
        0.5,
    )
