"""The JSON API under ``/api`` (docs/server.md, "JSON API"): parse, call one function, render.

Every route that returns marked material takes it from the read paths of `jointex.intel`
(`search`, `product_view`, `history`, `visible_injects`, `visible_rfis`, ...) or `jointex.cop`
for the request's seat (`jointex.api._membership`), never from the raw exercise state; lists the
read paths do not cover (actions, adjudications, the MSEL) are filtered by `jointex.intel.may_read`
on each item's marking, failing closed on a marking that does not parse. Something the seat may
not see is answered exactly like something missing (404, the same body).

Commands (``POST /api/exercises/{id}/commands``) are one pydantic model per command, told apart
by ``command``, so the OpenAPI schema documents each; the body becomes the command dataclass and
goes to `jointex.exercise.ExerciseService.handle` as ``Actor(user, seat cell)``. A
``command_id`` makes a retry idempotent (it is namespaced by exercise and user before it reaches
the store, so two users' ids never collide).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from jointex._errors import (
    AccessDenied,
    CommandRejected,
    ConcurrencyConflict,
    JointExError,
    MarkingError,
    ScenarioError,
    StoreError,
)
from jointex.api._auth import Principal, current_user
from jointex.api._membership import Seat, SeatRefused, seat_for, seat_reader, seats_in
from jointex.cop import geography_geojson, tracks_for, tracks_geojson
from jointex.exercise import (
    Acknowledge,
    Actor,
    Advance,
    AnswerRfi,
    CancelInject,
    Command,
    Decide,
    DelayInject,
    EditInject,
    End,
    ExerciseService,
    ExerciseState,
    Jump,
    Pause,
    PublishIntel,
    ReadIntel,
    RecordObservation,
    ReleaseIntel,
    Resume,
    SendInject,
    SetClockMode,
    SetWorld,
    Start,
    SubmitAction,
    SubmitRfi,
)
from jointex.exercise._service import control_cell
from jointex.intel import (
    CellReader,
    IntelProduct,
    filter_options,
    history,
    levels_for,
    may_read,
    may_read_banner,
    product_to_data,
    product_view,
    relations,
    search,
    visible_injects,
    visible_rfis,
)
from jointex.markings import Marking, Reader, can_read, parse_marking, rollup
from jointex.scenario import Scenario, builtin_names, builtin_text, format_offset, loads
from jointex.store import ANY_EXERCISE, Accounts, Event, Membership

__all__ = ["COMMAND_MODELS", "api_router", "command_of", "exercise_context", "seats_of"]

_log = logging.getLogger(__name__)

api_router = APIRouter(prefix="/api", tags=["api"])
"""The JSON API; the application provides ``app.state.service``, ``.accounts``, ``.on_append``."""

GEOJSON_MEDIA_TYPE = "application/geo+json"

Id = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
MarkingText = Annotated[str, Field(min_length=1, max_length=500)]
Minutes = Annotated[int, Field(ge=-10_000_000, le=10_000_000)]
Time = Minutes | Annotated[str, Field(min_length=1, max_length=40)]
CommandId = Annotated[str | None, Field(min_length=1, max_length=200)]


# --- command models -------------------------------------------------------------------------


class _CommandModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command: str
    command_id: CommandId = Field(
        None, description="Any id of the client's choosing; a retry with it is applied once."
    )


class StartCommand(_CommandModel):
    """Start play (control)."""

    command: Literal["start"]


class PauseCommand(_CommandModel):
    """Pause play (control)."""

    command: Literal["pause"]


class ResumeCommand(_CommandModel):
    """Resume paused play (control)."""

    command: Literal["resume"]


class AdvanceCommand(_CommandModel):
    """Advance one move, by ``minutes`` or ``to`` a time (control)."""

    command: Literal["advance"]
    minutes: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    to: Time | None = None


class JumpCommand(_CommandModel):
    """Jump to a later time (control)."""

    command: Literal["jump"]
    to: Time


class SetClockModeCommand(_CommandModel):
    """Set the clock mode and speed (control)."""

    command: Literal["set_clock_mode"]
    mode: Literal["turn", "realtime", "mixed"]
    speed: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)] = 1.0


class SendInjectCommand(_CommandModel):
    """Send an ad hoc inject in the scenario's Inject shape (control)."""

    command: Literal["send_inject"]
    inject: dict[str, Any]


