"""The timeline: timed and triggered injects, wait-until expiry, otherwise branches, escalation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from jointex.exercise import (
    Advance,
    CancelInject,
    DelayInject,
    EditInject,
    ExerciseState,
    SendInject,
    SetWorld,
    SubmitAction,
    new_state,
)
from jointex.scenario import format_offset
from tests.exercise.harness import TWN, created, custom, play, rejected, scenario, types


def delivered(state: ExerciseState) -> list[tuple[str, int]]:
    """(inject id, minute) of every delivery, in order."""
    return [(d.inject_id, d.minute) for d in state.deliveries]


def test_tutorial_timed_injects_arrive_at_their_times() -> None:
    """Advancing a move at a time through the tutorial delivers each timed inject at its time."""
    state = created()
    while state.minute < state.scenario.duration:
        state, _ = play(state, [Advance()])
    msel = {i.id: i.time for i in scenario("tutorial").msel}
    got = delivered(state)
    assert [i for i, _ in got][:3] == ["T-001", "T-002", "T-003"]
    for inject_id, minute in got[:3]:
        assert minute == msel[inject_id]


def test_all_is_expanded_to_every_cell() -> None:
    """An inject to 'all' lists every cell of the exercise, in scenario order."""
    state, _ = play(created(), [Advance()])
    first = state.deliveries[0]
    assert first.to == ("white", "twn", "usa", "red", "observers")
    assert [d.inject_id for d in state.inbox("observers")] == ["T-001"]
    assert [d.inject_id for d in state.inbox("twn")] == ["T-001", "T-002"]


def test_delivery_carries_the_inject_fields() -> None:
    """InjectDelivered copies channel, banner marking, title, content and expected actions."""
    _state, events = play(created(), [Advance(to="D+1 H+01:00")])
    data = next(e.data for e in events if e.type == "InjectDelivered" and
                e.data["inject_id"] == "T-003")  # fmt: skip
    assert data == {
        "inject_id": "T-003", "minute": 1470, "to": ["twn", "usa"], "channel": "intelligence",
        "marking": "SECRET//REL TO USA, TWN", "title": "Surge detected",
        "content": "A large package is forming over the coast.", "expected_actions": [],
        "adhoc": False, "cause": None, "sender": "WHITE CELL",
    }  # fmt: skip


def test_inject_set_changes_world_state_caused_by_the_inject() -> None:
    """An inject's `set` follows its delivery as WorldStateChanged caused by it."""
    state, events = play(created(), [Advance(to="D+1 H+01:00")])
    i = types(events).index("WorldStateChanged")
    assert events[i - 1].data["inject_id"] == "T-003"
    assert events[i].data == {
        "variable": "surge_detected", "old": False, "new": True,
        "cause": {"kind": "inject", "id": "T-003"},
    }  # fmt: skip
    assert state.variables["surge_detected"] is True


def test_phase_entry_sets_escalation() -> None:
    """Entering a phase that sets escalation emits PhaseEntered then EscalationChanged."""
    state, events = play(created(), [Advance(to="D+1")])
    i = types(events).index("PhaseEntered")
    assert events[i].data == {"phase_id": "surge", "minute": 1440}
    assert events[i + 1].data == {"old": 0, "new": 1, "cause": {"kind": "phase", "id": "surge"}}
    assert (state.phase_id, state.escalation) == ("surge", 1)


def test_inject_escalate_to_with_the_inject_as_cause() -> None:
    """GZS-020 raises escalation to 2 after the drill phase already set it to 2: no change;
    GZS-032 raises it to 4, caused by the inject."""
    state, events = play(created("grey-zone-surge"), [Advance(to="D+5 H+00:00")])
    changes = [e.data for e in events if e.type == "EscalationChanged"]
    assert changes == [
        {"old": 0, "new": 1, "cause": {"kind": "phase", "id": "surge"}},
        {"old": 1, "new": 2, "cause": {"kind": "phase", "id": "drill"}},
        {"old": 2, "new": 4, "cause": {"kind": "inject", "id": "GZS-032"}},
    ]
    assert state.variables["red_go_order"] is True


def test_triggered_inject_fires_when_the_decision_is_made() -> None:
    """T-004 waits for Taiwan to scramble and is delivered the minute it does."""
    state, _ = play(created(), [Advance(to="D+1 H+03:00")])
    assert state.injects["T-004"].status == "scheduled"
    state, events = play(state, [SubmitAction("scramble-alert")], TWN)
    assert types(events) == ["ActionSubmitted", "WorldStateChanged", "InjectDelivered"]
    assert events[-1].data["inject_id"] == "T-004"
    assert events[-1].data["minute"] == 1620
    assert events[-1].data["cause"] == {"kind": "action", "id": "ACT-1"}
    state, _ = play(state, [Advance(to="D+2")])
    assert "T-005" not in [d.inject_id for d in state.deliveries]
    assert state.injects["T-005"].status == "scheduled"  # fallback-only, never released


