"""JointEx: plan, run, observe and review coalition tabletop exercises and rapid-response drills.

The public surface is re-exported here; subpackages (``jointex.markings``, ``jointex.scenario``,
``jointex.model``, ``jointex.sim``, ...) carry their own ``__all__``.
"""

from jointex._errors import (
    AccessDenied,
    AccountError,
    CommandRejected,
    ConcurrencyConflict,
    Diagnostic,
    JointExError,
    MarkingError,
    ParameterError,
    ScenarioError,
    ScenarioInvalid,
    ScenarioUnreadable,
    StoreError,
)

__version__ = "0.1.0"

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
    "__version__",
]
