"""Eligibility: a stateless check, assess and store, cohort (re-)assessment, overrides, decision history."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool

from api.deps import EngineDep, Officer, SessionDep
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, Reference
from api.schemas.applications import ApplicationCreate
from api.schemas.eligibility import CohortAssess, CohortReport, DecisionPublic, DecisionsPublic, OverrideCreate
from api.services import decisions as svc
from eligibility.rules import Decision

router = APIRouter(tags=["eligibility"], responses=AUTH)


@router.post("/v1/eligibility/check", response_model=Decision)
async def check_eligibility(body: ApplicationCreate, engine: EngineDep, who: Officer) -> Response:
    """Decide an application now and explain it, storing nothing."""
    if engine.is_loaded():
        # a few milliseconds of computation on loaded, immutable data and no I/O: done on the event loop,
        # without a thread hop (and without a per-thread copy of the coordinate transformers)
        decision = svc.check(engine, body)
    else:  # the first use loads the networks (seconds): not on the event loop
        decision = await run_in_threadpool(svc.check, engine, body)
    # the engine's Decision is already validated: serialise it once, without a second validation
    return Response(decision.model_dump_json(), media_type="application/json")


@router.post("/v1/eligibility/assessments", response_model=CohortReport)
def assess_cohort(body: CohortAssess, session: SessionDep, engine: EngineDep, who: Officer) -> CohortReport:
    """Assess undecided applications, or (scope ``all``) re-assess every one after a policy change and list what changed."""
    return svc.assess_cohort(session, who, engine, body)


@router.post("/v1/applications/{application_id}/assess", status_code=status.HTTP_201_CREATED,
             response_model=DecisionPublic, responses=NOT_FOUND)
def assess_application(application_id: Reference, session: SessionDep, engine: EngineDep, who: Officer) -> DecisionPublic:
    """Assess a stored application under the policy in force and store the decision."""
    return svc.public(svc.assess_one(session, who, engine, application_id), application_id)


@router.get("/v1/applications/{application_id}/decisions", response_model=DecisionsPublic, responses=NOT_FOUND)
def decision_history(application_id: Reference, session: SessionDep, who: Officer) -> DecisionsPublic:
    """Every decision on the application, oldest first (assessments, overrides, review and appeal outcomes)."""
    rows = svc.history(session, application_id)
    return DecisionsPublic(data=[svc.public(r, application_id) for r in rows], count=len(rows))


@router.post("/v1/applications/{application_id}/override", status_code=status.HTTP_201_CREATED,
             response_model=DecisionPublic, responses={**NOT_FOUND, **CONFLICT})
def override_decision(application_id: Reference, body: OverrideCreate, session: SessionDep, who: Officer) -> DecisionPublic:
    """Replace the current decision with an officer's; the reason is mandatory and kept in the history."""
    return svc.public(svc.override(session, who, application_id, body), application_id)
