"""The live exercise engine: commands -> events -> state, the scenario clock, bots.

The domain is pure (docs/exercise.md is the contract): `decide` checks a command from an actor
against the state and returns the events to append, or raises `CommandRejected` saying why;
`fold` / `apply` build the state from events. Time comes in as arguments (`DecideContext`'s
wall time, a `WallClock` for the service). Example, headless:

>>> from jointex.exercise import *
>>> from jointex.scenario import resolve
>>> state = new_state(resolve("tutorial"))
>>> white = Actor("alice", "white")
>>> for command in (CreateExercise("ex-1", "Rehearsal", seed=7), Start(), Advance()):
...     state, events = execute(state, command, white)
>>> state.minute, [d.inject_id for d in state.deliveries]
(360, ['T-001', 'T-002'])
>>> state, _ = play_bots(state)  # the Taiwan cell's bot waits for escalation >= 1
>>> state.decided("twn", "scramble-alert")
False
"""

from jointex._errors import CommandRejected
from jointex.exercise._adjudicate import AdjudicationResult, Adjudicator, SimulationAdjudicator
from jointex.exercise._bots import bot_commands, play_bots, white_bot_commands
from jointex.exercise._clock import (
    ManualWallClock,
    ScenarioClock,
    SystemWallClock,
    WallClock,
    due_minute,
)
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
from jointex.exercise._decide import DecideContext, decide, execute
from jointex.exercise._events import (
    EVENT_TYPES,
    WALL_TIME,
    ActionSubmitted,
    AdjudicationDecided,
    AdjudicationOpened,
    Cause,
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
from jointex.exercise._export import EXPORT_FORMAT, EXPORT_FORMAT_VERSION
from jointex.exercise._service import ExerciseService, ExerciseSummary
from jointex.exercise._state import (
    AdjudicationRecord,
    ExerciseState,
    InjectState,
    RfiRecord,
    apply,
    fold,
    fold_until,
    new_state,
    start_minute,
)
from jointex.exercise._stream import EXERCISE_KIND

__all__ = [
    "EVENT_TYPES",
    "EXERCISE_KIND",
    "EXPORT_FORMAT",
    "EXPORT_FORMAT_VERSION",
    "WALL_TIME",
    "Acknowledge",
    "ActionSubmitted",
    "Actor",
    "AdjudicationDecided",
    "AdjudicationOpened",
    "AdjudicationRecord",
    "AdjudicationResult",
    "Adjudicator",
    "Advance",
    "AnswerRfi",
    "CancelInject",
    "Cause",
    "ClockAdvanced",
    "ClockModeChanged",
    "Command",
    "CommandRejected",
    "CreateExercise",
    "Decide",
    "DecideContext",
    "DelayInject",
    "EditInject",
    "End",
    "EscalationChanged",
    "ExerciseCreated",
    "ExerciseEnded",
    "ExerciseEvent",
    "ExercisePaused",
    "ExerciseResumed",
    "ExerciseService",
    "ExerciseStarted",
    "ExerciseState",
    "ExerciseSummary",
    "InjectAcknowledged",
    "InjectCancelled",
    "InjectDelayed",
    "InjectDelivered",
    "InjectEdited",
    "InjectExpired",
    "InjectScheduled",
    "InjectState",
    "IntelPublished",
    "IntelRead",
    "IntelReleased",
    "Jump",
    "ManualWallClock",
    "ObservationRecorded",
    "Pause",
    "PhaseEntered",
    "PublishIntel",
    "ReadIntel",
    "RecordObservation",
    "ReleaseIntel",
    "Resume",
    "RfiAnswered",
    "RfiRecord",
    "RfiSubmitted",
    "ScenarioClock",
    "SendInject",
    "SetClockMode",
    "SetWorld",
    "SimulationAdjudicator",
    "Start",
    "SubmitAction",
    "SubmitRfi",
    "SystemWallClock",
    "WallClock",
    "WorldStateChanged",
    "apply",
    "bot_commands",
    "decide",
    "due_minute",
    "execute",
    "fold",
    "fold_until",
    "new_state",
    "parse_event",
    "play_bots",
    "start_minute",
    "white_bot_commands",
]
