"""Loading, validating and writing scenario files, and the built-in scenarios."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jointex._errors import Diagnostic, ScenarioInvalid, ScenarioUnreadable
from jointex.scenario._checks import check_references
from jointex.scenario._schema import Scenario
from jointex.scenario._source import read_yaml
from jointex.scenario._translate import translate

__all__ = [
    "builtin_names",
    "builtin_text",
    "check",
    "dump",
    "json_schema",
    "load",
    "loads",
    "read_text",
    "resolve",
]

_BUILTIN_PACKAGE = "jointex.scenario.builtin"


def loads(text: str, file: str = "<string>") -> Scenario:
    """Load a scenario from YAML text.

    Args:
        text: the YAML document.
        file: the name used in diagnostics.

    Returns:
        The validated, immutable scenario.

    Raises:
        ScenarioInvalid: with every problem found, each with line and column.
    """
    scenario, problems = _validate(text, file)
    if scenario is None or problems:
        raise ScenarioInvalid(problems)
    return scenario


def check(text: str, file: str = "<string>") -> list[Diagnostic]:
    """Every problem in a scenario document, sorted by position (empty when valid)."""
    return sorted(_validate(text, file)[1])


def load(path: str | Path) -> Scenario:
    """Load a scenario file.

    Args:
        path: the YAML file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioUnreadable: the file is missing, unreadable or not UTF-8 text.
        ScenarioInvalid: the file has problems.
    """
    return loads(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    """Read a text file, turning OS and decoding errors into ScenarioUnreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioUnreadable(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise ScenarioUnreadable(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ScenarioUnreadable(f"{path}: cannot read ({exc.strerror})") from None


def _validate(text: str, file: str) -> tuple[Scenario | None, list[Diagnostic]]:
    source = read_yaml(text, file)
    problems = list(source.problems)
    if source.data is None:
        return None, problems
    if not isinstance(source.data, dict):
        kind = "a list" if isinstance(source.data, list) else "a single value"
        problems.append(
            source.at((), f"a scenario file must be a mapping of keys to values, not {kind}")
        )
        return None, problems
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(source.data)
        rejected: set[str] = set()
    except ValidationError as exc:
        schema_problems = translate(exc, source, Scenario)
        problems.extend(schema_problems)
        # A value the schema rejects is reported once: drop the cross-checks' view of it.
        rejected = {p.path for p in schema_problems if p.path}
    problems.extend(d for d in check_references(source) if not _within(d.path, rejected))
    return scenario, sorted(set(problems))


def _within(path: str, rejected: set[str]) -> bool:
    """Whether ``path`` is one of ``rejected`` or lies inside one of them."""
    return any(path == r or path.startswith((f"{r}.", f"{r}[")) for r in rejected)


def dump(scenario: Scenario) -> str:
    """Write a scenario as YAML that ``loads`` reads back to an equal scenario."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' validation as people type)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://jointex.dev/schema/scenario-1.json"
    return schema


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with JointEx."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario.

    Raises:
        ScenarioUnreadable: no built-in has that name.
    """
    if name not in builtin_names():
        raise ScenarioUnreadable(
            f"no built-in scenario named {name!r} (built-ins: {', '.join(builtin_names())})"
        )
    return resources.files(_BUILTIN_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def resolve(name_or_file: str | Path) -> Scenario:
    """Load a scenario given a file path or the name of a built-in.

    Raises:
        ScenarioUnreadable: neither a readable file nor a built-in name.
        ScenarioInvalid: the scenario has problems.
    """
    path = Path(name_or_file)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return load(path)
    name = str(name_or_file)
    if name in builtin_names():
        return loads(builtin_text(name), f"<built-in {name}>")
    raise ScenarioUnreadable(
        f"{name}: no such file, and no built-in scenario of that name "
        f"(built-ins: {', '.join(builtin_names())})"
    )
