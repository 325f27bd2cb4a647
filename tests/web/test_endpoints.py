"""The web app without a browser: GeoJSON endpoints, the map page's HTML, assets and access."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import jointex.web
from jointex._errors import ScenarioUnreadable
from jointex.markings import Reader, parse_marking
from jointex.scenario import Scenario, builtin_text, loads, resolve
from jointex.web import (
    CONTENT_SECURITY_POLICY,
    GEOJSON_MEDIA_TYPE,
    MISSING_ASSETS_MESSAGE,
    VENDOR_FILES,
    asset_root,
    banner_class,
    builtin_scenarios,
    create_web_app,
    locate_assets,
    scenario_files,
)
from tests.web.conftest import get, require_assets

FLAGSHIP = "grey-zone-surge"
SECRET_TEXT = builtin_text(FLAGSHIP).replace(
    "marking: UNCLASSIFIED\n", 'marking: "SECRET//REL TO USA, TWN"\n', 1
)


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    """The flagship scenario."""
    return resolve(FLAGSHIP)


def secret_provider(name: str) -> Scenario:
    """A provider whose only scenario is the flagship marked SECRET//REL TO USA, TWN."""
    if name != "secret-surge":
        raise ScenarioUnreadable(name)
    return loads(SECRET_TEXT, "<secret-surge>")


