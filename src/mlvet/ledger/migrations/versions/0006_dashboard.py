"""dashboard tokens and sessions; indexes for the dashboard's paginated lists

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

``api_tokens`` holds the SHA-256 of each access token (the token itself is shown once, when
it is created) with its role; it is audited like every other table, so creating or revoking
a token is an event. ``dashboard_sessions`` keeps browser sessions by the SHA-256 of their
cookie, outside the chain (each login and logout is an event of its own). The indexes let
every list page of the dashboard read one page by keyset, however long the ledger grows,
and let the scorecard count findings and checks from indexes alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "dashboard_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_dashboard_sessions_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_dashboard_sessions")),
    )
    op.create_index(op.f("ix_dashboard_sessions_token_id"), "dashboard_sessions", ["token_id"])
    op.create_index(op.f("ix_runs_started_at_id"), "runs", ["started_at", "id"])
    op.create_index(
        op.f("ix_prediction_batches_monitor_id_id"), "prediction_batches", ["monitor_id", "id"]
    )
    op.create_index(op.f("ix_alerts_monitor_id_id"), "alerts", ["monitor_id", "id"])
    op.create_index(op.f("ix_review_items_status_id"), "review_items", ["status", "id"])
    op.create_index(op.f("ix_dataset_versions_status_id"), "dataset_versions", ["status", "id"])
    op.create_index(
        op.f("ix_findings_status_family_severity_dataset_version_id"),
        "findings",
        ["status", "family", "severity", "dataset_version_id"],
    )
    op.create_index(op.f("ix_runs_families"), "runs", ["families"])


def downgrade() -> None:
    op.drop_index(op.f("ix_runs_families"), table_name="runs")
    op.drop_index(
        op.f("ix_findings_status_family_severity_dataset_version_id"), table_name="findings"
    )
    op.drop_index(op.f("ix_dataset_versions_status_id"), table_name="dataset_versions")
    op.drop_index(op.f("ix_review_items_status_id"), table_name="review_items")
    op.drop_index(op.f("ix_alerts_monitor_id_id"), table_name="alerts")
    op.drop_index(op.f("ix_prediction_batches_monitor_id_id"), table_name="prediction_batches")
    op.drop_index(op.f("ix_runs_started_at_id"), table_name="runs")
    op.drop_index(op.f("ix_dashboard_sessions_token_id"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_table("api_tokens")
