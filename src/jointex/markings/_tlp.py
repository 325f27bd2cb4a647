"""Traffic Light Protocol (TLP 2.0) labels, ordered from least to most restrictive."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType

from jointex._errors import MarkingError

__all__ = ["Tlp", "parse_tlp"]


class Tlp(enum.IntEnum):
    """A TLP 2.0 label; a larger value is more restrictive.

    TLP is sharing guidance for people, not an access control: `can_read` ignores it. Roll-up keeps
    the most restrictive label.
    """

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The label as written in markings, e.g. ``TLP:AMBER+STRICT``."""
        return "TLP:" + self.name.replace("_", "+")

    def __str__(self) -> str:
        return self.label


_BY_WORD: Mapping[str, Tlp] = MappingProxyType(
    {
        "CLEAR": Tlp.CLEAR,
        "WHITE": Tlp.CLEAR,  # TLP 1.0 name of CLEAR, still common in feeds
        "GREEN": Tlp.GREEN,
        "AMBER": Tlp.AMBER,
        "AMBER+STRICT": Tlp.AMBER_STRICT,
        "RED": Tlp.RED,
    }
)
_TLP = re.compile(r"TLP\s*:\s*(\S(?:.*\S)?)\s*\Z", re.IGNORECASE)


def parse_tlp(text: str) -> Tlp:
    """Parse one TLP label such as ``TLP:AMBER+STRICT`` (``TLP:WHITE`` means ``TLP:CLEAR``).

    Args:
        text: the label; case and spaces around ``:`` and ``+`` are ignored.

    Returns:
        The label.

    Raises:
        MarkingError: the text is not a TLP 1.0 or 2.0 label.
    """
    match = _TLP.match(text.strip())
    word = re.sub(r"\s*\+\s*", "+", match.group(1)).upper() if match else ""
    tlp = _BY_WORD.get(word)
    if tlp is None:
        expected = ", ".join(t.label for t in Tlp)
        raise MarkingError(f"unknown TLP label {text.strip()!r} (expected one of {expected})")
    return tlp
