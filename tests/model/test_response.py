"""Tests for jointex.model._response: the alert-pair queue, GBAD tracking, policy and Erlang C."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex import ParameterError
from jointex.model import (
    AirDefence,
    AlertBase,
    Delay,
    ResponseOutcome,
    ResponsePolicy,
    ResponsePosture,
    erlang_c,
    simulate_response,
)

FIXED_BASE = AlertBase(
    pairs=1,
    distance_km=(150.0, 300.0),
    scramble=Delay(5.0),
    time_on_station=Delay(30.0),
    turnaround=Delay(60.0),
    speed_kmh=900.0,
)
# Transit 10 min to sector 0; busy 5 + 10 + 30 + 10 + 60 = 115 min.


def _respond(
    posture: ResponsePosture,
    run: list[int],
    arrival: list[float],
    *,
    runs: int = 1,
    size: list[int] | None = None,
    sector: list[int] | None = None,
    needs: list[bool] | None = None,
    max_wait: float = math.inf,
    horizon: float = 1_440.0,
) -> ResponseOutcome:
    n = len(run)
    return simulate_response(
        np.random.default_rng(0),
        posture,
        runs=runs,
        run=np.array(run, dtype=np.int64),
        arrival_minutes=np.array(arrival, dtype=np.float64),
        group_size=np.array(size if size is not None else [1] * n),
        sector=np.array(sector if sector is not None else [0] * n),
        needs_response=np.array(needs if needs is not None else [True] * n),
        horizon_minutes=horizon,
        max_wait_minutes=max_wait,
    )


def test_erlang_c_with_one_server_is_mm1() -> None:
    """For c = 1 Erlang C gives P(wait) = rho and mean wait rho / (mu - lambda)."""
    result = erlang_c(1, 0.5, 1.0)
    assert math.isclose(result.probability_of_waiting, 0.5)
    assert math.isclose(result.mean_wait, 0.5 / 0.5)


def test_erlang_c_textbook_value() -> None:
    """c = 2, a = 1 Erlang gives C = 1/3 (textbook value) and W = C / (c mu - lambda)."""
    result = erlang_c(2, 1.0, 1.0)
    assert math.isclose(result.probability_of_waiting, 1.0 / 3.0)
    assert math.isclose(result.mean_wait, (1.0 / 3.0) / 1.0)


def test_erlang_c_unstable_queue_waits_forever() -> None:
    """With rho >= 1 every arrival waits and the mean wait is infinite."""
    result = erlang_c(2, 4.0, 1.0)
    assert result.probability_of_waiting == 1.0
    assert math.isinf(result.mean_wait)


@pytest.mark.parametrize(
    ("args", "field"),
    [((0, 1.0, 1.0), "servers"), ((1, -1.0, 1.0), "arrival_rate"), ((1, 1.0, 0.0), "service_rate")],
)
def test_erlang_c_rejects_impossible_arguments(args: tuple[int, float, float], field: str) -> None:
    """Impossible Erlang C arguments raise ParameterError naming the argument."""
    with pytest.raises(ParameterError, match=field):
        erlang_c(*args)


def test_simulated_mmc_queue_matches_erlang_c() -> None:
    """Poisson arrivals and exponential busy times reproduce Erlang C's P(wait) and mean wait."""
    rng = np.random.default_rng(2024)
    servers, arrival_rate, service_rate = 3, 2.0 / 60.0, 1.0 / 60.0  # per minute
    runs, horizon, warm_up = 300, 300.0 * 60.0, 30.0 * 60.0
    base = AlertBase(
        pairs=servers,
        distance_km=(0.0,),
        scramble=Delay(0.0),
        time_on_station=Delay(1.0 / service_rate, cv=1.0),
        turnaround=Delay(0.0),
    )
    counts = rng.poisson(arrival_rate * horizon, runs)
    run = np.repeat(np.arange(runs), counts)
    arrival = np.concatenate([np.sort(rng.uniform(0.0, horizon, k)) for k in counts])
    out = simulate_response(
        rng,
        ResponsePosture(bases=(base,)),
        runs=runs,
        run=run,
        arrival_minutes=arrival,
        group_size=np.ones(run.size, dtype=np.int64),
        sector=np.zeros(run.size, dtype=np.int64),
        needs_response=np.ones(run.size, dtype=np.bool_),
        horizon_minutes=horizon,
    )
    steady = arrival > warm_up
    theory = erlang_c(servers, arrival_rate, service_rate)
    per_run_n = np.bincount(run[steady], minlength=runs)
    for values, expected in (
        (out.wait_minutes, theory.mean_wait),
        ((out.wait_minutes > 0).astype(np.float64), theory.probability_of_waiting),
    ):
        # Runs are independent replications: the SE comes from the spread of per-run means.
        per_run = np.bincount(run[steady], values[steady], minlength=runs) / per_run_n
        se = per_run.std(ddof=1) / math.sqrt(runs)
        assert abs(per_run.mean() - expected) <= 4 * se
    assert np.all(out.answered)


