"""The JointEx server application: `create_app` wires the store, accounts and service to HTTP.

One FastAPI application serves the JSON API (``/api``, OpenAPI at ``/docs`` and
``/openapi.json``), the sign-in pages (``/login``, ``/logout``), the web pages and their files
(`jointex.web.web_router` with ``/static``, `jointex.web.pages_router`) and TAXII 2.1 at
``/taxii2`` over the exercises (`ExerciseIntelSource`). The pages find the signed-in seat through
``app.state.resolve_seat`` (the websocket through ``app.state.resolve_ws_seat``). The
live-updates websocket joins it at ``/ws``; after every command that appended events the routes
call ``app.state.on_append(exercise_id, version)`` (a no-op until live updates set it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.requests import HTTPConnection

from jointex.api._auth import (
    DEFAULT_SESSION_LIFETIME,
    Auth,
    LoginRequired,
    Principal,
    auth_router,
)
from jointex.api._exercise_source import ExerciseIntelSource
from jointex.api._live import LiveHub, broker_for, install_live
from jointex.api._membership import Seat, SeatRefused, seat_for
from jointex.api._routes import api_router
from jointex.api.taxii import create_taxii_app
from jointex.exercise import Adjudicator, ExerciseService, SystemWallClock, WallClock
from jointex.markings import Reader
from jointex.store import Accounts, EventStore
from jointex.web import get_reader, pages_router, web_router

__all__ = ["DB_ENV", "AppendHook", "create_app", "create_app_from_env"]

DB_ENV = "JOINTEX_DB"
"""The environment variable `create_app_from_env` reads the database URL from."""

AppendHook = Callable[[str, int], None]
"""Called with (exercise id, new stream version) after events were appended."""


def _no_append(exercise_id: str, version: int) -> None:
    """The default ``on_append``: nobody listens yet."""


def create_app(
    db_url: str,
    *,
    wall_clock: WallClock | None = None,
    adjudicator: Adjudicator | None = None,
    secure_cookies: bool = False,
    session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    live: bool = True,
) -> FastAPI:
    """The JointEx server as a FastAPI application.

    Args:
        db_url: the database (``sqlite:///...``, a file path or ``postgresql+psycopg://...``);
            opened and migrated now.
        wall_clock: wall time for sessions, the login limit and exercise events (default: the
            system's; tests pass a `jointex.exercise.ManualWallClock`).
        adjudicator: runs adjudication models (default: `SimulationAdjudicator`).
        secure_cookies: mark cookies ``Secure`` (behind HTTPS).
        session_lifetime: how long a sign-in lasts (default 12 hours).
        live: push live updates over ``/ws/exercises/{id}`` (`jointex.api._live`).

    Returns:
        The application. ``app.state`` holds ``store``, ``accounts``, ``service``, ``auth`` and
        ``on_append`` (set it to receive appends).

    Raises:
        StoreError: the database cannot be opened or migrated.
    """
    clock: WallClock = wall_clock if wall_clock is not None else SystemWallClock()
    store = EventStore.open(db_url)
    accounts = Accounts(store.engine)
    service = ExerciseService(store, clock, adjudicator)
    auth = Auth(accounts, clock, session_lifetime, secure_cookies)

    hub: LiveHub | None = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if hub is not None:
            await hub.close()
        store.close()

    app = FastAPI(
        title="JointEx",
        summary="Coalition tabletop exercises: the JSON API.",
        description="Sign in at /login (session cookie; send the session's CSRF token, from "
        "GET /api/me, as X-CSRF-Token on every POST) or send `Authorization: Bearer TOKEN` "
        "(`jointex user token`). 404 means missing *or not visible*: the two are identical.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.accounts = accounts
    app.state.service = service
    app.state.auth = auth
    app.state.on_append = _no_append
    if live:
        # live pushes: in-process fan-out, or LISTEN/NOTIFY when several workers share PostgreSQL
        hub = install_live(app, service, broker_for(db_url))

    app.include_router(auth_router)
    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(pages_router)
    app.mount("/taxii2", create_taxii_app(ExerciseIntelSource(service, accounts), accounts))

    def session_reader(request: Request) -> Reader | None:
        """The web router's reader: the signed-in user's nation and clearance (None if not)."""
        principal = auth.from_cookie(request)
        return None if principal is None else principal.user.reader

    def seat_of(principal: Principal, exercise_id: str) -> Seat | None:
        memberships = accounts.memberships(principal.user.username)
        if not any(m.applies_to(exercise_id) for m in memberships):
            return None
        if not service.exists(exercise_id):
            return None
        scenario = service.state(exercise_id).scenario
        try:
            return seat_for(scenario, exercise_id, principal.user, memberships)
        except SeatRefused:
            return None

    def resolve_seat(request: Request, exercise_id: str) -> Seat | None:
        """The pages' seat hook (`jointex.web.get_seat`): 401 signed out, None without a seat."""
        principal = auth.from_cookie(request)
        if principal is None:
            raise HTTPException(401, "not signed in")
        request.state.principal = principal  # `jointex.web.get_csrf_token` reads it
        return seat_of(principal, exercise_id)

    def resolve_ws_seat(connection: HTTPConnection, exercise_id: str) -> Seat | None:
        """The websocket's seat: the session cookie's user in the exercise, or None."""
        principal = auth.from_cookie(connection)
        return None if principal is None else seat_of(principal, exercise_id)

    def csrf_token(request: Request) -> str:
        """The session's CSRF token for pages ('' when signed out)."""
        principal = auth.from_cookie(request)
        return "" if principal is None or principal.csrf is None else principal.csrf

    app.dependency_overrides[get_reader] = session_reader
    app.state.resolve_seat = resolve_seat
    app.state.resolve_ws_seat = resolve_ws_seat
    app.state.csrf_token = csrf_token
    app.state.login_path = "/login"

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = request.url_for("login_form").path + "?next=" + quote(exc.next_path, safe="/")
        return RedirectResponse(target, status_code=303)

    app.add_exception_handler(LoginRequired, login_required)
    return app


def create_app_from_env() -> FastAPI:
    """`create_app` for the database named by ``JOINTEX_DB`` (uvicorn's factory, for workers).

    Raises:
        StoreError: ``JOINTEX_DB`` is not set, or the database cannot be opened.
    """
    from jointex._errors import StoreError  # noqa: PLC0415

    url = os.environ.get(DB_ENV)
    if not url:
        raise StoreError(f"{DB_ENV} is not set: no database to serve")
    return create_app(url, secure_cookies=os.environ.get("JOINTEX_SECURE_COOKIES") == "1")
