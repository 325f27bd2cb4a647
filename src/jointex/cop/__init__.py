"""The common operating picture: tracks per cell, CoT events, GeoJSON and 2525D symbol codes.

``cop`` is a read path of the releasability rule (``jointex.markings.can_read``): every function
that returns data for someone takes the `Reader` and leaves out what the reader may not read, and
a track derived from an intelligence product exists only for readers of the whole product. The
flow:

>>> from datetime import UTC, datetime
>>> from jointex.cop import MemoryCotSink, stream_tracks, tracks_for
>>> from jointex.markings import Reader
>>> from jointex.scenario import resolve
>>> scenario = resolve("grey-zone-surge")
>>> reader = Reader("TWN", "SECRET", cell="twn")
>>> tracks = tracks_for(scenario, reader, "TWN", products=[], minute=0)
>>> sink = MemoryCotSink()
>>> stream_tracks(tracks, sink, reader, now=datetime(2025, 3, 13, 22, tzinfo=UTC)) == len(tracks)
True

Everything here is pure except `TcpCotSink`, the injected network sink.
"""

from jointex.cop._cot import (
    EXERCISE_OPEX,
    EXERCISE_REMARK,
    CotSink,
    MemoryCotSink,
    TcpCotSink,
    cot_event,
    stream_tracks,
)
from jointex.cop._geojson import geography_geojson, ring_area, tracks_geojson
from jointex.cop._symbols import EXERCISE_CONTEXT, Sidc, cot_type, exercise_sidc, parse_sidc
from jointex.cop._tracks import (
    OWN_FORCE,
    UNKNOWN_SIDC,
    Side,
    Track,
    readable_tracks,
    tracks_for,
)

__all__ = [
    "EXERCISE_CONTEXT",
    "EXERCISE_OPEX",
    "EXERCISE_REMARK",
    "OWN_FORCE",
    "UNKNOWN_SIDC",
    "CotSink",
    "MemoryCotSink",
    "Sidc",
    "Side",
    "TcpCotSink",
    "Track",
    "cot_event",
    "cot_type",
    "exercise_sidc",
    "geography_geojson",
    "parse_sidc",
    "readable_tracks",
    "ring_area",
    "stream_tracks",
    "tracks_for",
    "tracks_geojson",
]
