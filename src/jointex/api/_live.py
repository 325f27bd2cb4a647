"""Live updates: a broker of "exercise X is at version N", what changed for a seat, the websocket.

After each append the app calls ``app.state.on_append(exercise_id, version)``, which publishes
the version on a `Broker`. Every websocket (``WS /ws/exercises/{id}``) subscribes to its
exercise; on each version it reads the exercise's state once per process (`LiveHub.current`),
compares the seat's VIEWS before and after (`channels_changed`, through the `jointex.intel` and
`jointex.cop` read paths with the seat's reader, never raw events) and sends
``{"version": N, "channels": [...], "sent": <server time, epoch seconds>}`` only when some view
of that seat changed. A push never carries marked content and a seat is never told about what it
may not see: a NOFORN product published by the USA cell changes no view of the Taiwan cell, so
the Taiwan cell gets no push at all. When nothing is pushed for ``heartbeat`` seconds the socket
gets ``{"type": "heartbeat", "sent": ...}``.

Brokers (`broker_for` picks by database URL):

* `MemoryBroker`: in-process fan-out (one server process). A subscription holds at most one
  pending version: a slow subscriber gets the latest version rather than a growing backlog, and
  never misses the fact that something changed.
* `PostgresBroker`: the same fan-out inside each worker plus PostgreSQL ``LISTEN/NOTIFY`` on one
  channel (`NOTIFY_CHANNEL`) of the database, payload ``exercise_id:version``, so several server
  workers share updates. A worker that loses its listening connection reconnects and wakes every
  subscriber with `UNKNOWN_VERSION` ("re-read the state"), since notifications sent meanwhile
  are lost.

Wiring (done by ``create_app``)::

    hub = install_live(app, service, broker_for(db_url))
    # = app.state.live = LiveHub(...); app.state.on_append = hub.on_append;
    #   app.include_router(live_router)
    app.state.resolve_ws_seat = resolve          # (websocket, exercise_id) -> Seat | None
    # lifespan: await hub.start() on startup (optional), await hub.close() on shutdown
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, runtime_checkable

import psycopg
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
)
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from jointex._errors import AccessDenied, JointExError, MarkingError
from jointex.cop import tracks_for
from jointex.exercise import ExerciseService, ExerciseState
from jointex.intel import (
    CellReader,
    export_products,
    history,
    is_control,
    may_read_banner,
    reader_for,
    visible_injects,
    visible_rfis,
)
from jointex.markings import Reader
from jointex.scenario import Scenario
from jointex.store._url import display_url, parse_store_url

__all__ = [
    "CHANNELS",
    "NOTIFY_CHANNEL",
    "UNKNOWN_VERSION",
    "Broker",
    "LiveHub",
    "LiveSeat",
    "MemoryBroker",
    "PostgresBroker",
    "Subscription",
    "broker_for",
    "channels_changed",
    "install_live",
    "live_router",
    "resolve_seat",
    "view_fingerprints",
]

_log = logging.getLogger(__name__)

CHANNELS = (
    "inbox",
    "intel",
    "timeline",
    "clock",
    "actions",
    "adjudications",
    "msel",
    "world",
    "map",
)
"""The contract's channels, in the order a push lists them."""

UNKNOWN_VERSION = 0
"""Yielded by a subscription when notifications may have been lost: re-read the state."""

NOTIFY_CHANNEL = "jointex_live"
"""The PostgreSQL notification channel (one per database)."""

DEFAULT_HEARTBEAT = 20.0
"""Seconds without a push after which a socket gets a heartbeat."""

# Close codes (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


# --- brokers ----------------------------------------------------------------------------------


