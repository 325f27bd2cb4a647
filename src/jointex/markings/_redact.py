"""Portions, marked documents and redaction: what one reader may see of a product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Self, TypeVar

from jointex._errors import MarkingError
from jointex.markings._access import Reader, readable_mask
from jointex.markings._marking import Marking
from jointex.markings._rollup import rollup

__all__ = ["MarkedDocument", "Portion", "Portioned", "redact"]


@dataclass(frozen=True, slots=True)
class Portion:
    """One marked part of a product: a paragraph, a table row, a track, an attachment.

    Attributes:
        marking: the portion's marking.
        content: the portion's text.
        id: an optional identifier, unique within its product.
    """

    marking: Marking
    content: str
    id: str = ""


class Portioned(Protocol):
    """A product made of portions, which `redact` can cut down for one reader.

    Implementations must derive their banner from their portions (with `rollup`), so that
    `with_portions` also recomputes the banner.
    """

    @property
    def portions(self) -> tuple[Portion, ...]:
        """The product's portions, in order."""
        ...

    def with_portions(self, portions: tuple[Portion, ...]) -> Self:
        """A copy of the product holding only these portions, its banner recomputed."""
        ...


@dataclass(frozen=True, slots=True)
class MarkedDocument:
    """A small marked product: portions in order, a title, and the banner rolled up from them.

    Attributes:
        portions: the portions, at least one.
        title: the document's title (unmarked metadata; mark it as a portion if it is sensitive).
        id: an optional identifier.
        marking: the banner, ``rollup`` of the portions' markings (computed).

    Raises:
        MarkingError: no portions, or portions on different classification ladders.
    """

    portions: tuple[Portion, ...]
    title: str = ""
    id: str = ""
    marking: Marking = field(init=False, compare=False)

    def __post_init__(self) -> None:
        portions = tuple(self.portions)
        if not portions:
            raise MarkingError("a marked document needs at least one portion")
        object.__setattr__(self, "portions", portions)
        object.__setattr__(self, "marking", rollup(p.marking for p in portions))

    def with_portions(self, portions: tuple[Portion, ...]) -> MarkedDocument:
        """A copy with only these portions and the banner rolled up again.

        Args:
            portions: the portions to keep, at least one.

        Returns:
            The new document (same title and id).

        Raises:
            MarkingError: no portions.
        """
        return MarkedDocument(portions, self.title, self.id)


_P = TypeVar("_P", bound=Portioned)


def redact(product: _P, reader: Reader) -> _P | None:
    """The reader's view of a product: only the portions they may read, banner recomputed.

    The recomputed banner (the roll-up of the kept portions) is always readable by the reader,
    and nothing the reader may not read survives.

    Args:
        product: a product made of portions (`MarkedDocument` or any `Portioned`).
        reader: who is reading.

    Returns:
        The product itself when every portion is readable, a copy with the readable portions
        otherwise, or ``None`` when no portion is readable (the reader may not learn that the
        product exists, so there is no empty view).

    Raises:
        MarkingError: a portion uses a different classification ladder from the reader.
    """
    portions = product.portions
    mask = readable_mask(reader, [portion.marking for portion in portions])
    kept = tuple(portion for portion, readable in zip(portions, mask, strict=True) if readable)
    if not kept:
        return None
    if len(kept) == len(portions):
        return product
    return product.with_portions(kept)
