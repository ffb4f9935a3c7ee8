"""The vault: a sealed test set that answers with aggregate metrics and spends a budget.

Grade-your-own-Exam is a test set looked at, reused and selected on until its score is
part of development. The vault makes the test set a one-way door:

* :meth:`Vault.seal` stores the rows and labels in the ledger (Arrow IPC, optionally
  Fernet-encrypted with the key in ``MLVET_VAULT_KEY``) and records at once a salted
  SHA-256 commitment over them, so any later change to the stored set is detected.
* The handle never exposes rows or labels; :meth:`Vault.evaluate` runs the model on the
  sealed rows and returns named aggregate metrics with bootstrap confidence intervals.
* Every evaluation is logged (who, when, the fingerprint of the fitted model, its lineage,
  the purpose) and spends a budget: by default one final evaluation per model lineage and
  three in all. Over budget the vault refuses with a GE301 finding, unless an override
  with a written reason is given — then it answers and records a GE302 finding.
* The budget is reserved inside one ledger write transaction (SQLite ``BEGIN IMMEDIATE``,
  PostgreSQL ``SELECT ... FOR UPDATE`` on the chain head), so concurrent evaluations
  cannot overspend it. An evaluation whose model fails does not spend the budget.
* :meth:`Vault.query` is the reusable holdout (Thresholdout, Dwork et al., Science 2015)
  for adaptive development questions: it answers with the caller's own training estimate
  unless the holdout disagrees by more than a noisy threshold, and then with a noisy
  holdout value, spending one unit of a separate budget.

No message, log entry or return value of this module contains a sealed row or label.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import math
import pickle
import secrets
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import func, select

from mlvet._findings import Finding, Location
from mlvet._json import canonical_json
from mlvet.exceptions import (
    BudgetExceededError,
    InputError,
    MlvetError,
    NotFoundError,
    VaultError,
    VaultIntegrityError,
)
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger, write_findings
from mlvet.ledger._ledger import Ledger, chained_keys, now_iso, unchained_rows
from mlvet.vault import _store
from mlvet.vault._metrics import METRICS, MetricResult, check_metrics, default_metrics, score

__all__ = ["Budget", "QueryAnswer", "Vault", "VaultInfo", "VaultResult", "vaults"]

SPENDING = ("pending", "done", "error")
_T = TypeVar("_T")
MIN_REASON = 12


@dataclass(frozen=True)
class Budget:
    """How many evaluations a sealed set answers.

    ``per_lineage`` final evaluations per model lineage, ``total`` final evaluations in
    all, and ``thresholdout`` holdout answers for :meth:`Vault.query`, whose threshold and
    noise scale (``threshold``, ``sigma``) are fixed when the set is sealed, so that a
    caller cannot ask for an exact answer.
    """

    per_lineage: int = 1
    total: int = 3
    thresholdout: int = 20
    threshold: float = 0.04
    sigma: float = 0.01

    def __post_init__(self) -> None:
        for name in ("per_lineage", "total", "thresholdout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"Budget.{name} must be a non-negative int; got {value!r}.")
        for name, floor in (("threshold", 0.005), ("sigma", 0.001)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not floor <= value <= 1
            ):
                raise InputError(f"Budget.{name} must be a number in [{floor}, 1]; got {value!r}.")
        if self.per_lineage < 1 or self.total < 1:
            raise InputError(
                "Budget.per_lineage and Budget.total must be at least 1; a vault that can "
                "never be evaluated is not a test set."
            )

    def to_dict(self) -> dict[str, float]:
        return {
            "per_lineage": self.per_lineage,
            "total": self.total,
            "thresholdout": self.thresholdout,
            "threshold": self.threshold,
            "sigma": self.sigma,
        }

    @classmethod
    def coerce(cls, value: Budget | Mapping[str, float] | None) -> Budget:
        if value is None:
            return cls()
        if isinstance(value, Budget):
            return value
        if isinstance(value, Mapping):
            fields = {"per_lineage", "total", "thresholdout", "threshold", "sigma"}
            unknown = sorted(set(value) - fields)
            if unknown:
                raise InputError(f"Unknown budget key(s) {unknown}; use {sorted(fields)}.")
            return cls(**dict(value))  # type: ignore[arg-type]
        raise InputError(f"budget must be a Budget or a dict; got {type(value).__name__}.")


@dataclass(frozen=True)
class VaultInfo:
    """What may be known about a sealed set: never its rows."""

    name: str
    commitment: str
    n_rows: int
    encrypted: bool
    budget: Budget
    sealed_at: str
    final_spent: int
    thresholdout_spent: int
    by_lineage: dict[str, int] = field(default_factory=dict)
    task: str = "classification"
    n_classes: int | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.budget.total - self.final_spent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "commitment": self.commitment,
            "n_rows": self.n_rows,
            "encrypted": self.encrypted,
            "budget": self.budget.to_dict(),
            "sealed_at": self.sealed_at,
            "final_spent": self.final_spent,
            "remaining": self.remaining,
            "thresholdout_spent": self.thresholdout_spent,
            "by_lineage": dict(self.by_lineage),
            "task": self.task,
            "n_classes": self.n_classes,
        }


@dataclass(frozen=True)
class VaultResult:
    """The answer of one evaluation: aggregate metrics with intervals, and its record."""

    vault: str
    metrics: dict[str, MetricResult]
    read_id: int
    lineage: str
    model_fingerprint: str
    purpose: str
    n_rows: int
    remaining: int
    override: str | None = None

    def __getitem__(self, metric: str) -> MetricResult:
        return self.metrics[metric]

    def to_dict(self) -> dict[str, Any]:
        return {
            "vault": self.vault,
            "read_id": self.read_id,
            "lineage": self.lineage,
            "model_fingerprint": self.model_fingerprint,
            "purpose": self.purpose,
            "n_rows": self.n_rows,
            "remaining": self.remaining,
            "override": self.override,
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
        }

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in self.metrics.items())
        return f"{self.vault} (n={self.n_rows:,}): {parts}; {self.remaining} evaluation(s) left"


@dataclass(frozen=True)
class QueryAnswer:
    """A reusable-holdout answer: a value safe to use for adaptive development."""

    metric: str
    value: float
    read_id: int
    remaining: int

    def __float__(self) -> float:
        return self.value


def _text(value: Any, what: str, *, minimum: int = 1) -> str:
    if not isinstance(value, str) or len(value.strip()) < minimum:
        need = (
            "a non-empty string"
            if minimum <= 1
            else f"a written reason of at least {minimum} characters"
        )
        raise InputError(f"{what} must be {need}; got {value!r}.")
    return value.strip()


def _inner(model: Any) -> Any:
    """The estimator behind a bound method, a Pipeline's last step, or the object itself."""
    owner = getattr(model, "__self__", None)
    if owner is not None and not inspect.ismodule(owner):
        model = owner
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps:
        return steps[-1][1]
    return model


