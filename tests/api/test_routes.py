"""The JSON API over HTTP: every route for every kind of seat, commands, and the leak checks."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from tests.api.conftest import NOFORN, SECRET_WORD, TEARLINE_TITLE, USA_REPORT, Session, World
from tests.conftest import Result

from jointex._errors import ConcurrencyConflict

SEATS = ("white", "twn", "usa", "observer")
EVERYONE = frozenset(SEATS)
READ_ROUTES: dict[str, frozenset[str]] = {
    "": EVERYONE,
    "/inbox": EVERYONE,
    "/intel": EVERYONE,
    "/timeline": EVERYONE,
    "/rfis": EVERYONE,
    "/actions": EVERYONE,
    "/map/geography.geojson": EVERYONE,
    "/map/tracks.geojson": EVERYONE,
    "/msel": frozenset({"white"}),
    "/adjudications": frozenset({"white"}),
    "/objectives": frozenset({"white", "observer"}),
}
"""Each read route of an exercise and the seats that may use it (the others get 403)."""

Sessions = Callable[[str], Session]


@pytest.mark.parametrize("seat", SEATS)
@pytest.mark.parametrize("route", sorted(READ_ROUTES))
def test_every_read_route_for_every_seat(
    world: World, sessions: Sessions, seat: str, route: str
) -> None:
    """Each seat gets 200 JSON from the routes it may use and 403 from the others."""
    response = sessions(seat).get(world.path(route))
    expected = 200 if seat in READ_ROUTES[route] else 403
    assert response.status_code == expected, response.text
    if route.endswith(".geojson"):
        assert response.headers["content-type"].startswith("application/geo+json")
        assert response.json()["type"] == "FeatureCollection"


def test_me(world: World, sessions: Sessions) -> None:
    """/api/me names the user, nation, clearance and seats."""
    me = sessions("twn").get("/api/me").json()
    assert (me["user"], me["nation"], me["clearance"]) == ("twn", "TWN", "SECRET")
    assert me["seats"] == [{"exercise_id": world.exercise, "cell": "twn", "role": "cell"}]


def test_exercises_lists_only_seated_ones(world: World, sessions: Sessions) -> None:
    """/api/exercises lists the exercise with the user's seat; a user without seats sees none."""
    listed = sessions("twn").get("/api/exercises").json()
    assert [e["id"] for e in listed] == [world.exercise]
    assert listed[0]["seat"]["cell"] == "twn"
    assert listed[0]["clock"] == "D+0 H+06:00"
    assert listed[0]["scenario_title"].startswith("Grey Zone Surge")
    admin = world.login("admin")
    assert admin.get("/api/exercises").json() == []
    assert admin.get(world.path()).status_code == 403


def test_exercise_detail_control_sees_world(world: World, sessions: Sessions) -> None:
    """Control gets escalation and world variables; a cell gets neither."""
    white = sessions("white").get(world.path()).json()
    twn = sessions("twn").get(world.path()).json()
    assert white["status"] == twn["status"] == "running"
    assert white["clock"] == "D+0 H+06:00"
    assert white["banner"] == "UNCLASSIFIED"
    assert "escalation" in white
    assert "world" in white
    assert "escalation" not in twn
    assert "world" not in twn
    assert twn["seat"] == {
        "exercise_id": world.exercise,
        "cell": "twn",
        "role": "cell",
        "cell_role": "blue",
        "control": False,
    }


def test_exercise_detail_gives_the_seats_action_menu(world: World, sessions: Sessions) -> None:
    """A cell gets the actions its role may take and its own nation's units, nothing else."""
    twn = sessions("twn").get(world.path()).json()
    actions = {a["id"] for a in twn["actions"]}
    assert "scramble-alert" in actions
    assert "amphibious-assault" not in actions
    assert twn["units"]
    assert all(u["id"].startswith("twn-") for u in twn["units"])


def test_scenarios(sessions: Sessions) -> None:
    """/api/scenarios lists the built-ins."""
    names = [s["name"] for s in sessions("twn").get("/api/scenarios").json()]
    assert "grey-zone-surge" in names


def test_unknown_exercise(world: World, sessions: Sessions) -> None:
    """A non-member gets 403 whether or not the exercise exists (no probing for ids)."""
    assert sessions("twn").get("/api/exercises/exercise-nope").status_code == 403


# --- the leak checks: a TWN seat never receives US-only (NOFORN) material ---------------------


def _twn_responses(world: World, session: Session) -> dict[str, str]:
    paths = [
        "",
        "/inbox",
        "/intel",
        "/intel?q=" + SECRET_WORD,
        "/intel?marking=" + NOFORN,
        "/timeline",
        "/rfis",
        "/actions",
        "/map/tracks.geojson",
        "/map/geography.geojson",
    ]
    return {path: session.get(world.path(path)).text for path in paths}


