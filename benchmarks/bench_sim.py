"""Monte Carlo runs per second: JointEx's vectorised engine against a SimPy implementation.

Run with ``python benchmarks/bench_sim.py [--runs N] [--simpy-runs M] [--days 30]
[--scenario grey-zone-surge] [--memory] [--json]``.

Peer: ``benchmarks/simpy_reference.py``, the same rapid-response model written as a SimPy
modeller would (an Environment per replication, a daily generator, a process per incursion
group, a Resource per alert pair). Both read the same ``Theatre``. The engine runs N
replications serially on one core (``jointex.sim.simulate``), the reference M (its rate is per
run, so M can be small); the ratio of runs per second is printed with the targets (>= 50x, and
10,000 runs in <= 10 s). A z-score per metric checks that the two compute the same thing.
``--memory`` measures the engine's peak resident memory at 100,000 runs in a fresh subprocess
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``; target <= 1 GiB).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from jointex import scenario as scenarios
from jointex.scenario import Scenario
from jointex.sim import METRICS, build_theatre, simulate

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 50.0
TARGET_SECONDS_10K = 10.0
TARGET_MEMORY_BYTES = 1 << 30

_MEMORY_PROBE = """
import resource, sys, time
from jointex import scenario
from jointex.sim import simulate
sc = scenario.loads(scenario.builtin_text(sys.argv[1])) if sys.argv[4] == "builtin" else \\
    scenario.load(sys.argv[1])
start = time.perf_counter()
result = simulate(sc, int(sys.argv[2]), 0, days=int(sys.argv[3]))
seconds = time.perf_counter() - start
assert result.metrics["aircraft_per_day"].shape == (int(sys.argv[2]),)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, seconds)
"""


def load_reference() -> Any:
    """Import ``simpy_reference.py`` from this folder (benchmarks is not a package)."""
    name = "jointex_benchmarks_simpy_reference"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "simpy_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_scenario(name: str) -> tuple[Scenario, bool]:
    """A built-in scenario by name, or a scenario file by path; and whether it is a built-in."""
    if name in scenarios.builtin_names():
        return scenarios.loads(scenarios.builtin_text(name)), True
    return scenarios.load(name), False


def mean_se(values: NDArray[np.float64]) -> tuple[float, float]:
    """Mean and standard error over the runs where the metric is defined."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return (float(finite.mean()) if finite.size else math.nan), math.inf
    return float(finite.mean()), float(finite.std(ddof=1) / math.sqrt(finite.size))


