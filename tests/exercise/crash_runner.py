"""Child process for the exercise crash test: play an exercise headless, acknowledging commands.

Usage: ``python crash_runner.py STORE_URL EXERCISE_ID RUNS``. Runs `ExerciseService.run_bots`
to the end; after every command's `handle` has returned (its events are committed) prints the
exercise's version on its own line, flushed, until it is killed or the exercise ends.
"""

from __future__ import annotations

import sys
from typing import Any

from jointex.exercise import ExerciseService, SimulationAdjudicator
from jointex.store import Event, EventStore


class AcknowledgingService(ExerciseService):
    """A service that prints the version each command left the exercise at."""

    def handle(self, *args: Any, **kwargs: Any) -> list[Event]:
        """Handle the command, then acknowledge it."""
        recorded = super().handle(*args, **kwargs)
        if recorded:
            print(recorded[-1].version, flush=True)
        return recorded


def main(url: str, exercise_id: str, runs: int) -> None:
    """Play the exercise to the end."""
    store = EventStore.open(url)
    AcknowledgingService(store, adjudicator=SimulationAdjudicator(runs)).run_bots(exercise_id)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
