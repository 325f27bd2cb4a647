"""Adjudication: run `jointex.model` for an action's uncertain outcome, from plain inputs.

The white cell adjudicates an action whose menu entry names a model (``Action.adjudication``).
`SimulationAdjudicator.adjudicate(scenario, action, world, seed)` looks the entry up, builds the
model's inputs from the scenario's forces, the entry's ``parameters`` and the world state, runs
``runs`` replications and one more independent replication, and returns an
`AdjudicationResult`: the inputs it used, the outcome distribution, the seed and a sampled
outcome, all JSON-ready (the payload of ``AdjudicationOpened``). This module imports nothing from
the rest of ``jointex.exercise``: the action is the ``ActionSubmitted`` data as a mapping (action
menu id, cell, units, orders, text, marking, minute) and the world is
``{"escalation": int, **variables}``.

Randomness. ``SeedSequence(seed)`` is split into two streams, each driving a
``Generator(PCG64(...))``: the first draws the ``runs`` replications of the distribution, the
second the single sampled outcome, so the sample is independent of the distribution yet the same
inputs and seed always give the same result.

Forces. A model's own forces are the ``units`` named in the action, else the acting cell's
nation's forces of the model's types (the acting side's when the cell has no nation); the
opposing forces are the other side's of the model's types. A force puts
``round(count * readiness)`` platforms in action.

Parameters. Each value is taken from, in order: a numeric world variable of the same name (the
world state is the current truth, e.g. after a strike), the action's ``parameters``, the forces
or the scenario (where the table says so), the default. A name the model does not read, an
impossible value or a value the model needs and cannot derive raises `ParameterError`.

``salvo`` (Hughes' stochastic salvo model, `sample_salvo`; side A fires on side B):

=============================== ========================================= =================
parameter                       meaning                                   default
=============================== ========================================= =================
attackers                       A's shooters in action                    own forces [1]_
missiles_per_attacker           missiles each fires per salvo             2
hit_probability                 P(a fired missile is well aimed)          0.7
attacker_interceptions          defensive shots per attacker per salvo    0
attacker_intercept_probability  P(an attacker's shot intercepts)          0.5
attacker_hits_to_disable        hits that put an attacker out of action   1
targets                         B's units that can be hit                 opposing [2]_
defenders                       B's units that intercept                  opposing [3]_
interceptions_per_defender      defensive shots per defender per salvo    2
intercept_probability           P(a defender's shot intercepts)           0.5
hits_to_disable                 hits that put a target out of action      1
return_missiles                 missiles each target fires back per salvo 0
return_hit_probability          P(a returned missile is well aimed)       hit_probability
salvos                          simultaneous exchanges                    1
=============================== ========================================= =================

.. [1] surface-ship, submarine, missile and bomber forces.
.. [2] the opposing surface ships.
.. [3] the opposing SAM forces and surface ships with the ``air-defence`` capability.

The defenders' shots are pooled over the targets: each target carries
``k = ceil(defenders * interceptions_per_defender / targets)`` shots of probability
``defenders * interceptions_per_defender * intercept_probability / (targets * k)``, which keeps
Hughes' defensive power (and the mean interceptions) exact and is Armstrong's model itself when
every target defends itself; as in Hughes' model the defence degrades as targets are lost.
Outcome: attackers and targets lost, P(each side loses all), Hughes' deterministic losses.

``lanchester-square`` / ``lanchester-linear`` (`sample_lanchester`, `lanchester`; A attacks B):

==================== ================================================= ======================
parameter            meaning                                           default
==================== ================================================= ======================
attacker_strength    A's initial units                                 own ground forces [4]_
defender_strength    B's initial units                                 opposing ground [4]_
attacker_kill_rate   alpha: B's losses per hour per A unit (per A x B) 0.01
defender_kill_rate   beta: A's losses per hour per B unit (per A x B)  0.01
hours                length of the battle, hours                       24
steps                time steps (dt = hours / steps)                   200
breakpoint           fraction of its initial strength at which a side  0 (annihilation)
                     breaks and loses
==================== ================================================= ======================

.. [4] ground and reserve forces; counts must be in one unit (give the strengths otherwise).

Outcome: survivors per side, P(attacker wins), P(defender wins), P(undecided) (the side that
breaks first loses), the force ratio over time and the closed form.

``response`` (`simulate_response` with the scenario's posture; one or more groups entering the
ADIZ at once, the decision at minute 0):

===================== =========================================== ============================
parameter             meaning                                     default
===================== =========================================== ============================
alert_pairs           alert pairs available                       own fighters [5]_
scramble_mean_minutes order to airborne, mean minutes             scenario response.scramble
scramble_cv           its coefficient of variation                scenario response.scramble
transit_speed_kts     transit speed, knots                        scenario response
on_station_minutes    time on station, minutes                    scenario response
max_wait_minutes      an incursion not met within this is         scenario response
                      unanswered
group_size            aircraft per incursion group                phase's group size
incursions            groups entering at once                     1
sector                ADIZ sector index (0-based)                 drawn from the phase's mix
within_minutes        N in P(intercepted within N minutes)        15
scramble_all          1 to scramble whatever the policy threshold 0
===================== =========================================== ============================

.. [5] the pairs on alert (``alert_pairs``) of the own fighter forces, else half their fighters
   in action; the numeric world variable ``qra_pairs_available``, when the scenario has one,
   caps the pairs. Pairs are shared out over the bases in proportion to what each holds.

Ground-based air defence tracks sectors its SAMs cover (blue only, as in ``jointex.sim``).
Outcome: P(intercepted within N minutes), P(answered, intercepted, tracked, unanswered), the
response time distribution.

``detection`` (`sample_detection` and `sector_detection_probability`; tasked ISR searching for
targets that stay ``hours`` in the area):

===================== ============================================= =========================
parameter             meaning                                       default
===================== ============================================= =========================
searchers             random-search sensors (orbits)                own ISR forces [6]_
sweep_width_km        effective sweep width W, km                   40
speed_kmh             search speed v, km/h                          600
area_km2              area searched A, km^2                         50000
hours                 time searched (the targets' dwell), hours     6
glimpse_sensors       scanning sensors added (glimpse model)        0
glimpse_probability   P(detect) per scan                            0.3
scan_interval_minutes minutes between scans                         5
targets               targets to find (independent)                 1
===================== ============================================= =========================

.. [6] one orbit per ISR or drone force in action; 1 when the side has none.

Outcome: P(detect) per target (with Koopman's closed form), targets detected, P(at least one),
P(all), time to first detection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from jointex._errors import ParameterError
from jointex.model import (
    AirDefence,
    AlertBase,
    Delay,
    GlimpseSensor,
    Lanchester,
    RandomSearchSensor,
    ResponseOutcome,
    ResponsePolicy,
    ResponsePosture,
    SalvoSide,
    Sensor,
    hughes_salvo,
    lanchester,
    sample_detection,
    sample_lanchester,
    sample_salvo,
    sector_detection_probability,
    simulate_response,
)
from jointex.scenario import Action, Cell, Force, Scenario
from jointex.sim import build_theatre, haversine_km

__all__ = ["MODEL_PARAMETERS", "AdjudicationResult", "Adjudicator", "SimulationAdjudicator"]

_KTS_TO_KMH = 1.852
_DEFAULT_DISTANCE_KM = 150.0  # as jointex.sim: a notional distance when a place is missing
_HISTOGRAM_BINS = 20
_QRA_VARIABLE = "qra_pairs_available"

_LANCHESTER_PARAMETERS: dict[str, float | None] = {
    "attacker_strength": None,
    "defender_strength": None,
    "attacker_kill_rate": 0.01,
    "defender_kill_rate": 0.01,
    "hours": 24.0,
    "steps": 200,
    "breakpoint": 0.0,
}
_PARAMETER_TABLE: dict[str, dict[str, float | None]] = {
    "salvo": {
        "attackers": None,
        "missiles_per_attacker": 2,
        "hit_probability": 0.7,
        "attacker_interceptions": 0,
        "attacker_intercept_probability": 0.5,
        "attacker_hits_to_disable": 1.0,
        "targets": None,
        "defenders": None,
        "interceptions_per_defender": 2,
        "intercept_probability": 0.5,
        "hits_to_disable": 1.0,
        "return_missiles": 0,
        "return_hit_probability": None,
        "salvos": 1,
    },
    "lanchester-square": _LANCHESTER_PARAMETERS,
    "lanchester-linear": _LANCHESTER_PARAMETERS,
    "response": {
        "alert_pairs": None,
        "scramble_mean_minutes": None,
        "scramble_cv": None,
        "transit_speed_kts": None,
        "on_station_minutes": None,
        "max_wait_minutes": None,
        "group_size": None,
        "incursions": 1,
        "sector": None,
        "within_minutes": 15.0,
        "scramble_all": 0,
    },
    "detection": {
        "searchers": None,
        "sweep_width_km": 40.0,
        "speed_kmh": 600.0,
        "area_km2": 50000.0,
        "hours": 6.0,
        "glimpse_sensors": 0,
        "glimpse_probability": 0.3,
        "scan_interval_minutes": 5.0,
        "targets": 1,
    },
}
MODEL_PARAMETERS: Mapping[str, Mapping[str, float | None]] = MappingProxyType(
    {model: MappingProxyType(table) for model, table in _PARAMETER_TABLE.items()}
)
"""Per adjudication model, every parameter it reads and its default (None: derived or needed)."""

_SHOOTER_TYPES = ("surface-ship", "submarine", "missile", "bomber")
_GROUND_TYPES = ("ground", "reserve")
_ISR_TYPES = ("isr", "drone")


@dataclass(frozen=True, slots=True)
class AdjudicationResult:
    """A model's verdict on one action, ready for an ``AdjudicationOpened`` event.

    Attributes:
        model: the adjudication model, e.g. ``"salvo"``.
        inputs: everything used: the action, forces and counts, resolved parameters and where
            each came from, the world state read, the number of runs.
        distribution: per outcome quantity its mean, p05, p50, p95 and a histogram (``bins``
            edges, ``counts``); categorical outcomes as ``probabilities``; the deterministic
            closed form where one exists.
        seed: the seed both random streams were derived from.
        sample: one sampled outcome (a replication independent of the distribution's), with a
            one-line human summary under ``"summary"``.
    """

    model: str
    inputs: Mapping[str, Any]
    distribution: Mapping[str, Any]
    seed: int
    sample: Mapping[str, Any]


class Adjudicator(Protocol):
    """Anything that turns an adjudicated action into an `AdjudicationResult`."""

    def adjudicate(
        self,
        scenario: Scenario,
        action: Mapping[str, Any],
        world: Mapping[str, Any],
        seed: int,
    ) -> AdjudicationResult:
        """Adjudicate one submitted action.

        Args:
            scenario: the exercise's scenario.
            action: the ``ActionSubmitted`` data (action menu id, cell, units, orders, text,
                marking, minute).
            world: ``{"escalation": int, **variables}`` at the time of adjudication.
            seed: the random seed (integer >= 0).

        Returns:
            The inputs, distribution, seed and a sampled outcome.

        Raises:
            ParameterError: the action is unknown, has no adjudication, or a parameter is
                impossible.
        """
        ...


@dataclass(frozen=True, slots=True)
class _Outcome:
    inputs: dict[str, Any]
    distribution: dict[str, Any]
    sample: dict[str, Any]


class SimulationAdjudicator:
    """Adjudicates with the analytic models of `jointex.model`, by Monte Carlo replication.

    Args:
        runs: replications behind each distribution (>= 1).

    Raises:
        ParameterError: if ``runs`` is not an integer >= 1.
    """

    def __init__(self, runs: int = 2000) -> None:
        if isinstance(runs, bool) or int(runs) != runs or runs < 1:
            raise ParameterError(f"runs must be an integer >= 1, got {runs!r}")
        self.runs = int(runs)

    def adjudicate(
        self,
        scenario: Scenario,
        action: Mapping[str, Any],
        world: Mapping[str, Any],
        seed: int,
    ) -> AdjudicationResult:
        """Adjudicate one submitted action with its menu entry's model.

        Args:
            scenario: the exercise's scenario.
            action: the ``ActionSubmitted`` data (action menu id, cell, units, orders, text,
                marking, minute).
            world: ``{"escalation": int, **variables}`` at the time of adjudication.
            seed: the random seed (integer >= 0).

        Returns:
            The inputs, distribution, seed and a sampled outcome, JSON-ready.

        Raises:
            ParameterError: the action is unknown, has no adjudication, names an unknown cell
                or unit, or a parameter is unknown or impossible.
        """
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"seed must be an integer >= 0, got {seed!r}")
        entry = _menu_entry(scenario, action)
        adjudication = entry.adjudication
        if adjudication is None:
            raise ParameterError(
                f"action {entry.id!r} has no adjudication: its menu entry names no model"
            )
        model = adjudication.model
        parameters = _Parameters(model, adjudication.parameters, world)
        context = _Context.of(scenario, action, world)
        distribution_stream, sample_stream = np.random.SeedSequence(int(seed)).spawn(2)
        outcome = _RUNNERS[model](
            context,
            parameters,
            np.random.Generator(np.random.PCG64(distribution_stream)),
            np.random.Generator(np.random.PCG64(sample_stream)),
            self.runs,
        )
        inputs = {
            "action": entry.id,
            "action_name": entry.name,
            "cell": context.cell.id if context.cell is not None else None,
            "side": context.side,
            "nation": context.nation,
            "units": [force.id for force in context.units],
            "minute": context.minute,
            "phase": scenario.phase_at(context.minute).id,
            "model": model,
            "parameters": parameters.values,
            "sources": parameters.sources,
            "world": {"escalation": context.escalation, **parameters.world_read},
            "runs": self.runs,
            **outcome.inputs,
        }
        return AdjudicationResult(
            model=model,
            inputs=_json_ready(inputs),
            distribution=_json_ready(outcome.distribution),
            seed=int(seed),
            sample=_json_ready(outcome.sample),
        )


def _menu_entry(scenario: Scenario, action: Mapping[str, Any]) -> Action:
    action_id = action.get("action")
    for entry in scenario.actions:
        if entry.id == action_id:
            return entry
    menu = ", ".join(entry.id for entry in scenario.actions) or "none"
    raise ParameterError(
        f"unknown action {action_id!r}: not in scenario {scenario.id!r}'s action menu ({menu})"
    )


class _Parameters:
    """A model's parameters resolved from world state, the action, forces or defaults."""

    def __init__(self, model: str, given: Mapping[str, float], world: Mapping[str, Any]) -> None:
        self.model = model
        self.table = MODEL_PARAMETERS[model]
        unknown = sorted(set(given) - set(self.table))
        if unknown:
            raise ParameterError(
                f"unknown parameter(s) {', '.join(unknown)} for model {model!r}; "
                f"it reads: {', '.join(self.table)}"
            )
        self.given = given
        self.world = world
        self.values: dict[str, float] = {}
        self.sources: dict[str, str] = {}
        self.world_read: dict[str, Any] = {}

    def explicit(self, name: str) -> bool:
        """Whether the world or the action sets the parameter."""
        return name in self.given or _world_number(self.world, name) is not None

    def number(
        self, name: str, derived: float | None = None, source: str = "forces", *, check: str = ""
    ) -> float:
        """The parameter's value from the world, the action, ``derived`` or the default.

        Args:
            name: the parameter.
            derived: the value the forces or the scenario give, used before the default.
            source: where ``derived`` came from, recorded in ``sources``.
            check: ``count``, ``probability``, ``positive``, ``non-negative``, ``fraction``
                (``[0, 1)``) or empty for none.

        Returns:
            The value, also recorded in ``values``.

        Raises:
            ParameterError: the value is needed and missing, or fails its check.
        """
        from_world = _world_number(self.world, name)
        if from_world is not None:
            value, origin = from_world, "world"
            self.world_read[name] = from_world
        elif name in self.given:
            value, origin = float(self.given[name]), "action"
        elif derived is not None:
            value, origin = float(derived), source
        elif self.table[name] is not None:
            value, origin = float(self.table[name] or 0.0), "default"
        else:
            raise ParameterError(
                f"model {self.model!r} needs parameter {name!r}: give it in the action's "
                "adjudication parameters or name acting units it can be derived from"
            )
        _check(self.model, name, value, check)
        self.values[name] = int(value) if check == "count" else value
        self.sources[name] = origin
        return value

    def count(
        self, name: str, derived: float | None = None, source: str = "forces", *, minimum: int = 0
    ) -> int:
        """The parameter as an integer >= ``minimum``."""
        value = int(self.number(name, derived, source, check="count"))
        if value < minimum:
            raise ParameterError(
                f"{self.model} parameter {name!r} must be an integer >= {minimum}, got {value}"
            )
        return value


def _check(model: str, name: str, value: float, check: str) -> None:
    where = f"{model} parameter {name!r}"
    if not math.isfinite(value):
        raise ParameterError(f"{where} must be a finite number, got {value!r}")
    problems = {
        "count": (value < 0 or value != int(value), "an integer >= 0"),
        "probability": (not 0.0 <= value <= 1.0, "a probability in [0, 1]"),
        "positive": (value <= 0, "> 0"),
        "non-negative": (value < 0, ">= 0"),
        "fraction": (not 0.0 <= value < 1.0, "in [0, 1)"),
    }
    bad, wanted = problems.get(check, (False, ""))
    if bad:
        raise ParameterError(f"{where} must be {wanted}, got {value!r}")


def _world_number(world: Mapping[str, Any], name: str) -> float | None:
    value = world.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class _Context:
    """Who acts, with what, when: the action's plain inputs checked against the scenario."""

    scenario: Scenario
    cell: Cell | None
    side: str
    nation: str | None
    units: tuple[Force, ...]
    minute: int
    escalation: int
    world: Mapping[str, Any]

    @classmethod
    def of(
        cls, scenario: Scenario, action: Mapping[str, Any], world: Mapping[str, Any]
    ) -> _Context:
        forces = {force.id: force for force in scenario.forces}
        unit_ids = action.get("units") or ()
        if isinstance(unit_ids, str):
            unit_ids = (unit_ids,)
        missing = [u for u in unit_ids if u not in forces]
        if missing:
            raise ParameterError(
                f"unknown unit(s) {', '.join(map(str, missing))}: not in scenario "
                f"{scenario.id!r}'s forces"
            )
        units = tuple(forces[u] for u in unit_ids)
        cell: Cell | None = None
        cell_id = action.get("cell")
        if cell_id is not None:
            try:
                cell = scenario.cell(str(cell_id))
            except KeyError:
                raise ParameterError(
                    f"unknown cell {cell_id!r} in scenario {scenario.id!r}"
                ) from None
        sides = {force.side for force in units}
        if len(sides) > 1:
            raise ParameterError(f"the acting units belong to several sides: {sorted(sides)}")
        if sides:
            side = sides.pop()
        elif cell is not None and cell.role in ("blue", "red"):
            side = cell.role
        else:
            raise ParameterError(
                f"cell {cell_id!r} plays no side: name the acting units of an adjudicated action"
            )
        if side not in ("blue", "red"):
            raise ParameterError(f"units of side {side!r} cannot be adjudicated against a side")
        nation = cell.nation if cell is not None and cell.role == side else None
        minute = action.get("minute", 0)
        if isinstance(minute, bool) or not isinstance(minute, int):
            raise ParameterError(f"the action's minute must be an integer, got {minute!r}")
        escalation = world.get("escalation", scenario.world.initial_escalation)
        if isinstance(escalation, bool) or not isinstance(escalation, int):
            raise ParameterError(f"world escalation must be an integer, got {escalation!r}")
        return cls(
            scenario=scenario,
            cell=cell,
            side=side,
            nation=nation,
            units=units,
            minute=minute,
            escalation=escalation,
            world=world,
        )

    @property
    def opposing_side(self) -> str:
        """The side the acting side fights."""
        return "red" if self.side == "blue" else "blue"

    def own(self, types: Iterable[str]) -> list[Force]:
        """The acting units, else the acting nation's (or side's) forces of these types."""
        if self.units:
            return list(self.units)
        wanted = set(types)
        return [
            force
            for force in self.scenario.forces
            if force.side == self.side
            and force.type in wanted
            and (self.nation is None or force.nation == self.nation)
        ]

    def opposing(self, keep: Callable[[Force], bool]) -> list[Force]:
        """The opposing side's forces that ``keep`` selects."""
        return [f for f in self.scenario.forces if f.side == self.opposing_side and keep(f)]


def _in_action(force: Force) -> int:
    return math.floor(force.count * force.readiness + 0.5)


def _strength(forces: Sequence[Force]) -> int | None:
    return sum(_in_action(f) for f in forces) if forces else None


def _force_rows(forces: Sequence[Force]) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "type": f.type,
            "count": f.count,
            "readiness": f.readiness,
            "in_action": _in_action(f),
        }
        for f in forces
    ]


