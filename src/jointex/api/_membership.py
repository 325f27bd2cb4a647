"""Who is who in an exercise: a user's seat (cell and role) and the reader it reads as.

A seat comes from `jointex.store.Accounts.memberships` (``exercise_id`` or ``*``, cell, role
``white`` | ``cell`` | ``observer`` | ``admin``) and the exercise's scenario. What a seat may read
is decided by `jointex.intel.reader_for` for its cell, and nothing else. Because the cell's
reader, not the user's, decides what is shown, a membership only makes a seat when the user may
read everything the cell may: same nation as the cell (for a cell with a nation) and a clearance
at least the cell's. A TWN officer put in the US cell by mistake gets 403, not US traffic.

What a seat may do beyond reading: the membership role ``observer`` may only record
observations; control-only views (MSEL, adjudications) need a control cell seated as ``white`` or
``admin``; the domain (`jointex.exercise.decide`) checks the rest by the cell's scenario role.
"""

from __future__ import annotations

from dataclasses import dataclass

from jointex._errors import MarkingError
from jointex.intel import CellReader, levels_for, may_read, reader_for
from jointex.markings import parse_marking
from jointex.scenario import Scenario
from jointex.store import Membership, User

__all__ = ["Seat", "SeatRefused", "seat_for", "seat_reader", "seats_in"]

# When a user holds several seats in one exercise and names none, the first of this order.
_PREFERENCE = {"white": 0, "admin": 1, "cell": 2, "observer": 3}


class SeatRefused(Exception):
    """The user has no (usable) seat in the exercise; the API answers 403 with the reason."""


@dataclass(frozen=True, slots=True)
class Seat:
    """A user's place in one exercise.

    Attributes:
        exercise_id: the exercise.
        cell: the cell the user sits in (a cell of the exercise's scenario).
        role: the membership role: ``white``, ``cell``, ``observer`` or ``admin``.
        cell_role: the cell's role in the scenario: ``control``, ``blue``, ``red``, ``observer``.
    """

    exercise_id: str
    cell: str
    role: str
    cell_role: str

    @property
    def is_control(self) -> bool:
        """Whether the seat runs the exercise: a control cell, seated as white or admin."""
        return self.cell_role == "control" and self.role in ("white", "admin")

    @property
    def is_observer(self) -> bool:
        """Whether the seat observes (an observer membership or an observer cell)."""
        return self.role == "observer" or self.cell_role == "observer"

    def to_data(self) -> dict[str, str | bool]:
        """The seat as JSON-ready data."""
        return {
            "exercise_id": self.exercise_id,
            "cell": self.cell,
            "role": self.role,
            "cell_role": self.cell_role,
            "control": self.is_control,
        }


def _usable(scenario: Scenario, user: User, membership: Membership) -> str | None:
    """Why the membership makes no seat, or None when it does."""
    try:
        cell = scenario.cell(membership.cell)
    except KeyError:
        return f"no cell {membership.cell!r} in this exercise"
    if cell.nation is None:
        return None
    if user.nation != cell.nation:
        return f"cell {cell.id!r} reads as {cell.nation}; your nation is {user.nation}"
    levels = levels_for(scenario)
    try:
        cleared = levels.rank(user.clearance) >= levels.rank(cell.clearance)
    except MarkingError:
        cleared = False
    if not cleared:
        return f"cell {cell.id!r} needs a {cell.clearance} clearance"
    return None


def seats_in(
    scenario: Scenario, exercise_id: str, user: User, memberships: list[Membership]
) -> tuple[list[Seat], list[str]]:
    """The user's usable seats in an exercise, best first, and why other memberships are not.

    Args:
        scenario: the exercise's scenario.
        exercise_id: the exercise.
        user: the user.
        memberships: the user's memberships (any exercise).

    Returns:
        Seats (white, admin, cell, observer order, then by cell), and the reasons memberships
        of this exercise made no seat.
    """
    seats: list[Seat] = []
    reasons: list[str] = []
    for membership in memberships:
        if not membership.applies_to(exercise_id):
            continue
        reason = _usable(scenario, user, membership)
        if reason is not None:
            reasons.append(reason)
            continue
        cell = scenario.cell(membership.cell)
        seats.append(Seat(exercise_id, cell.id, membership.role, cell.role))
    seats.sort(key=lambda s: (_PREFERENCE.get(s.role, 9), s.cell))
    return seats, reasons


def seat_for(
    scenario: Scenario,
    exercise_id: str,
    user: User,
    memberships: list[Membership],
    cell: str | None = None,
) -> Seat:
    """The seat a request acts in: the named cell's, or the user's first.

    Args:
        scenario: the exercise's scenario.
        exercise_id: the exercise.
        user: the user.
        memberships: the user's memberships.
        cell: the cell asked for (``None``: the first seat).

    Returns:
        The seat.

    Raises:
        SeatRefused: the user has no usable seat (in that cell), or the seat's reader may not
            read the scenario itself.
    """
    seats, reasons = seats_in(scenario, exercise_id, user, memberships)
    if cell is not None:
        seats = [s for s in seats if s.cell == cell]
    if not seats:
        detail = "you have no seat in this exercise" + (f" in cell {cell!r}" if cell else "")
        if reasons:
            detail += f" ({reasons[0]})"
        raise SeatRefused(detail)
    seat = seats[0]
    try:
        document = parse_marking(scenario.marking, levels_for(scenario))
        readable = may_read(seat_reader(scenario, seat), document)
    except MarkingError:
        readable = False
    if not readable:
        raise SeatRefused(f"cell {seat.cell!r} may not read this exercise's scenario")
    return seat


def seat_reader(scenario: Scenario, seat: Seat) -> CellReader:
    """How the seat reads: `jointex.intel.reader_for` of its cell."""
    return reader_for(scenario, seat.cell)
