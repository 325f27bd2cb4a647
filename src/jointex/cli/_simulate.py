"""``jointex simulate`` and ``jointex sweep``: the theatre simulation from the command line."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jointex._errors import ParameterError
from jointex.cli._common import emit_json, err, out, replacing
from jointex.scenario import resolve
from jointex.sim import METRICS, SimulationResult, parse_assignment, simulate
from jointex.sim._sweep import parse_vary, sweep

__all__ = ["simulate_command", "summary_table", "sweep_command", "write_results"]

_SET_HELP = "Change an assumption, e.g. --set response.policy=track-only (repeatable)."


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Any]:
    if quiet:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _parse_sets(values: list[str]) -> list[tuple[str, Any]]:
    return [parse_assignment(v) for v in values]


def write_results(result: SimulationResult, path: Path) -> None:
    """Write per-run metrics: Parquet (one row per run) or JSON (summary plus per-run arrays)."""
    if path.suffix == ".parquet":
        import pyarrow as pa  # noqa: PLC0415 - heavy import, only when asked for
        import pyarrow.parquet as pq  # noqa: PLC0415

        columns: dict[str, Any] = {"run": list(range(result.runs))}
        columns.update({name: result.metrics[name] for name in METRICS})
        table = pa.table(columns)
        meta = {b"jointex": json.dumps(result.as_json(), sort_keys=True).encode()}
        with replacing(path) as temporary:
            pq.write_table(table.replace_schema_metadata(meta), temporary)
    elif path.suffix == ".json":
        doc = result.as_json()
        doc["per_run"] = {
            name: [None if math.isnan(v) else round(float(v), 6) for v in result.metrics[name]]
            for name in METRICS
        }
        with replacing(path) as temporary:
            temporary.write_text(json.dumps(doc, sort_keys=True) + "\n", encoding="utf-8")
    else:
        raise ParameterError(f"--out {path}: use a .parquet or .json file")


def _write_plots(result: SimulationResult, folder: Path) -> list[Path]:
    from jointex.sim._plots import daily_activity_figure, distribution_figure  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, make in (
        ("distributions", distribution_figure),
        ("daily_activity", daily_activity_figure),
    ):
        figure = make(result)
        for suffix in (".png", ".svg"):
            target = folder / f"{stem}{suffix}"
            figure.savefig(target, dpi=120)
            written.append(target)
    return written


def summary_table(result: SimulationResult) -> Table:
    """The simulation summary as a Rich table (runs where a metric is undefined are noted)."""
    table = Table(
        title=f"{result.scenario}: {result.runs} runs, seed {result.seed}, {result.days} days",
        caption="CI: 95% confidence interval of the mean",
    )
    table.add_column("metric", no_wrap=True)
    for column in ("mean", "std", "p05", "p50", "p95", "CI"):
        table.add_column(column, no_wrap=True, justify="right")
    for name, s in result.summary().items():
        label = name if s.runs == result.runs else f"{name} ({s.runs} runs)"
        table.add_row(
            label,
            f"{s.mean:.4g}",
            f"{s.std:.2g}",
            f"{s.p05:.3g}",
            f"{s.p50:.3g}",
            f"{s.p95:.3g}",
            f"{s.ci95[0]:.3g}-{s.ci95[1]:.3g}",
        )
    return table


def simulate_command(
    scenario: str = typer.Argument(..., help="A scenario file or built-in name."),
    runs: int = typer.Option(1000, "--runs", "-n", help="Replications."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same results."),
    days: int | None = typer.Option(None, "--days", help="Days to simulate (default: duration)."),
    sets: list[str] = typer.Option([], "--set", help=_SET_HELP),
    workers: int | None = typer.Option(None, "--workers", help="Start a local Dask cluster."),
    cluster: str | None = typer.Option(None, "--cluster", help="Dask scheduler, tcp://host:8786."),
    output: Path | None = typer.Option(None, "--out", help="Per-run results: FILE.parquet|.json"),
    plot: Path | None = typer.Option(None, "--plot", help="Write PNG and SVG plots here."),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run the theatre simulation: N seeded replications, then a summary of every metric.

    Example: jointex simulate grey-zone-surge --runs 10000 --seed 7 --days 30 --set c2.sharing.mean_minutes=60 --plot out/
    """
    loaded = resolve(scenario)
    with _progress(runs, "simulating", json_output) as advance:
        result = simulate(
            loaded,
            runs,
            seed,
            days=days,
            overrides=_parse_sets(sets),
            workers=workers,
            cluster=cluster,
            progress=advance,
        )
    if output is not None:
        write_results(result, output)
        err.print(f"wrote {output}")
    if plot is not None:
        for path in _write_plots(result, plot):
            err.print(f"wrote {path}")
    if json_output:
        emit_json(result.as_json())
    else:
        out.print(summary_table(result))


