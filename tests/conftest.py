"""Session-wide fixtures: the real Rutland networks, schools and postcodes (read once)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from transport.domain.config import get_settings
from transport.domain.scenario import ScenarioChild

TESTS = Path(__file__).parent
DATA = TESTS / "data"


def pytest_report_header(config):
    """Say which data directory the run uses."""
    return f"sen-transport data directory: {get_settings().data}"


@pytest.fixture(scope="session", autouse=True)
def _compiled_search():
    """Compile the LNS's inner loops (numba) once, before any test or job starts a clock;
    later processes (CLI runs, the served app) load them from numba's cache."""
    from routing import lns

    lns.warm_up()


@pytest.fixture(scope="session")
def settings():
    """The process settings (data directory from SEN_TRANSPORT_DATA or ../shared/data)."""
    s = get_settings()
    if not s.data.is_dir():
        pytest.fail(f"data directory {s.data} missing: set SEN_TRANSPORT_DATA")
    return s


@pytest.fixture(scope="session")
def drive_net(settings):
    """The real Rutland drive network."""
    from routing.network import load_network

    return load_network("drive")


@pytest.fixture(scope="session")
def walk_net(settings):
    """The real Rutland walk network."""
    from routing.network import load_network

    return load_network("walk")


@pytest.fixture(scope="session")
def schools(settings):
    """The sample schools keyed by id."""
    from transport.domain.schools import load_schools

    return load_schools()


@pytest.fixture(scope="session")
def postcodes(settings):
    """The Rutland Code-Point Open postcodes."""
    from transport.domain.geocode import PostcodeIndex

    return PostcodeIndex.load()


# ---- small real-geography county scenarios (synthetic children at real Rutland postcodes and schools)
@pytest.fixture(scope="session")
def scenario30(schools, postcodes, drive_net):
    """Thirty synthetic children at real postcodes going to real schools."""
    from transport.planning.cohort import generate_scenario

    return generate_scenario(30, seed=7, schools=schools, postcodes=postcodes)


@pytest.fixture(scope="session")
def county30(scenario30, drive_net):
    """The county problem and matrices of ``scenario30``."""
    from transport.planning.county import build_county

    return build_county(scenario30, network=drive_net)


@pytest.fixture(scope="session")
def county_doc30(scenario30, county30, drive_net):
    """``scenario30`` planned by decomposition into several sub-problems on the local process pool."""
    from transport.planning.county import plan_county

    return plan_county(scenario30, time_limit_s=4, max_requests=8, max_workers=2, county=county30,
                       network=drive_net)


def late_child(scenario, postcodes, cid="LATE1", postcode="LE15 6RB", **kw) -> ScenarioChild:
    """A late applicant at a real postcode, going to the scenario's first school."""
    from transport.domain.scenario import Point

    return ScenarioChild(id=cid, first_name="Late", home=Point.of(postcodes.lookup(postcode)),
                         school_id=kw.pop("school_id", scenario.schools[0].id), phase="secondary", **kw)


def synthetic_county_module():
    """benchmarks/synthetic_county.py as a module (it is a script beside the benchmarks)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic_county.py"
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("synthetic_county", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault("synthetic_county", module)
        spec.loader.exec_module(sys.modules["synthetic_county"])
    finally:
        sys.path[:] = saved
    return sys.modules["synthetic_county"]


def two_drive_tiles(out_dir: Path):
    """The real Rutland drive extract written as 2x1 tiles joined at their border roads, as the county
    benchmark lays them out: (the synthetic_county module, the extract, the tile offsets, the OSM file)."""
    sc = synthetic_county_module()
    s = get_settings()
    ext = sc.read_extract(s.path("drive_osm"))
    width, height = float(np.ceil(np.ptp(ext.x))) + 1.0, float(np.ceil(np.ptp(ext.y))) + 1.0
    offsets = [(0.0, 0.0), (width, 0.0)]
    joins = sc.connectors(ext, sc.border_ends(ext, sc._rutland_boundary(s.data)), 2, 1, width, height)
    path = out_dir / "drive.osm"
    sc.write_tiled(ext, path, offsets, joins)
    return sc, ext, offsets, path
