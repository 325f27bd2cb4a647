"""STIX 2.1 mapping: marking definitions, export through view_for, import with per-object errors."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from typing import Any

import pytest
import stix2

from jointex.intel._product import Attachment, IntelProduct, Source, view_for
from jointex.intel._stix import (
    CLASSIFICATION_EXTENSION_ID,
    OPENCTI_TLP_IDS,
    STIX_NAMESPACE,
    TLP1_IDS,
    TLP2_IDS,
    export_bundle,
    import_bundle,
    marking_definition,
    marking_definition_id,
)
from jointex.markings import Marking, Portion, Reader, Tlp, parse_marking

NATIONS = {"USA": "United States", "TWN": "Taiwan", "GBR": "United Kingdom"}
USA_SECRET = Reader("USA", "SECRET")
TWN_SECRET = Reader("TWN", "SECRET")
NOFORN_TEXT = "Source HARBOR-7 reports the 73rd Group Army loading at Xiamen."


def _m(text: str) -> Marking:
    return parse_marking(text)


def _products() -> list[IntelProduct]:
    rel = _m("SECRET//REL TO USA, TWN")
    return [
        IntelProduct(
            id="INT-1",
            kind="report",
            title=Portion(_m("UNCLASSIFIED//TLP:GREEN"), "Amphibious loading observed", "t1"),
            portions=(
                Portion(rel, "Landing ships moving to Xiamen piers.", "p1"),
                Portion(_m("//USA SECRET//NOFORN"), NOFORN_TEXT, "p2"),
                Portion(_m("(U)"), "Weather favours crossing on D+3."),
            ),
            originator="blue-usa",
            owner="USA",
            minute=90,
            sources=(
                Source("MND radar", "B", 2, rel),
                Source("HARBOR-7", "A", 1, _m("//USA SECRET//NOFORN")),
            ),
            attachments=(Attachment("pier.png", "image/png", rel, "aGVsbG8="),),
            location=(118.09, 24.48),
            related=("INT-2",),
        ),
        IntelProduct(
            id="INT-2",
            kind="note",
            title=Portion(_m("CONFIDENTIAL//REL TO USA, TWN//TLP:AMBER+STRICT"), "Analyst note"),
            portions=(Portion(_m("CONFIDENTIAL//REL TO USA, TWN"), "Consistent with exercise."),),
            originator="blue-twn",
            owner="TWN",
            minute=120,
            derived_from="INT-1",
        ),
        IntelProduct(
            id="INT-3",
            kind="sighting",
            title=Portion(rel, "J-16 pair east of median line"),
            portions=(Portion(rel, "Two J-16 at FL250 heading 090."),),
            originator="blue-twn",
            owner="TWN",
            minute=135,
            location=(119.9, 24.1),
            track_ids=("TRK-12", "TRK-14"),
            related=("INT-1", "INT-4"),
        ),
        IntelProduct(
            id="INT-4",
            kind="report",
            title=Portion(_m("//USA SECRET//NOFORN"), "HARBOR-7 tasking"),
            portions=(Portion(_m("//USA SECRET//NOFORN"), "Retask HARBOR-7 to Pingtan."),),
            originator="blue-usa",
            owner="USA",
            minute=140,
        ),
    ]


def _export(reader: Reader = USA_SECRET, products: list[IntelProduct] | None = None) -> Any:
    return export_bundle(
        _products() if products is None else products,
        reader,
        exercise_id="EX-1",
        scenario_title="Strait Crisis",
        nations=NATIONS,
    )


def test_every_exported_object_validates_with_stix2() -> None:
    """Each object of an exported bundle passes stix2 validation on its own, custom ones too."""
    bundle = _export()
    for obj in bundle["objects"]:
        parsed = stix2.parse(obj, allow_custom=True, version="2.1")
        assert not isinstance(parsed, dict), obj["type"]
    assert {o["type"] for o in bundle["objects"]} >= {
        "identity",
        "extension-definition",
        "marking-definition",
        "report",
        "note",
        "sighting",
        "location",
        "threat-actor",
    }


def test_export_is_deterministic() -> None:
    """The same inputs give byte-identical JSON."""
    first = json.dumps(_export(), sort_keys=False)
    second = json.dumps(_export(), sort_keys=False)
    assert first == second


def test_marking_definition_id_is_uuid5_of_banner() -> None:
    """The marking definition id is uuid5(namespace, banner), equal for equal banners."""
    marking = _m("secret//rel to twn, usa")
    expected = f"marking-definition--{uuid.uuid5(STIX_NAMESPACE, 'SECRET//REL TO USA, TWN')}"
    assert marking_definition_id(marking) == expected
    assert marking_definition(marking) == marking_definition(_m("SECRET//REL TO USA, TWN"))
    assert marking_definition_id(_m("SECRET//NOFORN")) != marking_definition_id(_m("SECRET"))


def test_marking_definition_has_ic_ism_fields() -> None:
    """The JointEx extension carries classification, owner, controls and the release list."""
    definition = marking_definition(_m("//USA SECRET//REL TO USA, TWN"))
    stix2.parse(definition, version="2.1")
    assert definition["extensions"][CLASSIFICATION_EXTENSION_ID] == {
        "extension_type": "property-extension",
        "classification": "SECRET",
        "owner_producer": "USA",
        "dissemination_controls": ["REL TO"],
        "releasable_to": ["USA", "TWN"],
    }
    noforn = marking_definition(_m("//USA SECRET//NOFORN"))
    assert noforn["extensions"][CLASSIFICATION_EXTENSION_ID]["dissemination_controls"] == ["NOFORN"]


def test_noforn_portion_never_reaches_a_partner_bundle() -> None:
    """A USA NOFORN portion, source or product is nowhere in the JSON exported for TWN."""
    text = json.dumps(_export(TWN_SECRET))
    for secret in (NOFORN_TEXT, "HARBOR-7", "Pingtan", "INT-4", "//USA SECRET//NOFORN"):
        assert secret not in text
    assert "Landing ships moving to Xiamen piers." in text
    assert NOFORN_TEXT in json.dumps(_export(USA_SECRET))


def test_export_applies_view_for_even_without_prefiltering() -> None:
    """Every exported report's marking is readable by the bundle's reader."""
    result = import_bundle(_export(TWN_SECRET))
    assert not result.errors
    assert {p.id for p in result.products} == {"INT-1", "INT-2", "INT-3"}
    for product in result.products:
        assert view_for(product, TWN_SECRET) == product


def test_round_trip_gives_equal_products() -> None:
    """Export then import gives the same products, markings included (originator 'import')."""
    result = import_bundle(json.dumps(_export()))
    assert result.errors == []
    views = [view_for(p, USA_SECRET) for p in _products()]
    expected = [replace(v, originator="import") for v in views if v is not None]
    assert len(expected) == 4
    assert result.products == expected


def test_round_trip_of_a_partner_view() -> None:
    """The TWN view round-trips to the TWN view, with links to hidden products dropped."""
    result = import_bundle(_export(TWN_SECRET))
    views = [v for v in (view_for(p, TWN_SECRET) for p in _products()) if v is not None]
    expected = [
        replace(v, originator="import", related=tuple(r for r in v.related if r != "INT-4"))
        for v in views
    ]
    assert result.products == expected
    assert expected[2].related == ("INT-1",)


def _tlp_bundle(marking_ref: str, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--0b3a7f4e-6c1d-4d8e-9f2a-1b2c3d4e5f60",
        "created": "2024-01-01T01:00:00.000Z",
        "modified": "2024-01-01T01:00:00.000Z",
        "name": "Feed item",
        "description": "From a partner platform.",
        "published": "2024-01-01T01:00:00.000Z",
        "object_refs": ["identity--0b3a7f4e-6c1d-4d8e-9f2a-1b2c3d4e5f61"],
        "object_marking_refs": [marking_ref],
    }
    return {
        "type": "bundle",
        "id": "bundle--0b3a7f4e-6c1d-4d8e-9f2a-1b2c3d4e5f62",
        "objects": [*definitions, report],
    }


_TLP_CASES = [
    *((mid, tlp, "2.0") for tlp, mid in TLP2_IDS.items()),
    *((mid, tlp, "1.0") for mid, tlp in TLP1_IDS.items()),
    *((mid, tlp, "opencti") for mid, tlp in OPENCTI_TLP_IDS.items()),
]


@pytest.mark.parametrize(("marking_id", "tlp", "family"), _TLP_CASES)
def test_tlp_ids_of_every_family_are_accepted(marking_id: str, tlp: Tlp, family: str) -> None:
    """A TLP id (TLP 1.0, OASIS TLP 2.0, OpenCTI) means UNCLASSIFIED with that TLP label."""
    del family
    result = import_bundle(_tlp_bundle(marking_id, []))
    assert result.errors == []
    (product,) = result.products
    assert product.marking == Marking("UNCLASSIFIED", tlp=tlp)
    marking = Marking("UNCLASSIFIED", tlp=tlp)
    assert product.portions == (Portion(marking, "From a partner platform."),)
    assert product.minute == 60


def test_tlp_definitions_in_the_bundle_are_accepted_as_written() -> None:
    """stix2's TLP 1.0, OASIS TLP 2.0 and OpenCTI's definition objects all import cleanly."""
    opencti: dict[str, Any] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37",
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "definition_type": "TLP",
        "definition": {"tlp": "amber+strict"},
    }
    definitions = [json.loads(stix2.TLP_GREEN.serialize()), opencti]
    result = import_bundle(_tlp_bundle(opencti["id"], definitions))
    assert result.errors == []
    assert result.products[0].marking == Marking("UNCLASSIFIED", tlp=Tlp.AMBER_STRICT)


def test_tlp_by_name_for_an_unknown_id() -> None:
    """A marking definition with another id is still read by its TLP name."""
    other: dict[str, Any] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--0b3a7f4e-6c1d-4d8e-9f2a-1b2c3d4e5f63",
        "created": "2023-01-01T00:00:00.000Z",
        "name": "TLP:RED",
        "definition_type": "TLP",
        "definition": {"TLP": "TLP:RED"},
    }
    result = import_bundle(_tlp_bundle(other["id"], [other]))
    assert result.errors == []
    assert result.products[0].marking == Marking("UNCLASSIFIED", tlp=Tlp.RED)


def test_unmarked_object_imports_as_unclassified() -> None:
    """An object without any marking is UNCLASSIFIED."""
    bundle = _tlp_bundle("unused", [])
    del bundle["objects"][-1]["object_marking_refs"]
    (product,) = import_bundle(bundle).products
    assert product.marking == Marking("UNCLASSIFIED")


def _main(bundle: dict[str, Any], product_id: str) -> dict[str, Any]:
    return next(
        o
        for o in bundle["objects"]
        if any(r.get("external_id") == product_id for r in o.get("external_references", []))
    )


def test_invalid_objects_are_reported_and_the_rest_imported() -> None:
    """Missing property, bad id and unknown marking each give one error; other products import."""
    bundle = copy.deepcopy(_export())
    del _main(bundle, "INT-1")["name"]
    _main(bundle, "INT-2")["id"] = "note--not-a-uuid"
    _main(bundle, "INT-3")["object_marking_refs"] = [
        "marking-definition--0b3a7f4e-6c1d-4d8e-9f2a-1b2c3d4e5f64"
    ]
    bundle["objects"].append(["not", "an", "object"])
    result = import_bundle(bundle)
    assert [p.id for p in result.products] == ["INT-4"]
    messages = {e.type: e.message for e in result.errors if e.type}
    assert "name" in messages["report"]
    assert "not a valid STIX identifier" in messages["note"]
    assert "unknown marking definition" in messages["sighting"]
    assert any(e.message == "not a STIX object (no id)" for e in result.errors)


def test_malformed_jointex_properties_reject_only_their_product() -> None:
    """Extension properties stix2 does not check are checked on import, product by product."""
    bundle = copy.deepcopy(_export())
    _main(bundle, "INT-1")["jointex_attachments"] = ["not an attachment"]
    _main(bundle, "INT-3")["jointex_track_ids"] = "TRK-12"
    result = import_bundle(bundle)
    assert [p.id for p in result.products] == ["INT-2", "INT-4"]
    assert [e.type for e in result.errors] == ["report", "sighting"]


def test_product_with_an_invalid_portion_note_is_not_imported_in_part() -> None:
    """A broken portion note rejects its whole product rather than dropping the portion."""
    bundle = copy.deepcopy(_export())
    report_id = _main(bundle, "INT-4")["id"]
    note = next(
        o for o in bundle["objects"] if o["type"] == "note" and o["object_refs"] == [report_id]
    )
    del note["content"]
    result = import_bundle(bundle)
    assert "INT-4" not in {p.id for p in result.products}
    assert {e.object_id for e in result.errors} == {note["id"], report_id}


def test_marking_definition_with_bad_extension_rejects_its_users() -> None:
    """An unknown classification in the extension makes the definition and its users errors."""
    bundle = copy.deepcopy(_export(products=_products()[3:]))
    definition = next(
        o
        for o in bundle["objects"]
        if o["type"] == "marking-definition" and o.get("name") == "//USA SECRET//NOFORN"
    )
    definition["extensions"][CLASSIFICATION_EXTENSION_ID]["classification"] = "ULTRA"
    result = import_bundle(bundle)
    assert result.products == []
    assert definition["id"] in {e.object_id for e in result.errors}


def test_unparseable_bundle_is_one_error() -> None:
    """Text that is not a bundle gives an error, not an exception."""
    result = import_bundle("{not json")
    assert result.products == []
    assert result.errors[0].type == "bundle"
    assert import_bundle({"type": "report"}).errors[0].message == "not a STIX bundle"
