"""Intelligence products as plain JSON-ready data, and back: the event payload and export shape.

Markings are written as banners (`Marking.banner`), which `parse_marking` reads back to an equal
marking, so ``product_from_data(product_to_data(p), levels) == p`` for every product. Reading is
strict: an unknown key, a missing field or a marking that does not parse is an error, never
silently dropped (a misspelt ``marking`` key must not turn into a default).

Shape::

    {"id": "INT-1", "kind": "report", "originator": "usa", "owner": "USA", "minute": 360,
     "title": {"id": "", "marking": "SECRET//REL TO USA, TWN", "content": "..."},
     "portions": [{"id": "P1", "marking": "//USA SECRET//NOFORN", "content": "..."}],
     "sources": [{"name": "...", "reliability": "B", "credibility": 2, "marking": "..."}],
     "attachments": [{"name": "a.png", "media_type": "image/png", "marking": "...", "data": ""}],
     "location": [121.5, 25.0], "track_ids": [], "derived_from": null, "released_to": [],
     "related": []}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from jointex._errors import JointExError, MarkingError
from jointex.intel._product import Attachment, IntelProduct, ProductKind, Source
from jointex.markings import (
    DEFAULT_LEVELS,
    ISO_3166_ALPHA3,
    ClassificationLevels,
    Marking,
    Portion,
    parse_marking,
)

__all__ = ["PRODUCT_KINDS", "product_from_data", "product_to_data"]

PRODUCT_KINDS: tuple[str, ...] = get_args(ProductKind)
"""The product kinds: ``report``, ``note``, ``sighting``."""

_RELIABILITY = "ABCDEF"
_KEYS = frozenset(
    {
        "id",
        "kind",
        "title",
        "portions",
        "originator",
        "owner",
        "minute",
        "sources",
        "attachments",
        "location",
        "track_ids",
        "derived_from",
        "released_to",
        "related",
    }
)
_PORTION_KEYS = frozenset({"id", "marking", "content"})
_SOURCE_KEYS = frozenset({"name", "reliability", "credibility", "marking"})
_ATTACHMENT_KEYS = frozenset({"name", "media_type", "marking", "data"})


def _portion_data(portion: Portion) -> dict[str, Any]:
    return {"id": portion.id, "marking": portion.marking.banner(), "content": portion.content}


def product_to_data(product: IntelProduct) -> dict[str, Any]:
    """The product as JSON-ready data (markings as banners, tuples as lists).

    Args:
        product: the product (or a reader's view of it: write views, never originals, to a
            reader-facing export).

    Returns:
        A new dict in the module's shape.
    """
    return {
        "id": product.id,
        "kind": product.kind,
        "title": _portion_data(product.title),
        "portions": [_portion_data(p) for p in product.portions],
        "originator": product.originator,
        "owner": product.owner,
        "minute": product.minute,
        "sources": [
            {
                "name": s.name,
                "reliability": s.reliability,
                "credibility": s.credibility,
                "marking": s.marking.banner(),
            }
            for s in product.sources
        ],
        "attachments": [
            {
                "name": a.name,
                "media_type": a.media_type,
                "marking": a.marking.banner(),
                "data": a.data,
            }
            for a in product.attachments
        ],
        "location": None if product.location is None else list(product.location),
        "track_ids": list(product.track_ids),
        "derived_from": product.derived_from,
        "released_to": list(product.released_to),
        "related": list(product.related),
    }


def product_from_data(
    data: Mapping[str, Any], levels: ClassificationLevels = DEFAULT_LEVELS
) -> IntelProduct:
    """Read a product written by `product_to_data` (or typed by hand in that shape).

    ``sources``, ``attachments``, ``location``, ``track_ids``, ``derived_from``,
    ``released_to`` and ``related`` may be left out; every other key is required.

    Args:
        data: the product's data.
        levels: the classification ladder of the exercise.

    Returns:
        The product.

    Raises:
        MarkingError: a marking does not parse (the message says where).
        JointExError: a key is unknown or missing, or a value has the wrong type or range.
    """
    _only(data, _KEYS, "an intel product")
    kind = _required(data, "kind", str, "the product")
    if kind not in PRODUCT_KINDS:
        raise JointExError(f"product kind {kind!r} is not one of {', '.join(PRODUCT_KINDS)}")
    owner = _required(data, "owner", str, "the product").strip().upper()
    if owner not in ISO_3166_ALPHA3:
        raise JointExError(f"owner {owner!r} is not an ISO 3166-1 alpha-3 country code")
    minute = data.get("minute")
    if isinstance(minute, bool) or not isinstance(minute, int):
        raise JointExError(f"the product's minute must be a whole number, not {minute!r}")
    released_to = tuple(str(n).strip().upper() for n in _list(data, "released_to"))
    for nation in released_to:
        if nation not in ISO_3166_ALPHA3:
            raise JointExError(f"released_to {nation!r} is not an ISO 3166-1 alpha-3 code")
    derived_from = data.get("derived_from")
    if derived_from is not None and not isinstance(derived_from, str):
        raise JointExError(f"derived_from must be a product id, not {derived_from!r}")
    return IntelProduct(
        id=_required(data, "id", str, "the product"),
        kind=kind,
        title=_portion(_mapping(data.get("title"), "title"), levels, "title"),
        portions=tuple(
            _portion(_mapping(item, f"portions[{i}]"), levels, f"portions[{i}]")
            for i, item in enumerate(_list(data, "portions"))
        ),
        originator=_required(data, "originator", str, "the product"),
        owner=owner,
        minute=minute,
        sources=tuple(
            _source(_mapping(item, f"sources[{i}]"), levels, f"sources[{i}]")
            for i, item in enumerate(_list(data, "sources"))
        ),
        attachments=tuple(
            _attachment(_mapping(item, f"attachments[{i}]"), levels, f"attachments[{i}]")
            for i, item in enumerate(_list(data, "attachments"))
        ),
        location=_location(data.get("location")),
        track_ids=_strings(data, "track_ids"),
        derived_from=derived_from,
        released_to=released_to,
        related=_strings(data, "related"),
    )


def _only(data: Mapping[str, Any], keys: frozenset[str], what: str) -> None:
    unknown = sorted(str(key) for key in data if key not in keys)
    if unknown:
        raise JointExError(f"{what} has no field {unknown[0]!r}")


def _required(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise JointExError(f"{where} needs {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise JointExError(f"{key!r} of {where} must be a {kind.__name__}, not {value!r}")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise JointExError(f"{where} must be an object with a marking, not {value!r}")
    return value


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key, ())
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise JointExError(f"{key!r} must be a list, not {value!r}")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    items = _list(data, key)
    for item in items:
        if not isinstance(item, str):
            raise JointExError(f"{key!r} must list strings, not {item!r}")
    return tuple(items)


def _marking(data: Mapping[str, Any], levels: ClassificationLevels, where: str) -> Marking:
    text = _required(data, "marking", str, where)
    try:
        return parse_marking(text, levels)
    except MarkingError as exc:
        raise MarkingError(f"the marking of {where} does not parse: {exc}") from None


def _portion(data: Mapping[str, Any], levels: ClassificationLevels, where: str) -> Portion:
    _only(data, _PORTION_KEYS, where)
    identifier = data.get("id", "")
    if not isinstance(identifier, str):
        raise JointExError(f"the id of {where} must be a string, not {identifier!r}")
    content = _required(data, "content", str, where)
    return Portion(_marking(data, levels, where), content, identifier)


def _source(data: Mapping[str, Any], levels: ClassificationLevels, where: str) -> Source:
    _only(data, _SOURCE_KEYS, where)
    reliability = _required(data, "reliability", str, where).strip().upper()
    if len(reliability) != 1 or reliability not in _RELIABILITY:
        raise JointExError(f"the reliability of {where} is a letter A-F, not {reliability!r}")
    credibility = data.get("credibility")
    if (
        isinstance(credibility, bool)
        or not isinstance(credibility, int)
        or not 1 <= credibility <= 6
    ):
        raise JointExError(f"the credibility of {where} is a number 1-6, not {credibility!r}")
    name = _required(data, "name", str, where)
    return Source(name, reliability, credibility, _marking(data, levels, where))


def _attachment(data: Mapping[str, Any], levels: ClassificationLevels, where: str) -> Attachment:
    _only(data, _ATTACHMENT_KEYS, where)
    content = data.get("data", "")
    if not isinstance(content, str):
        raise JointExError(f"the data of {where} must be base64 text")
    return Attachment(
        _required(data, "name", str, where),
        _required(data, "media_type", str, where),
        _marking(data, levels, where),
        content,
    )


def _location(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or len(value) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise JointExError(f"location must be [lon, lat], not {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise JointExError(f"location [{lon}, {lat}] is not a longitude/latitude")
    return lon, lat
