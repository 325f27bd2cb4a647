"""The TAXII 2.1 server: intelligence for analysts and partner systems, filtered by marking.

`create_taxii_app` returns a FastAPI application to mount at ``/taxii2/``. It serves discovery,
API roots (one per exercise), collections, objects (paged, filtered), single objects, their
versions, manifests, adding objects and status resources, with HTTP Basic or Bearer-token
authentication against `jointex.store.Accounts`.

Releasability: every object in every response passes `jointex.markings.can_read` for the
authenticated user's nation and clearance. Something a user may not see is answered exactly
like something that does not exist: an API root of an exercise the user has no membership in, a
collection whose community excludes the user's nation, a cell's collection for a non-member, and
an object with no readable version all give the same 404 as a missing one.

Speed: each collection is indexed once per change (dates, ids, types, versions, serialised JSON
per object), and each (nation, clearance) gets a cached list of the positions it may read, so a
page costs O(page size) plus O(log N) to find where it starts. ``next`` is an opaque cursor: the
``date_added`` of the page's last object, which stays valid while objects are appended.

Example (serving a `MemoryIntelSource`)::

    app = FastAPI()
    app.mount("/taxii2", create_taxii_app(source, accounts))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
import uuid
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from jointex.api._taxii_source import (
    STIX_MEDIA_TYPE,
    ApiRoot,
    CollectionSpec,
    IntelSource,
    MemoryIntelSource,
    StixEntry,
    marking_from_stix,
    object_version,
)
from jointex.markings import Reader, readable_mask
from jointex.store import Membership, User

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_CONTENT_LENGTH",
    "STIX_MEDIA_TYPE",
    "TAXII_MEDIA_TYPE",
    "AccountDirectory",
    "ApiRoot",
    "CollectionSpec",
    "IntelSource",
    "MemoryIntelSource",
    "StixEntry",
    "create_taxii_app",
    "marking_from_stix",
]

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
DEFAULT_PAGE_SIZE = 1000
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
# How long a successful authentication is remembered (argon2 is deliberately slow; a paging
# client must not pay it per page). A changed password or revoked token takes effect after it.
AUTH_CACHE_SECONDS = 60.0
AUTH_CACHE_SIZE = 10_000
STATUS_KEEP = 10_000
READER_VIEWS_PER_COLLECTION = 64

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z")
_CURSOR_PREFIX = "d1."
_REALM = 'realm="JointEx TAXII"'


# -- errors -------------------------------------------------------------------------------------


class TaxiiError(Exception):
    """A request the server answers with a TAXII error object.

    Args:
        status: the HTTP status.
        title: short, human-readable summary.
        description: what is wrong and, if useful, what to do.
        headers: extra response headers.
    """

    def __init__(
        self,
        status: int,
        title: str,
        description: str = "",
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Record the error."""
        super().__init__(f"{status} {title}: {description}")
        self.status = status
        self.title = title
        self.description = description
        self.headers = tuple(headers)


def _error_response(error: TaxiiError) -> Response:
    body: dict[str, str] = {"title": error.title, "http_status": str(error.status)}
    if error.description:
        body["description"] = error.description
    response = Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=error.status,
        media_type=TAXII_MEDIA_TYPE,
    )
    for name, value in error.headers:
        response.headers.append(name, value)
    return response


def _not_found(what: str) -> TaxiiError:
    # One body for missing and hidden alike, without the requested id: byte-for-byte the same.
    return TaxiiError(404, "Not found", f"no {what}")


def _bad_request(description: str) -> TaxiiError:
    return TaxiiError(400, "Bad request", description)


# -- accounts -----------------------------------------------------------------------------------


class AccountDirectory(Protocol):
    """What the server needs of `jointex.store.Accounts`."""

    def verify_password(self, username: str, password: str) -> User | None:
        """The user if the password is theirs."""
        ...

    def user_for_token(self, token: str) -> User | None:
        """The user an API token belongs to."""
        ...

    def memberships(self, username: str) -> list[Membership]:
        """The user's memberships."""
        ...


