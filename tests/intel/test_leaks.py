"""Leak tests, one per way a read path could show a reader something it may not read.

Each builds a world where the leak would show if the path read the raw state, and checks the
Taiwan cell (TWN, SECRET) or another reader cannot see it.
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType

import pytest

from jointex._errors import AccessDenied
from jointex.exercise import (
    AnswerRfi,
    ExerciseState,
    InjectDelivered,
    PublishIntel,
    ReadIntel,
    ReleaseIntel,
    SubmitRfi,
)
from jointex.intel import (
    Attachment,
    CellReader,
    IntelProduct,
    Source,
    counts,
    export_products,
    feed,
    filter_options,
    history,
    product_to_data,
    product_view,
    reader_for,
    relations,
    search,
    visible_injects,
    visible_rfis,
)
from jointex.markings import Reader
from tests.exercise.harness import created, play, rejected
from tests.intel.world import (
    FLAGSHIP,
    NOFORN,
    REL_TWN,
    SECRET_WORD,
    TWN,
    USA,
    USA_ONLY,
    USA_REPORT,
    m,
    product,
    released,
    with_products,
)

TWN_READER = Reader("TWN", "SECRET", "twn")


def _everything(state: ExerciseState, reader: CellReader) -> str:
    """Every read path's output for a reader, as one text to search for leaked names."""
    parts: list[object] = [
        [product_to_data(p) for p in feed(state, reader)],
        [product_to_data(p) for p in export_products(state, reader)],
        [dataclasses.asdict(e) for e in history(state, reader)],
        dataclasses.asdict(filter_options(state, reader)),
        [dataclasses.asdict(r) for r in visible_rfis(state, reader)],
    ]
    return json.dumps(parts, default=str)


def test_related_id_of_a_hidden_product() -> None:
    """Leak: a readable product's related ids naming a NOFORN product."""
    state = with_products(
        [product("INT-1", NOFORN, (NOFORN, "x")), product("INT-2", REL_TWN, related=("INT-1",))]
    )
    (seen,) = feed(state, TWN_READER)
    assert seen.related == ()
    assert relations(state, TWN_READER, "INT-2").related == ()
    assert "INT-1" not in _everything(state, TWN_READER)


def test_derived_from_a_noforn_original() -> None:
    """Leak: a tearline's derived_from pointing to the NOFORN original it was cut from."""
    state = released()
    (tearline,) = feed(state, TWN_READER)
    assert tearline.derived_from is None
    assert relations(state, TWN_READER, "INT-3").derived_from is None
    (entry,) = history(state, TWN_READER)
    assert (entry.kind, entry.subject, entry.source) == ("released", "INT-3", None)
    assert "INT-1" not in _everything(state, TWN_READER)


def test_tearlines_to_other_nations() -> None:
    """Leak: a readable original listing a tearline released to another nation."""
    state = with_products(
        [
            product("INT-1", "U", ("U", "open")),
            product("INT-2", "(S//REL TO USA, JPN)", derived_from="INT-1", released_to=("JPN",)),
        ]
    )
    assert relations(state, TWN_READER, "INT-1").tearlines == ()
    assert relations(state, Reader("JPN", "SECRET"), "INT-1").tearlines == ("INT-2",)


def test_history_naming_hidden_products() -> None:
    """Leak: history entries about publishing a product the reader may not see."""
    state = released()
    text = _everything(state, TWN_READER)
    assert "INT-1" not in text
    assert "INT-2" not in text
    assert SECRET_WORD not in text


def test_history_of_other_cells_reads() -> None:
    """Leak: the audit trail showing other cells' reads, or reads of hidden products to control."""
    state = released()
    state, _ = play(state, [ReadIntel("INT-1"), ReadIntel("INT-3")], USA)
    assert [e for e in history(state, TWN_READER) if e.kind == "read"] == []
    title = {"marking": "//TWN S//NF", "content": "t"}
    portions = [{"marking": "//TWN S//NF", "content": "Penghu radar outage"}]
    twn_only = {**USA_ONLY, "owner": "TWN", "title": title, "portions": portions}
    state, _ = play(state, [PublishIntel(twn_only), ReadIntel("INT-4")], TWN)
    white = reader_for(state.scenario, "white")
    reads = [(e.cell, e.subject) for e in history(state, white) if e.kind == "read"]
    assert reads == [("usa", "INT-1"), ("usa", "INT-3")]
    assert "INT-4" not in _everything(state, white)


