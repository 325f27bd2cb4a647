"""Tests for jointex.cop._tracks: own forces, intelligence-derived tracks, the access rule."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from jointex import AccessDenied, ParameterError
from jointex.cop import (
    OWN_FORCE,
    MemoryCotSink,
    Track,
    cot_event,
    stream_tracks,
    tracks_for,
    tracks_geojson,
)
from jointex.intel import IntelProduct
from jointex.markings import Reader, parse_marking
from jointex.scenario import Scenario
from tests.cop.data import SECRET_ID, SECRET_TITLE, product

NOW = datetime(2025, 3, 14, 0, 0, tzinfo=UTC)


def test_own_forces_at_bases(scenario: Scenario, twn: Reader) -> None:
    """A cell sees its own nation's forces, at their bases, and no other nation's."""
    tracks = tracks_for(scenario, twn, "TWN", [], minute=0)
    own = {f.id for f in scenario.forces if f.nation == "TWN"}
    assert {t.id for t in tracks} == own
    places = {p.id: p.position for p in scenario.geography.points}
    bases = {f.id: places[f.base] for f in scenario.forces}
    for track in tracks:
        assert (track.lon, track.lat) == bases[track.id]
        assert track.source == OWN_FORCE
        assert track.nation == "TWN"
        assert track.sidc[2] == "1"


def test_partner_forces_not_shared_automatically(scenario: Scenario, twn: Reader) -> None:
    """US and PLA forces are not on the Taiwan picture without a product that reports them."""
    ids = {t.id for t in tracks_for(scenario, twn, "TWN", [], minute=0)}
    assert not ids & {f.id for f in scenario.forces if f.nation != "TWN"}


def test_twn_never_gets_noforn_track(
    scenario: Scenario, twn: Reader, noforn: IntelProduct, shared: IntelProduct
) -> None:
    """A Taiwan reader gets the released product's track and nothing from the NOFORN one."""
    tracks = tracks_for(scenario, twn, "TWN", [noforn, shared], minute=600)
    assert SECRET_ID not in {t.source for t in tracks}
    assert "pla-destroyers" not in {t.id for t in tracks}
    released = next(t for t in tracks if t.source == "INT-REL-3")
    assert released.id == "pla-amphib"
    assert (released.lon, released.lat) == (119.9, 25.3)
    assert released.side == "red"
    assert released.marking == parse_marking("SECRET//REL TO USA, TWN")


def test_noforn_leaves_no_trace_in_outputs(
    scenario: Scenario, twn: Reader, noforn: IntelProduct, shared: IntelProduct
) -> None:
    """Neither the GeoJSON nor the CoT text for Taiwan mentions the NOFORN product's id or title."""
    tracks = tracks_for(scenario, twn, "TWN", [noforn, shared], minute=600)
    geojson = json.dumps(tracks_geojson(tracks, twn))
    sink = MemoryCotSink()
    stream_tracks(tracks, sink, twn, now=NOW)
    cot = "\n".join(sink.events)
    assert "INT-REL-3" in geojson
    assert "INT-REL-3" in cot
    for text in (geojson, cot):
        assert SECRET_ID not in text
        assert SECRET_TITLE not in text
        assert "NOFORN" not in text


def test_usa_reader_gets_noforn_track(
    scenario: Scenario, usa: Reader, noforn: IntelProduct
) -> None:
    """The owner nation's reader sees the NOFORN product's track, with the linked force's symbol."""
    tracks = tracks_for(scenario, usa, "USA", [noforn], minute=600)
    track = next(t for t in tracks if t.source == SECRET_ID)
    assert track.id == "pla-destroyers"
    assert track.name == SECRET_TITLE
    assert track.sidc == "10163000001202030000"
    assert track.marking == parse_marking("//USA SECRET//NOFORN")


def test_readable_title_unreadable_body_gives_no_track(scenario: Scenario, twn: Reader) -> None:
    """The location is as sensitive as the whole product: a NOFORN body withholds the track."""
    mixed = product(
        "INT-MIX-1",
        "SECRET//REL TO USA, TWN",
        "Surface group east of Hualien",
        body_marking="//USA SECRET//NOFORN",
    )
    assert mixed.marking == parse_marking("//USA SECRET//NOFORN")
    tracks = tracks_for(scenario, twn, "TWN", [mixed], minute=600)
    assert "INT-MIX-1" not in {t.source for t in tracks}
    assert "INT-MIX-1" not in {t.id for t in tracks}


