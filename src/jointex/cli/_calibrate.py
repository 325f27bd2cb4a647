"""``jointex calibrate``: fit the adversary activity model to a daily-count CSV and check the fit.

Reads the CSV (the only I/O besides printing and the optional YAML output), calls
``fit_activity`` and ``check_fit`` from ``jointex.model``, and renders the result as Rich text,
JSON or a scenario ``activity:`` block.
"""

from __future__ import annotations

import csv as csv_format
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
import yaml
from rich.table import Table

from jointex._errors import ParameterError
from jointex.cli._common import emit_json, out
from jointex.model._calibration import (
    ActivityFit,
    ActivitySeries,
    CheckStat,
    check_fit,
    fit_activity,
)

__all__ = ["activity_block", "calibrate", "read_activity_csv"]

_COLUMNS = ("date", "aircraft", "vessels")
_DIGITS = 6


def _whole_number(text: str, where: str) -> int:
    value = text.strip()
    try:
        number = int(value)
    except ValueError:
        raise ParameterError(f"{where}: {text!r} is not a whole number") from None
    if number < 0:
        raise ParameterError(f"{where}: {number} is negative (counts are >= 0)")
    return number


def read_activity_csv(path: Path) -> ActivitySeries:
    """Read a ``date,aircraft,vessels`` CSV (other columns are ignored).

    Rows are numbered as a spreadsheet shows them: the header is row 1. Rows may come in any
    order; they are sorted by date.

    Args:
        path: the CSV file.

    Returns:
        The series, sorted by date.

    Raises:
        ParameterError: the file cannot be read, a column is missing, a date does not parse or
            repeats, or a count is not a whole number >= 0; the message names the row and column.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv_format.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in _COLUMNS if name not in header]
            if missing:
                names = ", ".join(repr(name) for name in missing)
                raise ParameterError(
                    f"{path}: missing column(s) {names} (the header must name date, aircraft, "
                    f"vessels; found {', '.join(repr(name) for name in header) or 'nothing'})"
                )
            reader.fieldnames = header
            dates: list[dt.date] = []
            aircraft: list[int] = []
            vessels: list[int] = []
            seen: dict[dt.date, int] = {}
            for row in reader:
                line = reader.line_num
                if not any(
                    (value or "").strip() for value in row.values() if isinstance(value, str)
                ):
                    continue  # a blank line
                raw_date = (row.get("date") or "").strip()
                try:
                    day = dt.date.fromisoformat(raw_date)
                except ValueError:
                    raise ParameterError(
                        f"{path}: row {line}, column 'date': {raw_date!r} is not a date "
                        "(expected YYYY-MM-DD)"
                    ) from None
                if day in seen:
                    raise ParameterError(
                        f"{path}: row {line}, column 'date': {raw_date} repeats row {seen[day]}"
                    )
                seen[day] = line
                dates.append(day)
                aircraft.append(
                    _whole_number(
                        row.get("aircraft") or "", f"{path}: row {line}, column 'aircraft'"
                    )
                )
                vessels.append(
                    _whole_number(row.get("vessels") or "", f"{path}: row {line}, column 'vessels'")
                )
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    except csv_format.Error as exc:
        raise ParameterError(f"{path}: not a valid CSV file ({exc})") from exc
    if len(dates) < 3:
        raise ParameterError(f"{path}: need at least 3 data rows, found {len(dates)}")
    order = np.argsort(np.asarray(dates, dtype="datetime64[D]"), kind="stable")
    return ActivitySeries.from_arrays(
        np.asarray(dates, dtype="datetime64[D]")[order],
        np.asarray(aircraft)[order],
        np.asarray(vessels)[order],
    )


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


def activity_block(fit: ActivityFit) -> dict[str, Any]:
    """The fitted parameters as a scenario phase's ``activity:`` block (plain data for YAML).

    Args:
        fit: the fitted model.

    Returns:
        ``{"aircraft": {...}, "vessels": {...}, "weekday_factors": [...], "surge": {...}}``;
        ``surge`` has ``rate_per_day: 0`` when the fit found no surges.
    """
    surge = fit.surge
    return {
        "aircraft": {
            "omega": _round(fit.aircraft.omega),
            "alpha": _round(fit.aircraft.alpha),
            "size": _round(fit.aircraft.size),
        },
        "vessels": {
            "innovation": _round(fit.vessels.innovation),
            "persistence": _round(fit.vessels.persistence),
            "coupling": _round(fit.vessels.coupling),
        },
        "weekday_factors": [_round(factor) for factor in fit.weekday_factors],
        "surge": {
            "rate_per_day": _round(surge.rate_per_day) if surge else 0.0,
            "min_days": surge.min_days if surge else 1,
            "max_days": surge.max_days if surge else 3,
            "aircraft_low": surge.aircraft_low if surge else 50,
            "aircraft_high": surge.aircraft_high if surge else 150,
        },
    }


def _check_json(check: dict[str, CheckStat]) -> dict[str, Any]:
    return {
        name: {
            "observed": _round(stat.observed),
            "simulated": [_round(stat.p05), _round(stat.p50), _round(stat.p95)],
            "passed": stat.passed,
        }
        for name, stat in check.items()
    }


def _yaml_text(fit: ActivityFit, series: ActivitySeries, source: Path, seed: int) -> str:
    header = (
        f"# Adversary activity fitted by `jointex calibrate` to {source.name}\n"
        f"# ({fit.days} days, {series.dates[0]} to {series.dates[-1]}; "
        f"{fit.surge_days} surge days at >= {fit.surge_threshold} aircraft; check seed {seed}).\n"
        "# Paste under a scenario phase. Weekday factors are Monday first.\n"
    )
    body = yaml.safe_dump(
        {"activity": activity_block(fit)}, sort_keys=False, default_flow_style=None
    )
    return header + body


def _render(fit: ActivityFit, check: dict[str, CheckStat], written: Path | None) -> None:
    a, v, s = fit.aircraft, fit.vessels, fit.surge
    out.print(
        f"Fitted on {fit.days} days ({fit.pairs} consecutive-day pairs, "
        f"{fit.surge_days} surge days)"
    )
    out.print(
        f"aircraft: omega={a.omega:.4f} alpha={a.alpha:.4f} size={a.size:.4f} "
        f"(stationary mean {a.stationary_mean:.2f}/day without surges)"
    )
    out.print(
        f"vessels:  innovation={v.innovation:.4f} persistence={v.persistence:.4f} "
        f"coupling={v.coupling:.4f}"
    )
    factors = " ".join(f"{f:.3f}" for f in fit.weekday_factors)
    out.print(f"weekday factors (Mon..Sun): {factors}")
    if s is None:
        out.print("surge: none")
    else:
        out.print(
            f"surge: rate_per_day={s.rate_per_day:.5f} days={s.min_days}-{s.max_days} "
            f"aircraft={s.aircraft_low}-{s.aircraft_high}"
        )
    table = Table(title="Check: observed vs simulated series")
    table.add_column("statistic")
    for column in ("observed", "p05", "p50", "p95"):
        table.add_column(column, justify="right")
    table.add_column("pass")
    for name, stat in check.items():
        table.add_row(
            name,
            f"{stat.observed:.3f}",
            f"{stat.p05:.3f}",
            f"{stat.p50:.3f}",
            f"{stat.p95:.3f}",
            "pass" if stat.passed else "FAIL",
        )
    out.print(table)
    if written is not None:
        out.print(f"wrote {written}")


def calibrate(
    csv: Annotated[
        Path, typer.Argument(metavar="CSV", help="Daily counts with columns date,aircraft,vessels.")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Also write a scenario phase 'activity:' block to this YAML file."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the simulated series in the check.")
    ] = 0,
    series: Annotated[
        int, typer.Option("--series", help="Number of simulated series in the check.")
    ] = 1000,
) -> None:
    """Fit the adversary activity model to daily counts and check it against simulated series.

    Fits aircraft (negative binomial INARCH(1) with weekday factors), vessels (INAR(1) coupled to
    aircraft) and exercise surges by maximum likelihood, then simulates series like the data and
    shows where each observed statistic falls in the simulated 5%-95% band. Exits with status 1
    when a statistic falls outside its band.

    Example: jointex calibrate data/pla_activity_daily_2023_2024.csv --out activity.yaml
    """
    if series < 20:
        raise ParameterError(f"--series must be >= 20, got {series}")
    observed = read_activity_csv(csv)
    fit = fit_activity(observed.dates, observed.aircraft, observed.vessels)
    check = check_fit(fit, observed, np.random.default_rng(seed), n_series=series)
    if out is not None:
        try:
            out.write_text(_yaml_text(fit, observed, csv, seed), encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    if json_output:
        block = activity_block(fit)
        emit_json({**block, "check": _check_json(check)})
    else:
        _render(fit, check, written=out)
    if not all(stat.passed for stat in check.values()):
        raise typer.Exit(code=1)
