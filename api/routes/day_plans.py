"""Day plans: each route's morning and afternoon duty over the week, and today's network imported as a plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from api.deps import Planner, SessionDep
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, RecordId
from api.schemas.day_plans import DayRoutesPublic, TodayImportPublic
from api.services import day_plans
from api.services import planning as svc

router = APIRouter(tags=["day plans"], responses={**AUTH, **NOT_FOUND})

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUTES_CSV_EXAMPLE = ("route_ref,operator,vehicle_type,contract_day_price,passenger_assistant,child_id,"
                      "am_pickup,am_drop,pm_pickup,pm_drop\nR-001,Acme Taxis,taxi,85.00,no,C1,1,3,1,3\n"
                      "R-001,Acme Taxis,taxi,85.00,no,C2,2,4,2,4\n")


@router.get("/v1/plans/{plan_id}/day-routes", response_model=DayRoutesPublic, responses=CONFLICT)
def read_day_routes(plan_id: RecordId, session: SessionDep, who: Planner) -> DayRoutesPublic:
    """A day plan's routes: per vehicle its morning and afternoon duty (stops in the weekly order, each stop's
    time on every weekday, the children skipped on days they don't attend), the weekdays it runs and where it
    waits between runs. 409 for a single-session plan."""
    return day_plans.routes_public(svc.get_plan(session, plan_id))


@router.post("/v1/scenarios/{scenario_id}/today", status_code=status.HTTP_201_CREATED, response_model=TodayImportPublic,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}, "example": ROUTES_CSV_EXAMPLE},
                 XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}})
def import_today(scenario_id: RecordId, session: SessionDep, who: Planner,
                 data: Annotated[bytes, Body(media_type="text/csv", include_in_schema=False)] = b"") -> TodayImportPublic:
    """Import the routes the council runs today (CSV or .xlsx, the ``routes import`` format: one row per child
    per route) for a day scenario and store them as a plan: timed on the roads, costed at contract prices and
    the tariff, validated but not refused (its breaches listed per route). Bad rows are a 422 with every row
    number (``loc: ["body", "row", n]``) and nothing is stored."""
    plan, breaches = svc.import_today(session, who, scenario_id, data)
    return TodayImportPublic(plan_id=plan.id, scenario_id=plan.scenario_id, routes=len(plan.routes),
                             breaches_by_route=breaches)
