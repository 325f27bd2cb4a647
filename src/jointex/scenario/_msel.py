"""MSEL import: injects from the spreadsheet exercise staff keep (CSV or XLSX) into a scenario.

The sheet has a header row (row 1) and one inject per row. Columns are recognised by name, ignoring
case, spaces and underscores:

========================  ==========================================================
column                    meaning
========================  ==========================================================
Inject ID / ID            the inject id (required)
D+n / Day                 day after D-day, a whole number, may be negative
H+n / Hour                hours, a whole number or ``HH:MM``
M+n / Minute              minutes, a whole number
Title                     required
To / Recipients           cell ids separated by ``,`` or ``;`` (required)
Channel                   message, intelligence, media, phone or tasking
Marking                   classification banner, e.g. ``SECRET//REL TO USA, TWN``
Content / Description     the inject's text
Expected actions          separated by ``;`` or line breaks
Trigger / Condition       a condition; the inject waits for it
Wait until                an offset such as ``D+1 H+08:00``: give up waiting then
Otherwise inject          the inject delivered instead when the trigger never holds
========================  ==========================================================

At least one of the D/H/M columns is required. Other columns (notes, status, owner) are ignored,
unless their name is a near miss of a known one (``Titel``), which is reported. Problems are
reported all at once, each at its row and column (row 1 is the header).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import typing
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jointex._errors import Diagnostic, ScenarioInvalid, ScenarioUnreadable
from jointex.scenario._load import check, read_text
from jointex.scenario._offset import format_offset, parse_offset
from jointex.scenario._schema import Inject
from jointex.scenario._source import Source, read_yaml

__all__ = ["MselImport", "import_msel", "merge_msel", "read_msel"]

# Canonical key -> (name shown in messages, accepted header spellings, normalised).
_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id": ("Inject ID", ("injectid", "id", "inject")),
    "day": ("D+n", ("d+n", "d", "day", "days")),
    "hour": ("H+n", ("h+n", "h", "hour", "hours")),
    "minute": ("M+n", ("m+n", "m", "minute", "minutes")),
    "title": ("Title", ("title", "subject")),
    "to": ("To", ("to", "recipients", "recipient")),
    "channel": ("Channel", ("channel",)),
    "marking": ("Marking", ("marking", "classification")),
    "content": ("Content", ("content", "description")),
    "expected_actions": ("Expected actions", ("expectedactions", "expectedaction")),
    "when": ("Trigger", ("trigger", "condition")),
    "wait_until": ("Wait until", ("waituntil",)),
    "otherwise": ("Otherwise inject", ("otherwiseinject", "otherwise")),
}
_ALIASES = {alias: key for key, (_, aliases) in _COLUMNS.items() for alias in aliases}
_REQUIRED = ("id", "title", "to")
_TIME_KEYS = ("day", "hour", "minute")
_CHANNELS: tuple[str, ...] = typing.get_args(Inject.model_fields["channel"].annotation)
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_SPLIT_CELLS = re.compile(r"[,;]")
_SPLIT_ACTIONS = re.compile(r"[;\n]")
# Where each scenario key of an inject comes from in the sheet (for mapping diagnostics back).
_FIELD_COLUMNS = {
    "id": ("id",),
    "time": _TIME_KEYS,
    "title": ("title",),
    "to": ("to",),
    "channel": ("channel",),
    "marking": ("marking",),
    "content": ("content",),
    "expected_actions": ("expected_actions",),
    "trigger": ("when", "wait_until"),
    "otherwise": ("otherwise",),
}


@dataclass(frozen=True, slots=True)
class MselImport:
    """The result of merging a sheet into a scenario.

    Attributes:
        text: the scenario's new YAML text.
        added: ids of injects that were not in the scenario before.
        replaced: ids of injects that replaced one with the same id.
        removed: ids of injects dropped because ``replace`` was set and the sheet lacks them.
    """

    text: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    removed: tuple[str, ...] = ()


@dataclass(slots=True)
class _Row:
    """One data row: its number, the inject built from it and where each field came from."""

    number: int
    inject: dict[str, Any] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Sheet:
    """A sheet read into rows, with the columns found and the problems seen."""

    file: str
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    def at(self, row: int, key: str, message: str) -> Diagnostic:
        """A diagnostic at ``row`` in the column holding ``key``."""
        column, header = self.columns.get(key, (0, _COLUMNS[key][0]))
        return Diagnostic(self.file, row, column, message, f"row {row}, column {header!r}")


def read_msel(path: str | Path) -> list[dict[str, Any]]:
    """Read MSEL rows from a CSV or XLSX sheet as inject mappings in the scenario's shape.

    Args:
        path: a ``.csv`` file, or an ``.xlsx``/``.xlsm`` workbook (the sheet named ``MSEL``,
            else the first sheet).

    Returns:
        One mapping per non-empty row, e.g. ``{"id": "T-001", "time": "D+0 H+01:00", ...}``.

    Raises:
        ScenarioUnreadable: the file is missing, not a CSV/XLSX file, or not readable.
        ScenarioInvalid: the sheet has problems; each diagnostic names the row and column.
    """
    sheet = _read_sheet(path)
    if sheet.problems:
        raise ScenarioInvalid(sheet.problems)
    return [row.inject for row in sheet.rows]


def merge_msel(scenario_path: str | Path, sheet_path: str | Path, replace: bool = False) -> str:
    """Merge a sheet's injects into a scenario file's MSEL and return the new YAML text.

    Args:
        scenario_path: the scenario file (not changed).
        sheet_path: the CSV or XLSX sheet.
        replace: drop the scenario's current injects instead of merging with them.

    Returns:
        The scenario text with its top-level ``msel:`` block regenerated; everything else in
        the file, comments included, is kept as it was.

    Raises:
        ScenarioUnreadable: either file cannot be read.
        ScenarioInvalid: the sheet, the scenario or the merged result has problems.
    """
    return import_msel(scenario_path, sheet_path, replace=replace).text


def import_msel(
    scenario_path: str | Path, sheet_path: str | Path, *, replace: bool = False
) -> MselImport:
    """Merge a sheet into a scenario, reporting which injects were added and replaced.

    Rows whose id matches an inject in the scenario replace it in place; new ids are appended
    in sheet order. The merged scenario gets the full checks; problems caused by imported rows
    (an unknown recipient, a condition reading an unknown variable) are reported at the sheet's
    row and column, problems in the scenario file itself at the file's line and column.

    Args:
        scenario_path: the scenario file (not changed).
        sheet_path: the CSV or XLSX sheet.
        replace: drop the scenario's current injects instead of merging with them.

    Returns:
        The new text and the ids added, replaced and removed.

    Raises:
        ScenarioUnreadable: either file cannot be read.
        ScenarioInvalid: the sheet, the scenario or the merged result has problems.
    """
    scenario_file = str(scenario_path)
    text = read_text(scenario_path)
    sheet = _read_sheet(sheet_path)
    source = read_yaml(text, scenario_file)
    own = check(text, scenario_file)
    if own or not isinstance(source.data, dict):
        # Positions in a broken scenario cannot be mapped through a merge: report it as it is.
        raise ScenarioInvalid([*own, *sheet.problems])

    current = source.data.get("msel")
    before = (
        [item for item in current if isinstance(item, dict)] if isinstance(current, list) else []
    )
    old_ids = [str(item.get("id")) for item in before]
    existing: list[Any] = [] if replace or not isinstance(current, list) else list(current)
    position = {
        item.get("id"): index for index, item in enumerate(existing) if isinstance(item, dict)
    }
    imported: dict[int, _Row] = {}
    for row in sheet.rows:
        if "duplicate" in row.failed:
            continue
        inject_id = row.inject.get("id")
        if isinstance(inject_id, str) and inject_id in position:
            index = position[inject_id]
            existing[index] = row.inject
        else:
            index = len(existing)
            existing.append(row.inject)
            if isinstance(inject_id, str):
                position[inject_id] = index
        imported[index] = row
    sheet_ids = [str(row.inject.get("id")) for row in imported.values() if "id" in row.inject]
    added = tuple(i for i in sheet_ids if i not in old_ids)
    replaced = tuple(i for i in sheet_ids if i in old_ids)
    removed = tuple(i for i in old_ids if replace and i not in sheet_ids)
    new_text = _replace_msel(text, source, existing)

    problems = [
        *sheet.problems,
        *_map_back(check(new_text, scenario_file), sheet, imported, source),
    ]
    if problems:
        raise ScenarioInvalid(problems)
    return MselImport(new_text, added, replaced, removed)


# -- reading the sheet ---------------------------------------------------------------------------
def _read_sheet(path: str | Path) -> _Sheet:
    file = str(path)
    table = _table(Path(path))
    sheet = _Sheet(file)
    if not table or not any(_text(v) for v in table[0]):
        sheet.problems.append(
            Diagnostic(file, 1, 1, "the sheet has no header row (row 1 must name the columns)")
        )
        return sheet
    _header(sheet, table[0])
    if sheet.problems:
        return sheet  # every row would repeat a header problem
    seen: dict[str, int] = {}
    for number, values in enumerate(table[1:], start=2):
        if not any(_text(v) for v in values):
            continue
        row = _row(sheet, number, values)
        inject_id = row.inject.get("id")
        if isinstance(inject_id, str):
            if inject_id in seen:
                message = f"inject id {inject_id!r} is already used in row {seen[inject_id]}"
                sheet.problems.append(sheet.at(number, "id", message))
                row.failed.add("duplicate")
            else:
                seen[inject_id] = number
        sheet.rows.append(row)
    return sheet


def _table(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_table(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_table(path)
    raise ScenarioUnreadable(f"{path}: not a CSV or XLSX sheet (expected .csv, .xlsx or .xlsm)")


def _csv_table(path: Path) -> list[list[Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ScenarioUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioUnreadable(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise ScenarioUnreadable(
            f"{path}: not UTF-8 text (in Excel, save as 'CSV UTF-8 (Comma delimited)')"
        ) from None
    except OSError as exc:
        raise ScenarioUnreadable(f"{path}: cannot read ({exc.strerror})") from None
    first = text.split("\n", 1)[0]
    # Excel writes ';' separated CSV in locales that use ',' as the decimal mark.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ScenarioUnreadable(f"{path}: not a readable CSV file ({exc})") from None


def _xlsx_table(path: Path) -> list[list[Any]]:
    import openpyxl  # noqa: PLC0415 - only needed for workbooks
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    if not path.is_file():
        raise ScenarioUnreadable(f"{path}: no such file")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise ScenarioUnreadable(f"{path}: not a readable XLSX workbook ({exc})") from None
    except OSError as exc:
        raise ScenarioUnreadable(f"{path}: cannot read ({exc.strerror})") from None
    try:
        named = [ws for ws in workbook.worksheets if ws.title.strip().lower() == "msel"]
        worksheet = named[0] if named else workbook.worksheets[0]
        return [list(values) for values in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _normalise(header: str) -> str:
    return re.sub(r"[\s_]+", "", header).lower()


def _header(sheet: _Sheet, values: list[Any]) -> None:
    for index, value in enumerate(values, start=1):
        header = _text(value)
        if not header:
            continue
        key = _ALIASES.get(_normalise(header))
        if key is None:
            close = difflib.get_close_matches(_normalise(header), list(_ALIASES), n=1, cutoff=0.8)
            if close:
                meant = _COLUMNS[_ALIASES[close[0]]][0]
                sheet.problems.append(
                    Diagnostic(
                        sheet.file,
                        1,
                        index,
                        f"unknown column {header!r} (did you mean {meant!r}?)",
                        f"row 1, column {header!r}",
                    )
                )
            continue
        if key in sheet.columns:
            first = sheet.columns[key]
            sheet.problems.append(
                Diagnostic(
                    sheet.file,
                    1,
                    index,
                    f"column {header!r} repeats column {first[1]!r} (column {first[0]})",
                    f"row 1, column {header!r}",
                )
            )
            continue
        sheet.columns[key] = (index, header)
    names = [_COLUMNS[key][0] for key in _REQUIRED if key not in sheet.columns]
    if not any(key in sheet.columns for key in _TIME_KEYS):
        names.append("D+n (or H+n, M+n)")
    if names:
        found = ", ".join(repr(_text(v)) for v in values if _text(v)) or "none"
        sheet.problems.append(
            Diagnostic(
                sheet.file,
                1,
                1,
                f"the header row lacks required column(s): {', '.join(names)} (found {found})",
                "row 1",
            )
        )


def _row(sheet: _Sheet, number: int, values: list[Any]) -> _Row:
    row = _Row(number)

    def cell(key: str) -> Any:
        column = sheet.columns.get(key)
        if column is None or column[0] > len(values):
            return None
        return values[column[0] - 1]

    def fail(key: str, field_name: str, message: str) -> None:
        sheet.problems.append(sheet.at(number, key, message))
        row.failed.add(field_name)

    inject = row.inject
    inject_id = _text(cell("id"))
    if not inject_id:
        fail("id", "id", "the inject id is empty")
    elif not _IDENTIFIER.match(inject_id):
        fail(
            "id",
            "id",
            f"{inject_id!r} is not a valid id: it must start with a letter, followed by "
            "letters, digits, '_', '-' or '.'",
        )
    else:
        inject["id"] = inject_id

    minutes = 0
    timed = False
    for key in _TIME_KEYS:
        value = cell(key)
        if not _text(value):
            continue
        timed = True
        amount = _minutes(value, key)
        if isinstance(amount, str):
            fail(key, "time", amount)
        else:
            minutes += amount
    if not timed:
        first_time = next(key for key in _TIME_KEYS if key in sheet.columns)
        fail(first_time, "time", "no time: fill in D+n (and H+n, M+n as needed)")
    elif "time" not in row.failed:
        inject["time"] = format_offset(minutes)

    title = _text(cell("title"))
    if title:
        inject["title"] = title
    else:
        fail("title", "title", "the title is empty")

    recipients = [part.strip() for part in _SPLIT_CELLS.split(_text(cell("to")))]
    recipients = [part for part in recipients if part]
    if recipients:
        inject["to"] = recipients
    else:
        fail("to", "to", "no recipients: list cell ids separated by ',' or ';'")

    channel = _text(cell("channel")).lower()
    if channel and channel not in _CHANNELS:
        close = difflib.get_close_matches(channel, _CHANNELS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        fail(
            "channel",
            "channel",
            f"unknown channel {_text(cell('channel'))!r} ({hint}expected one of: "
            f"{', '.join(sorted(_CHANNELS))})",
        )
    elif channel:
        inject["channel"] = channel

    for key in ("marking", "content"):
        value = _text(cell(key), strip=key != "content")
        if value.strip():
            inject[key] = value.strip() if key == "marking" else value.strip("\n")

    actions = [a.strip() for a in _SPLIT_ACTIONS.split(_text(cell("expected_actions")))]
    if any(actions):
        inject["expected_actions"] = [a for a in actions if a]

    when = _text(cell("when"))
    wait = _text(cell("wait_until"))
    if wait and not when:
        fail(
            "wait_until",
            "trigger.wait_until",
            "'Wait until' needs a 'Trigger' condition in the same row",
        )
    elif when:
        inject["trigger"] = {"when": when}
        if wait:
            try:
                inject["trigger"]["wait_until"] = format_offset(parse_offset(wait))
            except ValueError as exc:
                fail("wait_until", "trigger.wait_until", str(exc))
    otherwise = _text(cell("otherwise"))
    if otherwise:
        inject["otherwise"] = {"inject": otherwise}
    return row


def _text(value: Any, *, strip: bool = True) -> str:
    """A cell as text; numbers without a needless ``.0``, empty cells as ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.time):
        value = value.strftime("%H:%M")
    text = str(value)
    return text.strip() if strip else text


