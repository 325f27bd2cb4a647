"""Engagement: Hughes' salvo model (deterministic and stochastic) and Lanchester's laws.

Salvo model (Hughes 1995, "A salvo model of warships in missile combat used to evaluate their
staying power"). Forces of A and B ships exchange simultaneous salvos; per salvo

    ships of B lost  dB = (alpha * A - b3 * B) / b1,   clipped to [0, B]
    ships of A lost  dA = (beta * B  - a3 * A) / a1,   clipped to [0, A]

with alpha/beta the well-aimed missiles each ship fires, a3/b3 the missiles each ship's defences
destroy and a1/b1 the hits that put a ship out of action (staying power). The stochastic version
(after Armstrong 2005, "A stochastic salvo model for naval surface combat") draws the well-aimed
missiles as Binomial(ships * missiles_per_ship, hit_probability) and the interceptions as
Binomial(ships * interceptors_per_ship, intercept_probability); net hits (never negative)
accumulate against the force, and ``floor(total hits / staying power)`` ships are out of action.
`SalvoSide` holds the stochastic primitives and derives alpha = missiles x hit probability and
a3 = interceptors x intercept probability, so both versions share parameters. With staying power 1
and no clipping the stochastic mean equals the deterministic equations exactly.

Lanchester (1916) with alpha = A's effectiveness against B and beta = B's against A:

* square law (aimed fire): dA/dt = -beta B, dB/dt = -alpha A. The closed form is
  A(t) = A0 cosh(g t) - beta B0 sinh(g t) / g (and symmetrically for B), g = sqrt(alpha beta);
  alpha A^2 - beta B^2 is conserved and its sign names the winner.
* linear law (area/unaimed fire, Taylor 1983): dA/dt = -beta A B, dB/dt = -alpha A B, with
  D = alpha A0 - beta B0 conserved as alpha A - beta B; A(t) = A0 / (exp(-D t) + alpha A0
  (1 - exp(-D t)) / D). Neither side is annihilated in finite time; the sign of D names the
  side that tends to a positive strength.

The discrete-time versions take Euler steps of length dt; the stochastic one removes each unit
in a step with probability 1 - exp(-hazard dt), the hazard making the expected losses match the
ODE for small dt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointex._errors import ParameterError

__all__ = [
    "Lanchester",
    "LanchesterLaw",
    "LanchesterTrajectory",
    "SalvoSide",
    "SalvoTrajectory",
    "hughes_salvo",
    "lanchester",
    "lanchester_euler",
    "salvo_losses",
    "sample_lanchester",
    "sample_salvo",
]


def _check_count(owner: str, name: str, value: int) -> None:
    if int(value) != value or value < 0:
        raise ParameterError(f"{owner}.{name} must be an integer >= 0, got {value!r}")


def _check_probability(owner: str, name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ParameterError(f"{owner}.{name} must be in [0, 1], got {value!r}")


def _ships(name: str, value: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array) & (array >= 0)):
        raise ParameterError(f"{name} must be finite and >= 0")
    return array


@dataclass(frozen=True, slots=True)
class SalvoSide:
    """One side's missile combat parameters for the salvo model.

    Attributes:
        missiles_per_ship: offensive missiles each ship fires per salvo (>= 0).
        hit_probability: probability a fired missile is well aimed (hits unless intercepted).
        interceptors_per_ship: defensive shots each ship fires per salvo (>= 0).
        intercept_probability: probability a defensive shot destroys a well-aimed missile.
        staying_power: well-aimed hits that put one ship out of action (> 0).

    Raises:
        ParameterError: naming the impossible field.
    """

    missiles_per_ship: int
    hit_probability: float
    interceptors_per_ship: int
    intercept_probability: float
    staying_power: float = 1.0

    def __post_init__(self) -> None:
        _check_count("SalvoSide", "missiles_per_ship", self.missiles_per_ship)
        _check_count("SalvoSide", "interceptors_per_ship", self.interceptors_per_ship)
        _check_probability("SalvoSide", "hit_probability", self.hit_probability)
        _check_probability("SalvoSide", "intercept_probability", self.intercept_probability)
        if not math.isfinite(self.staying_power) or self.staying_power <= 0:
            raise ParameterError(
                f"SalvoSide.staying_power must be a finite number > 0, got {self.staying_power!r}"
            )

    @property
    def offensive_power(self) -> float:
        """Hughes' alpha (or beta): well-aimed missiles per ship per salvo."""
        return self.missiles_per_ship * self.hit_probability

    @property
    def defensive_power(self) -> float:
        """Hughes' a3 (or b3): well-aimed missiles each ship destroys per salvo."""
        return self.interceptors_per_ship * self.intercept_probability


