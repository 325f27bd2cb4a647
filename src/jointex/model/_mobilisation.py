"""Mobilisation: staged reservist call-up, processing as a multi-server queue, unit readiness.

After an escalation (time 0) each reservist is notified, travels to the mobilisation centre,
waits for one of c processing stations (first come, first served), is processed and is then
equipped; only reservists who report at all (probability ``report_probability``) become ready:

    arrival_i = notify_i + travel_i
    start_i   = max(arrival_i, earliest time a station is free)     (FCFS, c stations)
    ready_i   = start_i + process_i + equip_i

Without queueing the mean ready time is the sum of the stage means; with it, the centre cannot
process more than c / mean(process) reservists per hour, so n reservists who all arrive at once
need at least ceil(n / c) service times (exactly that when service is fixed).

Vectorisation: the queue is sequential in arrival order within a replication, so
`sample_mobilisation` sorts each replication's arrivals and loops over the arrival rank,
processing the k-th arrival of every replication at once with a (runs, stations) array of
station free times. Readiness per unit and day is then one bincount.

Every time here is in hours; stage `Delay` values may be built with `Delay.hours`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointex._errors import ParameterError
from jointex.model._distributions import Delay

__all__ = [
    "CallUp",
    "processing_makespan_hours",
    "readiness_by_day",
    "sample_mobilisation",
]

_HOURS_PER_DAY = 24.0


@dataclass(frozen=True, slots=True)
class CallUp:
    """The call-up pipeline of one mobilisation centre.

    Attributes:
        notify: escalation to reservist notified.
        travel: notified to arrival at the centre.
        process: service time at one processing station (the queue's service time).
        equip: processed to equipped and ready.
        stations: processing stations working in parallel (>= 1).
        report_probability: probability a reservist reports at all, in [0, 1].

    Raises:
        ParameterError: naming the impossible field.
    """

    notify: Delay
    travel: Delay
    process: Delay
    equip: Delay
    stations: int = 1
    report_probability: float = 1.0

    def __post_init__(self) -> None:
        for name in ("notify", "travel", "process", "equip"):
            if not isinstance(getattr(self, name), Delay):
                raise ParameterError(f"CallUp.{name} must be a Delay")
        if int(self.stations) != self.stations or self.stations < 1:
            raise ParameterError(f"CallUp.stations must be an integer >= 1, got {self.stations!r}")
        if not 0.0 <= self.report_probability <= 1.0:
            raise ParameterError(
                f"CallUp.report_probability must be in [0, 1], got {self.report_probability!r}"
            )

    @property
    def throughput_per_hour(self) -> float:
        """Most reservists the centre can process per hour: stations / mean service (hours)."""
        mean_hours = self.process.mean_minutes / 60.0
        return math.inf if mean_hours == 0 else self.stations / mean_hours

    @property
    def mean_unqueued_hours(self) -> float:
        """Mean ready time when nobody waits for a station: the sum of the stage means, hours."""
        stages = (self.notify, self.travel, self.process, self.equip)
        return sum(stage.mean_minutes for stage in stages) / 60.0


def processing_makespan_hours(reservists: int, stations: int, service_hours: float) -> float:
    """Time for c stations to process n reservists who are all waiting at time 0 (fixed service).

    Args:
        reservists: n (>= 0).
        stations: c (>= 1).
        service_hours: fixed service time per reservist, hours (>= 0).

    Returns:
        ``ceil(n / c) * service_hours``; with random service it is a lower bound on the mean.

    Raises:
        ParameterError: naming the impossible argument.
    """
    if int(reservists) != reservists or reservists < 0:
        raise ParameterError(f"reservists must be an integer >= 0, got {reservists!r}")
    if int(stations) != stations or stations < 1:
        raise ParameterError(f"stations must be an integer >= 1, got {stations!r}")
    if not math.isfinite(service_hours) or service_hours < 0:
        raise ParameterError(f"service_hours must be a finite number >= 0, got {service_hours!r}")
    return math.ceil(reservists / stations) * service_hours


def sample_mobilisation(
    rng: np.random.Generator, call_up: CallUp, reservists: int, runs: int
) -> NDArray[np.float64]:
    """Sample when each reservist is ready, hours after the escalation, in R replications.

    Args:
        rng: the random stream.
        call_up: the pipeline.
        reservists: N reservists called up through this centre (>= 0).
        runs: R replications (>= 1).

    Returns:
        Ready times in hours, shape (R, N); +inf for reservists who never report. Column i is
        the same reservist in every run (use it with a unit index of length N).

    Raises:
        ParameterError: if ``reservists`` or ``runs`` is impossible.
    """
    if int(reservists) != reservists or reservists < 0:
        raise ParameterError(f"reservists must be an integer >= 0, got {reservists!r}")
    if int(runs) != runs or runs < 1:
        raise ParameterError(f"runs must be an integer >= 1, got {runs!r}")
    shape = (int(runs), int(reservists))
    arrival = (call_up.notify.sample(rng, shape) + call_up.travel.sample(rng, shape)) / 60.0
    service = call_up.process.sample(rng, shape) / 60.0
    equip = call_up.equip.sample(rng, shape) / 60.0
    reports = (
        rng.random(shape) < call_up.report_probability
        if call_up.report_probability < 1.0
        else np.ones(shape, dtype=np.bool_)
    )
    # Those who never report never reach the queue: give them an infinite arrival so they sort
    # last and are skipped.
    arrival = np.where(reports, arrival, np.inf)
    start = arrival.copy()
    if call_up.stations == 1 and reservists > 1 and call_up.process.mean_minutes > 0:
        start = _single_station_starts(arrival, service)
    elif call_up.stations < reservists and call_up.process.mean_minutes > 0:
        order = np.argsort(arrival, axis=1, kind="stable")
        # Rank-major copies: the loop reads row k (the k-th arrival of every run) contiguously.
        by_rank_arrival = np.take_along_axis(arrival, order, axis=1).T.copy()
        by_rank_service = np.take_along_axis(service, order, axis=1).T.copy()
        by_rank_start = np.empty_like(by_rank_arrival)
        free_at = np.zeros((shape[0], call_up.stations))
        rows = np.arange(shape[0])
        for k in range(shape[1]):
            station = np.argmin(free_at, axis=1)
            begin = np.maximum(free_at[rows, station], by_rank_arrival[k])
            by_rank_start[k] = begin
            free_at[rows, station] = begin + by_rank_service[k]
        np.put_along_axis(start, order, by_rank_start.T, axis=1)
    return np.asarray(start + service + equip, dtype=np.float64)


def _single_station_starts(
    arrival: NDArray[np.float64], service: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Service start times at one FCFS station, all runs at once (Lindley's recursion unrolled).

    With arrivals sorted, the k-th departure is ``D_k = max_{j<=k}(A_j + S_j + ... + S_k)``, i.e.
    ``cumS_k + max_{j<=k}(A_j - cumS_{j-1})``: a running maximum, so no loop over reservists.
    """
    order = np.argsort(arrival, axis=1, kind="stable")
    a = np.take_along_axis(arrival, order, axis=1)
    s = np.take_along_axis(service, order, axis=1)
    cum = np.cumsum(s, axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf for never-reporting reservists at the end
        departure = cum + np.maximum.accumulate(a - (cum - s), axis=1)
    starts_sorted = np.where(np.isfinite(a), departure - s, np.inf)
    start = np.empty_like(arrival)
    np.put_along_axis(start, order, starts_sorted, axis=1)
    return start


def readiness_by_day(
    ready_hours: ArrayLike, unit: ArrayLike, units: int, days: int
) -> NDArray[np.float64]:
    """Fraction of each unit's personnel ready by the end of each day after the escalation.

    Args:
        ready_hours: ready times, hours, shape (R, N) (from `sample_mobilisation`; inf = never).
        unit: unit index of each reservist, ints in [0, units), shape (N,).
        units: number of units U (>= 1).
        days: number of days D (>= 1).

    Returns:
        Shape (R, U, D): entry ``[r, u, d]`` is the fraction of unit u ready within
        ``(d + 1) * 24`` hours in run r (day d + 1 after the escalation). A unit with no
        personnel is reported as 0.

    Raises:
        ParameterError: if the shapes disagree or an index is out of range.
    """
    ready = np.asarray(ready_hours, dtype=np.float64)
    unit_index = np.asarray(unit)
    if ready.ndim != 2:
        raise ParameterError("ready_hours must have shape (runs, reservists)")
    if unit_index.shape != (ready.shape[1],) or not np.issubdtype(unit_index.dtype, np.integer):
        raise ParameterError("unit must be an integer array with one entry per reservist")
    if int(units) != units or units < 1 or int(days) != days or days < 1:
        raise ParameterError("units and days must be integers >= 1")
    if unit_index.size and (unit_index.min() < 0 or unit_index.max() >= units):
        raise ParameterError(f"unit indices must be in [0, {units})")
    runs = ready.shape[0]
    # Day d (0-based) holds those ready in ((d) * 24, (d + 1) * 24]; later or never -> dropped.
    day = np.ceil(ready / _HOURS_PER_DAY) - 1.0
    day = np.where(np.isnan(day), days, np.clip(day, 0, days))
    cell = (np.arange(runs)[:, None] * units + unit_index[None, :]) * (days + 1) + day.astype(
        np.int64
    )
    counts = np.bincount(cell.ravel(), minlength=runs * units * (days + 1))
    cumulative = np.cumsum(counts.reshape(runs, units, days + 1)[:, :, :days], axis=2)
    size = np.bincount(unit_index, minlength=units).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = cumulative / size[None, :, None]
    return np.where(size[None, :, None] > 0, fraction, 0.0)
