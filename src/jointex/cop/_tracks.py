"""Tracks per cell: the cell's own forces and what intelligence products shared with its readers.

This module is a read path of JointEx's releasability rule: `tracks_for` returns only tracks the
reader may read (`jointex.markings.can_read`), and a track derived from an intelligence product
exists only when the reader may read the whole product. A partner's or the adversary's forces are
never put on a cell's picture because they are in the scenario; only a product that reports them
does that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from jointex._errors import ParameterError
from jointex.cop._symbols import exercise_sidc
from jointex.intel import IntelProduct, view_for
from jointex.markings import (
    Marking,
    Reader,
    can_read,
    parse_marking,
    rollup,
)
from jointex.scenario import Force, Scenario, levels_of

__all__ = [
    "OWN_FORCE",
    "UNKNOWN_SIDC",
    "Side",
    "Track",
    "readable_tracks",
    "tracks_for",
]

OWN_FORCE = "own-force"
"""`Track.source` of a track for one of the cell's own forces."""

UNKNOWN_SIDC = "10111000000000000000"
"""Symbol for a reported contact JointEx knows nothing more about: an exercise unknown land unit
without an icon (CoT ``a-u-G-U``), the frame TAK clients draw for "something is there"."""

Side = Literal["blue", "red", "neutral", "unknown"]


@dataclass(frozen=True, slots=True)
class Track:
    """One object on a cell's common operating picture. Immutable.

    Attributes:
        id: the track id (a force id, or the intelligence product's first linked track id, or
            the product id); the CoT uid and GeoJSON feature id are built from it.
        name: what to call it on the map (a force name or the product title).
        sidc: 2525D symbol code, always in exercise context (forced on construction).
        lon: longitude in degrees, -180 to 180.
        lat: latitude in degrees, -90 to 90.
        side: blue, red, neutral or unknown.
        nation: ISO 3166-1 alpha-3 code of the force's nation, or ``""`` when unknown.
        marking: who may read the track; every output checks it with `can_read`.
        source: `OWN_FORCE`, or the id of the intelligence product it was derived from.
        minute: scenario minute the position refers to.
        course: degrees true, if known.
        speed: knots, if known.

    Raises:
        ParameterError: an invalid SIDC, position, course or speed.
    """

    id: str
    name: str
    sidc: str
    lon: float
    lat: float
    side: Side
    nation: str
    marking: Marking
    source: str
    minute: int
    course: float | None = None
    speed: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sidc", exercise_sidc(self.sidc))
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ParameterError(f"track {self.id!r}: longitude {self.lon} outside -180..180")
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ParameterError(f"track {self.id!r}: latitude {self.lat} outside -90..90")
        if self.course is not None and not (
            math.isfinite(self.course) and 0.0 <= self.course < 360.0
        ):
            raise ParameterError(f"track {self.id!r}: course {self.course} outside 0..360")
        if self.speed is not None and not (math.isfinite(self.speed) and self.speed >= 0.0):
            raise ParameterError(f"track {self.id!r}: speed {self.speed} is negative")


def readable_tracks(tracks: Iterable[Track], reader: Reader) -> list[Track]:
    """The tracks the reader may read, in order; the filter every output of ``cop`` applies.

    Args:
        tracks: any tracks.
        reader: who will receive them.

    Returns:
        Those with ``can_read(reader, track.marking)``.
    """
    return [track for track in tracks if can_read(reader, track.marking)]


def tracks_for(
    scenario: Scenario,
    reader: Reader,
    cell_nation: str,
    products: Iterable[IntelProduct],
    minute: int,
) -> list[Track]:
    """The tracks a reader in a cell sees at a scenario minute.

    Two kinds of track:

    * the cell nation's own forces, at their bases, marked with the scenario's banner (the forces
      come from that document);
    * one per intelligence product published by ``minute`` that has a location, when the reader
      may see the product (`view_for`) and may read its whole banner: the location is product
      metadata without a portion mark of its own, so it is as sensitive as the most sensitive
      part of the product. A product whose title is readable but whose body is not gives no
      track; share a tearline instead. When the product links a scenario force (``track_ids``),
      the track takes that force's symbol, side and nation, and its marking is the roll-up of
      the product's banner and the scenario's. Several products about the same track id: the
      latest wins.

    Other nations' forces are never added from the scenario itself. The result holds only tracks
    ``reader`` may read (`can_read`), so ``reader`` decides even if ``cell_nation`` is another
    nation (the white cell looking at a national cell's picture).

    Args:
        scenario: the exercise's scenario.
        reader: who will see the tracks.
        cell_nation: ISO 3166-1 alpha-3 code of the cell whose own forces are shown.
        products: published intelligence products (any order).
        minute: the scenario minute; later products are ignored.

    Returns:
        Tracks ordered by id.

    Raises:
        MarkingError: the scenario's banner does not parse, or a product uses another ladder.
    """
    levels = levels_of(scenario)
    document = parse_marking(scenario.marking, levels)
    places = {place.id: place.position for place in scenario.geography.points}
    forces = {force.id: force for force in scenario.forces}
    nation = cell_nation.strip().upper()

    tracks: dict[str, Track] = {}
    for force in scenario.forces:
        if force.nation != nation or force.base not in places:
            continue
        lon, lat = places[force.base]
        tracks[force.id] = Track(
            id=force.id,
            name=force.name,
            sidc=force.sidc,
            lon=lon,
            lat=lat,
            side=force.side,
            nation=force.nation,
            marking=document,
            source=OWN_FORCE,
            minute=minute,
        )

    published = sorted(
        (p for p in products if p.minute <= minute and p.location is not None),
        key=lambda p: (p.minute, p.id),
    )
    for product in published:
        track = _product_track(product, reader, forces, document)
        if track is not None:
            tracks[track.id] = track
    return readable_tracks((tracks[key] for key in sorted(tracks)), reader)


def _product_track(
    product: IntelProduct, reader: Reader, forces: dict[str, Force], document: Marking
) -> Track | None:
    """The track a product gives this reader, or None when it gives none."""
    view = view_for(product, reader)
    if view is None or view.location is None or not can_read(reader, product.marking):
        return None
    lon, lat = view.location
    linked = next((forces[i] for i in view.track_ids if i in forces), None)
    track_id = view.track_ids[0] if view.track_ids else view.id
    if linked is None:
        return Track(
            id=track_id,
            name=view.title.content,
            sidc=UNKNOWN_SIDC,
            lon=lon,
            lat=lat,
            side="unknown",
            nation="",
            marking=product.marking,
            source=view.id,
            minute=view.minute,
        )
    return Track(
        id=linked.id,
        name=view.title.content,
        sidc=linked.sidc,
        lon=lon,
        lat=lat,
        side=linked.side,
        nation=linked.nation,
        marking=rollup([product.marking, document]),
        source=view.id,
        minute=view.minute,
    )
