"""STIX 2.1 mapping of intelligence products: classification marking definitions, export, import.

Representation (what a partner system sees; see also `export_bundle` and `import_bundle`):

* **Classification markings** are ``marking-definition`` objects carrying the JointEx
  *classification marking* extension (a ``property-extension``, fields after IC-ISM:
  ``classification``, ``owner_producer``, ``dissemination_controls`` = ``["NOFORN"]`` or
  ``["REL TO"]``, ``releasable_to``, plus ``tlp_2_0`` when the marking has a TLP label). The id is
  ``marking-definition--uuid5(STIX_NAMESPACE, banner)``, so every partner mints the same object for
  the same banner. A marking with a TLP label is also referenced by the OASIS TLP 2.0 marking
  definition, so tools that only know TLP still see it.
* **A product** becomes one main object: ``report`` (name = title), ``note`` (abstract = title)
  or ``sighting`` (title in ``jointex_title``; ``sighting_of_ref`` is a ``threat-actor`` standing
  for the observed adversary formation, named after the product's tracks; ``where_sighted_refs``
  is the product's ``location``, or the producing nation's ``identity`` when it has none). Its
  object marking is the reader's view banner; the title, each source and each attachment carry
  their own marking as ``granular_markings``. The description (note: content) holds the readable
  portions, each prefixed with its portion mark.
* **Each portion** is also a ``note`` (abstract = portion mark, content = text, object_refs = [the
  main object], object marking = the portion's marking), so portion markings survive exactly.
* **The producing nation** is an ``identity`` (organization, deterministic id per nation, its ISO
  3166-1 alpha-3 code as an external reference), the ``created_by_ref`` of everything it produced.
* JointEx-only fields (title and its portion id, sources, attachments, track ids, tearline fields,
  related products, portion order) are top-level properties named ``jointex_*`` declared by the
  JointEx *intelligence product* extension (a ``toplevel-property-extension``). The product id is
  an external reference with ``source_name`` ``jointex``.
* Times are ``epoch + minute`` (scenario time), so the same inputs give the same bundle, byte for
  byte; ids are uuid5 of the exercise id and product id.

Import accepts the JointEx extension, the STIX 2.1 TLP 1.0 marking definitions, the OASIS TLP 2.0
marking definitions and OpenCTI's TLP ids (a TLP marking means the lowest classification with that
label). An object without any marking is read as the lowest level (UNCLASSIFIED), as STIX data
without markings is public by convention. Objects that fail validation, or reference a marking
that is not defined, are reported one by one and not imported; the rest are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import stix2
import stix2.exceptions

from jointex._errors import MarkingError
from jointex.intel._product import Attachment, IntelProduct, ProductKind, Source, view_for
from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    Marking,
    Portion,
    Reader,
    Tlp,
    parse_tlp,
    rollup,
)

__all__ = [
    "CLASSIFICATION_EXTENSION_ID",
    "EXERCISE_EPOCH",
    "JOINTEX_IDENTITY_ID",
    "OPENCTI_TLP_IDS",
    "PRODUCT_EXTENSION_ID",
    "STIX_NAMESPACE",
    "TLP1_IDS",
    "TLP2_IDS",
    "ImportResult",
    "ObjectError",
    "export_bundle",
    "import_bundle",
    "marking_definition",
    "marking_definition_id",
    "reference_objects",
]

STIX_NAMESPACE = uuid.UUID("6f0c5e2a-1b7d-5c43-9a8e-4d2f3b1a7c90")
"""The namespace of every JointEx uuid5 id; fixed forever, so partners mint the same ids."""

EXERCISE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Default wall time of scenario minute 0 in exported timestamps."""

_REFERENCE_CREATED = "2024-01-01T00:00:00.000Z"
"""``created`` of the JointEx reference objects (identities, extensions, marking definitions)."""

JOINTEX_IDENTITY_ID = f"identity--{uuid.uuid5(STIX_NAMESPACE, 'identity/jointex')}"
CLASSIFICATION_EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(STIX_NAMESPACE, 'extension/classification-marking')}"
)
PRODUCT_EXTENSION_ID = (
    f"extension-definition--{uuid.uuid5(STIX_NAMESPACE, 'extension/intelligence-product')}"
)
_SCHEMA_BASE = "https://jointex.github.io/stix/"
_TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

