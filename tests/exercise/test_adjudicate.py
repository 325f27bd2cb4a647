"""Tests for jointex.exercise._adjudicate: the simulation adjudicator over jointex.model."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import pytest

from jointex import ParameterError
from jointex.exercise._adjudicate import (
    MODEL_PARAMETERS,
    AdjudicationResult,
    Adjudicator,
    SimulationAdjudicator,
)
from jointex.model import Lanchester, SalvoSide, hughes_salvo, lanchester
from jointex.scenario import Action, Adjudication, Scenario, builtin_names, resolve
from jointex.sim import haversine_km

RUNS = 2000


@cache
def _scenario(name: str) -> Scenario:
    return resolve(name)


def _world(scenario: Scenario, **changes: Any) -> dict[str, Any]:
    world: dict[str, Any] = {"escalation": scenario.world.initial_escalation}
    world.update({v.name: v.initial for v in scenario.world.variables})
    world.update(changes)
    return world


def _submitted(
    action: str, cell: str, units: tuple[str, ...] = (), minute: int = 0
) -> dict[str, Any]:
    return {
        "action_id": "a-1",
        "action": action,
        "cell": cell,
        "units": list(units),
        "orders": "",
        "text": "",
        "marking": "UNCLASSIFIED",
        "minute": minute,
    }


def _with_probe(
    scenario: Scenario, model: str, parameters: Mapping[str, float], role: str = "blue"
) -> Scenario:
    probe = Action(
        id="probe",
        name="Probe",
        roles=(role,),
        adjudication=Adjudication(model=model, parameters=parameters),
    )
    return scenario.model_copy(update={"actions": (*scenario.actions, probe)})


def _probe(
    model: str,
    parameters: Mapping[str, float],
    *,
    scenario: str = "grey-zone-surge",
    cell: str = "twn",
    world: Mapping[str, Any] | None = None,
    units: tuple[str, ...] = (),
    seed: int = 11,
    runs: int = RUNS,
) -> AdjudicationResult:
    base = _scenario(scenario)
    role = base.cell(cell).role
    probe = _with_probe(base, model, parameters, role)
    state = _world(base, **(world or {}))
    return SimulationAdjudicator(runs).adjudicate(
        probe, _submitted("probe", cell, units), state, seed
    )


def _adjudicated() -> list[tuple[str, str, str]]:
    cases = []
    for name in builtin_names():
        scenario = _scenario(name)
        for action in scenario.actions:
            if action.adjudication is None:
                continue
            cases += [(name, action.id, c.id) for c in scenario.cells if c.role in action.roles]
    return cases


def _flagship_adjudications() -> list[Action]:
    return [a for a in _scenario("grey-zone-surge").actions if a.adjudication is not None]


def test_simulation_adjudicator_is_an_adjudicator() -> None:
    """SimulationAdjudicator satisfies the Adjudicator protocol."""
    adjudicator: Adjudicator = SimulationAdjudicator(runs=10)
    assert isinstance(adjudicator, SimulationAdjudicator)


@pytest.mark.parametrize(("name", "action", "cell"), _adjudicated())
def test_every_builtin_adjudicated_action_is_json_ready(name: str, action: str, cell: str) -> None:
    """Every adjudicated action of every built-in, by every cell allowed it, gives JSON output."""
    scenario = _scenario(name)
    result = SimulationAdjudicator().adjudicate(
        scenario, _submitted(action, cell, minute=5 * 1440), _world(scenario, escalation=3), 7
    )
    entry = next(a for a in scenario.actions if a.id == action)
    assert entry.adjudication is not None
    assert result.model == entry.adjudication.model
    assert result.seed == 7
    for part in (result.inputs, result.distribution, result.sample):
        assert json.loads(json.dumps(part, allow_nan=False)) == part
    assert result.inputs["runs"] == 2000
    assert set(entry.adjudication.parameters) <= set(result.inputs["parameters"])
    assert isinstance(result.sample["summary"], str)
    assert result.sample["summary"]
    assert "\n" not in result.sample["summary"]


def test_flagship_has_every_adjudication_model() -> None:
    """The flagship exercises salvo, Lanchester, response and detection adjudication."""
    models = {a.adjudication.model for a in _flagship_adjudications() if a.adjudication}
    assert {"salvo", "lanchester-square", "response", "detection"} <= models


@pytest.mark.parametrize("action", [a.id for a in _flagship_adjudications()])
def test_flagship_adjudication_works_on_the_tutorial(action: str) -> None:
    """Each flagship adjudication block also adjudicates against the tutorial's small forces."""
    entry = next(a for a in _flagship_adjudications() if a.id == action)
    assert entry.adjudication is not None
    cell = "twn" if "blue" in entry.roles else "red"
    result = _probe(
        entry.adjudication.model, entry.adjudication.parameters, scenario="tutorial", cell=cell
    )
    assert json.loads(json.dumps(result.distribution, allow_nan=False)) == result.distribution


