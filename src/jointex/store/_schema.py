"""The store's tables as SQLAlchemy Core metadata (the Alembic revisions create them).

``events`` is append-only: rows are inserted, never updated or deleted. ``streams`` holds one row
per stream with its current version, so an append checks and bumps the version with one
compare-and-set; ``UNIQUE(stream_id, version)`` on ``events`` makes the database itself refuse
a second event at the same version, whatever the code above it does. ``commands`` remembers which
command produced which versions, so a retried command returns its original events.

Accounts (revision 0002): ``users`` with an argon2 password hash, their ``memberships`` in
exercise cells, and ``api_tokens`` stored as SHA-256 hashes (the token itself is shown once).

Sessions (revision 0003): the server's sign-in ``sessions``, keyed by the SHA-256 of the cookie's
value (a database leak does not leak usable session cookies), with their CSRF token and expiry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

__all__ = [
    "ROLES",
    "UtcDateTime",
    "api_tokens",
    "commands",
    "events",
    "json_type",
    "memberships",
    "metadata",
    "sessions",
    "streams",
    "users",
]

# A membership's role in an exercise: control, a playing cell, an observer, an administrator.
ROLES = ("white", "cell", "observer", "admin")

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp: ``timestamptz`` on PostgreSQL, ISO-8601 text on SQLite.

    SQLite has no timestamp type and SQLAlchemy's own SQLite ``DateTime`` drops the offset and
    parses with a regular expression; fixed-width ISO text sorts correctly and parses with the C
    ``datetime.fromisoformat``, which keeps replay fast.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """The column type on ``dialect``."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Store aware UTC; on SQLite as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.isoformat(timespec="microseconds")
        return value

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """Parse SQLite's text; PostgreSQL sessions run in UTC so psycopg's value is used as is."""
        if dialect.name == "sqlite":
            parse = datetime.fromisoformat

            def process(value: Any) -> datetime | None:
                return None if value is None else parse(value)

            return process
        return None


def json_type() -> sa.types.TypeEngine[Any]:
    """JSON column type: ``jsonb`` on PostgreSQL, JSON text on SQLite."""
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def position_type() -> sa.types.TypeEngine[int]:
    """The global position: ``bigint`` on PostgreSQL, SQLite's ``INTEGER PRIMARY KEY`` rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


streams = sa.Table(
    "streams",
    metadata,
    sa.Column("stream_id", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(100), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created", UtcDateTime(), nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("position", position_type(), primary_key=True, autoincrement=True),
    sa.Column("stream_id", sa.String(200), sa.ForeignKey("streams.stream_id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("data", json_type(), nullable=False),
    sa.Column("meta", json_type(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

commands = sa.Table(
    "commands",
    metadata,
    sa.Column("command_id", sa.String(200), primary_key=True),
    sa.Column("stream_id", sa.String(200), sa.ForeignKey("streams.stream_id"), nullable=False),
    sa.Column("first_version", sa.Integer, nullable=False),
    sa.Column("last_version", sa.Integer, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("nation", sa.String(3), nullable=False),
    sa.Column("clearance", sa.String(64), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False),
    sa.Column("created", UtcDateTime(), nullable=False),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column(
        "username",
        sa.String(64),
        sa.ForeignKey("users.username", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("exercise_id", sa.String(200), primary_key=True),
    sa.Column("cell", sa.String(100), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.CheckConstraint(
        "role IN ('white', 'cell', 'observer', 'admin')", name="ck_memberships_role"
    ),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "username",
        sa.String(64),
        sa.ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("username", "name", name="uq_api_tokens_username_name"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "username",
        sa.String(64),
        sa.ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", UtcDateTime(), nullable=False),
    sa.Column("expires", UtcDateTime(), nullable=False, index=True),
)
