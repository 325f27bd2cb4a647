"""Parsing banners and portion marks into `Marking`s, with errors that say what and where.

Accepted forms (case and spacing are free wherever that is unambiguous)::

    UNCLASSIFIED                        (U)
    SECRET//NOFORN                      (S//NF)
    SECRET//REL TO USA, TWN             (S//REL TO USA, TWN)
    TOP SECRET//REL TO USA, FVEY        (TS//REL TO FVEY)
    //GBR SECRET//REL TO GBR, USA       (//GBR S//REL TO GBR, USA)      owner (originator) first
    UNCLASSIFIED//TLP:GREEN             (U//TLP:GREEN)                  TLP is the last block
    SECRET//REL TO USA, TWN//TLP:AMBER+STRICT
    TLP:AMBER                           a TLP label alone: the lowest level with that label

The classification may be written as a name or an abbreviation in either form, and ``NOFORN``
or ``NF`` in either form. The blocks after the classification may come in any order, each at most
once. Not supported: the portion shorthand ``REL`` (it needs the banner's list), SCI/SAP/FGI
blocks and any other dissemination control; they are errors, not silently dropped.
"""

from __future__ import annotations

import re

from jointex._errors import MarkingError
from jointex.markings._countries import ISO_3166_ALPHA3, TETRAGRAPHS, expand_countries
from jointex.markings._levels import DEFAULT_LEVELS, ClassificationLevels
from jointex.markings._marking import Marking
from jointex.markings._tlp import Tlp, parse_tlp

__all__ = ["parse_marking"]

_TLP_START = re.compile(r"TLP\s*:", re.IGNORECASE)
_REL = re.compile(r"REL\b(\s+TO\b)?", re.IGNORECASE)
_OWNER_HEAD = re.compile(r"(\S+)\s+(\S.*)\Z", re.DOTALL)


class _Blocks:
    """The text being parsed, split on ``//``, remembering where each block starts."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.spans: list[tuple[int, int]] = []
        position = start
        while True:
            cut = text.find("//", position, end)
            if cut == -1:
                self.spans.append((position, end))
                return
            self.spans.append((position, cut))
            position = cut + 2

    def content(self, index: int) -> tuple[str, int]:
        """The block's text without surrounding spaces and its 1-based column."""
        start, end = self.spans[index]
        raw = self.text[start:end]
        stripped = raw.strip()
        column = start + (len(raw) - len(raw.lstrip())) + 1
        return stripped, column


def _fail(problem: str, column: int, text: str) -> MarkingError:
    return MarkingError(f"{problem} at column {column} of {text!r}")


