"""Each package's public surface: sorted, complete ``__all__``."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "jointex",
    "jointex.cop",
    "jointex.exercise",
    "jointex.intel",
    "jointex.markings",
    "jointex.model",
    "jointex.scenario",
    "jointex.sim",
    "jointex.store",
    "jointex.web",
]


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.mark.parametrize("name", PACKAGES)
def test_all_sorted_and_complete(name: str) -> None:
    """``__all__`` is in ruff's isort order and every name in it exists."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key)
    for item in exported:
        assert hasattr(module, item), item
