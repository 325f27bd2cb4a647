"""Live updates: brokers, what changed for each seat, and the websocket end to end."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import tests.store.conftest as store_fixtures
from fastapi import FastAPI, WebSocket
from tests.intel.world import REL_TWN, USA_ONLY, USA_REPORT
from tests.servers import serve as serve_app
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from jointex.api._live import (
    UNKNOWN_VERSION,
    LiveHub,
    MemoryBroker,
    PostgresBroker,
    Subscription,
    broker_for,
    channels_changed,
    install_live,
    view_fingerprints,
)
from jointex.exercise import (
    Actor,
    Advance,
    Command,
    ExerciseService,
    PublishIntel,
    ReadIntel,
    ReleaseIntel,
    SendInject,
    Start,
    SubmitAction,
)
from jointex.scenario import Scenario, resolve
from jointex.store import EventStore

postgres_url = store_fixtures.postgres_url  # the shared fixture: skips unless reachable

TIMEOUT = 10.0  # generous: only a bound on waiting, never a latency assertion
FLAGSHIP = "grey-zone-surge"
WHITE, TWN, USA, RED = (Actor("alice", "white"), Actor("li", "twn"), Actor("sam", "usa"),
                        Actor("wang", "red"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Seat:
    """A seat as the app's membership module makes it."""

    exercise_id: str
    cell: str
    role: str


def seats(exercise_id: str) -> dict[str, Seat]:
    """One seat per cell of the flagship, control seated as white."""
    return {
        "white": Seat(exercise_id, "white", "white"),
        "twn": Seat(exercise_id, "twn", "cell"),
        "usa": Seat(exercise_id, "usa", "cell"),
        "red": Seat(exercise_id, "red", "cell"),
        "observers": Seat(exercise_id, "observers", "observer"),
    }


async def next_version(subscription: Subscription) -> int:
    """The subscription's next version, within the timeout."""
    return await asyncio.wait_for(anext(aiter(subscription)), TIMEOUT)


async def nothing_pending(subscription: Subscription) -> bool:
    """Whether the subscription has nothing to give right now."""
    try:
        await asyncio.wait_for(anext(aiter(subscription)), 0.05)
    except TimeoutError:
        return True
    return False


# --- MemoryBroker -----------------------------------------------------------------------------


def test_memory_broker_fans_out_to_every_subscriber() -> None:
    """Every subscription of an exercise gets the version; other exercises' do not."""

    async def scenario() -> None:
        broker = MemoryBroker()
        first, second = broker.subscribe("ex-1"), broker.subscribe("ex-1")
        other = broker.subscribe("ex-2")
        broker.publish("ex-1", 3)
        assert await next_version(first) == 3
        assert await next_version(second) == 3
        assert await nothing_pending(other)
        for subscription in (first, second, other):
            subscription.close()
        assert broker.subscriber_count() == 0

    asyncio.run(scenario())


def test_memory_broker_coalesces_for_a_slow_subscriber() -> None:
    """A subscriber that did not read gets only the latest version, once; stale ones are dropped."""

    async def scenario() -> None:
        broker = MemoryBroker()
        with broker.subscribe("ex-1") as slow:
            for version in range(1, 1001):
                broker.publish("ex-1", version)
            broker.publish("ex-1", 7)  # late and older: covered by 1000 already
            assert await next_version(slow) == 1000
            assert await nothing_pending(slow)
            broker.publish("ex-1", 999)
            assert await nothing_pending(slow)
            broker.publish("ex-1", 1001)
            assert await next_version(slow) == 1001

    asyncio.run(scenario())


def test_memory_broker_never_drops_the_fact_of_a_change() -> None:
    """An unknown version ("re-read") is delivered even after the subscriber caught up."""

    async def scenario() -> None:
        broker = MemoryBroker()
        with broker.subscribe("ex-1") as subscription:
            broker.publish("ex-1", 5)
            assert await next_version(subscription) == 5
            broker.wake_all()
            assert await next_version(subscription) == UNKNOWN_VERSION

    asyncio.run(scenario())


