"""Shared CLI pieces: atomic file replacement."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jointex.cli._common import replacing


def test_replacing_swaps_in_the_new_file(tmp_path: Path) -> None:
    """On success the new content replaces the old, with the mode asked for, and no temp is left."""
    target = tmp_path / "out" / "file.txt"
    target.parent.mkdir()
    target.write_text("old")
    with replacing(target, mode=0o644) as temporary:
        temporary.write_text("new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def _write_half_then_fail(target: Path) -> None:
    with replacing(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("disk full")


def test_replacing_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    """When the block raises, the old file is untouched and the temporary file is removed."""
    target = tmp_path / "file.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        _write_half_then_fail(target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]
