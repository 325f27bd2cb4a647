"""A SimPy implementation of JointEx's rapid-response model: the peer for tests and benchmarks.

``simulate_simpy(theatre, runs, seed)`` runs the same model as ``jointex.sim.simulate_block``,
written the way a SimPy modeller would write it: one ``simpy.Environment`` per replication over
the whole horizon (minutes), a daily generator process, one process per incursion group and one
``simpy.Resource`` per alert pair. It reads the scenario's parameters from the same
``jointex.sim.Theatre`` the engine uses (so both see the identical scenario translation) and
implements every sampling step itself, with its own random streams: agreement with the engine
is statistical, not draw for draw.

The model, step by step (the engine's rule in brackets where it matters):

* Daily process. Each day belongs to one phase (``PhaseModel.first_day <= day < last_day``).
  Aircraft follow a negative binomial INARCH(1), ``NB(mean=(omega + alpha*y_prev)*w[dow], size)``
  drawn as a gamma-Poisson mixture (Poisson when ``size`` is infinite), with weekday factors
  rescaled to mean 1. A surge starts with probability ``rate_per_day`` on a non-surge day, lasts a
  uniform ``min_days..max_days`` and replaces the count by a uniform integer in
  ``[aircraft_low, aircraft_high]``; a phase without surges ends one carried into it. Vessels are
  ``Binomial(v_prev, persistence) + Poisson(innovation + coupling * y)``. The series starts from
  ``round(omega / (1 - alpha))`` aircraft and a Poisson number of vessels with the stationary
  mean, and carries across phases.
* Sorties. Each aircraft gets a minute (hour by the hourly weights, then uniform within it), a
  type, a sector (both by the phase's mixes) and one uniform ``u``: it crosses the median line
  if ``u < p_median_crossing`` and enters the ADIZ if ``u < p_adiz_entry``.
* Groups. The day's aircraft, in sampled order, start a new group with probability
  ``1 / group_size`` (the first always does). A group flies at its earliest member's minute, in
  its first member's sector, with its size, and enters the ADIZ if any member does.
* Incursion process (groups that enter the ADIZ). Wait until the group's minute. Detection:
  each sensor covering the sector draws a first-detection time (exponential with rate
  ``W v / A`` for random search; a geometric number of scans times the interval for a glimpse
  sensor); the earliest counts if within the phase's dwell (a theatre without any sensor sees
  every entry at once). Wait for the detection, then the C2 report and decision delays (gamma,
  mean and cv). The partner learns ``report + sharing`` after detection (or after the decision
  when ``share_after`` is ``"decision"``).
* Response. The policy decides scramble or track (``scramble-all``: scramble; ``threshold``:
  scramble groups of at least ``threshold`` aircraft; ``track-only``: never scramble). Tracked
  incursions are answered by ground-based air defence after its track delay if the sector is
  covered, else unanswered. A scramble takes the alert pair, over all bases, that would
  intercept soonest by its expected lead time: ``max(pair free, now) + mean scramble + transit``
  among pairs free within ``max_wait_minutes`` (first pair on ties); if none, the incursion is
  unanswered and no pair is committed.

How the alert pairs match the engine. The engine commits an incursion to a pair at its decision
time, first come first served, and knows when each pair will be free because a mission's
timeline (scramble, transit out, on station, transit back, turnaround) is drawn when the pair is
tasked. Here each pair is a ``simpy.Resource(capacity=1)`` plus its booking, ``free_at``: the
end of the last mission committed to it. The incursion process reads the bookings to choose the
pair, draws the mission's timeline, books it and then requests the pair's resource; the
resource's FIFO queue serves missions in booking order, so the request is granted exactly when
the pair is back on alert. The process then lives through the mission with ``timeout`` events:
the response time is the simulated clock at the intercept minus the decision time, busy time is
clock time from launch to ready again (clipped to the horizon), and flight hours are the pair's
aircraft times transit out and back plus time on station. Incursions whose decision falls after
the horizon are still served (``env.run()`` runs until no events remain), as in the engine.

The ten per-run metrics have the engine's definitions (see ``jointex.sim.METRICS``), as the
engine computes them: the response time runs from the decision (not from the detection, as the
METRICS description says) to the intercept or the track.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from jointex.model import Delay, GlimpseSensor, RandomSearchSensor
from jointex.sim import METRICS, PhaseModel, Theatre

__all__ = ["simulate_simpy"]

Process = Generator[simpy.Event, Any, None]

# ------------------------------------------------------------------------------------------------
# Scenario parameters, prepared once per call from the Theatre
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PhasePlan:
    """One phase's parameters with the cumulative weights the samplers use."""

    model: PhaseModel
    weekday: tuple[float, ...]
    hours: tuple[int, ...]
    hour_cum: tuple[float, ...]
    types: tuple[str, ...]
    type_cum: tuple[float, ...]
    sectors: tuple[int, ...]
    sector_cum: tuple[float, ...]
    p_cross: float
    p_adiz: float
    p_new_group: float


