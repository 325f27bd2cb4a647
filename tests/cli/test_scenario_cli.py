"""The ``jointex scenario`` commands: output, JSON and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result

Cli = Callable[..., Result]


def test_list_shows_builtins(cli: Cli) -> None:
    """`scenario list --json` lists both built-ins with their injects."""
    result = cli("scenario", "list", "--json")
    assert result.code == 0
    names = {row["name"]: row for row in result.json()}
    assert {"grey-zone-surge", "tutorial"} <= set(names)
    assert names["grey-zone-surge"]["injects"] >= 30


def test_list_table(cli: Cli) -> None:
    """`scenario list` prints a table naming the flagship."""
    result = cli("scenario", "list")
    assert result.code == 0
    assert "grey-zone-surge" in result.stdout


def test_show_builtin_json(cli: Cli) -> None:
    """`scenario show NAME --json` summarises cells, forces, phases, MSEL and objectives."""
    result = cli("scenario", "show", "tutorial", "--json")
    assert result.code == 0
    summary = result.json()
    assert summary["id"] == "tutorial"
    assert [c["role"] for c in summary["cells"]] == ["control", "blue", "blue", "red", "observer"]
    assert summary["msel"]["injects"] == 5
    assert summary["msel"]["conditional"] == 1
    assert summary["phases"][1]["aircraft_per_day"] == 59.0
    assert summary["objectives"][0]["criteria"] == 1


def test_show_text(cli: Cli) -> None:
    """`scenario show` prints the title and the MSEL line."""
    result = cli("scenario", "show", "grey-zone-surge")
    assert result.code == 0
    assert "MSEL:" in result.stdout
    assert "Cells" in result.stdout


def test_show_missing(cli: Cli) -> None:
    """An unknown scenario is one line on stderr and exit 2, no traceback."""
    result = cli("scenario", "show", "no-such-scenario")
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert "no built-in scenario of that name" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_valid(cli: Cli, tmp_path: Path) -> None:
    """A valid file validates with exit 0."""
    target = tmp_path / "t.yaml"
    assert cli("scenario", "new", "t", "--out", str(target)).code == 0
    result = cli("scenario", "validate", str(target))
    assert result.code == 0
    assert result.stdout == ""
    assert "1 file(s) valid" in result.stderr


def test_validate_invalid_lists_every_problem(cli: Cli, tmp_path: Path) -> None:
    """An invalid file prints FILE:LINE:COLUMN lines for every problem and exits 1."""
    target = tmp_path / "bad.yaml"
    target.write_text(
        "format: 1\nid: bad\ntitle: Bad\nmarking: SECERT\nduration: D+x\n"
        "nations: [{code: TWN, name: Taiwan}]\n"
        "cells: [{id: w, name: W, role: control, colour: white}]\n"
        "world: {escalation: [{level: 0, name: Calm}]}\n",
        encoding="utf-8",
    )
    result = cli("scenario", "validate", str(target))
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert f"{target}:4:10: error: marking 'SECERT' does not parse" in lines[1]
    assert lines[2].startswith(f"{target}:5:11: error: 'D+x' is not a time offset")
    assert lines[3] == (
        f"{target}:7:41: error: unknown key 'colour' (expected one of: bot, clearance, id, name, "
        "nation, role) (at cells[0].colour)"
    )
    assert f"{target}:1:1: error: missing required key 'phases' (at phases)" in lines
    assert "4 problem(s) in 1 of 1 file(s)" in result.stderr


def test_validate_json_and_unreadable(cli: Cli, tmp_path: Path) -> None:
    """--json reports per-file results; an unreadable file gives exit 2."""
    result = cli("scenario", "validate", "tutorial", str(tmp_path / "missing.yaml"), "--json")
    assert result.code == 2
    report = result.json()
    assert report["valid"] is False
    assert report["files"][0] == {
        "file": "tutorial",
        "valid": True,
        "readable": True,
        "problems": [],
    }
    assert report["files"][1]["readable"] is False


def test_schema_is_json_schema(cli: Cli, tmp_path: Path) -> None:
    """`scenario schema` prints a JSON Schema naming every top-level key."""
    result = cli("scenario", "schema")
    assert result.code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"msel", "cells", "phases", "world", "objectives"} <= set(schema["properties"])
    out = tmp_path / "s.json"
    assert cli("scenario", "schema", "--out", str(out)).code == 0
    assert json.loads(out.read_text()) == schema


def test_new_writes_valid_starter(cli: Cli, tmp_path: Path) -> None:
    """`scenario new` writes a commented starter with the new id, and refuses to overwrite."""
    target = tmp_path / "strait.yaml"
    assert cli("scenario", "new", "strait", "--out", str(target)).code == 0
    text = target.read_text()
    assert "\nid: strait " in text
    assert text.count("\n#") > 10
    again = cli("scenario", "new", "strait", "--out", str(target))
    assert again.code == 2
    assert "--force" in again.stderr
    assert cli("scenario", "new", "strait", "--out", str(target), "--force").code == 0


def test_new_rejects_bad_id(cli: Cli) -> None:
    """A scenario id with spaces is a usage error."""
    result = cli("scenario", "new", "two words")
    assert result.code == 2
    assert "not a valid scenario id" in result.stderr


def test_help_has_examples(cli: Cli) -> None:
    """Every command's --help shows an example."""
    commands = [["scenario", c] for c in ("list", "show", "validate", "schema", "new")]
    commands += [["msel", "import"], ["demo"], ["simulate"], ["sweep"], ["calibrate"]]
    for command in commands:
        result = cli(*command, "--help")
        assert result.code == 0, command
        assert "Example: jointex" in result.stdout, command


def test_debug_shows_traceback(cli: Cli) -> None:
    """--debug prints the traceback instead of one line."""
    result = cli("--debug", "scenario", "show", "no-such-scenario")
    assert result.code == 2
    assert "Traceback" in result.stderr
