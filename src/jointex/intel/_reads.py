"""THE read paths of an exercise's marked material: who reads as what, and what each reader sees.

Every screen, API answer, push, search, count, history, export and inbox that shows intelligence,
RFIs or injects is built here, from the reader's *views* (`view_for`, the one access predicate
`jointex.markings.can_read`), never from the raw state. Nothing here returns an original product.

Who reads as what (`reader_for`): every cell, the control (white) cell included, reads as what it
is: ``Reader(cell.nation, cell.clearance, cell.id)``. There is no exception for the white cell.
A scenario whose white cell must read a nation's NOFORN material gives the white cell that
nation (the flagship's white cell is ``USA``, cleared ``TOP SECRET``, and its red-cell orders are
``REL TO USA, CHN`` for that reason). A cell without a nation (observers; a white cell without
one) is a `NationlessReader`: it reads exactly what restricts nobody, unclassified material
without dissemination controls, which is the rule scenario validation already applies to inject
recipients. Control keeps one extra right that is not about markings: its history shows every
cell's reads (the audit trail), still only of products it may read itself.

Links between products are filtered against the same reader: a view's ``related`` keeps only ids
the reader sees, and ``derived_from`` is cleared when the original is hidden, so a relation
between readable objects never reveals an unreadable one.

The read paths take the exercise state through small protocols (`IntelRecords`, `InboxRecords`)
so that this layer does not import the exercise layer above it; `jointex.exercise.ExerciseState`
satisfies them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, Protocol, TypeAlias, TypeVar

from jointex._errors import AccessDenied, MarkingError
from jointex.intel._product import IntelProduct, view_for
from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    Marking,
    Reader,
    can_read,
    parse_marking,
)
from jointex.scenario import Scenario, levels_of

__all__ = [
    "CellReader",
    "Delivery",
    "FilterOptions",
    "HistoryEntry",
    "InboxRecords",
    "IntelCounts",
    "IntelRecords",
    "NationlessReader",
    "ReadRecord",
    "Relations",
    "RfiAnswer",
    "RfiQuestion",
    "RfiThread",
    "RfiView",
    "SearchResult",
    "counts",
    "export_products",
    "feed",
    "filter_options",
    "history",
    "is_control",
    "levels_for",
    "may_read",
    "may_read_banner",
    "product_view",
    "reader_for",
    "relations",
    "search",
    "view",
    "visible_injects",
    "visible_rfis",
]


# --- readers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NationlessReader:
    """A cell without a nation (observers, a white cell without one).

    It may read exactly what every reader of every nation may read: material at the lowest level
    without NOFORN or REL TO (``marking.releasable is None``). Its clearance does not widen that:
    classified material is releasable to named nations only, and this reader has none.

    Attributes:
        cell: the cell's id.
        levels: the exercise's classification ladder.
    """

    cell: str
    levels: ClassificationLevels = field(default=DEFAULT_LEVELS, repr=False)


CellReader: TypeAlias = Reader | NationlessReader
"""Whoever reads in an exercise: a nation's `Reader`, or a `NationlessReader`."""


def levels_for(scenario: Scenario) -> ClassificationLevels:
    """The scenario's classification ladder (the default one unless it defines its own).

    Args:
        scenario: the exercise's scenario.

    Returns:
        The ladder; the same object for equal scenarios, so access checks take the fast path.
    """
    return levels_of(scenario)


def reader_for(scenario: Scenario, cell_id: str) -> CellReader:
    """How a cell reads: THE mapping from exercise cells to readers (see the module docstring).

    Args:
        scenario: the exercise's scenario.
        cell_id: the cell.

    Returns:
        ``Reader(cell.nation, cell.clearance, cell.id)`` on the scenario's ladder, or a
        `NationlessReader` for a cell without a nation. The control cell is no exception.

    Raises:
        AccessDenied: there is no such cell.
    """
    try:
        cell = scenario.cell(cell_id)
    except KeyError:
        raise AccessDenied(f"no cell {cell_id!r} in this exercise") from None
    levels = levels_for(scenario)
    if cell.nation is None:
        return NationlessReader(cell.id, levels)
    return Reader(cell.nation, cell.clearance, cell.id, levels)


