"""The state: initial values, the fold, apply's purity, event payloads and replay."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from functools import cache, reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointex._errors import StoreError
from jointex.exercise import (
    EVENT_TYPES,
    Acknowledge,
    Actor,
    Advance,
    CommandRejected,
    Decide,
    ExerciseState,
    InjectDelivered,
    RecordObservation,
    SendInject,
    SetWorld,
    SubmitAction,
    SubmitRfi,
    apply,
    execute,
    fold,
    fold_until,
    new_state,
    parse_event,
    start_minute,
)
from jointex.store import Event, NewEvent
from tests.exercise.harness import (
    OBSERVER,
    RED,
    TWN,
    USA,
    WHITE,
    created,
    custom,
    headless,
    play,
    scenario,
)


@cache
def flagship_run() -> tuple[ExerciseState, tuple[NewEvent, ...]]:
    """A headless run of the flagship, computed once."""
    state, events = headless("grey-zone-surge")
    return state, tuple(events)


def test_new_state_holds_the_initial_world() -> None:
    """Before any event: draft, version 0, initial variables and escalation, all injects due."""
    state = new_state(scenario("grey-zone-surge"))
    assert (state.status, state.version, state.minute, state.escalation) == ("draft", 0, 0, 0)
    assert state.variables["qra_pairs_available"] == 11
    assert state.variables["public_confidence"] == 0.7
    assert len(state.injects) == 60
    assert all(i.status == "scheduled" for i in state.injects.values())
    assert state.phase_id is None


def test_variables_are_read_only() -> None:
    """The state's mappings cannot be changed in place."""
    state = created()
    with pytest.raises(TypeError):
        state.variables["surge_detected"] = True  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.minute = 5  # type: ignore[misc]


def test_start_minute_covers_injects_before_d_day() -> None:
    """An inject at D-1 moves the start of play to it."""
    early = custom(msel=[{"id": "P", "time": "D-1 H+18:00", "title": "Prep", "to": ["all"]}])
    assert start_minute(early) == -360
    state = created(early)
    assert [(d.inject_id, d.minute) for d in state.deliveries] == [("P", -360)]
    assert state.phase_id is None
    state, _ = play(state, [Advance()])
    assert state.phase_id == "routine"


def test_fold_equals_the_state_decide_returned() -> None:
    """Folding every event of a whole run gives the state the run ended in."""
    state, events = flagship_run()
    assert fold(state.scenario, events) == state
    assert state.version == len(events)


def test_fold_equals_applying_one_event_at_a_time() -> None:
    """fold and repeated apply agree."""
    state, events = flagship_run()
    stepped = reduce(apply, events, new_state(state.scenario))
    assert stepped == fold(state.scenario, events)


def test_apply_leaves_the_old_state_alone() -> None:
    """apply returns a new state and never changes the one it was given."""
    state = created()
    before = (state.deliveries, dict(state.variables), state.version, dict(state.injects))
    event = InjectDelivered("T-002", 360, ("twn",), "message", "UNCLASSIFIED", "t", "", (), False,
                            None)  # fmt: skip
    after = apply(state, event)
    assert (state.deliveries, dict(state.variables), state.version, dict(state.injects)) == before
    assert after.injects["T-002"].status == "delivered"
    assert after.version == state.version + 1


def test_store_records_fold_like_the_new_events() -> None:
    """Events written to JSON and read back as store records fold to the same state."""
    state, events = flagship_run()
    records = [
        Event(
            "ex-1",
            n,
            e.type,
            json.loads(json.dumps(e.data)),
            json.loads(json.dumps(e.meta)),
            n,
            datetime(2025, 1, 1, tzinfo=UTC),
        )
        for n, e in enumerate(events, start=1)
    ]
    assert fold(state.scenario, records) == state


def test_every_event_round_trips_through_its_data() -> None:
    """from_data(to_data(event)) is the event, for every event of a run."""
    _, events = flagship_run()
    seen = set()
    for record in events:
        event = parse_event(record)
        assert type(event).from_data(event.to_data()) == event
        assert event.to_data() == record.data
        seen.add(record.type)
    assert {"ExerciseCreated", "InjectDelivered", "InjectExpired", "ActionSubmitted",
            "AdjudicationOpened", "AdjudicationDecided", "PhaseEntered"} <= seen  # fmt: skip


