"""Reserve mobilisation in the engine: how fast the call-up pipeline makes reservists ready.

The call-up of N reservists through c identical processing stations is simulated for one
station's share, ceil(N / c) reservists queueing at one station, which is exact when reservists
are assigned to stations evenly. A share larger than ``_MAX_COHORT`` is simulated as k times
fewer reservists with k times the service time, which keeps the station's load (and so its
queue) the same to a good approximation while bounding the work per block whatever N is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from jointex.model import CallUp, Delay, sample_mobilisation
from jointex.scenario import Scenario

__all__ = ["MobilisationModel", "build_mobilisation", "mobilisation_metrics"]

_MAX_COHORT = 100  # reservists simulated per run: smooth enough quantiles, bounded work


@dataclass(frozen=True, slots=True)
class MobilisationModel:
    """The call-up as the engine runs it.

    Attributes:
        call_up: the pipeline of one station's (possibly scaled) share.
        cohort: reservists simulated per run.
        trigger_day: first day whose phase reaches the trigger escalation, or None.
    """

    call_up: CallUp
    cohort: int
    trigger_day: int | None


def build_mobilisation(
    scenario: Scenario, phase_days: list[tuple[int, int, int | None]]
) -> MobilisationModel | None:
    """The engine's mobilisation model, or None when the scenario calls up nobody.

    Args:
        scenario: the scenario.
        phase_days: (first day, last day, escalation on entering) per simulated phase.
    """
    spec = scenario.mobilisation
    if spec.reservists <= 0:
        return None
    share = math.ceil(spec.reservists / spec.process_stations)
    scale = math.ceil(share / _MAX_COHORT)
    cohort = math.ceil(share / scale)
    call_up = CallUp(
        notify=Delay(spec.notify.mean_minutes, spec.notify.cv),
        travel=Delay(spec.travel.mean_minutes, spec.travel.cv),
        process=Delay(spec.process.mean_minutes * scale, spec.process.cv),
        equip=Delay(spec.equip.mean_minutes, spec.equip.cv),
        stations=1,
    )
    trigger = next(
        (
            first
            for first, _, level in phase_days
            if level is not None and level >= spec.trigger_escalation
        ),
        None,
    )
    return MobilisationModel(call_up, cohort, trigger)


def mobilisation_metrics(
    model: MobilisationModel | None, rng: np.random.Generator, runs: int, days: int
) -> dict[str, NDArray[np.float64]]:
    """Per-run mobilisation metrics.

    Returns:
        ``mobilisation_hours_to_half`` and ``mobilisation_hours_to_90pct``: hours from the
        call-up until half and 90% of reservists are ready (NaN if never); and
        ``reservists_ready_at_end``: share ready by the end of the horizon when a phase triggers
        the call-up (NaN when none does).
    """
    nan = np.full(runs, np.nan)
    if model is None:
        return {
            "mobilisation_hours_to_half": nan,
            "mobilisation_hours_to_90pct": nan.copy(),
            "reservists_ready_at_end": nan.copy(),
        }
    ready = sample_mobilisation(rng, model.call_up, model.cohort, runs)
    ready.sort(axis=1)
    half = ready[:, max(0, math.ceil(0.5 * model.cohort) - 1)]
    ninety = ready[:, max(0, math.ceil(0.9 * model.cohort) - 1)]
    if model.trigger_day is None:
        at_end = nan.copy()
    else:
        window = (days - model.trigger_day) * 24.0
        at_end = (ready <= window).mean(axis=1)
    return {
        "mobilisation_hours_to_half": np.where(np.isfinite(half), half, np.nan),
        "mobilisation_hours_to_90pct": np.where(np.isfinite(ninety), ninety, np.nan),
        "reservists_ready_at_end": at_end,
    }