def test_memory_broker_publishes_from_other_threads() -> None:
    """A version published from a worker thread reaches a subscriber on the event loop."""

    async def scenario() -> None:
        broker = MemoryBroker()
        with broker.subscribe("ex-1") as subscription:
            thread = threading.Thread(target=broker.publish, args=("ex-1", 42))
            thread.start()
            assert await next_version(subscription) == 42
            thread.join()

    asyncio.run(scenario())


def test_closed_subscription_ends_iteration_and_unsubscribes() -> None:
    """Closing a subscription ends its iterator and removes it from the broker."""

    async def scenario() -> None:
        broker = MemoryBroker()
        subscription = broker.subscribe("ex-1")
        waiting = asyncio.create_task(anext(aiter(subscription)))
        await asyncio.sleep(0)
        subscription.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, TIMEOUT)
        assert broker.subscriber_count("ex-1") == 0

    asyncio.run(scenario())


def test_broker_for_chooses_by_database_url(tmp_path: Path) -> None:
    """PostgreSQL URLs get the LISTEN/NOTIFY broker; SQLite gets the in-process one."""
    assert isinstance(broker_for(f"sqlite:///{tmp_path / 'x.db'}"), MemoryBroker)
    assert isinstance(broker_for(str(tmp_path / "x.db")), MemoryBroker)
    assert isinstance(broker_for("postgresql+psycopg://u@127.0.0.1/db"), PostgresBroker)
    assert isinstance(broker_for("postgres://u@127.0.0.1/db"), PostgresBroker)


# --- PostgresBroker ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_broker_shares_versions_between_workers(postgres_url: str) -> None:
    """A version published by one worker reaches subscribers of another through NOTIFY."""
    exercise = f"exercise:{uuid.uuid4().hex[:8]}"  # a ':' in the id survives the payload

    async def scenario() -> None:
        one, two = PostgresBroker(postgres_url), PostgresBroker(postgres_url)
        try:
            here, there = one.subscribe(exercise), two.subscribe(exercise)
            await one.start()
            await two.start()
            await asyncio.to_thread(one.publish, exercise, 4)
            assert await next_version(here) == 4  # the publishing worker's own sockets
            assert await next_version(there) == 4
            await asyncio.to_thread(two.publish, exercise, 5)
            assert await next_version(here) == 5
            assert await next_version(there) == 5
            here.close()
            there.close()
        finally:
            await one.close()
            await two.close()

    asyncio.run(scenario())


@pytest.mark.postgres
def test_postgres_broker_wakes_subscribers_after_losing_its_listener(postgres_url: str) -> None:
    """When the LISTEN connection dies, subscribers get an unknown version once it is back."""

    async def scenario() -> None:
        broker = PostgresBroker(postgres_url, retry=0.1)
        try:
            subscription = broker.subscribe("ex-lost")
            await broker.start()
            with psycopg.connect(_libpq(postgres_url), autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (broker.application_name,),
                )
            assert await next_version(subscription) == UNKNOWN_VERSION
            await asyncio.to_thread(broker.publish, "ex-lost", 9)
            assert await next_version(subscription) == 9
            subscription.close()
        finally:
            await broker.close()

    asyncio.run(scenario())


