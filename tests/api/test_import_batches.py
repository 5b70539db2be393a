"""Imports commit in batches, a busy database is a 503 with Retry-After (never a 500), and with
assess=true every row is a decision, a duplicate or an error."""

from __future__ import annotations

import sqlite3

from api.security import Principal, Role
from api.services import applications as svc
from tests.api.conftest import application_body, make_settings

HEADER = "application_id,date_of_birth,sex,home_postcode,home_lat,home_lon,school_urn,travel_date\n"


def _rows(n: int) -> str:
    return "".join(f"B-{i},2016-03-01,F,LE15 8AA,,,138113,2025-09-03\n" for i in range(n))


def test_import_commits_in_batches_and_reports_them(app, eligibility_engine):
    """Seven rows in batches of three: three transactions, and each created row names its batch."""
    who = Principal(key_id="k-officer", role=Role.OFFICER, operator=None)
    with app.state.sessions() as s:
        rep = svc.import_csv(s, who, HEADER + _rows(7), engine=eligibility_engine, batch_rows=3)
    assert rep.created == 7 and rep.batches == 3
    assert [r.batch for r in rep.report] == [1, 1, 1, 2, 2, 2, 3]


def test_busy_database_is_503_with_retry_after(db_url, eligibility_engine, keys):
    """While another connection holds the SQLite write lock, a write waits at most busy_timeout_s, then 503."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(make_settings(db_url, busy_timeout_s=0.3), engine=eligibility_engine, start_jobs=False)
    with TestClient(app) as client:
        with app.state.sessions() as s:
            from api.security import create_key
            key = {"X-API-Key": create_key(s, "officer", "busy test")[1]}
            s.commit()
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.1)
        holder.execute("BEGIN IMMEDIATE")
        try:
            r = client.post("/v1/applications", json=application_body(), headers=key)
        finally:
            holder.rollback()
            holder.close()
        assert r.status_code == 503 and r.headers["Retry-After"] == "2", r.text
        assert client.get("/v1/applications", headers=key).json()["count"] == 0
        assert client.post("/v1/applications", json=application_body(), headers=key).status_code == 201


def test_assessed_import_accounts_for_every_row(client, keys):
    """assess=true: unknown school, postcode outside the data and a home off the network are error rows,
    not stored; rows in = decisions + duplicates + errors."""
    body = (HEADER + "OK-1,2016-03-01,F,LE15 8AA,,,138113,2025-09-03\n"
            "NO-SCHOOL,2016-03-01,F,LE15 8AA,,,999999,2025-09-03\n"
            "FAR-POSTCODE,2016-03-01,F,SW1A 1AA,,,138113,2025-09-03\n"
            "OFF-NETWORK,2016-03-01,F,,51.2,1.0,138113,2025-09-03\n")
    r = client.post("/v1/applications/import?assess=true", content=body.encode(),
                    headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["rows"] == 4 and rep["assessed"] == 1 and rep["errors"] == 3
    assert rep["rows"] == rep["assessed"] + rep["duplicates"] + rep["errors"]
    status = {x["application_id"]: x for x in rep["report"]}
    assert status["NO-SCHOOL"]["reason"].endswith("school_id: not a known school (see GET /v1/schools)")
    assert "postcode" in status["FAR-POSTCODE"]["reason"] and "SW1A" not in r.text
    assert status["OFF-NETWORK"]["status"] == "error" and status["OFF-NETWORK"]["batch"] is None
    listed = client.get("/v1/applications", headers=keys["officer"]).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == "OK-1"


def test_creation_refuses_what_cannot_be_decided(client, keys):
    """POST /v1/applications with an unknown school or a postcode outside the data is a 422 naming the field."""
    r = client.post("/v1/applications", json=application_body(school_id="999999"), headers=keys["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "school_id"]
    r = client.post("/v1/applications", json=application_body(home={"postcode": "SW1A 1AA"}), headers=keys["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "home", "postcode"]
    assert "SW1A" not in r.text
    assert client.get("/v1/applications", headers=keys["officer"]).json()["count"] == 0


def test_postgres_lock_wait_is_bounded(postgres_engine):
    """On PostgreSQL a write waiting for another transaction's row lock gives up after busy_timeout_s
    with lock-not-available (which the service answers 503 + Retry-After), never waits for ever."""
    import time

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from api.db import is_busy, make_engine
    from tests.api.conftest import POSTGRES_URL

    with postgres_engine.begin() as conn:
        conn.execute(text("INSERT INTO instance_secrets (name, value) VALUES ('lock-test', 'x') "
                          "ON CONFLICT (name) DO NOTHING"))
    waiting = make_engine(POSTGRES_URL, busy_timeout_s=0.5)
    holder = postgres_engine.connect()
    tx = holder.begin()
    try:
        holder.execute(text("SELECT value FROM instance_secrets WHERE name = 'lock-test' FOR UPDATE"))
        started = time.monotonic()
        with pytest.raises(OperationalError) as err, waiting.begin() as conn:
            conn.execute(text("UPDATE instance_secrets SET value = 'y' WHERE name = 'lock-test'"))
        assert time.monotonic() - started < 5
        assert is_busy(err.value)
    finally:
        tx.rollback()
        holder.close()
        waiting.dispose()
        with postgres_engine.begin() as conn:
            conn.execute(text("DELETE FROM instance_secrets WHERE name = 'lock-test'"))


def test_home_far_off_the_network_is_refused_at_creation(client, keys):
    """A home given as coordinates far from any walkable way (here in Kent, off the Rutland extract) is a
    422 naming the field, without the coordinates, and nothing is stored; a home on the network is taken."""
    far = application_body("FAR-1", home={"lat": 51.2, "lon": 1.0})
    r = client.post("/v1/applications", json=far, headers=keys["officer"])
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "home"] and "51.2" not in r.text
    bng = application_body("FAR-2", home={"easting": 610000, "northing": 150000})
    assert client.post("/v1/applications", json=bng, headers=keys["officer"]).status_code == 422
    near = application_body("NEAR-1", home={"lat": 52.6709, "lon": -0.7295})
    assert client.post("/v1/applications", json=near, headers=keys["officer"]).status_code == 201
    listed = client.get("/v1/applications", headers=keys["officer"]).json()
    assert [a["id"] for a in listed["data"]] == ["NEAR-1"]
