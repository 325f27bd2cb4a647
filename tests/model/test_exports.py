"""Tests that jointex.model's ``__all__`` is sorted and re-exports every model's public names."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import jointex.model

# The analytic models owned here; each module's whole ``__all__`` must be re-exported. The
# activity/calibration modules choose their exports with the lead (their DEFAULT_* constants
# stay module-level), so for them only consistency is checked below.
CORE_MODULES = ["_c2", "_detection", "_distributions", "_engagement", "_mobilisation", "_response"]

PRIVATE_MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(jointex.model.__path__)
    if info.name.startswith("_") and not info.name.startswith("__")
)


def test_all_is_sorted_without_duplicates() -> None:
    """jointex.model.__all__ is sorted and lists each name once."""
    exported = list(jointex.model.__all__)
    assert exported == sorted(exported)
    assert len(exported) == len(set(exported))


def test_every_exported_name_exists() -> None:
    """Every name in jointex.model.__all__ is an attribute of the package."""
    missing = [name for name in jointex.model.__all__ if not hasattr(jointex.model, name)]
    assert missing == []


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_core_module_names_are_all_reexported(module_name: str) -> None:
    """Each core model module's __all__ is wholly re-exported by jointex.model, same objects."""
    module = importlib.import_module(f"jointex.model.{module_name}")
    names = list(module.__all__)
    assert names
    assert set(names) <= set(jointex.model.__all__)
    for name in names:
        assert getattr(jointex.model, name) is getattr(module, name)


def test_every_exported_name_comes_from_a_model_module() -> None:
    """Each name in jointex.model.__all__ is in some private model module's own __all__."""
    declared: set[str] = set()
    for module_name in PRIVATE_MODULES:
        module = importlib.import_module(f"jointex.model.{module_name}")
        declared.update(getattr(module, "__all__", []))
    assert set(jointex.model.__all__) <= declared


def test_core_modules_are_discovered() -> None:
    """The core model modules exist as private modules of jointex.model."""
    assert set(CORE_MODULES) <= set(PRIVATE_MODULES)