def _libpq(url: str) -> str:
    """A store URL as libpq takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --- channels_changed -------------------------------------------------------------------------


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ExerciseService]:
    """An exercise service on a SQLite file, without simulation adjudication."""
    store = EventStore.open(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        yield ExerciseService(store, adjudicator=None)
    finally:
        store.close()


@pytest.fixture
def flagship() -> Scenario:
    """The flagship scenario."""
    return resolve(FLAGSHIP)


@pytest.fixture
def started(service: ExerciseService, flagship: Scenario) -> str:
    """A started flagship exercise."""
    exercise = service.create(flagship, "Live", seed=7, actor=WHITE)
    service.handle(exercise, Start(), WHITE)
    return exercise


def pushes(
    service: ExerciseService, exercise: str, command: Command, actor: Actor
) -> dict[str, list[str]]:
    """What each seat would be told after the command, by cell."""
    before = service.state(exercise)
    assert service.handle(exercise, command, actor)
    after = service.state(exercise)
    return {
        cell: channels_changed(after.scenario, before, after, seat)
        for cell, seat in seats(exercise).items()
    }


def test_noforn_intel_pushes_nothing_to_twn(service: ExerciseService, started: str) -> None:
    """A USA NOFORN product changes US views only: TWN, red and observers get no push at all."""
    told = pushes(service, started, PublishIntel(USA_ONLY), USA)
    assert told["twn"] == []
    assert told["red"] == []
    assert told["observers"] == []
    assert told["usa"] == ["intel", "timeline"]
    assert told["white"] == ["intel", "timeline"]  # the white cell reads as USA TOP SECRET


def test_tearline_pushes_intel_to_twn(service: ExerciseService, started: str) -> None:
    """Publishing the report tells TWN nothing; releasing its tearline tells TWN intel+timeline."""
    told = pushes(service, started, PublishIntel(USA_REPORT), USA)
    assert told["twn"] == []
    assert told["usa"] == ["intel", "timeline", "map"]  # the report has a location
    release = ReleaseIntel("INT-1", ("TWN",), title="Fujian readiness", title_marking=REL_TWN)
    told = pushes(service, started, release, USA)
    assert told["twn"] == ["intel", "timeline"]
    assert told["red"] == []
    assert told["observers"] == []


def test_read_of_intel_is_on_the_readers_timeline_only(
    service: ExerciseService, started: str
) -> None:
    """TWN reading its tearline shows on TWN's and control's timelines, nobody else's."""
    service.handle(started, PublishIntel(USA_REPORT), USA)
    service.handle(started, ReleaseIntel("INT-1", ("TWN",), title="T", title_marking=REL_TWN), USA)
    told = pushes(service, started, ReadIntel("INT-2"), TWN)
    assert told == {"white": ["timeline"], "twn": ["timeline"], "usa": [], "red": [],
                    "observers": []}  # fmt: skip


def test_actions_push_to_the_acting_cell_and_control(
    service: ExerciseService, started: str
) -> None:
    """A TWN action tells TWN and control (with the world it set), not the other cells."""
    told = pushes(service, started, SubmitAction("raise-readiness"), TWN)
    assert told["twn"] == ["actions"]
    assert told["white"] == ["actions", "world"]
    assert told["usa"] == told["red"] == told["observers"] == []


def test_ad_hoc_inject_pushes_to_its_recipients(service: ExerciseService, started: str) -> None:
    """An ad hoc inject to TWN changes TWN's inbox and control's inbox and MSEL only."""
    told = pushes(service, started, SendInject({"title": "Flash", "to": ["twn"]}), WHITE)
    assert told["twn"] == ["inbox"]
    assert told["white"] == ["inbox", "msel"]
    assert told["usa"] == told["red"] == told["observers"] == []


def test_clock_advance_pushes_clock_to_everyone(service: ExerciseService, started: str) -> None:
    """Advancing a move changes every seat's clock; control-only channels stay control's."""
    told = pushes(service, started, Advance(), WHITE)
    assert all("clock" in channels for channels in told.values())
    for cell in ("twn", "usa", "red", "observers"):
        assert not {"msel", "world", "adjudications"} & set(told[cell])


def test_control_views_need_a_control_seat(service: ExerciseService, started: str) -> None:
    """A white-cell seat held as observer does not get control's MSEL, world or adjudications."""
    seat = Seat(started, "white", "observer")
    before = service.state(started)
    service.handle(started, SendInject({"title": "Flash", "to": ["twn"]}), WHITE)
    after = service.state(started)
    assert channels_changed(after.scenario, before, after, seat) == ["inbox"]
    prints = view_fingerprints(after.scenario, after, seat)
    assert prints["msel"] is prints["world"] is prints["adjudications"] is None


