"""Accounts: users, their memberships in exercise cells, and API tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from jointex.store._schema import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``users``, ``memberships`` and ``api_tokens``."""
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("nation", sa.String(3), nullable=False),
        sa.Column("clearance", sa.String(64), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("created", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "memberships",
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
    op.create_table(
        "api_tokens",
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


def downgrade() -> None:
    """Drop the accounts (destroys every user and token; for development databases only)."""
    op.drop_table("api_tokens")
    op.drop_table("memberships")
    op.drop_table("users")
