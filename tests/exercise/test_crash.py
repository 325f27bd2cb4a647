"""Crash safety of headless play: a run killed with SIGKILL loses no acknowledged command and
carries on to the same end as a run never interrupted."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from jointex.exercise import ExerciseService, SimulationAdjudicator, fold
from jointex.scenario import Scenario
from jointex.store import EventStore
from tests.exercise.harness import WHITE, scenario
from tests.exercise.test_service import comparable

RUNNER = Path(__file__).with_name("crash_runner.py")
RUNS = 50
SEED = 5


@cache
def hourly_flagship() -> Scenario:
    """The flagship in one-hour moves: some 265 commands, so a kill lands mid-run."""
    data = scenario("grey-zone-surge").model_dump(mode="json")
    data["move_minutes"] = 60
    return Scenario.model_validate(data)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_mid_run_then_resume(tmp_path: Path, seed: int) -> None:
    """Every acknowledged event survives, the state folds consistently, and play resumes."""
    url = f"sqlite:///{tmp_path / 'exercise.db'}"
    with EventStore.open(url) as store:
        service = ExerciseService(store, adjudicator=SimulationAdjudicator(RUNS))
        exercise = service.create(hourly_flagship(), "Crash", SEED, WHITE)
        reference = service.create(hourly_flagship(), "Reference", SEED, WHITE)
    kill_after = random.Random(seed).randint(5, 120)
    child = subprocess.Popen(
        [sys.executable, str(RUNNER), url, exercise, str(RUNS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= kill_after:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        _out, err = child.communicate(timeout=30)
    assert len(acknowledged) == kill_after, err
    assert child.returncode == -signal.SIGKILL, "the run finished before it was killed"

    with EventStore.open(url) as store:
        service = ExerciseService(store, adjudicator=SimulationAdjudicator(RUNS))
        events = list(store.read(exercise))
        count = len(events)
        assert [e.version for e in events] == list(range(1, count + 1))
        assert count >= acknowledged[-1]
        state = service.state(exercise)
        assert state.version == count == store.version(exercise)
        assert state.status == "running"
        assert state == fold(state.scenario, events)
        stored_minute = state.minute

        final = service.run_bots(exercise)
        assert (final.status, final.minute) == ("ended", hourly_flagship().duration)
        resumed = list(store.read(exercise, count))
        steps = [e for e in resumed if e.type == "ClockAdvanced"]
        assert steps[0].data["from_minute"] == stored_minute
        # Killed and resumed, the exercise logs exactly what an uninterrupted run logs.
        service.run_bots(reference)
        assert comparable(store.read(exercise)) == comparable(store.read(reference))
