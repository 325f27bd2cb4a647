"""Tests for jointex.model._detection: Koopman random search, glimpse model, sector sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex import ParameterError
from jointex.model import (
    GlimpseSensor,
    RandomSearchSensor,
    combined_detection_probability,
    glimpse_detection_probability,
    random_search_probability,
    sample_detection,
    sector_detection_probability,
)

PATROL = RandomSearchSensor(sweep_width_km=20.0, speed_kmh=300.0, area_km2=30_000.0)
RADAR = GlimpseSensor(glimpse_probability=0.1, scan_interval_minutes=2.0)


def test_random_search_matches_koopman_formula() -> None:
    """p = 1 - exp(-W v t / A) for scalar and broadcast arguments."""
    p = random_search_probability(20.0, 300.0, np.array([0.0, 1.0, 5.0]), 30_000.0)
    expected = 1.0 - np.exp(-20.0 * 300.0 * np.array([0.0, 1.0, 5.0]) / 30_000.0)
    assert p.dtype == np.float64
    assert np.allclose(p, expected, rtol=1e-12, atol=0)


def test_glimpse_counts_only_whole_scans() -> None:
    """The glimpse model uses n = floor(dwell / scan_interval) scans."""
    p = glimpse_detection_probability(0.2, np.array([1.9, 2.0, 9.9]), 2.0)
    assert np.allclose(p, [0.0, 0.2, 1.0 - 0.8**4], rtol=1e-12, atol=1e-15)


def test_combined_probability_of_independent_sensors() -> None:
    """Independent sensors combine as 1 - prod(1 - p_s) along the sensor axis."""
    p = combined_detection_probability([[0.5, 0.5], [0.1, 0.0]])
    assert np.allclose(p, [0.75, 0.1])


def test_sensor_probability_methods_use_minutes() -> None:
    """Sensor objects take dwell in minutes and agree with the closed forms."""
    assert math.isclose(
        float(PATROL.probability(90.0)), float(random_search_probability(20, 300, 1.5, 30_000))
    )
    assert math.isclose(float(RADAR.probability(7.0)), 1.0 - 0.9**3)


def test_sampled_detection_rate_matches_closed_form() -> None:
    """The detected fraction per sector equals the closed-form sector probability within 4 SE."""
    rng = np.random.default_rng(11)
    coverage = [(PATROL, RADAR), (RADAR,), ()]
    n = 60_000
    sector = rng.integers(0, 3, n)
    dwell = np.full(n, 20.0)
    sample = sample_detection(rng, coverage, sector, dwell)
    closed = sector_detection_probability(coverage, sector, dwell)
    for s in range(3):
        mask = sector == s
        p = float(closed[mask][0])
        rate = float(sample.detected[mask].mean())
        se = math.sqrt(max(p * (1 - p), 1e-12) / mask.sum())
        assert abs(rate - p) <= 4 * se + 1e-12
    assert not sample.detected[sector == 2].any()


def test_random_search_delay_is_truncated_exponential() -> None:
    """Detected delays have the mean of an exponential truncated at the dwell."""
    rng = np.random.default_rng(12)
    n = 100_000
    dwell = 60.0
    sample = sample_detection(rng, [(PATROL,)], np.zeros(n, dtype=int), dwell)
    lam = PATROL.rate_per_minute
    expected = 1 / lam - dwell * math.exp(-lam * dwell) / (1 - math.exp(-lam * dwell))
    delays = sample.delay_minutes[sample.detected]
    assert delays.max() <= dwell
    assert abs(delays.mean() - expected) <= 4 * delays.std() / math.sqrt(delays.size)
    assert np.all(np.isinf(sample.delay_minutes[~sample.detected]))


def test_glimpse_delay_is_whole_scans_within_dwell() -> None:
    """Glimpse detections happen on scan k * interval, within the dwell, with geometric mean."""
    rng = np.random.default_rng(13)
    n = 100_000
    sample = sample_detection(rng, [(RADAR,)], np.zeros(n, dtype=int), 1_000.0)
    delays = sample.delay_minutes[sample.detected]
    assert np.allclose(delays % 2.0, 0.0)
    assert delays.min() >= 2.0
    expected = 2.0 / 0.1  # untruncated in practice: P(no detection in 500 scans) ~ 1e-23
    assert abs(delays.mean() - expected) <= 4 * delays.std() / math.sqrt(delays.size)


def test_sample_detection_keeps_shape_and_dtypes() -> None:
    """A (runs, events) input gives (runs, events) bool and float64 outputs."""
    rng = np.random.default_rng(14)
    sector = rng.integers(0, 2, (5, 7))
    sample = sample_detection(rng, [(RADAR,), (PATROL,)], sector, 30.0)
    assert sample.detected.shape == (5, 7)
    assert sample.detected.dtype == np.bool_
    assert sample.delay_minutes.shape == (5, 7)
    assert sample.delay_minutes.dtype == np.float64


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: RandomSearchSensor(-1.0, 300.0, 100.0), "sweep_width_km"),
        (lambda: RandomSearchSensor(1.0, 300.0, 0.0), "area_km2"),
        (lambda: GlimpseSensor(1.5, 2.0), "glimpse_probability"),
        (lambda: GlimpseSensor(0.5, 0.0), "scan_interval_minutes"),
        (lambda: random_search_probability(1.0, -3.0, 1.0, 10.0), "speed_kmh"),
        (lambda: glimpse_detection_probability(0.5, -1.0, 2.0), "dwell"),
        (lambda: combined_detection_probability([0.2, 1.2]), "probabilities"),
    ],
)
def test_impossible_parameters_raise_naming_the_field(build: object, field: str) -> None:
    """Impossible sensor parameters raise ParameterError naming the field."""
    with pytest.raises(ParameterError, match=field):
        build()  # type: ignore[operator]


def test_sector_without_coverage_entry_is_rejected() -> None:
    """A sortie in a sector with no coverage entry raises ParameterError."""
    with pytest.raises(ParameterError, match="sector"):
        sample_detection(np.random.default_rng(0), [(RADAR,)], np.array([0, 1]), 10.0)
