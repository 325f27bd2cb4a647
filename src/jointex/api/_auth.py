"""Who is asking: server-side sign-in sessions, CSRF, the login rate limit and Bearer tokens.

A browser signs in at ``POST /login`` (form fields ``username``, ``password`` and ``csrf``, the
last from the ``GET /login`` form, checked against the ``jointex_login`` cookie it set) and gets
the cookie ``jointex_session`` (HttpOnly, SameSite=Lax, Secure when asked): 32 random bytes whose
SHA-256 keys a row of the ``sessions`` table with the user, a CSRF token and an expiry (12 hours
by default). Every state-changing request (``POST``, ``PUT``, ``PATCH``, ``DELETE``) made with
the cookie must carry that token in the ``X-CSRF-Token`` header or the ``csrf`` form field, or it
is refused with 403. Scripts and partner systems send ``Authorization: Bearer TOKEN`` (a
``jointex user token``), which needs no CSRF token: a browser never adds it by itself.

Five failed sign-ins for one username from one client within five minutes refuse further tries
(429) until the oldest failure is five minutes old. The count is kept per server process.

Time comes from the application's `jointex.exercise.WallClock`, so tests expire sessions by
moving a `ManualWallClock`.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection

import jointex.web as web_package
from jointex.exercise import WallClock
from jointex.markings import DEFAULT_LEVELS, Marking
from jointex.store import Accounts, LoginSession, User
from jointex.web import CONTENT_SECURITY_POLICY, banner_class

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "DEFAULT_SESSION_LIFETIME",
    "LOGIN_COOKIE",
    "LOGIN_FAILURES",
    "LOGIN_WINDOW",
    "SESSION_COOKIE",
    "Auth",
    "LoginLimiter",
    "LoginRequired",
    "Principal",
    "auth_router",
    "csrf_matches",
    "current_user",
    "optional_principal",
    "page_user",
]

SESSION_COOKIE = "jointex_session"
"""The session cookie's name."""
LOGIN_COOKIE = "jointex_login"
"""The cookie holding the sign-in form's CSRF token before there is a session."""
CSRF_HEADER = "X-CSRF-Token"
"""The header scripts send the session's CSRF token in."""
CSRF_FIELD = "csrf"
"""The form field pages send the session's CSRF token in."""
DEFAULT_SESSION_LIFETIME = timedelta(hours=12)
"""How long a sign-in lasts unless the application is told otherwise."""
LOGIN_FAILURES = 5
"""Failed sign-ins per username and client allowed within `LOGIN_WINDOW`."""
LOGIN_WINDOW = timedelta(minutes=5)
"""The window the failures are counted in."""

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated request's user and how it authenticated.

    Attributes:
        user: the account.
        via: ``session`` (the cookie) or ``token`` (a Bearer API token).
        session_id: the session cookie's value (``None`` for a token).
        session: the session (``None`` for a token).
    """

    user: User
    via: Literal["session", "token"]
    session_id: str | None = None
    session: LoginSession | None = None

    @property
    def csrf(self) -> str | None:
        """The CSRF token scripts must send with state-changing requests (sessions only)."""
        return None if self.session is None else self.session.csrf


class LoginRequired(Exception):
    """A page was asked for without a valid session; the application redirects to ``/login``.

    Args:
        next_path: where to come back to after signing in.
    """

    def __init__(self, next_path: str) -> None:
        """Remember where the user was going."""
        super().__init__(next_path)
        self.next_path = next_path


class LoginLimiter:
    """Counts failed sign-ins per (username, client) in a sliding window (in memory).

    Args:
        failures: failures allowed within the window.
        window: the window's length in seconds.
    """

    def __init__(self, failures: int = LOGIN_FAILURES, window: float = 300.0) -> None:
        """An empty counter."""
        self._failures = failures
        self._window = window
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times

    def blocked(self, username: str, client: str, now: float) -> float | None:
        """Seconds to wait before trying again, or None when a try is allowed."""
        with self._lock:
            times = self._recent((username.casefold(), client), now)
            if len(times) < self._failures:
                return None
            return max(1.0, times[0] + self._window - now)

    def failed(self, username: str, client: str, now: float) -> None:
        """Count a failed sign-in."""
        with self._lock:
            if len(self._seen) > 100_000:  # bound memory against a flood of usernames
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - 300}
            self._recent((username.casefold(), client), now).append(now)

    def succeeded(self, username: str, client: str) -> None:
        """Forget the failures once the right password is given."""
        with self._lock:
            self._seen.pop((username.casefold(), client), None)


class Auth:
    """The application's authentication: accounts, sessions, CSRF and the login limit.

    Args:
        accounts: users, tokens and sessions.
        clock: wall time (seconds since the epoch).
        session_lifetime: how long a sign-in lasts.
        secure_cookies: mark cookies ``Secure`` (serve over HTTPS).
    """

    def __init__(
        self,
        accounts: Accounts,
        clock: WallClock,
        session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
        secure_cookies: bool = False,
    ) -> None:
        """Use these accounts and this clock."""
        self.accounts = accounts
        self.clock = clock
        self.session_lifetime = session_lifetime
        self.secure_cookies = secure_cookies
        self.limiter = LoginLimiter(window=LOGIN_WINDOW.total_seconds())

    def now(self) -> datetime:
        """The wall clock's time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def from_token(self, authorization: str | None) -> User | None:
        """The user of an ``Authorization: Bearer TOKEN`` header, or None."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.accounts.user_for_token(token.strip())

    def from_cookie(self, connection: HTTPConnection) -> Principal | None:
        """The principal of a valid session cookie (of a request or a websocket), or None."""
        session_id = connection.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        session = self.accounts.session(session_id, self.now())
        if session is None:
            return None
        user = self.accounts.user(session.username)
        if user is None:
            return None
        return Principal(user, "session", session_id, session)


def _auth(request: Request) -> Auth:
    auth = request.app.state.auth
    assert isinstance(auth, Auth)
    return auth


def csrf_matches(expected: str, given: str | None) -> bool:
    """Whether a CSRF token sent with a request is the expected one (constant time)."""
    return bool(given) and secrets.compare_digest(expected.encode(), (given or "").encode())


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(_FORM_TYPES):
        return None
    form: FormData = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def optional_principal(request: Request) -> Principal | None:
    """Dependency: the request's principal, or None when it carries no valid credentials.

    A Bearer token wins over a cookie. A state-changing request made with the session cookie
    must carry the session's CSRF token (header or form field).

    Raises:
        HTTPException: 401 for a Bearer token that is not valid; 403 for a missing or wrong
            CSRF token.
    """
    auth = _auth(request)
    authorization = request.headers.get("authorization")
    if authorization and authorization.lower().startswith("bearer"):
        user = await run_in_threadpool(auth.from_token, authorization)
        if user is None:
            raise HTTPException(
                401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"}
            )
        return Principal(user, "token")
    principal = await run_in_threadpool(auth.from_cookie, request)
    if principal is None:
        return None
    if request.method not in _SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER) or await _form_token(request)
        assert principal.session is not None
        if not csrf_matches(principal.session.csrf, given):
            raise HTTPException(403, "missing or invalid CSRF token")
    request.state.principal = principal
    return principal


async def current_user(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """Dependency of the JSON API: the authenticated principal.

    Raises:
        HTTPException: 401 when the request is not signed in (or the session expired).
    """
    if principal is None:
        raise HTTPException(401, "not signed in", headers={"WWW-Authenticate": "Bearer"})
    return principal


async def page_user(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    """Dependency of pages: the signed-in principal, else a redirect to ``/login``.

    Raises:
        LoginRequired: not signed in, or the session expired (the application answers with a
            redirect to ``/login?next=<this page>``).
    """
    if principal is None:
        query = request.url.query
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return principal


# --- the sign-in pages ------------------------------------------------------------------------

auth_router = APIRouter(include_in_schema=False)
"""``GET /login``, ``POST /login`` and ``POST /logout``."""

_templates = Jinja2Templates(directory=Path(web_package.__file__).resolve().parent / "templates")
_LOWEST = Marking(DEFAULT_LEVELS.lowest.name)
_LOGIN_COOKIE_SECONDS = 3600


def _safe_next(target: str) -> str:
    """Only a path on this server (no scheme, host or ``//``) is a place to go after sign-in."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target


def _login_page(
    request: Request,
    *,
    status: int = 200,
    message: str = "",
    username: str = "",
    next_path: str = "/",
    headers: dict[str, str] | None = None,
) -> Response:
    """The sign-in form with a fresh CSRF token (also set as the ``jointex_login`` cookie)."""
    auth = _auth(request)
    token = secrets.token_urlsafe(32)
    context = {
        "title": "Sign in",
        "banner": _LOWEST.banner(),
        "banner_class": banner_class(_LOWEST),
        "assets_installed": True,  # the form needs none of the npm packages
        "assets_message": "",
        "static": {
            name: request.url_for("web_static", path=name).path
            for name in ("css/jointex.css", "js/banner.js")
        },
        "csrf": token,
        "next": _safe_next(next_path),
        "username": username,
        "message": message,
        "login_url": request.url_for("login_submit").path,
    }
    response = _templates.TemplateResponse(
        request,
        "login.html",
        context,
        status_code=status,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=_LOGIN_COOKIE_SECONDS,
        path="/login",
        secure=auth.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


@auth_router.get("/login", name="login_form")
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return _login_page(request, next_path=next[:2000])


@auth_router.post("/login", name="login_submit")
async def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; on success a new session and a redirect to ``next`` (default ``/``).

    A wrong password answers 401 with the form again and no session; the sixth failure for a
    username from one client within five minutes answers 429.
    """
    auth = _auth(request)
    if not csrf_matches(request.cookies.get(LOGIN_COOKIE, ""), csrf):
        return _login_page(
            request,
            status=403,
            message="The sign-in form expired. Please try again.",
            username=username,
            next_path=next,
        )
    client = request.client.host if request.client else "unknown"
    wait = auth.limiter.blocked(username, client, auth.clock.now())
    if wait is not None:
        return _login_page(
            request,
            status=429,
            message=f"Too many failed sign-ins. Try again in {math.ceil(wait / 60)} minutes.",
            username=username,
            next_path=next,
            headers={"Retry-After": str(math.ceil(wait))},
        )
    user = await run_in_threadpool(auth.accounts.verify_password, username, password)
    if user is None:
        auth.limiter.failed(username, client, auth.clock.now())
        return _login_page(
            request,
            status=401,
            message="Wrong username or password.",
            username=username,
            next_path=next,
        )
    auth.limiter.succeeded(username, client)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await run_in_threadpool(auth.accounts.end_session, old)
    session_id, _ = await run_in_threadpool(
        auth.accounts.create_session, user.username, auth.session_lifetime, auth.now()
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(auth.session_lifetime.total_seconds()),
        path="/",
        secure=auth.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@auth_router.post("/logout", name="logout")
async def logout(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Response:
    """End the session (the CSRF token is required like on every cookie POST); go to /login."""
    if principal is not None and principal.session_id is not None:
        await run_in_threadpool(_auth(request).accounts.end_session, principal.session_id)
    response = RedirectResponse(request.url_for("login_form").path, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