TLP2_IDS: Mapping[Tlp, str] = MappingProxyType(
    {
        Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
)
"""OASIS TLP 2.0 marking definitions (oasis-open/cti-stix-common-objects), used on export."""

TLP1_IDS: Mapping[str, Tlp] = MappingProxyType(
    {
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # TLP:WHITE
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
    }
)
"""The STIX 2.1 specification's TLP 1.0 marking definitions."""

OPENCTI_TLP_IDS: Mapping[str, Tlp] = MappingProxyType(
    {
        # OpenCTI reuses the TLP 1.0 ids (WHITE for CLEAR) and adds one for AMBER+STRICT
        # (pycti MarkingDefinition.generate_id).
        **TLP1_IDS,
        "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": Tlp.AMBER_STRICT,
    }
)
"""OpenCTI's TLP marking definition ids."""

_KNOWN_TLP: Mapping[str, Tlp] = MappingProxyType(
    {**OPENCTI_TLP_IDS, **{mid: tlp for tlp, mid in TLP2_IDS.items()}}
)
_TLP_WORD = {tlp: tlp.label.removeprefix("TLP:").lower() for tlp in Tlp}  # "amber+strict"
_TLP_BY_WORD = {word: tlp for tlp, word in _TLP_WORD.items()}
_DISSEMINATION = frozenset({"NOFORN", "REL TO"})
_ISO_SOURCE = "ISO 3166-1 alpha-3"
_PRODUCT_SOURCE = "jointex"
_PRODUCT_PROPERTIES = (
    "jointex_title",
    "jointex_title_id",
    "jointex_sources",
    "jointex_attachments",
    "jointex_track_ids",
    "jointex_derived_from",
    "jointex_released_to",
    "jointex_related",
    "jointex_portion_index",
    "jointex_portion_id",
)
_TITLE_PROPERTY: Mapping[str, str] = MappingProxyType(
    {"report": "name", "note": "abstract", "sighting": "jointex_title"}
)
# stix2 reports malformed input with its own exceptions and, for some shapes, with built-in ones,
# and the jointex_* properties it does not check fail the same ways when read; one malformed
# object must never stop an import.
_STIX_ERRORS = (stix2.exceptions.STIXError, ValueError, TypeError, KeyError, AttributeError)

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectError:
    """One STIX object that could not be imported, and why.

    Attributes:
        object_id: the object's id (as written, possibly malformed; empty if it had none).
        type: the object's type (empty if it had none).
        message: what is wrong, in one sentence.
    """

    object_id: str
    type: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What `import_bundle` read.

    Attributes:
        products: the products imported, in bundle order.
        errors: the objects that were not imported; none of them was imported in part.
    """

    products: list[IntelProduct]
    errors: list[ObjectError]


# -- ids and timestamps --------------------------------------------------------------------------


def _uuid5(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, name)}"


def _timestamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _nation_identity_id(code: str) -> str:
    return _uuid5("identity", f"nation/{code}")


def marking_definition_id(marking: Marking) -> str:
    """The deterministic STIX id of a marking's definition: uuid5 of its banner.

    Args:
        marking: the marking.

    Returns:
        ``marking-definition--<uuid5(STIX_NAMESPACE, marking.banner())>``.
    """
    return _uuid5("marking-definition", marking.banner())


# -- reference objects ---------------------------------------------------------------------------


def _jointex_identity() -> JsonObject:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": JOINTEX_IDENTITY_ID,
        "created": _REFERENCE_CREATED,
        "modified": _REFERENCE_CREATED,
        "name": "JointEx",
        "description": "JointEx, the coalition tabletop exercise platform.",
        "identity_class": "organization",
    }


def _extension_definition(
    extension_id: str, name: str, description: str, schema: str, kind: str
) -> JsonObject:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": extension_id,
        "created_by_ref": JOINTEX_IDENTITY_ID,
        "created": _REFERENCE_CREATED,
        "modified": _REFERENCE_CREATED,
        "name": name,
        "description": description,
        "schema": _SCHEMA_BASE + schema,
        "version": "1.0.0",
        "extension_types": [kind],
    }


def reference_objects() -> list[JsonObject]:
    """The JointEx identity and extension definitions, as included in every exported bundle.

    Returns:
        Fresh dicts: the JointEx identity, the *JointEx classification marking* extension
        definition (``property-extension`` on marking definitions) and the *JointEx intelligence
        product* extension definition (``toplevel-property-extension`` on reports, notes and
        sightings, declaring the ``jointex_*`` properties).
    """
    product = _extension_definition(
        PRODUCT_EXTENSION_ID,
        "JointEx intelligence product",
        "Exercise intelligence product fields STIX has no property for: the portion-marked title, "
        "graded sources, attachments, track ids, tearline provenance and portion order.",
        "intelligence-product-1.0.0.json",
        "toplevel-property-extension",
    )
    product["extension_properties"] = list(_PRODUCT_PROPERTIES)
    return [
        _jointex_identity(),
        _extension_definition(
            CLASSIFICATION_EXTENSION_ID,
            "JointEx classification marking",
            "A classification banner as a marking definition, fields after IC-ISM: "
            "classification, owner_producer, dissemination_controls (NOFORN or REL TO), "
            "releasable_to; plus tlp_2_0 when the banner carries a TLP label.",
            "classification-marking-1.0.0.json",
            "property-extension",
        ),
        product,
    ]


def marking_definition(marking: Marking) -> JsonObject:
    """The STIX marking definition of a JointEx marking (banner), with the JointEx extension.

    Args:
        marking: the marking.

    Returns:
        A ``marking-definition`` dict named after the banner, id from `marking_definition_id`, e.g.
        ``extensions: {<CLASSIFICATION_EXTENSION_ID>: {"extension_type": "property-extension",
        "classification": "SECRET", "owner_producer": "USA", "dissemination_controls": ["REL TO"],
        "releasable_to": ["USA", "TWN"]}}``. Empty fields are left out.
    """
    fields: JsonObject = {
        "extension_type": "property-extension",
        "classification": marking.classification,
    }
    if marking.owner is not None:
        fields["owner_producer"] = marking.owner
    if marking.noforn:
        fields["dissemination_controls"] = ["NOFORN"]
    elif marking.rel_to is not None:
        fields["dissemination_controls"] = ["REL TO"]
        fields["releasable_to"] = list(marking.rel_to)
    if marking.tlp is not None:
        fields["tlp_2_0"] = _TLP_WORD[marking.tlp]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_definition_id(marking),
        "created_by_ref": JOINTEX_IDENTITY_ID,
        "created": _REFERENCE_CREATED,
        "name": marking.banner(),
        "extensions": {CLASSIFICATION_EXTENSION_ID: fields},
    }


def _tlp_definition(tlp: Tlp) -> JsonObject:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[tlp],
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.label,
        "extensions": {
            _TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": _TLP_WORD[tlp]}
        },
    }


# -- export --------------------------------------------------------------------------------------


class _Exporter:
    """Collects the objects of one bundle: products in order, shared objects once."""

    def __init__(
        self, exercise_id: str, scenario_title: str, nations: Mapping[str, str], epoch: datetime
    ) -> None:
        self.exercise_id = exercise_id
        self.scenario_title = scenario_title
        self.nations = nations
        self.epoch = epoch
        self.markings: dict[str, JsonObject] = {}
        self.identities: dict[str, JsonObject] = {}
        self.objects: list[JsonObject] = []

    def product_id(self, product: IntelProduct) -> str:
        return _uuid5(product.kind, f"{self.exercise_id}/{product.id}")

    def mark(self, marking: Marking) -> list[str]:
        """Object marking refs for a marking (registering the definitions it needs)."""
        definition = marking_definition(marking)
        self.markings[definition["id"]] = definition
        refs = [definition["id"]]
        if marking.tlp is not None:
            tlp = _tlp_definition(marking.tlp)
            self.markings[tlp["id"]] = tlp
            refs.append(tlp["id"])
        return refs

    def granular(self, marking: Marking, selector: str) -> JsonObject:
        return {"marking_ref": self.mark(marking)[0], "selectors": [selector]}

    def identity(self, code: str) -> str:
        identity_id = _nation_identity_id(code)
        self.identities[identity_id] = {
            "type": "identity",
            "spec_version": "2.1",
            "id": identity_id,
            "created": _REFERENCE_CREATED,
            "modified": _REFERENCE_CREATED,
            "name": self.nations.get(code, code),
            "identity_class": "organization",
            "external_references": [{"source_name": _ISO_SOURCE, "external_id": code}],
        }
        return identity_id

    def add(self, view: IntelProduct, visible: Mapping[str, str]) -> None:
        """Add the objects of one product view (``visible``: product id -> STIX id, readable)."""
        when = _timestamp(self.epoch + timedelta(minutes=view.minute))
        author = self.identity(view.owner)
        main_id = visible[view.id]
        banner = view.marking
        common: JsonObject = {
            "spec_version": "2.1",
            "id": main_id,
            "created_by_ref": author,
            "created": when,
            "modified": when,
        }
        location_id = None
        if view.location is not None:
            location_id = _uuid5("location", f"{self.exercise_id}/{view.id}/location")
            lon, lat = view.location
            self.objects.append(
                {
                    "type": "location",
                    **{**common, "id": location_id},
                    "latitude": lat,
                    "longitude": lon,
                    "object_marking_refs": self.mark(banner),
                }
            )
        # Links to products outside this bundle would reveal that they exist: drop them.
        related = [r for r in view.related if r in visible]
        refs = [author, *([location_id] if location_id else []), *(visible[r] for r in related)]
        body = "\n\n".join(f"{p.marking.portion()} {p.content}" for p in view.portions)
        obj: JsonObject = {"type": view.kind, **common}
        if view.kind == "report":
            obj |= {"name": view.title.content, "published": when, "object_refs": refs}
            if body:
                obj["description"] = body
        elif view.kind == "note":
            obj |= {"abstract": view.title.content, "content": body, "object_refs": refs}
        else:
            sighted = _uuid5("threat-actor", f"{self.exercise_id}/{view.id}/sighted")
            tracks = ", ".join(view.track_ids)
            self.objects.append(
                {
                    "type": "threat-actor",
                    **{**common, "id": sighted},
                    "name": f"Track {tracks}" if tracks else "Unidentified formation",
                    "description": "Adversary formation observed in an exercise sighting.",
                    "object_marking_refs": self.mark(banner),
                }
            )
            obj |= {
                "first_seen": when,
                "last_seen": when,
                "sighting_of_ref": sighted,
                "where_sighted_refs": [location_id or author],
                "jointex_title": view.title.content,
            }
            if body:
                obj["description"] = body
        obj["external_references"] = [
            {
                "source_name": _PRODUCT_SOURCE,
                "external_id": view.id,
                "description": f"{self.scenario_title} (exercise {self.exercise_id})",
            }
        ]
        obj["object_marking_refs"] = self.mark(banner)
        granular = [self.granular(view.title.marking, _TITLE_PROPERTY[view.kind])]
        if view.title.id:
            obj["jointex_title_id"] = view.title.id
            granular.append(self.granular(view.title.marking, "jointex_title_id"))
        if view.sources:
            obj["jointex_sources"] = [
                {"name": s.name, "reliability": s.reliability, "credibility": s.credibility}
                for s in view.sources
            ]
            granular += [
                self.granular(s.marking, f"jointex_sources.[{i}]")
                for i, s in enumerate(view.sources)
            ]
        if view.attachments:
            obj["jointex_attachments"] = [
                {"name": a.name, "media_type": a.media_type, "data": a.data}
                for a in view.attachments
            ]
            granular += [
                self.granular(a.marking, f"jointex_attachments.[{i}]")
                for i, a in enumerate(view.attachments)
            ]
        if view.track_ids:
            obj["jointex_track_ids"] = list(view.track_ids)
        if view.derived_from is not None and view.derived_from in visible:
            obj["jointex_derived_from"] = view.derived_from
        if view.released_to:
            obj["jointex_released_to"] = list(view.released_to)
        if related:
            obj["jointex_related"] = related
        obj["granular_markings"] = granular
        obj["extensions"] = {
            PRODUCT_EXTENSION_ID: {"extension_type": "toplevel-property-extension"}
        }
        self.objects.append(obj)
        for index, (key, portion) in enumerate(_portion_keys(view)):
            self.objects.append(
                {
                    "type": "note",
                    **{**common, "id": _uuid5("note", f"{self.exercise_id}/{view.id}/{key}")},
                    "abstract": portion.marking.portion(),
                    "content": portion.content,
                    "object_refs": [main_id],
                    "object_marking_refs": self.mark(portion.marking),
                    "jointex_portion_index": index,
                    **({"jointex_portion_id": portion.id} if portion.id else {}),
                    "extensions": {
                        PRODUCT_EXTENSION_ID: {"extension_type": "toplevel-property-extension"}
                    },
                }
            )


def _portion_keys(view: IntelProduct) -> list[tuple[str, Portion]]:
    """A stable key per readable portion that does not reveal where hidden portions were.

    The key is the portion's id when it has one, else its banner and text (with a count for
    repeated portions, which share a marking and so are all readable or all hidden). So a portion
    has the same note id in every reader's bundle, and no id can be tested against a guessed
    position in the full product.
    """
    seen: dict[str, int] = {}
    keys = []
    for portion in view.portions:
        if portion.id:
            base = f"portion/{portion.id}"
        else:
            base = f"portion-text/{portion.marking.banner()}/{portion.content}"
        seen[base] = seen.get(base, 0) + 1
        keys.append((f"{base}/{seen[base]}", portion))
    return keys


def export_bundle(
    products: Sequence[IntelProduct],
    reader: Reader,
    *,
    exercise_id: str,
    scenario_title: str,
    nations: Mapping[str, str],
    epoch: datetime = EXERCISE_EPOCH,
) -> JsonObject:
    """A STIX 2.1 bundle of what ``reader`` may see of ``products``.

    Every product goes through `view_for` first: products the reader may not know about are left
    out, and so are unreadable portions, sources and attachments; related products and tearline
    sources are kept only when they are in the same bundle. See the module docstring for the
    representation. The bundle is checked with the ``stix2`` library before it is returned.

    Args:
        products: the products, in the order their objects should appear.
        reader: who the bundle is for.
        exercise_id: the exercise's id (part of every product's STIX id).
        scenario_title: the scenario's title (in each product's external reference).
        nations: nation code -> display name, for the producing nations' identities.
        epoch: the wall time of scenario minute 0.

    Returns:
        The bundle as a JSON-ready dict; the same inputs give an identical bundle.

    Raises:
        stix2.exceptions.STIXError: an object failed validation (a bug in this mapping).
    """
    exporter = _Exporter(exercise_id, scenario_title, nations, epoch)
    views = [view for view in (view_for(p, reader) for p in products) if view is not None]
    visible = {view.id: exporter.product_id(view) for view in views}
    for view in views:
        exporter.add(view, visible)
    objects = [
        *reference_objects(),
        *(exporter.identities[key] for key in sorted(exporter.identities)),
        *(exporter.markings[key] for key in sorted(exporter.markings)),
        *exporter.objects,
    ]
    digest = json.dumps(objects, sort_keys=True, separators=(",", ":"))
    bundle: JsonObject = {
        "type": "bundle",
        "id": _uuid5("bundle", f"{exercise_id}/{digest}"),
        "objects": objects,
    }
    stix2.parse(bundle, allow_custom=True, version="2.1")
    return bundle


# -- import --------------------------------------------------------------------------------------


class _Rejected(Exception):
    """An object cannot be imported; the message says why."""


def _tlp_of_definition(obj: Mapping[str, Any]) -> Tlp | None:
    """The TLP label a marking definition stands for, by well-known id or by name, else None."""
    known = _KNOWN_TLP.get(str(obj.get("id", "")))
    if known is not None:
        return known
    definition_type = obj.get("definition_type")
    name = obj.get("name")
    definition = obj.get("definition")
    extension = obj.get("extensions", {})
    tlp2 = extension.get(_TLP2_EXTENSION_ID) if isinstance(extension, Mapping) else None
    if isinstance(tlp2, Mapping) and isinstance(tlp2.get("tlp_2_0"), str):
        return _tlp_word(tlp2["tlp_2_0"])
    if isinstance(definition_type, str) and definition_type.lower().startswith("tlp"):
        if isinstance(name, str):
            return _tlp_label(name)
        if isinstance(definition, Mapping):
            word = definition.get("tlp", definition.get("TLP"))
            if isinstance(word, str):
                return _tlp_label(word if word.upper().startswith("TLP") else f"TLP:{word}")
        raise _Rejected("TLP marking definition without a label")
    if (
        isinstance(name, str)
        and name.strip().upper().startswith("TLP")
        and not obj.get("extensions", {})
    ):
        return _tlp_label(name)
    return None


def _tlp_word(word: str) -> Tlp:
    tlp = _TLP_BY_WORD.get(word.strip().lower())
    if tlp is None:
        raise _Rejected(f"unknown tlp_2_0 value {word!r}")
    return tlp


def _tlp_label(text: str) -> Tlp:
    try:
        return parse_tlp(text)
    except MarkingError as error:
        raise _Rejected(str(error)) from error


def _string_list(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Rejected(f"{what} must be a list of strings")
    return value


def _optional_string(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _Rejected(f"{what} must be a string")
    return value


def _classification_marking(fields: Mapping[str, Any], levels: ClassificationLevels) -> Marking:
    if fields.get("extension_type") != "property-extension":
        raise _Rejected("the classification extension must be a property-extension")
    classification = fields.get("classification")
    if not isinstance(classification, str):
        raise _Rejected("classification is missing")
    owner = fields.get("owner_producer")
    if owner is not None and not isinstance(owner, str):
        raise _Rejected("owner_producer must be a country code")
    controls = _string_list(fields.get("dissemination_controls", []), "dissemination_controls")
    unknown = sorted(set(controls) - _DISSEMINATION)
    if unknown:
        raise _Rejected(f"unsupported dissemination controls {unknown}")
    releasable = fields.get("releasable_to")
    rel_to = None if releasable is None else tuple(_string_list(releasable, "releasable_to"))
    if ("REL TO" in controls) != (rel_to is not None):
        raise _Rejected("releasable_to must be given exactly with the REL TO control")
    tlp = fields.get("tlp_2_0")
    try:
        return Marking(
            classification,
            owner,
            noforn="NOFORN" in controls,
            rel_to=rel_to,
            tlp=None if tlp is None else _tlp_word(str(tlp)),
            levels=levels,
        )
    except MarkingError as error:
        raise _Rejected(str(error)) from error


def _definition_marking(obj: Mapping[str, Any], levels: ClassificationLevels) -> Marking:
    """The marking a marking-definition object stands for."""
    extensions = obj.get("extensions")
    if isinstance(extensions, Mapping) and CLASSIFICATION_EXTENSION_ID in extensions:
        _validate(obj)
        fields = extensions[CLASSIFICATION_EXTENSION_ID]
        if not isinstance(fields, Mapping):
            raise _Rejected("the classification extension must be an object")
        return _classification_marking(fields, levels)
    # TLP definitions are recognised before validation: the stix2 library only accepts the TLP
    # 1.0 objects of 2017, while OpenCTI writes definition_type "TLP" and TLP 2.0 uses extensions.
    tlp = _tlp_of_definition(obj)
    if tlp is not None:
        _check_id(obj)
        return Marking(levels.lowest.name, tlp=tlp, levels=levels)
    _validate(obj)
    raise _Rejected("marking definition is neither a JointEx classification nor a TLP label")


def _check_id(obj: Mapping[str, Any]) -> None:
    kind, _, rest = str(obj.get("id", "")).partition("--")
    try:
        valid = kind == obj.get("type") and str(uuid.UUID(rest)) == rest
    except ValueError:
        valid = False
    if not valid:
        raise _Rejected(f"invalid STIX: {obj.get('id')!r} is not a valid STIX identifier")


def _validate(obj: Mapping[str, Any]) -> None:
    try:
        stix2.parse(dict(obj), allow_custom=True, version="2.1")
    except _STIX_ERRORS as error:
        raise _Rejected(f"invalid STIX: {error}") from error


def _combine(markings: Sequence[Marking], levels: ClassificationLevels) -> Marking:
    """One marking from an object's marking definitions: the classifications rolled up, then TLP."""
    tlps = [m.tlp for m in markings if m.tlp is not None]
    classified = [m for m in markings if not _is_tlp_only(m, levels)]
    if not classified:
        base = Marking(levels.lowest.name, levels=levels)
    else:
        # rollup of one marking would turn an implicit NOFORN explicit; keep it as written.
        base = classified[0] if len(classified) == 1 else rollup(classified)
    tlp = max([*tlps, *([base.tlp] if base.tlp is not None else [])], default=None)
    return base if tlp == base.tlp else replace(base, tlp=tlp)


