"""YAML reading that remembers where every key and value came from.

PyYAML's composer gives a node tree with marks; we build plain Python data from it and keep two
maps from key paths (tuples of keys and list indices) to 1-based (line, column): where each value
starts and where each mapping key is written. Diagnostics use them to point at the exact spot.
"""

from __future__ import annotations

import datetime as dt
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
    """

    file: str
    data: Any = None
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

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
    source = Source(file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
        source.problems.append(Diagnostic(file, line, column, message))
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