def test_single_incursion_with_fixed_delays() -> None:
    """Response = scramble + transit; flight hours and utilisation follow from fixed delays."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0], [100.0], horizon=1_150.0)
    assert out.response_minutes.tolist() == [15.0]
    assert out.wait_minutes.tolist() == [0.0]
    assert out.answered.tolist() == [True]
    assert out.base.tolist() == [0]
    assert math.isclose(float(out.flight_hours[0]), 2 * (10 + 30 + 10) / 60)
    assert math.isclose(float(out.alert_utilisation[0]), 115.0 / 1_150.0)
    assert out.scrambles.tolist() == [1]


def test_second_incursion_waits_for_the_busy_pair() -> None:
    """With one pair, a second incursion waits until the pair is free again (FCFS)."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0, 0], [0.0, 20.0])
    assert out.wait_minutes.tolist() == [0.0, 95.0]
    assert out.response_minutes.tolist() == [15.0, 110.0]


def test_incursion_is_unanswered_when_no_pair_is_free_in_time() -> None:
    """An incursion whose wait would exceed max_wait is unanswered and commits no pair."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0, 0, 0], [0.0, 20.0, 116.0], max_wait=60)
    assert out.answered.tolist() == [True, False, True]
    assert np.isnan(out.response_minutes[1])
    assert out.wait_minutes[2] == 0.0  # the unanswered one did not keep the pair busy
    assert out.unanswered.tolist() == [1]
    assert out.scrambles.tolist() == [2]


def test_runs_do_not_share_pairs() -> None:
    """Incursions in different runs at the same time each find their own free pair."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0, 1, 2], [5.0, 5.0, 5.0], runs=4)
    assert out.wait_minutes.tolist() == [0.0, 0.0, 0.0]
    assert out.flight_hours[3] == 0.0
    assert out.alert_utilisation[3] == 0.0


def test_input_order_within_a_run_does_not_matter() -> None:
    """Unsorted incursions are served in arrival order, like sorted ones."""
    posture = ResponsePosture(bases=(FIXED_BASE,))
    ordered = _respond(posture, [0, 0, 1, 1], [0.0, 20.0, 0.0, 50.0], runs=2)
    shuffled = _respond(posture, [1, 0, 1, 0], [50.0, 20.0, 0.0, 0.0], runs=2)
    assert shuffled.wait_minutes.tolist() == [65.0, 95.0, 0.0, 0.0]
    assert sorted(shuffled.wait_minutes.tolist()) == sorted(ordered.wait_minutes.tolist())


def test_pair_that_intercepts_soonest_is_sent() -> None:
    """The base nearer the incursion's sector is chosen while both are free."""
    far = AlertBase(
        pairs=1,
        distance_km=(450.0, 45.0),
        scramble=Delay(5.0),
        time_on_station=Delay(30.0),
        turnaround=Delay(60.0),
    )
    out = _respond(ResponsePosture(bases=(FIXED_BASE, far)), [0, 0], [0.0, 0.0], sector=[0, 1])
    assert out.base.tolist() == [0, 1]
    assert out.response_minutes.tolist() == [15.0, 8.0]


