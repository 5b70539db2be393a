"""Reviews (stage 1) and appeals (stage 2): open, schedule, decide, and list cases near a deadline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import Officer, SessionDep
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, RecordId, Reference
from api.schemas.cases import CaseOutcome, CasePublic, CaseRequest, CasesPublic, HearingSchedule
from api.services import cases as svc
from api.workdays import FIRST_DAY, LAST_DAY

router = APIRouter(tags=["reviews and appeals"], responses={**AUTH, **NOT_FOUND, **CONFLICT})


@router.post("/v1/applications/{application_id}/reviews", status_code=status.HTTP_201_CREATED, response_model=CasePublic)
def request_review(application_id: Reference, body: CaseRequest, session: SessionDep, who: Officer) -> CasePublic:
    """Open a stage 1 review of the current refusal (asked within 20 working days of the decision)."""
    return svc.public(svc.request_review(session, who, application_id, body), body.requested_on)


@router.post("/v1/cases/{case_id}/appeal", status_code=status.HTTP_201_CREATED, response_model=CasePublic)
def request_appeal(case_id: RecordId, body: CaseRequest, session: SessionDep, who: Officer) -> CasePublic:
    """Open a stage 2 appeal after a review upheld the refusal (asked within 20 working days of the answer)."""
    return svc.public(svc.request_appeal(session, who, case_id, body), body.requested_on)


@router.post("/v1/cases/{case_id}/hearing", response_model=CasePublic)
def schedule_hearing(case_id: RecordId, body: HearingSchedule, session: SessionDep, who: Officer) -> CasePublic:
    """Fix the panel's hearing date (within 40 working days of the appeal request)."""
    return svc.public(svc.schedule_hearing(session, who, case_id, body), body.hearing_on)


@router.post("/v1/cases/{case_id}/outcome", response_model=CasePublic)
def record_outcome(case_id: RecordId, body: CaseOutcome, session: SessionDep, who: Officer) -> CasePublic:
    """Record the review or panel outcome; overturning stores a new eligible decision."""
    return svc.public(svc.decide(session, who, case_id, body), body.decided_on)


@router.get("/v1/cases/{case_id}", response_model=CasePublic)
def read_case(case_id: RecordId, session: SessionDep, who: Officer,
              today: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY)] = None) -> CasePublic:
    """One case with its deadlines and working days left."""
    return svc.public(svc.get(session, case_id), today or dt.date.today())


@router.get("/v1/cases", response_model=CasesPublic)
def list_cases(
    session: SessionDep, who: Officer,
    due_within: Annotated[int | None, Query(ge=0, le=250, description="working days: only cases due within this (or overdue)")] = None,
    stage: Annotated[int | None, Query(ge=1, le=2)] = None,
    include_decided: bool = False,
    application_id: Annotated[str | None, Query(max_length=64, description="only this application's cases")] = None,
    today: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="count working days from this day (default: today)")] = None,
) -> CasesPublic:
    """Open cases, nearest deadline first; with ``due_within`` only those near (or past) their deadline."""
    on = today or dt.date.today()
    rows = svc.listing(session, today=on, due_within=due_within, stage=stage, open_only=not include_decided,
                       reference=application_id)
    return CasesPublic(data=[svc.public(c, on) for c in rows], count=len(rows))
