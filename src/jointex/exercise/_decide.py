"""`decide`: a command from an actor, checked against the state, becomes events (or is rejected).

Pure: the wall time comes in through `DecideContext`, the scenario and seed through the state.
A rejected command raises `CommandRejected` saying why and produces nothing.

Permissions go by the actor's cell role (docs/exercise.md, "Who may do what"): the control cell
runs the exercise; blue and red cells submit the actions their role is listed for, RFIs and
acknowledgements; observers record observations.

The timeline. Advancing from t0 to t1 appends ``ClockAdvanced(t0, t1)`` and then steps through
every minute in (t0, t1] where something can happen (a phase starts, an inject is due, a trigger
expires). At each such minute: the phase in force is entered (``PhaseEntered``, and
``EscalationChanged`` when the phase sets a level), then injects are settled:

1. the first scheduled inject by (time, MSEL order) that is due (time <= minute) and either has
   no trigger or whose condition holds is delivered (``InjectDelivered`` with ``all`` expanded,
   then ``WorldStateChanged`` per ``set`` and ``EscalationChanged`` for ``escalate_to``, each
   caused by the inject); then settling starts again, so a delivery can release another;
2. when nothing more is delivered, the first trigger whose deadline ``max(time, wait_until)``
   has come expires (``InjectExpired``), and its otherwise branch follows: ``otherwise.inject``
   is delivered now if it is still scheduled and has no trigger of its own (an inject with its
   own trigger keeps to it), then ``otherwise.set`` is applied; settling starts again.

A trigger can therefore still fire at its ``wait_until`` minute, but not after; and its expiry
happens when the clock reaches that minute, before anyone can act at it.

Injects named by an ``otherwise.inject`` that have no trigger of their own are fallback-only
(`jointex.exercise.new_state`): they are never delivered on their own time. Every command that
can change world state or decisions (an action, a world-state edit, an ad hoc inject, ...) is
followed by the same settling at the current minute while the exercise runs or is paused, so a
decision can release a triggered inject at once. Deliveries released during a clock step have
no cause; those released by a command carry the command's cause.

World-state changes that would not change the value produce no event.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from pydantic import ValidationError

from jointex._errors import CommandRejected, JointExError, MarkingError
from jointex.exercise._adjudicate import Adjudicator
from jointex.exercise._commands import (
    Acknowledge,
    Actor,
    Advance,
    AnswerRfi,
    CancelInject,
    Command,
    CreateExercise,
    Decide,
    DelayInject,
    EditInject,
    End,
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
from jointex.exercise._events import (
    WALL_TIME,
    ActionSubmitted,
    AdjudicationDecided,
    AdjudicationOpened,
    Cause,
    ClockAdvanced,
    ClockModeChanged,
    ClockReason,
    EscalationChanged,
    ExerciseCreated,
    ExerciseEnded,
    ExerciseEvent,
    ExercisePaused,
    ExerciseResumed,
    ExerciseStarted,
    InjectAcknowledged,
    InjectCancelled,
    InjectDelayed,
    InjectDelivered,
    InjectEdited,
    InjectExpired,
    InjectScheduled,
    IntelPublished,
    IntelRead,
    IntelReleased,
    ObservationRecorded,
    PhaseEntered,
    RfiAnswered,
    RfiSubmitted,
    WorldStateChanged,
)
from jointex.exercise._state import ExerciseState, InjectState, apply
from jointex.intel import (
    derive_tearline,
    export_products,
    levels_for,
    may_read,
    prepare_publication,
    product_from_data,
    product_to_data,
    product_view,
    reader_for,
)
from jointex.markings import Portion, parse_marking
from jointex.scenario import (
    Cell,
    ConditionError,
    Inject,
    Phase,
    Scenario,
    Variable,
    compile_condition,
    format_offset,
    levels_of,
    parse_offset,
)
from jointex.store import NewEvent

__all__ = ["DecideContext", "decide", "execute"]

Value: TypeAlias = bool | int | float | str


@dataclass(frozen=True, slots=True)
class DecideContext:
    """What a decision needs besides the state and the command.

    The scenario and the exercise seed are the state's (``state.scenario``, ``state.seed``), so
    they cannot disagree with the stream.

    Attributes:
        wall_time: the wall time of the command, seconds since the epoch (into every event's
            ``meta``; real-time clocks anchor on it).
        adjudicator: runs the model for adjudicated actions; ``None`` opens adjudications with
            an empty distribution and no sample, for the white cell to decide by hand.
        command_id: the command's id, copied into every event's ``meta`` when given.
    """

    wall_time: float = 0.0
    adjudicator: Adjudicator | None = None
    command_id: str | None = None


def decide(
    state: ExerciseState, command: Command, actor: Actor, context: DecideContext | None = None
) -> list[NewEvent]:
    """Check a command against the state and return the events it produces.

    Args:
        state: the exercise's current state (its ``version`` is the expected version to append
            the events at).
        command: what is asked.
        actor: who asks, for which cell.
        context: wall time, adjudicator and command id.

    Returns:
        The events to append, in order (possibly none, e.g. setting a variable to its value).

    Raises:
        CommandRejected: the command is not allowed or not valid now; the message says why.
    """
    return execute(state, command, actor, context)[1]


def execute(
    state: ExerciseState, command: Command, actor: Actor, context: DecideContext | None = None
) -> tuple[ExerciseState, list[NewEvent]]:
    """`decide`, also returning the state after the events (what folding them would give).

    Args:
        state: the exercise's current state.
        command: what is asked.
        actor: who asks, for which cell.
        context: wall time, adjudicator and command id.

    Returns:
        The new state and the events to append.

    Raises:
        CommandRejected: the command is not allowed or not valid now; the message says why.
    """
    run = _Run(state, actor, context or DecideContext())
    cell = _actor_cell(state.scenario, actor)
    if isinstance(command, CreateExercise):
        _check_role(cell.id, cell.role, command)
        _create(run, command)
        return run.state, run.records
    if state.version == 0:
        raise CommandRejected("the exercise has not been created")
    if state.status == "ended":
        raise CommandRejected("exercise has ended")
    _check_role(cell.id, cell.role, command)
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise CommandRejected(f"{type(command).__name__} is not an exercise command")
    handler(run, command)
    if run.state.status in ("running", "paused"):
        run.settle(run.state.minute)
    return run.state, run.records


# --- the run: events emitted so far and the state after them ----------------------------------


class _Run:
    """One command's decision in progress: emits events and keeps the state after them."""

    def __init__(self, state: ExerciseState, actor: Actor, context: DecideContext) -> None:
        self.state = state
        self.actor = actor
        self.context = context
        self.records: list[NewEvent] = []
        self.cause: Cause | None = None
        meta: dict[str, Any] = {
            "actor": actor.user,
            "cell": actor.cell,
            WALL_TIME: context.wall_time,
        }
        if context.command_id is not None:
            meta["command_id"] = context.command_id
        self.meta = meta

    @property
    def scenario(self) -> Scenario:
        return self.state.scenario

    def emit(self, event: ExerciseEvent) -> None:
        self.records.append(NewEvent(event.TYPE, event.to_data(), dict(self.meta)))
        self.state = apply(self.state, event, self.context.wall_time)

    # -- world state --------------------------------------------------------------------------
    def set_variable(self, name: str, value: Value, cause: Cause) -> None:
        variables = self.state.variables
        if name not in variables:
            return  # the scenario's checks and the commands' own checks rule this out
        old = variables[name]
        if old == value and type(old) is type(value):
            return
        self.emit(WorldStateChanged(name, old, value, cause))

    def set_escalation(self, level: int, cause: Cause) -> None:
        if level != self.state.escalation:
            self.emit(EscalationChanged(self.state.escalation, level, cause))

    # -- the timeline -------------------------------------------------------------------------
    def advance(self, to: int, reason: ClockReason) -> None:
        start = self.state.minute
        self.emit(ClockAdvanced(start, to, reason))
        minute = start
        while (step := _next_minute(self.state, minute, to)) is not None:
            self.process(step)
            minute = step

    def process(self, minute: int) -> None:
        phase = _phase_in_force(self.scenario, minute)
        if phase is not None and phase.id != self.state.phase_id:
            self.emit(PhaseEntered(phase.id, minute))
            if phase.escalation is not None:
                self.set_escalation(phase.escalation, Cause("phase", phase.id))
        self.settle(minute)

    def settle(self, minute: int) -> None:
        while self._deliver_one(minute) or self._expire_one(minute):
            pass

    def _deliver_one(self, minute: int) -> bool:
        for waiting in self.state.scheduled():
            if waiting.time > minute:
                break
            if waiting.fallback_only:
                continue
            trigger = waiting.inject.trigger
            if trigger is None or self.state.holds(trigger.when):
                self.deliver(waiting, minute, self.cause)
                return True
        return False

    def _expire_one(self, minute: int) -> bool:
        due = [
            w
            for w in self.state.scheduled()
            if w.deadline is not None and w.deadline <= minute and not w.fallback_only
        ]
        if not due:
            return False
        first = min(due, key=lambda w: (w.deadline, w.order))
        self.expire(first, minute)
        return True

    def deliver(self, waiting: InjectState, minute: int, cause: Cause | None) -> None:
        inject = waiting.inject
        self.emit(
            InjectDelivered(
                inject_id=inject.id,
                minute=minute,
                to=_recipients(self.scenario, inject.to),
                channel=inject.channel,
                marking=_banner(self.scenario, inject.marking),
                title=inject.title,
                content=inject.content,
                expected_actions=inject.expected_actions,
                adhoc=waiting.adhoc,
                cause=cause,
                sender=inject.sender,
            )
        )
        because = Cause("inject", inject.id)
        for name, value in inject.set.items():
            self.set_variable(name, value, because)
        if inject.escalate_to is not None:
            self.set_escalation(inject.escalate_to, because)

    def expire(self, waiting: InjectState, minute: int) -> None:
        self.emit(InjectExpired(waiting.id, minute))
        otherwise = waiting.inject.otherwise
        if otherwise is None:
            return
        because = Cause("inject", waiting.id)
        if otherwise.inject is not None:
            fallback = self.state.injects.get(otherwise.inject)
            if (
                fallback is not None
                and fallback.status == "scheduled"
                and fallback.inject.trigger is None
            ):
                self.deliver(fallback, minute, because)
        for name, value in otherwise.set.items():
            self.set_variable(name, value, because)


