"""Surveillance and reconnaissance: sensor coverage, detection probability and detection delay.

Two classical sensor models, in closed form and as samplers:

* Koopman's random search (Koopman 1946; Washburn, *Search and Detection*): a searcher with
  sweep width W (km) moving at v (km/h) over an area A (km^2) for t hours detects a target in
  the area with probability ``1 - exp(-W v t / A)``; the time to first detection is exponential
  with rate ``W v / A`` per hour.
* The glimpse (scan) model: a radar that paints the target once per scan interval with an
  independent probability g per glimpse detects it within n = floor(dwell / scan_interval)
  scans with probability ``1 - (1 - g)**n``; the number of scans to first detection is geometric.

Sensors covering a sector look independently, so the sector's detection probability is
``1 - prod(1 - p_s)`` and the first detection is the earliest of the sensors' first detections.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointex._errors import ParameterError

__all__ = [
    "DetectionSample",
    "GlimpseSensor",
    "RandomSearchSensor",
    "Sensor",
    "combined_detection_probability",
    "glimpse_detection_probability",
    "random_search_probability",
    "sample_detection",
    "sector_detection_probability",
]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ParameterError(message)


def _non_negative_array(name: str, value: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(value, dtype=np.float64)
    _require(bool(np.all(array >= 0)), f"{name} must be >= 0 (and not NaN)")
    return array


def random_search_probability(
    sweep_width_km: ArrayLike, speed_kmh: ArrayLike, time_hours: ArrayLike, area_km2: ArrayLike
) -> NDArray[np.float64]:
    """Koopman's random-search detection probability ``1 - exp(-W v t / A)``.

    Args:
        sweep_width_km: effective sweep width W in km (>= 0).
        speed_kmh: searcher speed v in km/h (>= 0).
        time_hours: search time t in hours (>= 0).
        area_km2: area searched A in km^2 (> 0).

    Returns:
        The detection probability, broadcast over the arguments.

    Raises:
        ParameterError: if any argument is negative, or the area is not positive.
    """
    width = _non_negative_array("sweep_width_km", sweep_width_km)
    speed = _non_negative_array("speed_kmh", speed_kmh)
    time = _non_negative_array("time_hours", time_hours)
    area = np.asarray(area_km2, dtype=np.float64)
    _require(bool(np.all(area > 0)), "area_km2 must be > 0")
    return np.asarray(-np.expm1(-width * speed * time / area), dtype=np.float64)


def glimpse_detection_probability(
    glimpse_probability: ArrayLike, dwell: ArrayLike, scan_interval: ArrayLike
) -> NDArray[np.float64]:
    """Glimpse-model detection probability ``1 - (1 - g)**floor(dwell / scan_interval)``.

    Args:
        glimpse_probability: probability g of detection on one scan, in [0, 1].
        dwell: time the target is in coverage (same unit as ``scan_interval``, >= 0).
        scan_interval: time between scans (> 0).

    Returns:
        The detection probability, broadcast over the arguments.

    Raises:
        ParameterError: if g is outside [0, 1], the dwell is negative or the interval not positive.
    """
    g = np.asarray(glimpse_probability, dtype=np.float64)
    _require(bool(np.all((g >= 0) & (g <= 1))), "glimpse_probability must be in [0, 1]")
    dwell_array = _non_negative_array("dwell", dwell)
    interval = np.asarray(scan_interval, dtype=np.float64)
    _require(bool(np.all(interval > 0)), "scan_interval must be > 0")
    scans = np.floor(dwell_array / interval)
    return np.asarray(-np.expm1(scans * np.log1p(-g)), dtype=np.float64)


def combined_detection_probability(probabilities: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Probability that at least one of several independent sensors detects: ``1 - prod(1 - p)``.

    Args:
        probabilities: per-sensor detection probabilities in [0, 1].
        axis: the axis that runs over sensors.

    Returns:
        The combined probability with ``axis`` removed.

    Raises:
        ParameterError: if a probability is outside [0, 1].
    """
    p = np.asarray(probabilities, dtype=np.float64)
    _require(bool(np.all((p >= 0) & (p <= 1))), "probabilities must be in [0, 1]")
    return np.asarray(1.0 - np.prod(1.0 - p, axis=axis), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class RandomSearchSensor:
    """A searcher (patrol aircraft, ship, UAV orbit) covering a sector by random search.

    Attributes:
        sweep_width_km: effective sweep width W against the target type, km (>= 0).
        speed_kmh: search speed v, km/h (>= 0).
        area_km2: area of the sector searched, km^2 (> 0).
        name: label for reports.
    """

    sweep_width_km: float
    speed_kmh: float
    area_km2: float
    name: str = ""

    def __post_init__(self) -> None:
        for field in ("sweep_width_km", "speed_kmh"):
            value = getattr(self, field)
            _require(
                math.isfinite(value) and value >= 0,
                f"RandomSearchSensor.{field} must be a finite number >= 0, got {value!r}",
            )
        _require(
            math.isfinite(self.area_km2) and self.area_km2 > 0,
            f"RandomSearchSensor.area_km2 must be a finite number > 0, got {self.area_km2!r}",
        )

    @property
    def rate_per_minute(self) -> float:
        """Detection rate ``W v / A`` per minute (the exponential first-detection rate)."""
        return self.sweep_width_km * self.speed_kmh / self.area_km2 / 60.0

    def probability(self, dwell_minutes: ArrayLike) -> NDArray[np.float64]:
        """Probability of detecting a target that stays ``dwell_minutes`` in the sector.

        Args:
            dwell_minutes: time in coverage, minutes.

        Returns:
            ``1 - exp(-W v t / A)`` with t the dwell in hours.
        """
        return random_search_probability(
            self.sweep_width_km,
            self.speed_kmh,
            np.asarray(dwell_minutes, dtype=np.float64) / 60.0,
            self.area_km2,
        )

    def first_detection(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Sample untruncated times to first detection, minutes (exponential, +inf if rate 0).

        Args:
            rng: the random stream.
            size: number of targets.

        Returns:
            A float64 array of length ``size``.
        """
        rate = self.rate_per_minute
        if rate == 0:
            return np.full(size, np.inf)
        return rng.exponential(1.0 / rate, size)


@dataclass(frozen=True, slots=True)
class GlimpseSensor:
    """A scanning sensor (radar) that glimpses the target once per scan.

    Attributes:
        glimpse_probability: detection probability g on one scan, in [0, 1].
        scan_interval_minutes: time between scans, minutes (> 0).
        name: label for reports.
    """

    glimpse_probability: float
    scan_interval_minutes: float
    name: str = ""

    def __post_init__(self) -> None:
        _require(
            0.0 <= self.glimpse_probability <= 1.0,
            "GlimpseSensor.glimpse_probability must be in [0, 1], "
            f"got {self.glimpse_probability!r}",
        )
        _require(
            math.isfinite(self.scan_interval_minutes) and self.scan_interval_minutes > 0,
            "GlimpseSensor.scan_interval_minutes must be a finite number > 0, "
            f"got {self.scan_interval_minutes!r}",
        )

    def probability(self, dwell_minutes: ArrayLike) -> NDArray[np.float64]:
        """Probability of detecting a target that stays ``dwell_minutes`` in coverage.

        Args:
            dwell_minutes: time in coverage, minutes.

        Returns:
            ``1 - (1 - g)**floor(dwell / scan_interval)``.
        """
        return glimpse_detection_probability(
            self.glimpse_probability, dwell_minutes, self.scan_interval_minutes
        )

    def first_detection(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """Sample untruncated times to first detection, minutes: a geometric number of scans.

        The k-th scan happens ``k * scan_interval`` after the target enters coverage.

        Args:
            rng: the random stream.
            size: number of targets.

        Returns:
            A float64 array of length ``size`` (+inf where g = 0).
        """
        if self.glimpse_probability == 0:
            return np.full(size, np.inf)
        scans = rng.geometric(self.glimpse_probability, size)
        return scans.astype(np.float64) * self.scan_interval_minutes


Sensor = RandomSearchSensor | GlimpseSensor
"""Any sensor model: each has ``probability(dwell_minutes)`` and ``first_detection(rng, size)``."""


@dataclass(frozen=True, slots=True, eq=False)
class DetectionSample:
    """Sampled detections of N sorties.

    Attributes:
        detected: bool, shape (N,): detected before leaving coverage.
        delay_minutes: float64, shape (N,): time from entering coverage to first detection;
            +inf where not detected.
    """

    detected: NDArray[np.bool_]
    delay_minutes: NDArray[np.float64]


def _sector_array(sector: ArrayLike, sectors: int) -> NDArray[np.intp]:
    array = np.asarray(sector)
    _require(np.issubdtype(array.dtype, np.integer), "sector must be an integer array")
    if array.size:
        _require(
            int(array.min()) >= 0 and int(array.max()) < sectors,
            f"sector indices must be in [0, {sectors}) (one entry of coverage per sector)",
        )
    return array.astype(np.intp, copy=False)


def sector_detection_probability(
    coverage: Sequence[Sequence[Sensor]], sector: ArrayLike, dwell_minutes: ArrayLike
) -> NDArray[np.float64]:
    """Closed-form probability that each sortie is detected by its sector's sensors.

    Args:
        coverage: ``coverage[s]`` lists the sensors covering sector s (may be empty).
        sector: integer sector index per sortie, shape (N,).
        dwell_minutes: time each sortie stays in coverage, minutes, shape (N,) or scalar.

    Returns:
        ``1 - prod_s (1 - p_s(dwell))`` over the sortie's sector's sensors, shape (N,).

    Raises:
        ParameterError: if a sector index has no entry in ``coverage`` or a dwell is negative.
    """
    sectors = _sector_array(sector, len(coverage))
    dwell = np.broadcast_to(_non_negative_array("dwell_minutes", dwell_minutes), sectors.shape)
    miss = np.ones(sectors.shape, dtype=np.float64)
    for index, sensors in enumerate(coverage):
        mask = sectors == index
        if not sensors or not mask.any():
            continue
        for sensor in sensors:
            miss[mask] *= 1.0 - sensor.probability(dwell[mask])
    return 1.0 - miss


def sample_detection(
    rng: np.random.Generator,
    coverage: Sequence[Sequence[Sensor]],
    sector: ArrayLike,
    dwell_minutes: ArrayLike,
) -> DetectionSample:
    """Sample whether and when each sortie is first detected by its sector's sensors.

    Each sensor's first-detection time is drawn independently (exponential for random search,
    geometric number of scans for a glimpse sensor); the sortie's first detection is the
    earliest, and it counts only if it falls within the dwell. Vectorised over all sorties; the
    Python loop runs over sectors and their sensors only. Sorties of many replications can be
    passed as one flat array.

    Args:
        rng: the random stream.
        coverage: ``coverage[s]`` lists the sensors covering sector s (may be empty).
        sector: integer sector index per sortie, shape (N,).
        dwell_minutes: time each sortie stays in coverage, minutes, shape (N,) or scalar.

    Returns:
        The detected flags and delays; P(detected) equals `sector_detection_probability`.

    Raises:
        ParameterError: if a sector index has no entry in ``coverage`` or a dwell is negative.
    """
    sectors = _sector_array(sector, len(coverage)).reshape(-1)
    dwell = np.broadcast_to(
        _non_negative_array("dwell_minutes", dwell_minutes), np.shape(sector)
    ).reshape(-1)
    first = np.full(sectors.shape, np.inf)
    for index, sensors in enumerate(coverage):
        if not sensors:
            continue
        where = np.flatnonzero(sectors == index)
        if where.size == 0:
            continue
        earliest = np.full(where.size, np.inf)
        for sensor in sensors:
            np.minimum(earliest, sensor.first_detection(rng, where.size), out=earliest)
        first[where] = earliest
    detected = first <= dwell
    delay = np.where(detected, first, np.inf)
    shape = np.shape(sector)
    return DetectionSample(detected=detected.reshape(shape), delay_minutes=delay.reshape(shape))