class Subscription:
    """The versions published for one exercise, as an async iterator; holds one pending value.

    Registered with its broker when created (so nothing published after `Broker.subscribe`
    returns is missed); iterate with ``async for`` on the event loop it was created on, and
    `close` it (or use ``with``) when done. Publishing only raises the pending version (or marks
    an unknown one), so a subscriber that falls behind receives the latest version, once.
    """

    def __init__(self, exercise_id: str, on_close: Callable[[Subscription], None]) -> None:
        """Create a subscription; use `Broker.subscribe` instead."""
        self.exercise_id = exercise_id
        self.loop = asyncio.get_running_loop()
        self._on_close = on_close
        self._wake = asyncio.Event()
        self._pending: int | None = None
        self._unknown = False
        self._last = 0
        self._closed = False

    def offer(self, version: int) -> None:
        """Record a published version (on the subscription's loop)."""
        if self._closed:
            return
        if version == UNKNOWN_VERSION:
            self._unknown = True
        elif version > self._last and (self._pending is None or version > self._pending):
            self._pending = version
        else:
            return
        self._wake.set()

    def __aiter__(self) -> Subscription:
        """The subscription is its own iterator."""
        return self

    async def __anext__(self) -> int:
        """The latest version published since the last one returned (or `UNKNOWN_VERSION`)."""
        while True:
            if self._closed:
                raise StopAsyncIteration
            await self._wake.wait()
            self._wake.clear()
            if self._unknown:
                self._unknown = False
                self._pending = None
                return UNKNOWN_VERSION
            if self._pending is not None:
                version, self._pending = self._pending, None
                self._last = version
                return version

    def close(self) -> None:
        """Stop receiving versions; iteration ends."""
        if not self._closed:
            self._closed = True
            self._wake.set()
            self._on_close(self)

    def __enter__(self) -> Subscription:
        """Use in a ``with`` block that closes it."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the subscription."""
        self.close()


@runtime_checkable
class Broker(Protocol):
    """Tells subscribers, possibly in other processes, that an exercise reached a version."""

    def publish(self, exercise_id: str, version: int) -> None:
        """Announce that ``exercise_id`` is at ``version``; callable from any thread."""

    def subscribe(self, exercise_id: str) -> Subscription:
        """A subscription to the exercise's versions (call on the event loop that iterates it)."""

    async def start(self) -> None:
        """Start background work (optional: subscribing starts it too)."""

    async def close(self) -> None:
        """Stop background work and release connections."""


