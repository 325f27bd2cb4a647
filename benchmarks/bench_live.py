"""Live updates under load: commit -> websocket receipt latency and lost notifications.

Run with ``python benchmarks/bench_live.py [--clients 200] [--seconds 10] [--rate 20]``.

- **Server** (its own process): uvicorn on 127.0.0.1 serving `jointex.api._live.live_router`
  wired as the app wires it (`install_live`: a `LiveHub` over `ExerciseService` on a SQLite
  file, `broker_for` the URL: a `MemoryBroker`), plus ``POST /bench/command`` that handles one
  command through the service in the thread pool and calls ``on_append`` (what the JSON API's
  command route does), answering with the versions written and the server's commit time. The
  exercise is a started grey-zone-surge; each client has a seat, spread over the five cells
  (white seated as white, observers as observer, the others as cell).
- **Clients** (``--client-processes`` processes, asyncio + the ``websockets`` library): all
  connect, then record every push with its receipt time (``time.time()``, the same clock as the
  server's: one machine).
- **Driver** (this process): ``--rate`` commands a second for ``--seconds``: the Taiwan, US and
  red cells submitting actions from their menus (70%), the white cell sending unclassified ad hoc
  injects to a random set of cells (25%), the US cell publishing a NOFORN note (5%, which must
  reach no Taiwan, red or observer seat).

Afterwards the exercise is folded version by version and, for every client and version V,
`channels_changed` (the seat's views before and after V) says whether the client should have
been told. **Latency** of such a (client, V) is the receipt time of the first push with a version
>= V minus V's commit time; **lost** counts those with no such push. Targets: p99 < 200 ms, none
lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, WebSocket
from websockets.asyncio.client import connect

from jointex.api._live import broker_for, channels_changed, install_live
from jointex.exercise import (
    Actor,
    Command,
    ExerciseService,
    PublishIntel,
    SendInject,
    Start,
    SubmitAction,
    apply,
    new_state,
)
from jointex.scenario import resolve
from jointex.store import ConcurrencyConflict, EventStore

SCENARIO = "grey-zone-surge"
CELLS = ("white", "twn", "usa", "red", "observers")
ROLES = {"white": "white", "observers": "observer"}
NOFORN_NOTE: dict[str, Any] = {
    "kind": "note",
    "title": {"marking": "//USA SECRET//NOFORN", "content": "Collection plan"},
    "portions": [{"marking": "//USA SECRET//NOFORN", "content": "Tasking for the next 48 hours"}],
}


@dataclass(frozen=True, slots=True)
class Seat:
    """A client's seat."""

    exercise_id: str
    cell: str
    role: str


def seat_of(exercise_id: str, index: int) -> Seat:
    """Client ``index``'s seat: cells in turn."""
    cell = CELLS[index % len(CELLS)]
    return Seat(exercise_id, cell, ROLES.get(cell, "cell"))


# --- the server process -----------------------------------------------------------------------


def _command(order: dict[str, Any]) -> tuple[Command, Actor]:
    kind, cell = order["kind"], order["cell"]
    actor = Actor(f"bench-{cell}", cell)
    if kind == "action":
        return SubmitAction(order["action"], text="bench"), actor
    if kind == "inject":
        return SendInject({"title": order["title"], "to": order["to"]}), actor
    return PublishIntel(NOFORN_NOTE), actor


def build_app(db_url: str, exercise_id: str, heartbeat: float) -> FastAPI:
    """The server: live updates wired as create_app wires them, and a command route."""
    store = EventStore.open(db_url)
    service = ExerciseService(store)
    app = FastAPI()
    install_live(app, service, broker_for(db_url), heartbeat=heartbeat)

    def resolve_ws_seat(websocket: WebSocket, exercise: str) -> Seat | None:
        token = websocket.query_params.get("token", "")
        return seat_of(exercise_id, int(token)) if token.isdigit() else None

    app.state.resolve_ws_seat = resolve_ws_seat

    @app.post("/bench/command")
    def command(order: dict[str, Any]) -> dict[str, Any]:
        chosen, actor = _command(order)
        for _attempt in range(50):  # another command got in first: decide again, as a client would
            try:
                recorded = service.handle(exercise_id, chosen, actor)
                break
            except ConcurrencyConflict:
                continue
        else:
            raise ConcurrencyConflict("gave up after 50 conflicts")
        committed = time.time()
        if recorded:
            app.state.on_append(exercise_id, recorded[-1].version)
        first = recorded[0].version if recorded else 0
        last = recorded[-1].version if recorded else 0
        return {"first": first, "last": last, "committed": committed}

    return app


