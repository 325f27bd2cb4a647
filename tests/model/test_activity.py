"""Tests for the adversary activity model: daily counts, surges and sortie attributes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex._errors import ParameterError
from jointex.model._activity import (
    ActivityState,
    AircraftParams,
    SortieProfile,
    SurgeParams,
    VesselParams,
    aircraft_stationary_variance,
    sample_sorties,
    simulate_daily_counts,
    vessels_stationary_mean,
    weekday_factors_array,
)

NO_VESSELS = VesselParams(innovation=1.0, persistence=0.5)


def _lag1_acf(series: np.ndarray) -> float:
    centred = series - series.mean()
    return float((centred[:, :-1] * centred[:, 1:]).mean() / (centred**2).mean())


def test_aircraft_stationary_moments_match_closed_forms() -> None:
    """NB-INARCH(1) counts match the closed-form mean, variance and lag-1 ACF (= alpha)."""
    params = AircraftParams(omega=8.0, alpha=0.3, size=2.0)
    counts = simulate_daily_counts(np.random.default_rng(1), 400, 500, params, NO_VESSELS)
    series = counts.aircraft[:, 50:].astype(float)
    assert series.mean() == pytest.approx(params.stationary_mean, rel=0.02)
    assert series.var() == pytest.approx(aircraft_stationary_variance(params), rel=0.05)
    assert _lag1_acf(series) == pytest.approx(params.alpha, abs=0.02)


def test_vessels_inar_moments_match_closed_forms() -> None:
    """Uncoupled INAR(1) vessels have mean innovation/(1-p), variance = mean, lag-1 ACF = p."""
    vessels = VesselParams(innovation=2.4, persistence=0.6)
    aircraft = AircraftParams(omega=10.0, alpha=0.2, size=1.5)
    counts = simulate_daily_counts(np.random.default_rng(2), 400, 500, aircraft, vessels)
    series = counts.vessels.astype(float)
    mean = vessels_stationary_mean(vessels)
    assert mean == pytest.approx(6.0)
    assert series.mean() == pytest.approx(mean, rel=0.02)
    assert series.var() == pytest.approx(mean, rel=0.04)
    assert _lag1_acf(series) == pytest.approx(0.6, abs=0.02)


def test_vessel_coupling_raises_mean_and_correlates_with_aircraft() -> None:
    """Coupling adds coupling*E[aircraft]/(1-p) vessels and makes the two series correlate."""
    vessels = VesselParams(innovation=1.5, persistence=0.6, coupling=0.06)
    aircraft = AircraftParams(omega=9.0, alpha=0.25, size=2.0)
    counts = simulate_daily_counts(np.random.default_rng(3), 400, 300, aircraft, vessels)
    expected = vessels_stationary_mean(vessels, aircraft.stationary_mean)
    assert counts.vessels.mean() == pytest.approx(expected, rel=0.03)
    correlation = np.corrcoef(counts.aircraft.ravel(), counts.vessels.ravel())[0, 1]
    assert 0.2 < correlation < 0.5


def test_weekday_factors_scale_each_weekday() -> None:
    """With no self-excitation the mean count on each weekday is omega times its factor."""
    factors = [1.1, 1.2, 1.2, 1.1, 1.0, 0.6, 0.8]
    params = AircraftParams(omega=20.0, alpha=0.0, size=5.0)
    counts = simulate_daily_counts(
        np.random.default_rng(4),
        200,
        700,
        params,
        NO_VESSELS,
        weekday_factors=factors,
        start_weekday=2,
    )
    by_weekday = [counts.aircraft[:, (k - 2) % 7 :: 7].mean() for k in range(7)]
    assert np.allclose(by_weekday, 20.0 * np.asarray(factors), rtol=0.02)


def test_weekday_factors_are_rescaled_to_mean_one() -> None:
    """Rounded factors whose mean is near 1 are rescaled to mean exactly 1."""
    factors = weekday_factors_array([1.0, 1.1, 1.1, 1.0, 1.0, 0.8, 0.99])
    assert factors.mean() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ([1.0] * 6, "7 numbers"),
        ([1.0] * 6 + [-1.0], "> 0"),
        ([2.0] * 7, "average 1"),
        ([1.0] * 6 + [math.nan], "finite"),
    ],
)
def test_weekday_factors_validation(factors: list[float], message: str) -> None:
    """Wrong length, non-positive, non-finite or badly scaled weekday factors are rejected."""
    with pytest.raises(ParameterError, match=message):
        weekday_factors_array(factors)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: AircraftParams(omega=0.0, alpha=0.2, size=1.0), "aircraft.omega"),
        (lambda: AircraftParams(omega=5.0, alpha=1.0, size=1.0), "aircraft.alpha"),
        (lambda: AircraftParams(omega=5.0, alpha=-0.1, size=1.0), "aircraft.alpha"),
        (lambda: AircraftParams(omega=5.0, alpha=0.2, size=0.0), "aircraft.size"),
        (lambda: AircraftParams(omega=math.inf, alpha=0.2, size=1.0), "aircraft.omega"),
        (lambda: VesselParams(innovation=-1.0, persistence=0.5), "vessels.innovation"),
        (lambda: VesselParams(innovation=1.0, persistence=1.0), "vessels.persistence"),
        (lambda: VesselParams(innovation=1.0, persistence=0.5, coupling=-0.1), "vessels.coupling"),
        (lambda: SurgeParams(rate_per_day=1.5), "surge.rate_per_day"),
        (lambda: SurgeParams(rate_per_day=0.1, min_days=0), "surge.min_days"),
        (lambda: SurgeParams(rate_per_day=0.1, min_days=3, max_days=2), "surge.max_days"),
        (lambda: SurgeParams(rate_per_day=0.1, aircraft_low=-1), "surge.aircraft_low"),
        (lambda: SurgeParams(rate_per_day=0.1, aircraft_high=10), "surge.aircraft_high"),
    ],
)
def test_parameter_validation_names_the_parameter(build: object, name: str) -> None:
    """Impossible model parameters raise ParameterError naming the parameter."""
    assert callable(build)
    with pytest.raises(ParameterError, match=name.replace(".", r"\.")):
        build()


def test_simulate_rejects_bad_runs_days_and_weekday() -> None:
    """Zero runs, negative days and a weekday outside 0-6 are rejected."""
    rng = np.random.default_rng(0)
    params = AircraftParams(omega=5.0, alpha=0.2, size=1.0)
    with pytest.raises(ParameterError, match="runs"):
        simulate_daily_counts(rng, 0, 10, params, NO_VESSELS)
    with pytest.raises(ParameterError, match="days"):
        simulate_daily_counts(rng, 1, -1, params, NO_VESSELS)
    with pytest.raises(ParameterError, match="start_weekday"):
        simulate_daily_counts(rng, 1, 10, params, NO_VESSELS, start_weekday=7)


def test_surges_have_the_configured_sizes_lengths_and_rate() -> None:
    """Surge days have uniform counts in [low, high], last 1-3 days and start at the given rate."""
    surge = SurgeParams(
        rate_per_day=0.02, min_days=1, max_days=3, aircraft_low=50, aircraft_high=150
    )
    params = AircraftParams(omega=8.0, alpha=0.2, size=2.0)
    counts = simulate_daily_counts(
        np.random.default_rng(5), 500, 365, params, NO_VESSELS, surge=surge
    )
    on_surge = counts.aircraft[counts.surge]
    assert on_surge.min() >= 50
    assert on_surge.max() <= 150
    assert on_surge.mean() == pytest.approx(100.0, rel=0.03)
    starts = counts.surge[:, 1:] & ~counts.surge[:, :-1]
    non_surge_days = (~counts.surge[:, :-1]).sum()
    assert starts.sum() / non_surge_days == pytest.approx(0.02, rel=0.05)
    # Expected length 2 days: surge days per start.
    assert counts.surge.sum() / (starts.sum() + counts.surge[:, 0].sum()) == pytest.approx(
        2.0, rel=0.05
    )


def test_surge_day_feeds_the_next_days_intensity() -> None:
    """The INARCH recursion continues from the surge count: the day after a surge is busier."""
    params = AircraftParams(omega=5.0, alpha=0.5, size=1e6)
    state = ActivityState(
        aircraft=np.full(20_000, 100),
        vessels=np.zeros(20_000, dtype=np.int64),
        surge_days_left=np.zeros(20_000, dtype=np.int64),
    )
    counts = simulate_daily_counts(
        np.random.default_rng(6), 20_000, 1, params, NO_VESSELS, initial=state
    )
    assert counts.aircraft.mean() == pytest.approx(5.0 + 0.5 * 100, rel=0.01)


def test_phases_chain_through_the_final_state() -> None:
    """Simulating phase by phase with ``initial`` carries the last day's counts and surge."""
    rng = np.random.default_rng(7)
    surge = SurgeParams(rate_per_day=1.0, min_days=3, max_days=3, aircraft_low=80, aircraft_high=80)
    quiet = AircraftParams(omega=5.0, alpha=0.1, size=3.0)
    first = simulate_daily_counts(rng, 100, 2, quiet, NO_VESSELS, surge=surge)
    assert first.surge.all()
    assert (first.state.surge_days_left == 1).all()
    assert (first.state.aircraft == 80).all()
    assert np.array_equal(first.state.vessels, first.vessels[:, -1])
    calm = SurgeParams(rate_per_day=0.0, aircraft_low=80, aircraft_high=80)
    second = simulate_daily_counts(rng, 100, 3, quiet, NO_VESSELS, surge=calm, initial=first.state)
    assert second.surge[:, 0].all()
    assert not second.surge[:, 1:].any()
    ended = simulate_daily_counts(rng, 100, 1, quiet, NO_VESSELS, initial=first.state)
    assert not ended.surge.any()