def finite_or_null(value: Any) -> Any:
    """The report with NaN and infinities as null, so that it is strict JSON."""
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def peak_memory(name: str, builtin: bool, runs: int, days: int) -> tuple[int, float]:
    """Peak RSS in bytes and wall seconds of the engine running ``runs`` in a fresh process."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEMORY_PROBE,
            name,
            str(runs),
            str(days),
            "builtin" if builtin else "file",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    rss, seconds = done.stdout.split()
    return int(rss), float(seconds)


def main() -> None:
    """Time both implementations on one scenario and print runs/s, the ratio and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="engine replications")
    parser.add_argument("--simpy-runs", type=int, default=200, help="SimPy replications")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scenario", default="grey-zone-surge", help="built-in name or file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory", action="store_true", help="peak memory at --memory-runs")
    parser.add_argument("--memory-runs", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    args = parser.parse_args()

    scenario, builtin = load_scenario(args.scenario)
    simulate_simpy = load_reference().simulate_simpy
    simulate(scenario, 50, args.seed, days=args.days)  # warm caches and lazy imports

    start = time.perf_counter()
    engine = simulate(scenario, args.runs, args.seed, days=args.days).metrics
    engine_seconds = time.perf_counter() - start

    start = time.perf_counter()
    theatre = build_theatre(scenario, args.days)
    peer = simulate_simpy(theatre, args.simpy_runs, args.seed + 1)
    simpy_seconds = time.perf_counter() - start

    engine_rate = args.runs / engine_seconds
    simpy_rate = args.simpy_runs / simpy_seconds
    ratio = engine_rate / simpy_rate
    seconds_10k = 10_000 / engine_rate
    agreement = {}
    for name in METRICS:
        (m1, se1), (m2, se2) = mean_se(engine[name]), mean_se(peer[name])
        combined = math.hypot(se1, se2)
        z = (m1 - m2) / combined if combined > 0 else (0.0 if m1 == m2 else math.inf)
        agreement[name] = {"engine": m1, "engine_se": se1, "simpy": m2, "simpy_se": se2, "z": z}
    report: dict[str, Any] = {
        "scenario": scenario.id,
        "days": args.days,
        "engine": {"runs": args.runs, "seconds": engine_seconds, "runs_per_second": engine_rate},
        "simpy": {"runs": args.simpy_runs, "seconds": simpy_seconds, "runs_per_second": simpy_rate},
        "ratio": ratio,
        "engine_seconds_per_10k": seconds_10k,
        "targets": {
            "ratio": {"target": TARGET_RATIO, "met": ratio >= TARGET_RATIO},
            "seconds_per_10k": {
                "target": TARGET_SECONDS_10K,
                "met": seconds_10k <= TARGET_SECONDS_10K,
            },
        },
        "agreement": agreement,
    }
    if args.memory:
        rss, seconds = peak_memory(args.scenario, builtin, args.memory_runs, args.days)
        report["memory"] = {"runs": args.memory_runs, "peak_rss_bytes": rss, "seconds": seconds}
        report["targets"]["peak_rss_bytes"] = {
            "target": TARGET_MEMORY_BYTES,
            "met": rss <= TARGET_MEMORY_BYTES,
        }
    if args.json:
        print(json.dumps(finite_or_null(report), indent=2, allow_nan=False))
        return
    show(report)


def show(report: dict[str, Any]) -> None:
    """Print the report as Rich tables."""
    console = Console()
    speed = Table(title=f"{report['scenario']}, {report['days']} days, one core")
    for column in ("implementation", "runs", "seconds", "runs/s", "ms/run"):
        speed.add_column(column, justify="left" if column == "implementation" else "right")
    for label, key in (("JointEx engine (vectorised NumPy)", "engine"), ("SimPy", "simpy")):
        row = report[key]
        speed.add_row(
            label,
            f"{row['runs']:,}",
            f"{row['seconds']:.2f}",
            f"{row['runs_per_second']:,.0f}",
            f"{1000 / row['runs_per_second']:.3f}",
        )
    console.print(speed)

    targets = Table(title="targets")
    for column in ("measure", "value", "target", "met"):
        targets.add_column(column, justify="left" if column == "measure" else "right")
    goals = report["targets"]

    def mark(met: bool) -> str:
        return "[green]yes[/green]" if met else "[red]no[/red]"

    targets.add_row(
        "speed-up, engine / SimPy",
        f"{report['ratio']:.1f}x",
        f">= {goals['ratio']['target']:.0f}x",
        mark(goals["ratio"]["met"]),
    )
    targets.add_row(
        "engine seconds per 10,000 runs",
        f"{report['engine_seconds_per_10k']:.2f}",
        f"<= {goals['seconds_per_10k']['target']:.0f}",
        mark(goals["seconds_per_10k"]["met"]),
    )
    if "memory" in report:
        memory = report["memory"]
        targets.add_row(
            f"engine peak RSS at {memory['runs']:,} runs (took {memory['seconds']:.1f} s)",
            f"{memory['peak_rss_bytes'] / 2**20:,.0f} MiB",
            "<= 1,024 MiB",
            mark(goals["peak_rss_bytes"]["met"]),
        )
    console.print(targets)

    same = Table(title="same model? metric means (z = difference / combined standard error)")
    for column in ("metric", "engine", "SimPy", "z"):
        same.add_column(column, justify="left" if column == "metric" else "right")
    for name, row in report["agreement"].items():
        z = row["z"]
        shown = f"{z:+.2f}" if abs(z) <= 4 else f"[red]{z:+.2f}[/red]"
        same.add_row(
            name,
            f"{row['engine']:.4g} ± {row['engine_se']:.2g}",
            f"{row['simpy']:.4g} ± {row['simpy_se']:.2g}",
            shown,
        )
    console.print(same)


if __name__ == "__main__":
    main()
