"""Shared pieces of the command line: consoles, global options and JSON output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from rich.console import Console

__all__ = ["Options", "default_db_url", "emit_json", "err", "options", "out"]

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