def _next_minute(state: ExerciseState, after: int, upto: int) -> int | None:
    """The next minute in (after, upto] at which the timeline has something to do."""
    candidates = [p.start for p in state.scenario.phases if after < p.start <= upto]
    for waiting in state.injects.values():
        if waiting.status != "scheduled" or waiting.fallback_only:
            continue
        if after < waiting.time <= upto:
            candidates.append(waiting.time)
        deadline = waiting.deadline
        if deadline is not None and after < deadline <= upto:
            candidates.append(deadline)
    return min(candidates) if candidates else None


def _phase_in_force(scenario: Scenario, minute: int) -> Phase | None:
    current: Phase | None = None
    for phase in scenario.phases:
        if phase.start <= minute and (current is None or phase.start >= current.start):
            current = phase
    return current


def _recipients(scenario: Scenario, to: tuple[str, ...]) -> tuple[str, ...]:
    if "all" in to:
        return tuple(cell.id for cell in scenario.cells)
    return tuple(dict.fromkeys(to))


def _banner(scenario: Scenario, marking: str) -> str:
    """The marking in its canonical banner form (as given if it does not parse)."""
    try:
        return parse_marking(marking, levels_of(scenario)).banner()
    except MarkingError:
        return marking


def _marking(scenario: Scenario, marking: str) -> str:
    """A command's marking as a banner, or a rejection saying why it does not parse."""
    try:
        return parse_marking(marking, levels_of(scenario)).banner()
    except MarkingError as exc:
        raise CommandRejected(f"marking {marking!r} does not parse: {exc}") from None


