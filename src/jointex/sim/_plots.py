"""Figures of simulation results: metric distributions, daily activity, sweep curves.

Functions return matplotlib figures; saving them is the caller's (the CLI's) job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: figures are written to files

import matplotlib.pyplot as plt
import numpy as np

from jointex.sim._engine import METRICS
from jointex.sim._run import SimulationResult

__all__ = ["daily_activity_figure", "distribution_figure", "sweep_figure"]


def distribution_figure(result: SimulationResult) -> Any:
    """Histograms of every per-run metric, with the mean and the 5-95% range marked."""
    names = list(METRICS)
    cols = 3
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        values = result.metrics[name]
        values = values[~np.isnan(values)]
        if values.size:
            ax.hist(values, bins=40, color="#4c72b0", alpha=0.85)
            p05, p95 = np.quantile(values, [0.05, 0.95])
            ax.axvspan(p05, p95, color="#dd8452", alpha=0.15, label="5-95%")
            ax.axvline(values.mean(), color="#c44e52", lw=1.5, label="mean")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(METRICS[name], fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{result.scenario}: {result.runs} runs, seed {result.seed}, {result.days} days")
    fig.tight_layout()
    return fig


def daily_activity_figure(result: SimulationResult) -> Any:
    """Aircraft and vessels per day: median and 5-95% band over runs, phases shaded."""
    fig, ax = plt.subplots(figsize=(10, 4))
    days = np.arange(result.days)
    for data, label, colour in (
        (result.daily_aircraft, "aircraft", "#4c72b0"),
        (result.daily_vessels, "vessels", "#55a868"),
    ):
        p05, p50, p95 = np.quantile(data, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(days, p05, p95, color=colour, alpha=0.2)
        ax.plot(days, p50, color=colour, label=f"{label} (median, 5-95% band)")
    for i, (phase, first, last) in enumerate(result.phases):
        if i % 2:
            ax.axvspan(first - 0.5, last - 0.5, color="grey", alpha=0.08)
        ax.text(
            (first + last - 1) / 2,
            ax.get_ylim()[1] * 0.97,
            phase,
            ha="center",
            va="top",
            fontsize=7,
        )
    ax.set_xlabel("day")
    ax.set_ylabel("per day")
    ax.set_title(f"{result.scenario}: daily adversary activity over {result.runs} runs")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def sweep_figure(
    rows: Sequence[dict[str, Any]], keys: Sequence[str], metrics: Sequence[str]
) -> Any:
    """Each metric's mean (with 95% CI) against the first varied key, one line per other combo."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False)
    x_key = keys[0]
    x_values = list(dict.fromkeys(row["values"][x_key] for row in rows))
    positions = {v: i for i, v in enumerate(x_values)}
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row["values"][k] for k in keys[1:]), []).append(row)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        for other, members in groups.items():
            xs = [positions[m["values"][x_key]] for m in members]
            means = [_num(m["metrics"][metric]["mean"]) for m in members]
            low = [_num(m["metrics"][metric]["ci95"][0]) for m in members]
            high = [_num(m["metrics"][metric]["ci95"][1]) for m in members]
            label = ", ".join(f"{k}={v}" for k, v in zip(keys[1:], other, strict=True)) or None
            ax.errorbar(
                xs,
                means,
                yerr=[np.subtract(means, low), np.subtract(high, means)],
                marker="o",
                capsize=3,
                label=label,
            )
        ax.set_xticks(range(len(x_values)), [str(v) for v in x_values])
        ax.set_xlabel(x_key, fontsize=8)
        ax.set_title(metric, fontsize=9)
        if len(groups) > 1:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)