def _minutes(value: Any, key: str) -> int | str:
    """A D/H/M cell in minutes, or the message saying why it is not a whole number."""
    name = _COLUMNS[key][0]
    unit = {"day": 1440, "hour": 60, "minute": 1}[key]
    extra = " or HH:MM" if key == "hour" else ""
    if isinstance(value, dt.time) and key == "hour":  # a cell formatted as a time of day
        return value.hour * 60 + value.minute
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return f"{name} must be a whole number{extra}, got {_text(value)!r}"
    if isinstance(value, float):
        if not value.is_integer():
            return f"{name} must be a whole number{extra}, got {_text(value)!r}"
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = value.strip()
        # Tolerate the prefix repeated in the cell: 'D+1', 'H+06:30', 'M+15'.
        body = re.sub(rf"^{name[0]}\s*(?=[+-])", "", text, flags=re.IGNORECASE).replace(" ", "")
        if key == "hour" and (match := re.fullmatch(r"\+?(\d{1,3}):(\d{2})", body)):
            if int(match.group(2)) >= 60:
                return f"{name} {text!r}: the minutes of HH:MM must be below 60"
            return int(match.group(1)) * 60 + int(match.group(2))
        if not re.fullmatch(r"[+-]?\d+", body):
            return f"{name} must be a whole number{extra}, got {text!r}"
        number = int(body)
    if number < 0 and key != "day":
        return f"{name} must not be negative, got {number}"
    return number * unit


