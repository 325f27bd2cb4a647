"""Ordered classification levels: the default US-style ladder and scenario-defined ladders."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from jointex._errors import MarkingError

__all__ = ["DEFAULT_LEVELS", "ClassificationLevel", "ClassificationLevels"]

_SPACES = re.compile(r"\s+")
# Characters that separate the parts of a marking, so a level written with them could never parse.
_FORBIDDEN = re.compile(r"[/(),:]")
# Words the parser reads as dissemination controls; a level with one of these names would be
# ambiguous.
_RESERVED = frozenset({"NOFORN", "NF", "REL", "REL TO", "TLP", "FVEY"})


def _normalise(token: str) -> str:
    return _SPACES.sub(" ", token.strip()).upper()


@dataclass(frozen=True, slots=True)
class ClassificationLevel:
    """One classification level: its banner name and its portion abbreviation.

    Both are stored upper-case with single spaces, so ``ClassificationLevel("top secret", "ts")``
    equals ``ClassificationLevel("TOP SECRET", "TS")``.

    Attributes:
        name: the banner word(s), e.g. ``TOP SECRET``.
        abbreviation: the portion mark, e.g. ``TS``.

    Raises:
        MarkingError: a name or abbreviation is empty, contains ``/ ( ) , :`` or is a reserved word
            (``NOFORN``, ``NF``, ``REL``, ``REL TO``, ``TLP``, ``FVEY``).
    """

    name: str
    abbreviation: str

    def __post_init__(self) -> None:
        for attribute in ("name", "abbreviation"):
            raw = getattr(self, attribute)
            value = _normalise(raw)
            if not value:
                raise MarkingError(f"classification level {attribute} is empty")
            if _FORBIDDEN.search(value):
                raise MarkingError(
                    f"classification level {attribute} {raw!r} contains one of '/ ( ) , :'"
                )
            if value in _RESERVED:
                raise MarkingError(
                    f"classification level {attribute} {raw!r} is a reserved marking word"
                )
            object.__setattr__(self, attribute, value)


@dataclass(frozen=True, slots=True)
class ClassificationLevels:
    """An ordered ladder of classification levels, lowest first.

    The lowest level plays the role of UNCLASSIFIED: portions at it without dissemination controls
    restrict nobody's access to a document (see `rollup`).

    Attributes:
        levels: the levels, lowest first; names and abbreviations are unique across the ladder.

    Raises:
        MarkingError: the ladder is empty or a name or abbreviation is used twice.
    """

    levels: tuple[ClassificationLevel, ...]
    _ranks: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.levels:
            raise MarkingError("classification levels need at least one level")
        ranks: dict[str, int] = {}
        for rank, level in enumerate(self.levels):
            for token in {level.name, level.abbreviation}:
                if token in ranks:
                    raise MarkingError(f"classification level {token!r} is defined twice")
                ranks[token] = rank
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "_ranks", ranks)

    @classmethod
    def of(cls, *pairs: tuple[str, str]) -> ClassificationLevels:
        """Build a ladder from ``(name, abbreviation)`` pairs, lowest first.

        Args:
            *pairs: e.g. ``("OFFICIAL", "O"), ("SECRET", "S")``.

        Returns:
            The ladder.

        Raises:
            MarkingError: see the class.
        """
        return cls(tuple(ClassificationLevel(name, abbreviation) for name, abbreviation in pairs))

    def __len__(self) -> int:
        return len(self.levels)

    def __iter__(self) -> Iterator[ClassificationLevel]:
        return iter(self.levels)

    @property
    def lowest(self) -> ClassificationLevel:
        """The lowest level (the ladder's UNCLASSIFIED)."""
        return self.levels[0]

    def rank(self, token: str) -> int:
        """Position of a level in the ladder, 0 for the lowest.

        Args:
            token: a level name or abbreviation; case and repeated spaces are ignored.

        Returns:
            The rank.

        Raises:
            MarkingError: no level has that name or abbreviation; the message suggests the closest.
        """
        rank = self._ranks.get(token)
        if rank is None:
            rank = self._ranks.get(_normalise(token))
        if rank is None:
            raise MarkingError(self._unknown(token))
        return rank

    def level(self, token: str) -> ClassificationLevel:
        """The level with this name or abbreviation.

        Args:
            token: a level name or abbreviation; case and repeated spaces are ignored.

        Returns:
            The level.

        Raises:
            MarkingError: no level has that name or abbreviation.
        """
        return self.levels[self.rank(token)]

    def _unknown(self, token: str) -> str:
        shown = token.strip()
        close = difflib.get_close_matches(_normalise(token), list(self._ranks), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown classification {shown!r}{hint}"


DEFAULT_LEVELS = ClassificationLevels.of(
    ("UNCLASSIFIED", "U"),
    ("CONFIDENTIAL", "C"),
    ("SECRET", "S"),
    ("TOP SECRET", "TS"),
)
"""UNCLASSIFIED (U) < CONFIDENTIAL (C) < SECRET (S) < TOP SECRET (TS)."""
