"""MIL-STD-2525D symbol identification codes (SIDCs): their fields, the exercise context, CoT types.

A 2525D SIDC is 20 digits (positions 1-based, as the standard numbers them)::

    1-2 version   3 context   4 standard identity   5-6 symbol set   7 status
    8 HQ/task force/dummy   9-10 amplifier (echelon, mobility)   11-16 entity, type, subtype
    17-18 modifier 1   19-20 modifier 2

Context 0 is reality, 1 exercise, 2 simulation. Everything JointEx puts on a map is exercise
material, so every symbol leaving ``cop`` carries context 1 (`exercise_sidc`).

A Cursor on Target (CoT) atom type is ``a-<affiliation>-<dimension>[-<function>...]``, the
function letters being the 2525B function id. `cot_type` derives it from a 2525D SIDC: the
affiliation from the standard identity, the dimension from the symbol set, and the function from
a small table of the entities JointEx scenarios use (longest entity prefix wins; an entity not in
the table gives the symbol set's generic type, e.g. ``a-h-G-U`` for any hostile land unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from jointex._errors import ParameterError

__all__ = ["EXERCISE_CONTEXT", "Sidc", "cot_type", "exercise_sidc", "parse_sidc"]

EXERCISE_CONTEXT = "1"
"""The 2525D context digit (position 3) that marks a symbol as exercise material."""

_CONTEXTS = MappingProxyType({"0": "reality", "1": "exercise", "2": "simulation"})

_IDENTITIES = MappingProxyType(
    {
        "0": "pending",
        "1": "unknown",
        "2": "assumed-friend",
        "3": "friend",
        "4": "neutral",
        "5": "suspect",
        "6": "hostile",
    }
)

# CoT affiliation letter per 2525D standard identity. Suspect and hostile keep their real-world
# letters (s, h) in exercise context rather than joker/faker (j, k): a TTX's red cell plays the
# adversary, and TAK clients colour j/k inconsistently.
_AFFILIATIONS = MappingProxyType(
    {"0": "p", "1": "u", "2": "a", "3": "f", "4": "n", "5": "s", "6": "h"}
)

# CoT dimension per 2525D symbol set: P space, A air, G ground, S sea surface, U subsurface.
_DIMENSIONS = MappingProxyType(
    {
        "01": "A",  # air
        "02": "A",  # air missile
        "05": "P",  # space
        "06": "P",  # space missile
        "10": "G",  # land unit
        "11": "G",  # land civilian unit/organisation
        "15": "G",  # land equipment
        "20": "G",  # land installation
        "27": "G",  # dismounted individual
        "30": "S",  # sea surface
        "35": "U",  # sea subsurface
        "36": "U",  # mine warfare
        "40": "G",  # activities
        "50": "P",  # signals intelligence, space
        "51": "A",  # signals intelligence, air
        "52": "G",  # signals intelligence, land
        "53": "S",  # signals intelligence, surface
        "54": "U",  # signals intelligence, subsurface
    }
)

# Generic function letters per symbol set, used when no entity prefix below matches.
_SET_FUNCTIONS = MappingProxyType(
    {"10": ("U",), "11": ("U",), "15": ("E",), "20": ("I",), "27": ("U",)}
)

# (symbol set, entity prefix) -> 2525B function letters, for the entities JointEx scenarios use.
_ENTITY_FUNCTIONS: MappingProxyType[tuple[str, str], tuple[str, ...]] = MappingProxyType(
    {
        ("01", "11"): ("M",),  # military air
        ("01", "1101"): ("M", "F"),  # fixed wing
        ("01", "110103"): ("M", "F", "B"),  # bomber
        ("01", "110104"): ("M", "F", "F"),  # fighter
        ("01", "110111"): ("M", "F", "R"),  # reconnaissance
        ("01", "110116"): ("M", "F", "R", "W"),  # airborne early warning
        ("01", "1102"): ("M", "H"),  # rotary wing
        ("01", "1103"): ("M", "F", "Q"),  # unmanned aerial vehicle
        ("01", "12"): ("C",),  # civilian air
        ("10", "12"): ("U", "C"),  # movement and manoeuvre
        ("10", "1211"): ("U", "C", "I"),  # infantry
        ("10", "13"): ("U", "C"),  # fires
        ("10", "1301"): ("U", "C", "D"),  # air defence
        ("10", "1303"): ("U", "C", "F"),  # field artillery
        ("15", "2201"): ("E", "S", "R"),  # radar
        ("30", "12"): ("C",),  # military combatant
        ("30", "1201"): ("C", "L", "C", "V"),  # carrier
        ("30", "1202"): ("C", "L"),  # surface combatant, line
        ("30", "120201"): ("C", "L", "B", "B"),  # battleship
        ("30", "120202"): ("C", "L", "C", "C"),  # cruiser
        ("30", "120203"): ("C", "L", "D", "D"),  # destroyer
        ("30", "120204"): ("C", "L", "F", "F"),  # frigate
        ("30", "1203"): ("C", "A"),  # amphibious warfare ship
        ("30", "1205"): ("C", "P"),  # patrol
        ("30", "13"): ("N",),  # military non-combatant
        ("30", "14"): ("X",),  # civilian
        ("35", "11"): ("S",),  # military submarine
    }
)


@dataclass(frozen=True, slots=True)
class Sidc:
    """A parsed 20-digit MIL-STD-2525D symbol identification code.

    Attributes:
        code: the 20 digits.
        version: positions 1-2, e.g. ``10`` for 2525D.
        context: position 3: ``0`` reality, ``1`` exercise, ``2`` simulation.
        identity: position 4, the standard identity: ``3`` friend, ``4`` neutral, ``6`` hostile...
        symbol_set: positions 5-6: ``01`` air, ``10`` land unit, ``30`` sea surface...
        status: position 7: ``0`` present, ``1`` planned/anticipated...
        hq_tf_dummy: position 8.
        amplifier: positions 9-10 (echelon or mobility).
        entity: positions 11-16 (entity, entity type, entity subtype).
        modifier1: positions 17-18.
        modifier2: positions 19-20.
    """

    code: str
    version: str
    context: str
    identity: str
    symbol_set: str
    status: str
    hq_tf_dummy: str
    amplifier: str
    entity: str
    modifier1: str
    modifier2: str

    @property
    def context_name(self) -> str:
        """``reality``, ``exercise`` or ``simulation``."""
        return _CONTEXTS[self.context]

    @property
    def identity_name(self) -> str:
        """The standard identity as a word: ``friend``, ``hostile``, ``neutral``..."""
        return _IDENTITIES[self.identity]

    @property
    def is_exercise(self) -> bool:
        """Whether the context digit marks the symbol as exercise material."""
        return self.context == EXERCISE_CONTEXT

    def __str__(self) -> str:
        return self.code


def parse_sidc(code: str) -> Sidc:
    """Split a 2525D SIDC into its fields, checking the ones JointEx relies on.

    Args:
        code: 20 ASCII digits (surrounding spaces are ignored).

    Returns:
        The parsed code.

    Raises:
        ParameterError: not 20 digits, or an unknown context or standard identity.
    """
    text = code.strip()
    if len(text) != 20 or not text.isascii() or not text.isdigit():
        raise ParameterError(f"{code!r} is not a MIL-STD-2525D symbol code (20 digits expected)")
    if text[2] not in _CONTEXTS:
        raise ParameterError(f"SIDC {text}: unknown context {text[2]!r} (position 3; 0, 1 or 2)")
    if text[3] not in _IDENTITIES:
        raise ParameterError(
            f"SIDC {text}: unknown standard identity {text[3]!r} (position 4; 0 to 6)"
        )
    return Sidc(
        code=text,
        version=text[0:2],
        context=text[2],
        identity=text[3],
        symbol_set=text[4:6],
        status=text[6],
        hq_tf_dummy=text[7],
        amplifier=text[8:10],
        entity=text[10:16],
        modifier1=text[16:18],
        modifier2=text[18:20],
    )


def exercise_sidc(code: str) -> str:
    """The same symbol code with the exercise context (position 3 set to ``1``).

    Args:
        code: a 2525D SIDC in any context.

    Returns:
        The 20-digit code in exercise context.

    Raises:
        ParameterError: ``code`` is not a valid SIDC (see `parse_sidc`).
    """
    text = parse_sidc(code).code
    return text[:2] + EXERCISE_CONTEXT + text[3:]


def cot_type(code: str) -> str:
    """The Cursor on Target atom type for a 2525D SIDC, e.g. ``a-f-A-M-F-F`` for a friend fighter.

    Symbol sets without a CoT dimension (control measures, METOC, cyberspace) are given the ground
    dimension, the CoT convention for "domain unknown".

    Args:
        code: a 2525D SIDC.

    Returns:
        ``a-<affiliation>-<dimension>`` followed by any function letters, dash-separated.

    Raises:
        ParameterError: ``code`` is not a valid SIDC (see `parse_sidc`).
    """
    sidc = parse_sidc(code)
    parts = ["a", _AFFILIATIONS[sidc.identity], _DIMENSIONS.get(sidc.symbol_set, "G")]
    function: tuple[str, ...] = _SET_FUNCTIONS.get(sidc.symbol_set, ())
    for length in (6, 4, 2):
        found = _ENTITY_FUNCTIONS.get((sidc.symbol_set, sidc.entity[:length]))
        if found is not None:
            function = found
            break
    return "-".join((*parts, *function))
