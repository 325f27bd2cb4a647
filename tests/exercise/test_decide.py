"""decide: lifecycle, permissions, validation and the rejections docs/exercise.md lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from jointex.exercise import (
    Acknowledge,
    Actor,
    Advance,
    AnswerRfi,
    CancelInject,
    Command,
    CreateExercise,
    Decide,
    DecideContext,
    DelayInject,
    EditInject,
    End,
    ExerciseState,
    Jump,
    Pause,
    RecordObservation,
    Resume,
    SendInject,
    SetClockMode,
    SetWorld,
    Start,
    SubmitAction,
    SubmitRfi,
    decide,
    fold,
    new_state,
)
from jointex.exercise import AdjudicationResult as Result
from jointex.scenario import Scenario
from tests.exercise.harness import (
    OBSERVER,
    RED,
    TWN,
    USA,
    WHITE,
    created,
    play,
    rejected,
    scenario,
    types,
)


class FakeAdjudicator:
    """Returns a fixed result and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[Mapping[str, Any], Mapping[str, Any], int]] = []

    def adjudicate(
        self, scenario: Scenario, action: Mapping[str, Any], world: Mapping[str, Any], seed: int
    ) -> Result:
        """Record the call; answer with a two-outcome distribution."""
        self.calls.append((action, world, seed))
        return Result("response", {"a": 1}, {"p": [0.4, 0.6]}, seed, {"intercepted": True})


# --- lifecycle --------------------------------------------------------------------------------


def test_lifecycle_draft_running_paused_running_ended() -> None:
    """Create, start, pause, resume and end move the status through its states."""
    state, events = play(new_state(scenario("tutorial")), [CreateExercise("ex-1", "Test")])
    assert (state.status, state.exercise_id, state.version) == ("draft", "ex-1", 1)
    assert types(events) == ["ExerciseCreated"]
    seen = []
    for command in (Start(), Pause(), Resume(), End("done")):
        state, _ = play(state, [command])
        seen.append(state.status)
    assert seen == ["running", "paused", "running", "ended"]
    assert state.end_reason == "done"


def test_created_event_snapshots_scenario() -> None:
    """ExerciseCreated carries the dumped scenario, the seed and the creator."""
    events = decide(new_state(scenario("tutorial")), CreateExercise("ex-1", "T", seed=3), WHITE)
    data = events[0].data
    assert Scenario.model_validate(data["scenario"]) == scenario("tutorial")
    assert (data["seed"], data["created_by"], data["exercise_id"]) == (3, "alice", "ex-1")


def test_meta_carries_actor_cell_wall_time_and_command_id() -> None:
    """Every event's meta says who, for which cell, when (wall time) and which command."""
    context = DecideContext(wall_time=1234.5, command_id="c-1")
    events = decide(created(start=False), Start(), WHITE, context)
    assert events
    for event in events:
        assert event.meta == {"actor": "alice", "cell": "white", "wall_time": 1234.5,
                              "command_id": "c-1"}  # fmt: skip


def test_start_processes_the_start_minute() -> None:
    """Starting enters the first phase and delivers what is due at the start minute."""
    state = created("grey-zone-surge")
    assert state.phase_id == "routine"
    assert [d.inject_id for d in state.deliveries] == ["GZS-001"]


@pytest.mark.parametrize(
    ("status_commands", "command", "message"),
    [
        ([], Pause(), "exercise is not running (it is draft)"),
        ([], Resume(), "exercise is not paused (it is draft)"),
        ([Start()], Start(), "exercise has already started (it is running)"),
        ([Start()], Resume(), "exercise is not paused (it is running)"),
        ([Start(), Pause()], Pause(), "exercise is not running (it is paused)"),
        ([Start()], CreateExercise("ex-2", "Again"), "exercise 'ex-1' already exists"),
    ],
)
def test_lifecycle_transitions_out_of_order_are_rejected(
    status_commands: list[Command], command: Command, message: str
) -> None:
    """Commands that do not fit the current status are rejected with the status named."""
    state, _ = play(created(start=False), status_commands)
    assert rejected(state, command) == message


