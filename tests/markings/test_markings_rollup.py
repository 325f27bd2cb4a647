"""Roll-up of portion markings into a banner, by example."""

from __future__ import annotations

import pytest

from jointex import MarkingError
from jointex.markings import ClassificationLevels, parse_marking, rollup


def _rollup(*texts: str) -> str:
    return rollup(parse_marking(text) for text in texts).banner()


@pytest.mark.parametrize(
    ("portions", "banner"),
    [
        (("(U)",), "UNCLASSIFIED"),
        (("(U)", "(U//TLP:GREEN)"), "UNCLASSIFIED//TLP:GREEN"),
        (("(U)", "(S//REL TO USA, TWN)"), "SECRET//REL TO USA, TWN"),
        (("(S//REL TO USA, TWN)", "(C//REL TO USA, TWN, JPN)"), "SECRET//REL TO USA, TWN"),
        (("(S//REL TO USA, TWN)", "(TS//REL TO USA, GBR)"), "TOP SECRET//REL TO USA"),
        (("(S//REL TO GBR)", "(S//REL TO TWN)"), "SECRET//NOFORN"),
        (("(S//REL TO USA, TWN)", "(C//NF)"), "SECRET//NOFORN"),
        (("(S//REL TO USA, TWN)", "(S)"), "SECRET//NOFORN"),
        (("(//USA S//REL TO USA, TWN)", "(//USA C//NF)"), "//USA SECRET//NOFORN"),
        (("(//USA S//REL TO USA, TWN)", "(//USA C)"), "//USA SECRET//NOFORN"),
        (("(//USA S//REL TO USA, TWN)", "(//USA C//REL TO USA)"), "//USA SECRET//REL TO USA"),
        (("(//USA S//REL TO USA, TWN)", "(//GBR C//REL TO USA, GBR)"), "SECRET//REL TO USA"),
        (("(//USA S//NF)", "(//GBR S//REL TO USA, GBR)"), "//USA SECRET//NOFORN"),
        (("(//USA S//NF)", "(//GBR S//NF)"), "SECRET//NOFORN"),
        (("(//USA S//REL TO USA, TWN)", "(//TWN U)"), "//USA SECRET//REL TO USA, TWN"),
        (("(//TWN U)", "(//TWN U//TLP:AMBER)"), "//TWN UNCLASSIFIED//TLP:AMBER"),
        (("(//TWN U)", "(//USA U)"), "UNCLASSIFIED"),
        (("(U//NF)", "(S//REL TO USA)"), "SECRET//NOFORN"),
        (
            ("(U//TLP:GREEN)", "(C//REL TO TWN//TLP:AMBER)", "(U//TLP:RED)"),
            "CONFIDENTIAL//REL TO TWN//TLP:RED",
        ),
    ],
)
def test_rollup_table(portions: tuple[str, ...], banner: str) -> None:
    """Roll-up follows highest level, NOFORN wins, REL TO intersects, owner and TLP rules."""
    assert _rollup(*portions) == banner


def test_rollup_of_one_controlled_marking_is_itself() -> None:
    """A single marking with controls (or unclassified) rolls up to itself."""
    for text in ("(U)", "(S//NF)", "(//GBR S//REL TO GBR, USA//TLP:RED)", "(//TWN U)"):
        marking = parse_marking(text)
        assert rollup([marking]) == marking


def test_rollup_makes_default_noforn_explicit() -> None:
    """A classified marking without controls rolls up to the equivalent explicit NOFORN."""
    assert rollup([parse_marking("//USA S")]) == parse_marking("//USA S//NF")


def test_rollup_needs_markings() -> None:
    """Rolling up nothing raises MarkingError."""
    with pytest.raises(MarkingError, match="at least one marking"):
        rollup([])


def test_rollup_rejects_mixed_ladders() -> None:
    """Markings on different ladders cannot be rolled up together."""
    other = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    with pytest.raises(MarkingError, match="different classification ladders"):
        rollup([parse_marking("S//NF"), parse_marking("S//NF", other)])


def test_rollup_keeps_custom_ladder() -> None:
    """The roll-up of markings on a custom ladder is on that ladder."""
    other = ClassificationLevels.of(("OFFICIAL", "O"), ("SECRET", "S"))
    banner = rollup([parse_marking("(O)", other), parse_marking("(S//REL TO GBR)", other)])
    assert banner.levels == other
    assert banner.banner() == "SECRET//REL TO GBR"
