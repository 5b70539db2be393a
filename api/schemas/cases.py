"""Stage 1 reviews and stage 2 appeals (router ``api/routes/cases.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import In, Page, Reason, SaneDate


class CaseRequest(In):
    """A parent's request for a stage 1 review or a stage 2 appeal."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "requested_on": "2025-09-10", "grounds": "The walking route crosses the A606 without a footway."}]})

    requested_on: SaneDate
    grounds: str = Field(min_length=1, max_length=5000)
    accept_late: bool = Field(False, description="accept a request made after the deadline (officer's discretion)")


class HearingSchedule(In):
    """The date the stage 2 panel meets."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"hearing_on": "2025-10-20"}]})

    hearing_on: SaneDate


class CaseOutcome(In):
    """The outcome of a review or appeal; overturning a refusal stores a new eligible decision."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "refusal_overturned", "decided_on": "2025-10-01",
        "reason": "Route assessed again: no safe crossing point on the A606."}]})

    outcome: Literal["refusal_upheld", "refusal_overturned"]
    decided_on: SaneDate
    reason: str = Reason


class CasePublic(BaseModel):
    """A review or appeal with its deadlines (working days, England and Wales bank holidays)."""

    id: int
    application_id: str
    stage: Literal[1, 2]
    status: Literal["awaiting_review", "awaiting_hearing", "hearing_scheduled", "decided"]
    requested_on: dt.date
    request_deadline: dt.date = Field(description="last day the parent could ask")
    in_time: bool
    respond_by: dt.date = Field(description="stage 1: the review answer; stage 2: the panel's written decision")
    hearing_by: dt.date | None = Field(None, description="stage 2: the panel meets by this day")
    hearing_on: dt.date | None
    outcome: str | None
    outcome_reason: str | None
    decided_on: dt.date | None
    next_deadline: dt.date | None
    next_deadline_is: str | None
    working_days_left: int | None = Field(None, description="to the next deadline, from the day asked about")
    appeal_deadline: dt.date | None = Field(None, description="stage 1 upheld: last day to ask for a stage 2 appeal")


class CasesPublic(Page[CasePublic]):
    """Cases, nearest deadline first."""
