"""The web pages: HTML shells (Jinja2) and small JavaScript modules that call the public API.

The pages hold no data of their own and no business logic: every figure, decision and route
comes from the ``/v1`` API with the signed-in key's bearer token, so each role sees in the
browser exactly what the API lets it see. This router adds only what a map needs and the API
does not serve: who the caller is (``/web/session``), the background layer (the drive
network's roads as light GeoJSON, or a tile server named by ``SEN_TRANSPORT_TILE_URL``) and
the assessed unsafe walking segments the engine avoids.

The browser libraries (Leaflet, GOV.UK Frontend) are vendored by ``scripts/vendor_web.sh`` into
``api/web/static/vendor/``; without them the pages answer 503 saying so.
"""

from __future__ import annotations

import json
import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import current_principal
from api.security import Principal
from api.services.import_template import IMPORT_COLUMNS
from routing.network import cache_state, load_network
from transport.domain.config import get_settings
from transport.domain.council import Council, load_council
from transport.domain.errors import InputError
from transport.domain.geo import _from_bng

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
VENDOR = STATIC / "vendor"
VENDOR_FILES = ("leaflet/leaflet.js", "leaflet/leaflet.css", "govuk/govuk-frontend.min.css",
                "govuk/govuk-frontend.min.js")
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
MEDIA = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml",
         ".ico": "image/x-icon", ".json": "application/json", ".woff2": "font/woff2", ".woff": "font/woff"}

# page path -> (template, title, roles that may use it)
PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "": ("signin.html", "Sign in", ()),
    "planner": ("plan.html", "Plan map", ("planner", "admin")),
    "planner/sheets": ("sheets.html", "Route sheets", ("planner", "admin")),
    "planner/lots": ("planner-lots.html", "Lots of a plan", ("planner", "admin")),
    "officer": ("decision.html", "Eligibility decision", ("officer", "admin")),
    "officer/letter": ("letter.html", "Decision letter", ("officer", "admin")),
    "officer/import": ("import.html", "Import a cohort", ("officer", "admin")),
    "contractor": ("lots.html", "Lots and awarded routes", ("contractor", "planner", "admin")),
    "readiness": ("readiness.html", "September readiness", ("planner", "officer", "admin")),
}

router = APIRouter(prefix="/web", include_in_schema=False)
root = APIRouter(include_in_schema=False)


@root.get("/")
def site_root() -> RedirectResponse:
    """``http://host/`` opens the pages."""
    return RedirectResponse("/web/", status_code=307)


def warn_if_not_vendored() -> list[str]:
    """Log (at start-up) that the pages cannot load until ``scripts/vendor_web.sh`` has run; the missing files."""
    missing = vendor_missing()
    if missing:
        log.warning("the web pages' libraries are not installed (missing %s): run scripts/vendor_web.sh from the "
                    "repository root, then reload /web/; the API works without them", ", ".join(missing))
    return missing

_templates = None
_roads_lock = threading.Lock()


def templates():
    """The Jinja2 environment (imported lazily: jinja2 comes with the ``api`` extra)."""
    global _templates
    if _templates is None:
        from fastapi.templating import Jinja2Templates

        _templates = Jinja2Templates(directory=str(HERE / "templates"))
    return _templates


def vendor_missing() -> list[str]:
    """Vendored library files that are not there (empty when ``scripts/vendor_web.sh`` has run)."""
    return [f for f in VENDOR_FILES if not (VENDOR / f).is_file()]


def tile_url() -> str | None:
    """The tile server URL template (``{z}/{x}/{y}``) when one is configured, else None (offline roads)."""
    url = get_settings().tile_url.strip()
    return url or None


def _csp() -> str:
    img = "'self' data:"
    url = tile_url()
    if url:
        from urllib.parse import urlsplit

        parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
        img += f" {parts.scheme}://{host}"
    return (f"default-src 'self'; img-src {img}; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def council() -> Council | None:
    """The configured council (name, address, contact) for the header and the letter's letterhead; None
    (logged, naming the file's fault) when its settings file cannot be read, so the pages still work."""
    try:
        return load_council()
    except InputError as exc:
        log.warning("council settings: %s", exc)
        return None


def _page(request: Request, name: str) -> Response:
    template, title, roles = PAGES[name]
    missing = vendor_missing()
    if missing:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Web pages not installed</title>"
            "<h1>The web pages' libraries are not installed</h1>"
            "<p>Run <code>scripts/vendor_web.sh</code> from the repository root (it needs npm once), "
            "then reload. Missing: " + ", ".join(missing) + "</p>", status_code=503)
    resp = templates().TemplateResponse(request, template, {"title": title, "page": name, "roles": roles,
                                                            "nav": NAV, "council": council(),
                                                            "import_columns": IMPORT_COLUMNS})
    resp.headers["Content-Security-Policy"] = _csp()
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Cache-Control"] = "no-store"
    return resp


