"""Classification markings: levels, banners and portion marks, roll-up, the access rule, redaction.

Pure: no I/O, no mutable globals, no clock. Every read of marked data in JointEx goes through
`can_read` (or its batch form `readable_mask`) and `redact`. Example:

>>> from jointex.markings import Reader, can_read, parse_marking, rollup
>>> m = parse_marking("secret//rel to usa,twn")
>>> m.banner(), m.portion()
('SECRET//REL TO USA, TWN', '(S//REL TO USA, TWN)')
>>> can_read(Reader("TWN", "SECRET"), m), can_read(Reader("JPN", "TOP SECRET"), m)
(True, False)
>>> str(rollup([m, parse_marking("(C//REL TO USA, GBR)")]))
'SECRET//REL TO USA'
"""

from __future__ import annotations

from jointex.markings._access import Reader, can_read, readable_mask
from jointex.markings._countries import ISO_3166_ALPHA3, TETRAGRAPHS
from jointex.markings._levels import DEFAULT_LEVELS, ClassificationLevel, ClassificationLevels
from jointex.markings._marking import Marking
from jointex.markings._parse import parse_marking
from jointex.markings._redact import MarkedDocument, Portion, Portioned, redact
from jointex.markings._rollup import rollup
from jointex.markings._tlp import Tlp, parse_tlp

__all__ = [
    "DEFAULT_LEVELS",
    "ISO_3166_ALPHA3",
    "TETRAGRAPHS",
    "ClassificationLevel",
    "ClassificationLevels",
    "MarkedDocument",
    "Marking",
    "Portion",
    "Portioned",
    "Reader",
    "Tlp",
    "can_read",
    "parse_marking",
    "parse_tlp",
    "readable_mask",
    "redact",
    "rollup",
]