def test_geography_geojson_has_every_area_line_and_point(flagship: Scenario) -> None:
    """The geography endpoint returns RFC 7946 Polygons, LineStrings and Points for all of it."""
    app = create_web_app(builtin_scenarios)
    response = get(app, f"/api/scenarios/{FLAGSHIP}/geography.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GEOJSON_MEDIA_TYPE)
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["marking"] == "UNCLASSIFIED"
    by_id = {feature["id"]: feature for feature in collection["features"]}
    geography = flagship.geography
    assert len(by_id) == len(geography.areas) + len(geography.lines) + len(geography.points)
    for area in geography.areas:
        geometry = by_id[area.id]["geometry"]
        assert geometry["type"] == "Polygon"
        ring = geometry["coordinates"][0]
        assert ring[0] == ring[-1]
        assert by_id[area.id]["properties"]["kind"] == area.kind
    assert by_id["median-line"]["geometry"] == {
        "type": "LineString",
        "coordinates": [[122.0, 27.0], [118.0, 23.0]],
    }
    assert by_id["hsinchu"]["geometry"] == {"type": "Point", "coordinates": [120.94, 24.82]}


def test_forces_geojson_puts_each_force_at_its_base(flagship: Scenario) -> None:
    """Every force is a Point at its base with id, name, side, nation and its 2525D code."""
    response = get(create_web_app(builtin_scenarios), f"/api/scenarios/{FLAGSHIP}/forces.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GEOJSON_MEDIA_TYPE)
    collection = response.json()
    places = {place.id: place.position for place in flagship.geography.points}
    assert [feature["id"] for feature in collection["features"]] == [
        force.id for force in flagship.forces if force.base in places
    ]
    for force, feature in zip(flagship.forces, collection["features"], strict=True):
        properties = feature["properties"]
        assert {k: properties[k] for k in ("id", "name", "side", "nation", "sidc")} == {
            "id": force.id,
            "name": force.name,
            "side": force.side,
            "nation": force.nation,
            "sidc": force.sidc,
        }
        assert feature["geometry"] == {"type": "Point", "coordinates": list(places[force.base])}
        assert properties["marking"] == "UNCLASSIFIED"


def test_unknown_scenario_is_not_found() -> None:
    """An unknown scenario gives 404 from the API and a 404 page with banners from /map."""
    app = create_web_app(builtin_scenarios)
    assert get(app, "/api/scenarios/nope/forces.geojson").status_code == 404
    assert get(app, "/api/scenarios/nope/geography.geojson").status_code == 404
    page = get(app, "/map/nope")
    assert page.status_code == 404
    assert page.text.count('class="banner banner--unclassified') == 2
    assert "no built-in scenario" in page.text


def test_map_page_links_only_local_files() -> None:
    """The map page names its data and scripts by local paths and forbids other origins."""
    page = get(create_web_app(builtin_scenarios), f"/map/{FLAGSHIP}")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    html = page.text
    assert f'data-geography-url="/api/scenarios/{FLAGSHIP}/geography.geojson"' in html
    assert f'data-forces-url="/api/scenarios/{FLAGSHIP}/forces.geojson"' in html
    assert 'data-land-url="/static/vendor/world-atlas/land-50m.json"' in html
    for script in ("leaflet/leaflet.js", "milsymbol/milsymbol.js"):
        assert f'src="/static/vendor/{script}"' in html
    assert 'src="http' not in html
    assert 'href="http' not in html
    assert html.count(">UNCLASSIFIED</div>") == 2
    assert 'href="#main"' in html


def test_vendor_files_are_served_and_nothing_else(tmp_path: Path) -> None:
    """Only the listed npm files are served; other node_modules files and traversal are 404."""
    require_assets()
    app = create_web_app(builtin_scenarios)
    for path in VENDOR_FILES:
        response = get(app, f"/static/vendor/{path}")
        assert response.status_code == 200, path
    assert "javascript" in get(app, "/static/vendor/leaflet/leaflet.js").headers["content-type"]
    for path in (
        "/static/vendor/leaflet/package.json",
        "/static/vendor/world-atlas/countries-10m.json",
        "/static/vendor/../../pyproject.toml",
        "/static/vendor/leaflet/../../../pyproject.toml",
        "/static/..%2F_router.py",
        "/static/js/../../_router.py",
    ):
        assert get(app, path).status_code == 404, path
    assert get(app, "/static/js/map.js").status_code == 200
    assert get(app, "/static/css/jointex.css").status_code == 200


def test_missing_assets_give_a_clear_message(tmp_path: Path) -> None:
    """Without node_modules the server still answers, and the page says how to fix it."""
    app = create_web_app(builtin_scenarios, assets=locate_assets(tmp_path / "node_modules"))
    page = get(app, f"/map/{FLAGSHIP}")
    assert page.status_code == 200
    assert MISSING_ASSETS_MESSAGE in page.text
    assert "/static/vendor/leaflet/leaflet.js" not in page.text
    vendor = get(app, "/static/vendor/leaflet/leaflet.js")
    assert vendor.status_code == 404
    assert vendor.text == MISSING_ASSETS_MESSAGE
    assert get(app, f"/api/scenarios/{FLAGSHIP}/forces.geojson").status_code == 200


def test_asset_root_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JOINTEX_WEB_ASSETS names the node_modules to serve when it holds every vendor file."""
    modules = tmp_path / "node_modules"
    for relative in VENDOR_FILES.values():
        (modules / relative).parent.mkdir(parents=True, exist_ok=True)
        (modules / relative).write_text("x")
    monkeypatch.setenv("JOINTEX_WEB_ASSETS", str(modules))
    assert asset_root() == modules
    assert locate_assets().installed


def test_asset_root_finds_the_checkout_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a source checkout the packages are found in the repository's node_modules."""
    require_assets()
    monkeypatch.delenv("JOINTEX_WEB_ASSETS", raising=False)
    repo = Path(__file__).resolve().parents[2]
    assert asset_root() == repo / "node_modules"


def test_anonymous_reader_may_not_open_a_classified_scenario() -> None:
    """Nobody signed in gets 403 for a SECRET scenario: no page data, no GeoJSON."""
    app = create_web_app(secret_provider)
    assert get(app, "/api/scenarios/secret-surge/geography.geojson").status_code == 403
    assert get(app, "/api/scenarios/secret-surge/forces.geojson").status_code == 403
    page = get(app, "/map/secret-surge")
    assert page.status_code == 403
    assert "Grey Zone Surge" not in page.text
    assert "Hsinchu" not in page.text


def test_cleared_reader_sees_the_secret_banner() -> None:
    """A reader cleared and released to gets the map with red SECRET banners top and bottom."""
    app = create_web_app(secret_provider, reader=Reader("TWN", "SECRET"))
    page = get(app, "/map/secret-surge")
    assert page.status_code == 200
    assert page.text.count('class="banner banner--secret') == 2
    assert page.text.count(">SECRET//REL TO USA, TWN</div>") == 2
    forces = get(app, "/api/scenarios/secret-surge/forces.geojson").json()
    assert forces["marking"] == "SECRET//REL TO USA, TWN"


def test_reader_outside_the_release_list_is_refused() -> None:
    """Clearance is not enough: a nation outside REL TO is refused."""
    app = create_web_app(secret_provider, reader=Reader("JPN", "TOP SECRET"))
    assert get(app, "/api/scenarios/secret-surge/forces.geojson").status_code == 403
    assert get(app, "/map/secret-surge").status_code == 403


def test_scenario_files_reads_only_its_directory(tmp_path: Path) -> None:
    """The file provider serves built-ins and YAML files of its directory, nothing outside."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "mine.yaml").write_text(builtin_text("tutorial"), encoding="utf-8")
    (tmp_path / "outside.yaml").write_text(builtin_text("tutorial"), encoding="utf-8")
    provide = scenario_files(tmp_path / "exercises")
    assert provide("mine.yaml").id == resolve("tutorial").id
    assert provide(FLAGSHIP).id == FLAGSHIP
    for name in ("../outside.yaml", "outside.yaml", "/etc/passwd", "mine"):
        with pytest.raises(ScenarioUnreadable):
            provide(name)
    app = create_web_app(provide)
    assert get(app, "/api/scenarios/mine.yaml/forces.geojson").status_code == 200
    assert get(app, "/api/scenarios/..%2Foutside.yaml/forces.geojson").status_code == 404


@pytest.mark.parametrize(
    ("marking", "expected"),
    [
        ("UNCLASSIFIED", "unclassified"),
        ("CONFIDENTIAL//REL TO USA, TWN", "confidential"),
        ("SECRET//NOFORN", "secret"),
        ("//USA SECRET//NOFORN", "secret"),
        ("TOP SECRET//REL TO USA, GBR", "top-secret"),
    ],
)
def test_banner_colour_follows_the_level(marking: str, expected: str) -> None:
    """Banner classes follow the conventional colours of the marking's level."""
    assert banner_class(parse_marking(marking)) == expected


def test_docstring_examples() -> None:
    """The examples in jointex.web's docstrings run."""
    failures, tried = doctest.testmod(jointex.web, verbose=False)
    assert tried > 0
    assert failures == 0
