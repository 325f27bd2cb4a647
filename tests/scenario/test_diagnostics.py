"""The broken-scenario corpus: every file in ``broken/`` produces exactly its ``.expected`` lines.

Each ``broken/NAME.yaml`` is a small variation of the tutorial with deliberate mistakes (its header
comment says which); ``broken/NAME.expected`` holds the diagnostics ``jointex scenario validate``
prints for it, one per line, as ``FILE:LINE:COLUMN: error: MESSAGE (at key.path)``. The expected
files are the specification, checked by eye, not snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import jointex.scenario
from jointex import ScenarioInvalid

REPO = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).resolve().parent / "broken"
CASES = sorted(BROKEN.glob("*.yaml"))


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _expected(path: Path) -> list[str]:
    return path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()


def test_corpus_is_large_enough() -> None:
    """The corpus has at least 30 broken files, each with an expectation file."""
    assert len(CASES) >= 30
    assert all(case.with_suffix(".expected").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_broken_file_gives_exact_diagnostics(case: Path) -> None:
    """The file's diagnostics, as printed, are exactly the lines of its .expected file."""
    text = case.read_text(encoding="utf-8")
    found = [str(d) for d in jointex.scenario.check(text, _relative(case))]
    assert found == _expected(case)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_loads_raises_with_the_same_diagnostics(case: Path) -> None:
    """loads() refuses every broken file and carries the same diagnostics as check()."""
    with pytest.raises(ScenarioInvalid) as caught:
        jointex.scenario.loads(case.read_text(encoding="utf-8"), _relative(case))
    assert [str(d) for d in caught.value.diagnostics] == _expected(case)


def test_five_mistakes_are_all_reported_at_their_positions() -> None:
    """One file with five different mistakes reports all five, each at its own line and column."""
    case = BROKEN / "five-mistakes.yaml"
    lines = case.read_text(encoding="utf-8").splitlines()
    found = jointex.scenario.check(case.read_text(encoding="utf-8"), _relative(case))
    located = {d.path: (d.line, d.column) for d in found}
    assert len(found) == 5
    assert located == {
        "move_minute": (13, 1),
        "forces[0].count": (48, 12),
        "msel[2].marking": (114, 34),
        "msel[3].to[1]": (120, 15),
        "msel[4].time": (129, 11),
    }
    # Each position points at the offending text itself.
    snippets = {path: lines[line - 1][column - 1 :] for path, (line, column) in located.items()}
    assert snippets["move_minute"].startswith("move_minute:")
    assert snippets["forces[0].count"].startswith("lots")
    assert snippets["msel[2].marking"].startswith("TWX")
    assert snippets["msel[3].to[1]"].startswith("jpn]")
    assert snippets["msel[4].time"].startswith("D+1 H+8:75")


def test_every_expected_position_lies_inside_its_file() -> None:
    """No expectation points past the end of its file or of its line."""
    for case in CASES:
        lines = case.read_text(encoding="utf-8").splitlines() or [""]
        for diagnostic in jointex.scenario.check(case.read_text(encoding="utf-8"), "f"):
            assert 1 <= diagnostic.line <= len(lines), case.name
            assert 1 <= diagnostic.column <= len(lines[diagnostic.line - 1]) + 1, case.name


def test_a_misspelt_required_key_is_reported_once() -> None:
    """A misspelt required key gives one 'did you mean' diagnostic, not also 'missing key'."""
    text = (BROKEN / "unknown-key-top.yaml").read_text(encoding="utf-8")
    text = text.replace("world:", "wrld:")
    messages = [d.message for d in jointex.scenario.check(text)]
    assert "unknown key 'wrld' (did you mean 'world'?)" in messages
    assert not any(m.startswith("missing required key 'world'") for m in messages)
    # Without the world's variables the `set`s are not all reported as unknown variables too.
    assert not any("world-state variable" in m for m in messages)


def test_a_value_the_schema_rejects_is_not_reported_again_by_cross_checks() -> None:
    """A wrongly typed reference gives the schema's diagnostic only."""
    text = (BROKEN / "unknown-key-top.yaml").read_text(encoding="utf-8")
    text = text.replace("role: blue, nation: USA", "role: blue, nation: usa")
    found = [d for d in jointex.scenario.check(text) if d.path == "cells[2].nation"]
    assert [d.message for d in found] == [
        "'usa' is not a country code: expected three capital letters (ISO 3166-1 alpha-3, e.g. TWN)"
    ]


@pytest.mark.parametrize("name", ["five-mistakes", "yaml-unclosed-bracket", "empty-file"])
def test_validate_command_prints_the_expected_lines(
    name: str, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jointex scenario validate FILE` prints exactly the .expected lines and exits 1."""
    monkeypatch.chdir(REPO)
    case = BROKEN / f"{name}.yaml"
    result = cli("scenario", "validate", _relative(case))
    assert result.code == 1
    assert result.stdout.splitlines() == _expected(case)