def _is_tlp_only(marking: Marking, levels: ClassificationLevels) -> bool:
    return marking == Marking(levels.lowest.name, tlp=marking.tlp, levels=levels)


class _Importer:
    def __init__(self, objects: list[Any], levels: ClassificationLevels, epoch: datetime) -> None:
        self.levels = levels
        self.epoch = epoch
        self.errors: list[ObjectError] = []
        self.by_id: dict[str, JsonObject] = {}
        self.invalid: dict[str, JsonObject] = {}
        self.markings: dict[str, Marking] = {}
        self.marking_errors: dict[str, str] = {}
        for obj in objects:
            self.read(obj)

    def error(self, obj: object, message: str) -> None:
        fields = obj if isinstance(obj, Mapping) else {}
        self.errors.append(
            ObjectError(str(fields.get("id", "")), str(fields.get("type", "")), message)
        )

    def read(self, obj: object) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            self.error(obj, "not a STIX object (no id)")
            return
        if obj["id"] in self.by_id or obj["id"] in self.invalid:
            self.error(obj, "duplicate object id in bundle")
            return
        try:
            if obj.get("type") == "marking-definition":
                self.markings[obj["id"]] = _definition_marking(obj, self.levels)
            else:
                _validate(obj)
        except _Rejected as error:
            self.invalid[obj["id"]] = obj
            if obj.get("type") == "marking-definition":
                self.marking_errors[obj["id"]] = str(error)
            self.error(obj, str(error))
            return
        self.by_id[obj["id"]] = obj

    def marking_of(self, ref: object) -> Marking:
        if not isinstance(ref, str):
            raise _Rejected(f"marking reference {ref!r} is not an id")
        marking = self.markings.get(ref)
        if marking is not None:
            return marking
        tlp = _KNOWN_TLP.get(ref)
        if tlp is not None:
            return Marking(self.levels.lowest.name, tlp=tlp, levels=self.levels)
        if ref in self.marking_errors:
            raise _Rejected(f"marking {ref} is invalid: {self.marking_errors[ref]}")
        raise _Rejected(f"unknown marking definition {ref}")

    def object_marking(self, obj: Mapping[str, Any]) -> Marking:
        refs = obj.get("object_marking_refs", [])
        return _combine([self.marking_of(ref) for ref in refs], self.levels)

    def granular(self, obj: Mapping[str, Any], selector: str, default: Marking) -> Marking:
        found = [
            self.marking_of(g.get("marking_ref"))
            for g in obj.get("granular_markings", [])
            if selector in g.get("selectors", []) and "marking_ref" in g
        ]
        # A part without its own marking takes the whole object's marking (never less).
        return _combine(found, self.levels) if found else default

    def minute(self, text: object) -> int:
        if not isinstance(text, str):
            raise _Rejected("missing timestamp")
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return int((moment - self.epoch).total_seconds() // 60)

    def owner(self, obj: Mapping[str, Any], banner: Marking) -> str:
        identity = self.by_id.get(str(obj.get("created_by_ref", "")))
        if identity is not None:
            for ref in identity.get("external_references", []):
                if ref.get("source_name") == _ISO_SOURCE and isinstance(
                    ref.get("external_id"), str
                ):
                    return str(ref["external_id"])
        return banner.owner or ""

    def products(self) -> list[IntelProduct]:
        portions: dict[str, list[JsonObject]] = {}
        for obj in self.by_id.values():
            if obj["type"] == "note" and "jointex_portion_index" in obj:
                portions.setdefault(str(obj["object_refs"][0]), []).append(obj)
        broken = {
            str(ref)
            for obj in self.invalid.values()
            if obj.get("type") == "note" and "jointex_portion_index" in obj
            for ref in (obj.get("object_refs") or [])[:1]
        }
        products = []
        for obj in self.by_id.values():
            kind = obj["type"]
            if kind not in _TITLE_PROPERTY or "jointex_portion_index" in obj:
                continue
            try:
                if obj["id"] in broken:
                    raise _Rejected("one of its portion notes is invalid")
                products.append(self.product(obj, kind, portions.get(obj["id"], [])))
            except (_Rejected, MarkingError, *_STIX_ERRORS) as error:
                self.error(obj, str(error))
        return products

    def product(self, obj: JsonObject, kind: ProductKind, notes: list[JsonObject]) -> IntelProduct:
        banner = self.object_marking(obj)
        jointex = PRODUCT_EXTENSION_ID in obj.get("extensions", {})
        title_property = _TITLE_PROPERTY[kind]
        title_text = obj.get(title_property)
        if kind == "sighting" and title_text is None:
            sighted = self.by_id.get(str(obj.get("sighting_of_ref")), {})
            title_text = sighted.get("name", f"Sighting {obj['id']}")
        title = Portion(
            self.granular(obj, title_property, banner),
            str(title_text or ""),
            str(obj.get("jointex_title_id", "")),
        )
        if jointex:
            ordered = sorted(notes, key=lambda note: int(note["jointex_portion_index"]))
            body = tuple(self.portion(note) for note in ordered)
        else:
            text = obj.get("content" if kind == "note" else "description")
            body = (Portion(banner, str(text)),) if text else ()
        sources = tuple(
            Source(
                str(s["name"]),
                str(s["reliability"]),
                int(s["credibility"]),
                self.granular(obj, f"jointex_sources.[{i}]", banner),
            )
            for i, s in enumerate(obj.get("jointex_sources", []))
        )
        attachments = tuple(
            Attachment(
                str(a["name"]),
                str(a["media_type"]),
                self.granular(obj, f"jointex_attachments.[{i}]", banner),
                str(a.get("data", "")),
            )
            for i, a in enumerate(obj.get("jointex_attachments", []))
        )
        product_id = next(
            (
                str(ref["external_id"])
                for ref in obj.get("external_references", [])
                if ref.get("source_name") == _PRODUCT_SOURCE and "external_id" in ref
            ),
            str(obj["id"]),
        )
        when = obj.get("published") if kind == "report" else obj.get("first_seen")
        return IntelProduct(
            id=product_id,
            kind=kind,
            title=title,
            portions=body,
            originator="import",
            owner=self.owner(obj, banner),
            minute=self.minute(when or obj.get("created")),
            sources=sources,
            attachments=attachments,
            location=self.location(obj, banner),
            track_ids=tuple(_string_list(obj.get("jointex_track_ids", []), "jointex_track_ids")),
            derived_from=_optional_string(obj.get("jointex_derived_from"), "jointex_derived_from"),
            released_to=tuple(
                _string_list(obj.get("jointex_released_to", []), "jointex_released_to")
            ),
            related=tuple(_string_list(obj.get("jointex_related", []), "jointex_related")),
        )

    def portion(self, note: Mapping[str, Any]) -> Portion:
        try:
            marking = self.object_marking(note)
        except _Rejected as error:
            raise _Rejected(f"portion note {note['id']}: {error}") from error
        return Portion(marking, str(note["content"]), str(note.get("jointex_portion_id", "")))

    def location(self, obj: Mapping[str, Any], banner: Marking) -> tuple[float, float] | None:
        refs: Iterable[Any] = [*obj.get("object_refs", []), *obj.get("where_sighted_refs", [])]
        for ref in refs:
            place = self.by_id.get(str(ref))
            if place is None or place["type"] != "location" or "latitude" not in place:
                continue
            marking = self.object_marking(place)
            if rollup([banner, marking]) != rollup([banner]):
                raise _Rejected(f"location {ref} is marked above the product")
            return (float(place["longitude"]), float(place["latitude"]))
        return None


def import_bundle(
    bundle: Mapping[str, Any] | str,
    *,
    levels: ClassificationLevels = DEFAULT_LEVELS,
    epoch: datetime = EXERCISE_EPOCH,
) -> ImportResult:
    """Read the reports, notes and sightings of a STIX 2.1 bundle back into products.

    Each object is validated with the ``stix2`` library on its own; an invalid object, or a
    product whose marking, portions or location cannot be read, is reported in ``errors`` and
    not imported at all, and the rest are imported. Markings: the JointEx classification
    extension gives its marking; TLP 1.0, OASIS TLP 2.0 and OpenCTI TLP ids (or a marking
    definition naming a TLP label) give the lowest classification with that label; several
    markings on one object roll up; no marking at all means the lowest level (UNCLASSIFIED). A
    reference to a marking that is neither defined in the bundle nor a known TLP id is an error.
    Products from other systems (no JointEx product extension) get one portion holding their
    description, marked with the object's marking. Imported products have originator ``import``;
    the owner is the producing identity's nation, else the banner's owner.

    Args:
        bundle: the bundle, as a dict or JSON text.
        levels: the classification ladder markings are read on.
        epoch: the wall time of scenario minute 0 (as given to `export_bundle`).

    Returns:
        The products and the per-object errors.
    """
    if isinstance(bundle, str):
        try:
            bundle = json.loads(bundle)
        except ValueError as error:
            return ImportResult([], [ObjectError("", "bundle", f"not JSON: {error}")])
    if not isinstance(bundle, Mapping) or bundle.get("type") != "bundle":
        return ImportResult([], [ObjectError("", "bundle", "not a STIX bundle")])
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        return ImportResult([], [ObjectError(str(bundle.get("id", "")), "bundle", "no objects")])
    importer = _Importer(objects, levels, epoch)
    products = importer.products()
    return ImportResult(products, importer.errors)
