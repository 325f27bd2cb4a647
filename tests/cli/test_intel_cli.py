"""``jointex intel export|import``: STIX bundles per reader, validated imports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import Result
from tests.intel.world import REL_TWN, SECRET_WORD, USA_REPORT

from jointex.exercise import Actor, ExerciseService, PublishIntel, ReleaseIntel, Start
from jointex.scenario import resolve
from jointex.store import Accounts, EventStore

Cli = Callable[..., Result]
PASSWORD = "a long demo passphrase 7"


@pytest.fixture
def exercise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An exercise of the flagship with a USA report (a NOFORN portion), its tearline, and users."""
    url = f"sqlite:///{tmp_path / 'jointex.db'}"
    monkeypatch.setenv("JOINTEX_DB", url)
    with EventStore.open(url) as store, Accounts.open(url) as accounts:
        service = ExerciseService(store)
        exercise_id = service.create(
            resolve("grey-zone-surge"), "intel", 1, Actor("white", "white")
        )
        service.handle(exercise_id, Start(), Actor("white", "white"))
        service.handle(exercise_id, PublishIntel(USA_REPORT), Actor("sam", "usa"))
        release = ReleaseIntel("INT-1", ("TWN",), title="Readiness patrol", title_marking=REL_TWN)
        service.handle(exercise_id, release, Actor("sam", "usa"))
        # each user holds the clearance of their cell (usa: TOP SECRET, twn: SECRET)
        seats = (("sam", "USA", "TOP SECRET", "usa"), ("li.wei", "TWN", "SECRET", "twn"))
        for user, nation, clearance, cell in seats:
            accounts.add_user(user, PASSWORD, nation, clearance)
            accounts.add_membership(user, exercise_id, cell, "cell")
    return exercise_id


def test_export_is_the_readers_view(cli: Cli, exercise: str, tmp_path: Path) -> None:
    """The TWN user's bundle holds the tearline and nothing of the NOFORN original."""
    out = tmp_path / "twn.json"
    result = cli("intel", "export", exercise, "--as", "li.wei", "--out", str(out))
    assert result.code == 0, result.stderr
    text = out.read_text()
    bundle = json.loads(text)
    assert bundle["type"] == "bundle"
    assert SECRET_WORD not in text
    controls = [
        ext.get("dissemination_controls")
        for obj in bundle["objects"]
        if obj["type"] == "marking-definition"
        for ext in obj.get("extensions", {}).values()
    ]
    assert ["NOFORN"] not in controls
    assert ["REL TO"] in controls
    assert "Readiness patrol" in text
    usa = cli("intel", "export", exercise, "--as", "sam")
    assert usa.code == 0
    assert SECRET_WORD in usa.stdout


def test_import_validates_and_publishes(cli: Cli, exercise: str, tmp_path: Path) -> None:
    """A bundle exported for the US imports cleanly and publishes into the exercise as USA."""
    usa = cli("intel", "export", exercise, "--as", "sam")
    path = tmp_path / "usa.json"
    path.write_text(usa.stdout)
    checked = cli("intel", "import", str(path), "--json")
    assert checked.code == 0, checked.stderr
    assert checked.json()["valid"] >= 2
    published = cli("intel", "import", str(path), "--into", exercise, "--as", "sam", "--json")
    doc = published.json()
    assert [p["id"] for p in doc["published"]][:1] == ["INT-3"]


def test_import_reports_bad_objects(cli: Cli, tmp_path: Path) -> None:
    """An invalid object is refused with its id and reason, and the exit code is 1."""
    bundle = {
        "type": "bundle",
        "id": "bundle--0d4d0a3f-5f3b-4e54-8d1d-6f2c3f3c2b11",
        "objects": [{"type": "report", "id": "report--not-a-uuid", "spec_version": "2.1"}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))
    result = cli("intel", "import", str(path), "--json")
    assert result.code == 1
    refused = result.json()["refused"]
    assert refused[0]["id"] == "report--not-a-uuid"
    assert refused[0]["error"]


def test_unknown_user_and_format(cli: Cli, exercise: str) -> None:
    """An unknown user or format is one clear error line."""
    result = cli("intel", "export", exercise, "--as", "nobody")
    assert result.code == 1
    assert "no user 'nobody'" in result.stderr
    assert cli("intel", "export", exercise, "--as", "sam", "--format", "csv").code == 1


def test_membership_that_does_not_fit_the_cell_is_refused(
    cli: Cli, exercise: str, tmp_path: Path
) -> None:
    """A TWN user placed in the US cell gets no US view: the server's seat rule applies."""
    with Accounts.open(f"sqlite:///{tmp_path / 'jointex.db'}") as accounts:
        accounts.add_user("mis.placed", PASSWORD, "TWN", "TOP SECRET")
        accounts.add_membership("mis.placed", exercise, "usa", "cell")
    result = cli("intel", "export", exercise, "--as", "mis.placed")
    assert result.code == 1
    assert "reads as USA; your nation is TWN" in result.stderr
    assert SECRET_WORD not in result.stdout
