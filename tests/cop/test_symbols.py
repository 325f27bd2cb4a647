"""Tests for jointex.cop._symbols: 2525D SIDC fields, the exercise context and CoT types."""

from __future__ import annotations

import pytest

from jointex import ParameterError
from jointex.cop import cot_type, exercise_sidc, parse_sidc
from tests.cop.data import flagship


def test_parse_fields() -> None:
    """A 2525D code splits into version, context, identity, symbol set, entity and modifiers."""
    sidc = parse_sidc("10031000161211000000")
    assert (sidc.version, sidc.context, sidc.identity, sidc.symbol_set) == ("10", "0", "3", "10")
    assert (sidc.status, sidc.hq_tf_dummy, sidc.amplifier) == ("0", "0", "16")
    assert (sidc.entity, sidc.modifier1, sidc.modifier2) == ("121100", "00", "00")
    assert sidc.context_name == "reality"
    assert sidc.identity_name == "friend"
    assert not sidc.is_exercise


@pytest.mark.parametrize(
    "code",
    [
        "",
        "1003100016121100000",
        "100310001612110000000",
        "10031000161211o00000",
        "10531000161211000000",
        "10091000161211000000",
    ],
)
def test_parse_rejects_malformed(code: str) -> None:
    """Wrong length, non-digits, an unknown context or identity are ParameterErrors."""
    with pytest.raises(ParameterError):
        parse_sidc(code)


@pytest.mark.parametrize("context", ["0", "1", "2"])
def test_exercise_context_forced(context: str) -> None:
    """Whatever the context, the exercise form has digit 3 = 1 and keeps every other digit."""
    code = f"10{context}60100001101040000"
    forced = exercise_sidc(code)
    assert forced == "10160100001101040000"
    assert parse_sidc(forced).is_exercise


COT_TYPES = [
    ("10030100001101040000", "a-f-A-M-F-F"),  # friend air fighter
    ("10060100001101040000", "a-h-A-M-F-F"),  # hostile air fighter
    ("10160100001101030000", "a-h-A-M-F-B"),  # hostile bomber
    ("10130100001101110000", "a-f-A-M-F-R"),  # friend reconnaissance
    ("10160100001101160000", "a-h-A-M-F-R-W"),  # hostile airborne early warning
    ("10160100001103000000", "a-h-A-M-F-Q"),  # hostile UAV
    ("10130100001102000000", "a-f-A-M-H"),  # friend rotary wing
    ("10140100001200000000", "a-n-A-C"),  # neutral civilian aircraft
    ("10160100000000000000", "a-h-A"),  # hostile air, no entity
    ("10163000001202030000", "a-h-S-C-L-D-D"),  # hostile destroyer
    ("10163000001203000000", "a-h-S-C-A"),  # hostile amphibious warfare ship
    ("10163000001205020000", "a-h-S-C-P"),  # hostile patrol ship
    ("10133000001201000000", "a-f-S-C-L-C-V"),  # friend carrier
    ("10163000000000000000", "a-h-S"),  # hostile sea surface, no entity
    ("10163500001100000000", "a-h-U-S"),  # hostile submarine
    ("10113500000000000000", "a-u-U"),  # unknown subsurface
    ("10131000161301000000", "a-f-G-U-C-D"),  # friend air defence battalion
    ("10161000181211000000", "a-h-G-U-C-I"),  # hostile infantry brigade
    ("10161000181307000000", "a-h-G-U-C"),  # hostile missile unit: fires, generic
    ("10141000000000000000", "a-n-G-U"),  # neutral land unit
    ("10131500002201000000", "a-f-G-E-S-R"),  # friend radar
    ("10132000000000000000", "a-f-G-I"),  # friend installation
    ("10120100001101040000", "a-a-A-M-F-F"),  # assumed friend
    ("10150100001101040000", "a-s-A-M-F-F"),  # suspect
    ("10100100001101040000", "a-p-A-M-F-F"),  # pending
    ("10130500000000000000", "a-f-P"),  # friend space
    ("10132500000000000000", "a-f-G"),  # control measure: no dimension, ground by convention
]


@pytest.mark.parametrize(("code", "expected"), COT_TYPES)
def test_cot_type_table(code: str, expected: str) -> None:
    """The CoT type follows identity, symbol set and the entity table (longest prefix)."""
    assert cot_type(code) == expected


def test_cot_type_ignores_context() -> None:
    """Reality, exercise and simulation forms of a symbol give the same CoT type."""
    assert {cot_type(f"10{c}30100001101040000") for c in "012"} == {"a-f-A-M-F-F"}


def test_flagship_symbols_all_convert() -> None:
    """Every force of the flagship scenario has a valid SIDC with a CoT type and a dimension."""
    for force in flagship().forces:
        kind = cot_type(force.sidc)
        side = {"blue": "f", "red": "h", "neutral": "n"}[force.side]
        assert kind.split("-")[:2] == ["a", side], force.id
        assert kind.split("-")[2] in "AGSUP", force.id
