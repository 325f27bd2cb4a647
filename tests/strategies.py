"""Hypothesis strategies shared by the test suite, one headed section per package."""

from __future__ import annotations

from hypothesis import strategies as st

from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    MarkedDocument,
    Marking,
    Portion,
    Reader,
    Tlp,
)

# ---------------------------------------------------------------------------------------------
# markings: classification ladders, markings, readers, portions and marked documents
# ---------------------------------------------------------------------------------------------

# A small pool of nations makes REL TO lists overlap (and readers match them) often; FVEY members
# are in it so that expansion matters.
MARKING_NATIONS: tuple[str, ...] = ("AUS", "CAN", "FRA", "GBR", "JPN", "NZL", "TWN", "USA")


@st.composite
def classification_levels(draw: st.DrawFn) -> ClassificationLevels:
    """A scenario-style ladder of 1-5 levels with distinct made-up names and abbreviations."""
    count = draw(st.integers(min_value=1, max_value=5))
    words = draw(
        st.lists(
            st.text(alphabet="ABDEGHIKLMOPQUVWXYZ", min_size=3, max_size=8),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    # Abbreviation = name + index digit keeps abbreviations distinct from every name.
    return ClassificationLevels.of(*((word, f"{word[0]}{i}") for i, word in enumerate(words)))


@st.composite
def markings(
    draw: st.DrawFn,
    levels: ClassificationLevels = DEFAULT_LEVELS,
    nations: tuple[str, ...] = MARKING_NATIONS,
) -> Marking:
    """Any valid marking on ``levels``: owner or not, NOFORN, REL TO, neither; TLP or not."""
    classification = draw(st.sampled_from(levels.levels)).name
    owner = draw(st.none() | st.sampled_from(nations))
    control = draw(st.sampled_from(("none", "noforn", "rel_to")))
    rel_to: tuple[str, ...] | None = None
    if control == "rel_to":
        listed = draw(st.lists(st.sampled_from((*nations, "FVEY")), min_size=1, max_size=4))
        rel_to = (*listed, owner) if owner is not None else tuple(listed)
    tlp = draw(st.none() | st.sampled_from(Tlp))
    return Marking(classification, owner, control == "noforn", rel_to, tlp, levels)


@st.composite
def readers(
    draw: st.DrawFn,
    levels: ClassificationLevels = DEFAULT_LEVELS,
    nations: tuple[str, ...] = MARKING_NATIONS,
) -> Reader:
    """A reader of one of ``nations`` with any clearance on ``levels``."""
    nation = draw(st.sampled_from(nations))
    clearance = draw(st.sampled_from(levels.levels)).name
    return Reader(nation, clearance, cell=f"blue-{nation.lower()}", levels=levels)


@st.composite
def portions(draw: st.DrawFn, levels: ClassificationLevels = DEFAULT_LEVELS) -> Portion:
    """A portion with any marking on ``levels`` and short text."""
    marking = draw(markings(levels))
    return Portion(marking, draw(st.text(max_size=20)), id=draw(st.text(max_size=5)))


@st.composite
def marked_documents(
    draw: st.DrawFn, levels: ClassificationLevels = DEFAULT_LEVELS
) -> MarkedDocument:
    """A document of 1-8 portions on ``levels``."""
    parts = draw(st.lists(portions(levels), min_size=1, max_size=8))
    return MarkedDocument(tuple(parts), title=draw(st.text(max_size=10)))


@st.composite
def ladders_with_markings(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 6
) -> tuple[ClassificationLevels, list[Marking]]:
    """A ladder (default or made up) and a list of markings on it."""
    levels = draw(st.just(DEFAULT_LEVELS) | classification_levels())
    items = draw(st.lists(markings(levels), min_size=min_size, max_size=max_size))
    return levels, items