def test_counts_include_hidden_objects() -> None:
    """Leak: badge counts that count products, reads or RFIs the reader may not see."""
    state = released()
    state, _ = play(state, [ReadIntel("INT-1")], USA)
    state, _ = play(state, [SubmitRfi("Why?", "U")], USA)
    seen = counts(state, TWN_READER)
    assert (seen.products, seen.tearlines, dict(seen.by_kind)) == (1, 1, {"report": 1})
    assert (seen.reads, seen.rfis, seen.rfis_open) == (0, 0, 0)


@pytest.mark.parametrize("words", [SECRET_WORD, "Overhead SIGINT", "dispersal.png", "Tasking"])
def test_search_matches_hidden_text(words: str) -> None:
    """Leak: a search matching words of hidden portions, sources or attachments."""
    state = released()
    found = search(state, TWN_READER, words)
    assert (found.items, found.total) == ((), 0)
    assert found.facets == {"kind": {}, "marking": {}}
    assert search(state, reader_for(state.scenario, "usa"), words).total >= 1


def test_search_total_and_facets_count_hidden_products() -> None:
    """Leak: search totals and facet counts that include products the reader may not see."""
    state = released()
    found = search(state, TWN_READER, "")
    assert found.total == 1
    assert found.facets == {"kind": {"report": 1}, "marking": {REL_TWN: 1}}


def test_filter_menu_lists_unreadable_markings() -> None:
    """Leak: the marking filter menu offering the banner of an original the reader cannot read."""
    state = with_products([product("INT-1", REL_TWN, (REL_TWN, "a"), (NOFORN, "b"))])
    assert state.intel["INT-1"].marking.banner() == "//USA SECRET//NOFORN"
    assert filter_options(state, TWN_READER).markings == (REL_TWN,)
    assert search(state, TWN_READER, "", marking=NOFORN).total == 0


def test_export_ignores_markings() -> None:
    """Leak: an export written from originals rather than the reader's views."""
    state = released()
    exported = json.dumps([product_to_data(p) for p in export_products(state, TWN_READER)])
    assert "NOFORN" not in exported
    assert SECRET_WORD not in exported
    assert "Overhead SIGINT" not in exported


def test_unreadable_title_hides_the_product() -> None:
    """Leak: a product shown (even as a stub) when its title is unreadable."""
    state = with_products([product("INT-1", NOFORN, (REL_TWN, "releasable body"))])
    assert feed(state, TWN_READER) == []
    assert search(state, TWN_READER, "releasable").total == 0
    assert counts(state, TWN_READER).products == 0
    with pytest.raises(AccessDenied) as hidden:
        product_view(state, TWN_READER, "INT-1")
    with pytest.raises(AccessDenied) as missing:
        product_view(state, TWN_READER, "INT-9")
    assert str(hidden.value).replace("INT-1", "INT-9") == str(missing.value)


def test_sources_and_attachments_of_higher_marking() -> None:
    """Leak: source names and attachments marked above what the reader may read."""
    secret = product(
        "INT-1",
        REL_TWN,
        (REL_TWN, "body"),
        sources=(Source("Agent CARDINAL", "B", 2, m(NOFORN)), Source("Radar", "A", 1, m("U"))),
        attachments=(Attachment("a.png", "image/png", m("(TS//REL TO USA, TWN)"), "QUJD"),),
    )
    state = with_products([secret])
    (seen,) = feed(state, TWN_READER)
    assert [s.name for s in seen.sources] == ["Radar"]
    assert seen.attachments == ()
    assert "CARDINAL" not in _everything(state, TWN_READER)


def test_tearline_with_a_noforn_portion_is_rejected() -> None:
    """Leak: a tearline to TWN that keeps a NOFORN portion."""
    state, _ = play(created(FLAGSHIP), [PublishIntel(USA_REPORT)], USA)
    command = ReleaseIntel("INT-1", ("TWN",), ("P1", "P2"), "Fujian", REL_TWN)
    assert rejected(state, command, USA) == (
        "portion P1 of INT-1 is marked //USA SECRET//NOFORN and may not be released to TWN"
    )