class DelayInjectCommand(_CommandModel):
    """Move a scheduled inject to another time (control)."""

    command: Literal["delay_inject"]
    inject_id: Id
    time: Time


class EditInjectCommand(_CommandModel):
    """Change fields of a scheduled inject (control)."""

    command: Literal["edit_inject"]
    inject_id: Id
    changes: dict[str, Any]


class CancelInjectCommand(_CommandModel):
    """Cancel a scheduled inject (control)."""

    command: Literal["cancel_inject"]
    inject_id: Id
    reason: Text = ""


class SetWorldCommand(_CommandModel):
    """Set a world-state variable or ``escalation`` (control)."""

    command: Literal["set_world"]
    variable: Id
    value: bool | Annotated[int, Field(ge=-(2**53), le=2**53)] | float | Text


class SubmitActionCommand(_CommandModel):
    """Take an action from the scenario's menu (cells whose role the action lists)."""

    command: Literal["submit_action"]
    action: Id
    units: Annotated[list[Id], Field(max_length=200)] = []
    orders: Text = ""
    text: Text = ""
    marking: MarkingText = "UNCLASSIFIED"


class SubmitRfiCommand(_CommandModel):
    """Ask the white cell a question (blue and red cells)."""

    command: Literal["submit_rfi"]
    question: Text
    marking: MarkingText = "UNCLASSIFIED"


class AnswerRfiCommand(_CommandModel):
    """Answer an open RFI (control)."""

    command: Literal["answer_rfi"]
    rfi_id: Id
    answer: Text
    marking: MarkingText = "UNCLASSIFIED"


class AcknowledgeCommand(_CommandModel):
    """Acknowledge an inject sent to the seat's cell (blue and red cells)."""

    command: Literal["acknowledge"]
    inject_id: Id


class DecideCommand(_CommandModel):
    """Decide an open adjudication (control)."""

    command: Literal["decide"]
    adjudication_id: Id
    decision: Literal["accepted", "overridden"]
    outcome: Any = None
    rationale: Text = ""


class RecordObservationCommand(_CommandModel):
    """Rate an objective's criterion 1-5 or note it (observers)."""

    command: Literal["record_observation"]
    objective: Id
    criterion: Id
    rating: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    note: Text = ""


class PublishIntelCommand(_CommandModel):
    """Publish an intelligence product (`jointex.intel.product_to_data` shape, no id)."""

    command: Literal["publish_intel"]
    product: dict[str, Any]


class ReleaseIntelCommand(_CommandModel):
    """Release a tearline of a product to other nations."""

    command: Literal["release_intel"]
    product_id: Id
    to: Annotated[list[Annotated[str, Field(min_length=1, max_length=10)]], Field(max_length=300)]
    portions: Annotated[list[Id], Field(max_length=1000)] | None = None
    title: Text | None = None
    title_marking: MarkingText = "UNCLASSIFIED"
    with_location: bool = False


class EndCommand(_CommandModel):
    """End the exercise (control)."""

    command: Literal["end"]
    reason: Text = ""


CommandBody = Annotated[
    StartCommand
    | PauseCommand
    | ResumeCommand
    | AdvanceCommand
    | JumpCommand
    | SetClockModeCommand
    | SendInjectCommand
    | DelayInjectCommand
    | EditInjectCommand
    | CancelInjectCommand
    | SetWorldCommand
    | SubmitActionCommand
    | SubmitRfiCommand
    | AnswerRfiCommand
    | AcknowledgeCommand
    | DecideCommand
    | RecordObservationCommand
    | PublishIntelCommand
    | ReleaseIntelCommand
    | EndCommand,
    Field(discriminator="command"),
]

_CONTROL = frozenset({"control"})
_PLAYERS = frozenset({"blue", "red"})

