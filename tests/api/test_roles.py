"""Each endpoint admits only its roles: 401 without a valid key, 403 for every other role."""

from __future__ import annotations

import pytest

from tests.api.conftest import application_body

ALL = ("officer", "planner", "contractor", "admin")
OFFICER = {"officer", "admin"}
PLANNER = {"planner", "admin"}
# (method, path, json body, roles admitted); the bodies are valid so an admitted role is never refused
MATRIX = [
    ("get", "/v1/applications", None, OFFICER),
    ("get", "/v1/applications/T-001", None, OFFICER),
    ("post", "/v1/applications", application_body("T-NEW"), OFFICER),
    ("post", "/v1/eligibility/check", application_body("T-CHK"), OFFICER),
    ("post", "/v1/applications/T-001/assess", None, OFFICER),
    ("get", "/v1/applications/T-001/decisions", None, OFFICER),
    ("post", "/v1/applications/T-001/override", {"eligible": False, "reason": "Moved house; new address is 0.5 mi away"}, OFFICER),
    ("post", "/v1/eligibility/assessments", {"scope": "undecided"}, OFFICER),
    ("get", "/v1/cases", None, OFFICER),
    ("get", "/v1/scenarios", None, PLANNER),
    ("get", "/v1/jobs", None, PLANNER),
    ("get", "/v1/plans/1", None, PLANNER),
    ("get", "/v1/tenders", None, PLANNER | {"contractor"}),
    ("get", "/v1/contractor/lots", None, {"contractor"}),
    ("get", "/v1/keys", None, {"admin"}),
    ("post", "/v1/keys", {"name": "x", "role": "officer"}, {"admin"}),
    ("get", "/v1/audit", None, {"admin"}),
    ("get", "/v1/schools", None, OFFICER | PLANNER),
    ("get", "/v1/operators", None, PLANNER),
]


@pytest.fixture
def stored(client, keys):
    """One stored, assessed application T-001."""
    assert client.post("/v1/applications", json=application_body(), headers=keys["officer"]).status_code == 201
    assert client.post("/v1/applications/T-001/assess", headers=keys["officer"]).status_code == 201


@pytest.mark.parametrize("method,path,body,admitted", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_role_matrix(client, keys, stored, method, path, body, admitted):
    """Roles outside the endpoint's set get 403; admitted roles are not refused."""
    for role in ALL:
        r = client.request(method, path, json=body, headers=keys[role])
        if role in admitted:
            assert r.status_code not in (401, 403), f"{role} refused {method} {path}: {r.text}"
        else:
            assert r.status_code == 403, f"{role} allowed {method} {path}: {r.status_code}"
            assert "may not" in r.json()["detail"]


def test_planner_cannot_override(client, keys, stored):
    """A planner overriding a decision is refused and nothing is stored."""
    r = client.post("/v1/applications/T-001/override", json={"eligible": False, "reason": "Planner thinks so, really"},
                    headers=keys["planner"])
    assert r.status_code == 403
    hist = client.get("/v1/applications/T-001/decisions", headers=keys["officer"]).json()
    assert [d["kind"] for d in hist["data"]] == ["assessment"]


def test_contractor_cannot_read_applications(client, keys, stored):
    """A contractor can neither read nor list applications or decisions."""
    for path in ("/v1/applications/T-001", "/v1/applications", "/v1/applications/T-001/decisions"):
        assert client.get(path, headers=keys["contractor"]).status_code == 403


def test_missing_bad_and_revoked_keys(client, keys):
    """No key, an unknown key, a tampered secret and a revoked key all get 401."""
    assert client.get("/v1/applications").status_code == 401
    assert client.get("/v1/applications", headers={"X-API-Key": "sentk_nope_nope"}).status_code == 401
    good = keys["officer"]["X-API-Key"]
    assert client.get("/v1/applications", headers={"X-API-Key": good[:-2] + "xx"}).status_code == 401
    assert client.get("/v1/applications", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    key_id = good.split("_")[1]
    assert client.delete(f"/v1/keys/{key_id}", headers=keys["admin"]).status_code == 200
    r = client.get("/v1/applications", headers=keys["officer"])
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_oauth2_client_credentials(client, keys):
    """A key's id and secret buy a bearer token that carries the key's role, and only that role."""
    _, key_id, secret = keys["planner"]["X-API-Key"].split("_", 2)
    bad = client.post("/v1/auth/token", data={"grant_type": "client_credentials", "client_id": key_id,
                                              "client_secret": "wrong"})
    assert bad.status_code == 401
    tok = client.post("/v1/auth/token", data={"grant_type": "client_credentials", "client_id": key_id,
                                              "client_secret": secret})
    assert tok.status_code == 200 and tok.json()["token_type"] == "bearer"
    bearer = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    assert client.get("/v1/jobs", headers=bearer).status_code == 200
    assert client.get("/v1/applications", headers=bearer).status_code == 403


def test_keys_are_stored_hashed(client, keys, app):
    """The database never holds a key's secret."""
    from api.models import ApiKey

    with app.state.sessions() as s:
        stored = [k.secret_hash for k in s.query(ApiKey)]
    for headers in keys.values():
        secret = headers["X-API-Key"].split("_", 2)[2]
        assert secret not in stored and all(len(h) == 64 for h in stored)


def test_contractor_key_needs_operator(client, keys):
    """A contractor key without an operator (or another role with one) is a 422 on the operator field."""
    r = client.post("/v1/keys", json={"name": "x", "role": "contractor"}, headers=keys["admin"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "operator"]
    r = client.post("/v1/keys", json={"name": "x", "role": "officer", "operator": "Acme"}, headers=keys["admin"])
    assert r.status_code == 422
    r = client.post("/v1/keys", json={"name": "x", "role": "contractor", "operator": "Acme"}, headers=keys["admin"])
    assert r.status_code == 201 and r.json()["key"].startswith("sentk_") and r.json()["operator"] == "Acme"
