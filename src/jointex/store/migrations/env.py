"""Alembic environment: migrate on the connection `EventStore.open` passes in.

The caller owns the connection and its transaction (taken with a write lock so concurrent opens
migrate one at a time), so this module neither connects nor configures logging.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from jointex.store._schema import metadata


def _run() -> None:
    connection = context.config.attributes["connection"]
    assert isinstance(connection, Connection)
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


_run()
