"""`ExerciseState`, the frozen state of one exercise, and the pure fold that builds it from events.

``fold(scenario, events)`` replays a stream from the beginning; ``apply(state, event)`` takes one
more step. Both are pure. Updates are copy-on-write per collection: applying an event copies only
the collections it changes, and a fold copies each collection at most once for the whole stream,
so folding N events costs O(N).

Records in the state reuse the events that made them (a delivery *is* its `InjectDelivered`, an
action its `ActionSubmitted`), so what the state shows is exactly what the log says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

from jointex._errors import JointExError, StoreError
from jointex.exercise._events import (
    WALL_TIME,
    ActionSubmitted,
    AdjudicationDecided,
    AdjudicationOpened,
    ClockAdvanced,
    ClockModeChanged,
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
    parse_event,
)
from jointex.intel import IntelProduct, levels_for, product_from_data
from jointex.scenario import Condition, Inject, Scenario, compile_condition
from jointex.store import Event, NewEvent

__all__ = [
    "AdjudicationRecord",
    "ExerciseState",
    "InjectState",
    "RfiRecord",
    "apply",
    "fold",
    "fold_until",
    "new_state",
    "start_minute",
]

Scalar: TypeAlias = bool | int | float | str
Status: TypeAlias = Literal["draft", "running", "paused", "ended"]
InjectStatus: TypeAlias = Literal["scheduled", "delivered", "expired", "cancelled"]
Record: TypeAlias = Event | NewEvent | ExerciseEvent

_EMPTY: Mapping[Any, Any] = MappingProxyType({})


@lru_cache(maxsize=2048)
def _compiled(source: str) -> Condition:
    # Conditions are evaluated after every change; parsing each time would dominate a run.
    return compile_condition(source)


@dataclass(frozen=True, slots=True)
class InjectState:
    """One inject of the exercise (from the MSEL or sent ad hoc) and where it stands.

    Attributes:
        inject: the inject as it is now, edits and delays applied.
        order: its MSEL position (ad hoc injects follow the MSEL, in the order sent); ties at
            the same minute are broken by it.
        status: ``scheduled`` (not yet delivered), ``delivered``, ``expired`` (its trigger never
            held by ``wait_until``) or ``cancelled``.
        adhoc: sent by the white cell during the exercise.
        fallback_only: named by some inject's ``otherwise.inject`` and without a trigger of its
            own: delivered only when that branch is taken, never on its own time.
        original_time: its time before any delay or edit.
        edits: the ``changes`` of each `InjectEdited`, in order.
        minute: when it was delivered, expired or cancelled (``None`` while scheduled).
        reason: why it was cancelled.
    """

    inject: Inject
    order: int
    status: InjectStatus = "scheduled"
    adhoc: bool = False
    fallback_only: bool = False
    original_time: int = 0
    edits: tuple[Mapping[str, Any], ...] = ()
    minute: int | None = None
    reason: str = ""

    @property
    def id(self) -> str:
        """The inject's id."""
        return self.inject.id

    @property
    def time(self) -> int:
        """When it is due (minutes after D-day H-hour)."""
        return self.inject.time

    @property
    def deadline(self) -> int | None:
        """When an unmet trigger expires: ``max(time, wait_until)``; ``None`` if it never does."""
        trigger = self.inject.trigger
        if trigger is None or trigger.wait_until is None:
            return None
        return max(self.inject.time, trigger.wait_until)


@dataclass(frozen=True, slots=True)
class RfiRecord:
    """A request for information and, once given, its answer."""

    submitted: RfiSubmitted
    answer: RfiAnswered | None = None


@dataclass(frozen=True, slots=True)
class AdjudicationRecord:
    """An adjudication as opened and, once decided, the decision."""

    opened: AdjudicationOpened
    decided: AdjudicationDecided | None = None

    @property
    def is_open(self) -> bool:
        """Whether the white cell has yet to decide it."""
        return self.decided is None


