"""Commands: what an actor asks the exercise to do, one frozen dataclass per operation.

A command is checked by `jointex.exercise.decide` against the current state and becomes events,
or is rejected with `CommandRejected` saying why. Times are minutes after D-day H-hour (an
``int``) or an offset as staff write it (``"D+1 H+06:30"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

__all__ = [
    "Acknowledge",
    "Actor",
    "Advance",
    "AnswerRfi",
    "CancelInject",
    "Command",
    "CreateExercise",
    "Decide",
    "DelayInject",
    "EditInject",
    "End",
    "Jump",
    "Pause",
    "PublishIntel",
    "ReadIntel",
    "RecordObservation",
    "ReleaseIntel",
    "Resume",
    "SendInject",
    "SetClockMode",
    "SetWorld",
    "Start",
    "SubmitAction",
    "SubmitRfi",
]

Time: TypeAlias = int | str
"""Minutes after D-day H-hour, or an offset such as ``D+1 H+06:30``."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command: a user acting for a cell.

    Attributes:
        user: the user's name (bots use ``bot:<cell>``).
        cell: the id of the cell the user acts for; its role decides what the user may do.
    """

    user: str
    cell: str


@dataclass(frozen=True, slots=True)
class CreateExercise:
    """Create the exercise from the state's scenario (control cell; the stream must be empty)."""

    exercise_id: str
    name: str
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Start:
    """Start play: the timeline is processed at the start minute (control cell)."""


@dataclass(frozen=True, slots=True)
class Pause:
    """Pause play (control cell)."""


@dataclass(frozen=True, slots=True)
class Resume:
    """Resume paused play (control cell)."""


@dataclass(frozen=True, slots=True)
class Advance:
    """Advance the clock by one move (default), by ``minutes``, or ``to`` a time (control cell).

    At most one of ``minutes`` and ``to``. A move or a step of ``minutes`` stops at the end of
    the scenario; ``to`` beyond it is rejected. ``reason`` defaults to ``move`` (by a move or
    minutes) or ``to``; the service passes ``realtime`` for wall-clock ticks.
    """

    minutes: int | None = None
    to: Time | None = None
    reason: Literal["move", "to", "realtime"] | None = None


@dataclass(frozen=True, slots=True)
class Jump:
    """Jump to a later time; the skipped timeline is processed as for an advance (control cell)."""

    to: Time


@dataclass(frozen=True, slots=True)
class SetClockMode:
    """Set the clock mode and speed (scenario seconds per wall second; 60 = a minute a second)."""

    mode: Literal["turn", "realtime", "mixed"]
    speed: float = 1.0


@dataclass(frozen=True, slots=True)
class SendInject:
    """Add an ad hoc inject in the scenario's Inject shape (control cell).

    ``id`` defaults to ``ADHOC-<n>`` and ``time`` to now; an inject due now is delivered at once
    while the exercise runs or is paused.
    """

    inject: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DelayInject:
    """Move a scheduled inject to another time, not before now (control cell)."""

    inject_id: str
    time: Time


@dataclass(frozen=True, slots=True)
class EditInject:
    """Change fields of a scheduled inject, in the Inject shape; ``id`` cannot change."""

    inject_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CancelInject:
    """Cancel a scheduled inject (control cell)."""

    inject_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SetWorld:
    """Set a world-state variable, or ``escalation``, checked against its type and range."""

    variable: str
    value: bool | int | float | str


@dataclass(frozen=True, slots=True)
class SubmitAction:
    """Take an action from the scenario's menu (a cell whose role the action lists).

    ``bot_rule`` is the index of the cell's bot rule that chose the action (bots only).
    """

    action: str
    units: tuple[str, ...] = ()
    orders: str = ""
    text: str = ""
    marking: str = "UNCLASSIFIED"
    bot_rule: int | None = None


@dataclass(frozen=True, slots=True)
class SubmitRfi:
    """Ask the white cell a question (blue and red cells)."""

    question: str
    marking: str = "UNCLASSIFIED"


@dataclass(frozen=True, slots=True)
class AnswerRfi:
    """Answer an open RFI (control cell)."""

    rfi_id: str
    answer: str
    marking: str = "UNCLASSIFIED"


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """Acknowledge an inject delivered to the actor's cell (blue and red cells)."""

    inject_id: str


@dataclass(frozen=True, slots=True)
class Decide:
    """Decide an open adjudication (control cell).

    ``accepted`` keeps the sampled outcome (``outcome`` may repeat it or be left ``None``);
    ``overridden`` needs an ``outcome`` and a ``rationale``.
    """

    adjudication_id: str
    decision: Literal["accepted", "overridden"]
    outcome: Any = None
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class RecordObservation:
    """Rate an objective's criterion 1-5, or note without a rating (observer cells)."""

    objective: str
    criterion: str
    rating: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PublishIntel:
    """Publish an intelligence product (blue and red cells, and control).

    ``product`` is in the `jointex.intel.product_to_data` shape without ``id`` (``INT-n`` is
    assigned), ``originator`` and ``minute`` (the actor's cell and now) and without
    ``derived_from``/``released_to`` (only a release makes a tearline). ``owner`` defaults to
    the cell's nation and must be it. Every marking must parse and be readable by the cell.
    """

    product: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReleaseIntel:
    """Release a tearline of a product to other nations (the owner nation's cells, or control).

    ``portions`` names the body portions to keep (default: every portion all recipients may
    read); each kept portion must be releasable to every nation in ``to``. ``title`` (marked
    ``title_marking``) replaces a title that is not releasable. ``with_location`` also releases
    the product's location and track ids.
    """

    product_id: str
    to: tuple[str, ...]
    portions: tuple[str, ...] | None = None
    title: str | None = None
    title_marking: str = "UNCLASSIFIED"
    with_location: bool = False


@dataclass(frozen=True, slots=True)
class ReadIntel:
    """Record that a product was shown to the actor (any cell that may see it)."""

    product_id: str


@dataclass(frozen=True, slots=True)
class End:
    """End the exercise (control cell)."""

    reason: str = ""


Command: TypeAlias = (
    CreateExercise
    | Start
    | Pause
    | Resume
    | Advance
    | Jump
    | SetClockMode
    | SendInject
    | DelayInject
    | EditInject
    | CancelInject
    | SetWorld
    | SubmitAction
    | SubmitRfi
    | AnswerRfi
    | Acknowledge
    | Decide
    | RecordObservation
    | PublishIntel
    | ReleaseIntel
    | ReadIntel
    | End
)
"""Any exercise command."""
