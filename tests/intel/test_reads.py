"""The read paths: readers of cells, feed, search, filters, history, counts, exports, inboxes."""

from __future__ import annotations

import dataclasses

import pytest

from jointex._errors import AccessDenied
from jointex.exercise import PublishIntel, ReadIntel, SubmitRfi
from jointex.intel import (
    NationlessReader,
    counts,
    export_products,
    feed,
    filter_options,
    history,
    may_read,
    product_view,
    reader_for,
    search,
    visible_injects,
    visible_rfis,
)
from jointex.markings import Reader
from tests.exercise.harness import created, play, scenario
from tests.intel.world import (
    FLAGSHIP,
    NOFORN,
    REL_TWN,
    TEARLINE_TITLE,
    TWN,
    USA,
    USA_ONLY,
    WHITE,
    m,
    product,
    released,
    with_products,
)


def test_reader_of_a_cell_is_its_nation_and_clearance() -> None:
    """A cell reads as Reader(nation, clearance, cell), the white cell included."""
    flagship = scenario(FLAGSHIP)
    assert reader_for(flagship, "twn") == Reader("TWN", "SECRET", "twn")
    assert reader_for(flagship, "white") == Reader("USA", "TOP SECRET", "white")
    assert reader_for(flagship, "observers") == NationlessReader("observers")
    assert reader_for(scenario("tutorial"), "white") == NationlessReader("white")
    with pytest.raises(AccessDenied, match="no cell 'nobody'"):
        reader_for(flagship, "nobody")


@pytest.mark.parametrize(
    ("marking", "readable"),
    [
        ("UNCLASSIFIED", True),
        ("UNCLASSIFIED//TLP:AMBER", True),
        ("(U//REL TO USA, TWN)", False),
        ("(U//NF)", False),
        ("(C//REL TO FVEY)", False),
        ("//USA TS//NF", False),
    ],
)
def test_a_nationless_reader_reads_only_what_restricts_nobody(marking: str, readable: bool) -> None:
    """Observers (no nation) read unclassified material without dissemination controls only."""
    assert may_read(NationlessReader("observers"), m(marking)) is readable


def test_feed_is_newest_first() -> None:
    """The feed lists views by minute, newest first, publication order breaking ties."""
    state = with_products(
        [product("INT-1", minute=5), product("INT-2", minute=9), product("INT-3", minute=5)]
    )
    reader = reader_for(state.scenario, "twn")
    assert [p.id for p in feed(state, reader)] == ["INT-2", "INT-3", "INT-1"]
    assert [p.id for p in export_products(state, reader)] == ["INT-1", "INT-2", "INT-3"]


def test_search_text_kind_marking_and_facets() -> None:
    """Search matches all words in readable text; kind and marking filter; facets count kinds."""
    state = with_products(
        [
            product("INT-1", REL_TWN, (REL_TWN, "Fighters scrambled from Chiayi")),
            product("INT-2", "UNCLASSIFIED", ("U", "Chiayi weather"), kind="note"),
            product("INT-3", "UNCLASSIFIED", ("U", "Fighters over Penghu")),
        ]
    )
    twn = reader_for(state.scenario, "twn")
    found = search(state, twn, "chiayi")
    assert [p.id for p in found.items] == ["INT-2", "INT-1"]
    assert found.total == 2
    assert found.facets == {
        "kind": {"note": 1, "report": 1},
        "marking": {"UNCLASSIFIED": 1, REL_TWN: 1},
    }
    assert [p.id for p in search(state, twn, "Fighters CHIAYI").items] == ["INT-1"]
    assert search(state, twn, "chiayi", kind="note").total == 1
    assert [p.id for p in search(state, twn, "", marking="(S//REL TO TWN, USA)").items] == ["INT-1"]
    assert search(state, twn, "").total == 3