# --- permissions ----------------------------------------------------------------------------

_CONTROL = frozenset({"control"})
_PLAYERS = frozenset({"blue", "red"})
_OBSERVERS = frozenset({"observer"})
_STAFF = _CONTROL | _PLAYERS
_WHO = {
    _CONTROL: "the control cell",
    _PLAYERS: "blue and red cells",
    _OBSERVERS: "observer cells",
    _STAFF: "the control, blue and red cells",
}

_PERMISSIONS: Mapping[type, tuple[frozenset[str], str]] = {
    CreateExercise: (_CONTROL, "create the exercise"),
    Start: (_CONTROL, "start the exercise"),
    Pause: (_CONTROL, "pause the exercise"),
    Resume: (_CONTROL, "resume the exercise"),
    Advance: (_CONTROL, "advance the clock"),
    Jump: (_CONTROL, "jump the clock"),
    SetClockMode: (_CONTROL, "set the clock mode"),
    SendInject: (_CONTROL, "send injects"),
    DelayInject: (_CONTROL, "delay injects"),
    EditInject: (_CONTROL, "edit injects"),
    CancelInject: (_CONTROL, "cancel injects"),
    SetWorld: (_CONTROL, "set world state"),
    AnswerRfi: (_CONTROL, "answer RFIs"),
    Decide: (_CONTROL, "decide adjudications"),
    End: (_CONTROL, "end the exercise"),
    SubmitRfi: (_PLAYERS, "submit RFIs"),
    Acknowledge: (_PLAYERS, "acknowledge injects"),
    RecordObservation: (_OBSERVERS, "record observations"),
    PublishIntel: (_STAFF, "publish intelligence"),
    ReleaseIntel: (_STAFF, "release intelligence"),
}


def _actor_cell(scenario: Scenario, actor: Actor) -> Cell:
    try:
        return scenario.cell(actor.cell)
    except KeyError:
        raise CommandRejected(f"no cell {actor.cell!r} in this exercise") from None


