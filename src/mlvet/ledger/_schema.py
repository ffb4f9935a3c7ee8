"""The ledger's tables, for the whole of mlvet (not only the guards that exist today).

Conventions, which the audit chain relies on:

* Times are stored as ISO-8601 UTC text (``2026-03-02T14:05:00.123456Z``) so that they read
  back byte-identical on SQLite and PostgreSQL.
* Structured values are stored as canonical JSON text (``*_json`` columns).
* Every table except ``events``, ``chain_head`` and ``vault_contents`` (sealed rows, which
  must not be copied into event payloads) has an ``event_seq`` column: the event
  whose payload holds the row as last written. ``mlvet audit verify`` compares each row
  with that payload, so an edit or a deletion through plain SQL is found and located.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["AUDITED_TABLES", "metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = String(32)  # ISO-8601 UTC text
ID = String(36)  # UUID text for runs


def _audit_cols() -> list[Column[object]]:
    return [
        Column("created_at", TS, nullable=False),
        Column("event_seq", BigInteger, nullable=False),
    ]


# --- the audit chain ------------------------------------------------------------------
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("entity", String(64), nullable=True),
    Column("entity_id", String(64), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("payload", Text, nullable=False),
    Index(None, "entity", "entity_id"),
    Index(None, "kind"),
)

chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- runs: any recorded piece of work (transform, lint, tune, compare, monitor, ...) --
runs = Table(
    "runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
    Column("params_json", Text, nullable=False),
    Column("code_ref_json", Text, nullable=False),
    Column("families", String(64), nullable=False),
    Column("parent_id", ID, ForeignKey("runs.id"), nullable=True),
    *_audit_cols(),
    Index(None, "kind", "started_at"),
    Index(None, "name"),
    Index(None, "started_at", "id"),
    Index(None, "families"),  # the scorecard counts checks per family
)

# --- data catalog and lineage --------------------------------------------------------
datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    *_audit_cols(),
)

data_schemas = Table(
    "data_schemas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("schema_json", Text, nullable=False),
    Column("source", String(32), nullable=False),
    *_audit_cols(),
    UniqueConstraint("dataset_id", "version"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("rowset_fingerprint", String(64), nullable=False),
    Column("n_rows", BigInteger, nullable=False),
    Column("n_columns", Integer, nullable=False),
    Column("columns_json", Text, nullable=False),
    Column("profile_json", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("data_schema_id", Integer, ForeignKey("data_schemas.id"), nullable=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=True),
    Column("uri", Text, nullable=True),
    *_audit_cols(),
    UniqueConstraint("dataset_id", "version"),
    Index(None, "fingerprint"),
    Index(None, "rowset_fingerprint"),
    Index(None, "status", "id"),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("dataset_versions.id"), nullable=False),
    Column("child_id", Integer, ForeignKey("dataset_versions.id"), nullable=False),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=True),
    *_audit_cols(),
    UniqueConstraint("parent_id", "child_id"),
    Index(None, "child_id"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(8), nullable=False),
    Column("family", String(2), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False),
    Column("fix", Text, nullable=False),
    Column("location_json", Text, nullable=False),
    Column("evidence_json", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=True),
    Column("dataset_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    *_audit_cols(),
    Index(None, "family", "status"),
    Index(None, "code"),
    Index(None, "run_id"),
    Index(None, "status", "family", "severity", "dataset_version_id"),  # the scorecard's
)

# --- experiments: splits, tuning trials, comparisons, ablations -----------------------
splits = Table(
    "splits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=True),
    Column("dataset_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    Column("method", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("params_json", Text, nullable=False),
    Column("indices_uri", Text, nullable=True),
    *_audit_cols(),
    Index(None, "fingerprint"),
)

trials = Table(
    "trials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False),
    Column("trial_index", Integer, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("params_json", Text, nullable=False),
    Column("scores_json", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("duration_s", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("worker", String(255), nullable=True),
    *_audit_cols(),
    UniqueConstraint("run_id", "trial_index"),
)

searches = Table(
    "searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False),
    Column("split_id", Integer, ForeignKey("splits.id"), nullable=True),
    Column("spec_hash", String(64), nullable=False),
    Column("spec_json", Text, nullable=False),
    Column("result_json", Text, nullable=True),
    *_audit_cols(),
    UniqueConstraint("run_id"),
    Index(None, "spec_hash"),
)

comparisons = Table(
    "comparisons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False),
    Column("split_id", Integer, ForeignKey("splits.id"), nullable=True),
    Column("scoring", String(64), nullable=False),
    Column("result_json", Text, nullable=False),
    Column("verdict", Text, nullable=False),
    *_audit_cols(),
)

ablations = Table(
    "ablations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False),
    Column("split_id", Integer, ForeignKey("splits.id"), nullable=True),
    Column("result_json", Text, nullable=False),
    *_audit_cols(),
)

# --- models and their stage history ---------------------------------------------------
models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    *_audit_cols(),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_id", Integer, ForeignKey("models.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=True),
    Column("train_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    Column("stage", String(16), nullable=False),
    Column("card_json", Text, nullable=False),
    *_audit_cols(),
    UniqueConstraint("model_id", "version"),
)

model_stages = Table(
    "model_stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    *_audit_cols(),
    Index(None, "model_version_id"),
)

# --- the vault (sealed test sets) -----------------------------------------------------
vaults = Table(
    "vaults",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("commitment", String(64), nullable=False),
    Column("n_rows", BigInteger, nullable=False),
    Column("budget_json", Text, nullable=False),
    Column("encrypted", Boolean, nullable=False),
    Column("content_uri", Text, nullable=True),
    Column("spec_json", Text, nullable=False, server_default="{}"),
    *_audit_cols(),
)

vault_reads = Table(
    "vault_reads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("vault_id", Integer, ForeignKey("vaults.id"), nullable=False),
    Column("model_fingerprint", String(64), nullable=False),
    Column("lineage_key", String(255), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("metrics_json", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("override_reason", Text, nullable=True),
    Column("kind", String(16), nullable=False, server_default="final"),
    Column("status", String(16), nullable=False, server_default="done"),
    *_audit_cols(),
    Index(None, "vault_id"),
)

vault_contents = Table(
    # The sealed rows themselves. Deliberately outside the audit chain: an event payload
    # would copy the rows into the readable event log. The vault's audited row holds the
    # SHA-256 commitment that every read checks these bytes against.
    "vault_contents",
    metadata,
    Column("vault_id", Integer, ForeignKey("vaults.id"), primary_key=True, autoincrement=False),
    Column("salt", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", TS, nullable=False),
)

# --- monitoring -----------------------------------------------------------------------
monitors = Table(
    "monitors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=True),
    Column("reference_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    Column("config_json", Text, nullable=False),
    Column("profile_json", Text, nullable=False),
    *_audit_cols(),
)

prediction_batches = Table(
    "prediction_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id"), nullable=False),
    Column("batch_key", String(255), nullable=False),
    Column("period_start", TS, nullable=True),
    Column("n_rows", BigInteger, nullable=False),
    Column("profile_json", Text, nullable=False),
    Column("log_uri", Text, nullable=True),
    *_audit_cols(),
    UniqueConstraint("monitor_id", "batch_key"),
    Index(None, "monitor_id", "period_start"),
    Index(None, "monitor_id", "id"),
)

drift_results = Table(
    "drift_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("prediction_batches.id"), nullable=False),
    Column("feature", String(255), nullable=False),
    Column("method", String(32), nullable=False),
    Column("statistic", Float, nullable=True),
    Column("threshold", Float, nullable=True),
    Column("p_value", Float, nullable=True),
    Column("drifted", Boolean, nullable=False),
    *_audit_cols(),
    Index(None, "batch_id"),
    Index(None, "feature"),
)

monitor_rows = Table(  # outside the audit chain; the batch's event carries their SHA-256
    "monitor_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("prediction_batches.id"), nullable=False),
    Column("row_key", String(255), nullable=False),
    Column("score", Float, nullable=True),
    Column("label", Float, nullable=True),
    Column("labelled_at", TS, nullable=True),
    UniqueConstraint("monitor_id", "row_key"),
    Index(None, "batch_id"),
)

monitor_samples = Table(  # outside the audit chain; the monitor's config carries the SHA-256
    "monitor_samples",
    metadata,
    Column("monitor_id", Integer, ForeignKey("monitors.id"), primary_key=True, autoincrement=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", TS, nullable=False),
)

batch_metrics = Table(
    "batch_metrics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("prediction_batches.id"), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # estimated | realized | observed
    Column("value", Float, nullable=True),
    Column("lower", Float, nullable=True),
    Column("upper", Float, nullable=True),
    Column("n", BigInteger, nullable=False),
    Column("detail_json", Text, nullable=True),
    *_audit_cols(),
    UniqueConstraint("batch_id", "metric", "kind"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("monitor_id", Integer, ForeignKey("monitors.id"), nullable=True),
    Column("rule", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail_json", Text, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(200), nullable=True),
    Column("reason", Text, nullable=True),
    *_audit_cols(),
    Index(None, "status", "updated_at"),
    Index(None, "monitor_id", "id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("log", String(255), nullable=False),
    Column("row_key", String(255), nullable=False),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=True),
    Column("predicted", Boolean, nullable=False),
    Column("notified", Boolean, nullable=False),
    Column("intervened", Boolean, nullable=False),
    Column("outcome", Boolean, nullable=True),
    *_audit_cols(),
    UniqueConstraint("log", "row_key"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=True),
    Column("row_key", String(255), nullable=True),
    Column("inputs_json", Text, nullable=False),
    Column("prediction_json", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decision_json", Text, nullable=True),
    Column("reviewer", String(200), nullable=True),
    Column("decided_at", TS, nullable=True),
    *_audit_cols(),
    Index(None, "status", "created_at"),
    Index(None, "status", "id"),
)

# --- the dashboard's access tokens and browser sessions -------------------------------
api_tokens = Table(  # only a SHA-256 of each token is kept; the token is shown once
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", TS, nullable=True),
    Column("revoked_by", String(200), nullable=True),
    *_audit_cols(),
)

dashboard_sessions = Table(  # outside the chain: logins and logouts are chained as events
    "dashboard_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("token_id", Integer, ForeignKey("api_tokens.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Index(None, "token_id"),
)

AUDITED_TABLES: tuple[Table, ...] = tuple(t for t in metadata.sorted_tables if "event_seq" in t.c)