def serve(db_url: str, exercise_id: str, heartbeat: float, port_out: Any) -> None:
    """Run the server until terminated; report the port on ``port_out``."""
    app = build_app(db_url, exercise_id, heartbeat)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws="websockets-sansio",
        backlog=4096,
        limit_concurrency=None,
    )
    server = uvicorn.Server(config)

    def report() -> None:
        while not server.started:
            time.sleep(0.01)
        port_out.put(server.servers[0].sockets[0].getsockname()[1])

    threading.Thread(target=report, daemon=True).start()
    server.run()


# --- the client processes ---------------------------------------------------------------------


async def _clients(
    url: str, indices: list[int], ready: Any, stop_at: Any, linger: float
) -> list[tuple[int, int, float, float, list[str]]]:
    received: list[tuple[int, int, float, float, list[str]]] = []
    sockets = []
    for index in indices:
        sockets.append(await connect(f"{url}?token={index}", max_queue=None, open_timeout=30))
    ready.set()

    async def listen(index: int, socket: Any) -> None:
        async for raw in socket:
            now = time.time()
            message = json.loads(raw)
            if "version" in message:
                received.append(
                    (index, message["version"], now, message["sent"], message["channels"])
                )

    tasks = [asyncio.create_task(listen(i, s)) for i, s in zip(indices, sockets, strict=True)]
    while stop_at.value == 0.0:
        await asyncio.sleep(0.05)
    await asyncio.sleep(max(0.0, stop_at.value + linger - time.time()))
    for socket in sockets:
        await socket.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    return received


def run_clients(
    url: str, indices: list[int], *, ready: Any, stop_at: Any, linger: float, out: Any
) -> None:
    """Connect the clients, record pushes until ``linger`` seconds after the driver stopped."""
    out.put(asyncio.run(_clients(url, indices, ready, stop_at, linger)))


# --- the driver -------------------------------------------------------------------------------


def orders(rate: float, seconds: float, seed: int) -> list[dict[str, Any]]:
    """The commands to send, in order."""
    scenario = resolve(SCENARIO)
    rng = random.Random(seed)
    menus = {
        role: [a.id for a in scenario.actions if role in a.roles and a.adjudication is None]
        for role in ("blue", "red")
    }
    players = [c for c in scenario.cells if c.role in ("blue", "red")]
    recipients = [c.id for c in scenario.cells if c.role in ("blue", "red", "observer")]
    chosen: list[dict[str, Any]] = []
    for n in range(int(rate * seconds)):
        draw = rng.random()
        if draw < 0.70:
            cell = rng.choice(players)
            chosen.append(
                {"kind": "action", "cell": cell.id, "action": rng.choice(menus[cell.role])}
            )
        elif draw < 0.95:
            to = rng.sample(recipients, rng.randint(1, 2))
            chosen.append({"kind": "inject", "cell": "white", "title": f"Flash {n}", "to": to})
        else:
            chosen.append({"kind": "intel", "cell": "usa"})
    return chosen


async def drive(base: str, plan: list[dict[str, Any]], rate: float) -> dict[int, float]:
    """Send the plan at ``rate`` per second; the commit time of every version written."""
    committed: dict[int, float] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def send(order: dict[str, Any]) -> None:
            response = await client.post("/bench/command", json=order)
            response.raise_for_status()
            answer = response.json()
            for version in range(answer["first"], answer["last"] + 1):
                if version:
                    committed[version] = answer["committed"]

        start = time.monotonic()
        pending = []
        for n, order in enumerate(plan):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            pending.append(asyncio.create_task(send(order)))
        await asyncio.gather(*pending)
    return committed


# --- analysis ---------------------------------------------------------------------------------


