"""Parsing and rendering of banners and portion marks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointex import MarkingError
from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevel,
    ClassificationLevels,
    Marking,
    Tlp,
    parse_marking,
    parse_tlp,
)

GOOD = [
    # text, banner, portion
    ("UNCLASSIFIED", "UNCLASSIFIED", "(U)"),
    ("(U)", "UNCLASSIFIED", "(U)"),
    ("CONFIDENTIAL", "CONFIDENTIAL", "(C)"),
    ("SECRET//NOFORN", "SECRET//NOFORN", "(S//NF)"),
    ("(S//NF)", "SECRET//NOFORN", "(S//NF)"),
    ("SECRET//REL TO USA, TWN", "SECRET//REL TO USA, TWN", "(S//REL TO USA, TWN)"),
    ("(S//REL TO USA, TWN)", "SECRET//REL TO USA, TWN", "(S//REL TO USA, TWN)"),
    ("CONFIDENTIAL//REL TO TWN, USA", "CONFIDENTIAL//REL TO USA, TWN", "(C//REL TO USA, TWN)"),
    (
        "TOP SECRET//REL TO USA, FVEY",
        "TOP SECRET//REL TO USA, AUS, CAN, GBR, NZL",
        "(TS//REL TO USA, AUS, CAN, GBR, NZL)",
    ),
    ("secret//rel to usa,twn", "SECRET//REL TO USA, TWN", "(S//REL TO USA, TWN)"),
    ("  ( ts // nf )  ", "TOP SECRET//NOFORN", "(TS//NF)"),
    ("top   secret", "TOP SECRET", "(TS)"),
    ("S//NOFORN", "SECRET//NOFORN", "(S//NF)"),
    ("(SECRET//NOFORN)", "SECRET//NOFORN", "(S//NF)"),
    ("TLP:AMBER", "UNCLASSIFIED//TLP:AMBER", "(U//TLP:AMBER)"),
    ("tlp:white", "UNCLASSIFIED//TLP:CLEAR", "(U//TLP:CLEAR)"),
    ("UNCLASSIFIED//TLP:GREEN", "UNCLASSIFIED//TLP:GREEN", "(U//TLP:GREEN)"),
    (
        "SECRET//REL TO USA, TWN//TLP:AMBER+STRICT",
        "SECRET//REL TO USA, TWN//TLP:AMBER+STRICT",
        "(S//REL TO USA, TWN//TLP:AMBER+STRICT)",
    ),
    ("SECRET//TLP:RED//NF", "SECRET//NOFORN//TLP:RED", "(S//NF//TLP:RED)"),
    (
        "//GBR SECRET//REL TO GBR, USA",
        "//GBR SECRET//REL TO USA, GBR",
        "(//GBR S//REL TO USA, GBR)",
    ),
    ("(//twn c//nf)", "//TWN CONFIDENTIAL//NOFORN", "(//TWN C//NF)"),
    ("//USA SECRET", "//USA SECRET", "(//USA S)"),
]

BAD = [
    ("", "empty marking"),
    ("   ", "empty marking"),
    ("SECERT", "unknown classification 'SECERT' (did you mean 'SECRET'?) at column 1"),
    ("SECERT//NOFORN", "unknown classification 'SECERT' (did you mean 'SECRET'?)"),
    ("PUBLIC", "unknown classification 'PUBLIC'"),
    ("SECRET//REL TO USA, XXA", "unknown country code 'XXA' in REL TO at column 21"),
    ("SECRET//REL TO USA, UK", "unknown country code 'UK' in REL TO"),
    ("SECRET//NOFORN//REL TO USA", "NOFORN and REL TO cannot both be set"),
    ("SECRET//REL TO USA//NF", "NOFORN and REL TO cannot both be set"),
    ("SECRET//REL TO", "REL TO needs at least one country at column 9"),
    ("SECRET//REL TO  ", "REL TO needs at least one country"),
    ("(TS//REL)", "'REL' must be followed by 'TO' and country codes"),
    ("SECRET//REL TO USA TWN", "missing ',' between 'USA' and 'TWN' in REL TO"),
    ("SECRET//REL TO USA,,TWN", "empty country code in REL TO (stray ',')"),
    ("SECRET//REL TO USA//REL TO TWN", "REL TO appears twice"),
    ("SECRET//NF//NOFORN", "NOFORN appears twice"),
    ("SECRET//TLP:RED//TLP:RED", "TLP appears twice"),
    ("SECRET/NOFORN", "blocks are separated by '//', not '/'"),
    ("SECRET//", "empty block between '//' separators at column 9"),
    ("SECRET////NF", "empty block between '//' separators"),
    ("(S//NF", "portion mark opened with '(' is not closed"),
    ("S//NF)", "')' closes no '('"),
    ("()", "empty portion mark"),
    ("SECRET//ORCON", "unknown dissemination control 'ORCON'"),
    ("TLP:PURPLE", "unknown TLP label 'TLP:PURPLE'"),
    ("UNCLASSIFIED//TLP:", "unknown TLP label 'TLP:'"),
    ("TLP:AMBER//NOFORN", "a TLP label alone must be the whole marking"),
    ("//SECRET", "a marking starting with '//' needs an owner and a classification"),
    ("//XXA SECRET", "unknown country code 'XXA' as owner"),
    ("//GBR SECERT", "unknown classification 'SECERT'"),
    ("//GBR SECRET//REL TO USA", "REL TO must include the owner 'GBR'"),
]


@pytest.mark.parametrize(("text", "banner", "portion"), GOOD)
def test_good_markings_parse_and_render(text: str, banner: str, portion: str) -> None:
    """Each accepted form parses, renders the canonical banner and portion, and reads back."""
    marking = parse_marking(text)
    assert marking.banner() == banner
    assert marking.portion() == portion
    assert str(marking) == banner
    assert parse_marking(banner) == marking
    assert parse_marking(portion) == marking


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_markings_raise_with_what_and_where(text: str, message: str) -> None:
    """Each malformed marking raises MarkingError saying what is wrong."""
    with pytest.raises(MarkingError) as caught:
        parse_marking(text)
    assert message in str(caught.value)


def test_error_message_names_the_input() -> None:
    """The message quotes the whole input so a log line is enough to find it."""
    with pytest.raises(MarkingError, match=r"of 'SECRET//REL TO USA, XXA'$"):
        parse_marking("SECRET//REL TO USA, XXA")


def test_marking_error_is_a_value_error() -> None:
    """MarkingError can be caught as ValueError by generic callers."""
    with pytest.raises(ValueError, match="unknown classification"):
        parse_marking("SECRIT")


def test_fvey_expands_to_the_five_eyes() -> None:
    """FVEY in REL TO expands to AUS, CAN, GBR, NZL, USA with duplicates dropped."""
    marking = parse_marking("SECRET//REL TO FVEY, USA, TWN")
    assert marking.rel_to == ("USA", "AUS", "CAN", "GBR", "NZL", "TWN")


def test_rel_to_puts_usa_first_then_alphabetical() -> None:
    """REL TO lists render USA first and the rest alphabetically, whatever the input order."""
    marking = Marking("S", rel_to=("twn", "JPN", "USA", "AUS"))
    assert marking.banner() == "SECRET//REL TO USA, AUS, JPN, TWN"


def test_rel_to_without_usa_is_alphabetical() -> None:
    """A REL TO list without USA is simply alphabetical."""
    assert parse_marking("(S//REL TO TWN, JPN)").portion() == "(S//REL TO JPN, TWN)"


def test_constructor_normalises_like_the_parser() -> None:
    """Building a Marking directly gives the same value as parsing its banner."""
    built = Marking("secret", owner="gbr", rel_to=("FVEY",), tlp=Tlp.GREEN)
    assert built == parse_marking("//GBR SECRET//REL TO USA, AUS, CAN, GBR, NZL//TLP:GREEN")
    assert built.classification == "SECRET"
    assert built.owner == "GBR"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"classification": "SECERT"}, "did you mean 'SECRET'?"),
        ({"classification": "S", "rel_to": ()}, "REL TO needs at least one country"),
        ({"classification": "S", "rel_to": "USA"}, "not 'USA'"),
        ({"classification": "S", "noforn": True, "rel_to": ("USA",)}, "cannot both be set"),
        ({"classification": "S", "rel_to": ("USA", "XXA")}, "unknown country code 'XXA'"),
        ({"classification": "S", "owner": "ZZZ"}, "unknown country code 'ZZZ' as owner"),
        ({"classification": "S", "tlp": "TLP:RED"}, "tlp must be a Tlp"),
    ],
)
def test_constructor_rejects_invalid_values(kwargs: dict[str, object], message: str) -> None:
    """Marking's constructor raises MarkingError for every invalid combination."""
    with pytest.raises(MarkingError) as caught:
        Marking(**kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "tlp"),
    [
        ("TLP:CLEAR", Tlp.CLEAR),
        ("TLP:WHITE", Tlp.CLEAR),
        ("tlp : green", Tlp.GREEN),
        ("TLP:AMBER", Tlp.AMBER),
        ("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
        ("TLP:amber + strict", Tlp.AMBER_STRICT),
        ("TLP:RED", Tlp.RED),
    ],
)
def test_tlp_labels_parse(text: str, tlp: Tlp) -> None:
    """TLP 2.0 labels parse, with TLP:WHITE read as TLP:CLEAR."""
    assert parse_tlp(text) is tlp