@pytest.mark.parametrize("action", [a.id for a in _flagship_adjudications()])
def test_same_inputs_and_seed_give_the_same_result(action: str) -> None:
    """Adjudicating twice with one seed gives identical inputs, distribution and sample."""
    scenario = _scenario("grey-zone-surge")
    entry = next(a for a in scenario.actions if a.id == action)
    cell = "twn" if "blue" in entry.roles else "red"
    submitted = _submitted(action, cell, minute=4 * 1440)
    first = SimulationAdjudicator().adjudicate(scenario, submitted, _world(scenario), 2024)
    second = SimulationAdjudicator().adjudicate(scenario, submitted, _world(scenario), 2024)
    assert first == second


def test_another_seed_gives_another_distribution() -> None:
    """A different seed draws different replications."""
    params = {"attackers": 6, "targets": 20, "defenders": 10, "interceptions_per_defender": 2}
    one = _probe("salvo", params, seed=1)
    two = _probe("salvo", params, seed=2)
    assert one.distribution != two.distribution


def test_sample_does_not_depend_on_the_number_of_runs() -> None:
    """The sampled outcome comes from its own stream: the same for 100 or 2000 runs."""
    params = {"attackers": 6, "targets": 20, "defenders": 10, "interceptions_per_defender": 2}
    few = _probe("salvo", params, seed=5, runs=100)
    many = _probe("salvo", params, seed=5, runs=2000)
    assert few.sample == many.sample
    assert few.distribution != many.distribution


def test_salvo_mean_matches_hughes() -> None:
    """Without clipping the stochastic salvo's mean losses equal Hughes' deterministic ones."""
    # 5 x 10 sure hits = 50 against 50 x 1 shots at 0.5: never clipped, E[loss] = 50 - 25.
    params = {
        "attackers": 5,
        "missiles_per_attacker": 10,
        "hit_probability": 1.0,
        "targets": 50,
        "defenders": 50,
        "interceptions_per_defender": 1,
        "intercept_probability": 0.5,
    }
    result = _probe("salvo", params)
    exact = hughes_salvo(5, 50, SalvoSide(10, 1.0, 0, 0.5), SalvoSide(0, 0.7, 1, 0.5), salvos=1)
    expected = float(exact.b[0] - exact.b[-1])
    lost = result.distribution["targets_lost"]
    assert expected == 25.0
    assert result.distribution["deterministic"]["targets_lost"] == expected
    assert abs(lost["mean"] - expected) <= 4 * lost["sd"] / math.sqrt(RUNS)
    assert lost["sd"] == pytest.approx(math.sqrt(50 * 0.25), rel=0.1)


def test_salvo_pools_defenders_over_targets() -> None:
    """Separate defenders keep Hughes' defensive power: mean interceptions stay exact."""
    # 12 x 3 sure hits = 36; 6 x 3 shots at 0.6 over 14 targets: E[intercepted] = 10.8.
    params = {
        "attackers": 12,
        "missiles_per_attacker": 3,
        "hit_probability": 1.0,
        "targets": 40,
        "defenders": 6,
        "interceptions_per_defender": 3,
        "intercept_probability": 0.6,
    }
    result = _probe("salvo", params)
    lost = result.distribution["targets_lost"]
    side = result.inputs["salvo_sides"]["targets"]
    assert side["defensive_power"] * 40 == pytest.approx(6 * 3 * 0.6)
    assert result.distribution["deterministic"]["targets_lost"] == pytest.approx(36 - 10.8)
    assert abs(lost["mean"] - (36 - 10.8)) <= 4 * lost["sd"] / math.sqrt(RUNS)


