"""Tests for jointex.model._c2 and the shared Delay distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex import ParameterError
from jointex.model import C2Delays, Delay, sample_c2, sample_delays


def test_fixed_delay_has_no_spread() -> None:
    """cv = 0 gives the mean everywhere."""
    draws = Delay(12.5).sample(np.random.default_rng(0), (3, 4))
    assert draws.shape == (3, 4)
    assert draws.dtype == np.float64
    assert np.all(draws == 12.5)


@pytest.mark.parametrize("cv", [0.3, 1.0, 2.0])
def test_gamma_delay_has_requested_mean_and_cv(cv: float) -> None:
    """Sampled delays have the requested mean (within 4 SE) and coefficient of variation."""
    draws = Delay(30.0, cv).sample(np.random.default_rng(1), 200_000)
    se = 30.0 * cv / math.sqrt(draws.size)
    assert abs(draws.mean() - 30.0) <= 4 * se
    assert abs(draws.std() / draws.mean() - cv) <= 0.05 * cv


def test_delay_hours_converts_to_minutes() -> None:
    """Delay.hours(2) is a 120-minute delay."""
    assert Delay.hours(2.0, 0.5) == Delay(120.0, 0.5)


def test_sample_delays_picks_each_events_distribution() -> None:
    """sample_delays draws from delays[which[i]] for each element."""
    rng = np.random.default_rng(2)
    which = np.repeat([0, 1, 2], 50_000)
    draws = sample_delays(rng, [Delay(5.0), Delay(10.0, 0.5), Delay(20.0, 1.0)], which)
    assert np.all(draws[which == 0] == 5.0)
    assert abs(draws[which == 1].mean() - 10.0) <= 4 * 5.0 / math.sqrt(50_000)
    assert abs(draws[which == 2].mean() - 20.0) <= 4 * 20.0 / math.sqrt(50_000)


@pytest.mark.parametrize(("mean", "cv", "field"), [(-1.0, 0.0, "mean_minutes"), (1.0, -0.1, "cv")])
def test_negative_delay_parameters_are_rejected(mean: float, cv: float, field: str) -> None:
    """A negative mean or cv raises ParameterError naming the field."""
    with pytest.raises(ParameterError, match=field):
        Delay(mean, cv)


def test_fixed_c2_delays_add_up() -> None:
    """With fixed delays decision = report + decision and the partner time follows share_after."""
    rng = np.random.default_rng(3)
    now = C2Delays(report=Delay(5.0), decision=Delay(10.0), sharing=Delay(30.0))
    later = C2Delays(
        report=Delay(5.0), decision=Delay(10.0), sharing=Delay(30.0), share_after="decision"
    )
    a = sample_c2(rng, now, 4)
    b = sample_c2(rng, later, 4)
    assert np.all(a.decision_minutes == 15.0)
    assert np.all(a.partner_minutes == 35.0)
    assert np.all(b.partner_minutes == 45.0)
    assert now.mean_partner_minutes == 35.0
    assert later.mean_partner_minutes == 45.0


def test_random_c2_delays_have_the_closed_form_means() -> None:
    """Sampled mean times to decision and to partner awareness match the sums of stage means."""
    rng = np.random.default_rng(4)
    chain = C2Delays(report=Delay(5.0, 1.0), decision=Delay(10.0, 0.5), sharing=Delay(60.0, 1.5))
    sample = sample_c2(rng, chain, (100, 1_000))
    assert sample.decision_minutes.shape == (100, 1_000)
    for draws, mean in (
        (sample.decision_minutes, chain.mean_decision_minutes),
        (sample.partner_minutes, chain.mean_partner_minutes),
    ):
        assert abs(draws.mean() - mean) <= 4 * draws.std() / math.sqrt(draws.size)


def test_unknown_share_after_is_rejected() -> None:
    """share_after other than 'report' or 'decision' raises ParameterError naming it."""
    with pytest.raises(ParameterError, match="share_after"):
        C2Delays(Delay(1.0), Delay(1.0), Delay(1.0), share_after="never")  # type: ignore[arg-type]


def test_non_delay_stage_is_rejected() -> None:
    """A C2 stage that is not a Delay raises ParameterError naming it."""
    with pytest.raises(ParameterError, match="sharing"):
        C2Delays(Delay(1.0), Delay(1.0), 30.0)  # type: ignore[arg-type]