# model -> (the command dataclass from the model's fields, scenario cell roles allowed or None
# for "the action menu decides"). The roles repeat the domain's table only to answer 403 rather
# than 422; the domain still checks every command itself.
_BUILD: dict[type[_CommandModel], tuple[Callable[[Any], Command], frozenset[str] | None]] = {
    StartCommand: (lambda m: Start(), _CONTROL),
    PauseCommand: (lambda m: Pause(), _CONTROL),
    ResumeCommand: (lambda m: Resume(), _CONTROL),
    AdvanceCommand: (lambda m: Advance(minutes=m.minutes, to=m.to), _CONTROL),
    JumpCommand: (lambda m: Jump(m.to), _CONTROL),
    SetClockModeCommand: (lambda m: SetClockMode(m.mode, m.speed), _CONTROL),
    SendInjectCommand: (lambda m: SendInject(m.inject), _CONTROL),
    DelayInjectCommand: (lambda m: DelayInject(m.inject_id, m.time), _CONTROL),
    EditInjectCommand: (lambda m: EditInject(m.inject_id, m.changes), _CONTROL),
    CancelInjectCommand: (lambda m: CancelInject(m.inject_id, m.reason), _CONTROL),
    SetWorldCommand: (lambda m: SetWorld(m.variable, m.value), _CONTROL),
    SubmitActionCommand: (
        lambda m: SubmitAction(m.action, tuple(m.units), m.orders, m.text, m.marking),
        None,
    ),
    SubmitRfiCommand: (lambda m: SubmitRfi(m.question, m.marking), _PLAYERS),
    AnswerRfiCommand: (lambda m: AnswerRfi(m.rfi_id, m.answer, m.marking), _CONTROL),
    AcknowledgeCommand: (lambda m: Acknowledge(m.inject_id), _PLAYERS),
    DecideCommand: (
        lambda m: Decide(m.adjudication_id, m.decision, m.outcome, m.rationale),
        _CONTROL,
    ),
    RecordObservationCommand: (
        lambda m: RecordObservation(m.objective, m.criterion, m.rating, m.note),
        frozenset({"observer"}),
    ),
    PublishIntelCommand: (lambda m: PublishIntel(m.product), _CONTROL | _PLAYERS),
    ReleaseIntelCommand: (
        lambda m: ReleaseIntel(
            m.product_id,
            tuple(m.to),
            None if m.portions is None else tuple(m.portions),
            m.title,
            m.title_marking,
            m.with_location,
        ),
        _CONTROL | _PLAYERS,
    ),
    EndCommand: (lambda m: End(m.reason), _CONTROL),
}

COMMAND_MODELS: dict[str, type[_CommandModel]] = {
    get_args(model.model_fields["command"].annotation)[0]: model for model in _BUILD
}
"""The request model of each command name."""


def command_of(body: _CommandModel) -> Command:
    """The exercise command a request body asks for."""
    return _BUILD[type(body)][0](body)


def _allowed(body: _CommandModel, seat: Seat) -> str | None:
    """Why the seat may not issue the command (403), or None."""
    name = body.command
    if seat.role == "observer" and not isinstance(body, RecordObservationCommand):
        return f"an observer may not {name}"
    roles = _BUILD[type(body)][1]
    if roles is None:  # submit_action: the action menu decides, but never for observers
        roles = _CONTROL | _PLAYERS
    if seat.cell_role not in roles:
        return f"cell {seat.cell!r} ({seat.cell_role}) may not {name}"
    if seat.cell_role == "control" and not seat.is_control:
        return f"you sit in cell {seat.cell!r} as {seat.role}, not as control"
    return None


