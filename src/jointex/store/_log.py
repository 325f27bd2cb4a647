"""`EventStore`: the append-only event log on SQLite or PostgreSQL (SQLAlchemy Core).

Writes take the log's write lock for the whole transaction (``BEGIN IMMEDIATE`` on SQLite,
``LOCK TABLE events IN EXCLUSIVE MODE`` on PostgreSQL). That makes the version check and the
insert one atomic step and, as importantly, makes global positions increase in commit order: a
reader that has seen position P can ask for ``read_all(P)`` and never miss an event that commits
later with a smaller position (which sequence-numbered logs otherwise allow on PostgreSQL).
Plain reads take no lock and see a consistent snapshot.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import starmap
from pathlib import Path
from types import TracebackType
from typing import Any

import alembic.command
import alembic.config
import alembic.util
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from jointex._errors import CommandRejected, ConcurrencyConflict, StoreError
from jointex.store._events import Append, Event, NewEvent, StreamInfo
from jointex.store._schema import commands, events, streams
from jointex.store._url import display_url, parse_store_url

__all__ = ["EventStore"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a writer waits for another writer's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 30_000
# Rows fetched per round trip when streaming reads (server-side cursor on PostgreSQL).
READ_CHUNK = 2_000
# Bound parameters per IN (...) list; well under SQLite's and PostgreSQL's limits.
IN_CHUNK = 500

_WRITE = "jointex_write"
_EVENT_COLUMNS = (
    events.c.stream_id,
    events.c.version,
    events.c.type,
    events.c.data,
    events.c.meta,
    events.c.position,
    events.c.recorded_at,
)


def _dump_json(value: Any) -> str:
    # allow_nan=False: NaN is not JSON and PostgreSQL would refuse it; fail the same on SQLite.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _one_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


class EventStore:
    """The append-only event log: streams of versioned events with a global order.

    Open with `EventStore.open`; close with `close` or use as a context manager. Safe to share
    between threads (each call checks a connection out of the pool) and between processes.
    Live updates: a subscriber polls ``last_position()`` and ``read_all(from_position=seen)``;
    push fan-out (PostgreSQL LISTEN/NOTIFY or Redis pub/sub) comes with the web server.

    Example:
        >>> store = EventStore.open(tmp / "jointex.db")  # doctest: +SKIP
        >>> store.append("exercise-1", [NewEvent("Started", {"by": "white"})], 0)  # doctest: +SKIP
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine already configured and migrated by `EventStore.open`."""
        self._engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})
        self._postgres = engine.dialect.name == "postgresql"

    # -- opening and closing ----------------------------------------------------------------

    @classmethod
    def open(cls, url: str | Path) -> EventStore:
        """Open (creating and migrating as needed) the event store at ``url``.

        A SQLite file and its parent directories are created if missing; SQLite runs in WAL
        mode with ``synchronous=FULL`` (a returned append survives power loss), a busy timeout
        and foreign keys on. Migrations run to the newest revision under the write lock, so
        opening twice, or from several processes at once, is safe.

        Args:
            url: ``sqlite:///path/to/file.db``, a plain file path, or ``postgresql://...``.

        Returns:
            The open store.

        Raises:
            StoreError: the URL is malformed, the file cannot be created, the server cannot be
                reached, or the database was migrated by a newer JointEx.
        """
        parsed = parse_store_url(url)
        shown = display_url(parsed)
        if parsed.drivername.startswith("sqlite"):
            engine = _sqlite_engine(parsed)
        else:
            engine = _postgres_engine(parsed)
        store = cls(engine)
        try:
            store._migrate()
        except StoreError:
            engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"cannot open event store at {shown}: {_one_line(exc)}") from exc
        return store

    def close(self) -> None:
        """Close every pooled connection; the store must not be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> EventStore:
        """Use the store in a ``with`` block that closes it."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    @property
    def url(self) -> str:
        """The store's database URL, password masked."""
        return display_url(self._engine.url)

    @property
    def engine(self) -> Engine:
        """The store's migrated engine, shared with `Accounts`; closing the store disposes it."""
        return self._engine

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def _migrate(self) -> None:
        config = alembic.config.Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._writer.begin() as conn:
            if self._postgres:
                # Serialise concurrent first opens of the same schema (DDL is transactional).
                conn.execute(
                    sa.text(
                        "SELECT pg_advisory_xact_lock("
                        "hashtext('jointex.store:' || current_schema()))"
                    )
                )
            config.attributes["connection"] = conn
            try:
                alembic.command.upgrade(config, "head")
            except alembic.util.CommandError as exc:
                raise StoreError(
                    f"cannot migrate event store at {self.url}: {_one_line(exc)} "
                    "(was it written by a newer JointEx?)"
                ) from exc

    # -- appending ----------------------------------------------------------------------------

    def append(
        self,
        stream: str,
        events: Sequence[NewEvent],
        expected_version: int,
        command_id: str | None = None,
        *,
        kind: str | None = None,
    ) -> list[Event]:
        """Append ``events`` to ``stream`` if it is still at ``expected_version``, atomically.

        Args:
            stream: the stream's id, e.g. ``exercise-7f3c``.
            events: the events to append, in order (none: only the version is checked).
            expected_version: the version the caller last saw (0 for a stream not yet created).
            command_id: the id of the command that produced ``events``. If a command with this
                id was already applied, its original events are returned and nothing is
                appended, so a client may retry after a lost reply. Stored in each event's
                ``meta["command_id"]``.
            kind: the stream's kind when this append creates it (default: the stream id's part
                before its first ``-``).

        Returns:
            The recorded events, with versions ``expected_version + 1 ...``.

        Raises:
            ConcurrencyConflict: the stream is not at ``expected_version``; nothing was written.
            CommandRejected: ``command_id`` was already applied to a different stream.
            StoreError: the database refused the write (unreachable, data not JSON, ...).
        """
        return self.append_many([Append(stream, events, expected_version, command_id, kind)])[0]

    def append_many(self, batches: Sequence[Append]) -> list[list[Event]]:
        """Apply several appends, to one or many streams, in one durable transaction.

        All or nothing: if any append's expected version is stale, none is written. Appends to
        the same stream apply in order, each expecting the version the previous one leaves.

        Args:
            batches: the appends, in order.

        Returns:
            For each append, its recorded events (or, for an already applied command id, the
            events it recorded the first time).

        Raises:
            ConcurrencyConflict: some append's stream was not at its expected version.
            CommandRejected: a command id was already applied to a different stream.
            StoreError: the database refused the write.
        """
        if not batches:
            return []
        try:
            with self._writer.begin() as conn:
                return self._append_in(conn, batches)
        except sa.exc.IntegrityError as exc:
            # Only reachable if something bypassed the write lock: the unique constraint on
            # (stream_id, version) is the last line of defence against a double apply.
            raise ConcurrencyConflict(
                f"a concurrent append won the race: {_one_line(exc)}"
            ) from exc
        except sa.exc.StatementError as exc:
            raise StoreError(f"cannot append to event store: {_one_line(exc)}") from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot append to event store: {_one_line(exc)}") from exc

    def _append_in(self, conn: Connection, batches: Sequence[Append]) -> list[list[Event]]:
        if self._postgres:
            conn.execute(sa.text("LOCK TABLE events IN EXCLUSIVE MODE"))
        now = datetime.now(UTC)
        command_ids = {b.command_id for b in batches if b.command_id is not None}
        applied = self._applied_commands(conn, command_ids) if command_ids else {}
        start = self._versions(conn, {b.stream for b in batches})
        current = dict(start)

        results: list[list[Event] | None] = [None] * len(batches)
        first_use: dict[str, int] = {}  # command id -> index of its append in this call
        rows: list[dict[str, Any]] = []
        pending: list[tuple[int, Append, list[dict[str, Any]]]] = []
        command_rows: list[dict[str, Any]] = []
        kinds: dict[str, str] = {}
        for index, batch in enumerate(batches):
            cid = batch.command_id
            if cid is not None and (cid in applied or cid in first_use):
                continue  # a retry: filled in below from the first application
            have = current.get(batch.stream, 0)
            if have != batch.expected_version:
                raise ConcurrencyConflict(
                    f"stream {batch.stream!r} is at version {have}, "
                    f"not the expected {batch.expected_version}"
                )
            if cid is not None:
                first_use[cid] = index
            if not batch.events:
                results[index] = []
                continue
            if batch.stream not in current:
                kinds[batch.stream] = batch.kind or batch.stream.split("-", 1)[0]
            batch_rows: list[dict[str, Any]] = []
            for offset, new in enumerate(batch.events, start=1):
                meta = dict(new.meta)
                if cid is not None:
                    meta["command_id"] = cid
                batch_rows.append(
                    {
                        "stream_id": batch.stream,
                        "version": have + offset,
                        "type": new.type,
                        "data": dict(new.data),
                        "meta": meta,
                        "recorded_at": now,
                    }
                )
            rows.extend(batch_rows)
            pending.append((index, batch, batch_rows))
            current[batch.stream] = have + len(batch.events)
            if cid is not None:
                command_rows.append(
                    {
                        "command_id": cid,
                        "stream_id": batch.stream,
                        "first_version": have + 1,
                        "last_version": current[batch.stream],
                    }
                )

        self._write_streams(conn, start, current, kinds, now)
        if rows:
            insert = events.insert().returning(events.c.position, sort_by_parameter_order=True)
            try:
                positions = conn.execute(insert, rows).scalars()
            except (TypeError, ValueError) as exc:
                # psycopg serialises JSON itself, so bad data surfaces unwrapped by SQLAlchemy.
                raise StoreError(f"event data is not JSON: {exc}") from exc
            rows_positions = iter(positions.all())
            for index, batch, batch_rows in pending:
                results[index] = [
                    Event(
                        batch.stream,
                        row["version"],
                        row["type"],
                        row["data"],
                        row["meta"],
                        next(rows_positions),
                        now,
                    )
                    for row in batch_rows
                ]
        if command_rows:
            conn.execute(commands.insert(), command_rows)

        for index, batch in enumerate(batches):
            if results[index] is not None:
                continue
            cid = batch.command_id
            assert cid is not None
            if cid in first_use:
                # The same command twice in one call: the second is a retry of the first.
                earlier = batches[first_use[cid]]
                if earlier.stream != batch.stream:
                    raise _reused(cid, earlier.stream)
                results[index] = results[first_use[cid]]
                continue
            stream_id, first, last = applied[cid]
            if stream_id != batch.stream:
                raise _reused(cid, stream_id)
            results[index] = list(self._read_in(conn, stream_id, first - 1, last))
        return [result if result is not None else [] for result in results]

    def _applied_commands(
        self, conn: Connection, command_ids: Iterable[str]
    ) -> dict[str, tuple[str, int, int]]:
        found: dict[str, tuple[str, int, int]] = {}
        for chunk in _chunks(sorted(command_ids)):
            query = sa.select(
                commands.c.command_id,
                commands.c.stream_id,
                commands.c.first_version,
                commands.c.last_version,
            ).where(commands.c.command_id.in_(chunk))
            for command_id, stream_id, first, last in conn.execute(query):
                found[command_id] = (stream_id, first, last)
        return found

    def _versions(self, conn: Connection, stream_ids: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(stream_ids)):
            query = sa.select(streams.c.stream_id, streams.c.version).where(
                streams.c.stream_id.in_(chunk)
            )
            found.update((sid, version) for sid, version in conn.execute(query))
        return found

    def _write_streams(
        self,
        conn: Connection,
        start: Mapping[str, int],
        current: Mapping[str, int],
        kinds: Mapping[str, str],
        now: datetime,
    ) -> None:
        created = [
            {"stream_id": sid, "kind": kinds[sid], "version": version, "created": now}
            for sid, version in current.items()
            if sid not in start
        ]
        if created:
            conn.execute(streams.insert(), created)
        moved = [
            {"sid": sid, "old": start[sid], "new": version}
            for sid, version in current.items()
            if sid in start and version != start[sid]
        ]
        if not moved:
            return
        # Compare-and-set: a stream whose version moved under us updates no row.
        update = (
            streams.update()
            .where(streams.c.stream_id == sa.bindparam("sid"))
            .where(streams.c.version == sa.bindparam("old"))
            .values(version=sa.bindparam("new"))
        )
        if conn.dialect.supports_sane_multi_rowcount:
            changed = conn.execute(update, moved).rowcount
        else:
            changed = sum(conn.execute(update, [item]).rowcount for item in moved)
        if changed != len(moved):
            raise ConcurrencyConflict("a concurrent append moved a stream's version")

    # -- reading ------------------------------------------------------------------------------

    def read(
        self, stream: str, from_version: int = 0, to_version: int | None = None
    ) -> Iterator[Event]:
        """The events of ``stream`` after ``from_version``, up to ``to_version``, in order.

        Args:
            stream: the stream's id.
            from_version: read events with a version greater than this (0: from the start).
            to_version: the last version to read, inclusive (None: to the end).

        Returns:
            An iterator streaming the events (no events for an unknown stream).

        Raises:
            StoreError: the database cannot be read.
        """
        return self._stream(lambda conn: self._read_in(conn, stream, from_version, to_version))

    def read_all(self, from_position: int = 0, limit: int | None = None) -> Iterator[Event]:
        """Every event after global position ``from_position``, in global (commit) order.

        For projections, replay and polling subscribers: remember the last position seen and
        ask again from it.

        Args:
            from_position: read events with a position greater than this (0: from the start).
            limit: the most events to return (None: all).

        Returns:
            An iterator streaming the events with a server-side cursor.

        Raises:
            StoreError: the database cannot be read.
        """
        query = (
            sa.select(*_EVENT_COLUMNS)
            .where(events.c.position > from_position)
            .order_by(events.c.position)
        )
        if limit is not None:
            query = query.limit(limit)
        return self._stream(lambda conn: _events_of(conn, query))

    def _read_in(
        self, conn: Connection, stream: str, from_version: int, to_version: int | None
    ) -> Iterator[Event]:
        query = sa.select(*_EVENT_COLUMNS).where(
            events.c.stream_id == stream, events.c.version > from_version
        )
        if to_version is not None:
            query = query.where(events.c.version <= to_version)
        return _events_of(conn, query.order_by(events.c.version))

    def _stream(self, produce: Any) -> Iterator[Event]:
        try:
            with self._engine.connect() as conn:
                yield from produce(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read event store: {_one_line(exc)}") from exc

    def version(self, stream: str) -> int:
        """The version of ``stream``'s last event; 0 if the stream has none.

        Raises:
            StoreError: the database cannot be read.
        """
        query = sa.select(streams.c.version).where(streams.c.stream_id == stream)
        return int(self._scalar(query) or 0)

    def last_position(self) -> int:
        """The global position of the newest event; 0 for an empty log.

        Raises:
            StoreError: the database cannot be read.
        """
        return int(self._scalar(sa.select(sa.func.max(events.c.position))) or 0)

    def streams(self, kind: str | None = None) -> list[StreamInfo]:
        """Every stream (of ``kind``, if given), ordered by id.

        Raises:
            StoreError: the database cannot be read.
        """
        query = sa.select(
            streams.c.stream_id, streams.c.kind, streams.c.version, streams.c.created
        ).order_by(streams.c.stream_id)
        if kind is not None:
            query = query.where(streams.c.kind == kind)
        try:
            with self._engine.connect() as conn:
                return list(starmap(StreamInfo, conn.execute(query)))
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read event store: {_one_line(exc)}") from exc

    def _scalar(self, query: sa.Select[Any]) -> Any:
        try:
            with self._engine.connect() as conn:
                return conn.execute(query).scalar()
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot read event store: {_one_line(exc)}") from exc


def _events_of(conn: Connection, query: sa.Select[Any]) -> Iterator[Event]:
    result = conn.execution_options(yield_per=READ_CHUNK).execute(query)
    return starmap(Event, result)


def _reused(command_id: str, stream_id: str) -> CommandRejected:
    return CommandRejected(f"command {command_id!r} was already applied to stream {stream_id!r}")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


# -- engines ----------------------------------------------------------------------------------


def _sqlite_engine(url: URL) -> Engine:
    assert url.database is not None
    path = Path(url.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the directory for {path}: {exc.strerror}") from exc
    engine = sa.create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        json_serializer=_dump_json,
    )

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from pysqlite so that writes can BEGIN IMMEDIATE (grab the
        # write lock up front instead of failing to upgrade a read lock under contention).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    # WAL is a property of the file, so usually already on. Switching a brand-new file needs an
    # exclusive lock and SQLite reports "locked" at once, without its busy handler, when another
    # connection is opening the same new file: retry until the busy timeout instead.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 5
    engine = sa.create_engine(
        url, connect_args=connect_args, json_serializer=_dump_json, pool_pre_ping=True
    )

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Timestamps come back in the session's zone; UTC makes them UTC without per-row work.
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()

    return engine
