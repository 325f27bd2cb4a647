"""Test data for the COP tests: the flagship scenario and intelligence products to share."""

from __future__ import annotations

from functools import cache

from jointex.intel import IntelProduct
from jointex.markings import Portion, parse_marking
from jointex.scenario import Scenario, resolve

SECRET_ID = "INT-USA-NF-7"
SECRET_TITLE = "Carrier Liaoning sortie predicted from intercepted tasking"


@cache
def flagship() -> Scenario:
    """The built-in grey-zone-surge scenario, loaded once."""
    return resolve("grey-zone-surge")


def product(
    product_id: str,
    marking: str,
    title: str,
    *,
    body_marking: str | None = None,
    location: tuple[float, float] | None = (121.9, 23.9),
    track_ids: tuple[str, ...] = (),
    minute: int = 60,
    owner: str = "USA",
) -> IntelProduct:
    """An intelligence product with one title portion and one body portion."""
    return IntelProduct(
        id=product_id,
        kind="sighting",
        title=Portion(parse_marking(marking), title),
        portions=(Portion(parse_marking(body_marking or marking), f"{title}: details"),),
        originator=owner.lower(),
        owner=owner,
        minute=minute,
        location=location,
        track_ids=track_ids,
    )
