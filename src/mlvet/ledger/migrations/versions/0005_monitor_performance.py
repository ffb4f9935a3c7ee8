"""monitor rows, batch metrics and reference samples

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

``monitor_rows`` keeps each monitored prediction by its id, so that labels arriving later
can be joined to it (outside the audit chain, like vault contents: the batch's event
carries the SHA-256 of its rows, and every ``label`` call is an event with the SHA-256 of
the labels). ``batch_metrics`` holds a batch's performance, estimated without labels and
realized once they come, and its data-quality failures against the reference's
assertions (kind ``observed``, the failures in ``detail_json``). ``monitor_samples`` keeps the sample of a monitor's reference
that its domain classifier (multivariate drift) compares each batch with, as Parquet; the
monitor's audited configuration carries its SHA-256.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("label", sa.Float(), nullable=True),
        sa.Column("labelled_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["monitor_id"], ["monitors.id"], name=op.f("fk_monitor_rows_monitor_id_monitors")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["prediction_batches.id"],
            name=op.f("fk_monitor_rows_batch_id_prediction_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_rows")),
        sa.UniqueConstraint(
            "monitor_id", "row_key", name=op.f("uq_monitor_rows_monitor_id_row_key")
        ),
    )
    op.create_index(op.f("ix_monitor_rows_batch_id"), "monitor_rows", ["batch_id"])
    op.create_table(
        "batch_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["prediction_batches.id"],
            name=op.f("fk_batch_metrics_batch_id_prediction_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_metrics")),
        sa.UniqueConstraint(
            "batch_id", "metric", "kind", name=op.f("uq_batch_metrics_batch_id_metric_kind")
        ),
    )

    op.create_table(
        "monitor_samples",
        sa.Column("monitor_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["monitor_id"], ["monitors.id"], name=op.f("fk_monitor_samples_monitor_id_monitors")
        ),
        sa.PrimaryKeyConstraint("monitor_id", name=op.f("pk_monitor_samples")),
    )


def downgrade() -> None:
    op.drop_table("monitor_samples")
    op.drop_table("batch_metrics")
    op.drop_index(op.f("ix_monitor_rows_batch_id"), table_name="monitor_rows")
    op.drop_table("monitor_rows")
