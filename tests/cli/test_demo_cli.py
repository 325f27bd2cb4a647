"""``jointex demo``: the seeded demo exercise, its logins, idempotence and serving it."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import Result

from jointex.cli import _demo
from jointex.exercise import ExerciseService, ExerciseState
from jointex.exercise._demo_seed import (
    DEMO_EXERCISE_ID,
    DEMO_NAME,
    DEMO_USERS,
    TEARLINE_TITLE,
    logins_path,
)
from jointex.intel import feed, reader_for, visible_injects, visible_rfis
from jointex.store import Accounts, EventStore

Cli = Callable[..., Result]

USERNAMES = ["white", "twn", "usa", "red", "observer"]


def seeded(cli: Cli, *extra: str) -> dict[str, object]:
    """Run ``demo --seed-only --json`` and return its document."""
    result = cli("demo", "--seed-only", "--json", *extra)
    assert result.code == 0, result.stderr
    doc: dict[str, object] = result.json()
    return doc


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The SQLite file the ``cli`` fixture points JOINTEX_DB at."""
    return tmp_path / "jointex.db"


@pytest.fixture
def state(cli: Cli, db: Path) -> Iterator[ExerciseState]:
    """The demo exercise's state after ``demo --seed-only``."""
    seeded(cli)
    with EventStore.open(db) as store:
        yield ExerciseService(store).state(DEMO_EXERCISE_ID)


def test_seed_only_json_shape(cli: Cli) -> None:
    """--seed-only --json prints exactly exercise, users (five fields each) and url."""
    doc = seeded(cli)
    assert set(doc) == {"exercise", "users", "url"}
    assert doc["exercise"] == DEMO_EXERCISE_ID
    assert doc["url"] == "http://127.0.0.1:8000/"
    users = doc["users"]
    assert isinstance(users, list)
    assert [u["username"] for u in users] == USERNAMES
    assert all(set(u) == {"username", "password", "cell", "nation", "role"} for u in users)
    rows = {u["username"]: (u["cell"], u["nation"], u["role"]) for u in users}
    assert rows["white"] == ("white", "USA", "white")
    assert rows["twn"] == ("twn", "TWN", "cell")
    assert rows["red"] == ("red", "CHN", "cell")
    assert rows["observer"] == ("observers", "USA", "observer")
    assert len({u["password"] for u in users}) == 5
    assert all(len(u["password"]) >= 16 for u in users)


def test_url_follows_host_and_port(cli: Cli) -> None:
    """The printed address uses --host and --port (a wildcard host shows as loopback)."""
    assert seeded(cli, "--host", "0.0.0.0", "--port", "8123")["url"] == "http://127.0.0.1:8123/"


def test_passwords_work_and_seats_are_set(cli: Cli, db: Path) -> None:
    """Every printed password signs its user in, and each user has its cell's seat."""
    doc = seeded(cli)
    users = doc["users"]
    assert isinstance(users, list)
    with Accounts.open(str(db)) as accounts:
        for login in users:
            assert accounts.verify_password(login["username"], login["password"]) is not None
            seats = [
                (m.exercise_id, m.cell, m.role) for m in accounts.memberships(login["username"])
            ]
            assert seats == [(DEMO_EXERCISE_ID, login["cell"], login["role"])]


def test_every_user_gets_a_seat(cli: Cli, db: Path) -> None:
    """The server's seat rules give every demo user a seat in its cell (nation, clearance)."""
    membership = pytest.importorskip("jointex.api._membership")
    seeded(cli)
    with EventStore.open(db) as store:
        scenario = ExerciseService(store).state(DEMO_EXERCISE_ID).scenario
        accounts = Accounts(store.engine)
        for demo_user in DEMO_USERS:
            user = accounts.user(demo_user.username)
            assert user is not None
            seats, reasons = membership.seats_in(
                scenario, DEMO_EXERCISE_ID, user, accounts.memberships(user.username)
            )
            assert reasons == []
            assert [(s.cell, s.role) for s in seats] == [(demo_user.cell, demo_user.role)]


def test_rerun_is_idempotent(cli: Cli, db: Path) -> None:
    """A second run reuses the exercise and the users: same id and passwords, nothing doubled."""
    first = seeded(cli)
    with EventStore.open(db) as store:
        version = ExerciseService(store).state(DEMO_EXERCISE_ID).version
    second = seeded(cli)
    assert second == first
    table = cli("demo", "--seed-only")
    assert table.code == 0, table.stderr
    assert "reused" in table.stdout
    with EventStore.open(db) as store:
        service = ExerciseService(store)
        assert [s.exercise_id for s in service.list()] == [DEMO_EXERCISE_ID]
        assert service.state(DEMO_EXERCISE_ID).version == version
        assert service.state(DEMO_EXERCISE_ID).name == DEMO_NAME
        assert [u.username for u in Accounts(store.engine).users()] == sorted(USERNAMES)


def test_lost_passwords_file_gives_new_passwords(cli: Cli, db: Path) -> None:
    """Without the passwords file the demo's users get new passwords that work."""
    first = seeded(cli)
    logins_path(str(db)).unlink()
    second = seeded(cli)
    assert second["exercise"] == first["exercise"]
    old = {u["username"]: u["password"] for u in first["users"]}  # type: ignore[attr-defined]
    new = {u["username"]: u["password"] for u in second["users"]}  # type: ignore[attr-defined]
    assert all(old[name] != new[name] for name in USERNAMES)
    with Accounts.open(str(db)) as accounts:
        assert accounts.verify_password("twn", new["twn"]) is not None
        assert accounts.verify_password("twn", old["twn"]) is None