# -- writing the merged scenario -----------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as the rest of a hand-written scenario does."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    short = (
        all(
            isinstance(item, int | float | bool) or (isinstance(item, str) and "\n" not in item)
            for item in data
        )
        and sum(len(str(item)) + 2 for item in data) <= 60
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None
    )


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def _msel_block(injects: list[Any]) -> str:
    return yaml.dump(
        {"msel": injects},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def _replace_msel(text: str, source: Source, injects: list[Any]) -> str:
    """``text`` with its top-level ``msel:`` block replaced (or appended when there is none)."""
    block = _msel_block(injects)
    key = source.keys.get(("msel",))
    if key is None or key[1] != 1:
        if not text.strip():
            return block
        return text + ("" if text.endswith("\n") else "\n") + "\n" + block
    lines = text.splitlines(keepends=True)
    start = key[0] - 1
    end = start + 1
    while end < len(lines) and not _starts_top_level(lines[end]):
        end += 1
    # Comments and blank lines just above the next key belong to it.
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def _starts_top_level(line: str) -> bool:
    """Whether a line begins a new top-level key (or ends the YAML document)."""
    if line.startswith(("---", "...")):
        return True
    return bool(line[:1].strip()) and line[0] not in "#-"


_MSEL_PATH = re.compile(r"^msel\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?")


def _map_back(
    found: list[Diagnostic], sheet: _Sheet, imported: dict[int, _Row], source: Source
) -> list[Diagnostic]:
    """Place the merged scenario's diagnostics at the sheet's row and column where they belong."""
    placed: list[Diagnostic] = []
    for diagnostic in found:
        match = _MSEL_PATH.match(diagnostic.path)
        index = int(match.group(1)) if match else -1
        if match is None or index not in imported:
            # Not an imported row: kept injects keep their index, so the original file's
            # position is the right one to show.
            parts: tuple[str | int, ...] = ("msel", index) if match else ()
            if match and match.group(2):
                parts = (*parts, match.group(2))
            line, column = source.position(parts) if parts else (0, 0)
            placed.append(
                Diagnostic(source.file, line, column, diagnostic.message, diagnostic.path)
            )
            continue
        row = imported[index]
        name = match.group(2) or ""
        if name in row.failed or f"{name}.{match.group(3)}" in row.failed:
            continue  # the sheet problem in that cell is already reported
        keys = _FIELD_COLUMNS.get(name, ())
        if name == "trigger":
            keys = ("wait_until",) if match.group(3) == "wait_until" else ("when",)
        key = next((k for k in keys if k in sheet.columns), None)
        if key is None:
            placed.append(
                Diagnostic(sheet.file, row.number, 0, diagnostic.message, f"row {row.number}")
            )
        else:
            placed.append(sheet.at(row.number, key, diagnostic.message))
    return placed