@dataclass(frozen=True, slots=True)
class _Principal:
    user: User
    reader: Reader
    memberships: tuple[Membership, ...]

    def sees_root(self, root: str) -> bool:
        return self.user.is_admin or any(m.applies_to(root) for m in self.memberships)

    def sees_collection(self, root: str, spec: CollectionSpec) -> bool:
        if not self.sees_root(root):
            return False
        if spec.community is not None and self.reader.nation not in spec.community:
            return False
        return spec.cell is None or any(
            m.applies_to(root) and m.cell == spec.cell for m in self.memberships
        )

    def writes_collection(self, root: str, spec: CollectionSpec) -> bool:
        if not self.sees_collection(root, spec):
            return False
        if self.user.is_admin:
            return True
        for m in self.memberships:
            if not m.applies_to(root):
                continue
            if m.role in ("white", "admin"):
                return True
            if m.role == "cell" and (spec.cell is None or m.cell == spec.cell):
                return True
        return False


class _Authenticator:
    """HTTP Basic and Bearer authentication with a short-lived cache of successes."""

    def __init__(self, accounts: AccountDirectory, ttl: float = AUTH_CACHE_SECONDS) -> None:
        self._accounts = accounts
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, tuple[_Principal, float]] = OrderedDict()

    def principal(self, authorization: str | None) -> _Principal:
        if not authorization:
            raise self._challenge("authentication required")
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme not in ("basic", "bearer") or not credentials:
            raise self._challenge("use HTTP Basic or a Bearer token")
        # The cache key is a hash of the credentials, never the credentials themselves.
        key = hashlib.sha256(f"{scheme}\0{credentials}".encode()).digest()
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[1] > now:
                return cached[0]
        user = self._basic(credentials) if scheme == "basic" else self._bearer(credentials)
        if user is None:
            raise self._challenge("invalid credentials")
        principal = _Principal(user, user.reader, tuple(self._accounts.memberships(user.username)))
        with self._lock:
            self._cache[key] = (principal, now + self._ttl)
            while len(self._cache) > AUTH_CACHE_SIZE:
                self._cache.popitem(last=False)
        return principal

    def _basic(self, credentials: str) -> User | None:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = decoded.partition(":")
        if not colon:
            return None
        return self._accounts.verify_password(username, password)

    def _bearer(self, token: str) -> User | None:
        return self._accounts.user_for_token(token)

    @staticmethod
    def _challenge(description: str) -> TaxiiError:
        return TaxiiError(
            401,
            "Unauthorized",
            description,
            headers=(
                ("WWW-Authenticate", f'Basic {_REALM}, charset="UTF-8"'),
                ("WWW-Authenticate", f"Bearer {_REALM}"),
            ),
        )


# -- timestamps and cursors ---------------------------------------------------------------------


def _micros(when: datetime) -> int:
    return (when - _EPOCH) // _MICROSECOND


def _stix_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str, name: str) -> int:
    """A STIX timestamp as integer microseconds since the epoch (sub-microseconds truncated)."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise _bad_request(f"{name} must be a STIX timestamp like 2026-01-31T12:00:00.000Z")
    try:
        base = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise _bad_request(f"{name} is not a valid date and time") from None
    fraction = (match.group(2) or "")[:6].ljust(6, "0")
    return _micros(base) + int(fraction)


def _version_key(text: str) -> str:
    """A STIX timestamp normalised so that string order is time order (9 fractional digits)."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return text
    return f"{match.group(1)}.{(match.group(2) or '')[:9].ljust(9, '0')}"


