"""Revocation and expiry take effect at once in every process: the per-process auth cache trusts a
checked credential for at most 1 s, and never past a token's expiry."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import update
from typer.testing import CliRunner

from api.app import create_app
from api.config import ApiSettings
from api.models import AccessToken
from api.security import AuthCache, Principal, Role, create_key
from tests.api.conftest import make_settings
from transport.cli.main import app as cli


@pytest.fixture
def two_apps(db_url, eligibility_engine):
    """Two service instances (as two processes would be) on one database, with the default settings."""
    apps = [create_app(make_settings(db_url), engine=eligibility_engine, start_jobs=False) for _ in range(2)]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        yield apps[0], a, b


def _officer_key(app) -> str:
    with app.state.sessions() as s:
        plain = create_key(s, "officer", "two processes")[1]
        s.commit()
    return plain


def _wait_past_cache() -> None:
    time.sleep(1.05)  # the longest a process may trust a checked credential


def test_key_revoked_from_the_cli_stops_in_every_process(two_apps, db_url):
    """Both instances accept the key, the CLI revokes it, and within a second both refuse it."""
    app, a, b = two_apps
    plain = _officer_key(app)
    headers = {"X-API-Key": plain}
    assert a.get("/v1/applications", headers=headers).status_code == 200
    assert b.get("/v1/applications", headers=headers).status_code == 200
    key_id = plain.split("_")[1]
    res = CliRunner().invoke(cli, ["keys", "revoke", key_id, "--database-url", db_url])
    assert res.exit_code == 0, res.output
    _wait_past_cache()
    assert a.get("/v1/applications", headers=headers).status_code == 401
    assert b.get("/v1/applications", headers=headers).status_code == 401


def test_expired_token_stops_in_every_process(two_apps):
    """A bearer token that has expired (here: its expiry moved into the past) is refused within a second."""
    app, a, b = two_apps
    _, key_id, secret = _officer_key(app).split("_", 2)
    tok = a.post("/v1/auth/token", data={"grant_type": "client_credentials", "client_id": key_id,
                                         "client_secret": secret}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {tok}"}
    assert a.get("/v1/applications", headers=bearer).status_code == 200
    assert b.get("/v1/applications", headers=bearer).status_code == 200
    with app.state.sessions() as s:
        s.execute(update(AccessToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        s.commit()
    _wait_past_cache()
    assert a.get("/v1/applications", headers=bearer).status_code == 401
    assert b.get("/v1/applications", headers=bearer).status_code == 401


def test_cache_longer_than_a_second_is_refused(db_url):
    """The setting cannot be raised above 1 s (that would let a revoked key work on)."""
    with pytest.raises(ValidationError):
        ApiSettings(database_url=db_url, auth_cache_s=30)
    with pytest.raises(ValueError):
        AuthCache(5)


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_entry_ends_at_the_token_expiry():
    """A token with 0.3 s left is trusted for 0.3 s, not the cache's full second; a key for the full second."""
    clock = _Clock()
    cache = AuthCache(1.0, clock=clock)
    now = dt.datetime.now(dt.UTC)
    token = Principal("k1", Role.OFFICER, valid_until=now + dt.timedelta(seconds=0.3))
    key = Principal("k2", Role.OFFICER)
    cache.put("token", token, now=now)
    cache.put("key", key, now=now)
    clock.now += 0.2
    assert cache.get("token") == token and cache.get("key") == key
    clock.now += 0.2
    assert cache.get("token") is None and cache.get("key") == key
    clock.now += 0.7
    assert cache.get("key") is None
