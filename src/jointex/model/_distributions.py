"""Delay distributions shared by the models: the `Delay` value object and its vectorised samplers.

Every delay in `jointex.model` (report, decision, scramble, time on station, call-up stages, ...)
is a gamma distribution described by its mean and coefficient of variation (cv = std / mean).
The gamma family spans the useful cases with one shape parameter: cv = 0 is a fixed delay,
cv = 1 is exponential (memoryless, as Erlang C assumes), cv < 1 is the peaked shape of a
drilled procedure and cv > 1 the long tail of a delay that sometimes goes badly.

Parameters are in minutes throughout the models; `Delay.hours` builds one from hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jointex._errors import ParameterError

__all__ = ["Delay", "sample_delays"]


def _check_finite_non_negative(owner: str, name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ParameterError(f"{owner}.{name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class Delay:
    """A gamma-distributed delay given by its mean and coefficient of variation.

    Attributes:
        mean_minutes: mean delay in minutes (>= 0).
        cv: coefficient of variation, standard deviation / mean (>= 0); 0 means a fixed delay,
            1 an exponential one.

    Raises:
        ParameterError: if either field is negative or not finite.
    """

    mean_minutes: float
    cv: float = 0.0

    def __post_init__(self) -> None:
        _check_finite_non_negative("Delay", "mean_minutes", self.mean_minutes)
        _check_finite_non_negative("Delay", "cv", self.cv)

    @classmethod
    def hours(cls, mean_hours: float, cv: float = 0.0) -> Delay:
        """Build a delay from a mean in hours (the models still see minutes).

        Args:
            mean_hours: mean delay in hours.
            cv: coefficient of variation.

        Returns:
            The equivalent `Delay` with ``mean_minutes = 60 * mean_hours``.

        Raises:
            ParameterError: if either argument is negative or not finite.
        """
        _check_finite_non_negative("Delay", "mean_hours", mean_hours)
        return cls(mean_minutes=60.0 * mean_hours, cv=cv)

    @property
    def fixed(self) -> bool:
        """Whether the delay is deterministic (cv = 0 or mean = 0)."""
        return self.cv == 0.0 or self.mean_minutes == 0.0

    @property
    def variance(self) -> float:
        """Variance in minutes squared: ``(cv * mean)**2``."""
        return (self.cv * self.mean_minutes) ** 2

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> NDArray[np.float64]:
        """Draw delays in minutes.

        Args:
            rng: the random stream.
            size: output shape.

        Returns:
            A float64 array of the given shape; gamma with shape ``1/cv**2`` and scale
            ``mean * cv**2``, or the mean everywhere when the delay is fixed (no draws are made).
        """
        if self.fixed:
            return np.full(size, float(self.mean_minutes))
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_minutes / shape, size)


def sample_delays(
    rng: np.random.Generator, delays: Sequence[Delay], which: NDArray[np.integer]
) -> NDArray[np.float64]:
    """Draw one delay per element of ``which`` from ``delays[which[i]]``, in one vectorised pass.

    Used where the delay's parameters depend on a per-event choice (e.g. the base whose alert
    pair was scrambled).

    Args:
        rng: the random stream.
        delays: the candidate distributions.
        which: integer indices into ``delays``, any shape.

    Returns:
        A float64 array shaped like ``which``, in minutes.
    """
    means = np.array([d.mean_minutes for d in delays], dtype=np.float64)
    cvs = np.array([d.cv for d in delays], dtype=np.float64)
    random = (cvs > 0) & (means > 0)
    mean = np.asarray(means[which], dtype=np.float64)
    if not random.any():
        return mean
    shape = np.where(random, 1.0 / np.where(random, cvs, 1.0) ** 2, 1.0)[which]
    # gamma(k) / k has mean 1 and cv 1/sqrt(k); scaling by the mean gives the wanted delay.
    draw = rng.gamma(shape) / shape * mean
    return np.asarray(np.where(random[which], draw, mean), dtype=np.float64)
