"""A scenario's classification ladder, as `jointex.markings` objects."""

from __future__ import annotations

from functools import lru_cache

from jointex.markings import DEFAULT_LEVELS, ClassificationLevels
from jointex.scenario._schema import Scenario

__all__ = ["levels_of"]


@lru_cache(maxsize=64)
def _ladder(pairs: tuple[tuple[str, str], ...]) -> ClassificationLevels:
    return ClassificationLevels.of(*pairs) if pairs else DEFAULT_LEVELS


def levels_of(scenario: Scenario) -> ClassificationLevels:
    """The classification ladder a scenario's markings use: its own, or the default one.

    Args:
        scenario: the scenario.

    Returns:
        The ladder; the same object for equal ladders, so access checks take their fast path.
    """
    custom = scenario.classification_levels or ()
    return _ladder(tuple((level.name, level.abbreviation) for level in custom))
