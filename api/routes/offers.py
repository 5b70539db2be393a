"""Offers: a plan's children (planners and officers) and one child's (officers, for the decision screen)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import EngineDep, Officer, SessionDep, Staff
from api.routes.common import AUTH, NOT_FOUND, RecordId, Reference
from api.schemas.offers import ApplicationOffersPublic, PlanOffersPublic
from api.services import offers as svc

router = APIRouter(tags=["offers"], responses={**AUTH, **NOT_FOUND})


@router.get("/v1/plans/{plan_id}/offers", response_model=PlanOffersPublic)
def plan_offers(plan_id: RecordId, session: SessionDep, who: Staff, engine: EngineDep,
                refresh: bool = False,
                replan_s: Annotated[float, Query(ge=0, le=120, description="seconds to re-plan without the children "
                                                 "with a cheaper offer (0: no re-planned saving)")] = 0.0,
                ) -> PlanOffersPublic:
    """Each eligible child's seat (marginal cost, re-optimised), PTB, pass and travel training, with workings."""
    rep = svc.report(session, who, plan_id, engine.assessor().policy, refresh=refresh, replan_s=replan_s)
    return PlanOffersPublic(plan_id=plan_id, marginal_s=rep["marginal_s"], data=rep["children"],
                            count=len(rep["children"]), not_offered=rep["not_offered"], accepted=rep["accepted"])


@router.get("/v1/applications/{application_id}/offers", response_model=ApplicationOffersPublic)
def application_offers(application_id: Reference, session: SessionDep, who: Officer,
                       engine: EngineDep) -> ApplicationOffersPublic:
    """The child's offers from the newest stored plan that carries them."""
    return ApplicationOffersPublic.model_validate(
        svc.for_application(session, who, application_id, engine.assessor().policy))