def lineage_of(model: Any) -> str:
    """The default lineage: the class (or function) path of the model's final estimator."""
    inner = _inner(model)
    target = inner if inspect.isfunction(inner) or inspect.isclass(inner) else type(inner)
    module = getattr(target, "__module__", "?")
    return f"{module}.{getattr(target, '__qualname__', type(target).__name__)}"


def model_fingerprint(model: Any) -> str:
    """SHA-256 of the pickled fitted model; of the function's code for a plain callable."""
    try:
        data = pickle.dumps(model, protocol=4)
    except Exception:
        code = getattr(model, "__code__", None)
        data = (lineage_of(model) + repr(getattr(code, "co_code", b""))).encode()
    return hashlib.sha256(data).hexdigest()


def _withheld(what: str, error: str) -> VaultError:
    return VaultError(
        f"{what} raised {error} on the sealed rows. Its message is withheld because it may "
        "quote sealed rows or labels; reproduce the failure on validation data."
    )


class _Read:
    """A reserved evaluation: the read row, and whether it went over budget."""

    def __init__(self, read_id: int, override: str | None, remaining: int) -> None:
        self.read_id = read_id
        self.override = override
        self.remaining = remaining


class Vault:
    """A named sealed test set in the ledger.

    >>> import numpy as np, mlvet, tempfile, os
    >>> from sklearn.linear_model import LogisticRegression
    >>> db = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "ledger.db")
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3)); y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    >>> vault = mlvet.Vault("doc-final", ledger=db)
    >>> info = vault.seal(X[300:], y[300:])
    >>> info.n_rows, len(info.commitment)
    (100, 64)
    >>> model = LogisticRegression().fit(X[:300], y[:300])
    >>> result = vault.evaluate(model, metrics=["accuracy"], purpose="final report")
    >>> 0.6 < result["accuracy"].value < 1.0, result.remaining
    (True, 2)
    >>> vault.evaluate(model, metrics=["accuracy"], purpose="again")
    Traceback (most recent call last):
    ...
    mlvet.exceptions.BudgetExceededError: ...
    """

    def __init__(self, name: str, *, ledger: str | Ledger | None = None) -> None:
        self.name = _text(name, "The vault name")
        if len(self.name) > 255:
            raise InputError(f"The vault name is {len(self.name)} characters; use at most 255.")
        self._ledger_arg = ledger

    def __repr__(self) -> str:
        return f"Vault({self.name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        ledger = self._ledger_arg
        # a Ledger object pickles as its URL without the password: set MLVET_DB_URL (or
        # pass the URL string) where the handle is unpickled
        url = (
            ledger.url.render_as_string(hide_password=True)
            if isinstance(ledger, Ledger)
            else ledger
        )
        return (_rebuild, (self.name, url))

    @property
    def ledger(self) -> Ledger:
        return open_ledger(self._ledger_arg)

    # -- sealing ------------------------------------------------------------------------
    def seal(
        self,
        X: Any,
        y: Any,
        *,
        budget: Budget | Mapping[str, float] | None = None,
        encrypt: bool | None = None,
        task: str | None = None,
    ) -> VaultInfo:
        """Store the test rows and labels, record their commitment, and return the info.

        ``task`` is ``"classification"`` or ``"regression"``; by default text, booleans
        and integer labels with at most 20 values are classes and other numbers a
        regression target. ``encrypt=None`` encrypts when ``MLVET_VAULT_KEY`` is set;
        ``True`` requires it. A vault is sealed once: seal a corrected set under a new name.
        """
        plan = Budget.coerce(budget)
        if encrypt is not None and not isinstance(encrypt, bool):
            raise InputError(f"encrypt must be True, False or None; got {encrypt!r}.")
        payload, n_rows, spec = _store.pack(X, y, task)
        encrypted = _store.key_available() if encrypt is None else encrypt
        salt = _store.new_salt()
        digest = _store.commitment(salt, payload)
        stored = _store.encrypt(payload) if encrypted else payload
        with self.ledger.transaction() as tx:
            exists = tx.conn.execute(
                select(s.vaults.c.id).where(s.vaults.c.name == self.name)
            ).first()
            if exists is not None:
                raise VaultError(
                    f"The vault {self.name!r} is already sealed; a sealed set cannot be replaced. "
                    "Seal a corrected set under a new name (the old one stays in the log)."
                )
            vault_id = tx.insert(
                s.vaults,
                {
                    "name": self.name,
                    "commitment": digest,
                    "n_rows": n_rows,
                    "budget_json": canonical_json(plan.to_dict()),
                    "encrypted": encrypted,
                    "content_uri": f"ledger:vault_contents/{self.name}",
                    "spec_json": canonical_json(spec),
                },
            )
            tx.conn.execute(
                s.vault_contents.insert().values(
                    vault_id=vault_id, salt=salt.hex(), payload=stored, created_at=now_iso()
                )
            )
        return self.info()

    # -- reading what may be read ---------------------------------------------------------
    def _row(self, conn: Any) -> Any:
        row = conn.execute(select(s.vaults).where(s.vaults.c.name == self.name)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"No vault named {self.name!r} is sealed in {self.ledger.display_url}; seal one "
                "with Vault(name).seal(X_test, y_test) or `mlvet vault seal`."
            )
        return row

    def _trusted_row(self, conn: Any, *, reads: bool = True) -> Any:
        """The vault's row (and its reads), checked against the audit chain that wrote them.

        The reads are checked only inside a write transaction, which holds the chain head:
        outside one, a read committed between two queries would look edited or deleted.
        """
        row = self._row(conn)
        r = s.vault_reads
        rows = (
            [dict(x) for x in conn.execute(select(r).where(r.c.vault_id == row["id"])).mappings()]
            if reads
            else []
        )
        edited = unchained_rows(conn, s.vaults, [dict(row)]) + unchained_rows(conn, r, rows)
        missing = (
            chained_keys(conn, r, "vault_id", row["id"]) - {str(x["id"]) for x in rows}
            if reads
            else set()
        )
        if edited or missing:
            raise VaultIntegrityError(
                f"The vault {self.name!r} or its access log was changed outside mlvet "
                f"({len(edited)} edited, {len(missing)} deleted record(s)): its budget cannot "
                "be trusted. Run `mlvet audit verify` and restore the ledger from a backup."
            )
        return row

    def info(self) -> VaultInfo:
        """The commitment, size, budget and what has been spent."""
        with self.ledger.connect() as conn:
            row = self._row(conn)
            counts = conn.execute(
                select(s.vault_reads.c.kind, s.vault_reads.c.lineage_key, func.count())
                .where(s.vault_reads.c.vault_id == row["id"], s.vault_reads.c.status.in_(SPENDING))
                .group_by(s.vault_reads.c.kind, s.vault_reads.c.lineage_key)
            ).all()
        by_lineage = {lin: int(n) for kind, lin, n in counts if kind == "final"}
        spec = json.loads(row["spec_json"] or "{}")
        return VaultInfo(
            name=row["name"],
            commitment=row["commitment"],
            n_rows=int(row["n_rows"]),
            encrypted=bool(row["encrypted"]),
            budget=Budget(**json.loads(row["budget_json"])),
            sealed_at=row["created_at"],
            final_spent=sum(by_lineage.values()),
            thresholdout_spent=sum(int(n) for kind, _, n in counts if kind == "thresholdout"),
            by_lineage=by_lineage,
            task=spec.get("task", "classification"),
            n_classes=spec.get("n_classes"),
        )

    def log(self) -> list[dict[str, Any]]:
        """Every read of the vault, oldest first: who, when, what, why, and the aggregates."""
        r = s.vault_reads
        with self.ledger.connect() as conn:
            row = self._row(conn)
            reads = conn.execute(
                select(r).where(r.c.vault_id == row["id"]).order_by(r.c.id)
            ).mappings()
            return [
                {
                    "id": int(read["id"]),
                    "at": read["created_at"],
                    "actor": read["actor"],
                    "kind": read["kind"],
                    "status": read["status"],
                    "lineage": read["lineage_key"],
                    "model_fingerprint": read["model_fingerprint"],
                    "purpose": read["purpose"],
                    "override_reason": read["override_reason"],
                    "result": json.loads(read["metrics_json"]),
                }
                for read in reads
            ]

    def verify(self) -> VaultInfo:
        """Check the stored bytes against the commitment, and the vault's row and access
        log against the audit chain; raise VaultIntegrityError if either was altered."""
        with self.ledger.transaction() as tx:  # holds the chain head: a consistent view
            self._trusted_row(tx.conn)
        self._open()
        return self.info()

    def _open(self) -> _store.Sealed:
        with self.ledger.connect() as conn:
            row = self._trusted_row(conn, reads=False)
            content = (
                conn.execute(
                    select(s.vault_contents).where(s.vault_contents.c.vault_id == row["id"])
                )
                .mappings()
                .first()
            )
        if content is None:
            raise VaultIntegrityError(
                f"The sealed rows of {self.name!r} are missing from the ledger; restore the "
                "ledger from a backup."
            )
        stored = bytes(content["payload"])
        payload = _store.decrypt(stored) if row["encrypted"] else stored
        if _store.commitment(bytes.fromhex(content["salt"]), payload) != row["commitment"]:
            raise VaultIntegrityError(
                f"The stored rows of {self.name!r} do not match the commitment recorded when it "
                "was sealed: the set was altered. Do not report scores from it."
            )
        error: str | None = None
        try:
            return _store.unpack(payload)
        except Exception as exc:  # corrupt bytes that still match the commitment: a bug
            error = type(exc).__name__
        raise VaultIntegrityError(f"The sealed rows of {self.name!r} cannot be read ({error}).")

    # -- spending -------------------------------------------------------------------------
    def _reserve(
        self, *, kind: str, lineage: str, fingerprint: str, purpose: str, override: str | None
    ) -> _Read:
        r = s.vault_reads
        refused: Finding | None = None
        with self.ledger.transaction() as tx:
            row = self._trusted_row(tx.conn)
            plan = Budget(**json.loads(row["budget_json"]))
            spent = tx.conn.execute(
                select(r.c.lineage_key, func.count())
                .where(r.c.vault_id == row["id"], r.c.kind == kind, r.c.status.in_(SPENDING))
                .group_by(r.c.lineage_key)
            ).all()
            total = sum(int(n) for _, n in spent)
            mine = sum(int(n) for lin, n in spent if lin == lineage)
            if kind == "final":
                over = total >= plan.total or mine >= plan.per_lineage
                why = (
                    f"{mine} of {plan.per_lineage} final evaluation(s) for lineage {lineage!r} "
                    f"and {total} of {plan.total} in all are spent"
                )
            else:
                over = total >= plan.thresholdout
                why = f"{total} of {plan.thresholdout} reusable-holdout answers are spent"
            used_override = override if over else None
            status = "refused" if over and override is None else "pending"
            read_id = tx.insert(
                r,
                {
                    "vault_id": row["id"],
                    "model_fingerprint": fingerprint,
                    "lineage_key": lineage,
                    "purpose": purpose,
                    "metrics_json": canonical_json({}),
                    "actor": tx.actor,
                    "override_reason": used_override,
                    "kind": kind,
                    "status": status,
                },
            )
            location = Location(dataset=f"vault:{self.name}")
            evidence = {
                "vault": self.name,
                "read_id": read_id,
                "lineage": lineage,
                "model_fingerprint": fingerprint,
                "spent_total": total,
                "spent_lineage": mine,
                "budget": plan.to_dict(),
            }
            if status == "refused":
                refused = Finding.of(
                    "GE301",
                    f"Evaluation of {lineage} on the sealed set {self.name!r} refused: {why}.",
                    location=location,
                    evidence=evidence,
                )
                write_findings(tx, [refused])
            elif used_override is not None:
                message = (
                    f"{lineage} was evaluated on the sealed set {self.name!r} beyond its "
                    f"budget ({why}) under the override: {used_override}"
                )
                evidence["override_reason"] = used_override
                write_findings(
                    tx, [Finding.of("GE302", message, location=location, evidence=evidence)]
                )
        if refused is not None:
            raise BudgetExceededError(
                f"{refused.message} Develop on validation data; to evaluate anyway, pass "
                "override='<why this extra evaluation is justified>' (it is recorded).",
                finding=refused,
            )
        left = (plan.total if kind == "final" else plan.thresholdout) - total - 1
        return _Read(int(read_id), used_override, max(0, left))

    def _finish(self, read: _Read, status: str, result: Mapping[str, Any]) -> None:
        with self.ledger.transaction() as tx:
            tx.update(
                s.vault_reads,
                read.read_id,
                {"status": status, "metrics_json": canonical_json(dict(result))},
            )

    def _read(
        self,
        kind: str,
        model: Any,
        lineage: str,
        purpose: str,
        override: str | None,
        compute: Callable[[_store.Sealed, _Stage], _T],
    ) -> tuple[_Read, str, _T]:
        """Reserve a read, open the sealed set and compute on it, with the rows contained.

        A failure while the model predicts spends nothing (status ``failed``); a failure
        once the labels were touched spends the read (status ``error``), or failures would
        be a free oracle on the labels. Any error is raised afresh from here, with the
        failing frames (whose variables hold sealed rows) dropped and no chained cause.
        Any active ``mlvet.trace()`` is paused: it would hash the sealed rows.
        """
        from mlvet.tracing import active_trace

        fingerprint = model_fingerprint(model)
        read = self._reserve(
            kind=kind, lineage=lineage, fingerprint=fingerprint, purpose=purpose, override=override
        )
        stage = _Stage()
        tracer = active_trace()
        failure: tuple[type[Exception], str] | None = None
        try:
            with tracer.paused() if tracer is not None else contextlib.nullcontext():
                value = compute(self._open(), stage)
        except MlvetError as exc:
            failure = (type(exc), str(exc))
        except Exception as exc:
            failure = (VaultError, str(_withheld(stage.what, type(exc).__name__)))
        except BaseException:
            self._finish(read, "failed", {"error": "interrupted"})
            raise
        if failure is not None:
            status = "error" if stage.labels_touched else "failed"
            self._finish(read, status, {"error": failure[0].__name__})
            raise failure[0](failure[1]).with_traceback(None)
        return read, fingerprint, value

    # -- evaluating ---------------------------------------------------------------------------
    def evaluate(
        self,
        model: Any,
        *,
        purpose: str,
        metrics: Any = None,
        lineage: str | None = None,
        override: str | None = None,
        pos_label: Any = None,
        n_bootstrap: int = 1000,
        confidence: float = 0.95,
        seed: int = 0,
    ) -> VaultResult:
        """Score a fitted model (or a predict function) on the sealed set, once.

        ``metrics`` are names from :data:`mlvet.vault.METRICS` (default: accuracy and ROC
        AUC, or MAE, RMSE and R²). ``lineage`` groups retrained versions of one model
        (default: the final estimator's class). Values and interval bounds are rounded to
        4 significant digits. Over budget this raises
        :class:`~mlvet.exceptions.BudgetExceededError` unless ``override`` gives a reason.
        """
        purpose = _text(purpose, "purpose")
        if override is not None:
            override = _text(override, "override", minimum=MIN_REASON)
        _check_model(model)
        _check_int(n_bootstrap, "n_bootstrap", 0, 100_000)
        _check_int(seed, "seed", 0, 2**32 - 1)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, float)
            or not 0.5 <= confidence < 1
        ):
            raise InputError(f"confidence must be a float in [0.5, 1); got {confidence!r}.")
        positive = _plain(pos_label, "pos_label")
        lineage = _lineage(model, lineage)
        info = self.info()  # raises NotFoundError before anything is reserved
        names = self._metric_names(metrics, info, model)

        def compute(sealed: _store.Sealed, stage: _Stage) -> dict[str, MetricResult]:
            return _score_all(model, sealed, names, positive, n_bootstrap, confidence, seed, stage)

        read, fingerprint, results = self._read("final", model, lineage, purpose, override, compute)
        self._finish(read, "done", {k: v.to_dict() for k, v in results.items()})
        return VaultResult(
            vault=self.name,
            metrics=results,
            read_id=read.read_id,
            lineage=lineage,
            model_fingerprint=fingerprint,
            purpose=purpose,
            n_rows=info.n_rows,
            remaining=read.remaining,
            override=read.override,
        )

    @staticmethod
    def _metric_names(metrics: Any, info: VaultInfo, model: Any) -> tuple[str, ...]:
        """Metric names checked against the sealed task and classes, before any read."""
        if metrics is None:
            has_scores = hasattr(model, "predict_proba") or hasattr(model, "decision_function")
            names = default_metrics(info.task, has_scores and info.n_classes == 2)
        else:
            names = check_metrics(metrics, info.task)
        for name in names:
            spec = METRICS[name]
            if info.n_classes is not None and info.n_classes > 2 and spec.binary_only:
                raise InputError(
                    f"Metric {name!r} is for two classes but this vault holds {info.n_classes}; "
                    "use 'f1_macro', 'balanced_accuracy', 'accuracy', 'roc_auc' or 'log_loss'."
                )
            if info.n_classes is not None and info.n_classes < 2 and spec.needs == "score":
                raise InputError(
                    f"Metric {name!r} is undefined: the sealed labels hold a single class; use "
                    "'accuracy'."
                )
        return names

    # -- the reusable holdout ------------------------------------------------------------------
    def query(
        self,
        model: Any,
        *,
        metric: str,
        train_score: float,
        purpose: str = "development",
        lineage: str | None = None,
        pos_label: Any = None,
    ) -> QueryAnswer:
        """Thresholdout (Dwork et al., 2015): a development answer that does not overfit.

        Pass the model's score on your own training or validation data as
        ``train_score``. With the vault's ``threshold`` T and noise scale ``sigma`` (fixed
        when it was sealed, see :class:`Budget`): if the sealed value and ``train_score``
        differ by no more than T plus Laplace noise of scale ``2*sigma`` (compared after
        adding Laplace noise of scale ``4*sigma``), the answer is ``train_score`` and no
        budget is spent; if not, the answer is the sealed value plus Laplace noise of scale
        ``sigma`` and one unit of the ``thresholdout`` budget is spent. The threshold noise
        is drawn afresh for each query (the paper redraws it after each spend); noise comes
        from the operating system's random source, never from a seed the caller can set.
        """
        purpose = _text(purpose, "purpose")
        if not isinstance(metric, str):
            raise InputError(f"metric must be one metric name, e.g. 'accuracy'; got {metric!r}.")
        if (
            isinstance(train_score, bool)
            or not isinstance(train_score, (int, float, np.floating))
            or not math.isfinite(float(train_score))
        ):
            raise InputError(f"train_score must be a finite number; got {train_score!r}.")
        _check_model(model)
        positive = _plain(pos_label, "pos_label")
        lineage = _lineage(model, lineage)
        info = self.info()
        (name,) = self._metric_names([metric], info, model)
        plan = info.budget

        def compute(sealed: _store.Sealed, stage: _Stage) -> float:
            return _score_all(model, sealed, (name,), positive, 0, 0.95, 0, stage)[name].value

        read, _, holdout = self._read("thresholdout", model, lineage, purpose, None, compute)
        rng = np.random.default_rng(secrets.randbits(128))
        noisy_threshold = plan.threshold + rng.laplace(0, 2 * plan.sigma)
        if abs(holdout - float(train_score)) > noisy_threshold + rng.laplace(0, 4 * plan.sigma):
            value, status = _round(holdout + rng.laplace(0, plan.sigma)), "done"
        else:
            value, status = float(train_score), "answered"
        self._finish(read, status, {"metric": name, "answer": value})
        remaining = plan.thresholdout - info.thresholdout_spent - (status == "done")
        return QueryAnswer(
            metric=name, value=value, read_id=read.read_id, remaining=max(0, remaining)
        )