def parse_marking(text: str, levels: ClassificationLevels = DEFAULT_LEVELS) -> Marking:
    """Parse a banner (``SECRET//REL TO USA, TWN``) or a portion mark (``(S//REL TO USA, TWN)``).

    See the module docstring for every accepted form.

    Args:
        text: the marking.
        levels: the classification ladder in use (a scenario may define its own).

    Returns:
        The marking, normalised (see `Marking`).

    Raises:
        MarkingError: the text is not a marking; the message says what is wrong, at which
            column, and for a misspelt classification suggests the closest level.
    """
    if not isinstance(text, str):
        raise MarkingError(f"a marking must be text, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise MarkingError(f"empty marking {text!r}")
    start = len(text) - len(text.lstrip())
    end = start + len(stripped)
    if stripped.startswith("("):
        if not stripped.endswith(")"):
            raise _fail("portion mark opened with '(' is not closed", start + 1, text)
        start, end = start + 1, end - 1
        if not text[start:end].strip():
            raise _fail("empty portion mark", start, text)
    elif stripped.endswith(")"):
        raise _fail("')' closes no '('", end, text)
    blocks = _Blocks(text, start, end)

    owner: str | None = None
    first, column = blocks.content(0)
    index = 1
    if not first and len(blocks.spans) > 1:
        # "//GBR SECRET//...": the owner's trigraph, then the classification.
        head, column = blocks.content(1)
        match = _OWNER_HEAD.match(head)
        if match is None:
            raise _fail(
                "a marking starting with '//' needs an owner and a classification, "
                "e.g. '//GBR SECRET'",
                column,
                text,
            )
        owner = match.group(1).upper()
        if owner not in ISO_3166_ALPHA3:
            raise _fail(f"unknown country code {match.group(1)!r} as owner", column, text)
        first = match.group(2)
        column += match.start(2)
        index = 2

    if owner is None and _TLP_START.match(first):
        if len(blocks.spans) > 1:
            raise _fail(
                "a TLP label alone must be the whole marking; put the classification first, "
                f"e.g. '{levels.lowest.name}//{first}'",
                column,
                text,
            )
        return Marking(levels.lowest.name, tlp=_tlp(first, column, text), levels=levels)

    if not first:
        raise _fail("missing classification", column, text)
    try:
        rank = levels.rank(first)
    except MarkingError as error:
        raise _fail(str(error) + _slash_hint(first), column, text) from None

    noforn = False
    rel_to: tuple[str, ...] | None = None
    rel_column = 0
    tlp: Tlp | None = None
    for position in range(index, len(blocks.spans)):
        block, column = blocks.content(position)
        upper = block.upper()
        if not block:
            raise _fail("empty block between '//' separators", column, text)
        if upper in {"NOFORN", "NF"}:
            if noforn:
                raise _fail("NOFORN appears twice", column, text)
            if rel_to is not None:
                raise _fail("NOFORN and REL TO cannot both be set", column, text)
            noforn = True
        elif rel := _REL.match(block):
            if rel_to is not None:
                raise _fail("REL TO appears twice", column, text)
            if noforn:
                raise _fail("NOFORN and REL TO cannot both be set", column, text)
            if rel.group(1) is None:
                raise _fail(
                    "'REL' must be followed by 'TO' and country codes "
                    "(the portion shorthand 'REL' is not supported)",
                    column,
                    text,
                )
            rel_to = _countries(block, rel.end(), column, text)
            rel_column = column
        elif _TLP_START.match(block):
            if tlp is not None:
                raise _fail("TLP appears twice", column, text)
            tlp = _tlp(block, column, text)
        else:
            raise _fail(
                f"unknown dissemination control {block!r} (expected NOFORN, NF, "
                f"REL TO <countries> or TLP:<label>){_slash_hint(block)}",
                column,
                text,
            )
    if owner is not None and rel_to is not None and owner not in rel_to:
        raise _fail(f"REL TO must include the owner {owner!r}", rel_column, text)
    try:
        return Marking(levels.levels[rank].name, owner, noforn, rel_to, tlp, levels)
    except MarkingError as error:  # pragma: no cover - every case is checked above
        raise MarkingError(f"{error} in {text!r}") from None


def _countries(block: str, offset: int, column: int, text: str) -> tuple[str, ...]:
    """Read the comma-separated codes of a REL TO block, starting at ``offset`` in the block."""
    rest = block[offset:]
    if not rest.strip():
        raise _fail("REL TO needs at least one country", column, text)
    codes: list[str] = []
    position = offset
    for item in rest.split(","):
        code = item.strip()
        item_column = column + position + (len(item) - len(item.lstrip()))
        position += len(item) + 1
        if not code:
            raise _fail("empty country code in REL TO (stray ',')", item_column, text)
        words = code.split()
        if len(words) > 1:
            raise _fail(
                f"missing ',' between {words[0]!r} and {words[1]!r} in REL TO", item_column, text
            )
        upper = code.upper()
        if upper not in ISO_3166_ALPHA3 and upper not in TETRAGRAPHS:
            raise _fail(f"unknown country code {code!r} in REL TO", item_column, text)
        codes.append(upper)
    return expand_countries(codes)


def _tlp(block: str, column: int, text: str) -> Tlp:
    try:
        return parse_tlp(block)
    except MarkingError as error:
        raise _fail(str(error), column, text) from None


def _slash_hint(token: str) -> str:
    if "/" in token:
        return "; blocks are separated by '//', not '/'"
    return ""
