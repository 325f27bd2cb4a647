"""`ExerciseService`: live exercises on the event store (create, commands, state, replay, bots).

The service is the only place where the pure domain meets the store and the wall clock. A
command is decided against the exercise's current state (`execute`) and its events are appended
with the version the state was folded at, so two writers never both apply a command to the same
state: the second gets `ConcurrencyConflict` and nothing is written. A command sent with a
``command_id`` it was already applied with returns the events it appended the first time,
without being decided again, so a client may retry after a lost reply.

The folded state of each exercise is cached, keyed by its version; every call reads the events
appended since (by this or any other process) and folds only those.

Headless play (`ExerciseService.run_bots`) sends every bot command through `handle` with an id
derived from the exercise, the version it was decided at and what it is, so a run killed at any
point resumes where the log says it stopped and never applies a command twice.

Export and import (JSON Lines) live in `jointex.exercise._export`.
"""

from __future__ import annotations

import builtins
import hashlib
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from jointex._errors import CommandRejected, ConcurrencyConflict, ParameterError, StoreError
from jointex.exercise._adjudicate import Adjudicator, SimulationAdjudicator
from jointex.exercise._bots import bot_commands, white_bot_commands
from jointex.exercise._clock import ScenarioClock, SystemWallClock, WallClock, due_minute
from jointex.exercise._commands import (
    Actor,
    Advance,
    Command,
    CreateExercise,
    End,
    Start,
    SubmitAction,
)
from jointex.exercise._decide import DecideContext, execute
from jointex.exercise._export import export_lines, import_lines
from jointex.exercise._state import ExerciseState, apply, fold, fold_until, new_state
from jointex.exercise._stream import EXERCISE_KIND, check_exercise_id, scenario_of
from jointex.scenario import Scenario, parse_offset
from jointex.store import Event, EventStore

__all__ = ["ExerciseService", "ExerciseSummary", "control_cell"]

# The store's command ids are at most 200 characters.
_MAX_COMMAND_ID = 200


@dataclass(frozen=True, slots=True)
class ExerciseSummary:
    """One exercise as `ExerciseService.list` shows it.

    Attributes:
        exercise_id: the exercise (stream) id.
        name: the exercise's name.
        scenario: the scenario's id.
        status: ``draft``, ``running``, ``paused`` or ``ended``.
        minute: scenario time, minutes after D-day H-hour.
        version: the number of events.
        created: when the first event was recorded (UTC).
    """

    exercise_id: str
    name: str
    scenario: str
    status: str
    minute: int
    version: int
    created: datetime


@dataclass(frozen=True, slots=True)
class _Folded:
    """A cached fold: the state and, per command id, the versions its events took."""

    state: ExerciseState
    commands: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def extended(self, records: Sequence[Event]) -> _Folded:
        state = self.state
        commands = dict(self.commands)
        for record in records:
            state = apply(state, record)
            _index_command(commands, record)
        return _Folded(state, MappingProxyType(commands))


def _index_command(commands: dict[str, tuple[int, int]], record: Event) -> None:
    command_id = record.meta.get("command_id")
    if isinstance(command_id, str):
        first, _ = commands.get(command_id, (record.version, record.version))
        commands[command_id] = (first, record.version)


def control_cell(scenario: Scenario) -> str:
    """The id of the scenario's first control (white) cell.

    Raises:
        CommandRejected: the scenario has no control cell.
    """
    for cell in scenario.cells:
        if cell.role == "control":
            return cell.id
    raise CommandRejected(f"scenario {scenario.id!r} has no control cell to run it")