def test_foreign_user_is_left_alone(cli: Cli, db: Path) -> None:
    """A user named like a demo user but without its seat makes the demo fail, untouched."""
    with Accounts.open(str(db)) as accounts:
        accounts.add_user("red", "a long pass phrase 42", "CHN", "SECRET")
    result = cli("demo", "--seed-only")
    assert result.code == 1
    assert "user 'red' already exists and is not the demo's" in result.stderr
    with Accounts.open(str(db)) as accounts:
        assert accounts.verify_password("red", "a long pass phrase 42") is not None
        assert accounts.memberships("red") == []


def test_passwords_file_is_private(cli: Cli, db: Path) -> None:
    """The passwords file sits next to the SQLite database with mode 0600."""
    doc = seeded(cli)
    path = db.with_name("jointex.db.demo-logins.json")
    assert logins_path(str(db)) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    assert seeded(cli) == doc
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_passwords_file_for_postgresql_is_in_the_data_dir(tmp_path: Path) -> None:
    """For a server database the file is in the data directory, named by the URL's hash."""
    one = logins_path("postgresql://al:secret@db/jointex", tmp_path)
    two = logins_path("postgresql://al@db/other", tmp_path)
    assert one.parent == tmp_path
    assert one.name.startswith("demo-logins-")
    assert one != two
    assert "secret" not in one.name


def test_every_cell_has_content(state: ExerciseState) -> None:
    """Inboxes for twn and usa, both nations' intel, and decided adjudications are seeded."""
    scenario = state.scenario
    twn, usa = reader_for(scenario, "twn"), reader_for(scenario, "usa")
    assert visible_injects(state, twn)
    assert visible_injects(state, usa)
    assert state.status == "running"
    assert state.minute >= state.start_minute + 4 * scenario.move_minutes
    usa_feed = feed(state, usa)
    (tearline,) = [p for p in usa_feed if p.derived_from is not None]
    assert tearline.title.content == TEARLINE_TITLE
    assert tearline.released_to == ("TWN",)
    original = next(p for p in usa_feed if p.id == tearline.derived_from)
    assert original.marking.banner() == "//USA SECRET//NOFORN"
    twn_feed = feed(state, twn)
    twn_ids = {p.id for p in twn_feed}
    assert tearline.id in twn_ids
    assert original.id not in twn_ids
    assert {p.owner for p in twn_feed} == {"USA", "TWN"}
    assert "//TWN SECRET//NOFORN" in {p.marking.banner() for p in twn_feed}
    assert not any(p.owner == "USA" and "NOFORN" in p.marking.banner() for p in twn_feed)
    assert not any(p.owner == "TWN" and "NOFORN" in p.marking.banner() for p in usa_feed)
    banners = {p.marking.banner() for p in feed(state, reader_for(scenario, "white"))}
    assert "//USA SECRET//NOFORN" in banners
    decided = [r.decided for r in state.adjudications.values() if r.decided is not None]
    assert {d.decision for d in decided} == {"accepted", "overridden"}
    assert all(d.by == "white" for d in decided)
    assert any(d.decision == "overridden" and d.rationale.strip() for d in decided)
    red, observers = reader_for(scenario, "red"), reader_for(scenario, "observers")
    assert [p.owner for p in feed(state, red)] == ["CHN", "TWN"]
    assert [p.marking.banner() for p in feed(state, observers)] == ["UNCLASSIFIED"]
    assert "CHN" not in {p.owner for p in feed(state, reader_for(scenario, "white"))}
    assert visible_rfis(state, twn)
    assert visible_rfis(state, red)
    assert state.observations


def test_content_is_by_the_demo_users(state: ExerciseState) -> None:
    """The demo's own commands are recorded as the demo users, in their cells."""
    cells = {u.username: u.cell for u in DEMO_USERS}
    assert {p.originator for p in state.intel.values()} == {"usa", "twn", "red"}
    assert {cells[d.decided.by] for d in state.adjudications.values() if d.decided} == {"white"}


def test_serve_without_server_says_so(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve mode without jointex.api.create_app seeds, then exits 1 with a clear message."""
    monkeypatch.setattr(_demo, "load_app_factory", lambda: None)
    result = cli("demo")
    assert result.code == 1
    assert "cannot serve" in result.stderr
    assert "jointex.api.create_app" in result.stderr
    assert "observer" in result.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_answers(tmp_path: Path) -> None:
    """`jointex demo` serves the seeded database until terminated."""
    if _demo.load_app_factory() is None:
        pytest.skip("jointex.api.create_app does not exist yet: nothing to serve")
    port = _free_port()
    log = tmp_path / "serve.log"
    command = [
        sys.executable,
        "-c",
        "from jointex.cli import run; run()",
        "--db",
        f"sqlite:///{tmp_path / 'serve.db'}",
        "demo",
        "--port",
        str(port),
    ]
    env = {**os.environ, "JOINTEX_DB": "", "COLUMNS": "200"}
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 90
            response = None
            while response is None:
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                except httpx.TransportError:
                    time.sleep(0.2)
            assert response.status_code < 500
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    text = log.read_text(errors="replace")
    assert f"http://127.0.0.1:{port}/" in text
    assert "observer" in text