def may_read(reader: CellReader, marking: Marking) -> bool:
    """Whether a cell's reader may read material with this marking.

    A `Reader` is decided by `jointex.markings.can_read`, unchanged. A `NationlessReader` reads
    what restricts nobody, i.e. what `can_read` allows for every reader on the ladder.

    Args:
        reader: who reads.
        marking: the marking of what is read.

    Returns:
        Whether the reader may read it.

    Raises:
        MarkingError: reader and marking use different classification ladders.
    """
    if isinstance(reader, Reader):
        return can_read(reader, marking)
    if reader.levels is not marking.levels and reader.levels != marking.levels:
        raise MarkingError("reader and marking use different classification ladders")
    return marking.releasable is None


def is_control(scenario: Scenario, reader: CellReader) -> bool:
    """Whether the reader acts for the scenario's control (white) cell.

    Args:
        scenario: the exercise's scenario.
        reader: who reads.

    Returns:
        True for the control cell; False for any other cell or a reader of no known cell.
    """
    return any(c.id == reader.cell and c.role == "control" for c in scenario.cells)


def view(product: IntelProduct, reader: CellReader) -> IntelProduct | None:
    """One product as the reader may see it (its links not yet filtered: see `feed` & co).

    Args:
        product: the product.
        reader: who reads.

    Returns:
        `view_for` for a nation's reader; for a `NationlessReader` the same rule (no view
        without a readable title; unreadable portions, sources and attachments removed).
    """
    if isinstance(reader, Reader):
        return view_for(product, reader)
    if not may_read(reader, product.title.marking):
        return None
    return replace(
        product,
        portions=tuple(p for p in product.portions if may_read(reader, p.marking)),
        sources=tuple(s for s in product.sources if may_read(reader, s.marking)),
        attachments=tuple(a for a in product.attachments if may_read(reader, a.marking)),
    )


# --- what the read paths need of an exercise's state ------------------------------------------


class ReadRecord(Protocol):
    """One audited read of a product (`jointex.exercise.IntelRead`)."""

    @property
    def product_id(self) -> str:
        """The product read."""

    @property
    def cell(self) -> str:
        """The reading cell."""

    @property
    def user(self) -> str:
        """The reading user."""

    @property
    def minute(self) -> int:
        """Scenario time of the read."""


class RfiQuestion(Protocol):
    """An RFI as asked (`jointex.exercise.RfiSubmitted`)."""

    @property
    def rfi_id(self) -> str:
        """The RFI's id."""

    @property
    def cell(self) -> str:
        """The asking cell."""

    @property
    def question(self) -> str:
        """The question."""

    @property
    def marking(self) -> str:
        """The question's banner."""

    @property
    def minute(self) -> int:
        """When it was asked."""


class RfiAnswer(Protocol):
    """An RFI's answer (`jointex.exercise.RfiAnswered`)."""

    @property
    def answer(self) -> str:
        """The answer."""

    @property
    def marking(self) -> str:
        """The answer's banner."""

    @property
    def by(self) -> str:
        """The answering user."""

    @property
    def minute(self) -> int:
        """When it was answered."""


class RfiThread(Protocol):
    """An RFI and its answer, if any (`jointex.exercise.RfiRecord`)."""

    @property
    def submitted(self) -> RfiQuestion:
        """The question."""

    @property
    def answer(self) -> RfiAnswer | None:
        """The answer, once given."""


class Delivery(Protocol):
    """An inject delivered to cells (`jointex.exercise.InjectDelivered`)."""

    @property
    def inject_id(self) -> str:
        """The inject."""

    @property
    def minute(self) -> int:
        """When it was delivered."""

    @property
    def to(self) -> tuple[str, ...]:
        """The recipient cells."""

    @property
    def marking(self) -> str:
        """The inject's banner."""


_D_co = TypeVar("_D_co", bound=Delivery, covariant=True)
_D = TypeVar("_D", bound=Delivery)


class InboxRecords(Protocol[_D_co]):
    """What `visible_injects` reads: the scenario and the deliveries."""

    @property
    def scenario(self) -> Scenario:
        """The exercise's scenario."""

    @property
    def deliveries(self) -> Sequence[_D_co]:
        """Every delivery, in order."""


class IntelRecords(Protocol):
    """What the intelligence read paths read of an exercise's state."""

    @property
    def scenario(self) -> Scenario:
        """The exercise's scenario."""

    @property
    def intel(self) -> Mapping[str, IntelProduct]:
        """Every product (originals and tearlines) by id, in publication order."""

    @property
    def intel_reads(self) -> Sequence[ReadRecord]:
        """Every audited read, in order."""

    @property
    def rfis(self) -> Mapping[str, RfiThread]:
        """RFIs by id, in the order asked."""

    @property
    def deliveries(self) -> Sequence[Delivery]:
        """Every inject delivery, in order."""


