"""Tests for jointex.model._engagement: Hughes' salvo model and Lanchester's laws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jointex import ParameterError
from jointex.model import (
    Lanchester,
    SalvoSide,
    hughes_salvo,
    lanchester,
    lanchester_euler,
    salvo_losses,
    sample_lanchester,
    sample_salvo,
)


def test_hughes_single_salvo_by_hand() -> None:
    """dB = (alpha A - b3 B) / b1 and dA = (beta B - a3 A) / a1 for a worked example."""
    side_a = SalvoSide(4, 0.5, 2, 0.5, staying_power=2.0)  # alpha 2, a3 1, a1 2
    side_b = SalvoSide(6, 0.5, 4, 0.5, staying_power=1.5)  # beta 3, b3 2, b1 1.5
    loss_a, loss_b = salvo_losses(6.0, 5.0, side_a, side_b)
    assert math.isclose(float(loss_a), (3 * 5 - 1 * 6) / 2.0)
    assert math.isclose(float(loss_b), (2 * 6 - 2 * 5) / 1.5)


def test_hughes_losses_are_clipped() -> None:
    """Losses are never negative and never exceed the ships in action."""
    weak = SalvoSide(1, 1.0, 0, 0.0)
    overwhelming = SalvoSide(50, 1.0, 10, 1.0)
    loss_a, loss_b = salvo_losses(np.array([2.0, 0.0]), 3.0, weak, overwhelming)
    assert np.all(loss_b == 0.0)
    assert np.array_equal(loss_a, [2.0, 0.0])
    path = hughes_salvo(2.0, 3.0, weak, overwhelming, salvos=3)
    assert path.a.shape == (4,)
    assert path.a[-1] == 0.0
    assert np.all(path.b == 3.0)


def test_stochastic_salvo_mean_equals_hughes_with_random_defence() -> None:
    """One salvo of sure hits against binomial interceptions averages Hughes' dB exactly."""
    # 5 ships x 10 sure hits = 50 hits; 50 defenders x 1 shot at p = 0.5 never intercept more
    # than 50, and net hits never exceed the 50 ships: no clipping, so E[dB] = 50 - 25.
    side_a = SalvoSide(10, 1.0, 0, 0.0)
    side_b = SalvoSide(0, 0.0, 1, 0.5)
    runs = 20_000
    path = sample_salvo(np.random.default_rng(7), 5, 50, side_a, side_b, salvos=1, runs=runs)
    deterministic = hughes_salvo(5, 50, side_a, side_b, salvos=1)
    lost = path.b[:, 0] - path.b[:, 1]
    expected = float(deterministic.b[0] - deterministic.b[1])
    assert expected == 25.0
    assert abs(lost.mean() - expected) <= 4 * lost.std(ddof=1) / math.sqrt(runs)


def test_stochastic_salvo_mean_trajectory_converges_to_hughes() -> None:
    """Several salvos without defences: the mean stochastic trajectory follows Hughes' equations."""
    side_a = SalvoSide(4, 0.05, 0, 0.0)  # alpha 0.2
    side_b = SalvoSide(5, 0.05, 0, 0.0)  # beta 0.25
    runs = 20_000
    path = sample_salvo(np.random.default_rng(8), 100, 80, side_a, side_b, salvos=3, runs=runs)
    deterministic = hughes_salvo(100, 80, side_a, side_b, salvos=3)
    for sampled, expected in ((path.a, deterministic.a), (path.b, deterministic.b)):
        se = sampled.std(axis=0, ddof=1) / math.sqrt(runs)
        assert np.all(np.abs(sampled.mean(axis=0) - expected) <= 4 * se + 1e-12)
    assert path.a.dtype == np.int64
    assert path.a.shape == (runs, 4)


def test_stochastic_salvo_counts_damage_against_staying_power() -> None:
    """A ship is out of action only after staying-power hits; damage carries across salvos."""
    side_a = SalvoSide(1, 1.0, 0, 0.0)  # one certain hit per salvo
    side_b = SalvoSide(0, 0.0, 0, 0.0, staying_power=2.0)
    path = sample_salvo(np.random.default_rng(9), 1, 3, side_a, side_b, salvos=4, runs=2)
    assert path.b[0].tolist() == [3, 3, 2, 2, 1]


def test_square_law_invariant_is_conserved_in_closed_form() -> None:
    """alpha A^2 - beta B^2 is constant along the closed-form square-law solution."""
    model = Lanchester(alpha=0.02, beta=0.01)
    times = np.linspace(0.0, 20.0, 201)
    path = lanchester(100.0, 120.0, model, times)
    invariant = model.invariant(path.a, path.b)
    assert np.allclose(invariant, invariant[0], rtol=1e-9, atol=1e-6)
    assert int(path.winner) == 1  # 0.02 * 100^2 = 200 > 0.01 * 120^2 = 144


def test_square_law_loser_is_annihilated_and_fighting_stops() -> None:
    """After the loser reaches zero both strengths stay put; the winner keeps sqrt(I / alpha)."""
    model = Lanchester(alpha=0.02, beta=0.01)
    path = lanchester(100.0, 120.0, model, np.array([0.0, 1_000.0, 2_000.0]))
    survivor = math.sqrt((0.02 * 100**2 - 0.01 * 120**2) / 0.02)
    assert np.allclose(path.b[1:], 0.0, atol=1e-9)
    assert np.allclose(path.a[1:], survivor, rtol=1e-9)


