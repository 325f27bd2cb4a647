"""The ``jointex`` command line: parses, calls one service function per command, renders.

Errors that JointEx raises on purpose are printed as one line on standard error with a non-zero
exit; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click
import typer

# Typer 0.29 runs on its own vendored copy of click; catch both its exceptions and click's.
from typer._click import exceptions as _typer_click

from jointex._errors import JointExError
from jointex.cli._common import err, options

__all__ = ["app", "main", "run"]

_CLICK_ERRORS = (click.ClickException, _typer_click.ClickException)
_ABORTS = (click.exceptions.Abort, typer.Abort)
_EXITS = (click.exceptions.Exit, typer.Exit)

app = typer.Typer(
    name="jointex",
    help="JointEx: plan, run, observe and review coalition tabletop exercises and drills.\n\n"
    "Example: jointex scenario validate my-exercise.yaml",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _global(
    db: str = typer.Option(
        "",
        "--db",
        envvar="JOINTEX_DB",
        help="Database URL (default: a SQLite file in the user's data directory). "
        "Example: --db postgresql+psycopg://user@host/jointex",
        show_default=False,
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks instead of one-line errors."
    ),
) -> None:
    """Global options, given before the command."""
    options.db = db
    options.debug = debug


def _register() -> None:
    # Imported here so that each command module can import `app`-free helpers without cycles.
    from jointex.cli import (  # noqa: PLC0415
        _calibrate,
        _demo,
        _exercise,
        _intel,
        _msel,
        _scenario,
        _serve,
        _simulate,
        _user,
    )

    app.add_typer(_scenario.scenario_app, name="scenario")
    app.add_typer(_msel.msel_app, name="msel")
    app.command("calibrate")(_calibrate.calibrate)
    app.command("demo")(_demo.demo)
    app.command("simulate")(_simulate.simulate_command)
    app.command("sweep")(_simulate.sweep_command)
    app.add_typer(_exercise.exercise_app, name="exercise")
    app.add_typer(_user.user_app, name="user")
    app.command("serve")(_serve.serve)
    app.add_typer(_intel.intel_app, name="intel")


_register()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting (used by tests and ``run``).

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The process exit code.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    options.debug = "--debug" in args
    try:
        result = app(args=args, prog_name="jointex", standalone_mode=False)
    except _EXITS as exc:
        return int(exc.exit_code)
    except _CLICK_ERRORS as exc:
        exc.show()
        return int(exc.exit_code)
    except _ABORTS:
        err.print("jointex: aborted")
        return 130
    except JointExError as exc:
        if options.debug:
            traceback.print_exc()
        else:
            err.print(f"jointex: error: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("jointex: interrupted")
        return 130
    except Exception as exc:  # an internal bug: still one line unless --debug
        if options.debug:
            traceback.print_exc()
        else:
            err.print(
                f"jointex: internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
                markup=False,
            )
        return 70
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
