"""Front-end files: where the npm packages are, and exactly which of their files the server serves.

JointEx never loads anything from the internet at run time: Leaflet, milsymbol, topojson-client
and the Natural Earth land shapes of ``world-atlas`` are npm packages pinned in the repository's
``package-lock.json`` and installed into ``node_modules/`` by ``make web`` (``make demo`` and
``make test`` run it too). The server serves only the files listed in `VENDOR_FILES`, under
``/static/vendor/``, never the rest of ``node_modules``.

From a source checkout (an editable install) the packages are found in the repository root. A
wheel install carries no ``node_modules``: run ``make web`` in a checkout and point
``JOINTEX_WEB_ASSETS`` at its ``node_modules`` directory. Without them the server still starts,
and every page says "front-end assets not installed: run make".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "ASSETS_ENV",
    "MISSING_ASSETS_MESSAGE",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "VENDOR_FILES",
    "WebAssets",
    "asset_root",
    "locate_assets",
]

ASSETS_ENV = "JOINTEX_WEB_ASSETS"
"""Environment variable naming the ``node_modules`` directory to serve front-end packages from."""

MISSING_ASSETS_MESSAGE = "front-end assets not installed: run make"
"""What pages and vendor URLs say when the npm packages are not there."""

_PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = _PACKAGE_DIR / "static"
"""JointEx's own CSS and scripts, served under ``/static/``."""
TEMPLATES_DIR = _PACKAGE_DIR / "templates"
"""The Jinja2 page templates."""

VENDOR_FILES: Mapping[str, str] = MappingProxyType(
    {
        # URL path under /static/vendor/ -> path under node_modules/. leaflet.css refers to its
        # images as images/*.png, so they keep that position relative to the stylesheet.
        "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
        "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
        "leaflet/images/layers.png": "leaflet/dist/images/layers.png",
        "leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
        "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
        "leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
        "leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
        "milsymbol/milsymbol.js": "milsymbol/dist/milsymbol.js",
        "topojson-client/topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
        # 1:50m land is detailed enough for a theatre (Taiwan, Penghu, the Ryukyus) at ~0.5 MB.
        "world-atlas/land-50m.json": "world-atlas/land-50m.json",
    }
)
"""Every vendor file served: URL path under ``/static/vendor/`` -> file under node_modules."""


@dataclass(frozen=True, slots=True)
class WebAssets:
    """The front-end packages as found on disk.

    Attributes:
        root: the ``node_modules`` directory, or None when none was found.
        missing: vendor URL paths whose file is not there (all of them when ``root`` is None).
    """

    root: Path | None
    missing: tuple[str, ...]

    @property
    def installed(self) -> bool:
        """Whether every vendor file is present."""
        return self.root is not None and not self.missing

    def file(self, vendor_path: str) -> Path | None:
        """The file on disk for a vendor URL path.

        Args:
            vendor_path: a path under ``/static/vendor/``, e.g. ``leaflet/leaflet.js``.

        Returns:
            The file, or None when the path is not a served vendor file or is not installed.
        """
        relative = VENDOR_FILES.get(vendor_path)
        if self.root is None or relative is None or vendor_path in self.missing:
            return None
        return self.root / relative


def _has_packages(directory: Path) -> bool:
    return all((directory / relative).is_file() for relative in VENDOR_FILES.values())


def asset_root(start: Path | None = None) -> Path | None:
    """Find the ``node_modules`` directory holding the front-end packages.

    Looks, in order, at ``$JOINTEX_WEB_ASSETS``, then at ``node_modules`` in the directory of
    this package and each of its parents (the repository root of a source checkout), then in
    the current directory and its parents.

    Args:
        start: where to look instead of this package's directory (for tests).

    Returns:
        The first candidate holding every file of `VENDOR_FILES`; failing that, the first that
        exists (so the missing files can be named); None when there is none.
    """
    candidates: list[Path] = []
    configured = os.environ.get(ASSETS_ENV)
    if configured:
        candidates.append(Path(configured))
    for origin in (start or _PACKAGE_DIR, Path.cwd()):
        here = origin.resolve()
        candidates.extend(parent / "node_modules" for parent in (here, *here.parents))
    existing = [candidate for candidate in candidates if candidate.is_dir()]
    for candidate in existing:
        if _has_packages(candidate):
            return candidate
    return existing[0] if existing else None


def locate_assets(root: Path | None = None) -> WebAssets:
    """The front-end packages at ``root``, or wherever `asset_root` finds them.

    Args:
        root: a ``node_modules`` directory to use instead of searching.

    Returns:
        What is installed and what is missing.
    """
    found = root if root is not None else asset_root()
    if found is None or not found.is_dir():
        return WebAssets(None, tuple(VENDOR_FILES))
    missing = tuple(
        path for path, relative in VENDOR_FILES.items() if not (found / relative).is_file()
    )
    return WebAssets(found, missing)
