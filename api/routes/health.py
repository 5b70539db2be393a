"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from api.db import current_revision, head_revision
from api.schemas.health import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}})
def ready(request: Request, response: Response) -> Readiness:
    """Ready when the database answers at the latest schema revision and the eligibility engine is loaded."""
    state = request.app.state
    db, rev = "ok", None
    try:
        with state.db_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        rev = current_revision(state.db_engine)
    except Exception as exc:  # report, never raise: this is what monitoring polls
        db = f"error: {type(exc).__name__}"
    head = head_revision()
    engine_state = state.engine.state
    ok = db == "ok" and rev == head and engine_state == "loaded" and state.jobs.alive()
    if not ok:
        response.status_code = 503
    return Readiness(status="ready" if ok else "not_ready", database=db, schema_revision=rev, schema_head=head,
                     engine=engine_state, job_workers=state.jobs.workers)
