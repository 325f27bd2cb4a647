"""MSEL import from CSV/XLSX sheets: reading rows, merging into a scenario, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jointex import ScenarioInvalid, ScenarioUnreadable
from jointex.scenario import builtin_text, import_msel, loads, merge_msel, read_msel

REPO = Path(__file__).resolve().parents[2]
SHEETS = Path(__file__).resolve().parent / "sheets"
TUTORIAL = builtin_text("tutorial")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A writable copy of the tutorial scenario."""
    path = tmp_path / "exercise.yaml"
    path.write_text(TUTORIAL, encoding="utf-8")
    return path


def _csv(tmp_path: Path, text: str, name: str = "msel.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(call: Callable[[], Any]) -> list[str]:
    with pytest.raises(ScenarioInvalid) as caught:
        call()
    return [str(d) for d in caught.value.diagnostics]


def _xlsx(path: Path, rows: list[list[Any]], *, sheet: str = "MSEL", first: str = "") -> Path:
    workbook = openpyxl.Workbook()
    if first:
        assert workbook.active is not None
        workbook.active.title = first
        worksheet = workbook.create_sheet(sheet)
    else:
        worksheet = workbook.active
        assert worksheet is not None
        worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


# -- reading ---------------------------------------------------------------------------------------
def test_read_good_csv() -> None:
    """A good CSV gives inject mappings in the scenario's shape, times as offsets."""
    rows = read_msel(SHEETS / "good.csv")
    assert [r["id"] for r in rows] == ["T-005", "X-010", "X-011"]
    assert rows[1] == {
        "id": "X-010",
        "time": "D+1 H+12:30",
        "title": "Coast guard boarding",
        "to": ["twn", "usa"],
        "channel": "media",
        "marking": "SECRET//REL TO USA, TWN",
        "content": "A coast guard vessel is boarded\nnear Kinmen.",
        "expected_actions": ["raise-readiness", "scramble-alert"],
        "trigger": {"when": "escalation >= 1", "wait_until": "D+1 H+20:00"},
        "otherwise": {"inject": "T-001"},
    }
    assert rows[2] == {
        "id": "X-011",
        "time": "D+0 H+03:00",
        "title": "Press query",
        "to": ["observers"],
        "channel": "phone",
    }


def test_read_good_xlsx_from_the_sheet_named_msel(tmp_path: Path) -> None:
    """An XLSX workbook is read from its MSEL sheet, with numbers, times and loose headers."""
    path = _xlsx(
        tmp_path / "msel.xlsx",
        [
            ["inject id", " d + n ", "Hour", "minute", "TITLE", "Recipients", "Description"],
            ["W-1", 0, dt.time(6, 30), None, "Dawn patrol", "twn;usa", "Seen at dawn."],
            ["W-2", 1.0, 2, 15, "Follow-up", "white", None],
            [None, None, None, None, None, None, None],
            ["W-3", -1, "22:00", 0, "Read-ahead", "all", "Before the start."],
        ],
        first="Notes",
    )
    rows = read_msel(path)
    assert rows == [
        {
            "id": "W-1",
            "time": "D+0 H+06:30",
            "title": "Dawn patrol",
            "to": ["twn", "usa"],
            "content": "Seen at dawn.",
        },
        {"id": "W-2", "time": "D+1 H+02:15", "title": "Follow-up", "to": ["white"]},
        {
            "id": "W-3",
            "time": "D-1 H+22:00",
            "title": "Read-ahead",
            "to": ["all"],
            "content": "Before the start.",
        },
    ]


def test_read_xlsx_first_sheet_when_none_is_named_msel(tmp_path: Path) -> None:
    """Without a sheet named MSEL the first sheet is read."""
    path = _xlsx(
        tmp_path / "plan.xlsx",
        [["ID", "Day", "Title", "To"], ["A-1", 2, "Second day", "red"]],
        sheet="Plan",
    )
    assert read_msel(path) == [
        {"id": "A-1", "time": "D+2 H+00:00", "title": "Second day", "to": ["red"]}
    ]


def test_read_semicolon_separated_csv_with_prefixed_times(tmp_path: Path) -> None:
    """A ';'-separated CSV (Excel in comma-decimal locales) and 'D+1'/'H+06:30' cells are read."""
    path = _csv(
        tmp_path,
        "\ufeffInject ID;D+n;H+n;M+n;Title;To\nS-1;D+1;H+06:30;M+5;Morning;twn, usa\n",
    )
    assert read_msel(path) == [
        {"id": "S-1", "time": "D+1 H+06:35", "title": "Morning", "to": ["twn", "usa"]}
    ]


def test_read_reports_every_row_problem_with_row_and_column(tmp_path: Path) -> None:
    """All problems of a sheet are reported at once, each at its row and column."""
    path = _csv(
        tmp_path,
        "ID,D+n,H+n,M+n,Title,To,Wait until,Channel\n"
        "1st,1,2,3,Bad id,twn,,\n"
        "A-2,1.5,25:00,-4,Bad times,twn,,\n"
        "A-3,1,,,,,D+2,Email\n"
        "A-3,1,,,Repeated id,twn,,\n"
        "A-5,,,,No time,twn,,\n",
    )
    name = str(path)
    assert _problems(lambda: read_msel(path)) == [
        f"{name}:2:1: error: '1st' is not a valid id: it must start with a letter, followed by "
        "letters, digits, '_', '-' or '.' (at row 2, column 'ID')",
        f"{name}:3:2: error: D+n must be a whole number, got '1.5' (at row 3, column 'D+n')",
        f"{name}:3:4: error: M+n must not be negative, got -4 (at row 3, column 'M+n')",
        f"{name}:4:5: error: the title is empty (at row 4, column 'Title')",
        f"{name}:4:6: error: no recipients: list cell ids separated by ',' or ';' "
        "(at row 4, column 'To')",
        f"{name}:4:7: error: 'Wait until' needs a 'Trigger' condition in the same row "
        "(at row 4, column 'Wait until')",
        f"{name}:4:8: error: unknown channel 'Email' (expected one of: intelligence, media, "
        "message, phone, tasking) (at row 4, column 'Channel')",
        f"{name}:5:1: error: inject id 'A-3' is already used in row 4 (at row 5, column 'ID')",
        f"{name}:6:2: error: no time: fill in D+n (and H+n, M+n as needed) "
        "(at row 6, column 'D+n')",
    ]


def test_hours_as_hh_mm_may_exceed_a_day(tmp_path: Path) -> None:
    """An H+n cell of HH:MM is hours and minutes; 25:00 rolls into the next day."""
    path = _csv(tmp_path, "ID,D+n,H+n,Title,To\nA-1,0,25:00,Late,twn\nA-2,1,08:00,Day,twn\n")
    assert [row["time"] for row in read_msel(path)] == ["D+1 H+01:00", "D+1 H+08:00"]


def test_header_problems_are_reported_before_rows(tmp_path: Path) -> None:
    """Missing required columns, near-miss names and repeated columns are reported on row 1."""
    path = _csv(tmp_path, "Inject ID,Titel,Day,Day,Notes\nA-1,x,1,1,ok\n")
    name = str(path)
    assert _problems(lambda: read_msel(path)) == [
        f"{name}:1:1: error: the header row lacks required column(s): Title, To "
        "(found 'Inject ID', 'Titel', 'Day', 'Day', 'Notes') (at row 1)",
        f"{name}:1:2: error: unknown column 'Titel' (did you mean 'Title'?) "
        "(at row 1, column 'Titel')",
        f"{name}:1:4: error: column 'Day' repeats column 'Day' (column 3) (at row 1, column 'Day')",
    ]


def test_hh_mm_minutes_must_be_below_sixty(tmp_path: Path) -> None:
    """An H+n cell of 06:75 is refused."""
    path = _csv(tmp_path, "ID,H+n,Title,To\nA-1,06:75,T,twn\n")
    assert _problems(lambda: read_msel(path)) == [
        f"{path}:2:2: error: H+n '06:75': the minutes of HH:MM must be below 60 "
        "(at row 2, column 'H+n')"
    ]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("msel.txt", b"ID,Title\n", "not a CSV or XLSX sheet"),
        ("msel.csv", "ID,Title\nA,caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
        ("msel.xlsx", b"this is not a zip file", "not a readable XLSX workbook"),
    ],
)
def test_unreadable_sheets(tmp_path: Path, name: str, content: bytes, match: str) -> None:
    """Wrong file types, non-UTF-8 CSV and corrupt workbooks raise ScenarioUnreadable."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScenarioUnreadable, match=match):
        read_msel(path)


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx"])
def test_missing_sheet_is_unreadable(tmp_path: Path, name: str) -> None:
    """A sheet that does not exist raises ScenarioUnreadable."""
    with pytest.raises(ScenarioUnreadable, match="no such file"):
        read_msel(tmp_path / name)


# -- merging ---------------------------------------------------------------------------------------
def test_merge_replaces_by_id_appends_new_and_keeps_the_rest(scenario: Path) -> None:
    """Rows with an existing id replace it in place, new ids are appended, the rest is kept."""
    result = import_msel(scenario, SHEETS / "good.csv")
    assert result.added == ("X-010", "X-011")
    assert result.replaced == ("T-005",)
    assert result.removed == ()
    merged = loads(result.text)
    assert [i.id for i in merged.msel] == [
        "T-001",
        "T-002",
        "T-003",
        "T-004",
        "T-005",
        "X-010",
        "X-011",
    ]
    assert merged.msel[4].title == "No response recorded (revised)"
    boarding = merged.msel[5]
    assert boarding.time == 1440 + 12 * 60 + 30
    assert boarding.to == ("twn", "usa")
    assert boarding.trigger is not None
    assert boarding.trigger.wait_until == 1440 + 20 * 60
    assert boarding.otherwise is not None
    assert boarding.otherwise.inject == "T-001"
    original = loads(TUTORIAL)
    assert merged.msel[:4] == original.msel[:4]
    assert merged.model_copy(update={"msel": original.msel}) == original
    # Text (comments included) outside the msel: block is untouched.
    head, _, tail = TUTORIAL.partition("\nmsel:\n")
    assert result.text.startswith(head + "\nmsel:\n")
    assert result.text.endswith(tail[tail.index("# Objectives") :])
    assert merge_msel(scenario, SHEETS / "good.csv") == result.text


def test_merge_with_replace_drops_the_old_msel(scenario: Path) -> None:
    """With replace=True the MSEL is exactly the sheet's rows."""
    sheet = _csv(scenario.parent, "ID,D+n,H+n,Title,To\nT-001,0,1,Start again,all\n")
    result = import_msel(scenario, sheet, replace=True)
    assert result.added == ()
    assert result.replaced == ("T-001",)
    assert result.removed == ("T-002", "T-003", "T-004", "T-005")
    assert [i.title for i in loads(result.text).msel] == ["Start again"]


