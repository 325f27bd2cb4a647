"""Properties of parsing, roll-up, the access rule and redaction over random markings."""

from __future__ import annotations

from random import Random

from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import (
    MARKING_NATIONS,
    classification_levels,
    ladders_with_markings,
    marked_documents,
    markings,
    readers,
)

from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    MarkedDocument,
    Marking,
    Reader,
    can_read,
    parse_marking,
    readable_mask,
    redact,
    rollup,
)


def _every_reader(levels: ClassificationLevels) -> list[Reader]:
    return [
        Reader(nation, level.name, levels=levels)
        for nation in (*MARKING_NATIONS, "KOR")
        for level in levels
    ]


@given(st.data())
def test_banner_and_portion_round_trip(data: st.DataObject) -> None:
    """Rendering a marking as a banner or a portion and parsing it back gives an equal marking."""
    levels = data.draw(st.just(DEFAULT_LEVELS) | classification_levels())
    marking = data.draw(markings(levels))
    assert parse_marking(marking.banner(), levels) == marking
    assert parse_marking(marking.portion(), levels) == marking
    assert parse_marking(str(marking).lower(), levels) == marking


@given(ladders_with_markings(), st.randoms(use_true_random=False))
def test_rollup_is_order_independent(
    ladder: tuple[ClassificationLevels, list[Marking]], shuffler: Random
) -> None:
    """Shuffling the portions does not change the roll-up."""
    _, items = ladder
    shuffled = list(items)
    shuffler.shuffle(shuffled)
    assert rollup(shuffled) == rollup(items)


@given(ladders_with_markings())
def test_rollup_is_idempotent(ladder: tuple[ClassificationLevels, list[Marking]]) -> None:
    """Rolling up a roll-up, or repeating portions, changes nothing."""
    _, items = ladder
    banner = rollup(items)
    assert rollup([banner]) == banner
    assert rollup([banner, banner]) == banner
    assert rollup(items + items) == banner


@given(markings())
def test_rollup_of_one_marking(marking: Marking) -> None:
    """rollup([m]) is m, except that default NOFORN becomes explicit (same readers)."""
    single = rollup([marking])
    assert single.releasable == marking.releasable
    assert single.rank == marking.rank
    if marking.rank == 0 or marking.noforn or marking.rel_to is not None:
        assert single == marking


@given(st.data())
def test_rollup_is_associative(data: st.DataObject) -> None:
    """Rolling up parts and then the part banners equals rolling up everything at once."""
    levels = data.draw(st.just(DEFAULT_LEVELS) | classification_levels())
    first = data.draw(st.lists(markings(levels), min_size=1, max_size=5))
    second = data.draw(st.lists(markings(levels), min_size=1, max_size=5))
    assert rollup([rollup(first), rollup(second)]) == rollup(first + second)
    assert rollup([rollup(first), *second]) == rollup(first + second)


@given(ladders_with_markings())
def test_rollup_readers_are_exactly_the_readers_of_every_portion(
    ladder: tuple[ClassificationLevels, list[Marking]],
) -> None:
    """A reader may read the roll-up if and only if they may read every portion."""
    levels, items = ladder
    banner = rollup(items)
    for reader in _every_reader(levels):
        every = all(can_read(reader, marking) for marking in items)
        assert can_read(reader, banner) == every


@given(ladders_with_markings())
def test_rollup_is_never_less_restrictive_than_a_portion(
    ladder: tuple[ClassificationLevels, list[Marking]],
) -> None:
    """The roll-up is at least as high as every portion and releases to no extra nation."""
    _, items = ladder
    banner = rollup(items)
    for marking in items:
        assert banner.rank >= marking.rank
        if marking.releasable is not None:
            assert banner.releasable is not None
            assert banner.releasable <= marking.releasable
        if marking.tlp is not None:
            assert banner.tlp is not None
            assert banner.tlp >= marking.tlp


@given(marked_documents(), readers())
def test_redaction_never_leaks_and_banner_is_readable(
    document: MarkedDocument, reader: Reader
) -> None:
    """No unreadable portion survives redaction, readable ones do, and the banner is readable."""
    view = redact(document, reader)
    readable = [p for p in document.portions if can_read(reader, p.marking)]
    if not readable:
        assert view is None
        return
    assert view is not None
    assert list(view.portions) == readable
    assert can_read(reader, view.marking)
    assert view.marking == rollup(p.marking for p in readable)


@given(st.data())
def test_readable_mask_agrees_with_can_read(data: st.DataObject) -> None:
    """The batch path gives can_read's answer for every marking, on any ladder."""
    levels = data.draw(st.just(DEFAULT_LEVELS) | classification_levels())
    items = data.draw(st.lists(markings(levels), max_size=20))
    reader = data.draw(readers(levels))
    assert readable_mask(reader, items) == [can_read(reader, m) for m in items]


@given(markings(), readers())
def test_can_read_is_the_documented_rule(marking: Marking, reader: Reader) -> None:
    """can_read is clearance >= level, NOFORN only for the owner, REL TO only for listed nations."""
    cleared = reader.rank >= marking.rank
    if marking.rel_to is not None:
        released = reader.nation in marking.rel_to
    elif marking.noforn or marking.rank > 0:
        released = marking.owner is not None and reader.nation == marking.owner
    else:
        released = True
    assert can_read(reader, marking) == (cleared and released)
