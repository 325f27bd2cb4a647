"""The event store on both backends: appends, conflicts, idempotency, reads, migrations."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointex._errors import CommandRejected
from jointex.store import (
    Append,
    ConcurrencyConflict,
    Event,
    EventStore,
    NewEvent,
    StoreError,
)


def _new(n: int, prefix: str = "Tick") -> list[NewEvent]:
    return [NewEvent(f"{prefix}{i}", {"i": i}, {"actor": "white"}) for i in range(n)]


def _sqlite_only(store: EventStore) -> None:
    if store.backend != "sqlite":
        pytest.skip("SQLite-specific behaviour")


def test_append_read_round_trip(store: EventStore) -> None:
    """Appended events come back from `read` with versions, positions and UTC timestamps."""
    written = store.append("exercise-1", _new(3), expected_version=0)
    read = list(store.read("exercise-1"))
    assert read == written
    assert [e.version for e in read] == [1, 2, 3]
    assert [e.type for e in read] == ["Tick0", "Tick1", "Tick2"]
    assert read[0].data == {"i": 0}
    assert read[0].meta == {"actor": "white"}
    assert read[0].recorded_at.utcoffset() is not None
    assert read[0].recorded_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert all(isinstance(e, Event) for e in read)


def test_versions_and_streams(store: EventStore) -> None:
    """`version` tracks the last event; `streams` lists streams with their kind and version."""
    assert store.version("exercise-1") == 0
    store.append("exercise-1", _new(2), 0)
    store.append("exercise-1", _new(1), 2)
    store.append("cell-usa", _new(1), 0, kind="cell")
    assert store.version("exercise-1") == 3
    listed = store.streams()
    assert [(s.stream, s.kind, s.version) for s in listed] == [
        ("cell-usa", "cell", 1),
        ("exercise-1", "exercise", 3),
    ]
    assert [s.stream for s in store.streams(kind="exercise")] == ["exercise-1"]


def test_read_version_range(store: EventStore) -> None:
    """`read` returns versions after ``from_version`` up to ``to_version`` inclusive."""
    store.append("exercise-1", _new(5), 0)
    assert [e.version for e in store.read("exercise-1", 2)] == [3, 4, 5]
    assert [e.version for e in store.read("exercise-1", 1, 3)] == [2, 3]
    assert list(store.read("unknown")) == []


def test_stale_expected_version_conflicts_and_writes_nothing(store: EventStore) -> None:
    """A stale expected version raises ConcurrencyConflict and leaves the stream unchanged."""
    store.append("exercise-1", _new(2), 0)
    before = list(store.read_all())
    for stale in (0, 1, 3):
        with pytest.raises(ConcurrencyConflict):
            store.append("exercise-1", _new(1, "Late"), stale, command_id=f"late-{stale}")
    assert list(store.read_all()) == before
    assert store.version("exercise-1") == 2
    # The refused command ids were not recorded: the same id applies once the version is right.
    assert [e.version for e in store.append("exercise-1", _new(1), 2, "late-0")] == [3]


def test_idempotent_retry_returns_original_events(store: EventStore) -> None:
    """Retrying a command id returns the first result and appends nothing."""
    first = store.append("exercise-1", _new(2), 0, command_id="cmd-1")
    again = store.append("exercise-1", _new(2), 0, command_id="cmd-1")
    assert again == first
    assert store.version("exercise-1") == 2
    assert all(e.meta["command_id"] == "cmd-1" for e in first)
    store.append("exercise-1", _new(1), 2, command_id="cmd-2")
    # A retry after later appends (so with a stale version) is still answered, not refused.
    assert store.append("exercise-1", _new(2), 0, command_id="cmd-1") == first
    assert store.version("exercise-1") == 3


def test_command_id_reused_on_other_stream_is_rejected(store: EventStore) -> None:
    """A command id already applied to one stream cannot be replayed against another."""
    store.append("exercise-1", _new(1), 0, command_id="cmd-1")
    with pytest.raises(CommandRejected):
        store.append("exercise-2", _new(1), 0, command_id="cmd-1")
    assert store.version("exercise-2") == 0


def test_concurrent_appends_exactly_one_wins(store: EventStore) -> None:
    """Threads racing to append at the same expected version: exactly one succeeds per round."""
    threads_per_round = 4
    for round_ in range(10):
        barrier = threading.Barrier(threads_per_round)
        outcomes: list[str] = []

        def attempt(
            worker: int,
            expected: int = round_,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
        ) -> None:
            barrier.wait()
            try:
                store.append("exercise-1", [NewEvent("Move", {"worker": worker})], expected)
                outcomes.append("won")
            except ConcurrencyConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=attempt, args=(w,)) for w in range(threads_per_round)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["conflict"] * (threads_per_round - 1) + ["won"]
    assert [e.version for e in store.read("exercise-1")] == list(range(1, 11))


def test_database_refuses_duplicate_version(store: EventStore, store_url: str) -> None:
    """UNIQUE(stream_id, version) stops a second event at a version even bypassing the store."""
    store.append("exercise-1", _new(1), 0)
    engine = sa.create_engine(store_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO events (stream_id, version, type, data, meta, recorded_at) "
                    "VALUES ('exercise-1', 1, 'Dup', '{}', '{}', '2025-01-01T00:00:00+00:00')"
                )
            )
    finally:
        engine.dispose()
    assert [e.type for e in store.read("exercise-1")] == ["Tick0"]


def test_read_all_global_order(store: EventStore) -> None:
    """`read_all` returns every stream's events in append order, resumable from a position."""
    store.append("exercise-a", _new(2), 0)
    store.append("exercise-b", _new(1), 0)
    store.append("exercise-a", _new(1), 2)
    everything = list(store.read_all())
    assert [(e.stream, e.version) for e in everything] == [
        ("exercise-a", 1),
        ("exercise-a", 2),
        ("exercise-b", 1),
        ("exercise-a", 3),
    ]
    positions = [e.position for e in everything]
    assert positions == sorted(positions)
    assert len(set(positions)) == 4
    assert store.last_position() == positions[-1]
    assert list(store.read_all(positions[1])) == everything[2:]
    assert list(store.read_all(0, limit=2)) == everything[:2]
    assert list(store.read_all(positions[-1])) == []


