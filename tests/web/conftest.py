"""Fixtures for the web tests: a real uvicorn server in a thread, and Chromium through Playwright.

Browser tests are marked ``browser``. They need Debian's Chromium at ``/usr/bin/chromium`` (the
playwright package's own browser download cannot run here: nothing is fetched at test time);
without it they skip and say why, unless ``JOINTEX_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from jointex.web import builtin_scenarios, create_web_app, locate_assets
from tests.servers import serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def get(app: FastAPI, path: str) -> httpx.Response:
    """One GET through the ASGI app in-process (no server, no network)."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path)

    return asyncio.run(call())


def require_assets() -> None:
    """Skip (or fail under JOINTEX_REQUIRE_BROWSER=1) when the npm packages are not installed."""
    if not locate_assets().installed:
        message = "front-end assets not installed: run `make web` (npm ci)"
        if os.environ.get("JOINTEX_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL of a real server of the web app with the built-in scenarios."""
    with serve(create_web_app(builtin_scenarios)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright, for the whole session."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("JOINTEX_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """A browser page with every request and console message it made."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests to any host other than 127.0.0.1 (data: URLs stay in the page)."""
        return [
            url
            for url in self.requests
            if not url.startswith("data:") and urlsplit(url).hostname != "127.0.0.1"
        ]

    def errors(self) -> list[str]:
        """Console errors (CSP violations among them) and uncaught exceptions."""
        return [text for kind, text in self.console if kind == "error"] + self.page_errors


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[[str], Visit]]:
    """Open URLs in a fresh browser context, recording requests and console output."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    visits: list[Visit] = []

    def open_url(url: str) -> Visit:
        page = context.new_page()
        record = Visit(page)

        def on_request(request: Request) -> None:
            record.requests.append(request.url)

        def on_console(message: ConsoleMessage) -> None:
            record.console.append((message.type, message.text))

        def on_error(error: Any) -> None:
            record.page_errors.append(str(error))

        page.on("request", on_request)
        page.on("console", on_console)
        page.on("pageerror", on_error)
        page.goto(url)
        visits.append(record)
        return record

    try:
        yield open_url
    finally:
        context.close()
