"""From a scenario to the analytic models' parameters: the theatre the engine simulates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jointex.model import (
    AircraftParams,
    AirDefence,
    AlertBase,
    C2Delays,
    Delay,
    GlimpseSensor,
    RandomSearchSensor,
    ResponsePolicy,
    ResponsePosture,
    SortieProfile,
    SurgeParams,
    VesselParams,
)
from jointex.model._activity import DEFAULT_HOURLY_WEIGHTS
from jointex.scenario import Area, Phase, Scenario
from jointex.scenario import Delay as DelaySpec
from jointex.sim._mobilise import MobilisationModel, build_mobilisation

__all__ = ["PhaseModel", "Theatre", "build_theatre", "haversine_km"]

_KTS_TO_KMH = 1.852
_DEFAULT_DISTANCE_KM = 150.0  # a notional sector when the scenario defines none


@dataclass(frozen=True, slots=True)
class PhaseModel:
    """One phase's activity in model terms, over whole days ``[first_day, last_day)``."""

    id: str
    first_day: int
    last_day: int
    aircraft: AircraftParams
    vessels: VesselParams
    weekday_factors: tuple[float, ...]
    surge: SurgeParams | None
    profile: SortieProfile
    group_size: float
    dwell_minutes: float


@dataclass(frozen=True, slots=True)
class Theatre:
    """Everything the engine needs, derived from one scenario."""

    scenario_id: str
    days: int
    start_weekday: int
    sectors: tuple[str, ...]
    phases: tuple[PhaseModel, ...]
    coverage: tuple[tuple[RandomSearchSensor | GlimpseSensor, ...], ...]
    c2: C2Delays
    posture: ResponsePosture
    max_wait_minutes: float
    mobilisation: MobilisationModel | None = None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points, km."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _centroid(area: Area) -> tuple[float, float]:
    ring = area.polygon[:-1]
    return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))


def _delay(spec: DelaySpec) -> Delay:
    return Delay(spec.mean_minutes, spec.cv)


def _sector_names(scenario: Scenario) -> tuple[str, ...]:
    names: list[str] = [a.id for a in scenario.geography.areas if a.kind == "adiz-sector"]
    for phase in scenario.phases:
        names += [s for s in phase.activity.sorties.sectors if s not in names]
    return tuple(names) or ("adiz",)


def _phase_days(scenario: Scenario, days: int) -> list[tuple[Phase, int, int]]:
    """Contiguous day ranges per phase; a day belongs to the phase in force at its start."""
    ranges: list[tuple[Phase, int, int]] = []
    for day in range(days):
        phase = scenario.phase_at(day * 1440)
        if ranges and ranges[-1][0].id == phase.id:
            ranges[-1] = (phase, ranges[-1][1], day + 1)
        else:
            ranges.append((phase, day, day + 1))
    return ranges


