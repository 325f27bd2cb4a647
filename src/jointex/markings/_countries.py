"""ISO 3166-1 alpha-3 country codes, the FVEY tetragraph and the conventional order of REL TO lists.

The table is a constant so that `jointex.markings` stays pure (no data files, no network).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from jointex._errors import MarkingError

__all__ = [
    "ISO_3166_ALPHA3",
    "TETRAGRAPHS",
    "check_country",
    "expand_countries",
    "release_order",
]

# Every officially assigned ISO 3166-1 alpha-3 code (249). User-assigned codes such as XKX are not
# ISO codes, so they are rejected like any typo.
ISO_3166_ALPHA3: frozenset[str] = frozenset(
    [
        "ABW",
        "AFG",
        "AGO",
        "AIA",
        "ALA",
        "ALB",
        "AND",
        "ARE",
        "ARG",
        "ARM",
        "ASM",
        "ATA",
        "ATF",
        "ATG",
        "AUS",
        "AUT",
        "AZE",
        "BDI",
        "BEL",
        "BEN",
        "BES",
        "BFA",
        "BGD",
        "BGR",
        "BHR",
        "BHS",
        "BIH",
        "BLM",
        "BLR",
        "BLZ",
        "BMU",
        "BOL",
        "BRA",
        "BRB",
        "BRN",
        "BTN",
        "BVT",
        "BWA",
        "CAF",
        "CAN",
        "CCK",
        "CHE",
        "CHL",
        "CHN",
        "CIV",
        "CMR",
        "COD",
        "COG",
        "COK",
        "COL",
        "COM",
        "CPV",
        "CRI",
        "CUB",
        "CUW",
        "CXR",
        "CYM",
        "CYP",
        "CZE",
        "DEU",
        "DJI",
        "DMA",
        "DNK",
        "DOM",
        "DZA",
        "ECU",
        "EGY",
        "ERI",
        "ESH",
        "ESP",
        "EST",
        "ETH",
        "FIN",
        "FJI",
        "FLK",
        "FRA",
        "FRO",
        "FSM",
        "GAB",
        "GBR",
        "GEO",
        "GGY",
        "GHA",
        "GIB",
        "GIN",
        "GLP",
        "GMB",
        "GNB",
        "GNQ",
        "GRC",
        "GRD",
        "GRL",
        "GTM",
        "GUF",
        "GUM",
        "GUY",
        "HKG",
        "HMD",
        "HND",
        "HRV",
        "HTI",
        "HUN",
        "IDN",
        "IMN",
        "IND",
        "IOT",
        "IRL",
        "IRN",
        "IRQ",
        "ISL",
        "ISR",
        "ITA",
        "JAM",
        "JEY",
        "JOR",
        "JPN",
        "KAZ",
        "KEN",
        "KGZ",
        "KHM",
        "KIR",
        "KNA",
        "KOR",
        "KWT",
        "LAO",
        "LBN",
        "LBR",
        "LBY",
        "LCA",
        "LIE",
        "LKA",
        "LSO",
        "LTU",
        "LUX",
        "LVA",
        "MAC",
        "MAF",
        "MAR",
        "MCO",
        "MDA",
        "MDG",
        "MDV",
        "MEX",
        "MHL",
        "MKD",
        "MLI",
        "MLT",
        "MMR",
        "MNE",
        "MNG",
        "MNP",
        "MOZ",
        "MRT",
        "MSR",
        "MTQ",
        "MUS",
        "MWI",
        "MYS",
        "MYT",
        "NAM",
        "NCL",
        "NER",
        "NFK",
        "NGA",
        "NIC",
        "NIU",
        "NLD",
        "NOR",
        "NPL",
        "NRU",
        "NZL",
        "OMN",
        "PAK",
        "PAN",
        "PCN",
        "PER",
        "PHL",
        "PLW",
        "PNG",
        "POL",
        "PRI",
        "PRK",
        "PRT",
        "PRY",
        "PSE",
        "PYF",
        "QAT",
        "REU",
        "ROU",
        "RUS",
        "RWA",
        "SAU",
        "SDN",
        "SEN",
        "SGP",
        "SGS",
        "SHN",
        "SJM",
        "SLB",
        "SLE",
        "SLV",
        "SMR",
        "SOM",
        "SPM",
        "SRB",
        "SSD",
        "STP",
        "SUR",
        "SVK",
        "SVN",
        "SWE",
        "SWZ",
        "SXM",
        "SYC",
        "SYR",
        "TCA",
        "TCD",
        "TGO",
        "THA",
        "TJK",
        "TKL",
        "TKM",
        "TLS",
        "TON",
        "TTO",
        "TUN",
        "TUR",
        "TUV",
        "TWN",
        "TZA",
        "UGA",
        "UKR",
        "UMI",
        "URY",
        "USA",
        "UZB",
        "VAT",
        "VCT",
        "VEN",
        "VGB",
        "VIR",
        "VNM",
        "VUT",
        "WLF",
        "WSM",
        "YEM",
        "ZAF",
        "ZMB",
        "ZWE",
    ]
)

# Tetragraphs allowed in REL TO lists and what they stand for. Only FVEY: its membership is fixed,
# unlike NATO's, so expanding it here cannot go stale silently.
TETRAGRAPHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"FVEY": ("AUS", "CAN", "GBR", "NZL", "USA")}
)


def check_country(code: str, where: str) -> str:
    """Return ``code`` upper-cased if it is an ISO 3166-1 alpha-3 code.

    Args:
        code: the trigraph as written.
        where: what the code was for, for the message (e.g. ``"in REL TO"``, ``"as owner"``).

    Returns:
        The upper-case trigraph.

    Raises:
        MarkingError: the code is not an assigned ISO 3166-1 alpha-3 code.
    """
    upper = code.strip().upper()
    if upper not in ISO_3166_ALPHA3:
        raise MarkingError(f"unknown country code {code.strip()!r} {where}")
    return upper


def expand_countries(codes: Iterable[str]) -> tuple[str, ...]:
    """Expand tetragraphs, check every code and put the list in REL TO order without duplicates.

    Args:
        codes: trigraphs and tetragraphs, any case.

    Returns:
        The distinct trigraphs, USA first and the rest alphabetical.

    Raises:
        MarkingError: a code is neither a tetragraph nor an ISO 3166-1 alpha-3 code.
    """
    seen: set[str] = set()
    for code in codes:
        upper = code.strip().upper()
        members = TETRAGRAPHS.get(upper)
        if members is not None:
            seen.update(members)
        else:
            seen.add(check_country(code, "in REL TO"))
    return tuple(sorted(seen, key=release_order))


def release_order(code: str) -> tuple[bool, str]:
    """Sort key for REL TO lists: USA first (the convention of US banners), then alphabetical.

    Args:
        code: an upper-case trigraph.

    Returns:
        A key that sorts ``USA`` before every other code.
    """
    return (code != "USA", code)
