"""``--set key=value`` and ``--vary key=v1,v2``: change a scenario's assumptions by key path.

Keys are dotted paths into the scenario file; list elements are addressed by their id, e.g.
``response.policy``, ``c2.sharing.mean_minutes``, ``phases.routine.activity.aircraft.omega``,
``forces.twn-455w.alert_pairs``. Values are written as in YAML (``60``, ``track-only``, ``true``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from jointex._errors import ParameterError
from jointex.scenario import Scenario

__all__ = ["apply_overrides", "parse_assignment"]


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``key=value`` and read the value as YAML.

    Raises:
        ParameterError: no ``=`` or an empty key.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ParameterError(f"--set {text!r}: expected KEY=VALUE, e.g. response.policy=track-only")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def apply_overrides(
    scenario: Scenario, overrides: Mapping[str, Any] | Iterable[tuple[str, Any]]
) -> Scenario:
    """A copy of ``scenario`` with values replaced at key paths, validated again.

    Args:
        scenario: the scenario.
        overrides: key path -> value.

    Returns:
        The changed scenario (the same object when there is nothing to change).

    Raises:
        ParameterError: a key does not exist (with a suggestion) or a value is not valid there.
    """
    items = list(overrides.items() if isinstance(overrides, Mapping) else overrides)
    if not items:
        return scenario
    data = scenario.model_dump(mode="json")
    for key, value in items:
        _assign(data, key, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ParameterError(
            f"--set: invalid value at {where}: {first['msg']} (got {first.get('input')!r})"
        ) from None


def _assign(data: dict[str, Any], key: str, value: Any) -> None:
    node: Any = data
    parts = key.split(".")
    walked: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, list):
            ids = [
                str(item.get("id", item.get("name", ""))) for item in node if isinstance(item, dict)
            ]
            if part not in ids:
                raise ParameterError(_unknown(key, walked, part, ids))
            position = ids.index(part)
            if last:
                raise ParameterError(f"--set {key}: cannot replace a whole list element")
            node = node[position]
        elif isinstance(node, dict):
            if part not in node:
                raise ParameterError(_unknown(key, walked, part, list(node)))
            if last:
                node[part] = value
                return
            node = node[part]
        else:
            raise ParameterError(f"--set {key}: {'.'.join(walked)} has no keys below it")
        walked.append(part)


def _unknown(key: str, walked: list[str], part: str, known: list[str]) -> str:
    close = difflib.get_close_matches(part, known, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known[:12])})"
    where = ".".join(walked) or "the scenario"
    return f"unknown --set key {key!r}: {where} has no {part!r}{hint}"