def build_theatre(scenario: Scenario, days: int | None = None) -> Theatre:
    """Translate a scenario into model parameters.

    Args:
        scenario: the validated scenario.
        days: days to simulate; the scenario's duration (rounded up) when None. Beyond the last
            phase the last phase continues.

    Returns:
        The theatre.

    Raises:
        ParameterError: a derived parameter is impossible (the models name it).
    """
    horizon = days if days is not None else max(1, math.ceil(scenario.duration / 1440))
    sectors = _sector_names(scenario)
    areas = {a.id: a for a in scenario.geography.areas}
    points = {p.id: p.position for p in scenario.geography.points}
    centres = [_centroid(areas[s]) if s in areas else None for s in sectors]
    phases = []
    schedule = _phase_days(scenario, horizon)
    for phase, first, last in schedule:
        act = phase.activity
        mix = act.sorties
        sector_mix = (
            {s: float(mix.sectors.get(s, 0.0)) for s in sectors}
            if mix.sectors
            else {s: 1.0 / len(sectors) for s in sectors}
        )
        profile = SortieProfile(
            hourly_weights=tuple(mix.hourly_weights or DEFAULT_HOURLY_WEIGHTS),
            type_mix=dict(mix.types),
            sector_mix=sector_mix,
            p_median_crossing=mix.median_line_fraction,
            p_adiz_entry=max(mix.adiz_entry_fraction, mix.median_line_fraction),
        )
        surge = None
        if act.surge is not None:
            s = act.surge
            surge = SurgeParams(
                s.rate_per_day, s.min_days, s.max_days, s.aircraft_low, s.aircraft_high
            )
        phases.append(
            PhaseModel(
                id=phase.id,
                first_day=first,
                last_day=last,
                aircraft=AircraftParams(act.aircraft.omega, act.aircraft.alpha, act.aircraft.size),
                vessels=VesselParams(
                    act.vessels.innovation, act.vessels.persistence, act.vessels.coupling
                ),
                weekday_factors=act.weekday_factors,
                surge=surge,
                profile=profile,
                group_size=mix.group_size,
                dwell_minutes=mix.dwell_minutes,
            )
        )
    coverage: list[list[RandomSearchSensor | GlimpseSensor]] = [[] for _ in sectors]
    for sensor in scenario.surveillance.sensors:
        model: RandomSearchSensor | GlimpseSensor
        if sensor.model == "random-search":
            model = RandomSearchSensor(sensor.sweep_width_km, sensor.speed_kmh, sensor.area_km2)
        else:
            model = GlimpseSensor(sensor.glimpse_probability, sensor.scan_interval_minutes)
        for area in sensor.covers:
            if area in sectors:
                coverage[sectors.index(area)].append(model)
    policy_spec = scenario.response
    bases = []
    gbad: set[int] = set()
    for force in scenario.forces:
        if force.side != "blue" or force.base not in points:
            continue
        home = points[force.base]
        distances = tuple(
            haversine_km(home, c) if c is not None else _DEFAULT_DISTANCE_KM for c in centres
        )
        if force.type == "fighter" and force.alert_pairs > 0:
            bases.append(
                AlertBase(
                    pairs=force.alert_pairs,
                    distance_km=distances,
                    scramble=_delay(policy_spec.scramble),
                    time_on_station=Delay(policy_spec.on_station_minutes, 0.0),
                    turnaround=_delay(policy_spec.turnaround),
                    speed_kmh=policy_spec.transit_speed_kts * _KTS_TO_KMH,
                    name=force.id,
                )
            )
        if force.type == "sam":
            gbad |= {i for i, d in enumerate(distances) if d <= policy_spec.gbad_range_km}
    if not bases:  # no alert fighters: a zero-pair base keeps the queue well defined
        bases.append(
            AlertBase(
                0,
                tuple(_DEFAULT_DISTANCE_KM for _ in sectors),
                _delay(policy_spec.scramble),
                Delay(0.0),
                Delay(0.0),
            )
        )
    kind = policy_spec.policy
    posture = ResponsePosture(
        bases=tuple(bases),
        policy=ResponsePolicy(kind, policy_spec.threshold_aircraft if kind == "threshold" else 1),
        air_defence=AirDefence(frozenset(gbad)) if gbad else None,
    )
    c2 = C2Delays(
        _delay(scenario.c2.report), _delay(scenario.c2.decision), _delay(scenario.c2.sharing)
    )
    start_weekday = 0
    if scenario.start is not None:
        start_weekday = scenario.start.weekday()
    return Theatre(
        scenario_id=scenario.id,
        days=horizon,
        start_weekday=start_weekday,
        sectors=sectors,
        phases=tuple(phases),
        coverage=tuple(tuple(c) for c in coverage),
        c2=c2,
        posture=posture,
        max_wait_minutes=policy_spec.max_wait_minutes,
        mobilisation=build_mobilisation(
            scenario, [(first, last, phase.escalation) for phase, first, last in schedule]
        ),
    )
