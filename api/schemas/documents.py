"""Documents (letters, lists, route packs) and the September readiness view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import In, Page, RecordIdField, SaneDate


class DocumentPublic(BaseModel):
    """An issued document's record: what it is, its hash, what produced it, when sent and downloaded."""

    id: int
    kind: str
    subject: str
    title: str
    audience: str
    sha256: str
    size_bytes: int
    decision_id: int | None
    plan_id: int | None
    lot_id: int | None
    operator: str | None
    policy_version: str | None
    sources: dict[str, Any]
    supersedes_id: int | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    downloaded_at: dt.datetime | None
    downloads: int
    pdf_url: str


DocumentsPublic = Page[DocumentPublic]


class DecisionLetterCreate(In):
    """Issue the decision letter of an application's decision in force."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"issued_on": "2026-08-03"}]})

    issued_on: SaneDate | None = Field(None, description="date of the letter (default today); review dates count from it")


class TravelLettersCreate(In):
    """Issue travel arrangements letters for every child on an awarded route of a plan."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"first_day": "2026-09-03", "afternoon_plan_id": None}]})

    first_day: SaneDate = Field(description="first day of the arrangements")
    afternoon_plan_id: int | None = Field(None, ge=1, le=2**63 - 1,
                                          description="the afternoon plan (drop-off times), when there is one")
    issued_on: SaneDate | None = None


class ChangeNoticesCreate(In):
    """Issue change notices for children whose journey in this plan differs from ``from_plan_id``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"from_plan_id": 1, "effective": "2026-09-14"}]})

    from_plan_id: int = RecordIdField
    effective: SaneDate
    issued_on: SaneDate | None = None


class ListsCreate(In):
    """Issue school lists of a plan (optionally with its afternoon plan)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"afternoon_plan_id": None}]})

    afternoon_plan_id: int | None = Field(None, ge=1, le=2**63 - 1)
    issued_on: SaneDate | None = None


class NotIssued(BaseModel):
    """A child or route that got no document, and why."""

    subject: str
    reason: str


class IssueReport(BaseModel):
    """Documents issued (or already current) and what got none."""

    data: list[DocumentPublic]
    count: int
    not_issued: list[NotIssued]


class ReadinessChild(BaseModel):
    """A child who is not ready for the first day, and why."""

    reference: str
    school_id: str
    school_name: str
    state: str
    reason: str


class ReadinessDay(BaseModel):
    """One day of the count-down: days to go and, up to today, how many were ready that day."""

    date: dt.date
    days_to_go: int
    ready: int | None
    not_ready: int | None


class ReadinessPublic(BaseModel):
    """Every eligible child (and every application awaiting decision) in one state for a first day of term."""

    first_day: dt.date
    as_of: dt.date
    days_to_go: int
    states: dict[str, int]
    by_school: list[dict[str, Any]]
    countdown: list[ReadinessDay]
    not_ready: list[ReadinessChild]
    total: int
    ready: int
