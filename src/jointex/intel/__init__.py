"""Intelligence sharing: portion-marked products, tearlines, and every read path through one rule.

Products (`IntelProduct`) are made of marked portions; `view_for` is what one reader may see of
one. The exercise publishes, releases (`derive_tearline`) and audits reads of products as
events; every screen, search, count, history and export is built by the read paths of this
package (`feed`, `search`, `filter_options`, `history`, `counts`, `relations`, `product_view`,
`export_products`, `visible_rfis`, `visible_injects`) from the views of the reader a cell reads
as (`reader_for`), never from the raw state. Example:

>>> from jointex.intel import IntelProduct, view_for
>>> from jointex.markings import Portion, Reader, parse_marking
>>> product = IntelProduct(
...     "INT-1", "report", Portion(parse_marking("S//REL TO USA, TWN"), "Fujian airfields"),
...     (Portion(parse_marking("//USA S//NF"), "From SIGINT", "P1"),
...      Portion(parse_marking("S//REL TO USA, TWN"), "J-16s dispersed", "P2")),
...     originator="usa", owner="USA", minute=360)
>>> twn = view_for(product, Reader("TWN", "SECRET"))
>>> [p.id for p in twn.portions], twn.marking.banner()
(['P2'], 'SECRET//REL TO USA, TWN')
"""

from jointex.intel._data import PRODUCT_KINDS, product_from_data, product_to_data
from jointex.intel._product import Attachment, IntelProduct, ProductKind, Source, view_for
from jointex.intel._reads import (
    CellReader,
    Delivery,
    FilterOptions,
    HistoryEntry,
    InboxRecords,
    IntelCounts,
    IntelRecords,
    NationlessReader,
    ReadRecord,
    Relations,
    RfiAnswer,
    RfiQuestion,
    RfiThread,
    RfiView,
    SearchResult,
    counts,
    export_products,
    feed,
    filter_options,
    history,
    is_control,
    levels_for,
    may_read,
    may_read_banner,
    product_view,
    reader_for,
    relations,
    search,
    view,
    visible_injects,
    visible_rfis,
)
from jointex.intel._workflow import derive_tearline, prepare_publication

__all__ = [
    "PRODUCT_KINDS",
    "Attachment",
    "CellReader",
    "Delivery",
    "FilterOptions",
    "HistoryEntry",
    "InboxRecords",
    "IntelCounts",
    "IntelProduct",
    "IntelRecords",
    "NationlessReader",
    "ProductKind",
    "ReadRecord",
    "Relations",
    "RfiAnswer",
    "RfiQuestion",
    "RfiThread",
    "RfiView",
    "SearchResult",
    "Source",
    "counts",
    "derive_tearline",
    "export_products",
    "feed",
    "filter_options",
    "history",
    "is_control",
    "levels_for",
    "may_read",
    "may_read_banner",
    "prepare_publication",
    "product_from_data",
    "product_to_data",
    "product_view",
    "reader_for",
    "relations",
    "search",
    "view",
    "view_for",
    "visible_injects",
    "visible_rfis",
]