@dataclass(frozen=True, slots=True)
class ExerciseState:
    """The state of one exercise after some events. Immutable; build it with `fold`/`apply`.

    Attributes:
        scenario: the exercise's scenario (not compared: two states of one exercise share it).
        start_minute: the minute play starts at: D+0 H+00:00, or earlier when an inject or phase
            is set before it.
        exercise_id: the exercise (stream) id; empty before `ExerciseCreated`.
        name: the exercise's name.
        seed: the exercise seed; adjudication seeds derive from it.
        created_by: the user who created it.
        status: ``draft`` (created, not started), ``running``, ``paused`` or ``ended``.
        minute: scenario time, minutes after D-day H-hour.
        clock_mode: ``turn``, ``realtime`` or ``mixed``.
        clock_speed: scenario seconds per wall second in real time (60 = a minute a second).
        clock_anchor_wall: the wall time (seconds) at which ``minute`` was last set, for
            real-time mode; ``None`` when events carried no wall time.
        move_started: the minute the current move began: where the start, the last clock mode
            change or the last clock step by the control cell (not a real-time tick) left it.
        escalation: the escalation level.
        variables: world-state variables by name (read-only).
        phase_id: the phase in force (``None`` before the first phase starts).
        injects: every inject by id (read-only), MSEL and ad hoc.
        deliveries: every delivery in order.
        acknowledgements: ``(inject id, cell)`` -> minute acknowledged.
        actions: every action submitted, in order.
        decisions: ``(cell, action)`` pairs submitted so far (what ``decided()`` asks).
        bot_rules_fired: ``(cell, rule index)`` of bot rules that have fired.
        rfis: RFIs by id.
        adjudications: adjudications by id.
        observations: every observation recorded, in order.
        intel: every intelligence product by id (originals and tearlines), in publication order;
            read it only through the `jointex.intel` read paths, which apply the markings.
        intel_reads: every audited read of a product, in order.
        end_reason: why the exercise ended.
        version: the number of events folded (the stream version to append after).
    """

    scenario: Scenario = field(compare=False, repr=False)
    start_minute: int = 0
    exercise_id: str = ""
    name: str = ""
    seed: int = 0
    created_by: str = ""
    status: Status = "draft"
    minute: int = 0
    clock_mode: Literal["turn", "realtime", "mixed"] = "turn"
    clock_speed: float = 1.0
    clock_anchor_wall: float | None = None
    move_started: int = 0
    escalation: int = 0
    variables: Mapping[str, Scalar] = field(default_factory=lambda: _EMPTY)
    phase_id: str | None = None
    injects: Mapping[str, InjectState] = field(default_factory=lambda: _EMPTY)
    deliveries: tuple[InjectDelivered, ...] = ()
    acknowledgements: Mapping[tuple[str, str], int] = field(default_factory=lambda: _EMPTY)
    actions: tuple[ActionSubmitted, ...] = ()
    decisions: frozenset[tuple[str, str]] = frozenset()
    bot_rules_fired: frozenset[tuple[str, int]] = frozenset()
    rfis: Mapping[str, RfiRecord] = field(default_factory=lambda: _EMPTY)
    adjudications: Mapping[str, AdjudicationRecord] = field(default_factory=lambda: _EMPTY)
    observations: tuple[ObservationRecorded, ...] = ()
    intel: Mapping[str, IntelProduct] = field(default_factory=lambda: _EMPTY)
    intel_reads: tuple[IntelRead, ...] = ()
    end_reason: str | None = None
    version: int = 0

    def decided(self, cell: str, action: str) -> bool:
        """Whether the cell has submitted an action of this type (a condition's ``decided``)."""
        return (cell, action) in self.decisions

    def world(self) -> dict[str, Any]:
        """The names a condition reads: every variable and ``escalation``."""
        values: dict[str, Any] = dict(self.variables)
        values["escalation"] = self.escalation
        return values

    def holds(self, condition: str) -> bool:
        """Whether a condition (e.g. ``escalation >= 2 and not strait_closed``) holds now.

        Raises:
            ConditionError: the condition does not parse or reads a name that has no value.
        """
        return _compiled(condition).evaluate(self.world(), self.decided)

    def inbox(self, cell: str) -> tuple[InjectDelivered, ...]:
        """The deliveries a cell received, oldest first."""
        return tuple(d for d in self.deliveries if cell in d.to)

    def scheduled(self) -> list[InjectState]:
        """Injects not yet delivered, expired or cancelled, by (time, MSEL order)."""
        waiting = [s for s in self.injects.values() if s.status == "scheduled"]
        waiting.sort(key=lambda s: (s.time, s.order))
        return waiting

    def open_adjudications(self) -> tuple[AdjudicationRecord, ...]:
        """Adjudications the white cell has yet to decide, in the order opened."""
        return tuple(a for a in self.adjudications.values() if a.is_open)

    @property
    def started(self) -> bool:
        """Whether play has begun (running, paused or ended after starting)."""
        return self.status in ("running", "paused")