def _check_role(cell: str, role: str, command: Command) -> None:
    rule = _PERMISSIONS.get(type(command))
    if rule is None:
        return  # actions are checked against their menu entry's roles
    roles, verb = rule
    if role not in roles:
        raise CommandRejected(f"cell {cell!r} may not {verb}: only {_WHO[roles]} can")


# --- checks shared by several commands --------------------------------------------------------


def _time(value: int | str, what: str) -> int:
    if isinstance(value, bool):
        raise CommandRejected(f"{what}: {value!r} is not a time")
    if isinstance(value, int):
        return value
    try:
        return parse_offset(str(value))
    except ValueError as exc:
        raise CommandRejected(f"{what}: {exc}") from None


def _check_value(variable: Variable, value: Any) -> Value:
    """The value coerced to the variable's type, or a rejection saying what is wrong."""
    kind = variable.type
    name = variable.name
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and not math.isfinite(value):
            raise CommandRejected(f"{name} must be a finite number, not {value!r}")
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        raise CommandRejected(f"{name} is a {kind} variable: {value!r} is not a {kind}")
    if kind in ("int", "float"):
        if variable.min is not None and value < variable.min:
            raise CommandRejected(f"{name} must be at least {variable.min:g}, not {value!r}")
        if variable.max is not None and value > variable.max:
            raise CommandRejected(f"{name} must be at most {variable.max:g}, not {value!r}")
    checked: Value = value
    return checked


def _variable(scenario: Scenario, name: str) -> Variable:
    for variable in scenario.world.variables:
        if variable.name == name:
            return variable
    names = ", ".join(v.name for v in scenario.world.variables) or "none"
    raise CommandRejected(f"no world-state variable {name!r} (variables: {names})")


def _check_level(scenario: Scenario, level: Any) -> int:
    levels = sorted(rung.level for rung in scenario.world.escalation)
    if isinstance(level, bool) or not isinstance(level, int) or level not in levels:
        shown = ", ".join(str(x) for x in levels)
        raise CommandRejected(f"escalation {level!r} is not on the ladder (levels: {shown})")
    return level


def _check_inject(state: ExerciseState, inject: Inject) -> None:
    """The references of an ad hoc or edited inject: cells, marking, condition, variables."""
    scenario = state.scenario
    cells = {cell.id for cell in scenario.cells}
    for cell in inject.to:
        if cell != "all" and cell not in cells:
            raise CommandRejected(f"no cell {cell!r} in this exercise")
    banner = _marking(scenario, inject.marking)
    for cell in _recipients(scenario, inject.to):
        if cell in cells and not _cell_reads(scenario, cell, banner):
            raise CommandRejected(f"recipient cell {cell!r} may not read an inject marked {banner}")
    if inject.trigger is not None:
        try:
            condition = compile_condition(inject.trigger.when)
        except ConditionError as exc:
            raise CommandRejected(str(exc)) from None
        known = set(state.variables) | {"escalation"}
        unknown = sorted(condition.names - known)
        if unknown:
            raise CommandRejected(
                f"condition {inject.trigger.when!r} reads {', '.join(unknown)}, "
                "which is not a world-state variable"
            )
    changes = dict(inject.set)
    if inject.otherwise is not None:
        target = inject.otherwise.inject
        if target is not None and (target == inject.id or target not in state.injects):
            raise CommandRejected(f"otherwise names no other inject {target!r}")
        changes.update(inject.otherwise.set)
    for name, value in changes.items():
        _check_value(_variable(scenario, name), value)
    if inject.escalate_to is not None:
        _check_level(scenario, inject.escalate_to)


def _scheduled_inject(state: ExerciseState, inject_id: str) -> InjectState:
    waiting = state.injects.get(inject_id)
    if waiting is None:
        raise CommandRejected(f"no inject {inject_id!r}")
    if waiting.status != "scheduled":
        raise CommandRejected(f"inject {inject_id!r} is already {waiting.status}")
    return waiting


