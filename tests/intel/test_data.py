"""Products as JSON-ready data and back: exact round trips, strict reading."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given

from jointex._errors import JointExError, MarkingError
from jointex.intel import IntelProduct, product_from_data, product_to_data
from jointex.markings import ClassificationLevels, Portion, parse_marking
from tests.intel.world import NOFORN, USA_REPORT
from tests.strategies import intel_products

_FULL = {**USA_REPORT, "id": "INT-1", "originator": "usa", "owner": "USA", "minute": 360}


@given(intel_products("INT-2", ("INT-1",)))
def test_round_trip(product: IntelProduct) -> None:
    """Any product survives to_data -> JSON -> from_data unchanged."""
    data = json.loads(json.dumps(product_to_data(product)))
    assert product_from_data(data) == product


def test_markings_are_written_as_banners() -> None:
    """Portion markings are written as canonical banners."""
    data = product_to_data(product_from_data({**_FULL, "portions": [
        {"marking": "(//USA S//NF)", "content": "x"}]}))  # fmt: skip
    assert data["portions"][0] == {"id": "", "marking": NOFORN, "content": "x"}


def test_scenario_ladder_round_trips() -> None:
    """Markings on a scenario's own ladder are read on that ladder."""
    ladder = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    title = Portion(parse_marking("OFFICIAL", ladder), "t")
    product = IntelProduct("INT-1", "note", title, (), "usa", "USA", 0)
    assert product_from_data(product_to_data(product), ladder) == product


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"titel": "x"}, JointExError, "an intel product has no field 'titel'"),
        ({"kind": "rumour"}, JointExError, "product kind 'rumour' is not one of"),
        ({"owner": "XXX"}, JointExError, "owner 'XXX' is not an ISO 3166-1"),
        ({"minute": True}, JointExError, "minute must be a whole number"),
        ({"portions": [{"content": "x"}]}, JointExError, "portions[0] needs 'marking'"),
        ({"portions": [{"marking": "S//NF", "text": "x"}]}, JointExError, "has no field 'text'"),
        ({"portions": [{"marking": "Q", "content": "x"}]}, MarkingError, "portions[0] does not"),
        ({"sources": [{"name": "n", "reliability": "G", "credibility": 1, "marking": "U"}]},
         JointExError, "reliability of sources[0] is a letter A-F"),
        ({"sources": [{"name": "n", "reliability": "A", "credibility": 7, "marking": "U"}]},
         JointExError, "credibility of sources[0] is a number 1-6"),
        ({"location": [200, 0]}, JointExError, "is not a longitude/latitude"),
        ({"location": "here"}, JointExError, "location must be [lon, lat]"),
        ({"related": "INT-2"}, JointExError, "'related' must be a list"),
        ({"released_to": ["ZZZ"]}, JointExError, "released_to 'ZZZ'"),
    ],
)  # fmt: skip
def test_reading_is_strict(change: dict[str, Any], error: type[Exception], message: str) -> None:
    """Unknown keys, missing fields, bad values and unparseable markings are errors."""
    with pytest.raises(error) as caught:
        product_from_data({**_FULL, **change})
    assert message in str(caught.value)
