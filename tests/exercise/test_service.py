"""`ExerciseService` on the event store, on SQLite and PostgreSQL: commands, races, bots, replay,
export and import."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from functools import cache
from typing import Any

import pytest

from jointex._errors import CommandRejected, ConcurrencyConflict, ParameterError, StoreError
from jointex.exercise import (
    EXPORT_FORMAT,
    Actor,
    Advance,
    DecideContext,
    End,
    ExerciseService,
    ExerciseState,
    ManualWallClock,
    SetClockMode,
    SetWorld,
    SimulationAdjudicator,
    Start,
    SubmitAction,
    fold,
    fold_until,
)
from jointex.scenario import parse_offset
from jointex.store import Event, EventStore, NewEvent
from tests.exercise.harness import TWN, WHITE, headless, scenario

# Few replications: the adjudications' values do not matter here, only that they are seeded.
RUNS = 100


def service_on(store: EventStore, clock: ManualWallClock | None = None) -> ExerciseService:
    """A service with a manual wall clock and a small adjudicator."""
    return ExerciseService(store, clock or ManualWallClock(1_000.0), SimulationAdjudicator(RUNS))


def comparable(events: Iterable[Event | NewEvent]) -> list[tuple[str, dict[str, Any]]]:
    """Events as (type, data), without what differs between two exercises: id and name."""
    result = []
    for event in events:
        data = dict(event.data)
        if event.type == "ExerciseCreated":
            data.pop("exercise_id")
            data.pop("name")
        result.append((event.type, json.loads(json.dumps(data))))
    return result


@cache
def flagship_reference() -> tuple[tuple[str, dict[str, Any]], ...]:
    """The pure domain's headless flagship run (seed 11), with the same adjudicator."""
    context = DecideContext(adjudicator=SimulationAdjudicator(RUNS))
    _, events = headless("grey-zone-surge", context)
    return tuple(comparable(events))


def test_create_handle_state(store: EventStore) -> None:
    """create writes one ExerciseCreated to a new exercise stream; commands fold into the state."""
    service = service_on(store)
    exercise = service.create(scenario("tutorial"), "Rehearsal", 7, WHITE)
    assert exercise.startswith("exercise-")
    (info,) = store.streams()
    assert (info.stream, info.kind, info.version) == (exercise, "exercise", 1)
    state = service.state(exercise)
    assert (state.exercise_id, state.name, state.seed, state.status) == (
        exercise,
        "Rehearsal",
        7,
        "draft",
    )
    started = service.handle(exercise, Start(), WHITE)
    assert [e.type for e in started][:1] == ["ExerciseStarted"]
    assert started[0].version == 2
    advanced = service.handle(exercise, Advance(to="D+1"), WHITE)
    assert [e.version for e in advanced] == list(range(2 + len(started), 2 + len(started) + 3 + 2))
    state = service.state(exercise)
    assert (state.status, state.minute, state.version) == ("running", 1440, store.version(exercise))
    assert [d.inject_id for d in state.deliveries] == ["T-001", "T-002"]
    assert all(e.meta["wall_time"] == 1_000.0 and e.meta["cell"] == "white" for e in advanced)
    # A fresh service folds the log to the same state the first one cached.
    assert service_on(store).state(exercise) == state
    assert state == fold(state.scenario, store.read(exercise))


def test_create_with_an_id_twice_conflicts(store: EventStore) -> None:
    """An explicit id is used as given; creating it again is a conflict; a bad id is refused."""
    service = service_on(store)
    assert service.create(scenario("tutorial"), "", 0, WHITE, exercise_id="drill-1") == "drill-1"
    assert service.state("drill-1").name == scenario("tutorial").title
    with pytest.raises(ConcurrencyConflict, match="already exists"):
        service.create(scenario("tutorial"), "", 0, WHITE, exercise_id="drill-1")
    with pytest.raises(ParameterError, match="exercise id"):
        service.create(scenario("tutorial"), "", 0, WHITE, exercise_id="bad id")
    with pytest.raises(CommandRejected, match="may not create"):
        service.create(scenario("tutorial"), "", 0, TWN)
    assert [s.stream for s in store.streams()] == ["drill-1"]


class RacingClock(ManualWallClock):
    """A wall clock that lets another writer act the first time it is read mid-command."""

    def __init__(self, race: Any) -> None:
        super().__init__(2_000.0)
        self.race = race

    def now(self) -> float:
        """Run the competing writer once, then tell the time."""
        race, self.race = self.race, None
        if race is not None:
            race()
        return super().now()