def test_triggered_inject_that_already_holds_fires_at_its_time() -> None:
    """A trigger that holds before its time fires exactly at its time."""
    state, _ = play(created(), [SubmitAction("scramble-alert")], TWN)
    state, _ = play(state, [Advance(to="D+2")])
    assert ("T-004", 1560) in delivered(state)


def test_wait_until_expiry_takes_the_otherwise_branch() -> None:
    """T-004's trigger never holds: at its wait_until it expires and T-005 is delivered."""
    state, events = play(created(), [Advance(to="D+2")])
    i = types(events).index("InjectExpired")
    assert events[i].data == {"inject_id": "T-004", "minute": 1920}
    assert events[i + 1].type == "InjectDelivered"
    assert events[i + 1].data["inject_id"] == "T-005"
    assert events[i + 1].data["cause"] == {"kind": "inject", "id": "T-004"}
    assert state.injects["T-004"].status == "expired"
    assert state.injects["T-005"].status == "delivered"


def test_otherwise_set_applies_with_the_expired_inject_as_cause() -> None:
    """GZS-009 expires (nobody shared) and its otherwise sets cop_degraded."""
    state, events = play(created("grey-zone-surge"), [Advance(to="D+1 H+12:00")])
    expired = [e.data for e in events if e.type == "InjectExpired"]
    assert expired == [{"inject_id": "GZS-009", "minute": 1835}]
    change = next(e.data for e in events if e.type == "WorldStateChanged" and
                  e.data["variable"] == "cop_degraded")  # fmt: skip
    assert change["cause"] == {"kind": "inject", "id": "GZS-009"}
    assert state.variables["cop_degraded"] is True


def test_fallback_with_its_own_trigger_keeps_to_it() -> None:
    """GZS-043 fires at escalation <= 3; GZS-044 (its otherwise, own trigger) then expires."""
    state, _ = play(created("grey-zone-surge"), [SubmitAction("call-up-reserves")], TWN)
    state, _ = play(state, [Advance(to="D+6 H+09:00")])
    assert state.injects["GZS-043"].status == "delivered"
    assert state.injects["GZS-044"].status == "expired"
    assert state.escalation == 3


def test_fallback_with_its_own_trigger_fires_instead() -> None:
    """With the go order given (escalation 4) GZS-044 fires and GZS-043 expires."""
    state, _ = play(created("grey-zone-surge"), [Advance(to="D+6 H+09:00")])
    assert state.escalation == 4
    assert state.injects["GZS-043"].status == "expired"
    assert state.injects["GZS-044"].status == "delivered"
    assert state.variables["strait_closed"] is True


def test_one_delivery_releases_another_at_the_same_minute() -> None:
    """A triggered inject earlier in the MSEL fires after a later one changes world state."""
    msel = [
        {"id": "B", "time": "H+2", "title": "B", "to": ["usa"],
         "trigger": {"when": "surge_detected"}},
        {"id": "A", "time": "H+2", "title": "A", "to": ["twn"], "set": {"surge_detected": True}},
    ]  # fmt: skip
    state, events = play(created(custom(msel=msel)), [Advance()])
    assert delivered(state) == [("A", 120), ("B", 120)]
    assert types(events) == [
        "ClockAdvanced", "InjectDelivered", "WorldStateChanged", "InjectDelivered",
    ]  # fmt: skip


def test_ties_are_broken_by_msel_order() -> None:
    """Injects due at the same minute are delivered in MSEL order."""
    msel = [{"id": f"I-{n}", "time": "H+1", "title": f"I{n}", "to": ["twn"]} for n in (3, 1, 2)]
    state, _ = play(created(custom(msel=msel)), [Advance()])
    assert [i for i, _ in delivered(state)] == ["I-3", "I-1", "I-2"]


# --- ad hoc injects and changes to the MSEL -------------------------------------------------------


def test_ad_hoc_inject_due_now_is_delivered_at_once() -> None:
    """SendInject without a time schedules and delivers it now, caused by the white cell."""
    state, events = play(created(), [SendInject({"title": "Flash", "to": ["twn"]})])
    assert types(events) == ["InjectScheduled", "InjectDelivered"]
    assert events[0].data["inject"]["id"] == "ADHOC-1"
    assert events[0].data["by"] == "alice"
    assert events[1].data["adhoc"] is True
    assert events[1].data["cause"] == {"kind": "white", "id": "alice"}
    assert state.injects["ADHOC-1"].adhoc


def test_ad_hoc_inject_in_the_future_waits_for_the_clock() -> None:
    """An ad hoc inject with a later time is delivered when the clock reaches it."""
    inject = {"id": "X-1", "time": "H+3", "title": "Later", "to": ["usa"],
              "set": {"alert_pairs_airborne": 2}}  # fmt: skip
    state, events = play(created(), [SendInject(inject)])
    assert types(events) == ["InjectScheduled"]
    state, _ = play(state, [Advance()])
    assert ("X-1", 180) in delivered(state)
    assert state.variables["alert_pairs_airborne"] == 2


