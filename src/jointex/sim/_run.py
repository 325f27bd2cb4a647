"""Running many replications: blocks, random streams, backends and results.

Runs are cut into blocks of ``BLOCK_RUNS``; block b draws from its own stream,
``Generator(PCG64(SeedSequence(seed).spawn(n_blocks)[b]))``. Blocks are the unit of work of every
backend (serial, a local Dask cluster, a remote one), so the same seed and runs give identical
results however many workers there are, and adding runs only appends blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jointex._errors import ParameterError
from jointex.scenario import Scenario
from jointex.sim._engine import METRICS, BlockResult, simulate_block
from jointex.sim._overrides import apply_overrides
from jointex.sim._summary import Summary, summarise_runs
from jointex.sim._theatre import Theatre, build_theatre

__all__ = ["BLOCK_RUNS", "Progress", "SimulationResult", "run_block", "simulate"]

BLOCK_RUNS = 500
"""Replications per block: large enough to amortise NumPy overhead, small enough to bound memory."""

Progress = Callable[[int], None]
"""Called with the number of runs just completed."""


@dataclass(frozen=True, slots=True, eq=False)
class SimulationResult:
    """Everything a simulation produced.

    Attributes:
        scenario: the scenario id.
        runs: replications.
        seed: the seed.
        days: days simulated.
        overrides: the ``--set`` assignments applied, as given.
        metrics: metric name -> per-run values (R,).
        daily_aircraft: aircraft per run and day (R, days).
        daily_vessels: vessels per run and day (R, days).
        phases: (phase id, first day, last day) for plots.
    """

    scenario: str
    runs: int
    seed: int
    days: int
    overrides: tuple[tuple[str, Any], ...]
    metrics: dict[str, NDArray[np.float64]]
    daily_aircraft: NDArray[np.int32]
    daily_vessels: NDArray[np.int32]
    phases: tuple[tuple[str, int, int], ...] = field(default=())

    def summary(self) -> dict[str, Summary]:
        """Summary of every metric."""
        return {name: summarise_runs(values) for name, values in self.metrics.items()}

    def as_json(self) -> dict[str, object]:
        """The ``--json`` document: scenario, runs, seed, days, overrides and metric summaries."""
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "days": self.days,
            "overrides": dict(self.overrides),
            "metrics": {k: s.as_json() for k, s in self.summary().items()},
        }


def _blocks(runs: int) -> list[tuple[int, int]]:
    return [(start, min(start + BLOCK_RUNS, runs)) for start in range(0, runs, BLOCK_RUNS)]


def run_block(theatre: Theatre, seed: int, index: int, runs: int) -> BlockResult:
    """Simulate block ``index`` (of any total) with its own stream; used by every backend."""
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    return simulate_block(theatre, np.random.Generator(np.random.PCG64(child)), runs)


def simulate(
    scenario: Scenario,
    runs: int,
    seed: int = 0,
    *,
    days: int | None = None,
    overrides: Sequence[tuple[str, Any]] = (),
    workers: int | None = None,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run ``runs`` replications of a scenario.

    Args:
        scenario: the scenario.
        runs: replications (>= 1).
        seed: the seed; the same seed, runs and options give identical results.
        days: days to simulate (default: the scenario's duration).
        overrides: ``(key path, value)`` assignments (``--set``).
        workers: start a local Dask cluster with this many worker processes (None or 1: serial).
        cluster: address of an existing Dask scheduler, e.g. ``tcp://host:8786``.
        progress: called with the number of runs completed, block by block.

    Returns:
        The per-run metrics and daily activity.

    Raises:
        ParameterError: impossible options or parameters.
    """
    if runs < 1:
        raise ParameterError(f"--runs must be at least 1, got {runs}")
    if days is not None and days < 1:
        raise ParameterError(f"--days must be at least 1, got {days}")
    if seed < 0:
        raise ParameterError(f"--seed must be >= 0, got {seed}")
    if workers is not None and cluster:
        raise ParameterError("give --workers or --cluster, not both")
    if workers is not None and workers < 1:
        raise ParameterError(f"--workers must be at least 1, got {workers}")
    changed = apply_overrides(scenario, overrides)
    theatre = build_theatre(changed, days)
    blocks = _blocks(runs)
    if cluster or (workers is not None and workers > 1):
        results = _dask(theatre, seed, blocks, workers=workers, cluster=cluster, progress=progress)
    else:
        results = []
        for index, (start, stop) in enumerate(blocks):
            results.append(run_block(theatre, seed, index, stop - start))
            if progress:
                progress(stop - start)
    return SimulationResult(
        scenario=scenario.id,
        runs=runs,
        seed=seed,
        days=theatre.days,
        overrides=tuple(overrides),
        metrics={m: np.concatenate([r.metrics[m] for r in results]) for m in METRICS},
        daily_aircraft=np.concatenate([r.daily_aircraft for r in results]),
        daily_vessels=np.concatenate([r.daily_vessels for r in results]),
        phases=tuple((p.id, p.first_day, p.last_day) for p in theatre.phases),
    )


def _dask(
    theatre: Theatre,
    seed: int,
    blocks: list[tuple[int, int]],
    *,
    workers: int | None,
    cluster: str | None,
    progress: Progress | None,
) -> list[BlockResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise ParameterError(f"--workers/--cluster need dask.distributed: {exc}") from None
    local = None
    try:
        if cluster:
            client = Client(cluster, timeout="10s")
        else:
            local = LocalCluster(
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            client = Client(local)
    except OSError as exc:
        raise ParameterError(f"cannot reach the Dask cluster {cluster!r}: {exc}") from None
    try:
        remote = client.scatter(theatre, broadcast=True)
        futures = [
            client.submit(run_block, remote, seed, i, stop - start, pure=False)
            for i, (start, stop) in enumerate(blocks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[BlockResult | None] = [None] * len(futures)
        for future in as_completed(futures):
            i = index[future.key]
            results[i] = future.result()
            if progress:
                start, stop = blocks[i]
                progress(stop - start)
        return [r for r in results if r is not None]
    finally:
        client.close()
        if local is not None:
            local.close()
