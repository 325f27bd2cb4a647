"""TAXII over a live exercise: the exercise-backed source served to taxii2-client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from taxii2client.v21 import Server
from tests.intel.world import REL_TWN, SECRET_WORD, USA_REPORT
from tests.servers import serve

from jointex.api import create_taxii_app
from jointex.api._exercise_source import ExerciseIntelSource
from jointex.exercise import Actor, ExerciseService, PublishIntel, ReleaseIntel, Start
from jointex.scenario import resolve
from jointex.store import Accounts, EventStore

PASSWORD = "exercise source passphrase 9"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, ExerciseService]]:
    """A TAXII server over an exercise with a USA report (NOFORN portion) and its TWN tearline."""
    url = f"sqlite:///{tmp_path_factory.mktemp('taxii-ex') / 'jointex.db'}"
    store = EventStore.open(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts = Accounts.open(url, hasher=cheap)
    service = ExerciseService(store)
    ex = service.create(resolve("grey-zone-surge"), "taxii", 1, Actor("white", "white"))
    service.handle(ex, Start(), Actor("white", "white"))
    service.handle(ex, PublishIntel(USA_REPORT), Actor("sam", "usa"))
    service.handle(
        ex,
        ReleaseIntel("INT-1", ("TWN",), title="Readiness patrol", title_marking=REL_TWN),
        Actor("sam", "usa"),
    )
    accounts.add_user("sam", PASSWORD, "USA", "TOP SECRET", memberships=[(ex, "usa", "cell")])
    accounts.add_user("li.wei", PASSWORD, "TWN", "SECRET", memberships=[(ex, "twn", "cell")])
    app = FastAPI()
    app.mount("/taxii2", create_taxii_app(ExerciseIntelSource(service, accounts), accounts))
    try:
        with serve(app) as base:
            yield f"{base}/taxii2/", ex, service
    finally:
        accounts.close()
        store.close()


def _everything(url: str, user: str) -> tuple[list[str], list[dict[str, Any]]]:
    server = Server(url, user=user, password=PASSWORD)
    titles: list[str] = []
    objects: list[dict[str, Any]] = []
    for root in server.api_roots:
        for collection in root.collections:
            titles.append(collection.title)
            objects += collection.get_objects().get("objects", [])
    return titles, objects


def test_twn_gets_the_tearline_not_the_original(live: tuple[str, str, ExerciseService]) -> None:
    """Over TAXII the TWN user receives the tearline and nothing of the NOFORN original."""
    titles, objects = _everything(live[0], "li.wei")
    text = repr(objects)
    assert "Readiness patrol" in text
    assert SECRET_WORD not in text
    assert not any(
        ext.get("dissemination_controls") == ["NOFORN"]
        for obj in objects
        if obj["type"] == "marking-definition"
        for ext in obj.get("extensions", {}).values()
    )
    assert "United States cell: own products" not in titles


def test_usa_gets_both_versions(live: tuple[str, str, ExerciseService]) -> None:
    """The originating nation receives the original and the tearline."""
    _, objects = _everything(live[0], "sam")
    text = repr(objects)
    assert SECRET_WORD in text
    assert "Readiness patrol" in text


def test_collections_per_cell_and_coalition(live: tuple[str, str, ExerciseService]) -> None:
    """Each user sees the coalition collection and their own cell's, not the partner's."""
    twn_titles, _ = _everything(live[0], "li.wei")
    usa_titles, _ = _everything(live[0], "sam")
    assert "Coalition intelligence" in twn_titles
    assert any("Taiwan" in t for t in twn_titles)
    assert not any("Taiwan" in t for t in usa_titles)