def expected(db_url: str, exercise_id: str, clients: int, since: int) -> dict[int, set[int]]:
    """For each client, the versions after ``since`` its seat's views changed at."""
    store = EventStore.open(db_url)
    try:
        events = list(store.read(exercise_id))
    finally:
        store.close()
    scenario = resolve(SCENARIO)
    state = new_state(scenario)
    by_cell: dict[str, set[int]] = defaultdict(set)
    seats = {cell: seat_of(exercise_id, i) for i, cell in enumerate(CELLS)}
    for event in events:
        before, state = state, apply(state, event)
        if event.version <= since:
            continue
        for cell, seat in seats.items():
            if channels_changed(scenario, before, state, seat):
                by_cell[cell].add(event.version)
    return {i: by_cell[seat_of(exercise_id, i).cell] for i in range(clients)}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of non-empty values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--linger", type=float, default=3.0, help="seconds to wait at the end")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)

    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'live.db'}"
        store = EventStore.open(db_url)
        service = ExerciseService(store)
        white = Actor("bench-white", "white")
        exercise_id = service.create(resolve(SCENARIO), "Live bench", seed=args.seed, actor=white)
        service.handle(exercise_id, Start(), white)
        since = service.state(exercise_id).version
        store.close()

        ports = ctx.Queue()
        server = ctx.Process(target=serve, args=(db_url, exercise_id, 30.0, ports), daemon=True)
        server.start()
        port = ports.get(timeout=60)
        url = f"ws://127.0.0.1:{port}/ws/exercises/{exercise_id}"

        stop_at = ctx.Value("d", 0.0)
        results = ctx.Queue()
        workers, readies = [], []
        for k in range(args.client_processes):
            indices = list(range(k, args.clients, args.client_processes))
            ready = ctx.Event()
            worker = ctx.Process(
                target=run_clients,
                args=(url, indices),
                kwargs={"ready": ready, "stop_at": stop_at, "linger": args.linger, "out": results},
                daemon=True,
            )
            worker.start()
            workers.append(worker)
            readies.append(ready)
        for ready in readies:
            if not ready.wait(120):
                print("clients did not connect", file=sys.stderr)
                return 1

        plan = orders(args.rate, args.seconds, args.seed)
        began = time.monotonic()
        committed = asyncio.run(drive(f"http://127.0.0.1:{port}", plan, args.rate))
        drove = time.monotonic() - began
        stop_at.value = time.time()
        received: list[tuple[int, int, float, float, list[str]]] = []
        for _ in workers:
            received.extend(results.get(timeout=120))
        for worker in workers:
            worker.join(30)
        server.terminate()
        server.join(10)

        should = expected(db_url, exercise_id, args.clients, since)

    pushes: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for index, version, at, _sent, _channels in received:
        pushes[index].append((version, at))
    latencies: list[float] = []
    lost = 0
    told = 0
    for index, versions in should.items():
        mine = sorted(pushes[index])
        for version in sorted(versions):
            told += 1
            first = next((at for got, at in mine if got >= version), None)
            if first is None:
                lost += 1
            else:
                latencies.append((first - committed[version]) * 1000)
    per_push = [(at - committed[v]) * 1000 for _, v, at, _, _ in received if v in committed]
    sent_to_receipt = [(at - sent) * 1000 for _, _, at, sent, _ in received]
    figures = {
        "clients": args.clients,
        "commands": len(plan),
        "seconds": round(drove, 2),
        "versions": len(committed),
        "pushes": len(received),
        "should_be_told": told,
        "lost": lost,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1),
        },
        "per_push_commit_to_receipt_ms": {
            "p50": round(percentile(per_push, 50), 1),
            "p99": round(percentile(per_push, 99), 1),
        },
        "sent_to_receipt_ms": {
            "p50": round(percentile(sent_to_receipt, 50), 1),
            "p99": round(percentile(sent_to_receipt, 99), 1),
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        lat = figures["latency_ms"]
        print(
            f"{args.clients} clients, {len(plan)} commands in {drove:.1f} s "
            f"({len(committed)} versions), {len(received)} pushes"
        )
        print(
            f"commit -> receipt: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms "
            f"(target p99 < 200 ms) over {told} (client, version) pairs that should be told"
        )
        print(f"lost notifications: {lost} (target 0)")
        print(f"sent -> receipt: p50 {figures['sent_to_receipt_ms']['p50']} ms, "
              f"p99 {figures['sent_to_receipt_ms']['p99']} ms")  # fmt: skip
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