def test_commands_before_creation_are_rejected() -> None:
    """Nothing but CreateExercise is accepted on an empty stream."""
    assert rejected(new_state(scenario("tutorial")), Start()) == "the exercise has not been created"


def test_unknown_cell_is_rejected() -> None:
    """An actor for a cell the scenario does not have may do nothing."""
    assert rejected(created(), Pause(), Actor("x", "nato")) == "no cell 'nato' in this exercise"


# --- permissions --------------------------------------------------------------------------------

CONTROL_ONLY: list[tuple[Command, str]] = [
    (Start(), "start the exercise"),
    (Pause(), "pause the exercise"),
    (Resume(), "resume the exercise"),
    (Advance(), "advance the clock"),
    (Jump(to="D+1"), "jump the clock"),
    (SetClockMode("realtime", 60), "set the clock mode"),
    (SendInject({"title": "x", "to": ["all"]}), "send injects"),
    (DelayInject("T-002", "D+0 H+07:00"), "delay injects"),
    (EditInject("T-002", {"title": "y"}), "edit injects"),
    (CancelInject("T-002"), "cancel injects"),
    (SetWorld("surge_detected", True), "set world state"),
    (AnswerRfi("RFI-1", "yes"), "answer RFIs"),
    (Decide("A-1", "accepted"), "decide adjudications"),
    (End(), "end the exercise"),
]


@pytest.mark.parametrize(("command", "verb"), CONTROL_ONLY)
@pytest.mark.parametrize("actor", [TWN, RED, OBSERVER])
def test_only_control_runs_the_exercise(command: Command, verb: str, actor: Actor) -> None:
    """Control-cell commands from any other cell are rejected, naming the cell and the verb."""
    message = rejected(created(), command, actor)
    assert message == f"cell {actor.cell!r} may not {verb}: only the control cell can"


def test_the_doc_example_message_for_advancing() -> None:
    """The contract's example: a blue cell may not advance the clock."""
    assert rejected(created(), Advance(), TWN) == (
        "cell 'twn' may not advance the clock: only the control cell can"
    )


@pytest.mark.parametrize("actor", [WHITE, OBSERVER])
def test_only_players_submit_rfis_and_acknowledge(actor: Actor) -> None:
    """RFIs and acknowledgements are for blue and red cells."""
    state = created()
    assert rejected(state, SubmitRfi("why?"), actor).endswith("only blue and red cells can")
    assert rejected(state, Acknowledge("T-001"), actor).endswith("only blue and red cells can")


@pytest.mark.parametrize("actor", [WHITE, TWN, RED])
def test_only_observers_record_observations(actor: Actor) -> None:
    """Observations are for observer cells."""
    message = rejected(created(), RecordObservation("obj-1", "c1", 4), actor)
    assert message == f"cell {actor.cell!r} may not record observations: only observer cells can"


def test_actions_follow_their_menu_roles() -> None:
    """An action listing only red is rejected for blue, and one listing blue for control."""
    state = created("grey-zone-surge")
    assert rejected(state, SubmitAction("amphibious-assault"), TWN) == (
        "action 'amphibious-assault' is for red cells, not blue"
    )
    assert rejected(state, SubmitAction("raise-readiness"), WHITE) == (
        "action 'raise-readiness' is for blue cells, not control"
    )
    state, events = play(state, [SubmitAction("amphibious-assault")], RED)
    assert "ActionSubmitted" in types(events)


# --- the contract's rejection list: a reason, and nothing appended --------------------------------


def _ended() -> ExerciseState:
    return play(created(), [End("stop")])[0]


def _paused() -> ExerciseState:
    return play(created(), [Pause()])[0]


def _decided() -> ExerciseState:
    state, _ = play(created("grey-zone-surge"), [SubmitAction("scramble-alert")], TWN)
    return play(state, [Decide("A-1", "accepted")])[0]