def test_merge_appends_an_msel_block_when_there_is_none(tmp_path: Path) -> None:
    """A scenario without msel: gets one appended at the end of the file."""
    head = TUTORIAL[: TUTORIAL.index("# The MSEL")]
    tail = TUTORIAL[TUTORIAL.index("# Objectives") :]
    path = tmp_path / "no-msel.yaml"
    path.write_text(head + tail, encoding="utf-8")
    sheet = _csv(tmp_path, "ID,D+n,H+n,Title,To\nN-1,0,1,Start,all\nN-2,0,2,Next,twn\n")
    text = merge_msel(path, sheet)
    assert text.startswith(head + tail)
    assert [i.id for i in loads(text).msel] == ["N-1", "N-2"]


def test_merge_reports_sheet_and_reference_problems_at_sheet_positions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The broken sheet's four problems (bad day, channel, empty title, unknown cell) are exact."""
    monkeypatch.chdir(REPO)
    expected = (SHEETS / "broken.expected").read_text(encoding="utf-8").splitlines()
    found = _problems(
        lambda: merge_msel(
            "src/jointex/scenario/builtin/tutorial.yaml", "tests/scenario/sheets/broken.csv"
        )
    )
    assert found == expected


def test_merge_maps_condition_and_otherwise_problems_to_their_columns(scenario: Path) -> None:
    """Problems found by the full scenario checks land on the row and column that caused them."""
    sheet = _csv(
        scenario.parent,
        "ID,D+n,Title,To,Marking,Trigger,Wait until,Otherwise inject\n"
        "Y-1,1,Cond,twn,SEKRET,surge_detect,D+1 H+02:00,T-404\n"
        "Y-2,1,No trigger,twn,,,,T-001\n",
    )
    name = str(sheet)
    assert _problems(lambda: merge_msel(scenario, sheet)) == [
        f"{name}:2:5: error: marking 'SEKRET' does not parse: unknown classification 'SEKRET' "
        "(did you mean 'SECRET'?) (at row 2, column 'Marking')",
        f"{name}:2:6: error: condition reads 'surge_detect', which is not a world-state "
        "variable (did you mean 'surge_detected'?) (at row 2, column 'Trigger')",
        f"{name}:2:8: error: inject 'T-404' is not in the msel (did you mean 'T-004'?) "
        "(at row 2, column 'Otherwise inject')",
        f"{name}:3:8: error: 'otherwise' needs a 'trigger' to fall back from "
        "(at row 3, column 'Otherwise inject')",
    ]


