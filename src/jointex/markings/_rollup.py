"""Roll-up: the banner of a document from the markings of its portions."""

from __future__ import annotations

from collections.abc import Iterable

from jointex._errors import MarkingError
from jointex.markings._marking import Marking
from jointex.markings._tlp import Tlp

__all__ = ["rollup"]


def rollup(markings: Iterable[Marking]) -> Marking:
    """The banner marking of a document made of portions with these markings.

    Rules, all order-independent and associative (rolling up roll-ups gives the same result):

    * classification: the highest; TLP: the most restrictive present (``None`` if none has one);
    * a portion *restricts release* when it is classified or carries NOFORN or REL TO; an
      unclassified portion without controls restricts nothing;
    * any NOFORN portion, or a classified portion without a release marking, makes the banner
      NOFORN; otherwise the REL TO lists intersect, and an empty intersection gives NOFORN;
    * owner: kept when every portion that restricts release has the same owner (when none
      restricts, when every portion has it), else ``None``. One exception keeps the banner
      exactly as readable as the portions: a NOFORN banner's owner is the one nation that may
      read every portion, or ``None`` when no nation may (for same-owner portions that is the
      shared owner).

    So the banner's readers are exactly the readers of every portion: `can_read` of the roll-up
    holds for a reader if and only if it holds for each portion.

    Args:
        markings: the portions' markings, at least one, all on the same classification ladder.

    Returns:
        The banner marking. ``rollup([m]) == m`` unless ``m`` is classified without a release
        marking, which rolls up to the equivalent explicit NOFORN.

    Raises:
        MarkingError: no markings, or markings on different classification ladders.
    """
    items = tuple(markings)
    if not items:
        raise MarkingError("rollup needs at least one marking")
    levels = items[0].levels
    rank = 0
    tlp: Tlp | None = None
    noforn = False
    allowed: frozenset[str] | None = None
    owners: set[str | None] = set()
    restricting_owners: set[str | None] = set()
    for marking in items:
        if marking.levels is not levels and marking.levels != levels:
            raise MarkingError("cannot roll up markings on different classification ladders")
        rank = max(rank, marking.rank)
        if marking.tlp is not None and (tlp is None or marking.tlp > tlp):
            tlp = marking.tlp
        owners.add(marking.owner)
        releasable = marking.releasable
        if releasable is not None:
            restricting_owners.add(marking.owner)
            allowed = releasable if allowed is None else allowed & releasable
            # releasable without REL TO means NOFORN, explicit or by default for classified.
            noforn = noforn or marking.rel_to is None
    classification = levels.levels[rank].name
    if allowed is None:
        return Marking(classification, _single(owners), tlp=tlp, levels=levels)
    if noforn or not allowed:
        # NOFORN releases to the owner only, so the owner must be the one nation allowed by
        # every portion (at most one: some portion was NOFORN or the intersection is empty).
        owner = next(iter(allowed)) if len(allowed) == 1 else None
        return Marking(classification, owner, noforn=True, tlp=tlp, levels=levels)
    return Marking(
        classification,
        _single(restricting_owners),
        rel_to=tuple(allowed),
        tlp=tlp,
        levels=levels,
    )


def _single(owners: set[str | None]) -> str | None:
    return next(iter(owners)) if len(owners) == 1 else None
