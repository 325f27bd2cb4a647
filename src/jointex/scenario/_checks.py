"""Cross-reference and consistency checks over the raw scenario document.

These run on the plain data (not the validated model) so that a file with a type error and a
broken reference reports both at once. Every check is defensive about types: a wrong type is the
schema's to report, so here it is skipped silently.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterator
from itertools import pairwise
from typing import Any

from jointex._errors import Diagnostic, MarkingError
from jointex.markings import (
    DEFAULT_LEVELS,
    ClassificationLevels,
    Marking,
    Reader,
    can_read,
    parse_marking,
)
from jointex.scenario._condition import ConditionError, compile_condition
from jointex.scenario._offset import format_offset, parse_offset
from jointex.scenario._source import Path, Source, format_path

__all__ = ["check_references", "sidc_problem"]

_SYMBOL_SETS = frozenset(
    [
        *("01", "02", "05", "06", "10", "11", "15", "20", "25", "27", "30", "35", "36"),
        *("40", "45", "46", "47", "50", "51", "52", "53", "54", "60"),
    ]
)
_TYPE_OF = {"bool": (bool,), "int": (int,), "float": (int, float), "text": (str,)}
_TYPE_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "text": "text",
}
_TYPE_NAMES = {"bool": "a bool", "int": "an int", "float": "a float", "text": "a text"}
_SHARES = {"types": "sortie type", "sectors": "sector"}
_MARKING_COLUMN = re.compile(r" at column (\d+)$")


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
        # Unknown-variable checks need the variable list; when `world` itself is broken the
        # schema reports that once instead of every `set` and condition reporting it again.
        world = self.doc.get("world")
        self.variables_known = isinstance(world, dict) and isinstance(
            world.get("variables", []), list
        )
        self.ladder: set[int] = set()

    # -- plumbing -------------------------------------------------------------------------
    def error(self, path: Path, message: str, *, key: bool = False) -> None:
        self.found.append(self.source.at(path, message, key=key))

    def error_inside(self, path: Path, value: str, index: int, message: str) -> None:
        """Report at character ``index`` of the text ``value`` written at ``path``."""
        line, column = self.source.inside(path, value, index)
        self.found.append(Diagnostic(self.source.file, line, column, message, format_path(path)))

    def items(self, path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Mappings in the list at ``path`` with their paths."""
        for item_path, item in self.listed(path):
            if isinstance(item, dict):
                yield item_path, item

    def listed(self, path: Path) -> Iterator[tuple[Path, Any]]:
        """Entries of the list at ``path`` with their paths (nothing if it is not a list)."""
        node = self.get(path)
        if isinstance(node, list):
            for index, item in enumerate(node):
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
                self.error(
                    (*item_path, key), f"duplicate {what or key} {value!r} (first at line {first})"
                )
            else:
                seen[value] = item_path
        return seen

    def reference(
        self, path: Path, value: Any, known: Collection[str], problem: str, *, key: bool = False
    ) -> None:
        """Report ``value`` when it is text that is not in ``known``.

        ``problem`` is a format string with ``{value}``, e.g. ``"base {value} is not a point"``.
        """
        if isinstance(value, str) and value not in known:
            self.error(path, problem.format(value=repr(value)) + _suggest(value, known), key=key)

    # -- checks ---------------------------------------------------------------------------
    def _levels(self) -> ClassificationLevels:
        raw = self.doc.get("classification_levels")
        if (
            isinstance(raw, list)
            and raw
            and all(
                isinstance(r, dict)
                and isinstance(r.get("name"), str)
                and isinstance(r.get("abbreviation"), str)
                for r in raw
            )
        ):
            try:
                return ClassificationLevels.of(*((r["name"], r["abbreviation"]) for r in raw))
            except MarkingError as exc:
                self.error(("classification_levels",), str(exc))
        return DEFAULT_LEVELS

    def marking(self, path: Path, value: Any) -> Marking | None:
        if not isinstance(value, str):
            return None
        if not value.strip():
            self.error(path, "the marking is empty (write at least a level, e.g. UNCLASSIFIED)")
            return None
        try:
            return parse_marking(value, self.levels)
        except MarkingError as exc:
            # The parser names the column inside the marking; point there in the file instead.
            problem, index = str(exc), 0
            suffix = f" of {value!r}"
            if problem.endswith(suffix) and (at := _MARKING_COLUMN.search(problem[: -len(suffix)])):
                problem, index = problem[: at.start()], int(at.group(1)) - 1
            self.error_inside(path, value, index, f"marking {value!r} does not parse: {problem}")
            return None

    def unreadable_by(self, marking: Marking, cell: dict[str, Any]) -> bool:
        """Whether a cell's members could not read something carrying ``marking``."""
        nation, clearance = cell.get("nation"), cell.get("clearance", "UNCLASSIFIED")
        if not isinstance(clearance, str):
            return False  # the schema reports it
        try:
            if isinstance(nation, str):
                return not can_read(Reader(nation, clearance, levels=self.levels), marking)
            if cell.get("role") in ("blue", "red"):
                return False  # the missing nation is reported on the cell itself
            # a cell without a nation reads only what restricts nobody
            return marking.rank > 0 or marking.noforn or marking.rel_to is not None
        except MarkingError:
            return False  # a bad nation or clearance is reported where it is written

    def offset(self, path: Path) -> int | None:
        value = self.get(path)
        if isinstance(value, str):
            try:
                return parse_offset(value)
            except ValueError:
                return None  # the schema reports it
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def shown(self, path: Path) -> str:
        """An offset as the author wrote it (canonical form when it was a number)."""
        value = self.get(path)
        return value.strip() if isinstance(value, str) else format_offset(self.offset(path) or 0)

    def run(self) -> list[Diagnostic]:
        nations = self.ids(("nations",), "code", "nation")
        cells = self.ids(("cells",), what="cell id")
        geo: dict[str, dict[str, Path]] = {}
        seen_geo: dict[str, Path] = {}
        for kind in ("areas", "lines", "points"):
            geo[kind] = self.ids(("geography", kind), what="geography id")
            for name, path in geo[kind].items():
                if name in seen_geo:
                    first = self.source.position((*seen_geo[name], "id"))[0]
                    self.error(
                        (*path, "id"), f"duplicate geography id {name!r} (first at line {first})"
                    )
                seen_geo[name] = path
        areas, points = geo["areas"], geo["points"]
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
            self.reference(
                (*path, "nation"), force.get("nation"), nations, "nation {value} is not in nations"
            )
            self.reference(
                (*path, "base"),
                force.get("base"),
                points,
                "base {value} is not in geography.points",
            )
            if "sidc" in force and (problem := sidc_problem(force["sidc"])):
                self.error((*path, "sidc"), problem)
        self._phases(areas)
        for path, sensor in self.items(("surveillance", "sensors")):
            self.reference(
                (*path, "nation"), sensor.get("nation"), nations, "nation {value} is not in nations"
            )
            for area_path, area in self.listed((*path, "covers")):
                self.reference(area_path, area, areas, "area {value} is not in geography.areas")
        self._ladder_ref(("mobilisation", "trigger_escalation"))
        for path, action in self.items(("actions",)):
            self._sets((*path, "set"), action.get("set"))
        self._msel(cells, injects, actions)
        for path, _objective in self.items(("objectives",)):
            self.ids((*path, "criteria"), what="criterion id")
            for cell_path, cell in self.listed((*path, "cells")):
                self.reference(cell_path, cell, cells, "cell {value} is not in cells")
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
                self.error(
                    (*path, "initial"),
                    f"{name!r} is {_TYPE_NAMES[kind]} variable, so its initial value must be "
                    f"{_TYPE_WORDS[kind]}, not {initial!r}",
                )
            low, high = var.get("min"), var.get("max")
            if _num(low) and _num(high) and low > high:
                self.error((*path, "max"), f"max {high} is below min {low}")
            if _num(initial) and ((_num(low) and initial < low) or (_num(high) and initial > high)):
                self.error((*path, "initial"), f"initial value {initial} is outside [min, max]")

    def _ladder_ref(self, path: Path) -> None:
        level = self.get(path)
        if _num(level) and self.ladder and level not in self.ladder:
            self.error(
                path,
                f"escalation level {level} is not on the ladder (levels: "
                f"{', '.join(str(n) for n in sorted(self.ladder))})",
            )

    def _cells(
        self,
        cells: dict[str, Path],
        nations: dict[str, Path],
        actions: dict[str, Path],
        forces: dict[str, Path],
    ) -> None:
        level_names = [level.name for level in self.levels]
        for path, cell in self.items(("cells",)):
            role = cell.get("role")
            if role in ("blue", "red") and cell.get("nation") is None:
                self.error(path, f"a {role} cell needs a 'nation' (an ISO 3166-1 alpha-3 code)")
            self.reference(
                (*path, "nation"), cell.get("nation"), nations, "nation {value} is not in nations"
            )
            clearance = cell.get("clearance")
            if isinstance(clearance, str):
                try:
                    self.levels.rank(clearance)
                except MarkingError:
                    self.error(
                        (*path, "clearance"),
                        f"clearance {clearance!r} is not a classification level"
                        f"{_suggest(clearance, level_names, listing=False)}; the levels are "
                        f"{', '.join(level_names)}",
                    )
            for rule_path, rule in self.items((*path, "bot")):
                self._condition((*rule_path, "when"), rule.get("when"), cells, actions)
                self.reference(
                    (*rule_path, "action"),
                    rule.get("action"),
                    actions,
                    "action {value} is not in actions",
                )
                self.marking((*rule_path, "marking"), rule.get("marking"))
                for unit_path, unit in self.listed((*rule_path, "units")):
                    self.reference(unit_path, unit, forces, "force {value} is not in forces")

    def _geography(self) -> None:
        for path, area in self.items(("geography", "areas")):
            ring = area.get("polygon")
            if not isinstance(ring, list) or len(ring) < 4 or not all(_pair(p) for p in ring):
                continue  # the schema reports shape problems
            name = area.get("id")
            pts = [(float(p[0]), float(p[1])) for p in ring]
            if pts[0] != pts[-1]:
                self.error(
                    (*path, "polygon", len(pts) - 1),
                    f"polygon of area {name!r} is not closed: the last point "
                    f"{_point(pts[-1])} must repeat the first {_point(pts[0])}",
                )
            elif crossing := _self_intersection(pts):
                i, j = crossing
                self.error(
                    (*path, "polygon", j),
                    f"polygon of area {name!r} crosses itself: the edge from point {i} "
                    f"{_point(pts[i])} to point {i + 1} {_point(pts[i + 1])} crosses the edge "
                    f"from point {j} {_point(pts[j])} to point {j + 1} {_point(pts[j + 1])}",
                )
            elif abs(_signed_area(pts)) < 1e-12:
                self.error((*path, "polygon"), f"polygon of area {name!r} has no area")

    def _phases(self, areas: dict[str, Path]) -> None:
        duration = self.offset(("duration",))
        previous: tuple[Path, int] | None = None
        for path, phase in self.items(("phases",)):
            start, end = self.offset((*path, "start")), self.offset((*path, "end"))
            name = phase.get("id")
            if start is not None and end is not None and end <= start:
                self.error(
                    (*path, "end"),
                    f"phase {name!r} must end after it starts: it starts at "
                    f"{self.shown((*path, 'start'))} and ends at {self.shown((*path, 'end'))}",
                )
            if start is not None and previous is not None and start < previous[1]:
                before = self.get((*previous[0], "id"))
                self.error(
                    (*path, "start"),
                    f"phase {name!r} starts at {self.shown((*path, 'start'))}, before the previous "
                    f"phase {before!r} ends at {self.shown((*previous[0], 'end'))}",
                )
            if end is not None and duration is not None and end > duration:
                self.error(
                    (*path, "end"),
                    f"phase {name!r} ends after the exercise's duration "
                    f"({self.shown(('duration',))})",
                )
            if end is not None:
                previous = (path, end)
            self._ladder_ref((*path, "escalation"))
            activity = phase.get("activity")
            if not isinstance(activity, dict):
                continue
            factors = activity.get("weekday_factors")
            if isinstance(factors, list) and any(_num(f) and f <= 0 for f in factors):
                self.error(
                    (*path, "activity", "weekday_factors"), "weekday factors must be positive"
                )
            surge = activity.get("surge")
            if isinstance(surge, dict):
                self._ordered((*path, "activity", "surge"), surge, "min_days", "max_days")
                self._ordered((*path, "activity", "surge"), surge, "aircraft_low", "aircraft_high")
            sorties = activity.get("sorties")
            if isinstance(sorties, dict):
                self._sorties((*path, "activity", "sorties"), sorties, areas)

    def _sorties(self, base: Path, sorties: dict[str, Any], areas: dict[str, Path]) -> None:
        sectors = sorties.get("sectors")
        if isinstance(sectors, dict):
            for name in sectors:
                self.reference(
                    (*base, "sectors", name),
                    name,
                    areas,
                    "sector {value} is not in geography.areas",
                    key=True,
                )
        for key in ("types", "sectors"):
            shares = sorties.get(key)
            if isinstance(shares, dict) and shares and all(_num(v) for v in shares.values()):
                total = float(sum(shares.values()))
                if not math.isclose(total, 1.0, abs_tol=1e-6):
                    self.error(
                        (*base, key), f"{_SHARES[key]} shares must sum to 1, they sum to {total:g}"
                    )

    def _ordered(self, path: Path, data: dict[str, Any], low: str, high: str) -> None:
        if _num(data.get(low)) and _num(data.get(high)) and data[low] > data[high]:
            self.error((*path, high), f"{high} ({data[high]}) is below {low} ({data[low]})")

    def _condition(
        self, path: Path, text: Any, cells: dict[str, Path], actions: dict[str, Path]
    ) -> None:
        if not isinstance(text, str):
            return
        try:
            condition = compile_condition(text)
        except ConditionError as exc:
            self.error(path, str(exc))
            return
        if self.variables_known:
            known = {*self.variables, "escalation"}
            for name in sorted(condition.names - known):
                self.error_inside(
                    path,
                    text,
                    _find(text, rf"(?<![\w'\"]){re.escape(name)}(?![\w'\"])"),
                    f"condition reads {name!r}, which is not a world-state variable"
                    f"{_suggest(name, known)}",
                )
        for cell, action in sorted(condition.decisions):
            for value, known_ids, what in ((cell, cells, "cell"), (action, actions, "action")):
                if value not in known_ids:
                    self.error_inside(
                        path,
                        text,
                        _find(text, rf"['\"]{re.escape(value)}['\"]"),
                        f"decided() names {what} {value!r}, which is not in "
                        f"{what}s{_suggest(value, known_ids)}",
                    )

    def _sets(self, path: Path, changes: Any) -> None:
        if not isinstance(changes, dict) or not self.variables_known:
            return
        for name, value in changes.items():
            var = self.variables.get(name)
            if var is None:
                self.error(
                    (*path, name),
                    f"{name!r} is not a world-state variable{_suggest(name, self.variables)}",
                    key=True,
                )
            elif var.get("type") in _TYPE_OF and not _is(value, var["type"]):
                kind = var["type"]
                self.error(
                    (*path, name),
                    f"{name!r} is {_TYPE_NAMES[kind]} variable, so it must be set to "
                    f"{_TYPE_WORDS[kind]}, not {value!r}",
                )

    def _releasable(
        self, path: Path, inject: dict[str, Any], marking: Marking, cells: dict[str, Path]
    ) -> None:
        """Every recipient must be allowed to read the inject: releasability is checked early."""
        to = inject.get("to")
        if not isinstance(to, list):
            return
        names = list(cells) if "all" in to else [c for c in to if isinstance(c, str)]
        for name in names:
            cell = self.get(cells[name]) if name in cells else None
            if isinstance(cell, dict) and self.unreadable_by(marking, cell):
                nation = cell.get("nation") or "no nation"
                clearance = cell.get("clearance", "UNCLASSIFIED")
                self.error(
                    (*path, "marking"),
                    f"recipient cell {name!r} ({nation}, cleared {clearance}) may not read an "
                    f"inject marked {marking.banner()!r}",
                )

    def _msel(
        self, cells: dict[str, Path], injects: dict[str, Path], actions: dict[str, Path]
    ) -> None:
        duration = self.offset(("duration",))
        for path, inject in self.items(("msel",)):
            for cell_path, cell in self.listed((*path, "to")):
                if cell != "all":
                    self.reference(cell_path, cell, cells, "recipient {value} is not in cells")
            marking = self.marking((*path, "marking"), inject.get("marking"))
            if marking is not None:
                self._releasable(path, inject, marking, cells)
            for action_path, action in self.listed((*path, "expected_actions")):
                self.reference(
                    action_path, action, actions, "expected action {value} is not in actions"
                )
            time = self.offset((*path, "time"))
            if time is not None and duration is not None and time > duration:
                self.error(
                    (*path, "time"),
                    f"inject is timed after the exercise ends ({self.shown(('duration',))})",
                )
            self._sets((*path, "set"), inject.get("set"))
            if "escalate_to" in inject:
                self._ladder_ref((*path, "escalate_to"))
            trigger = inject.get("trigger")
            if isinstance(trigger, dict):
                self._condition((*path, "trigger", "when"), trigger.get("when"), cells, actions)
                wait = self.offset((*path, "trigger", "wait_until"))
                if wait is not None and time is not None and wait < time:
                    self.error(
                        (*path, "trigger", "wait_until"), "wait_until is before the inject's time"
                    )
            otherwise = inject.get("otherwise")
            if isinstance(otherwise, dict):
                if trigger is None:
                    self.error(
                        (*path, "otherwise"),
                        "'otherwise' needs a 'trigger' to fall back from",
                        key=True,
                    )
                alt = otherwise.get("inject")
                self.reference(
                    (*path, "otherwise", "inject"),
                    alt,
                    injects,
                    "inject {value} is not in the msel",
                )
                if alt == inject.get("id"):
                    self.error(
                        (*path, "otherwise", "inject"), "an inject cannot fall back to itself"
                    )
                self._sets((*path, "otherwise", "set"), otherwise.get("set"))


def check_references(source: Source) -> list[Diagnostic]:
    """Every cross-reference and consistency problem in a scenario document.

    Args:
        source: the document read with positions.

    Returns:
        The problems found (possibly none).
    """
    return _Checker(source).run()


def _suggest(value: str, known: Collection[str], *, listing: bool = True) -> str:
    """Name the closest known name (case-insensitive), or list the few known ones."""
    by_fold = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(value.casefold(), list(by_fold), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {by_fold[close[0]]!r}?)"
    if listing and 0 < len(known) <= 10:
        return f" (known: {', '.join(sorted(known))})"
    return ""


def _find(text: str, pattern: str) -> int:
    match = re.search(pattern, text)
    return match.start() if match else 0


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    return isinstance(value, _TYPE_OF[kind])


def _pair(point: Any) -> bool:
    return isinstance(point, list) and len(point) == 2 and all(_num(v) for v in point)


def _point(point: tuple[float, float]) -> str:
    return f"[{point[0]:g}, {point[1]:g}]"


def _signed_area(pts: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(pts))


def _self_intersection(pts: list[tuple[float, float]]) -> tuple[int, int] | None:
    edges = list(pairwise(pts))
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