def test_merge_into_a_broken_scenario_reports_the_scenario(tmp_path: Path) -> None:
    """A scenario that is itself invalid is reported at its own positions, not merged."""
    path = tmp_path / "broken.yaml"
    path.write_text(TUTORIAL.replace("move_minutes: 360", "move_minute: 360"), encoding="utf-8")
    problems = _problems(lambda: merge_msel(path, SHEETS / "good.csv"))
    assert problems == [
        f"{path}:21:1: error: unknown key 'move_minute' (did you mean 'move_minutes'?) "
        "(at move_minute)"
    ]


# -- command line ----------------------------------------------------------------------------------
def test_cli_import_writes_the_merged_file(cli: Callable[..., Any], scenario: Path) -> None:
    """`jointex msel import` writes the merged scenario in place and says what changed."""
    result = cli("msel", "import", str(SHEETS / "good.csv"), "--into", str(scenario))
    assert result.code == 0, result.stderr
    assert "2 inject(s) added, 1 replaced" in result.stdout
    assert [i.id for i in loads(scenario.read_text(encoding="utf-8")).msel][-2:] == [
        "X-010",
        "X-011",
    ]
    assert not list(scenario.parent.glob(".exercise.yaml.*"))  # no temporary file left behind


def test_cli_dry_run_prints_yaml_and_leaves_the_file(
    cli: Callable[..., Any], scenario: Path
) -> None:
    """--dry-run prints the merged YAML on stdout and does not touch the scenario file."""
    result = cli("msel", "import", str(SHEETS / "good.csv"), "--into", str(scenario), "--dry-run")
    assert result.code == 0
    assert scenario.read_text(encoding="utf-8") == TUTORIAL
    assert [i.id for i in loads(result.stdout).msel][-1] == "X-011"
    assert "dry run, not written" in result.stderr


