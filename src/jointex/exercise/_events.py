"""The exercise's event types: their names and ``data`` shapes (see docs/exercise.md).

Every event is a frozen dataclass with a class-level ``TYPE`` (the name stored in the log),
``to_data()`` giving its JSON-serialisable payload and ``from_data()`` reading one back. A
store record (`jointex.store.Event` or `jointex.store.NewEvent`) becomes a typed event through
`parse_event`; `EVENT_TYPES` maps every name to its class.

Payload fields that hold free JSON (the scenario snapshot, an ad hoc inject, edits, adjudication
inputs, distributions and outcomes) are kept exactly as they came and must be treated as
read-only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

from jointex._errors import StoreError
from jointex.store import Event, NewEvent

__all__ = [
    "EVENT_TYPES",
    "WALL_TIME",
    "ActionSubmitted",
    "AdjudicationDecided",
    "AdjudicationOpened",
    "Cause",
    "ClockAdvanced",
    "ClockModeChanged",
    "EscalationChanged",
    "ExerciseCreated",
    "ExerciseEnded",
    "ExerciseEvent",
    "ExercisePaused",
    "ExerciseResumed",
    "ExerciseStarted",
    "InjectAcknowledged",
    "InjectCancelled",
    "InjectDelayed",
    "InjectDelivered",
    "InjectEdited",
    "InjectExpired",
    "InjectScheduled",
    "IntelPublished",
    "IntelRead",
    "IntelReleased",
    "ObservationRecorded",
    "PhaseEntered",
    "RfiAnswered",
    "RfiSubmitted",
    "WorldStateChanged",
    "parse_event",
]

WALL_TIME = "wall_time"
"""Key of the wall time (seconds since the epoch) in every exercise event's ``meta``."""

CauseKind = Literal["inject", "action", "adjudication", "white", "phase"]
ClockReason = Literal["move", "jump", "realtime", "to"]
ClockMode = Literal["turn", "realtime", "mixed"]

# Fields stored as JSON lists that the typed events hold as tuples.
_TUPLE_FIELDS = frozenset({"to", "expected_actions", "units"})


@dataclass(frozen=True, slots=True)
class Cause:
    """Why world state or escalation changed, or why an inject was delivered.

    Attributes:
        kind: ``inject``, ``action``, ``adjudication``, ``white`` (a control-cell command) or
            ``phase``.
        id: the inject, action, adjudication or phase id, or the white-cell user.
    """

    kind: CauseKind
    id: str

    def to_data(self) -> dict[str, str]:
        """The cause as JSON: ``{"kind": ..., "id": ...}``."""
        return {"kind": self.kind, "id": self.id}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Cause:
        """Read a cause written by `to_data`."""
        return cls(data["kind"], str(data["id"]))


class _EventBase:
    """Shared `to_data` / `from_data` for the event dataclasses below."""

    __slots__ = ()
    TYPE: ClassVar[str]

    def to_data(self) -> dict[str, Any]:
        """The event's JSON-serialisable payload (tuples become lists, causes dicts)."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Cause):
                value = value.to_data()
            elif f.name == "bot_rule" and value is None:
                continue  # only bot-submitted actions carry the marker
            data[f.name] = value
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Any:
        """Read an event's payload back; unknown keys are ignored (newer writers may add some).

        Raises:
            StoreError: a required field is missing.
        """
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                if f.default is dataclasses.MISSING:
                    raise StoreError(f"{cls.TYPE} event has no {f.name!r}")
                continue
            value = data[f.name]
            if f.name in _TUPLE_FIELDS and value is not None:
                value = tuple(value)
            elif f.name == "cause" and value is not None:
                value = Cause.from_data(value)
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ExerciseCreated(_EventBase):
    """The exercise exists; ``scenario`` is the full scenario as dumped to JSON (a snapshot)."""

    TYPE: ClassVar[str] = "ExerciseCreated"
    exercise_id: str
    name: str
    scenario: Mapping[str, Any]
    seed: int
    created_by: str


@dataclass(frozen=True, slots=True)
class ExerciseStarted(_EventBase):
    """Play began at this minute."""

    TYPE: ClassVar[str] = "ExerciseStarted"
    minute: int


@dataclass(frozen=True, slots=True)
class ExercisePaused(_EventBase):
    """Play paused at this minute."""

    TYPE: ClassVar[str] = "ExercisePaused"
    minute: int


@dataclass(frozen=True, slots=True)
class ExerciseResumed(_EventBase):
    """Play resumed at this minute."""

    TYPE: ClassVar[str] = "ExerciseResumed"
    minute: int


@dataclass(frozen=True, slots=True)
class ExerciseEnded(_EventBase):
    """The exercise ended; nothing more can happen."""

    TYPE: ClassVar[str] = "ExerciseEnded"
    minute: int
    reason: str


@dataclass(frozen=True, slots=True)
class ClockAdvanced(_EventBase):
    """Scenario time moved forward; the timeline events of the step follow it in the stream."""

    TYPE: ClassVar[str] = "ClockAdvanced"
    from_minute: int
    to_minute: int
    reason: ClockReason


@dataclass(frozen=True, slots=True)
class ClockModeChanged(_EventBase):
    """The clock's mode and speed (scenario seconds per wall second: 60 = a minute a second)."""

    TYPE: ClassVar[str] = "ClockModeChanged"
    mode: ClockMode
    speed: float


