"""A small intelligence world shared by the intel tests: markings, products, exercises."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from jointex.exercise import (
    Actor,
    ExerciseState,
    PublishIntel,
    ReleaseIntel,
    new_state,
)
from jointex.intel import IntelProduct
from jointex.markings import Marking, Portion, parse_marking
from tests.exercise.harness import created, play, scenario

FLAGSHIP = "grey-zone-surge"
"""White cell USA/TOP SECRET, twn TWN/SECRET, usa USA/TOP SECRET, red CHN/SECRET, observers."""

WHITE = Actor("alice", "white")
TWN = Actor("li", "twn")
USA = Actor("sam", "usa")
RED = Actor("wang", "red")
OBSERVER = Actor("olga", "observers")

NOFORN = "//USA SECRET//NOFORN"
REL_TWN = "SECRET//REL TO USA, TWN"

SECRET_WORD = "Longtian"
"""A word that appears only in US-only (NOFORN) material."""

USA_REPORT: Mapping[str, Any] = MappingProxyType(
    {
        "kind": "report",
        "title": {"marking": NOFORN, "content": f"{SECRET_WORD} dispersal and PLA readiness"},
        "portions": [
            {"marking": NOFORN, "content": f"SIGINT shows J-16s dispersed at {SECRET_WORD}"},
            {"marking": REL_TWN, "content": "A joint readiness patrol is likely within 72 hours"},
        ],
        "sources": [
            {"name": "Overhead SIGINT", "reliability": "B", "credibility": 2, "marking": NOFORN},
            {"name": "MND radar", "reliability": "A", "credibility": 1, "marking": REL_TWN},
        ],
        "attachments": [
            {"name": "dispersal.png", "media_type": "image/png", "marking": NOFORN, "data": ""}
        ],
        "location": [119.4, 25.3],
    }
)
"""A US report: a NOFORN title, one NOFORN and one REL TO USA, TWN portion, two sources, a file."""

TEARLINE_TITLE = "PLA readiness on the Fujian coast"
"""The releasable title the tearline of USA_REPORT is given."""

USA_ONLY: Mapping[str, Any] = MappingProxyType(
    {
        "kind": "note",
        "title": {"marking": NOFORN, "content": f"{SECRET_WORD} collection plan"},
        "portions": [{"marking": NOFORN, "content": "Tasking for the next 48 hours"}],
    }
)
"""A US-only note: everything NOFORN, the title too."""


def m(text: str) -> Marking:
    """A marking from its banner or portion mark."""
    return parse_marking(text)


def product(
    product_id: str,
    title: str = "UNCLASSIFIED",
    *portions: tuple[str, str],
    **changes: Any,
) -> IntelProduct:
    """A product with a title marking and (marking, text) portions named P1, P2, ..."""
    made = IntelProduct(
        id=product_id,
        kind="report",
        title=Portion(m(title), f"title of {product_id}"),
        portions=tuple(
            Portion(m(mark), text, f"P{i}") for i, (mark, text) in enumerate(portions, 1)
        ),
        originator="usa",
        owner="USA",
        minute=0,
    )
    return dataclasses.replace(made, **changes)


def with_products(products: Iterable[IntelProduct], source: str = FLAGSHIP) -> ExerciseState:
    """A fresh exercise state of a scenario holding these products (no events behind them)."""
    intel = {p.id: p for p in products}
    return dataclasses.replace(new_state(scenario(source)), intel=MappingProxyType(intel))


def released() -> ExerciseState:
    """The flagship with USA_REPORT (INT-1), USA_ONLY (INT-2), INT-1's tearline for TWN (INT-3)."""
    state = created(FLAGSHIP)
    state, _ = play(state, [PublishIntel(USA_REPORT), PublishIntel(USA_ONLY)], USA)
    command = ReleaseIntel("INT-1", ("TWN",), title=TEARLINE_TITLE, title_marking=REL_TWN)
    state, _ = play(state, [command], USA)
    return state