def test_tlp_order_and_labels() -> None:
    """TLP labels order from CLEAR (least) to RED (most restrictive) and render canonically."""
    assert Tlp.CLEAR < Tlp.GREEN < Tlp.AMBER < Tlp.AMBER_STRICT < Tlp.RED
    assert [str(t) for t in Tlp] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]


NATO = ClassificationLevels.of(
    ("NATO UNCLASSIFIED", "NU"),
    ("NATO RESTRICTED", "NR"),
    ("NATO CONFIDENTIAL", "NC"),
    ("NATO SECRET", "NS"),
    ("COSMIC TOP SECRET", "CTS"),
)


def test_custom_levels_parse_and_render() -> None:
    """A scenario's own ladder parses names and abbreviations and renders both forms."""
    marking = parse_marking("nato  secret//rel to fvey", NATO)
    assert marking.banner() == "NATO SECRET//REL TO USA, AUS, CAN, GBR, NZL"
    assert marking.portion() == "(NS//REL TO USA, AUS, CAN, GBR, NZL)"
    assert marking.rank == 3
    assert parse_marking(marking.portion(), NATO) == marking


def test_custom_levels_reject_default_names() -> None:
    """With a custom ladder, the default level names are unknown (with a suggestion)."""
    with pytest.raises(MarkingError, match=r"unknown classification 'SECRET' \(did you mean"):
        parse_marking("SECRET", NATO)


