"""Alembic environment: mlvet passes an open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from mlvet.ledger._schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` on the command line
    raise RuntimeError("Run migrations through `mlvet db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