def test_filter_options_are_the_views_banners() -> None:
    """The filter menus list the kinds and banners of the reader's views, lowest first."""
    state = released()
    usa = filter_options(state, reader_for(state.scenario, "usa"))
    assert usa.kinds == ("note", "report")
    assert usa.markings == (NOFORN, REL_TWN)
    twn = filter_options(state, reader_for(state.scenario, "twn"))
    assert (twn.kinds, twn.markings) == (("report",), (REL_TWN,))


def test_history_of_publication_release_and_reads() -> None:
    """USA's history shows both products, the release from INT-1 and its own reads only."""
    state = released()
    state, _ = play(state, [ReadIntel("INT-3")], TWN)
    state, _ = play(state, [ReadIntel("INT-1")], USA)
    entries = history(state, reader_for(state.scenario, "usa"))
    assert [(e.kind, e.subject) for e in entries] == [
        ("published", "INT-1"),
        ("published", "INT-2"),
        ("released", "INT-3"),
        ("read", "INT-1"),
    ]
    release = entries[2]
    assert (release.source, release.to, release.text) == ("INT-1", ("TWN",), TEARLINE_TITLE)
    white = history(state, reader_for(state.scenario, "white"))
    assert [(e.kind, e.cell) for e in white if e.kind == "read"] == [
        ("read", "twn"),
        ("read", "usa"),
    ]


def test_counts_match_the_read_paths() -> None:
    """Counts equal the lengths of what the reader sees."""
    state = released()
    state, _ = play(state, [ReadIntel("INT-3")], TWN)
    state, _ = play(state, [SubmitRfi("How many?", REL_TWN)], TWN)
    usa = counts(state, reader_for(state.scenario, "usa"))
    assert (usa.products, usa.tearlines, dict(usa.by_kind)) == (3, 1, {"report": 2, "note": 1})
    assert (usa.reads, usa.rfis) == (0, 0)
    twn = counts(state, reader_for(state.scenario, "twn"))
    assert (twn.products, twn.tearlines, twn.reads, twn.rfis, twn.rfis_open) == (1, 1, 1, 1, 1)
    assert twn.injects == len(visible_injects(state, reader_for(state.scenario, "twn")))


def test_product_view_and_rfis() -> None:
    """A detail page shows the view; RFIs are the asker's and control's."""
    state = released()
    state, _ = play(state, [SubmitRfi("How many?", REL_TWN)], TWN)
    assert product_view(state, reader_for(state.scenario, "twn"), "INT-3").id == "INT-3"
    assert [r.rfi_id for r in visible_rfis(state, reader_for(state.scenario, "white"))] == ["RFI-1"]
    assert visible_rfis(state, reader_for(state.scenario, "usa")) == []


def test_inbox_is_the_cells_readable_deliveries() -> None:
    """An inbox holds deliveries to the cell; control's holds every delivery it may read."""
    state = created(FLAGSHIP)
    twn = visible_injects(state, reader_for(state.scenario, "twn"))
    assert twn == [d for d in state.deliveries if "twn" in d.to]
    white = visible_injects(state, reader_for(state.scenario, "white"))
    assert len(white) == len(state.deliveries)


def test_published_then_read_by_the_publisher() -> None:
    """A publisher reads its own product and sees its read in its history."""
    state, _ = play(created(FLAGSHIP), [PublishIntel(USA_ONLY), ReadIntel("INT-1")], USA)
    entries = history(state, reader_for(state.scenario, "usa"))
    assert [e.kind for e in entries] == ["published", "read"]
    assert entries[1].user == "sam"
    moved = dataclasses.replace(state, intel_reads=())
    assert [e.kind for e in history(moved, reader_for(state.scenario, "usa"))] == ["published"]


def test_white_without_a_nation_reads_only_unrestricted_products() -> None:
    """In the tutorial the white cell has no nation: it sees unclassified products only."""
    state = with_products(
        [product("INT-1", "U", ("U", "open")), product("INT-2", REL_TWN, (REL_TWN, "x"))],
        "tutorial",
    )
    assert [p.id for p in feed(state, reader_for(state.scenario, "white"))] == ["INT-1"]
    assert WHITE.cell == "white"
