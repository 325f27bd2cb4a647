"""YAML reading that remembers where every key and value came from.

PyYAML's composer gives a node tree with marks; we build plain Python data from it and keep two
maps from key paths (tuples of keys and list indices) to 1-based (line, column): where each value
starts and where each mapping key is written. Diagnostics use them to point at the exact spot.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from jointex._errors import Diagnostic

__all__ = ["Path", "Source", "format_path", "read_yaml"]

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Source:
    """A YAML document as plain data with the positions of its parts.

    Attributes:
        file: the file name used in diagnostics.
        data: the document as dicts, lists and scalars.
        values: path -> (line, column) where the value starts.
        keys: path -> (line, column) where the mapping key is written.
        problems: duplicate keys and similar issues found while reading.
        lines: the document's text, one entry per line (to place positions inside a value).
    """

    file: str
    data: Any = None
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def at(self, path: Path, message: str, *, key: bool = False) -> Diagnostic:
        """A diagnostic for ``path``, placed at its key (``key=True``) or value.

        Falls back to the nearest enclosing element that has a position.
        """
        line, column = self.position(path, key=key)
        return Diagnostic(self.file, line, column, message, format_path(path))

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line and column of ``path``; the nearest ancestor's when it has none."""
        probe = path
        while True:
            if key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def inside(self, path: Path, value: str, index: int) -> tuple[int, int]:
        """Line and column of character ``index`` of the text ``value`` written at ``path``.

        Exact for values written on one line, plain or quoted without escapes; otherwise the
        position of the value itself.
        """
        line, column = self.position(path)
        if path not in self.values or not 0 < line <= len(self.lines):
            return line, column
        text = self.lines[line - 1]
        start = column - 1
        if text[start : start + 1] in ("'", '"'):
            start += 1
        if text[start : start + len(value)] != value or not 0 <= index <= len(value):
            return line, column
        return line, start + index + 1


def format_path(path: Path) -> str:
    """Render a key path as ``msel[3].to[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_yaml(text: str, file: str) -> Source:
    """Parse one YAML document, keeping positions.

    Args:
        text: the document.
        file: the name to use in diagnostics.

    Returns:
        The source; ``problems`` holds a syntax error (then ``data`` is None) or duplicate keys.
    """
    source = Source(file, lines=text.splitlines())
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        source.problems.append(_syntax_error(exc, source))
        return source
    except yaml.YAMLError as exc:
        source.problems.append(Diagnostic(file, 1, 1, f"YAML error: {exc}"))
        return source
    finally:
        loader.dispose()
    if node is None:
        source.problems.append(Diagnostic(file, 1, 1, "the file is empty"))
        return source
    source.data = _build(node, (), source, loader)
    return source


# PyYAML's token names, as a scenario author would say them.
_TOKENS = {
    "'<block mapping start>'": "a new mapping",
    "'<block sequence start>'": "a new list",
    "'<block end>'": "the end of the block",
    "<block end>": "the end of the block",
    "'<scalar>'": "a value",
    "'?'": "a key",
    "'-'": "a list item ('-')",
    "'<stream end>'": "the end of the file",
}
_TOKEN = re.compile("|".join(re.escape(t) for t in sorted(_TOKENS, key=len, reverse=True)))
_REWORDED = {
    "mapping values are not allowed here": (
        "unexpected ':' (check this line's indentation, or quote text that contains ': ')"
    ),
    "but found another document": "a second document ('---'); a scenario file holds one",
    "found character '\\t' that cannot start any token": (
        "a tab character; YAML indentation must use spaces"
    ),
}
# A quote opening a value (after '- ', ': ' or a flow '[', '{', ',').
_OPEN_QUOTE = re.compile(r"""(?:^\s*-\s+|:\s+|[\[{,]\s*)(["'])""")


def _syntax_error(exc: yaml.MarkedYAMLError, source: Source) -> Diagnostic:
    """A YAML syntax error as a diagnostic worded for scenario authors."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "not valid YAML"
    message = _REWORDED.get(problem) or _TOKEN.sub(lambda m: _TOKENS[m.group(0)], problem)
    if exc.context and exc.problem and problem not in _REWORDED:
        where = ""
        if exc.context_mark is not None:
            start = exc.context_mark
            where = f" that starts at line {start.line + 1}, column {start.column + 1}"
        message += f" ({exc.context}{where})"
    quote = _unclosed_quote(source.lines[: line - 1])
    if quote is not None:
        message += f"; is the quote at line {quote[0]}, column {quote[1]} closed?"
    elif "the end of the block" in message:
        message += "; check the indentation"
    return Diagnostic(source.file, line, column, f"YAML syntax error: {message}")


def _unclosed_quote(lines: list[str]) -> tuple[int, int] | None:
    """The first quote opening a value that is not closed on its line, a likely culprit."""
    for number, text in enumerate(lines, start=1):
        if text.lstrip().startswith("#"):
            continue
        for match in _OPEN_QUOTE.finditer(text):
            quote = match.group(1)
            rest = text[match.end() :]
            closed = quote in (rest.replace('\\"', "") if quote == '"' else rest)
            if not closed:
                return number, match.start(1) + 1
    return None


def _build(node: yaml.Node, path: Path, source: Source, loader: yaml.SafeLoader) -> Any:
    source.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            child = (*path, key) if isinstance(key, str) else (*path, str(key))
            position = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = source.keys.get(child, (0, 0))
                source.problems.append(
                    Diagnostic(
                        source.file,
                        *position,
                        f"duplicate key {key!r} (first at line {first[0]})",
                        format_path(child),
                    )
                )
                continue
            source.keys[child] = position
            result[key] = _build(value_node, child, source, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), source, loader) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()  # the schema parses times itself, with its own errors
    return value
