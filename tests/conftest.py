"""Session-wide fixtures: the real Rutland networks, schools and postcodes (read once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transport.domain.config import get_settings

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
