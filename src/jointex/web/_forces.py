"""GeoJSON of a scenario's forces at their bases, for the map's 2525D symbols.

Forces carry no marking of their own: they are part of the scenario document, so each feature
and the collection carry the scenario's banner, and the caller must already have checked that the
reader may read it (as `jointex.cop.geography_geojson` does for the geography).
"""

from __future__ import annotations

from typing import Any

from jointex.scenario import Scenario

__all__ = ["forces_geojson"]


def forces_geojson(scenario: Scenario, banner: str) -> dict[str, Any]:
    """The scenario's forces as a GeoJSON FeatureCollection of Points at their base points.

    Properties: ``id``, ``name``, ``side``, ``nation``, ``sidc`` (as the scenario gives it),
    ``type``, ``count``, ``readiness``, ``base``, ``base_name``, ``base_kind`` and ``marking``.
    A force whose base is not one of the scenario's points is left out (``scenario validate``
    reports it as an error, so a loaded scenario has none).

    Args:
        scenario: the scenario, already known to be readable by whoever receives the result.
        banner: the scenario's banner, put on the collection and on every feature.

    Returns:
        The FeatureCollection as JSON-ready dicts and lists.
    """
    places = {place.id: place for place in scenario.geography.points}
    features: list[dict[str, Any]] = []
    for force in scenario.forces:
        place = places.get(force.base)
        if place is None:
            continue
        lon, lat = place.position
        features.append(
            {
                "type": "Feature",
                "id": force.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": force.id,
                    "name": force.name,
                    "side": force.side,
                    "nation": force.nation,
                    "sidc": force.sidc,
                    "type": force.type,
                    "count": force.count,
                    "readiness": force.readiness,
                    "base": place.id,
                    "base_name": place.name,
                    "base_kind": place.kind,
                    "marking": banner,
                },
            }
        )
    return {"type": "FeatureCollection", "marking": banner, "features": features}