# --- views of the products --------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _parsed(text: str, levels: ClassificationLevels) -> Marking | None:
    try:
        return parse_marking(text, levels)
    except MarkingError:
        return None  # a marking that cannot be read is shown to nobody (fail closed)


def may_read_banner(reader: CellReader, banner: str) -> bool:
    """Whether ``reader`` may read material marked ``banner``; a banner that does not parse is
    read by nobody (fail closed). The parse is cached, so repeated banners cost a lookup."""
    marking = _parsed(banner, reader.levels)
    return marking is not None and may_read(reader, marking)


def _views(state: IntelRecords, reader: CellReader) -> dict[str, IntelProduct]:
    """The reader's views by id, in publication order, links filtered to what it sees."""
    raw: dict[str, IntelProduct] = {}
    for product_id, product in state.intel.items():
        seen = view(product, reader)
        if seen is not None:
            raw[product_id] = seen
    views: dict[str, IntelProduct] = {}
    for product_id, seen in raw.items():
        related = tuple(r for r in seen.related if r in raw)
        derived = seen.derived_from if seen.derived_from in raw else None
        if related != seen.related or derived != seen.derived_from:
            views[product_id] = replace(seen, related=related, derived_from=derived)
        else:
            views[product_id] = seen
    return views


def feed(state: IntelRecords, reader: CellReader) -> list[IntelProduct]:
    """The reader's intelligence feed: its views of every product it may see, newest first.

    Args:
        state: the exercise's state.
        reader: who reads (`reader_for`).

    Returns:
        Views, newest first (by minute, then publication order).
    """
    views = list(_views(state, reader).values())
    order = {id(v): i for i, v in enumerate(views)}
    return sorted(views, key=lambda v: (v.minute, order[id(v)]), reverse=True)


def export_products(state: IntelRecords, reader: CellReader) -> list[IntelProduct]:
    """What an export for this reader may contain: its views, in publication order.

    Exports (STIX/TAXII, JSON, AAR) must be built from these and nothing else; write them with
    `jointex.intel.product_to_data`.

    Args:
        state: the exercise's state.
        reader: who the export is for.

    Returns:
        Views in publication order, links filtered.
    """
    return list(_views(state, reader).values())


def product_view(state: IntelRecords, reader: CellReader, product_id: str) -> IntelProduct:
    """One product for a detail page.

    Args:
        state: the exercise's state.
        reader: who reads.
        product_id: the product asked for.

    Returns:
        The reader's view, links filtered.

    Raises:
        AccessDenied: no such product, or one the reader may not see (the same message for both,
            so asking does not reveal that a hidden product exists).
    """
    views = _views(state, reader)
    if product_id not in views:
        raise AccessDenied(f"no intel product {product_id!r}")
    return views[product_id]


@dataclass(frozen=True, slots=True)
class Relations:
    """A product's links as one reader may see them.

    Attributes:
        derived_from: the product it is a tearline of, when the reader sees that one.
        tearlines: tearlines released from it that the reader sees, in release order.
        related: related products the reader sees.
    """

    derived_from: str | None
    tearlines: tuple[str, ...]
    related: tuple[str, ...]


def relations(state: IntelRecords, reader: CellReader, product_id: str) -> Relations:
    """The links of one product (both directions of a release), filtered for the reader.

    Args:
        state: the exercise's state.
        reader: who reads.
        product_id: the product.

    Returns:
        Its visible links.

    Raises:
        AccessDenied: no such product, or one the reader may not see.
    """
    views = _views(state, reader)
    if product_id not in views:
        raise AccessDenied(f"no intel product {product_id!r}")
    seen = views[product_id]
    tearlines = tuple(v.id for v in views.values() if v.derived_from == product_id)
    return Relations(seen.derived_from, tearlines, seen.related)


