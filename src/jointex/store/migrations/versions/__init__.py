"""The event store's Alembic revisions, oldest first."""
