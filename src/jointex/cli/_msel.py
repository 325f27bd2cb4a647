"""``jointex msel ...``: import MSEL rows from the spreadsheet exercise staff keep."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jointex._errors import ScenarioInvalid
from jointex.cli._common import emit_json, err, out, replacing
from jointex.scenario import MselImport, import_msel

__all__ = ["import_sheet", "msel_app"]

msel_app = typer.Typer(
    help="Work with the master scenario events list (MSEL) kept in a spreadsheet.\n\n"
    "Example: jointex msel import msel.xlsx --into exercise.yaml",
    no_args_is_help=True,
)


@msel_app.command("import")
def import_sheet(
    sheet: Path = typer.Argument(
        ..., help="The MSEL sheet: .csv, or .xlsx (the sheet named MSEL, else the first)."
    ),
    into: Path = typer.Option(
        ..., "--into", help="The scenario file whose msel: is updated in place."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace the whole MSEL instead of merging by inject id."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the merged scenario instead of writing it."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Import MSEL rows from a CSV or XLSX sheet into a scenario file.

    Columns (header row, any case): Inject ID, D+n, H+n, M+n, Title, To, Channel, Marking,
    Content, Expected actions, Trigger, Wait until, Otherwise inject. Rows whose id is already
    in the scenario replace that inject; new ids are appended. The merged scenario is fully
    checked; every problem is printed as SHEET:ROW:COLUMN: error: MESSAGE (exit 1). Comments
    and everything outside the scenario's msel: block are kept.

    Example: jointex msel import msel.xlsx --into exercise.yaml --dry-run
    """
    try:
        result = import_msel(into, sheet, replace=replace)
    except ScenarioInvalid as exc:
        if json_output:
            emit_json(
                {
                    "ok": False,
                    "sheet": str(sheet),
                    "scenario": str(into),
                    "problems": [
                        {
                            "file": d.file,
                            "line": d.line,
                            "column": d.column,
                            "message": d.message,
                            "path": d.path,
                            "severity": d.severity,
                        }
                        for d in exc.diagnostics
                    ],
                }
            )
        else:
            for diagnostic in exc.diagnostics:
                err.print(str(diagnostic), markup=False)
            err.print(f"{len(exc.diagnostics)} problem(s); {into} was not changed", markup=False)
        raise typer.Exit(1) from None
    if not dry_run:
        # keep the scenario file's permissions; readers see the old file or the new one
        with replacing(into, mode=into.stat().st_mode & 0o7777) as temporary:
            temporary.write_text(result.text, encoding="utf-8", newline="")
    summary = _summary(result, sheet, into, dry_run)
    if json_output:
        emit_json(
            {
                "ok": True,
                "sheet": str(sheet),
                "scenario": str(into),
                "added": list(result.added),
                "replaced": list(result.replaced),
                "removed": list(result.removed),
                "written": not dry_run,
                **({"yaml": result.text} if dry_run else {}),
            }
        )
    elif dry_run:
        sys.stdout.write(result.text)
        sys.stdout.flush()
        err.print(summary, markup=False)
    else:
        out.print(summary, markup=False)


def _summary(result: MselImport, sheet: Path, into: Path, dry_run: bool) -> str:
    parts = [f"{len(result.added)} inject(s) added", f"{len(result.replaced)} replaced"]
    if result.removed:
        parts.append(f"{len(result.removed)} removed")
    where = f"{into} (dry run, not written)" if dry_run else str(into)
    return f"{sheet} -> {where}: {', '.join(parts)}"
