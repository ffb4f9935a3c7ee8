"""tuning searches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

A ``searches`` row holds what ``mlvet.tune`` searched and found: the space, the sampler,
its seed, the budget, the splits it used, and the summary (best trial, optimism,
tuned-vs-default, parameter importances). Its trials are rows of ``trials``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("split_id", sa.Integer(), nullable=True),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_searches_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["split_id"], ["splits.id"], name=op.f("fk_searches_split_id_splits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_searches")),
        sa.UniqueConstraint("run_id", name=op.f("uq_searches_run_id")),
    )
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_searches_spec_hash"), ["spec_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_searches_spec_hash"))
    op.drop_table("searches")