# --- distributions -----------------------------------------------------------------------------


def _summary(values: NDArray[Any], integer: bool = False) -> dict[str, Any]:
    """Count, mean, sd, 5/50/95th percentiles and a histogram of the finite values.

    Integer outcomes get bins of whole units (``[k, k + step)``, the last closed); the others
    ``_HISTOGRAM_BINS`` equal bins. Statistics are None when no value is finite.
    """
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return {
            "n": 0,
            "mean": None,
            "sd": None,
            "p05": None,
            "p50": None,
            "p95": None,
            "histogram": {"bins": [], "counts": []},
        }
    p05, p50, p95 = np.percentile(data, [5, 50, 95])
    low, high = float(data.min()), float(data.max())
    if integer and high - low < 4 * _HISTOGRAM_BINS:
        step = max(1, math.ceil((high - low + 1) / _HISTOGRAM_BINS))
        edges = np.arange(low, high + step + 1, step, dtype=np.float64)
        counts, edges = np.histogram(data, bins=edges)
        if len(edges) > 2 and counts[-1] == 0:  # the last edge only closes the top bin
            edges, counts = edges[:-1], counts[:-1]
    else:
        counts, edges = np.histogram(data, bins=_HISTOGRAM_BINS)
    return {
        "n": int(data.size),
        "mean": float(data.mean()),
        "sd": float(data.std(ddof=1)) if data.size > 1 else 0.0,
        "p05": float(p05),
        "p50": float(p50),
        "p95": float(p95),
        "histogram": {"bins": edges.tolist(), "counts": counts.tolist()},
    }