def test_clearance_too_low_gives_no_track(scenario: Scenario, shared: IntelProduct) -> None:
    """A releasable product above the reader's clearance gives no track."""
    reader = Reader("TWN", "CONFIDENTIAL", cell="twn")
    tracks = tracks_for(scenario, reader, "TWN", [shared], minute=600)
    assert "INT-REL-3" not in {t.source for t in tracks}


def test_future_and_unlocated_products_ignored(
    scenario: Scenario, twn: Reader, shared: IntelProduct
) -> None:
    """Products published after the minute, or without a location, give no track."""
    later = replace(shared, minute=700)
    nowhere = replace(shared, id="INT-REL-4", location=None)
    tracks = tracks_for(scenario, twn, "TWN", [later, nowhere], minute=600)
    assert {t.source for t in tracks} == {OWN_FORCE}


def test_latest_product_wins(scenario: Scenario, twn: Reader, shared: IntelProduct) -> None:
    """Two readable products about the same track: the later position is shown, once."""
    newer = replace(shared, id="INT-REL-9", minute=120, location=(120.1, 25.0))
    tracks = tracks_for(scenario, twn, "TWN", [newer, shared], minute=600)
    amphib = [t for t in tracks if t.id == "pla-amphib"]
    assert len(amphib) == 1
    assert (amphib[0].source, amphib[0].lon, amphib[0].lat) == ("INT-REL-9", 120.1, 25.0)


def test_unlinked_product_is_unknown_contact(scenario: Scenario, twn: Reader) -> None:
    """A located product naming no scenario force becomes an unknown contact under its own id."""
    contact = product("INT-REL-5", "CONFIDENTIAL//REL TO TWN, USA", "Unidentified vessel")
    track = next(t for t in tracks_for(scenario, twn, "TWN", [contact], 600) if t.id == "INT-REL-5")
    assert track.side == "unknown"
    assert track.nation == ""
    assert track.sidc[2:4] == "11"


def test_unreadable_scenario_gives_no_own_tracks(scenario: Scenario) -> None:
    """Own-force tracks carry the scenario's banner, so a reader who cannot read it gets none."""
    secret = scenario.model_copy(update={"marking": "//USA SECRET//NOFORN"})
    assert tracks_for(secret, Reader("TWN", "TOP SECRET"), "TWN", [], minute=0) == []
    assert tracks_for(secret, Reader("USA", "SECRET"), "TWN", [], minute=0) != []


def test_track_validates_position(twn: Reader) -> None:
    """A track outside lon/lat range or with a bad SIDC cannot be built."""
    base = {
        "id": "x",
        "name": "x",
        "sidc": "10030100001101040000",
        "side": "blue",
        "nation": "TWN",
        "marking": parse_marking("UNCLASSIFIED"),
        "source": OWN_FORCE,
        "minute": 0,
    }
    with pytest.raises(ParameterError):
        Track(lon=181.0, lat=0.0, **base)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        Track(lon=0.0, lat=-91.0, **base)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        Track(lon=0.0, lat=0.0, **{**base, "sidc": "SFAPMFF---"})  # type: ignore[arg-type]
    assert Track(lon=0.0, lat=0.0, **base).sidc == "10130100001101040000"  # type: ignore[arg-type]


def test_cot_event_refuses_unreadable_track(
    scenario: Scenario, twn: Reader, usa: Reader, noforn: IntelProduct
) -> None:
    """cot_event raises AccessDenied for a track the reader may not read; streaming skips it."""
    track = next(
        t for t in tracks_for(scenario, usa, "USA", [noforn], 600) if t.id == "pla-destroyers"
    )
    with pytest.raises(AccessDenied):
        cot_event(track, twn, stale_seconds=60, now=NOW)
    sink = MemoryCotSink()
    assert stream_tracks([track], sink, twn, now=NOW) == 0
    assert sink.events == []
    assert tracks_geojson([track], twn)["features"] == []
