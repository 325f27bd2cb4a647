"""The store's value objects: events to append, events as recorded, streams and append batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Append", "Event", "NewEvent", "StreamInfo"]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append, before the store gives it a version and a position.

    Attributes:
        type: the event's name in the domain, e.g. ``InjectDelivered``.
        data: the event's JSON-serialisable payload. Strings must not contain NUL characters
            (PostgreSQL's ``jsonb`` cannot hold them).
        meta: JSON-serialisable metadata: who (``actor``), why (``causation``) and, filled in by
            the store when the append carries one, ``command_id``.
    """

    type: str
    data: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """An event as recorded in the log.

    Attributes:
        stream: id of the stream the event belongs to.
        version: 1-based position of the event within its stream, gap-free.
        type: the event's name in the domain.
        data: the payload as appended.
        meta: the metadata as appended (with ``command_id`` when the append carried one).
        position: the event's place in the global log (increasing in commit order).
        recorded_at: when the append committed, timezone-aware UTC.
    """

    stream: str
    version: int
    type: str
    data: dict[str, Any]
    meta: dict[str, Any]
    position: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One stream's summary.

    Attributes:
        stream: the stream's id.
        kind: the kind of aggregate it records, e.g. ``exercise``.
        version: the version of its last event (0 before the first append).
        created: when its first event was appended, timezone-aware UTC.
    """

    stream: str
    kind: str
    version: int
    created: datetime


@dataclass(frozen=True, slots=True)
class Append:
    """One append for `EventStore.append_many`; the fields mean what `EventStore.append`'s do.

    Attributes:
        stream: id of the stream to append to.
        events: the events, in order.
        expected_version: the version the stream must be at (0 for a new stream).
        command_id: the id of the command that produced the events, for idempotent retries.
        kind: the stream's kind, used when the append creates the stream (default: the stream
            id's part before its first ``-``).
    """

    stream: str
    events: Sequence[NewEvent]
    expected_version: int
    command_id: str | None = None
    kind: str | None = None
