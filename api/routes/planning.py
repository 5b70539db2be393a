"""Scenarios, optimisation jobs, plans, lots and tenders, and the contractor feed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import Contractor, EngineDep, Planner, SessionDep, TenderReader
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, Limit, Offset, RecordId, TextId
from api.schemas.day_plans import DayComparisonPublic
from api.schemas.planning import (AwardCreate, AwardPublic, AwardsPublic, ContractorLotPublic, FeatureCollection,
                                  FromEligible, JobCreate, JobPublic, JobsPublic, LotsCreate, OperatorsPublic,
                                  PlanComparisonPublic, PlanLotPublic, PlanLotsPublic, PlanPublic, PlansPublic, PlanUpdate, RouteSheets,
                                  ScenarioIn, ScenarioPublic, ScenariosPublic, TenderLotPublic, TenderLotsPublic,
                                  ValidationReport)
from api.services import planning as svc
from transport.domain.scenario import Scenario

router = APIRouter(tags=["optimisation and plans"], responses={**AUTH, **NOT_FOUND})
lots = APIRouter(tags=["lots and contractors"], responses={**AUTH, **NOT_FOUND})


@router.post("/v1/scenarios", status_code=status.HTTP_201_CREATED, response_model=ScenarioPublic)
def create_scenario(body: ScenarioIn, session: SessionDep, who: Planner) -> ScenarioPublic:
    """Store a scenario (format ``sen-transport/scenario/1``: schools, children with needs, fleet)."""
    rec = svc.create_scenario(session, who, body)
    session.commit()
    return svc.scenario_public(rec)


@router.post("/v1/scenarios/from-eligible", status_code=status.HTTP_201_CREATED, response_model=ScenarioPublic,
             responses=CONFLICT)
def scenario_from_eligible(body: FromEligible, session: SessionDep, engine: EngineDep, who: Planner) -> ScenarioPublic:
    """Store a scenario of the children currently eligible for a seat."""
    rec = svc.scenario_from_eligible(session, who, engine, body)
    session.commit()
    return svc.scenario_public(rec)


@router.get("/v1/scenarios", response_model=ScenariosPublic)
def list_scenarios(session: SessionDep, who: Planner, limit: Limit = 100, offset: Offset = 0) -> ScenariosPublic:
    """Stored scenarios, newest first, one page at a time (``count``: how many are stored)."""
    rows, count = svc.list_scenarios(session, limit=limit, offset=offset)
    return ScenariosPublic(data=[svc.scenario_public(r) for r in rows], count=count, limit=limit, offset=offset)


@router.get("/v1/scenarios/{scenario_id}", response_model=Scenario)
def read_scenario(scenario_id: RecordId, session: SessionDep, who: Planner) -> Scenario:
    """The scenario document."""
    return Scenario.model_validate(svc.get_scenario(session, scenario_id).document)


@router.post("/v1/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=CONFLICT)
def start_job(body: JobCreate, request: Request, response: Response, session: SessionDep, engine: EngineDep,
              who: Planner) -> JobPublic:
    """Start an optimisation (202): poll ``Location`` for status, progress and the best cost so far."""
    job = svc.start_job(session, who, engine, body, request.app.state.settings.max_time_limit_s)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return svc.job_public(job)


@router.get("/v1/jobs", response_model=JobsPublic)
def list_jobs(session: SessionDep, who: Planner, limit: Limit = 100, offset: Offset = 0) -> JobsPublic:
    """Jobs, newest first, one page at a time (``count``: how many are stored)."""
    rows, count = svc.list_jobs(session, limit=limit, offset=offset)
    return JobsPublic(data=[svc.job_public(j) for j in rows], count=count, limit=limit, offset=offset)


@router.get("/v1/jobs/{job_id}", response_model=JobPublic)
def read_job(job_id: TextId, session: SessionDep, who: Planner) -> JobPublic:
    """A job's status, progress and best cost so far; ``plan_id`` once its plan is stored."""
    return svc.job_public(svc.get_job(session, job_id))


