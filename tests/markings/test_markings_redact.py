"""Redaction of marked documents for one reader, by example."""

from __future__ import annotations

import pytest

from jointex import MarkingError
from jointex.markings import MarkedDocument, Portion, Reader, parse_marking, redact


def _document() -> MarkedDocument:
    return MarkedDocument(
        (
            Portion(parse_marking("(U)"), "Exercise day 2.", id="p1"),
            Portion(parse_marking("(S//REL TO USA, TWN)"), "Sortie counts.", id="p2"),
            Portion(parse_marking("(//USA TS//NF)"), "Source details.", id="p3"),
        ),
        title="INTSUM 2",
        id="intsum-2",
    )


def test_document_banner_is_rollup_of_portions() -> None:
    """A marked document's banner is the roll-up of its portions."""
    assert _document().marking.banner() == "//USA TOP SECRET//NOFORN"


def test_redact_keeps_readable_portions_and_recomputes_banner() -> None:
    """A TWN SECRET reader sees the U and REL TO TWN portions under a SECRET banner."""
    view = redact(_document(), Reader("TWN", "SECRET"))
    assert view is not None
    assert [p.id for p in view.portions] == ["p1", "p2"]
    assert view.marking.banner() == "SECRET//REL TO USA, TWN"
    assert (view.title, view.id) == ("INTSUM 2", "intsum-2")


def test_redact_returns_the_document_when_all_is_readable() -> None:
    """A reader who may read every portion gets the document unchanged."""
    document = _document()
    assert redact(document, Reader("USA", "TOP SECRET")) is document


def test_redact_returns_none_when_nothing_is_readable() -> None:
    """A reader who may read no portion gets None, not an empty view."""
    document = MarkedDocument((Portion(parse_marking("(S//REL TO USA)"), "x"),))
    assert redact(document, Reader("TWN", "TOP SECRET")) is None


def test_redact_unclassified_only_view() -> None:
    """A reader with no clearance beyond UNCLASSIFIED sees only the unclassified portion."""
    view = redact(_document(), Reader("JPN", "UNCLASSIFIED"))
    assert view is not None
    assert [p.content for p in view.portions] == ["Exercise day 2."]
    assert view.marking.banner() == "UNCLASSIFIED"


def test_document_needs_portions() -> None:
    """A marked document without portions raises MarkingError."""
    with pytest.raises(MarkingError, match="at least one portion"):
        MarkedDocument(())