def _json_ready(value: Any) -> Any:
    """Plain JSON types: dicts with str keys, lists, finite floats (else None), ints, str."""
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_ready(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- salvo -------------------------------------------------------------------------------------


def _is_air_defence(force: Force) -> bool:
    return force.type == "sam" or (
        force.type == "surface-ship" and "air-defence" in force.capabilities
    )


def _salvo(
    ctx: _Context,
    p: _Parameters,
    rng: np.random.Generator,
    sample_rng: np.random.Generator,
    runs: int,
) -> _Outcome:
    shooters = ctx.own(_SHOOTER_TYPES)
    targets_forces = ctx.opposing(lambda f: f.type == "surface-ship")
    defender_forces = ctx.opposing(_is_air_defence)
    attackers = p.count("attackers", _strength(shooters))
    missiles = p.count("missiles_per_attacker")
    hit = p.number("hit_probability", check="probability")
    own_shots = p.count("attacker_interceptions")
    own_intercept = p.number("attacker_intercept_probability", check="probability")
    own_staying = p.number("attacker_hits_to_disable", check="positive")
    targets = p.count("targets", _strength(targets_forces))
    defenders = p.count("defenders", _strength(defender_forces))
    shots = p.count("interceptions_per_defender")
    intercept = p.number("intercept_probability", check="probability")
    staying = p.number("hits_to_disable", check="positive")
    return_missiles = p.count("return_missiles")
    return_hit = p.number("return_hit_probability", hit, "hit_probability", check="probability")
    salvos = p.count("salvos")
    pooled = defenders * shots
    per_target = math.ceil(pooled / targets) if targets else 0
    pooled_probability = min(1.0, pooled * intercept / (targets * per_target)) if per_target else 0
    side_a = SalvoSide(missiles, hit, own_shots, own_intercept, own_staying)
    side_b = SalvoSide(return_missiles, return_hit, per_target, pooled_probability, staying)

    path = sample_salvo(rng, attackers, targets, side_a, side_b, salvos=salvos, runs=runs)
    exact = hughes_salvo(attackers, targets, side_a, side_b, salvos=salvos)
    a_end, b_end = path.a[:, -1], path.b[:, -1]
    single = sample_salvo(sample_rng, attackers, targets, side_a, side_b, salvos=salvos, runs=1)
    a_lost = attackers - int(single.a[0, -1])
    b_lost = targets - int(single.b[0, -1])
    summary = (
        f"{_plural(attackers, 'attacker')} firing {missiles} missiles each over "
        f"{_plural(salvos, 'salvo')}: {b_lost} of {_plural(targets, 'target')} out of action, "
        f"{a_lost} of {attackers} attackers lost"
    )
    return _Outcome(
        inputs={
            "forces": {
                "attackers": _force_rows(shooters),
                "targets": _force_rows(targets_forces),
                "defenders": _force_rows(defender_forces),
            },
            "salvo_sides": {
                "attackers": _side_row(side_a, attackers),
                "targets": _side_row(side_b, targets),
            },
        },
        distribution={
            "attackers_lost": _summary(attackers - a_end, integer=True),
            "targets_lost": _summary(targets - b_end, integer=True),
            "probabilities": {
                "attackers_all_lost": float(np.mean(a_end == 0)) if attackers else 0.0,
                "targets_all_lost": float(np.mean(b_end == 0)) if targets else 0.0,
                "targets_half_lost": float(np.mean(2 * (targets - b_end) >= targets))
                if targets
                else 0.0,
            },
            "deterministic": {
                "model": "hughes_salvo",
                "attackers_lost": float(attackers - exact.a[-1]),
                "targets_lost": float(targets - exact.b[-1]),
            },
        },
        sample={
            "attackers_lost": a_lost,
            "targets_lost": b_lost,
            "attackers_left": attackers - a_lost,
            "targets_left": targets - b_lost,
            "attackers_path": single.a[0].tolist(),
            "targets_path": single.b[0].tolist(),
            "summary": summary,
        },
    )


def _side_row(side: SalvoSide, ships: int) -> dict[str, Any]:
    return {
        "ships": ships,
        "missiles_per_ship": side.missiles_per_ship,
        "hit_probability": side.hit_probability,
        "interceptors_per_ship": side.interceptors_per_ship,
        "intercept_probability": side.intercept_probability,
        "staying_power": side.staying_power,
        "offensive_power": side.offensive_power,
        "defensive_power": side.defensive_power,
    }


# --- Lanchester --------------------------------------------------------------------------------


def _first_break(path: NDArray[Any], threshold: float) -> NDArray[np.float64]:
    """Index of the first step at which a side is at or below ``threshold`` (inf if never)."""
    broken = path <= threshold
    first = np.argmax(broken, axis=1).astype(np.float64)
    first[~broken.any(axis=1)] = np.inf
    return np.asarray(first, dtype=np.float64)


def _lanchester(
    ctx: _Context,
    p: _Parameters,
    rng: np.random.Generator,
    sample_rng: np.random.Generator,
    runs: int,
    *,
    law: str,
) -> _Outcome:
    own = ctx.own(_GROUND_TYPES)
    foe = ctx.opposing(lambda f: f.type in _GROUND_TYPES)
    a0 = p.count("attacker_strength", _strength(own))
    b0 = p.count("defender_strength", _strength(foe))
    alpha = p.number("attacker_kill_rate", check="non-negative")
    beta = p.number("defender_kill_rate", check="non-negative")
    hours = p.number("hours", check="positive")
    steps = p.count("steps", minimum=1)
    breakpoint_ = p.number("breakpoint", check="fraction")
    model = Lanchester(alpha, beta, "square" if law == "square" else "linear")
    dt = hours / steps
    path = sample_lanchester(rng, a0, b0, model, dt=dt, steps=steps, runs=runs)
    a_break = _first_break(path.a, breakpoint_ * a0)
    b_break = _first_break(path.b, breakpoint_ * b0)
    attacker_wins = b_break < a_break
    defender_wins = a_break < b_break
    checkpoints = np.unique(np.linspace(0, steps, min(steps, 12) + 1).round().astype(np.intp))
    times = checkpoints * dt
    exact = lanchester(a0, b0, model, times)
    mean_a = path.a[:, checkpoints].mean(axis=0)
    mean_b = path.b[:, checkpoints].mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean_b > 0, mean_a / mean_b, np.inf)
        exact_ratio = np.where(exact.b > 0, exact.a / exact.b, np.inf)
    winner = {1: "attacker", -1: "defender", 0: "draw"}[int(exact.winner)]

    single = sample_lanchester(sample_rng, a0, b0, model, dt=dt, steps=steps, runs=1)
    sa, sb = (
        _first_break(single.a, breakpoint_ * a0)[0],
        _first_break(single.b, breakpoint_ * b0)[0],
    )
    verdict = "attacker wins" if sb < sa else "defender wins" if sa < sb else "undecided"
    a_end, b_end = int(single.a[0, -1]), int(single.b[0, -1])
    summary = (
        f"Lanchester {law} law over {hours:g} h: attacker {a0} -> {a_end}, "
        f"defender {b0} -> {b_end}; {verdict}"
    )
    return _Outcome(
        inputs={
            "forces": {"attacker": _force_rows(own), "defender": _force_rows(foe)},
            "law": law,
            "dt_hours": dt,
        },
        distribution={
            "attacker_survivors": _summary(path.a[:, -1], integer=True),
            "defender_survivors": _summary(path.b[:, -1], integer=True),
            "attacker_losses": _summary(a0 - path.a[:, -1], integer=True),
            "defender_losses": _summary(b0 - path.b[:, -1], integer=True),
            "probabilities": {
                "attacker_wins": float(attacker_wins.mean()),
                "defender_wins": float(defender_wins.mean()),
                "undecided": float(1.0 - attacker_wins.mean() - defender_wins.mean()),
            },
            "over_time": {
                "hours": times.tolist(),
                "attacker_mean": mean_a.tolist(),
                "attacker_p05": np.percentile(path.a[:, checkpoints], 5, axis=0).tolist(),
                "attacker_p95": np.percentile(path.a[:, checkpoints], 95, axis=0).tolist(),
                "defender_mean": mean_b.tolist(),
                "defender_p05": np.percentile(path.b[:, checkpoints], 5, axis=0).tolist(),
                "defender_p95": np.percentile(path.b[:, checkpoints], 95, axis=0).tolist(),
                "force_ratio": ratio.tolist(),
            },
            "deterministic": {
                "model": "lanchester",
                "attacker_survivors": float(exact.a[-1]),
                "defender_survivors": float(exact.b[-1]),
                "winner": winner,
                "invariant": float(model.invariant(a0, b0)),
                "force_ratio": exact_ratio.tolist(),
            },
        },
        sample={
            "attacker_survivors": a_end,
            "defender_survivors": b_end,
            "winner": verdict.removesuffix(" wins"),
            "summary": summary,
        },
    )