def test_custom_ladder_tlp_alone_uses_lowest_level() -> None:
    """A bare TLP label on a custom ladder means that ladder's lowest level."""
    assert parse_marking("TLP:GREEN", NATO).classification == "NATO UNCLASSIFIED"


def test_default_levels_order() -> None:
    """The default ladder is U < C < S < TS."""
    assert [(level.name, level.abbreviation) for level in DEFAULT_LEVELS] == [
        ("UNCLASSIFIED", "U"),
        ("CONFIDENTIAL", "C"),
        ("SECRET", "S"),
        ("TOP SECRET", "TS"),
    ]
    assert DEFAULT_LEVELS.rank("ts") == 3
    assert DEFAULT_LEVELS.lowest.name == "UNCLASSIFIED"
    assert len(DEFAULT_LEVELS) == 4


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ((), "at least one level"),
        ((("SECRET", "S"), ("SUPER", "S")), "'S' is defined twice"),
        ((("A", "B"), ("B", "C")), "'B' is defined twice"),
        ((("", "X"),), "name is empty"),
        ((("SECRET//X", "S"),), "contains one of"),
        ((("NOFORN", "N"),), "reserved marking word"),
        ((("OPEN", "TLP"),), "reserved marking word"),
    ],
)
def test_invalid_ladders_are_rejected(pairs: tuple[tuple[str, str], ...], message: str) -> None:
    """Ladders with empty, duplicate, reserved or separator-bearing names raise MarkingError."""
    with pytest.raises(MarkingError) as caught:
        ClassificationLevels.of(*pairs)
    assert message in str(caught.value)


def test_level_names_are_normalised() -> None:
    """Level names and abbreviations are stored upper-case with single spaces."""
    assert ClassificationLevel(" top   secret ", "ts") == ClassificationLevel("TOP SECRET", "TS")


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_marking_error(text: str) -> None:
    """Arbitrary text either parses or raises MarkingError, never another exception."""
    try:
        marking = parse_marking(text)
    except MarkingError:
        return
    assert parse_marking(marking.banner()) == marking


MARKING_FRAGMENTS = (
    *("//", "/", "(", ")", ",", " ", "S", "U", "TS", "NF", "NOFORN", "REL TO", "REL", "USA"),
    *("TWN", "FVEY", "XXA", "TLP:", "AMBER", "+STRICT", "SECRET", "TOP ", "//GBR "),
)


@given(st.lists(st.sampled_from(MARKING_FRAGMENTS), max_size=12).map("".join))
def test_marking_like_text_parses_or_raises_marking_error(text: str) -> None:
    """Text built from marking fragments either parses (and round-trips) or raises MarkingError."""
    try:
        marking = parse_marking(text)
    except MarkingError:
        return
    assert parse_marking(marking.portion()) == marking
