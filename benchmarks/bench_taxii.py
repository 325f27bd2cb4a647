"""Paging through a TAXII 2.1 collection with taxii2-client: JointEx against medallion 3.0.

Run with ``python benchmarks/bench_taxii.py [--objects 50000] [--medallion-objects 5000]``.

Both servers run on 127.0.0.1 in this one run and serve the same synthetic STIX 2.1 objects
(indicators and notes, each with a JointEx marking); the client is taxii2-client's
``as_pages(collection.get_objects, per_request=PAGE)`` against both, with the same page size,
counting every object received and checking that both servers returned the same ids.

- **JointEx**: `jointex.api.create_taxii_app` over a `MemoryIntelSource`, in uvicorn on a thread
  of this process, HTTP Basic authentication against `Accounts` (argon2, default parameters) on
  a temporary SQLite file. Every object passes `can_read` for the user (USA, TOP SECRET; the
  markings are chosen so that the user may read all of them and both servers return N objects).
  Timed at 5,000, 10,000 and ``--objects`` objects, each in its own collection, to show that
  the time grows linearly with N. ``cold`` is the first pass over a collection (it builds the
  collection's index and the reader's view and serialises each object); ``warm`` is the best of
  two further passes. The generated objects are garbage-collected and frozen (``gc.freeze``)
  before timing, the steady state of a long-running server (``--no-gc-freeze`` leaves them to
  the collector: full collections over the growing heap then add about 30% at 50,000).
- **Peer**: medallion 3.0, the OASIS reference TAXII server, memory backend, Flask's server, in a
  subprocess of the Python in ``--medallion-venv`` (default ``/tmp/medallion-venv``; it is kept
  out of JointEx's environment because it pins Flask-era dependencies). Create it with::

      python3 -m venv /tmp/medallion-venv
      /tmp/medallion-venv/bin/pip install medallion taxii2-client

  Its time grows with the square of N, so it is measured at ``--medallion-objects``.
  When the venv is missing the benchmark says so and reports JointEx alone.

Targets (docs/architecture.md): >= 100x medallion at 5,000 objects; >= 10,000 objects/s at
50,000 with time linear in N.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import uvicorn
from fastapi import FastAPI
from taxii2client.v21 import Collection, as_pages

from jointex.api import ApiRoot, CollectionSpec, MemoryIntelSource, create_taxii_app
from jointex.markings import Marking, parse_marking
from jointex.store import Accounts

ROOT = "bench"
USER = "bench.analyst"
PASSWORD = "benchmark passphrase 2026"
START = datetime(2026, 1, 5, tzinfo=UTC)
TAXII_21 = "application/taxii+json;version=2.1"
STIX_21 = "application/stix+json;version=2.1"
# All readable by a USA TOP SECRET reader, so both servers hand out every object.
BANNERS = (
    "SECRET//REL TO USA, TWN",
    "//USA SECRET//NOFORN",
    "UNCLASSIFIED",
    "TOP SECRET//REL TO USA, GBR",
    "CONFIDENTIAL//REL TO USA, TWN, JPN",
)

Rows = list[tuple[dict[str, Any], Marking]]


@dataclass(frozen=True)
class Timing:
    """One pass of as_pages over a collection."""

    server: str
    objects: int
    seconds: float
    label: str = ""

    @property
    def rate(self) -> float:
        """Objects received per second."""
        return self.objects / self.seconds


def synthetic_objects(count: int, seed: int) -> Rows:
    """``count`` STIX 2.1 indicators and notes (one in five a note), each with a marking."""
    markings = [parse_marking(b) for b in BANNERS]
    rows = []
    for n in range(count):
        created = (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        object_id = str(uuid.UUID(int=(seed << 64) + n + 1))
        marking = markings[n % len(markings)]
        obj: dict[str, Any] = {
            "type": "note" if n % 5 == 0 else "indicator",
            "spec_version": "2.1",
            "id": "",
            "created": created,
            "modified": created,
            "x_jointex_marking": marking.banner(),
        }
        if obj["type"] == "indicator":
            obj["id"] = f"indicator--{object_id}"
            obj["name"] = f"Grey-zone sortie track {n}"
            obj["pattern"] = f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']"
            obj["pattern_type"] = "stix"
            obj["valid_from"] = created
        else:
            obj["id"] = f"note--{object_id}"
            obj["content"] = f"ADIZ entry {n}: two J-16 fighters, median line crossed"
            obj["object_refs"] = [f"indicator--{uuid.UUID(int=(seed << 64) + n + 2)}"]
        rows.append((obj, marking))
    return rows


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def page_through(url: str, page: int, auth: tuple[str, str]) -> tuple[float, list[str]]:
    """Seconds to page through a collection with as_pages, and the ids received."""
    collection = Collection(url, user=auth[0], password=auth[1])
    collection.refresh()  # collection information, outside the timed loop
    ids: list[str] = []
    start = time.perf_counter()
    for envelope in as_pages(collection.get_objects, per_request=page):
        ids.extend(obj["id"] for obj in envelope.get("objects", []))
    elapsed = time.perf_counter() - start
    collection.close()
    return elapsed, ids


# -- JointEx ------------------------------------------------------------------------------------


@contextmanager
def jointex_server(
    sizes: list[int], page: int, workdir: Path, freeze: bool = True
) -> Iterator[tuple[str, dict[int, Rows]]]:
    """Run JointEx's TAXII server with one collection per size; yield its URL and the objects."""
    accounts = Accounts.open(f"sqlite:///{workdir / 'jointex.db'}")
    accounts.add_user(USER, PASSWORD, "USA", "TOP SECRET", memberships=[(ROOT, "blue", "cell")])
    source = MemoryIntelSource()
    source.add_api_root(ApiRoot(ROOT, "Benchmark exercise"))
    loaded: dict[int, Rows] = {}
    for size in sizes:
        rows = synthetic_objects(size, seed=size)
        source.add_collection(ROOT, CollectionSpec(f"objects-{size}", f"{size} objects"))
        source.load(ROOT, f"objects-{size}", rows, start=START, step=timedelta(seconds=1))
        loaded[size] = rows
    # The setup's garbage (tens of thousands of generated dicts) is collected and frozen now, so
    # that a full collection of it does not land in one timed pass: a long-running server is
    # in that steady state.
    gc.collect()
    if freeze:
        gc.freeze()
    app = FastAPI()
    app.mount("/taxii2", create_taxii_app(source, accounts, max_page_size=page))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the JointEx server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/taxii2/{ROOT}/collections/", loaded
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        accounts.close()