# --- search, filters, counts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found.

    Attributes:
        items: matching views, newest first.
        total: ``len(items)``: readable matches only.
        facets: ``{"kind": {kind: n}, "marking": {banner: n}}`` over the readable text matches
            (before the kind and marking filters, so a menu can show what each choice would
            give); banners are the views' banners.
    """

    items: tuple[IntelProduct, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]]


def _readable_text(product: IntelProduct) -> str:
    """The searchable text of a view (a view holds only what its reader may read)."""
    parts = [product.title.content, *(p.content for p in product.portions)]
    parts += [s.name for s in product.sources] + [a.name for a in product.attachments]
    return "\n".join(parts).casefold()


def search(
    state: IntelRecords,
    reader: CellReader,
    text: str,
    *,
    kind: str | None = None,
    marking: str | None = None,
) -> SearchResult:
    """Search the reader's views: words are matched against readable text only.

    Args:
        state: the exercise's state.
        reader: who searches.
        text: words that must all appear (case-insensitive) in a view's title, portions, source
            names or attachment names; empty matches every view.
        kind: keep only this product kind.
        marking: keep only views with this banner (any accepted spelling).

    Returns:
        The matches, their count and facets, all counting readable views only.

    Raises:
        MarkingError: ``marking`` does not parse.
    """
    wanted = None if marking is None else parse_marking(marking, reader.levels).banner()
    words = text.casefold().split()
    matches = [v for v in feed(state, reader) if all(w in _readable_text(v) for w in words)]
    facets: dict[str, Mapping[str, int]] = {
        "kind": dict(Counter(v.kind for v in matches)),
        "marking": dict(Counter(v.marking.banner() for v in matches)),
    }
    items = tuple(
        v
        for v in matches
        if (kind is None or v.kind == kind) and (wanted is None or v.marking.banner() == wanted)
    )
    return SearchResult(items, len(items), MappingProxyType(facets))


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """The choices of the feed's filter menus: only what the reader's views carry.

    Attributes:
        kinds: product kinds, sorted.
        markings: banners of the reader's views, lowest classification first.
    """

    kinds: tuple[str, ...]
    markings: tuple[str, ...]


def filter_options(state: IntelRecords, reader: CellReader) -> FilterOptions:
    """The filter menus for the reader's feed.

    Args:
        state: the exercise's state.
        reader: who reads.

    Returns:
        Kinds and banners of the reader's views (never of an original it cannot read whole).
    """
    views = _views(state, reader).values()
    banners = {v.marking.banner(): v.marking.rank for v in views}
    return FilterOptions(
        kinds=tuple(sorted({v.kind for v in views})),
        markings=tuple(sorted(banners, key=lambda b: (banners[b], b))),
    )


@dataclass(frozen=True, slots=True)
class IntelCounts:
    """Counts for badges and dashboards, of what the reader sees only.

    Attributes:
        products: products (originals and tearlines) the reader sees.
        tearlines: of those, tearlines.
        by_kind: products by kind.
        reads: audited reads in the reader's history.
        rfis: RFIs in the reader's history.
        rfis_open: of those, without an answer the reader may see.
        injects: injects in the reader's inbox.
    """

    products: int
    tearlines: int
    by_kind: Mapping[str, int]
    reads: int
    rfis: int
    rfis_open: int
    injects: int


def counts(state: IntelRecords, reader: CellReader) -> IntelCounts:
    """How many of each thing the reader sees; hidden objects are never counted.

    Args:
        state: the exercise's state.
        reader: who reads.

    Returns:
        The counts, each equal to the length of the matching read path.
    """
    views = _views(state, reader)
    rfis = visible_rfis(state, reader)
    return IntelCounts(
        products=len(views),
        tearlines=sum(1 for p in views if state.intel[p].derived_from is not None),
        by_kind=MappingProxyType(dict(Counter(v.kind for v in views.values()))),
        reads=len(_visible_reads(state, reader, views)),
        rfis=len(rfis),
        rfis_open=sum(1 for r in rfis if r.answer is None),
        injects=len(visible_injects(state, reader)),
    )


# --- RFIs, history, inboxes -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RfiView:
    """An RFI as one reader may see it.

    Attributes:
        rfi_id: the RFI.
        cell: the asking cell.
        question: the question.
        marking: the question's banner.
        minute: when it was asked.
        answer: the answer, or ``None`` when there is none the reader may read.
        answer_marking: the answer's banner.
        answered_by: the answering user.
        answered_minute: when it was answered.
    """

    rfi_id: str
    cell: str
    question: str
    marking: str
    minute: int
    answer: str | None = None
    answer_marking: str | None = None
    answered_by: str | None = None
    answered_minute: int | None = None


def visible_rfis(state: IntelRecords, reader: CellReader) -> list[RfiView]:
    """RFIs the reader may see: its own cell's (or every cell's, for control), markings allowing.

    Args:
        state: the exercise's state.
        reader: who reads.

    Returns:
        RFI views in the order asked; an answer is shown only if its marking is readable.
    """
    control = is_control(state.scenario, reader)
    shown: list[RfiView] = []
    for thread in state.rfis.values():
        asked = thread.submitted
        if not (control or asked.cell == reader.cell):
            continue
        if not may_read_banner(reader, asked.marking):
            continue
        rfi = RfiView(asked.rfi_id, asked.cell, asked.question, asked.marking, asked.minute)
        answer = thread.answer
        if answer is not None and may_read_banner(reader, answer.marking):
            rfi = replace(
                rfi,
                answer=answer.answer,
                answer_marking=answer.marking,
                answered_by=answer.by,
                answered_minute=answer.minute,
            )
        shown.append(rfi)
    return shown


def visible_injects(state: InboxRecords[_D], reader: CellReader) -> list[_D]:
    """The reader's inbox: deliveries to its cell (every delivery for control) it may read.

    Validation keeps unreadable injects from being sent, but the inbox enforces the markings
    anyway: an inject whose marking the reader may not read, or that does not parse, never shows.

    Args:
        state: the exercise's state.
        reader: who reads.

    Returns:
        Deliveries, oldest first.
    """
    control = is_control(state.scenario, reader)
    return [
        d
        for d in state.deliveries
        if (control or reader.cell in d.to) and may_read_banner(reader, d.marking)
    ]


HistoryKind: TypeAlias = Literal["published", "released", "read", "rfi-asked", "rfi-answered"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a reader's intelligence timeline.

    Attributes:
        minute: scenario time.
        kind: ``published``, ``released``, ``read``, ``rfi-asked`` or ``rfi-answered``.
        subject: the product or RFI id.
        cell: the acting cell (originator, releasing cell, reading cell, asking cell).
        marking: the banner of what the entry shows (the reader's view, the RFI text).
        text: the title of the product view, the question or the answer.
        user: the reading or answering user, where recorded.
        source: for a release, the original's id when the reader may see the original.
        to: for a release, the nations it was released to.
    """

    minute: int
    kind: HistoryKind
    subject: str
    cell: str
    marking: str
    text: str
    user: str = ""
    source: str | None = None
    to: tuple[str, ...] = ()


