"""The intelligence workflow's rules: what a cell may publish, and deriving a tearline to release.

A *tearline* is a new product released from an original to named nations. It keeps only what
every recipient nation may read: body portions (each one checked, by name), sources and
attachments (dropped when not releasable: sources and methods are protected by default), and a
title (the original's when releasable, else a title the releaser gives). The original's location
and track ids travel only when the releaser asks, and its ``related`` links never do: they are
metadata of a product the recipients may not see. Both versions stay linked through the
tearline's ``derived_from`` (the other direction is `jointex.intel.relations`).

Releasability to a nation is decided by `can_read` for a reader of that nation at the ladder's
highest clearance (clearance is the recipient cells' business, applied again when they read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from jointex._errors import AccessDenied, JointExError
from jointex.intel._product import IntelProduct
from jointex.intel._reads import CellReader, may_read
from jointex.markings import Marking, Portion, Reader, can_read

__all__ = ["derive_tearline", "prepare_publication"]


def prepare_publication(product: IntelProduct, writer: CellReader) -> IntelProduct:
    """Check a product a cell is about to publish and name its portions.

    Portions without an id get ``P1``, ``P2``, ... by position, so a release can name them.

    Args:
        product: the product as written (id, originator, owner and minute already assigned).
        writer: the publishing cell's reader (`jointex.intel.reader_for`).

    Returns:
        The product with every portion named.

    Raises:
        AccessDenied: the writer may not read its title, a portion, a source or an attachment
            (a cell may only write what it may read; this also refuses a marking nobody may
            read, such as NOFORN without an owner).
        JointExError: two portions share an id.
    """
    named = tuple(
        p if p.id else replace(p, id=f"P{i}") for i, p in enumerate(product.portions, start=1)
    )
    seen: set[str] = set()
    for portion in named:
        if portion.id in seen:
            raise JointExError(f"two portions are named {portion.id!r}")
        seen.add(portion.id)
    parts: list[tuple[str, Marking]] = [("the title", product.title.marking)]
    parts += [(f"portion {p.id}", p.marking) for p in named]
    parts += [(f"source {s.name!r}", s.marking) for s in product.sources]
    parts += [(f"attachment {a.name!r}", a.marking) for a in product.attachments]
    for what, marking in parts:
        if not may_read(writer, marking):
            raise AccessDenied(
                f"cell {writer.cell} may not write {what} marked {marking.banner()}: "
                "it could not read it"
            )
    return replace(product, portions=named)


def _recipients(nations: Sequence[str], marking: Marking) -> list[Reader]:
    levels = marking.levels
    top = levels.levels[-1].name
    return [Reader(nation, top, levels=levels) for nation in dict.fromkeys(nations)]


def _barred(readers: Sequence[Reader], marking: Marking) -> str | None:
    """The first recipient nation that may not read the marking, if any."""
    return next((r.nation for r in readers if not can_read(r, marking)), None)


def derive_tearline(
    original: IntelProduct,
    *,
    product_id: str,
    to: Sequence[str],
    minute: int,
    originator: str,
    releaser: CellReader,
    portions: Sequence[str] | None = None,
    title: Portion | None = None,
    with_location: bool = False,
) -> IntelProduct:
    """The tearline of ``original`` for the nations ``to``.

    Args:
        original: the product released from (the releaser must be allowed to see it).
        product_id: the tearline's id.
        to: recipient nations (ISO 3166-1 alpha-3), at least one.
        minute: scenario time of the release.
        originator: the releasing cell.
        releaser: the releasing cell's reader: it may release only what it may read.
        portions: ids of the body portions to keep; ``None`` keeps every portion the releaser
            may read and every recipient may read.
        title: a title to use instead of the original's.
        with_location: also release the original's location and track ids.

    Returns:
        The tearline: ``derived_from`` the original, ``released_to`` the recipients.

    Raises:
        AccessDenied: a named portion is unknown or not releasable to a recipient (the message
            names the portion and the nation), the title is not releasable, or nothing is left.
        MarkingError: a recipient is not a country code.
    """
    if not to:
        raise AccessDenied("a release needs at least one recipient nation")
    readers = _recipients(to, original.title.marking)
    nations = tuple(r.nation for r in readers)
    names = ", ".join(nations)
    releasable = [p for p in original.portions if may_read(releaser, p.marking)]
    if portions is None:
        kept = tuple(p for p in releasable if _barred(readers, p.marking) is None)
    else:
        by_id = {p.id: p for p in releasable if p.id}
        chosen: list[Portion] = []
        for portion_id in dict.fromkeys(portions):
            portion = by_id.get(portion_id)
            if portion is None:
                raise AccessDenied(f"no portion {portion_id!r} in {original.id}")
            nation = _barred(readers, portion.marking)
            if nation is not None:
                raise AccessDenied(
                    f"portion {portion_id} of {original.id} is marked "
                    f"{portion.marking.banner()} and may not be released to {nation}"
                )
            chosen.append(portion)
        kept = tuple(chosen)
    heading = original.title if title is None else title
    if not may_read(releaser, heading.marking):
        raise AccessDenied(f"cell {releaser.cell} may not write a title marked {heading.marking}")
    nation = _barred(readers, heading.marking)
    if nation is not None:
        which = "the title" if title is None else "the new title"
        raise AccessDenied(
            f"{which} of {original.id} is marked {heading.marking.banner()} and may not be "
            f"released to {nation}: give a releasable title"
        )
    if not kept:
        raise AccessDenied(f"nothing in {original.id} may be released to {names}")
    return IntelProduct(
        id=product_id,
        kind=original.kind,
        title=heading,
        portions=kept,
        originator=originator,
        owner=original.owner,
        minute=minute,
        sources=tuple(
            s
            for s in original.sources
            if may_read(releaser, s.marking) and _barred(readers, s.marking) is None
        ),
        attachments=tuple(
            a
            for a in original.attachments
            if may_read(releaser, a.marking) and _barred(readers, a.marking) is None
        ),
        location=original.location if with_location else None,
        track_ids=original.track_ids if with_location else (),
        derived_from=original.id,
        released_to=nations,
    )