def _encode_cursor(date_us: int) -> str:
    raw = f"{_CURSOR_PREFIX}{date_us}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(raw)
        return int(raw.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad_request("next is not a value this server returned") from None


# -- the per-collection index and per-reader views ----------------------------------------------


class _ReaderView:
    """What one (nation, clearance) may read of one collection version."""

    __slots__ = ("_first", "_last", "dates", "index", "mask", "positions", "single_versions")

    def __init__(self, index: _CollectionIndex, reader: Reader) -> None:
        self.index = index
        self.mask = readable_mask(reader, index.markings)
        self.positions = [p for p, ok in enumerate(self.mask) if ok]
        dates = index.dates
        self.dates = [dates[p] for p in self.positions]
        self._last: frozenset[int] | None = None
        self._first: frozenset[int] | None = None
        ids = index.ids
        self.single_versions = len({ids[p] for p in self.positions}) == len(self.positions)

    def _extremes(self) -> None:
        keys = self.index.version_keys
        ids = self.index.ids
        last: dict[str, int] = {}
        first: dict[str, int] = {}
        for p in self.positions:
            object_id = ids[p]
            held = last.get(object_id)
            if held is None:
                last[object_id] = first[object_id] = p
                continue
            # Later date_added wins a tie, so "last" is also the last one received.
            if keys[p] >= keys[held]:
                last[object_id] = p
            if keys[p] < keys[first[object_id]]:
                first[object_id] = p
        self._last = frozenset(last.values())
        self._first = frozenset(first.values())

    @property
    def last(self) -> frozenset[int]:
        """Positions that are the latest readable version of their object."""
        if self._last is None:
            self._extremes()
        assert self._last is not None
        return self._last

    @property
    def first(self) -> frozenset[int]:
        """Positions that are the earliest readable version of their object."""
        if self._first is None:
            self._extremes()
        assert self._first is not None
        return self._first


class _CollectionIndex:
    """One version of a collection, with every per-object field a request needs precomputed."""

    def __init__(self, entries: Sequence[StixEntry]) -> None:
        self.entries = entries
        n = len(entries)
        self.markings = [e.marking for e in entries]
        self.dates = [_micros(e.date_added) for e in entries]
        self.ids: list[str] = []
        self.types: list[str] = []
        self.versions: list[str] = []
        self.spec_versions: list[str] = []
        self.by_id: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            obj = entry.object
            object_id = str(obj.get("id", ""))
            self.ids.append(object_id)
            self.types.append(str(obj.get("type", "")))
            self.versions.append(object_version(obj) or _stix_time(entry.date_added))
            self.spec_versions.append(str(obj.get("spec_version", "2.0")))
            self.by_id.setdefault(object_id, []).append(position)
        self.version_keys = [_version_key(v) for v in self.versions]
        self._date_text: list[str | None] = [None] * n
        self._json: list[bytes | None] = [None] * n
        self._views: OrderedDict[tuple[str, str], _ReaderView] = OrderedDict()
        self._lock = threading.Lock()

    def view(self, reader: Reader) -> _ReaderView:
        key = (reader.nation, reader.clearance)
        with self._lock:
            found = self._views.get(key)
            if found is not None:
                self._views.move_to_end(key)
                return found
        view = _ReaderView(self, reader)
        with self._lock:
            self._views[key] = view
            while len(self._views) > READER_VIEWS_PER_COLLECTION:
                self._views.popitem(last=False)
        return view

    def json_of(self, position: int) -> bytes:
        # Filled lazily; two threads filling the same slot write equal values.
        data = self._json[position]
        if data is None:
            data = json.dumps(
                self.entries[position].object, separators=(",", ":"), ensure_ascii=False
            ).encode()
            self._json[position] = data
        return data

    def date_text(self, position: int) -> str:
        text = self._date_text[position]
        if text is None:
            text = _stix_time(self.entries[position].date_added)
            self._date_text[position] = text
        return text


# -- query parameters ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Query:
    limit: int
    after_us: int | None
    ids: frozenset[str] | None
    types: frozenset[str] | None
    version_all: bool
    version_last: bool
    version_first: bool
    version_keys: frozenset[str]
    spec_versions: frozenset[str] | None


def _list_param(params: Mapping[str, str], name: str) -> frozenset[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    values = frozenset(v.strip() for v in raw.split(",") if v.strip())
    if not values:
        raise _bad_request(f"{name} needs at least one value")
    return values


def _parse_query(params: Mapping[str, str], max_page: int, *, versions: bool = True) -> _Query:
    raw_limit = params.get("limit")
    limit = max_page
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise _bad_request("limit must be a positive integer") from None
        if limit < 1:
            raise _bad_request("limit must be a positive integer")
        limit = min(limit, max_page)
    after = params.get("added_after")
    after_us = None if after is None else _parse_timestamp(after, "added_after")
    cursor = params.get("next")
    if cursor is not None:
        cursor_us = _decode_cursor(cursor)
        after_us = cursor_us if after_us is None else max(after_us, cursor_us)
    # The versions endpoint lists every version; match[version] does not apply to it.
    version_all = not versions
    version_first = False
    version_last = versions
    keys: set[str] = set()
    selectors = _list_param(params, "match[version]") if versions else None
    if selectors is not None:
        version_last = False
        for selector in selectors:
            if selector == "all":
                version_all = True
            elif selector == "last":
                version_last = True
            elif selector == "first":
                version_first = True
            else:
                _parse_timestamp(selector, "match[version]")
                keys.add(_version_key(selector))
    return _Query(
        limit=limit,
        after_us=after_us,
        ids=_list_param(params, "match[id]"),
        types=_list_param(params, "match[type]"),
        version_all=version_all,
        version_last=version_last,
        version_first=version_first,
        version_keys=frozenset(keys),
        spec_versions=_list_param(params, "match[spec_version]"),
    )


def _predicate(
    query: _Query, view: _ReaderView, index: _CollectionIndex
) -> Callable[[int], bool] | None:
    """The filters beyond date and id as one test on a position; None when it is always true."""
    tests: list[Callable[[int], bool]] = []
    if query.types is not None:
        types, wanted = index.types, query.types
        tests.append(lambda p: types[p] in wanted)
    if query.spec_versions is not None:
        specs, wanted_specs = index.spec_versions, query.spec_versions
        tests.append(lambda p: specs[p] in wanted_specs)
    every_version = query.version_all or (
        view.single_versions and (query.version_last or query.version_first)
    )
    if not every_version:
        tests.append(_version_test(query, view, index))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda p: all(test(p) for test in tests)


def _version_test(
    query: _Query, view: _ReaderView, index: _CollectionIndex
) -> Callable[[int], bool]:
    last = view.last if query.version_last else frozenset()
    first = view.first if query.version_first else frozenset()
    keys, wanted = index.version_keys, query.version_keys
    return lambda p: p in last or p in first or keys[p] in wanted


@dataclass(frozen=True, slots=True)
class _Page:
    positions: list[int]
    more: bool


def _select(
    query: _Query, view: _ReaderView, index: _CollectionIndex, object_id: str | None = None
) -> _Page:
    ids = query.ids if object_id is None else frozenset((object_id,))
    if ids is None:
        candidates, dates = view.positions, view.dates
    else:
        mask = view.mask
        candidates = sorted(p for i in ids for p in index.by_id.get(i, ()) if mask[p])
        dates = [index.dates[p] for p in candidates]
    start = 0 if query.after_us is None else bisect_right(dates, query.after_us)
    test = _predicate(query, view, index)
    if test is None:
        end = start + query.limit
        return _Page(candidates[start:end], end < len(candidates))
    page: list[int] = []
    at = start
    count = len(candidates)
    while at < count and len(page) < query.limit:
        position = candidates[at]
        if test(position):
            page.append(position)
        at += 1
    more = any(test(candidates[i]) for i in range(at, count))
    return _Page(page, more)


# -- the application ----------------------------------------------------------------------------


_ACCEPTABLE = {"application/taxii+json", "application/json", "application/*", "*/*"}
_POSTABLE = {"application/taxii+json", "application/json"}


def _media_ok(value: str, acceptable: set[str]) -> bool:
    for item in value.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        kind = kind.lower()
        if kind not in acceptable:
            continue
        settings = dict(p.partition("=")[::2] for p in params if "=" in p)
        if settings.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        version = settings.get("version", "").strip().strip('"')
        if kind == "application/taxii+json" and version not in ("", "2.1"):
            continue
        return True
    return False


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if accept and not _media_ok(accept, _ACCEPTABLE):
        raise TaxiiError(
            406, "Not acceptable", f"this server answers with {TAXII_MEDIA_TYPE}, not {accept}"
        )


def _taxii(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _dump(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _date_headers(index: _CollectionIndex, positions: Sequence[int]) -> dict[str, str]:
    if not positions:
        return {}
    return {
        "X-TAXII-Date-Added-First": index.date_text(positions[0]),
        "X-TAXII-Date-Added-Last": index.date_text(positions[-1]),
    }


def _envelope(page: _Page, key: str, items: list[bytes], last_us: int | None) -> bytes:
    parts = [b'{"more":', b"true" if page.more else b"false"]
    if page.more and last_us is not None:
        parts += [b',"next":"', _encode_cursor(last_us).encode(), b'"']
    if items:
        parts += [b',"', key.encode(), b'":[', b",".join(items), b"]"]
    parts.append(b"}")
    return b"".join(parts)


class _TaxiiServer:
    """The state behind the routes: the source, authentication, indexes and statuses."""

    def __init__(
        self,
        source: IntelSource,
        accounts: AccountDirectory,
        title: str,
        max_page_size: int,
        max_content_length: int,
    ) -> None:
        self.source = source
        self.auth = _Authenticator(accounts)
        self.title = title
        self.max_page_size = max_page_size
        self.max_content_length = max_content_length
        self._lock = threading.Lock()
        self._indexes: dict[tuple[str, str], tuple[int, _CollectionIndex]] = {}
        self._statuses: OrderedDict[str, tuple[str, str, bytes]] = OrderedDict()

    # -- lookups that hide what the user may not see ----------------------------------------

    def root(self, principal: _Principal, api_root: str) -> ApiRoot:
        if principal.sees_root(api_root):
            for root in self.source.api_roots():
                if root.id == api_root:
                    return root
        raise _not_found("such API root")

    def collection(
        self, principal: _Principal, api_root: str, collection_id: str
    ) -> CollectionSpec:
        if principal.sees_root(api_root):
            for spec in self.source.collections(api_root):
                if spec.id == collection_id and principal.sees_collection(api_root, spec):
                    return spec
        raise _not_found("such collection in this API root")

    def index(self, api_root: str, collection_id: str) -> _CollectionIndex:
        version = self.source.collection_version(api_root, collection_id)
        key = (api_root, collection_id)
        with self._lock:
            cached = self._indexes.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = _CollectionIndex(self.source.objects(api_root, collection_id))
        with self._lock:
            self._indexes[key] = (version, index)
        return index

    def resource(
        self, principal: _Principal, spec: CollectionSpec, api_root: str
    ) -> dict[str, Any]:
        return {
            "id": spec.id,
            "title": spec.title,
            **({"description": spec.description} if spec.description else {}),
            "can_read": True,
            "can_write": principal.writes_collection(api_root, spec),
            "media_types": list(spec.media_types),
        }

    # -- statuses -------------------------------------------------------------------------

    def keep_status(self, status_id: str, username: str, api_root: str, body: bytes) -> None:
        with self._lock:
            self._statuses[status_id] = (username, api_root, body)
            while len(self._statuses) > STATUS_KEEP:
                self._statuses.popitem(last=False)

    def status(self, principal: _Principal, api_root: str, status_id: str) -> bytes:
        with self._lock:
            found = self._statuses.get(status_id)
        if found is None or found[0] != principal.user.username or found[1] != api_root:
            raise _not_found("such status in this API root")
        return found[2]


def create_taxii_app(
    source: IntelSource,
    accounts: AccountDirectory,
    *,
    title: str = "JointEx TAXII 2.1",
    max_page_size: int = DEFAULT_PAGE_SIZE,
    max_content_length: int = MAX_CONTENT_LENGTH,
) -> FastAPI:
    """The TAXII 2.1 server as a FastAPI application, to mount at ``/taxii2``.

    Args:
        source: the API roots, collections and objects to serve.
        accounts: who may connect (usually `jointex.store.Accounts`).
        title: the discovery resource's title.
        max_page_size: the default and largest ``limit`` of a page.
        max_content_length: the largest request body accepted (bytes).

    Returns:
        The application. Mount it with ``app.mount("/taxii2", create_taxii_app(...))``.
    """
    server = _TaxiiServer(source, accounts, title, max_page_size, max_content_length)
    app = FastAPI(title=title, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.taxii = server

    async def taxii_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TaxiiError)
        return _error_response(exc)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        title = "Not found" if exc.status_code == 404 else str(exc.detail)
        return _error_response(TaxiiError(exc.status_code, title))

    app.add_exception_handler(TaxiiError, taxii_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

    def enter(request: Request) -> _Principal:
        principal = server.auth.principal(request.headers.get("authorization"))
        _check_accept(request)
        return principal

    @app.get("/")
    def discovery(request: Request) -> Response:
        principal = enter(request)
        base = str(request.url.replace(query=None))
        roots = [f"{base}{r.id}/" for r in source.api_roots() if principal.sees_root(r.id)]
        body: dict[str, Any] = {
            "title": server.title,
            "description": "Exercise intelligence, filtered by each reader's releasability.",
            "api_roots": roots,
        }
        if len(roots) == 1:
            body["default"] = roots[0]
        return _taxii(_dump(body))

    @app.get("/{api_root}/")
    def api_root_information(request: Request, api_root: str) -> Response:
        root = server.root(enter(request), api_root)
        body = {
            "title": root.title,
            **({"description": root.description} if root.description else {}),
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": server.max_content_length,
        }
        return _taxii(_dump(body))

    @app.get("/{api_root}/collections/")
    def collections(request: Request, api_root: str) -> Response:
        principal = enter(request)
        server.root(principal, api_root)
        visible = [
            server.resource(principal, spec, api_root)
            for spec in source.collections(api_root)
            if principal.sees_collection(api_root, spec)
        ]
        return _taxii(_dump({"collections": visible} if visible else {}))

    @app.get("/{api_root}/collections/{collection_id}/")
    def collection(request: Request, api_root: str, collection_id: str) -> Response:
        principal = enter(request)
        spec = server.collection(principal, api_root, collection_id)
        return _taxii(_dump(server.resource(principal, spec, api_root)))

    def page_of(
        request: Request,
        api_root: str,
        collection_id: str,
        object_id: str | None = None,
        *,
        versions: bool = True,
    ) -> tuple[_CollectionIndex, _Page]:
        principal = enter(request)
        server.collection(principal, api_root, collection_id)
        query = _parse_query(request.query_params, server.max_page_size, versions=versions)
        index = server.index(api_root, collection_id)
        view = index.view(principal.reader)
        if object_id is not None and not any(view.mask[p] for p in index.by_id.get(object_id, ())):
            raise _not_found("such object in this collection")
        return index, _select(query, view, index, object_id)

    def objects_response(index: _CollectionIndex, page: _Page) -> Response:
        items = [index.json_of(p) for p in page.positions]
        last = index.dates[page.positions[-1]] if page.positions else None
        body = _envelope(page, "objects", items, last)
        return _taxii(body, headers=_date_headers(index, page.positions))

    @app.get("/{api_root}/collections/{collection_id}/objects/")
    def get_objects(request: Request, api_root: str, collection_id: str) -> Response:
        return objects_response(*page_of(request, api_root, collection_id))

    @app.get("/{api_root}/collections/{collection_id}/objects/{object_id}/")
    def get_object(request: Request, api_root: str, collection_id: str, object_id: str) -> Response:
        return objects_response(*page_of(request, api_root, collection_id, object_id))

    @app.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/")
    def get_versions(
        request: Request, api_root: str, collection_id: str, object_id: str
    ) -> Response:
        index, page = page_of(request, api_root, collection_id, object_id, versions=False)
        items = [_dump(index.versions[p]) for p in page.positions]
        last = index.dates[page.positions[-1]] if page.positions else None
        body = _envelope(page, "versions", items, last)
        return _taxii(body, headers=_date_headers(index, page.positions))

    @app.get("/{api_root}/collections/{collection_id}/manifest/")
    def get_manifest(request: Request, api_root: str, collection_id: str) -> Response:
        index, page = page_of(request, api_root, collection_id)
        items = [
            _dump(
                {
                    "id": index.ids[p],
                    "date_added": index.date_text(p),
                    "version": index.versions[p],
                    "media_type": "application/stix+json;version=" + index.spec_versions[p],
                }
            )
            for p in page.positions
        ]
        last = index.dates[page.positions[-1]] if page.positions else None
        body = _envelope(page, "objects", items, last)
        return _taxii(body, headers=_date_headers(index, page.positions))

    @app.post("/{api_root}/collections/{collection_id}/objects/")
    async def add_objects(request: Request, api_root: str, collection_id: str) -> Response:
        principal = await run_in_threadpool(enter, request)
        spec = server.collection(principal, api_root, collection_id)
        content_type = request.headers.get("content-type", "")
        if not _media_ok(content_type, _POSTABLE):
            raise TaxiiError(
                415,
                "Unsupported media type",
                f"post an envelope as {TAXII_MEDIA_TYPE}, not {content_type or 'nothing'}",
            )
        if not principal.writes_collection(api_root, spec):
            raise TaxiiError(403, "Forbidden", "you may read this collection but not add to it")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > server.max_content_length:
            raise _too_large(server.max_content_length)
        raw = await request.body()
        if len(raw) > server.max_content_length:
            raise _too_large(server.max_content_length)
        objects = _envelope_objects(raw)
        requested = datetime.now(UTC)
        results = await run_in_threadpool(
            source.add_objects, api_root, collection_id, objects, principal.user
        )
        status_id = str(uuid.uuid4())
        body = _dump(_status_resource(status_id, requested, objects, results))
        server.keep_status(status_id, principal.user.username, api_root, body)
        return _taxii(body, status=202)

    def get_status(request: Request, api_root: str, status_id: str) -> Response:
        principal = enter(request)
        server.root(principal, api_root)
        return _taxii(server.status(principal, api_root, status_id))

    # taxii2client polls the status URL without its trailing slash.
    app.get("/{api_root}/status/{status_id}/")(get_status)
    app.get("/{api_root}/status/{status_id}", include_in_schema=False)(get_status)
    return app


def _too_large(limit: int) -> TaxiiError:
    return TaxiiError(413, "Request too large", f"the largest body accepted is {limit} bytes")


def _envelope_objects(raw: bytes) -> list[dict[str, Any]]:
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _bad_request("the body is not JSON") from None
    if not isinstance(envelope, dict):
        raise _bad_request("the body must be a TAXII envelope (a JSON object)")
    objects = envelope.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise _bad_request("the envelope's objects must be a list of STIX objects")
    return objects


def _status_resource(
    status_id: str,
    requested: datetime,
    objects: list[dict[str, Any]],
    results: list[tuple[str, str | None]],
) -> dict[str, Any]:
    successes: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    for obj, (object_id, error) in zip(objects, results, strict=True):
        detail = {"id": object_id, "version": object_version(obj) or _stix_time(requested)}
        if error is None:
            successes.append(detail)
        else:
            failures.append({**detail, "message": error})
    status: dict[str, Any] = {
        "id": status_id,
        "status": "complete",
        "request_timestamp": _stix_time(requested),
        "total_count": len(objects),
        "success_count": len(successes),
        "failure_count": len(failures),
        "pending_count": 0,
    }
    if successes:
        status["successes"] = successes
    if failures:
        status["failures"] = failures
    return status
