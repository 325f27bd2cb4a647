"""The TAXII 2.1 server over real HTTP (uvicorn on loopback), driven by taxii2-client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from argon2 import PasswordHasher
from fastapi import FastAPI
from taxii2client.v21 import ApiRoot as ClientApiRoot
from taxii2client.v21 import Collection, Server, as_pages
from tests.servers import serve

from jointex.api import (
    TAXII_MEDIA_TYPE,
    ApiRoot,
    CollectionSpec,
    MemoryIntelSource,
    create_taxii_app,
)
from jointex.markings import Marking, Reader, can_read, parse_marking
from jointex.store import Accounts, User

ROOT = "strait"
SHARED = "shared"
USA_ONLY = "usa-only"
TWN_CELL = "blue-twn-intel"
USA_CELL = "blue-usa-intel"
PASSWORD = "correct horse battery staple"
START = datetime(2026, 1, 5, tzinfo=UTC)
OBJECTS = 3_300
PAGE = 1_000

REL_USA_TWN = parse_marking("SECRET//REL TO USA, TWN")
NOFORN_USA = parse_marking("//USA SECRET//NOFORN")
TS_REL = parse_marking("TOP SECRET//REL TO USA, TWN")
UNCLASSIFIED = parse_marking("UNCLASSIFIED")
MARKINGS = (REL_USA_TWN, NOFORN_USA, UNCLASSIFIED, TS_REL)


@dataclass
class Deployment:
    """A running server and what it was loaded with."""

    url: str
    accounts: Accounts
    source: MemoryIntelSource
    markings: dict[str, list[Marking]]  # object id -> marking of each version, in order
    versioned: str  # an object with three versions, the last NOFORN USA
    token: str

    def collection(self, collection_id: str, user: str = "twn") -> Collection:
        """A taxii2-client collection endpoint as ``user``."""
        url = f"{self.url}{ROOT}/collections/{collection_id}/"
        return Collection(url, user=user, password=PASSWORD)

    def root(self, user: str = "twn") -> ClientApiRoot:
        """A taxii2-client API root endpoint as ``user``."""
        return ClientApiRoot(f"{self.url}{ROOT}/", user=user, password=PASSWORD)

    def get(self, path: str, user: str | None = "twn", **kwargs: Any) -> httpx.Response:
        """A raw GET (default headers: TAXII Accept, Basic auth as ``user``)."""
        headers = {"Accept": TAXII_MEDIA_TYPE, **kwargs.pop("headers", {})}
        auth = (user, PASSWORD) if user else None
        return httpx.get(self.url + path, headers=headers, auth=auth, **kwargs)


def _stix(kind: str, index: int, modified: str | None = None) -> dict[str, Any]:
    created = (START + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    obj: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.UUID(int=index + 1)}",
        "created": created,
        "modified": modified or created,
    }
    if kind == "indicator":
        obj |= {"pattern": f"[ipv4-addr:value = '10.0.{index // 256 % 256}.{index % 256}']"}
        obj |= {"pattern_type": "stix", "valid_from": created}
    else:
        obj |= {"content": f"note {index}", "object_refs": [f"indicator--{uuid.UUID(int=1)}"]}
    return obj


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _load(source: MemoryIntelSource) -> tuple[dict[str, list[Marking]], str]:
    markings: dict[str, list[Marking]] = {}
    rows: list[tuple[dict[str, Any], Marking]] = []
    for index in range(OBJECTS):
        obj = _stix("note" if index % 5 == 0 else "indicator", index)
        marking = MARKINGS[index % len(MARKINGS)]
        rows.append(({**obj, "x_jointex_marking": marking.banner()}, marking))
        markings.setdefault(obj["id"], []).append(marking)
    versioned = _stix("indicator", OBJECTS)
    for version, marking in enumerate((REL_USA_TWN, REL_USA_TWN, NOFORN_USA)):
        modified = (START + timedelta(days=30 + version)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        banner = marking.banner()
        rows.append(({**versioned, "modified": modified, "x_jointex_marking": banner}, marking))
        markings.setdefault(versioned["id"], []).append(marking)
    source.load(ROOT, SHARED, rows, start=START, step=timedelta(seconds=1))
    source.load(ROOT, USA_ONLY, [(_stix("note", 90_000), UNCLASSIFIED)], start=START)
    source.load(ROOT, TWN_CELL, [(_stix("note", 90_001), UNCLASSIFIED)], start=START)
    source.load(ROOT, USA_CELL, [(_stix("note", 90_002), UNCLASSIFIED)], start=START)
    return markings, versioned["id"]


@pytest.fixture(scope="session")
def taxii(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A TAXII server on a random loopback port with four users and four collections."""
    db: Path = tmp_path_factory.mktemp("taxii") / "jointex.db"
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts = Accounts.open(f"sqlite:///{db}", hasher=cheap)
    accounts.add_user("twn", PASSWORD, "TWN", "SECRET", memberships=[(ROOT, "blue-twn", "cell")])
    accounts.add_user(
        "usa", PASSWORD, "USA", "TOP SECRET", memberships=[(ROOT, "blue-usa", "cell")]
    )
    accounts.add_user("jpn", PASSWORD, "JPN", "SECRET", memberships=[(ROOT, "obs", "observer")])
    accounts.add_user("outsider", PASSWORD, "TWN", "SECRET")
    token = accounts.create_token("twn", "feed")

    source = MemoryIntelSource()
    source.add_api_root(ApiRoot(ROOT, "Strait 2026", "Coalition TTX"))
    source.add_collection(ROOT, CollectionSpec(SHARED, "Shared intelligence"))
    source.add_collection(ROOT, CollectionSpec(USA_ONLY, "US only", community=frozenset({"USA"})))
    source.add_collection(ROOT, CollectionSpec(TWN_CELL, "Blue TWN", cell="blue-twn"))
    source.add_collection(ROOT, CollectionSpec(USA_CELL, "Blue USA", cell="blue-usa"))
    markings, versioned = _load(source)

    app = FastAPI()
    app.mount("/taxii2", create_taxii_app(source, accounts, max_page_size=PAGE))
    try:
        with serve(app) as base:
            yield Deployment(f"{base}/taxii2/", accounts, source, markings, versioned, token)
    finally:
        accounts.close()