def test_twn_never_receives_usa_noforn(world: World, sessions: Sessions) -> None:
    """No TWN response names the NOFORN products, their titles, ids, counts or banners."""
    twn = sessions("twn")
    for path, body in _twn_responses(world, twn).items():
        assert SECRET_WORD not in body, path
        assert "NOFORN" not in body, path
        assert world.products["noforn"] not in body, path
        assert f'"{world.products["report"]}"' not in body, path
    feed = twn.get(world.path("/intel")).json()
    assert [item["id"] for item in feed["items"]] == [world.products["tearline"]]
    assert feed["total"] == 1
    assert feed["facets"]["kind"] == {"report": 1}
    assert feed["filter_options"]["markings"] == ["SECRET//REL TO USA, TWN"]
    assert feed["items"][0]["title"]["content"] == TEARLINE_TITLE
    assert feed["items"][0]["derived_from"] is None  # the original is hidden from TWN
    assert feed["banner"] == "SECRET//REL TO USA, TWN"


def test_the_leak_check_would_see_a_leak(world: World, sessions: Sessions) -> None:
    """The US seat does receive the NOFORN material, so the TWN checks test something."""
    usa = sessions("usa")
    feed = usa.get(world.path("/intel")).json()
    ids = {item["id"] for item in feed["items"]}
    assert set(world.products.values()) <= ids
    assert SECRET_WORD in usa.get(world.path("/intel")).text
    tracks = usa.get(world.path("/map/tracks.geojson")).json()
    assert any(f["properties"]["source"] == world.products["report"] for f in tracks["features"])
    assert "NOFORN" in usa.get(world.path("/actions")).text


def test_hidden_product_is_404_like_a_missing_one(world: World, sessions: Sessions) -> None:
    """/intel/{id} of a NOFORN product answers TWN exactly as a product that does not exist."""
    twn = sessions("twn")
    hidden = twn.get(world.path(f"/intel/{world.products['noforn']}"))
    original = twn.get(world.path(f"/intel/{world.products['report']}"))
    missing = twn.get(world.path("/intel/INT-999"))
    assert hidden.status_code == original.status_code == missing.status_code == 404
    assert hidden.content == original.content == missing.content
    assert dict(hidden.headers).keys() == dict(missing.headers).keys()
    assert hidden.headers["content-length"] == missing.headers["content-length"]


def test_tracks_hold_no_noforn_location(world: World, sessions: Sessions) -> None:
    """TWN's map has its own forces only: no track from the NOFORN products' locations."""
    tracks = sessions("twn").get(world.path("/map/tracks.geojson")).json()
    assert tracks["features"]
    assert {f["properties"]["source"] for f in tracks["features"]} == {"own-force"}
    assert {f["properties"]["nation"] for f in tracks["features"]} == {"TWN"}
    coordinates = [f["geometry"]["coordinates"] for f in tracks["features"]]
    assert USA_REPORT["location"] not in coordinates


def test_observer_reads_only_unrestricted(world: World, sessions: Sessions) -> None:
    """The nationless observer cell sees no product, no marked action and no REL TO banner."""
    observer = sessions("observer")
    assert observer.get(world.path("/intel")).json()["total"] == 0
    for path in ("/inbox", "/intel", "/timeline", "/actions", "/map/tracks.geojson"):
        body = observer.get(world.path(path)).text
        assert "REL TO" not in body, path
        assert "NOFORN" not in body, path
        assert SECRET_WORD not in body, path


def test_inbox_shows_banner_and_portion_marks(world: World, sessions: Sessions) -> None:
    """Inbox items carry their banner and portion mark; the page banner rolls them up."""
    inbox = sessions("twn").get(world.path("/inbox")).json()
    assert inbox["items"]
    first = inbox["items"][0]
    assert first["portion_mark"].startswith("(")
    assert {"inject_id", "marking", "title", "content", "clock", "acknowledged"} <= first.keys()
    assert all("twn" in item["to"] for item in inbox["items"])


def test_product_view_records_the_read(fresh: World) -> None:
    """GET /intel/{id} shows the seat's view and records an IntelRead for the audit trail."""
    twn = fresh.login("twn")
    tearline = fresh.products["tearline"]
    view = twn.get(fresh.path(f"/intel/{tearline}"))
    assert view.status_code == 200
    assert view.json()["title"]["content"] == TEARLINE_TITLE
    assert view.json()["relations"]["derived_from"] is None
    reads = [r for r in fresh.service.state(fresh.exercise).intel_reads if r.cell == "twn"]
    assert [(r.product_id, r.user) for r in reads] == [(tearline, "twn")]
    timeline = twn.get(fresh.path("/timeline")).json()["items"]
    assert any(e["kind"] == "read" and e["subject"] == tearline for e in timeline)


