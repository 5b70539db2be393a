"""Every JSON answer carries ``Cache-Control: no-store`` and ``nosniff``; ``/docs`` needs no internet."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import application_body


def _json_answers(client, keys):
    """A spread of JSON answers: success, list, 401, 403, 404, 422 (body and path), health."""
    off, pl = keys["officer"], keys["planner"]
    return {
        "check 200": client.post("/v1/eligibility/check", json=application_body(), headers=off),
        "list 200": client.get("/v1/applications", headers=off),
        "401": client.get("/v1/applications"),
        "403": client.get("/v1/applications", headers=keys["contractor"]),
        "404": client.get("/v1/plans/999", headers=pl),
        "422 body": client.post("/v1/eligibility/check", json={"application_id": "x"}, headers=off),
        "422 path": client.get("/v1/plans/not-a-number", headers=pl),
        "health": client.get("/health"),
        "openapi": client.get("/openapi.json"),
    }


def test_json_answers_are_not_stored_or_sniffed(client, keys):
    """Success and error answers alike say no-store and nosniff."""
    for name, r in _json_answers(client, keys).items():
        assert r.headers["content-type"].startswith("application/json"), name
        assert r.headers.get("cache-control") == "no-store", name
        assert r.headers.get("x-content-type-options") == "nosniff", name


def test_docs_page_uses_only_local_assets(client):
    """/docs is Swagger UI from the vendored files: every asset it names is served here, nothing from elsewhere."""
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "SwaggerUIBundle" in html and "/openapi.json" in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html), "an asset from another host"
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}
    for a in assets:
        got = client.get(a)
        assert got.status_code == 200 and len(got.content) > 500, a
    assert "SwaggerUIBundle" in client.get(next(a for a in assets if a.endswith(".js"))).text


def test_redoc_is_switched_off(client):
    """ReDoc would load from a CDN: it is not served."""
    assert client.get("/redoc").status_code == 404


def test_root_opens_the_pages(client):
    """http://host/ redirects to the pages."""
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/web/"


def test_pages_without_vendored_files_say_how_to_fix(client, monkeypatch, tmp_path, caplog):
    """Before scripts/vendor_web.sh has run, a page answers 503 naming the script, and the start-up log says so."""
    import logging

    import api.web.router as web

    monkeypatch.setattr(web, "VENDOR", tmp_path)
    r = client.get("/web/planner")
    assert r.status_code == 503 and "scripts/vendor_web.sh" in r.text
    with caplog.at_level(logging.WARNING, logger="api.web.router"):
        assert web.warn_if_not_vendored()
    assert "scripts/vendor_web.sh" in caplog.text and "leaflet" in caplog.text


def test_docs_without_vendored_files_says_how_to_fix(client, monkeypatch, tmp_path):
    """Before scripts/vendor_web.sh has run, /docs answers 503 naming the script, not a page that cannot load."""
    import api.web.docs as docs

    monkeypatch.setattr(docs, "VENDOR", tmp_path)
    r = client.get("/docs")
    assert r.status_code == 503 and "scripts/vendor_web.sh" in r.text


@pytest.mark.parametrize("path", ["/web/static/js/plan.js", "/web/static/vendor/leaflet/leaflet.js"])
def test_static_files_keep_their_own_cache_policy(client, path):
    """Static scripts are not JSON: they keep their revalidation header, and are nosniff too."""
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache" and r.headers["x-content-type-options"] == "nosniff"
