"""Signing in and out, sessions, CSRF, the login rate limit and Bearer tokens, over HTTP."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends
from tests.api.conftest import PASSWORD, World

from jointex.api._auth import LOGIN_COOKIE, SESSION_COOKIE, Principal, page_user


def test_login_page_is_a_form_with_csrf(world: World) -> None:
    """GET /login is an HTML form with a CSRF token that is also set as a cookie."""
    client = world.client()
    page = client.get("/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'name="csrf"' in page.text
    assert 'name="password"' in page.text
    assert LOGIN_COOKIE in page.cookies
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_login_sets_an_http_only_session_and_redirects_home(world: World) -> None:
    """The right password gives a new HttpOnly SameSite=Lax session cookie and a 303 to /."""
    client = world.client()
    token = world.login_form(client)
    response = client.post("/login", data={"username": "twn", "password": PASSWORD, "csrf": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower().replace("samesite", "")
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["user"] == "twn"
    assert me.json()["nation"] == "TWN"


def test_login_next_stays_on_this_server(world: World) -> None:
    """``next`` is followed only to a local path; another host falls back to /."""
    client = world.client()
    token = world.login_form(client)
    form = {"username": "twn", "password": PASSWORD, "csrf": token, "next": "//evil.example/x"}
    assert client.post("/login", data=form).headers["location"] == "/"
    token = world.login_form(client)
    form |= {"csrf": token, "next": "/exercises/x?cell=twn"}
    assert client.post("/login", data=form).headers["location"] == "/exercises/x?cell=twn"


def test_wrong_password_is_401_with_a_message_and_no_session(world: World) -> None:
    """A wrong password shows the form again with a message (401) and sets no session."""
    client = world.client()
    token = world.login_form(client)
    response = client.post(
        "/login", data={"username": "twn", "password": "not the password", "csrf": token}
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert SESSION_COOKIE not in response.cookies
    assert client.get("/api/me").status_code == 401


def test_login_without_the_form_token_is_refused(world: World) -> None:
    """A sign-in POST without the form's CSRF token (cross-site login) makes no session."""
    client = world.client()
    response = client.post("/login", data={"username": "twn", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_logout_ends_the_session(world: World) -> None:
    """POST /logout with the CSRF token ends the session on the server, not just the cookie."""
    session = world.login("usa")
    cookie = session.client.cookies[SESSION_COOKIE]
    response = session.client.post("/logout", data={"csrf": session.csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    stolen = world.client()
    stolen.cookies.set(SESSION_COOKIE, cookie)
    assert stolen.get("/api/me").status_code == 401


def test_logout_needs_the_csrf_token(world: World) -> None:
    """A cross-site POST /logout (no token) is refused and the session lives on."""
    session = world.login("usa")
    assert session.client.post("/logout").status_code == 403
    assert session.get("/api/me").status_code == 200


def test_sessions_are_stored_hashed(world: World) -> None:
    """The database keeps the session id's SHA-256, never the cookie's value."""
    session = world.login("usa")
    cookie = session.client.cookies[SESSION_COOKIE]
    with world.app.state.store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM sessions"))]
    assert cookie not in ids
    assert all(len(i) == 64 for i in ids)


def test_expired_session_is_401_for_the_api(fresh: World) -> None:
    """After 12 hours the session no longer signs requests in."""
    session = fresh.login("twn")
    fresh.clock.advance(11 * 3600)
    assert session.get("/api/me").status_code == 200
    fresh.clock.advance(3600 + 1)
    response = session.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "not signed in"}


def test_expired_session_redirects_pages_to_login(fresh: World) -> None:
    """A page dependency (`page_user`) sends a signed-out browser to /login?next=..."""

    @fresh.app.get("/test-page")
    def test_page(principal: Annotated[Principal, Depends(page_user)]) -> dict[str, str]:
        return {"user": principal.user.username}

    session = fresh.login("twn")
    assert session.get("/test-page").json() == {"user": "twn"}
    fresh.clock.advance(12 * 3600 + 1)
    response = session.get("/test-page", params={"a": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/test-page%3Fa%3D1"


def test_forged_csrf_is_refused(world: World) -> None:
    """A command POST with the session cookie and a missing or wrong token is 403 and changes
    nothing."""
    session = world.login("white")
    before = world.service.state(world.exercise).version
    missing = session.client.post(world.path("/commands"), json={"command": "pause"})
    forged = session.client.post(
        world.path("/commands"),
        json={"command": "pause"},
        headers={"X-CSRF-Token": session.csrf[:-2] + "xx"},
    )
    assert missing.status_code == 403
    assert forged.status_code == 403
    assert forged.json() == {"detail": "missing or invalid CSRF token"}
    assert world.service.state(world.exercise).version == before


def test_login_rate_limit(fresh: World) -> None:
    """Five failures for a username within five minutes make the sixth try 429, even with the
    right password; the limit lifts after five minutes."""
    client = fresh.client()
    for _ in range(5):
        token = fresh.login_form(client)
        wrong = {"username": "twn", "password": "wrong password!", "csrf": token}
        assert client.post("/login", data=wrong).status_code == 401
    token = fresh.login_form(client)
    right = {"username": "twn", "password": PASSWORD, "csrf": token}
    blocked = client.post("/login", data=right)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in blocked.cookies
    # another user from the same client is not blocked
    token = fresh.login_form(client)
    other = {"username": "usa", "password": PASSWORD, "csrf": token}
    assert client.post("/login", data=other).status_code == 303
    fresh.clock.advance(5 * 60 + 1)
    token = fresh.login_form(client)
    assert client.post("/login", data=right | {"csrf": token}).status_code == 303


def test_bearer_token(world: World) -> None:
    """An API token authenticates /api without a cookie and needs no CSRF token."""
    token = world.accounts.create_token("usa", "test-bearer")
    client = world.client()
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["user"] == "usa"
    assert me.json()["via"] == "token"
    assert me.json()["csrf"] is None
    rfi = {"command": "submit_rfi", "question": "Carrier position?", "marking": "UNCLASSIFIED"}
    # usa is a player cell: an RFI is allowed, without a CSRF header
    assert client.post(world.path("/commands"), json=rfi, headers=headers).status_code == 200
    bad = client.get("/api/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert client.get("/api/me").status_code == 401


def test_unauthenticated_api_is_401(world: World) -> None:
    """Every API route answers 401 to a request without credentials."""
    client = world.client()
    for path in ("/api/me", "/api/exercises", "/api/scenarios", world.path("/inbox")):
        assert client.get(path).status_code == 401
    assert client.post(world.path("/commands"), json={"command": "start"}).status_code == 401
