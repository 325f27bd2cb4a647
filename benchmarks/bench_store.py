"""Durable appends and replay of JointEx's event store against plain sqlite3 inserts.

Run with ``python benchmarks/bench_store.py [--events 50000] [--batch 500] [--peer-events 2000]``.

Peer: the obvious hand-written log, one transaction per event with the ``sqlite3`` module, in WAL
mode with ``synchronous=FULL`` (the same durability: every acknowledged event survives power
loss), inserting the same rows into a table with the same ``UNIQUE(stream, version)``
constraint. JointEx appends the same events with `EventStore.append_many`, ``--batch`` commands
(one event each, with a command id and an expected version) per durable transaction, then
replays the whole log with ``read_all``. Both run on files in one temporary directory in one run.
The peer pays one fsync per event, so it runs on the first ``--peer-events`` events only (its
rate does not depend on the count); the ratio compares rates.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from jointex.store import Append, EventStore, NewEvent

STREAMS = 100
# (stream, version, type, data, meta) of one event.
Row = tuple[str, int, str, dict[str, object], dict[str, object]]


def _rows(count: int) -> list[Row]:
    rows = []
    versions = [0] * STREAMS
    for n in range(count):
        stream = n % STREAMS
        versions[stream] += 1
        data = {"n": n, "cell": "TWN", "text": "Inject delivered to the national cell"}
        meta = {"actor": "white", "command_id": f"cmd-{n}"}
        rows.append((f"exercise-{stream}", versions[stream], "InjectDelivered", data, meta))
    return rows


def peer(path: Path, rows: list[Row]) -> float:
    """Plain sqlite3, one durable transaction per event; returns events per second."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, "
        "version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, meta TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, UNIQUE(stream, version))"
    )
    start = time.perf_counter()
    for stream, version, type_, data, meta in rows:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO events (stream, version, type, data, meta, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, datetime('now'))",
            (stream, version, type_, json.dumps(data), json.dumps(meta)),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def jointex_append(
    store: EventStore,
    rows: list[Row],
    batch: int,
) -> float:
    """`append_many`, ``batch`` commands per durable transaction; returns events per second."""
    appends = [
        Append(stream, [NewEvent(type_, data, {"actor": "white"})], version - 1, meta["command_id"])
        for stream, version, type_, data, meta in rows
    ]
    start = time.perf_counter()
    for first in range(0, len(appends), batch):
        store.append_many(appends[first : first + batch])
    return len(appends) / (time.perf_counter() - start)


def jointex_replay(store: EventStore, expected: int) -> float:
    """``read_all`` over the whole log; returns events per second."""
    start = time.perf_counter()
    count = sum(1 for _ in store.read_all())
    elapsed = time.perf_counter() - start
    assert count == expected, (count, expected)
    return count / elapsed


def main() -> None:
    """Run the three measurements and print rates and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--peer-events", type=int, default=2_000)
    args = parser.parse_args()
    rows = _rows(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        peer_rate = peer(Path(tmp) / "peer.db", rows[: args.peer_events])
        with EventStore.open(Path(tmp) / "jointex.db") as store:
            append_rate = jointex_append(store, rows, args.batch)
            replay_rate = jointex_replay(store, len(rows))
    print(f"(a) peer: sqlite3, 1 durable txn/event   {peer_rate:>12,.0f} events/s")
    print(f"(b) JointEx append_many (batch {args.batch:>5})  {append_rate:>12,.0f} events/s")
    print(f"(c) JointEx read_all replay              {replay_rate:>12,.0f} events/s")
    print(f"ratio (b)/(a): {append_rate / peer_rate:,.1f}x")
    print("targets: (b) >= 10,000 events/s, (c) >= 200,000 events/s")


if __name__ == "__main__":
    main()
