"""Liveness and readiness (router ``api/routes/health.py``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether the service can answer: database, schema revision, engine, workers."""

    status: Literal["ready", "not_ready"]
    database: str
    schema_revision: str | None
    schema_head: str
    engine: Literal["loaded", "loading", "failed", "not_loaded"]
    job_workers: int
    detail: dict[str, Any] = Field(default_factory=dict)