def _visible_reads(
    state: IntelRecords, reader: CellReader, views: Mapping[str, IntelProduct]
) -> list[ReadRecord]:
    control = is_control(state.scenario, reader)
    return [
        r for r in state.intel_reads if r.product_id in views and (control or r.cell == reader.cell)
    ]


def history(state: IntelRecords, reader: CellReader) -> list[HistoryEntry]:
    """The reader's timeline of intelligence and RFIs, oldest first.

    Only products the reader sees are named (a release whose original is hidden shows only the
    tearline); reads are listed for readable products and, except for control, for the reader's
    own cell only; RFIs as `visible_rfis`.

    Args:
        state: the exercise's state.
        reader: who reads.

    Returns:
        Entries sorted by minute (stable: publication, then reads, then RFIs).
    """
    views = _views(state, reader)
    entries: list[HistoryEntry] = []
    for seen in views.values():
        banner, title = seen.marking.banner(), seen.title.content
        if state.intel[seen.id].derived_from is None:
            entries.append(
                HistoryEntry(seen.minute, "published", seen.id, seen.originator, banner, title)
            )
        else:
            entries.append(
                HistoryEntry(
                    seen.minute,
                    "released",
                    seen.id,
                    seen.originator,
                    banner,
                    title,
                    source=seen.derived_from,
                    to=seen.released_to,
                )
            )
    for read in _visible_reads(state, reader, views):
        seen = views[read.product_id]
        entries.append(
            HistoryEntry(
                read.minute,
                "read",
                read.product_id,
                read.cell,
                seen.marking.banner(),
                seen.title.content,
                user=read.user,
            )
        )
    for rfi in visible_rfis(state, reader):
        entries.append(
            HistoryEntry(rfi.minute, "rfi-asked", rfi.rfi_id, rfi.cell, rfi.marking, rfi.question)
        )
        if rfi.answer is not None and rfi.answered_minute is not None:
            entries.append(
                HistoryEntry(
                    rfi.answered_minute,
                    "rfi-answered",
                    rfi.rfi_id,
                    rfi.cell,
                    rfi.answer_marking or "",
                    rfi.answer,
                    user=rfi.answered_by or "",
                )
            )
    entries.sort(key=lambda e: e.minute)
    return entries