def _open() -> ExerciseState:
    return play(created("grey-zone-surge"), [SubmitAction("scramble-alert")], TWN)[0]


@pytest.mark.parametrize(
    ("make", "command", "actor", "message"),
    [
        (_ended, Advance(), WHITE, "exercise has ended"),
        (_ended, SubmitAction("scramble-alert"), TWN, "exercise has ended"),
        (_ended, RecordObservation("obj-1", "c1", 3), OBSERVER, "exercise has ended"),
        (_ended, End("again"), WHITE, "exercise has ended"),
        (_paused, Advance(), WHITE, "exercise is paused: resume it before advancing the clock"),
        (
            _paused,
            Jump(to="D+1"),
            WHITE,
            "exercise is paused: resume it before advancing the clock",
        ),
        (
            lambda: created(start=False),
            Advance(),
            WHITE,
            "exercise has not started: start it before advancing the clock",
        ),
        (
            created,
            SendInject({"title": "Hello", "to": ["twn", "nato"]}),
            WHITE,
            "no cell 'nato' in this exercise",
        ),
        (created, EditInject("T-002", {"to": ["gbr"]}), WHITE, "no cell 'gbr' in this exercise"),
        (created, SubmitAction("harass"), TWN, "action 'harass' is for red cells, not blue"),
        (_decided, Decide("A-1", "accepted"), WHITE, "adjudication A-1 is already decided"),
        (_open, Decide("A-1", "overridden", {"x": 1}), WHITE, "an override needs a rationale"),
        (
            _open,
            Decide("A-1", "overridden", {"x": 1}, "  "),
            WHITE,
            "an override needs a rationale",
        ),
        (created, DelayInject("X-9", "D+1"), WHITE, "no inject 'X-9'"),
        (_open, Decide("A-7", "accepted"), WHITE, "no adjudication 'A-7'"),
    ],
)
def test_rejections_say_why(make: Any, command: Command, actor: Actor, message: str) -> None:
    """Each rejection of the contract's list carries its reason."""
    assert rejected(make(), command, actor) == message


@pytest.mark.parametrize(
    ("command", "actor"),
    [
        (SubmitAction("scramble-alert", marking="SECRET//REL TO ATLANTIS"), TWN),
        (SubmitAction("scramble-alert", marking="SEKRET"), TWN),
        (SubmitRfi("where?", marking="TOP SECRET//NOFORN//XYZ"), TWN),
        (SendInject({"title": "x", "to": ["all"], "marking": "SECRET//REL"}), WHITE),
        (AnswerRfi("RFI-1", "here", marking="(Q)"), WHITE),
    ],
)
def test_a_marking_that_does_not_parse_is_rejected(command: Command, actor: Actor) -> None:
    """Markings on actions, RFIs, answers and injects must parse; the reason names the marking."""
    state, _ = play(created(), [SubmitRfi("first?")], TWN)
    assert rejected(state, command, actor).startswith("marking ")
    assert "does not parse" in rejected(state, command, actor)


def test_a_rejected_command_leaves_the_state_unchanged() -> None:
    """decide is pure: the state it was given is the same after a rejection."""
    state = _open()
    before = fold(state.scenario, [])
    snapshot = (state.version, state.adjudications, state.variables, state.deliveries)
    rejected(state, Decide("A-1", "overridden", {"x": 1}))
    assert (state.version, state.adjudications, state.variables, state.deliveries) == snapshot
    assert before.version == 0


# --- the clock ------------------------------------------------------------------------------------


