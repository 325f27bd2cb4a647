"""The public surface of jointex.markings."""

from __future__ import annotations

import jointex.markings


def _ruff_order(name: str) -> tuple[int, str]:
    # RUF022's isort-style order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_every_name_exists() -> None:
    """__all__ is sorted (constants, classes, functions) and names real, unique attributes."""
    names = jointex.markings.__all__
    assert names == sorted(names, key=_ruff_order)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(jointex.markings, name), name


def test_public_names_do_not_leak_private_modules() -> None:
    """No private module or underscore name is exported."""
    assert not [name for name in jointex.markings.__all__ if name.startswith("_")]
