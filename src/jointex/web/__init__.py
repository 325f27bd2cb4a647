"""The web front end: server-rendered pages, their scripts and styles, and the files they load.

Pages are Jinja2 templates extending ``base.html`` (classification banners at top and bottom,
a skip link, system fonts) with small scripts. Nothing is loaded from the internet: Leaflet,
milsymbol (MIL-STD-2525D symbols), topojson-client and the Natural Earth land shapes of
``world-atlas`` are npm packages pinned in ``package-lock.json`` and served by JointEx itself
under ``/static/vendor/`` (see `asset_root`).

>>> from jointex.scenario import resolve
>>> from jointex.web import forces_geojson
>>> forces = forces_geojson(resolve("grey-zone-surge"), "UNCLASSIFIED")
>>> forces["features"][0]["properties"]["sidc"]
'10130100001101040000'

The main application mounts `web_router` and overrides its dependencies `get_scenario_provider`
and `get_reader` with its own scenario store and sign-in. It also mounts `pages_router` (the
exercise list, the white-cell console, the cell and observer views) and provides its seat and
CSRF token (`get_seat`, `get_csrf_token`: see `jointex.web._pages`).
"""

from jointex.web._assets import (
    ASSETS_ENV,
    MISSING_ASSETS_MESSAGE,
    VENDOR_FILES,
    WebAssets,
    asset_root,
    locate_assets,
)
from jointex.web._forces import forces_geojson
from jointex.web._pages import (
    PageKind,
    SeatLike,
    get_csrf_token,
    get_seat,
    page_for_seat,
    pages_router,
    rollup_banner,
)
from jointex.web._router import (
    CONTENT_SECURITY_POLICY,
    GEOJSON_MEDIA_TYPE,
    ScenarioProvider,
    banner_class,
    builtin_scenarios,
    create_web_app,
    get_reader,
    get_scenario_provider,
    get_web_assets,
    scenario_files,
    web_router,
)

__all__ = [
    "ASSETS_ENV",
    "CONTENT_SECURITY_POLICY",
    "GEOJSON_MEDIA_TYPE",
    "MISSING_ASSETS_MESSAGE",
    "VENDOR_FILES",
    "PageKind",
    "ScenarioProvider",
    "SeatLike",
    "WebAssets",
    "asset_root",
    "banner_class",
    "builtin_scenarios",
    "create_web_app",
    "forces_geojson",
    "get_csrf_token",
    "get_reader",
    "get_scenario_provider",
    "get_seat",
    "get_web_assets",
    "locate_assets",
    "page_for_seat",
    "pages_router",
    "rollup_banner",
    "scenario_files",
    "web_router",
]
