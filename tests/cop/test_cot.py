"""Tests for jointex.cop._cot: CoT events, the memory sink, the TCP sink against a real server."""

from __future__ import annotations

import queue
import socket
import socketserver
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from jointex import ParameterError
from jointex.cop import (
    EXERCISE_OPEX,
    MemoryCotSink,
    TcpCotSink,
    Track,
    cot_event,
    stream_tracks,
    tracks_for,
)
from jointex.intel import IntelProduct
from jointex.markings import Reader
from jointex.scenario import Scenario

NOW = datetime(2025, 3, 14, 6, 0, tzinfo=timezone(timedelta(hours=8)))


def _time(text: str) -> datetime:
    assert text.endswith("Z")
    return datetime.fromisoformat(text[:-1] + "+00:00")


@pytest.fixture
def fighter(scenario: Scenario, twn: Reader) -> Track:
    """The 455th wing's own-force track."""
    return next(t for t in tracks_for(scenario, twn, "TWN", [], 0) if t.id == "twn-455tfw")


def test_event_parses_with_ordered_times(fighter: Track, twn: Reader) -> None:
    """The event parses back; time <= start < stale, in UTC, stale after stale_seconds."""
    root = ET.fromstring(cot_event(fighter, twn, stale_seconds=300, now=NOW))
    assert root.tag == "event"
    assert root.get("version") == "2.0"
    time, start, stale = (_time(root.get(k, "")) for k in ("time", "start", "stale"))
    assert time <= start < stale
    assert time == NOW
    assert stale - start == timedelta(seconds=300)
    assert root.get("time") == "2025-03-13T22:00:00.000Z"


def test_event_attributes_and_point(fighter: Track, twn: Reader) -> None:
    """uid, type, how, opex, qos, access and the point carry the track."""
    root = ET.fromstring(cot_event(fighter, twn, stale_seconds=60, now=NOW))
    assert root.get("uid") == "JointEx.twn-455tfw"
    assert root.get("type") == "a-f-A-M-F-F"
    assert root.get("how") == "m-c"
    assert root.get("opex") == EXERCISE_OPEX == "e-JointEx"
    assert root.get("qos") == "1-r-c"
    assert root.get("access") == "UNCLASSIFIED"
    point = root.find("point")
    assert point is not None
    assert float(point.get("lat", "")) == pytest.approx(fighter.lat)
    assert float(point.get("lon", "")) == pytest.approx(fighter.lon)
    assert {"hae", "ce", "le"} <= set(point.keys())


def test_event_detail_marks_exercise(fighter: Track, twn: Reader) -> None:
    """Remarks start with the banner then EXERCISE x3; the SIDC in detail is in exercise context."""
    root = ET.fromstring(cot_event(fighter, twn, stale_seconds=60, now=NOW))
    remarks = root.findtext("detail/remarks") or ""
    assert remarks.startswith("UNCLASSIFIED EXERCISE EXERCISE EXERCISE ")
    milsym = root.find("detail/__milsym")
    jointex = root.find("detail/jointex")
    assert milsym is not None
    assert jointex is not None
    assert milsym.get("id") == jointex.get("sidc") == "10130100001101040000"
    assert jointex.get("marking") == "UNCLASSIFIED"
    assert root.find("detail/contact") is not None
    assert root.find("detail/contact").get("callsign") == fighter.name  # type: ignore[union-attr]


def test_event_for_shared_product(scenario: Scenario, twn: Reader, shared: IntelProduct) -> None:
    """A released product's track: hostile amphibious type, h-t, banner in access and remarks."""
    track = next(t for t in tracks_for(scenario, twn, "TWN", [shared], 600) if t.id == "pla-amphib")
    root = ET.fromstring(cot_event(track, twn, stale_seconds=60, now=NOW))
    assert root.get("type") == "a-h-S-C-A"
    assert root.get("how") == "h-t"
    assert root.get("access") == "SECRET//REL TO USA, TWN"
    remarks = root.findtext("detail/remarks") or ""
    assert remarks.startswith("SECRET//REL TO USA, TWN EXERCISE EXERCISE EXERCISE ")
    assert "INT-REL-3" in remarks


def test_event_escapes_text(fighter: Track, twn: Reader) -> None:
    """Markup and characters XML cannot hold in a name survive as text, never as structure."""
    hostile = replace(fighter, name='<detail a="1">&\x00"\'\n', course=90.0, speed=10.0)
    text = cot_event(hostile, twn, stale_seconds=60, now=NOW)
    root = ET.fromstring(text)
    assert root.find("detail/contact").get("callsign") == '<detail a="1">&\ufffd"\'\n'  # type: ignore[union-attr]
    assert len(root.findall("detail")) == 1
    motion = root.find("detail/track")
    assert motion is not None
    assert motion.get("course") == "90.0"
    assert float(motion.get("speed", "")) == pytest.approx(5.14, abs=0.01)