def test_square_law_with_one_side_unable_to_fire() -> None:
    """With beta = 0 A loses nothing and B falls linearly at alpha A until zero."""
    path = lanchester(10.0, 5.0, Lanchester(alpha=0.1, beta=0.0), np.array([0.0, 2.0, 10.0]))
    assert np.allclose(path.a, 10.0)
    assert np.allclose(path.b, [5.0, 3.0, 0.0])


def test_square_law_euler_approximately_conserves_the_invariant() -> None:
    """Small Euler steps keep the square-law invariant within 0.5 % and track the closed form."""
    model = Lanchester(alpha=0.02, beta=0.01)
    steps, dt = 1_000, 0.01
    euler = lanchester_euler(100.0, 120.0, model, dt=dt, steps=steps)
    exact = lanchester(100.0, 120.0, model, np.arange(steps + 1) * dt)
    invariant = model.invariant(euler.a, euler.b)
    assert np.all(np.abs(invariant - invariant[0]) <= 0.005 * abs(invariant[0]))
    assert np.allclose(euler.a, exact.a, rtol=1e-3)
    assert np.allclose(euler.b, exact.b, rtol=1e-3)


def test_linear_law_invariant_is_conserved() -> None:
    """alpha A - beta B is constant along the closed-form linear-law solution and Euler steps."""
    model = Lanchester(alpha=0.002, beta=0.001, law="linear")
    times = np.linspace(0.0, 10.0, 101)
    path = lanchester(np.array([100.0, 50.0]), np.array([120.0, 100.0]), model, times)
    invariant = model.invariant(path.a, path.b)
    assert path.a.shape == (2, 101)
    assert np.allclose(invariant, invariant[:, :1], rtol=1e-9, atol=1e-9)
    assert path.winner.tolist() == [1, 0]
    euler = lanchester_euler(100.0, 120.0, model, dt=0.001, steps=10_000)
    inv_euler = model.invariant(euler.a, euler.b)
    assert np.all(np.abs(inv_euler - inv_euler[0]) <= 1e-9)  # exact for simultaneous Euler
    assert np.allclose(euler.a[::100], path.a[0], rtol=1e-3)


def test_linear_law_draw_has_hyperbolic_decay() -> None:
    """With alpha A0 = beta B0 both sides decay as A0 / (1 + alpha A0 t)."""
    model = Lanchester(alpha=0.01, beta=0.02, law="linear")
    times = np.array([0.0, 1.0, 5.0])
    path = lanchester(100.0, 50.0, model, times)
    assert np.allclose(path.a, 100.0 / (1 + 0.01 * 100.0 * times))
    assert np.allclose(path.b, 50.0 / (1 + 0.02 * 50.0 * times))
    assert int(path.winner) == 0


def test_stochastic_lanchester_mean_tracks_the_ode() -> None:
    """The stochastic square-law mean stays near the closed form (4 SE plus 1 % step bias)."""
    model = Lanchester(alpha=0.02, beta=0.01)
    runs, dt, steps = 4_000, 0.05, 100
    sample = sample_lanchester(
        np.random.default_rng(10), 100, 120, model, dt=dt, steps=steps, runs=runs
    )
    exact = lanchester(100.0, 120.0, model, np.arange(steps + 1) * dt)
    for sampled, expected in ((sample.a, exact.a), (sample.b, exact.b)):
        se = sampled.std(axis=0, ddof=1) / math.sqrt(runs)
        assert np.all(np.abs(sampled.mean(axis=0) - expected) <= 4 * se + 0.01 * expected)
    assert sample.a.dtype == np.int64
    assert sample.winner.shape == (runs,)


def test_stochastic_lanchester_winner_by_elimination() -> None:
    """Fought to the end, a much stronger side nearly always eliminates the other."""
    sample = sample_lanchester(
        np.random.default_rng(11), 30, 10, Lanchester(0.1, 0.1), dt=0.1, steps=2_000, runs=500
    )
    assert np.all(sample.b[:, -1] == 0)
    assert np.mean(sample.winner == 1) == 1.0


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: SalvoSide(-1, 0.5, 0, 0.0), "missiles_per_ship"),
        (lambda: SalvoSide(1, 1.5, 0, 0.0), "hit_probability"),
        (lambda: SalvoSide(1, 0.5, 1, -0.1), "intercept_probability"),
        (lambda: SalvoSide(1, 0.5, 1, 0.5, staying_power=0.0), "staying_power"),
        (lambda: Lanchester(-0.1, 0.1), "alpha"),
        (lambda: Lanchester(0.1, 0.1, law="cubic"), "law"),  # type: ignore[arg-type]
        (lambda: lanchester(-1.0, 1.0, Lanchester(0.1, 0.1), np.array([0.0])), "a0"),
        (lambda: lanchester_euler(1.0, 1.0, Lanchester(0.1, 0.1), dt=0.0, steps=1), "dt"),
    ],
)
def test_impossible_parameters_raise_naming_the_field(build: object, field: str) -> None:
    """Impossible engagement parameters raise ParameterError naming the field."""
    with pytest.raises(ParameterError, match=field):
        build()  # type: ignore[operator]