def test_cli_json(cli: Callable[..., Any], scenario: Path) -> None:
    """--json prints what was added and replaced."""
    result = cli("msel", "import", str(SHEETS / "good.csv"), "--into", str(scenario), "--json")
    assert result.code == 0
    assert result.json() == {
        "ok": True,
        "sheet": str(SHEETS / "good.csv"),
        "scenario": str(scenario),
        "added": ["X-010", "X-011"],
        "replaced": ["T-005"],
        "removed": [],
        "written": True,
    }


def test_cli_errors_are_sheet_lines_on_stderr_exit_1(
    cli: Callable[..., Any], scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems are printed as SHEET:ROW:COL lines on stderr, exit 1, and nothing is written."""
    monkeypatch.chdir(REPO)
    result = cli("msel", "import", "tests/scenario/sheets/broken.csv", "--into", str(scenario))
    assert result.code == 1
    expected = (SHEETS / "broken.expected").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines()[: len(expected)] == expected
    assert scenario.read_text(encoding="utf-8") == TUTORIAL


def test_cli_errors_as_json(cli: Callable[..., Any], scenario: Path) -> None:
    """With --json the problems come as a list with row and column."""
    result = cli("msel", "import", str(SHEETS / "broken.csv"), "--into", str(scenario), "--json")
    assert result.code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["column"]) for p in problems] == [(2, 2), (3, 6), (4, 4), (5, 5)]


def test_cli_unreadable_sheet_exits_2(cli: Callable[..., Any], scenario: Path) -> None:
    """A missing sheet is an unreadable file: one error line and exit code 2."""
    result = cli("msel", "import", str(scenario.parent / "nope.csv"), "--into", str(scenario))
    assert result.code == 2
    assert "no such file" in result.stderr


def test_cli_help_has_an_example(cli: Callable[..., Any]) -> None:
    """The command's help shows an example."""
    result = cli("msel", "import", "--help")
    assert result.code == 0
    assert "Example: jointex msel import" in result.stdout