def _ids(envelopes: Any) -> list[str]:
    return [obj["id"] for envelope in envelopes for obj in envelope.get("objects", [])]


def _readable_latest(taxii: Deployment, reader: Reader) -> set[str]:
    return {
        object_id
        for object_id, versions in taxii.markings.items()
        if any(can_read(reader, marking) for marking in versions)
    }


# -- discovery, API roots, collections ----------------------------------------------------------


def test_discovery_lists_the_exercise_root(taxii: Deployment) -> None:
    """Discovery names the server and lists the exercise's API root for a member."""
    server = Server(taxii.url, user="twn", password=PASSWORD)
    assert server.title == "JointEx TAXII 2.1"
    assert [root.url for root in server.api_roots] == [f"{taxii.url}{ROOT}/"]
    assert server.default is not None


def test_api_root_information(taxii: Deployment) -> None:
    """The API root reports its title, TAXII 2.1 and a maximum content length."""
    root = taxii.root()
    assert root.title == "Strait 2026"
    assert root.versions == [TAXII_MEDIA_TYPE]
    assert root.max_content_length > 0


def test_outsider_sees_no_root(taxii: Deployment) -> None:
    """A user with no membership in the exercise sees no root, and the root answers 404."""
    assert Server(taxii.url, user="outsider", password=PASSWORD).api_roots == []
    assert taxii.get(f"{ROOT}/", user="outsider").status_code == 404


def test_collections_follow_community_and_cell(taxii: Deployment) -> None:
    """TWN sees neither the USA-only nor the USA cell's collection; USA not TWN's cell."""
    twn = {c.id for c in taxii.root("twn").collections}
    usa = {c.id for c in taxii.root("usa").collections}
    assert twn == {SHARED, TWN_CELL}
    assert usa == {SHARED, USA_ONLY, USA_CELL}


