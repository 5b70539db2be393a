"""API test fixtures: a migrated SQLite template copied per test (one database per test), the real
Rutland eligibility engine loaded once, keys for every role, and an optional PostgreSQL server.

Set ``SEN_TRANSPORT_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://sen:sen@localhost/sen_test``)
to run the storage tests against PostgreSQL too; ``.ci/run`` does.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import ApiSettings
from api.db import make_engine, session_factory, upgrade
from api.engine import EligibilityEngine
from api.security import create_key
from transport.domain.config import SAMPLE_DATA

COHORT_CSV = SAMPLE_DATA / "applications" / "rutland_sample.csv"
OPERATORS = ("Acme Taxis", "Blue Coaches")
POSTGRES_URL = os.environ.get("SEN_TRANSPORT_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def eligibility_engine(settings) -> EligibilityEngine:
    """Kent's policy (in force) and the statutory one, on the real Rutland networks."""
    from eligibility.service import Assessor

    kent = Assessor.from_settings("kent")
    return EligibilityEngine.with_assessor(kent, others={"statutory": Assessor.from_settings("statutory")})


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(template_db, tmp_path) -> str:
    """A fresh migrated SQLite database for this test."""
    path = tmp_path / "api.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


def make_settings(db_url: str, **kw) -> ApiSettings:
    """Settings for a test app: no migration or engine load at start (done by fixtures), no embedded job
    worker unless asked (``create_app(..., start_jobs=True)``)."""
    kw.setdefault("embedded_worker", False)
    return ApiSettings(database_url=db_url, migrate_at_start=False, load_engine_at_start=False, **kw)


@pytest.fixture
def app(db_url, eligibility_engine):
    """The app on this test's database, without the job pool."""
    return create_app(make_settings(db_url), engine=eligibility_engine, start_jobs=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """An HTTP client on the app (lifespan run)."""
    with TestClient(app) as c:
        yield c


@pytest.fixture
def keys(app) -> dict[str, dict[str, str]]:
    """Headers for one key per role, plus a second contractor ("contractor2") of another operator."""
    out = {}
    with app.state.sessions() as s:
        for role in ("officer", "planner", "admin"):
            out[role] = {"X-API-Key": create_key(s, role, f"test {role}")[1]}
        out["contractor"] = {"X-API-Key": create_key(s, "contractor", "acme", OPERATORS[0])[1]}
        out["contractor2"] = {"X-API-Key": create_key(s, "contractor", "blue", OPERATORS[1])[1]}
        s.commit()
    return out


def application_body(ref: str = "T-001", **kw) -> dict:
    """A valid application (Kent policy: eligible, EHC plan with mobility needs, for a seat)."""
    body = {"application_id": ref, "first_name": "Amira", "date_of_birth": "2014-06-30", "sex": "F",
            "home": {"postcode": "LE15 8PU"}, "school_id": "131018", "travel_date": "2025-09-03",
            "ehc_plan": True, "ehc_named_school_id": "131018", "sen_mobility": True,
            "sen_evidence": "EHC plan section F: needs adult support on journeys",
            "needs": {"passenger_assistant": True, "equipment": ["booster seat"], "access_notes": "side gate"}}
    body.update(kw)
    return body


@pytest.fixture
def all_logs(caplog):
    """Every log record at DEBUG from every logger (to prove no personal data reaches them)."""
    caplog.set_level(logging.DEBUG)
    return caplog


# ------------------------------------------------------------------------------------------------
# storage backends: SQLite always, PostgreSQL when configured (one transaction per test)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_engine():
    """A migrated PostgreSQL database (schema rebuilt once per session), or skip."""
    if not POSTGRES_URL:
        if os.environ.get("SEN_TRANSPORT_REQUIRE_POSTGRES"):
            pytest.fail("SEN_TRANSPORT_REQUIRE_POSTGRES is set but SEN_TRANSPORT_TEST_POSTGRES_URL is not")
        pytest.skip("SEN_TRANSPORT_TEST_POSTGRES_URL not set")
    from sqlalchemy import text

    engine = make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(POSTGRES_URL)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, db_url):
    """(engine, session factory bound to one outer transaction rolled back after the test)."""
    from sqlalchemy.orm import Session

    if request.param == "sqlite":
        engine = make_engine(db_url)
    else:
        engine = request.getfixturevalue("postgres_engine")
    conn = engine.connect()
    outer = conn.begin()
    factory = lambda: Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)  # noqa: E731
    yield request.param, engine, factory
    outer.rollback()
    conn.close()
    if request.param == "sqlite":
        engine.dispose()


__all__ = ["COHORT_CSV", "OPERATORS", "application_body", "make_settings", "session_factory"]
