"""Scenario time against wall time: turn, real-time and mixed clocks over an injected wall clock.

Scenario time only moves through `ClockAdvanced` events, so a replay never reads a wall clock.
In ``turn`` mode only control-cell commands move it. In ``realtime`` mode the service asks
`due_minute` on each tick and, when it returns a minute, issues
``Advance(to=minute, reason="realtime")``. ``mixed`` runs in real time for one move
(``move_minutes``) from where the start, a mode change or the control cell's last clock step
left it, then waits for the control cell.

Speed is scenario seconds per wall second: 1 is real time, 60 one scenario minute per second.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal, Protocol

from jointex._errors import ParameterError
from jointex.exercise._state import ExerciseState

__all__ = ["ManualWallClock", "ScenarioClock", "SystemWallClock", "WallClock", "due_minute"]


class WallClock(Protocol):
    """A source of wall time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemWallClock:
    """The computer's clock (`time.time`)."""

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()


class ManualWallClock:
    """A wall clock that moves only when told to, for tests and simulations.

    Args:
        start: the initial time in seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """The time last set."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Raises:
            ParameterError: ``seconds`` is negative (wall time never runs backwards).
        """
        if seconds < 0:
            raise ParameterError("a wall clock never runs backwards")
        self._now += seconds

    def set(self, now: float) -> None:
        """Set the time."""
        self._now = float(now)


@dataclass(frozen=True, slots=True)
class ScenarioClock:
    """The scenario clock at one moment: where it is anchored and how fast it runs.

    Attributes:
        mode: ``turn``, ``realtime`` or ``mixed``.
        speed: scenario seconds per wall second.
        anchor_wall: wall time (seconds) when the clock was at ``anchor_minute``; ``None`` when
            unknown (the clock then stands still).
        anchor_minute: scenario minute at ``anchor_wall``.
        paused: whether the clock stands still (paused, draft or ended exercise).
        limit: the latest minute it may run to by itself (end of scenario; in mixed mode also
            the end of the current move); ``None`` for no limit.
    """

    mode: Literal["turn", "realtime", "mixed"]
    speed: float
    anchor_wall: float | None
    anchor_minute: int
    paused: bool = False
    limit: int | None = None

    @classmethod
    def of(cls, state: ExerciseState) -> ScenarioClock:
        """The clock of an exercise state."""
        limit = state.scenario.duration
        if state.clock_mode == "mixed":
            limit = min(limit, state.move_started + state.scenario.move_minutes)
        return cls(
            mode=state.clock_mode,
            speed=state.clock_speed,
            anchor_wall=state.clock_anchor_wall,
            anchor_minute=state.minute,
            paused=state.status != "running",
            limit=limit,
        )

    def minute_at(self, wall: float) -> int:
        """The scenario minute the clock shows at a wall time (whole minutes, never earlier).

        Args:
            wall: wall time in seconds.

        Returns:
            ``anchor_minute`` in turn mode or while paused; otherwise the anchor plus the
            elapsed wall time at ``speed``, capped at ``limit``.
        """
        if self.mode == "turn" or self.paused or self.anchor_wall is None:
            return self.anchor_minute
        elapsed = max(0.0, wall - self.anchor_wall)
        minute = self.anchor_minute + math.floor(elapsed * self.speed / 60.0 + 1e-9)
        if self.limit is not None:
            minute = min(minute, max(self.limit, self.anchor_minute))
        return minute


def due_minute(state: ExerciseState, clock: ScenarioClock, wall_now: float) -> int | None:
    """The minute a real-time tick should advance to, or ``None`` when the clock stays.

    Args:
        state: the exercise now.
        clock: its clock (usually ``ScenarioClock.of(state)``).
        wall_now: the wall time of the tick.

    Returns:
        A minute later than ``state.minute`` for ``Advance(to=..., reason="realtime")``, or
        ``None`` (turn mode, not running, or less than a scenario minute elapsed).
    """
    if state.status != "running" or clock.mode == "turn":
        return None
    minute = clock.minute_at(wall_now)
    return minute if minute > state.minute else None
