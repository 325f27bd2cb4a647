"""Database URLs: which backends the store accepts and how a user's URL maps to a driver."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from jointex._errors import StoreError

__all__ = ["display_url", "parse_store_url"]

_DRIVERS = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def parse_store_url(url: str | Path) -> URL:
    """Parse a store location into a SQLAlchemy URL with JointEx's driver for its backend.

    Args:
        url: ``sqlite:///path/to/file.db``, ``postgresql://user@host/db`` (``postgres://`` and
            ``postgresql+psycopg://`` too), or a plain filesystem path, taken as a SQLite file.

    Returns:
        The URL, with the driver set to ``pysqlite`` or ``psycopg``.

    Raises:
        StoreError: the URL does not parse, names another backend, or is an in-memory SQLite
            database (a store must outlive its connections; use a file).
    """
    text = str(url)
    if isinstance(url, Path) or "://" not in text:
        if not text.strip():
            raise StoreError("empty event store URL; give sqlite:///PATH or postgresql://...")
        return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser()))
    try:
        parsed = sa.make_url(text)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"cannot parse event store URL {text!r}: {exc}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StoreError(
            f"unsupported event store URL scheme {parsed.drivername!r}; "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    parsed = parsed.set(drivername=driver)
    if driver.startswith("sqlite"):
        if parsed.host or parsed.username or parsed.port:
            raise StoreError(f"a SQLite URL has no host or user: {display_url(parsed)}")
        if parsed.database in (None, "", ":memory:"):
            raise StoreError("in-memory SQLite cannot hold an event store; give a file path")
        parsed = parsed.set(database=str(Path(parsed.database).expanduser()))
    return parsed


def display_url(url: URL) -> str:
    """``url`` as text for messages, with any password masked."""
    return url.render_as_string(hide_password=True)
