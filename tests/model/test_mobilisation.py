"""Tests for jointex.model._mobilisation: staged call-up, processing queue, unit readiness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex import ParameterError
from jointex.model import (
    CallUp,
    Delay,
    processing_makespan_hours,
    readiness_by_day,
    sample_mobilisation,
)

NONE = Delay(0.0)


def test_one_fixed_stage_gives_a_step_in_readiness() -> None:
    """With one fixed 30-hour stage and ample stations, readiness jumps from 0 to 1 on day 2."""
    call_up = CallUp(notify=Delay.hours(30.0), travel=NONE, process=NONE, equip=NONE, stations=1)
    ready = sample_mobilisation(np.random.default_rng(0), call_up, reservists=10, runs=3)
    assert np.all(ready == 30.0)
    fraction = readiness_by_day(ready, np.zeros(10, dtype=int), units=1, days=3)
    assert fraction.shape == (3, 1, 3)
    assert np.all(fraction[:, 0, :] == [0.0, 1.0, 1.0])


def test_fixed_service_queue_processes_stations_at_a_time() -> None:
    """All arriving at once, c stations with fixed service s finish the k-th at ceil(k/c) s."""
    call_up = CallUp(notify=NONE, travel=NONE, process=Delay.hours(2.0), equip=NONE, stations=3)
    ready = sample_mobilisation(np.random.default_rng(1), call_up, reservists=10, runs=2)
    expected = np.ceil(np.arange(1, 11) / 3) * 2.0
    assert np.array_equal(np.sort(ready, axis=1), np.tile(expected, (2, 1)))
    assert ready.max() == processing_makespan_hours(10, 3, 2.0)


def test_random_service_respects_the_throughput_bound() -> None:
    """No one is processed faster than c stations allow: makespan >= total work / c on average."""
    call_up = CallUp(
        notify=NONE, travel=NONE, process=Delay.hours(1.0, cv=0.5), equip=NONE, stations=4
    )
    ready = sample_mobilisation(np.random.default_rng(2), call_up, reservists=400, runs=200)
    last = ready.max(axis=1)
    # The makespan is at least total work / c, whose mean is 400 / 4 = 100 hours.
    assert last.mean() >= 100.0 - 4 * last.std(ddof=1) / math.sqrt(last.size)
    assert call_up.throughput_per_hour == 4.0


def test_without_queueing_mean_ready_time_is_sum_of_stage_means() -> None:
    """With more stations than reservists the mean ready time is the sum of the stage means."""
    call_up = CallUp(
        notify=Delay.hours(4.0, 1.0),
        travel=Delay.hours(6.0, 0.5),
        process=Delay.hours(1.0, 0.3),
        equip=Delay.hours(3.0, 0.2),
        stations=50,
    )
    ready = sample_mobilisation(np.random.default_rng(3), call_up, reservists=50, runs=2_000)
    se = ready.std() / math.sqrt(ready.size)
    assert abs(ready.mean() - call_up.mean_unqueued_hours) <= 4 * se
    assert call_up.mean_unqueued_hours == 14.0


def test_reservists_who_do_not_report_are_never_ready() -> None:
    """The fraction eventually ready matches report_probability within 4 SE."""
    call_up = CallUp(
        notify=Delay.hours(1.0), travel=NONE, process=NONE, equip=NONE, report_probability=0.8
    )
    ready = sample_mobilisation(np.random.default_rng(4), call_up, reservists=1_000, runs=50)
    fraction = readiness_by_day(ready, np.zeros(1_000, dtype=int), units=1, days=2)[:, 0, -1]
    se = math.sqrt(0.8 * 0.2 / ready.size)
    assert abs(fraction.mean() - 0.8) <= 4 * se
    assert np.all(np.isinf(ready[ready > 1.0]))


def test_readiness_is_per_unit_monotone_and_bounded() -> None:
    """Readiness has shape (R, U, D), rises with the days, stays in [0, 1]; empty units read 0."""
    call_up = CallUp(
        notify=Delay.hours(12.0, 1.0),
        travel=Delay.hours(12.0, 1.0),
        process=Delay.hours(0.5, 1.0),
        equip=Delay.hours(6.0, 0.5),
        stations=2,
    )
    unit = np.repeat([0, 1, 3], [30, 50, 20])
    ready = sample_mobilisation(np.random.default_rng(5), call_up, reservists=100, runs=7)
    fraction = readiness_by_day(ready, unit, units=4, days=10)
    assert fraction.shape == (7, 4, 10)
    assert fraction.dtype == np.float64
    assert np.all(np.diff(fraction, axis=2) >= 0)
    assert np.all((fraction >= 0) & (fraction <= 1))
    assert np.all(fraction[:, 2, :] == 0.0)
    assert np.allclose(fraction[:, 0, -1], (ready[:, :30] <= 240).mean(axis=1))


def test_ready_times_shape_and_dtype() -> None:
    """sample_mobilisation returns float64 hours of shape (runs, reservists)."""
    call_up = CallUp(notify=NONE, travel=NONE, process=Delay(30.0), equip=NONE)
    ready = sample_mobilisation(np.random.default_rng(6), call_up, reservists=3, runs=2)
    assert ready.shape == (2, 3)
    assert ready.dtype == np.float64


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CallUp(NONE, NONE, NONE, NONE, stations=0), "stations"),
        (lambda: CallUp(NONE, NONE, NONE, NONE, report_probability=1.2), "report_probability"),
        (lambda: CallUp(NONE, 3.0, NONE, NONE), "travel"),  # type: ignore[arg-type]
        (lambda: processing_makespan_hours(5, 0, 1.0), "stations"),
        (lambda: processing_makespan_hours(5, 1, -1.0), "service_hours"),
        (
            lambda: sample_mobilisation(
                np.random.default_rng(0), CallUp(NONE, NONE, NONE, NONE), reservists=-1, runs=1
            ),
            "reservists",
        ),
        (lambda: readiness_by_day(np.zeros((1, 2)), np.array([0, 5]), units=2, days=1), "unit"),
    ],
)
def test_impossible_parameters_raise_naming_the_field(build: object, field: str) -> None:
    """Impossible mobilisation parameters raise ParameterError naming the field."""
    with pytest.raises(ParameterError, match=field):
        build()  # type: ignore[operator]