def test_fingerprints_are_cached_per_state_and_seat(service: ExerciseService, started: str) -> None:
    """The same state and seat give the same fingerprint object (computed once)."""
    state = service.state(started)
    seat = seats(started)["twn"]
    first = view_fingerprints(state.scenario, state, seat)
    again = view_fingerprints(state.scenario, state, seat)
    assert all(a is b for a, b in zip(first.values(), again.values(), strict=True))


# --- the websocket, end to end ----------------------------------------------------------------


class Server:
    """A uvicorn server on 127.0.0.1 in a thread (`tests.servers.serve`), for websockets."""

    def __init__(self, app: FastAPI) -> None:
        """Start serving ``app`` on a free port."""
        self._stack = ExitStack()
        base = self._stack.enter_context(serve_app(app, ws="websockets-sansio"))
        self.port: int = int(base.rsplit(":", 1)[1])

    def url(self, exercise: str, token: str | None) -> str:
        """The websocket URL of an exercise, with a token if given."""
        query = f"?token={token}" if token else ""
        return f"ws://127.0.0.1:{self.port}/ws/exercises/{exercise}{query}"

    def stop(self) -> None:
        """Shut the server down."""
        self._stack.close()


def live_app(service: ExerciseService, by_token: dict[str, Seat], heartbeat: float) -> FastAPI:
    """A small app wired as create_app wires live updates."""
    app = FastAPI()
    install_live(app, service, MemoryBroker(), heartbeat=heartbeat)

    def resolve_ws_seat(websocket: WebSocket, exercise_id: str) -> Seat | None:
        return by_token.get(websocket.query_params.get("token", ""))

    app.state.resolve_ws_seat = resolve_ws_seat
    return app


@pytest.fixture
def serve(service: ExerciseService) -> Iterator[Callable[..., tuple[Server, LiveHub]]]:
    """Start live servers for a test (stopped afterwards)."""
    started: list[Server] = []

    def start(by_token: dict[str, Seat], heartbeat: float = 30.0) -> tuple[Server, LiveHub]:
        app = live_app(service, by_token, heartbeat)
        server = Server(app)
        started.append(server)
        return server, app.state.live

    yield start
    for server in started:
        server.stop()


def command(
    service: ExerciseService, hub: LiveHub, exercise: str, order: Command, actor: Actor
) -> int:
    """Handle a command and announce the append as the app does; the new version."""
    recorded = service.handle(exercise, order, actor)
    hub.on_append(exercise, recorded[-1].version)
    return recorded[-1].version