class MemoryBroker:
    """In-process fan-out: every subscription of the exercise gets the version (coalesced)."""

    def __init__(self) -> None:
        """An empty broker."""
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}

    def subscribe(self, exercise_id: str) -> Subscription:
        """Subscribe to an exercise; must be called on a running event loop."""
        subscription = Subscription(exercise_id, self._remove)
        with self._lock:
            self._subscribers.setdefault(exercise_id, set()).add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(subscription.exercise_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[subscription.exercise_id]

    def subscriber_count(self, exercise_id: str | None = None) -> int:
        """How many subscriptions are open (for one exercise, or in all)."""
        with self._lock:
            if exercise_id is not None:
                return len(self._subscribers.get(exercise_id, ()))
            return sum(len(s) for s in self._subscribers.values())

    def exercises(self) -> list[str]:
        """The exercises with at least one subscription."""
        with self._lock:
            return list(self._subscribers)

    def publish(self, exercise_id: str, version: int) -> None:
        """Offer ``version`` to every subscription of the exercise, from any thread."""
        with self._lock:
            subscribers = list(self._subscribers.get(exercise_id, ()))
        try:
            here: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        for subscription in subscribers:
            if subscription.loop is here:
                subscription.offer(version)
            else:
                with contextlib.suppress(RuntimeError):  # that loop has closed
                    subscription.loop.call_soon_threadsafe(subscription.offer, version)

    def wake_all(self) -> None:
        """Offer `UNKNOWN_VERSION` to every subscription ("re-read the state")."""
        for exercise_id in self.exercises():
            self.publish(exercise_id, UNKNOWN_VERSION)

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to release (subscriptions close themselves)."""


def _conninfo(url: str) -> str:
    """A libpq URI for a store URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    parsed = parse_store_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"not a PostgreSQL URL: {display_url(parsed)}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _parse_payload(payload: str) -> tuple[str, int] | None:
    exercise_id, _, version = payload.rpartition(":")  # exercise ids may contain ':'
    if not exercise_id or not version.isdigit():
        return None
    return exercise_id, int(version)


class PostgresBroker:
    """Fan-out across server workers through PostgreSQL ``LISTEN/NOTIFY``.

    `publish` offers the version to this worker's subscribers at once, then sends
    ``NOTIFY jointex_live, 'exercise_id:version'`` on a small synchronous connection (after the
    append's transaction committed). A listener task (started by the first `subscribe`, or by
    `start`) holds an async ``LISTEN`` connection and hands every notification to the local
    subscribers; after losing it, it reconnects and wakes every subscriber with
    `UNKNOWN_VERSION`.

    Args:
        url: the database, as a store URL (``postgresql://`` or ``postgresql+psycopg://``).
        channel: the notification channel.
        retry: seconds between reconnection attempts of the listener.
    """

    def __init__(self, url: str, *, channel: str = NOTIFY_CHANNEL, retry: float = 1.0) -> None:
        """Prepare the broker; no connection is opened until needed."""
        self._conninfo = _conninfo(url)
        self._shown = display_url(parse_store_url(url))
        self._channel = channel
        self._retry = retry
        self._local = MemoryBroker()
        self._send_lock = threading.Lock()
        self._sender: psycopg.Connection[Any] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self.application_name = f"jointex-live-{uuid.uuid4().hex[:8]}"
        """The listening connection's ``application_name`` (to find it in pg_stat_activity)."""

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, exercise_id: str, version: int) -> None:
        """Offer the version locally and NOTIFY the other workers; callable from any thread.

        A failure to notify is logged, not raised: the append has committed already, and other
        workers' sockets catch up at the next notification.
        """
        self._local.publish(exercise_id, version)
        payload = f"{exercise_id}:{version}"
        with self._send_lock:
            for attempt in range(2):
                try:
                    if self._sender is None or self._sender.closed:
                        self._sender = psycopg.connect(self._conninfo, autocommit=True)
                    self._sender.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))
                    return
                except psycopg.Error as exc:
                    if self._sender is not None:
                        self._sender.close()
                    self._sender = None
                    if attempt:
                        _log.warning("cannot NOTIFY %s on %s: %s", payload, self._shown, exc)

    # -- subscribing -----------------------------------------------------------------------------

    def subscribe(self, exercise_id: str) -> Subscription:
        """Subscribe to an exercise (starting the listener); call on a running event loop."""
        subscription = self._local.subscribe(exercise_id)
        self._ensure_listener()
        return subscription

    async def start(self) -> None:
        """Start the listener and wait until it listens (or its first attempt failed)."""
        self._ensure_listener()
        assert self._ready is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._ready = asyncio.Event()
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(self._ready), name="jointex-live-listener"
            )

    async def _listen(self, ready: asyncio.Event) -> None:
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, application_name=self.application_name
                ) as conn:
                    await conn.execute(f'LISTEN "{self._channel}"')
                    ready.set()
                    if not first:
                        self._local.wake_all()  # notifications were lost while away
                    first = False
                    async for notify in conn.notifies():
                        parsed = _parse_payload(notify.payload)
                        if parsed is not None:
                            self._local.publish(*parsed)
            except psycopg.Error as exc:
                ready.set()
                first = False
                _log.warning("live updates: lost LISTEN on %s: %s", self._shown, exc)
            await asyncio.sleep(self._retry)

    async def close(self) -> None:
        """Stop the listener and close both connections."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        with self._send_lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None


def broker_for(db_url: str) -> MemoryBroker | PostgresBroker:
    """The broker for a store URL: `PostgresBroker` for PostgreSQL, else `MemoryBroker`."""
    if parse_store_url(db_url).drivername.startswith("postgresql"):
        return PostgresBroker(db_url)
    return MemoryBroker()


# --- what changed for a seat ------------------------------------------------------------------


@runtime_checkable
class LiveSeat(Protocol):
    """What live updates need of a seat (`jointex.api._membership.Seat` satisfies it)."""

    @property
    def exercise_id(self) -> str:
        """The exercise."""

    @property
    def cell(self) -> str:
        """The seat's cell: it reads as ``reader_for(scenario, cell)``."""

    @property
    def role(self) -> str:
        """The membership's role."""


