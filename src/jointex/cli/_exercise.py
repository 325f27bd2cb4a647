"""``jointex exercise ...``: create, list, show, start, run, advance, replay, export, import.

Each command opens the event store at ``--db`` / ``JOINTEX_DB`` (default: SQLite in the user's
data directory), calls one `ExerciseService` method and renders the result; ``--json`` prints
machine-readable output instead.
"""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jointex._errors import ParameterError, ScenarioUnreadable
from jointex.cli._common import emit_json, err, options, out, replacing
from jointex.exercise import (
    ActionSubmitted,
    Actor,
    AdjudicationDecided,
    AdjudicationOpened,
    Advance,
    ClockAdvanced,
    EscalationChanged,
    ExerciseCreated,
    ExerciseEnded,
    ExerciseService,
    ExerciseState,
    InjectDelivered,
    InjectExpired,
    PhaseEntered,
    SimulationAdjudicator,
    Start,
    WorldStateChanged,
    parse_event,
)
from jointex.exercise._service import control_cell
from jointex.scenario import builtin_names, format_offset, parse_offset, resolve
from jointex.store import Event, EventStore

__all__ = ["exercise_app"]

exercise_app = typer.Typer(
    help="Live exercises: create, run headless with bots, advance, show, replay, export, import.",
    no_args_is_help=True,
)

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")
LAST_EVENTS = 10


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


@contextmanager
def _service(adjudication_runs: int | None = None) -> Iterator[ExerciseService]:
    adjudicator = SimulationAdjudicator(adjudication_runs) if adjudication_runs else None
    with EventStore.open(options.db_url) as store:
        yield ExerciseService(store, adjudicator=adjudicator)


def _at(value: str) -> int:
    try:
        return parse_offset(value)
    except ValueError as exc:
        raise ParameterError(f"{value!r} is not a time such as 'D+2 H+06:00': {exc}") from None


# -- rendering ----------------------------------------------------------------------------------


def describe(event: Event) -> str:
    """One line saying what an event did, e.g. ``GZS-004 'ADIZ incursion' -> twn, usa``."""
    typed = parse_event(event)
    if isinstance(typed, ClockAdvanced):
        return (
            f"{format_offset(typed.from_minute)} -> {format_offset(typed.to_minute)} "
            f"({typed.reason})"
        )
    if isinstance(typed, InjectDelivered):
        return f"{typed.inject_id} {typed.title!r} -> {', '.join(typed.to)}"
    if isinstance(typed, WorldStateChanged):
        return f"{typed.variable}: {typed.old!r} -> {typed.new!r} ({typed.cause.kind} {typed.cause.id})"
    if isinstance(typed, EscalationChanged):
        return f"{typed.old} -> {typed.new} ({typed.cause.kind} {typed.cause.id})"
    if isinstance(typed, ActionSubmitted):
        return f"{typed.action_id} {typed.cell}: {typed.action}"
    if isinstance(typed, AdjudicationOpened):
        return f"{typed.adjudication_id} for {typed.action_id} ({typed.model})"
    if isinstance(typed, AdjudicationDecided):
        return f"{typed.adjudication_id} {typed.decision} by {typed.by}"
    if isinstance(typed, PhaseEntered):
        return f"{typed.phase_id} at {format_offset(typed.minute)}"
    if isinstance(typed, InjectExpired):
        return f"{typed.inject_id} at {format_offset(typed.minute)}"
    if isinstance(typed, ExerciseCreated):
        return f"{typed.name!r} by {typed.created_by}, seed {typed.seed}"
    if isinstance(typed, ExerciseEnded):
        return f"at {format_offset(typed.minute)}: {typed.reason}"
    minute = getattr(typed, "minute", None)
    return f"at {format_offset(minute)}" if isinstance(minute, int) else ""


