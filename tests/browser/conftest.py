"""Browser test fixtures: the real service on a free 127.0.0.1 port (uvicorn in a thread, a temp
SQLite database, the job pool running), keys for each role made with the service's own key
functions, a seeded cohort, plan and lots, and headless Chromium driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, or ``SEN_TRANSPORT_CHROMIUM``); Playwright's own
browser download is never used. Screenshots go to ``SEN_TRANSPORT_SCREENSHOTS`` (default
``out/screenshots/``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from transport.domain.config import SAMPLE_DATA
from transport.domain.privacy import pseudonym

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SEN_TRANSPORT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("SEN_TRANSPORT_SCREENSHOTS", ROOT / "out" / "screenshots"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
OPERATORS = ("Acme Taxis", "Blue Coaches")
# A child whose home is given only as coordinates (no postcode), eligible on an EHC plan, so the seeded plan routes
# a pick-up that must still say where to go (nearest street and postcode unit) on every route sheet.
COORD_CHILD = "WEB-COORD-1"
COORD_ROW = f"{COORD_CHILD},2014-03-03,F,,52.67050,-0.72900,,,131018,yes,131018,no,yes,EHC plan: needs adult support,,no,,2025-09-03,Nia,,,,,\n"
UNSAFE_ID = "WEB-TEST-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configured_assessor(policy: str):
    """The policy's assessor loaded as the service loads it, configured with the sample unsafe segments
    (SEN_TRANSPORT_UNSAFE_SEGMENTS); the setting is put back afterwards, so no other test sees it."""
    from eligibility.service import Assessor
    from transport.domain.config import get_settings

    before = os.environ.get("SEN_TRANSPORT_UNSAFE_SEGMENTS")
    os.environ["SEN_TRANSPORT_UNSAFE_SEGMENTS"] = str(SAMPLE_DATA / "unsafe_segments" / "rutland_sample.geojson")
    get_settings.cache_clear()
    try:
        return Assessor.from_settings(policy)
    finally:
        if before is None:
            os.environ.pop("SEN_TRANSPORT_UNSAFE_SEGMENTS")
        else:
            os.environ["SEN_TRANSPORT_UNSAFE_SEGMENTS"] = before
        get_settings.cache_clear()


def _engine_with_unsafe_segment():
    """Kent's policy on the real Rutland networks with the sample unsafe segments (from the setting), plus one
    assessed unsafe segment on SYN-006's walk."""
    from pyproj import Transformer
    from shapely.geometry import LineString

    from api.engine import EligibilityEngine
    from eligibility.service import Assessor, read_applications
    from eligibility.unsafe import UnsafeSegment, map_to_network

    kent = _configured_assessor("kent")
    apps, places = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    app = next(a for a in apps if getattr(a, "id", None) == "SYN-006")
    base = kent.assess(app)
    walk = kent.measurer.walk
    mid = base.route_edges[len(base.route_edges) // 2]
    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    line = LineString([tr.transform(x, y) for x, y in walk.edge_geometry[mid].coords])
    seg = map_to_network([UnsafeSegment(UNSAFE_ID, dt.date(2025, 1, 1), "test", "no footway, 60 mph", line)], walk)[0]
    m = kent.measurer
    kent = Assessor(m.policy, walk, m.schools, drive=m.drive, unsafe=[*m.segments, seg], postcodes=m.postcodes)
    return EligibilityEngine.with_assessor(kent)


class Service:
    """The running service: its URL, plain keys by role, and the seeded records."""

    def __init__(self, url: str, keys: dict[str, str]):
        self.url = url
        self.keys = keys
        self.seed: dict = {}
        self.root = ROOT
        self.database_url = ""

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": self.keys[role]}, timeout=120)


def wait_job(c: httpx.Client, job_id: str, timeout_s: float = 120) -> dict:
    """Poll a job until it ends."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(scope="session")
def service(tmp_path_factory) -> Iterator[Service]:
    """The service with uvicorn on a free port, keys per role, a decided cohort, one plan, lots awarded."""
    pytest.importorskip("jinja2")
    import uvicorn

    from api.app import create_app
    from api.config import ApiSettings
    from api.db import upgrade
    from api.security import create_key
    from api.web.router import vendor_missing

    if vendor_missing():
        pytest.fail(f"web libraries not vendored ({vendor_missing()}): run scripts/vendor_web.sh")
    db = tmp_path_factory.mktemp("web") / "web.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    settings = ApiSettings(database_url=url, migrate_at_start=False, load_engine_at_start=False, job_workers=1,
                           max_time_limit_s=30)
    app = create_app(settings, engine=_engine_with_unsafe_segment(), start_jobs=True)
    keys = {}
    with app.state.sessions() as s:
        for role in ("officer", "planner", "admin"):
            keys[role] = create_key(s, role, f"browser {role}")[1]
        keys["contractor"] = create_key(s, "contractor", "acme", OPERATORS[0])[1]
        keys["contractor2"] = create_key(s, "contractor", "blue", OPERATORS[1])[1]
        s.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    svc = Service(f"http://127.0.0.1:{port}", keys)
    svc.database_url = url  # for a test that must move a stored date into the past (an overdue case)
    try:
        _seed(svc)
        yield svc
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _seed(svc: Service) -> None:
    """Import and decide the sample cohort (plus COORD_CHILD), plan the eligible children, package lots and award
    two (Acme's holds COORD_CHILD's route)."""
    cohort = (SAMPLE_DATA / "applications" / "rutland_sample.csv").read_bytes().rstrip(b"\n") + b"\n" + COORD_ROW.encode()
    with svc.client("officer") as off:
        rep = off.post("/v1/applications/import?assess=true", content=cohort, headers={"Content-Type": "text/csv"})
        assert rep.status_code == 200, rep.text
        assert next(r for r in rep.json()["report"] if r["application_id"] == COORD_CHILD)["eligible"] is True, rep.text
    with svc.client("planner") as pl:
        r = pl.post("/v1/jobs", json={"from_eligible": {"name": "browser seed", "session": "am"}, "time_limit_s": 2})
        assert r.status_code == 202, r.text
        job = wait_job(pl, r.json()["id"])
        assert job["status"] == "succeeded", job
        plan_id = job["plan_id"]
        proc = pl.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "procurement"}).json()["data"]
        coord_route = next(row["route"] for row in pl.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
                           if row["child"] == pseudonym(COORD_CHILD) and row["kind"] == "pickup")
        proc.sort(key=lambda lot: coord_route not in {r["ref"].split("-")[-1] for r in lot["routes"]})  # Acme's lot has it
        r = pl.post("/v1/jobs", json={"scenario_id": job["scenario_id"], "time_limit_s": 2})  # a route is in one live lot:
        assert r.status_code == 202, r.text                                                  # school lots on a second plan
        other = wait_job(pl, r.json()["id"])
        assert other["status"] == "succeeded", other
        school = pl.post(f"/v1/plans/{other['plan_id']}/lots", json={"grouping": "school"}).json()["data"]
        for lot in proc + school:
            assert pl.post(f"/v1/lots/{lot['id']}/publish").status_code == 200
        assert pl.post(f"/v1/lots/{proc[0]['id']}/award", json={"operator": OPERATORS[0]}).status_code == 201
        assert pl.post(f"/v1/lots/{school[0]['id']}/award", json={"operator": OPERATORS[1]}).status_code == 201
        r = pl.post("/v1/jobs", json={"scenario_id": job["scenario_id"], "time_limit_s": 2})  # a plan left without lots
        assert r.status_code == 202, r.text
        bare = wait_job(pl, r.json()["id"])
        assert bare["status"] == "succeeded", bare
    svc.seed = {"plan_id": plan_id, "scenario_id": job["scenario_id"], "acme_lot": proc[0]["id"], "blue_lot": school[0]["id"],
                "open_lots": [lot["id"] for lot in proc[1:] + school[1:]], "bare_plan_id": bare["plan_id"]}


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium under Playwright (no browser download)."""
    required = os.environ.get("SEN_TRANSPORT_REQUIRE_BROWSER") == "1"  # .ci/run: fail rather than skip
    try:
        from playwright import sync_api
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, service):
    """A fresh browser context (own sessionStorage) at 1366x800, a laptop screen; only 127.0.0.1 is reachable."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 800})
    blocked = []

    def only_local(route):
        if route.request.url.startswith(service.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_local)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.status not in pg.expected_status else None)
    pg.expected_status = set()  # type: ignore[attr-defined]
    pg.js_errors = errors  # type: ignore[attr-defined]
    pg.blocked = blocked  # type: ignore[attr-defined]
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"the page tried to reach the network: {blocked}"


def sign_in(page, service: Service, role: str) -> None:
    """Sign in on the page with the role's key."""
    page.goto(f"{service.url}/web/")
    page.fill("#api-key", service.keys[role])
    page.click("#signin-button")
    page.wait_for_url(lambda u: "/web/" in u and not u.rstrip("/").endswith("/web"))


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot of the page (``full_page``: the whole page, not only what the window shows), as a
    256-colour PNG so the committed ones stay small."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path
