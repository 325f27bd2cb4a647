"""``jointex serve``: run the JointEx server (`jointex.api.create_app`) on uvicorn."""

from __future__ import annotations

import os

import typer

from jointex._errors import StoreError
from jointex.cli._common import err, options, out
from jointex.store._url import parse_store_url

__all__ = ["serve", "server_url"]

_SQLITE_WORKERS = (
    "--workers needs PostgreSQL: with SQLite every worker would keep its own sign-in rate limit "
    "and live-update fan-out (workers share updates only through PostgreSQL LISTEN/NOTIFY), "
    "and SQLite serialises every write anyway. Use --db postgresql://... or one worker."
)


def server_url(host: str, port: int) -> str:
    """The address to open in a browser for a server listening on ``host``:``port``."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Worker processes (more than 1 needs PostgreSQL)."
    ),
    secure_cookies: bool = typer.Option(
        False, "--secure-cookies", help="Mark cookies Secure (when served behind HTTPS)."
    ),
) -> None:
    """Serve the JSON API, the sign-in and exercise pages, and TAXII on the database in force.

    Create users first (jointex user add ...); they sign in at /login. The API is documented
    at /docs. The database is --db / JOINTEX_DB (default: SQLite in the user's data directory).

    Example: jointex --db postgresql://jointex@localhost/jointex serve --port 8080 --workers 4
    """
    import uvicorn  # noqa: PLC0415  (only when serving)

    from jointex.api._app import DB_ENV, create_app  # noqa: PLC0415

    db_url = options.db_url
    if workers > 1 and parse_store_url(db_url).get_backend_name() != "postgresql":
        raise StoreError(_SQLITE_WORKERS)
    out.print(f"JointEx serving {db_url} at {server_url(host, port)} (Ctrl+C stops)", markup=False)
    if workers > 1:
        # Workers are separate processes: each builds the app from the environment.
        os.environ[DB_ENV] = db_url
        os.environ["JOINTEX_SECURE_COOKIES"] = "1" if secure_cookies else "0"
        uvicorn.run(
            "jointex.api._app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            ws="websockets-sansio",
        )
        return
    try:
        app = create_app(db_url, secure_cookies=secure_cookies)
    except StoreError:
        err.print(f"jointex serve: cannot open {db_url}", markup=False)
        raise
    uvicorn.run(app, host=host, port=port, log_level="info", ws="websockets-sansio")