class CreateExerciseBody(BaseModel):
    """A new exercise of a built-in scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: Annotated[str, Field(min_length=1, max_length=200)]
    name: Annotated[str, Field(max_length=200)] = ""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0


# --- context --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """A request on one exercise: who, in which seat, reading as what, and the state."""

    principal: Principal
    service: ExerciseService
    exercise_id: str
    state: ExerciseState
    seat: Seat
    reader: CellReader

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    def actor(self) -> Actor:
        return Actor(self.principal.user.username, self.seat.cell)


def _service(request: Request) -> ExerciseService:
    service = request.app.state.service
    assert isinstance(service, ExerciseService)
    return service


def _accounts(request: Request) -> Accounts:
    accounts = request.app.state.accounts
    assert isinstance(accounts, Accounts)
    return accounts


def _state_of(service: ExerciseService, exercise_id: str) -> ExerciseState:
    try:
        return service.state(exercise_id)
    except StoreError:
        if not service.exists(exercise_id):
            raise HTTPException(404, f"no exercise {exercise_id!r}") from None
        raise


def exercise_context(
    request: Request,
    exercise_id: Annotated[str, Path(max_length=200)],
    principal: Annotated[Principal, Depends(current_user)],
    cell: Annotated[
        str | None,
        Query(max_length=100, description="Act in this cell (when you hold several seats)."),
    ] = None,
) -> _Context:
    """Dependency: the exercise, the user's seat in it and the seat's reader.

    Raises:
        HTTPException: 403 not a member (or no usable seat), 404 no such exercise.
    """
    accounts = _accounts(request)
    memberships = accounts.memberships(principal.user.username)
    if not any(m.applies_to(exercise_id) for m in memberships):
        raise HTTPException(403, "you are not a member of this exercise")
    service = _service(request)
    state = _state_of(service, exercise_id)
    try:
        seat = seat_for(state.scenario, exercise_id, principal.user, memberships, cell)
    except SeatRefused as exc:
        raise HTTPException(403, str(exc)) from None
    return _Context(principal, service, exercise_id, state, seat, seat_reader(state.scenario, seat))


Exercise = Annotated[_Context, Depends(exercise_context)]
User_ = Annotated[Principal, Depends(current_user)]


def _require_control(context: _Context) -> None:
    if not context.seat.is_control:
        raise HTTPException(403, "only the control (white) cell may see this")


def _appended(request: Request, exercise_id: str, events: Iterable[Event]) -> None:
    """Tell the live-updates hook about new events; a failing hook never fails the request."""
    recorded = list(events)
    hook = getattr(request.app.state, "on_append", None)
    if not recorded or hook is None:
        return
    version = recorded[-1].version
    try:
        hook(exercise_id, version)
    except Exception:  # the command is recorded; a push that fails must not undo the reply
        _log.exception("on_append hook failed for %s@%s", exercise_id, version)


# --- rendering ------------------------------------------------------------------------------


def _parsed(scenario: Scenario, banner: str) -> Marking | None:
    try:
        return parse_marking(banner, levels_for(scenario))
    except MarkingError:
        return None


def _page_banner(scenario: Scenario, markings: Iterable[Marking]) -> str:
    """The roll-up banner of what a response shows (the lowest level when it shows nothing)."""
    shown = list(markings)
    if not shown:
        levels = levels_for(scenario)
        return Marking(levels.lowest.name, levels=levels).banner()
    return rollup(shown).banner()


def _clock(minute: int) -> str:
    return format_offset(minute)


def _product(view: IntelProduct) -> dict[str, Any]:
    data = product_to_data(view)
    data["banner"] = view.marking.banner()
    data["clock"] = _clock(view.minute)
    data["title"]["portion_mark"] = view.title.marking.portion()
    for portion, shown in zip(data["portions"], view.portions, strict=True):
        portion["portion_mark"] = shown.marking.portion()
    return data


# --- routes: the user and exercises -----------------------------------------------------------


@api_router.get("/me", summary="The signed-in user and their seats")
def me(request: Request, principal: User_) -> dict[str, Any]:
    """User, nation, clearance, admin flag, memberships (seats), and the session's CSRF token."""
    user = principal.user
    memberships = _accounts(request).memberships(user.username)
    return {
        "user": user.username,
        "nation": user.nation,
        "clearance": user.clearance,
        "is_admin": user.is_admin,
        "via": principal.via,
        "csrf": principal.csrf,
        "seats": [
            {"exercise_id": m.exercise_id, "cell": m.cell, "role": m.role} for m in memberships
        ],
    }


@api_router.get("/exercises", summary="Exercises the user has a seat in")
def list_exercises(request: Request, principal: User_) -> list[dict[str, Any]]:
    """Id, name, scenario id and title, status, clock and the user's seat, per exercise."""
    memberships = _accounts(request).memberships(principal.user.username)
    service = _service(request)
    shown = []
    for summary in service.list():
        if not any(m.applies_to(summary.exercise_id) for m in memberships):
            continue
        state = service.state(summary.exercise_id)
        try:
            seat = seat_for(state.scenario, summary.exercise_id, principal.user, memberships)
        except SeatRefused:
            continue
        shown.append(
            {
                "id": summary.exercise_id,
                "name": summary.name,
                "scenario": summary.scenario,
                "scenario_title": state.scenario.title,
                "status": summary.status,
                "minute": summary.minute,
                "clock": _clock(summary.minute),
                "version": summary.version,
                "seat": seat.to_data(),
            }
        )
    return shown


def _is_admin(principal: Principal, memberships: list[Membership]) -> bool:
    return principal.user.is_admin or any(
        m.role == "admin" and m.exercise_id == ANY_EXERCISE for m in memberships
    )


@cache
def _builtin(name: str) -> Scenario:
    return loads(builtin_text(name), f"<built-in {name}>")


