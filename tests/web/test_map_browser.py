"""The map page in a real browser (Debian's Chromium through Playwright), served by uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from jointex.scenario import resolve
from jointex.web import MISSING_ASSETS_MESSAGE, builtin_scenarios, create_web_app, locate_assets
from tests.web.conftest import ARTIFACTS, Visit, require_assets, serve

if TYPE_CHECKING:
    from playwright.sync_api import Route

pytestmark = pytest.mark.browser

FLAGSHIP = "grey-zone-surge"
GREEN = "rgb(0, 122, 51)"
WHITE = "rgb(255, 255, 255)"
READY_MS = 30_000

Opener = Callable[[str], Visit]


def open_map(visit: Opener, base_url: str, scenario: str = FLAGSHIP) -> Visit:
    """Open a scenario's map and wait until every layer has loaded."""
    require_assets()
    record = visit(f"{base_url}/map/{scenario}")
    record.page.wait_for_selector("#map[data-state]:not([data-state='loading'])", timeout=READY_MS)
    state = record.page.get_attribute("#map", "data-state")
    assert state == "ready", record.page.text_content("#map-status")
    return record


def test_map_draws_land_areas_median_line_and_forces(live_server: str, visit: Opener) -> None:
    """Land, ADIZ and its sectors, the dashed median line and one symbol per based force."""
    record = open_map(visit, live_server)
    page = record.page
    scenario = resolve(FLAGSHIP)
    assert page.locator(".leaflet-overlay-pane svg path").count() > 0
    assert page.locator(".leaflet-overlay-pane svg path.jx-land").count() > 0
    assert page.locator("path[data-feature-id='twn-adiz']").count() == 1
    sectors = [area for area in scenario.geography.areas if area.kind == "adiz-sector"]
    assert page.locator("path.jx-kind--adiz-sector").count() == len(sectors)
    median = page.locator("path[data-feature-id='median-line']")
    assert median.count() == 1
    assert median.get_attribute("stroke-dasharray")
    bases = {place.id for place in scenario.geography.points}
    based = [force for force in scenario.forces if force.base in bases]
    assert page.locator(".leaflet-marker-icon svg").count() == len(based)
    assert page.get_attribute("#map", "data-forces") == str(len(based))
    assert record.errors() == []


def test_map_fits_the_scenario(live_server: str, visit: Opener) -> None:
    """The initial view holds the whole ADIZ."""
    page = open_map(visit, live_server).page
    fits = page.evaluate(
        "() => JointEx.map.map.getBounds().contains(L.latLngBounds([[21, 117.5], [29, 123]]))"
    )
    assert fits is True


def test_banners_show_unclassified_in_green(live_server: str, visit: Opener) -> None:
    """Both banners, top and bottom, read UNCLASSIFIED in white on green."""
    page = open_map(visit, live_server).page
    banners = page.locator("[data-banner]")
    assert banners.count() == 2
    for index, where in enumerate(("banner--top", "banner--bottom")):
        banner = banners.nth(index)
        assert where in (banner.get_attribute("class") or "")
        assert banner.inner_text().strip() == "UNCLASSIFIED"
        colours = banner.evaluate(
            "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
        )
        assert colours == [GREEN, WHITE]
    top = banners.nth(0).bounding_box()
    bottom = banners.nth(1).bounding_box()
    viewport = page.viewport_size
    assert top is not None
    assert bottom is not None
    assert viewport is not None
    assert top["y"] == 0
    assert bottom["y"] + bottom["height"] == pytest.approx(viewport["height"], abs=1)


def test_no_request_leaves_the_machine(live_server: str, visit: Opener) -> None:
    """Every request the page makes goes to 127.0.0.1: no CDN, tiles or fonts."""
    record = open_map(visit, live_server)
    record.page.mouse.wheel(0, -400)  # zooming must not fetch anything either
    record.page.wait_for_timeout(300)
    assert record.requests, "the recorder saw no requests"
    assert record.foreign_requests() == []
    assert any(url.endswith("/static/vendor/world-atlas/land-50m.json") for url in record.requests)


def test_keyboard_reaches_skip_link_map_and_forces(live_server: str, visit: Opener) -> None:
    """Tab reaches the skip link first; markers are focusable; a force button opens its popup."""
    page = open_map(visit, live_server).page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator(".leaflet-marker-icon[tabindex='0']").count() > 0
    marker = page.locator(".leaflet-marker-icon[data-force-id='pla-destroyers']")
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "Red (hostile)" in popup.inner_text()
    page.locator("button[data-force-id='twn-499tfw']").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')"
        " && document.querySelector('.leaflet-popup-content').textContent.includes('499th')"
    )
    assert "10130100001101040000" in popup.inner_text()


def test_screenshot(live_server: str, visit: Opener) -> None:
    """A screenshot of the flagship's map is saved under test-artifacts/ for people to look at."""
    page = open_map(visit, live_server).page
    ARTIFACTS.mkdir(exist_ok=True)
    target: Path = ARTIFACTS / f"map-{FLAGSHIP}.png"
    page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000


def test_missing_assets_page_explains_itself(tmp_path: Path, visit: Opener) -> None:
    """Without node_modules the page loads, says to run make, and raises no script error."""
    app = create_web_app(builtin_scenarios, assets=locate_assets(tmp_path / "node_modules"))
    with serve(app) as url:
        record = visit(f"{url}/map/{FLAGSHIP}")
        page = record.page
        page.wait_for_selector("#map[data-state='error']", timeout=READY_MS)
        assert MISSING_ASSETS_MESSAGE in page.inner_text("#map")
        assert page.locator("[data-assets-missing]").inner_text() == MISSING_ASSETS_MESSAGE
        assert record.page_errors == []
        assert record.foreign_requests() == []


def test_tracks_url_adds_a_tracks_layer(live_server: str, visit: Opener) -> None:
    """A page that names a tracks GeoJSON in data-tracks-url gets a layer of track symbols."""
    require_assets()
    forces_url = f"/api/scenarios/{FLAGSHIP}/forces.geojson"

    def with_tracks(route: Route) -> None:
        response = route.fetch()
        html = response.text().replace('data-tracks-url=""', f'data-tracks-url="{forces_url}"')
        route.fulfill(response=response, body=html)

    scenario = resolve(FLAGSHIP)
    bases = {place.id for place in scenario.geography.points}
    based = sum(1 for force in scenario.forces if force.base in bases)
    record = visit("about:blank")
    record.page.route(f"{live_server}/map/{FLAGSHIP}", with_tracks)
    record.page.goto(f"{live_server}/map/{FLAGSHIP}")
    record.page.wait_for_selector("#map[data-state='ready']", timeout=READY_MS)
    assert record.page.get_attribute("#map", "data-tracks") == str(based)
    assert record.page.locator(".leaflet-marker-icon[data-track-id]").count() == based
    assert record.page.locator(".leaflet-control-layers-overlays", has_text="Tracks").count() == 1
    assert record.errors() == []