def test_stale_command_conflicts_and_appends_nothing(store: EventStore) -> None:
    """A writer that appends between our read and our append makes ours a conflict."""
    exercise = service_on(store).create(scenario("tutorial"), "Race", 1, WHITE)
    other = service_on(store)
    other.handle(exercise, Start(), WHITE)

    clock = RacingClock(None)
    racing = service_on(store, clock)
    racing.state(exercise)  # cached at the version after Start
    clock.race = lambda: other.handle(exercise, Advance(), WHITE)
    before = store.version(exercise)
    with pytest.raises(ConcurrencyConflict, match="not the expected"):
        racing.handle(exercise, SetWorld("surge_detected", True), WHITE, "cmd-set")
    after = list(store.read(exercise))
    assert after[-1].meta.get("command_id") != "cmd-set"
    assert [e.type for e in after[before:]][:1] == ["ClockAdvanced"]  # only the other writer's
    assert not any(e.meta.get("command_id") == "cmd-set" for e in after)
    # Not silently re-applied: the caller decides again on the new state, and it works.
    events = racing.handle(exercise, SetWorld("surge_detected", True), WHITE, "cmd-set")
    assert [e.type for e in events] == ["WorldStateChanged"]
    assert racing.state(exercise).version == store.version(exercise) == after[-1].version + 1


def test_retried_command_id_is_applied_once(store: EventStore) -> None:
    """The same command id returns the first result, even once the state has moved on."""
    service = service_on(store)
    exercise = service.create(scenario("tutorial"), "Retry", 1, WHITE)
    first = service.handle(exercise, Start(), WHITE, "start-1")
    again = service.handle(exercise, Start(), WHITE, "start-1")
    assert again == first
    service.handle(exercise, Advance(), WHITE, "advance-1")
    version = store.version(exercise)
    # A new service (empty cache) and a command that would now be rejected: still the original.
    assert service_on(store).handle(exercise, Start(), WHITE, "start-1") == first
    assert service.handle(exercise, Advance(), WHITE, "advance-1")[0].type == "ClockAdvanced"
    assert store.version(exercise) == version
    assert service.state(exercise).minute == 360


def test_rejected_commands_append_nothing(store: EventStore) -> None:
    """Rejections raise with the reason and leave the log as it was."""
    service = service_on(store)
    exercise = service.create(scenario("tutorial"), "Rejects", 1, WHITE)
    with pytest.raises(CommandRejected, match="has not started"):
        service.handle(exercise, Advance(), WHITE)
    service.handle(exercise, Start(), WHITE)
    version = store.version(exercise)
    with pytest.raises(CommandRejected, match="may not advance"):
        service.handle(exercise, Advance(), TWN)
    with pytest.raises(CommandRejected, match="no action"):
        service.handle(exercise, SubmitAction("nonsense"), TWN, "bad-1")
    with pytest.raises(CommandRejected, match="no cell"):
        service.handle(exercise, Advance(), Actor("eve", "nobody"))
    assert store.version(exercise) == version
    # A rejected command id is not used up.
    assert service.handle(exercise, Advance(), WHITE, "bad-1")
    service.handle(exercise, End("stop"), WHITE)
    with pytest.raises(CommandRejected, match="ended"):
        service.handle(exercise, Advance(), WHITE)
    # A command that changes nothing appends nothing.
    assert store.version(exercise) == service.state(exercise).version


def test_unknown_exercise_is_a_store_error(store: EventStore) -> None:
    """Reading or commanding an exercise that does not exist says so."""
    service = service_on(store)
    with pytest.raises(StoreError, match="no exercise 'exercise-nope'"):
        service.state("exercise-nope")
    with pytest.raises(StoreError, match="no exercise"):
        service.handle("exercise-nope", Start(), WHITE)
    store.append("other-1", [NewEvent("Tick")], 0)
    with pytest.raises(StoreError, match="not an exercise"):
        service.state("other-1")
    assert not service.exists("other-1")


def test_cache_folds_what_other_writers_appended(store: EventStore) -> None:
    """A cached state picks up events another service appended since."""
    first = service_on(store)
    exercise = first.create(scenario("tutorial"), "Two writers", 1, WHITE)
    assert first.state(exercise).status == "draft"
    second = service_on(store)
    second.handle(exercise, Start(), WHITE)
    second.handle(exercise, Advance(), WHITE)
    state = first.state(exercise)
    assert (state.status, state.minute) == ("running", 360)
    assert state == second.state(exercise)