@api_router.post("/exercises", status_code=201, summary="Create an exercise (admin)")
def create_exercise(
    request: Request, principal: User_, body: Annotated[CreateExerciseBody, Body()]
) -> dict[str, str]:
    """Create a draft exercise of a built-in scenario; the creator is seated in its control cell.

    Raises:
        HTTPException: 403 not an administrator; 422 unknown scenario or rejected.
    """
    accounts = _accounts(request)
    username = principal.user.username
    if not _is_admin(principal, accounts.memberships(username)):
        raise HTTPException(403, "only an administrator may create exercises")
    if body.scenario not in builtin_names():
        raise HTTPException(422, f"no built-in scenario {body.scenario!r}")
    scenario = _builtin(body.scenario)
    try:
        white = control_cell(scenario)
        exercise_id = _service(request).create(
            scenario, body.name, body.seed, Actor(username, white)
        )
    except CommandRejected as exc:
        raise HTTPException(422, str(exc)) from None
    accounts.add_membership(username, exercise_id, white, "white")
    _appended(request, exercise_id, _service(request).store.read(exercise_id))
    return {"id": exercise_id}


@api_router.get("/exercises/{exercise_id}", summary="An exercise's status and clock")
def exercise(context: Exercise) -> dict[str, Any]:
    """Status, clock, mode, phase, the seat, its action menu and units, and the scenario's
    banner; control also gets the escalation and the world variables."""
    state = context.state
    phase_id = state.phase_id
    names = {p.id: p.name for p in context.scenario.phases}
    data: dict[str, Any] = {
        "id": context.exercise_id,
        "name": state.name,
        "scenario": context.scenario.id,
        "scenario_title": context.scenario.title,
        "status": state.status,
        "minute": state.minute,
        "clock": _clock(state.minute),
        "end": _clock(context.scenario.duration),
        "move_minutes": context.scenario.move_minutes,
        "mode": state.clock_mode,
        "speed": state.clock_speed,
        "phase": None if phase_id is None else {"id": phase_id, "name": names.get(phase_id)},
        "seat": context.seat.to_data(),
        "banner": _page_banner(
            context.scenario,
            [m for m in [_parsed(context.scenario, context.scenario.marking)] if m],
        ),
        "version": state.version,
        "cells": [
            {"id": c.id, "name": c.name, "role": c.role, "nation": c.nation}
            for c in context.scenario.cells
        ],
    }
    cell = context.scenario.cell(context.seat.cell)
    # the action menu and units this seat may use: what the exercise would accept from it
    data["actions"] = [
        {
            "id": a.id,
            "name": a.name,
            "description": a.description,
            "adjudication": a.adjudication is not None,
        }
        for a in context.scenario.actions
        if context.seat.cell_role in a.roles
    ]
    data["units"] = [
        {"id": f.id, "name": f.name, "type": f.type}
        for f in context.scenario.forces
        if cell.nation is not None and f.nation == cell.nation
    ]
    if context.seat.is_control:
        data["escalation"] = state.escalation
        data["escalation_ladder"] = [
            {"level": r.level, "name": r.name} for r in context.scenario.world.escalation
        ]
        data["world"] = dict(state.variables)
    return data


@api_router.post(
    "/exercises/{exercise_id}/commands",
    summary="Issue a command",
    responses={
        403: {"description": "the seat may not issue this command"},
        409: {"description": "another writer got in first: re-read and decide again"},
        422: {"description": 'rejected: `{"detail": reason}`, nothing changed'},
    },
)
def command(
    request: Request, context: Exercise, body: Annotated[CommandBody, Body()]
) -> dict[str, Any]:
    """Apply one command as the seat's cell; returns the new version and the event types."""
    refusal = _allowed(body, context.seat)
    if refusal is not None:
        raise HTTPException(403, refusal)
    command_id = None
    if body.command_id is not None:
        key = f"{context.exercise_id}\x00{context.principal.user.username}\x00{body.command_id}"
        command_id = "api:" + hashlib.sha256(key.encode()).hexdigest()
    try:
        events = context.service.handle(
            context.exercise_id, command_of(body), context.actor(), command_id
        )
    except ConcurrencyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except (CommandRejected, MarkingError, AccessDenied) as exc:
        raise HTTPException(422, str(exc)) from None
    except (StoreError, ScenarioError):
        raise
    except JointExError as exc:
        raise HTTPException(422, str(exc)) from None
    _appended(request, context.exercise_id, events)
    version = events[-1].version if events else context.service.state(context.exercise_id).version
    return {"version": version, "events": [e.type for e in events]}


