"""What the TAXII server serves: the `IntelSource` interface and `MemoryIntelSource`.

The server (`jointex.api.taxii`) depends only on this interface, so it does not care whether
the objects come from a live exercise's intel feed or from memory. A source answers with every
object and its marking; the server decides, per request, what the reader may see.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from jointex._errors import MarkingError, ParameterError
from jointex.markings import Marking, can_read, parse_marking
from jointex.store import User

__all__ = [
    "STIX_MEDIA_TYPE",
    "ApiRoot",
    "CollectionSpec",
    "IntelSource",
    "MemoryIntelSource",
    "StixEntry",
    "marking_from_stix",
]

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
_URL_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,199}")
_STIX_ID = re.compile(
    r"([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ApiRoot:
    """A TAXII API root: one per exercise.

    Attributes:
        id: the exercise id, used as the root's URL segment (URL-safe).
        title: a human-readable title.
        description: a longer description.
    """

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """A TAXII collection and who may know it exists.

    Attributes:
        id: the collection id (URL-safe; a UUID by TAXII convention).
        title: a human-readable title.
        description: a longer description.
        community: the nations whose users may see the collection at all; None for every
            nation. The objects in it are still filtered one by one by their markings.
        cell: for a cell's own collection, the cell id; only members of that cell see it.
        media_types: what the collection holds.
    """

    id: str
    title: str
    description: str = ""
    community: frozenset[str] | None = None
    cell: str | None = None
    media_types: tuple[str, ...] = (STIX_MEDIA_TYPE,)


@dataclass(frozen=True, slots=True)
class StixEntry:
    """A STIX object as stored in a collection.

    Attributes:
        object: the STIX 2.1 object (a JSON-compatible mapping, served as is).
        date_added: when the collection received it, timezone-aware UTC; strictly increasing
            within a collection (the server pages by it).
        marking: the JointEx marking that governs who may read the object.
    """

    object: Mapping[str, Any]
    date_added: datetime
    marking: Marking


class IntelSource(Protocol):
    """The TAXII server's data: API roots, their collections and the collections' objects.

    Collections are append-only: an object's new version is a new entry. The server caches an
    index of each collection keyed by `collection_version`, so a source must change that number
    whenever a collection's entries change.
    """

    def api_roots(self) -> list[ApiRoot]:
        """Every API root (one per exercise)."""
        ...

    def collections(self, api_root: str) -> list[CollectionSpec]:
        """The collections of ``api_root`` (none for an unknown root)."""
        ...

    def collection_version(self, api_root: str, collection_id: str) -> int:
        """A number that changes whenever the collection's entries change (-1 if unknown)."""
        ...

    def objects(self, api_root: str, collection_id: str) -> Sequence[StixEntry]:
        """Every entry of the collection, in increasing ``date_added`` (none if unknown)."""
        ...

    def add_objects(
        self, api_root: str, collection_id: str, objects: list[dict[str, Any]], user: User
    ) -> list[tuple[str, str | None]]:
        """Add objects posted by ``user``; per object, its id and an error message or None."""
        ...


def marking_from_stix(obj: Mapping[str, Any]) -> Marking | None:
    """The JointEx marking carried by a posted STIX object, or None when it has none.

    The in-memory source reads the banner from the custom property ``x_jointex_marking``
    (e.g. ``"SECRET//REL TO USA, TWN"``). An object without a readable marking is refused: the
    server never guesses who may read something.

    Args:
        obj: the STIX object.

    Returns:
        The parsed marking, or None when it is missing or malformed.
    """
    banner = obj.get("x_jointex_marking")
    if not isinstance(banner, str):
        return None
    try:
        return parse_marking(banner)
    except MarkingError:
        return None


def object_version(obj: Mapping[str, Any]) -> str | None:
    """The STIX version of an object: ``modified``, else ``created``, else None."""
    version = obj.get("modified") or obj.get("created")
    return version if isinstance(version, str) else None


@dataclass(slots=True)
class _Collection:
    spec: CollectionSpec
    entries: list[StixEntry] = field(default_factory=list)
    versions: set[tuple[str, str | None]] = field(default_factory=set)
    version: int = 0