def test_run_bots_flagship_matches_the_domain_and_repeats(store: EventStore) -> None:
    """Two flagship exercises with one seed log the same events, those of the pure headless run."""
    service = service_on(store)
    runs = []
    for name in ("First", "Second"):
        exercise = service.create(scenario("grey-zone-surge"), name, 11, WHITE)
        seen: list[int] = []
        state = service.run_bots(exercise, progress=lambda s, seen=seen: seen.append(s.minute))
        assert (state.status, state.minute) == ("ended", scenario("grey-zone-surge").duration)
        assert seen == sorted(seen)
        assert len(seen) == 1 + 40
        events = list(store.read(exercise))
        assert state == fold(state.scenario, events)
        # Every command after creation was sent with an id, so every event carries one.
        assert all("command_id" in e.meta for e in events[1:])
        runs.append(comparable(events))
    assert runs[0] == runs[1]
    assert runs[0] == list(flagship_reference())
    assert sum(1 for kind, _ in runs[0] if kind == "AdjudicationDecided") == 2


def test_run_bots_moves_and_cells(store: EventStore) -> None:
    """moves stops early without ending; cells limits whose bots play; running again resumes."""
    service = service_on(store)
    exercise = service.create(scenario("grey-zone-surge"), "Partial", 3, WHITE)
    state = service.run_bots(exercise, moves=4, cells=["white"])
    assert (state.status, state.minute) == ("running", 4 * 360)
    assert state.actions == ()
    assert service.run_bots(exercise, moves=0).minute == 4 * 360
    state = service.run_bots(exercise, until_end=False)
    assert (state.status, state.minute) == ("running", state.scenario.duration)
    assert state.actions
    assert service.run_bots(exercise).status == "ended"
    with pytest.raises(ParameterError, match="no cell 'nobody'"):
        service.run_bots(exercise, cells=["nobody"])


def test_replay_at_times(store: EventStore) -> None:
    """replay(at) is the fold of the log up to that scenario time, given in minutes or offset."""
    service = service_on(store)
    exercise = service.create(scenario("grey-zone-surge"), "Replay", 11, WHITE)
    final = service.run_bots(exercise)
    events = list(store.read(exercise))
    for at in (-1, 0, 361, 1440, parse_offset("D+2 H+06:00"), 9000, final.scenario.duration):
        replayed = service.replay(exercise, at)
        assert replayed == fold_until(final.scenario, events, at)
        assert replayed.minute <= max(at, replayed.start_minute)
    at_d2 = service.replay(exercise, "D+2 H+06:00")
    assert at_d2.minute == parse_offset("D+2 H+06:00")
    assert at_d2.status == "running"
    assert all(d.minute <= at_d2.minute for d in at_d2.deliveries)
    assert service.replay(exercise, 10**6) == final
    with pytest.raises(ParameterError, match="not a time"):
        service.replay(exercise, "tomorrow")


def _states_equal_except_id(a: ExerciseState, b: ExerciseState) -> bool:
    return dataclasses.replace(a, exercise_id="x") == dataclasses.replace(b, exercise_id="x")


def test_export_import_folds_to_the_same_state(store: EventStore, tmp_path: Any) -> None:
    """Export then import (another store, or under a new id) replays identically at every time."""
    service = service_on(store)
    exercise = service.create(scenario("grey-zone-surge"), "Export", 11, WHITE)
    service.run_bots(exercise, moves=12)
    lines = list(service.export(exercise))
    header = json.loads(lines[0])
    assert header == {
        "format": EXPORT_FORMAT,
        "format_version": 1,
        "exercise_id": exercise,
        "events": store.version(exercise),
    }
    first = json.loads(lines[1])
    assert (first["version"], first["type"]) == (1, "ExerciseCreated")
    assert set(first) == {"version", "type", "data", "meta", "recorded_at"}
    assert all(line.endswith("\n") for line in lines)

    with EventStore.open(tmp_path / "other.db") as other_store:
        other = service_on(other_store)
        assert other.import_(lines) == exercise
        assert other.state(exercise) == service.state(exercise)
        for at in (0, 700, 1440, 3000, 4320):
            assert other.replay(exercise, at) == service.replay(exercise, at)
        assert [e.meta for e in other_store.read(exercise)] == [
            e.meta for e in store.read(exercise)
        ]

    with pytest.raises(StoreError, match="already exists"):
        service.import_(lines)
    copy = service.import_(lines, new_id="exercise-copy")
    assert service.state(copy).exercise_id == "exercise-copy"
    for at in (0, 1440, 4320):
        assert _states_equal_except_id(service.replay(copy, at), service.replay(exercise, at))
    # The copy plays on, the same as the original would.
    assert service.run_bots(copy).status == "ended"