def test_threshold_policy_tracks_small_groups_with_gbad() -> None:
    """Under 'threshold', small groups are tracked where GBAD covers, unanswered elsewhere."""
    posture = ResponsePosture(
        bases=(FIXED_BASE,),
        policy=ResponsePolicy("threshold", threshold=4),
        air_defence=AirDefence(sectors=frozenset({0}), track=Delay(2.0)),
    )
    out = _respond(posture, [0, 0, 0], [0.0, 300.0, 600.0], size=[6, 2, 2], sector=[0, 0, 1])
    assert out.scrambled.tolist() == [True, False, False]
    assert out.tracked.tolist() == [False, True, False]
    assert out.answered.tolist() == [True, True, False]
    assert out.response_minutes[1] == 2.0
    assert out.unanswered.tolist() == [1]


def test_track_only_never_scrambles() -> None:
    """Under 'track-only' no pair flies and no flight hours accrue."""
    posture = ResponsePosture(
        bases=(FIXED_BASE,),
        policy=ResponsePolicy("track-only"),
        air_defence=AirDefence(sectors=frozenset({0, 1})),
    )
    out = _respond(posture, [0, 0], [0.0, 10.0], size=[20, 1], sector=[0, 1])
    assert not out.scrambled.any()
    assert out.tracked.all()
    assert out.flight_hours.tolist() == [0.0]


def test_incursions_not_needing_response_are_ignored() -> None:
    """An incursion with needs_response false is neither answered nor counted as unanswered."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0, 0], [0.0, 5.0], needs=[False, True])
    assert out.answered.tolist() == [False, True]
    assert np.isnan(out.response_minutes[0])
    assert out.unanswered.tolist() == [0]
    assert out.wait_minutes[1] == 0.0


def test_outcome_shapes_and_dtypes() -> None:
    """Per-incursion arrays have shape (N,), per-run arrays (R,), with documented dtypes."""
    out = _respond(ResponsePosture(bases=(FIXED_BASE,)), [0, 2, 2], [1.0, 2.0, 3.0], runs=3)
    assert out.response_minutes.shape == (3,)
    assert out.response_minutes.dtype == np.float64
    assert out.answered.dtype == np.bool_
    assert out.base.dtype == np.int16
    assert out.flight_hours.shape == (3,)
    assert out.alert_utilisation.dtype == np.float64
    assert out.scrambles.dtype == np.int64
    assert out.unanswered.shape == (3,)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ResponsePolicy("sometimes"), "kind"),  # type: ignore[arg-type]
        (lambda: ResponsePolicy("threshold", threshold=0), "threshold"),
        (
            lambda: AlertBase(-1, (1.0,), Delay(1.0), Delay(1.0), Delay(1.0)),
            "pairs",
        ),
        (
            lambda: AlertBase(1, (1.0,), Delay(1.0), Delay(1.0), Delay(1.0), speed_kmh=0.0),
            "speed_kmh",
        ),
        (
            lambda: AlertBase(1, (-5.0,), Delay(1.0), Delay(1.0), Delay(1.0)),
            "distance_km",
        ),
        (
            lambda: ResponsePosture(
                bases=(FIXED_BASE,), air_defence=AirDefence(sectors=frozenset({7}))
            ),
            "air_defence",
        ),
        (
            lambda: ResponsePosture(
                bases=(FIXED_BASE, AlertBase(1, (1.0,), Delay(1.0), Delay(1.0), Delay(1.0)))
            ),
            "distance_km",
        ),
    ],
)
def test_impossible_posture_raises_naming_the_field(build: object, field: str) -> None:
    """Impossible posture parameters raise ParameterError naming the field."""
    with pytest.raises(ParameterError, match=field):
        build()  # type: ignore[operator]


def test_out_of_range_inputs_are_rejected() -> None:
    """A run index >= runs or a mismatched array raises ParameterError."""
    posture = ResponsePosture(bases=(FIXED_BASE,))
    with pytest.raises(ParameterError, match="run"):
        _respond(posture, [0, 3], [0.0, 1.0], runs=2)
    with pytest.raises(ParameterError, match="sector"):
        _respond(posture, [0], [0.0], sector=[2])
    with pytest.raises(ParameterError, match="horizon_minutes"):
        _respond(posture, [0], [0.0], horizon=0.0)
