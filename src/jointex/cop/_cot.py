"""Cursor on Target (CoT 2.0) events for tracks, and the sinks that carry them to a TAK server.

Every event is marked as exercise traffic three ways, so that no consumer can mistake it for a
real-world track: the ``opex="e-JointEx"`` attribute (CoT 2.0: ``e-<nickname>`` is an exercise),
remarks that start with the classification banner and ``EXERCISE EXERCISE EXERCISE``, and a
2525D symbol code in exercise context. The event's ``access`` attribute carries the banner too.

An event looks like::

    <event version="2.0" uid="JointEx.twn-455tfw" type="a-f-A-M-F-F" how="m-c"
           time="2025-03-14T00:00:00Z" start="2025-03-14T00:00:00Z" stale="2025-03-14T00:05:00Z"
           opex="e-JointEx" qos="1-r-c" access="UNCLASSIFIED">
      <point lat="23.460000" lon="120.390000" hae="9999999.0" ce="9999999.0" le="9999999.0"/>
      <detail>
        <contact callsign="455th Tactical Fighter Wing (F-16V)"/>
        <__milsym id="10130100001101040000"/>
        <jointex sidc="10130100001101040000" marking="UNCLASSIFIED" source="own-force" .../>
        <remarks>UNCLASSIFIED EXERCISE EXERCISE EXERCISE 455th Tactical ...</remarks>
      </detail>
    </event>

``how`` is ``m-c`` (machine, configured: read from the scenario file) for own forces and ``h-t``
(human, transcribed) for positions taken from an intelligence product. Unknown height and errors
are CoT's ``9999999.0``.

This is a read path of the releasability rule: `cot_event` refuses a track the reader may not
read and `stream_tracks` sends only readable ones; the reader is whoever the sink delivers to.
`TcpCotSink` is the only code in ``cop`` that touches the network.
"""

from __future__ import annotations

import contextlib
import math
import re
import select
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from jointex._errors import AccessDenied, ParameterError
from jointex.cop._symbols import cot_type
from jointex.cop._tracks import OWN_FORCE, Track
from jointex.markings import Reader, can_read

__all__ = [
    "EXERCISE_OPEX",
    "EXERCISE_REMARK",
    "CotSink",
    "MemoryCotSink",
    "TcpCotSink",
    "cot_event",
    "stream_tracks",
]

EXERCISE_OPEX = "e-JointEx"
"""The CoT ``opex`` attribute of every JointEx event: ``e`` = exercise, nickname JointEx."""

EXERCISE_REMARK = "EXERCISE EXERCISE EXERCISE"
"""Said after the banner at the start of every event's remarks."""

