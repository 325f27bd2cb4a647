"""``jointex demo``: seed a demo exercise of the flagship on the database in force and serve it.

The seeding itself (exercise, accounts, content; idempotent) is `jointex.exercise._demo_seed`;
this module opens the database, renders the logins and runs the server.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import typer
from rich.table import Table

from jointex.cli._common import emit_json, err, options, out
from jointex.cli._serve import server_url
from jointex.exercise import ExerciseService
from jointex.exercise._demo_seed import DemoSeed, logins_path, seed_demo
from jointex.store import Accounts, EventStore

__all__ = ["demo", "load_app_factory"]

_NO_SERVER = (
    "jointex demo: cannot serve: this build has no web server (jointex.api.create_app is "
    "missing). The demo exercise is seeded; use 'jointex demo --seed-only' for the logins."
)


def load_app_factory() -> Callable[..., Any] | None:
    """``jointex.api.create_app``, or None when this build has no web server yet."""
    try:
        module = importlib.import_module("jointex.api")
    except ImportError:
        return None
    factory = getattr(module, "create_app", None)
    return factory if callable(factory) else None


def _seed(moves: int) -> DemoSeed:
    url = options.db_url
    with EventStore.open(url) as store:
        accounts = Accounts(store.engine)
        return seed_demo(
            ExerciseService(store), accounts, logins_path(url), moves=moves, database=store.url
        )


def _render(seed: DemoSeed, url: str) -> None:
    verb = "created" if seed.created else "reused"
    out.print(f"Demo exercise [bold]{seed.exercise_id}[/bold] ({verb}) on {options.db_url}")
    table = Table(title="Demo logins (one per cell)")
    for column in ("user", "password", "cell", "nation", "role"):
        table.add_column(column)
    for login in seed.logins:
        table.add_row(login.username, login.password, login.cell, login.nation, login.role)
    out.print(table)
    out.print(f"Passwords are kept in {seed.logins_file} (mode 0600) so a rerun shows them again.")
    out.print(f"Open [bold]{url}[/bold] and sign in as one of the users above.")


def demo(
    seed_only: bool = typer.Option(
        False, "--seed-only", help="Seed the demo exercise and print the logins; do not serve."
    ),
    json_output: bool = typer.Option(
        False, "--json", help='Print {"exercise", "users", "url"} as JSON instead of a table.'
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to serve on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to serve on."),
    moves: int = typer.Option(
        4, "--moves", min=0, help="Moves the bots play before the demo's own content."
    ),
) -> None:
    """Seed a demo exercise of grey-zone-surge with a login per cell, then serve it.

    On the database in force (--db / JOINTEX_DB) the demo creates, or reuses when an earlier
    demo made it, the exercise "Demo: grey-zone surge" with the users white (control), twn, usa,
    red and observer, lets the bots play a few moves, publishes US and Taiwanese intelligence
    with mixed markings (a tearline released to Taiwan included) and decides two adjudications.
    It then prints the address and the logins and serves the web application until
    interrupted. Generated passwords are kept, readable only by you, next to a SQLite database
    (<file>.demo-logins.json) or in the user's data directory.

    Example: jointex demo --seed-only --json
    """
    url = server_url(host, port)
    factory = None if seed_only else load_app_factory()
    seed = _seed(moves)
    if json_output:
        emit_json(
            {
                "exercise": seed.exercise_id,
                "users": [login.to_json() for login in seed.logins],
                "url": url,
            }
        )
    else:
        _render(seed, url)
    if seed_only:
        return
    if factory is None:
        err.print(_NO_SERVER, markup=False)
        raise typer.Exit(1)
    import uvicorn  # noqa: PLC0415  (only when serving)

    if not json_output:
        out.print("Serving; press Ctrl+C to stop.")
    uvicorn.run(
        factory(options.db_url), host=host, port=port, log_level="info", ws="websockets-sansio"
    )