class _Stage:
    """Where a read is: which code runs, and whether the sealed labels were touched yet."""

    def __init__(self) -> None:
        self.what = "The model"
        self.labels_touched = False


def _rebuild(name: str, url: str | None) -> Vault:
    return Vault(name, ledger=url)


def _check_model(model: Any) -> None:
    if not callable(model) and not hasattr(model, "predict"):
        raise InputError(
            f"model must be a fitted estimator with predict() or a function of X; got "
            f"{type(model).__name__}."
        )


def _check_int(value: Any, name: str, low: int, high: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not low <= value <= high
    ):
        raise InputError(f"{name} must be an int in [{low}, {high}]; got {value!r}.")


def _lineage(model: Any, lineage: str | None) -> str:
    value = _text(lineage, "lineage") if lineage is not None else lineage_of(model)
    if len(value) > 255:
        raise InputError(f"lineage is {len(value)} characters; use at most 255.")
    return value


_PLAIN = (str, int, float, bool)


def _plain(value: Any, what: str) -> Any:
    """A label given by the caller must be a plain value: an object could watch comparisons."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if type(value) not in _PLAIN:
        raise InputError(f"{what} must be a str, int, float or bool; got {type(value).__name__}.")
    return value


def _plain_array(values: Any, what: str) -> np.ndarray:
    """Model output or classes as a numeric or text array, never arbitrary objects."""
    array = np.asarray(values)
    if array.dtype.kind == "O":
        if any(type(v) not in _PLAIN for v in array.ravel().tolist()):
            raise VaultError(
                f"{what} holds objects other than text, numbers and booleans; return plain "
                "values (e.g. numpy arrays) from the model."
            )
        array = (
            array.astype(str)
            if any(type(v) is str for v in array.ravel().tolist())
            else array.astype(float)
        )
    elif array.dtype.kind not in "biufUS":
        raise VaultError(f"{what} has dtype {array.dtype}; return labels or numeric scores.")
    return array


def _round(value: float) -> float:
    """4 significant digits: a sealed answer must not be precise enough to encode rows."""
    return float(f"{value:.4g}")


def _predict(
    model: Any, X: Any, need_labels: bool, need_scores: bool, n: int
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Run the model on the sealed rows, with its warnings suppressed (they may quote rows)."""
    estimator = hasattr(model, "predict") and not inspect.isfunction(model)
    classes = getattr(_inner(model) if not estimator else model, "classes_", None)
    if not estimator and need_labels and need_scores:
        raise InputError(
            "A plain function returns one output; evaluate label metrics and score metrics in "
            "separate calls, or pass the fitted estimator."
        )
    calls: list[tuple[str, Callable[[], Any]]] = []
    if estimator:
        if need_labels:
            calls.append(("labels", lambda: model.predict(X)))
        if need_scores:
            if hasattr(model, "predict_proba"):
                calls.append(("scores", lambda: model.predict_proba(X)))
            elif hasattr(model, "decision_function"):
                calls.append(("scores", lambda: model.decision_function(X)))
            else:
                raise InputError(
                    "The metrics need scores but the model has neither predict_proba nor "
                    "decision_function; use label metrics such as 'accuracy'."
                )
    else:
        calls.append(("scores" if need_scores else "labels", lambda: model(X)))
    out: dict[str, np.ndarray] = {}
    for what, call in calls:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _plain_array(call(), f"The model's {what}")
        if got.ndim == 0 or got.shape[0] != n:
            raise VaultError(
                f"The model returned {0 if got.ndim == 0 else got.shape[0]:,} predictions for "
                f"{n:,} sealed rows; it must return one per row."
            )
        if got.dtype.kind == "f" and not np.isfinite(got).all():
            raise VaultError(
                f"The model returned {int((~np.isfinite(got)).sum()):,} missing or infinite "
                "prediction(s) on the sealed rows; fix the model before a final evaluation."
            )
        out[what] = got
    plain_classes = None if classes is None else _plain_array(classes, "The model's classes_")
    return out.get("labels"), out.get("scores"), plain_classes