def line_of(version: int, kind: str, data: dict[str, Any] | None = None) -> str:
    """One event line of an export."""
    record: dict[str, Any] = {"version": version, "type": kind, "meta": {}}
    if data is not None:
        record["data"] = data
    return json.dumps(record)


@pytest.mark.parametrize(
    ("line", "replace", "message"),
    [
        (1, "not json", "line 1: not JSON"),
        (1, '{"format": "other"}', "line 1: not a JointEx exercise export"),
        (1, '{"format": "jointex-exercise", "format_version": 9}', "format version 9"),
        (2, line_of(1, "ExerciseStarted", {"minute": 0}), "line 2: the first event is Exer"),
        (4, "[1, 2]", "line 4: not a JSON object"),
        (4, line_of(9, "ClockAdvanced", {}), "line 4: version 9 where 3 was expected"),
        (4, line_of(3, "Bogus", {}), "line 4: 'Bogus' is not an exercise event type"),
        (4, line_of(3, "PhaseEntered", {}), "line 4: PhaseEntered data: phase_id: Field required"),
        (4, line_of(3, "PhaseEntered", {"phase_id": "x", "minute": "9"}), "minute: Input should"),
        (4, line_of(3, "PhaseEntered"), "line 4: the event has no data"),
        (4, line_of(3, "PhaseEntered", {"phase_id": "x", "minute": math.nan}), "line 4: NaN"),
        (3, line_of(2, "InjectScheduled", {"inject": {"id": 5}, "by": "x"}), "not a valid Inject"),
        (
            2,
            line_of(
                1,
                "ExerciseCreated",
                {"exercise_id": "e", "name": "n", "scenario": {}, "seed": 0, "created_by": "x"},
            ),
            "line 2: ExerciseC",
        ),
        (4, None, "has 2 events, its header says 3"),
    ],
)
def test_import_refuses_a_bad_line_and_imports_nothing(
    store: EventStore, line: int, replace: str | None, message: str
) -> None:
    """Any bad line is named by its number, and the store is left as it was."""
    service = service_on(store)
    exercise = service.create(scenario("tutorial"), "Bad", 1, WHITE)
    service.handle(exercise, Start(), WHITE)
    lines = list(service.export(exercise))
    assert len(lines) == 4  # header, created, started, phase entered
    if replace is None:
        del lines[line - 1]
    else:
        lines[line - 1] = replace
    with pytest.raises(StoreError) as caught:
        service.import_(lines, new_id="exercise-bad", source="bad.jsonl")
    assert message in str(caught.value)
    assert "nothing was imported" in str(caught.value)
    assert [s.stream for s in store.streams()] == [exercise]


def test_list_shows_every_exercise(store: EventStore) -> None:
    """list: id, name, scenario, status and clock of each exercise, by id; other streams not."""
    service = service_on(store)
    assert service.list() == []
    one = service.create(scenario("tutorial"), "One", 1, WHITE, exercise_id="exercise-a")
    two = service.create(scenario("grey-zone-surge"), "Two", 1, WHITE, exercise_id="exercise-b")
    service.handle(two, Start(), WHITE)
    store.append("other-1", [NewEvent("Tick")], 0)
    rows = service.list()
    assert [(r.exercise_id, r.name, r.scenario, r.status) for r in rows] == [
        (one, "One", "tutorial", "draft"),
        (two, "Two", "grey-zone-surge", "running"),
    ]
    assert rows[1].minute == service.state(two).minute
    assert rows[1].version == store.version(two)


def test_tick_moves_a_realtime_clock(store: EventStore) -> None:
    """tick advances a real-time clock by the wall time elapsed, once, and never in turn mode."""
    clock = ManualWallClock(10_000.0)
    service = service_on(store, clock)
    exercise = service.create(scenario("tutorial"), "Real time", 1, WHITE)
    service.handle(exercise, Start(), WHITE)
    clock.advance(600)
    assert service.tick(exercise) == []  # turn mode
    service.handle(exercise, SetClockMode("realtime", speed=60), WHITE)
    clock.advance(10.5)
    events = service.tick(exercise)
    assert events[0].type == "ClockAdvanced"
    assert events[0].data == {"from_minute": 0, "to_minute": 10, "reason": "realtime"}
    assert service.tick(exercise) == []
    # Two services ticking one after the other: the second finds the clock already there.
    clock.advance(60)
    racing = service_on(store, clock)
    racing.state(exercise)
    first = racing.tick(exercise)
    assert service.tick(exercise) == []
    assert service.state(exercise).minute == 70
    assert first[0].data["to_minute"] == 70
