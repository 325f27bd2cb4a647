"""JointEx's exceptions, one tree so callers can catch as broadly or narrowly as they need.

```
JointExError                    every error JointEx raises on purpose; the CLI prints it as one line
├── ScenarioError               a scenario or MSEL sheet cannot be used
│   ├── ScenarioUnreadable      the file is missing, unreadable or not text (CLI exit 2)
│   └── ScenarioInvalid         the file was read but has problems; carries every Diagnostic
├── MarkingError                a classification banner or portion mark does not parse
├── ParameterError              an impossible or unknown simulation parameter (--set, CSV)
├── AccessDenied                a reader may not see what was asked for
├── AccountError                an account, membership or token request is invalid
├── CommandRejected             an exercise command is invalid for the exercise's current state
│   └── ConcurrencyConflict     an append's expected version did not match the stream's version
└── StoreError                  the event store cannot be opened or written
```
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessDenied",
    "AccountError",
    "CommandRejected",
    "ConcurrencyConflict",
    "Diagnostic",
    "JointExError",
    "MarkingError",
    "ParameterError",
    "ScenarioError",
    "ScenarioInvalid",
    "ScenarioUnreadable",
    "StoreError",
]


class JointExError(Exception):
    """Base of every error JointEx raises deliberately.

    Attributes:
        exit_code: the process exit code the CLI uses for this error.
    """

    exit_code: int = 1


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem found in a file, with its position.

    Attributes:
        file: path of the file as the user named it.
        line: 1-based line number (0 when unknown).
        column: 1-based column number (0 when unknown).
        message: what is wrong, in one sentence.
        path: the key path inside the document, e.g. ``msel[3].recipients[0]``.
        severity: ``error`` or ``warning``.
    """

    file: str
    line: int
    column: int
    message: str
    path: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}{where}"


class ScenarioError(JointExError):
    """A scenario or MSEL sheet cannot be used."""


class ScenarioUnreadable(ScenarioError):
    """The file is missing, unreadable or not text."""

    exit_code = 2


class ScenarioInvalid(ScenarioError):
    """The file was read but has one or more problems.

    Args:
        diagnostics: every problem found, in file order.
    """

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics))
        count = len(self.diagnostics)
        first = str(self.diagnostics[0]) if self.diagnostics else "no details"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{first}{more}")


class MarkingError(JointExError, ValueError):
    """A classification banner or portion mark is malformed."""


class ParameterError(JointExError, ValueError):
    """A simulation parameter, option or input table is unknown or impossible."""


class AccessDenied(JointExError):
    """The reader may not see the requested object."""


class AccountError(JointExError, ValueError):
    """An account request is invalid: weak password, unknown or duplicate user, unknown role."""


class CommandRejected(JointExError):
    """An exercise command is not valid for the exercise's current state; nothing changed."""


class ConcurrencyConflict(CommandRejected):
    """An append expected a stream version that is no longer current."""


class StoreError(JointExError):
    """The event store cannot be opened or written."""