def start_minute(scenario: Scenario) -> int:
    """The minute play starts at: 0, or the earliest inject or phase when one is earlier.

    Args:
        scenario: the exercise's scenario.

    Returns:
        Minutes after D-day H-hour (0 or negative).
    """
    times = [0, *(i.time for i in scenario.msel), *(p.start for p in scenario.phases)]
    return min(times)


def new_state(scenario: Scenario) -> ExerciseState:
    """The state before the first event: the scenario's initial world and its MSEL, all scheduled.

    An MSEL inject named by another's ``otherwise.inject`` that has no trigger of its own is
    *fallback-only*: it is delivered when that otherwise branch is taken and never on its own
    time. One that has its own trigger keeps its own schedule (the branch adds nothing then),
    which is how a scenario writes "B instead of A, if B's condition holds".

    Args:
        scenario: the exercise's scenario.

    Returns:
        Version 0, status ``draft``, clock at `start_minute`.
    """
    fallbacks = {
        i.otherwise.inject for i in scenario.msel if i.otherwise and i.otherwise.inject is not None
    }
    injects = {
        inject.id: InjectState(
            inject=inject,
            order=order,
            fallback_only=inject.id in fallbacks and inject.trigger is None,
            original_time=inject.time,
        )
        for order, inject in enumerate(scenario.msel)
    }
    first = start_minute(scenario)
    return ExerciseState(
        scenario=scenario,
        start_minute=first,
        minute=first,
        move_started=first,
        escalation=scenario.world.initial_escalation,
        variables=MappingProxyType({v.name: v.initial for v in scenario.world.variables}),
        injects=MappingProxyType(injects),
    )


# Collections of the state by how a draft copies and re-freezes them.
_MAPPINGS = ("variables", "injects", "acknowledgements", "rfis", "adjudications", "intel")
_SEQUENCES = ("deliveries", "actions", "observations", "intel_reads")
_SETS = ("decisions", "bot_rules_fired")


class _Draft:
    """A state being changed: collections are copied on their first write, frozen at the end."""

    __slots__ = ("base", "changes", "mutable")

    def __init__(self, base: ExerciseState) -> None:
        self.base = base
        self.changes: dict[str, Any] = {}
        self.mutable: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name in self.mutable:
            return self.mutable[name]
        if name in self.changes:
            return self.changes[name]
        return getattr(self.base, name)

    def set(self, **values: Any) -> None:
        self.changes.update(values)

    def mut(self, name: str) -> Any:
        """The collection as a private mutable copy (made on first use)."""
        if name not in self.mutable:
            current = getattr(self.base, name)
            if name in _MAPPINGS:
                self.mutable[name] = dict(current)
            elif name in _SEQUENCES:
                self.mutable[name] = list(current)
            else:
                self.mutable[name] = set(current)
        return self.mutable[name]

    def freeze(self) -> ExerciseState:
        values = dict(self.changes)
        for name, collection in self.mutable.items():
            if name in _MAPPINGS:
                values[name] = MappingProxyType(collection)
            elif name in _SEQUENCES:
                values[name] = tuple(collection)
            else:
                values[name] = frozenset(collection)
        # The draft hands its collections to the new state and must not be used again.
        self.mutable = {}
        return dataclasses.replace(self.base, **values)

    def update_inject(self, inject_id: str, **values: Any) -> None:
        injects = self.mut("injects")
        current = injects.get(inject_id)
        if current is not None:
            injects[inject_id] = dataclasses.replace(current, **values)

    def apply(self, event: ExerciseEvent, wall: float | None) -> None:
        handler = _HANDLERS[type(event)]
        handler(self, event, wall)
        self.changes["version"] = self.get("version") + 1


