"""vault contents, read kinds and statuses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Sealed rows are stored in ``vault_contents`` (outside the audit chain, checked against
the vault's commitment); ``vaults`` gains ``spec_json`` (the task, the number of classes
and the Thresholdout parameters, known before a read is reserved); ``vault_reads`` gains ``kind`` (``final`` or ``thresholdout``)
and ``status`` (``pending``, ``done``, ``answered``, ``failed``, ``error``, ``refused``) so that a budget can be
reserved before an evaluation runs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_contents",
        sa.Column("vault_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["vault_id"], ["vaults.id"], name=op.f("fk_vault_contents_vault_id_vaults")
        ),
        sa.PrimaryKeyConstraint("vault_id", name=op.f("pk_vault_contents")),
    )
    with op.batch_alter_table("vaults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spec_json", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("vault_reads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="final")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="done")
        )


def downgrade() -> None:
    with op.batch_alter_table("vaults", schema=None) as batch_op:
        batch_op.drop_column("spec_json")
    with op.batch_alter_table("vault_reads", schema=None) as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("kind")
    op.drop_table("vault_contents")
