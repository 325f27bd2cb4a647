"""Turn pydantic validation errors into diagnostics a scenario author can act on."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from jointex._errors import Diagnostic
from jointex.scenario._schema import LonLat
from jointex.scenario._source import Path, Source, format_path

__all__ = ["fields_at", "translate"]


def translate(exc: ValidationError, source: Source, root: type[BaseModel]) -> list[Diagnostic]:
    """Convert every error of a failed validation into a positioned diagnostic.

    A missing key is placed at the start of the mapping that lacks it. A wrong value for a field
    that accepts several types (``true``, a number or text) gives one diagnostic, not one per type.
    A missing key that an unknown sibling key is a misspelling of is reported only as the latter.

    Args:
        exc: the validation error.
        source: the document with positions.
        root: the model the document was validated against.

    Returns:
        One diagnostic per problem.
    """
    found: list[Diagnostic] = []
    missing: list[Path] = []
    misspelt: set[Path] = set()
    unions: dict[Path, tuple[list[str], Any]] = {}
    errors = exc.errors(include_url=False)
    # pydantic also calls a list "too short" when its only items failed: those items say more
    parents = {tuple(e["loc"])[:i] for e in errors for i in range(len(e["loc"]))}
    for error in errors:
        loc: Path = tuple(error["loc"])
        kind = error["type"]
        if kind == "too_short" and loc in parents:
            continue
        if kind == "missing":
            missing.append(loc)
        elif kind == "extra_forbidden":
            message, meant = _unknown_key(str(loc[-1]), root, loc[:-1])
            if meant is not None:
                misspelt.add((*loc[:-1], meant))
            found.append(source.at(loc, message, key=True))
        elif (split := _union_member(root, loc)) is not None:
            clean, member = split
            unions.setdefault(clean, ([], error.get("input")))[0].append(member)
        elif kind in _BOUNDS and _annotation_at(root, loc[:-1]) == LonLat and loc[-1] in (0, 1):
            what, limit = ("longitude", 180) if loc[-1] == 0 else ("latitude", 90)
            message = (
                f"{what} must be between -{limit} and {limit}, got {_show(error.get('input'))}"
            )
            found.append(source.at(loc, message))
        else:
            found.append(source.at(loc, _message(kind, error)))
    for loc in missing:
        if loc not in misspelt:
            line, column = source.position(loc[:-1])
            message = f"missing required key {loc[-1]!r}"
            found.append(Diagnostic(source.file, line, column, message, format_path(loc)))
    for loc, (members, value) in unions.items():
        words = [_MEMBER_WORDS.get(m, m) for m in members]
        if "a number" in words and "a whole number" in words:
            words.remove("a whole number")
        expected = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
        found.append(source.at(loc, f"expected {expected}, got {_show(value)}"))
    return found


_BOUNDS = ("greater_than_equal", "greater_than", "less_than_equal", "less_than")
_MEMBER_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "text",
}


def _unknown_key(key: str, root: type[BaseModel], parent: Path) -> tuple[str, str | None]:
    """The message for an unknown key, and the allowed key it is probably a misspelling of."""
    allowed = fields_at(root, parent)
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message} (did you mean {close[0]!r}?)", close[0]
    if allowed:
        return f"{message} (expected one of: {', '.join(sorted(allowed))})", None
    return message, None


_PLAIN = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "datetime_from_date_parsing": "expected a date and time such as 2025-03-17T06:00:00+08:00",
    "datetime_parsing": "expected a date and time such as 2025-03-17T06:00:00+08:00",
    "datetime_type": "expected a date and time such as 2025-03-17T06:00:00+08:00",
}


_PATTERNS = {
    r"^[A-Z]{3}$": "is not a country code: expected three capital letters (ISO 3166-1 alpha-3, "
    "e.g. TWN)",
    r"^[A-Za-z][A-Za-z0-9_.-]*$": "is not a valid id: it must start with a letter, followed by "
    "letters, digits, '_', '-' or '.'",
}


def _message(kind: str, error: Any) -> str:
    value = error.get("input")
    shown = _show(value)
    ctx = error.get("ctx") or {}
    if kind in _PLAIN:
        return f"{_PLAIN[kind]}, got {shown}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        return f"{shown} is not allowed here; expected {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        if pattern in _PATTERNS:
            return f"{shown} {_PATTERNS[pattern]}"
        return f"{shown} is not a valid value here (must match {pattern})"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long, got {len(str(value))}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"needs {word} {bound} item(s), got {ctx.get('actual_length')}"
    if kind in _BOUNDS:
        sign = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {sign} {bound}, got {shown}"
    if kind == "string_too_short":
        return "must not be empty"
    return f"{error['msg']}, got {shown}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fields_at(root: type[BaseModel], loc: Path) -> list[str]:
    """Names of the keys allowed at ``loc`` inside ``root`` (empty if not a model there)."""
    current = _unwrap(_annotation_at(root, loc))
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _annotation_at(root: type[BaseModel], loc: Path) -> Any:
    """The type annotation that governs ``loc`` inside ``root`` (None when unknown)."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        elif origin is tuple and isinstance(part, int):
            if len(args) == 2 and args[1] is Ellipsis:
                current = args[0]
            else:
                current = args[part] if part < len(args) else None
        elif origin in (dict, Mapping) and len(args) == 2:
            current = args[1]
        else:
            return None
    return current


def _union_member(root: type[BaseModel], loc: Path) -> tuple[Path, str] | None:
    """Split an error location that ends in a union member's tag, e.g. ``(..., 'x', 'bool')``."""
    if len(loc) < 2:
        return None
    current = _unwrap(_annotation_at(root, loc[:-1]))
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        return loc[:-1], str(loc[-1])
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None``; a union of several types is returned as is."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
