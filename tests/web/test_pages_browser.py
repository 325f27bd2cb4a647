"""The exercise pages in a real browser: white cell, two national cells and an observer at once.

A `jointex.api.create_app` server on a temporary SQLite database (uvicorn with websockets, in a
thread) and Debian's Chromium through Playwright. Three browser contexts sign in at the same time
(white, TWN, USA); the white cell starts the exercise and advances a move; injects arrive live;
the US cell publishes US-only material and releases a tearline to Taiwan, which alone reaches the
Taiwan page (its lists, search, counts, map and banners); a US action is adjudicated and accepted
by the white cell and the outcome reaches the US page. Refusals: a wrong password, an expired
session, a forged CSRF token and a cell member at the white-cell URL.

Screenshots go to ``test-artifacts/page-*.png``. Skips (with the reason) while the server cannot
be built; ``JOINTEX_REQUIRE_BROWSER=1`` turns a missing Chromium into a failure (conftest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from jointex.api import create_app
from jointex.exercise import Actor, ManualWallClock
from jointex.scenario import resolve
from tests.servers import serve
from tests.web.conftest import ARTIFACTS, require_assets

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
START = 1_750_000_000.0
SECRET_WORD = "Longtian"
"""Appears only in US-only material: the Taiwan page must never show it."""
TEARLINE_TITLE = "Readiness patrol expected"
WAIT_MS = 20_000
USERS = {
    # username: (nation, clearance, cell, role)
    "white": ("USA", "TOP SECRET", "white", "white"),
    "twn": ("TWN", "SECRET", "twn", "cell"),
    "usa": ("USA", "TOP SECRET", "usa", "cell"),
    "observer": ("GBR", "UNCLASSIFIED", "observers", "observer"),
}
SECRET_RED = "rgb(200, 16, 46)"
GREEN = "rgb(0, 122, 51)"


def _build_app(db_url: str, clock: ManualWallClock) -> FastAPI:
    """The real server application (pages, JSON API and live updates) on a test clock."""
    return create_app(db_url, wall_clock=clock)


@dataclass
class World:
    """The served app, its clock and the exercise."""

    url: str
    app: FastAPI
    clock: ManualWallClock
    exercise: str

    def page_url(self, page: str) -> str:
        """The URL of one of the exercise's pages."""
        return f"{self.url}/exercises/{self.exercise}/{page}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A server with users white, twn, usa, observer seated in a draft grey-zone-surge exercise."""
    require_assets()
    db = tmp_path_factory.mktemp("pages") / "jointex.db"
    clock = ManualWallClock(START)
    app = _build_app(f"sqlite:///{db}", clock)
    service = app.state.service
    exercise = service.create(
        resolve("grey-zone-surge"), "Browser rehearsal", seed=7, actor=Actor("white", "white")
    )
    for username, (nation, clearance, cell, role) in USERS.items():
        app.state.accounts.add_user(username, PASSWORD, nation, clearance)
        app.state.accounts.add_membership(username, exercise, cell, role)
    with serve(app, ws="websockets-sansio") as url:
        yield World(url, app, clock, exercise)


def _context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 1400, "height": 1000})