def test_ad_hoc_inject_is_checked() -> None:
    """Duplicate ids, bad fields, unknown variables and conditions are rejected."""
    state = created()
    assert rejected(state, SendInject({"id": "T-001", "title": "x", "to": ["all"]})) == (
        "inject 'T-001' already exists"
    )
    assert rejected(state, SendInject({"title": "x", "to": []})).startswith(
        "the inject is not valid: to:"
    )
    assert rejected(state, SendInject({"title": "x", "to": ["all"], "set": {"ghost": 1}})) == (
        "no world-state variable 'ghost' (variables: surge_detected, alert_pairs_airborne)"
    )
    message = rejected(state, SendInject(
        {"title": "x", "to": ["all"], "trigger": {"when": "ghost > 1"}}
    ))  # fmt: skip
    assert message == "condition 'ghost > 1' reads ghost, which is not a world-state variable"


def test_delay_edit_and_cancel_scheduled_injects() -> None:
    """Delayed, edited and cancelled injects are delivered later, changed, or not at all."""
    state, events = play(created(), [
        DelayInject("T-002", "D+0 H+07:00"),
        EditInject("T-003", {"title": "Surge!", "time": "D+1 H+00:45"}),
        CancelInject("T-001", "comms drill dropped"),
    ])  # fmt: skip
    assert types(events) == ["InjectDelayed", "InjectEdited", "InjectCancelled"]
    assert events[1].data == {
        "inject_id": "T-003",
        "changes": {"title": "Surge!", "time": "D+1 H+00:45"},
    }
    state, _ = play(state, [Advance(to="D+1 H+01:00")])
    got = delivered(state)
    assert ("T-002", 420) in got
    assert ("T-003", 1485) in got
    assert "T-001" not in [i for i, _ in got]
    assert state.deliveries[-1].title == "Surge!"
    assert state.injects["T-001"].reason == "comms drill dropped"
    assert state.injects["T-002"].original_time == 360


def test_changes_to_delivered_or_past_injects_are_rejected() -> None:
    """Only scheduled injects change, never to a time already passed, never their id."""
    state, _ = play(created(), [Advance()])
    assert rejected(state, CancelInject("T-001")) == "inject 'T-001' is already delivered"
    assert rejected(state, DelayInject("T-003", "H+1")) == (
        "cannot move inject 'T-003' to D+0 H+01:00: the clock is already at D+0 H+06:00"
    )
    assert rejected(state, EditInject("T-003", {"id": "T-9"})) == "an inject's id cannot change"
    assert rejected(state, EditInject("T-003", {"colour": "red"})).startswith(
        "the edited inject is not valid: colour:"
    )


def test_set_world_can_release_a_trigger() -> None:
    """A white-cell world-state change is followed by trigger evaluation at once."""
    msel = [{"id": "W", "time": "H+0", "title": "W", "to": ["twn"],
             "trigger": {"when": "alert_pairs_airborne >= 2"}}]  # fmt: skip
    state = created(custom(msel=msel))
    state, events = play(state, [SetWorld("alert_pairs_airborne", 2)])
    assert types(events) == ["WorldStateChanged", "InjectDelivered"]
    assert events[1].data["cause"] == {"kind": "white", "id": "alice"}


# --- stepping ------------------------------------------------------------------------------------


def _run_in_steps(steps: list[int]) -> ExerciseState:
    state = created("grey-zone-surge")
    end = state.scenario.duration
    for step in steps:
        if state.minute >= end:
            break
        state, _ = play(state, [Advance(minutes=step)])
    if state.minute < end:
        state, _ = play(state, [Advance(to=end)])
    return state


_ONE_STEP = _run_in_steps([])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=12))
def test_many_small_steps_deliver_like_one_big_step(steps: list[int]) -> None:
    """Advancing in any steps delivers the same injects at the same minutes as one step."""
    state = _run_in_steps(steps)
    assert delivered(state) == delivered(_ONE_STEP)
    assert state.variables == _ONE_STEP.variables
    assert state.escalation == _ONE_STEP.escalation


def test_whole_flagship_run_without_players() -> None:
    """Without any player, the flagship still runs its timed spine to the end."""
    got = [i for i, _ in delivered(_ONE_STEP)]
    assert len(got) >= 30
    assert got[0] == "GZS-001"
    assert got[-1] == "GZS-060"
    assert all(format_offset(m) for _, m in delivered(_ONE_STEP))


def test_new_state_marks_fallback_only_injects() -> None:
    """An otherwise target without a trigger is fallback-only; one with a trigger is not."""
    tutorial = new_state(scenario("tutorial")).injects
    assert tutorial["T-005"].fallback_only
    assert not tutorial["T-004"].fallback_only
    flagship = new_state(scenario("grey-zone-surge")).injects
    assert not flagship["GZS-044"].fallback_only
    assert not flagship["GZS-017"].fallback_only
