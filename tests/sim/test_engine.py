"""The Monte Carlo engine: determinism, backends, overrides and the direction of effects."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jointex import ParameterError
from jointex.scenario import resolve
from jointex.sim import BLOCK_RUNS, METRICS, apply_overrides, build_theatre, simulate


@pytest.fixture(scope="module")
def flagship():  # type: ignore[no-untyped-def]
    """The flagship scenario, loaded once."""
    return resolve("grey-zone-surge")


def test_same_seed_same_bytes(flagship) -> None:  # type: ignore[no-untyped-def]
    """The same scenario, seed and runs give byte-identical JSON."""
    a = json.dumps(simulate(flagship, 700, 3, days=10).as_json(), sort_keys=True)
    b = json.dumps(simulate(flagship, 700, 3, days=10).as_json(), sort_keys=True)
    assert a == b


def test_other_seed_differs(flagship) -> None:  # type: ignore[no-untyped-def]
    """A different seed gives different results."""
    a = simulate(flagship, 200, 1, days=5).metrics["aircraft_per_day"]
    b = simulate(flagship, 200, 2, days=5).metrics["aircraft_per_day"]
    assert not np.array_equal(a, b)


def test_runs_extend_not_reshuffle(flagship) -> None:  # type: ignore[no-untyped-def]
    """Adding runs appends blocks: the first runs are unchanged."""
    small = simulate(flagship, BLOCK_RUNS, 5, days=5)
    large = simulate(flagship, BLOCK_RUNS * 2 + 10, 5, days=5)
    for name in METRICS:
        np.testing.assert_array_equal(small.metrics[name], large.metrics[name][:BLOCK_RUNS])


@pytest.mark.slow
def test_workers_match_serial(flagship) -> None:  # type: ignore[no-untyped-def]
    """A local Dask cluster of two workers gives exactly the serial result."""
    serial = simulate(flagship, 1200, 11, days=6)
    parallel = simulate(flagship, 1200, 11, days=6, workers=2)
    assert json.dumps(serial.as_json()) == json.dumps(parallel.as_json())
    for name in METRICS:
        np.testing.assert_array_equal(serial.metrics[name], parallel.metrics[name])


def test_metric_ranges(flagship) -> None:  # type: ignore[no-untyped-def]
    """Fractions stay in [0, 1]; counts and times are non-negative."""
    result = simulate(flagship, 500, 0, days=30)
    for name in ("detected_fraction", "unanswered_fraction", "alert_utilisation"):
        values = result.metrics[name][~np.isnan(result.metrics[name])]
        assert values.min() >= 0.0
        assert values.max() <= 1.0
    assert result.daily_aircraft.shape == (500, 30)
    assert (
        result.metrics["response_time_minutes"][~np.isnan(result.metrics["response_time_minutes"])]
        > 0
    ).all()


def test_surge_day_in_daily_activity(flagship) -> None:  # type: ignore[no-untyped-def]
    """The flagship's one-day surge phase shows as a jump in daily aircraft."""
    result = simulate(flagship, 500, 0)
    surge = next(p for p in result.phases if p[2] - p[1] == 1 and "surge" in p[0])
    day = surge[1]
    surge_mean = result.daily_aircraft[:, day].mean()
    assert 50 < surge_mean < 70
    assert result.daily_aircraft[:, 0].mean() < 25


def test_track_only_flies_nothing(flagship) -> None:  # type: ignore[no-untyped-def]
    """Under track-only no fighter flies and nothing is intercepted."""
    result = simulate(flagship, 300, 0, days=10, overrides=[("response.policy", "track-only")])
    assert result.metrics["flight_hours_per_day"].max() == 0.0
    assert result.metrics["alert_utilisation"].max() == 0.0


def test_slower_sharing_delays_partner(flagship) -> None:  # type: ignore[no-untyped-def]
    """A slower coalition sharing link delays when the partner knows, by about the difference."""
    fast = simulate(flagship, 300, 0, days=5, overrides=[("c2.sharing.mean_minutes", 10)])
    slow = simulate(flagship, 300, 0, days=5, overrides=[("c2.sharing.mean_minutes", 70)])
    gap = np.nanmean(slow.metrics["partner_warning_minutes"]) - np.nanmean(
        fast.metrics["partner_warning_minutes"]
    )
    assert 55 < gap < 65


def test_more_alert_pairs_answer_more(flagship) -> None:  # type: ignore[no-untyped-def]
    """Under scramble-all, one pair per wing leaves more unanswered than four pairs per wing."""
    theatre = build_theatre(flagship, 10)
    policy = [("response.policy", "scramble-all")]
    few = [*policy, *((f"forces.{b.name}.alert_pairs", 1) for b in theatre.posture.bases)]
    many = [*policy, *((f"forces.{b.name}.alert_pairs", 4) for b in theatre.posture.bases)]
    thin = simulate(flagship, 300, 0, days=10, overrides=few)
    thick = simulate(flagship, 300, 0, days=10, overrides=many)
    assert np.nanmean(thick.metrics["unanswered_fraction"]) < np.nanmean(
        thin.metrics["unanswered_fraction"]
    )
    assert np.nanmean(thick.metrics["alert_utilisation"]) < np.nanmean(
        thin.metrics["alert_utilisation"]
    )


def test_unknown_set_key(flagship) -> None:  # type: ignore[no-untyped-def]
    """An unknown --set key names the key and suggests the close one."""
    with pytest.raises(
        ParameterError, match=r"response has no 'polcy' \(did you mean 'policy'\?\)"
    ):
        apply_overrides(flagship, [("response.polcy", "x")])


def test_impossible_set_value(flagship) -> None:  # type: ignore[no-untyped-def]
    """A probability above 1 is rejected with the key named."""
    phase = flagship.phases[0].id
    with pytest.raises(ParameterError, match=r"invalid value at phases\.\d+\.activity"):
        apply_overrides(flagship, [(f"phases.{phase}.activity.vessels.persistence", 1.5)])


def test_negative_rate_rejected(flagship) -> None:  # type: ignore[no-untyped-def]
    """A negative rate is rejected."""
    phase = flagship.phases[0].id
    with pytest.raises(ParameterError, match="omega"):
        apply_overrides(flagship, [(f"phases.{phase}.activity.aircraft.omega", -2)])


@pytest.mark.parametrize(("runs", "days", "seed"), [(0, None, 0), (10, 0, 0), (10, None, -1)])
def test_bad_options(flagship, runs: int, days: int | None, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Zero runs, zero days or a negative seed are parameter errors."""
    with pytest.raises(ParameterError):
        simulate(flagship, runs, seed, days=days)


def test_workers_and_cluster_exclusive(flagship) -> None:  # type: ignore[no-untyped-def]
    """--workers and --cluster together, or zero workers, are refused before any work."""
    with pytest.raises(ParameterError, match="not both"):
        simulate(flagship, 10, 0, workers=2, cluster="tcp://127.0.0.1:1")
    with pytest.raises(ParameterError, match="at least 1"):
        simulate(flagship, 10, 0, workers=0)


def test_unreachable_cluster_is_a_clear_error(flagship) -> None:  # type: ignore[no-untyped-def]
    """An unreachable Dask scheduler is a ParameterError naming the address."""
    with pytest.raises(ParameterError, match=r"tcp://127\.0\.0\.1:9"):
        simulate(flagship, 10, 0, cluster="tcp://127.0.0.1:9")
