"""Exercise export and import: one stream as JSON Lines, and back, checked line by line.

The first line is a header, then one event per line, oldest first (keys sorted)::

    {"events":188,"exercise_id":"exercise-3f9c2a1b","format":"jointex-exercise",...
    {"data":{...},"meta":{...},"recorded_at":"2025-01-01T09:00:00.123456+00:00",...

The header has ``format`` (``jointex-exercise``), ``format_version`` (1), ``exercise_id`` and
``events`` (the count, so a truncated file is refused); each event line has ``version``,
``type``, ``data``, ``meta`` and ``recorded_at``.

``version`` is the event's version within the exercise (1, 2, ...), ``meta`` carries the actor,
cell, command id and the wall time the command was decided at. Import checks every line (JSON,
fields, consecutive versions, a known event type whose data reads, a valid scenario snapshot, a
stream that folds) before writing anything, then appends all events in one transaction. The
store stamps ``recorded_at`` with the import's own commit time; the state never reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from jointex._errors import ConcurrencyConflict, JointExError, StoreError
from jointex.exercise._events import EVENT_TYPES, ExerciseCreated, parse_event
from jointex.exercise._state import ExerciseState, apply, new_state
from jointex.exercise._stream import EXERCISE_KIND, check_exercise_id, scenario_of
from jointex.store import Event, EventStore, NewEvent

__all__ = ["EXPORT_FORMAT", "EXPORT_FORMAT_VERSION", "export_lines", "import_lines"]

EXPORT_FORMAT = "jointex-exercise"
"""The ``format`` of an export's header line."""

EXPORT_FORMAT_VERSION = 1
"""The ``format_version`` this JointEx writes and reads."""

# Events read per query while exporting.
_PAGE = 1000
_EVENT_KEYS = frozenset({"version", "type", "data", "meta", "recorded_at"})


def _dump(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def export_lines(store: EventStore, exercise_id: str) -> Iterator[str]:
    """The exercise as JSON Lines: a header, then one event per line; each ends with a newline.

    Args:
        store: the event store.
        exercise_id: the exercise.

    Returns:
        An iterator over the lines (the stream is read as the lines are consumed, up to the
        version it had when the export began).

    Raises:
        StoreError: no such exercise, or the store cannot be read.
    """
    version = store.version(exercise_id)
    if version == 0:
        raise StoreError(f"no exercise {exercise_id!r} in the event store at {store.url}")
    header = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "exercise_id": exercise_id,
        "events": version,
    }
    return _lines(store, exercise_id, version, header)


def _lines(
    store: EventStore, exercise_id: str, version: int, header: dict[str, Any]
) -> Iterator[str]:
    yield _dump(header) + "\n"
    for start in range(0, version, _PAGE):
        # A page at a time, each read whole: a consumer that stops early leaves no cursor open.
        for event in list(store.read(exercise_id, start, min(start + _PAGE, version))):
            yield _event_line(event)


def _event_line(event: Event) -> str:
    record = {
        "version": event.version,
        "type": event.type,
        "data": event.data,
        "meta": event.meta,
        "recorded_at": event.recorded_at.isoformat(),
    }
    return _dump(record) + "\n"


class _Bad(Exception):
    """A problem with one line of an import."""