Fingerprint = tuple[Hashable, ...]
"""One small hashable summary per channel, in `CHANNELS` order (``None``: not the seat's)."""


def _inbox(state: ExerciseState, reader: CellReader, control: bool) -> Hashable:
    shown = visible_injects(state, reader)
    ids = {d.inject_id for d in shown}
    acknowledged = sum(
        1
        for inject_id, cell in state.acknowledgements
        if inject_id in ids and (control or cell == reader.cell)
    )
    return (len(shown), shown[-1].inject_id if shown else None, acknowledged)


def _intel(state: ExerciseState, reader: CellReader) -> Hashable:
    products = export_products(state, reader)
    rfis = visible_rfis(state, reader)
    answered = sum(1 for r in rfis if r.answer is not None)
    return (
        len(products),
        products[-1].id if products else None,
        len(rfis),
        rfis[-1].rfi_id if rfis else None,
        answered,
    )


def _timeline(state: ExerciseState, reader: CellReader) -> Hashable:
    entries = history(state, reader)
    return (len(entries), hash(tuple(entries)))


def _clock(state: ExerciseState) -> Hashable:
    return (
        state.status,
        state.minute,
        state.clock_mode,
        state.clock_speed,
        state.phase_id,
        state.move_started,
        state.end_reason,
    )


def _actions(state: ExerciseState, reader: CellReader, control: bool) -> Hashable:
    shown = [
        a
        for a in state.actions
        if (control or a.cell == reader.cell) and may_read_banner(reader, a.marking)
    ]
    ids = {a.action_id for a in shown}
    decided = sum(
        1
        for record in state.adjudications.values()
        if record.decided is not None and record.opened.action_id in ids
    )
    return (len(shown), shown[-1].action_id if shown else None, decided)


def _adjudications(state: ExerciseState, reader: CellReader) -> Hashable:
    readable = {a.action_id for a in state.actions if may_read_banner(reader, a.marking)}
    shown = [r for r in state.adjudications.values() if r.opened.action_id in readable]
    decided = sum(1 for r in shown if r.decided is not None)
    return (len(shown), shown[-1].opened.adjudication_id if shown else None, decided)


def _msel(state: ExerciseState, reader: CellReader) -> Hashable:
    return hash(
        tuple(
            (s.id, s.status, s.time, len(s.edits), s.minute, tuple(s.inject.to))
            for s in state.injects.values()
            if may_read_banner(reader, s.inject.marking)
        )
    )


def _world(state: ExerciseState) -> Hashable:
    return (state.escalation, tuple(sorted(state.variables.items())))


def _map(scenario: Scenario, state: ExerciseState, reader: CellReader, control: bool) -> Hashable:
    if not isinstance(reader, Reader):
        return None  # a reader without a nation has no picture of its own
    nations = {reader.nation}
    if control:  # control may look at every national cell's picture
        nations |= {c.nation for c in scenario.cells if c.nation is not None}
    products = list(state.intel.values())
    try:
        return tuple(
            (nation, t.id, t.source, t.lon, t.lat, t.sidc, t.marking.banner())
            for nation in sorted(nations)
            for t in tracks_for(scenario, reader, nation, products, state.minute)
        )
    except MarkingError:
        return None


CONTROL_ROLES = frozenset({"white", "admin"})
"""Membership roles that, in a control cell, see control's views (MSEL, adjudications, world)."""


def _seat_key(scenario: Scenario, seat: LiveSeat) -> tuple[str, bool]:
    """The seat's cell and whether it sees control's views (a control cell seated as control)."""
    reader = reader_for(scenario, seat.cell)
    return seat.cell, is_control(scenario, reader) and seat.role in CONTROL_ROLES