@dataclass(frozen=True, slots=True)
class PhaseEntered(_EventBase):
    """A scenario phase began."""

    TYPE: ClassVar[str] = "PhaseEntered"
    phase_id: str
    minute: int


@dataclass(frozen=True, slots=True)
class InjectDelivered(_EventBase):
    """An inject reached its cells' inboxes.

    ``to`` has ``all`` expanded to every cell (scenario order); ``marking`` is the canonical
    banner; ``cause`` is null when the MSEL schedule (time or trigger) delivered it during a
    clock step, the expired inject for an ``otherwise`` fallback, and the command's cause when
    a command released it. ``sender`` is an addition to the contract's field list (the inbox
    shows it).
    """

    TYPE: ClassVar[str] = "InjectDelivered"
    inject_id: str
    minute: int
    to: tuple[str, ...]
    channel: str
    marking: str
    title: str
    content: str
    expected_actions: tuple[str, ...]
    adhoc: bool
    cause: Cause | None
    sender: str = "WHITE CELL"


@dataclass(frozen=True, slots=True)
class InjectScheduled(_EventBase):
    """The white cell added an ad hoc inject (``inject`` in the scenario's Inject JSON shape)."""

    TYPE: ClassVar[str] = "InjectScheduled"
    inject: Mapping[str, Any]
    by: str


@dataclass(frozen=True, slots=True)
class InjectDelayed(_EventBase):
    """A scheduled inject moved to another time (minutes after D-day H-hour)."""

    TYPE: ClassVar[str] = "InjectDelayed"
    inject_id: str
    time: int


@dataclass(frozen=True, slots=True)
class InjectEdited(_EventBase):
    """Fields of a scheduled inject changed (``changes`` in the Inject JSON shape)."""

    TYPE: ClassVar[str] = "InjectEdited"
    inject_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class InjectCancelled(_EventBase):
    """A scheduled inject will not be delivered."""

    TYPE: ClassVar[str] = "InjectCancelled"
    inject_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class InjectExpired(_EventBase):
    """A trigger never held by its ``wait_until``; its otherwise branch follows as own events."""

    TYPE: ClassVar[str] = "InjectExpired"
    inject_id: str
    minute: int


@dataclass(frozen=True, slots=True)
class InjectAcknowledged(_EventBase):
    """A recipient cell acknowledged a delivered inject."""

    TYPE: ClassVar[str] = "InjectAcknowledged"
    inject_id: str
    cell: str
    minute: int


@dataclass(frozen=True, slots=True)
class WorldStateChanged(_EventBase):
    """A world-state variable changed value."""

    TYPE: ClassVar[str] = "WorldStateChanged"
    variable: str
    old: Any
    new: Any
    cause: Cause


@dataclass(frozen=True, slots=True)
class EscalationChanged(_EventBase):
    """The escalation level changed."""

    TYPE: ClassVar[str] = "EscalationChanged"
    old: int
    new: int
    cause: Cause


@dataclass(frozen=True, slots=True)
class ActionSubmitted(_EventBase):
    """A cell took an action from the menu; ``bot_rule`` is set when a cell's bot rule did."""

    TYPE: ClassVar[str] = "ActionSubmitted"
    action_id: str
    cell: str
    action: str
    units: tuple[str, ...]
    orders: str
    text: str
    marking: str
    minute: int
    bot_rule: int | None = None


@dataclass(frozen=True, slots=True)
class RfiSubmitted(_EventBase):
    """A cell asked the white cell a question (request for information)."""

    TYPE: ClassVar[str] = "RfiSubmitted"
    rfi_id: str
    cell: str
    question: str
    marking: str
    minute: int