def test_rfi_answer_above_the_asker() -> None:
    """Leak: an RFI answer marked above the asking cell's clearance or not releasable to it."""
    state, _ = play(created(FLAGSHIP), [SubmitRfi("How many?", REL_TWN)], TWN)
    for marking in ("SECRET//NOFORN", NOFORN, "TOP SECRET//REL TO USA, TWN"):
        assert rejected(state, AnswerRfi("RFI-1", "12", marking)).startswith("cell twn may not")


def test_forged_answer_is_not_shown() -> None:
    """Leak: an answer in the log (written before the check existed) the asker may not read."""
    state, _ = play(created(FLAGSHIP), [SubmitRfi("How many?", REL_TWN)], TWN)
    state, _ = play(state, [AnswerRfi("RFI-1", "Twelve", REL_TWN)])
    thread = state.rfis["RFI-1"]
    assert thread.answer is not None
    forged = dataclasses.replace(thread, answer=dataclasses.replace(thread.answer, marking=NOFORN))
    state = dataclasses.replace(state, rfis=MappingProxyType({"RFI-1": forged}))
    (rfi,) = visible_rfis(state, TWN_READER)
    assert (rfi.answer, rfi.answer_marking) == (None, None)
    assert "Twelve" not in _everything(state, TWN_READER)


def test_rejections_reveal_hidden_products() -> None:
    """Leak: a command's rejection telling a hidden product apart from a missing one."""
    state = released()
    for product_id in ("INT-1", "INT-9"):
        message = f"no intel product {product_id!r}"
        assert rejected(state, ReadIntel(product_id), TWN) == message
        assert rejected(state, ReleaseIntel(product_id, ("TWN",)), TWN) == message
        related = {**USA_ONLY, "owner": "TWN", "related": [product_id],
                   "title": {"marking": "U", "content": "t"}, "portions": []}  # fmt: skip
        assert rejected(state, PublishIntel(related), TWN) == message


def test_inbox_shows_an_unreadable_inject() -> None:
    """Leak: an inject in a cell's inbox whose marking the cell may not read."""
    state = created(FLAGSHIP)
    forged = InjectDelivered("X-1", 0, ("twn", "usa"), "intelligence", NOFORN, SECRET_WORD,
                             "", (), adhoc=True, cause=None)  # fmt: skip
    broken = dataclasses.replace(forged, inject_id="X-2", marking="SECRET//REL TO ATLANTIS")
    state = dataclasses.replace(state, deliveries=(*state.deliveries, forged, broken))
    twn = [d.inject_id for d in visible_injects(state, reader_for(state.scenario, "twn"))]
    assert "X-1" not in twn
    assert "X-2" not in twn
    usa = [d.inject_id for d in visible_injects(state, reader_for(state.scenario, "usa"))]
    assert "X-1" in usa
    assert "X-2" not in usa


def test_observers_see_nothing_marked() -> None:
    """Leak: a cell without a nation reading classified or REL TO material."""
    state = with_products(
        [
            product("INT-1", "U", ("(U//REL TO USA, TWN)", "partners only")),
            product("INT-2", REL_TWN),
        ]
    )
    observers = reader_for(state.scenario, "observers")
    (seen,) = feed(state, observers)
    assert (seen.id, seen.portions) == ("INT-1", ())


def test_other_cells_rfis() -> None:
    """Leak: one cell's RFIs shown to another cell that could read their marking."""
    state, _ = play(created(FLAGSHIP), [SubmitRfi("Where are the tankers?", "U")], USA)
    assert visible_rfis(state, TWN_READER) == []
    assert [e for e in history(state, TWN_READER) if e.kind.startswith("rfi")] == []


def test_read_paths_hand_out_originals() -> None:
    """Leak: a read path handing back the original object instead of the reader's view."""
    state = with_products([product("INT-1", REL_TWN, (REL_TWN, "a"), (NOFORN, "b"))])
    original = state.intel["INT-1"]
    (seen,) = export_products(state, TWN_READER)
    assert seen is not original
    assert isinstance(seen, IntelProduct)
    assert [p.id for p in seen.portions] == ["P1"]
