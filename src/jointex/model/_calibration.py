"""Fitting the adversary activity model to a daily-count series, and checking the fit.

Owns ``fit_activity`` (maximum likelihood for the aircraft NB-INARCH(1) with weekday factors, the
vessel INAR(1) with aircraft coupling, and a threshold-based surge component) and ``check_fit``
(simulates series like the observed one from the fitted model and compares summary statistics).
The series may have missing days: lag terms use only consecutive-day pairs. Pure: arrays in,
values out; reading files is the CLI's job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from jointex._errors import ParameterError
from jointex.model._activity import (
    AircraftParams,
    SurgeParams,
    VesselParams,
    simulate_daily_counts,
)

__all__ = [
    "DEFAULT_SURGE_THRESHOLD",
    "ActivityFit",
    "ActivitySeries",
    "CheckStat",
    "activity_statistics",
    "check_fit",
    "fit_activity",
]

DEFAULT_SURGE_THRESHOLD = 50
"""Aircraft per day at or above which a day counts as an exercise surge day."""

_BURN_IN_DAYS = 28
_LARGE_COUNT_THRESHOLD = 30


@dataclass(frozen=True, slots=True)
class ActivitySeries:
    """An observed daily series; days may be missing but dates strictly increase.

    Attributes:
        dates: report days, ``datetime64[D]``.
        aircraft: aircraft per day, int64, >= 0.
        vessels: vessels per day, int64, >= 0.
    """

    dates: NDArray[np.datetime64]
    aircraft: NDArray[np.int64]
    vessels: NDArray[np.int64]

    @classmethod
    def from_arrays(
        cls,
        dates: Sequence[object] | ArrayLike,
        aircraft: ArrayLike,
        vessels: ArrayLike,
    ) -> ActivitySeries:
        """Validate and convert dates (``datetime.date``, ISO strings or datetime64) and counts.

        Args:
            dates: one date per row, strictly increasing.
            aircraft: aircraft per day, whole numbers >= 0.
            vessels: vessels per day, whole numbers >= 0.

        Returns:
            The series.

        Raises:
            ParameterError: unequal lengths, fewer than 3 days, unparseable or unordered dates,
                counts that are not whole numbers >= 0.
        """
        try:
            day = np.asarray(dates, dtype="datetime64[D]")
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"dates are not all calendar dates: {exc}") from exc
        counts = {}
        for name, values in (("aircraft", aircraft), ("vessels", vessels)):
            array = np.asarray(values)
            if array.ndim != 1 or array.size != day.size:
                raise ParameterError(
                    f"{name} must be one count per date ({day.size}), got shape {array.shape}"
                )
            if not np.issubdtype(array.dtype, np.number) or np.any(array != np.round(array)):
                raise ParameterError(f"{name} counts must be whole numbers")
            if np.any(array < 0):
                raise ParameterError(f"{name} counts must be >= 0")
            counts[name] = array.astype(np.int64)
        if day.ndim != 1 or day.size < 3:
            raise ParameterError(f"need at least 3 days of data, got {day.size}")
        if np.any(np.isnat(day)) or np.any(np.diff(day).astype(np.int64) <= 0):
            raise ParameterError("dates must be valid and strictly increasing (no duplicates)")
        return cls(dates=day, aircraft=counts["aircraft"], vessels=counts["vessels"])

    @property
    def day_index(self) -> NDArray[np.int64]:
        """Days since the first date (0 for the first row)."""
        days: NDArray[np.int64] = (self.dates - self.dates[0]).astype(np.int64)
        return days

    @property
    def consecutive(self) -> NDArray[np.bool_]:
        """For each row after the first: True when the previous row is the day before."""
        steps: NDArray[np.bool_] = np.diff(self.day_index) == 1
        return steps

    @property
    def weekdays(self) -> NDArray[np.int64]:
        """Weekday of each row, 0 = Monday ... 6 = Sunday."""
        # 1970-01-01 (day 0 of datetime64[D]) was a Thursday.
        return (self.dates.astype(np.int64) + 3) % 7


@dataclass(frozen=True, slots=True)
class ActivityFit:
    """The fitted activity model and what it was fitted on.

    Attributes:
        aircraft: NB-INARCH(1) parameters (maximum likelihood on non-surge days).
        vessels: INAR(1) parameters with aircraft coupling (maximum likelihood).
        weekday_factors: seven aircraft factors, Monday first, mean 1.
        surge: the surge component, or None when the fit had no surge threshold or no surges.
        surge_threshold: aircraft per day at or above which a day was treated as a surge day.
        days: rows in the series.
        pairs: consecutive-day pairs used by the lag terms.
        surge_days: rows at or above the threshold.
        aircraft_loglik: maximised log-likelihood of the aircraft model (non-surge days).
        vessels_loglik: maximised log-likelihood of the vessel model.
    """

    aircraft: AircraftParams
    vessels: VesselParams
    weekday_factors: tuple[float, ...]
    surge: SurgeParams | None
    surge_threshold: int | None
    days: int
    pairs: int
    surge_days: int
    aircraft_loglik: float
    vessels_loglik: float


@dataclass(frozen=True, slots=True)
class CheckStat:
    """One statistic of the observed series against the distribution over simulated series.

    Attributes:
        observed: the statistic on the observed series.
        p05: 5th percentile over simulated series.
        p50: median over simulated series.
        p95: 95th percentile over simulated series.
    """

    observed: float
    p05: float
    p50: float
    p95: float

    @property
    def passed(self) -> bool:
        """True when the observed value lies in the simulated 5%-95% band."""
        return self.p05 <= self.observed <= self.p95


def _nb_logpmf(
    y: NDArray[np.float64], mean: NDArray[np.float64], size: float
) -> NDArray[np.float64]:
    log_p_success = np.log(size) - np.log(size + mean)
    log_p_event = np.log(mean) - np.log(size + mean)
    result: NDArray[np.float64] = (
        special.gammaln(y + size)
        - special.gammaln(size)
        - special.gammaln(y + 1.0)
        + size * log_p_success
        + y * log_p_event
    )
    return result


def _weekday_factors(raw: NDArray[np.float64]) -> NDArray[np.float64]:
    factors = np.exp(np.concatenate(([0.0], raw)))
    normalised: NDArray[np.float64] = factors / factors.mean()
    return normalised


def _fit_aircraft(
    previous: NDArray[np.float64],
    current: NDArray[np.float64],
    weekday: NDArray[np.int64],
) -> tuple[AircraftParams, NDArray[np.float64], float]:
    mean = float(current.mean())
    variance = float(current.var())
    acf = float(np.corrcoef(previous, current)[0, 1]) if current.size > 2 else 0.0
    alpha0 = min(max(acf, 0.05), 0.8) if math.isfinite(acf) else 0.2
    size0 = mean**2 / (variance - mean) if variance > mean * 1.05 else 20.0
    start = np.concatenate(
        (
            [math.log(max(mean, 0.1) * (1 - alpha0)), math.log(alpha0 / (1 - alpha0))],
            [math.log(size0)],
            np.zeros(6),
        )
    )

    def negative_loglik(theta: NDArray[np.float64]) -> float:
        omega, alpha, size = math.exp(theta[0]), special.expit(theta[1]), math.exp(theta[2])
        factors = _weekday_factors(theta[3:])
        intensity = (omega + alpha * previous) * factors[weekday]
        return -float(_nb_logpmf(current, intensity, size).sum())

    # Log/logit parameters keep omega, size > 0 and alpha in (0, 1) without bounds.
    result = optimize.minimize(negative_loglik, start, method="BFGS")
    theta = result.x
    params = AircraftParams(
        omega=math.exp(theta[0]), alpha=float(special.expit(theta[1])), size=math.exp(theta[2])
    )
    return params, _weekday_factors(theta[3:]), -float(result.fun)


def _inar_logpmf(
    previous: NDArray[np.int64],
    current: NDArray[np.int64],
    persistence: float,
    arrivals: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Exact log P(v_t | v_{t-1}): a binomial (survivors) convolved with a Poisson (arrivals)."""
    survivors = np.arange(int(max(previous.max(), current.max())) + 1)[np.newaxis, :]
    n = previous[:, np.newaxis]
    x = current[:, np.newaxis]
    feasible = (survivors <= n) & (survivors <= x)
    k = np.minimum(survivors, n)
    arrivals_count = np.maximum(x - survivors, 0)
    log_binomial = (
        special.gammaln(n + 1.0)
        - special.gammaln(k + 1.0)
        - special.gammaln(n - k + 1.0)
        + special.xlogy(k, persistence)
        + special.xlog1py(n - k, -persistence)
    )
    rate = arrivals[:, np.newaxis]
    log_poisson = special.xlogy(arrivals_count, rate) - rate - special.gammaln(arrivals_count + 1.0)
    terms = np.where(feasible, log_binomial + log_poisson, -np.inf)
    result: NDArray[np.float64] = special.logsumexp(terms, axis=1)
    return result