@dataclass(frozen=True, slots=True)
class _Plan:
    """The theatre, prepared for the per-event samplers."""

    theatre: Theatre
    phase_of_day: tuple[_PhasePlan, ...]
    any_sensor: bool
    pair_base: tuple[int, ...]
    lead: tuple[tuple[float, ...], ...]  # [sector][pair]: mean scramble + transit
    transit: tuple[tuple[float, ...], ...]  # [base][sector], minutes
    gbad_sectors: frozenset[int]
    pairs: int


def _cumulative(weights: list[float]) -> tuple[float, ...]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return tuple(out)


def _phase_plan(theatre: Theatre, phase: PhaseModel) -> _PhasePlan:
    profile = phase.profile
    factors = [float(f) for f in phase.weekday_factors] or [1.0] * 7
    mean = sum(factors) / len(factors)
    sector_index = {name: i for i, name in enumerate(theatre.sectors)}
    sector_items = list(profile.sector_mix.items())
    return _PhasePlan(
        model=phase,
        weekday=tuple(f / mean for f in factors),
        hours=tuple(range(24)),
        hour_cum=_cumulative(list(profile.hourly_weights)),
        types=tuple(profile.type_mix),
        type_cum=_cumulative(list(profile.type_mix.values())),
        sectors=tuple(sector_index[name] for name, _ in sector_items),
        sector_cum=_cumulative([share for _, share in sector_items]),
        p_cross=profile.p_median_crossing,
        p_adiz=profile.p_adiz_entry,
        p_new_group=1.0 / phase.group_size,
    )


def _plan(theatre: Theatre) -> _Plan:
    plans = {phase.id: _phase_plan(theatre, phase) for phase in theatre.phases}
    by_day: list[_PhasePlan] = []
    for phase in theatre.phases:
        by_day += [plans[phase.id]] * (phase.last_day - phase.first_day)
    posture = theatre.posture
    pair_base = tuple(b for b, base in enumerate(posture.bases) for _ in range(base.pairs))
    transit = tuple(
        tuple(d / base.speed_kmh * 60.0 for d in base.distance_km) for base in posture.bases
    )
    lead = tuple(
        tuple(posture.bases[b].scramble.mean_minutes + transit[b][s] for b in pair_base)
        for s in range(len(theatre.sectors))
    )
    gbad = posture.air_defence
    return _Plan(
        theatre=theatre,
        phase_of_day=tuple(by_day),
        any_sensor=any(theatre.coverage),
        pair_base=pair_base,
        lead=lead,
        transit=transit,
        gbad_sectors=gbad.sectors if gbad is not None else frozenset(),
        pairs=len(pair_base),
    )


# ------------------------------------------------------------------------------------------------
# One replication
# ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """An incursion group: aircraft that fly together."""

    minute: float
    size: int
    sector: int
    entered: bool
    dwell: float


@dataclass(slots=True)
class _AlertPair:
    """A QRA pair: a capacity-one resource and the minute its last booked mission ends."""

    resource: simpy.Resource
    base: int
    free_at: float = 0.0