def test_collection_permissions(taxii: Deployment) -> None:
    """A cell member may read and write; an observer may only read."""
    twn = taxii.collection(SHARED, "twn")
    jpn = taxii.collection(SHARED, "jpn")
    assert (twn.can_read, twn.can_write) == (True, True)
    assert (jpn.can_read, jpn.can_write) == (True, False)


@pytest.mark.parametrize(
    "suffix", ["", "objects/", "manifest/", f"objects/note--{uuid.UUID(int=90_000)}/"]
)
def test_unreadable_collection_is_indistinguishable_from_missing(
    taxii: Deployment, suffix: str
) -> None:
    """A collection the reader may not see answers exactly like one that does not exist."""
    hidden = taxii.get(f"{ROOT}/collections/{USA_ONLY}/{suffix}")
    missing = taxii.get(f"{ROOT}/collections/no-such/{suffix}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    assert hidden.json()["http_status"] == "404"


def test_unreadable_object_is_indistinguishable_from_missing(taxii: Deployment) -> None:
    """An object with no readable version answers like a missing one (same status and body)."""
    noforn = next(i for i, v in taxii.markings.items() if v == [NOFORN_USA])
    base = f"{ROOT}/collections/{SHARED}/objects/"
    missing_id = f"indicator--{uuid.UUID(int=10**9)}"
    hidden = taxii.get(base + noforn + "/")
    missing = taxii.get(base + missing_id + "/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert taxii.get(base + noforn + "/", user="usa").status_code == 200


# -- paging -------------------------------------------------------------------------------------


def test_paging_returns_every_readable_object_once(taxii: Deployment) -> None:
    """as_pages over 3,300 objects gives each readable object once and nothing unreadable."""
    reader = Reader("TWN", "SECRET")
    pages = list(as_pages(taxii.collection(SHARED).get_objects, per_request=PAGE))
    ids = _ids(pages)
    assert len(pages) > 1
    assert len(ids) == len(set(ids))
    assert set(ids) == _readable_latest(taxii, reader)
    assert all(pages[i]["more"] for i in range(len(pages) - 1))
    assert not pages[-1]["more"]
    for envelope in pages:
        for obj in envelope["objects"]:
            assert can_read(reader, parse_marking(obj["x_jointex_marking"]))


def test_twn_never_receives_noforn(taxii: Deployment) -> None:
    """No object a TWN SECRET reader receives is marked NOFORN or above SECRET."""
    reader = Reader("TWN", "SECRET")
    envelopes = as_pages(taxii.collection(SHARED).get_objects, per_request=700, version="all")
    received = 0
    for envelope in envelopes:
        for obj in envelope["objects"]:
            marking = parse_marking(obj["x_jointex_marking"])
            assert can_read(reader, marking)
            assert not marking.noforn
            received += 1
    assert received > 0
    noforn = [i for i, v in taxii.markings.items() if v == [NOFORN_USA]]
    got = set(_ids(as_pages(taxii.collection(SHARED).get_objects, per_request=PAGE)))
    assert noforn
    assert got.isdisjoint(noforn)


def test_usa_reader_sees_more_than_twn(taxii: Deployment) -> None:
    """A USA TOP SECRET reader pages through every object, NOFORN USA included."""
    ids = _ids(as_pages(taxii.collection(SHARED, "usa").get_objects, per_request=PAGE))
    assert len(ids) == len(set(ids)) == len(taxii.markings)


def test_page_headers_and_cursor(taxii: Deployment) -> None:
    """A page carries X-TAXII-Date-Added-First/Last and an opaque next that continues it."""
    path = f"{ROOT}/collections/{SHARED}/objects/"
    first = taxii.get(path, params={"limit": 10})
    body = first.json()
    assert first.headers["content-type"] == TAXII_MEDIA_TYPE
    assert len(body["objects"]) == 10
    assert body["more"] is True
    assert first.headers["X-TAXII-Date-Added-First"].endswith("Z")
    second = taxii.get(path, params={"limit": 10, "next": body["next"]})
    assert first.headers["X-TAXII-Date-Added-Last"] < second.headers["X-TAXII-Date-Added-First"]
    assert {o["id"] for o in body["objects"]}.isdisjoint(o["id"] for o in second.json()["objects"])


def test_limit_above_maximum_is_capped(taxii: Deployment) -> None:
    """A limit above the server's maximum returns a full page of the maximum size."""
    body = taxii.get(f"{ROOT}/collections/{SHARED}/objects/", params={"limit": 50_000}).json()
    assert len(body["objects"]) == PAGE
    assert body["more"] is True


# -- filters ------------------------------------------------------------------------------------


def test_added_after(taxii: Deployment) -> None:
    """added_after returns only objects added later, still readable ones only."""
    collection = taxii.collection(SHARED)
    cut = START + timedelta(seconds=2_000)
    ids = _ids(as_pages(collection.get_objects, per_request=PAGE, added_after=cut))
    everything = _ids(as_pages(collection.get_objects, per_request=PAGE))
    assert 0 < len(ids) < len(everything)
    assert ids == everything[-len(ids) :]


def test_added_after_header_is_strictly_later(taxii: Deployment) -> None:
    """The first object after added_after T was added after T."""
    cut = "2026-01-05T00:10:00.000Z"
    response = taxii.get(f"{ROOT}/collections/{SHARED}/objects/", params={"added_after": cut})
    assert response.headers["X-TAXII-Date-Added-First"] > cut


def test_match_type(taxii: Deployment) -> None:
    """match[type]=note returns only notes, all the readable ones."""
    reader = Reader("TWN", "SECRET")
    ids = _ids(as_pages(taxii.collection(SHARED).get_objects, per_request=PAGE, type="note"))
    assert ids
    assert all(i.startswith("note--") for i in ids)
    expected = {i for i in _readable_latest(taxii, reader) if i.startswith("note--")}
    assert set(ids) == expected


def test_match_id(taxii: Deployment) -> None:
    """match[id] with a readable and an unreadable id returns only the readable one."""
    readable = next(i for i, v in taxii.markings.items() if v == [REL_USA_TWN])
    hidden = next(i for i, v in taxii.markings.items() if v == [NOFORN_USA])
    envelope = taxii.collection(SHARED).get_objects(id=[readable, hidden])
    assert [o["id"] for o in envelope["objects"]] == [readable]


def test_versions_follow_markings(taxii: Deployment) -> None:
    """Versions of an object list only readable versions; last is the last readable one."""
    twn = taxii.collection(SHARED, "twn")
    usa = taxii.collection(SHARED, "usa")
    assert len(twn.object_versions(taxii.versioned)["versions"]) == 2
    assert len(usa.object_versions(taxii.versioned)["versions"]) == 3
    last_twn = twn.get_object(taxii.versioned)["objects"]
    last_usa = usa.get_object(taxii.versioned)["objects"]
    assert last_twn[0]["modified"] < last_usa[0]["modified"]
    assert len(twn.get_object(taxii.versioned, version="all")["objects"]) == 2
    first = twn.get_object(taxii.versioned, version="first")["objects"]
    assert first[0]["modified"] == min(
        o["modified"] for o in twn.get_object(taxii.versioned, version="all")["objects"]
    )
    exact = twn.get_object(taxii.versioned, version=first[0]["modified"])["objects"]
    assert exact == first


def test_spec_version_filter(taxii: Deployment) -> None:
    """match[spec_version]=2.0 matches nothing here; 2.1 matches the objects."""
    collection = taxii.collection(SHARED)
    assert "objects" not in collection.get_objects(spec_version="2.0")
    assert collection.get_objects(spec_version="2.1", limit=5)["objects"]


def test_manifest(taxii: Deployment) -> None:
    """The manifest pages like the objects and describes each readable object."""
    collection = taxii.collection(SHARED)
    pages = list(as_pages(collection.get_manifest, per_request=PAGE))
    records = [r for page in pages for r in page["objects"]]
    objects = _ids(as_pages(collection.get_objects, per_request=PAGE))
    assert [r["id"] for r in records] == objects
    assert {r["media_type"] for r in records} == {"application/stix+json;version=2.1"}
    assert all(r["date_added"].endswith("Z") and r["version"] for r in records)


# -- adding objects -----------------------------------------------------------------------------


def test_add_objects_and_status(taxii: Deployment) -> None:
    """POST checks each object (marked, readable by the poster) and returns a status resource."""
    good = [
        {**_stix("indicator", 50_000 + i), "x_jointex_marking": "SECRET//REL TO USA, TWN"}
        for i in range(2)
    ]
    unmarked = _stix("indicator", 50_010)
    above = {**_stix("note", 50_011), "x_jointex_marking": "TOP SECRET//REL TO USA, TWN"}
    collection = taxii.collection(TWN_CELL)
    status = collection.add_objects({"objects": [*good, unmarked, above]})
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (4, 2, 2)
    assert {f["id"] for f in status.failures} == {unmarked["id"], above["id"]}
    again = taxii.root().get_status(status.id)
    assert again.success_count == 2
    assert {s["id"] for s in again.successes} == {o["id"] for o in good}
    stored = _ids(as_pages(collection.get_objects, per_request=PAGE))
    assert {o["id"] for o in good} <= set(stored)
    assert taxii.get(f"{ROOT}/status/{status.id}/", user="usa").status_code == 404


def test_observer_may_not_post(taxii: Deployment) -> None:
    """An observer posting to a collection it can read gets 403."""
    response = httpx.post(
        f"{taxii.url}{ROOT}/collections/{SHARED}/objects/",
        content=b'{"objects": []}',
        headers={"Accept": TAXII_MEDIA_TYPE, "Content-Type": TAXII_MEDIA_TYPE},
        auth=("jpn", PASSWORD),
    )
    assert response.status_code == 403


def test_post_with_bad_content_type(taxii: Deployment) -> None:
    """A POST that is not TAXII JSON gets 415."""
    response = httpx.post(
        f"{taxii.url}{ROOT}/collections/{SHARED}/objects/",
        content=b'{"objects": []}',
        headers={"Accept": TAXII_MEDIA_TYPE, "Content-Type": "text/plain"},
        auth=("twn", PASSWORD),
    )
    assert response.status_code == 415
    assert response.json()["http_status"] == "415"


# -- errors and authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"added_after": "yesterday"},
        {"added_after": "2026-13-45T00:00:00Z"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"next": "not-a-cursor"},
        {"match[version]": "latest"},
    ],
)
def test_bad_filter_is_400_error_object(taxii: Deployment, params: dict[str, str]) -> None:
    """A malformed filter answers 400 with a TAXII error object."""
    response = taxii.get(f"{ROOT}/collections/{SHARED}/objects/", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == TAXII_MEDIA_TYPE
    body = response.json()
    assert body["http_status"] == "400"
    assert body["title"]
    assert body["description"]


@pytest.mark.parametrize("accept", ["application/xml", "application/taxii+json;version=2.0"])
def test_bad_accept_is_406(taxii: Deployment, accept: str) -> None:
    """An Accept header the server cannot satisfy answers 406."""
    response = taxii.get(f"{ROOT}/collections/", headers={"Accept": accept})
    assert response.status_code == 406


@pytest.mark.parametrize("accept", ["application/taxii+json", "application/json", "*/*"])
def test_lenient_accept(taxii: Deployment, accept: str) -> None:
    """The bare TAXII media type, plain JSON and */* are accepted."""
    response = taxii.get(f"{ROOT}/collections/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == TAXII_MEDIA_TYPE


def test_no_credentials_is_401(taxii: Deployment) -> None:
    """Without credentials every endpoint answers 401 with Basic and Bearer challenges."""
    for path in ("", f"{ROOT}/", f"{ROOT}/collections/{SHARED}/objects/"):
        response = taxii.get(path, user=None)
        assert response.status_code == 401
        challenges = response.headers.get_list("www-authenticate")
        assert any(c.startswith("Basic") for c in challenges)
        assert any(c.startswith("Bearer") for c in challenges)


def test_wrong_password_is_401(taxii: Deployment) -> None:
    """A wrong password or an unknown user answers 401 alike."""
    wrong = httpx.get(taxii.url, auth=("twn", "not the password at all"))
    unknown = httpx.get(taxii.url, auth=("nobody", PASSWORD))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text == unknown.text


def test_bearer_token(taxii: Deployment) -> None:
    """A Bearer token from Accounts works with taxii2-client; a wrong one is 401."""
    collection = Collection(f"{taxii.url}{ROOT}/collections/{SHARED}/", auth=_Bearer(taxii.token))
    assert collection.get_objects(limit=3)["objects"]
    bad = httpx.get(taxii.url, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_unknown_path_is_taxii_404(taxii: Deployment) -> None:
    """An unknown URL answers with a TAXII error object too."""
    response = taxii.get(f"{ROOT}/nothing/here/")
    assert response.status_code == 404
    assert response.json()["http_status"] == "404"


def test_cursor_survives_appends(taxii: Deployment) -> None:
    """Objects appended while a client pages are delivered after the rest, none twice."""
    marked = [
        ({**_stix("note", 70_000 + i), "x_jointex_marking": "UNCLASSIFIED"}, UNCLASSIFIED)
        for i in range(3)
    ]
    taxii.source.load(ROOT, TWN_CELL, marked[:2])
    collection = taxii.collection(TWN_CELL)
    before = _ids(as_pages(collection.get_objects, per_request=PAGE))
    first = collection.get_objects(limit=1)
    assert first["more"] is True
    taxii.source.load(ROOT, TWN_CELL, marked[2:])
    rest = collection.get_objects(next=first["next"])
    received = [o["id"] for o in first["objects"] + rest["objects"]]
    assert len(received) == len(set(received))
    assert received[-1] == marked[2][0]["id"]
    assert set(before) < set(received)


def test_status_without_trailing_slash(taxii: Deployment) -> None:
    """The status URL taxii2-client polls (no trailing slash) answers like the canonical one."""
    obj = {**_stix("note", 60_000), "x_jointex_marking": "UNCLASSIFIED"}
    status = taxii.collection(TWN_CELL).add_objects({"objects": [obj]})
    plain = taxii.get(f"{ROOT}/status/{status.id}")
    canonical = taxii.get(f"{ROOT}/status/{status.id}/")
    assert plain.status_code == canonical.status_code == 200
    assert plain.json() == canonical.json()


def test_reposting_a_version_is_idempotent() -> None:
    """Posting an object version already present succeeds without storing it twice."""
    source = MemoryIntelSource()
    source.add_api_root(ApiRoot("x", "X"))
    source.add_collection("x", CollectionSpec("c", "C"))
    user = _user()
    obj = {**_stix("note", 1), "x_jointex_marking": "SECRET//REL TO USA, TWN"}
    assert source.add_objects("x", "c", [obj], user) == [(obj["id"], None)]
    version = source.collection_version("x", "c")
    assert source.add_objects("x", "c", [obj], user) == [(obj["id"], None)]
    assert len(source.objects("x", "c")) == 1
    assert source.collection_version("x", "c") == version


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"id": "note--not-a-uuid"}, "no valid STIX id"),
        ({"type": "indicator"}, "does not start with"),
        ({"type": None}, "no type"),
        ({"x_jointex_marking": "SECRET//REL TO MARS"}, "no valid JointEx marking"),
        ({"x_jointex_marking": "//USA SECRET//NOFORN"}, "may not read"),
    ],
)
def test_memory_source_refuses_bad_objects(change: dict[str, Any], error: str) -> None:
    """Malformed ids, mismatched types, bad markings and unreadable markings are refused."""
    source = MemoryIntelSource()
    source.add_api_root(ApiRoot("x", "X"))
    source.add_collection("x", CollectionSpec("c", "C"))
    obj = {**_stix("note", 1), "x_jointex_marking": "UNCLASSIFIED", **change}
    ((_, message),) = source.add_objects("x", "c", [obj], _user())
    assert message is not None
    assert error in message
    assert source.objects("x", "c") == ()


def _user() -> User:
    return User("li.wei", "TWN", "SECRET", False, START)
