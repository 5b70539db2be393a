"""The FastAPI application: ``create_app(settings)`` wires storage, the eligibility engine, an optional embedded job worker and the routers."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError

from api.config import ApiSettings, get_api_settings
from api.db import is_busy, make_engine, session_factory, upgrade
from api.deps import reject_nul_bytes
from api.engine import EligibilityEngine
from api.errors import FieldError, RowsError
from api.headers import JsonHeaders
from api.routes import admin, applications, cases, day_plans, documents, eligibility, health, offers, planning, ptb, schools
from api.security import AuthCache
from api.worker import Worker, WorkerSettings
from transport.domain.errors import InputError, SenTransportError

log = logging.getLogger(__name__)

DESCRIPTION = """\
SEN home-to-school transport for English councils: applications and eligibility decisions that
explain themselves, reviews and appeals with working-day deadlines, route optimisation jobs,
validated plans, and a contractor feed that shares only what each operator needs.

Authenticate with an API key in `X-API-Key` (or `Authorization: Bearer <key>`), or exchange a key
for an OAuth2 bearer token at `/v1/auth/token`. Roles: officer, planner, contractor (bound to one
operator), admin.
"""


LOCAL_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
              "description": "a local clock time, HH:MM[:SS], without a time zone"}


def _local_times(node) -> None:
    """JSON Schema's ``format: time`` demands a UTC offset (RFC 3339); bell times are local clock times."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node.pop("format")
            node.update({k: v for k, v in LOCAL_TIME.items() if k != "description"})
            node.setdefault("description", LOCAL_TIME["description"])
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _operation_id(route: APIRoute) -> str:
    """Stable operationIds: the handler's name."""
    return route.name


def create_app(settings: ApiSettings | None = None, *, engine: EligibilityEngine | None = None,
               start_jobs: bool | None = None) -> FastAPI:
    """The service on ``settings`` (default: from the environment). ``engine`` injects a loaded eligibility engine.

    The API only queues jobs; ``start_jobs`` (default: ``settings.embedded_worker``) also runs one embedded
    worker (a thread with its own solver process) for the app's lifetime, as ``sen-transport serve`` does.
    """
    settings = settings or get_api_settings()
    if start_jobs is None:
        start_jobs = settings.embedded_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.migrate_at_start:
            upgrade(settings.database_url)
        web.warn_if_not_vendored()
        if app.state.engine.state == "not_loaded" and settings.load_engine_at_start:
            app.state.engine.start_background_load()
        if start_jobs:
            app.state.worker = Worker(app.state.sessions, WorkerSettings.from_api(settings), embedded=True)
            app.state.worker.start()
        try:
            yield
        finally:
            if app.state.worker is not None:
                app.state.worker.stop()
                app.state.worker = None
            app.state.db_engine.dispose()

    app = FastAPI(title="sen-transport", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  generate_unique_id_function=_operation_id, docs_url=None, redoc_url=None,
                  dependencies=[Depends(reject_nul_bytes)],
                  license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"})
    app.state.settings = settings
    app.state.db_engine = make_engine(settings.database_url, busy_timeout_s=settings.busy_timeout_s)
    app.state.sessions = session_factory(app.state.db_engine)
    app.state.engine = engine or EligibilityEngine(settings.policy, settings.policies)
    app.state.worker = None
    app.state.auth_cache = AuthCache(settings.auth_cache_s)

    @app.exception_handler(FieldError)
    async def _field_error(request: Request, exc: FieldError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [{"loc": list(exc.loc), "msg": str(exc), "type": "value_error"}]})

    @app.exception_handler(RowsError)
    async def _rows_error(request: Request, exc: RowsError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": ["body", "row", row], "msg": msg, "type": "value_error"} for row, msg in exc.rows]})

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [{"loc": ["body"], "msg": str(exc), "type": "value_error"}]})

    @app.exception_handler(SenTransportError)
    async def _domain_error(request: Request, exc: SenTransportError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(status_code=exc.http_status, content={"detail": str(exc)}, headers=headers)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        if is_busy(exc):  # a bounded wait for another writer ran out: ask the client to retry, never 500
            return JSONResponse(status_code=503, headers={"Retry-After": "2"},
                                content={"detail": "the database is busy with another write; retry shortly"})
        log.error("database error on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return JSONResponse(status_code=500, content={"detail": "internal database error"})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # field-level messages without echoing the submitted values (they may be personal data)
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse(status_code=422, content=jsonable_encoder({"detail": errors}))

    def openapi() -> dict:
        if app.openapi_schema is None:
            doc = FastAPI.openapi(app)
            _local_times(doc)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    for router in (health.router, applications.router, eligibility.router, cases.router, planning.router, planning.lots,
                   day_plans.router, schools.router, documents.router, admin.router, ptb.router, offers.router):
        app.include_router(router)
    web = __import__("api.web.router", fromlist=["router"])
    app.include_router(web.router)  # web pages (api/web)
    app.include_router(web.root)  # / -> /web/
    app.include_router(__import__("api.web.docs", fromlist=["router"]).router)  # /docs from vendored Swagger UI
    app.add_middleware(JsonHeaders)
    return app
