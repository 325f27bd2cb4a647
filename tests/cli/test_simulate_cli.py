"""The ``jointex simulate``, ``sweep`` and ``calibrate`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
from tests.conftest import REPO, Result

Cli = Callable[..., Result]
REQUIRED = {
    "aircraft_per_day",
    "detected_fraction",
    "response_time_minutes",
    "unanswered_fraction",
    "flight_hours_per_day",
    "alert_utilisation",
}


def test_simulate_json_shape(cli: Cli) -> None:
    """--json prints scenario, runs, seed and every metric's summary."""
    result = cli(
        "simulate", "grey-zone-surge", "--runs", "600", "--seed", "4", "--days", "12", "--json"
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert (doc["scenario"], doc["runs"], doc["seed"], doc["days"]) == (
        "grey-zone-surge",
        600,
        4,
        12,
    )
    assert set(doc["metrics"]) >= REQUIRED
    for summary in doc["metrics"].values():
        assert set(summary) == {"mean", "std", "p05", "p50", "p95", "ci95", "runs"}
    aircraft = doc["metrics"]["aircraft_per_day"]
    assert aircraft["p05"] <= aircraft["p50"] <= aircraft["p95"]
    assert aircraft["ci95"][0] < aircraft["mean"] < aircraft["ci95"][1]


def test_simulate_is_byte_identical(cli: Cli) -> None:
    """Two runs with the same options print the same bytes."""
    args = ("simulate", "tutorial", "--runs", "300", "--seed", "9", "--json")
    assert cli(*args).stdout == cli(*args).stdout


def test_simulate_outputs_and_plots(cli: Cli, tmp_path: Path) -> None:
    """--out writes Parquet or JSON per-run results; --plot writes PNG and SVG figures."""
    parquet = tmp_path / "runs.parquet"
    plots = tmp_path / "plots"
    result = cli(
        "simulate", "tutorial", "--runs", "250", "--out", str(parquet), "--plot", str(plots)
    )
    assert result.code == 0, result.stderr
    table = pq.read_table(parquet)
    assert table.num_rows == 250
    assert set(table.column_names) >= REQUIRED
    assert json.loads(table.schema.metadata[b"jointex"])["runs"] == 250
    for name in ("distributions", "daily_activity"):
        assert (plots / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (plots / f"{name}.svg").read_bytes()[:500]
    out_json = tmp_path / "runs.json"
    assert cli("simulate", "tutorial", "--runs", "50", "--out", str(out_json)).code == 0
    doc = json.loads(out_json.read_text())
    assert len(doc["per_run"]["aircraft_per_day"]) == 50


def test_simulate_table(cli: Cli) -> None:
    """Without --json a summary table is printed."""
    result = cli("simulate", "tutorial", "--runs", "100")
    assert result.code == 0
    assert "response_time_minutes" in result.stdout
    assert "confidence interval" in result.stdout


def test_simulate_bad_set_is_one_line(cli: Cli) -> None:
    """An unknown --set key is one clear line and exit 1."""
    result = cli("simulate", "tutorial", "--runs", "10", "--set", "response.polcy=track-only")
    assert result.code == 1
    assert result.stderr.strip() == (
        "jointex: error: unknown --set key 'response.polcy': response has no 'polcy' "
        "(did you mean 'policy'?)"
    )


def test_simulate_bad_value_and_options(cli: Cli) -> None:
    """Impossible values and options are rejected with the key named."""
    result = cli(
        "simulate",
        "tutorial",
        "--runs",
        "10",
        "--set",
        "phases.routine.activity.vessels.persistence=1.5",
    )
    assert result.code == 1
    assert "phases.0.activity.vessels.persistence" in result.stderr
    assert cli("simulate", "tutorial", "--runs", "0").code == 1
    result = cli("simulate", "tutorial", "--out", "x.csv", "--runs", "5")
    assert result.code == 1
    assert ".parquet or .json" in result.stderr


def test_sweep_json_and_plot(cli: Cli, tmp_path: Path) -> None:
    """A sweep simulates every combination and plots metrics against the varied key."""
    result = cli(
        "sweep",
        "grey-zone-surge",
        "--vary",
        "response.policy=scramble-all,track-only",
        "--vary",
        "c2.sharing.mean_minutes=10,60",
        "--runs",
        "200",
        "--days",
        "6",
        "--plot",
        str(tmp_path),
        "--json",
    )
    assert result.code == 0, result.stderr
    rows = result.json()["combinations"]
    assert len(rows) == 4
    combos = {
        (r["values"]["response.policy"], r["values"]["c2.sharing.mean_minutes"]) for r in rows
    }
    assert combos == {
        ("scramble-all", 10),
        ("scramble-all", 60),
        ("track-only", 10),
        ("track-only", 60),
    }
    track = next(r for r in rows if r["values"]["response.policy"] == "track-only")
    assert track["metrics"]["flight_hours_per_day"]["mean"] == 0.0
    assert (tmp_path / "sweep.png").exists()
    assert (tmp_path / "sweep.svg").exists()


def test_sweep_bad_vary(cli: Cli) -> None:
    """A --vary without values, or an unknown metric, is an error."""
    assert cli("sweep", "tutorial", "--vary", "response.policy=", "--runs", "5").code == 1
    result = cli("sweep", "tutorial", "--vary", "response.policy=track-only", "--metric", "nope")
    assert result.code == 1
    assert "unknown --metric 'nope'" in result.stderr


def test_calibrate_shipped_data(cli: Cli) -> None:
    """`calibrate --json` on the shipped data passes its own check."""
    result = cli(
        "calibrate",
        str(REPO / "data" / "pla_activity_daily_2023_2024.csv"),
        "--json",
        "--series",
        "300",
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert {"aircraft", "vessels", "check"} <= set(doc)
    mean = doc["check"]["aircraft_mean"]
    assert mean["simulated"][0] <= mean["observed"] <= mean["simulated"][2]


def test_calibrate_bad_csv(cli: Cli, tmp_path: Path) -> None:
    """A CSV with a non-numeric count names the row and column."""
    bad = tmp_path / "bad.csv"
    bad.write_text("date,aircraft,vessels\n2024-01-01,3,2\n2024-01-02,x,1\n")
    result = cli("calibrate", str(bad))
    assert result.code == 1
    assert "row 3" in result.stderr or "row 2" in result.stderr
    assert "'aircraft'" in result.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("date,aircraft\n2024-01-01,3\n")
    result = cli("calibrate", str(missing))
    assert result.code == 1
    assert "vessels" in result.stderr