def _event_doc(event: Event, data: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": event.version,
        "type": event.type,
        "summary": describe(event),
        "actor": event.meta.get("actor"),
        "cell": event.meta.get("cell"),
    }
    if data:
        doc["data"] = event.data
    return doc


def _state_doc(state: ExerciseState, last: list[Event]) -> dict[str, Any]:
    # "scheduled" counts injects due on their own time or trigger; "fallback" those waiting to
    # be some trigger's otherwise branch.
    injects = {"delivered": 0, "scheduled": 0, "fallback": 0, "expired": 0, "cancelled": 0}
    for inject in state.injects.values():
        fallback = inject.fallback_only and inject.status == "scheduled"
        injects["fallback" if fallback else inject.status] += 1
    rung = next(
        (r.name for r in state.scenario.world.escalation if r.level == state.escalation), ""
    )
    decided = [a.decided for a in state.adjudications.values() if a.decided is not None]
    return {
        "exercise_id": state.exercise_id,
        "name": state.name,
        "scenario": state.scenario.id,
        "seed": state.seed,
        "status": state.status,
        "minute": state.minute,
        "clock": format_offset(state.minute),
        "end": format_offset(state.scenario.duration),
        "clock_mode": state.clock_mode,
        "phase": state.phase_id,
        "escalation": {"level": state.escalation, "name": rung},
        "variables": dict(state.variables),
        "injects": injects,
        "actions": len(state.actions),
        "rfis_open": sum(1 for r in state.rfis.values() if r.answer is None),
        "adjudications": {
            "accepted": sum(1 for d in decided if d.decision == "accepted"),
            "overridden": sum(1 for d in decided if d.decision == "overridden"),
            "open": [
                {
                    "id": a.opened.adjudication_id,
                    "action_id": a.opened.action_id,
                    "model": a.opened.model,
                    "sample": _sample_summary(a.opened.sample),
                }
                for a in state.open_adjudications()
            ],
        },
        "version": state.version,
        "last_events": [_event_doc(e) for e in last],
    }


def _sample_summary(sample: Any) -> Any:
    if isinstance(sample, dict) and isinstance(sample.get("summary"), str):
        return sample["summary"]
    return sample


def _render_state(doc: dict[str, Any]) -> None:
    out.print(
        f"[bold]{doc['exercise_id']}[/bold]  {doc['name']}  ({doc['scenario']}, seed {doc['seed']})"
    )
    escalation = doc["escalation"]
    out.print(
        f"status {doc['status']}, clock {doc['clock']} of {doc['end']} ({doc['clock_mode']}), "
        f"phase {doc['phase'] or '-'}, escalation {escalation['level']} {escalation['name']}, "
        f"{doc['version']} events",
        markup=False,
    )
    injects = doc["injects"]
    adjudications = doc["adjudications"]
    out.print(
        f"injects: {injects['delivered']} delivered, {injects['scheduled']} pending "
        f"(+{injects['fallback']} fallback), "
        f"{injects['expired']} expired, {injects['cancelled']} cancelled; "
        f"{doc['actions']} actions, {doc['rfis_open']} open RFIs; adjudications: "
        f"{adjudications['accepted']} accepted, {adjudications['overridden']} overridden, "
        f"{len(adjudications['open'])} open",
        markup=False,
    )
    if doc["variables"]:
        world = Table("variable", "value", title="World state")
        for name, value in doc["variables"].items():
            world.add_row(name, str(value))
        out.print(world)
    if adjudications["open"]:
        table = Table("adjudication", "action", "model", "sample", title="Open adjudications")
        for a in adjudications["open"]:
            table.add_row(a["id"], a["action_id"], a["model"], str(a["sample"]))
        out.print(table)
    _render_events(doc["last_events"], "Last events")


def _render_events(events: list[dict[str, Any]], title: str) -> None:
    if not events:
        return
    table = Table("v", "event", "by", "what", title=title)
    for e in events:
        table.add_row(str(e["version"]), e["type"], str(e["cell"] or ""), e["summary"])
    out.print(table)