def test_advance_by_move_minutes_and_to() -> None:
    """Advance goes a move by default, or by minutes, or to a time; the reason says which."""
    state = created()
    state, events = play(state, [Advance()])
    assert state.minute == 360
    assert events[0].data == {"from_minute": 0, "to_minute": 360, "reason": "move"}
    state, events = play(state, [Advance(minutes=30)])
    assert state.minute == 390
    assert events[0].data["reason"] == "move"
    state, events = play(state, [Advance(to="D+1")])
    assert state.minute == 1440
    assert events[0].data["reason"] == "to"
    state, events = play(state, [Jump(to="D+1 H+12:00")])
    assert state.minute == 2160
    assert events[0].data["reason"] == "jump"


def test_the_clock_never_runs_backwards_or_past_the_end() -> None:
    """Advancing to now or earlier, or past the end, is rejected; moves stop at the end."""
    state, _ = play(created(), [Advance(to="D+1")])
    assert rejected(state, Advance(to="D+0 H+06:00")) == (
        "the clock never runs backwards: it is at D+1 H+00:00, asked for D+0 H+06:00"
    )
    assert rejected(state, Jump(to="D+5")) == (
        "D+5 H+00:00 is after the end of the scenario (D+2 H+00:00)"
    )
    assert rejected(state, Advance(minutes=0)) == (
        "advance by a positive whole number of minutes, not 0"
    )
    state, _ = play(state, [Advance(minutes=5000)])
    assert state.minute == 2880
    assert rejected(state, Advance()) == (
        "the clock is at the end of the scenario (D+2 H+00:00): end the exercise"
    )


def test_set_clock_mode_validates_mode_and_speed() -> None:
    """The clock mode is turn, realtime or mixed, and the speed positive."""
    state, events = play(created(), [SetClockMode("realtime", 60)])
    assert (state.clock_mode, state.clock_speed) == ("realtime", 60.0)
    assert events[0].data == {"mode": "realtime", "speed": 60.0}
    assert rejected(state, SetClockMode("realtime", 0)) == (
        "clock speed must be a positive number, not 0"
    )
    assert "is not one of turn, realtime, mixed" in rejected(state, SetClockMode("fast", 1))  # type: ignore[arg-type]


# --- world state ------------------------------------------------------------------------------


def test_set_world_changes_a_variable_with_a_white_cause() -> None:
    """SetWorld emits WorldStateChanged with old, new and the white cell as cause."""
    state, events = play(created(), [SetWorld("alert_pairs_airborne", 3)])
    assert events[0].data == {
        "variable": "alert_pairs_airborne", "old": 0, "new": 3,
        "cause": {"kind": "white", "id": "alice"},
    }  # fmt: skip
    assert state.variables["alert_pairs_airborne"] == 3


def test_set_world_to_the_same_value_emits_nothing() -> None:
    """A change that changes nothing is no event."""
    assert decide(created(), SetWorld("surge_detected", False), WHITE) == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("nope", 1, "no world-state variable 'nope' (variables: surge_detected, "
                    "alert_pairs_airborne)"),
        ("surge_detected", 1, "surge_detected is a bool variable: 1 is not a bool"),
        ("alert_pairs_airborne", True, "alert_pairs_airborne is a int variable: True is not a int"),
        ("alert_pairs_airborne", 1.5, "alert_pairs_airborne is a int variable: 1.5 is not a int"),
        ("alert_pairs_airborne", 11, "alert_pairs_airborne must be at most 10, not 11"),
        ("alert_pairs_airborne", -1, "alert_pairs_airborne must be at least 0, not -1"),
        ("escalation", 7, "escalation 7 is not on the ladder (levels: 0, 1, 2)"),
    ],
)  # fmt: skip
def test_set_world_checks_name_type_and_range(variable: str, value: Any, message: str) -> None:
    """SetWorld rejects unknown variables, wrong types and values outside min/max."""
    assert rejected(created(), SetWorld(variable, value)) == message


def test_set_world_float_accepts_int_and_escalation_can_be_set() -> None:
    """A float variable takes an int (as float); escalation is set through its own event."""
    state, events = play(created("grey-zone-surge"), [SetWorld("public_confidence", 1)])
    assert state.variables["public_confidence"] == 1.0
    assert isinstance(state.variables["public_confidence"], float)
    state, events = play(state, [SetWorld("escalation", 3)])
    assert types(events) == ["EscalationChanged"]
    assert state.escalation == 3


