"""The engine against an independent SimPy implementation of the same model (statistical agreement).

The reference lives in ``benchmarks/simpy_reference.py`` (it is also the speed benchmark's peer)
and draws from its own random streams, so the two agree in distribution, not draw for draw: each
metric's mean over runs must agree within three combined standard errors.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from jointex import scenario as scenarios
from jointex.scenario import Scenario
from jointex.sim import METRICS, Theatre, apply_overrides, build_theatre, simulate

REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "simpy_reference.py"
FLAGSHIP = "grey-zone-surge"
DAYS = 30
ENGINE_RUNS = 2_000

SimulateSimpy = Callable[[Theatre, int, int], dict[str, NDArray[np.float64]]]


def _reference() -> SimulateSimpy:
    name = "jointex_benchmarks_simpy_reference"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REFERENCE)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file executes
        spec.loader.exec_module(module)
    simulate_simpy: SimulateSimpy = module.simulate_simpy
    return simulate_simpy


def _scenario() -> Scenario:
    # The flagship when it is shipped and valid, else the tutorial.
    if FLAGSHIP in scenarios.builtin_names():
        text = scenarios.builtin_text(FLAGSHIP)
        if not scenarios.check(text):
            return scenarios.loads(text)
    return scenarios.loads(scenarios.builtin_text("tutorial"))


def _mean_se(values: NDArray[np.float64]) -> tuple[float, float]:
    finite = values[np.isfinite(values)]  # NaN where a run has nothing to average
    if finite.size < 2:
        return (float(finite.mean()) if finite.size else math.nan), math.inf
    return float(finite.mean()), float(finite.std(ddof=1) / math.sqrt(finite.size))


def _disagreements(
    overrides: tuple[tuple[str, Any], ...], simpy_runs: int, seed: int
) -> tuple[str, list[str]]:
    base = _scenario()
    engine = simulate(base, ENGINE_RUNS, seed, days=DAYS, overrides=overrides).metrics
    theatre = build_theatre(apply_overrides(base, overrides), DAYS)
    peer = _reference()(theatre, simpy_runs, seed + 1)
    rows = []
    for name in METRICS:
        undefined = np.isnan(engine[name]).all(), np.isnan(peer[name]).all()
        if undefined[0] or undefined[1]:
            if undefined[0] != undefined[1]:  # defined on one side only: different models
                rows.append(f"{name}: undefined in {'engine' if undefined[0] else 'simpy'} only")
            continue
        (m1, se1), (m2, se2) = _mean_se(engine[name]), _mean_se(peer[name])
        combined = math.hypot(se1, se2)
        agree = abs(m1 - m2) <= 1e-12 if combined == 0 else abs(m1 - m2) <= 3 * combined
        if not agree:
            rows.append(f"{name}: engine {m1:.6g} +- {se1:.3g}, simpy {m2:.6g} +- {se2:.3g}")
    return base.id, rows


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "simpy_runs"),
    [
        pytest.param((), 1_500, id="as-written"),
        pytest.param(
            (
                ("response.policy", "scramble-all"),
                ("response.max_wait_minutes", 20),
                ("response.turnaround.mean_minutes", 240),
            ),
            500,
            id="loaded-alert-queue",
        ),
        pytest.param(
            (("mobilisation.trigger_escalation", 1), ("mobilisation.process_stations", 12)),
            300,
            id="reserves-called-up",
        ),
    ],
)
def test_engine_and_simpy_means_agree(
    overrides: tuple[tuple[str, Any], ...], simpy_runs: int
) -> None:
    """Every metric's mean over 30-day runs agrees with SimPy's within three standard errors."""
    scenario_id, rows = _disagreements(overrides, simpy_runs, seed=2024)
    assert not rows, f"{scenario_id} {dict(overrides)}:\n" + "\n".join(rows)


def test_reference_reports_every_engine_metric() -> None:
    """The SimPy reference returns one value per run for exactly the engine's metrics."""
    theatre = build_theatre(_scenario(), 3)
    peer = _reference()(theatre, 4, 0)
    assert set(peer) == set(METRICS)
    assert all(values.shape == (4,) for values in peer.values())
