"""Command and control: reporting, decision and coalition sharing delays after a detection.

The detecting nation's sensor report reaches its operations centre after a report delay; the
centre decides (scramble, track, warn) after a further decision delay. Partners learn of the
detection through a coalition sharing link whose delay is the lever an exercise turns: it starts
either when the report arrives (share at once) or only after the national decision (release
authority held until then).

    decision  = report + decision_delay
    partner   = report + sharing                    (share_after = "report")
    partner   = report + decision_delay + sharing   (share_after = "decision")

All three delays are independent gamma `Delay` values, so the means add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from jointex._errors import ParameterError
from jointex.model._distributions import Delay

__all__ = ["C2Delays", "C2Sample", "ShareAfter", "sample_c2"]

ShareAfter = Literal["report", "decision"]
"""When the detecting nation passes a detection to partners."""


@dataclass(frozen=True, slots=True)
class C2Delays:
    """The command-and-control chain of the detecting nation and its link to a partner.

    Attributes:
        report: sensor to operations centre, minutes.
        decision: report received to decision taken, minutes.
        sharing: detecting nation to partner nation over the coalition link, minutes.
        share_after: ``"report"`` (share as soon as the report arrives) or ``"decision"``
            (share only once the national decision is taken).

    Raises:
        ParameterError: if a delay is not a `Delay` or ``share_after`` is unknown.
    """

    report: Delay
    decision: Delay
    sharing: Delay
    share_after: ShareAfter = "report"

    def __post_init__(self) -> None:
        for field in ("report", "decision", "sharing"):
            if not isinstance(getattr(self, field), Delay):
                raise ParameterError(f"C2Delays.{field} must be a Delay")
        if self.share_after not in ("report", "decision"):
            raise ParameterError(
                f"C2Delays.share_after must be 'report' or 'decision', got {self.share_after!r}"
            )

    @property
    def mean_decision_minutes(self) -> float:
        """Mean time from detection to the detecting nation's decision, minutes."""
        return self.report.mean_minutes + self.decision.mean_minutes

    @property
    def mean_partner_minutes(self) -> float:
        """Mean time from detection until the partner nation learns of it, minutes."""
        start = (
            self.mean_decision_minutes
            if self.share_after == "decision"
            else self.report.mean_minutes
        )
        return start + self.sharing.mean_minutes


@dataclass(frozen=True, slots=True, eq=False)
class C2Sample:
    """Sampled C2 delays, measured from the detection.

    Attributes:
        decision_minutes: detection to the detecting nation's decision, float64.
        partner_minutes: detection to the partner nation learning of it, float64.
    """

    decision_minutes: NDArray[np.float64]
    partner_minutes: NDArray[np.float64]


def sample_c2(rng: np.random.Generator, delays: C2Delays, size: int | tuple[int, ...]) -> C2Sample:
    """Sample the time to decision and the time until a partner knows, for many detections.

    Add the result to detection times to get absolute decision times; pass +inf detection
    times through unchanged (inf + delay is inf).

    Args:
        rng: the random stream.
        delays: the C2 chain.
        size: output shape (e.g. the number of detections, or (runs, events)).

    Returns:
        The decision and partner delays, each of shape ``size``.
    """
    report = delays.report.sample(rng, size)
    decision = report + delays.decision.sample(rng, size)
    start = decision if delays.share_after == "decision" else report
    partner = start + delays.sharing.sample(rng, size)
    return C2Sample(decision_minutes=decision, partner_minutes=partner)