def test_an_action_applies_its_menu_set_with_the_action_as_cause() -> None:
    """Submitting an action changes world state as its menu entry says, caused by the action."""
    state, events = play(created(), [SubmitAction("scramble-alert", text="go")], TWN)
    assert types(events) == ["ActionSubmitted", "WorldStateChanged"]
    assert events[0].data == {
        "action_id": "ACT-1", "cell": "twn", "action": "scramble-alert", "units": [],
        "orders": "", "text": "go", "marking": "UNCLASSIFIED", "minute": 0,
    }  # fmt: skip
    assert events[1].data["cause"] == {"kind": "action", "id": "ACT-1"}
    assert state.decided("twn", "scramble-alert")
    assert not state.decided("usa", "scramble-alert")


def test_action_checks_menu_units_and_start() -> None:
    """Unknown actions and units are rejected, and actions wait for the start."""
    state = created()
    assert rejected(state, SubmitAction("nuke"), TWN) == (
        "no action 'nuke' in the action menu (scramble-alert, raise-readiness, harass)"
    )
    assert rejected(state, SubmitAction("scramble-alert", units=("ghost",)), TWN) == (
        "no unit 'ghost' in this exercise"
    )
    assert rejected(created(start=False), SubmitAction("scramble-alert"), TWN) == (
        "exercise has not started: submit actions once it has"
    )


# --- adjudication ------------------------------------------------------------------------------


def test_adjudicated_action_opens_with_the_adjudicator() -> None:
    """An action whose menu entry has an adjudication opens one from the adjudicator's result."""
    adjudicator = FakeAdjudicator()
    state = created("grey-zone-surge")
    state, events = play(
        state, [SubmitAction("scramble-alert")], TWN, DecideContext(adjudicator=adjudicator)
    )
    assert types(events) == ["ActionSubmitted", "AdjudicationOpened"]
    opened = events[1].data
    assert opened["adjudication_id"] == "A-1"
    assert opened["action_id"] == "ACT-1"
    assert opened["distribution"] == {"p": [0.4, 0.6]}
    assert opened["sample"] == {"intercepted": True}
    action, world, seed = adjudicator.calls[0]
    assert action["action"] == "scramble-alert"
    assert world["escalation"] == 0
    assert opened["seed"] == seed


def test_adjudication_without_adjudicator_is_empty_and_seeds_are_reproducible() -> None:
    """Without an adjudicator: the menu's model and parameters, no distribution, no sample."""
    _state, events = play(created("grey-zone-surge"), [SubmitAction("scramble-alert")], TWN)
    opened = events[-1].data
    assert (opened["model"], opened["distribution"], opened["sample"]) == ("response", {}, None)
    assert opened["inputs"]["parameters"]["alert_pairs"] == 11
    again = play(created("grey-zone-surge"), [SubmitAction("scramble-alert")], TWN)[1]
    assert again[-1].data["seed"] == opened["seed"]


def test_accept_and_override_decisions() -> None:
    """Accepting keeps the sample; an override needs an outcome and a rationale."""
    context = DecideContext(adjudicator=FakeAdjudicator())
    state = created("grey-zone-surge")
    state, _ = play(state, [SubmitAction("scramble-alert"), SubmitAction("request-isr")], USA,
                    context)  # fmt: skip
    assert [a.opened.adjudication_id for a in state.open_adjudications()] == ["A-1", "A-2"]
    assert rejected(state, Decide("A-1", "accepted", {"intercepted": False})) == (
        "accepting keeps the sampled outcome: to change it, override with a rationale"
    )
    assert rejected(state, Decide("A-1", "overridden", None, "why")) == (
        "an override needs an outcome"
    )
    state, events = play(state, [Decide("A-1", "accepted")])
    assert events[0].data["outcome"] == {"intercepted": True}
    state, events = play(state, [Decide("A-2", "overridden", {"found": 0}, "cloud cover")])
    assert events[0].data == {
        "adjudication_id": "A-2", "decision": "overridden", "outcome": {"found": 0},
        "rationale": "cloud cover", "by": "alice", "minute": 0,
    }  # fmt: skip
    assert state.open_adjudications() == ()


