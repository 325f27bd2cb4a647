"""Shared pieces of the command line: consoles, global options and JSON output."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from rich.console import Console

__all__ = ["Options", "default_db_url", "emit_json", "err", "options", "out", "replacing"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
if not out.is_terminal and "COLUMNS" not in os.environ:
    out.width = 120  # tables piped to a file or pager are read whole, not in an 80-column tty


def default_db_url() -> str:
    """The database URL used when neither ``--db`` nor ``JOINTEX_DB`` is given.

    Returns:
        A SQLite URL for ``jointex.db`` in the user's data directory.
    """
    env = os.environ.get("JOINTEX_DB")
    if env:
        return env
    data_dir = Path(platformdirs.user_data_dir("jointex", appauthor=False))
    return f"sqlite:///{data_dir / 'jointex.db'}"


@dataclass(slots=True)
class Options:
    """Options given before the subcommand (``jointex --db URL --debug ...``)."""

    db: str = ""
    debug: bool = False

    @property
    def db_url(self) -> str:
        """The database URL in force."""
        return self.db or default_db_url()


options = Options()


def emit_json(data: Any) -> None:
    """Print ``data`` as indented, key-sorted JSON on standard output (machine-readable mode)."""
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


@contextmanager
def replacing(path: Path, *, mode: int | None = None) -> Iterator[Path]:
    """Write a file so that readers see the old one or the new one, never half of it.

    Yields a temporary path beside ``path``. When the block ends normally, the temporary file
    is flushed to disk and replaces ``path`` (with ``mode`` if given; otherwise 0600, as
    created); when it raises, the temporary file is removed and ``path`` is untouched.

    Args:
        path: the file to write.
        mode: permission bits for the new file, e.g. the old file's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
