"""The exercise pages: the list of exercises, the white-cell console, the cell and observer views.

The pages are shells: every piece of exercise data reaches them through the JSON API
(``/api/...``, see docs/server.md) and the live-update websocket (``/ws/exercises/{id}``), both
read by the page scripts (``static/js/api.js``, ``live.js``, ``white.js``, ``cell.js``,
``observer.js``, ``charts.js``). A page therefore carries no marked content when it is served: its
banners start at the lowest level and the scripts raise them (`JointEx.banner.set`) to the
roll-up of what they show, computed by ``GET /web/rollup`` with `jointex.markings.rollup`.

Two dependencies are meant to be overridden by the application that mounts `pages_router`
(``app.dependency_overrides[dependency] = ...``), or served by hooks on ``app.state``:

- `get_seat`: the signed-in user's seat in the exercise of the URL. The default calls
  ``request.app.state.resolve_seat(request, exercise_id)``, which returns the seat (an object with
  ``exercise_id``, ``cell`` and ``role``) or None when the user has no seat there, and raises
  ``HTTPException(401)`` when nobody is signed in. No hook means nobody is signed in (401).
- `get_csrf_token`: the session's CSRF token that every page renders in
  ``<meta name="csrf-token">`` for ``api.js`` to send as ``X-CSRF-Token``. The default calls
  ``request.state.principal.csrf`` (set by `jointex.api` sign-in when `get_seat` ran first),
  else ``request.app.state.csrf_token(request)`` when the app sets it, else
  ``request.state.csrf_token``, else renders an empty token.

A page refused with 401 redirects to the sign-in page (``app.state.login_path``, default
``/login``) with ``?next=`` the page; any other refusal renders ``error.html`` with its status.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Annotated, Any, Literal, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from jointex._errors import MarkingError
from jointex.markings import DEFAULT_LEVELS, Marking, parse_marking, rollup
from jointex.web._assets import MISSING_ASSETS_MESSAGE, TEMPLATES_DIR, WebAssets, locate_assets
from jointex.web._router import CONTENT_SECURITY_POLICY, banner_class

__all__ = [
    "PageKind",
    "SeatLike",
    "get_csrf_token",
    "get_seat",
    "page_for_seat",
    "pages_router",
    "rollup_banner",
]

PageKind = Literal["white", "cell", "observer"]
"""Which exercise page a seat uses."""

_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Pages show the session's CSRF token and live data: never keep them in a shared cache.
    "Cache-Control": "no-store",
}
_MAX_ROLLUP = 1000
_STATIC = (
    "css/jointex.css",
    "js/banner.js",
    "js/map.js",
    "js/api.js",
    "js/live.js",
    "js/charts.js",
    "js/exercises.js",
    "js/white.js",
    "js/cell.js",
    "js/observer.js",
)
_VENDOR = (
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "milsymbol/milsymbol.js",
    "topojson-client/topojson-client.min.js",
    "world-atlas/land-50m.json",
)
_WHITE_ROLES = frozenset({"white", "control"})
_OBSERVER_ROLES = frozenset({"observer"})

_templates = Jinja2Templates(directory=TEMPLATES_DIR)


class SeatLike(Protocol):
    """What the pages need of a seat (``jointex.api`` ``Seat`` has these attributes)."""

    @property
    def exercise_id(self) -> str:
        """The exercise."""

    @property
    def cell(self) -> str:
        """The cell id within the exercise."""

    @property
    def role(self) -> str:
        """``white``/``control``, ``observer``, or a playing role (``cell``, ``blue``, ``red``)."""


def page_for_seat(seat: SeatLike) -> PageKind:
    """The page a seat works on: control the white-cell console, observers theirs, others the cell.

    Args:
        seat: the seat.

    Returns:
        ``white``, ``observer`` or ``cell``.
    """
    control = getattr(seat, "is_control", None)  # jointex.api Seat: control cell seated as white
    observer = getattr(seat, "is_observer", None)
    if control is not None and observer is not None:
        return "white" if control else "observer" if observer else "cell"
    role = seat.role.lower()
    if role in _WHITE_ROLES:
        return "white"
    if role in _OBSERVER_ROLES:
        return "observer"
    return "cell"


def get_seat(request: Request, exercise_id: str) -> SeatLike:
    """Dependency: the signed-in user's seat in ``exercise_id`` (override it, or set the hook).

    Args:
        request: the request (its app's ``state.resolve_seat`` decides).
        exercise_id: the exercise of the URL.

    Returns:
        The seat.

    Raises:
        HTTPException: 401 when nobody is signed in, 403 when the user has no seat there.
    """
    resolve = getattr(request.app.state, "resolve_seat", None)
    if resolve is None:
        raise HTTPException(401, "sign in to open an exercise")
    seat: SeatLike | None = resolve(request, exercise_id)
    if seat is None:
        raise HTTPException(403, "you have no seat in this exercise")
    return seat


def get_csrf_token(request: Request) -> str:
    """Dependency: the session's CSRF token for ``<meta name="csrf-token">`` ('' without one)."""
    principal = getattr(request.state, "principal", None)  # set by jointex.api's sign-in
    if principal is not None and getattr(principal, "csrf", None):
        return str(principal.csrf)
    hook = getattr(request.app.state, "csrf_token", None)
    if callable(hook):
        token = hook(request)
        return str(token or "")
    return str(getattr(request.state, "csrf_token", "") or "")


Seat = Annotated[SeatLike, Depends(get_seat)]
Csrf = Annotated[str, Depends(get_csrf_token)]


def _login_path(request: Request) -> str:
    return str(getattr(request.app.state, "login_path", "/login"))


class _PageRoute(APIRoute):
    """A page route: a refusal becomes a sign-in redirect (401) or an error page, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as error:
                return _refusal(request, error)

        return handle


def _refusal(request: Request, error: HTTPException) -> Response:
    if error.status_code == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"{_login_path(request)}?next={quote(target, safe='/')}"
        return RedirectResponse(login, status_code=303, headers=_SECURITY_HEADERS)
    context = _context(request, "")
    context |= {
        "title": "Not available",
        "status": error.status_code,
        "message": str(error.detail),
    }
    return _templates.TemplateResponse(
        request, "error.html", context, status_code=error.status_code, headers=_SECURITY_HEADERS
    )


pages_router = APIRouter(route_class=_PageRoute, include_in_schema=False)
"""``/``, ``/exercises/{id}`` (redirect to the seat's page) and its white, cell, observer pages."""


def _path(request: Request, route: str, **params: str) -> str:
    return request.url_for(route, **params).path


def _context(request: Request, csrf: str, assets: WebAssets | None = None) -> dict[str, Any]:
    """What base.html and the exercise templates need (the banner starts at the lowest level)."""
    found = assets if assets is not None else locate_assets()
    lowest = Marking(DEFAULT_LEVELS.lowest.name)
    return {
        "banner": lowest.banner(),
        "banner_class": banner_class(lowest),
        "assets_installed": found.installed,
        "assets_message": MISSING_ASSETS_MESSAGE,
        "csrf_token": csrf,
        "login_path": _login_path(request),
        "rollup_url": _path(request, "web_rollup"),
        "static": {name: _path(request, "web_static", path=name) for name in _STATIC},
        "vendor": {name: _path(request, "web_vendor", path=name) for name in _VENDOR},
    }


def _exercise_context(
    request: Request, csrf: str, seat: SeatLike, page: PageKind
) -> dict[str, Any]:
    exercise_id = seat.exercise_id
    quoted = quote(exercise_id, safe="")
    context = _context(request, csrf)
    context |= {
        "title": {"white": "White cell", "cell": "Cell", "observer": "Observer"}[page],
        "page": page,
        "exercise_id": exercise_id,
        "seat": {"cell": seat.cell, "role": seat.role},
        "api": f"/api/exercises/{quoted}",
        "ws_path": f"/ws/exercises/{quoted}",
        "list_url": _path(request, "web_exercises"),
    }
    return context


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    return _templates.TemplateResponse(request, template, context, headers=_SECURITY_HEADERS)


def _require(seat: SeatLike, exercise_id: str, *allowed: PageKind) -> None:
    if seat.exercise_id != exercise_id:
        raise HTTPException(403, "that seat is in another exercise")
    page = page_for_seat(seat)
    if page not in allowed:
        raise HTTPException(403, f"this page is not for your seat ({seat.cell}, {seat.role})")


@pages_router.get("/", name="web_exercises")
def exercises_page(request: Request, csrf: Csrf) -> Response:
    """The exercises the user has a seat in (read by the page from ``GET /api/exercises``)."""
    context = _context(request, csrf) | {"title": "Exercises"}
    return _render(request, "exercises.html", context)


@pages_router.get("/exercises/{exercise_id}", name="web_exercise")
def exercise_page(request: Request, exercise_id: str, seat: Seat) -> Response:
    """Redirect to the page of the user's seat."""
    _require(seat, exercise_id, "white", "cell", "observer")
    target = _path(request, f"web_{page_for_seat(seat)}", exercise_id=exercise_id)
    return RedirectResponse(target, status_code=303, headers=_SECURITY_HEADERS)


@pages_router.get("/exercises/{exercise_id}/white", name="web_white")
def white_page(request: Request, exercise_id: str, seat: Seat, csrf: Csrf) -> Response:
    """The white-cell console (control seats only)."""
    _require(seat, exercise_id, "white")
    return _render(request, "white.html", _exercise_context(request, csrf, seat, "white"))


@pages_router.get("/exercises/{exercise_id}/cell", name="web_cell")
def cell_page(request: Request, exercise_id: str, seat: Seat, csrf: Csrf) -> Response:
    """A playing cell's view (blue and red seats)."""
    _require(seat, exercise_id, "cell")
    context = _exercise_context(request, csrf, seat, "cell")
    context |= {
        "geography_url": f"{context['api']}/map/geography.geojson",
        "tracks_url": f"{context['api']}/map/tracks.geojson",
    }
    return _render(request, "cell.html", context)


@pages_router.get("/exercises/{exercise_id}/observer", name="web_observer")
def observer_page(request: Request, exercise_id: str, seat: Seat, csrf: Csrf) -> Response:
    """Objectives, criteria, notes and ratings (observer seats; control may look too)."""
    _require(seat, exercise_id, "observer", "white")
    return _render(request, "observer.html", _exercise_context(request, csrf, seat, "observer"))


def rollup_banner(markings: Iterable[str]) -> Marking:
    """The banner of a page showing items with these markings (`jointex.markings.rollup`).

    Args:
        markings: banners or portion markings of everything on the page; empty gives the lowest.

    Returns:
        The roll-up, on the default ladder.

    Raises:
        MarkingError: a marking does not parse.
    """
    parsed = [parse_marking(text, DEFAULT_LEVELS) for text in markings if text.strip()]
    if not parsed:
        return Marking(DEFAULT_LEVELS.lowest.name)
    return rollup(parsed)


@pages_router.get("/web/rollup", name="web_rollup")
def rollup_endpoint(m: Annotated[list[str] | None, Query()] = None) -> JSONResponse:
    """The page banner for the markings a page shows: ``?m=...&m=...`` -> banner and colour.

    Only markings go in and out (no content), so it needs no sign-in: the page already holds them.
    """
    texts = m or []
    if len(texts) > _MAX_ROLLUP:
        detail = {"detail": f"at most {_MAX_ROLLUP} markings"}
        return JSONResponse(detail, status_code=422, headers=_SECURITY_HEADERS)
    try:
        banner = rollup_banner(texts)
    except MarkingError as error:
        return JSONResponse({"detail": str(error)}, status_code=422, headers=_SECURITY_HEADERS)
    return JSONResponse(
        {"banner": banner.banner(), "class": banner_class(banner)}, headers=_SECURITY_HEADERS
    )
