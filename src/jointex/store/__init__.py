"""The append-only event log of live exercises, on SQLite (default) or PostgreSQL.

A command becomes events appended to its exercise's stream with the version the command was
checked against; a stale version raises `ConcurrencyConflict` and writes nothing, and a retried
command id returns its first result. State is a fold over a stream; projections and replay read
the global log in commit order. Example:

>>> from jointex.store import EventStore, NewEvent
>>> with EventStore.open(tmp / "jointex.db") as store:  # doctest: +SKIP
...     store.append("exercise-1", [NewEvent("ExerciseStarted", {"by": "white"})], 0)
...     [e.type for e in store.read("exercise-1")]
['ExerciseStarted']

`Accounts` keeps users (argon2 password hashes), their cell memberships and API tokens in the
same database.
"""

from __future__ import annotations

from jointex._errors import ConcurrencyConflict, StoreError
from jointex.store._accounts import (
    ANY_EXERCISE,
    ROLES,
    Accounts,
    LoginSession,
    Membership,
    User,
    check_password,
)
from jointex.store._events import Append, Event, NewEvent, StreamInfo
from jointex.store._log import EventStore

__all__ = [
    "ANY_EXERCISE",
    "ROLES",
    "Accounts",
    "Append",
    "ConcurrencyConflict",
    "Event",
    "EventStore",
    "LoginSession",
    "Membership",
    "NewEvent",
    "StoreError",
    "StreamInfo",
    "User",
    "check_password",
]
