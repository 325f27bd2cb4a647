"""Summaries of per-run metrics: mean, spread, quantiles and a 95% confidence interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Summary", "summarise_runs"]

_Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Summary:
    """One metric over the runs where it is defined.

    Attributes:
        mean: sample mean.
        std: sample standard deviation (ddof=1; 0 for one run).
        p05: 5th percentile.
        p50: median.
        p95: 95th percentile.
        ci95: normal-approximation 95% confidence interval of the mean, clipped to the range
            of the data.
        runs: runs where the metric is defined (not NaN).
    """

    mean: float
    std: float
    p05: float
    p50: float
    p95: float
    ci95: tuple[float, float]
    runs: int

    def as_json(self, digits: int = 6) -> dict[str, object]:
        """JSON-ready dict, rounded to ``digits`` significant digits so output is portable."""
        r = _round(digits)
        return {
            "mean": r(self.mean),
            "std": r(self.std),
            "p05": r(self.p05),
            "p50": r(self.p50),
            "p95": r(self.p95),
            "ci95": [r(self.ci95[0]), r(self.ci95[1])],
            "runs": self.runs,
        }


def summarise_runs(values: NDArray[np.float64]) -> Summary:
    """Summarise one metric's per-run values, ignoring NaN (runs where it is undefined).

    Args:
        values: shape (R,).

    Returns:
        The summary; all fields NaN when no run defines the metric.
    """
    finite = values[~np.isnan(values)]
    n = int(finite.size)
    if n == 0:
        nan = math.nan
        return Summary(nan, nan, nan, nan, nan, (nan, nan), 0)
    mean = float(finite.mean())
    std = float(finite.std(ddof=1)) if n > 1 else 0.0
    p05, p50, p95 = (float(q) for q in np.quantile(finite, [0.05, 0.5, 0.95]))
    half = _Z95 * std / math.sqrt(n)
    # the normal approximation can overshoot what is possible (a negative share); clip to the data
    low, high = max(mean - half, float(finite.min())), min(mean + half, float(finite.max()))
    return Summary(mean, std, p05, p50, p95, (low, high), n)


def _round(digits: int):  # type: ignore[no-untyped-def]
    def round_(x: float) -> float | None:
        if math.isnan(x):
            return None
        return float(f"{x:.{digits}g}")

    return round_