def test_parse_event_rejects_unknown_types_and_missing_fields() -> None:
    """A record that is no exercise event, or lacks a field, is a StoreError."""
    with pytest.raises(StoreError, match="is not an exercise event type"):
        parse_event(NewEvent("Nonsense", {}))
    with pytest.raises(StoreError, match="ExerciseStarted event has no 'minute'"):
        parse_event(NewEvent("ExerciseStarted", {}))
    assert len(EVENT_TYPES) == 26


def test_fold_until_replays_to_a_minute() -> None:
    """Replay at a minute shows what had been delivered by then, and the clock at it."""
    state, events = flagship_run()
    at = fold_until(state.scenario, events, 1800)
    assert at.minute == 1800
    assert [d.inject_id for d in at.deliveries][-2:] == ["GZS-007", "GZS-008"]
    assert all(d.minute <= 1800 for d in at.deliveries)
    assert at.status == "running"
    assert fold_until(state.scenario, events, 10**6) == state


def test_fold_of_ten_thousand_events() -> None:
    """A stream of 10,000 events folds (copy-on-write keeps it linear) to the expected state."""
    base = created()
    events: list[NewEvent] = []
    for n in range(5000):
        value = n % 10
        events.append(NewEvent("WorldStateChanged", {
            "variable": "alert_pairs_airborne", "old": 0, "new": value,
            "cause": {"kind": "white", "id": "x"},
        }))  # fmt: skip
        events.append(NewEvent("RfiSubmitted", {
            "rfi_id": f"RFI-{n}", "cell": "twn", "question": "?", "marking": "UNCLASSIFIED",
            "minute": 0,
        }))  # fmt: skip
    state = fold(base.scenario, [*created_events(), *events])
    assert state.version == len(events) + len(created_events())
    assert len(state.rfis) == 5000
    assert state.variables["alert_pairs_airborne"] == 9


@cache
def created_events() -> tuple[NewEvent, ...]:
    """The events that create and start the tutorial."""
    from jointex.exercise import CreateExercise, Start

    _, events = play(
        new_state(scenario("tutorial")), [CreateExercise("ex-1", "Test", seed=7), Start()]
    )
    return tuple(events)


# --- property: whatever commands arrive, the fold of their events is the state -----------------

COMMANDS = st.sampled_from([
    (WHITE, Advance(minutes=90)),
    (WHITE, Advance()),
    (WHITE, SetWorld("alert_pairs_airborne", 3)),
    (WHITE, SetWorld("surge_detected", True)),
    (WHITE, SetWorld("escalation", 2)),
    (WHITE, SendInject({"title": "Flash", "to": ["all"], "set": {"alert_pairs_airborne": 1}})),
    (WHITE, SendInject({"title": "Cond", "to": ["usa"], "trigger": {"when": "escalation >= 1"}})),
    (WHITE, Decide("A-1", "accepted")),
    (TWN, SubmitAction("scramble-alert")),
    (TWN, SubmitAction("raise-readiness")),
    (RED, SubmitAction("harass")),
    (USA, SubmitRfi("Where?")),
    (TWN, Acknowledge("T-002")),
    (OBSERVER, RecordObservation("obj-1", "c1", 3)),
])  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(COMMANDS, max_size=25))
def test_fold_of_decided_events_equals_incremental_state(
    commands: list[tuple[Actor, object]],
) -> None:
    """For any command sequence, folding all accepted events equals the state stepped along."""
    state = created()
    events: list[NewEvent] = list(created_events())
    for actor, command in commands:
        try:
            state, produced = execute(state, command, actor)  # type: ignore[arg-type]
        except CommandRejected:
            continue
        events.extend(produced)
    assert fold(state.scenario, events) == state
    assert reduce(apply, events, new_state(state.scenario)) == state