# --- rapid response ----------------------------------------------------------------------------


def _centre(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    ring = points[:-1]
    return (sum(q[0] for q in ring) / len(ring), sum(q[1] for q in ring) / len(ring))


def _share_out(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` whole pairs in proportion to ``weights`` (largest remainder, stable)."""
    weight_sum = float(sum(weights))
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    shares = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _alert_posture(
    ctx: _Context, p: _Parameters, sectors: Sequence[str], air_defence: AirDefence | None
) -> tuple[ResponsePosture, list[dict[str, Any]], list[Force]]:
    """The acting side's alert bases, with the pairs shared out, under the scenario's policy."""
    scenario = ctx.scenario
    spec = scenario.response
    fighters = [f for f in ctx.own(("fighter",)) if f.type == "fighter"]
    if not fighters:
        raise ParameterError(
            f"response adjudication needs fighters: the {ctx.side} side "
            f"({ctx.nation or 'all nations'}) names none among the acting forces"
        )
    on_alert = [f for f in fighters if f.alert_pairs > 0]
    weights = [float(f.alert_pairs) for f in on_alert] or [_in_action(f) // 2 for f in fighters]
    holders = on_alert or fighters
    pairs = p.count("alert_pairs", sum(weights))
    cap = _world_number(ctx.world, _QRA_VARIABLE) if on_alert else None
    if cap is not None and cap >= 0:
        p.world_read[_QRA_VARIABLE] = cap
        pairs = min(pairs, int(cap))
    shares = _share_out(pairs, weights)
    scramble = Delay(
        p.number(
            "scramble_mean_minutes", spec.scramble.mean_minutes, "scenario", check="non-negative"
        ),
        p.number("scramble_cv", spec.scramble.cv, "scenario", check="non-negative"),
    )
    speed = p.number("transit_speed_kts", spec.transit_speed_kts, "scenario", check="positive")
    on_station = p.number(
        "on_station_minutes", spec.on_station_minutes, "scenario", check="non-negative"
    )
    scramble_all = p.count("scramble_all")
    if scramble_all > 1:
        raise ParameterError(
            f"response parameter 'scramble_all' must be 0 or 1, got {scramble_all}"
        )
    areas = {a.id: a for a in scenario.geography.areas}
    points = {q.id: q.position for q in scenario.geography.points}
    centres = [_centre(areas[s].polygon) if s in areas else None for s in sectors]
    bases = []
    rows = []
    for force, share in zip(holders, shares, strict=True):
        home = points.get(force.base)
        distances = tuple(
            haversine_km(home, c) if home is not None and c is not None else _DEFAULT_DISTANCE_KM
            for c in centres
        )
        bases.append(
            AlertBase(
                pairs=share,
                distance_km=distances,
                scramble=scramble,
                time_on_station=Delay(on_station, 0.0),
                turnaround=Delay(spec.turnaround.mean_minutes, spec.turnaround.cv),
                speed_kmh=speed * _KTS_TO_KMH,
                name=force.id,
            )
        )
        rows.append(
            {
                "force": force.id,
                "base": force.base,
                "pairs": share,
                "distance_km": dict(zip(sectors, distances, strict=True)),
            }
        )
    kind = "scramble-all" if scramble_all else spec.policy
    policy = ResponsePolicy(kind, spec.threshold_aircraft if kind == "threshold" else 1)
    posture = ResponsePosture(bases=tuple(bases), policy=policy, air_defence=air_defence)
    return posture, rows, holders


def _response(
    ctx: _Context,
    p: _Parameters,
    rng: np.random.Generator,
    sample_rng: np.random.Generator,
    runs: int,
) -> _Outcome:
    scenario = ctx.scenario
    theatre = build_theatre(scenario, days=1)
    sectors = theatre.sectors
    # GBAD is the defender's (blue) SAM coverage, as jointex.sim builds it.
    air_defence = theatre.posture.air_defence if ctx.side == "blue" else None
    posture, base_rows, holders = _alert_posture(ctx, p, sectors, air_defence)
    bases = posture.bases
    policy = posture.policy
    max_wait = p.number(
        "max_wait_minutes", scenario.response.max_wait_minutes, "scenario", check="non-negative"
    )
    phase = scenario.phase_at(ctx.minute)
    mix = phase.activity.sorties
    group = p.count("group_size", max(1, round(mix.group_size)), "scenario", minimum=1)
    incursions = p.count("incursions", minimum=1)
    within = p.number("within_minutes", check="non-negative")
    fixed_sector: int | None = None
    if p.explicit("sector"):
        fixed_sector = p.count("sector")
        if fixed_sector >= len(sectors):
            raise ParameterError(
                f"response parameter 'sector' must be < {len(sectors)} "
                f"(sectors: {', '.join(sectors)}), got {fixed_sector}"
            )
    weights_by_sector = np.array([float(mix.sectors.get(s, 0.0)) for s in sectors])
    if weights_by_sector.sum() <= 0:
        weights_by_sector = np.ones(len(sectors))
    sector_mix = weights_by_sector / weights_by_sector.sum()

    def run(stream: np.random.Generator, count: int) -> tuple[ResponseOutcome, NDArray[np.intp]]:
        size = count * incursions
        if fixed_sector is None:
            where = stream.choice(len(sectors), size=size, p=sector_mix).astype(np.intp)
        else:
            where = np.full(size, fixed_sector, dtype=np.intp)
        outcome = simulate_response(
            stream,
            posture,
            runs=count,
            run=np.repeat(np.arange(count, dtype=np.intp), incursions),
            arrival_minutes=np.zeros(size),
            group_size=np.full(size, group, dtype=np.int64),
            sector=where,
            needs_response=np.ones(size, dtype=np.bool_),
            horizon_minutes=max_wait + 1440.0,
            max_wait_minutes=max_wait,
        )
        return outcome, where

    out = run(rng, runs)[0]
    in_time = out.scrambled & (np.nan_to_num(out.response_minutes, nan=np.inf) <= within)
    answered_in_time = out.answered & (np.nan_to_num(out.response_minutes, nan=np.inf) <= within)
    one, where = run(sample_rng, 1)
    if one.scrambled[0]:
        how = (
            f"intercepted by a pair from {bases[int(one.base[0])].name} after "
            f"{one.response_minutes[0]:.0f} min"
        )
    elif one.tracked[0]:
        how = f"tracked by ground-based air defence after {one.response_minutes[0]:.0f} min"
    else:
        how = "unanswered"
    first = f"group of {group} in {sectors[int(where[0])]}"
    summary = f"{first}: {how}" + (
        f"; {int(one.answered.sum())} of {incursions} groups answered" if incursions > 1 else ""
    )
    distribution: dict[str, Any] = {
        "within_minutes": within,
        "probabilities": {
            "intercepted_within": float(in_time.mean()),
            "answered_within": float(answered_in_time.mean()),
            "answered": float(out.answered.mean()),
            "intercepted": float(out.scrambled.mean()),
            "tracked": float(out.tracked.mean()),
            "unanswered": float(1.0 - out.answered.mean()),
        },
        "response_minutes": _summary(out.response_minutes),
        "intercept_minutes": _summary(out.response_minutes[out.scrambled]),
        "wait_minutes": _summary(out.wait_minutes),
    }
    if incursions > 1:
        distribution["unanswered_per_run"] = _summary(out.unanswered, integer=True)
    return _Outcome(
        inputs={
            "forces": {"alert": _force_rows(holders)},
            "bases": base_rows,
            "policy": {"kind": policy.kind, "threshold": policy.threshold},
            "gbad_sectors": sorted(sectors[s] for s in air_defence.sectors) if air_defence else [],
            "sectors": list(sectors),
            "sector_mix": None
            if fixed_sector is not None
            else dict(zip(sectors, sector_mix.tolist(), strict=True)),
        },
        distribution=distribution,
        sample={
            "sector": sectors[int(where[0])],
            "answered": bool(one.answered[0]),
            "intercepted": bool(one.scrambled[0]),
            "tracked": bool(one.tracked[0]),
            "response_minutes": float(one.response_minutes[0]),
            "base": bases[int(one.base[0])].name if one.scrambled[0] else None,
            "unanswered": int(one.unanswered[0]),
            "summary": summary,
        },
    )


# --- detection ---------------------------------------------------------------------------------


def _detection(
    ctx: _Context,
    p: _Parameters,
    rng: np.random.Generator,
    sample_rng: np.random.Generator,
    runs: int,
) -> _Outcome:
    isr = [f for f in ctx.own(_ISR_TYPES) if f.type in _ISR_TYPES]
    orbits = sum(1 for f in isr if _in_action(f) > 0) if isr else 1
    searchers = p.count("searchers", orbits, "forces" if isr else "default")
    width = p.number("sweep_width_km", check="non-negative")
    speed = p.number("speed_kmh", check="non-negative")
    area = p.number("area_km2", check="positive")
    hours = p.number("hours", check="non-negative")
    scanners = p.count("glimpse_sensors")
    glimpse = p.number("glimpse_probability", check="probability")
    interval = p.number("scan_interval_minutes", check="positive")
    targets = p.count("targets", minimum=1)
    sensors: list[Sensor] = [RandomSearchSensor(width, speed, area)] * searchers
    sensors += [GlimpseSensor(glimpse, interval)] * scanners
    coverage = [sensors]
    dwell = hours * 60.0
    exact = float(sector_detection_probability(coverage, np.zeros(1, dtype=np.intp), dwell)[0])
    found = sample_detection(rng, coverage, np.zeros(runs * targets, dtype=np.intp), dwell)
    detected = found.detected.reshape(runs, targets)
    per_run = detected.sum(axis=1)
    one = sample_detection(sample_rng, coverage, np.zeros(targets, dtype=np.intp), dwell)
    hits = int(one.detected.sum())
    when = f", first after {float(one.delay_minutes[one.detected].min()):.0f} min" if hits else ""
    summary = (
        f"{_plural(searchers, 'searcher')} over {area:g} km2 for {hours:g} h: "
        f"{hits} of {_plural(targets, 'target')} detected{when}"
    )
    return _Outcome(
        inputs={
            "forces": {"searchers": _force_rows(isr)},
            "sensors": {
                "random_search": {
                    "count": searchers,
                    "sweep_width_km": width,
                    "speed_kmh": speed,
                    "area_km2": area,
                },
                "glimpse": {
                    "count": scanners,
                    "glimpse_probability": glimpse,
                    "scan_interval_minutes": interval,
                },
            },
            "dwell_minutes": dwell,
        },
        distribution={
            "probabilities": {
                "detect": float(detected.mean()),
                "at_least_one": float((per_run > 0).mean()),
                "all": float((per_run == targets).mean()),
            },
            "targets_detected": _summary(per_run, integer=True),
            "first_detection_minutes": _summary(found.delay_minutes),
            "deterministic": {"model": "sector_detection_probability", "detect": exact},
        },
        sample={
            "targets_detected": hits,
            "detected": one.detected.tolist(),
            "delay_minutes": one.delay_minutes.tolist(),
            "summary": summary,
        },
    )


_Runner = Callable[[_Context, _Parameters, np.random.Generator, np.random.Generator, int], _Outcome]

_RUNNERS: Mapping[str, _Runner] = {
    "salvo": _salvo,
    "lanchester-square": lambda c, p, r, s, n: _lanchester(c, p, r, s, n, law="square"),
    "lanchester-linear": lambda c, p, r, s, n: _lanchester(c, p, r, s, n, law="linear"),
    "response": _response,
    "detection": _detection,
}
