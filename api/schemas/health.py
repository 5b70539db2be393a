"""Liveness and readiness (router ``api/routes/health.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"]


class WorkerPublic(BaseModel):
    """A live optimisation worker."""

    id: str
    host: str
    pid: int
    embedded: bool = Field(description="started inside a `sen-transport serve` process")
    job_id: str | None = Field(description="the job it is running, if any")
    started_at: dt.datetime
    heartbeat_at: dt.datetime


class Readiness(BaseModel):
    """Whether the service can answer: database, schema revision, engine, workers."""

    status: Literal["ready", "not_ready"]
    database: str
    schema_revision: str | None
    schema_head: str
    engine: Literal["loaded", "loading", "failed", "not_loaded"]
    job_workers: int = Field(description="workers that sent a heartbeat within the stale limit (none: not ready)")
    workers: list[WorkerPublic] = Field(default_factory=list)
    detail: dict[str, Any] = Field(default_factory=dict)
