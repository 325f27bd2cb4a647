"""The built-in scenarios: each validates and round-trips; the flagship tells its story."""

from __future__ import annotations

import math

import pytest

from jointex import scenario
from jointex.markings import Reader, can_read, parse_marking
from jointex.scenario import Cell, Inject, Scenario

FLAGSHIP = "grey-zone-surge"
NAMES = scenario.builtin_names()
DAY = 1440


def _load(name: str) -> Scenario:
    return scenario.loads(scenario.builtin_text(name), f"<built-in {name}>")


def _recipients(loaded: Scenario, inject: Inject) -> list[Cell]:
    if "all" in inject.to:
        return list(loaded.cells)
    return [loaded.cell(cell_id) for cell_id in inject.to]


def _may_read(cell: Cell, marking: str) -> bool:
    parsed = parse_marking(marking)
    if cell.nation is None:  # no nationality: only unclassified material without controls
        return parsed.releasable is None and parsed.rank == 0
    return can_read(Reader(cell.nation, cell.clearance), parsed)


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return _load(FLAGSHIP)


def test_flagship_is_shipped() -> None:
    """The flagship scenario is among the built-ins."""
    assert FLAGSHIP in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_builtin_validates(name: str) -> None:
    """Every built-in scenario passes every check (no diagnostics)."""
    assert scenario.check(scenario.builtin_text(name), f"{name}.yaml") == []


@pytest.mark.parametrize("name", NAMES)
def test_builtin_round_trips(name: str) -> None:
    """Dumping a built-in and loading the dump gives an equal scenario."""
    loaded = _load(name)
    assert scenario.loads(scenario.dump(loaded), f"{name}-dumped.yaml") == loaded


@pytest.mark.parametrize("name", NAMES)
def test_every_recipient_may_read_its_injects(name: str) -> None:
    """Each inject's marking lets every recipient cell read it (markings.can_read)."""
    loaded = _load(name)
    unreadable = [
        (inject.id, cell.id)
        for inject in loaded.msel
        for cell in _recipients(loaded, inject)
        if not _may_read(cell, inject.marking)
    ]
    assert unreadable == []


def test_flagship_has_a_full_msel(flagship: Scenario) -> None:
    """The flagship MSEL has at least 30 injects spread over the whole exercise."""
    assert len(flagship.msel) >= 30
    days = {inject.time // DAY for inject in flagship.msel}
    assert days == set(range(flagship.duration // DAY))


def test_flagship_has_conditional_injects(flagship: Scenario) -> None:
    """Some injects wait on a trigger; some fall back to another inject, some to changes."""
    triggered = [i for i in flagship.msel if i.trigger is not None]
    fallbacks = [i.otherwise for i in triggered if i.otherwise is not None]
    assert len(triggered) >= 5
    assert any(o.inject is not None for o in fallbacks)
    assert any(o.set for o in fallbacks)


def test_flagship_injects_change_the_world(flagship: Scenario) -> None:
    """Injects set world-state variables and move the escalation level."""
    assert any(inject.set for inject in flagship.msel)
    assert any(inject.escalate_to is not None for inject in flagship.msel)


def test_flagship_markings_include_rel_to_and_noforn(flagship: Scenario) -> None:
    """The MSEL carries REL TO and NOFORN markings as well as unclassified media."""
    markings = [parse_marking(inject.marking) for inject in flagship.msel]
    assert any(m.rel_to is not None for m in markings)
    assert any(m.noforn for m in markings)
    assert any(m.rank == 0 and m.releasable is None for m in markings)


def test_flagship_never_sends_noforn_to_taiwan(flagship: Scenario) -> None:
    """No inject marked NOFORN is addressed to the Taiwan cell (or to all cells)."""
    noforn = [i for i in flagship.msel if parse_marking(i.marking).noforn]
    assert noforn
    assert all("twn" not in i.to and "all" not in i.to for i in noforn)


def test_flagship_surge_day(flagship: Scenario) -> None:
    """One phase is the one-day surge of 59 aircraft, 43 of them across the median line."""
    surges = [p for p in flagship.phases if p.activity.aircraft.omega == 59]
    assert len(surges) == 1
    surge = surges[0]
    assert surge.end - surge.start == DAY
    assert surge.activity.aircraft.alpha == 0
    assert math.isclose(surge.activity.sorties.median_line_fraction, 43 / 59, abs_tol=1e-3)
    assert surge.activity.vessels.innovation == 9


def test_flagship_five_day_drill_follows_the_surge(flagship: Scenario) -> None:
    """The phase right after the surge lasts five days and raises the escalation level."""
    phases = list(flagship.phases)
    index = next(i for i, p in enumerate(phases) if p.activity.aircraft.omega == 59)
    surge, drill = phases[index], phases[index + 1]
    assert drill.start == surge.end
    assert drill.end - drill.start == 5 * DAY
    assert drill.escalation is not None
    assert surge.escalation is not None
    assert drill.escalation > surge.escalation
    assert drill.activity.surge is not None


def test_flagship_has_all_five_cells(flagship: Scenario) -> None:
    """White, Taiwan, United States, red and observer cells are present with their roles."""
    roles = {cell.id: cell.role for cell in flagship.cells}
    assert roles == {
        "white": "control",
        "twn": "blue",
        "usa": "blue",
        "red": "red",
        "observers": "observer",
    }
    assert flagship.cell("twn").nation == "TWN"
    assert flagship.cell("usa").nation == "USA"
    assert flagship.cell("red").nation == "CHN"


def test_flagship_player_cells_have_bots(flagship: Scenario) -> None:
    """The Taiwan, US and red cells have scripted policies for headless runs."""
    assert all(flagship.cell(cell_id).bot for cell_id in ("twn", "usa", "red"))


def test_flagship_expected_actions_are_on_the_menu(flagship: Scenario) -> None:
    """Every expected action of an inject is an action cells can choose."""
    menu = {action.id for action in flagship.actions}
    expected = {a for inject in flagship.msel for a in inject.expected_actions}
    assert expected
    assert expected <= menu


def test_flagship_objectives_are_measurable(flagship: Scenario) -> None:
    """At least five objectives, each criterion with a measure and a target."""
    assert len(flagship.objectives) >= 5
    criteria = [c for o in flagship.objectives for c in o.criteria]
    assert all(c.measure and c.target for c in criteria)
