"""Helpers shared by the exercise tests: scenarios, actors and a headless game loop."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from jointex.exercise import (
    Actor,
    Advance,
    Command,
    CommandRejected,
    CreateExercise,
    DecideContext,
    End,
    ExerciseState,
    Start,
    decide,
    execute,
    new_state,
    play_bots,
)
from jointex.scenario import Scenario, resolve
from jointex.store import NewEvent

WHITE = Actor("alice", "white")
TWN = Actor("li", "twn")
USA = Actor("sam", "usa")
RED = Actor("wang", "red")
OBSERVER = Actor("olga", "observers")


@cache
def scenario(name: str) -> Scenario:
    """A built-in scenario, loaded once per test session."""
    return resolve(name)


def custom(**changes: Any) -> Scenario:
    """The tutorial with top-level keys replaced (e.g. ``msel=[...]``)."""
    data = scenario("tutorial").model_dump(mode="json")
    data.update(changes)
    return Scenario.model_validate(data)


def created(source: Scenario | str = "tutorial", *, start: bool = True) -> ExerciseState:
    """A created (and by default started) exercise of a scenario."""
    chosen = scenario(source) if isinstance(source, str) else source
    state, _ = play(new_state(chosen), [CreateExercise("ex-1", "Test", seed=7)])
    if start:
        state, _ = play(state, [Start()])
    return state


def play(
    state: ExerciseState,
    commands: Iterable[Command],
    actor: Actor = WHITE,
    context: DecideContext | None = None,
) -> tuple[ExerciseState, list[NewEvent]]:
    """Execute commands in turn as one actor; the final state and every event."""
    events: list[NewEvent] = []
    for command in commands:
        state, produced = execute(state, command, actor, context)
        events.extend(produced)
    return state, events


def headless(
    source: Scenario | str, context: DecideContext | None = None
) -> tuple[ExerciseState, list[NewEvent]]:
    """A whole exercise played by bots: a move, then bots until idle, to the end; ENDEX."""
    chosen = scenario(source) if isinstance(source, str) else source
    state, events = play(new_state(chosen), [CreateExercise("ex-1", "Headless", seed=11), Start()])
    state, produced = play_bots(state, context)
    events += produced
    while state.minute < chosen.duration:
        state, produced = play(state, [Advance()], context=context)
        events += produced
        state, produced = play_bots(state, context)
        events += produced
    state, produced = play(state, [End("ENDEX")], context=context)
    return state, events + produced


def rejected(state: ExerciseState, command: Command, actor: Actor = WHITE) -> str:
    """The rejection message of a command (fails the test if the command is accepted)."""
    try:
        decide(state, command, actor)
    except CommandRejected as exc:
        return str(exc)
    raise AssertionError(f"{command!r} by {actor!r} was accepted")


def types(events: Iterable[NewEvent]) -> list[str]:
    """The events' type names."""
    return [e.type for e in events]


__all__ = [
    "OBSERVER",
    "RED",
    "TWN",
    "USA",
    "WHITE",
    "created",
    "custom",
    "headless",
    "play",
    "rejected",
    "scenario",
    "types",
]