def _fit_vessels(
    previous: NDArray[np.int64],
    current: NDArray[np.int64],
    aircraft_today: NDArray[np.float64],
) -> tuple[VesselParams, float]:
    mean = float(current.mean())
    persistence0 = 0.5
    start = np.array([max(mean * (1 - persistence0), 0.1), persistence0, 0.01])

    def negative_loglik(theta: NDArray[np.float64]) -> float:
        innovation, persistence, coupling = theta
        arrivals = innovation + coupling * aircraft_today
        return -float(_inar_logpmf(previous, current, persistence, arrivals).sum())

    bounds = [(1e-6, None), (0.0, 1.0 - 1e-6), (0.0, None)]
    result = optimize.minimize(negative_loglik, start, method="L-BFGS-B", bounds=bounds)
    innovation, persistence, coupling = (float(value) for value in result.x)
    return VesselParams(innovation, persistence, coupling), -float(result.fun)


def _fit_surge(series: ActivitySeries, threshold: int) -> tuple[SurgeParams | None, int]:
    surge_day = series.aircraft >= threshold
    count = int(surge_day.sum())
    if count == 0:
        return None, 0
    # An episode is a run of surge days on consecutive calendar days.
    starts = surge_day.copy()
    starts[1:] &= ~(surge_day[:-1] & series.consecutive)
    episodes = int(starts.sum())
    mean_length = count / episodes
    surge_sizes = series.aircraft[surge_day]
    # Uniform lengths 1..max_days and sizes threshold..high matched to the observed means, so
    # that surges add as many aircraft-days as the data shows.
    max_days = max(1, round(2 * mean_length - 1))
    high = max(threshold, round(2 * float(surge_sizes.mean()) - threshold))
    rate = episodes / max(int((~surge_day).sum()), 1)
    return (
        SurgeParams(
            rate_per_day=rate,
            min_days=1,
            max_days=max_days,
            aircraft_low=threshold,
            aircraft_high=high,
        ),
        count,
    )


