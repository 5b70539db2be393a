"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from api.db import current_revision, head_revision
from api.queue import live_workers
from api.schemas.health import Health, Readiness, WorkerPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}})
def ready(request: Request, response: Response) -> Readiness:
    """Ready when the database answers at the latest schema revision, the eligibility engine is loaded and
    at least one job worker is alive (sent a heartbeat within the stale limit)."""
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
    workers: list[WorkerPublic] = []
    if db == "ok" and rev == head:
        with state.sessions() as s:
            workers = [WorkerPublic.model_validate(w, from_attributes=True)
                       for w in live_workers(s, stale_s=state.settings.worker_stale_s)]
    ok = db == "ok" and rev == head and engine_state == "loaded" and bool(workers)
    if not ok:
        response.status_code = 503
    return Readiness(status="ready" if ok else "not_ready", database=db, schema_revision=rev, schema_head=head,
                     engine=engine_state, job_workers=len(workers), workers=workers,
                     detail={} if workers else {"workers": "no job worker has sent a heartbeat recently: "
                                                            "run `sen-transport worker` (or serve with its embedded worker)"})
