"""Time offsets: ``D+1 H+06:30`` parsed to minutes after D-day H-hour, and written back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointex.scenario import format_offset, parse_offset


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("D+0", 0),
        ("D+1", 1440),
        ("D+1 H+06:30", 1830),
        ("H+3", 180),
        ("H+1:05", 65),
        ("D+2 M+15", 2895),
        ("M+90", 90),
        ("D+1 H+2 M+3", 1563),
        ("D-1 H+18:00", -360),
        ("d+1 h+6:30", 1830),
        ("  D+1H+06:30  ", 1830),
        ("D + 1 H + 06:30", 1830),
    ],
)
def test_parse_offset(text: str, minutes: int) -> None:
    """Offsets as staff write them parse to minutes after the start."""
    assert parse_offset(text) == minutes


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "D+0 H+00:00"),
        (60, "D+0 H+01:00"),
        (1830, "D+1 H+06:30"),
        (1439, "D+0 H+23:59"),
        (43200, "D+30 H+00:00"),
        (-1, "D-1 H+23:59"),
        (-360, "D-1 H+18:00"),
    ],
)
def test_format_offset(minutes: int, text: str) -> None:
    """Minutes are written in the canonical D+d H+hh:mm form."""
    assert format_offset(minutes) == text


@pytest.mark.parametrize(
    "text", ["", "   ", "tomorrow", "H+3 D+1", "D+", "H-3", "D+1.5", "+1", "D+1 H+06:30 extra"]
)
def test_parse_offset_rejects_non_offsets(text: str) -> None:
    """Text that is not an offset is refused with a message showing the expected form."""
    with pytest.raises(ValueError, match=r"is not a time offset \(expected e\.g\. 'D\+1 H\+06:30'"):
        parse_offset(text)


def test_parse_offset_rejects_minutes_of_sixty_or_more() -> None:
    """The minutes of H+HH:MM must be below 60."""
    with pytest.raises(ValueError, match="minutes in H\\+HH:MM must be below 60"):
        parse_offset("D+1 H+06:60")


@given(st.integers(min_value=-1440 * 30, max_value=1440 * 365))
def test_format_then_parse_is_identity(minutes: int) -> None:
    """Any minute count survives formatting and parsing unchanged."""
    assert parse_offset(format_offset(minutes)) == minutes