def test_event_rejects_bad_times(fighter: Track, twn: Reader) -> None:
    """A naive 'now' or a non-positive stale time is a ParameterError."""
    with pytest.raises(ParameterError):
        cot_event(fighter, twn, stale_seconds=60, now=datetime(2025, 3, 14))
    with pytest.raises(ParameterError):
        cot_event(fighter, twn, stale_seconds=0, now=NOW)


def test_memory_sink_stream(scenario: Scenario, twn: Reader) -> None:
    """stream_tracks sends one parseable event per readable track and counts them."""
    tracks = tracks_for(scenario, twn, "TWN", [], 0)
    sink = MemoryCotSink()
    assert stream_tracks(tracks, sink, twn, now=NOW, stale_seconds=120) == len(tracks)
    uids = [ET.fromstring(e).get("uid") for e in sink.events]
    assert uids == [f"JointEx.{t.id}" for t in tracks]
    sink.close()
    with pytest.raises(ParameterError):
        sink.send(sink.events[0])


class _Collector(socketserver.BaseRequestHandler):
    """Reads CoT events from one connection; hangs up after ``drop_after`` events if set."""

    server: _Server

    def handle(self) -> None:
        buffer = b""
        count = 0
        while True:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while b"</event>" in buffer:
                event, buffer = buffer.split(b"</event>", 1)
                self.server.events.put(event.decode("utf-8").strip() + "</event>")
                count += 1
                if self.server.drop_after is not None and count >= self.server.drop_after:
                    self.server.drop_after = None  # only the first connection is dropped
                    self.request.shutdown(socket.SHUT_RDWR)
                    self.request.close()
                    self.server.dropped.set()
                    return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, drop_after: int | None) -> None:
        super().__init__(("127.0.0.1", 0), _Collector)
        self.events: queue.Queue[str] = queue.Queue()
        self.drop_after = drop_after
        self.dropped = threading.Event()


def _serve(drop_after: int | None) -> Iterator[_Server]:
    server = _Server(drop_after)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[_Server]:
    """A local CoT collector on 127.0.0.1 that keeps connections open."""
    yield from _serve(None)


@pytest.fixture
def dropping_server() -> Iterator[_Server]:
    """A local CoT collector that hangs up the first connection after one event."""
    yield from _serve(1)


def _url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"tcp://{host!s}:{port}"


def test_tcp_sink_delivers(scenario: Scenario, twn: Reader, server: _Server) -> None:
    """Events streamed to a real TCP server arrive whole and in order over one connection."""
    tracks = tracks_for(scenario, twn, "TWN", [], 0)
    with TcpCotSink(_url(server), sleep=lambda _: None) as sink:
        assert stream_tracks(tracks, sink, twn, now=NOW) == len(tracks)
        received = [server.events.get(timeout=10) for _ in tracks]
        assert sink.connections == 1
    uids = [ET.fromstring(e.split("?>", 1)[1]).get("uid") for e in received]
    assert uids == [f"JointEx.{t.id}" for t in tracks]


def test_tcp_sink_reconnects(fighter: Track, twn: Reader, dropping_server: _Server) -> None:
    """After the server drops the connection, the next event goes over a new connection."""
    waits: list[float] = []
    sink = TcpCotSink(_url(dropping_server), sleep=waits.append)
    first = cot_event(fighter, twn, stale_seconds=60, now=NOW)
    second = cot_event(replace(fighter, id="second"), twn, stale_seconds=60, now=NOW)
    sink.send(first)
    assert 'uid="JointEx.twn-455tfw"' in dropping_server.events.get(timeout=10)
    assert dropping_server.dropped.wait(timeout=10)
    sink.send(second)
    assert 'uid="JointEx.second"' in dropping_server.events.get(timeout=10)
    assert sink.connections == 2
    sink.close()
    with pytest.raises(ParameterError):
        sink.send(first)


def test_tcp_sink_backs_off_then_gives_up(fighter: Track, twn: Reader) -> None:
    """With nothing listening, the sink retries with doubling waits and raises ConnectionError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    sink = TcpCotSink(
        f"tcp://127.0.0.1:{port}", attempts=4, backoff=0.5, max_backoff=1.5, sleep=waits.append
    )
    with pytest.raises(ConnectionError):
        sink.send(cot_event(fighter, twn, stale_seconds=60, now=NOW))
    assert waits == [0.5, 1.0, 1.5]
    sink.close()


@pytest.mark.parametrize(
    "url", ["http://host:8087", "tcp://host", "tcp://:8087", "tcp://host:notaport", "host:8087"]
)
def test_tcp_sink_rejects_bad_urls(url: str) -> None:
    """Only tcp://host:port is accepted."""
    with pytest.raises(ParameterError):
        TcpCotSink(url)
