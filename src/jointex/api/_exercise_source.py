"""The TAXII server's data from live exercises: one API root per exercise.

Collections: each national cell's own products (visible to that cell's members), and a coalition
collection of every blue nation's products (visible to users of the blue nations). Each STIX
object is governed by the roll-up of the markings it refers to, so the server's per-object access
check is the same rule as everywhere else: a report carries its product's full banner, a portion
note its portion's marking, a marking-definition the banner it defines (a partner is not even
told that a NOFORN marking exists). Posting objects publishes them into the exercise as the
poster's cell, under the exercise's rules.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from jointex._errors import CommandRejected, JointExError
from jointex.api._membership import SeatRefused, seat_for
from jointex.api._taxii_source import ApiRoot, CollectionSpec, StixEntry
from jointex.exercise import Actor, ExerciseService, PublishIntel
from jointex.intel import IntelProduct, product_to_data
from jointex.intel._stix import export_bundle, import_bundle, marking_definition_id
from jointex.markings import Marking, Reader, rollup
from jointex.store import Accounts, User

__all__ = ["ExerciseIntelSource"]

_NAMESPACE = uuid.UUID("8f1f1d3e-3c55-4c55-9d0b-6a5f3f4c2b10")
_PUBLISH_TYPES = ("IntelPublished", "IntelReleased")
_TOP = "TOP SECRET"


def _collection_id(exercise_id: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{exercise_id}/{name}"))


class ExerciseIntelSource:
    """An `IntelSource` over the exercises in an event store. Thread-safe; cached per version.

    Args:
        service: the exercise service.
        accounts: users and their seats (who posts as which cell).
    """

    def __init__(self, service: ExerciseService, accounts: Accounts) -> None:
        """Serve the service's exercises."""
        self._service = service
        self._accounts = accounts
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[int, list[StixEntry]]] = {}

    def api_roots(self) -> list[ApiRoot]:
        """One root per exercise."""
        return [
            ApiRoot(s.exercise_id, s.name, f"Intelligence of exercise {s.name} ({s.scenario})")
            for s in self._service.list()
        ]

    def _specs(self, api_root: str) -> dict[str, tuple[CollectionSpec, str | None]]:
        if not self._service.exists(api_root):
            return {}
        scenario = self._service.state(api_root).scenario
        blue = frozenset(c.nation for c in scenario.cells if c.role == "blue" and c.nation)
        specs: dict[str, tuple[CollectionSpec, str | None]] = {}
        coalition = _collection_id(api_root, "coalition")
        specs[coalition] = (
            CollectionSpec(
                coalition,
                "Coalition intelligence",
                "Every blue nation's products, each object filtered by its marking.",
                community=blue,
            ),
            None,
        )
        for cell in scenario.cells:
            if cell.nation and cell.role in ("blue", "red"):
                cid = _collection_id(api_root, f"cell/{cell.id}")
                specs[cid] = (
                    CollectionSpec(
                        cid,
                        f"{cell.name}: own products",
                        f"Products published or released by {cell.name}.",
                        cell=cell.id,
                    ),
                    cell.id,
                )
        return specs

    def collections(self, api_root: str) -> list[CollectionSpec]:
        """The coalition collection and each national cell's collection."""
        return [spec for spec, _ in self._specs(api_root).values()]

    def collection_version(self, api_root: str, collection_id: str) -> int:
        """The exercise's stream version: every new event may change a collection."""
        if collection_id not in self._specs(api_root):
            return -1
        return self._service.state(api_root).version

    def objects(self, api_root: str, collection_id: str) -> Sequence[StixEntry]:
        """The collection's STIX objects with their markings, in publication order."""
        specs = self._specs(api_root)
        if collection_id not in specs:
            return []
        version = self._service.state(api_root).version
        with self._lock:
            cached = self._cache.get((api_root, collection_id))
            if cached is not None and cached[0] == version:
                return cached[1]
        entries = self._build(api_root, specs[collection_id])
        with self._lock:
            self._cache[(api_root, collection_id)] = (version, entries)
        return entries

    def _build(self, api_root: str, spec: tuple[CollectionSpec, str | None]) -> list[StixEntry]:
        collection, cell = spec
        state = self._service.state(api_root)
        scenario = state.scenario
        nations = {n.code: n.name for n in scenario.nations}
        added = {
            str(e.data["product"]["id"]): e.recorded_at
            for e in self._service.store.read(api_root)
            if e.type in _PUBLISH_TYPES and isinstance(e.data.get("product"), Mapping)
        }
        entries: list[StixEntry] = []
        seen: set[tuple[str, str]] = set()
        last = datetime(1970, 1, 1, tzinfo=UTC)
        for product in state.intel.values():
            if cell is not None and product.originator != cell:
                continue
            if (
                cell is None
                and collection.community is not None
                and (product.owner not in collection.community)
            ):
                continue
            markings = _markings_of(product)
            by_id = {marking_definition_id(m): m for m in markings}
            bundle = export_bundle(
                [product],
                Reader(product.owner, _TOP),
                exercise_id=api_root,
                scenario_title=scenario.title,
                nations=nations,
            )
            when = added.get(product.id, last)
            for obj in bundle["objects"]:
                key = (str(obj["id"]), str(obj.get("modified") or obj.get("created") or ""))
                if key in seen:
                    continue
                seen.add(key)
                last = max(when, last + timedelta(microseconds=1))
                entries.append(StixEntry(obj, last, _governing(obj, by_id, product)))
        return entries

    def add_objects(
        self, api_root: str, collection_id: str, objects: list[dict[str, Any]], user: User
    ) -> list[tuple[str, str | None]]:
        """Publish the posted objects' products as the user's cell in this exercise."""
        specs = self._specs(api_root)
        if collection_id not in specs:
            return [(str(o.get("id", "")), "no such collection") for o in objects]
        scenario = self._service.state(api_root).scenario
        memberships = self._accounts.memberships(user.username)
        try:
            seat = seat_for(scenario, api_root, user, memberships)
        except SeatRefused as exc:  # the server's own rule for who sits where
            return [(str(o.get("id", "")), str(exc)) for o in objects]
        result = import_bundle(
            {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
        )
        errors = {e.object_id: e.message for e in result.errors}
        for product in result.products:
            data = {
                k: v
                for k, v in product_to_data(product).items()
                if k not in ("id", "originator", "minute", "derived_from", "released_to")
            }
            try:
                self._service.handle(api_root, PublishIntel(data), Actor(user.username, seat.cell))
            except (CommandRejected, JointExError) as exc:
                for obj in objects:
                    if product.title.content and product.title.content == obj.get("name"):
                        errors[str(obj.get("id", ""))] = str(exc)
        return [(str(o.get("id", "")), errors.get(str(o.get("id", "")))) for o in objects]


def _markings_of(product: IntelProduct) -> list[Marking]:
    return [
        product.title.marking,
        *(p.marking for p in product.portions),
        *(s.marking for s in product.sources),
        *(a.marking for a in product.attachments),
        product.marking,
    ]


def _governing(
    obj: Mapping[str, Any], by_id: Mapping[str, Marking], product: IntelProduct
) -> Marking:
    """The marking that decides who may receive ``obj``: what it is, or refers to."""
    if obj.get("type") == "marking-definition":
        defined = by_id.get(str(obj.get("id")))
        # TLP definitions and other public definitions restrict nobody
        return defined if defined is not None else _unrestricted(product)
    refs = [str(r) for r in obj.get("object_marking_refs", [])]
    refs += [
        str(g.get("marking_ref"))
        for g in obj.get("granular_markings", [])
        if isinstance(g, Mapping)
    ]
    found = [by_id[r] for r in refs if r in by_id]
    if found:
        return rollup(found)
    if obj.get("type") in ("identity", "extension-definition"):
        return _unrestricted(product)  # nations and the JointEx extension are public
    return product.marking  # anything unmarked that belongs to the product: its full banner


def _unrestricted(product: IntelProduct) -> Marking:
    """The lowest level of the product's ladder, with no controls: readable by everyone."""
    levels = product.marking.levels
    return Marking(levels.lowest.name, levels=levels)
