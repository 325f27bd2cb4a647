"""The append-only event log: streams, events and applied commands.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jointex.store._schema import UtcDateTime, json_type, position_type

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``streams``, ``events`` and ``commands``."""
    op.create_table(
        "streams",
        sa.Column("stream_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_streams_kind", "streams", ["kind"])
    op.create_table(
        "events",
        sa.Column("position", position_type(), primary_key=True, autoincrement=True),
        sa.Column("stream_id", sa.String(200), sa.ForeignKey("streams.stream_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("data", json_type(), nullable=False),
        sa.Column("meta", json_type(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    op.create_table(
        "commands",
        sa.Column("command_id", sa.String(200), primary_key=True),
        sa.Column("stream_id", sa.String(200), sa.ForeignKey("streams.stream_id"), nullable=False),
        sa.Column("first_version", sa.Integer, nullable=False),
        sa.Column("last_version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop the event log (destroys every event; for development databases only)."""
    op.drop_table("commands")
    op.drop_table("events")
    op.drop_index("ix_streams_kind", table_name="streams")
    op.drop_table("streams")
