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
O(runs x pairs) array operations plus one draw per delay for the chosen pairs.

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


class _BaseDelays:
    """Delays of one kind (e.g. scramble) for every base, sampled for the bases actually chosen.

    Draws happen inside the queue loop, one small array per iteration, because pre-drawing
    millions of values costs more in memory traffic than it saves in calls.
    """

    def __init__(self, delays: Sequence[Delay]) -> None:
        self.mean = np.array([d.mean_minutes for d in delays], dtype=np.float64)
        self.shapes = sorted({1.0 / d.cv**2 for d in delays if not d.fixed})
        self.group = np.array(
            [self.shapes.index(1.0 / d.cv**2) if not d.fixed else -1 for d in delays],
            dtype=np.intp,
        )
        self.all_random = bool(np.all(self.group >= 0))

    def sample(self, rng: np.random.Generator, base: NDArray[np.intp]) -> NDArray[np.float64]:
        mean = self.mean[base]
        if not self.shapes:
            return mean
        if len(self.shapes) == 1:
            k = self.shapes[0]
            unit = rng.gamma(k, 1.0 / k, base.size)
            if not self.all_random:
                unit[self.group[base] < 0] = 1.0
            return mean * unit
        group = self.group[base]
        unit = np.ones(base.size)
        for index, k in enumerate(self.shapes):
            mask = group == index
            unit[mask] = rng.gamma(k, 1.0 / k, int(mask.sum()))
        return mean * unit


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

    policy = posture.policy
    if policy.kind == "scramble-all":
        scramble_wanted = needs
    elif policy.kind == "threshold":
        scramble_wanted = needs & (size >= policy.threshold)
    else:
        scramble_wanted = np.zeros(count, dtype=np.bool_)
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
    """
    q_run = run_index[queue]
    q_time = arrival[queue]
    step_run = np.diff(q_run)
    in_order = bool(np.all((step_run > 0) | ((step_run == 0) & (np.diff(q_time) >= 0))))
    if not in_order:
        order = np.lexsort((q_time, q_run))
        queue, q_run = queue[order], q_run[order]
    total = queue.size
    per_run = np.bincount(q_run, minlength=runs)
    first_of_run = np.cumsum(per_run) - per_run
    rank = np.arange(total) - first_of_run[q_run]
    # Lay the queue out rank-major (all runs' 1st incursion, then all 2nd, ...) so each loop
    # iteration reads and writes a contiguous slice; gathering strided slices from arrays of
    # millions costs a cache miss per element. A stable sort keeps runs ascending within a rank,
    # and small integer keys let NumPy use its linear-time radix sort.
    key = rank.astype(np.uint16) if total and rank.max() < 2**16 else rank
    queue = queue[np.argsort(key, kind="stable")]
    rank_starts = np.concatenate(([0], np.cumsum(np.bincount(rank))))
    q_run = run_index[queue]
    q_time = arrival[queue]
    q_sector = sectors[queue]
    q_max_wait = max_wait[queue]

    bases = posture.bases
    base_of_pair = np.repeat(np.arange(len(bases)), [b.pairs for b in bases])
    transit = np.stack([b.transit_minutes() for b in bases])  # (bases, sectors)
    mean_scramble = np.array([b.scramble.mean_minutes for b in bases])
    # The expected delay to intercept, per sector and pair, decides which free pair to send.
    lead = (mean_scramble[:, None] + transit)[base_of_pair].T.copy()  # (sectors, pairs)
    crew = np.array([b.aircraft_per_pair for b in bases], dtype=np.float64)
    scramble = _BaseDelays([b.scramble for b in bases])
    station = _BaseDelays([b.time_on_station for b in bases])
    turnaround = _BaseDelays([b.turnaround for b in bases])
    waits_limited = bool(np.isfinite(q_max_wait).any())

    q_response = np.full(total, np.nan)
    q_wait = np.full(total, np.nan)
    q_base = np.full(total, -1, dtype=np.int16)
    free_at = np.zeros((runs, base_of_pair.size))
    for k in range(rank_starts.size - 1):
        lo, hi = int(rank_starts[k]), int(rank_starts[k + 1])
        r = q_run[lo:hi]
        t = q_time[lo:hi, None]
        s = q_sector[lo:hi]
        # While every run still has a k-th incursion, r is 0..R-1: a view beats a gather.
        state = free_at if hi - lo == runs else free_at[r]
        start = np.maximum(state, t)
        cost = start + lead[s]
        if waits_limited:
            cost[start - t > q_max_wait[lo:hi, None]] = np.inf
        pair = np.argmin(cost, axis=1)
        rows = np.arange(hi - lo)
        ok = np.isfinite(cost[rows, pair])
        slot = np.arange(lo, hi)
        if not ok.all():
            slot, r, s, pair, rows = slot[ok], r[ok], s[ok], pair[ok], rows[ok]
            if slot.size == 0:
                continue
        chosen_start = start[rows, pair]
        wait = chosen_start - q_time[slot]
        b = base_of_pair[pair]
        go = transit[b, s]
        sc = scramble.sample(rng, b)
        on = station.sample(rng, b)
        busy = sc + 2.0 * go + on + turnaround.sample(rng, b)
        free_at[r, pair] = chosen_start + busy
        flight_minutes[r] += crew[b] * (2.0 * go + on)
        busy_minutes[r] += np.clip(np.minimum(chosen_start + busy, horizon) - chosen_start, 0, None)
        q_response[slot] = wait + sc + go
        q_wait[slot] = wait
        q_base[slot] = b

    response[queue] = q_response
    wait_out[queue] = q_wait
    base_out[queue] = q_base
    scrambled[queue] = q_base >= 0


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
