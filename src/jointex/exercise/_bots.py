"""Scripted players: cells' ``bot`` rules from the scenario, and the white-cell bot.

A bot rule submits its action once, the first time its condition holds while the exercise runs.
"Once" is per rule, not per action type: the action it submits carries the rule's index
(``SubmitAction.bot_rule`` -> ``ActionSubmitted.bot_rule``) and the state remembers which
``(cell, rule)`` pairs have fired, so two rules of one cell may submit the same action at
different times (grey-zone-surge's Taiwan cell rebuts disinformation twice).

The white-cell bot accepts every open adjudication with its sampled outcome.

`play_bots` runs both to a standstill, one command at a time, so each rule sees the effects of
the commands before it; a headless exercise is ``Advance()`` then `play_bots`, until the end.
"""

from __future__ import annotations

from jointex._errors import CommandRejected
from jointex.exercise._commands import Actor, Command, Decide, SubmitAction
from jointex.exercise._decide import DecideContext, execute
from jointex.exercise._state import ExerciseState
from jointex.scenario import Scenario
from jointex.store import NewEvent

__all__ = ["bot_commands", "play_bots", "white_bot_commands"]


def _bot(cell: str) -> Actor:
    return Actor(user=f"bot:{cell}", cell=cell)


def bot_commands(scenario: Scenario, state: ExerciseState) -> list[tuple[Actor, SubmitAction]]:
    """The actions cells' bot rules would take now: rules not yet fired whose condition holds.

    Args:
        scenario: the exercise's scenario (its cells' ``bot`` rules).
        state: the exercise now; nothing is returned unless it is running.

    Returns:
        ``(actor, command)`` pairs by cell order, then rule order. Each was chosen against
        ``state``: after applying one, ask again rather than applying the rest blindly.
    """
    if state.status != "running":
        return []
    commands: list[tuple[Actor, SubmitAction]] = []
    for cell in scenario.cells:
        for index, rule in enumerate(cell.bot):
            if (cell.id, index) in state.bot_rules_fired or not state.holds(rule.when):
                continue
            command = SubmitAction(
                action=rule.action,
                units=rule.units,
                text=rule.text,
                marking=rule.marking,
                bot_rule=index,
            )
            commands.append((_bot(cell.id), command))
    return commands


def white_bot_commands(state: ExerciseState) -> list[tuple[Actor, Decide]]:
    """The white-cell bot's decisions: accept every open adjudication with its sample.

    Args:
        state: the exercise now.

    Returns:
        One ``Decide(..., "accepted", outcome=sample)`` per open adjudication, oldest first,
        for the scenario's first control cell (none if it has no control cell or is ended).
    """
    control = next((c for c in state.scenario.cells if c.role == "control"), None)
    if control is None or state.status == "ended":
        return []
    return [
        (
            _bot(control.id),
            Decide(a.opened.adjudication_id, "accepted", outcome=a.opened.sample),
        )
        for a in state.open_adjudications()
    ]


def play_bots(
    state: ExerciseState, context: DecideContext | None = None, *, white: bool = True
) -> tuple[ExerciseState, list[NewEvent]]:
    """Let the bots play until none has anything left to do now.

    Cell bots go first, one command at a time (each sees the previous one's effects); then the
    white-cell bot decides what is open; repeat. A bot command the exercise rejects is skipped
    (the scenario's checks make that rare: e.g. a rule naming a unit since removed).

    Args:
        state: the exercise now.
        context: wall time and adjudicator for the decisions.
        white: also run the white-cell bot.

    Returns:
        The state after the bots' events, and the events in order (to append).
    """
    events: list[NewEvent] = []
    skipped: set[tuple[str, int | None]] = set()
    while True:
        pending: list[tuple[Actor, Command]] = [
            (actor, command)
            for actor, command in bot_commands(state.scenario, state)
            if (actor.cell, command.bot_rule) not in skipped
        ]
        if not pending and white:
            pending = list(white_bot_commands(state))
        if not pending:
            return state, events
        actor, command = pending[0]
        try:
            state, produced = execute(state, command, actor, context)
        except CommandRejected:
            if not isinstance(command, SubmitAction):
                raise
            skipped.add((actor.cell, command.bot_rule))
            continue
        events.extend(produced)
