"""Shared fixtures for the COP tests: the flagship scenario, readers and intelligence products."""

from __future__ import annotations

import pytest

from jointex.intel import IntelProduct
from jointex.markings import Reader
from jointex.scenario import Scenario
from tests.cop.data import SECRET_ID, SECRET_TITLE, flagship, product


@pytest.fixture
def scenario() -> Scenario:
    """The flagship scenario."""
    return flagship()


@pytest.fixture
def twn() -> Reader:
    """A Taiwan cell member cleared to SECRET."""
    return Reader("TWN", "SECRET", cell="twn")


@pytest.fixture
def usa() -> Reader:
    """A United States cell member cleared to TOP SECRET."""
    return Reader("USA", "TOP SECRET", cell="usa")


@pytest.fixture
def noforn() -> IntelProduct:
    """A US NOFORN sighting linked to a PLA force, with a location."""
    return product(SECRET_ID, "//USA SECRET//NOFORN", SECRET_TITLE, track_ids=("pla-destroyers",))


@pytest.fixture
def shared() -> IntelProduct:
    """A US sighting released to Taiwan, linked to the PLA amphibious group."""
    return product(
        "INT-REL-3",
        "SECRET//REL TO USA, TWN",
        "Amphibious group leaving Pingtan",
        location=(119.9, 25.3),
        track_ids=("pla-amphib",),
    )