def test_scripted_phase_with_its_own_omega() -> None:
    """A scripted surge phase (omega=59, alpha=0, size=inf) gives Poisson counts around 59."""
    scripted = AircraftParams(omega=59.0, alpha=0.0, size=math.inf)
    counts = simulate_daily_counts(np.random.default_rng(8), 5000, 2, scripted, NO_VESSELS)
    assert counts.aircraft.mean() == pytest.approx(59.0, rel=0.01)
    assert counts.aircraft.var() == pytest.approx(59.0, rel=0.05)


def test_counts_have_the_documented_shapes_and_types() -> None:
    """Counts and surge flags are (runs, days) int64/bool arrays; zero days is allowed."""
    params = AircraftParams(omega=5.0, alpha=0.2, size=1.0)
    counts = simulate_daily_counts(np.random.default_rng(9), 3, 4, params, NO_VESSELS)
    assert counts.aircraft.shape == counts.vessels.shape == counts.surge.shape == (3, 4)
    assert counts.aircraft.dtype == counts.vessels.dtype == np.int64
    assert counts.state.aircraft.shape == (3,)
    empty = simulate_daily_counts(np.random.default_rng(9), 3, 0, params, NO_VESSELS)
    assert empty.aircraft.shape == (3, 0)


def test_same_seed_gives_same_counts() -> None:
    """Simulation is deterministic for a given generator seed."""
    params = AircraftParams(omega=5.0, alpha=0.2, size=1.0)
    surge = SurgeParams(rate_per_day=0.1)
    first = simulate_daily_counts(np.random.default_rng(10), 5, 30, params, NO_VESSELS, surge=surge)
    again = simulate_daily_counts(np.random.default_rng(10), 5, 30, params, NO_VESSELS, surge=surge)
    assert np.array_equal(first.aircraft, again.aircraft)
    assert np.array_equal(first.vessels, again.vessels)


