"""Shared fixtures: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jointex.cli import main

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    """What a CLI invocation returned and printed."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """Standard output parsed as JSON."""
        return json.loads(self.stdout)


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., Result]:
    """Run ``jointex ARGS...`` in-process with a private database; return code and output."""
    monkeypatch.setenv("JOINTEX_DB", f"sqlite:///{tmp_path / 'jointex.db'}")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
