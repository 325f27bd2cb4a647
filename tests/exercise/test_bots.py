"""Bots: cells' scripted rules, the white-cell bot and whole headless runs."""

from __future__ import annotations

from functools import cache

from jointex.exercise import (
    Advance,
    DecideContext,
    ExerciseState,
    SubmitAction,
    bot_commands,
    play_bots,
    white_bot_commands,
)
from jointex.store import NewEvent
from tests.exercise.harness import TWN, created, headless, play, rejected, scenario
from tests.exercise.test_decide import FakeAdjudicator


@cache
def flagship() -> tuple[ExerciseState, tuple[NewEvent, ...]]:
    """One headless flagship run with an adjudicator, computed once."""
    state, events = headless("grey-zone-surge", DecideContext(adjudicator=FakeAdjudicator()))
    return state, tuple(events)


def test_bot_rules_wait_for_their_condition() -> None:
    """No rule fires at routine escalation; Taiwan's fires once escalation reaches 1."""
    state = created()
    assert bot_commands(state.scenario, state) == []
    state, _ = play(state, [Advance(to="D+1")])
    commands = bot_commands(state.scenario, state)
    assert [(a.cell, c.action, c.bot_rule) for a, c in commands] == [("twn", "scramble-alert", 0)]
    assert commands[0][0].user == "bot:twn"


def test_each_rule_fires_once() -> None:
    """After playing, a rule that fired is not offered again, and its marker is recorded."""
    state, _ = play(created(), [Advance(to="D+1")])
    state, events = play_bots(state)
    assert [e.data.get("bot_rule") for e in events if e.type == "ActionSubmitted"] == [0]
    assert ("twn", 0) in state.bot_rules_fired
    assert bot_commands(state.scenario, state) == []
    assert rejected(state, SubmitAction("scramble-alert", bot_rule=0), TWN) == (
        "bot rule 0 of cell 'twn' has already fired"
    )


def test_two_rules_for_one_action_each_fire() -> None:
    """Taiwan's two counter-disinformation rules fire separately (once is per rule)."""
    state, _ = flagship()
    fired = [(a.cell, a.bot_rule) for a in state.actions if a.action == "counter-disinformation"]
    assert fired == [("twn", 5), ("twn", 6)]


def test_human_actions_do_not_use_up_bot_rules() -> None:
    """A player's own action leaves the cell's bot rules to fire on their own."""
    state, _ = play(created(), [SubmitAction("scramble-alert")], TWN)
    state, _ = play(state, [Advance(to="D+1")])
    assert [c.bot_rule for _, c in bot_commands(state.scenario, state)] == [0]


def test_white_bot_accepts_every_open_adjudication_with_its_sample() -> None:
    """The white-cell bot accepts what is open, with the sampled outcome."""
    context = DecideContext(adjudicator=FakeAdjudicator())
    state = created("grey-zone-surge")
    state, _ = play(state, [SubmitAction("scramble-alert"), SubmitAction("request-isr")], TWN,
                    context)  # fmt: skip
    commands = white_bot_commands(state)
    assert [(a.cell, c.adjudication_id, c.decision) for a, c in commands] == [
        ("white", "A-1", "accepted"), ("white", "A-2", "accepted"),
    ]  # fmt: skip
    state, events = play_bots(state, context)
    assert [e.data["outcome"] for e in events] == [{"intercepted": True}] * 2
    assert state.open_adjudications() == ()


def test_bots_do_nothing_unless_running() -> None:
    """A draft exercise has no bot moves."""
    state = created(start=False)
    assert bot_commands(state.scenario, state) == []
    assert play_bots(state) == (state, [])


def test_headless_flagship_runs_to_the_end() -> None:
    """Bots play grey-zone-surge from start to ENDEX: ended, 30+ injects, all decided."""
    state, events = flagship()
    assert state.status == "ended"
    assert state.minute == scenario("grey-zone-surge").duration
    assert len(state.deliveries) >= 30
    assert state.deliveries[-1].inject_id == "GZS-060"
    assert len(state.actions) >= 15
    assert state.adjudications
    assert state.open_adjudications() == ()
    assert {"twn", "usa", "red"} <= {a.cell for a in state.actions}
    assert events[-1].type == "ExerciseEnded"


def test_headless_runs_are_reproducible() -> None:
    """Two headless runs of a scenario produce the same events."""
    first = headless("grey-zone-surge", DecideContext(adjudicator=FakeAdjudicator()))[1]
    assert [(e.type, e.data) for e in first] == [(e.type, e.data) for e in flagship()[1]]
    assert headless("tutorial")[1] == headless("tutorial")[1]


def test_headless_tutorial_runs_to_the_end() -> None:
    """Bots play the tutorial: Taiwan scrambles on the surge and T-004 follows."""
    state, _ = headless("tutorial")
    assert state.status == "ended"
    ids = [d.inject_id for d in state.deliveries]
    assert ids == ["T-001", "T-002", "T-003", "T-004"]
    assert state.decided("twn", "scramble-alert")
    assert state.variables["alert_pairs_airborne"] == 1


def test_headless_flagship_with_the_simulation_adjudicator() -> None:
    """The real adjudicator fits DecideContext: samples are recorded, JSON-ready, and accepted."""
    import json

    from jointex.exercise import SimulationAdjudicator

    context = DecideContext(adjudicator=SimulationAdjudicator(runs=50))
    state, events = headless("grey-zone-surge", context)
    assert state.status == "ended"
    decided = [a.decided for a in state.adjudications.values()]
    assert decided
    assert all(d is not None and d.outcome["summary"] for d in decided)
    json.dumps([e.data for e in events])
