"""The package's public surface."""

from __future__ import annotations

import jointex.exercise


def _isort_key(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def test_all_is_sorted_and_complete() -> None:
    """``jointex.exercise.__all__`` is in ruff's order and every name exists."""
    exported = list(jointex.exercise.__all__)
    assert exported == sorted(exported, key=_isort_key)
    assert all(hasattr(jointex.exercise, name) for name in exported)


def test_module_example_runs() -> None:
    """The example in the package docstring does what it says."""
    import doctest

    failures, tried = doctest.testmod(jointex.exercise, verbose=False)
    assert tried > 0
    assert failures == 0
