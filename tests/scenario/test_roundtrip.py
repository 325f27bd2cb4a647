"""Scenarios survive dump and load unchanged, and a loaded scenario cannot be changed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from tests.strategies import scenario_documents

from jointex.scenario import Scenario, builtin_text, check, dump, loads


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents())
def test_dump_then_load_gives_an_equal_scenario(document: dict[str, Any]) -> None:
    """Any valid scenario, dumped to YAML and loaded again, equals the original."""
    scenario = Scenario.model_validate(document)
    text = dump(scenario)
    assert check(text, "dumped.yaml") == []
    assert loads(text) == scenario


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents())
def test_generated_documents_pass_every_check(document: dict[str, Any]) -> None:
    """The strategy's documents pass the cross-reference checks too, not just the schema."""
    assert check(yaml.safe_dump(document, allow_unicode=True)) == []


def test_dump_is_stable() -> None:
    """Dumping a loaded dump gives the same text again."""
    text = dump(loads(builtin_text("tutorial")))
    assert dump(loads(text)) == text


@pytest.fixture
def tutorial() -> Scenario:
    """The tutorial scenario, loaded."""
    return loads(builtin_text("tutorial"))


def test_attributes_cannot_be_assigned(tutorial: Scenario) -> None:
    """Assigning to a field of a loaded scenario, or of an element inside it, fails."""
    with pytest.raises(ValidationError, match="frozen"):
        tutorial.title = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        tutorial.msel[0].title = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        tutorial.world.variables[0].initial = True  # type: ignore[misc]
    assert tutorial == loads(builtin_text("tutorial"))


def test_collections_cannot_be_mutated(tutorial: Scenario) -> None:
    """Lists are tuples and mappings are read-only proxies: neither can be changed in place."""
    with pytest.raises(TypeError):
        tutorial.msel[2].set["surge_detected"] = False  # type: ignore[index]
    with pytest.raises(TypeError):
        del tutorial.msel[2].set["surge_detected"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        tutorial.phases[0].activity.sorties.sectors["adiz-sw"] = 0.5  # type: ignore[index]
    with pytest.raises(AttributeError):
        tutorial.msel.append(tutorial.msel[0])  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        tutorial.cells[0] = tutorial.cells[1]  # type: ignore[index]
    assert tutorial.msel[2].set == {"surge_detected": True}


def test_loading_twice_gives_equal_values(tutorial: Scenario) -> None:
    """Two loads of the same text are equal values."""
    assert tutorial == loads(builtin_text("tutorial"))
    assert tutorial is not loads(builtin_text("tutorial"))
