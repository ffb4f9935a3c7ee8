"""decision log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

A ``decisions`` row follows one positive prediction through the paper's stages: was the
client notified, was there an intervention, what was the outcome (filled in later).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log", sa.String(length=255), nullable=False),
        sa.Column("row_key", sa.String(length=255), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=True),
        sa.Column("predicted", sa.Boolean(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("intervened", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_decisions_model_version_id_model_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("log", "row_key", name=op.f("uq_decisions_log_row_key")),
    )


def downgrade() -> None:
    op.drop_table("decisions")