# -- medallion ----------------------------------------------------------------------------------


def medallion_data(rows: Rows, port: int) -> dict[str, Any]:
    """medallion's configuration with its memory backend's data inline."""
    objects = [obj for obj, _ in rows]
    manifest = [
        {
            "id": obj["id"],
            "date_added": (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            "version": obj["modified"],
            "media_type": STIX_21,
        }
        for n, obj in enumerate(objects)
    ]
    return {
        "/discovery": {
            "title": "medallion benchmark",
            "api_roots": [f"http://127.0.0.1:{port}/{ROOT}/"],
        },
        ROOT: {
            "information": {
                "title": "Benchmark exercise",
                "versions": [TAXII_21],
                "max_content_length": 10 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": f"objects-{len(rows)}",
                    "title": f"{len(rows)} objects",
                    "can_read": True,
                    "can_write": False,
                    "media_types": [STIX_21],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }


@contextmanager
def medallion_server(python: Path, rows: Rows, page: int, workdir: Path) -> Iterator[str]:
    """Run medallion 3.0 (memory backend) in a subprocess; yield its collections URL."""
    port = free_port()
    data_file = workdir / "medallion-data.json"
    data_file.write_text(json.dumps(medallion_data(rows, port)))
    config_file = workdir / "medallion-config.json"
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
            "session_timeout": 3600,
        },
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": page},
    }
    config_file.write_text(json.dumps(config))
    command = [
        str(python), "-m", "medallion.scripts.run",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "ERROR", str(config_file),
    ]  # fmt: skip
    log = (workdir / "medallion.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    url = f"http://127.0.0.1:{port}/{ROOT}/collections/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"medallion exited with {process.returncode}; see {workdir / 'medallion.log'}"
                )
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/taxii2/",
                    auth=(USER, PASSWORD),
                    headers={"Accept": TAXII_21},
                    timeout=2,
                )
                if response.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("medallion did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def medallion_python(venv: Path) -> Path | None:
    """The medallion venv's Python, if medallion and taxii2-client are installed in it."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    check = subprocess.run(
        [str(python), "-c", "import medallion, taxii2client"],
        capture_output=True,
        check=False,
    )
    return python if check.returncode == 0 else None


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    """Run both servers, page through them, print objects/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=50_000, help="JointEx's largest size")
    parser.add_argument("--medallion-objects", type=int, default=5_000, help="medallion's size")
    parser.add_argument("--page-size", type=int, default=1_000, help="limit per request, both")
    parser.add_argument(
        "--medallion-venv", type=Path, default=Path("/tmp/medallion-venv"), help="peer's venv"
    )
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="leave the generated objects to the GC"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()

    page = args.page_size
    sizes = sorted({5_000, 10_000, args.objects, args.medallion_objects})
    timings: list[Timing] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        workdir = Path(tmp)
        with jointex_server(sizes, page, workdir, not args.no_gc_freeze) as (base, loaded):
            for size in sizes:
                cold, ids = page_through(f"{base}objects-{size}/", page, (USER, PASSWORD))
                expected = [obj["id"] for obj, _ in loaded[size]]
                if ids != expected:
                    raise SystemExit(f"JointEx returned {len(ids)} objects, not the {size} loaded")
                warm = min(
                    page_through(f"{base}objects-{size}/", page, (USER, PASSWORD))[0]
                    for _ in range(2)
                )
                timings.append(Timing("JointEx", size, cold, "cold"))
                timings.append(Timing("JointEx", size, warm, "warm"))
            peer_rows = loaded[args.medallion_objects]

        python = medallion_python(args.medallion_venv)
        peer: Timing | None = None
        if python is None:
            notes.append(
                f"PEER UNAVAILABLE: no medallion in {args.medallion_venv}. Create it with:\n"
                f"  python3 -m venv {args.medallion_venv}\n"
                f"  {args.medallion_venv}/bin/pip install medallion taxii2-client\n"
                "JointEx figures only; no ratio."
            )
        else:
            with medallion_server(python, peer_rows, page, workdir) as url:
                seconds, ids = page_through(
                    f"{url}objects-{len(peer_rows)}/", page, (USER, PASSWORD)
                )
            if sorted(ids) != sorted(obj["id"] for obj, _ in peer_rows):
                raise SystemExit(f"medallion returned {len(ids)} objects, not {len(peer_rows)}")
            peer = Timing("medallion 3.0", len(peer_rows), seconds, "")

    report(args, timings, peer, notes)