def fit_activity(
    dates: Sequence[object] | ArrayLike,
    aircraft: ArrayLike,
    vessels: ArrayLike,
    surge_threshold: int | None = DEFAULT_SURGE_THRESHOLD,
) -> ActivityFit:
    """Fit the activity model to a daily series by maximum likelihood.

    Args:
        dates: report day of each row (``datetime.date``, ISO strings or datetime64), increasing;
            missing days are allowed.
        aircraft: aircraft per day.
        vessels: vessels per day.
        surge_threshold: days with at least this many aircraft are surge days, fitted by the surge
            component and left out of the NB-INARCH likelihood; None lets the negative binomial
            tail carry them.

    Returns:
        The fitted parameters.

    Raises:
        ParameterError: bad input (see ``ActivitySeries.from_arrays``), too few consecutive days,
            or a non-positive surge threshold.
    """
    series = ActivitySeries.from_arrays(dates, aircraft, vessels)
    if surge_threshold is not None and surge_threshold < 1:
        raise ParameterError(f"surge_threshold must be >= 1, got {surge_threshold}")
    consecutive = series.consecutive
    pairs = int(consecutive.sum())
    if pairs < 10:
        raise ParameterError(f"need at least 10 pairs of consecutive days, got {pairs}")
    previous_aircraft = series.aircraft[:-1][consecutive].astype(np.float64)
    current_aircraft = series.aircraft[1:][consecutive].astype(np.float64)
    weekday = series.weekdays[1:][consecutive]

    surge: SurgeParams | None = None
    surge_days = 0
    ordinary = np.ones(pairs, dtype=np.bool_)
    if surge_threshold is not None:
        surge, surge_days = _fit_surge(series, surge_threshold)
        ordinary = current_aircraft < surge_threshold
    aircraft_params, factors, aircraft_loglik = _fit_aircraft(
        previous_aircraft[ordinary], current_aircraft[ordinary], weekday[ordinary]
    )
    vessel_params, vessels_loglik = _fit_vessels(
        series.vessels[:-1][consecutive], series.vessels[1:][consecutive], current_aircraft
    )
    return ActivityFit(
        aircraft=aircraft_params,
        vessels=vessel_params,
        weekday_factors=tuple(float(f) for f in factors),
        surge=surge,
        surge_threshold=surge_threshold if surge is not None else None,
        days=int(series.aircraft.size),
        pairs=pairs,
        surge_days=surge_days,
        aircraft_loglik=aircraft_loglik,
        vessels_loglik=vessels_loglik,
    )