def sweep_command(
    scenario: str = typer.Argument(..., help="A scenario file or built-in name."),
    vary: list[str] = typer.Option(..., "--vary", help="KEY=V1,V2,... (repeatable)."),
    runs: int = typer.Option(1000, "--runs", "-n", help="Replications per combination."),
    seed: int = typer.Option(0, "--seed", help="Seed shared by all combinations."),
    days: int | None = typer.Option(None, "--days", help="Days to simulate."),
    sets: list[str] = typer.Option([], "--set", help=_SET_HELP),
    metrics: list[str] = typer.Option(
        ["response_time_minutes", "unanswered_fraction", "alert_utilisation"],
        "--metric",
        help="Metrics to tabulate and plot (repeatable).",
    ),
    workers: int | None = typer.Option(None, "--workers", help="Start a local Dask cluster."),
    cluster: str | None = typer.Option(None, "--cluster", help="Dask scheduler address."),
    plot: Path | None = typer.Option(None, "--plot", help="Write sweep.png and sweep.svg here."),
    json_output: bool = typer.Option(False, "--json", help="Print every combination as JSON."),
) -> None:
    """Simulate every combination of varied assumptions (many iterations, systematic variation).

    Example: jointex sweep grey-zone-surge --vary c2.sharing.mean_minutes=10,30,90 --vary response.policy=scramble-all,threshold --runs 2000 --plot out/
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ParameterError(f"unknown --metric {unknown[0]!r} (known: {', '.join(METRICS)})")
    parsed = [parse_vary(v) for v in vary]
    combos = 1
    for _, values in parsed:
        combos *= len(values)
    loaded = resolve(scenario)
    with _progress(runs * combos, f"sweeping {combos} combinations", json_output) as advance:
        rows = sweep(
            loaded,
            parsed,
            runs,
            seed,
            days=days,
            overrides=_parse_sets(sets),
            workers=workers,
            cluster=cluster,
            progress=advance,
        )
    keys = [k for k, _ in parsed]
    if plot is not None:
        from jointex.sim._plots import sweep_figure  # noqa: PLC0415

        plot.mkdir(parents=True, exist_ok=True)
        figure = sweep_figure(rows, keys, metrics)
        for suffix in (".png", ".svg"):
            figure.savefig(plot / f"sweep{suffix}", dpi=120)
            err.print(f"wrote {plot / f'sweep{suffix}'}")
    if json_output:
        emit_json(
            {
                "scenario": loaded.id,
                "runs": runs,
                "seed": seed,
                "vary": dict(parsed),
                "combinations": rows,
            }
        )
        return
    table = Table(*keys, *metrics, title=f"{loaded.id}: {combos} combinations x {runs} runs")
    for row in rows:
        cells = [str(row["values"][k]) for k in keys]
        for m in metrics:
            s = row["metrics"][m]
            cells.append(
                "-"
                if s["mean"] is None
                else f"{s['mean']:.4g} [{s['ci95'][0]:.4g}, {s['ci95'][1]:.4g}]"
            )
        table.add_row(*cells)
    out.print(table)