def test_more_attackers_disable_more_targets() -> None:
    """Adding attacking ships raises the defender's mean losses (monotone effect)."""
    means = [
        _probe(
            "salvo",
            {"attackers": n, "targets": 60, "defenders": 10, "interceptions_per_defender": 2},
        ).distribution["targets_lost"]["mean"]
        for n in (2, 4, 8, 16)
    ]
    assert means == sorted(means)
    assert len(set(means)) == len(means)


def test_return_fire_can_sink_every_attacker() -> None:
    """With overwhelming return fire the attackers all go down: P(attackers all lost) = 1."""
    result = _probe(
        "salvo",
        {"attackers": 3, "targets": 10, "defenders": 0, "return_missiles": 4,
         "return_hit_probability": 1.0},
    )  # fmt: skip
    assert result.distribution["probabilities"]["attackers_all_lost"] == 1.0
    assert result.sample["attackers_left"] == 0


@pytest.mark.parametrize(
    ("model", "law", "params"),
    [
        (
            "lanchester-square",
            "square",
            {"attacker_strength": 1000, "defender_strength": 800, "attacker_kill_rate": 0.01,
             "defender_kill_rate": 0.012, "hours": 24, "steps": 400},
        ),
        (
            "lanchester-linear",
            "linear",
            {"attacker_strength": 400, "defender_strength": 300, "attacker_kill_rate": 0.0002,
             "defender_kill_rate": 0.0003, "hours": 12, "steps": 400},
        ),
    ],
)  # fmt: skip
def test_lanchester_mean_matches_closed_form(
    model: str, law: str, params: dict[str, float]
) -> None:
    """The stochastic Lanchester survivors average the closed form (MC error plus dt bias)."""
    result = _probe(model, params, cell="red")
    exact = lanchester(
        params["attacker_strength"],
        params["defender_strength"],
        Lanchester(params["attacker_kill_rate"], params["defender_kill_rate"], law),  # type: ignore[arg-type]
        [params["hours"]],
    )
    for side, closed in (("attacker", exact.a[-1]), ("defender", exact.b[-1])):
        survivors = result.distribution[f"{side}_survivors"]
        tolerance = 4 * survivors["sd"] / math.sqrt(RUNS) + 0.005 * closed
        assert abs(survivors["mean"] - closed) <= tolerance
        assert result.distribution["deterministic"][f"{side}_survivors"] == pytest.approx(closed)
    over_time = result.distribution["over_time"]
    assert over_time["hours"][0] == 0.0
    assert over_time["hours"][-1] == pytest.approx(params["hours"])
    assert over_time["attacker_mean"][0] == params["attacker_strength"]


def test_lanchester_winner_probabilities() -> None:
    """A much stronger attacker annihilates the defender: P(attacker wins) = 1."""
    params = {"attacker_strength": 60, "defender_strength": 20, "attacker_kill_rate": 0.2,
              "defender_kill_rate": 0.2, "hours": 24}  # fmt: skip
    result = _probe("lanchester-square", params, cell="red")
    probabilities = result.distribution["probabilities"]
    assert probabilities["attacker_wins"] == 1.0
    assert probabilities["defender_wins"] == 0.0
    assert result.distribution["deterministic"]["winner"] == "attacker"
    assert result.sample["winner"] == "attacker"
    assert result.sample["defender_survivors"] == 0


def test_lanchester_breakpoint_ends_the_battle_earlier() -> None:
    """A side that breaks at 70% of its strength loses even though it is not annihilated."""
    params = {"attacker_strength": 15000, "defender_strength": 9000, "attacker_kill_rate": 0.01,
              "defender_kill_rate": 0.025, "hours": 48}  # fmt: skip
    fight = _probe("lanchester-square", params, cell="red").distribution["probabilities"]
    broken = _probe("lanchester-square", {**params, "breakpoint": 0.7}, cell="red")
    assert fight["undecided"] == 1.0
    assert broken.distribution["probabilities"]["attacker_wins"] > 0.99


def test_detection_matches_koopman() -> None:
    """P(detect) of random search matches 1 - exp(-W v t / A) within Monte Carlo error."""
    params = {"sweep_width_km": 80, "speed_kmh": 750, "area_km2": 250000, "hours": 6,
              "searchers": 1}  # fmt: skip
    result = _probe("detection", params)
    closed = 1 - math.exp(-80 * 750 * 6 / 250000)
    p = result.distribution["probabilities"]["detect"]
    assert result.distribution["deterministic"]["detect"] == pytest.approx(closed)
    assert abs(p - closed) <= 4 * math.sqrt(closed * (1 - closed) / RUNS)


