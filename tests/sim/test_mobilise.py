"""Reserve mobilisation in the engine: scaled cohorts, triggers and the single-station queue."""

from __future__ import annotations

import numpy as np

import jointex.model._mobilisation as mobilisation
from jointex.model import CallUp, Delay, sample_mobilisation
from jointex.scenario import resolve
from jointex.sim import apply_overrides
from jointex.sim._mobilise import build_mobilisation, mobilisation_metrics


def _loop_starts(arrival: np.ndarray, service: np.ndarray) -> np.ndarray:
    order = np.argsort(arrival, axis=1, kind="stable")
    a = np.take_along_axis(arrival, order, axis=1)
    s = np.take_along_axis(service, order, axis=1)
    starts = np.empty_like(a)
    free = np.zeros(a.shape[0])
    for k in range(a.shape[1]):
        begin = np.maximum(free, a[:, k])
        starts[:, k] = begin
        free = begin + s[:, k]
    out = np.empty_like(arrival)
    np.put_along_axis(out, order, starts, axis=1)
    return out


def test_single_station_closed_form_equals_the_loop(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The running-maximum form of one FCFS station gives the loop's ready times exactly."""
    call_up = CallUp(
        Delay(240, 0.5),
        Delay(360, 0.5),
        Delay(10, 0.3),
        Delay(720, 0.5),
        stations=1,
        report_probability=0.9,
    )
    fast = sample_mobilisation(np.random.default_rng(3), call_up, 300, 40)
    monkeypatch.setattr(mobilisation, "_single_station_starts", _loop_starts)
    slow = sample_mobilisation(np.random.default_rng(3), call_up, 300, 40)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)


def test_scaled_cohort_matches_the_full_share() -> None:
    """Simulating 92 reservists at 5x service gives the same readiness as 459 at 1x, within 5%."""
    scenario = resolve("grey-zone-surge")
    model = build_mobilisation(scenario, [(0, 10, 3)])
    assert model is not None
    assert model.cohort < 459
    scaled = mobilisation_metrics(model, np.random.default_rng(0), 400, 10)
    spec = scenario.mobilisation
    full = CallUp(
        Delay(spec.notify.mean_minutes, spec.notify.cv),
        Delay(spec.travel.mean_minutes, spec.travel.cv),
        Delay(spec.process.mean_minutes, spec.process.cv),
        Delay(spec.equip.mean_minutes, spec.equip.cv),
        stations=1,
    )
    ready = np.sort(sample_mobilisation(np.random.default_rng(1), full, 459, 400), axis=1)
    half_full = ready[:, 229].mean()
    assert abs(np.mean(scaled["mobilisation_hours_to_half"]) - half_full) / half_full < 0.05


def test_trigger_from_phase_escalation() -> None:
    """Readiness at the end is defined only when a phase reaches the trigger escalation."""
    scenario = resolve("grey-zone-surge")
    never = build_mobilisation(scenario, [(0, 5, 0), (5, 10, 2)])
    assert never is not None
    assert never.trigger_day is None
    metrics = mobilisation_metrics(never, np.random.default_rng(0), 10, 10)
    assert np.isnan(metrics["reservists_ready_at_end"]).all()
    assert np.isfinite(metrics["mobilisation_hours_to_half"]).all()
    early = build_mobilisation(scenario, [(0, 2, 0), (2, 10, 3)])
    assert early is not None
    assert early.trigger_day == 2
    at_end = mobilisation_metrics(early, np.random.default_rng(0), 10, 3)["reservists_ready_at_end"]
    assert ((at_end >= 0) & (at_end < 1)).all()


def test_no_reservists_no_model() -> None:
    """A scenario that calls up nobody has no mobilisation model and NaN metrics."""
    scenario = apply_overrides(resolve("grey-zone-surge"), [("mobilisation.reservists", 0)])
    assert build_mobilisation(scenario, [(0, 10, 3)]) is None
    metrics = mobilisation_metrics(None, np.random.default_rng(0), 4, 10)
    assert all(np.isnan(v).all() for v in metrics.values())
