"""An exercise as a stream of the event store: its kind, the ids it may have, its scenario.

The first event of every exercise stream is ``ExerciseCreated``, whose ``scenario`` is the full
scenario as dumped when the exercise was created: the exercise is played, replayed and imported
against that snapshot, never against the scenario file as it is now.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from jointex._errors import ParameterError, StoreError
from jointex.exercise._events import ExerciseCreated, parse_event
from jointex.scenario import Scenario
from jointex.store import Event, NewEvent

__all__ = ["EXERCISE_KIND", "check_exercise_id", "scenario_of"]

EXERCISE_KIND = "exercise"
"""The store's stream kind of exercises."""

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,119}")


def check_exercise_id(exercise_id: str) -> str:
    """An exercise id as given, if it can name a stream.

    Args:
        exercise_id: e.g. ``exercise-3f9c2a1b``.

    Returns:
        The id.

    Raises:
        ParameterError: empty, longer than 120 characters, or not letters, digits and
            ``. _ : -`` (starting with a letter or digit).
    """
    if not _ID.fullmatch(exercise_id):
        raise ParameterError(
            f"exercise id {exercise_id!r}: use up to 120 letters, digits, '.', '_', ':' and '-', "
            "starting with a letter or digit"
        )
    return exercise_id


def scenario_of(exercise_id: str, first: Event | NewEvent) -> Scenario:
    """The scenario snapshot in an exercise's first event.

    Args:
        exercise_id: the exercise, for error messages.
        first: its first event, as read or about to be appended.

    Raises:
        StoreError: the event is not an ``ExerciseCreated`` or its scenario does not validate.
    """
    event = parse_event(first)
    if not isinstance(event, ExerciseCreated):
        raise StoreError(f"{exercise_id!r} is not an exercise: it starts with {first.type}")
    try:
        return Scenario.model_validate(dict(event.scenario))
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise StoreError(
            f"exercise {exercise_id!r}: its scenario snapshot is not valid "
            f"({where}: {problem['msg']})"
        ) from None