@dataclass(slots=True)
class _Tally:
    """Per-run counters for the metrics."""

    aircraft: list[int] = field(default_factory=list)
    vessels: list[int] = field(default_factory=list)
    crossings: int = 0
    entered: int = 0
    seen: int = 0
    answered: int = 0
    response_sum: float = 0.0
    warning_sum: float = 0.0
    flight_minutes: float = 0.0
    busy_minutes: float = 0.0


class _Replication:
    """One replication: a SimPy environment over the horizon and its processes."""

    def __init__(self, plan: _Plan, seed: np.random.SeedSequence) -> None:
        self.plan = plan
        self.theatre = plan.theatre
        self.horizon = self.theatre.days * 1440.0
        # numpy for the few daily count draws (negative binomial, binomial, Poisson); Python's
        # random for the many per-sortie and per-incursion draws, where it is much faster.
        self.np_rng = np.random.Generator(np.random.PCG64(seed))
        self.rng = random.Random(int.from_bytes(seed.generate_state(4).tobytes(), "little"))
        self.env = simpy.Environment()
        bases = self.theatre.posture.bases
        self.pairs = [_AlertPair(simpy.Resource(self.env, capacity=1), b) for b in plan.pair_base]
        self.crew = [float(base.aircraft_per_pair) for base in bases]
        self.tally = _Tally()

    # ---- random draws ------------------------------------------------------------------------

    def delay(self, delay: Delay) -> float:
        """A gamma delay with the given mean and cv (fixed when cv or mean is 0)."""
        if delay.cv == 0.0 or delay.mean_minutes == 0.0:
            return float(delay.mean_minutes)
        shape = 1.0 / delay.cv**2
        return self.rng.gammavariate(shape, delay.mean_minutes / shape)

    def first_detection(self, sensor: RandomSearchSensor | GlimpseSensor) -> float:
        """Minutes from entering coverage to this sensor's first detection (inf if never)."""
        if isinstance(sensor, RandomSearchSensor):
            rate = sensor.sweep_width_km * sensor.speed_kmh / sensor.area_km2 / 60.0
            return self.rng.expovariate(rate) if rate > 0 else math.inf
        g = sensor.glimpse_probability
        if g <= 0.0:
            return math.inf
        if g >= 1.0:
            scans = 1
        else:  # geometric number of scans (>= 1) by inversion
            scans = 1 + math.floor(math.log(1.0 - self.rng.random()) / math.log1p(-g))
        return scans * sensor.scan_interval_minutes

    # ---- processes -----------------------------------------------------------------------------

    def run(self) -> dict[str, float]:
        """Simulate the horizon and return the run's metrics."""
        self.env.process(self.daily())
        self.env.run()  # until no events remain: late decisions are still served
        return {**self.metrics(), **self.mobilisation()}

    def mobilisation(self) -> dict[str, float]:
        """The call-up of one station's share: a process per reservist queueing at the station."""
        model = self.theatre.mobilisation
        nan = math.nan
        if model is None:
            return {
                "mobilisation_hours_to_half": nan,
                "mobilisation_hours_to_90pct": nan,
                "reservists_ready_at_end": nan,
            }
        env = simpy.Environment()
        station = simpy.Resource(env, capacity=model.call_up.stations)
        ready: list[float] = []
        call_up = model.call_up

        def reservist() -> Process:
            yield env.timeout(self.delay(call_up.notify) + self.delay(call_up.travel))
            with station.request() as turn:
                yield turn
                yield env.timeout(self.delay(call_up.process))
            yield env.timeout(self.delay(call_up.equip))
            ready.append(env.now / 60.0)

        for _ in range(model.cohort):
            env.process(reservist())
        env.run()
        ready.sort()
        at_end = nan
        if model.trigger_day is not None:
            window = (self.theatre.days - model.trigger_day) * 24.0
            at_end = sum(1 for r in ready if r <= window) / len(ready)
        return {
            "mobilisation_hours_to_half": ready[max(0, math.ceil(0.5 * len(ready)) - 1)],
            "mobilisation_hours_to_90pct": ready[max(0, math.ceil(0.9 * len(ready)) - 1)],
            "reservists_ready_at_end": at_end,
        }

    def daily(self) -> Process:
        """Each day: draw the counts, the sorties and the groups; start an incursion per group."""
        theatre = self.theatre
        first = theatre.phases[0]
        mean_aircraft = first.aircraft.omega / (1.0 - first.aircraft.alpha)
        prev_aircraft = round(mean_aircraft)
        v = first.vessels
        stationary_vessels = (v.innovation + v.coupling * mean_aircraft) / (1.0 - v.persistence)
        prev_vessels = int(self.np_rng.poisson(stationary_vessels))
        surge_left = 0
        current: PhaseModel | None = None
        for day in range(theatre.days):
            plan = self.plan.phase_of_day[day]
            phase = plan.model
            if phase is not current:
                if current is not None and phase.surge is None:
                    surge_left = 0  # a phase without surges ends one carried into it
                current = phase
            air = phase.aircraft
            factor = plan.weekday[(theatre.start_weekday + day) % 7]
            intensity = (air.omega + air.alpha * prev_aircraft) * factor
            surge = phase.surge
            if surge is not None and surge_left == 0 and self.np_rng.random() < surge.rate_per_day:
                surge_left = int(self.np_rng.integers(surge.min_days, surge.max_days + 1))
            if surge is not None and surge_left > 0:
                aircraft = int(self.np_rng.integers(surge.aircraft_low, surge.aircraft_high + 1))
                surge_left -= 1
            elif math.isinf(air.size):
                aircraft = int(self.np_rng.poisson(intensity))
            else:
                aircraft = int(
                    self.np_rng.poisson(self.np_rng.gamma(air.size, intensity / air.size))
                )
            ves = phase.vessels
            vessels = int(self.np_rng.binomial(prev_vessels, ves.persistence)) + int(
                self.np_rng.poisson(ves.innovation + ves.coupling * aircraft)
            )
            self.tally.aircraft.append(aircraft)
            self.tally.vessels.append(vessels)
            prev_aircraft, prev_vessels = aircraft, vessels
            for group in self.groups(plan, day, aircraft):
                if group.entered:
                    self.tally.entered += 1
                    self.env.process(self.incursion(group))
            yield self.env.timeout(1440.0)

    def groups(self, plan: _PhasePlan, day: int, aircraft: int) -> list[_Group]:
        """Draw the day's sorties and gather them into incursion groups."""
        if aircraft == 0:
            return []
        rng = self.rng
        hours = rng.choices(plan.hours, cum_weights=plan.hour_cum, k=aircraft)
        rng.choices(plan.types, cum_weights=plan.type_cum, k=aircraft)  # types: drawn, not scored
        sectors = rng.choices(plan.sectors, cum_weights=plan.sector_cum, k=aircraft)
        start = day * 1440.0
        dwell = plan.model.dwell_minutes
        groups: list[_Group] = []
        group: _Group | None = None
        for hour, sector in zip(hours, sectors, strict=True):
            minute = start + hour * 60 + rng.randrange(60)
            u = rng.random()
            if u < plan.p_cross:
                self.tally.crossings += 1
            entered = u < plan.p_adiz
            if group is None or rng.random() < plan.p_new_group:
                group = _Group(minute, 1, sector, entered, dwell)
                groups.append(group)
            else:
                group.size += 1
                group.minute = min(group.minute, minute)
                group.entered = group.entered or entered
        return groups

    def incursion(self, group: _Group) -> Process:
        """An ADIZ entry: detection, C2, then the response the policy calls for."""
        env = self.env
        yield env.timeout(group.minute - env.now)
        if self.plan.any_sensor:
            sensors = self.theatre.coverage[group.sector]
            first = min((self.first_detection(s) for s in sensors), default=math.inf)
            if not first <= group.dwell:
                return  # not detected: nothing needs answering, the incursion is unanswered
        else:
            first = 0.0
        self.tally.seen += 1
        yield env.timeout(first)
        c2 = self.theatre.c2
        report = self.delay(c2.report)
        decision = self.delay(c2.decision)
        sharing = self.delay(c2.sharing)
        share_start = report + decision if c2.share_after == "decision" else report
        self.tally.warning_sum += first + share_start + sharing
        yield env.timeout(report)
        yield env.timeout(decision)
        yield from self.respond(group)

    def respond(self, group: _Group) -> Process:
        """Scramble an alert pair or track with GBAD, as the policy says."""
        env = self.env
        decided = env.now
        policy = self.theatre.posture.policy
        if policy.kind == "scramble-all":
            scramble = True
        elif policy.kind == "threshold":
            scramble = group.size >= policy.threshold
        else:
            scramble = False
        if not scramble:
            if group.sector in self.plan.gbad_sectors:
                gbad = self.theatre.posture.air_defence
                assert gbad is not None
                yield env.timeout(self.delay(gbad.track))
                self.record_answer(env.now - decided)
            return
        # Choose the pair that would intercept soonest among those free within the max wait.
        lead = self.plan.lead[group.sector]
        best: _AlertPair | None = None
        best_cost = math.inf
        best_start = 0.0
        for index, pair in enumerate(self.pairs):
            start = max(pair.free_at, decided)
            if start - decided > self.theatre.max_wait_minutes:
                continue
            cost = start + lead[index]
            if cost < best_cost:
                best, best_cost, best_start = pair, cost, start
        if best is None:
            return  # no pair in time: unanswered, nothing committed
        base = self.theatre.posture.bases[best.base]
        transit = self.plan.transit[best.base][group.sector]
        scramble_minutes = self.delay(base.scramble)
        on_station = self.delay(base.time_on_station)
        turnaround = self.delay(base.turnaround)
        best.free_at = best_start + scramble_minutes + 2.0 * transit + on_station + turnaround
        with best.resource.request() as request:
            yield request  # FIFO in booking order: granted when the pair is back on alert
            launched = env.now
            yield env.timeout(scramble_minutes)
            yield env.timeout(transit)
            self.record_answer(env.now - decided)  # intercept
            yield env.timeout(on_station)
            yield env.timeout(transit)
            yield env.timeout(turnaround)
            ready = env.now
        self.tally.flight_minutes += self.crew[best.base] * (2.0 * transit + on_station)
        self.tally.busy_minutes += max(min(ready, self.horizon) - launched, 0.0)

    def record_answer(self, minutes: float) -> None:
        """Count an answered incursion and its response time."""
        self.tally.answered += 1
        self.tally.response_sum += minutes

    # ---- metrics -------------------------------------------------------------------------------

    def metrics(self) -> dict[str, float]:
        """The engine's activity, detection and response metrics, NaN where undefined."""
        t = self.tally
        days = self.theatre.days
        available = self.plan.pairs * self.horizon

        def ratio(a: float, b: float) -> float:
            return a / b if b else math.nan

        return {
            "aircraft_per_day": sum(t.aircraft) / days,
            "vessels_per_day": sum(t.vessels) / days,
            "median_line_crossings_per_day": t.crossings / days,
            "adiz_incursions_per_day": t.entered / days,
            "detected_fraction": ratio(t.seen, t.entered),
            "response_time_minutes": ratio(t.response_sum, t.answered),
            "unanswered_fraction": ratio(t.entered - t.answered, t.entered),
            "flight_hours_per_day": t.flight_minutes / 60.0 / days,
            "alert_utilisation": t.busy_minutes / available if available > 0 else 0.0,
            "partner_warning_minutes": ratio(t.warning_sum, t.seen),
        }


def simulate_simpy(theatre: Theatre, runs: int, seed: int) -> dict[str, NDArray[np.float64]]:
    """Run ``runs`` replications of the theatre with SimPy.

    Args:
        theatre: the scenario in model terms (``jointex.sim.build_theatre``).
        runs: replications.
        seed: the seed; replication i draws from ``SeedSequence(seed).spawn(runs)[i]``.

    Returns:
        Metric name (as in ``jointex.sim.METRICS``) -> per-run values, shape (runs,).
    """
    plan = _plan(theatre)
    out = {name: np.empty(runs) for name in METRICS}
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(runs)):
        for name, value in _Replication(plan, child).run().items():
            out[name][i] = value
    return out