def _last_events(service: ExerciseService, exercise_id: str, version: int) -> list[Event]:
    first = max(0, version - LAST_EVENTS)
    return list(service.store.read(exercise_id, first, version))


# -- commands -----------------------------------------------------------------------------------


@exercise_app.command("create")
def create(
    scenario: str = typer.Argument(..., help="A scenario file or a built-in name."),
    name: str = typer.Option("", "--name", help="The exercise's name (default: the title)."),
    seed: int = typer.Option(0, "--seed", help="Exercise seed: adjudications derive from it."),
    as_cell: str | None = typer.Option(
        None, "--as", help="Create as this control cell (default: the first control cell)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Create an exercise of a scenario (draft: not yet started) and print its id.

    Example: jointex exercise create grey-zone-surge --name "Rehearsal 1" --seed 7
    """
    loaded = resolve(scenario)
    actor = Actor(_user(), as_cell or control_cell(loaded))
    with _service() as service:
        exercise_id = service.create(loaded, name, seed, actor)
        state = service.state(exercise_id)
    if json_output:
        emit_json(
            {
                "exercise_id": exercise_id,
                "name": state.name,
                "scenario": loaded.id,
                "seed": state.seed,
                "status": state.status,
            }
        )
    else:
        out.print(exercise_id)


@exercise_app.command("list")
def list_exercises(json_output: bool = JSON_OPTION) -> None:
    """List the exercises in the database.

    Example: jointex exercise list --json
    """
    with _service() as service:
        rows: list[dict[str, Any]] = [
            {
                "exercise_id": s.exercise_id,
                "name": s.name,
                "scenario": s.scenario,
                "status": s.status,
                "minute": s.minute,
                "clock": format_offset(s.minute),
                "events": s.version,
                "created": s.created.isoformat(),
            }
            for s in service.list()
        ]
    if json_output:
        emit_json(rows)
        return
    if not rows:
        err.print("no exercises yet: jointex exercise create SCENARIO")
        return
    table = Table("exercise", "name", "scenario", "status", "clock", "events", title="Exercises")
    for row in rows:
        table.add_row(
            row["exercise_id"],
            row["name"],
            row["scenario"],
            row["status"],
            row["clock"],
            str(row["events"]),
        )
    out.print(table)


@exercise_app.command("show")
def show(
    exercise_id: str = typer.Argument(..., help="The exercise id."),
    at: str | None = typer.Option(
        None, "--at", help="Show it as it was at this time, e.g. 'D+2 H+06:00'."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Show an exercise: status, clock, escalation, world state, injects, adjudications, events.

    Example: jointex exercise show exercise-3f9c2a1b --at "D+1 H+12:00"
    """
    _show_state(exercise_id, at, json_output)


@exercise_app.command("replay")
def replay(
    exercise_id: str = typer.Argument(..., help="The exercise id."),
    at: str = typer.Option(..., "--at", help="The scenario time, e.g. 'D+2 H+06:00'."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Replay an exercise's log up to a scenario time and show the state it had then.

    Example: jointex exercise replay exercise-3f9c2a1b --at "D+2 H+06:00"
    """
    _show_state(exercise_id, at, json_output)


def _show_state(exercise_id: str, at: str | None, json_output: bool) -> None:
    with _service() as service:
        state = service.state(exercise_id) if at is None else service.replay(exercise_id, _at(at))
        doc = _state_doc(state, _last_events(service, exercise_id, state.version))
    if json_output:
        emit_json(doc)
    else:
        _render_state(doc)


@exercise_app.command("start")
def start(
    exercise_id: str = typer.Argument(..., help="The exercise id."),
    as_cell: str | None = typer.Option(
        None, "--as", help="Start as this control cell (default: the first control cell)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Start a draft exercise: the timeline is processed at the start minute.

    Example: jointex exercise start exercise-3f9c2a1b --as white
    """
    with _service() as service:
        cell = as_cell or control_cell(service.state(exercise_id).scenario)
        events = service.handle(exercise_id, Start(), Actor(_user(), cell))
        state = service.state(exercise_id)
    _print_step(state, events, json_output)


@exercise_app.command("advance")
def advance(
    exercise_id: str = typer.Argument(..., help="The exercise id."),
    as_cell: str = typer.Option(..., "--as", help="The cell you act for (a control cell)."),
    minutes: int | None = typer.Option(
        None, "--minutes", help="Advance by this many minutes (default: one move)."
    ),
    to: str | None = typer.Option(None, "--to", help="Advance to this time, e.g. 'D+1 H+06:00'."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Advance the clock by one move, by minutes or to a time; due injects are delivered.

    Example: jointex exercise advance exercise-3f9c2a1b --to "D+1 H+06:00" --as white
    """
    if minutes is not None and to is not None:
        raise ParameterError("give --minutes or --to, not both")
    command = Advance(minutes=minutes, to=None if to is None else _at(to))
    with _service() as service:
        events = service.handle(exercise_id, command, Actor(_user(), as_cell))
        state = service.state(exercise_id)
    _print_step(state, events, json_output)


def _print_step(state: ExerciseState, events: list[Event], json_output: bool) -> None:
    if json_output:
        emit_json(
            {
                "exercise_id": state.exercise_id,
                "status": state.status,
                "minute": state.minute,
                "clock": format_offset(state.minute),
                "version": state.version,
                "events": [_event_doc(e, data=True) for e in events],
            }
        )
        return
    delivered = sum(1 for e in events if e.type == InjectDelivered.TYPE)
    out.print(
        f"{state.exercise_id}: {state.status}, clock {format_offset(state.minute)}, "
        f"{len(events)} new events ({delivered} injects delivered)",
        markup=False,
    )
    _render_events([_event_doc(e) for e in events], "New events")


@exercise_app.command("run")
def run(
    target: str = typer.Argument(
        ..., metavar="SCENARIO_OR_ID", help="An exercise id, or a scenario to create one from."
    ),
    bots: str = typer.Option(
        "all", "--bots", help="Whose bots play: all, or cells such as white,twn,red."
    ),
    moves: int | None = typer.Option(None, "--moves", help="Stop after N moves (default: end)."),
    seed: int = typer.Option(0, "--seed", help="Seed of a new exercise."),
    name: str = typer.Option("", "--name", help="Name of a new exercise."),
    adjudication_runs: int = typer.Option(
        2000, "--adjudication-runs", help="Model replications behind each adjudication."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Play an exercise headless with the scenario's bots to the end (or for N moves).

    Creates the exercise first when given a scenario. Every bot command is appended to the log
    as it is played, so an interrupted run continues where it stopped when run again.

    Example: jointex exercise run grey-zone-surge --bots all --seed 7
    Example: jointex exercise run exercise-3f9c2a1b --moves 4 --bots white,twn
    """
    cells = None if bots.strip() == "all" else [c.strip() for c in bots.split(",") if c.strip()]
    if cells is not None and not cells:
        raise ParameterError("--bots: give all, or one or more cell ids separated by commas")
    if adjudication_runs < 1:
        raise ParameterError(f"--adjudication-runs must be 1 or more, not {adjudication_runs}")
    began = time.perf_counter()
    with _service(adjudication_runs) as service:
        if service.exists(target):
            exercise_id = target
        else:
            try:
                loaded = resolve(target)
            except ScenarioUnreadable:
                raise ScenarioUnreadable(
                    f"{target}: not an exercise in {service.store.url}, nor a scenario file or "
                    f"built-in (built-ins: {', '.join(builtin_names())})"
                ) from None
            actor = Actor(_user(), control_cell(loaded))
            exercise_id = service.create(loaded, name, seed, actor)
        before = service.state(exercise_id)
        with _progress(before, json_output) as progress:
            state = service.run_bots(exercise_id, moves=moves, cells=cells, progress=progress)
    seconds = time.perf_counter() - began
    doc = _run_doc(state, before.version)
    if json_output:
        emit_json(doc)
        return
    adjudications = doc["adjudications"]
    out.print(
        f"{doc['exercise_id']} ({doc['scenario']}): {doc['status']} at {doc['clock']}, "
        f"{doc['events']} events ({doc['new_events']} new) in {seconds:.1f} s",
        markup=False,
    )
    out.print(
        f"injects delivered {doc['injects_delivered']}, actions {doc['actions']}, adjudications "
        f"accepted {adjudications['accepted']} (overridden {adjudications['overridden']}, "
        f"open {adjudications['open']}), final escalation {doc['escalation']['level']} "
        f"{doc['escalation']['name']}",
        markup=False,
    )


def _run_doc(state: ExerciseState, before: int) -> dict[str, Any]:
    full = _state_doc(state, [])
    adjudications = full["adjudications"]
    return {
        "exercise_id": state.exercise_id,
        "scenario": state.scenario.id,
        "seed": state.seed,
        "status": state.status,
        "minute": state.minute,
        "clock": format_offset(state.minute),
        "events": state.version,
        "new_events": state.version - before,
        "injects_delivered": len(state.deliveries),
        "actions": len(state.actions),
        "adjudications": {
            "accepted": adjudications["accepted"],
            "overridden": adjudications["overridden"],
            "open": len(adjudications["open"]),
        },
        "escalation": full["escalation"],
    }


@contextmanager
def _progress(
    state: ExerciseState, quiet: bool
) -> Iterator[Callable[[ExerciseState], None] | None]:
    if quiet:
        yield None
        return
    first = state.start_minute
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task(
            f"playing {state.exercise_id}",
            total=max(1, state.scenario.duration - first),
            clock=format_offset(state.minute),
        )

        def advance(now: ExerciseState) -> None:
            bar.update(task, completed=now.minute - first, clock=format_offset(now.minute))

        yield advance


@exercise_app.command("export")
def export(
    exercise_id: str = typer.Argument(..., help="The exercise id."),
    output: Path | None = typer.Option(
        None, "--out", help="Write to this file (default: standard output)."
    ),
) -> None:
    """Export an exercise's event log as JSON Lines (a header line, then one event per line).

    Example: jointex exercise export exercise-3f9c2a1b --out rehearsal.jsonl
    """
    with _service() as service:
        lines = service.export(exercise_id)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
            sys.stdout.flush()
            return
        count = _write_atomic(output, lines)
    err.print(f"wrote {output} ({count} events)", markup=False)


def _write_atomic(path: Path, lines: Iterator[str]) -> int:
    count = -1  # the header is not an event
    with (
        replacing(path) as temporary,
        temporary.open("w", encoding="utf-8", newline="\n") as handle,
    ):
        for line in lines:
            handle.write(line)
            count += 1
    return count


@exercise_app.command("import")
def import_exercise(
    file: str = typer.Argument(..., help="A JSON Lines export, or - for standard input."),
    new_id: str | None = typer.Option(
        None, "--id", help="Import under this id (needed if the exported one exists)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Import an exported exercise; every line is checked first and nothing is written on error.

    Example: jointex exercise import rehearsal.jsonl --id exercise-rehearsal-copy
    """
    if file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ParameterError(f"cannot read {file}: {reason}") from None
    with _service() as service:
        exercise_id = service.import_(text.splitlines(), new_id, source=file)
        state = service.state(exercise_id)
    if json_output:
        emit_json(
            {
                "exercise_id": exercise_id,
                "events": state.version,
                "status": state.status,
                "clock": format_offset(state.minute),
            }
        )
    else:
        out.print(exercise_id)
