"""Cross-reference and consistency checks over the raw scenario document.

These run on the plain data (not the validated model) so that a file with a type error and a
broken reference reports both at once. Every check is defensive about types: a wrong type is the
schema's to report, so here it is skipped silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from jointex._errors import Diagnostic, MarkingError
from jointex.markings import ClassificationLevels, DEFAULT_LEVELS, parse_marking
from jointex.scenario._condition import ConditionError, compile_condition
from jointex.scenario._offset import parse_offset
from jointex.scenario._source import Path, Source

__all__ = ["check_references", "sidc_problem"]

_SYMBOL_SETS = frozenset(
    "01 02 05 06 10 11 15 20 25 27 30 35 36 40 45 46 47 50 51 52 53 54 60".split()
)
_TYPE_OF = {"bool": (bool,), "int": (int,), "float": (int, float), "text": (str,)}


def sidc_problem(code: object) -> str | None:
    """Why ``code`` is not a MIL-STD-2525D symbol identification code, or None if it is one."""
    if not isinstance(code, str) or len(code) != 20 or not code.isdigit():
        return f"symbol code {code!r} must be 20 digits (MIL-STD-2525D SIDC)"
    if code[0:2] not in ("10", "11", "13"):
        return f"symbol code {code!r}: version {code[0:2]!r} is not 2525D (10 or 11) or 2525E (13)"
    if code[2] not in "012":
        return f"symbol code {code!r}: context {code[2]!r} must be 0 (reality), 1 (exercise) or 2"
    if code[3] not in "0123456":
        return f"symbol code {code!r}: standard identity {code[3]!r} must be 0-6"
    if code[4:6] not in _SYMBOL_SETS:
        return f"symbol code {code!r}: unknown symbol set {code[4:6]!r}"
    if code[6] not in "012345":
        return f"symbol code {code!r}: status {code[6]!r} must be 0-5"
    return None


class _Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.doc: dict[str, Any] = source.data if isinstance(source.data, dict) else {}
        self.found: list[Diagnostic] = []
        self.levels = self._levels()
        self.variables: dict[str, dict[str, Any]] = {}
        self.ladder: set[int] = set()

    # -- plumbing -------------------------------------------------------------------------
    def error(self, path: Path, message: str, *, key: bool = False) -> None:
        self.found.append(self.source.at(path, message, key=key))

    def items(self, path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Mappings in the list at ``path`` with their paths."""
        node = self.get(path)
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict):
                    yield (*path, index), item

    def get(self, path: Path) -> Any:
        node: Any = self.doc
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return None
            elif not isinstance(node, dict):
                return None
            node = node[part] if isinstance(part, int) else node.get(part)
        return node

    def ids(self, path: Path, key: str = "id", what: str = "") -> dict[str, Path]:
        """Collect the ids of a list, reporting duplicates."""
        seen: dict[str, Path] = {}
        for item_path, item in self.items(path):
            value = item.get(key)
            if not isinstance(value, str):
                continue
            if value in seen:
                first = self.source.position((*seen[value], key))[0]
                self.error((*item_path, key), f"duplicate {what or key} {value!r} (first at line {first})")
            else:
                seen[value] = item_path
        return seen

    def reference(self, path: Path, value: Any, known: dict[str, Path] | set[str], what: str) -> None:
        if isinstance(value, str) and value not in known:
            self.error(path, f"{what} {value!r} is not defined{_suggest(value, known)}")

    # -- checks ---------------------------------------------------------------------------
    def _levels(self) -> ClassificationLevels:
        raw = self.doc.get("classification_levels")
        if isinstance(raw, list) and raw and all(
            isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("abbreviation"), str)
            for r in raw
        ):
            try:
                return ClassificationLevels.from_pairs([(r["name"], r["abbreviation"]) for r in raw])
            except MarkingError as exc:
                self.error(("classification_levels",), str(exc))
        return DEFAULT_LEVELS

    def marking(self, path: Path, value: Any) -> None:
        if isinstance(value, str):
            try:
                parse_marking(value, self.levels)
            except MarkingError as exc:
                self.error(path, f"marking {value!r} does not parse: {exc}")

    def offset(self, path: Path) -> int | None:
        value = self.get(path)
        if isinstance(value, str):
            try:
                return parse_offset(value)
            except ValueError:
                return None  # the schema reports it
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def run(self) -> list[Diagnostic]:
        nations = self.ids(("nations",), "code", "nation")
        cells = self.ids(("cells",), what="cell id")
        geo: dict[str, Path] = {}
        for kind in ("areas", "lines", "points"):
            for name, path in self.ids(("geography", kind), what="geography id").items():
                if name in geo:
                    self.error((*path, "id"), f"geography id {name!r} is used twice")
                geo[name] = path
        areas = self.ids(("geography", "areas"), what="area id")
        points = self.ids(("geography", "points"), what="point id")
        forces = self.ids(("forces",), what="force id")
        actions = self.ids(("actions",), what="action id")
        injects = self.ids(("msel",), what="inject id")
        self.ids(("phases",), what="phase id")
        self.ids(("surveillance", "sensors"), what="sensor id")
        self.ids(("objectives",), what="objective id")
        self.marking(("marking",), self.doc.get("marking"))
        self._world()
        self._cells(cells, nations, actions, forces)
        self._geography()
        for path, force in self.items(("forces",)):
            self.reference((*path, "nation"), force.get("nation"), nations, "nation")
            self.reference((*path, "base"), force.get("base"), points, "base")
            if "sidc" in force and (problem := sidc_problem(force["sidc"])):
                self.error((*path, "sidc"), problem)
        self._phases(areas)
        for path, sensor in self.items(("surveillance", "sensors")):
            self.reference((*path, "nation"), sensor.get("nation"), nations, "nation")
            for i, area in enumerate(sensor.get("covers") or []):
                self.reference((*path, "covers", i), area, areas, "area")
        self._ladder_ref(("mobilisation", "trigger_escalation"))
        for path, action in self.items(("actions",)):
            self._sets((*path, "set"), action.get("set"))
        self._msel(cells, injects, actions)
        for path, objective in self.items(("objectives",)):
            self.ids((*path, "criteria"), what="criterion id")
            for i, cell in enumerate(objective.get("cells") or []):
                self.reference((*path, "cells", i), cell, cells, "cell")
        return self.found

    def _world(self) -> None:
        for path, rung in self.items(("world", "escalation")):
            level = rung.get("level")
            if isinstance(level, int):
                if level in self.ladder:
                    self.error((*path, "level"), f"escalation level {level} is listed twice")
                self.ladder.add(level)
        self._ladder_ref(("world", "initial_escalation"))
        names = self.ids(("world", "variables"), "name", "variable")
        for name, path in names.items():
            var = self.get(path)
            self.variables[name] = var
            kind, initial = var.get("type"), var.get("initial")
            if kind in _TYPE_OF and "initial" in var and not _is(initial, kind):
                self.error((*path, "initial"), f"initial value {initial!r} is not of type {kind}")
            low, high = var.get("min"), var.get("max")
            if _num(low) and _num(high) and low > high:
                self.error((*path, "max"), f"max {high} is below min {low}")
            if _num(initial) and ((_num(low) and initial < low) or (_num(high) and initial > high)):
                self.error((*path, "initial"), f"initial value {initial} is outside [min, max]")

    def _ladder_ref(self, path: Path) -> None:
        level = self.get(path)
        if isinstance(level, int) and not isinstance(level, bool) and self.ladder and level not in self.ladder:
            self.error(path, f"escalation level {level} is not on the ladder {sorted(self.ladder)}")

    def _cells(self, cells: dict[str, Path], nations: dict[str, Path], actions: dict[str, Path],
               forces: dict[str, Path]) -> None:
        for path, cell in self.items(("cells",)):
            role = cell.get("role")
            if role in ("blue", "red") and not cell.get("nation"):
                self.error(path, f"a {role} cell needs a nation")
            self.reference((*path, "nation"), cell.get("nation"), nations, "nation")
            clearance = cell.get("clearance")
            if isinstance(clearance, str) and not self.levels.has(clearance):
                self.error((*path, "clearance"),
                           f"clearance {clearance!r} is not a classification level "
                           f"({', '.join(self.levels.names)})")
            for rule_path, rule in self.items((*path, "bot")):
                self._condition((*rule_path, "when"), rule.get("when"), cells, actions)
                self.reference((*rule_path, "action"), rule.get("action"), actions, "action")
                self.marking((*rule_path, "marking"), rule.get("marking"))
                for i, unit in enumerate(rule.get("units") or []):
                    self.reference((*rule_path, "units", i), unit, forces, "force")

    def _geography(self) -> None:
        for path, area in self.items(("geography", "areas")):
            ring = area.get("polygon")
            if not isinstance(ring, list) or len(ring) < 4 or not all(_pair(p) for p in ring):
                continue  # the schema reports shape problems
            pts = [(float(p[0]), float(p[1])) for p in ring]
            if pts[0] != pts[-1]:
                self.error((*path, "polygon"),
                           f"polygon of area {area.get('id')!r} is not closed: "
                           f"the last point {list(pts[-1])} must repeat the first {list(pts[0])}")
                continue
            if abs(_signed_area(pts)) < 1e-12:
                self.error((*path, "polygon"), f"polygon of area {area.get('id')!r} has no area")
            elif crossing := _self_intersection(pts):
                self.error((*path, "polygon", crossing[1]),
                           f"polygon of area {area.get('id')!r} is not valid: edge {crossing[0]} "
                           f"crosses edge {crossing[1]}")

    def _phases(self, areas: dict[str, Path]) -> None:
        duration = self.offset(("duration",))
        previous_end: int | None = None
        for path, phase in self.items(("phases",)):
            start, end = self.offset((*path, "start")), self.offset((*path, "end"))
            if start is not None and end is not None and end <= start:
                self.error((*path, "end"), "phase ends before it starts")
            if start is not None and previous_end is not None and start < previous_end:
                self.error((*path, "start"), "phase starts before the previous phase ends")
            if end is not None and duration is not None and end > duration:
                self.error((*path, "end"), "phase ends after the exercise's duration")
            previous_end = end if end is not None else previous_end
            self._ladder_ref((*path, "escalation"))
            activity = phase.get("activity")
            if not isinstance(activity, dict):
                continue
            factors = activity.get("weekday_factors")
            if isinstance(factors, list) and any(_num(f) and f <= 0 for f in factors):
                self.error((*path, "activity", "weekday_factors"), "weekday factors must be positive")
            surge = activity.get("surge")
            if isinstance(surge, dict):
                self._ordered((*path, "activity", "surge"), surge, "min_days", "max_days")
                self._ordered((*path, "activity", "surge"), surge, "aircraft_low", "aircraft_high")
            sorties = activity.get("sorties")
            if isinstance(sorties, dict):
                base = (*path, "activity", "sorties")
                for name in (sorties.get("sectors") or {}):
                    self.reference((*base, "sectors", name), name, areas, "sector area")
                for key in ("types", "sectors"):
                    shares = sorties.get(key)
                    if isinstance(shares, dict) and shares and all(_num(v) for v in shares.values()):
                        total = float(sum(shares.values()))
                        if not math.isclose(total, 1.0, abs_tol=1e-6):
                            self.error((*base, key), f"{key} shares must sum to 1, they sum to {total:g}")

    def _ordered(self, path: Path, data: dict[str, Any], low: str, high: str) -> None:
        if _num(data.get(low)) and _num(data.get(high)) and data[low] > data[high]:
            self.error((*path, high), f"{high} ({data[high]}) is below {low} ({data[low]})")

    def _condition(self, path: Path, text: Any, cells: dict[str, Path], actions: dict[str, Path]) -> None:
        if not isinstance(text, str):
            return
        try:
            condition = compile_condition(text)
        except ConditionError as exc:
            self.error(path, str(exc))
            return
        for name in sorted(condition.names - {"escalation"}):
            if name not in self.variables:
                known = {*self.variables, "escalation"}
                self.error(path, f"condition reads {name!r}, which is not a world-state variable"
                                 f"{_suggest(name, known)}")
        for cell, action in sorted(condition.decisions):
            self.reference(path, cell, cells, "cell")
            self.reference(path, action, actions, "action")

    def _sets(self, path: Path, changes: Any) -> None:
        if not isinstance(changes, dict):
            return
        for name, value in changes.items():
            var = self.variables.get(name)
            if var is None:
                self.error((*path, name),
                           f"{name!r} is not a world-state variable{_suggest(name, set(self.variables))}",
                           key=True)
            elif var.get("type") in _TYPE_OF and not _is(value, var["type"]):
                self.error((*path, name), f"{value!r} is not a valid {var['type']} for {name!r}")

    def _msel(self, cells: dict[str, Path], injects: dict[str, Path], actions: dict[str, Path]) -> None:
        duration = self.offset(("duration",))
        for path, inject in self.items(("msel",)):
            for i, cell in enumerate(inject.get("to") or []):
                if cell != "all":
                    self.reference((*path, "to", i), cell, cells, "recipient cell")
            self.marking((*path, "marking"), inject.get("marking"))
            time = self.offset((*path, "time"))
            if time is not None and duration is not None and time > duration:
                self.error((*path, "time"), "inject is timed after the exercise ends")
            self._sets((*path, "set"), inject.get("set"))
            if "escalate_to" in inject:
                self._ladder_ref((*path, "escalate_to"))
            trigger = inject.get("trigger")
            if isinstance(trigger, dict):
                self._condition((*path, "trigger", "when"), trigger.get("when"), cells, actions)
                wait = self.offset((*path, "trigger", "wait_until"))
                if wait is not None and time is not None and wait < time:
                    self.error((*path, "trigger", "wait_until"), "wait_until is before the inject's time")
            otherwise = inject.get("otherwise")
            if isinstance(otherwise, dict):
                if not isinstance(trigger, dict):
                    self.error((*path, "otherwise"), "'otherwise' needs a 'trigger' to fall back from",
                               key=True)
                alt = otherwise.get("inject")
                self.reference((*path, "otherwise", "inject"), alt, injects, "inject")
                if alt == inject.get("id"):
                    self.error((*path, "otherwise", "inject"), "an inject cannot fall back to itself")
                self._sets((*path, "otherwise", "set"), otherwise.get("set"))


def check_references(source: Source) -> list[Diagnostic]:
    """Every cross-reference and consistency problem in a scenario document.

    Args:
        source: the document read with positions.

    Returns:
        The problems found (possibly none).
    """
    return _Checker(source).run()


def _suggest(value: str, known: dict[str, Path] | set[str]) -> str:
    import difflib  # noqa: PLC0415 - only needed on the error path

    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    return isinstance(value, _TYPE_OF[kind])


def _pair(point: Any) -> bool:
    return isinstance(point, list) and len(point) == 2 and all(_num(v) for v in point)


def _signed_area(pts: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False))


def _self_intersection(pts: list[tuple[float, float]]) -> tuple[int, int] | None:
    edges = list(zip(pts, pts[1:], strict=False))
    n = len(edges)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # first and last edges share the closing point
            if _segments_cross(*edges[i], *edges[j]):
                return (i, j)
    return None


Point = tuple[float, float]


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2, d3, d4 = orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4)