def test_actions_cells_see_their_own(world: World, sessions: Sessions) -> None:
    """Control sees every action; a cell only its own (TWN has none yet)."""
    assert sessions("twn").get(world.path("/actions")).json()["items"] == []
    white = sessions("white").get(world.path("/actions")).json()["items"]
    assert [a["cell"] for a in white] == ["usa"]
    assert white[0]["adjudication"]["model"] == "detection"
    usa = sessions("usa").get(world.path("/actions")).json()["items"]
    assert usa[0]["adjudication"] is None  # not decided yet: no outcome for the cell


def test_control_views(world: World, sessions: Sessions) -> None:
    """The MSEL lists every inject with a status; adjudications are open or decided."""
    white = sessions("white")
    items = white.get(world.path("/msel")).json()["items"]
    statuses = {item["status"] for item in items}
    assert "sent" in statuses
    assert statuses <= {"sent", "due", "waiting", "expired", "cancelled"}
    adjudications = white.get(world.path("/adjudications")).json()
    assert len(adjudications["open"]) == 1
    assert adjudications["open"][0]["distribution"] is not None


# --- commands ---------------------------------------------------------------------------------


def test_commands_of_control(fresh: World) -> None:
    """Control advances the clock; the answer is the version and the event types."""
    white = fresh.login("white")
    response = white.post(fresh.path("/commands"), json={"command": "advance"})
    assert response.status_code == 200
    body = response.json()
    assert body["events"][0] == "ClockAdvanced"
    assert body["version"] == fresh.service.state(fresh.exercise).version
    assert white.get(fresh.path()).json()["clock"] == "D+0 H+12:00"


def test_cell_refused_on_control_commands_and_routes(fresh: World) -> None:
    """A cell member gets 403 for a control command and a control-only view."""
    twn = fresh.login("twn")
    before = fresh.service.state(fresh.exercise).version
    response = twn.post(fresh.path("/commands"), json={"command": "advance"})
    assert response.status_code == 403
    assert twn.get(fresh.path("/msel")).status_code == 403
    assert fresh.service.state(fresh.exercise).version == before


def test_observer_may_only_observe(fresh: World) -> None:
    """An observer records observations and may not act."""
    observer = fresh.login("observer")
    rfi = {"command": "submit_rfi", "question": "?"}
    assert observer.post(fresh.path("/commands"), json=rfi).status_code == 403
    note = {
        "command": "record_observation",
        "objective": "OBJ-1",
        "criterion": "OBJ-1.1",
        "rating": 4,
        "note": "pairs up in 12 minutes",
    }
    assert observer.post(fresh.path("/commands"), json=note).status_code == 200
    observations = observer.get(fresh.path("/objectives")).json()["observations"]
    assert [(o["objective"], o["rating"]) for o in observations] == [("OBJ-1", 4)]


def test_rejected_command_is_422_with_the_reason(fresh: World) -> None:
    """A command the domain rejects answers 422 {"detail": reason} and appends nothing."""
    white = fresh.login("white")
    before = fresh.service.state(fresh.exercise).version
    response = white.post(fresh.path("/commands"), json={"command": "start"})
    assert response.status_code == 422
    assert response.json() == {"detail": "exercise has already started (it is running)"}
    assert fresh.service.state(fresh.exercise).version == before


def test_invalid_body_is_422(fresh: World) -> None:
    """An unknown command or a wrong field type is refused by validation."""
    white = fresh.login("white")
    for body in ({"command": "explode"}, {"command": "advance", "minutes": "many"}, {}):
        assert white.post(fresh.path("/commands"), json=body).status_code == 422