class ExerciseService:
    """Live exercises on an event store: one stream per exercise.

    Args:
        store: the open event store (SQLite or PostgreSQL).
        wall_clock: wall time for events' ``meta`` and real-time clocks (default: the system's).
        adjudicator: runs the models of adjudicated actions (default:
            ``SimulationAdjudicator()``).

    Example:
        >>> service = ExerciseService(EventStore.open(tmp / "jointex.db"))  # doctest: +SKIP
        >>> white = Actor("al", "white")
        >>> exercise = service.create(resolve("tutorial"), "Rehearsal", 7, white)  # doctest: +SKIP
        >>> service.run_bots(exercise).status  # doctest: +SKIP
        'ended'
    """

    def __init__(
        self,
        store: EventStore,
        wall_clock: WallClock | None = None,
        adjudicator: Adjudicator | None = None,
    ) -> None:
        self._store = store
        self._clock: WallClock = wall_clock if wall_clock is not None else SystemWallClock()
        self._adjudicator: Adjudicator = (
            adjudicator if adjudicator is not None else SimulationAdjudicator()
        )
        self._cache: dict[str, _Folded] = {}
        self._lock = threading.Lock()

    @property
    def store(self) -> EventStore:
        """The event store the service writes to."""
        return self._store

    # -- creating and commanding --------------------------------------------------------------

    def create(
        self,
        scenario: Scenario,
        name: str,
        seed: int,
        actor: Actor,
        *,
        exercise_id: str | None = None,
    ) -> str:
        """Create an exercise of a scenario: a new stream whose first event snapshots it.

        Args:
            scenario: the scenario to play.
            name: the exercise's name (empty: the scenario's title).
            seed: the exercise seed (>= 0); adjudication seeds derive from it.
            actor: who creates it, for a control cell of the scenario.
            exercise_id: the stream id (default: ``exercise-`` and 8 random hex digits).

        Returns:
            The exercise id.

        Raises:
            CommandRejected: the actor's cell is not a control cell, or the seed is invalid.
            ConcurrencyConflict: ``exercise_id`` is given and already exists.
            ParameterError: ``exercise_id`` is not a valid id.
            StoreError: the store cannot be written.
        """
        for _attempt in range(8):
            chosen = (
                check_exercise_id(exercise_id)
                if exercise_id is not None
                else f"exercise-{uuid.uuid4().hex[:8]}"
            )
            context = DecideContext(wall_time=self._clock.now())
            state, events = execute(
                new_state(scenario), CreateExercise(chosen, name, seed), actor, context
            )
            try:
                recorded = self._store.append(chosen, events, 0, kind=EXERCISE_KIND)
            except ConcurrencyConflict:
                if exercise_id is not None:
                    raise ConcurrencyConflict(f"exercise {chosen!r} already exists") from None
                continue  # a random id collided: draw another
            commands: dict[str, tuple[int, int]] = {}
            for record in recorded:
                _index_command(commands, record)
            self._remember(chosen, _Folded(state, MappingProxyType(commands)))
            return chosen
        raise StoreError("could not find a free exercise id")  # pragma: no cover

    def handle(
        self, exercise_id: str, command: Command, actor: Actor, command_id: str | None = None
    ) -> list[Event]:
        """Decide a command against the exercise's current state and append its events.

        Args:
            exercise_id: the exercise.
            command: what is asked.
            actor: who asks, for which cell.
            command_id: an id for the command; a command already applied with this id returns
                the events it appended then, without being decided again.

        Returns:
            The recorded events (none when the command changes nothing).

        Raises:
            CommandRejected: the command is not allowed now; nothing was appended.
            ConcurrencyConflict: another writer appended to the exercise between reading its
                state and appending; nothing was appended (decide again on the new state).
            StoreError: no such exercise, or the store cannot be read or written.
        """
        folded = self._load(exercise_id)
        if command_id is not None:
            applied = folded.commands.get(command_id)
            if applied is not None:
                first, last = applied
                return list(self._store.read(exercise_id, first - 1, last))
        context = DecideContext(
            wall_time=self._clock.now(), adjudicator=self._adjudicator, command_id=command_id
        )
        _, events = execute(folded.state, command, actor, context)
        if not events:
            return []
        recorded = self._store.append(
            exercise_id, events, folded.state.version, command_id, kind=EXERCISE_KIND
        )
        if recorded and recorded[0].version == folded.state.version + 1:
            # Either our events or, for a command id applied concurrently, the ones that took
            # these versions: both are the stream right after the state we decided on.
            self._remember(exercise_id, folded.extended(recorded))
        return recorded

    # -- reading ------------------------------------------------------------------------------

    def state(self, exercise_id: str) -> ExerciseState:
        """The exercise's current state (folding only events appended since the last call).

        Raises:
            StoreError: no such exercise, or the store cannot be read.
        """
        return self._load(exercise_id).state

    def replay(self, exercise_id: str, at: int | str) -> ExerciseState:
        """The exercise as it was when scenario time reached ``at``.

        Args:
            exercise_id: the exercise.
            at: minutes after D-day H-hour, or an offset such as ``D+2 H+06:00``.

        Returns:
            The state at that time (the current state if the clock has not got there yet).

        Raises:
            ParameterError: ``at`` is not a time.
            StoreError: no such exercise, or the store cannot be read.
        """
        minute = _minute(at)
        scenario = self.state(exercise_id).scenario
        return fold_until(scenario, list(self._store.read(exercise_id)), minute)

    def exists(self, exercise_id: str) -> bool:
        """Whether an exercise with this id is in the store."""
        return any(info.stream == exercise_id for info in self._store.streams(kind=EXERCISE_KIND))

    def list(self) -> list[ExerciseSummary]:
        """Every exercise in the store, by id, with its name, scenario, status and clock.

        Raises:
            StoreError: the store cannot be read.
        """
        summaries = []
        for info in self._store.streams(kind=EXERCISE_KIND):
            state = self.state(info.stream)
            summaries.append(
                ExerciseSummary(
                    exercise_id=info.stream,
                    name=state.name,
                    scenario=state.scenario.id,
                    status=state.status,
                    minute=state.minute,
                    version=state.version,
                    created=info.created,
                )
            )
        return summaries

    # -- export and import ------------------------------------------------------------------

    def export(self, exercise_id: str) -> Iterator[str]:
        """The exercise as JSON Lines: a header line, then one event per line, oldest first.

        Each line ends with a newline; see `jointex.exercise._export` for the format.

        Raises:
            StoreError: no such exercise, or the store cannot be read.
        """
        return export_lines(self._store, exercise_id)

    def import_(
        self, lines: Iterable[str], new_id: str | None = None, *, source: str = "import"
    ) -> str:
        """Import an exported exercise; every line is checked before anything is written.

        Args:
            lines: the export's lines.
            new_id: import under this id (needed when the exported id already exists).
            source: how to name the input in errors, e.g. the file name.

        Returns:
            The imported exercise's id.

        Raises:
            StoreError: a line is wrong (named by its number; nothing was imported), the
                exercise already exists, or the store cannot be written.
            ParameterError: ``new_id`` is not a valid exercise id.
        """
        exercise_id, _ = import_lines(self._store, lines, new_id, source=source)
        return exercise_id

    # -- clocks and bots ----------------------------------------------------------------------

    def tick(self, exercise_id: str) -> builtins.list[Event]:
        """Move a real-time or mixed clock to where the wall clock says it is now.

        Issues ``Advance(to=due, reason="realtime")`` for the control cell when a whole
        scenario minute or more has passed; the command id is derived from the version, so two
        processes ticking at once apply the step once.

        Returns:
            The events of the step (none in turn mode, while not running, or too early).

        Raises:
            ConcurrencyConflict: another writer got in first; tick again.
            StoreError: no such exercise, or the store cannot be read or written.
        """
        state = self.state(exercise_id)
        due = due_minute(state, ScenarioClock.of(state), self._clock.now())
        if due is None:
            return []
        actor = Actor("clock", control_cell(state.scenario))
        command_id = _command_id(exercise_id, state.version, "tick")
        return self.handle(exercise_id, Advance(to=due, reason="realtime"), actor, command_id)

    def run_bots(
        self,
        exercise_id: str,
        until_end: bool = True,
        moves: int | None = None,
        *,
        cells: Collection[str] | None = None,
        progress: Callable[[ExerciseState], None] | None = None,
    ) -> ExerciseState:
        """Play an exercise headless: start it if a draft, then advance a move and let the bots
        play until none has anything to do, until the end or for ``moves`` moves.

        Every command goes through `handle` with an id made of the exercise, the version it was
        decided at and what it is: a run killed at any point and started again carries on from
        the log and applies nothing twice.

        Args:
            exercise_id: the exercise.
            until_end: end the exercise (``End("ENDEX")``) when the clock reaches the end of the
                scenario; otherwise leave it running there.
            moves: stop after this many moves (``None``: play to the end).
            cells: the cells whose bots play (``None``: all); the white-cell bot (accepting
                adjudications) plays when a control cell is among them.
            progress: called with the state after the start and after each move.

        Returns:
            The state when play stopped.

        Raises:
            CommandRejected: the exercise is paused or a control command was rejected.
            ConcurrencyConflict: another writer appended at the same time.
            ParameterError: ``moves`` is negative or a cell is not in the scenario.
            StoreError: no such exercise, or the store cannot be read or written.
        """
        state = self.state(exercise_id)
        scenario = state.scenario
        if moves is not None and moves < 0:
            raise ParameterError(f"moves must be 0 or more, not {moves}")
        chosen = _bot_cells(scenario, cells)
        control = Actor("bot:control", control_cell(scenario))
        if state.status == "draft":
            self._control(exercise_id, state, Start(), control, "start")
        if self.state(exercise_id).status == "running":
            self._play_bots(exercise_id, chosen)
        state = self.state(exercise_id)
        if progress is not None:
            progress(state)
        played = 0
        while state.status != "ended":
            if state.minute >= scenario.duration:
                if until_end:
                    self._control(exercise_id, state, End("ENDEX"), control, "end")
                    state = self.state(exercise_id)
                break
            if moves is not None and played >= moves:
                break
            self._control(exercise_id, state, Advance(), control, "advance")
            played += 1
            self._play_bots(exercise_id, chosen)
            state = self.state(exercise_id)
            if progress is not None:
                progress(state)
        return state

    def _control(
        self, exercise_id: str, state: ExerciseState, command: Command, actor: Actor, tag: str
    ) -> None:
        self.handle(exercise_id, command, actor, _command_id(exercise_id, state.version, tag))

    def _play_bots(self, exercise_id: str, cells: frozenset[str]) -> None:
        """Bot commands one at a time, each against the state the previous one left."""
        scenario = self.state(exercise_id).scenario
        white = any(c.role == "control" and c.id in cells for c in scenario.cells)
        skipped: set[tuple[str, int | None]] = set()
        while True:
            state = self.state(exercise_id)
            pending: list[tuple[Actor, Command, str]] = [
                (actor, command, f"bot/{actor.cell}/{command.bot_rule}")
                for actor, command in bot_commands(state.scenario, state)
                if actor.cell in cells and (actor.cell, command.bot_rule) not in skipped
            ]
            if not pending and white:
                pending = [
                    (actor, decision, f"decide/{decision.adjudication_id}")
                    for actor, decision in white_bot_commands(state)
                ]
            if not pending:
                return
            actor, command, tag = pending[0]
            command_id = _command_id(exercise_id, state.version, tag)
            try:
                self.handle(exercise_id, command, actor, command_id)
            except ConcurrencyConflict:
                raise
            except CommandRejected:
                if not isinstance(command, SubmitAction):
                    raise
                skipped.add((actor.cell, command.bot_rule))

    # -- the cache ----------------------------------------------------------------------------

    def _load(self, exercise_id: str) -> _Folded:
        with self._lock:
            cached = self._cache.get(exercise_id)
        if cached is None:
            # Read whole (no generator left suspended on a server-side cursor).
            records = list(self._store.read(exercise_id))
            if not records:
                raise StoreError(
                    f"no exercise {exercise_id!r} in the event store at {self._store.url}"
                )
            scenario = scenario_of(exercise_id, records[0])
            commands: dict[str, tuple[int, int]] = {}
            for record in records:
                _index_command(commands, record)
            folded = _Folded(fold(scenario, records), MappingProxyType(commands))
        else:
            new = list(self._store.read(exercise_id, cached.state.version))
            if not new:
                return cached
            folded = cached.extended(new)
        return self._remember(exercise_id, folded)

    def _remember(self, exercise_id: str, folded: _Folded) -> _Folded:
        with self._lock:
            current = self._cache.get(exercise_id)
            if current is not None and current.state.version > folded.state.version:
                return current
            self._cache[exercise_id] = folded
        return folded


def _bot_cells(scenario: Scenario, cells: Collection[str] | None) -> frozenset[str]:
    known = [cell.id for cell in scenario.cells]
    if cells is None:
        return frozenset(known)
    unknown = [cell for cell in cells if cell not in known]
    if unknown:
        raise ParameterError(
            f"no cell {unknown[0]!r} in scenario {scenario.id!r} (cells: {', '.join(known)})"
        )
    return frozenset(cells)


def _command_id(exercise_id: str, version: int, tag: str) -> str:
    """A command id fixed by the exercise, the version decided at and what the command is."""
    command_id = f"{exercise_id}@{version}/{tag}"
    if len(command_id) > _MAX_COMMAND_ID:
        command_id = "sha256:" + hashlib.sha256(command_id.encode()).hexdigest()
    return command_id


def _minute(at: int | str) -> int:
    if isinstance(at, bool):
        raise ParameterError(f"{at!r} is not a time")
    if isinstance(at, int):
        return at
    try:
        return parse_offset(at)
    except ValueError as exc:
        raise ParameterError(f"{at!r} is not a time: {exc}") from None
