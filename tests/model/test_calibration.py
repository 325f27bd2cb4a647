"""Tests for fitting the activity model, its check, and the ``calibrate`` CLI command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from scipy import stats
from typer.testing import CliRunner

from jointex._errors import ParameterError
from jointex.cli._calibrate import calibrate, read_activity_csv
from jointex.model._activity import (
    AircraftParams,
    SurgeParams,
    VesselParams,
    simulate_daily_counts,
)
from jointex.model._calibration import (
    ActivitySeries,
    _inar_logpmf,
    check_fit,
    fit_activity,
)

CLUSTERED = AircraftParams(omega=6.0, alpha=0.4, size=2.0)
SHIPPED = Path(__file__).resolve().parents[2] / "data" / "pla_activity_daily_2023_2024.csv"


def _synthetic(
    days: int,
    seed: int,
    aircraft: AircraftParams = CLUSTERED,
    surge: SurgeParams | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = simulate_daily_counts(
        rng,
        1,
        days,
        aircraft,
        VesselParams(innovation=1.5, persistence=0.6, coupling=0.05),
        weekday_factors=[1.05, 1.15, 1.15, 1.05, 1.0, 0.75, 0.85],
        surge=surge,
        start_weekday=0,
    )
    # 2024-01-01 was a Monday; drop about 4% of days to leave gaps like the real data.
    dates = np.datetime64("2024-01-01") + np.arange(days)
    keep = rng.random(days) > 0.04
    return dates[keep], counts.aircraft[0][keep], counts.vessels[0][keep]


def test_fit_recovers_known_parameters_from_a_long_series_with_gaps() -> None:
    """Maximum likelihood recovers the NB-INARCH, weekday and INAR(1) parameters despite gaps."""
    dates, aircraft, vessels = _synthetic(6000, seed=21)
    fit = fit_activity(dates, aircraft, vessels, surge_threshold=None)
    assert fit.aircraft.omega == pytest.approx(6.0, rel=0.1)
    assert fit.aircraft.alpha == pytest.approx(0.4, abs=0.04)
    assert fit.aircraft.size == pytest.approx(2.0, rel=0.1)
    assert np.allclose(fit.weekday_factors, [1.05, 1.15, 1.15, 1.05, 1.0, 0.75, 0.85], atol=0.04)
    assert fit.vessels.innovation == pytest.approx(1.5, rel=0.15)
    assert fit.vessels.persistence == pytest.approx(0.6, abs=0.03)
    assert fit.vessels.coupling == pytest.approx(0.05, rel=0.15)
    assert fit.surge is None
    assert fit.pairs < fit.days - 1


def test_fit_recovers_the_surge_rate() -> None:
    """Days above the threshold become a surge component with about the simulated rate."""
    # Weak self-excitation, so that ordinary days (even after a surge) rarely reach the threshold,
    # which would bias the threshold estimate of the rate upwards (see docs/models-activity.md).
    quiet = AircraftParams(omega=10.0, alpha=0.1, size=2.0)
    surge = SurgeParams(
        rate_per_day=0.02, min_days=1, max_days=1, aircraft_low=60, aircraft_high=100
    )
    dates, aircraft, vessels = _synthetic(8000, seed=22, aircraft=quiet, surge=surge)
    fit = fit_activity(dates, aircraft, vessels, surge_threshold=60)
    assert fit.surge is not None
    assert fit.surge.rate_per_day == pytest.approx(0.02, rel=0.2)
    assert fit.surge.max_days == 1
    assert fit.surge.aircraft_high == pytest.approx(100, abs=5)
    assert fit.aircraft.alpha == pytest.approx(0.1, abs=0.04)


def test_inar_transition_likelihood_is_the_exact_convolution() -> None:
    """The vectorised INAR(1) transition probability equals the binomial-Poisson convolution."""
    previous = np.array([0, 3, 7, 12])
    current = np.array([4, 0, 9, 2])
    arrivals = np.array([1.3, 2.0, 0.7, 5.5])
    got = np.exp(_inar_logpmf(previous, current, 0.35, arrivals))
    for i in range(previous.size):
        survivors = np.arange(min(previous[i], current[i]) + 1)
        expected = np.sum(
            stats.binom.pmf(survivors, previous[i], 0.35)
            * stats.poisson.pmf(current[i] - survivors, arrivals[i])
        )
        assert got[i] == pytest.approx(expected, rel=1e-10)


def test_calibration_passes_its_check_on_the_shipped_data() -> None:
    """On the shipped series every observed statistic lies in the simulated 5%-95% band."""
    observed = read_activity_csv(SHIPPED)
    fit = fit_activity(observed.dates, observed.aircraft, observed.vessels)
    check = check_fit(fit, observed, np.random.default_rng(0), n_series=1000)
    failed = {name: stat for name, stat in check.items() if not stat.passed}
    assert not failed
    assert set(check) >= {
        "aircraft_mean",
        "aircraft_vmr",
        "aircraft_acf1",
        "aircraft_p95",
        "aircraft_days_ge_30",
        "vessels_mean",
        "vessels_vmr",
        "vessels_acf1",
    }
    assert check["aircraft_mean"].observed == pytest.approx(13.5, abs=0.05)
    assert check["aircraft_days_ge_30"].observed == 58


def test_fit_on_the_shipped_data_is_plausible() -> None:
    """The shipped data gives overdispersed, briefly clustered aircraft and persistent vessels."""
    observed = read_activity_csv(SHIPPED)
    fit = fit_activity(observed.dates, observed.aircraft, observed.vessels)
    assert 0.1 < fit.aircraft.alpha < 0.4
    assert 1.0 < fit.aircraft.size < 4.0
    assert 0.5 < fit.vessels.persistence < 0.75
    assert fit.vessels.coupling > 0
    assert fit.weekday_factors[5] < min(fit.weekday_factors[1:4])
    assert fit.surge is not None
    assert fit.surge_days == 11


def test_check_flags_a_model_that_does_not_fit() -> None:
    """A model without overdispersion or clustering fails the check on the shipped data."""
    observed = read_activity_csv(SHIPPED)
    fit = fit_activity(observed.dates, observed.aircraft, observed.vessels, surge_threshold=None)
    poisson = type(fit)(
        aircraft=AircraftParams(omega=13.5, alpha=0.0, size=1e9),
        vessels=fit.vessels,
        weekday_factors=fit.weekday_factors,
        surge=None,
        surge_threshold=None,
        days=fit.days,
        pairs=fit.pairs,
        surge_days=0,
        aircraft_loglik=0.0,
        vessels_loglik=0.0,
    )
    check = check_fit(poisson, observed, np.random.default_rng(1), n_series=100)
    assert not check["aircraft_vmr"].passed
    assert not check["aircraft_acf1"].passed


@pytest.mark.parametrize(
    ("dates", "aircraft", "vessels", "message"),
    [
        (["2024-01-01", "2024-01-02"], [1, 2], [1, 2], "at least 3"),
        (["2024-01-01", "2024-01-02", "2024-01-03"], [1, 2], [1, 2, 3], "aircraft"),
        (["2024-01-01", "2024-01-02", "2024-01-03"], [1, -2, 3], [1, 2, 3], ">= 0"),
        (["2024-01-01", "2024-01-02", "2024-01-03"], [1, 2, 3], [1, 2.5, 3], "whole"),
        (["2024-01-01", "2024-01-01", "2024-01-03"], [1, 2, 3], [1, 2, 3], "increasing"),
        (["2024-01-01", "nonsense", "2024-01-03"], [1, 2, 3], [1, 2, 3], "dates"),
    ],
)
def test_series_validation(
    dates: list[str], aircraft: list[float], vessels: list[float], message: str
) -> None:
    """Series with too few rows, unequal lengths, bad counts or bad dates are rejected."""
    with pytest.raises(ParameterError, match=message):
        ActivitySeries.from_arrays(dates, aircraft, vessels)


def test_fit_needs_consecutive_days() -> None:
    """A series with no consecutive days cannot be fitted."""
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=2 * i) for i in range(30)]
    with pytest.raises(ParameterError, match="consecutive"):
        fit_activity(dates, [5] * 30, [3] * 30)


# --- the CLI command, registered on a throwaway Typer app -------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("calibrate")(calibrate)

    @app.command("noop")
    def _noop() -> None:
        """Second command so Typer keeps ``calibrate`` as a subcommand name."""

    return app


def _run(*args: str) -> object:
    return CliRunner().invoke(_app(), ["calibrate", *args])


def test_cli_prints_parameters_and_check_table() -> None:
    """The command prints the fitted parameters and a passing check table."""
    result = _run(str(SHIPPED), "--series", "200")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "omega=" in output
    assert "aircraft_days_ge_30" in output
    assert "FAIL" not in output


def test_cli_json_output() -> None:
    """--json prints the parameters and each statistic with its simulated percentiles."""
    result = _run(str(SHIPPED), "--json", "--series", "200", "--seed", "3")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data = json.loads(result.output)  # type: ignore[attr-defined]
    assert set(data["aircraft"]) == {"omega", "alpha", "size"}
    assert set(data["vessels"]) == {"innovation", "persistence", "coupling"}
    assert len(data["weekday_factors"]) == 7
    stat = data["check"]["aircraft_mean"]
    assert stat["observed"] == pytest.approx(13.5036, abs=1e-3)
    assert len(stat["simulated"]) == 3


def test_cli_writes_a_scenario_activity_block(tmp_path: Path) -> None:
    """--out writes a commented YAML ``activity:`` block with the scenario's key names."""
    target = tmp_path / "activity.yaml"
    result = _run(str(SHIPPED), "--out", str(target), "--series", "100")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert SHIPPED.name in text
    block = yaml.safe_load(text)["activity"]
    assert set(block) == {"aircraft", "vessels", "weekday_factors", "surge"}
    assert set(block["surge"]) == {
        "rate_per_day",
        "min_days",
        "max_days",
        "aircraft_low",
        "aircraft_high",
    }
    AircraftParams(**block["aircraft"])
    VesselParams(**block["vessels"])
    SurgeParams(**block["surge"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,aircraft\n2024-01-01,3\n", "missing column(s) 'vessels'"),
        (
            "date,aircraft,vessels\n2024-01-01,3,1\n2024-01-02,x,1\n",
            "row 3, column 'aircraft': 'x' is not a whole number",
        ),
        (
            "date,aircraft,vessels\n2024-01-01,3,1\n2024-01-02,4,-2\n",
            "row 3, column 'vessels': -2 is negative",
        ),
        (
            "date,aircraft,vessels\n2024-01-01,3,1\n01/02/2024,4,2\n",
            "row 3, column 'date': '01/02/2024' is not a date",
        ),
        (
            "date,aircraft,vessels\n2024-01-01,3,1\n2024-01-01,4,2\n",
            "row 3, column 'date': 2024-01-01 repeats row 2",
        ),
        ("date,aircraft,vessels\n2024-01-01,3,1\n", "need at least 3 data rows"),
    ],
)
def test_cli_bad_input_names_row_and_column(tmp_path: Path, content: str, message: str) -> None:
    """Bad CSV input raises ParameterError naming the file, row and column."""
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    result = _run(str(path))
    assert isinstance(result.exception, ParameterError)  # type: ignore[attr-defined]
    assert message in str(result.exception)  # type: ignore[attr-defined]
    assert str(path) in str(result.exception)  # type: ignore[attr-defined]


def test_cli_missing_file_is_a_parameter_error(tmp_path: Path) -> None:
    """A CSV that does not exist raises ParameterError naming it."""
    result = _run(str(tmp_path / "absent.csv"))
    assert isinstance(result.exception, ParameterError)  # type: ignore[attr-defined]
    assert "absent.csv" in str(result.exception)  # type: ignore[attr-defined]


def test_cli_help_has_an_example() -> None:
    """The command's help text includes an example invocation."""
    result = _run("--help")
    assert "Example: jointex calibrate" in result.output  # type: ignore[attr-defined]