def test_command_id_makes_retries_idempotent(fresh: World) -> None:
    """The same command_id applies the command once and answers the same both times."""
    white = fresh.login("white")
    body = {"command": "advance", "command_id": "move-2"}
    first = white.post(fresh.path("/commands"), json=body)
    second = white.post(fresh.path("/commands"), json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert fresh.service.state(fresh.exercise).minute == 720


def test_concurrency_conflict_is_409(fresh: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent writer (ConcurrencyConflict) answers 409."""
    white = fresh.login("white")

    def conflict(*args: object, **kwargs: object) -> None:
        raise ConcurrencyConflict("exercise moved on: expected version 9, found 10")

    monkeypatch.setattr(fresh.service, "handle", conflict)
    response = white.post(fresh.path("/commands"), json={"command": "pause"})
    assert response.status_code == 409


def test_on_append_hook_is_called(fresh: World) -> None:
    """After a command that appended events, app.state.on_append gets (exercise, version)."""
    calls: list[tuple[str, int]] = []
    fresh.app.state.on_append = lambda exercise, version: calls.append((exercise, version))
    white = fresh.login("white")
    version = white.post(fresh.path("/commands"), json={"command": "pause"}).json()["version"]
    assert calls == [(fresh.exercise, version)]
    white.post(fresh.path("/commands"), json={"command": "start"})  # rejected: no call
    assert len(calls) == 1


def test_player_commands_and_their_views(fresh: World) -> None:
    """TWN submits an RFI and an action, acknowledges an inject, publishes; control answers."""
    twn, white = fresh.login("twn"), fresh.login("white")
    commands = fresh.path("/commands")
    inject = twn.get(fresh.path("/inbox")).json()["items"][0]["inject_id"]
    assert twn.post(commands, json={"command": "acknowledge", "inject_id": inject}).is_success
    inbox = twn.get(fresh.path("/inbox")).json()["items"]
    assert next(i for i in inbox if i["inject_id"] == inject)["acknowledged"] is True
    action = {"command": "submit_action", "action": "raise-readiness", "text": "alert pairs"}
    assert twn.post(commands, json=action).status_code == 200
    assert [a["action"] for a in twn.get(fresh.path("/actions")).json()["items"]] == [
        "raise-readiness"
    ]
    product = {
        "kind": "sighting",
        "title": {"marking": "SECRET//REL TO USA, TWN", "content": "Four J-16s east of Penghu"},
        "portions": [{"marking": "SECRET//REL TO USA, TWN", "content": "Heading 090"}],
    }
    published = twn.post(commands, json={"command": "publish_intel", "product": product})
    assert published.status_code == 200
    assert published.json()["events"] == ["IntelPublished"]
    rfi_id = twn.get(fresh.path("/rfis")).json()["items"][0]["rfi_id"]
    answer = {"command": "answer_rfi", "rfi_id": rfi_id, "answer": "Chiayi", "marking": NOFORN}
    # control may not send TWN an answer TWN may not read
    assert white.post(commands, json=answer).status_code == 422
    answer["marking"] = "SECRET//REL TO USA, TWN"
    assert white.post(commands, json=answer).status_code == 200
    rfis = twn.get(fresh.path("/rfis")).json()["items"]
    assert rfis[0]["answer"] == "Chiayi"


def test_admin_creates_an_exercise(fresh: World) -> None:
    """An administrator creates an exercise (201, seated in control); others may not (403)."""
    admin = fresh.login("admin")
    body = {"scenario": "grey-zone-surge", "name": "Second run", "seed": 3}
    created = admin.post("/api/exercises", json=body)
    assert created.status_code == 201
    exercise_id = created.json()["id"]
    detail = admin.get(f"/api/exercises/{exercise_id}").json()
    assert (detail["name"], detail["status"], detail["seat"]["cell"]) == (
        "Second run",
        "draft",
        "white",
    )
    assert fresh.login("twn").post("/api/exercises", json=body).status_code == 403
    unknown = admin.post("/api/exercises", json=body | {"scenario": "/etc/passwd"})
    assert unknown.status_code == 422


def test_seat_needs_the_cells_nation(fresh: World) -> None:
    """A TWN user put in the US cell by mistake gets 403, not US traffic."""
    fresh.accounts.add_membership("twn", fresh.exercise, "usa", "cell")
    twn = fresh.login("twn")
    response = twn.get(fresh.path("/intel"), params={"cell": "usa"})
    assert response.status_code == 403
    assert "TWN" in response.json()["detail"]
    # the TWN seat still works, and the mistaken one is never chosen by default
    assert twn.get(fresh.path("/intel")).json()["total"] == 1


def test_openapi_documents_each_command(world: World) -> None:
    """The OpenAPI schema names every command's request model."""
    schema = json.loads(world.client().get("/openapi.json").text)
    names = set(schema["components"]["schemas"])
    for model in ("AdvanceCommand", "PublishIntelCommand", "ReleaseIntelCommand", "EndCommand"):
        assert model in names


def test_taxii_is_mounted(world: World) -> None:
    """/taxii2/ serves TAXII discovery to a Bearer token and refuses anonymous clients."""
    client = world.client()
    accept = {"Accept": "application/taxii+json;version=2.1"}
    assert client.get("/taxii2/", headers=accept).status_code == 401
    token = world.accounts.create_token("twn", "taxii-test")
    found = client.get("/taxii2/", headers=accept | {"Authorization": f"Bearer {token}"})
    assert found.status_code == 200


def test_serve_refuses_workers_on_sqlite(cli: Callable[..., Result]) -> None:
    """`jointex serve --workers 2` on SQLite exits 1 and says why (PostgreSQL is needed)."""
    result = cli("serve", "--workers", "2")
    assert result.code == 1
    assert "needs PostgreSQL" in result.stderr