def test_empty_store_positions(store: EventStore) -> None:
    """An empty log has last position 0 and nothing to read."""
    assert store.last_position() == 0
    assert list(store.read_all()) == []
    assert store.streams() == []


def test_append_many_is_all_or_nothing(store: EventStore) -> None:
    """One stale append in a batch rolls back every append in it."""
    store.append("exercise-b", _new(1), 0)
    with pytest.raises(ConcurrencyConflict):
        store.append_many([Append("exercise-a", _new(2), 0), Append("exercise-b", _new(1), 0)])
    assert store.version("exercise-a") == 0
    assert store.last_position() == 1


def test_append_many_chains_appends_to_one_stream(store: EventStore) -> None:
    """Appends to one stream in a batch apply in order, each expecting the previous version."""
    results = store.append_many(
        [
            Append("exercise-a", _new(2), 0, "c1"),
            Append("exercise-b", _new(1), 0, "c2"),
            Append("exercise-a", _new(1), 2, "c3"),
            Append("exercise-a", _new(1), 0, "c1"),  # a retry inside the same batch
        ]
    )
    assert [[e.version for e in r] for r in results] == [[1, 2], [1], [3], [1, 2]]
    assert results[3] == results[0]
    assert [e.version for e in store.read("exercise-a")] == [1, 2, 3]
    assert store.append_many([]) == []


def test_migrations_idempotent(store_url: str) -> None:
    """Opening an existing store again migrates nothing and keeps its events."""
    with EventStore.open(store_url) as first:
        first.append("exercise-1", _new(2), 0)
    with EventStore.open(store_url) as second:
        assert second.version("exercise-1") == 2
        engine = sa.create_engine(store_url)
        try:
            with engine.connect() as conn:
                heads = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        finally:
            engine.dispose()
        assert heads == [("0003",)]


def test_concurrent_first_opens_are_safe(store_url: str) -> None:
    """Several threads opening a brand-new store at once all succeed and share one schema."""
    errors: list[BaseException] = []
    opened: list[EventStore] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        barrier.wait()
        try:
            opened.append(EventStore.open(store_url))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        opened[0].append("exercise-1", _new(1), 0)
        assert all(s.version("exercise-1") == 1 for s in opened)
    finally:
        for each in opened:
            each.close()


def test_json_unicode_round_trip(store: EventStore) -> None:
    """Nested JSON with non-ASCII text, numbers, booleans and nulls round-trips exactly."""
    data = {
        "text": "台灣海峽 — «中線» naïve façade 🚢",
        "nested": {"list": [1, 2.5, -3, True, False, None], "empty": {}, "ключ": "значение"},
        "big": 2**53,
    }
    meta = {"actor": "TWN-白", "causation": "inject-07"}
    store.append("exercise-1", [NewEvent("IntelPublished", data, meta)], 0)
    (event,) = store.read("exercise-1")
    assert event.data == data
    assert event.meta == meta


def test_non_json_data_is_a_store_error(store: EventStore) -> None:
    """Data that is not JSON (a set, NaN) raises StoreError and writes nothing."""
    with pytest.raises(StoreError):
        store.append("exercise-1", [NewEvent("Bad", {"x": {1, 2}})], 0)
    with pytest.raises(StoreError):
        store.append("exercise-1", [NewEvent("Bad", {"x": float("nan")})], 0)
    assert store.version("exercise-1") == 0


def test_sqlite_is_durable_wal(store: EventStore, store_url: str) -> None:
    """SQLite stores are created with their directory and run in WAL mode."""
    _sqlite_only(store)
    path = Path(sa.make_url(store_url).database or "")
    assert path.is_file()
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user@host/db",
        "sqlite://",
        "sqlite://user@host/x.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "postgresql://user@host:port/db",
    ],
)
def test_bad_urls_raise_one_line_store_error(url: str) -> None:
    """Unsupported, malformed or unreachable URLs raise StoreError with a one-line message."""
    with pytest.raises(StoreError) as caught:
        EventStore.open(url)
    assert "\n" not in str(caught.value)


_step = st.tuples(st.integers(0, 3), st.sampled_from([-1, 0, 0, 0, 1]), st.booleans())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(_step, max_size=12))
def test_stream_equals_accepted_appends(
    store: EventStore, steps: list[tuple[int, int, bool]]
) -> None:
    """Random appends with right and wrong expected versions: the stream is the accepted ones."""
    stream = f"exercise-{uuid.uuid4().hex}"
    model: list[str] = []
    for number, (count, skew, with_command) in enumerate(steps):
        expected = max(len(model) + skew, 0)
        batch = _new(count, prefix=f"S{number}-")
        command = f"{stream}-cmd-{number}" if with_command else None
        if expected == len(model):
            written = store.append(stream, batch, expected, command)
            model.extend(e.type for e in batch)
            assert [e.version for e in written] == list(range(expected + 1, len(model) + 1))
        else:
            with pytest.raises(ConcurrencyConflict):
                store.append(stream, batch, expected, command)
    assert [e.type for e in store.read(stream)] == model
    assert [e.version for e in store.read(stream)] == list(range(1, len(model) + 1))
    assert store.version(stream) == len(model)
