"""Scenario time offsets written as exercise staff write them: ``D+1 H+06:30``.

An offset is a whole number of minutes after D-day H-hour (the exercise's start). ``D`` counts days,
``H`` hours (optionally ``HH:MM``) and ``M`` minutes; each part is optional but one must be present,
and they appear in that order. ``D-1`` is allowed for preparatory injects before the start.
"""

from __future__ import annotations

import re

__all__ = ["format_offset", "parse_offset"]

_OFFSET = re.compile(
    r"""^\s*
    (?:D\s*(?P<dsign>[+-])\s*(?P<days>\d{1,4}))?\s*
    (?:H\s*\+\s*(?P<hours>\d{1,3})(?::(?P<hmin>\d{2}))?)?\s*
    (?:M\s*\+\s*(?P<minutes>\d{1,5}))?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_offset(text: str) -> int:
    """Parse an offset such as ``D+1 H+06:30`` into minutes after D-day H-hour.

    Args:
        text: the offset as written, e.g. ``D+0``, ``H+3``, ``D+2 H+06:30``, ``D+1 M+45``.

    Returns:
        Minutes after the start (negative for ``D-n``).

    Raises:
        ValueError: the text is not an offset; the message says what was expected.
    """
    match = _OFFSET.match(text)
    if (
        not text.strip()
        or match is None
        or not any(match.group(g) for g in ("days", "hours", "minutes"))
    ):
        raise ValueError(
            f"{text!r} is not a time offset (expected e.g. 'D+1 H+06:30', 'H+3' or 'D+2 M+15')"
        )
    days = int(match.group("days") or 0) * (-1 if match.group("dsign") == "-" else 1)
    hours = int(match.group("hours") or 0)
    hmin = int(match.group("hmin") or 0)
    if hmin >= 60:
        raise ValueError(f"{text!r}: minutes in H+HH:MM must be below 60")
    minutes = int(match.group("minutes") or 0)
    return days * 1440 + hours * 60 + hmin + minutes


def format_offset(minutes: int) -> str:
    """Render minutes after the start in the canonical ``D+d H+hh:mm`` form.

    Args:
        minutes: minutes after D-day H-hour (may be negative).

    Returns:
        For example ``D+1 H+06:30``; ``D-1 H+18:00`` for 6 hours before the start.
    """
    days, rest = divmod(minutes, 1440)
    sign = "-" if days < 0 else "+"
    return f"D{sign}{abs(days)} H+{rest // 60:02d}:{rest % 60:02d}"