def _no_constants(name: str) -> Any:
    raise _Bad(f"{name} is not JSON")


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise _Bad(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise _Bad("not a JSON object")
    return value


def _header(text: str) -> dict[str, Any]:
    header = _object(text)
    if header.get("format") != EXPORT_FORMAT:
        raise _Bad(f"not a JointEx exercise export (its header has no format {EXPORT_FORMAT!r})")
    version = header.get("format_version")
    if version != EXPORT_FORMAT_VERSION:
        raise _Bad(
            f"format version {version!r}: this JointEx reads version {EXPORT_FORMAT_VERSION}"
        )
    if not isinstance(header.get("exercise_id"), str):
        raise _Bad("the header has no exercise_id")
    count = header.get("events")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _Bad("the header has no event count")
    return header


def _event(text: str, expected_version: int) -> NewEvent:
    record = _object(text)
    missing = sorted({"version", "type", "data", "meta"} - set(record))
    if missing:
        raise _Bad(f"the event has no {', '.join(missing)}")
    extra = sorted(set(record) - _EVENT_KEYS)
    if extra:
        raise _Bad(f"unknown field {extra[0]!r}")
    version = record["version"]
    if version != expected_version or isinstance(version, bool):
        raise _Bad(f"version {version!r} where {expected_version} was expected")
    kind = record["type"]
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise _Bad(f"{kind!r} is not an exercise event type")
    data, meta = record["data"], record["meta"]
    if not isinstance(data, dict) or not isinstance(meta, dict):
        raise _Bad("data and meta must be JSON objects")
    try:
        # Strict JSON validation against the event's dataclass: types, literals, causes.
        _adapter(kind).validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise _Bad(f"{kind} data: {where}: {problem['msg']}") from None
    return NewEvent(kind, data, meta)


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(EVENT_TYPES[kind])


def _problem(exc: Exception) -> str:
    """What went wrong, in one line."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"not a valid {exc.title}: {where}: {first['msg']}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def import_lines(
    store: EventStore,
    lines: Iterable[str],
    new_id: str | None = None,
    *,
    source: str = "import",
) -> tuple[str, ExerciseState]:
    """Import an exported exercise: check every line, then append all its events at once.

    Args:
        store: the event store to import into.
        lines: the export's lines (with or without their newlines).
        new_id: import under this id instead of the exported one (the ``ExerciseCreated``
            event's ``exercise_id`` is rewritten to match).
        source: how to name the input in errors (e.g. the file name).

    Returns:
        The exercise id and the imported exercise's state.

    Raises:
        StoreError: a line is wrong (the message names it; nothing was imported), the
            exercise already exists, or the store cannot be written.
        ParameterError: ``new_id`` is not a valid exercise id.
    """
    if new_id is not None:
        check_exercise_id(new_id)
    header: dict[str, Any] | None = None
    target = ""
    records: list[NewEvent] = []
    state: ExerciseState | None = None
    number = 0
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        try:
            if header is None:
                if not text:
                    raise _Bad("empty: the first line is the export's header")
                header = _header(text)
                target = new_id if new_id is not None else check_exercise_id(header["exercise_id"])
                continue
            if not text:
                continue
            event = _event(text, len(records) + 1)
            typed = parse_event(event)
            if state is None:
                if not isinstance(typed, ExerciseCreated):
                    raise _Bad(f"the first event is {event.type}, not ExerciseCreated")
                if typed.exercise_id != header["exercise_id"]:
                    raise _Bad(
                        f"ExerciseCreated is for {typed.exercise_id!r}, "
                        f"the header for {header['exercise_id']!r}"
                    )
                if new_id is not None:
                    event = NewEvent(event.type, {**event.data, "exercise_id": new_id}, event.meta)
                state = new_state(scenario_of(target, event))
            elif isinstance(typed, ExerciseCreated):
                raise _Bad("a second ExerciseCreated")
            state = apply(state, event)
            records.append(event)
        except _Bad as exc:
            raise StoreError(f"{source} line {number}: {exc}; nothing was imported") from None
        except (JointExError, ValidationError, KeyError, TypeError, ValueError) as exc:
            problem = _problem(exc)
            raise StoreError(f"{source} line {number}: {problem}; nothing was imported") from None
    if header is None:
        raise StoreError(f"{source} is empty: nothing was imported")
    if state is None or len(records) != header["events"]:
        raise StoreError(
            f"{source} has {len(records)} events, its header says {header['events']} "
            "(truncated?); nothing was imported"
        )
    if store.version(target) > 0:
        raise StoreError(
            f"exercise {target!r} already exists: import it under another id (--id NEW_ID)"
        )
    try:
        store.append(target, records, 0, kind=EXERCISE_KIND)
    except ConcurrencyConflict:
        raise StoreError(
            f"exercise {target!r} already exists: import it under another id (--id NEW_ID)"
        ) from None
    return target, state
