"""The HTTP edge: the JointEx server (`create_app`: JSON API, sign-in, pages) and TAXII 2.1.

`create_taxii_app` serves an `IntelSource` (a live exercise's intel, or `MemoryIntelSource`) to
users authenticated against `jointex.store.Accounts`, every object filtered by
`jointex.markings.can_read`. Mount it at ``/taxii2``::

    app.mount("/taxii2", create_taxii_app(source, accounts))
"""

from __future__ import annotations

from jointex.api._app import create_app
from jointex.api._taxii_source import (
    STIX_MEDIA_TYPE,
    ApiRoot,
    CollectionSpec,
    IntelSource,
    MemoryIntelSource,
    StixEntry,
    marking_from_stix,
)
from jointex.api.taxii import (
    DEFAULT_PAGE_SIZE,
    TAXII_MEDIA_TYPE,
    AccountDirectory,
    create_taxii_app,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "STIX_MEDIA_TYPE",
    "TAXII_MEDIA_TYPE",
    "AccountDirectory",
    "ApiRoot",
    "CollectionSpec",
    "IntelSource",
    "MemoryIntelSource",
    "StixEntry",
    "create_app",
    "create_taxii_app",
    "marking_from_stix",
]
