"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``JOINTEX_TEST_POSTGRES_URL`` (default: a local server). Each test gets a
fresh schema (through ``search_path``) that is dropped afterwards, so reruns never collide. An
unreachable server skips the PostgreSQL cases, unless ``JOINTEX_REQUIRE_POSTGRES=1`` (CI), when
it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from jointex.store import EventStore

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_base_url() -> str:
    return os.environ.get("JOINTEX_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL; skips (or, with JOINTEX_REQUIRE_POSTGRES=1, fails) if unreachable."""
    url = _postgres_base_url()
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:
        shown = sa.make_url(url).render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {shown}; set JOINTEX_TEST_POSTGRES_URL ({exc})"
        if os.environ.get("JOINTEX_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason.splitlines()[0], pytrace=False)
        pytest.skip(reason.splitlines()[0])
    return url


def _schema_url(base: str) -> Iterator[str]:
    schema = f"jointex_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store: a SQLite file in a not-yet-created directory, or a fresh schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'events.db'}"
    else:
        yield from _schema_url(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    """An open, empty event store on each backend."""
    opened = EventStore.open(store_url)
    try:
        yield opened
    finally:
        opened.close()
