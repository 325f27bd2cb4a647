"""Rapid response: quick-reaction-alert (QRA) fighter pairs, ground-based air defence and policy.

The defender answers an air incursion into its ADIZ either by scrambling an alert pair or, where
ground-based air defence (GBAD) covers the sector, by tracking it from the ground. The policy
decides which: ``scramble-all`` (every entry), ``threshold`` (scramble for groups of at least k
aircraft, track the rest) or ``track-only``. What this costs the defender (flight hours, alert
utilisation) and what it buys (response time, unanswered incursions) are the model's outputs.

Alert pairs form a first-come-first-served multi-server queue in each replication. An incursion
(at its decision time) takes the pair that would intercept it soonest among those free within
its maximum wait; that pair is then busy for scramble + transit + time on station + return
transit + turnaround. If no pair is free within the maximum wait (typically the incursion's time
in the ADIZ), the incursion is unanswered and no pair is committed.

Vectorisation. The queue is sequential within a replication but independent across them, so
`simulate_response` loops over the k-th queued incursion of every run (k up to the largest
number per run, a few hundred for 30 days) and handles the k-th incursion of all runs at once,
with an array of shape (runs, pairs) holding when each pair is next free. Each iteration costs
O(runs x pairs) array operations; the delays are drawn before the loop, one per incursion.

`erlang_c` gives the M/M/c probability of waiting and mean wait (Erlang 1917; Kleinrock,
*Queueing Systems* vol. 1) against which the queue is tested.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointex._errors import ParameterError
from jointex.model._distributions import Delay

__all__ = [
    "AirDefence",
    "AlertBase",
    "ErlangC",
    "PolicyKind",
    "ResponseOutcome",
    "ResponsePolicy",
    "ResponsePosture",
    "erlang_c",
    "simulate_response",
]

PolicyKind = Literal["scramble-all", "threshold", "track-only"]
"""How the defender answers an ADIZ entry."""

_POLICY_KINDS = ("scramble-all", "threshold", "track-only")


def _finite_at_least(owner: str, name: str, value: float, low: float, strict: bool) -> None:
    bad = not math.isfinite(value) or (value <= low if strict else value < low)
    if bad:
        relation = ">" if strict else ">="
        raise ParameterError(
            f"{owner}.{name} must be a finite number {relation} {low}, got {value!r}"
        )


@dataclass(frozen=True, slots=True)
class ResponsePolicy:
    """When to scramble an alert pair and when to track from the ground.

    Attributes:
        kind: ``"scramble-all"``, ``"threshold"`` or ``"track-only"``.
        threshold: under ``"threshold"``, the smallest group size (aircraft) that is scrambled
            against; smaller groups are tracked by GBAD (>= 1).

    Raises:
        ParameterError: if the kind is unknown or the threshold below 1.
    """

    kind: PolicyKind = "scramble-all"
    threshold: int = 1

    def __post_init__(self) -> None:
        if self.kind not in _POLICY_KINDS:
            raise ParameterError(
                f"ResponsePolicy.kind must be one of {', '.join(_POLICY_KINDS)}, got {self.kind!r}"
            )
        if int(self.threshold) != self.threshold or self.threshold < 1:
            raise ParameterError(
                f"ResponsePolicy.threshold must be an integer >= 1, got {self.threshold!r}"
            )

    def scrambles(self, group_size: NDArray[np.integer]) -> NDArray[np.bool_]:
        """Whether the policy scrambles an alert pair against groups of these sizes."""
        if self.kind == "scramble-all":
            return np.ones(group_size.shape, dtype=np.bool_)
        if self.kind == "threshold":
            return np.asarray(group_size >= self.threshold)
        return np.zeros(group_size.shape, dtype=np.bool_)


@dataclass(frozen=True, slots=True)
class AlertBase:
    """An air base holding fighter pairs on quick-reaction alert.

    Attributes:
        pairs: alert pairs held (>= 0).
        distance_km: distance from the base to each ADIZ sector, km, indexed by sector.
        scramble: order received to airborne, minutes (ground time, not flight time).
        time_on_station: time spent intercepting/shadowing, minutes.
        turnaround: landing to ready on alert again, minutes.
        speed_kmh: transit speed, km/h (> 0).
        aircraft_per_pair: aircraft flying per scramble (>= 1), for flight hours.
        name: label for reports.

    Raises:
        ParameterError: naming the field that is impossible.
    """

    pairs: int
    distance_km: tuple[float, ...]
    scramble: Delay
    time_on_station: Delay
    turnaround: Delay
    speed_kmh: float = 900.0
    aircraft_per_pair: int = 2
    name: str = ""

    def __post_init__(self) -> None:
        # Accept any sequence (e.g. a list from a loaded scenario) but store a hashable tuple.
        object.__setattr__(self, "distance_km", tuple(float(d) for d in self.distance_km))
        if int(self.pairs) != self.pairs or self.pairs < 0:
            raise ParameterError(f"AlertBase.pairs must be an integer >= 0, got {self.pairs!r}")
        if int(self.aircraft_per_pair) != self.aircraft_per_pair or self.aircraft_per_pair < 1:
            raise ParameterError(
                "AlertBase.aircraft_per_pair must be an integer >= 1, "
                f"got {self.aircraft_per_pair!r}"
            )
        if len(self.distance_km) == 0:
            raise ParameterError("AlertBase.distance_km must give a distance for every sector")
        for distance in self.distance_km:
            _finite_at_least("AlertBase", "distance_km", distance, 0.0, strict=False)
        _finite_at_least("AlertBase", "speed_kmh", self.speed_kmh, 0.0, strict=True)
        for name in ("scramble", "time_on_station", "turnaround"):
            if not isinstance(getattr(self, name), Delay):
                raise ParameterError(f"AlertBase.{name} must be a Delay")

    def transit_minutes(self) -> NDArray[np.float64]:
        """One-way transit time to each sector, minutes (distance / speed)."""
        return np.asarray(self.distance_km, dtype=np.float64) / self.speed_kmh * 60.0


@dataclass(frozen=True, slots=True)
class AirDefence:
    """Ground-based air defence able to track incursions in some sectors instead of scrambling.

    Tracking is not capacity-limited at this level of detail.

    Attributes:
        sectors: indices of the sectors GBAD radars cover.
        track: decision to track established, minutes.

    Raises:
        ParameterError: if a sector index is negative or ``track`` is not a `Delay`.
    """

    sectors: frozenset[int]
    track: Delay = field(default_factory=lambda: Delay(0.0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "sectors", frozenset(self.sectors))
        if any(int(s) != s or s < 0 for s in self.sectors):
            raise ParameterError("AirDefence.sectors must be sector indices >= 0")
        if not isinstance(self.track, Delay):
            raise ParameterError("AirDefence.track must be a Delay")


@dataclass(frozen=True, slots=True)
class ResponsePosture:
    """The defender's alert bases, air defence and response policy.

    Attributes:
        bases: alert bases; all give distances to the same number of sectors.
        policy: when to scramble.
        air_defence: GBAD coverage, or None for none (then nothing can be tracked).

    Raises:
        ParameterError: if the bases disagree on the number of sectors or GBAD covers a sector
            that does not exist.
    """

    bases: tuple[AlertBase, ...]
    policy: ResponsePolicy = field(default_factory=ResponsePolicy)
    air_defence: AirDefence | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "bases", tuple(self.bases))
        if not self.bases:
            raise ParameterError("ResponsePosture.bases must list at least one AlertBase")
        sectors = {len(base.distance_km) for base in self.bases}
        if len(sectors) != 1:
            raise ParameterError(
                "ResponsePosture.bases must all give distance_km for the same number of sectors"
            )
        if self.air_defence is not None and any(
            s >= self.sectors for s in self.air_defence.sectors
        ):
            raise ParameterError(
                f"ResponsePosture.air_defence.sectors must be < {self.sectors} (number of sectors)"
            )

    @property
    def sectors(self) -> int:
        """Number of ADIZ sectors."""
        return len(self.bases[0].distance_km)

    @property
    def pairs(self) -> int:
        """Total alert pairs over all bases."""
        return sum(base.pairs for base in self.bases)


@dataclass(frozen=True, slots=True, eq=False)
class ResponseOutcome:
    """What happened to each incursion and what it cost each run.

    Per incursion (shape (N,), in the caller's order):

    Attributes:
        response_minutes: decision time to intercept (wait + scramble + transit) for scrambles,
            or to track established for GBAD tracks; NaN where unanswered or not needing response.
        answered: intercepted or tracked.
        scrambled: an alert pair was launched.
        tracked: answered by GBAD tracking.
        base: index of the base whose pair was launched, -1 otherwise (int16).
        wait_minutes: time waiting for a free pair (0 if one was free); NaN unless scrambled.
        flight_hours: per run (R,): aircraft flight hours (transit out and back and on station).
        alert_utilisation: per run (R,): busy pair-hours / available pair-hours over the horizon.
        scrambles: per run (R,): pairs launched (int64).
        unanswered: per run (R,): incursions needing response that were not answered (int64).
    """

    response_minutes: NDArray[np.float64]
    answered: NDArray[np.bool_]
    scrambled: NDArray[np.bool_]
    tracked: NDArray[np.bool_]
    base: NDArray[np.int16]
    wait_minutes: NDArray[np.float64]
    flight_hours: NDArray[np.float64]
    alert_utilisation: NDArray[np.float64]
    scrambles: NDArray[np.int64]
    unanswered: NDArray[np.int64]


class _QueueDelays:
    """Delays of one kind (e.g. scramble) for every queued incursion, at every base.

    Gamma delays are mean times a unit-mean gamma of shape 1/cv**2. One unit draw per queued
    incursion and distinct shape is made up front (the draw does not depend on which pair is
    chosen, so drawing it before the choice leaves the distribution unchanged), and the base's
    mean scales it.
    """

    def __init__(self, rng: np.random.Generator, delays: Sequence[Delay], total: int) -> None:
        self.mean = np.array([d.mean_minutes for d in delays], dtype=np.float64)
        shapes = sorted({1.0 / d.cv**2 for d in delays if not d.fixed})
        # Row 0 of the units is for fixed delays (unit 1), row g + 1 for the g-th shape.
        self.row = np.array(
            [0 if d.fixed else shapes.index(1.0 / d.cv**2) + 1 for d in delays], dtype=np.intp
        )
        self.units = np.ones((len(shapes) + 1, total if shapes else 1))
        for index, k in enumerate(shapes):
            self.units[index + 1] = rng.gamma(k, 1.0 / k, total)

    @property
    def same_everywhere(self) -> bool:
        """Whether every base has the same delay distribution."""
        return bool(np.all(self.row == self.row[0]) and np.all(self.mean == self.mean[0]))

    def first_base(self) -> NDArray[np.float64]:
        """Delay per queued incursion at base 0, shape (total,) (or (1,) when fixed)."""
        first: NDArray[np.float64] = self.units[self.row[0]] * self.mean[0]
        return first

    def by_base(self) -> NDArray[np.float64]:
        """Delay per queued incursion and base, shape (total, bases) (or broadcastable)."""
        by_base: NDArray[np.float64] = self.units[self.row].T * self.mean
        return by_base

    def chosen(self, slot: NDArray[np.intp] | None, base: NDArray[np.intp]) -> NDArray[np.float64]:
        """Delay of each given incursion (all when ``slot`` is None) at the base chosen for it."""
        mean = self.mean[base]
        if self.units.shape[1] == 1:  # every base's delay is fixed
            return mean
        rows = np.unique(self.row)
        if rows.size == 1:
            units = self.units[rows[0]]
            scaled: NDArray[np.float64] = mean * (units if slot is None else units[slot])
            return scaled
        column = np.arange(self.units.shape[1]) if slot is None else slot
        drawn: NDArray[np.float64] = self.units[self.row[base], column] * mean
        return drawn


def _as_flat(name: str, value: ArrayLike, count: int, dtype: type) -> NDArray[Any]:
    array = np.asarray(value)
    if array.ndim == 0:
        return np.full(count, array, dtype=dtype)
    if array.shape != (count,):
        raise ParameterError(f"{name} must have shape ({count},) like run, got {array.shape}")
    return array.astype(dtype, copy=False)


def simulate_response(
    rng: np.random.Generator,
    posture: ResponsePosture,
    *,
    runs: int,
    run: ArrayLike,
    arrival_minutes: ArrayLike,
    group_size: ArrayLike,
    sector: ArrayLike,
    needs_response: ArrayLike,
    horizon_minutes: float,
    max_wait_minutes: ArrayLike = np.inf,
) -> ResponseOutcome:
    """Answer the incursions of R replications with alert pairs and GBAD under a policy.

    Incursions are flat arrays over all runs. Each run's alert pairs start free at minute 0 and
    serve that run's scrambles first come, first served; pass a whole horizon (e.g. 30 days) in
    one call so that pairs busy across midnight stay busy.

    Args:
        rng: the random stream (one for all runs; see the module docstring).
        posture: bases, air defence and policy.
        runs: number of replications R.
        run: replication index per incursion, ints in [0, R), shape (N,).
        arrival_minutes: decision time per incursion (detection + C2), minutes from the start of
            the horizon; need not be sorted (sorting by run then time is faster).
        group_size: aircraft in the incursion group, shape (N,) (used by ``threshold``).
        sector: ADIZ sector index per incursion, shape (N,).
        needs_response: whether the incursion calls for a response (entered the ADIZ and was
            detected), shape (N,) bool.
        horizon_minutes: length of the horizon, for alert utilisation (> 0).
        max_wait_minutes: longest an incursion can wait for a free pair before it is
            unanswered (e.g. its time in the ADIZ), scalar or shape (N,).

    Returns:
        Per-incursion outcomes and per-run costs.

    Raises:
        ParameterError: if the arrays disagree in shape or hold impossible values.
    """
    _finite_at_least("simulate_response", "horizon_minutes", horizon_minutes, 0.0, strict=True)
    if int(runs) != runs or runs < 1:
        raise ParameterError(f"runs must be an integer >= 1, got {runs!r}")
    run_index = np.asarray(run)
    if run_index.ndim != 1 or not np.issubdtype(run_index.dtype, np.integer):
        raise ParameterError("run must be a one-dimensional integer array")
    count = run_index.size
    run_index = run_index.astype(np.intp, copy=False)
    arrival = _as_flat("arrival_minutes", arrival_minutes, count, np.float64)
    size = _as_flat("group_size", group_size, count, np.int64)
    sectors = _as_flat("sector", sector, count, np.intp)
    needs = _as_flat("needs_response", needs_response, count, np.bool_)
    max_wait = _as_flat("max_wait_minutes", max_wait_minutes, count, np.float64)
    if count:
        if run_index.min() < 0 or run_index.max() >= runs:
            raise ParameterError(f"run indices must be in [0, {runs})")
        if sectors.min() < 0 or sectors.max() >= posture.sectors:
            raise ParameterError(f"sector indices must be in [0, {posture.sectors})")
    if np.any(needs & ~np.isfinite(arrival)):
        raise ParameterError("arrival_minutes must be finite where needs_response is true")
    if np.any(np.isnan(max_wait) | (max_wait < 0)):
        raise ParameterError("max_wait_minutes must be >= 0")

    scramble_wanted = needs & posture.policy.scrambles(size)
    track_wanted = needs & ~scramble_wanted

    response = np.full(count, np.nan)
    wait_out = np.full(count, np.nan)
    base_out = np.full(count, -1, dtype=np.int16)
    scrambled = np.zeros(count, dtype=np.bool_)
    tracked = np.zeros(count, dtype=np.bool_)

    gbad = posture.air_defence
    if gbad is not None and gbad.sectors:
        covered = np.zeros(posture.sectors, dtype=np.bool_)
        covered[list(gbad.sectors)] = True
        tracked = track_wanted & covered[sectors]
        where = np.flatnonzero(tracked)
        response[where] = gbad.track.sample(rng, where.size)

    flight_minutes = np.zeros(runs)
    busy_minutes = np.zeros(runs)
    queue = np.flatnonzero(scramble_wanted)
    if queue.size and posture.pairs:
        _serve_queue(
            rng,
            posture,
            queue=queue,
            run_index=run_index,
            arrival=arrival,
            sectors=sectors,
            max_wait=max_wait,
            horizon=horizon_minutes,
            runs=runs,
            response=response,
            wait_out=wait_out,
            base_out=base_out,
            scrambled=scrambled,
            flight_minutes=flight_minutes,
            busy_minutes=busy_minutes,
        )

    answered = scrambled | tracked
    unanswered = np.bincount(run_index[needs & ~answered], minlength=runs).astype(np.int64)
    scrambles = np.bincount(run_index[scrambled], minlength=runs).astype(np.int64)
    available = posture.pairs * horizon_minutes
    utilisation = busy_minutes / available if available > 0 else np.zeros(runs)
    return ResponseOutcome(
        response_minutes=response,
        answered=answered,
        scrambled=scrambled,
        tracked=tracked,
        base=base_out,
        wait_minutes=wait_out,
        flight_hours=flight_minutes / 60.0,
        alert_utilisation=utilisation,
        scrambles=scrambles,
        unanswered=unanswered,
    )


def _serve_queue(
    rng: np.random.Generator,
    posture: ResponsePosture,
    *,
    queue: NDArray[np.intp],
    run_index: NDArray[np.intp],
    arrival: NDArray[np.float64],
    sectors: NDArray[np.intp],
    max_wait: NDArray[np.float64],
    horizon: float,
    runs: int,
    response: NDArray[np.float64],
    wait_out: NDArray[np.float64],
    base_out: NDArray[np.int16],
    scrambled: NDArray[np.bool_],
    flight_minutes: NDArray[np.float64],
    busy_minutes: NDArray[np.float64],
) -> None:
    """Run the FCFS alert-pair queue of every run, k-th queued incursion of all runs at a time.

    Writes the per-incursion outputs in place at the indices in ``queue``, and adds each run's
    flight and busy minutes.

    Layout. The queue is ordered by run then arrival, then laid out rank-major (every run's 1st
    incursion, then every 2nd, ...) with the runs relabelled by decreasing queue length, so that
    the runs still having a k-th incursion are always the first n_k labels: each iteration reads
    contiguous slices and the first n_k rows of the pairs' free times, and gathers nothing.
    Everything that does not feed the next choice (response, flight and busy time) is computed
    after the loop, over the whole queue at once.
    """
    # Order by run, then arrival time: a sort by time, then a stable radix sort by run (a
    # lexsort costs several times more). The time sort is unstable (and fast) unless two
    # arrivals tie, where a stable sort keeps the order of the input on every machine.
    q_time = arrival[queue]
    by_time = np.argsort(q_time)
    ordered = q_time[by_time]
    if np.any(ordered[1:] == ordered[:-1]):
        by_time = np.argsort(q_time, kind="stable")
    by_time = queue[by_time]
    q_run = run_index[by_time]
    small = q_run.astype(np.uint16) if runs <= 2**16 else q_run
    queue = by_time[np.argsort(small, kind="stable")]
    q_run = run_index[queue]
    total = queue.size
    per_run = np.bincount(q_run, minlength=runs)
    rank = np.arange(total) - (np.cumsum(per_run) - per_run)[q_run]
    label = np.empty(runs, dtype=np.intp)
    label[np.argsort(-per_run, kind="stable")] = np.arange(runs)
    active = np.bincount(rank)  # runs with a k-th incursion: labels 0 .. active[k] - 1
    rank_starts = np.concatenate(([0], np.cumsum(active)))
    layout = np.empty(total, dtype=np.intp)
    layout[rank_starts[rank] + label[q_run]] = queue
    queue = layout
    q_run = run_index[queue]
    q_time = arrival[queue]
    q_sector = sectors[queue]

    bases = posture.bases
    base_of_pair = np.repeat(np.arange(len(bases)), [b.pairs for b in bases])
    pairs = base_of_pair.size
    transit = np.stack([b.transit_minutes() for b in bases])  # (bases, sectors)
    mean_scramble = np.array([b.scramble.mean_minutes for b in bases])
    # The expected delay to intercept, per sector and pair, decides which free pair to send.
    lead = np.ascontiguousarray((mean_scramble[:, None] + transit)[base_of_pair].T)
    crew = np.array([b.aircraft_per_pair for b in bases], dtype=np.float64)
    scramble = _QueueDelays(rng, [b.scramble for b in bases], total)
    station = _QueueDelays(rng, [b.time_on_station for b in bases], total)
    turnaround = _QueueDelays(rng, [b.turnaround for b in bases], total)
    # How long a pair is busy if sent: its base's ground times plus the transit out and back.
    # Usually every base has the same delays (one response policy), and the busy time is one
    # per-incursion draw plus a (sector, pair) table; otherwise it is tabled per incursion.
    two_transit = np.ascontiguousarray(2.0 * transit[base_of_pair].T)  # (sectors, pairs)
    uniform = all(d.same_everywhere for d in (scramble, station, turnaround))
    if uniform:
        ground = scramble.first_base() + station.first_base() + turnaround.first_base()
        ground = np.broadcast_to(ground, (total,))
        q_cell = q_sector * pairs  # + pair: the (sector, pair) cell of the tables
        q_busy = np.empty((0, pairs))
    else:
        by_base = scramble.by_base() + station.by_base() + turnaround.by_base()
        q_busy = np.ascontiguousarray((by_base + 2.0 * transit[:, q_sector].T)[:, base_of_pair])
    two_transit_flat = two_transit.reshape(-1)
    q_max_wait = max_wait[queue]
    waits_limited = bool(np.isfinite(q_max_wait).any())

    q_pair = np.full(total, -1, dtype=np.intp)
    q_start = np.zeros(total)
    q_end = np.zeros(total)
    free_at = np.zeros((runs, pairs))
    free_flat = free_at.reshape(-1)
    row_offset = np.arange(runs) * pairs
    for k in range(active.size):
        lo, hi = int(rank_starts[k]), int(rank_starts[k + 1])
        n = hi - lo
        state = free_at[:n]
        t = q_time[lo:hi]
        cost = np.maximum(state, t[:, None])
        cost += np.take(lead, q_sector[lo:hi], axis=0)
        pair = cost.argmin(axis=1)
        flat = row_offset[:n] + pair
        chosen = free_flat[flat]
        sel: slice | NDArray[np.intp] = slice(0, n)  # the rows committing a pair
        if waits_limited:
            limit = q_max_wait[lo:hi]
            late_mask = chosen - t > limit
            if late_mask.any():
                late = np.flatnonzero(late_mask)
                # The soonest intercept needs a wait beyond the limit: choose among the pairs
                # free in time, if any (else unanswered, nothing committed).
                masked = cost[late]
                masked[state[late] - t[late, None] > limit[late, None]] = np.inf
                retry = masked.argmin(axis=1)
                missed = ~np.isfinite(masked[np.arange(late.size), retry])
                pair[late] = np.where(missed, -1, retry)
                flat[late] = row_offset[late] + retry
                chosen[late] = free_flat[flat[late]]
                if missed.any():
                    sel = np.flatnonzero(pair >= 0)
                    flat, chosen, t = flat[sel], chosen[sel], t[sel]
        start = np.maximum(chosen, t)
        if uniform:
            busy = ground[lo:hi][sel] + two_transit_flat[q_cell[lo:hi][sel] + pair[sel]]
        else:
            busy = q_busy[lo:hi].reshape(-1)[flat]
        end = start + busy
        free_flat[flat] = end
        q_pair[lo:hi] = pair
        q_start[lo:hi][sel] = start
        q_end[lo:hi][sel] = end

    every = bool(q_pair.min() >= 0) if total else True  # usually every scramble is served
    slot = None if every else np.flatnonzero(q_pair >= 0)
    pair = q_pair if slot is None else q_pair[slot]
    start = q_start if slot is None else q_start[slot]
    sector = q_sector if slot is None else q_sector[slot]
    run = q_run if slot is None else q_run[slot]
    served = queue if slot is None else queue[slot]
    b = base_of_pair[pair]
    wait = start - (q_time if slot is None else q_time[slot])
    go = transit.reshape(-1)[b * transit.shape[1] + sector]
    on = station.chosen(slot, b)
    end = q_end if slot is None else q_end[slot]
    response[served] = wait + scramble.chosen(slot, b) + go
    wait_out[served] = wait
    base_out[served] = b
    scrambled[served] = True
    flight_minutes += np.bincount(run, weights=crew[b] * (2.0 * go + on), minlength=runs)
    spent = np.clip(np.minimum(end, horizon) - start, 0.0, None)
    busy_minutes += np.bincount(run, weights=spent, minlength=runs)


@dataclass(frozen=True, slots=True)
class ErlangC:
    """M/M/c waiting measures.

    Attributes:
        probability_of_waiting: P(an arrival finds every server busy), Erlang's C formula.
        mean_wait: mean time in queue, in the reciprocal unit of the rates.
    """

    probability_of_waiting: float
    mean_wait: float


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> ErlangC:
    """Erlang C: probability of waiting and mean wait in an M/M/c queue.

    With offered load a = lambda / mu and utilisation rho = a / c < 1,
    ``C = (a**c / c!) / (1 - rho) / (sum_{k<c} a**k / k! + (a**c / c!) / (1 - rho))`` and the mean
    wait is ``C / (c mu - lambda)``. An unstable queue (rho >= 1) waits with probability 1 and
    without bound (mean wait infinite).

    Args:
        servers: number of servers c (>= 1), e.g. alert pairs.
        arrival_rate: Poisson arrival rate lambda (>= 0).
        service_rate: exponential service rate mu of one server (> 0).

    Returns:
        The probability of waiting and the mean wait (unit: 1 / the rates' time unit).

    Raises:
        ParameterError: naming the impossible argument.
    """
    if int(servers) != servers or servers < 1:
        raise ParameterError(f"servers must be an integer >= 1, got {servers!r}")
    _finite_at_least("erlang_c", "arrival_rate", arrival_rate, 0.0, strict=False)
    _finite_at_least("erlang_c", "service_rate", service_rate, 0.0, strict=True)
    load = arrival_rate / service_rate
    rho = load / servers
    if rho >= 1:
        return ErlangC(probability_of_waiting=1.0, mean_wait=math.inf)
    # Erlang B by its stable recursion, then C from B.
    blocking = 1.0
    for k in range(1, int(servers) + 1):
        blocking = load * blocking / (k + load * blocking)
    waiting = blocking / (1.0 - rho * (1.0 - blocking))
    return ErlangC(
        probability_of_waiting=waiting,
        mean_wait=waiting / (servers * service_rate - arrival_rate),
    )