async def receive(client: ClientConnection) -> dict[str, Any]:
    """The next push (heartbeats skipped), within the timeout."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        if message.get("type") != "heartbeat":
            return message


def test_websocket_pushes_a_command_to_the_seats_that_see_it(
    service: ExerciseService, started: str, serve: Callable[..., tuple[Server, LiveHub]]
) -> None:
    """A TWN action reaches TWN and white; red hears nothing until the clock moves."""
    tokens = {f"t-{cell}": seat for cell, seat in seats(started).items()}
    server, hub = serve(tokens)

    async def scenario() -> None:
        clients = {
            cell: await connect(server.url(started, f"t-{cell}"))
            for cell in ("white", "twn", "usa", "red")
        }
        try:
            version = await asyncio.to_thread(
                command, service, hub, started, SubmitAction("raise-readiness"), TWN
            )
            twn, white = await receive(clients["twn"]), await receive(clients["white"])
            assert (twn["version"], twn["channels"]) == (version, ["actions"])
            assert (white["version"], white["channels"]) == (version, ["actions", "world"])
            assert isinstance(twn["sent"], float)
            assert set(twn) == {"version", "channels", "sent"}
            moved = await asyncio.to_thread(command, service, hub, started, Advance(), WHITE)
            for cell in ("red", "usa"):  # their first push is the clock, not the action
                push = await receive(clients[cell])
                assert push["version"] == moved
                assert "clock" in push["channels"]
                assert "actions" not in push["channels"]
        finally:
            for client in clients.values():
                await client.close()

    asyncio.run(scenario())


def test_websocket_noforn_publication_sends_twn_nothing(
    service: ExerciseService, started: str, serve: Callable[..., tuple[Server, LiveHub]]
) -> None:
    """The US cell hears of its NOFORN product; TWN's next push is a later tearline."""
    server, hub = serve({"u": seats(started)["usa"], "t": seats(started)["twn"]})

    async def scenario() -> None:
        async with (
            connect(server.url(started, "u")) as usa,
            connect(server.url(started, "t")) as twn,
        ):
            secret = await asyncio.to_thread(
                command, service, hub, started, PublishIntel(USA_REPORT), USA
            )
            assert (await receive(usa))["version"] == secret
            release = ReleaseIntel("INT-1", ("TWN",), title="T", title_marking=REL_TWN)
            shared = await asyncio.to_thread(command, service, hub, started, release, USA)
            push = await receive(twn)
            assert (push["version"], push["channels"]) == (shared, ["intel", "timeline"])

    asyncio.run(scenario())


def test_websocket_refuses_unknown_seats(
    service: ExerciseService, started: str, serve: Callable[..., tuple[Server, LiveHub]]
) -> None:
    """No credentials close with 4401, a token without a seat with 4403, a missing exercise 4404."""
    server, _ = serve({"t": seats(started)["twn"], "ghost": Seat("exercise-ghost", "twn", "cell")})

    async def closed_with(url: str) -> int | None:
        async with connect(url) as client:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(client.recv(), TIMEOUT)
            return info.value.rcvd.code if info.value.rcvd else None

    async def scenario() -> None:
        assert await closed_with(server.url(started, None)) == 4401
        assert await closed_with(server.url(started, "nobody")) == 4403
        assert await closed_with(server.url(started, "ghost")) == 4403  # another exercise's seat
        assert await closed_with(server.url("exercise-ghost", "ghost")) == 4404

    asyncio.run(scenario())


def test_websocket_heartbeats_and_cleans_up_on_disconnect(
    service: ExerciseService, started: str, serve: Callable[..., tuple[Server, LiveHub]]
) -> None:
    """An idle socket gets heartbeats; closing it unsubscribes the seat."""
    server, hub = serve({"t": seats(started)["twn"]}, heartbeat=0.05)
    broker = hub.broker
    assert isinstance(broker, MemoryBroker)

    async def scenario() -> None:
        async with connect(server.url(started, "t")) as client:
            message = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
            assert message["type"] == "heartbeat"
            assert hub.connected(started) == 1
        deadline = time.monotonic() + TIMEOUT
        while broker.subscriber_count(started) or hub.connected(started):
            assert time.monotonic() < deadline, "the closed socket stayed subscribed"
            await asyncio.sleep(0.01)

    asyncio.run(scenario())


def test_a_slow_socket_gets_the_latest_version_covering_everything(
    service: ExerciseService, started: str, serve: Callable[..., tuple[Server, LiveHub]]
) -> None:
    """Many appends while a client reads nothing end in pushes up to the last version."""
    server, hub = serve({"t": seats(started)["twn"]})

    async def scenario() -> None:
        async with connect(server.url(started, "t")) as client:
            last = 0
            for n in range(20):
                inject = SendInject({"title": f"Flash {n}", "to": ["twn"]})
                last = await asyncio.to_thread(command, service, hub, started, inject, WHITE)
            seen = 0
            while seen < last:
                push = await receive(client)
                assert push["version"] > seen
                assert push["channels"] == ["inbox"]
                seen = push["version"]
            assert seen == last

    asyncio.run(scenario())
