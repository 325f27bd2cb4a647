"""The access rule: readers, can_read and its batch form readable_mask."""

from __future__ import annotations

import pickle

import pytest

from jointex import MarkingError
from jointex.markings import (
    ClassificationLevels,
    Marking,
    Reader,
    can_read,
    parse_marking,
    readable_mask,
)

CASES = [
    # reader nation, clearance, marking, readable
    ("TWN", "SECRET", "SECRET//REL TO USA, TWN", True),
    ("JPN", "TOP SECRET", "SECRET//REL TO USA, TWN", False),
    ("TWN", "CONFIDENTIAL", "SECRET//REL TO USA, TWN", False),
    ("GBR", "TOP SECRET", "TOP SECRET//REL TO USA, FVEY", True),
    ("TWN", "TOP SECRET", "TOP SECRET//REL TO USA, FVEY", False),
    ("USA", "SECRET", "//USA SECRET//NOFORN", True),
    ("GBR", "SECRET", "//USA SECRET//NOFORN", False),
    ("USA", "TOP SECRET", "SECRET//NOFORN", False),
    ("USA", "SECRET", "//USA SECRET", True),
    ("GBR", "SECRET", "//USA SECRET", False),
    ("USA", "TOP SECRET", "SECRET", False),
    ("TWN", "UNCLASSIFIED", "UNCLASSIFIED", True),
    ("TWN", "UNCLASSIFIED", "UNCLASSIFIED//TLP:RED", True),
    ("TWN", "UNCLASSIFIED", "//USA UNCLASSIFIED", True),
    ("TWN", "TOP SECRET", "UNCLASSIFIED//NOFORN", False),
    ("TWN", "UNCLASSIFIED", "UNCLASSIFIED//REL TO TWN", True),
    ("TWN", "SECRET", "(S//REL TO TWN//TLP:RED)", True),
]


@pytest.mark.parametrize(("nation", "clearance", "text", "readable"), CASES)
def test_can_read_table(nation: str, clearance: str, text: str, readable: bool) -> None:
    """can_read follows clearance, NOFORN-to-owner, REL TO and ignores TLP."""
    assert can_read(Reader(nation, clearance), parse_marking(text)) is readable


def test_noforn_without_owner_is_readable_by_nobody() -> None:
    """NOFORN with an unknown owner denies every nation, whatever the clearance."""
    marking = parse_marking("CONFIDENTIAL//NOFORN")
    assert marking.releasable == frozenset()
    assert not any(can_read(Reader(n, "TS"), marking) for n in ("USA", "GBR", "TWN"))


def test_classified_without_release_marking_is_noforn_by_default() -> None:
    """A classified marking without NOFORN or REL TO is readable only by its owner's nation."""
    assert parse_marking("//TWN SECRET").releasable == frozenset({"TWN"})
    assert parse_marking("UNCLASSIFIED").releasable is None


def test_reader_normalises_nation_and_clearance() -> None:
    """Reader stores its nation upper-case and its clearance as the level's name."""
    reader = Reader("usa", "ts", cell="blue-usa")
    assert reader == Reader("USA", "TOP SECRET", cell="blue-usa")
    assert reader.clearance == "TOP SECRET"
    assert reader.rank == 3


@pytest.mark.parametrize(
    ("nation", "clearance", "message"),
    [
        ("XXA", "SECRET", "unknown country code 'XXA' as reader nation"),
        ("USA", "SECERT", "unknown classification 'SECERT' (did you mean 'SECRET'?)"),
        ("", "SECRET", "unknown country code ''"),
    ],
)
def test_reader_rejects_unknown_values(nation: str, clearance: str, message: str) -> None:
    """A reader with an unknown nation or clearance raises MarkingError."""
    with pytest.raises(MarkingError) as caught:
        Reader(nation, clearance)
    assert message in str(caught.value)


def test_mixed_ladders_raise() -> None:
    """Comparing a reader and a marking on different ladders raises instead of guessing."""
    other = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    reader = Reader("GBR", "SECRET", levels=other)
    marking = parse_marking("SECRET//REL TO GBR")
    with pytest.raises(MarkingError, match="different classification ladders"):
        can_read(reader, marking)
    with pytest.raises(MarkingError, match="different classification ladders"):
        readable_mask(reader, [marking])


def test_equal_ladders_built_twice_are_compatible() -> None:
    """Two equal ladders (different objects) can be compared; only the values matter."""
    first = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    second = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    marking = parse_marking("SECRET//REL TO GBR", first)
    assert can_read(Reader("GBR", "S", levels=second), marking)
    assert readable_mask(Reader("GBR", "S", levels=second), [marking]) == [True]


def test_readable_mask_matches_table() -> None:
    """readable_mask gives can_read's answer for each marking, in order."""
    reader = Reader("TWN", "SECRET")
    items = [parse_marking(text) for _, _, text, _ in CASES]
    assert readable_mask(reader, items) == [can_read(reader, m) for m in items]
    assert readable_mask(reader, iter(items)) == [can_read(reader, m) for m in items]
    assert readable_mask(reader, []) == []


def test_tlp_does_not_change_access() -> None:
    """Adding any TLP label to a marking never changes who may read it."""
    plain = Marking("S", rel_to=("USA", "TWN"))
    reader = Reader("TWN", "S")
    assert can_read(reader, plain)
    assert can_read(reader, parse_marking("SECRET//REL TO USA, TWN//TLP:RED"))


def test_values_survive_pickling() -> None:
    """Markings, readers and ladders pickle (for worker processes) with computed fields intact."""
    marking = parse_marking("//GBR S//REL TO GBR, USA//TLP:RED")
    reader = Reader("GBR", "S")
    copy = pickle.loads(pickle.dumps(marking))
    assert copy == marking
    assert copy.releasable == frozenset({"GBR", "USA"})
    assert can_read(pickle.loads(pickle.dumps(reader)), copy)
