"""Exercise fixtures: the store fixtures of tests/store, so service tests run on both backends.

``store`` is an empty event store on SQLite and on PostgreSQL (skipped when no server is
reachable, failed instead with ``JOINTEX_REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

from tests.store.conftest import postgres_url, store, store_url

__all__ = ["postgres_url", "store", "store_url"]
