"""Turn pydantic validation errors into diagnostics a scenario author can act on."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from jointex._errors import Diagnostic
from jointex.scenario._source import Path, Source, format_path

__all__ = ["fields_at", "translate"]


def translate(exc: ValidationError, source: Source, root: type[BaseModel]) -> list[Diagnostic]:
    """Convert every error of a failed validation into a positioned diagnostic.

    Args:
        exc: the validation error.
        source: the document with positions.
        root: the model the document was validated against.

    Returns:
        One diagnostic per error.
    """
    found: list[Diagnostic] = []
    for error in exc.errors(include_url=False):
        loc: Path = tuple(error["loc"])
        kind = error["type"]
        if kind == "missing":
            name = loc[-1]
            line, column = source.position(loc[:-1])
            found.append(
                Diagnostic(source.file, line, column, f"missing required key {name!r}", format_path(loc))
            )
        elif kind == "extra_forbidden":
            found.append(source.at(loc, _unknown_key(str(loc[-1]), root, loc[:-1]), key=True))
        else:
            found.append(source.at(loc, _message(kind, error)))
    return found


def _unknown_key(key: str, root: type[BaseModel], parent: Path) -> str:
    allowed = fields_at(root, parent)
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"{message} (did you mean {close[0]!r}?)"
    if allowed:
        return f"{message} (expected one of: {', '.join(sorted(allowed))})"
    return message


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
        return f"{shown} is not a valid value here (must match {ctx.get('pattern')})"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"needs {word} {bound} item(s), got {ctx.get('actual_length')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
                "less_than": "<"}[kind]
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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fields_at(root: type[BaseModel], loc: Path) -> list[str]:
    """Names of the keys allowed at ``loc`` inside ``root`` (empty if not a model there)."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = models[0] if len(models) == 1 else annotation
            if len(models) != 1:
                return annotation
        else:
            return annotation