def _lag1_acf(values: NDArray[np.float64], consecutive: NDArray[np.bool_]) -> NDArray[np.float64]:
    centred = values - values.mean(axis=-1, keepdims=True)
    variance = (centred**2).mean(axis=-1)
    products = (centred[..., :-1] * centred[..., 1:])[..., consecutive]
    with np.errstate(invalid="ignore", divide="ignore"):
        result: NDArray[np.float64] = products.mean(axis=-1) / variance
    return result


def activity_statistics(
    aircraft: NDArray[np.int64], vessels: NDArray[np.int64], consecutive: NDArray[np.bool_]
) -> dict[str, NDArray[np.float64]]:
    """The statistics ``check_fit`` compares, for one series or a stack of series.

    Args:
        aircraft: aircraft per day, shape ``(days,)`` or ``(series, days)``.
        vessels: vessels per day, the same shape.
        consecutive: shape ``(days - 1,)``; True where a row follows the previous one by one day
            (only those pairs enter the lag-1 autocorrelations).

    Returns:
        Statistic name -> value(s): ``aircraft_mean``, ``aircraft_vmr`` (variance-to-mean ratio),
        ``aircraft_acf1``, ``aircraft_p95``, ``aircraft_days_ge_30``, ``vessels_mean``,
        ``vessels_vmr``, ``vessels_acf1``, ``aircraft_vessels_corr``.
    """
    a = aircraft.astype(np.float64)
    v = vessels.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        a_mean, v_mean = a.mean(axis=-1), v.mean(axis=-1)
        a_var, v_var = a.var(axis=-1), v.var(axis=-1)
        covariance = ((a - a_mean[..., None]) * (v - v_mean[..., None])).mean(axis=-1)
        return {
            "aircraft_mean": a_mean,
            "aircraft_vmr": a_var / a_mean,
            "aircraft_acf1": _lag1_acf(a, consecutive),
            "aircraft_p95": np.percentile(a, 95, axis=-1),
            "aircraft_days_ge_30": (a >= _LARGE_COUNT_THRESHOLD).sum(axis=-1).astype(np.float64),
            "vessels_mean": v_mean,
            "vessels_vmr": v_var / v_mean,
            "vessels_acf1": _lag1_acf(v, consecutive),
            "aircraft_vessels_corr": covariance / np.sqrt(a_var * v_var),
        }


def check_fit(
    fit: ActivityFit,
    observed: ActivitySeries,
    rng: np.random.Generator,
    n_series: int = 1000,
) -> dict[str, CheckStat]:
    """Compare the observed series with ``n_series`` series simulated from the fitted model.

    Each simulated series covers the observed calendar span (after a 28-day burn-in from the
    stationary start) starting on the same weekday, and keeps only the observed dates, so missing
    days affect observed and simulated statistics alike.

    Args:
        fit: the fitted model.
        observed: the series it was fitted on (or any other series to check against).
        rng: the random generator.
        n_series: number of simulated series (>= 20).

    Returns:
        Statistic name (see ``activity_statistics``) -> observed value and simulated 5%, 50%
        and 95% percentiles.

    Raises:
        ParameterError: fewer than 20 series.
    """
    if n_series < 20:
        raise ParameterError(f"n_series must be >= 20, got {n_series}")
    day_index = observed.day_index
    span = int(day_index[-1]) + 1
    start_weekday = (int(observed.weekdays[0]) - _BURN_IN_DAYS) % 7
    simulated = simulate_daily_counts(
        rng,
        n_series,
        span + _BURN_IN_DAYS,
        fit.aircraft,
        fit.vessels,
        weekday_factors=fit.weekday_factors,
        surge=fit.surge,
        start_weekday=start_weekday,
    )
    columns = day_index + _BURN_IN_DAYS
    consecutive = observed.consecutive
    simulated_stats = activity_statistics(
        simulated.aircraft[:, columns], simulated.vessels[:, columns], consecutive
    )
    observed_stats = activity_statistics(observed.aircraft, observed.vessels, consecutive)
    result: dict[str, CheckStat] = {}
    for name, values in simulated_stats.items():
        p05, p50, p95 = np.nanpercentile(values, [5, 50, 95])
        result[name] = CheckStat(
            observed=float(observed_stats[name]), p05=float(p05), p50=float(p50), p95=float(p95)
        )
    return result
