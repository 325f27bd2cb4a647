"""Trigger conditions: small, safe boolean expressions over the exercise's world state.

Injects and bot rules carry conditions such as
``escalation >= 3 and not decided('twn', 'raise-alert')``.
The grammar is a strict subset of Python expressions: names (world-state variables and the
built-in ``escalation``), literals, comparisons, ``and``/``or``/``not``, arithmetic, and the call
``decided(CELL, ACTION)`` (true once that cell has submitted that action type). Nothing else is
accepted, so a scenario file can never run code.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Condition", "ConditionError", "compile_condition"]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CONSTANTS = {"true": True, "false": False}


class ConditionError(ValueError):
    """A condition does not parse or uses something it may not."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition.

    Attributes:
        source: the expression as written.
        names: world-state names it reads (``escalation`` included when used).
        decisions: ``(cell, action)`` pairs it asks about through ``decided``.
    """

    source: str
    names: frozenset[str]
    decisions: frozenset[tuple[str, str]]
    _tree: ast.Expression

    def evaluate(self, variables: Mapping[str, Any], decided: Callable[[str, str], bool]) -> bool:
        """Evaluate against world-state values and a decision lookup.

        Args:
            variables: current values by name, including ``escalation``.
            decided: answers whether a cell has submitted an action type.

        Returns:
            The condition's truth value.

        Raises:
            ConditionError: a name has no value.
        """
        return bool(_eval(self._tree.body, variables, decided))


def compile_condition(source: str) -> Condition:
    """Parse and check a condition expression.

    Args:
        source: the expression, e.g. ``escalation >= 3 and strait_closed``.

    Returns:
        The compiled condition.

    Raises:
        ConditionError: the expression is not valid or uses a construct that is not allowed.
    """
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"condition {source!r} does not parse: {exc.msg}") from None
    names: set[str] = set()
    decisions: set[tuple[str, str]] = set()
    _check(tree.body, source, names, decisions)
    return Condition(source, frozenset(names), frozenset(decisions), tree)


def _check(node: ast.AST, source: str, names: set[str], decisions: set[tuple[str, str]]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, source, names, decisions)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        _check(node.operand, source, names, decisions)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        for part in (node.left, *node.comparators):
            _check(part, source, names, decisions)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                raise ConditionError(f"condition {source!r}: arithmetic on text is not allowed")
        _check(node.left, source, names, decisions)
        _check(node.right, source, names, decisions)
    elif isinstance(node, ast.Name):
        if node.id.lower() not in _CONSTANTS:
            names.add(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
        pass
    elif (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "decided"
    ):
        args = node.args
        if (
            node.keywords
            or len(args) != 2
            or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args)
        ):
            raise ConditionError(
                f"condition {source!r}: decided() takes two quoted names: decided('cell', 'action')"
            )
        decisions.add((str(args[0].value), str(args[1].value)))  # type: ignore[attr-defined]
    else:
        snippet = ast.get_source_segment(source.strip(), node) or type(node).__name__
        raise ConditionError(
            f"condition {source!r}: {snippet!r} is not allowed "
            "(use names, numbers, quoted text, comparisons, and/or/not, decided('cell', 'action'))"
        )


def _eval(node: ast.AST, variables: Mapping[str, Any], decided: Callable[[str, str], bool]) -> Any:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, variables, decided) for v in node.values)
        return any(_eval(v, variables, decided) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, variables, decided)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Compare):
        left = _eval(node.left, variables, decided)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, variables, decided)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, variables, decided), _eval(node.right, variables, decided)
        if not all(isinstance(v, int | float) for v in (left, right)):
            # text variables could otherwise be repeated into gigabytes ('a' * 10**10)
            raise ConditionError("arithmetic is only allowed on numbers")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Name):
        if node.id.lower() in _CONSTANTS:
            return _CONSTANTS[node.id.lower()]
        if node.id not in variables:
            raise ConditionError(f"condition reads {node.id!r}, which has no value")
        return variables[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call):
        cell, action = (a.value for a in node.args)  # type: ignore[attr-defined]
        return decided(str(cell), str(action))
    raise ConditionError(f"cannot evaluate {type(node).__name__}")  # unreachable after _check
