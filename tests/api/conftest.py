"""Fixtures for the server tests: `create_app` on a temporary SQLite database, served by uvicorn.

The world: users ``white`` (USA, TOP SECRET, control), ``twn`` (TWN, SECRET), ``usa`` (USA, TOP
SECRET), ``observer`` (GBR, UNCLASSIFIED, the observer cell) and ``admin`` (USA, TOP SECRET,
a server administrator without a seat), in a grey-zone-surge exercise created by the service,
started and advanced one move, in which the US cell published a NOFORN report (with a location)
and a NOFORN note, released a tearline of the report to Taiwan and submitted a NOFORN action
(adjudicated), and Taiwan asked an RFI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.servers import serve

from jointex.api import create_app
from jointex.exercise import (
    Actor,
    Advance,
    ExerciseService,
    ManualWallClock,
    PublishIntel,
    ReleaseIntel,
    Start,
    SubmitAction,
    SubmitRfi,
)
from jointex.scenario import resolve
from jointex.store import Accounts

PASSWORD = "correct horse battery staple"
START = 1_750_000_000.0
NOFORN = "//USA SECRET//NOFORN"
REL_TWN = "SECRET//REL TO USA, TWN"
SECRET_WORD = "KESTRELWING"
"""Appears only in US-only (NOFORN) material: a TWN seat must never receive it."""
TEARLINE_TITLE = "PLA readiness on the Fujian coast"

USA_REPORT: dict[str, Any] = {
    "kind": "report",
    "title": {"marking": NOFORN, "content": f"{SECRET_WORD} dispersal and PLA readiness"},
    "portions": [
        {"marking": NOFORN, "content": f"SIGINT shows J-16s dispersed at {SECRET_WORD}"},
        {"marking": REL_TWN, "content": "A joint readiness patrol is likely within 72 hours"},
    ],
    "location": [119.4, 25.3],
}
USA_ONLY: dict[str, Any] = {
    "kind": "note",
    "title": {"marking": NOFORN, "content": f"{SECRET_WORD} collection plan"},
    "portions": [{"marking": NOFORN, "content": "Tasking for the next 48 hours"}],
    "location": [120.1, 24.9],
}

USERS = {
    # username: (nation, clearance, cell, role)
    "white": ("USA", "TOP SECRET", "white", "white"),
    "twn": ("TWN", "SECRET", "twn", "cell"),
    "usa": ("USA", "TOP SECRET", "usa", "cell"),
    "observer": ("GBR", "UNCLASSIFIED", "observers", "observer"),
}


@dataclass
class Session:
    """A signed-in browser: an httpx client holding the session cookie, and its CSRF token."""

    client: httpx.Client
    csrf: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET with the session cookie."""
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST with the session cookie and the CSRF header."""
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.post(path, headers=headers, **kwargs)


@dataclass
class World:
    """A served application and what it was seeded with."""

    url: str
    app: FastAPI
    clock: ManualWallClock
    exercise: str
    products: dict[str, str]  # name -> product id
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def accounts(self) -> Accounts:
        """The application's accounts."""
        accounts = self.app.state.accounts
        assert isinstance(accounts, Accounts)
        return accounts

    @property
    def service(self) -> ExerciseService:
        """The application's exercise service."""
        service = self.app.state.service
        assert isinstance(service, ExerciseService)
        return service

    def client(self) -> httpx.Client:
        """A fresh client (no cookies) for this server."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        self.clients.append(client)
        return client

    def login_form(self, client: httpx.Client) -> str:
        """GET /login; the form's CSRF token."""
        page = client.get("/login")
        assert page.status_code == 200
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> Session:
        """Sign in through the form; the signed-in session."""
        client = self.client()
        token = self.login_form(client)
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf": token}
        )
        assert response.status_code == 303, response.text
        me = client.get("/api/me")
        assert me.status_code == 200
        return Session(client, me.json()["csrf"])

    def path(self, suffix: str = "") -> str:
        """The API path of the exercise plus ``suffix``."""
        return f"/api/exercises/{self.exercise}{suffix}"


def _seed(app: FastAPI) -> tuple[str, dict[str, str]]:
    accounts: Accounts = app.state.accounts
    service: ExerciseService = app.state.service
    scenario = resolve("grey-zone-surge")
    white = Actor("white", "white")
    exercise = service.create(scenario, "Rehearsal", 7, white)
    for username, (nation, clearance, cell, role) in USERS.items():
        accounts.add_user(
            username, PASSWORD, nation, clearance, memberships=[(exercise, cell, role)]
        )
    accounts.add_user("admin", PASSWORD, "USA", "TOP SECRET", is_admin=True)
    usa, twn = Actor("usa", "usa"), Actor("twn", "twn")
    service.handle(exercise, Start(), white)
    service.handle(exercise, Advance(), white)
    service.handle(exercise, PublishIntel(USA_REPORT), usa)  # INT-1
    service.handle(exercise, PublishIntel(USA_ONLY), usa)  # INT-2
    release = ReleaseIntel("INT-1", ("TWN",), title=TEARLINE_TITLE, title_marking=REL_TWN)
    service.handle(exercise, release, usa)  # INT-3
    service.handle(exercise, SubmitRfi("Where are the J-16s?", REL_TWN), twn)
    service.handle(
        exercise, SubmitAction("request-isr", text=f"{SECRET_WORD} orbit", marking=NOFORN), usa
    )
    return exercise, {"report": "INT-1", "noforn": "INT-2", "tearline": "INT-3"}


def _world(tmp: Path) -> Iterator[World]:
    clock = ManualWallClock(START)
    app = create_app(f"sqlite:///{tmp / 'jointex.db'}", wall_clock=clock)
    exercise, products = _seed(app)
    try:
        with serve(app) as url:
            world = World(url, app, clock, exercise, products)
            try:
                yield world
            finally:
                for client in world.clients:
                    client.close()
    finally:
        app.state.store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A served world shared by a module's read-only tests."""
    yield from _world(tmp_path_factory.mktemp("api"))


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[World]:
    """A served world of its own, for tests that change it or move its clock."""
    yield from _world(tmp_path)


@pytest.fixture(scope="module")
def sessions(world: World) -> Callable[[str], Session]:
    """Signed-in sessions of the module world's users, made once each."""
    made: dict[str, Session] = {}

    def session(username: str) -> Session:
        if username not in made:
            made[username] = world.login(username)
        return made[username]

    return session