class MemoryIntelSource:
    """An `IntelSource` in memory, for tests, demos and the benchmark. Thread-safe.

    Args:
        clock: returns the current UTC time (the ``date_added`` of posted objects).
        marking_of: reads a posted object's marking (default `marking_from_stix`).
    """

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        marking_of: Callable[[Mapping[str, Any]], Marking | None] = marking_from_stix,
    ) -> None:
        """Create an empty source."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._marking_of = marking_of
        self._lock = threading.Lock()
        self._roots: dict[str, ApiRoot] = {}
        self._collections: dict[str, dict[str, _Collection]] = {}

    # -- building ------------------------------------------------------------------------------

    def add_api_root(self, root: ApiRoot) -> None:
        """Add (or replace the description of) an API root.

        Raises:
            ParameterError: the id is not URL-safe.
        """
        if not _URL_SAFE.fullmatch(root.id):
            raise ParameterError(f"API root id {root.id!r} is not URL-safe")
        with self._lock:
            self._roots[root.id] = root
            self._collections.setdefault(root.id, {})

    def add_collection(self, api_root: str, spec: CollectionSpec) -> None:
        """Add an empty collection to ``api_root``.

        Raises:
            ParameterError: unknown API root; the id is not URL-safe or already used in the root.
        """
        if not _URL_SAFE.fullmatch(spec.id):
            raise ParameterError(f"collection id {spec.id!r} is not URL-safe")
        with self._lock:
            collections = self._collections.get(api_root)
            if collections is None:
                raise ParameterError(f"no API root {api_root!r}")
            if spec.id in collections:
                raise ParameterError(f"collection {spec.id!r} already exists in {api_root!r}")
            collections[spec.id] = _Collection(spec)

    def load(
        self,
        api_root: str,
        collection_id: str,
        objects: Iterable[tuple[Mapping[str, Any], Marking]],
        start: datetime | None = None,
        step: timedelta = timedelta(milliseconds=1),
    ) -> None:
        """Append already-marked objects without checks (fixtures and benchmarks).

        Args:
            api_root: the root.
            collection_id: the collection.
            objects: (object, marking) pairs, in the order they were added.
            start: the first ``date_added`` (default: now; never before the last entry).
            step: the time between consecutive ``date_added`` values.

        Raises:
            ParameterError: unknown API root or collection.
        """
        with self._lock:
            collection = self._collections.get(api_root, {}).get(collection_id)
            if collection is None:
                raise ParameterError(f"no collection {collection_id!r} in {api_root!r}")
            when = start or self._clock()
            for obj, marking in objects:
                when = self._after_last(collection, when)
                collection.entries.append(StixEntry(obj, when, marking))
                collection.versions.add((str(obj.get("id")), object_version(obj)))
                when += step
            collection.version += 1

    @staticmethod
    def _after_last(collection: _Collection, when: datetime) -> datetime:
        if collection.entries and when <= collection.entries[-1].date_added:
            return collection.entries[-1].date_added + _ONE_MICROSECOND
        return when

    # -- IntelSource ---------------------------------------------------------------------------

    def api_roots(self) -> list[ApiRoot]:
        """Every API root, in the order added."""
        with self._lock:
            return list(self._roots.values())

    def collections(self, api_root: str) -> list[CollectionSpec]:
        """The collections of ``api_root``, in the order added."""
        with self._lock:
            return [c.spec for c in self._collections.get(api_root, {}).values()]

    def collection_version(self, api_root: str, collection_id: str) -> int:
        """The collection's change counter (-1 if unknown)."""
        collection = self._collections.get(api_root, {}).get(collection_id)
        return -1 if collection is None else collection.version

    def objects(self, api_root: str, collection_id: str) -> Sequence[StixEntry]:
        """A snapshot of the collection's entries."""
        with self._lock:
            collection = self._collections.get(api_root, {}).get(collection_id)
            return () if collection is None else tuple(collection.entries)

    def add_objects(
        self, api_root: str, collection_id: str, objects: list[dict[str, Any]], user: User
    ) -> list[tuple[str, str | None]]:
        """Add posted objects, each checked on its own.

        An object is refused when it has no STIX id and type, its id does not start with its
        type, it carries no JointEx marking, or the poster could not read that marking. Posting
        a version that is already present succeeds without adding it again (whether or not the
        poster may read the stored copy, so the answer reveals nothing).

        Returns:
            Per object, its id (or ``""``) and an error message or None.
        """
        reader = user.reader
        results: list[tuple[str, str | None]] = []
        with self._lock:
            collection = self._collections.get(api_root, {}).get(collection_id)
            if collection is None:
                return [(str(o.get("id", "")), "no such collection") for o in objects]
            added = False
            for obj in objects:
                object_id = obj.get("id")
                object_id = object_id if isinstance(object_id, str) else ""
                error = self._refusal(obj, object_id)
                marking = self._marking_of(obj) if error is None else None
                if error is None and marking is None:
                    error = "the object carries no valid JointEx marking (x_jointex_marking)"
                if error is None and marking is not None and not can_read(reader, marking):
                    error = "the object's marking is one its poster may not read"
                if error is not None or marking is None:
                    results.append((object_id, error))
                    continue
                key = (object_id, object_version(obj))
                if key not in collection.versions:
                    when = self._after_last(collection, self._clock())
                    collection.entries.append(StixEntry(dict(obj), when, marking))
                    collection.versions.add(key)
                    added = True
                results.append((object_id, None))
            if added:
                collection.version += 1
        return results

    @staticmethod
    def _refusal(obj: Mapping[str, Any], object_id: str) -> str | None:
        kind = obj.get("type")
        if not isinstance(kind, str) or not kind:
            return "the object has no type"
        match = _STIX_ID.fullmatch(object_id)
        if match is None:
            return "the object has no valid STIX id"
        if match.group(1) != kind:
            return f"the id does not start with the object's type {kind!r}"
        return None
