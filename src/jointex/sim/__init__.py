"""The Monte Carlo engine: runs the models over N seeded replications, summaries, backends."""

from jointex.sim._engine import METRICS, BlockResult, simulate_block
from jointex.sim._overrides import apply_overrides, parse_assignment
from jointex.sim._run import BLOCK_RUNS, Progress, SimulationResult, run_block, simulate
from jointex.sim._summary import Summary, summarise_runs
from jointex.sim._theatre import PhaseModel, Theatre, build_theatre, haversine_km

__all__ = [
    "BLOCK_RUNS",
    "METRICS",
    "BlockResult",
    "PhaseModel",
    "Progress",
    "SimulationResult",
    "Summary",
    "Theatre",
    "apply_overrides",
    "build_theatre",
    "haversine_km",
    "parse_assignment",
    "run_block",
    "simulate",
    "simulate_block",
    "summarise_runs",
]