def _compute(scenario: Scenario, state: ExerciseState, cell: str, control: bool) -> Fingerprint:
    reader = reader_for(scenario, cell)
    return (
        _inbox(state, reader, is_control(scenario, reader)),
        _intel(state, reader),
        _timeline(state, reader),
        _clock(state),
        _actions(state, reader, control),
        _adjudications(state, reader) if control else None,
        _msel(state, reader) if control else None,
        _world(state) if control else None,
        _map(scenario, state, reader, control),
    )


class _FingerprintCache:
    """Fingerprints per (exercise, version, cell), bounded, checked against the state object."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[
            tuple[str, int, str, bool], tuple[ExerciseState, Fingerprint]
        ] = OrderedDict()
        self.misses = 0

    def get(
        self, scenario: Scenario, state: ExerciseState, cell: str, control: bool
    ) -> Fingerprint:
        key = (state.exercise_id, state.version, cell, control)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] is state:
                self._entries.move_to_end(key)
                return hit[1]
        fingerprint = _compute(scenario, state, cell, control)
        with self._lock:
            self.misses += 1
            self._entries[key] = (state, fingerprint)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return fingerprint


_CACHE = _FingerprintCache()


def view_fingerprints(
    scenario: Scenario, state: ExerciseState, seat: LiveSeat
) -> dict[str, Hashable]:
    """Small summaries of each of the seat's views of the state, by channel (cached).

    Built only from the read paths with the seat's reader (`reader_for` of its cell): counts,
    last ids and the status of visible items, cached per (exercise, version, cell, control).
    ``None`` for a channel that is not the seat's: ``msel``, ``adjudications`` and ``world``
    belong to a control cell seated as ``white`` or ``admin`` (who also sees every cell's
    actions and every nation's map); ``map`` needs a nation.

    Raises:
        AccessDenied: the seat's cell is not in the scenario.
    """
    cell, control = _seat_key(scenario, seat)
    return dict(zip(CHANNELS, _CACHE.get(scenario, state, cell, control), strict=True))


def channels_changed(
    scenario: Scenario, before_state: ExerciseState, after_state: ExerciseState, seat: LiveSeat
) -> list[str]:
    """The channels whose view FOR THIS SEAT differs between two states of an exercise.

    Compares the fingerprints of the seat's views (`view_fingerprints`), never the events in
    between, so a change the seat may not see changes nothing: a USA NOFORN product gives the
    Taiwan cell ``[]``.

    Args:
        scenario: the exercise's scenario.
        before_state: what the seat was last told about.
        after_state: the state now.
        seat: the seat (its ``cell`` decides the reader).

    Returns:
        Changed channels in `CHANNELS` order; empty when the seat has nothing to refetch.

    Raises:
        AccessDenied: the seat's cell is not in the scenario.
    """
    cell, control = _seat_key(scenario, seat)
    before = _CACHE.get(scenario, before_state, cell, control)
    after = _CACHE.get(scenario, after_state, cell, control)
    return [name for name, old, new in zip(CHANNELS, before, after, strict=True) if old != new]


# --- the hub: one state read per version per process ---------------------------------------


@dataclass
class _Exercise:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    state: ExerciseState | None = None
    loaded_at: float = float("-inf")
    cells: Counter[tuple[str, bool]] = field(default_factory=Counter)


class LiveHub:
    """Live updates of one app: the broker, the service to read states from, connected seats.

    Args:
        service: the exercise service (read with `ExerciseService.state`).
        broker: the broker (`broker_for`).
        heartbeat: seconds without a push before a heartbeat is sent.
        clock: the server time put in pushes (epoch seconds).
    """

    def __init__(
        self,
        service: ExerciseService,
        broker: Broker,
        *,
        heartbeat: float = DEFAULT_HEARTBEAT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create the hub; nothing runs until a socket connects or `start` is awaited."""
        self.service = service
        self.broker = broker
        self.heartbeat = heartbeat
        self.clock = clock
        self._exercises: dict[str, _Exercise] = {}

    def on_append(self, exercise_id: str, version: int) -> None:
        """Announce an append (``app.state.on_append``); callable from any thread."""
        self.broker.publish(exercise_id, version)

    async def start(self) -> None:
        """Start the broker's background work (e.g. the PostgreSQL listener)."""
        await self.broker.start()

    async def close(self) -> None:
        """Stop the broker."""
        await self.broker.close()

    def connected(self, exercise_id: str) -> int:
        """How many seats are connected to an exercise in this process."""
        entry = self._exercises.get(exercise_id)
        return 0 if entry is None else sum(entry.cells.values())

    def _join(self, exercise_id: str, cell: tuple[str, bool]) -> None:
        self._exercises.setdefault(exercise_id, _Exercise()).cells[cell] += 1

    def _leave(self, exercise_id: str, cell: tuple[str, bool]) -> None:
        entry = self._exercises.get(exercise_id)
        if entry is None:
            return
        entry.cells[cell] -= 1
        if entry.cells[cell] <= 0:
            del entry.cells[cell]
        if not entry.cells:
            del self._exercises[exercise_id]

    async def current(self, exercise_id: str, version: int = UNKNOWN_VERSION) -> ExerciseState:
        """The exercise's state at ``version`` or later, read once for all sockets.

        With `UNKNOWN_VERSION`, a state read after this call began. The fingerprints of the
        connected cells are computed in the same worker thread as the read.

        Raises:
            StoreError: no such exercise, or the store cannot be read.
        """
        entry = self._exercises.setdefault(exercise_id, _Exercise())
        asked = time.monotonic()

        def fresh() -> bool:
            if entry.state is None:
                return False
            if version == UNKNOWN_VERSION:
                return entry.loaded_at >= asked
            return entry.state.version >= version

        if fresh():
            assert entry.state is not None
            return entry.state
        async with entry.lock:
            if fresh():
                assert entry.state is not None
                return entry.state
            loaded_at = time.monotonic()
            cells = list(entry.cells)
            state = await asyncio.to_thread(self._load, exercise_id, cells)
            if entry.state is None or state.version >= entry.state.version:
                entry.state, entry.loaded_at = state, loaded_at
            return state

    def _load(self, exercise_id: str, cells: Iterable[tuple[str, bool]]) -> ExerciseState:
        state = self.service.state(exercise_id)
        for cell, control in cells:
            with contextlib.suppress(AccessDenied):
                _CACHE.get(state.scenario, state, cell, control)
        return state

    async def serve(self, websocket: WebSocket, exercise_id: str, seat: LiveSeat) -> None:
        """Accept the websocket and push to it until it disconnects (see the module docstring).

        The subscription and the first read of the state come before the socket is accepted,
        so everything committed after the client saw the socket open reaches it (if visible).
        An exercise that does not exist closes with 4404, a cell not in it with 4403.
        """
        subscription = self.broker.subscribe(exercise_id)  # before the first read: miss nothing
        key: tuple[str, bool] | None = None
        try:
            code = CLOSE_NOT_FOUND
            try:
                before = await self.current(exercise_id)
                code = CLOSE_FORBIDDEN
                scenario = before.scenario
                key = _seat_key(scenario, seat)
            except JointExError:
                await websocket.accept()
                await websocket.close(code)
                return
            self._join(exercise_id, key)
            await websocket.accept()
            receiver = asyncio.create_task(_drain(websocket))
            pusher = asyncio.create_task(
                self._push(websocket, subscription, scenario, before, seat)
            )
            done, pending = await asyncio.wait(
                {receiver, pusher}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, _GONE):
                    raise exc
        finally:
            subscription.close()
            if key is not None:
                self._leave(exercise_id, key)
            elif exercise_id in self._exercises and not self._exercises[exercise_id].cells:
                del self._exercises[exercise_id]
            if websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(*_GONE):
                    await websocket.close()

    async def _push(
        self,
        websocket: WebSocket,
        subscription: Subscription,
        scenario: Scenario,
        before: ExerciseState,
        seat: LiveSeat,
    ) -> None:
        iterator = aiter(subscription)
        while True:
            try:
                version = await asyncio.wait_for(anext(iterator), timeout=self.heartbeat)
            except TimeoutError:
                await websocket.send_json({"type": "heartbeat", "sent": self.clock()})
                continue
            except StopAsyncIteration:
                return
            if version != UNKNOWN_VERSION and version <= before.version:
                continue
            after = await self.current(subscription.exercise_id, version)
            if after.version < before.version:
                continue  # an older state read elsewhere; a newer one is coming
            channels = channels_changed(scenario, before, after, seat)
            before = after
            if channels:
                await websocket.send_json(
                    {"version": after.version, "channels": channels, "sent": self.clock()}
                )


_GONE = (WebSocketDisconnect, RuntimeError, OSError)
"""What a socket that went away raises when written to."""


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


# --- the websocket endpoint -------------------------------------------------------------------


SeatResolver = Callable[[WebSocket, str], LiveSeat | Awaitable[LiveSeat | None] | None]


def _has_credentials(websocket: WebSocket) -> bool:
    return bool(websocket.cookies.get("jointex_session") or websocket.query_params.get("token"))


async def resolve_seat(websocket: WebSocket, exercise_id: str) -> LiveSeat | None:
    """The socket's seat, from ``websocket.app.state.resolve_ws_seat(websocket, exercise_id)``.

    The resolver (provided by the app: session cookie or ``?token=``) returns the seat, or
    ``None`` to refuse; it may be async, and a sync one runs in the thread pool. On refusal
    the socket is accepted and closed with 4401 when it carries no credentials at all (or the
    resolver raised ``WebSocketException(4401)``), else 4403 (not a member, or a seat of another
    exercise); this dependency then returns ``None`` and the endpoint stops.
    """
    resolver: SeatResolver | None = getattr(websocket.app.state, "resolve_ws_seat", None)
    code = CLOSE_UNAUTHENTICATED
    seat: LiveSeat | None = None
    if resolver is not None:
        try:
            if inspect.iscoroutinefunction(resolver):
                result = await resolver(websocket, exercise_id)
            else:
                result = await run_in_threadpool(resolver, websocket, exercise_id)
            if inspect.isawaitable(result):
                result = await result
            seat = result
        except WebSocketException as exc:
            code = exc.code
        else:
            code = CLOSE_FORBIDDEN if _has_credentials(websocket) else CLOSE_UNAUTHENTICATED
        if seat is not None and getattr(seat, "exercise_id", exercise_id) != exercise_id:
            seat, code = None, CLOSE_FORBIDDEN
    if seat is None:
        await websocket.accept()
        await websocket.close(code)
    return seat


live_router = APIRouter()
"""``WS /ws/exercises/{exercise_id}``; needs ``app.state.live`` (a `LiveHub`)."""


@live_router.websocket("/ws/exercises/{exercise_id}")
async def exercise_updates(
    websocket: WebSocket,
    exercise_id: str,
    seat: Annotated[LiveSeat | None, Depends(resolve_seat)],
) -> None:
    """Live updates of one exercise for the caller's seat (see the module docstring)."""
    if seat is None:
        return  # refused and closed by resolve_seat
    hub: LiveHub = websocket.app.state.live
    await hub.serve(websocket, exercise_id, seat)


def install_live(
    app: FastAPI,
    service: ExerciseService,
    broker: Broker,
    *,
    heartbeat: float = DEFAULT_HEARTBEAT,
) -> LiveHub:
    """Wire live updates into an app: ``app.state.live``, ``app.state.on_append``, the router.

    The app still provides ``app.state.resolve_ws_seat`` and, in its lifespan, awaits
    ``hub.close()`` on shutdown (and, optionally, ``hub.start()`` on startup).

    Args:
        app: the application.
        service: its exercise service.
        broker: `broker_for` the app's database URL.
        heartbeat: seconds without a push before a heartbeat.

    Returns:
        The hub (also ``app.state.live``).
    """
    hub = LiveHub(service, broker, heartbeat=heartbeat)
    app.state.live = hub
    app.state.on_append = hub.on_append
    app.include_router(live_router)
    return hub