# --- routes: what a seat reads ----------------------------------------------------------------


@api_router.get("/exercises/{exercise_id}/inbox", summary="Injects sent to the seat's cell")
def inbox(context: Exercise) -> dict[str, Any]:
    """Injects visible to the seat (every delivery for control), oldest first, with markings."""
    items = []
    markings = []
    acks = context.state.acknowledgements
    for delivery in visible_injects(context.state, context.reader):
        marking = _parsed(context.scenario, delivery.marking)
        if marking is None:  # visible_injects already fails closed; never render one anyway
            continue
        markings.append(marking)
        items.append(
            {
                "inject_id": delivery.inject_id,
                "minute": delivery.minute,
                "clock": _clock(delivery.minute),
                "to": list(delivery.to),
                "sender": delivery.sender,
                "channel": delivery.channel,
                "marking": marking.banner(),
                "portion_mark": marking.portion(),
                "title": delivery.title,
                "content": delivery.content,
                "expected_actions": list(delivery.expected_actions),
                "adhoc": delivery.adhoc,
                "acknowledged": (delivery.inject_id, context.seat.cell) in acks,
            }
        )
    return {"banner": _page_banner(context.scenario, markings), "items": items}


@api_router.get("/exercises/{exercise_id}/intel", summary="Search the seat's intelligence feed")
def intel(
    context: Exercise,
    q: Annotated[str, Query(max_length=500)] = "",
    kind: Annotated[str | None, Query(max_length=50)] = None,
    marking: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """`jointex.intel.search` of the seat's views: items, total, facets and filter options."""
    try:
        found = search(context.state, context.reader, q, kind=kind or None, marking=marking or None)
    except MarkingError as exc:
        raise HTTPException(422, f"marking filter: {exc}") from None
    options = filter_options(context.state, context.reader)
    return {
        "banner": _page_banner(context.scenario, (v.marking for v in found.items)),
        "items": [_product(v) for v in found.items],
        "total": found.total,
        "facets": {key: dict(value) for key, value in found.facets.items()},
        "filter_options": {"kinds": list(options.kinds), "markings": list(options.markings)},
    }


@api_router.get(
    "/exercises/{exercise_id}/intel/{product_id}",
    summary="One intelligence product as the seat may see it",
    responses={404: {"description": "no such product, or one the seat may not see"}},
)
def intel_product(
    request: Request, context: Exercise, product_id: Annotated[str, Path(max_length=200)]
) -> dict[str, Any]:
    """The seat's view of a product and its visible links; records the read for the audit."""
    try:
        seen = product_view(context.state, context.reader, product_id)
        links = relations(context.state, context.reader, product_id)
    except AccessDenied:
        # The same answer for a product that does not exist and one the seat may not see.
        raise HTTPException(404, "no such intel product") from None
    if context.state.status in ("running", "paused", "draft"):
        try:
            events = context.service.handle(
                context.exercise_id, ReadIntel(product_id), context.actor()
            )
        except CommandRejected:  # a lost race or a cell that may not record reads: still show
            events = []
        _appended(request, context.exercise_id, events)
    data = _product(seen)
    data["relations"] = {
        "derived_from": links.derived_from,
        "tearlines": list(links.tearlines),
        "related": list(links.related),
    }
    return data


@api_router.get("/exercises/{exercise_id}/timeline", summary="The seat's intelligence timeline")
def timeline(context: Exercise) -> dict[str, Any]:
    """`jointex.intel.history` entries, oldest first."""
    entries = history(context.state, context.reader)
    markings = [m for m in (_parsed(context.scenario, e.marking) for e in entries) if m]
    items = []
    for entry in entries:
        item = asdict(entry)
        item["to"] = list(entry.to)
        item["clock"] = _clock(entry.minute)
        items.append(item)
    return {"banner": _page_banner(context.scenario, markings), "items": items}


@api_router.get("/exercises/{exercise_id}/rfis", summary="RFIs the seat may see")
def rfis(context: Exercise) -> dict[str, Any]:
    """`jointex.intel.visible_rfis`: the seat's own (every cell's for control)."""
    shown = visible_rfis(context.state, context.reader)
    texts = [r.marking for r in shown] + [r.answer_marking for r in shown if r.answer_marking]
    markings = [m for m in (_parsed(context.scenario, t) for t in texts) if m]
    items = []
    for rfi in shown:
        item = asdict(rfi)
        item["clock"] = _clock(rfi.minute)
        items.append(item)
    return {"banner": _page_banner(context.scenario, markings), "items": items}


def _adjudication_data(context: _Context, adjudication_id: str) -> dict[str, Any]:
    record = context.state.adjudications[adjudication_id]
    opened, decided = record.opened, record.decided
    data: dict[str, Any] = {
        "adjudication_id": opened.adjudication_id,
        "action_id": opened.action_id,
        "open": decided is None,
        "decision": None if decided is None else decided.decision,
        "outcome": None if decided is None else decided.outcome,
        "rationale": None if decided is None else decided.rationale,
        "decided_by": None if decided is None else decided.by,
        "decided_minute": None if decided is None else decided.minute,
    }
    if context.seat.is_control:
        data |= {
            "model": opened.model,
            "inputs": dict(opened.inputs),
            "distribution": opened.distribution,
            "seed": opened.seed,
            "sample": opened.sample,
        }
    return data


@api_router.get("/exercises/{exercise_id}/actions", summary="Actions: control all, cells own")
def actions(context: Exercise) -> dict[str, Any]:
    """Actions the seat may see (control: all; others: their cell's), with decided outcomes."""
    by_action = {a.opened.action_id: k for k, a in context.state.adjudications.items()}
    items = []
    markings = []
    for action in context.state.actions:
        if not context.seat.is_control and action.cell != context.seat.cell:
            continue
        marking = _parsed(context.scenario, action.marking)
        if marking is None or not may_read(context.reader, marking):
            continue
        markings.append(marking)
        adjudication = None
        if action.action_id in by_action:
            found = _adjudication_data(context, by_action[action.action_id])
            if context.seat.is_control or not found["open"]:
                adjudication = found
        items.append(
            {
                "action_id": action.action_id,
                "cell": action.cell,
                "action": action.action,
                "units": list(action.units),
                "orders": action.orders,
                "text": action.text,
                "marking": marking.banner(),
                "portion_mark": marking.portion(),
                "minute": action.minute,
                "clock": _clock(action.minute),
                "adjudication": adjudication,
            }
        )
    return {"banner": _page_banner(context.scenario, markings), "items": items}


def _msel_status(status: str, has_trigger: bool, fallback_only: bool) -> str:
    if status == "delivered":
        return "sent"
    if status in ("expired", "cancelled"):
        return status
    return "waiting" if has_trigger or fallback_only else "due"


@api_router.get("/exercises/{exercise_id}/msel", summary="Every inject and its status (control)")
def msel(context: Exercise) -> dict[str, Any]:
    """Every inject (MSEL and ad hoc) the control seat may read, by (time, MSEL order)."""
    _require_control(context)
    items = []
    markings = []
    injects = sorted(context.state.injects.values(), key=lambda s: (s.time, s.order))
    for item in injects:
        inject = item.inject
        marking = _parsed(context.scenario, inject.marking)
        if marking is None or not may_read(context.reader, marking):
            continue
        markings.append(marking)
        trigger = inject.trigger
        items.append(
            {
                "inject_id": inject.id,
                "title": inject.title,
                "time": inject.time,
                "clock": _clock(inject.time),
                "original_time": item.original_time,
                "status": _msel_status(item.status, trigger is not None, item.fallback_only),
                "minute": item.minute,
                "to": list(inject.to),
                "channel": inject.channel,
                "marking": marking.banner(),
                "portion_mark": marking.portion(),
                "trigger": None
                if trigger is None
                else {
                    "when": trigger.when,
                    "wait_until": trigger.wait_until,
                    "wait_until_clock": None
                    if trigger.wait_until is None
                    else _clock(trigger.wait_until),
                },
                "fallback_only": item.fallback_only,
                "adhoc": item.adhoc,
                "edited": len(item.edits),
                "reason": item.reason,
            }
        )
    return {"banner": _page_banner(context.scenario, markings), "items": items}


@api_router.get(
    "/exercises/{exercise_id}/adjudications", summary="Open and decided adjudications (control)"
)
def adjudications(context: Exercise) -> dict[str, Any]:
    """Every adjudication of an action the control seat may read, with its distribution."""
    _require_control(context)
    marks = {a.action_id: a.marking for a in context.state.actions}
    items = []
    for adjudication_id, record in context.state.adjudications.items():
        banner = marks.get(record.opened.action_id)
        if banner is None or not may_read_banner(context.reader, banner):
            continue
        items.append(_adjudication_data(context, adjudication_id))
    return {
        "open": [i for i in items if i["open"]],
        "decided": [i for i in items if not i["open"]],
    }


@api_router.get(
    "/exercises/{exercise_id}/objectives",
    summary="Objectives and observations (observers, control)",
)
def objectives(context: Exercise) -> dict[str, Any]:
    """The scenario's objectives with their criteria, and the observations recorded."""
    if not (context.seat.is_control or context.seat.is_observer):
        raise HTTPException(403, "only observers and the control cell may see the objectives")
    return {
        "objectives": [
            {
                "id": o.id,
                "title": o.title,
                "cells": list(o.cells),
                "description": o.description,
                "criteria": [
                    {"id": c.id, "text": c.text, "measure": c.measure, "target": c.target}
                    for c in o.criteria
                ],
            }
            for o in context.scenario.objectives
        ],
        "observations": [
            {
                "observation_id": o.observation_id,
                "cell": o.cell,
                "objective": o.objective,
                "criterion": o.criterion,
                "rating": o.rating,
                "note": o.note,
                "minute": o.minute,
                "clock": _clock(o.minute),
            }
            for o in context.state.observations
        ],
    }


def _map_reader(context: _Context) -> Reader:
    """A nation's `Reader` for `jointex.cop` (which needs one).

    A cell without a nation reads what restricts nobody; a reader of any nation at the lowest
    level reads exactly that plus REL TO / NOFORN material of its stand-in nation, which the
    callers filter out again with `may_read`.
    """
    if isinstance(context.reader, Reader):
        return context.reader
    levels = levels_for(context.scenario)
    return Reader(context.scenario.nations[0].code, levels.lowest.name, context.seat.cell, levels)


def _geojson(content: dict[str, Any]) -> JSONResponse:
    return JSONResponse(content, media_type=GEOJSON_MEDIA_TYPE)


@api_router.get(
    "/exercises/{exercise_id}/map/geography.geojson",
    summary="The scenario's geography for the seat (GeoJSON)",
    response_class=JSONResponse,
)
def map_geography(context: Exercise) -> JSONResponse:
    """`jointex.cop.geography_geojson` for the seat (the seat may read the scenario)."""
    try:
        return _geojson(geography_geojson(context.scenario, _map_reader(context)))
    except AccessDenied as exc:
        raise HTTPException(403, str(exc)) from None


@api_router.get(
    "/exercises/{exercise_id}/map/tracks.geojson",
    summary="The seat's tracks (GeoJSON)",
    response_class=JSONResponse,
)
def map_tracks(context: Exercise) -> JSONResponse:
    """`jointex.cop.tracks_for` the seat's cell now, as `jointex.cop.tracks_geojson`."""
    reader = _map_reader(context)
    nation = context.scenario.cell(context.seat.cell).nation or ""
    # cop is the read path of the map: it takes the products and keeps what the reader may see.
    products = context.state.intel.values()
    tracks = tracks_for(context.scenario, reader, nation, products, context.state.minute)
    if not isinstance(context.reader, Reader):
        tracks = [t for t in tracks if may_read(context.reader, t.marking)]
    return _geojson(tracks_geojson(tracks, reader))


# --- routes: scenarios ----------------------------------------------------------------------


@api_router.get("/scenarios", summary="The built-in scenarios")
def scenarios(principal: User_) -> list[dict[str, Any]]:
    """Name, title, banner, duration and cells of each built-in the user may read."""
    shown = []
    reader = principal.user.reader
    for name in builtin_names():
        scenario = _builtin(name)
        marking = _parsed(scenario, scenario.marking)
        try:
            allowed = marking is not None and can_read(
                Reader(reader.nation, reader.clearance, levels=marking.levels), marking
            )
        except MarkingError:
            allowed = False
        if not allowed or marking is None:
            continue
        shown.append(
            {
                "name": name,
                "id": scenario.id,
                "title": scenario.title,
                "banner": marking.banner(),
                "duration": _clock(scenario.duration),
                "cells": [{"id": c.id, "name": c.name, "role": c.role} for c in scenario.cells],
            }
        )
    return shown


def seats_of(
    scenario: Scenario, exercise_id: str, principal: Principal, accounts: Accounts
) -> list[Seat]:
    """Every usable seat of the principal in an exercise (for pages' seat pickers)."""
    memberships = accounts.memberships(principal.user.username)
    return seats_in(scenario, exercise_id, principal.user, memberships)[0]
