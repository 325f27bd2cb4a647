"""Intelligence products: portion-marked reports, notes and sightings, and their tearlines.

A product is made of portions, each with its own marking; its banner is the roll-up of the
portions a reader is shown. The title is a portion too (titles leak as easily as text). Every
view of a product for a reader goes through `view_for`, which applies the one access predicate
(`jointex.markings.can_read`) through `redact`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from jointex.markings import Marking, Portion, Reader, can_read, redact, rollup

__all__ = ["Attachment", "IntelProduct", "ProductKind", "Source", "view_for"]

ProductKind = Literal["report", "note", "sighting"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where information came from, graded in the NATO admiralty code.

    Reliability is A (reliable) to F (cannot be judged), credibility 1 (confirmed) to 6.

    Attributes:
        name: the source's description, e.g. ``MND radar``; may itself be sensitive.
        reliability: A (reliable) to F (cannot be judged).
        credibility: 1 (confirmed) to 6 (cannot be judged).
        marking: who may know the source.
    """

    name: str
    reliability: str
    credibility: int
    marking: Marking


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a product (kept inline: exercise attachments are small).

    Attributes:
        name: file name.
        media_type: e.g. ``image/png``.
        marking: the attachment's own marking.
        data: the content, base64-encoded.
    """

    name: str
    media_type: str
    marking: Marking
    data: str = ""


@dataclass(frozen=True, slots=True)
class IntelProduct:
    """A published intelligence product.

    Attributes:
        id: product id within the exercise, e.g. ``INT-4``.
        kind: report, note or sighting.
        title: the title as a portion (it has its own marking).
        portions: the body, portion by portion.
        originator: the cell that produced it.
        owner: the producing nation (the NOFORN owner of its portions).
        minute: scenario time of publication.
        sources: sources, each marked.
        attachments: attachments, each marked.
        location: (lon, lat) the product is about, if any.
        track_ids: tracks a sighting is linked to.
        derived_from: for a tearline, the product it was released from.
        released_to: for a tearline, the nations it was released to.
        related: ids of related products.
    """

    id: str
    kind: ProductKind
    title: Portion
    portions: tuple[Portion, ...]
    originator: str
    owner: str
    minute: int
    sources: tuple[Source, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    location: tuple[float, float] | None = None
    track_ids: tuple[str, ...] = ()
    derived_from: str | None = None
    released_to: tuple[str, ...] = ()
    related: tuple[str, ...] = field(default=())

    @property
    def marking(self) -> Marking:
        """The banner: the roll-up of the title, every portion, source and attachment."""
        parts = [self.title.marking, *(p.marking for p in self.portions)]
        parts += [s.marking for s in self.sources] + [a.marking for a in self.attachments]
        return rollup(parts)

    def with_portions(self, portions: tuple[Portion, ...]) -> IntelProduct:
        """The same product with other body portions (used by `redact`)."""
        return replace(self, portions=portions)


def view_for(product: IntelProduct, reader: Reader) -> IntelProduct | None:
    """What ``reader`` may see of ``product``, or None when the reader may not know it exists.

    A reader who cannot read the title cannot see the product at all (a title that could not be
    shown would still reveal that something exists). Otherwise unreadable body portions, sources
    and attachments are removed; the banner of the view is recomputed from what remains.
    Relations to other products are left for the caller to filter against what the same reader
    may see (see `jointex.intel` read paths).
    """
    if not can_read(reader, product.title.marking):
        return None
    body = redact(product, reader)
    portions = body.portions if body is not None else ()
    return replace(
        product,
        portions=portions,
        sources=tuple(s for s in product.sources if can_read(reader, s.marking)),
        attachments=tuple(a for a in product.attachments if can_read(reader, a.marking)),
    )
