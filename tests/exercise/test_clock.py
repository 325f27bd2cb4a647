"""The scenario clock: turn, real-time and mixed modes over a manual wall clock."""

from __future__ import annotations

import pytest

from jointex._errors import ParameterError
from jointex.exercise import (
    Advance,
    DecideContext,
    ExerciseState,
    ManualWallClock,
    Pause,
    Resume,
    ScenarioClock,
    SetClockMode,
    Start,
    SystemWallClock,
    due_minute,
    execute,
)
from tests.exercise.harness import WHITE, created


def at(state: ExerciseState, wall: float, *commands: object) -> ExerciseState:
    """Execute commands as the white cell at a wall time."""
    for command in commands:
        state, _ = execute(state, command, WHITE, DecideContext(wall_time=wall))  # type: ignore[arg-type]
    return state


def tick(state: ExerciseState, wall: float) -> ExerciseState:
    """What the service does on a tick: advance to the due minute, if any."""
    minute = due_minute(state, ScenarioClock.of(state), wall)
    if minute is None:
        return state
    return at(state, wall, Advance(to=minute, reason="realtime"))


def test_manual_wall_clock_moves_only_when_told() -> None:
    """ManualWallClock stands still until advanced or set, and never runs backwards."""
    clock = ManualWallClock(100.0)
    assert clock.now() == 100.0
    clock.advance(2.5)
    assert clock.now() == 102.5
    clock.set(10.0)
    assert clock.now() == 10.0
    with pytest.raises(ParameterError):
        clock.advance(-1)


def test_system_wall_clock_reads_seconds() -> None:
    """SystemWallClock returns the epoch time in seconds."""
    assert SystemWallClock().now() > 1_600_000_000


def test_turn_mode_never_moves_by_itself() -> None:
    """In turn mode no wall time makes a minute due."""
    state = at(created(start=False), 0.0, Start())
    assert due_minute(state, ScenarioClock.of(state), 10_000.0) is None
    assert ScenarioClock.of(state).minute_at(10_000.0) == 0


def test_realtime_minute_at_follows_speed() -> None:
    """At speed 60 one wall second is one scenario minute, counted from the anchor."""
    clock = ScenarioClock("realtime", 60.0, anchor_wall=100.0, anchor_minute=30)
    assert clock.minute_at(100.0) == 30
    assert clock.minute_at(159.9) == 89
    assert clock.minute_at(160.0) == 90
    assert clock.minute_at(50.0) == 30  # wall time before the anchor never runs the clock back
    assert ScenarioClock("realtime", 1.0, 0.0, 0).minute_at(3600.0) == 60


def test_realtime_ticks_advance_without_drift() -> None:
    """Ticks at fractional seconds add up to the exact elapsed scenario time."""
    state = at(created(start=False), 0.0, Start(), SetClockMode("realtime", 60.0))
    for n in range(1, 41):
        state = tick(state, n * 1.5)
    assert state.minute == 60  # 60 wall seconds at a minute a second
    assert state.clock_anchor_wall == pytest.approx(60.0)


def test_realtime_stops_while_paused_and_restarts_from_resume() -> None:
    """Pausing stops the clock; resuming anchors it at the resume's wall time."""
    state = at(created(start=False), 0.0, Start(), SetClockMode("realtime", 60.0))
    state = tick(state, 10.0)
    state = at(state, 10.0, Pause())
    assert due_minute(state, ScenarioClock.of(state), 100.0) is None
    state = at(state, 100.0, Resume())
    state = tick(state, 105.0)
    assert state.minute == 15


def test_realtime_stops_at_the_end_of_the_scenario() -> None:
    """The clock runs to the scenario's end and no further."""
    state = at(created(start=False), 0.0, Start(), SetClockMode("realtime", 6000.0))
    state = tick(state, 10_000.0)
    assert state.minute == state.scenario.duration
    assert due_minute(state, ScenarioClock.of(state), 20_000.0) is None


def test_mixed_mode_waits_at_the_end_of_each_move() -> None:
    """In mixed mode real time runs one move, then waits for control to advance."""
    state = at(created(start=False), 0.0, Start(), SetClockMode("mixed", 60.0))
    state = tick(state, 1_000.0)
    assert state.minute == 360
    assert due_minute(state, ScenarioClock.of(state), 2_000.0) is None
    state = at(state, 1_000.0, Advance(minutes=60))
    assert state.move_started == 420
    state = tick(state, 2_000.0)
    assert state.minute == 780


def test_realtime_ticks_deliver_injects_like_turns() -> None:
    """Inject delivery does not depend on how the clock got there."""
    state = at(created(start=False), 0.0, Start(), SetClockMode("realtime", 600.0))
    for n in range(1, 400):
        state = tick(state, n * 0.7)
    turns = at(created(start=False), 0.0, Start(), Advance(to=state.minute))
    assert [(d.inject_id, d.minute) for d in state.deliveries] == [
        (d.inject_id, d.minute) for d in turns.deliveries
    ]


def test_due_minute_is_none_before_the_start() -> None:
    """A draft exercise has no clock running."""
    state = at(created(start=False), 0.0, SetClockMode("realtime", 60.0))
    assert due_minute(state, ScenarioClock.of(state), 1_000.0) is None
    assert WHITE.cell == "white"