def test_sortie_attributes_follow_the_profile() -> None:
    """Sortie type, sector, hour and crossing frequencies match the profile's probabilities."""
    profile = SortieProfile()
    counts = np.full((2000, 30), 15)
    sorties = sample_sorties(np.random.default_rng(11), counts, profile)
    total = len(sorties)
    assert total == counts.sum()
    type_share = np.bincount(sorties.aircraft_type, minlength=len(profile.type_names)) / total
    assert np.allclose(type_share, list(profile.type_mix.values()), atol=0.002)
    sector_share = np.bincount(sorties.sector, minlength=len(profile.sector_names)) / total
    assert np.allclose(sector_share, list(profile.sector_mix.values()), atol=0.002)
    hour_share = np.bincount(sorties.minute // 60, minlength=24) / total
    weights = np.asarray(profile.hourly_weights)
    assert np.allclose(hour_share, weights / weights.sum(), atol=0.002)
    assert hour_share[8:18].sum() > 0.5
    assert sorties.crossed_median.mean() == pytest.approx(profile.p_median_crossing, abs=0.002)
    assert sorties.entered_adiz.mean() == pytest.approx(profile.p_adiz_entry, abs=0.002)
    assert not (sorties.crossed_median & ~sorties.entered_adiz).any()
    assert sorties.minute.min() >= 0
    assert sorties.minute.max() <= 1439


def test_sortie_run_and_day_indices_rebuild_the_counts() -> None:
    """Each sortie's run and day index add back up to the input counts."""
    counts = np.random.default_rng(12).poisson(5.0, size=(40, 7))
    sorties = sample_sorties(np.random.default_rng(13), counts)
    rebuilt = np.zeros_like(counts)
    np.add.at(rebuilt, (sorties.run, sorties.day), 1)
    assert np.array_equal(rebuilt, counts)


def test_custom_sortie_profile_and_zero_probability_category() -> None:
    """A custom mix is honoured and a zero-probability category is never drawn."""
    profile = SortieProfile(
        hourly_weights=(0.0,) * 12 + (1.0,) * 12,
        type_mix={"fighter": 1.0, "drone": 0.0},
        sector_mix={"north": 0.5, "east": 0.5},
        p_median_crossing=0.0,
        p_adiz_entry=1.0,
    )
    sorties = sample_sorties(np.random.default_rng(14), np.full((100, 10), 20), profile)
    assert (sorties.minute >= 720).all()
    assert (sorties.aircraft_type == 0).all()
    assert profile.sector_names == ("north", "east")
    assert not sorties.crossed_median.any()
    assert sorties.entered_adiz.all()


def test_no_aircraft_gives_no_sorties() -> None:
    """All-zero counts give empty sortie arrays."""
    sorties = sample_sorties(np.random.default_rng(15), np.zeros((3, 5), dtype=np.int64))
    assert len(sorties) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hourly_weights": (1.0,) * 23}, "hourly_weights"),
        ({"type_mix": {"fighter": 0.5, "bomber": 0.2}}, "type_mix"),
        ({"sector_mix": {"north": -0.5, "east": 1.5}}, "sector_mix"),
        ({"p_median_crossing": 0.8, "p_adiz_entry": 0.5}, "p_adiz_entry"),
        ({"p_adiz_entry": 1.5}, "p_adiz_entry"),
    ],
)
def test_sortie_profile_validation(kwargs: dict[str, object], message: str) -> None:
    """Bad profiles (hour count, mixes not summing to 1, crossing above entry) are rejected."""
    with pytest.raises(ParameterError, match=message):
        SortieProfile(**kwargs)  # type: ignore[arg-type]


def test_sample_sorties_rejects_bad_counts() -> None:
    """Negative or fractional counts are rejected."""
    with pytest.raises(ParameterError, match="counts"):
        sample_sorties(np.random.default_rng(0), np.array([[1, -1]]))
    with pytest.raises(ParameterError, match="counts"):
        sample_sorties(np.random.default_rng(0), np.array([[1.5]]))