_UNKNOWN = "9999999.0"  # CoT's value for an unknown height, circular or linear error
_QOS = "1-r-c"  # routine priority, replace older events of the uid, drop under congestion
_UID_PREFIX = "JointEx."
# XML 1.0 cannot carry these at all, not even escaped; they are replaced, not dropped, so that
# what was there stays visible.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cot_event(track: Track, reader: Reader, *, stale_seconds: float, now: datetime) -> str:
    """One track as a CoT 2.0 event, XML text with the declaration.

    ``time`` and ``start`` are ``now``, ``stale`` is ``now + stale_seconds``; all in UTC. Every
    text from the track is escaped by ElementTree, and characters XML cannot carry are replaced
    by U+FFFD.

    Args:
        track: the track.
        reader: who will receive the event.
        stale_seconds: how long the event stays valid, more than 0.
        now: the time the event is generated, timezone-aware.

    Returns:
        The event as a string.

    Raises:
        AccessDenied: the reader may not read the track.
        ParameterError: ``stale_seconds`` is not positive or ``now`` is naive.
    """
    if not can_read(reader, track.marking):
        raise AccessDenied("the reader may not read this track")
    if not (math.isfinite(stale_seconds) and stale_seconds > 0):
        raise ParameterError(f"stale_seconds must be more than 0, not {stale_seconds}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ParameterError("now must be timezone-aware (CoT times are UTC)")
    banner = track.marking.banner()
    stamp = _timestamp(now)
    event = ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": _text(_UID_PREFIX + track.id),
            "type": cot_type(track.sidc),
            "how": "m-c" if track.source == OWN_FORCE else "h-t",
            "time": stamp,
            "start": stamp,
            "stale": _timestamp(now + timedelta(seconds=stale_seconds)),
            "opex": EXERCISE_OPEX,
            "qos": _QOS,
            "access": banner,
        },
    )
    ET.SubElement(
        event,
        "point",
        {
            "lat": f"{track.lat:.6f}",
            "lon": f"{track.lon:.6f}",
            "hae": _UNKNOWN,
            "ce": _UNKNOWN,
            "le": _UNKNOWN,
        },
    )
    detail = ET.SubElement(event, "detail")
    ET.SubElement(detail, "contact", {"callsign": _text(track.name)})
    ET.SubElement(detail, "__milsym", {"id": track.sidc})
    if track.course is not None or track.speed is not None:
        motion = {}
        if track.course is not None:
            motion["course"] = f"{track.course:.1f}"
        if track.speed is not None:
            # CoT's track speed is in metres per second; Track.speed is knots.
            motion["speed"] = f"{track.speed * 1852.0 / 3600.0:.2f}"
        ET.SubElement(detail, "track", motion)
    ET.SubElement(
        detail,
        "jointex",
        {
            "sidc": track.sidc,
            "marking": banner,
            "source": _text(track.source),
            "side": track.side,
            "nation": track.nation,
            "minute": str(track.minute),
        },
    )
    source = "own force" if track.source == OWN_FORCE else f"from {track.source}"
    remarks = ET.SubElement(detail, "remarks")
    remarks.text = _text(f"{banner} {EXERCISE_REMARK} {track.name} ({source})")
    body = ET.tostring(event, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


class CotSink(Protocol):
    """Where CoT events go: a TAK server, a file, a list in a test."""

    def send(self, event: str) -> None:
        """Deliver one event (XML text)."""
        ...

    def close(self) -> None:
        """Release whatever the sink holds; sending after closing is an error."""
        ...


class MemoryCotSink:
    """A sink that keeps the events in a list, for tests and previews.

    Attributes:
        events: every event sent, in order.
        closed: whether `close` was called.
    """

    def __init__(self) -> None:
        self.events: list[str] = []
        self.closed = False

    def send(self, event: str) -> None:
        """Append the event to ``events``.

        Raises:
            ParameterError: the sink is closed.
        """
        if self.closed:
            raise ParameterError("the CoT sink is closed")
        self.events.append(event)

    def close(self) -> None:
        """Mark the sink closed."""
        self.closed = True


class TcpCotSink:
    """Streams events to a TAK server over plain TCP (``tcp://host:8087``), one after another.

    The connection opens on the first `send`. Before each send the sink checks whether the
    server has closed the connection (anything the server sends is read and discarded: the sink
    only writes); if so, or if a send fails, it reconnects and sends again, waiting
    ``backoff * 2**n`` seconds (at most ``max_backoff``) before reconnect attempt ``n + 1``, up to
    ``attempts`` tries per event.

    Args:
        url: ``tcp://host:port``.
        timeout: seconds to wait for a connection or a blocked send.
        attempts: connection or send tries per event before giving up, at least 1.
        backoff: first wait in seconds before a reconnect.
        max_backoff: the longest wait.
        sleep: how to wait (injected so tests need not).

    Raises:
        ParameterError: the URL is not ``tcp://host:port`` or a number is out of range.
    """

    def __init__(
        self,
        url: str = "tcp://127.0.0.1:8087",
        *,
        timeout: float = 10.0,
        attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError as exc:
            raise ParameterError(f"bad port in CoT URL {url!r}") from exc
        if parts.scheme != "tcp" or not parts.hostname or port is None:
            raise ParameterError(f"CoT URL must look like tcp://host:8087, not {url!r}")
        if attempts < 1 or timeout <= 0 or backoff < 0 or max_backoff < 0:
            raise ParameterError("attempts must be >= 1, timeout > 0, backoffs >= 0")
        self.url = url
        self.host: str = parts.hostname
        self.port: int = port
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.connections = 0
        """How many connections the sink has opened (reconnects included)."""
        self._sleep = sleep
        self._socket: socket.socket | None = None
        self._closed = False

    def send(self, event: str) -> None:
        """Send one event, reconnecting with backoff when the connection is gone.

        Raises:
            ParameterError: the sink is closed.
            ConnectionError: no connection could carry the event after ``attempts`` tries.
        """
        if self._closed:
            raise ParameterError("the CoT sink is closed")
        data = event.encode("utf-8")
        failure: OSError | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            try:
                connection = self._connection()
                connection.sendall(data)
            except OSError as exc:
                failure = exc
                self._drop()
                continue
            return
        raise ConnectionError(
            f"could not send a CoT event to {self.url} after {self.attempts} tries: {failure}"
        ) from failure

    def close(self) -> None:
        """Close the connection; further sends raise."""
        self._closed = True
        self._drop()

    def __enter__(self) -> TcpCotSink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connection(self) -> socket.socket:
        if self._socket is not None and self._peer_closed(self._socket):
            self._drop()
        if self._socket is None:
            self._socket = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self.connections += 1
        return self._socket

    @staticmethod
    def _peer_closed(connection: socket.socket) -> bool:
        """Whether the server has closed the connection; drains what it sent meanwhile."""
        try:
            while True:
                readable, _, _ = select.select([connection], [], [], 0)
                if not readable:
                    return False
                if not connection.recv(65536):
                    return True
        except OSError:
            return True

    def _drop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None


def stream_tracks(
    tracks: Iterable[Track],
    sink: CotSink,
    reader: Reader,
    *,
    now: datetime,
    stale_seconds: float = 300.0,
) -> int:
    """Send each track the reader may read to the sink as a CoT event; skip the others.

    Args:
        tracks: the tracks, e.g. from `tracks_for`.
        sink: where events go.
        reader: who receives what the sink delivers (the audience of the TAK server).
        now: the time the events are generated, timezone-aware.
        stale_seconds: validity of each event.

    Returns:
        How many events were sent.

    Raises:
        ParameterError: see `cot_event`.
        ConnectionError: a network sink gave up (see `TcpCotSink.send`).
    """
    sent = 0
    for track in tracks:
        if not can_read(reader, track.marking):
            continue
        sink.send(cot_event(track, reader, stale_seconds=stale_seconds, now=now))
        sent += 1
    return sent