def _invalid(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _need_started(state: ExerciseState, what: str) -> None:
    if state.status == "draft":
        raise CommandRejected(f"exercise has not started: {what} once it has")


# --- handlers ---------------------------------------------------------------------------------


def _create(run: _Run, command: CreateExercise) -> None:
    state = run.state
    if state.version != 0:
        raise CommandRejected(f"exercise {state.exercise_id!r} already exists")
    if not command.exercise_id.strip():
        raise CommandRejected("an exercise needs an id")
    seed = command.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CommandRejected(f"the seed must be a whole number >= 0, not {seed!r}")
    run.emit(
        ExerciseCreated(
            exercise_id=command.exercise_id,
            name=command.name or state.scenario.title,
            scenario=state.scenario.model_dump(mode="json"),
            seed=seed,
            created_by=run.actor.user,
        )
    )


def _start(run: _Run, command: Start) -> None:
    if run.state.status != "draft":
        raise CommandRejected(f"exercise has already started (it is {run.state.status})")
    run.emit(ExerciseStarted(run.state.minute))
    run.process(run.state.minute)


def _pause(run: _Run, command: Pause) -> None:
    if run.state.status != "running":
        raise CommandRejected(f"exercise is not running (it is {run.state.status})")
    run.emit(ExercisePaused(run.state.minute))


def _resume(run: _Run, command: Resume) -> None:
    if run.state.status != "paused":
        raise CommandRejected(f"exercise is not paused (it is {run.state.status})")
    run.emit(ExerciseResumed(run.state.minute))


def _end(run: _Run, command: End) -> None:
    run.emit(ExerciseEnded(run.state.minute, command.reason))


def _check_can_advance(state: ExerciseState) -> None:
    if state.status == "draft":
        raise CommandRejected("exercise has not started: start it before advancing the clock")
    if state.status == "paused":
        raise CommandRejected("exercise is paused: resume it before advancing the clock")
    end = state.scenario.duration
    if state.minute >= end:
        raise CommandRejected(
            f"the clock is at the end of the scenario ({format_offset(end)}): end the exercise"
        )


def _target(state: ExerciseState, to: int | str, clamp: bool) -> int:
    target = _time(to, "advance to")
    end = state.scenario.duration
    if target <= state.minute:
        raise CommandRejected(
            f"the clock never runs backwards: it is at {format_offset(state.minute)}, "
            f"asked for {format_offset(target)}"
        )
    if target > end:
        if clamp:
            return end
        raise CommandRejected(
            f"{format_offset(target)} is after the end of the scenario ({format_offset(end)})"
        )
    return target


def _advance(run: _Run, command: Advance) -> None:
    state = run.state
    _check_can_advance(state)
    if command.minutes is not None and command.to is not None:
        raise CommandRejected("advance by minutes or to a time, not both")
    if command.to is not None:
        target = _target(state, command.to, clamp=command.reason == "realtime")
        reason: ClockReason = command.reason or "to"
    else:
        step = state.scenario.move_minutes if command.minutes is None else command.minutes
        if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
            raise CommandRejected(f"advance by a positive whole number of minutes, not {step!r}")
        target = min(state.minute + step, state.scenario.duration)
        reason = command.reason or "move"
    run.advance(target, reason)


def _jump(run: _Run, command: Jump) -> None:
    _check_can_advance(run.state)
    run.advance(_target(run.state, command.to, clamp=False), "jump")


def _set_clock_mode(run: _Run, command: SetClockMode) -> None:
    if command.mode not in ("turn", "realtime", "mixed"):
        raise CommandRejected(f"clock mode {command.mode!r} is not one of turn, realtime, mixed")
    speed = command.speed
    if (
        isinstance(speed, bool)
        or not isinstance(speed, int | float)
        or not math.isfinite(speed)
        or speed <= 0
    ):
        raise CommandRejected(f"clock speed must be a positive number, not {speed!r}")
    run.emit(ClockModeChanged(command.mode, float(speed)))


def _send_inject(run: _Run, command: SendInject) -> None:
    state = run.state
    raw = dict(command.inject)
    if "id" not in raw:
        number = 1 + sum(1 for w in state.injects.values() if w.adhoc)
        while f"ADHOC-{number}" in state.injects:
            number += 1
        raw["id"] = f"ADHOC-{number}"
    raw.setdefault("time", state.minute)
    try:
        inject = Inject.model_validate(raw)
    except ValidationError as exc:
        raise CommandRejected(f"the inject is not valid: {_invalid(exc)}") from None
    if inject.id in state.injects:
        raise CommandRejected(f"inject {inject.id!r} already exists")
    _check_inject(state, inject)
    run.emit(InjectScheduled(inject.model_dump(mode="json"), run.actor.user))
    run.cause = Cause("white", run.actor.user)


def _delay_inject(run: _Run, command: DelayInject) -> None:
    state = run.state
    waiting = _scheduled_inject(state, command.inject_id)
    time = _time(command.time, f"delay inject {command.inject_id!r}")
    if time < state.minute:
        raise CommandRejected(
            f"cannot move inject {command.inject_id!r} to {format_offset(time)}: "
            f"the clock is already at {format_offset(state.minute)}"
        )
    if time == waiting.time:
        raise CommandRejected(
            f"inject {command.inject_id!r} is already due at {format_offset(time)}"
        )
    run.emit(InjectDelayed(command.inject_id, time))
    run.cause = Cause("white", run.actor.user)


def _edit_inject(run: _Run, command: EditInject) -> None:
    state = run.state
    waiting = _scheduled_inject(state, command.inject_id)
    changes = dict(command.changes)
    if not changes:
        raise CommandRejected(f"no changes to inject {command.inject_id!r}")
    if "id" in changes:
        raise CommandRejected("an inject's id cannot change")
    current = waiting.inject.model_dump(mode="json")
    try:
        edited = Inject.model_validate({**current, **changes})
    except ValidationError as exc:
        raise CommandRejected(f"the edited inject is not valid: {_invalid(exc)}") from None
    if "time" in changes and edited.time < state.minute:
        raise CommandRejected(
            f"cannot move inject {command.inject_id!r} to {format_offset(edited.time)}: "
            f"the clock is already at {format_offset(state.minute)}"
        )
    _check_inject(state, edited)
    dumped = edited.model_dump(mode="json")
    run.emit(InjectEdited(command.inject_id, {key: dumped[key] for key in changes}))
    run.cause = Cause("white", run.actor.user)


def _cancel_inject(run: _Run, command: CancelInject) -> None:
    _scheduled_inject(run.state, command.inject_id)
    run.emit(InjectCancelled(command.inject_id, command.reason))


def _set_world(run: _Run, command: SetWorld) -> None:
    cause = Cause("white", run.actor.user)
    run.cause = cause
    if command.variable == "escalation":
        run.set_escalation(_check_level(run.scenario, command.value), cause)
        return
    variable = _variable(run.scenario, command.variable)
    run.set_variable(variable.name, _check_value(variable, command.value), cause)


def _adjudication_seed(seed: int, adjudication_id: str) -> int:
    """A seed per adjudication, independent of the others and fixed by the exercise seed."""
    digest = hashlib.sha256(f"{seed}/{adjudication_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _submit_action(run: _Run, command: SubmitAction) -> None:
    state = run.state
    scenario = run.scenario
    cell = scenario.cell(run.actor.cell)
    _need_started(state, "submit actions")
    entry = next((a for a in scenario.actions if a.id == command.action), None)
    if entry is None:
        menu = ", ".join(a.id for a in scenario.actions) or "none"
        raise CommandRejected(f"no action {command.action!r} in the action menu ({menu})")
    if cell.role not in entry.roles:
        roles = " and ".join(entry.roles)
        raise CommandRejected(f"action {entry.id!r} is for {roles} cells, not {cell.role}")
    forces = {force.id for force in scenario.forces}
    for unit in command.units:
        if unit not in forces:
            raise CommandRejected(f"no unit {unit!r} in this exercise")
    marking = _marking(scenario, command.marking)
    if command.bot_rule is not None:
        rule_index = command.bot_rule
        if not 0 <= rule_index < len(cell.bot) or cell.bot[rule_index].action != entry.id:
            raise CommandRejected(
                f"cell {cell.id!r} has no bot rule {rule_index} for action {entry.id!r}"
            )
        if (cell.id, rule_index) in state.bot_rules_fired:
            raise CommandRejected(f"bot rule {rule_index} of cell {cell.id!r} has already fired")
    action_id = f"ACT-{len(state.actions) + 1}"
    submitted = ActionSubmitted(
        action_id=action_id,
        cell=cell.id,
        action=entry.id,
        units=tuple(command.units),
        orders=command.orders,
        text=command.text,
        marking=marking,
        minute=state.minute,
        bot_rule=command.bot_rule,
    )
    run.emit(submitted)
    cause = Cause("action", action_id)
    run.cause = cause
    for name, value in entry.set.items():
        run.set_variable(name, value, cause)
    if entry.adjudication is not None:
        _open_adjudication(run, submitted, entry.adjudication.model, entry.adjudication.parameters)


def _open_adjudication(
    run: _Run, submitted: ActionSubmitted, model: str, parameters: Mapping[str, float]
) -> None:
    state = run.state
    adjudication_id = f"A-{len(state.adjudications) + 1}"
    seed = _adjudication_seed(state.seed, adjudication_id)
    opened = AdjudicationOpened(
        adjudication_id=adjudication_id,
        action_id=submitted.action_id,
        model=model,
        inputs={"parameters": dict(parameters)},
        distribution={},
        seed=seed,
        sample=None,
    )
    adjudicator = run.context.adjudicator
    if adjudicator is not None:
        try:
            result = adjudicator.adjudicate(
                state.scenario, submitted.to_data(), state.world(), seed
            )
        except JointExError as exc:
            # A model that cannot run must not stop play: the white cell decides by hand.
            inputs = {"parameters": dict(parameters), "error": str(exc)}
            opened = dataclasses.replace(opened, inputs=inputs)
        else:
            opened = AdjudicationOpened(
                adjudication_id=adjudication_id,
                action_id=submitted.action_id,
                model=result.model,
                inputs=dict(result.inputs),
                distribution=result.distribution,
                seed=result.seed,
                sample=result.sample,
            )
    run.emit(opened)


def _submit_rfi(run: _Run, command: SubmitRfi) -> None:
    state = run.state
    _need_started(state, "submit RFIs")
    if not command.question.strip():
        raise CommandRejected("an RFI needs a question")
    marking = _marking(run.scenario, command.marking)
    if not _cell_reads(run.scenario, run.actor.cell, marking):
        raise CommandRejected(f"cell {run.actor.cell} may not write an RFI marked {marking}")
    rfi_id = f"RFI-{len(state.rfis) + 1}"
    run.emit(RfiSubmitted(rfi_id, run.actor.cell, command.question, marking, state.minute))


def _answer_rfi(run: _Run, command: AnswerRfi) -> None:
    state = run.state
    rfi = state.rfis.get(command.rfi_id)
    if rfi is None:
        raise CommandRejected(f"no RFI {command.rfi_id!r}")
    if rfi.answer is not None:
        raise CommandRejected(f"{command.rfi_id} is already answered")
    if not command.answer.strip():
        raise CommandRejected("an answer needs text")
    marking = _marking(run.scenario, command.marking)
    asker = rfi.submitted.cell
    if not _cell_reads(run.scenario, asker, marking):
        # The answer goes to the asking cell: it must be able to read it, or it must not exist.
        raise CommandRejected(f"cell {asker} may not read an answer marked {marking}")
    run.emit(RfiAnswered(command.rfi_id, command.answer, marking, run.actor.user, state.minute))


def _acknowledge(run: _Run, command: Acknowledge) -> None:
    state = run.state
    cell = run.actor.cell
    if command.inject_id not in state.injects:
        raise CommandRejected(f"no inject {command.inject_id!r}")
    if not any(d.inject_id == command.inject_id and cell in d.to for d in state.deliveries):
        raise CommandRejected(f"inject {command.inject_id!r} was not sent to cell {cell!r}")
    if (command.inject_id, cell) in state.acknowledgements:
        raise CommandRejected(f"cell {cell!r} has already acknowledged {command.inject_id!r}")
    run.emit(InjectAcknowledged(command.inject_id, cell, state.minute))


def _decide_adjudication(run: _Run, command: Decide) -> None:
    state = run.state
    record = state.adjudications.get(command.adjudication_id)
    if record is None:
        raise CommandRejected(f"no adjudication {command.adjudication_id!r}")
    if not record.is_open:
        raise CommandRejected(f"adjudication {command.adjudication_id} is already decided")
    outcome = command.outcome
    if command.decision == "overridden":
        if not command.rationale.strip():
            raise CommandRejected("an override needs a rationale")
        if outcome is None:
            raise CommandRejected("an override needs an outcome")
    elif command.decision == "accepted":
        sample = record.opened.sample
        if outcome is None:
            outcome = sample
        elif outcome != sample:
            raise CommandRejected(
                "accepting keeps the sampled outcome: to change it, override with a rationale"
            )
    else:
        raise CommandRejected(f"decision {command.decision!r} is not one of accepted, overridden")
    run.emit(
        AdjudicationDecided(
            adjudication_id=command.adjudication_id,
            decision=command.decision,
            outcome=outcome,
            rationale=command.rationale,
            by=run.actor.user,
            minute=state.minute,
        )
    )


def _record_observation(run: _Run, command: RecordObservation) -> None:
    state = run.state
    objective = next((o for o in run.scenario.objectives if o.id == command.objective), None)
    if objective is None:
        raise CommandRejected(f"no objective {command.objective!r}")
    if all(c.id != command.criterion for c in objective.criteria):
        raise CommandRejected(f"objective {objective.id!r} has no criterion {command.criterion!r}")
    rating = command.rating
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5
    ):
        raise CommandRejected(f"a rating is a whole number from 1 to 5, not {rating!r}")
    run.emit(
        ObservationRecorded(
            observation_id=f"OBS-{len(state.observations) + 1}",
            cell=run.actor.cell,
            objective=objective.id,
            criterion=command.criterion,
            rating=rating,
            note=command.note,
            minute=state.minute,
        )
    )


def _cell_reads(scenario: Scenario, cell: str, banner: str) -> bool:
    """Whether a cell may read a canonical banner (see `jointex.intel.reader_for`)."""
    return may_read(reader_for(scenario, cell), parse_marking(banner, levels_for(scenario)))


def _intel_id(state: ExerciseState) -> str:
    number = len(state.intel) + 1
    while f"INT-{number}" in state.intel:
        number += 1
    return f"INT-{number}"


def _publish_intel(run: _Run, command: PublishIntel) -> None:
    state = run.state
    scenario = run.scenario
    _need_started(state, "publish intelligence")
    cell = scenario.cell(run.actor.cell)
    if cell.nation is None:
        raise CommandRejected(f"cell {cell.id!r} has no nation, so it cannot own intelligence")
    raw = dict(command.product)
    for key in ("id", "originator", "minute"):
        if key in raw:
            raise CommandRejected(f"the product's {key} is assigned: leave {key!r} out")
    for key in ("derived_from", "released_to"):
        if raw.get(key):
            raise CommandRejected(f"only a release makes a tearline: leave {key!r} out")
    owner = raw.setdefault("owner", cell.nation)
    if not isinstance(owner, str) or owner.strip().upper() != cell.nation:
        raise CommandRejected(
            f"cell {cell.id!r} may publish only products owned by {cell.nation}, not {owner!r}"
        )
    raw.update(id=_intel_id(state), originator=cell.id, minute=state.minute)
    reader = reader_for(scenario, cell.id)
    try:
        written = product_from_data(raw, levels_for(scenario))
    except JointExError as exc:
        raise CommandRejected(f"the product is not valid: {exc}") from None
    try:
        product = prepare_publication(written, reader)
    except JointExError as exc:
        raise CommandRejected(str(exc)) from None
    visible = {seen.id for seen in export_products(state, reader)}
    for related in product.related:
        if related not in visible:
            raise CommandRejected(f"no intel product {related!r}")
    run.emit(IntelPublished(product_to_data(product)))


def _release_intel(run: _Run, command: ReleaseIntel) -> None:
    state = run.state
    scenario = run.scenario
    _need_started(state, "release intelligence")
    cell = scenario.cell(run.actor.cell)
    reader = reader_for(scenario, cell.id)
    try:
        product_view(state, reader, command.product_id)
    except JointExError as exc:
        raise CommandRejected(str(exc)) from None
    original = state.intel[command.product_id]
    if cell.role != "control" and cell.nation != original.owner:
        raise CommandRejected(
            f"cell {cell.id!r} may not release {original.id}: only cells of {original.owner} "
            "and the control cell can"
        )
    if isinstance(command.to, str) or isinstance(command.portions, str):
        raise CommandRejected("list the recipient nations and the portions, not a single string")
    nations = tuple(str(code).strip().upper() for code in command.to)
    known = {nation.code for nation in scenario.nations}
    for nation in nations:
        if nation not in known:
            raise CommandRejected(f"nation {nation!r} is not in this exercise")
    title: Portion | None = None
    if command.title is not None:
        if not command.title.strip():
            raise CommandRejected("a title needs text")
        banner = _marking(scenario, command.title_marking)
        title = Portion(parse_marking(banner, levels_for(scenario)), command.title)
    try:
        tearline = derive_tearline(
            original,
            product_id=_intel_id(state),
            to=nations,
            minute=state.minute,
            originator=cell.id,
            releaser=reader,
            portions=command.portions,
            title=title,
            with_location=command.with_location,
        )
    except JointExError as exc:
        raise CommandRejected(str(exc)) from None
    run.emit(IntelReleased(original.id, product_to_data(tearline), run.actor.user))


def _read_intel(run: _Run, command: ReadIntel) -> None:
    state = run.state
    cell = run.actor.cell
    try:
        product_view(state, reader_for(run.scenario, cell), command.product_id)
    except JointExError as exc:
        raise CommandRejected(str(exc)) from None
    run.emit(IntelRead(command.product_id, cell, run.actor.user, state.minute))


_HANDLERS: Mapping[type, Callable[[_Run, Any], None]] = {
    Start: _start,
    Pause: _pause,
    Resume: _resume,
    End: _end,
    Advance: _advance,
    Jump: _jump,
    SetClockMode: _set_clock_mode,
    SendInject: _send_inject,
    DelayInject: _delay_inject,
    EditInject: _edit_inject,
    CancelInject: _cancel_inject,
    SetWorld: _set_world,
    SubmitAction: _submit_action,
    SubmitRfi: _submit_rfi,
    AnswerRfi: _answer_rfi,
    Acknowledge: _acknowledge,
    Decide: _decide_adjudication,
    RecordObservation: _record_observation,
    PublishIntel: _publish_intel,
    ReleaseIntel: _release_intel,
    ReadIntel: _read_intel,
}
