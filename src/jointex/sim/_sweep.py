"""Sweeps: every combination of varied assumptions, simulated with common random numbers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from jointex._errors import ParameterError
from jointex.scenario import Scenario
from jointex.sim._overrides import apply_overrides, parse_assignment
from jointex.sim._run import Progress, simulate

__all__ = ["parse_vary", "sweep"]


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Read ``key=v1,v2,...`` into the key and its values (each read as YAML).

    Raises:
        ParameterError: no values.
    """
    key, _, raw = text.partition("=")
    parts = [part.strip() for part in raw.split(",")]
    if not key.strip() or not raw.strip() or any(not part for part in parts):
        raise ParameterError(f"--vary {text!r}: expected KEY=V1,V2,... with non-empty values")
    return key.strip(), [parse_assignment(f"value={part}")[1] for part in parts]


def sweep(
    scenario: Scenario,
    vary: Sequence[tuple[str, Sequence[Any]]],
    runs: int,
    seed: int = 0,
    *,
    days: int | None = None,
    overrides: Sequence[tuple[str, Any]] = (),
    workers: int | None = None,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Simulate every combination of the varied values (the same seed for each: common numbers).

    Args:
        scenario: the base scenario.
        vary: (key path, values) per varied assumption.
        runs: replications per combination.
        seed: the seed shared by all combinations.
        days: days to simulate.
        overrides: fixed ``--set`` assignments applied first.
        workers: local Dask workers.
        cluster: Dask scheduler address.
        progress: called with runs completed.

    Returns:
        One row per combination: ``{"values": {key: value}, "metrics": {name: summary json}}``.

    Raises:
        ParameterError: an unknown key or invalid value (checked before any run).
    """
    if not vary:
        raise ParameterError("sweep needs at least one --vary KEY=V1,V2")
    keys = [k for k, _ in vary]
    combos = list(itertools.product(*(values for _, values in vary)))
    for combo in combos:  # fail fast, before hours of simulation
        apply_overrides(scenario, [*overrides, *zip(keys, combo, strict=True)])
    rows = []
    for combo in combos:
        result = simulate(
            scenario,
            runs,
            seed,
            days=days,
            overrides=[*overrides, *zip(keys, combo, strict=True)],
            workers=workers,
            cluster=cluster,
            progress=progress,
        )
        rows.append(
            {
                "values": dict(zip(keys, combo, strict=True)),
                "metrics": {k: s.as_json() for k, s in result.summary().items()},
            }
        )
    return rows