def test_detection_counts_isr_orbits_and_targets() -> None:
    """Searchers default to the ISR orbits in action; several targets are found independently."""
    result = _probe("detection", {"targets": 5, "hours": 2}, cell="usa")
    assert result.inputs["parameters"]["searchers"] == 1
    assert result.inputs["sources"]["searchers"] == "forces"
    detected = result.distribution["targets_detected"]
    p = result.distribution["probabilities"]["detect"]
    assert detected["mean"] == pytest.approx(5 * p)
    assert sum(detected["histogram"]["counts"]) == RUNS


def test_response_time_with_fixed_delays_is_scramble_plus_transit() -> None:
    """With fixed delays the intercept time is scramble + distance / speed, every run."""
    scenario = _scenario("tutorial")
    result = _probe(
        "response", {"scramble_cv": 0, "sector": 0, "group_size": 4}, scenario="tutorial"
    )
    base = next(p.position for p in scenario.geography.points if p.id == "chiayi")
    ring = scenario.geography.areas[0].polygon[:-1]
    centre = (sum(q[0] for q in ring) / len(ring), sum(q[1] for q in ring) / len(ring))
    expected = 8.0 + haversine_km(base, centre) / (480 * 1.852) * 60
    minutes = result.distribution["intercept_minutes"]
    assert minutes["mean"] == pytest.approx(expected)
    assert minutes["p05"] == pytest.approx(expected)
    assert result.distribution["probabilities"]["intercepted"] == 1.0
    within = result.distribution["probabilities"]["intercepted_within"]
    assert within == (1.0 if expected <= 15 else 0.0)


def test_response_below_threshold_is_tracked_by_gbad() -> None:
    """Under the flagship's threshold policy a pair of aircraft is tracked, not intercepted."""
    result = _probe("response", {"group_size": 2})
    probabilities = result.distribution["probabilities"]
    assert probabilities["tracked"] == 1.0
    assert probabilities["intercepted"] == 0.0
    forced = _probe("response", {"group_size": 2, "scramble_all": 1})
    assert forced.distribution["probabilities"]["intercepted"] == 1.0


def test_response_reads_qra_pairs_available_from_world() -> None:
    """No alert pairs left in the world state: every scramble-worthy group goes unanswered."""
    result = _probe("response", {"group_size": 4, "alert_pairs": 11, "sector": 4},
                    world={"qra_pairs_available": 0})  # fmt: skip
    assert result.inputs["world"]["qra_pairs_available"] == 0
    assert result.distribution["probabilities"]["intercepted"] == 0.0
    # The east sector is within GBAD range in the flagship, but groups of 4 are scrambled for.
    assert result.distribution["probabilities"]["unanswered"] == 1.0


def test_more_simultaneous_incursions_queue_for_pairs() -> None:
    """With one alert pair, several simultaneous groups leave some unanswered."""
    one = _probe("response", {"alert_pairs": 1, "group_size": 4})
    many = _probe("response", {"alert_pairs": 1, "group_size": 4, "incursions": 4})
    assert (
        many.distribution["probabilities"]["intercepted"]
        < (one.distribution["probabilities"]["intercepted"])
    )
    assert many.distribution["unanswered_per_run"]["mean"] >= 2.0


def test_world_variable_overrides_parameter() -> None:
    """A numeric world variable named like a parameter overrides the action's value."""
    params = {"attackers": 6, "targets": 20, "defenders": 0}
    result = _probe("salvo", params, world={"hit_probability": 0.0})
    assert result.inputs["sources"]["hit_probability"] == "world"
    assert result.inputs["world"]["hit_probability"] == 0.0
    assert result.distribution["targets_lost"]["mean"] == 0.0


def test_units_give_the_attacking_strength() -> None:
    """Without an attackers parameter the named units' ships in action fire."""
    result = _probe("salvo", {"targets": 10, "defenders": 2}, units=("twn-destroyers",))
    assert result.inputs["parameters"]["attackers"] == 3  # 4 ships at readiness 0.75
    assert result.inputs["sources"]["attackers"] == "forces"
    assert result.inputs["units"] == ["twn-destroyers"]


