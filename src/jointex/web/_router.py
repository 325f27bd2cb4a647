"""The web pages and their data: the scenario map, its GeoJSON, and the static front-end files.

`web_router` is mounted by the main application beside the JSON API and TAXII; `create_web_app`
builds a stand-alone application around it (tests, a map-only server). Three dependencies are
meant to be overridden by the application that mounts the router
(``app.dependency_overrides[dependency] = ...``):

- `get_scenario_provider`: turns the ``{scenario}`` of a URL into a `Scenario` (default: the
  built-in scenarios only, so a URL can never name a file on the server's disk);
- `get_reader`: who is reading (default: nobody signed in, who sees only material at the
  lowest classification level without dissemination controls);
- `get_web_assets`: where the npm front-end packages are (default: `locate_assets`).

Every response that carries scenario data passes the scenario's marking through
`jointex.markings.can_read` first, and every page shows that marking in its banners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from jointex._errors import AccessDenied, MarkingError, ScenarioInvalid, ScenarioUnreadable
from jointex.cop import geography_geojson
from jointex.markings import (
    DEFAULT_LEVELS,
    Marking,
    Reader,
    can_read,
    parse_marking,
)
from jointex.scenario import Scenario, builtin_names, builtin_text, levels_of, load, loads
from jointex.web._assets import (
    MISSING_ASSETS_MESSAGE,
    STATIC_DIR,
    TEMPLATES_DIR,
    WebAssets,
    locate_assets,
)
from jointex.web._forces import forces_geojson

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "GEOJSON_MEDIA_TYPE",
    "ScenarioProvider",
    "banner_class",
    "builtin_scenarios",
    "create_web_app",
    "get_reader",
    "get_scenario_provider",
    "get_web_assets",
    "scenario_files",
    "web_router",
]

ScenarioProvider = Callable[[str], Scenario]
"""Turns a URL's scenario name into a scenario; raises ScenarioUnreadable for an unknown name."""

GEOJSON_MEDIA_TYPE = "application/geo+json"
"""The media type of RFC 7946 GeoJSON."""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""Pages may load nothing from another origin: no CDN, tiles or fonts, even by mistake.

