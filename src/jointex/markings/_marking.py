"""The `Marking` value object: classification, owner, dissemination controls, TLP; its rendering."""

from __future__ import annotations

from dataclasses import dataclass, field

from jointex._errors import MarkingError
from jointex.markings._countries import check_country, expand_countries
from jointex.markings._levels import DEFAULT_LEVELS, ClassificationLevel, ClassificationLevels
from jointex.markings._tlp import Tlp

__all__ = ["Marking"]


@dataclass(frozen=True, slots=True)
class Marking:
    """A classification marking: what a banner or portion mark says.

    Inputs are normalised on construction: the classification may be given as a name or
    abbreviation in any case and is stored as the level's name; country codes are upper-cased;
    ``FVEY`` in ``rel_to`` expands to AUS, CAN, GBR, NZL, USA; ``rel_to`` is stored without
    duplicates, USA first and the rest alphabetical. So equal meanings give equal markings.

    Who may read it (see `can_read`) is precomputed in ``releasable``:

    * REL TO: exactly the listed nations (list the owner if it should read it too; the constructor
      insists on that when an owner is set);
    * NOFORN, and any classified marking without a release marking (classified information is not
      releasable to foreign nations unless marked so): only the owner's nation; nobody when the
      owner is unknown (``None``), because the safe reading of "not releasable to foreign nations"
      with no known originator is that every nation is foreign;
    * the lowest level without controls: every nation.

    Attributes:
        classification: the level's name, e.g. ``SECRET``.
        owner: ISO 3166-1 alpha-3 code of the originating nation, or ``None`` when unknown.
        noforn: not releasable to foreign nations (readable only by the owner's nation).
        rel_to: nations the marking releases to, or ``None`` when there is no REL TO.
        tlp: TLP 2.0 sharing label, or ``None``; advisory only, it never changes access.
        levels: the ladder the classification belongs to.
        rank: the classification's position in ``levels`` (computed).
        releasable: nations that may read it, or ``None`` for every nation (computed).

    Raises:
        MarkingError: unknown classification or country code, NOFORN with REL TO, an empty REL TO,
            or an owner missing from its own REL TO list.
    """

    classification: str
    owner: str | None = None
    noforn: bool = False
    rel_to: tuple[str, ...] | None = None
    tlp: Tlp | None = None
    levels: ClassificationLevels = field(default=DEFAULT_LEVELS, repr=False)
    rank: int = field(init=False, repr=False, compare=False)
    releasable: frozenset[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rank = self.levels.rank(self.classification)
        object.__setattr__(self, "rank", rank)
        object.__setattr__(self, "classification", self.levels.levels[rank].name)
        owner = None if self.owner is None else check_country(self.owner, "as owner")
        object.__setattr__(self, "owner", owner)
        object.__setattr__(self, "noforn", bool(self.noforn))
        rel_to = self.rel_to
        if rel_to is not None:
            if isinstance(rel_to, str):
                raise MarkingError(f"rel_to must be a sequence of country codes, not {rel_to!r}")
            if not rel_to:
                raise MarkingError("REL TO needs at least one country")
            if self.noforn:
                raise MarkingError("NOFORN and REL TO cannot both be set")
            rel_to = expand_countries(rel_to)
            if owner is not None and owner not in rel_to:
                raise MarkingError(f"REL TO must include the owner {owner!r}")
            object.__setattr__(self, "rel_to", rel_to)
        if self.tlp is not None and not isinstance(self.tlp, Tlp):
            raise MarkingError(f"tlp must be a Tlp, not {self.tlp!r}")
        releasable: frozenset[str] | None
        if rel_to is not None:
            releasable = frozenset(rel_to)
        elif self.noforn or rank > 0:
            releasable = frozenset() if owner is None else frozenset((owner,))
        else:
            releasable = None
        object.__setattr__(self, "releasable", releasable)

    @property
    def level(self) -> ClassificationLevel:
        """The classification level (name and abbreviation)."""
        return self.levels.levels[self.rank]

    def banner(self) -> str:
        """Render the banner line, e.g. ``SECRET//REL TO USA, TWN`` or ``//GBR SECRET//NOFORN``.

        The owner, when known, is written as a leading ``//CCC `` (the CAPCO form for another
        nation's classification); TLP comes last.

        Returns:
            The banner; `parse_marking` reads it back to an equal marking.
        """
        return self._render(self.level.name, "NOFORN")

    def portion(self) -> str:
        """Render the portion mark, e.g. ``(S//REL TO USA, TWN)``, ``(S//NF)``, ``(U)``.

        Returns:
            The portion mark; `parse_marking` reads it back to an equal marking.
        """
        return f"({self._render(self.level.abbreviation, 'NF')})"

    def _render(self, classification: str, noforn: str) -> str:
        head = classification if self.owner is None else f"//{self.owner} {classification}"
        blocks = [head]
        if self.noforn:
            blocks.append(noforn)
        if self.rel_to is not None:
            blocks.append("REL TO " + ", ".join(self.rel_to))
        if self.tlp is not None:
            blocks.append(self.tlp.label)
        return "//".join(blocks)

    def __str__(self) -> str:
        return self.banner()
