"""``/docs``: Swagger UI served from the vendored ``swagger-ui-dist`` (``scripts/vendor_web.sh``), so the
interactive API reference works with no internet. FastAPI's default page loads it from a CDN and is
switched off in ``api.app``, as is ReDoc (not vendored)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from api.web.router import VENDOR

SWAGGER = "swagger-ui"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")

router = APIRouter(include_in_schema=False)


def swagger_missing() -> list[str]:
    """Vendored Swagger UI files that are not there (empty once ``scripts/vendor_web.sh`` has run)."""
    return [f"{SWAGGER}/{f}" for f in SWAGGER_FILES if not (VENDOR / SWAGGER / f).is_file()]


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    """The interactive API reference (Swagger UI) on this service's OpenAPI document, from local files only."""
    missing = swagger_missing()
    if missing:
        return PlainTextResponse("Swagger UI is not vendored: run scripts/vendor_web.sh (missing: "
                                 + ", ".join(missing) + ")", status_code=503)
    base = f"/web/static/vendor/{SWAGGER}"
    page = get_swagger_ui_html(openapi_url=request.app.openapi_url, title=f"{request.app.title}: API reference",
                               swagger_js_url=f"{base}/swagger-ui-bundle.js", swagger_css_url=f"{base}/swagger-ui.css",
                               swagger_favicon_url=f"{base}/favicon-32x32.png",
                               swagger_ui_parameters={"validatorUrl": None})  # no call to validator.swagger.io
    page.headers["Cache-Control"] = "no-store"
    return page