@dataclass(frozen=True, slots=True)
class RfiAnswered(_EventBase):
    """The white cell answered an RFI."""

    TYPE: ClassVar[str] = "RfiAnswered"
    rfi_id: str
    answer: str
    marking: str
    by: str
    minute: int


@dataclass(frozen=True, slots=True)
class AdjudicationOpened(_EventBase):
    """An action's uncertain outcome awaits the white cell: model, inputs, distribution, sample.

    Without an adjudicator the distribution is empty and the sample null.
    """

    TYPE: ClassVar[str] = "AdjudicationOpened"
    adjudication_id: str
    action_id: str
    model: str
    inputs: Mapping[str, Any]
    distribution: Any
    seed: int
    sample: Any


@dataclass(frozen=True, slots=True)
class AdjudicationDecided(_EventBase):
    """The white cell accepted the sample or overrode it with a rationale."""

    TYPE: ClassVar[str] = "AdjudicationDecided"
    adjudication_id: str
    decision: Literal["accepted", "overridden"]
    outcome: Any
    rationale: str
    by: str
    minute: int


@dataclass(frozen=True, slots=True)
class ObservationRecorded(_EventBase):
    """An observer rated (1-5, or null for a note only) an objective's criterion."""

    TYPE: ClassVar[str] = "ObservationRecorded"
    observation_id: str
    cell: str
    objective: str
    criterion: str
    rating: int | None
    note: str
    minute: int


@dataclass(frozen=True, slots=True)
class IntelPublished(_EventBase):
    """A cell published an intelligence product.

    ``product`` is in the `jointex.intel.product_to_data` shape, with its id (``INT-n``),
    originator, owner and minute assigned and every portion named.
    """

    TYPE: ClassVar[str] = "IntelPublished"
    product: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class IntelReleased(_EventBase):
    """A tearline of product ``from_id`` was released to other nations.

    ``product`` is the tearline (its own ``INT-n``, ``derived_from`` and ``released_to`` set);
    ``by`` is the releasing user.
    """

    TYPE: ClassVar[str] = "IntelReleased"
    from_id: str
    product: Mapping[str, Any]
    by: str


@dataclass(frozen=True, slots=True)
class IntelRead(_EventBase):
    """A product was shown to a user of a cell: the audit trail of who saw what, when."""

    TYPE: ClassVar[str] = "IntelRead"
    product_id: str
    cell: str
    user: str
    minute: int


ExerciseEvent: TypeAlias = (
    ExerciseCreated
    | ExerciseStarted
    | ExercisePaused
    | ExerciseResumed
    | ExerciseEnded
    | ClockAdvanced
    | ClockModeChanged
    | PhaseEntered
    | InjectDelivered
    | InjectScheduled
    | InjectDelayed
    | InjectEdited
    | InjectCancelled
    | InjectExpired
    | InjectAcknowledged
    | WorldStateChanged
    | EscalationChanged
    | ActionSubmitted
    | RfiSubmitted
    | RfiAnswered
    | AdjudicationOpened
    | AdjudicationDecided
    | ObservationRecorded
    | IntelPublished
    | IntelReleased
    | IntelRead
)
"""Any typed exercise event."""

EVENT_TYPES: Mapping[str, type[ExerciseEvent]] = {
    cls.TYPE: cls
    for cls in (
        ExerciseCreated,
        ExerciseStarted,
        ExercisePaused,
        ExerciseResumed,
        ExerciseEnded,
        ClockAdvanced,
        ClockModeChanged,
        PhaseEntered,
        InjectDelivered,
        InjectScheduled,
        InjectDelayed,
        InjectEdited,
        InjectCancelled,
        InjectExpired,
        InjectAcknowledged,
        WorldStateChanged,
        EscalationChanged,
        ActionSubmitted,
        RfiSubmitted,
        RfiAnswered,
        AdjudicationOpened,
        AdjudicationDecided,
        ObservationRecorded,
        IntelPublished,
        IntelReleased,
        IntelRead,
    )
}
"""Event type name -> event class."""


def parse_event(record: Event | NewEvent | ExerciseEvent) -> ExerciseEvent:
    """Turn a store record (type + data) into its typed event; a typed event passes through.

    Args:
        record: an event read from or about to be appended to the store.

    Returns:
        The typed event.

    Raises:
        StoreError: the type is not an exercise event or the data lacks a field.
    """
    if not isinstance(record, Event | NewEvent):
        return record
    cls = EVENT_TYPES.get(record.type)
    if cls is None:
        raise StoreError(f"{record.type!r} is not an exercise event type")
    event: ExerciseEvent = cls.from_data(record.data)
    return event