@dataclass(frozen=True, slots=True, eq=False)
class SalvoTrajectory:
    """Ships in action before the first salvo and after each one.

    Attributes:
        a: side A's ships, shape (..., salvos + 1).
        b: side B's ships, shape (..., salvos + 1).
    """

    a: NDArray[np.float64] | NDArray[np.int64]
    b: NDArray[np.float64] | NDArray[np.int64]


def salvo_losses(
    a_ships: ArrayLike, b_ships: ArrayLike, side_a: SalvoSide, side_b: SalvoSide
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Hughes' deterministic losses in one simultaneous salvo exchange.

    Args:
        a_ships: side A's ships in action (may be fractional), any shape.
        b_ships: side B's ships in action, broadcastable with ``a_ships``.
        side_a: side A's parameters.
        side_b: side B's parameters.

    Returns:
        ``(A's losses, B's losses)``: ``clip((beta B - a3 A) / a1, 0, A)`` and
        ``clip((alpha A - b3 B) / b1, 0, B)``.

    Raises:
        ParameterError: if a force size is negative or not finite.
    """
    a = _ships("a_ships", a_ships)
    b = _ships("b_ships", b_ships)
    loss_b = (side_a.offensive_power * a - side_b.defensive_power * b) / side_b.staying_power
    loss_a = (side_b.offensive_power * b - side_a.defensive_power * a) / side_a.staying_power
    return np.clip(loss_a, 0.0, a), np.clip(loss_b, 0.0, b)


def hughes_salvo(
    a_ships: ArrayLike, b_ships: ArrayLike, side_a: SalvoSide, side_b: SalvoSide, *, salvos: int
) -> SalvoTrajectory:
    """Hughes' deterministic salvo model over several simultaneous exchanges.

    Args:
        a_ships: side A's initial ships, any shape (e.g. one per scenario variant).
        b_ships: side B's initial ships, broadcastable with ``a_ships``.
        side_a: side A's parameters.
        side_b: side B's parameters.
        salvos: number of exchanges (>= 0).

    Returns:
        Float trajectories of shape ``broadcast(a_ships, b_ships).shape + (salvos + 1,)``.

    Raises:
        ParameterError: if ``salvos`` is negative or a force size impossible.
    """
    _check_count("hughes_salvo", "salvos", salvos)
    a, b = np.broadcast_arrays(_ships("a_ships", a_ships), _ships("b_ships", b_ships))
    a_path = [a.astype(np.float64)]
    b_path = [b.astype(np.float64)]
    for _ in range(int(salvos)):
        loss_a, loss_b = salvo_losses(a_path[-1], b_path[-1], side_a, side_b)
        a_path.append(a_path[-1] - loss_a)
        b_path.append(b_path[-1] - loss_b)
    return SalvoTrajectory(a=np.stack(a_path, axis=-1), b=np.stack(b_path, axis=-1))


def sample_salvo(
    rng: np.random.Generator,
    a_ships: int,
    b_ships: int,
    side_a: SalvoSide,
    side_b: SalvoSide,
    *,
    salvos: int,
    runs: int,
) -> SalvoTrajectory:
    """Stochastic salvo model: binomial well-aimed missiles and interceptions, R replications.

    Args:
        rng: the random stream.
        a_ships: side A's initial ships (integer >= 0).
        b_ships: side B's initial ships (integer >= 0).
        side_a: side A's parameters.
        side_b: side B's parameters.
        salvos: number of exchanges (>= 0).
        runs: replications R (>= 1).

    Returns:
        Integer trajectories of shape (R, salvos + 1).

    Raises:
        ParameterError: naming the impossible argument.
    """
    _check_count("sample_salvo", "a_ships", a_ships)
    _check_count("sample_salvo", "b_ships", b_ships)
    _check_count("sample_salvo", "salvos", salvos)
    if int(runs) != runs or runs < 1:
        raise ParameterError(f"runs must be an integer >= 1, got {runs!r}")
    a = np.full(int(runs), int(a_ships), dtype=np.int64)
    b = np.full(int(runs), int(b_ships), dtype=np.int64)
    damage_a = np.zeros(int(runs), dtype=np.int64)
    damage_b = np.zeros(int(runs), dtype=np.int64)
    a_path, b_path = [a], [b]
    for _ in range(int(salvos)):
        net_on_b = _net_hits(rng, a, side_a, b, side_b)
        net_on_a = _net_hits(rng, b, side_b, a, side_a)
        damage_a = damage_a + net_on_a
        damage_b = damage_b + net_on_b
        a = _in_action(int(a_ships), damage_a, side_a.staying_power)
        b = _in_action(int(b_ships), damage_b, side_b.staying_power)
        a_path.append(a)
        b_path.append(b)
    return SalvoTrajectory(a=np.stack(a_path, axis=-1), b=np.stack(b_path, axis=-1))


def _net_hits(
    rng: np.random.Generator,
    shooters: NDArray[np.int64],
    attacker: SalvoSide,
    targets: NDArray[np.int64],
    defender: SalvoSide,
) -> NDArray[np.int64]:
    hits = rng.binomial(shooters * attacker.missiles_per_ship, attacker.hit_probability)
    intercepted = rng.binomial(
        targets * defender.interceptors_per_ship, defender.intercept_probability
    )
    return np.asarray(np.maximum(hits - intercepted, 0), dtype=np.int64)


def _in_action(initial: int, damage: NDArray[np.int64], staying_power: float) -> NDArray[np.int64]:
    # The small epsilon keeps e.g. 3 hits / 1.5 staying power from flooring to 1.
    out = np.floor(damage / staying_power + 1e-9).astype(np.int64)
    return np.maximum(initial - out, 0)


LanchesterLaw = Literal["square", "linear"]
"""Aimed fire (square law) or area fire (linear law)."""


@dataclass(frozen=True, slots=True)
class Lanchester:
    """Lanchester attrition coefficients and law.

    Attributes:
        alpha: A's effectiveness: B's losses per unit time per A unit (square law) or per A x B
            (linear law), >= 0.
        beta: B's effectiveness against A, likewise, >= 0.
        law: ``"square"`` or ``"linear"``.

    Raises:
        ParameterError: naming the impossible field.
    """

    alpha: float
    beta: float
    law: LanchesterLaw = "square"

    def __post_init__(self) -> None:
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ParameterError(
                    f"Lanchester.{name} must be a finite number >= 0, got {value!r}"
                )
        if self.law not in ("square", "linear"):
            raise ParameterError(f"Lanchester.law must be 'square' or 'linear', got {self.law!r}")

    def invariant(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
        """The conserved quantity: ``alpha A**2 - beta B**2`` (square) or ``alpha A - beta B``.

        Args:
            a: side A's strength.
            b: side B's strength.

        Returns:
            The invariant, broadcast over the arguments.
        """
        a_arr = np.asarray(a, dtype=np.float64)
        b_arr = np.asarray(b, dtype=np.float64)
        if self.law == "square":
            return np.asarray(self.alpha * a_arr**2 - self.beta * b_arr**2, dtype=np.float64)
        return np.asarray(self.alpha * a_arr - self.beta * b_arr, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class LanchesterTrajectory:
    """Force strengths over time and the winner.

    Attributes:
        a: side A's strength, shape (..., T).
        b: side B's strength, shape (..., T).
        winner: int8, shape (...): 1 if A wins, -1 if B wins, 0 for a draw (closed form) or an
            undecided battle (discrete versions: neither side eliminated by the last step).
    """

    a: NDArray[np.float64] | NDArray[np.int64]
    b: NDArray[np.float64] | NDArray[np.int64]
    winner: NDArray[np.int8]


def lanchester(
    a0: ArrayLike, b0: ArrayLike, model: Lanchester, times: ArrayLike
) -> LanchesterTrajectory:
    """Closed-form solution of Lanchester's square or linear law.

    Under the square law the loser reaches zero at a finite time, after which both strengths stay
    constant; the winner is the sign of ``alpha A0**2 - beta B0**2``. Under the linear law the
    winner is the sign of ``alpha A0 - beta B0``.

    Args:
        a0: side A's initial strength (>= 0), any shape.
        b0: side B's initial strength, broadcastable with ``a0``.
        model: coefficients and law.
        times: times at which to evaluate, shape (T,), >= 0.

    Returns:
        Strengths of shape ``broadcast(a0, b0).shape + (T,)`` and the winner.

    Raises:
        ParameterError: if a strength or a time is negative or not finite.
    """
    a_init, b_init = np.broadcast_arrays(_ships("a0", a0), _ships("b0", b0))
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or not np.all(np.isfinite(t) & (t >= 0)):
        raise ParameterError("times must be a one-dimensional array of finite times >= 0")
    alpha, beta = model.alpha, model.beta
    invariant = model.invariant(a_init, b_init)
    winner = np.asarray(np.sign(invariant), dtype=np.int8)
    a_col = a_init[..., None]
    b_col = b_init[..., None]
    if model.law == "square":
        gamma = math.sqrt(alpha * beta)
        end = _square_law_end(a_init, b_init, model, winner)
        tau = np.minimum(t, end[..., None])
        cosh = np.cosh(gamma * tau)
        # sinh(g t) / g, which tends to t as g -> 0 (one side cannot shoot).
        sinh_over_g = np.sinh(gamma * tau) / gamma if gamma > 0 else tau
        a = a_col * cosh - beta * b_col * sinh_over_g
        b = b_col * cosh - alpha * a_col * sinh_over_g
    else:
        d = invariant[..., None]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            growth_a = np.exp(-d * t)
            growth_b = np.exp(d * t)
            # (1 - exp(-D t)) / D and (exp(D t) - 1) / D, both -> t as D -> 0.
            e_a = np.where(d != 0, -np.expm1(-d * t) / np.where(d != 0, d, 1.0), t)
            e_b = np.where(d != 0, np.expm1(d * t) / np.where(d != 0, d, 1.0), t)
            a = a_col / (growth_a + alpha * a_col * e_a)
            b = b_col / (growth_b + beta * b_col * e_b)
        a = np.where(a_col > 0, a, 0.0)
        b = np.where(b_col > 0, b, 0.0)
    return LanchesterTrajectory(
        a=np.maximum(np.asarray(a, dtype=np.float64), 0.0),
        b=np.maximum(np.asarray(b, dtype=np.float64), 0.0),
        winner=winner,
    )


def _square_law_end(
    a0: NDArray[np.float64], b0: NDArray[np.float64], model: Lanchester, winner: NDArray[np.int8]
) -> NDArray[np.float64]:
    """Time at which the square law's loser reaches zero (inf for a draw)."""
    alpha, beta = model.alpha, model.beta
    gamma = math.sqrt(alpha * beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        if gamma > 0:
            # B(t) = 0 where tanh(g t) = g B0 / (alpha A0), and symmetrically for A.
            end_b = np.arctanh(np.minimum(gamma * b0 / (alpha * a0), 1.0)) / gamma
            end_a = np.arctanh(np.minimum(gamma * a0 / (beta * b0), 1.0)) / gamma
        else:
            # Only one side shoots, at a constant rate.
            end_b = b0 / (alpha * a0)
            end_a = a0 / (beta * b0)
    end = np.where(winner > 0, end_b, np.where(winner < 0, end_a, np.inf))
    return np.asarray(np.nan_to_num(end, nan=np.inf), dtype=np.float64)


def _winner_by_elimination(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.int8]:
    a_left = np.asarray(a > 0, dtype=np.bool_)
    b_left = np.asarray(b > 0, dtype=np.bool_)
    return np.asarray(a_left & ~b_left, dtype=np.int8) - np.asarray(b_left & ~a_left, dtype=np.int8)


def _check_steps(dt: float, steps: int) -> None:
    if not math.isfinite(dt) or dt <= 0:
        raise ParameterError(f"dt must be a finite number > 0, got {dt!r}")
    _check_count("lanchester", "steps", steps)


def lanchester_euler(
    a0: ArrayLike, b0: ArrayLike, model: Lanchester, *, dt: float, steps: int
) -> LanchesterTrajectory:
    """Deterministic discrete-time Lanchester attrition (simultaneous Euler steps).

    Args:
        a0: side A's initial strength, any shape.
        b0: side B's initial strength, broadcastable with ``a0``.
        model: coefficients and law.
        dt: step length (> 0), in the time unit of the coefficients.
        steps: number of steps (>= 0).

    Returns:
        Strengths of shape ``broadcast(a0, b0).shape + (steps + 1,)``; the winner is the side
        left when the other reached zero (0 if neither or both).

    Raises:
        ParameterError: naming the impossible argument.
    """
    _check_steps(dt, steps)
    a, b = np.broadcast_arrays(_ships("a0", a0), _ships("b0", b0))
    a_path = [a.astype(np.float64)]
    b_path = [b.astype(np.float64)]
    for _ in range(int(steps)):
        a_now, b_now = a_path[-1], b_path[-1]
        if model.law == "square":
            loss_a, loss_b = model.beta * b_now * dt, model.alpha * a_now * dt
        else:
            loss_a = model.beta * a_now * b_now * dt
            loss_b = model.alpha * a_now * b_now * dt
        a_path.append(np.maximum(a_now - loss_a, 0.0))
        b_path.append(np.maximum(b_now - loss_b, 0.0))
    a_out = np.stack(a_path, axis=-1)
    b_out = np.stack(b_path, axis=-1)
    return LanchesterTrajectory(
        a=a_out, b=b_out, winner=_winner_by_elimination(a_out[..., -1], b_out[..., -1])
    )


def sample_lanchester(
    rng: np.random.Generator,
    a0: int,
    b0: int,
    model: Lanchester,
    *,
    dt: float,
    steps: int,
    runs: int,
) -> LanchesterTrajectory:
    """Stochastic discrete-time Lanchester attrition with whole units, R replications.

    In each step every unit of A is lost independently with probability ``1 - exp(-h dt)``,
    with hazard ``h = beta B / A`` (square law: B's fire shared over A's units) or ``beta B``
    (linear law), and likewise for B; both sides fire simultaneously.

    Args:
        rng: the random stream.
        a0: side A's initial units (integer >= 0).
        b0: side B's initial units (integer >= 0).
        model: coefficients and law.
        dt: step length (> 0).
        steps: number of steps (>= 0).
        runs: replications R (>= 1).

    Returns:
        Integer strengths of shape (R, steps + 1) and the winner per run.

    Raises:
        ParameterError: naming the impossible argument.
    """
    _check_steps(dt, steps)
    _check_count("sample_lanchester", "a0", a0)
    _check_count("sample_lanchester", "b0", b0)
    if int(runs) != runs or runs < 1:
        raise ParameterError(f"runs must be an integer >= 1, got {runs!r}")
    a = np.full(int(runs), int(a0), dtype=np.int64)
    b = np.full(int(runs), int(b0), dtype=np.int64)
    a_path, b_path = [a], [b]
    for _ in range(int(steps)):
        if model.law == "square":
            hazard_a = model.beta * b / np.maximum(a, 1)
            hazard_b = model.alpha * a / np.maximum(b, 1)
        else:
            hazard_a = model.beta * b.astype(np.float64)
            hazard_b = model.alpha * a.astype(np.float64)
        lost_a = rng.binomial(a, -np.expm1(-hazard_a * dt))
        lost_b = rng.binomial(b, -np.expm1(-hazard_b * dt))
        a, b = a - lost_a, b - lost_b
        a_path.append(a)
        b_path.append(b)
    a_out = np.stack(a_path, axis=-1)
    b_out = np.stack(b_path, axis=-1)
    return LanchesterTrajectory(
        a=a_out, b=b_out, winner=_winner_by_elimination(a_out[:, -1], b_out[:, -1])
    )
