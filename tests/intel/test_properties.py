"""Properties of the read paths for random products and readers: nothing unreadable survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jointex.intel import (
    Attachment,
    IntelProduct,
    NationlessReader,
    Source,
    counts,
    export_products,
    feed,
    filter_options,
    search,
    view,
    view_for,
)
from jointex.markings import Portion, Reader, can_read
from tests.intel.world import with_products
from tests.strategies import (
    INTEL_WORDS,
    MARKING_NATIONS,
    intel_collections,
    intel_products,
    readers,
)


def _parts(product: IntelProduct) -> list[Portion | Source | Attachment]:
    return [product.title, *product.portions, *product.sources, *product.attachments]


@given(intel_products(), readers())
def test_no_view_holds_anything_unreadable(product: IntelProduct, reader: Reader) -> None:
    """A view holds no portion, source or attachment the reader may not read; its banner too."""
    seen = view_for(product, reader)
    if seen is None:
        assert not can_read(reader, product.title.marking)
        return
    for part in _parts(seen):
        assert can_read(reader, part.marking)
    assert can_read(reader, seen.marking)
    kept = {id(part) for part in _parts(seen)}
    for part in _parts(product):
        if can_read(reader, part.marking):
            assert id(part) in kept


@given(intel_products(), st.sampled_from(MARKING_NATIONS), st.sampled_from(("U", "C", "S", "TS")))
def test_nationless_view_is_within_every_nations_view(
    product: IntelProduct, nation: str, clearance: str
) -> None:
    """What a cell without a nation sees, every reader of every nation and clearance sees."""
    seen = view(product, NationlessReader("observers"))
    if seen is None:
        return
    other = view_for(product, Reader(nation, clearance))
    assert other is not None
    assert {id(p) for p in _parts(seen)} <= {id(p) for p in _parts(other)}


@given(intel_collections(), readers())
def test_links_name_only_visible_products(
    products: dict[str, IntelProduct], reader: Reader
) -> None:
    """Every related id and derived_from in the feed names a product in the same feed."""
    state = with_products(products.values())
    views = feed(state, reader)
    visible = {v.id for v in views}
    assert visible == {p.id for p in products.values() if can_read(reader, p.title.marking)}
    for seen in views:
        assert set(seen.related) <= visible
        assert seen.derived_from is None or seen.derived_from in visible
        assert can_read(reader, seen.marking)
    assert [v.id for v in export_products(state, reader)] == sorted(
        visible, key=lambda i: int(i.split("-")[1])
    )


@given(intel_collections(), readers(), st.lists(st.sampled_from(INTEL_WORDS), max_size=2))
def test_search_total_is_the_number_of_readable_matches(
    products: dict[str, IntelProduct], reader: Reader, words: list[str]
) -> None:
    """Search totals and facets count readable matches only, found in readable text only."""
    state = with_products(products.values())
    found = search(state, reader, " ".join(words))
    expected = set()
    for product in products.values():
        seen = view_for(product, reader)
        if seen is None:
            continue
        texts = [seen.title.content, *(p.content for p in seen.portions)]
        texts += [s.name for s in seen.sources] + [a.name for a in seen.attachments]
        if all(w in "\n".join(texts) for w in words):
            expected.add(product.id)
    assert {p.id for p in found.items} == expected
    assert found.total == len(expected)
    assert sum(found.facets["kind"].values()) == found.total
    assert sum(found.facets["marking"].values()) == found.total
    banners = set(filter_options(state, reader).markings)
    assert set(found.facets["marking"]) <= banners
    assert counts(state, reader).products == len(feed(state, reader))