@router.post("/v1/jobs/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             responses=CONFLICT)
def cancel_job(job_id: TextId, session: SessionDep, who: Planner) -> JobPublic:
    """Ask a job to stop, whichever process runs it: a queued job ends ``cancelled`` at once; a running one
    stops within seconds and keeps its best validated plan so far (``stopped: cancelled``)."""
    return svc.job_public(svc.cancel_job(session, who, job_id))


@router.get("/v1/plans", response_model=PlansPublic)
def list_plans(session: SessionDep, who: Planner, limit: Limit = 100, offset: Offset = 0) -> PlansPublic:
    """Stored plans with their KPIs, newest first, one page at a time (``count``: how many are stored)."""
    rows, count = svc.list_plans(session, limit=limit, offset=offset)
    return PlansPublic(data=[svc.plan_public(p) for p in rows], count=count, limit=limit, offset=offset)


@router.get("/v1/plans/{plan_id}/compare/{other_id}", response_model=PlanComparisonPublic | DayComparisonPublic,
            responses={**NOT_FOUND, **CONFLICT})
def compare_plans(plan_id: RecordId, other_id: RecordId, session: SessionDep,
                  who: Planner) -> PlanComparisonPublic | DayComparisonPublic:
    """Plan ``plan_id`` (before) against ``other_id`` (after): cost, vehicles, miles, ride times, changed routes.
    Two day plans (``kind: day``, e.g. today's network against a new day plan): the saving per day and per
    school year, vehicles by type, miles and dead miles, children over their limit before and after, and the
    children whose route changes. A day plan against a single-session plan is a 409."""
    result = svc.compare(svc.get_plan(session, plan_id), svc.get_plan(session, other_id))
    return result if isinstance(result, DayComparisonPublic) else PlanComparisonPublic.model_validate(result)


@router.get("/v1/plans/{plan_id}", response_model=PlanPublic)
def read_plan(plan_id: RecordId, session: SessionDep, who: Planner) -> PlanPublic:
    """A plan's summary KPIs: daily cost, vehicles by type, miles, ride times, unassigned children; a day plan
    (``kind: day``): cost per day, week and school year, by weekday, vehicles by type, dead miles, children over
    their ride limit on any weekday."""
    return svc.plan_public(svc.get_plan(session, plan_id))


@router.patch("/v1/plans/{plan_id}", response_model=PlanPublic)
def rename_plan(plan_id: RecordId, body: PlanUpdate, session: SessionDep, who: Planner) -> PlanPublic:
    """Name (or rename) a plan; the pages show the name with its daily cost."""
    plan = svc.rename_plan(session, who, plan_id, body.name)
    session.commit()
    return svc.plan_public(plan)


@router.get("/v1/plans/{plan_id}/routes.geojson", response_model=FeatureCollection,
            responses={200: {"content": {"application/geo+json": {}}}})
def plan_geojson(plan_id: RecordId, session: SessionDep, who: Planner) -> FeatureCollection:
    """The routes on the real roads, one LineString per vehicle, and their stops; a day plan: one LineString per
    vehicle and run (property ``run``: ``am`` or ``pm``)."""
    return FeatureCollection.model_validate(svc.geojson(svc.get_plan(session, plan_id)))


@router.get("/v1/plans/{plan_id}/route-sheets", response_model=RouteSheets)
def plan_route_sheets(plan_id: RecordId, session: SessionDep, who: Planner) -> RouteSheets:
    """Every stop of every route with times and pseudonymous children; a day plan: both runs (``run``), timed
    on the run's fullest weekday (``weekday``), with every weekday's time (``times``, null when skipped)."""
    rows = svc.route_sheets(session, svc.get_plan(session, plan_id))
    session.commit()  # the operators' pseudonym secret is made on first use and must be the one they see
    return RouteSheets(plan_id=plan_id, data=rows)


@router.get("/v1/plans/{plan_id}/validation", response_model=ValidationReport)
def plan_validation(plan_id: RecordId, session: SessionDep, who: Planner) -> ValidationReport:
    """The independent validator's report on the plan (made before the plan was stored)."""
    plan = svc.get_plan(session, plan_id)
    return ValidationReport(plan_id=plan.id, valid=not plan.violations, violations=plan.violations)


@lots.post("/v1/plans/{plan_id}/lots", status_code=status.HTTP_201_CREATED, response_model=TenderLotsPublic,
           responses=CONFLICT)
def create_lots(plan_id: RecordId, body: LotsCreate, session: SessionDep, who: Planner) -> TenderLotsPublic:
    """Package the plan's routes into draft lots, per school or by procurement category."""
    rows = svc.create_lots(session, who, plan_id, body.grouping)
    return TenderLotsPublic(data=[svc.tender_public(session, lot) for lot in rows], count=len(rows))


@lots.get("/v1/plans/{plan_id}/lots", response_model=PlanLotsPublic)
def list_plan_lots(plan_id: RecordId, session: SessionDep, who: Planner) -> PlanLotsPublic:
    """A plan's lots with their status (draft, published, awarded) and, once awarded, the operator."""
    rows = svc.plan_lots(session, plan_id)
    return PlanLotsPublic(data=[svc.plan_lot_public(session, lot) for lot in rows], count=len(rows))


@lots.post("/v1/lots/{lot_id}/publish", response_model=TenderLotPublic, responses=CONFLICT)
def publish_lot(lot_id: RecordId, session: SessionDep, who: Planner) -> TenderLotPublic:
    """Publish a draft lot for tender (no personal data leaves with it)."""
    return svc.tender_public(session, svc.publish_lot(session, who, lot_id))


@lots.post("/v1/lots/{lot_id}/award", status_code=status.HTTP_201_CREATED, response_model=AwardPublic,
           responses=CONFLICT)
def award_lot(lot_id: RecordId, body: AwardCreate, session: SessionDep, who: Planner) -> AwardPublic:
    """Award a published lot to an operator; that operator's keys can then read its stops."""
    return svc.award_public(svc.award_lot(session, who, lot_id, body.operator, body.phone))


@lots.post("/v1/lots/{lot_id}/withdraw", response_model=PlanLotPublic, responses=CONFLICT)
def withdraw_lot(lot_id: RecordId, session: SessionDep, who: Planner) -> PlanLotPublic:
    """Withdraw a lot: the awarded operator loses access at once, it leaves the tenders, its routes are free again."""
    return svc.plan_lot_public(session, svc.withdraw_lot(session, who, lot_id))


@lots.post("/v1/lots/{lot_id}/retender", status_code=status.HTTP_201_CREATED, response_model=PlanLotPublic,
           responses=CONFLICT)
def retender_lot(lot_id: RecordId, session: SessionDep, who: Planner) -> PlanLotPublic:
    """Put a withdrawn lot's routes back to tender: a new draft lot with the same routes and name, while the
    plan's other lots stay live (409 while the lot is live or another live lot holds one of its routes)."""
    return svc.plan_lot_public(session, svc.retender_lot(session, who, lot_id))


@lots.get("/v1/operators", response_model=OperatorsPublic)
def list_operators(session: SessionDep, who: Planner) -> OperatorsPublic:
    """Operators that hold contractor keys (not revoked), for the award form: names and key counts only."""
    return svc.operators(session)


@lots.get("/v1/tenders", response_model=TenderLotsPublic)
def list_tenders(session: SessionDep, who: TenderReader,
                 status_: Annotated[Literal["draft", "published", "awarded"] | None, Query(
                     alias="status", description="only lots in this state: 'published' = open for tender")] = None,
                 ) -> TenderLotsPublic:
    """Lots as tendered: vehicle, wheelchair spaces, assistant, days, times, miles and coarse area only."""
    rows = [lot for lot in svc.visible_lots(session, who) if status_ is None or lot.status == status_]
    return TenderLotsPublic(data=[svc.tender_public(session, lot) for lot in rows], count=len(rows))


@lots.get("/v1/tenders/{lot_id}", response_model=TenderLotPublic)
def read_tender(lot_id: RecordId, session: SessionDep, who: TenderReader) -> TenderLotPublic:
    """One lot as tendered."""
    return svc.tender_public(session, svc.tender_lot(session, who, lot_id))


@lots.get("/v1/contractor/lots", response_model=AwardsPublic)
def contractor_lots(session: SessionDep, who: Contractor) -> AwardsPublic:
    """The lots awarded to the caller's operator."""
    rows = svc.contractor_awards(session, who)
    return AwardsPublic(data=[svc.award_public(a) for a in rows], count=len(rows))


@lots.get("/v1/contractor/lots/{lot_id}", response_model=ContractorLotPublic)
def contractor_lot(lot_id: RecordId, session: SessionDep, who: Contractor) -> ContractorLotPublic:
    """An awarded lot's stops, times and the minimum each driver needs about each passenger (own operator only)."""
    return svc.contractor_lot(session, who, lot_id)