def _positive(pos_label: Any, classes: np.ndarray | None, y: np.ndarray, task: str) -> Any:
    if task != "classification":
        return None
    if pos_label is not None:
        if classes is not None and pos_label not in classes.tolist():
            raise InputError(
                f"pos_label {pos_label!r} is not one of the model's classes_; pass one of them."
            )
        return pos_label
    if classes is not None and len(classes) == 2:
        return classes[1].item() if isinstance(classes[1], np.generic) else classes[1]
    values = np.unique(y)
    return values[-1] if values.size else None


def _score_all(
    model: Any,
    sealed: _store.Sealed,
    names: tuple[str, ...],
    pos_label: Any,
    n_bootstrap: int,
    confidence: float,
    seed: int,
    stage: _Stage,
) -> dict[str, MetricResult]:
    """Predict, then compute each metric; ``stage`` says when the labels were touched."""
    y = sealed.y
    need_labels = any(METRICS[n].needs == "label" for n in names)
    need_scores = any(METRICS[n].needs == "score" for n in names)
    labels, scores, classes = _predict(model, sealed.X, need_labels, need_scores, len(y))
    positive = _positive(pos_label, classes, y, sealed.task)
    out: dict[str, MetricResult] = {}
    for name in names:
        stage.what, stage.labels_touched = f"The metric {name!r}", True
        predicted = scores if METRICS[name].needs == "score" else labels
        assert predicted is not None
        if predicted.ndim == 2 and predicted.shape[1] == 2 and name != "log_loss":
            column = 1
            if classes is not None and positive in classes.tolist():
                column = classes.tolist().index(positive)
            predicted = predicted[:, column]
        result = score(
            name,
            y,
            predicted,
            positive,
            classes=classes,
            n_bootstrap=n_bootstrap,
            confidence=confidence,
            seed=seed,
        )
        if not math.isfinite(result.value):
            raise VaultError(
                f"The metric {name!r} is undefined on the sealed set for this model (for "
                "example one class only among the predictions or labels); choose another metric."
            )
        out[name] = MetricResult(
            _round(result.value),
            _round(result.low),
            _round(result.high),
            result.confidence,
            result.n_bootstrap,
        )
    return out


def vaults(*, ledger: str | Ledger | None = None) -> list[VaultInfo]:
    """Every sealed set in the ledger, by name."""
    led = open_ledger(ledger)
    with led.connect() as conn:
        names = [r[0] for r in conn.execute(select(s.vaults.c.name).order_by(s.vaults.c.name))]
    return [Vault(name, ledger=led).info() for name in names]
