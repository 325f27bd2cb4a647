"""Adversary activity model: daily aircraft and vessel counts, exercise surges, sortie attributes.

Owns the generative model that the simulation engine runs phase by phase (equations in
``docs/models-activity.md``):

* aircraft per day, a negative binomial INARCH(1) with weekday factors:
  ``lambda_t = omega + alpha * y_{t-1}``, ``y_t ~ NegBin(mean = lambda_t * w[dow_t], size)``;
* vessels per day, a Poisson INAR(1) by binomial thinning, optionally coupled to the same day's
  aircraft: ``v_t = Binomial(v_{t-1}, persistence) + Poisson(innovation + coupling * y_t)``;
* exercise surges: runs of ``min_days..max_days`` days, starting with probability ``rate_per_day``
  on a non-surge day, whose aircraft counts are uniform integers in
  ``[aircraft_low, aircraft_high]`` and replace the INARCH draw (the recursion continues from
  the surge count);
* per sortie attributes: minute of day, aircraft type, sector, median-line crossing, ADIZ entry.

Everything is vectorised across replications (arrays of shape ``(runs, days)``); only the days are
looped over. Pure: no I/O, no globals; every sampler takes a ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointex._errors import ParameterError

__all__ = [
    "DEFAULT_HOURLY_WEIGHTS",
    "DEFAULT_SECTOR_MIX",
    "DEFAULT_TYPE_MIX",
    "ActivityState",
    "AircraftParams",
    "DailyCounts",
    "SortieProfile",
    "Sorties",
    "SurgeParams",
    "VesselParams",
    "aircraft_stationary_variance",
    "sample_sorties",
    "simulate_daily_counts",
    "vessels_stationary_mean",
    "weekday_factors_array",
]

IntArray = NDArray[np.int64]

# Relative sortie rates per hour of the day (local time), 00-01 first. Most activity is in daylight
# (08-17), with a shoulder in the morning and evening and a low night-time floor: MND reports and
# published track maps show daytime sorties, and night flying is the exception.
DEFAULT_HOURLY_WEIGHTS: tuple[float, ...] = (
    (1.0,) * 6 + (2.0, 3.0) + (5.0,) * 10 + (3.0, 2.0, 2.0, 1.5) + (1.0,) * 2
)

# Share of each aircraft type among sorties (fighters dominate the daily reports).
DEFAULT_TYPE_MIX: Mapping[str, float] = MappingProxyType(
    {"fighter": 0.62, "bomber": 0.06, "isr": 0.12, "helicopter": 0.06, "drone": 0.14}
)

# Share of sorties by ADIZ sector as named in MND's daily maps (the southwest dominates).
DEFAULT_SECTOR_MIX: Mapping[str, float] = MappingProxyType(
    {"north": 0.20, "central": 0.25, "southwest": 0.40, "east": 0.15}
)

_MIX_TOLERANCE = 1e-3
_WEEKDAY_TOLERANCE = 0.05


def _require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ParameterError(f"{name} must be a finite number, got {value!r}")


@dataclass(frozen=True, slots=True)
class AircraftParams:
    """Negative binomial INARCH(1) parameters for aircraft per day.

    Attributes:
        omega: baseline intensity (aircraft/day before weekday factors), > 0.
        alpha: one-day self-excitation, in [0, 1); the stationary mean is ``omega / (1 - alpha)``.
        size: negative binomial size r (> 0; ``math.inf`` gives Poisson counts); the variance
            given the intensity ``mu`` is ``mu + mu**2 / size``.
    """

    omega: float
    alpha: float
    size: float

    def __post_init__(self) -> None:
        _require_finite("aircraft.omega", self.omega)
        _require_finite("aircraft.alpha", self.alpha)
        if not self.omega > 0:
            raise ParameterError(f"aircraft.omega must be > 0, got {self.omega!r}")
        if not 0 <= self.alpha < 1:
            raise ParameterError(f"aircraft.alpha must be in [0, 1), got {self.alpha!r}")
        if math.isnan(self.size) or not self.size > 0:
            raise ParameterError(f"aircraft.size must be > 0, got {self.size!r}")

    @property
    def stationary_mean(self) -> float:
        """Long-run aircraft per day without surges, ``omega / (1 - alpha)``."""
        return self.omega / (1.0 - self.alpha)


@dataclass(frozen=True, slots=True)
class VesselParams:
    """Poisson INAR(1) parameters for vessels per day.

    Attributes:
        innovation: mean of the new vessels' Poisson arrivals per day, >= 0.
        persistence: probability that a vessel present yesterday is still present, in [0, 1).
        coupling: extra arrivals per aircraft on the same day, >= 0 (0 decouples the series).
    """

    innovation: float
    persistence: float
    coupling: float = 0.0

    def __post_init__(self) -> None:
        for name in ("innovation", "persistence", "coupling"):
            _require_finite(f"vessels.{name}", getattr(self, name))
        if self.innovation < 0:
            raise ParameterError(f"vessels.innovation must be >= 0, got {self.innovation!r}")
        if not 0 <= self.persistence < 1:
            raise ParameterError(f"vessels.persistence must be in [0, 1), got {self.persistence!r}")
        if self.coupling < 0:
            raise ParameterError(f"vessels.coupling must be >= 0, got {self.coupling!r}")


@dataclass(frozen=True, slots=True)
class SurgeParams:
    """Exercise surges: short runs of days with many aircraft.

    Attributes:
        rate_per_day: probability that a surge starts on a day that is not already a surge day.
        min_days: shortest surge, in days (>= 1).
        max_days: longest surge, in days (>= min_days); the length is uniform in between.
        aircraft_low: fewest aircraft on a surge day (>= 0).
        aircraft_high: most aircraft on a surge day (>= aircraft_low); uniform in between.
    """

    rate_per_day: float
    min_days: int = 1
    max_days: int = 3
    aircraft_low: int = 50
    aircraft_high: int = 150

    def __post_init__(self) -> None:
        _require_finite("surge.rate_per_day", self.rate_per_day)
        if not 0 <= self.rate_per_day <= 1:
            raise ParameterError(f"surge.rate_per_day must be in [0, 1], got {self.rate_per_day!r}")
        if self.min_days < 1:
            raise ParameterError(f"surge.min_days must be >= 1, got {self.min_days!r}")
        if self.max_days < self.min_days:
            raise ParameterError(
                f"surge.max_days must be >= min_days ({self.min_days}), got {self.max_days!r}"
            )
        if self.aircraft_low < 0:
            raise ParameterError(f"surge.aircraft_low must be >= 0, got {self.aircraft_low!r}")
        if self.aircraft_high < self.aircraft_low:
            raise ParameterError(
                f"surge.aircraft_high must be >= aircraft_low ({self.aircraft_low}), "
                f"got {self.aircraft_high!r}"
            )


@dataclass(frozen=True, slots=True)
class ActivityState:
    """The state carried from the last day of one phase into the next.

    Attributes:
        aircraft: aircraft on the last day, shape ``(runs,)``.
        vessels: vessels on the last day, shape ``(runs,)``.
        surge_days_left: days still to run of a surge in progress, shape ``(runs,)``.
    """

    aircraft: IntArray
    vessels: IntArray
    surge_days_left: IntArray


@dataclass(frozen=True, slots=True)
class DailyCounts:
    """Simulated daily counts for ``runs`` replications.

    Attributes:
        aircraft: aircraft per day, int64 array of shape ``(runs, days)``.
        vessels: vessels per day, int64 array of shape ``(runs, days)``.
        surge: True on surge days, bool array of shape ``(runs, days)``.
        state: the last day's state, to pass as ``initial`` when simulating the next phase.
    """

    aircraft: IntArray
    vessels: IntArray
    surge: NDArray[np.bool_]
    state: ActivityState


def weekday_factors_array(factors: Sequence[float] | ArrayLike | None) -> NDArray[np.float64]:
    """Validate seven weekday factors (Monday first) and rescale them to mean exactly 1.

    Args:
        factors: seven positive multiplicative factors whose mean is 1 within 5% (rounded values
            from a YAML file are accepted and rescaled); None means all ones.

    Returns:
        A float array of shape ``(7,)`` with mean 1.

    Raises:
        ParameterError: wrong length, a factor not finite or not positive, or a mean far from 1.
    """
    if factors is None:
        return np.ones(7)
    array = np.asarray(factors, dtype=np.float64)
    if array.shape != (7,):
        raise ParameterError(f"weekday_factors must be 7 numbers (Monday first), got {array.shape}")
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ParameterError(f"weekday_factors must be finite and > 0, got {array.tolist()}")
    mean = float(array.mean())
    if abs(mean - 1.0) > _WEEKDAY_TOLERANCE:
        raise ParameterError(f"weekday_factors must average 1, got mean {mean:.4f}")
    return array / mean


def aircraft_stationary_variance(params: AircraftParams) -> float:
    """Stationary variance of the NB-INARCH(1) aircraft count (no weekday factors, no surges).

    ``Var = (m + m**2 / r) / (1 - alpha**2 * (1 + 1 / r))`` with ``m = omega / (1 - alpha)``.

    Args:
        params: the aircraft parameters.

    Returns:
        The variance, or ``math.inf`` when ``alpha**2 * (1 + 1/r) >= 1`` (no finite variance).
    """
    m = params.stationary_mean
    inv_r = 0.0 if math.isinf(params.size) else 1.0 / params.size
    denominator = 1.0 - params.alpha**2 * (1.0 + inv_r)
    if denominator <= 0:
        return math.inf
    return (m + m * m * inv_r) / denominator


def vessels_stationary_mean(vessels: VesselParams, aircraft_mean: float = 0.0) -> float:
    """Stationary mean vessels per day.

    ``(innovation + coupling * aircraft_mean) / (1 - persistence)``.

    Args:
        vessels: the vessel parameters.
        aircraft_mean: long-run aircraft per day feeding the coupling term.

    Returns:
        The mean number of vessels per day.
    """
    return (vessels.innovation + vessels.coupling * aircraft_mean) / (1.0 - vessels.persistence)


def _negative_binomial(
    rng: np.random.Generator, mean: NDArray[np.float64], size: float
) -> IntArray:
    # Gamma-Poisson mixture: stable for very large sizes, where NumPy's (n, p) form loses p to 1.
    if math.isinf(size):
        return rng.poisson(mean).astype(np.int64)
    return rng.poisson(rng.gamma(size, mean / size)).astype(np.int64)


def _state_array(value: ArrayLike, runs: int, name: str) -> IntArray:
    array = np.broadcast_to(np.asarray(value), (runs,))
    if not np.issubdtype(array.dtype, np.number) or np.any(array < 0):
        raise ParameterError(f"initial.{name} must be counts >= 0")
    return np.array(array, dtype=np.int64)


def simulate_daily_counts(
    rng: np.random.Generator,
    runs: int,
    days: int,
    aircraft: AircraftParams,
    vessels: VesselParams,
    *,
    weekday_factors: Sequence[float] | ArrayLike | None = None,
    surge: SurgeParams | None = None,
    start_weekday: int = 0,
    initial: ActivityState | None = None,
) -> DailyCounts:
    """Simulate daily aircraft and vessel counts for ``runs`` replications of ``days`` days.

    Called once per scenario phase: pass the previous phase's ``DailyCounts.state`` as ``initial``
    (and ``start_weekday`` advanced by the previous phase's length) to continue the series.

    Args:
        rng: the random generator.
        runs: number of replications R (>= 1).
        days: number of days (>= 0).
        aircraft: the aircraft NB-INARCH(1) parameters.
        vessels: the vessel INAR(1) parameters.
        weekday_factors: seven factors, Monday first (see ``weekday_factors_array``); None = flat.
        surge: exercise surge parameters; None for no random surges.
        start_weekday: weekday of the first day, 0 = Monday ... 6 = Sunday.
        initial: the day before the first day. None starts at the stationary means: aircraft
            yesterday = ``omega / (1 - alpha)`` (rounded) and vessels drawn from the INAR(1)
            stationary distribution, Poisson with the stationary mean; no surge in progress.
            A surge in progress in ``initial`` continues (at this phase's surge sizes) when
            ``surge`` is given and ends at once when it is None.

    Returns:
        The counts, surge-day flags and the final state.

    Raises:
        ParameterError: a non-positive number of runs, negative days, a bad weekday or factors.
    """
    if runs < 1:
        raise ParameterError(f"runs must be >= 1, got {runs!r}")
    if days < 0:
        raise ParameterError(f"days must be >= 0, got {days!r}")
    if not 0 <= start_weekday <= 6:
        raise ParameterError(f"start_weekday must be 0 (Monday) to 6 (Sunday), got {start_weekday}")
    factors = weekday_factors_array(weekday_factors)
    if initial is None:
        mean_aircraft = aircraft.stationary_mean
        previous_aircraft = np.full(runs, round(mean_aircraft), dtype=np.int64)
        previous_vessels = rng.poisson(
            vessels_stationary_mean(vessels, mean_aircraft), size=runs
        ).astype(np.int64)
        surge_left = np.zeros(runs, dtype=np.int64)
    else:
        previous_aircraft = _state_array(initial.aircraft, runs, "aircraft")
        previous_vessels = _state_array(initial.vessels, runs, "vessels")
        surge_left = _state_array(initial.surge_days_left, runs, "surge_days_left")
        if surge is None:
            # A phase without surges ends a surge carried into it: its own parameters take over.
            surge_left[:] = 0

    aircraft_out = np.empty((runs, days), dtype=np.int64)
    vessels_out = np.empty((runs, days), dtype=np.int64)
    surge_out = np.zeros((runs, days), dtype=np.bool_)
    for day in range(days):
        factor = factors[(start_weekday + day) % 7]
        intensity = (aircraft.omega + aircraft.alpha * previous_aircraft) * factor
        today = _negative_binomial(rng, intensity, aircraft.size)
        if surge is not None:
            starting = (surge_left == 0) & (rng.random(runs) < surge.rate_per_day)
            if np.any(starting):
                surge_left[starting] = rng.integers(
                    surge.min_days, surge.max_days + 1, size=int(starting.sum())
                )
            in_surge = surge_left > 0
            if np.any(in_surge):
                today[in_surge] = rng.integers(
                    surge.aircraft_low, surge.aircraft_high + 1, size=int(in_surge.sum())
                )
                surge_left[in_surge] -= 1
            surge_out[:, day] = in_surge
        arrivals_mean = vessels.innovation + vessels.coupling * today
        stayed = rng.binomial(previous_vessels, vessels.persistence)
        vessels_today = stayed + rng.poisson(arrivals_mean)
        aircraft_out[:, day] = today
        vessels_out[:, day] = vessels_today
        previous_aircraft = today
        previous_vessels = vessels_today.astype(np.int64)

    state = ActivityState(
        aircraft=previous_aircraft.copy(),
        vessels=previous_vessels.copy(),
        surge_days_left=surge_left.copy(),
    )
    return DailyCounts(aircraft=aircraft_out, vessels=vessels_out, surge=surge_out, state=state)


def _probabilities(name: str, values: Sequence[float], length: int | None = None) -> None:
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0 or (length is not None and array.size != length):
        expected = f"{length} " if length is not None else "at least one "
        raise ParameterError(f"{name} must have {expected}entries, got {array.size}")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
        raise ParameterError(f"{name} must be finite, >= 0 and not all zero")


def _mix(name: str, mix: Mapping[str, float]) -> Mapping[str, float]:
    _probabilities(name, list(mix.values()))
    total = float(sum(mix.values()))
    if abs(total - 1.0) > _MIX_TOLERANCE:
        raise ParameterError(f"{name} probabilities must sum to 1, got {total:.4f}")
    return MappingProxyType({str(key): float(value) / total for key, value in mix.items()})


@dataclass(frozen=True, slots=True)
class SortieProfile:
    """How sorties are distributed over the day, aircraft types and sectors.

    Attributes:
        hourly_weights: 24 relative rates for the hours 00-01 ... 23-24 (normalised on use).
        type_mix: aircraft type name -> probability (sums to 1); codes are the key order.
        sector_mix: sector name -> probability (sums to 1); codes are the key order.
        p_median_crossing: probability that a sortie crosses the median line.
        p_adiz_entry: probability that a sortie enters the ADIZ (>= p_median_crossing, since a
            crossing implies an entry).
    """

    hourly_weights: tuple[float, ...] = DEFAULT_HOURLY_WEIGHTS
    type_mix: Mapping[str, float] = field(default_factory=lambda: DEFAULT_TYPE_MIX)
    sector_mix: Mapping[str, float] = field(default_factory=lambda: DEFAULT_SECTOR_MIX)
    p_median_crossing: float = 0.45
    p_adiz_entry: float = 0.65

    def __post_init__(self) -> None:
        _probabilities("hourly_weights", self.hourly_weights, 24)
        object.__setattr__(self, "hourly_weights", tuple(float(w) for w in self.hourly_weights))
        object.__setattr__(self, "type_mix", _mix("type_mix", self.type_mix))
        object.__setattr__(self, "sector_mix", _mix("sector_mix", self.sector_mix))
        for name in ("p_median_crossing", "p_adiz_entry"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 1):
                raise ParameterError(f"{name} must be in [0, 1], got {value!r}")
        if self.p_adiz_entry < self.p_median_crossing:
            raise ParameterError(
                f"p_adiz_entry ({self.p_adiz_entry}) must be >= p_median_crossing "
                f"({self.p_median_crossing}): crossing the median line implies entering the ADIZ"
            )

    @property
    def type_names(self) -> tuple[str, ...]:
        """Aircraft type names; ``Sorties.aircraft_type`` holds indices into this tuple."""
        return tuple(self.type_mix)

    @property
    def sector_names(self) -> tuple[str, ...]:
        """Sector names; ``Sorties.sector`` holds indices into this tuple."""
        return tuple(self.sector_mix)


@dataclass(frozen=True, slots=True)
class Sorties:
    """One entry per sortie (aircraft), as flat parallel arrays ordered by run then day.

    Attributes:
        run: replication index.
        day: day index within the simulated period.
        minute: minute of the day, 0-1439.
        aircraft_type: index into ``SortieProfile.type_names``.
        sector: index into ``SortieProfile.sector_names``.
        crossed_median: True when the sortie crossed the median line.
        entered_adiz: True when the sortie entered the ADIZ (always True when it crossed).
    """

    run: NDArray[np.int32]
    day: NDArray[np.int32]
    minute: NDArray[np.int16]
    aircraft_type: NDArray[np.int8]
    sector: NDArray[np.int8]
    crossed_median: NDArray[np.bool_]
    entered_adiz: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.run.size)


def _alias_table(weights: Sequence[float]) -> tuple[NDArray[np.float32], NDArray[np.int16]]:
    # Vose's alias method: one uniform index and one uniform threshold per draw, no binary search
    # (searchsorted over millions of draws is the slow part of np.random.Generator.choice).
    probabilities = np.asarray(weights, dtype=np.float64)
    count = probabilities.size
    scaled = probabilities * (count / probabilities.sum())
    threshold = np.ones(count)
    alias = np.arange(count, dtype=np.int16)
    small = [i for i in range(count) if scaled[i] < 1.0]
    large = [i for i in range(count) if scaled[i] >= 1.0]
    while small and large:
        low, high = small.pop(), large.pop()
        threshold[low] = scaled[low]
        alias[low] = high
        scaled[high] -= 1.0 - scaled[low]
        (small if scaled[high] < 1.0 else large).append(high)
    # Leftovers are 1 up to rounding; a zero-weight category keeps threshold 0 and is never drawn.
    return threshold.astype(np.float32), alias


def _categorical(
    rng: np.random.Generator, weights: Sequence[float], size: int
) -> NDArray[np.int16]:
    threshold, alias = _alias_table(weights)
    index = rng.integers(0, threshold.size, size=size, dtype=np.int16)
    keep = rng.random(size, dtype=np.float32) < threshold[index]
    return np.where(keep, index, alias[index])


def sample_sorties(
    rng: np.random.Generator, counts: ArrayLike, profile: SortieProfile | None = None
) -> Sorties:
    """Sample the attributes of every sortie, given aircraft counts per run and day.

    Args:
        rng: the random generator.
        counts: aircraft per day, shape ``(runs, days)`` (a 1-D array is one run); counts >= 0.
        profile: the time-of-day, type and sector mixes and crossing probabilities; None uses the
            defaults documented in ``docs/models-activity.md``.

    Returns:
        Flat arrays with one entry per sortie, ``counts.sum()`` entries in all.

    Raises:
        ParameterError: counts that are not a 1-D or 2-D array of whole numbers >= 0.
    """
    profile = SortieProfile() if profile is None else profile
    array = np.asarray(counts)
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer) or np.any(array < 0):
        raise ParameterError("counts must be a (runs, days) array of whole numbers >= 0")
    days = max(array.shape[1], 1)
    cell = np.repeat(np.arange(array.size, dtype=np.int32), array.ravel())
    total = int(cell.size)
    # The minute of the day is drawn directly from 1440 cells, each hour's weight spread evenly.
    minute_weights = np.repeat(np.asarray(profile.hourly_weights) / 60.0, 60)
    minute = _categorical(rng, minute_weights.tolist(), total)
    aircraft_type = _categorical(rng, list(profile.type_mix.values()), total).astype(np.int8)
    sector = _categorical(rng, list(profile.sector_mix.values()), total).astype(np.int8)
    # One uniform for both flags: u < p_crossing crosses (and so enters), u < p_adiz enters, which
    # gives the two marginal rates with crossing implying entry.
    uniform = rng.random(total, dtype=np.float32)
    crossed = uniform < profile.p_median_crossing
    entered = uniform < profile.p_adiz_entry
    return Sorties(
        run=cell // days,
        day=cell % days,
        minute=minute,
        aircraft_type=aircraft_type,
        sector=sector,
        crossed_median=crossed,
        entered_adiz=entered,
    )
