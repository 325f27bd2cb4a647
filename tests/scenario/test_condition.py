"""Trigger conditions: a small, safe expression language over world state and decisions."""

from __future__ import annotations

from typing import Any

import pytest

from jointex.scenario import ConditionError, compile_condition


def _never(cell: str, action: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("source", "names", "decisions"),
    [
        ("escalation >= 3", {"escalation"}, set()),
        ("surge_detected", {"surge_detected"}, set()),
        ("not surge_detected and escalation < 2", {"surge_detected", "escalation"}, set()),
        ("decided('twn', 'scramble-alert')", set(), {("twn", "scramble-alert")}),
        (
            "escalation >= 1 or decided(\"usa\", 'raise-readiness')",
            {"escalation"},
            {("usa", "raise-readiness")},
        ),
        ("1 <= alert_pairs_airborne + 1 < 5", {"alert_pairs_airborne"}, set()),
        ("mode == 'blockade' and true", {"mode"}, set()),
        ("-x * 2 / 4 - 1 != 0", {"x"}, set()),
    ],
)
def test_condition_parses(source: str, names: set[str], decisions: set[tuple[str, str]]) -> None:
    """Allowed expressions compile and report the names and decisions they read."""
    condition = compile_condition(source)
    assert condition.source == source
    assert condition.names == names
    assert condition.decisions == decisions


@pytest.mark.parametrize(
    ("source", "variables", "decided", "expected"),
    [
        ("escalation >= 3", {"escalation": 3}, set(), True),
        ("escalation >= 3", {"escalation": 2}, set(), False),
        ("not flag", {"flag": False}, set(), True),
        ("decided('twn', 'x')", {}, {("twn", "x")}, True),
        ("decided('twn', 'x')", {}, {("usa", "x")}, False),
        ("a < b < c", {"a": 1, "b": 2, "c": 3}, set(), True),
        ("a < b < c", {"a": 1, "b": 3, "c": 2}, set(), False),
        ("TRUE and not False", {}, set(), True),
        ("mode == 'blockade' or n * 2 > 5", {"mode": "patrol", "n": 3}, set(), True),
    ],
)
def test_condition_evaluates(
    source: str, variables: dict[str, Any], decided: set[tuple[str, str]], expected: bool
) -> None:
    """Conditions evaluate against variable values and a decision lookup."""
    result = compile_condition(source).evaluate(variables, lambda c, a: (c, a) in decided)
    assert result is expected


def test_condition_reading_a_missing_value_fails() -> None:
    """Evaluating a condition whose variable has no value raises ConditionError."""
    with pytest.raises(ConditionError, match="'ghost', which has no value"):
        compile_condition("ghost > 1").evaluate({}, _never)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("flag.real", "attribute access"),
        ("escalation.__class__", "dunder attribute access"),
        ("open('/etc/passwd')", "a call other than decided()"),
        ("__import__('os').system('true')", "an import through a call"),
        ("print(1)", "a builtin call"),
        ("decided('a', 'b').real", "attribute of decided()"),
        ("levels[0]", "a subscript"),
        ("'abc'[0]", "a subscript of a literal"),
        ("(lambda: 1)()", "a lambda called"),
        ("lambda: 1", "a lambda"),
        ("[x for x in y]", "a comprehension"),
        ("[1, 2]", "a list"),
        ("{'a': 1}", "a dict"),
        ("x if y else z", "a conditional expression"),
        ("x ** 2", "power"),
        ("x in y", "membership"),
        ("x is None", "identity"),
        ("f'{x}'", "an f-string"),
        ("(x := 1)", "assignment expression"),
    ],
)
def test_unsafe_or_unsupported_constructs_are_rejected(source: str, why: str) -> None:
    """Anything beyond names, literals, comparisons, and/or/not, arithmetic and decided() fails."""
    with pytest.raises(ConditionError, match="is not allowed"):
        compile_condition(source)


@pytest.mark.parametrize(
    "source",
    [
        "decided('twn')",
        "decided(twn, action)",
        "decided('a', 'b', 'c')",
        "decided(cell='a', action='b')",
    ],
)
def test_decided_takes_two_quoted_names(source: str) -> None:
    """decided() needs exactly two quoted names and no keywords."""
    with pytest.raises(ConditionError, match=r"decided\(\) takes two quoted names"):
        compile_condition(source)


@pytest.mark.parametrize("source", ["", "escalation >=", "x = 1", "and", "(a"])
def test_syntax_errors_are_reported(source: str) -> None:
    """Text that is not an expression is refused with 'does not parse'."""
    with pytest.raises(ConditionError, match="does not parse"):
        compile_condition(source)


def test_condition_error_is_a_value_error() -> None:
    """ConditionError is a ValueError, so callers catching ValueError see it."""
    assert issubclass(ConditionError, ValueError)