# a planner's "Lots" opens the lots of the plan last opened (planner-lots.js); a contractor's, the tenders and awards
NAV = [("planner", "Plan map", "planner admin"), ("planner/lots", "Lots", "planner admin"), ("contractor", "Lots", "contractor"),
       ("officer", "Decisions", "officer admin"), ("officer/import", "Import a cohort", "officer admin"),
       ("readiness", "Readiness", "planner officer admin")]


@router.get("")
def web_root() -> RedirectResponse:
    """/web -> /web/."""
    return RedirectResponse("/web/", status_code=307)


@router.get("/", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    """Sign in with an API key."""
    return _page(request, "")


def _register(name: str) -> None:
    def page(request: Request) -> Response:
        return _page(request, name)

    page.__name__ = f"web_{name.replace('/', '_')}"
    router.add_api_route(f"/{name}", page, methods=["GET"], response_class=HTMLResponse, name=page.__name__)


for _name in PAGES:
    if _name:
        _register(_name)


@router.get("/session")
def web_session(who: Annotated[Principal, Depends(current_principal)]) -> dict[str, Any]:
    """Who the presented key or token stands for (role and, for contractors, operator): pages show only that role's parts."""
    return {"key_id": who.key_id, "role": who.role.value, "operator": who.operator}


@router.get("/config.json")
def web_config() -> dict[str, Any]:
    """The map background: a tile server when ``SEN_TRANSPORT_TILE_URL`` is set, else the extract's roads."""
    url = tile_url()
    return {"tile_url": url, "attribution": OSM_ATTRIBUTION,
            "background": "tiles" if url else "roads", "roads_url": "/web/data/roads.geojson"}


@lru_cache(maxsize=1)
def roads_geojson_path() -> Path:
    """Where the simplified roads of the drive network are kept (next to the network cache)."""

    cached, _ = cache_state("drive")
    stem = cached.stem if cached is not None else "drive"
    return get_settings().cache_dir / f"web-roads-{stem}.geojson"


def build_roads_geojson(net, *, tolerance_m: float = 8.0) -> dict[str, Any]:
    """The drive network's edges as light GeoJSON (one direction per street, simplified, WGS84, 5 dp)."""
    import numpy as np
    import shapely


    seen: set[int] = set()
    lines, classes = [], []
    rev = getattr(net, "edge_reverse", None)
    for e in range(net.n_edges):
        if e in seen:
            continue
        if rev is not None and rev[e] >= 0:
            seen.add(int(rev[e]))
        lines.append(shapely.simplify(net.edge_geometry[e], tolerance_m))
        classes.append(str(net.edge_highway[e]))
    fwd = _from_bng()
    features = []
    for line, hwy in zip(lines, classes):
        xy = shapely.get_coordinates(line)
        lon, lat = fwd.transform(xy[:, 0], xy[:, 1])
        coords = np.round(np.column_stack([lon, lat]), 5).tolist()
        major = hwy in ("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link")
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                         "properties": {"major": major}})
    return {"type": "FeatureCollection", "features": features,
            "attribution": "© OpenStreetMap contributors, ODbL 1.0"}


@router.get("/data/roads.geojson")
def roads() -> Response:
    """The offline map background: the drive network's roads (public OSM data), built once and cached."""
    path = roads_geojson_path()
    with _roads_lock:
        if not path.is_file():
            data = build_roads_geojson(load_network("drive"))
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            tmp.replace(path)
    return FileResponse(path, media_type="application/geo+json", headers={"Cache-Control": "max-age=3600"})


@router.get("/data/unsafe-segments.geojson")
def unsafe_segments(request: Request, who: Annotated[Principal, Depends(current_principal)]) -> JSONResponse:
    """The assessed unsafe walking segments the engine in force avoids (drawn where a decision avoided them)."""
    engine = request.app.state.engine
    features = []
    if engine.state == "loaded":
        import shapely

        for s in engine.assessor().segments:
            features.append({"type": "Feature", "geometry": shapely.geometry.mapping(s.geometry),
                             "properties": {"id": s.id, "reason": s.reason, "assessed_on": s.assessed_on.isoformat(),
                                            "method": s.method}})
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    """The pages' own JS/CSS and the vendored libraries (no directory listing, nothing outside ``static/``)."""
    if "\x00" in path:
        return Response("not found", status_code=404, media_type="text/plain")
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        if path.startswith("vendor/"):
            return Response(f"{path} is not vendored: run scripts/vendor_web.sh", status_code=404, media_type="text/plain")
        return Response("not found", status_code=404, media_type="text/plain")
    media = MEDIA.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