def _sign_in(context: BrowserContext, url: str, username: str, password: str = PASSWORD) -> Page:
    """Open ``url``; the server sends us to the sign-in form; sign in; land back on ``url``."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#login-username")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.press("#login-password", "Enter")
    page.wait_for_load_state("domcontentloaded")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _live(page: Page) -> None:
    page.wait_for_selector("html[data-live='live']", timeout=WAIT_MS)


def _banner(page: Page) -> str:
    return (page.text_content(".banner--top") or "").strip()


def _shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)


def _status(page: Page) -> str:
    return (page.text_content("#jx-status") or "").strip()


def test_three_cells_play_a_move_live(world: World, browser: Browser) -> None:
    """White runs the clock, injects arrive live, US-only intel never reaches TWN, tearline does,
    an adjudicated US action is accepted and its outcome reaches the US cell."""
    contexts = [_context(browser) for _ in range(3)]
    try:
        white = _sign_in(contexts[0], world.page_url("white"), "white")
        twn = _sign_in(contexts[1], world.page_url("cell"), "twn")
        usa = _sign_in(contexts[2], world.page_url("cell"), "usa")
        for page in (white, twn, usa):
            _live(page)
            assert page.get_attribute('meta[name="csrf-token"]', "content")
        assert white.url.endswith("/white")
        assert twn.url.endswith("/cell")

        # The white cell starts the exercise: STARTEX reaches both inboxes without a reload.
        white.click("[data-command='start']")
        white.wait_for_selector("[data-strip][data-status='running']", timeout=WAIT_MS)
        for page in (twn, usa):
            page.wait_for_selector("[data-inbox] [data-inject='GZS-001']", timeout=WAIT_MS)
        before = (white.text_content("[data-clock]") or "").strip()
        white.click("[data-command='advance']")
        white.wait_for_function(
            "b => document.querySelector('[data-clock]').textContent.trim() !== b", arg=before
        )
        twn.wait_for_function(
            "b => document.querySelector('[data-clock]').textContent.trim() !== b", arg=before
        )
        assert "Advanced" in _status(white)
        white.wait_for_selector("[data-msel] [data-status='sent']", timeout=WAIT_MS)
        assert white.locator(".jx-rung--current").count() == 1

        # An ad hoc inject to the Taiwan cell only: TWN gets it live, the US cell does not.
        white.check("[data-recipients] input[value='twn']")
        white.select_option("#inject-channel", "phone")
        white.fill("#inject-title", "Ferry diverted at Kinmen")
        white.fill("#inject-content", "CCG vessels turned the morning ferry back.")
        white.click("form[data-form='inject'] [type='submit']")
        twn.wait_for_selector("[data-inbox] >> text=Ferry diverted at Kinmen", timeout=WAIT_MS)
        white.wait_for_selector("[data-inbox] >> text=Ferry diverted at Kinmen", timeout=WAIT_MS)
        usa.wait_for_timeout(500)
        assert "Ferry diverted" not in (usa.text_content("[data-inbox]") or "")

        # The US cell publishes a SECRET//REL TO USA report with a NOFORN portion.
        usa.select_option("#publish-kind", "report")
        usa.fill("#publish-title", f"Fujian airfield activity near {SECRET_WORD}")
        usa.select_option("#publish-title-marking", "SECRET//REL TO USA")
        usa.fill("#portion-text-1", f"Twelve J-16 dispersed at {SECRET_WORD}")
        usa.select_option("#portion-marking-1", "//USA SECRET//NOFORN")
        usa.click("[data-add-portion]")
        usa.fill("#portion-text-2", "A joint readiness patrol is likely within 72 hours")
        usa.select_option("#portion-marking-2", "SECRET//REL TO USA, TWN")
        usa.click("form[data-form='publish'] [type='submit']")
        usa.wait_for_selector("#jx-status.jx-status--ok, #jx-status.jx-status--error")
        assert "refused" not in _status(usa), _status(usa)
        usa.wait_for_selector("[data-intel] [data-product='INT-1']", timeout=WAIT_MS)
        usa.wait_for_function(
            "() => document.querySelector('.banner--top').textContent.includes('NOFORN')"
        )
        assert _banner(usa) == "//USA SECRET//NOFORN"
        assert usa.locator("[data-intel] .pm--secret").count() >= 3

        # ...and releases a tearline of the REL TO USA, TWN portion to Taiwan.
        usa.select_option("#release-product", "INT-1")
        assert usa.is_checked("[data-release-portions] input[value='P2']")
        assert not usa.is_checked("[data-release-portions] input[value='P1']")
        usa.check("[data-release-nations] input[value='TWN']")
        usa.fill("#release-title", TEARLINE_TITLE)
        usa.select_option("#release-title-marking", "SECRET//REL TO USA, TWN")
        usa.press("#release-title", "Enter")  # Enter submits the form
        usa.wait_for_selector("[data-intel] [data-product='INT-2']", timeout=WAIT_MS)

        twn.wait_for_selector(f"[data-intel] >> text={TEARLINE_TITLE}", timeout=WAIT_MS)
        twn.wait_for_function(
            "() => document.querySelector('.banner--top').textContent.startsWith('SECRET//')"
        )
        assert _banner(twn) == "SECRET//REL TO USA, TWN"
        assert twn.locator(".banner--top").evaluate("e => getComputedStyle(e).backgroundColor") == (
            SECRET_RED
        )
        # Never on the Taiwan page: not in its lists, counts, search, map or banners.
        assert SECRET_WORD not in twn.content()
        assert "//USA SECRET//NOFORN" not in twn.content()
        assert twn.locator("[data-intel] [data-product]").count() == 1
        assert (twn.text_content("[data-count='intel']") or "").strip() == "(1)"
        twn.fill("#intel-q", SECRET_WORD)
        twn.press("#intel-q", "Enter")
        twn.wait_for_selector("[data-intel] .jx-empty", timeout=WAIT_MS)
        assert (twn.text_content("[data-count='intel']") or "").strip() == "(0)"
        twn.fill("#intel-q", "")
        twn.press("#intel-q", "Enter")
        twn.wait_for_selector(f"[data-intel] >> text={TEARLINE_TITLE}", timeout=WAIT_MS)
        api = f"/api/exercises/{world.exercise}"
        for path in ("/map/tracks.geojson", "/intel", "/timeline", f"/intel?q={SECRET_WORD}"):
            body = twn.evaluate("u => fetch(u).then(r => r.text())", api + path)
            assert SECRET_WORD not in body, path
            assert "//USA SECRET//NOFORN" not in body, path
        missing = twn.evaluate("u => fetch(u).then(r => r.status)", api + "/intel/INT-1")
        assert missing == 404
        twn.wait_for_selector("#map[data-state='ready']", timeout=WAIT_MS)

        # Enter submits an RFI; the status line announces it.
        twn.fill("#rfi-question", "Is the Kinmen ferry route closed tomorrow?")
        twn.press("#rfi-question", "Enter")
        twn.wait_for_selector("[data-rfis] [data-rfi]", timeout=WAIT_MS)
        assert twn.get_attribute("#jx-status", "aria-live") == "polite"
        white.wait_for_selector("[data-rfis] [data-rfi]", timeout=WAIT_MS)

        # An adjudicated US action: the white cell sees it with its chart and accepts it.
        action = usa.locator("#action-type")
        if action.evaluate("e => e.tagName") == "SELECT":
            usa.select_option("#action-type", "request-isr")
        else:
            action.fill("request-isr")
        usa.fill("#action-text", "Task P-8A and RC-135 orbits east of Taiwan.")
        usa.click("form[data-form='action'] [type='submit']")
        usa.wait_for_selector("[data-actions] [data-action='ACT-1']", timeout=WAIT_MS)
        white.wait_for_selector("[data-adjudications] .jx-adj--open", timeout=WAIT_MS)
        white.wait_for_selector("[data-adjudications] svg .jx-chart__bar", timeout=WAIT_MS)
        assert white.locator("[data-adjudications] figure [role='img']").count() >= 1
        _shoot(white, "white-adjudication")
        white.click("[data-adjudications] [data-accept]")
        white.wait_for_selector("[data-adjudications] .jx-adj--decided", timeout=WAIT_MS)
        usa.wait_for_selector("[data-actions] [data-outcome='ACT-1']", timeout=WAIT_MS)
        assert "accepted" in (usa.text_content("[data-outcome='ACT-1']") or "")

        for page, name in ((white, "white"), (usa, "cell-usa"), (twn, "cell-twn")):
            _shoot(page, name)
            assert page.errors == [], name  # type: ignore[attr-defined]
    finally:
        for context in contexts:
            context.close()


def test_observer_records_a_rating(world: World, browser: Browser) -> None:
    """Objectives with criteria; a note with a rating submitted with Enter shows with its time."""
    context = _context(browser)
    try:
        page = _sign_in(context, f"{world.url}/exercises/{world.exercise}", "observer")
        assert page.url.endswith("/observer")
        page.wait_for_selector("[data-objective='OBJ-1']", timeout=WAIT_MS)
        page.select_option("#rating-OBJ-1_1", "4")
        page.fill("#note-OBJ-1_1", "Alert pairs airborne in 12 minutes.")
        page.press("#note-OBJ-1_1", "Enter")
        page.wait_for_selector("[data-observations] [data-observation]", timeout=WAIT_MS)
        assert "4/5" in (page.text_content("[data-observations]") or "")
        _shoot(page, "observer")
    finally:
        context.close()


def test_keyboard_skip_link_and_focus(world: World, browser: Browser) -> None:
    """The first Tab reaches the skip link; every control is reachable and shows its focus."""
    context = _context(browser)
    try:
        page = _sign_in(context, world.page_url("white"), "white")
        _live(page)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        reached: set[str] = set()
        for _ in range(60):
            page.keyboard.press("Tab")
            target = page.evaluate(
                "() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.tagName, e.getAttribute('data-command') || e.id || e.name || '',"
                " s.outlineStyle, s.outlineWidth]; }"
            )
            reached.add(target[1])
            if target[0] in ("BUTTON", "INPUT", "SELECT", "TEXTAREA"):
                assert target[2] != "none", target
                assert target[3] != "0px", target
        assert {"start", "advance", "pause", "resume", "clock-mode"} <= reached
    finally:
        context.close()


def test_wrong_password_is_refused(world: World, browser: Browser) -> None:
    """No session, the form again with a message."""
    context = _context(browser)
    try:
        page = _sign_in(context, world.page_url("cell"), "twn", "not the password at all")
        assert "/login" in page.url
        assert page.locator("[data-login-message]").count() == 1
        assert not [c for c in context.cookies() if c["name"] == "jointex_session"]
    finally:
        context.close()


def test_cell_member_cannot_open_the_white_cell(world: World, browser: Browser) -> None:
    """A TWN cell member at the white-cell URL gets 403 and no console."""
    context = _context(browser)
    try:
        page = _sign_in(context, world.page_url("cell"), "twn")
        response = page.goto(world.page_url("white"))
        assert response is not None
        assert response.status == 403
        assert page.locator("[data-command='advance']").count() == 0
        observer = page.goto(world.page_url("observer"))
        assert observer is not None
        assert observer.status == 403
        status = page.evaluate(
            "u => fetch(u).then(r => r.status)", f"/api/exercises/{world.exercise}/msel"
        )
        assert status == 403
    finally:
        context.close()


def test_forged_csrf_token_is_refused(world: World, browser: Browser) -> None:
    """A page whose CSRF token was tampered with cannot change the exercise; the status says so."""
    context = _context(browser)
    try:
        page = _sign_in(context, world.page_url("white"), "white")
        _live(page)
        page.wait_for_selector("[data-strip][data-status]")
        version = world.app.state.service.state(world.exercise).version
        page.evaluate(
            "() => document.querySelector('meta[name=\"csrf-token\"]').content = 'forged'"
        )
        page.click("[data-command='pause']")
        page.wait_for_selector(".jx-status--error", timeout=WAIT_MS)
        assert re.search(r"\(403\).*CSRF", _status(page))
        assert world.app.state.service.state(world.exercise).version == version
    finally:
        context.close()


def test_expired_session_is_refused(world: World, browser: Browser) -> None:
    """After the session's lifetime the page sends the user to sign in again (runs last)."""
    context = _context(browser)
    try:
        page = _sign_in(context, world.page_url("cell"), "usa")
        _live(page)
        world.clock.advance(13 * 3600)
        page.goto(world.page_url("cell"))
        assert "/login" in page.url
        status = page.evaluate(
            "u => fetch(u).then(r => r.status)", f"/api/exercises/{world.exercise}"
        )
        assert status == 401
    finally:
        context.close()
