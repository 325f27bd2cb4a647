"""Alembic environment and revisions for the event store, run by `EventStore.open`."""
