"""``jointex scenario ...``: list, show, validate, schema, new."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from rich.table import Table

from jointex._errors import ScenarioUnreadable
from jointex.cli._common import emit_json, err, out
from jointex.scenario import builtin_names, builtin_text, check, json_schema, read_text, resolve
from jointex.scenario._summary import summarise

__all__ = ["render_summary", "scenario_app"]

scenario_app = typer.Typer(
    help="Scenario files: list built-ins, show, validate, print the schema, start a new one.",
    no_args_is_help=True,
)

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")


@scenario_app.command("list")
def list_scenarios(json_output: bool = JSON_OPTION) -> None:
    """List the built-in scenarios.

    Example: jointex scenario list --json
    """
    rows = []
    for name in builtin_names():
        summary = summarise(resolve(name))
        rows.append(
            {
                "name": name,
                "title": summary["title"],
                "duration": summary["duration"],
                "injects": summary["msel"]["injects"],
                "cells": len(summary["cells"]),
            }
        )
    if json_output:
        emit_json(rows)
        return
    table = Table("name", "title", "duration", "cells", "injects", title="Built-in scenarios")
    for row in rows:
        table.add_row(
            row["name"], row["title"], row["duration"], str(row["cells"]), str(row["injects"])
        )
    out.print(table)


@scenario_app.command("show")
def show(
    scenario: str = typer.Argument(..., help="A scenario file or a built-in name."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Summarise a scenario: cells, forces, phases, MSEL and objectives.

    Example: jointex scenario show grey-zone-surge
    """
    summary = summarise(resolve(scenario))
    if json_output:
        emit_json(summary)
    else:
        render_summary(summary)


def render_summary(summary: dict[str, object]) -> None:
    """Print a scenario summary as Rich tables."""
    s: dict[str, object] = summary
    out.print(f"[bold]{s['title']}[/bold]  ({s['id']}, {s['marking']}, duration {s['duration']})")
    if s["description"]:
        out.print(str(s["description"]))
    cells = Table("cell", "name", "role", "nation", "clearance", "bot rules", title="Cells")
    for c in s["cells"]:  # type: ignore[attr-defined]
        cells.add_row(
            c["id"], c["name"], c["role"], c["nation"] or "-", c["clearance"], str(c["bot_rules"])
        )
    out.print(cells)
    forces = Table(
        "force", "side", "nation", "type", "base", "count", "alert pairs", title="Forces"
    )
    for f in s["forces"]:  # type: ignore[attr-defined]
        forces.add_row(
            f["id"],
            f["side"],
            f["nation"],
            f["type"],
            f["base"],
            str(f["count"]),
            str(f["alert_pairs"] or ""),
        )
    out.print(forces)
    phases = Table("phase", "name", "start", "end", "escalation", "aircraft/day", title="Phases")
    for p in s["phases"]:  # type: ignore[attr-defined]
        phases.add_row(
            p["id"],
            p["name"],
            p["start"],
            p["end"],
            "" if p["escalation"] is None else str(p["escalation"]),
            str(p["aircraft_per_day"]),
        )
    out.print(phases)
    msel = s["msel"]
    assert isinstance(msel, dict)
    out.print(
        f"MSEL: {msel['injects']} injects ({msel['conditional']} conditional), "
        f"{msel['first']} to {msel['last']}; by channel: "
        + ", ".join(f"{k} {v}" for k, v in msel["by_channel"].items())
    )
    out.print(
        "  by marking: " + "; ".join(f"{k} {v}" for k, v in msel["by_marking"].items()),
        markup=False,
    )
    objectives = Table("objective", "title", "criteria", title="Objectives")
    for o in s["objectives"]:  # type: ignore[attr-defined]
        objectives.add_row(o["id"], o["title"], str(o["criteria"]))
    out.print(objectives)


@scenario_app.command("validate")
def validate(
    files: list[str] = typer.Argument(..., help="Scenario files (or built-in names)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Check scenario files and report every problem as FILE:LINE:COLUMN: error: MESSAGE.

    Exit code 0 when all are valid, 1 when any has problems, 2 when a file cannot be read.

    Example: jointex scenario validate exercises/*.yaml
    """
    results: list[dict[str, object]] = []
    code = 0
    count = 0
    for name in files:
        path = Path(name)
        try:
            text = (
                read_text(path)
                if path.exists() or name not in builtin_names()
                else (builtin_text(name))
            )
        except ScenarioUnreadable as exc:
            err.print(f"jointex: error: {exc}", markup=False)
            results.append({"file": name, "valid": False, "readable": False, "problems": []})
            code = 2
            continue
        problems = check(text, name)
        count += len(problems)
        if problems:
            code = max(code, 1)
        results.append(
            {
                "file": name,
                "valid": not problems,
                "readable": True,
                "problems": [
                    {
                        "line": d.line,
                        "column": d.column,
                        "message": d.message,
                        "path": d.path,
                        "severity": d.severity,
                    }
                    for d in problems
                ],
            }
        )
        if not json_output:
            for diagnostic in problems:
                out.print(str(diagnostic), markup=False)
    if json_output:
        emit_json({"valid": code == 0, "files": results})
    else:
        bad = sum(1 for r in results if not r["valid"])
        if code == 0:
            err.print(f"{len(results)} file(s) valid")
        else:
            err.print(f"{count} problem(s) in {bad} of {len(results)} file(s)")
    raise typer.Exit(code)


@scenario_app.command("schema")
def schema(
    output: Path | None = typer.Option(None, "--out", help="Write to this file instead."),
) -> None:
    """Print the JSON Schema of scenario files, for editors that validate as you type.

    Example: jointex scenario schema --out scenario.schema.json
    """
    text = json.dumps(json_schema(), indent=2, sort_keys=True)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")


@scenario_app.command("new")
def new(
    name: str = typer.Argument(..., help="The new scenario's id, e.g. strait-crisis."),
    output: Path | None = typer.Option(None, "--out", help="File to write (default NAME.yaml)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter scenario that validates, to edit from there.

    Example: jointex scenario new strait-crisis --out exercises/strait-crisis.yaml
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}", name):
        raise typer.BadParameter(
            f"{name!r} is not a valid scenario id (a letter, then letters, digits, '_', '-', '.')",
            param_hint="NAME",
        )
    target = output or Path(f"{name}.yaml")
    if target.exists() and not force:
        raise ScenarioUnreadable(f"{target} exists; use --force to overwrite it")
    text = starter_text(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    err.print(f"wrote {target}; check it with: jointex scenario validate {target}")


def starter_text(name: str) -> str:
    """The tutorial scenario re-titled as a new scenario called ``name``."""
    text = builtin_text("tutorial")
    text = re.sub(r"(?m)^id: tutorial(\s)", lambda m: f"id: {name}{m.group(1)}", text)
    text = re.sub(r"(?m)^title: .*$", f"title: {name} (from the JointEx starter)", text, count=1)
    return text
