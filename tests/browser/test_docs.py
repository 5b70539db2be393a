"""/docs in headless Chromium with every other host blocked: Swagger UI renders the API from vendored files."""

from __future__ import annotations

import threading
import time

import pytest

from tests.browser.conftest import _free_port


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory):
    """A bare service (no engine load, no jobs) on a free 127.0.0.1 port."""
    import uvicorn

    from api.app import create_app
    from api.config import ApiSettings
    from api.db import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'docs.db'}"
    upgrade(url)
    app = create_app(ApiSettings(database_url=url, migrate_at_start=False, load_engine_at_start=False),
                     start_jobs=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="docs-test-server", daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < end and thread.is_alive(), "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_swagger_ui_renders_offline(browser, docs_url):
    """The operations list appears with no request leaving 127.0.0.1 and no script error."""
    ctx = browser.new_context()
    blocked: list[str] = []
    errors: list[str] = []

    def only_local(route):
        if route.request.url.startswith(docs_url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_local)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{docs_url}/docs")
    page.wait_for_selector("#operations-eligibility-check_eligibility", timeout=30_000)
    assert page.locator(".opblock").count() > 20
    assert "sen-transport" in page.inner_text(".info .title")
    ctx.close()
    assert not blocked, f"/docs reached for another host: {blocked}"
    assert not errors, errors
