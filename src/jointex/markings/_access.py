"""Readers and THE access predicate, `can_read`, plus its batch form `readable_mask`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jointex._errors import MarkingError
from jointex.markings._countries import check_country
from jointex.markings._levels import DEFAULT_LEVELS, ClassificationLevels
from jointex.markings._marking import Marking

__all__ = ["Reader", "can_read", "readable_mask"]


@dataclass(frozen=True, slots=True)
class Reader:
    """Someone who reads marked material: a nation, a clearance and (optionally) a cell.

    Attributes:
        nation: ISO 3166-1 alpha-3 code of the reader's nation (stored upper-case).
        clearance: the highest level the reader may read, as a name or abbreviation (stored as
            the level's name).
        cell: the exercise cell, e.g. ``blue-usa``; informational, it does not change access.
        levels: the classification ladder the clearance belongs to.
        rank: the clearance's position in ``levels`` (computed).

    Raises:
        MarkingError: unknown nation or clearance.
    """

    nation: str
    clearance: str
    cell: str = ""
    levels: ClassificationLevels = field(default=DEFAULT_LEVELS, repr=False)
    rank: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nation", check_country(self.nation, "as reader nation"))
        rank = self.levels.rank(self.clearance)
        object.__setattr__(self, "rank", rank)
        object.__setattr__(self, "clearance", self.levels.levels[rank].name)


def can_read(reader: Reader, marking: Marking) -> bool:
    """Whether the reader may see material with this marking: THE access rule of JointEx.

    True exactly when the reader's clearance is at least the classification and the reader's
    nation is among ``marking.releasable``: for REL TO, the listed nations; for NOFORN (and for
    a classified marking without a release marking, which is NOFORN by default), the owner's
    nation only, and nobody when the owner is unknown; for an unclassified marking without
    controls, every nation. TLP is advisory sharing guidance and never grants or denies access.

    Args:
        reader: who is reading.
        marking: the marking of what is read.

    Returns:
        Whether the reader may read it.

    Raises:
        MarkingError: reader and marking use different classification ladders (their ranks are
            not comparable, so there is no safe answer).
    """
    if reader.levels is not marking.levels and reader.levels != marking.levels:
        raise MarkingError("reader and marking use different classification ladders")
    releasable = marking.releasable
    return reader.rank >= marking.rank and (releasable is None or reader.nation in releasable)


def readable_mask(reader: Reader, markings: Iterable[Marking]) -> list[bool]:
    """`can_read` for one reader over many markings, in order; the fast path for lists and pages.

    Args:
        reader: who is reading.
        markings: the markings to decide.

    Returns:
        One decision per marking, ``mask[i] == can_read(reader, markings[i])``.

    Raises:
        MarkingError: a marking uses a different classification ladder from the reader.
    """
    # The same rule as can_read, with the reader's fields hoisted out of the loop. A marking on
    # another ladder object is rare, so it is sent to can_read (which checks and raises).
    levels = reader.levels
    rank = reader.rank
    nation = reader.nation
    return [
        (
            rank >= marking.rank and (marking.releasable is None or nation in marking.releasable)
            if marking.levels is levels
            else can_read(reader, marking)
        )
        for marking in markings
    ]