def test_forces_give_the_opposing_strength() -> None:
    """Without parameters targets and defenders come from the opposing side's forces."""
    result = _probe("salvo", {}, cell="twn")
    parameters = result.inputs["parameters"]
    # Red surface ships: 6 destroyers x 0.85 -> 5, 14 amphibious x 0.6 -> 8.
    assert parameters["targets"] == 13
    assert parameters["defenders"] == 5
    assert result.inputs["sources"]["targets"] == "forces"


def test_distribution_statistics_are_consistent() -> None:
    """Each summary has ordered percentiles and a histogram counting every run."""
    result = _probe("salvo", {"attackers": 8, "targets": 30, "defenders": 6})
    lost = result.distribution["targets_lost"]
    assert lost["p05"] <= lost["p50"] <= lost["p95"]
    assert sum(lost["histogram"]["counts"]) == lost["n"] == RUNS
    assert len(lost["histogram"]["bins"]) == len(lost["histogram"]["counts"]) + 1


def test_model_parameters_lists_every_flagship_parameter() -> None:
    """Every parameter a built-in scenario gives is one its model reads."""
    for name in builtin_names():
        for action in _scenario(name).actions:
            if action.adjudication is not None:
                known = MODEL_PARAMETERS[action.adjudication.model]
                assert set(action.adjudication.parameters) <= set(known)


@pytest.mark.parametrize(
    ("action", "cell", "world", "seed", "message"),
    [
        ("no-such-action", "twn", {}, 1, "unknown action"),
        ("raise-readiness", "twn", {}, 1, "no adjudication"),
        ("long-range-strike", "nobody", {}, 1, "unknown cell"),
        ("long-range-strike", "twn", {}, -1, "seed"),
        ("long-range-strike", "observers", {}, 1, "plays no side"),
        ("long-range-strike", "twn", {"escalation": "high"}, 1, "escalation"),
        ("long-range-strike", "twn", {"hits_to_disable": 0}, 1, "hits_to_disable"),
    ],
)
def test_bad_actions_raise_parameter_error(
    action: str, cell: str, world: dict[str, Any], seed: int, message: str
) -> None:
    """Unknown or unadjudicated actions, cells, seeds and impossible values raise ParameterError."""
    scenario = _scenario("grey-zone-surge")
    with pytest.raises(ParameterError, match=message):
        SimulationAdjudicator(10).adjudicate(
            scenario, _submitted(action, cell), _world(scenario, **world), seed
        )


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        ("salvo", {"hit_probabilty": 0.5}, "unknown parameter"),
        ("salvo", {"attackers": 2.5}, "integer"),
        ("salvo", {"hit_probability": 1.5}, r"\[0, 1\]"),
        ("salvo", {"attackers": float("nan")}, "finite"),
        ("lanchester-square", {"hours": 0}, "> 0"),
        ("lanchester-linear", {"attacker_kill_rate": -1}, ">= 0"),
        ("lanchester-square", {"breakpoint": 1.0}, r"\[0, 1\)"),
        ("response", {"sector": 9}, "sector"),
        ("response", {"incursions": 0}, ">= 1"),
        ("detection", {"area_km2": 0}, "> 0"),
        ("detection", {"targets": 0}, ">= 1"),
    ],
)
def test_impossible_parameters_raise_parameter_error(
    model: str, params: dict[str, float], message: str
) -> None:
    """An unknown or impossible parameter names itself in a ParameterError."""
    with pytest.raises(ParameterError, match=message):
        _probe(model, params, runs=10)


def test_unknown_unit_raises_parameter_error() -> None:
    """A unit id that is not in the scenario's forces is rejected."""
    with pytest.raises(ParameterError, match="unknown unit"):
        _probe("salvo", {}, units=("no-such-unit",), runs=10)


def test_underivable_parameter_raises_parameter_error() -> None:
    """A salvo against a side with no ships and no targets parameter cannot be adjudicated."""
    with pytest.raises(ParameterError, match="needs parameter 'attackers'"):
        _probe("salvo", {}, scenario="tutorial", runs=10)


def test_response_without_fighters_raises_parameter_error() -> None:
    """A response adjudication by units that are not fighters is rejected."""
    with pytest.raises(ParameterError, match="needs fighters"):
        _probe("response", {}, units=("twn-destroyers",), runs=10)


def test_runs_must_be_positive() -> None:
    """An adjudicator needs at least one replication."""
    with pytest.raises(ParameterError, match="runs"):
        SimulationAdjudicator(runs=0)
    assert np.isfinite(SimulationAdjudicator(runs=1).runs)