def test_a_failing_adjudicator_still_opens_the_adjudication() -> None:
    """A model error is recorded in the inputs; play goes on and the white cell decides."""

    class Broken:
        def adjudicate(self, *args: Any) -> Result:
            from jointex._errors import ParameterError

            raise ParameterError("no fighters")

    _state, events = play(created("grey-zone-surge"), [SubmitAction("scramble-alert")], TWN,
                         DecideContext(adjudicator=Broken()))  # fmt: skip
    assert events[-1].data["inputs"]["error"] == "no fighters"
    assert events[-1].data["sample"] is None


# --- RFIs, acknowledgements, observations --------------------------------------------------------


def test_rfi_submitted_and_answered_once() -> None:
    """A cell asks, the white cell answers once; the answer carries its marking and author."""
    state, events = play(created(), [SubmitRfi("How many?", "SECRET//REL TO USA, TWN")], TWN)
    assert events[0].data == {
        "rfi_id": "RFI-1", "cell": "twn", "question": "How many?",
        "marking": "SECRET//REL TO USA, TWN", "minute": 0,
    }  # fmt: skip
    state, events = play(state, [AnswerRfi("RFI-1", "Twelve")])
    assert state.rfis["RFI-1"].answer is not None
    assert events[0].data["by"] == "alice"
    assert rejected(state, AnswerRfi("RFI-1", "Thirteen")) == "RFI-1 is already answered"
    assert rejected(state, AnswerRfi("RFI-9", "?")) == "no RFI 'RFI-9'"
    assert rejected(state, SubmitRfi("  "), TWN) == "an RFI needs a question"


def test_acknowledge_only_what_was_sent_to_the_cell_and_once() -> None:
    """A cell acknowledges an inject delivered to it, once."""
    state, _ = play(created(), [Advance()])
    assert rejected(state, Acknowledge("T-003"), TWN) == "inject 'T-003' was not sent to cell 'twn'"
    assert rejected(state, Acknowledge("T-099"), TWN) == "no inject 'T-099'"
    state, events = play(state, [Acknowledge("T-002")], TWN)
    assert events[0].data == {"inject_id": "T-002", "cell": "twn", "minute": 360}
    assert state.acknowledgements[("T-002", "twn")] == 360
    assert rejected(state, Acknowledge("T-002"), TWN) == (
        "cell 'twn' has already acknowledged 'T-002'"
    )
    assert rejected(state, Acknowledge("T-002"), RED) == "inject 'T-002' was not sent to cell 'red'"


def test_observations_check_objective_criterion_and_rating() -> None:
    """Observers rate a known criterion 1-5 or leave a note without a rating."""
    state, events = play(created(), [RecordObservation("obj-1", "c1", 4, "quick")], OBSERVER)
    assert events[0].data == {
        "observation_id": "OBS-1", "cell": "observers", "objective": "obj-1",
        "criterion": "c1", "rating": 4, "note": "quick", "minute": 0,
    }  # fmt: skip
    state, _ = play(state, [RecordObservation("obj-1", "c1", None, "note")], OBSERVER)
    assert len(state.observations) == 2
    assert rejected(state, RecordObservation("obj-9", "c1", 3), OBSERVER) == "no objective 'obj-9'"
    assert rejected(state, RecordObservation("obj-1", "c9", 3), OBSERVER) == (
        "objective 'obj-1' has no criterion 'c9'"
    )
    assert rejected(state, RecordObservation("obj-1", "c1", 6), OBSERVER) == (
        "a rating is a whole number from 1 to 5, not 6"
    )
