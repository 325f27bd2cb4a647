"""GeoJSON (RFC 7946) for the map: the scenario's geography and a cell's tracks.

Both functions are read paths of the releasability rule: they take the reader and emit only what
``can_read`` allows. Positions are ``[longitude, latitude]``; polygon rings are closed and their
exterior follows the right-hand rule (counter-clockwise), reoriented when the scenario wrote them
clockwise. Each collection carries its banner as a foreign member ``marking`` and each feature
its own in ``properties.marking``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jointex._errors import AccessDenied
from jointex.cop._symbols import cot_type
from jointex.cop._tracks import Track, readable_tracks
from jointex.markings import Marking, Reader, can_read, parse_marking, rollup
from jointex.scenario import Scenario, levels_of

__all__ = ["geography_geojson", "ring_area", "tracks_geojson"]

Position = tuple[float, float]


def ring_area(ring: Sequence[Position]) -> float:
    """Signed area of a lon/lat ring in square degrees (shoelace formula).

    Args:
        ring: positions, closed or not.

    Returns:
        Positive for a counter-clockwise ring, negative for a clockwise one.
    """
    total = 0.0
    count = len(ring)
    for index in range(count):
        x1, y1 = ring[index]
        x2, y2 = ring[(index + 1) % count]
        total += x1 * y2 - x2 * y1
    return total / 2.0


def _exterior(polygon: Sequence[Position]) -> list[list[float]]:
    """The ring closed and counter-clockwise, as GeoJSON positions."""
    ring = [(float(lon), float(lat)) for lon, lat in polygon]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    if ring_area(ring) < 0:
        ring.reverse()
    return [[lon, lat] for lon, lat in ring]


def _feature(
    feature_id: str, geometry: dict[str, Any], properties: dict[str, Any]
) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def geography_geojson(scenario: Scenario, reader: Reader) -> dict[str, Any]:
    """The scenario's areas, lines and points as a GeoJSON FeatureCollection.

    Areas are Polygons, lines LineStrings, points Points; properties ``id``, ``name``, ``kind``
    (``line`` for lines) and ``marking`` (the scenario's banner, the document they come from).

    Args:
        scenario: the scenario.
        reader: who will receive it.

    Returns:
        The FeatureCollection as JSON-ready dicts and lists.

    Raises:
        AccessDenied: the reader may not read the scenario's banner.
        MarkingError: the scenario's banner does not parse.
    """
    marking = parse_marking(scenario.marking, levels_of(scenario))
    if not can_read(reader, marking):
        raise AccessDenied(f"the reader may not read scenario {scenario.id!r}")
    banner = marking.banner()
    geography = scenario.geography
    features: list[dict[str, Any]] = []
    for area in geography.areas:
        features.append(
            _feature(
                area.id,
                {"type": "Polygon", "coordinates": [_exterior(area.polygon)]},
                {"id": area.id, "name": area.name, "kind": area.kind, "marking": banner},
            )
        )
    for line in geography.lines:
        features.append(
            _feature(
                line.id,
                {"type": "LineString", "coordinates": [[lon, lat] for lon, lat in line.points]},
                {"id": line.id, "name": line.name, "kind": "line", "marking": banner},
            )
        )
    for place in geography.points:
        lon, lat = place.position
        features.append(
            _feature(
                place.id,
                {"type": "Point", "coordinates": [lon, lat]},
                {"id": place.id, "name": place.name, "kind": place.kind, "marking": banner},
            )
        )
    return {"type": "FeatureCollection", "marking": banner, "features": features}


def tracks_geojson(tracks: Iterable[Track], reader: Reader) -> dict[str, Any]:
    """Tracks as a GeoJSON FeatureCollection of Points, only those the reader may read.

    Properties: ``id``, ``name``, ``sidc`` (exercise context), ``cot_type``, ``side``,
    ``nation``, ``marking`` (banner), ``source``, ``minute``, ``course``, ``speed``, and
    ``exercise: true``. The collection's ``marking`` is the roll-up of the tracks included (the
    lowest level when there are none).

    Args:
        tracks: tracks, e.g. from `tracks_for`; any the reader may not read are left out.
        reader: who will receive it.

    Returns:
        The FeatureCollection as JSON-ready dicts and lists.
    """
    shown = readable_tracks(tracks, reader)
    features = [
        _feature(
            track.id,
            {"type": "Point", "coordinates": [track.lon, track.lat]},
            {
                "id": track.id,
                "name": track.name,
                "sidc": track.sidc,
                "cot_type": cot_type(track.sidc),
                "side": track.side,
                "nation": track.nation,
                "marking": track.marking.banner(),
                "source": track.source,
                "minute": track.minute,
                "course": track.course,
                "speed": track.speed,
                "exercise": True,
            },
        )
        for track in shown
    ]
    banner = (
        rollup(track.marking for track in shown)
        if shown
        else Marking(reader.levels.lowest.name, levels=reader.levels)
    ).banner()
    return {"type": "FeatureCollection", "marking": banner, "features": features}
