"""The OpenAPI document: complete (examples, error responses, security) and honoured, by schemathesis.

Every operation is called with generated requests (bounded examples) as an admin: no 5xx, every
status code and response body as documented.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from tests.api.conftest import application_body


@pytest.fixture
def api_schema(app):
    """The app's OpenAPI document, called in-process."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def admin_headers(keys, client):
    """An admin key, with one stored and assessed application so reads find something."""
    h = keys["admin"]
    client.post("/v1/applications", json=application_body(), headers=h)
    client.post("/v1/applications/T-001/assess", headers=h)
    return h


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.exclude(path_regex=r"^/v1/jobs$", method="POST").exclude(path="/ready").parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_openapi_conformance(case, admin_headers):
    """Generated calls never get a 5xx, and every response matches the document."""
    case.call_and_validate(headers={**admin_headers, **(case.headers or {})},
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


def test_document_is_complete(app):
    """Each operation has an id, a summary, auth errors where protected, and request examples where it takes a body."""
    doc = app.openapi()
    assert set(doc["components"]["securitySchemes"]) == {"APIKeyHeader", "HTTPBearer"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["operationId"] and op.get("description"), f"{method} {path}"
            if path.startswith("/v1/") and path != "/v1/auth/token":
                assert {"401", "403"} <= set(op["responses"]), f"{method} {path} lacks auth errors"
            content = op.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if media == "application/json":
                    ref = body["schema"].get("$ref", "").rsplit("/", 1)[-1]
                    if ref:
                        assert "examples" in doc["components"]["schemas"][ref], f"{ref} has no example"


def test_examples_are_valid(client, keys):
    """The scenario example in the document is accepted as it stands."""
    from api.schemas.planning import SCENARIO_EXAMPLE

    r = client.post("/v1/scenarios", json=SCENARIO_EXAMPLE, headers=keys["planner"])
    assert r.status_code == 201 and r.json()["children"] == 1


def test_aware_bell_time_is_422(client, keys):
    """A bell time with a time zone is a field-level 422, not a server error."""
    from api.schemas.planning import SCENARIO_EXAMPLE

    bad = {**SCENARIO_EXAMPLE, "schools": [{**SCENARIO_EXAMPLE["schools"][0], "bell_finish": "15:00:00Z"}]}
    r = client.post("/v1/scenarios", json=bad, headers=keys["planner"])
    assert r.status_code == 422 and "local clock times" in r.json()["detail"][0]["msg"]


def test_health_and_readiness(app, client):
    """/health answers at once; /ready says why it is not ready (here: no job workers)."""
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/ready")
    assert r.status_code == 503
    body = r.json()
    assert body["database"] == "ok" and body["schema_revision"] == body["schema_head"] and body["engine"] == "loaded"
