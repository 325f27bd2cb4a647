"""The Monte Carlo engine: one block of replications, vectorised across runs.

A block of R runs goes through the models in order, every step over flat arrays of all runs:
daily counts (per phase) -> sorties -> incursion groups -> detection -> C2 -> rapid response ->
per-run metrics. There is no Python loop over runs or events here; the loops are over phases,
sectors and (inside the response queue) the k-th incursion of every run at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jointex.model import (
    sample_c2,
    sample_detection,
    sample_sorties,
    simulate_daily_counts,
    simulate_response,
)
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
    run: NDArray[np.intp]
    minute: NDArray[np.float64]  # minutes from the start of the horizon
    size: NDArray[np.int64]
    sector: NDArray[np.intp]
    entered: NDArray[np.bool_]
    dwell: NDArray[np.float64]
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
    n = groups.run.size
    if any(theatre.coverage):
        detection = sample_detection(rng, theatre.coverage, groups.sector, groups.dwell)
        detected, delay = detection.detected, detection.delay_minutes
    else:  # a scenario without sensors: assume every entry is seen as it happens
        detected, delay = np.ones(n, dtype=bool), np.zeros(n)
    c2 = sample_c2(rng, theatre.c2, n)
    needs = groups.entered & detected
    decision = groups.minute + np.where(needs, delay + c2.decision_minutes, 0.0)
    outcome = simulate_response(
        rng,
        theatre.posture,
        runs=runs,
        run=groups.run,
        arrival_minutes=decision,
        group_size=groups.size,
        sector=groups.sector,
        needs_response=needs,
        horizon_minutes=days * 1440.0,
        max_wait_minutes=theatre.max_wait_minutes,
    )
    run = groups.run
    entered = np.bincount(run, weights=groups.entered, minlength=runs)
    seen = np.bincount(run, weights=needs, minlength=runs)
    answered = outcome.answered & needs
    answered_count = np.bincount(run, weights=answered, minlength=runs)
    response_sum = np.bincount(
        run, weights=np.where(answered, outcome.response_minutes, 0.0), minlength=runs
    )
    warning = np.where(needs, delay + c2.partner_minutes, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        metrics = {
            "aircraft_per_day": aircraft.mean(axis=1),
            "vessels_per_day": vessels.mean(axis=1),
            "median_line_crossings_per_day": groups.crossings / days,
            "adiz_incursions_per_day": entered / days,
            "detected_fraction": seen / entered,
            "response_time_minutes": response_sum / answered_count,
            "unanswered_fraction": (entered - answered_count) / entered,
            "flight_hours_per_day": outcome.flight_hours / days,
            "alert_utilisation": outcome.alert_utilisation.astype(np.float64),
            "partner_warning_minutes": np.bincount(run, weights=warning, minlength=runs) / seen,
        }
    return BlockResult(
        metrics={k: np.asarray(v, dtype=np.float64) for k, v in metrics.items()},
        daily_aircraft=aircraft.astype(np.int32),
        daily_vessels=vessels.astype(np.int32),
    )


def _incursion_groups(
    theatre: Theatre, rng: np.random.Generator, aircraft: NDArray[np.int64]
) -> _Groups:
    """Sample sorties phase by phase and gather them into incursion groups.

    Aircraft of one run and day are gathered in sampled order: each starts a new group with
    probability 1/group_size (so group sizes are geometric with that mean), and the first of each
    day always does. A group flies at its earliest member's time, in its first member's sector,
    and enters the ADIZ (or crosses the median line) if any member does.
    """
    runs = aircraft.shape[0]
    parts: list[tuple[NDArray[np.generic], ...]] = []
    crossings = np.zeros(runs)
    for phase in theatre.phases:
        sorties = sample_sorties(rng, aircraft[:, phase.first_day : phase.last_day], phase.profile)
        count = len(sorties)
        if count == 0:
            continue
        day = sorties.day.astype(np.int64) + phase.first_day
        run = sorties.run.astype(np.intp)
        crossings += np.bincount(run, weights=sorties.crossed_median, minlength=runs)
        new_day = np.ones(count, dtype=bool)
        new_day[1:] = (run[1:] != run[:-1]) | (day[1:] != day[:-1])
        starts = np.flatnonzero(new_day | (rng.random(count) < 1.0 / phase.group_size))
        minute = day * 1440 + sorties.minute
        parts.append(
            (
                run[starts],
                np.minimum.reduceat(minute, starts).astype(np.float64),
                np.diff(np.append(starts, count)),
                sorties.sector[starts].astype(np.intp),
                np.logical_or.reduceat(sorties.entered_adiz, starts),
                np.full(starts.size, phase.dwell_minutes),
            )
        )
    if not parts:
        empty_i = np.zeros(0, dtype=np.intp)
        return _Groups(
            empty_i,
            np.zeros(0),
            np.zeros(0, dtype=np.int64),
            empty_i,
            np.zeros(0, dtype=bool),
            np.zeros(0),
            crossings,
        )
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    # phases were sampled one after another; order by run then time for the response queue
    order = np.lexsort((columns[1], columns[0]))
    return _Groups(
        run=columns[0][order],
        minute=columns[1][order],
        size=columns[2][order].astype(np.int64),
        sector=columns[3][order],
        entered=columns[4][order].astype(bool),
        dwell=columns[5][order],
        crossings=crossings,
    )