def report(
    args: argparse.Namespace, timings: list[Timing], peer: Timing | None, notes: list[str]
) -> None:
    """Print the figures (text, or JSON with --json)."""
    cold = {t.objects: t for t in timings if t.label == "cold"}
    warm = {t.objects: t for t in timings if t.label == "warm"}
    at_peer = cold[args.medallion_objects]
    ratio = at_peer.rate / peer.rate if peer else None
    largest = cold[args.objects]
    if args.json:
        print(
            json.dumps(
                {
                    "page_size": args.page_size,
                    "jointex": [
                        {"objects": n, "cold_per_s": cold[n].rate, "warm_per_s": warm[n].rate}
                        for n in sorted(cold)
                    ],
                    "medallion": None
                    if peer is None
                    else {"objects": peer.objects, "per_s": peer.rate, "seconds": peer.seconds},
                    "ratio_at_peer_size": ratio,
                    "notes": notes,
                },
                indent=2,
            )
        )
        return
    print(f"TAXII 2.1: page through a collection with taxii2-client as_pages, page size "
          f"{args.page_size}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'server':<16}{'objects':>9}{'seconds':>10}{'objects/s':>12}{'us/object':>11}")
    if peer is not None:
        print(
            f"{peer.server:<16}{peer.objects:>9,}{peer.seconds:>10.3f}{peer.rate:>12,.0f}"
            f"{1e6 / peer.rate:>11.1f}"
        )
    for n in sorted(cold):
        for timing in (cold[n], warm[n]):
            name = f"JointEx ({timing.label})"
            print(
                f"{name:<16}{n:>9,}{timing.seconds:>10.3f}{timing.rate:>12,.0f}"
                f"{1e6 / timing.rate:>11.1f}"
            )
    for note in notes:
        print(note)
    if ratio is not None:
        print(
            f"ratio at {args.medallion_objects:,} objects (JointEx cold / medallion): "
            f"{ratio:,.0f}x (target >= 100x)"
        )
    base = 5_000 if 5_000 in cold else min(cold)
    print(
        f"JointEx at {args.objects:,}: {largest.rate:,.0f} objects/s cold, "
        f"{warm[args.objects].rate:,.0f} warm (target >= 10,000/s)"
    )
    print(
        f"linearity, time per object at {args.objects:,} / at {base:,} (1.0 = linear): "
        f"cold {cold[base].rate / largest.rate:.2f}, "
        f"warm {warm[base].rate / warm[args.objects].rate:.2f}"
    )


if __name__ == "__main__":
    main()
