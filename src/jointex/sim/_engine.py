"""The Monte Carlo engine: one block of replications, vectorised across runs.

A block of R runs goes through the models in order, every step over flat arrays of all runs:
daily counts (per phase) -> incursion groups -> detection -> C2 -> rapid response -> per-run
metrics. There is no Python loop over runs or events here; the loops are over phases, sectors and
(inside the response queue) the k-th incursion of every run at once. Each step draws only what a
metric can see, from the model's own distributions (see docs/simulation.md, "How the engine draws
it"): no per-aircraft attributes beyond the new-group flag, C2 decision delays only for entries
that queue for an alert pair, and per-run sums where only a sum is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointex.model import (
    Delay,
    sample_detection,
    simulate_daily_counts,
    simulate_response,
)
from jointex.sim._mobilise import mobilisation_metrics
from jointex.sim._theatre import Theatre

__all__ = ["METRICS", "BlockResult", "simulate_block"]

METRICS: dict[str, str] = {
    "aircraft_per_day": "adversary aircraft per day",
    "vessels_per_day": "adversary navy vessels per day",
    "median_line_crossings_per_day": "aircraft crossing the median line per day",
    "adiz_incursions_per_day": "incursion groups entering the ADIZ per day",
    "detected_fraction": "share of ADIZ incursions detected",
    "response_time_minutes": "mean minutes from the decision to intercept or track",
    "unanswered_fraction": "share of ADIZ incursions neither intercepted nor tracked",
    "flight_hours_per_day": "defender fighter flight hours per day",
    "alert_utilisation": "share of alert pair time spent busy",
    "partner_warning_minutes": "mean minutes from ADIZ entry until the partner nation knows",
    "mobilisation_hours_to_half": "hours from call-up until half the reservists are ready",
    "mobilisation_hours_to_90pct": "hours from call-up until 90% of the reservists are ready",
    "reservists_ready_at_end": "share of reservists ready at the end (when a phase calls them up)",
}
"""Per-run metrics the engine reports, with their meaning."""


@dataclass(frozen=True, slots=True, eq=False)
class BlockResult:
    """Results of one block of runs.

    Attributes:
        metrics: metric name -> per-run values, shape (R,) float64 (NaN where undefined,
            e.g. response time in a run with no answered incursion).
        daily_aircraft: aircraft per run and day, shape (R, days) int32.
        daily_vessels: vessels per run and day, shape (R, days) int32.
    """

    metrics: dict[str, NDArray[np.float64]]
    daily_aircraft: NDArray[np.int32]
    daily_vessels: NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False)
class _Groups:
    """The incursion groups that entered the ADIZ, and per-run counts over all groups."""

    run: NDArray[np.intp]
    minute: NDArray[np.float64]  # minutes from the start of the horizon
    size: NDArray[np.int64]
    sector: NDArray[np.intp]
    dwell: NDArray[np.float64]
    entered: NDArray[np.float64]  # per run, groups entering the ADIZ
    crossings: NDArray[np.float64]  # per run, aircraft crossing the median line


def simulate_block(theatre: Theatre, rng: np.random.Generator, runs: int) -> BlockResult:
    """Simulate ``runs`` replications of the theatre with one random stream.

    Args:
        theatre: the scenario in model terms.
        rng: the block's random stream.
        runs: replications in the block.

    Returns:
        Per-run metrics and daily activity.
    """
    days = theatre.days
    aircraft = np.zeros((runs, days), dtype=np.int64)
    vessels = np.zeros((runs, days), dtype=np.int64)
    state = None
    for phase in theatre.phases:
        counts = simulate_daily_counts(
            rng,
            runs,
            phase.last_day - phase.first_day,
            phase.aircraft,
            phase.vessels,
            weekday_factors=phase.weekday_factors,
            surge=phase.surge,
            start_weekday=(theatre.start_weekday + phase.first_day) % 7,
            initial=state,
        )
        aircraft[:, phase.first_day : phase.last_day] = counts.aircraft
        vessels[:, phase.first_day : phase.last_day] = counts.vessels
        state = counts.state
    groups = _incursion_groups(theatre, rng, aircraft)
    if any(theatre.coverage):
        detection = sample_detection(rng, theatre.coverage, groups.sector, groups.dwell)
        seen = np.flatnonzero(detection.detected)
        delay = detection.delay_minutes[seen]
    else:  # a scenario without sensors: assume every entry is seen as it happens
        seen = np.arange(groups.run.size)
        delay = np.zeros(seen.size)
    # Only detected entries go on. The C2 chain gives each its decision time, which matters only
    # to entries that queue for an alert pair (a GBAD track or no answer does not depend on it),
    # and the partner's warning, which matters only through each run's sum.
    run = groups.run[seen]
    size = groups.size[seen]
    arrival = groups.minute[seen]
    queued = np.flatnonzero(theatre.posture.policy.scrambles(size))
    c2 = theatre.c2
    report = c2.report.sample(rng, queued.size)
    decision = report + c2.decision.sample(rng, queued.size)
    arrival[queued] += delay[queued] + decision
    outcome = simulate_response(
        rng,
        theatre.posture,
        runs=runs,
        run=run,
        arrival_minutes=arrival,
        group_size=size,
        sector=groups.sector[seen],
        needs_response=np.ones(seen.size, dtype=np.bool_),
        horizon_minutes=days * 1440.0,
        max_wait_minutes=theatre.max_wait_minutes,
    )
    # Warning = detection delay + report (+ decision when sharing waits for it) + sharing. Drawn
    # delays are summed per run; the rest are drawn as per-run sums: the sum of m independent
    # Gamma(k, theta) delays is one Gamma(m k, theta).
    seen_count = np.bincount(run, minlength=runs)
    others = seen_count - np.bincount(run[queued], minlength=runs)
    after_decision = c2.share_after == "decision"
    warning = np.bincount(run, weights=delay, minlength=runs).astype(np.float64)
    warning = warning + np.bincount(
        run[queued], weights=decision if after_decision else report, minlength=runs
    )
    warning += _delay_sum(rng, c2.report, others)
    if after_decision:
        warning += _delay_sum(rng, c2.decision, others)
    warning += _delay_sum(rng, c2.sharing, seen_count)
    entered = groups.entered
    answered = outcome.answered
    answered_count = np.bincount(run, weights=answered, minlength=runs)
    response_sum = np.bincount(
        run, weights=np.where(answered, outcome.response_minutes, 0.0), minlength=runs
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        metrics = {
            "aircraft_per_day": aircraft.mean(axis=1),
            "vessels_per_day": vessels.mean(axis=1),
            "median_line_crossings_per_day": groups.crossings / days,
            "adiz_incursions_per_day": entered / days,
            "detected_fraction": seen_count / entered,
            "response_time_minutes": response_sum / answered_count,
            "unanswered_fraction": (entered - answered_count) / entered,
            "flight_hours_per_day": outcome.flight_hours / days,
            "alert_utilisation": outcome.alert_utilisation.astype(np.float64),
            "partner_warning_minutes": warning / seen_count,
        }
    metrics.update(mobilisation_metrics(theatre.mobilisation, rng, runs, days))
    return BlockResult(
        metrics={k: np.asarray(v, dtype=np.float64) for k, v in metrics.items()},
        daily_aircraft=aircraft.astype(np.int32),
        daily_vessels=vessels.astype(np.int32),
    )


def _delay_sum(
    rng: np.random.Generator, delay: Delay, count: NDArray[np.intp]
) -> NDArray[np.float64]:
    """The sum of ``count[i]`` independent draws of ``delay``, for each i."""
    if delay.fixed:
        return np.asarray(count * float(delay.mean_minutes), dtype=np.float64)
    shape = 1.0 / delay.cv**2
    return rng.gamma(shape * count, delay.mean_minutes / shape)


class _InverseCdf:
    """Exact inverse-CDF sampling of a categorical distribution, with a guide table.

    ``index(v)`` is the category whose cumulative interval holds ``v`` in [0, 1) (what
    ``searchsorted(cum, v, "right")`` gives, over the categories with weight), so it is monotone
    in ``v``. searchsorted costs a binary search per draw; here a guide table over a power-of-two
    grid (so that ``v * size`` and the grid points are exact) gives the category at the bucket's
    lower edge, and a compare moves it up when a boundary lies inside the bucket. The grid is
    fine enough for at most one boundary per bucket where the weights allow it; otherwise the
    compare repeats until nothing moves.
    """

    def __init__(self, weights: Sequence[float]) -> None:
        w = np.asarray(weights, dtype=np.float64)
        self.category = np.flatnonzero(w > 0)  # categories without weight are never drawn
        positive = w[self.category]
        cum = np.cumsum(positive) / positive.sum()
        cum[-1] = np.inf  # v < 1 always lands in the last category, whatever the rounding
        self.cum = cum
        smallest = float(positive.min() / positive.sum())
        self.size = 1 << min(16, max(10, math.ceil(math.log2(2.0 / smallest))))
        grid = np.arange(self.size + 1, dtype=np.float64) / self.size
        below = np.searchsorted(cum, grid, side="right")  # boundaries <= each grid point
        inside = np.searchsorted(cum, grid[1:], side="left") - below[:-1]
        self.one_step = bool(inside.max() <= 1)
        self.guide = below[:-1].astype(np.intp)
        self.identity = self.category.size == w.size

    def index(self, v: NDArray[np.float64]) -> NDArray[np.intp]:
        """Category of each ``v`` in [0, 1)."""
        found = self.guide[(v * self.size).astype(np.intp)]
        if self.one_step:
            found += v >= self.cum[found]
        else:
            while True:
                step = v >= self.cum[found]
                if not step.any():
                    break
                found += step
        return found if self.identity else self.category[found]


@lru_cache(maxsize=64)
def _inverse_cdf(weights: tuple[float, ...]) -> _InverseCdf:
    return _InverseCdf(weights)


def _minute_weights(hourly: tuple[float, ...]) -> tuple[float, ...]:
    # The sortie model's minute of day: the hour by its weight, then uniform within the hour.
    return tuple(np.repeat(np.asarray(hourly) / 60.0, 60).tolist())


def _incursion_groups(
    theatre: Theatre, rng: np.random.Generator, aircraft: NDArray[np.int64]
) -> _Groups:
    """Sample each phase's aircraft as incursion groups and keep the groups entering the ADIZ.

    The model (``sample_sorties`` and docs/simulation.md): aircraft of one run and day, in
    sampled order, each start a new group with probability ``1/group_size`` (the first of each
    day always does); each has an independent minute, sector and one uniform u that makes it
    cross the median line if u < p_median_crossing and enter the ADIZ if u < p_adiz_entry. A group
    flies at its earliest member's minute, in its first member's sector, and enters the ADIZ if
    any member does.

    The engine draws exactly that distribution with per-group work after the group boundaries:

    * the first entering member J of a group of n is geometric, J = 1 + floor(ln(1-u)/ln(1-pa)),
      and the group enters iff J <= n; the n - J members after it enter independently;
    * entering members cross with probability pc/pa each, independently, so a run's crossings
      are Binomial(entering members, pc/pa), and its entering members are the entering groups
      plus Binomial(sum of n - J over them, pa);
    * the earliest of n iid minutes is F^-1 of the smallest of n uniforms, 1 - (1-u)**(1/n),
      since F^-1 is monotone; the first member's sector is one draw from the sector mix.

    Minutes and sectors are drawn only for groups that enter the ADIZ (the rest are never used).
    The groups are returned phase by phase (not sorted; the response queue orders its own).
    """
    runs = aircraft.shape[0]
    parts: list[tuple[NDArray[Any], ...]] = []
    entered = np.zeros(runs)
    crossings = np.zeros(runs)
    for phase in theatre.phases:
        counts = aircraft[:, phase.first_day : phase.last_day]
        days = counts.shape[1]
        flat = counts.ravel()
        ends = np.cumsum(flat)
        total = int(ends[-1]) if ends.size else 0
        if total == 0:
            continue
        profile = phase.profile
        occupied = np.flatnonzero(flat)
        first = ends[occupied] - flat[occupied]
        # Group boundaries: a Bernoulli(1/group_size) per aircraft, the first of a day always.
        new = rng.random(total) < 1.0 / phase.group_size
        new[first] = True
        starts = np.flatnonzero(new)
        size = np.diff(starts, append=total)
        per_cell = np.diff(np.searchsorted(starts, first), append=starts.size)
        cell = np.repeat(occupied, per_cell)
        # ADIZ entry: position of the first entering member (geometric with success pa).
        pa, pc = profile.p_adiz_entry, profile.p_median_crossing
        if pa == 0.0:
            continue
        u = rng.random(starts.size)
        if pa < 1.0:
            before = np.floor(np.log1p(-u) / math.log1p(-pa))  # J - 1, non-entering members
            enters = before < size
        else:
            before = np.zeros(starts.size)
            enters = np.ones(starts.size, dtype=np.bool_)
        keep = np.flatnonzero(enters)
        cell, size = cell[keep], size[keep]
        run = cell // days
        entered_here = np.bincount(run, minlength=runs)
        after = np.bincount(run, weights=size - 1 - before[keep], minlength=runs)
        members = entered_here + rng.binomial(after.astype(np.int64), pa)
        crossings += rng.binomial(members, min(pc / pa, 1.0))
        entered += entered_here
        # Earliest member's minute and first member's sector, for the entering groups only.
        v = -np.expm1(np.log1p(-rng.random(keep.size)) / size)
        minute_of_day = _inverse_cdf(_minute_weights(profile.hourly_weights)).index(v)
        sector = _inverse_cdf(tuple(profile.sector_mix.values())).index(rng.random(keep.size))
        day = cell % days + phase.first_day
        parts.append(
            (
                run,
                (day * 1440 + minute_of_day).astype(np.float64),
                size,
                sector,
                np.full(keep.size, phase.dwell_minutes),
            )
        )
    if not parts:
        return _Groups(
            np.zeros(0, dtype=np.intp),
            np.zeros(0),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.intp),
            np.zeros(0),
            entered,
            crossings,
        )
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    return _Groups(
        run=columns[0].astype(np.intp, copy=False),
        minute=columns[1],
        size=columns[2].astype(np.int64, copy=False),
        sector=columns[3].astype(np.intp, copy=False),
        dwell=columns[4],
        entered=entered,
        crossings=crossings,
    )
