"""Hypothesis strategies shared by the test suite, one headed section per package."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

from jointex.intel import Attachment, IntelProduct, Source
from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    MarkedDocument,
    Marking,
    Portion,
    Reader,
    Tlp,
)
from jointex.scenario import builtin_text, format_offset

# ---------------------------------------------------------------------------------------------
# markings: classification ladders, markings, readers, portions and marked documents
# ---------------------------------------------------------------------------------------------

# A small pool of nations makes REL TO lists overlap (and readers match them) often; FVEY members
# are in it so that expansion matters.
MARKING_NATIONS: tuple[str, ...] = ("AUS", "CAN", "FRA", "GBR", "JPN", "NZL", "TWN", "USA")


@st.composite
def classification_levels(draw: st.DrawFn) -> ClassificationLevels:
    """A scenario-style ladder of 1-5 levels with distinct made-up names and abbreviations."""
    count = draw(st.integers(min_value=1, max_value=5))
    words = draw(
        st.lists(
            st.text(alphabet="ABDEGHIKLMOPQUVWXYZ", min_size=3, max_size=8),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    # Abbreviation = name + index digit keeps abbreviations distinct from every name.
    return ClassificationLevels.of(*((word, f"{word[0]}{i}") for i, word in enumerate(words)))


@st.composite
def markings(
    draw: st.DrawFn,
    levels: ClassificationLevels = DEFAULT_LEVELS,
    nations: tuple[str, ...] = MARKING_NATIONS,
) -> Marking:
    """Any valid marking on ``levels``: owner or not, NOFORN, REL TO, neither; TLP or not."""
    classification = draw(st.sampled_from(levels.levels)).name
    owner = draw(st.none() | st.sampled_from(nations))
    control = draw(st.sampled_from(("none", "noforn", "rel_to")))
    rel_to: tuple[str, ...] | None = None
    if control == "rel_to":
        listed = draw(st.lists(st.sampled_from((*nations, "FVEY")), min_size=1, max_size=4))
        rel_to = (*listed, owner) if owner is not None else tuple(listed)
    tlp = draw(st.none() | st.sampled_from(Tlp))
    return Marking(classification, owner, control == "noforn", rel_to, tlp, levels)


@st.composite
def readers(
    draw: st.DrawFn,
    levels: ClassificationLevels = DEFAULT_LEVELS,
    nations: tuple[str, ...] = MARKING_NATIONS,
) -> Reader:
    """A reader of one of ``nations`` with any clearance on ``levels``."""
    nation = draw(st.sampled_from(nations))
    clearance = draw(st.sampled_from(levels.levels)).name
    return Reader(nation, clearance, cell=f"blue-{nation.lower()}", levels=levels)


@st.composite
def portions(draw: st.DrawFn, levels: ClassificationLevels = DEFAULT_LEVELS) -> Portion:
    """A portion with any marking on ``levels`` and short text."""
    marking = draw(markings(levels))
    return Portion(marking, draw(st.text(max_size=20)), id=draw(st.text(max_size=5)))


@st.composite
def marked_documents(
    draw: st.DrawFn, levels: ClassificationLevels = DEFAULT_LEVELS
) -> MarkedDocument:
    """A document of 1-8 portions on ``levels``."""
    parts = draw(st.lists(portions(levels), min_size=1, max_size=8))
    return MarkedDocument(tuple(parts), title=draw(st.text(max_size=10)))


@st.composite
def ladders_with_markings(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 6
) -> tuple[ClassificationLevels, list[Marking]]:
    """A ladder (default or made up) and a list of markings on it."""
    levels = draw(st.just(DEFAULT_LEVELS) | classification_levels())
    items = draw(st.lists(markings(levels), min_size=min_size, max_size=max_size))
    return levels, items


# ---------------------------------------------------------------------------------------------
# scenario: valid scenarios, as variations of the built-in tutorial
# ---------------------------------------------------------------------------------------------

SCENARIO_IDS = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,20}", fullmatch=True)
# Printable text of every script (no control characters, which YAML escapes differently).
SCENARIO_TEXT = st.text(
    st.characters(
        codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="\u2028\u2029"
    ),
    max_size=40,
)
SCENARIO_CONDITIONS = (
    "escalation >= 1",
    "surge_detected",
    "not surge_detected and alert_pairs_airborne < 3",
    "decided('twn', 'scramble-alert') or escalation == 2",
    "alert_pairs_airborne * 2 > 1",
)


def _tutorial_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(builtin_text("tutorial"))
    data["start"] = data["start"].isoformat()
    return data


@st.composite
def scenario_markings(draw: st.DrawFn) -> str:
    """A valid banner on the default ladder, written the way the markings package writes it."""
    return draw(markings()).banner()


# Injects go to every kind of cell, including observers without a nation, and validation refuses
# an inject that a recipient may not read: so generated injects carry markings everyone may read.
SCENARIO_INJECT_MARKINGS = st.sampled_from(
    (
        "UNCLASSIFIED",
        "UNCLASSIFIED//TLP:CLEAR",
        "UNCLASSIFIED//TLP:GREEN",
        "UNCLASSIFIED//TLP:AMBER",
    )
)


@st.composite
def scenario_injects(draw: st.DrawFn, index: int, duration: int) -> dict[str, Any]:
    """An extra MSEL inject for the tutorial's cells, timed within ``duration`` minutes."""
    inject: dict[str, Any] = {
        "id": f"G-{index:03d}",
        "time": format_offset(draw(st.integers(min_value=-1440, max_value=duration))),
        "title": draw(SCENARIO_TEXT.filter(str.strip)),
        "to": draw(
            st.lists(
                st.sampled_from(("all", "white", "twn", "usa", "red", "observers")),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "channel": st.sampled_from(("message", "intelligence", "media", "phone", "tasking")),
        "marking": SCENARIO_INJECT_MARKINGS,
        "content": SCENARIO_TEXT,
        "expected_actions": st.lists(
            st.sampled_from(("scramble-alert", "raise-readiness", "harass")), max_size=3
        ),
        "set": st.fixed_dictionaries(
            {},
            optional={
                "surge_detected": st.booleans(),
                "alert_pairs_airborne": st.integers(min_value=0, max_value=10),
            },
        ),
        "escalate_to": st.integers(min_value=0, max_value=2),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            inject[key] = draw(strategy)
    if draw(st.booleans()):
        inject["trigger"] = {"when": draw(st.sampled_from(SCENARIO_CONDITIONS))}
        if draw(st.booleans()):
            inject["trigger"]["wait_until"] = format_offset(duration)
            inject["otherwise"] = {"inject": "T-001", "note": draw(SCENARIO_TEXT)}
    return inject


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The plain data of a valid scenario: the tutorial with varied text, numbers and sections."""
    data = _tutorial_data()
    data["id"] = draw(SCENARIO_IDS)
    data["title"] = draw(SCENARIO_TEXT.filter(str.strip))
    data["description"] = draw(SCENARIO_TEXT)
    data["marking"] = draw(scenario_markings())
    days = draw(st.integers(min_value=2, max_value=30))
    duration = days * 1440
    data["duration"] = draw(st.sampled_from((f"D+{days}", format_offset(duration))))
    data["move_minutes"] = draw(st.integers(min_value=1, max_value=1440))
    force = data["forces"][0]
    force["count"] = draw(st.integers(min_value=0, max_value=500))
    force["readiness"] = draw(st.floats(min_value=0, max_value=1))
    phase = data["phases"][0]["activity"]
    phase["aircraft"]["omega"] = draw(st.floats(min_value=0.01, max_value=500))
    phase["aircraft"]["alpha"] = draw(st.floats(min_value=0, max_value=0.99))
    phase["vessels"]["persistence"] = draw(st.floats(min_value=0, max_value=1))
    for cell in data["cells"]:
        # the tutorial sends a SECRET//REL TO USA, TWN inject: its recipients stay cleared for it
        low = ("SECRET",) if cell["id"] in ("twn", "usa") else ("UNCLASSIFIED", "CONFIDENTIAL")
        cell["clearance"] = draw(st.sampled_from((*low, "SECRET", "TOP SECRET")))
    for inject in data["msel"]:
        if draw(st.booleans()):
            inject["marking"] = draw(SCENARIO_INJECT_MARKINGS)
    extra = draw(st.integers(min_value=0, max_value=4))
    data["msel"].extend(draw(scenario_injects(i, duration)) for i in range(extra))
    for section in ("start", "description", "objectives", "response"):
        if draw(st.booleans()):
            del data[section]
    if draw(st.booleans()):
        del data["geography"]["lines"]
    return data


# ---------------------------------------------------------------------------------------------
# intel: portion-marked products and small collections of linked products
# ---------------------------------------------------------------------------------------------

# Few words, so that searches match often and hidden portions share words with readable ones.
INTEL_WORDS: tuple[str, ...] = ("alpha", "bravo", "charlie", "delta", "echo")


@st.composite
def intel_text(draw: st.DrawFn) -> str:
    """One to three words from `INTEL_WORDS`."""
    return " ".join(draw(st.lists(st.sampled_from(INTEL_WORDS), min_size=1, max_size=3)))


@st.composite
def intel_products(
    draw: st.DrawFn, product_id: str = "INT-1", others: tuple[str, ...] = ()
) -> IntelProduct:
    """A product with any markings on its title, 0-5 portions, 0-3 sources and 0-2 attachments.

    ``others`` are ids it may be related to or derived from.
    """
    count = draw(st.integers(min_value=0, max_value=5))
    body = tuple(Portion(draw(markings()), draw(intel_text()), f"P{i}") for i in range(count))
    sources = tuple(
        Source(draw(intel_text()), draw(st.sampled_from("ABCDEF")), draw(st.integers(1, 6)),
               draw(markings()))
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    )  # fmt: skip
    attachments = tuple(
        Attachment(f"{draw(intel_text())}.png", "image/png", draw(markings()))
        for _ in range(draw(st.integers(min_value=0, max_value=2)))
    )
    derived = draw(st.none() | st.sampled_from(others)) if others else None
    return IntelProduct(
        id=product_id,
        kind=draw(st.sampled_from(("report", "note", "sighting"))),
        title=Portion(draw(markings()), draw(intel_text())),
        portions=body,
        originator=draw(st.sampled_from(("usa", "twn", "white"))),
        owner=draw(st.sampled_from(MARKING_NATIONS)),
        minute=draw(st.integers(min_value=0, max_value=2880)),
        sources=sources,
        attachments=attachments,
        location=draw(st.none() | st.tuples(st.floats(-180, 180), st.floats(-90, 90))),
        derived_from=derived,
        released_to=tuple(draw(st.lists(st.sampled_from(MARKING_NATIONS), max_size=2, unique=True)))
        if derived
        else (),
        related=tuple(draw(st.lists(st.sampled_from(others), max_size=3, unique=True)))
        if others
        else (),
    )


@st.composite
def intel_collections(draw: st.DrawFn) -> dict[str, IntelProduct]:
    """1-6 products ``INT-1`` ... by id, each linked only to earlier ones."""
    count = draw(st.integers(min_value=1, max_value=6))
    products: dict[str, IntelProduct] = {}
    for number in range(1, count + 1):
        product_id = f"INT-{number}"
        products[product_id] = draw(intel_products(product_id, tuple(products)))
    return products