Inline styles are allowed because Leaflet positions its panes and milsymbol colours its SVG with
style attributes; scripts are never inline.
"""

_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_templates = Jinja2Templates(directory=TEMPLATES_DIR)
_OWN_FILES: dict[str, Path] = {
    path.relative_to(STATIC_DIR).as_posix(): path
    for path in sorted(STATIC_DIR.rglob("*"))
    if path.is_file()
}

web_router = APIRouter()
"""The map page, the scenario GeoJSON endpoints and ``/static/`` (JointEx's files and vendor)."""


def builtin_scenarios(name: str) -> Scenario:
    """The `ScenarioProvider` of the built-in scenarios.

    Args:
        name: a built-in scenario's name, e.g. ``grey-zone-surge``.

    Returns:
        The scenario.

    Raises:
        ScenarioUnreadable: no built-in has that name.
    """
    if name not in builtin_names():
        raise ScenarioUnreadable(f"{name}: no built-in scenario of that name")
    return loads(builtin_text(name), f"<built-in {name}>")


def scenario_files(directory: Path) -> ScenarioProvider:
    """A `ScenarioProvider` of the built-ins and the ``.yaml``/``.yml`` files of one directory.

    A name is looked up as a built-in first, then as a file name (no directory part) inside
    ``directory``; nothing outside it can be named.

    Args:
        directory: the directory holding scenario files.

    Returns:
        The provider.
    """
    root = directory.resolve()

    def provide(name: str) -> Scenario:
        if name in builtin_names():
            return builtin_scenarios(name)
        path = (root / name).resolve()
        if (
            Path(name).name != name
            or path.parent != root
            or path.suffix not in (".yaml", ".yml")
            or not path.is_file()
        ):
            raise ScenarioUnreadable(f"{name}: no built-in scenario and no such scenario file")
        return load(path)

    return provide


def get_scenario_provider() -> ScenarioProvider:
    """Dependency: how URLs name scenarios (override it; the default knows only built-ins)."""
    return builtin_scenarios


def get_reader() -> Reader | None:
    """Dependency: who reads; None is nobody signed in (override it with the app's sign-in)."""
    return None


def get_web_assets() -> WebAssets:
    """Dependency: the npm front-end packages, looked up on each request (cheap: a few stats)."""
    return locate_assets()


Provider = Annotated[ScenarioProvider, Depends(get_scenario_provider)]
MaybeReader = Annotated[Reader | None, Depends(get_reader)]
Assets = Annotated[WebAssets, Depends(get_web_assets)]


def banner_class(marking: Marking) -> str:
    """The banner colour class of a marking, by the conventional colours of its level.

    Args:
        marking: the page's highest marking.

    Returns:
        ``top-secret`` (orange), ``secret`` (red), ``confidential`` (blue), ``unclassified``
        (green) or ``other`` (a neutral colour, for levels of custom ladders with no convention).
    """
    name = marking.classification.upper()
    if "TOP SECRET" in name:
        return "top-secret"
    if "SECRET" in name:
        return "secret"
    if "CONFIDENTIAL" in name:
        return "confidential"
    if "UNCLASSIFIED" in name or marking.rank == 0:
        return "unclassified"
    return "other"


@dataclass(frozen=True, slots=True)
class _Opened:
    """A scenario the reader may read, with its marking and the reader to filter with."""

    scenario: Scenario
    marking: Marking
    reader: Reader


def _open(name: str, provide: ScenarioProvider, reader: Reader | None) -> _Opened:
    """Load a scenario and check the reader may read it, or raise the HTTP error to answer."""
    try:
        scenario = provide(name)
    except ScenarioUnreadable as error:
        raise HTTPException(404, str(error)) from None
    except ScenarioInvalid as error:
        raise HTTPException(422, f"scenario {name!r} is invalid: {error}") from None
    levels = levels_of(scenario)
    marking = parse_marking(scenario.marking, levels)
    if reader is None:
        # Nobody signed in: only what every nation may read at the lowest level. For such a
        # marking the reader's nation does not matter, so any participating nation stands in.
        if marking.rank != 0 or marking.releasable is not None:
            raise HTTPException(403, f"sign in to read scenario {name!r} ({marking.banner()})")
        reader = Reader(scenario.nations[0].code, levels.lowest.name, levels=levels)
    else:
        try:
            allowed = can_read(reader, marking)
        except MarkingError:
            allowed = False  # another ladder: no safe answer, so no
        if not allowed:
            raise HTTPException(403, f"you may not read scenario {name!r}")
    return _Opened(scenario, marking, reader)


def _geojson(content: dict[str, Any]) -> JSONResponse:
    return JSONResponse(content, media_type=GEOJSON_MEDIA_TYPE, headers=_SECURITY_HEADERS)


def _path(request: Request, route: str, **params: str) -> str:
    """A route's URL path (no scheme or host, so it holds behind a proxy)."""
    return request.url_for(route, **params).path


def _page_context(request: Request, assets: WebAssets, marking: Marking) -> dict[str, Any]:
    """What base.html needs: banner, asset state and URLs of the shared files."""
    return {
        "banner": marking.banner(),
        "banner_class": banner_class(marking),
        "assets_installed": assets.installed,
        "assets_message": MISSING_ASSETS_MESSAGE,
        "static": {
            name: _path(request, "web_static", path=name)
            for name in ("css/jointex.css", "js/banner.js", "js/map.js")
        },
        "vendor": {
            name: _path(request, "web_vendor", path=name)
            for name in (
                "leaflet/leaflet.css",
                "leaflet/leaflet.js",
                "milsymbol/milsymbol.js",
                "topojson-client/topojson-client.min.js",
                "world-atlas/land-50m.json",
            )
        },
    }


@web_router.get("/map/{scenario}", name="web_map", include_in_schema=False)
def map_page(
    request: Request, scenario: str, provide: Provider, reader: MaybeReader, assets: Assets
) -> Response:
    """The common operating picture of a scenario: land, areas, lines, bases and forces."""
    try:
        opened = _open(scenario, provide, reader)
    except HTTPException as error:
        lowest = Marking(DEFAULT_LEVELS.lowest.name)
        context = _page_context(request, assets, lowest)
        context |= {"title": "Map not available", "status": error.status_code}
        context["message"] = error.detail
        return _templates.TemplateResponse(
            request, "error.html", context, status_code=error.status_code, headers=_SECURITY_HEADERS
        )
    current = opened.scenario
    context = _page_context(request, assets, opened.marking)
    sides: dict[str, list[dict[str, str]]] = {"blue": [], "red": [], "neutral": []}
    places = {place.id: place.name for place in current.geography.points}
    for force in current.forces:
        if force.base in places:
            sides[force.side].append(
                {"id": force.id, "name": force.name, "nation": force.nation}
                | {"base": places[force.base]}
            )
    context |= {
        "title": current.title,
        "scenario": current,
        "sides": sides,
        "geography_url": _path(request, "scenario_geography", scenario=scenario),
        "forces_url": _path(request, "scenario_forces", scenario=scenario),
        "tracks_url": "",
    }
    return _templates.TemplateResponse(request, "map.html", context, headers=_SECURITY_HEADERS)


@web_router.get(
    "/api/scenarios/{scenario}/geography.geojson",
    name="scenario_geography",
    response_class=JSONResponse,
)
def geography(scenario: str, provide: Provider, reader: MaybeReader) -> JSONResponse:
    """The scenario's areas (Polygons), lines (LineStrings) and points as RFC 7946 GeoJSON."""
    opened = _open(scenario, provide, reader)
    try:
        content = geography_geojson(opened.scenario, opened.reader)
    except AccessDenied as error:
        raise HTTPException(403, str(error)) from None
    return _geojson(content)


@web_router.get(
    "/api/scenarios/{scenario}/forces.geojson", name="scenario_forces", response_class=JSONResponse
)
def forces(scenario: str, provide: Provider, reader: MaybeReader) -> JSONResponse:
    """The scenario's forces as Points at their bases, with their 2525D symbol codes."""
    opened = _open(scenario, provide, reader)
    return _geojson(forces_geojson(opened.scenario, opened.marking.banner()))


@web_router.get("/static/vendor/{path:path}", name="web_vendor", include_in_schema=False)
def vendor_file(path: str, assets: Assets) -> Response:
    """One of the listed npm front-end files; anything else in node_modules is not served."""
    file = assets.file(path)
    if file is None:
        detail = "not found" if assets.installed else MISSING_ASSETS_MESSAGE
        return PlainTextResponse(detail, status_code=404)
    return FileResponse(file, headers={"X-Content-Type-Options": "nosniff"})


@web_router.get("/static/{path:path}", name="web_static", include_in_schema=False)
def static_file(path: str) -> Response:
    """JointEx's own CSS and scripts."""
    file = _OWN_FILES.get(path)
    if file is None:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(file, headers={"X-Content-Type-Options": "nosniff"})


def create_web_app(
    scenario_provider: ScenarioProvider,
    *,
    reader: Reader | None = None,
    assets: WebAssets | None = None,
) -> FastAPI:
    """A stand-alone application serving `web_router`.

    Args:
        scenario_provider: turns a URL's scenario name into a scenario, e.g. `builtin_scenarios`
            or ``scenario_files(Path("exercises"))``.
        reader: who every request reads as; None for nobody signed in.
        assets: the front-end packages to serve; None to look them up on each request.

    Returns:
        The FastAPI application.
    """
    app = FastAPI(title="JointEx web", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(web_router)
    app.dependency_overrides[get_scenario_provider] = lambda: scenario_provider
    app.dependency_overrides[get_reader] = lambda: reader
    if assets is not None:
        app.dependency_overrides[get_web_assets] = lambda: assets
    return app
