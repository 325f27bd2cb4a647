"""Tests for jointex.cop._geojson: RFC 7946 geography and track collections."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jointex import AccessDenied
from jointex.cop import geography_geojson, ring_area, tracks_for, tracks_geojson
from jointex.markings import Reader
from jointex.scenario import Area, Scenario


def _positions(geometry: dict[str, Any]) -> list[list[float]]:
    kind = geometry["type"]
    if kind == "Point":
        return [geometry["coordinates"]]
    if kind == "LineString":
        return list(geometry["coordinates"])
    assert kind == "Polygon"
    return [p for ring in geometry["coordinates"] for p in ring]


def test_flagship_geography_converts_whole(scenario: Scenario, twn: Reader) -> None:
    """Every area, line and point of grey-zone-surge becomes a feature of the right geometry."""
    collection = geography_geojson(scenario, twn)
    assert collection["type"] == "FeatureCollection"
    geography = scenario.geography
    by_type: dict[str, set[str]] = {"Polygon": set(), "LineString": set(), "Point": set()}
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["id"] == feature["properties"]["id"]
        assert set(feature["properties"]) == {"id", "name", "kind", "marking"}
        by_type[feature["geometry"]["type"]].add(feature["id"])
    assert by_type["Polygon"] == {a.id for a in geography.areas}
    assert by_type["LineString"] == {line.id for line in geography.lines}
    assert by_type["Point"] == {p.id for p in geography.points}
    assert json.loads(json.dumps(collection)) == collection


def test_rings_closed_counter_clockwise_lon_lat(scenario: Scenario, twn: Reader) -> None:
    """Every ring is closed and counter-clockwise; every position is [lon, lat] within range."""
    collection = geography_geojson(scenario, twn)
    for feature in collection["features"]:
        geometry = feature["geometry"]
        for lon, lat in _positions(geometry):
            assert -180 <= lon <= 180
            assert -90 <= lat <= 90
        if geometry["type"] == "Polygon":
            for ring in geometry["coordinates"]:
                assert len(ring) >= 4
                assert ring[0] == ring[-1]
                assert ring_area([(p[0], p[1]) for p in ring]) > 0
    taipei = next(f for f in collection["features"] if f["id"] == "taipei")
    assert taipei["geometry"]["coordinates"] == [121.56, 25.04]


def test_clockwise_area_reoriented_and_closed(scenario: Scenario, twn: Reader) -> None:
    """A clockwise, unclosed polygon is written closed and counter-clockwise."""
    clockwise = ((120.0, 22.0), (120.0, 23.0), (121.0, 23.0), (121.0, 22.0))
    assert ring_area(clockwise) < 0
    area = Area.model_construct(id="cw", name="Clockwise box", kind="zone", polygon=clockwise)
    geography = scenario.geography.model_copy(update={"areas": (area,)})
    custom = scenario.model_copy(update={"geography": geography})
    feature = next(f for f in geography_geojson(custom, twn)["features"] if f["id"] == "cw")
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [120.0, 22.0]
    assert ring_area([(p[0], p[1]) for p in ring]) == pytest.approx(1.0)
    assert {tuple(p) for p in ring} == set(clockwise)


def test_geography_needs_readable_scenario(scenario: Scenario) -> None:
    """A reader who may not read the scenario's banner gets AccessDenied, not its geography."""
    secret = scenario.model_copy(update={"marking": "//USA SECRET//NOFORN"})
    with pytest.raises(AccessDenied):
        geography_geojson(secret, Reader("TWN", "TOP SECRET"))
    collection = geography_geojson(secret, Reader("USA", "SECRET"))
    assert collection["marking"] == "//USA SECRET//NOFORN"


def test_tracks_geojson_properties(scenario: Scenario, twn: Reader) -> None:
    """Track features are Points at [lon, lat] with id, name, sidc, side, banner and source."""
    tracks = tracks_for(scenario, twn, "TWN", [], minute=0)
    collection = tracks_geojson(tracks, twn)
    assert len(collection["features"]) == len(tracks)
    assert collection["marking"] == "UNCLASSIFIED"
    for track, feature in zip(tracks, collection["features"], strict=True):
        assert feature["geometry"] == {"type": "Point", "coordinates": [track.lon, track.lat]}
        props = feature["properties"]
        assert props["id"] == track.id
        assert props["name"] == track.name
        assert props["sidc"] == track.sidc
        assert props["sidc"][2] == "1"
        assert props["side"] == "blue"
        assert props["marking"] == "UNCLASSIFIED"
        assert props["source"] == "own-force"
        assert props["cot_type"].startswith("a-f-")


def test_empty_tracks_collection(twn: Reader) -> None:
    """No readable tracks: an empty collection marked at the lowest level."""
    assert tracks_geojson([], twn) == {
        "type": "FeatureCollection",
        "marking": "UNCLASSIFIED",
        "features": [],
    }