def _created(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(exercise_id=e.exercise_id, name=e.name, seed=e.seed, created_by=e.created_by)


def _started(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(status="running", minute=e.minute, clock_anchor_wall=wall, move_started=e.minute)


def _resumed(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(status="running", minute=e.minute, clock_anchor_wall=wall)


def _paused(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(status="paused", minute=e.minute)


def _ended(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(status="ended", minute=e.minute, end_reason=e.reason)


def _clock_advanced(d: _Draft, e: Any, wall: float | None) -> None:
    anchor = d.get("clock_anchor_wall")
    if e.reason == "realtime" and anchor is not None:
        # Move the anchor by exactly the time the step stands for, so rounding to whole
        # minutes never makes a real-time clock drift behind the wall clock.
        anchor = anchor + (e.to_minute - e.from_minute) * 60.0 / d.get("clock_speed")
    else:
        anchor = wall
        d.set(move_started=e.to_minute)
    d.set(minute=e.to_minute, clock_anchor_wall=anchor)


def _mode_changed(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(
        clock_mode=e.mode,
        clock_speed=float(e.speed),
        clock_anchor_wall=wall,
        move_started=d.get("minute"),
    )


def _phase_entered(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(phase_id=e.phase_id)


def _delivered(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("deliveries").append(e)
    d.update_inject(e.inject_id, status="delivered", minute=e.minute)


def _scheduled(d: _Draft, e: Any, wall: float | None) -> None:
    inject = Inject.model_validate(dict(e.inject))
    injects = d.mut("injects")
    injects[inject.id] = InjectState(
        inject=inject, order=len(injects), adhoc=True, original_time=inject.time
    )


def _delayed(d: _Draft, e: Any, wall: float | None) -> None:
    current = d.get("injects").get(e.inject_id)
    if current is not None:
        d.update_inject(e.inject_id, inject=current.inject.model_copy(update={"time": e.time}))


def _edited(d: _Draft, e: Any, wall: float | None) -> None:
    current = d.get("injects").get(e.inject_id)
    if current is None:
        return
    inject = Inject.model_validate({**current.inject.model_dump(mode="json"), **e.changes})
    d.update_inject(
        e.inject_id,
        inject=inject,
        edits=(*current.edits, e.changes),
        fallback_only=current.fallback_only and inject.trigger is None,
    )


def _cancelled(d: _Draft, e: Any, wall: float | None) -> None:
    d.update_inject(e.inject_id, status="cancelled", minute=d.get("minute"), reason=e.reason)


def _expired(d: _Draft, e: Any, wall: float | None) -> None:
    d.update_inject(e.inject_id, status="expired", minute=e.minute)


def _acknowledged(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("acknowledgements")[(e.inject_id, e.cell)] = e.minute


def _world_changed(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("variables")[e.variable] = e.new


def _escalation_changed(d: _Draft, e: Any, wall: float | None) -> None:
    d.set(escalation=e.new)


def _action(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("actions").append(e)
    d.mut("decisions").add((e.cell, e.action))
    if e.bot_rule is not None:
        d.mut("bot_rules_fired").add((e.cell, e.bot_rule))


def _rfi(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("rfis")[e.rfi_id] = RfiRecord(e)


def _rfi_answered(d: _Draft, e: Any, wall: float | None) -> None:
    rfis = d.mut("rfis")
    if e.rfi_id in rfis:
        rfis[e.rfi_id] = RfiRecord(rfis[e.rfi_id].submitted, e)


def _opened(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("adjudications")[e.adjudication_id] = AdjudicationRecord(e)


def _decided(d: _Draft, e: Any, wall: float | None) -> None:
    adjudications = d.mut("adjudications")
    if e.adjudication_id in adjudications:
        opened = adjudications[e.adjudication_id].opened
        adjudications[e.adjudication_id] = AdjudicationRecord(opened, e)


def _observed(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("observations").append(e)


def _intel_published(d: _Draft, e: Any, wall: float | None) -> None:
    try:
        product = product_from_data(e.product, levels_for(d.base.scenario))
    except JointExError as exc:
        raise StoreError(f"{e.TYPE} event holds no valid product: {exc}") from None
    d.mut("intel")[product.id] = product


def _intel_read(d: _Draft, e: Any, wall: float | None) -> None:
    d.mut("intel_reads").append(e)


_HANDLERS: Mapping[type, Callable[[_Draft, Any, float | None], None]] = {
    ExerciseCreated: _created,
    ExerciseStarted: _started,
    ExercisePaused: _paused,
    ExerciseResumed: _resumed,
    ExerciseEnded: _ended,
    ClockAdvanced: _clock_advanced,
    ClockModeChanged: _mode_changed,
    PhaseEntered: _phase_entered,
    InjectDelivered: _delivered,
    InjectScheduled: _scheduled,
    InjectDelayed: _delayed,
    InjectEdited: _edited,
    InjectCancelled: _cancelled,
    InjectExpired: _expired,
    InjectAcknowledged: _acknowledged,
    WorldStateChanged: _world_changed,
    EscalationChanged: _escalation_changed,
    ActionSubmitted: _action,
    RfiSubmitted: _rfi,
    RfiAnswered: _rfi_answered,
    AdjudicationOpened: _opened,
    AdjudicationDecided: _decided,
    ObservationRecorded: _observed,
    IntelPublished: _intel_published,
    IntelReleased: _intel_published,
    IntelRead: _intel_read,
}


def _wall_of(record: Record) -> float | None:
    if isinstance(record, Event | NewEvent):
        value = record.meta.get(WALL_TIME)
        return float(value) if isinstance(value, int | float) else None
    return None


def apply(state: ExerciseState, event: Record, wall: float | None = None) -> ExerciseState:
    """One step of the fold: the state after one more event.

    Args:
        state: the state before the event.
        event: a store record or a typed event.
        wall: the event's wall time, for a typed event (a record's own ``meta`` is used first).

    Returns:
        The new state; ``state`` is unchanged.

    Raises:
        StoreError: a record is not an exercise event.
    """
    draft = _Draft(state)
    recorded = _wall_of(event)
    draft.apply(parse_event(event), recorded if recorded is not None else wall)
    return draft.freeze()


def fold(scenario: Scenario, events: Iterable[Record]) -> ExerciseState:
    """The state after a stream of events, from `new_state` (O(number of events)).

    Args:
        scenario: the exercise's scenario (as snapshotted in its `ExerciseCreated`).
        events: the stream, oldest first: store records or typed events.

    Returns:
        The state; equal to applying the events one by one with `apply`.

    Raises:
        StoreError: a record is not an exercise event.
    """
    draft = _Draft(new_state(scenario))
    for record in events:
        draft.apply(parse_event(record), _wall_of(record))
    return draft.freeze()


def fold_until(scenario: Scenario, events: Iterable[Record], minute: int) -> ExerciseState:
    """Replay: the state as it was when scenario time reached ``minute``.

    Events are folded until the first one that happened after ``minute``; a clock step that went
    beyond it is folded as a step to ``minute`` (the step's events follow it in the stream, each
    with its own minute).

    Args:
        scenario: the exercise's scenario.
        events: the stream, oldest first.
        minute: the scenario time to replay to.

    Returns:
        The state at that time.
    """
    draft = _Draft(new_state(scenario))
    for record in events:
        event = parse_event(record)
        if isinstance(event, ClockAdvanced):
            if event.from_minute >= minute and event.to_minute > minute:
                break
            if event.to_minute > minute:
                event = dataclasses.replace(event, to_minute=minute)
        elif getattr(event, "minute", minute) > minute:
            break
        draft.apply(event, _wall_of(record))
    return draft.freeze()
