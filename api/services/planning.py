"""Scenarios, optimisation jobs, plans, lots and the contractor feed.

Planners see plans and route sheets (children pseudonymous); tender lots carry no personal data;
an awarded operator sees its own lots' stops, times and the minimum about each passenger.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.engine import EligibilityEngine
from api.errors import ConflictError, FieldError, ForbiddenError, NotFoundError
from api import queue
from api.models import (
    ApplicationRecord,
    AwardRecord,
    DecisionRecord,
    JobRecord,
    LotRecord,
    LotRouteRecord,
    PlanRecord,
    RouteRecord,
    ScenarioRecord,
    utcnow,
)
from api.schemas.day_plans import DayComparisonPublic
from api.schemas.planning import (
    AwardPublic,
    ContractorLotPublic,
    ContractorRoutePublic,
    ContractorStopPublic,
    DayKpis,
    FromEligible,
    JobCreate,
    JobPublic,
    Kpis,
    LineStringPublic,
    OperatorPublic,
    OperatorsPublic,
    PassengerPublic,
    PlanLotPublic,
    PlanPublic,
    ScenarioPublic,
    TenderLotPublic,
    TenderRoutePublic,
)
from api.security import Principal, Role, active_keys, instance_secret, pseudonym
from api.services import day_plans, get_or_404, page
from api.services.records import stored_application
from routing.network import load_network
from transport.domain.errors import InputError
from transport.domain.fleet import default_fleet
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.domain.scenario import FleetVehicle, Scenario
from transport.planning.compare import compare_plans
from transport.planning.day import DayPlanDocument
from transport.planning.day_views import timed_runs
from transport.planning.intake import scenario_from_applications
from transport.planning.pickup import pickup_descriptions
from transport.planning.plan import PlanDocument, clock

DATA = Path(__file__).resolve().parent.parent / "data"


# ------------------------------------------------------------------------------------------------
# scenarios
# ------------------------------------------------------------------------------------------------
def create_scenario(session: Session, who: Principal, scenario: Scenario, source: str = "upload") -> ScenarioRecord:
    """Store a scenario (no commit)."""
    rec = ScenarioRecord(name=scenario.name, session=scenario.session, source=source, children=len(scenario.children),
                         document=scenario.model_dump(mode="json"), created_by=who.key_id)
    session.add(rec)
    session.flush()
    audit.record(session, who, "scenario.create", "scenario", rec.id, f"source={source} children={rec.children}")
    return rec


def _needs_seat(dec: DecisionRecord) -> bool:
    """Eligible with a seat: an engine decision says so in its offer; a human decision (override, review, appeal) means a seat."""
    if not dec.eligible:
        return False
    if dec.document is None:
        return True
    offer = dec.document.get("offer") or {}
    return offer.get("kind", "seat") == "seat"


def scenario_from_eligible(session: Session, who: Principal, engine: EligibilityEngine, body: FromEligible) -> ScenarioRecord:
    """A scenario of the applications whose current decision is eligible with a seat (no commit)."""
    q = select(ApplicationRecord).where(ApplicationRecord.status == "eligible").order_by(ApplicationRecord.id)
    if body.application_ids is not None:
        q = q.where(ApplicationRecord.reference.in_(body.application_ids))
    apps = []
    for rec in session.scalars(q):
        dec = session.get(DecisionRecord, rec.current_decision_id)
        if dec is not None and _needs_seat(dec):
            apps.append(stored_application(rec)[0])
    if not apps:
        raise ConflictError("no currently eligible child needs a seat: assess the applications first")
    try:
        fleet = (tuple(FleetVehicle.model_validate(f) for f in body.fleet) if body.fleet is not None
                 else default_fleet(len(apps)))
    except (ValueError, TypeError) as exc:
        raise FieldError(("body", "fleet"), str(exc).splitlines()[0]) from None
    assessor = engine.assessor()
    schools = assessor.measurer.schools
    scenario = scenario_from_applications(apps, schools, fleet, session=body.session, name=body.name,
                                          postcodes=assessor.measurer.postcodes)
    return create_scenario(session, who, scenario, source="eligible")


def get_scenario(session: Session, scenario_id: int) -> ScenarioRecord:
    """The scenario (404 otherwise)."""
    return get_or_404(session, ScenarioRecord, scenario_id, "scenario")


def list_scenarios(session: Session, *, limit: int, offset: int) -> tuple[list[ScenarioRecord], int]:
    """A page of stored scenarios, newest first, and how many are stored."""
    return page(session, select(ScenarioRecord).order_by(ScenarioRecord.id.desc()), limit=limit, offset=offset)


def scenario_public(rec: ScenarioRecord) -> ScenarioPublic:
    """The response form of a stored scenario."""
    return ScenarioPublic(id=rec.id, name=rec.name, session=rec.session, source=rec.source, children=rec.children,
                          created_at=rec.created_at)


# ------------------------------------------------------------------------------------------------
# jobs
# ------------------------------------------------------------------------------------------------
def start_job(session: Session, who: Principal, engine: EligibilityEngine, body: JobCreate,
              max_time_limit_s: float) -> JobRecord:
    """Queue a job (and, from eligible children, its scenario) in one transaction; a worker claims it."""
    if body.time_limit_s > max_time_limit_s:
        raise FieldError(("body", "time_limit_s"), f"time_limit_s may be at most {max_time_limit_s:g} on this service")
    if body.scenario_id is not None:
        scen = get_scenario(session, body.scenario_id)
    else:
        assert body.from_eligible is not None
        scen = scenario_from_eligible(session, who, engine, body.from_eligible)
    job = JobRecord(id=uuid.uuid4().hex, scenario_id=scen.id, status="queued", time_limit_s=body.time_limit_s,
                    created_by=who.key_id)
    session.add(job)
    session.flush()
    audit.record(session, who, "job.start", "job", job.id, f"scenario={scen.id} time_limit_s={body.time_limit_s:g}")
    session.commit()
    return job


def get_job(session: Session, job_id: str) -> JobRecord:
    """The job (404 otherwise)."""
    return get_or_404(session, JobRecord, job_id, "job")


def cancel_job(session: Session, who: Principal, job_id: str) -> JobRecord:
    """Ask a queued or running job to stop, through the database: a queued job ends ``cancelled`` now; a
    running one is stopped by its worker within seconds and keeps its best validated plan so far."""
    job = get_job(session, job_id)
    if job.status not in ("queued", "running"):
        raise ConflictError(f"job {job_id} is already {job.status}")
    audit.record(session, who, "job.cancel", "job", job.id)
    session.commit()
    queue.request_cancel(session, job_id)
    session.refresh(job)
    return job


def list_jobs(session: Session, *, limit: int, offset: int) -> tuple[list[JobRecord], int]:
    """A page of jobs, newest first, and how many are stored."""
    return page(session, select(JobRecord).order_by(JobRecord.created_at.desc(), JobRecord.id.desc()),
                limit=limit, offset=offset)


def job_public(job: JobRecord) -> JobPublic:
    """The response form of a job."""
    return JobPublic.model_validate(job, from_attributes=True)


# ------------------------------------------------------------------------------------------------
# plans
# ------------------------------------------------------------------------------------------------
def grid_square(p: LatLon) -> str:
    """The Ordnance Survey 10 km grid square of a point, e.g. ``SK80`` (coarse enough to share)."""
    e, n = p.to_bng()
    e100, n100 = int(e // 100_000), int(n // 100_000)
    if not (0 <= e100 < 7 and 0 <= n100 < 13):
        return "outside GB grid"
    l1 = (19 - n100) - (19 - n100) % 5 + (e100 + 10) // 5
    l2 = (19 - n100) * 5 % 25 + e100 % 5
    l1, l2 = l1 + (l1 > 7), l2 + (l2 > 7)
    return f"{chr(l1 + 65)}{chr(l2 + 65)}{int(e % 100_000 // 10_000)}{int(n % 100_000 // 10_000)}"


def _line_miles(coords: list[list[float]]) -> float:
    r = 6_371_008.8
    m = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(coords, coords[1:]):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        m += 2 * r * math.asin(math.sqrt(a))
    return m / 1609.344


def store_plan(session: Session, job: JobRecord, result: dict[str, Any], *, stopped: str | None = None) -> PlanRecord:
    """Store a worker's validated plan and its route summaries (no commit: the caller's transaction).

    ``stopped`` ("cancelled", "timed_out") marks the best plan found before the search was stopped.
    """
    return store_document(session, job.scenario_id, job.id, result, stopped=stopped)


def store_document(session: Session, scenario_id: int, job_id: str | None, result: dict[str, Any], *,
                   stopped: str | None = None) -> PlanRecord:
    """Store a plan (single-session or day) with its KPIs, validator's report, map and route summaries (no commit)."""
    plan = PlanRecord(scenario_id=scenario_id, job_id=job_id, document=result["document"], kpis=result["kpis"],
                      violations=result["violations"], geojson=result["geojson"], stopped=stopped)
    session.add(plan)
    session.flush()
    if day_plans.is_day_document(result["document"]):
        _store_day_routes(session, plan, DayPlanDocument.from_dict(result["document"]), result["geojson"])
        return plan
    doc = PlanDocument.from_dict(result["document"])
    lines = {f["properties"]["route"]: f["geometry"]["coordinates"] for f in result["geojson"]["features"]
             if f["geometry"]["type"] == "LineString"}
    for i, route in enumerate(doc.plan.routes, start=1):
        locs = [doc.locations[s.location] for s in route.stops]
        visits = [s for s, loc in zip(route.stops, locs) if loc.kind != "depot"] or list(route.stops)
        homes = Counter(grid_square(loc.point) for loc in locs if loc.kind == "home")
        session.add(RouteRecord(
            plan_id=plan.id, position=i, vehicle_type=route.vehicle_type_id, seats=route.layout.seats,
            wheelchair_spaces=route.layout.wheelchairs, assistant=route.has_assistant,
            passengers=len(route.request_ids()),
            school_ids=sorted({loc.id for loc in locs if loc.kind == "school"}),
            start_time=clock(visits[0].arrival_s), end_time=clock(visits[-1].departure_s),
            miles=round(_line_miles(lines.get(f"R{i:03d}", [])), 1),
            area="/".join(sq for sq, _ in homes.most_common(3)) or "-"))
    session.flush()
    return plan


def _store_day_routes(session: Session, plan: PlanRecord, doc: DayPlanDocument, geojson: dict[str, Any]) -> None:
    """One ``routes`` row per vehicle of a day plan: its morning start, afternoon end and both runs' miles."""
    miles: dict[str, float] = {}
    for f in geojson["features"]:
        if f["geometry"]["type"] == "LineString":
            label = f["properties"]["route"]
            miles[label] = miles.get(label, 0.0) + _line_miles(f["geometry"]["coordinates"])
    for i, r in enumerate(day_plans.route_summaries(doc), start=1):
        homes = Counter(grid_square(p) for p in r["homes"])
        session.add(RouteRecord(
            plan_id=plan.id, position=i, vehicle_type=r["vehicle_type"], seats=r["seats"],
            wheelchair_spaces=r["wheelchair_spaces"], assistant=r["assistant"], passengers=r["passengers"],
            school_ids=r["school_ids"], start_time=clock(r["start_s"]), end_time=clock(r["end_s"]),
            miles=round(miles.get(f"D{i:03d}", 0.0), 1), area="/".join(sq for sq, _ in homes.most_common(3)) or "-"))
    session.flush()


def import_today(session: Session, who: Principal, scenario_id: int, data: bytes, *, network=None) -> tuple[PlanRecord, dict[str, list[str]]]:
    """Store today's routes (CSV or .xlsx) for a day scenario as a plan: timed, costed, validated but not
    refused (breaches listed per route). A bad row stores nothing: every one is a row-numbered 422."""
    scen = get_scenario(session, scenario_id)
    result = day_plans.today_result(Scenario.model_validate(scen.document), data, network=network)
    plan = store_document(session, scen.id, None, result)
    audit.record(session, who, "plan.import_today", "plan", plan.id,
                 f"scenario={scen.id} routes={len(plan.routes)} findings={len(plan.violations)}")
    session.commit()
    return plan, result["breaches_by_route"]


def get_plan(session: Session, plan_id: int) -> PlanRecord:
    """The plan (404 otherwise)."""
    return get_or_404(session, PlanRecord, plan_id, "plan")


def rename_plan(session: Session, who: Principal, plan_id: int, name: str) -> PlanRecord:
    """Give a plan its planner's name (audited; the name itself is not personal data, but is not logged)."""
    plan = get_plan(session, plan_id)
    plan.name = name
    audit.record(session, who, "plan.rename", "plan", plan.id)
    return plan


def plan_public(plan: PlanRecord) -> PlanPublic:
    """A plan's summary KPIs."""
    day = day_plans.is_day(plan)
    return PlanPublic(id=plan.id, name=plan.name, scenario_id=plan.scenario_id, job_id=plan.job_id,
                      created_at=plan.created_at, kind="day" if day else "session",
                      kpis=(DayKpis if day else Kpis).model_validate(plan.kpis), routes=len(plan.routes),
                      violations=len(plan.violations), stopped=plan.stopped)


def list_plans(session: Session, *, limit: int, offset: int) -> tuple[list[PlanRecord], int]:
    """A page of stored plans, newest first, and how many are stored."""
    return page(session, select(PlanRecord).order_by(PlanRecord.id.desc()), limit=limit, offset=offset)


def compare(a: PlanRecord, b: PlanRecord) -> dict[str, Any] | DayComparisonPublic:
    """The engine's comparison of two stored plans (``transport.planning.compare``; two day plans:
    ``transport.planning.today.compare_days``)."""
    if day_plans.is_day(a) or day_plans.is_day(b):
        return day_plans.compare(a, b)
    result = compare_plans(PlanDocument.from_dict(a.document), PlanDocument.from_dict(b.document)).to_dict()
    return result | {"a_id": a.id, "b_id": b.id, "a_scenario_id": a.scenario_id, "b_scenario_id": b.scenario_id,
                     "same_scenario": a.scenario_id == b.scenario_id}


@lru_cache(maxsize=1)
def _postcodes() -> PostcodeIndex:
    return PostcodeIndex.load()


def given_postcodes(session: Session, child_ids: list[str]) -> dict[str, str]:
    """The home postcode each child's application gives, where it gives one."""
    rows = session.execute(select(ApplicationRecord.reference, ApplicationRecord.data)
                           .where(ApplicationRecord.reference.in_(child_ids))).all()
    return {ref: pc for ref, data in rows if (pc := ((data or {}).get("home") or {}).get("postcode"))}


def pickups(session: Session, doc: PlanDocument) -> dict[str, str]:
    """Where each routed child is picked up, in words (postcode, else street and nearest postcode)."""
    given = given_postcodes(session, [c.id for c in doc.scenario.children])
    return pickup_descriptions(doc, network=load_network("drive"), postcodes=_postcodes(), given=given)


def route_sheets(session: Session, plan: PlanRecord) -> list[dict[str, Any]]:
    """Route sheets with pseudonymous children, where to go for each pick-up, bell times, and
    each route's miles and day cost (a day plan: both runs, with each weekday's times)."""
    if day_plans.is_day(plan):
        return day_plans.route_sheet_rows(plan)
    doc = PlanDocument.from_dict(plan.document)
    rows = doc.route_sheets(pickups=pickups(session, doc), figures=_route_figures(plan, doc))
    _add_operator_ids(session, plan, doc, rows)
    return rows


_FIGURES: dict[tuple, list[dict[str, Any]]] = {}


def _route_figures(plan: PlanRecord, doc: PlanDocument) -> list[dict[str, Any]]:
    """A stored plan's route figures, worked out once per process (a stored plan never changes; the key
    holds its job's random id and creation time, so another database's plan of the same id never matches)."""
    key = (plan.id, plan.job_id, str(plan.created_at), len(doc.plan.routes))
    if key not in _FIGURES:
        if len(_FIGURES) >= 64:
            _FIGURES.pop(next(iter(_FIGURES)))
        _FIGURES[key] = doc.route_figures()
    return _FIGURES[key]


def _add_operator_ids(session: Session, plan: PlanRecord, doc: PlanDocument, rows: list[dict[str, Any]]) -> None:
    """On a route awarded to an operator, each child's row also gets ``operator`` and ``operator_child``: the
    pseudonymous id that operator's feed shows (kept per operator, so operators cannot link children), so a
    planner and an operator can talk about the same child."""
    held: dict[str, str] = {}
    for lot in session.scalars(select(LotRecord).where(LotRecord.plan_id == plan.id, LotRecord.status == "awarded")):
        if lot.award is None:
            continue
        for r in _routes(session, lot):
            held[f"R{r.position:03d}"] = lot.award.operator
    if not held:
        return
    secret = instance_secret(session, "contractor-pseudonyms")
    ids = [stop.request_id for route in doc.plan.routes for stop in route.stops]
    for row, child_id in zip(rows, ids, strict=True):
        operator = held.get(row["route"])
        if operator is not None and child_id and row["child"]:
            row["operator"], row["operator_child"] = operator, pseudonym(secret, operator, child_id)


def geojson(plan: PlanRecord) -> dict[str, Any]:
    """The routes on the real roads, as the worker drew them when it planned."""
    return plan.geojson


# ------------------------------------------------------------------------------------------------
# lots and awards
# ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def procurement() -> dict[str, Any]:
    """The council's procurement categories (``api/data/procurement_lots.yaml``)."""
    return yaml.safe_load((DATA / "procurement_lots.yaml").read_text(encoding="utf-8"))


def category(route: RouteRecord) -> dict[str, Any]:
    """The first procurement category a route matches."""
    for cat in procurement()["categories"]:
        if "max_seats" in cat and route.seats > cat["max_seats"]:
            continue
        if "min_seats" in cat and route.seats < cat["min_seats"]:
            continue
        if cat.get("wheelchair") and route.wheelchair_spaces == 0:
            continue
        return cat
    raise InputError(f"route {route.position} ({route.seats} seats) matches no procurement category")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def school_lots(routes: list[tuple[int, list[str], str]], names: dict[str, str], *,
                max_routes: int) -> dict[tuple[str, str], list[int]]:
    """Routes packaged by school, as tender lots: each route (id, school ids, area) goes in the lot of the school
    that most of the plan's routes serve (ties by id), named after that school with its route count. A school with
    more than ``max_routes`` routes is split by the 10 km square most of each route's homes are in, and a square
    still over the cap into parts of at most ``max_routes``."""
    serving = Counter(s for _, schools, _ in routes for s in set(schools))
    by_school: dict[str, list[tuple[int, bool, str]]] = {}
    for rid, schools, area in routes:
        home = min(set(schools) or {"-"}, key=lambda s: (-serving[s], s))
        by_school.setdefault(home, []).append((rid, len(set(schools)) > 1, (area or "-").split("/")[0]))
    out: dict[tuple[str, str], list[int]] = {}
    for school, members in sorted(by_school.items()):
        name = names.get(school, school)
        if len(members) <= max_routes:
            parts = [("", "", members)]
        else:
            squares: dict[str, list[tuple[int, bool, str]]] = {}
            for m in members:
                squares.setdefault(m[2], []).append(m)
            parts = []
            for sq, ms in sorted(squares.items()):
                chunks = [ms[i:i + max_routes] for i in range(0, len(ms), max_routes)]
                for k, chunk in enumerate(chunks, start=1):
                    tail = f" part {k} of {len(chunks)}" if len(chunks) > 1 else ""
                    parts.append((f"/{sq}{f'/{k}' if tail else ''}", f", homes in {sq}{tail}", chunk))
        for key, where, chunk in parts:
            shared = sum(1 for _, multi, _ in chunk if multi)
            also = "" if not shared else (", 1 also serves another school" if shared == 1
                                          else f", {shared} also serve other schools")
            out[(f"{school}{key}", f"{name}{where} ({_plural(len(chunk), 'route')}{also})")] = [m[0] for m in chunk]
    return out


def create_lots(session: Session, who: Principal, plan_id: int, grouping: str) -> list[LotRecord]:
    """Package every route of a plan into lots, by school group or procurement category (draft, not yet published)."""
    plan = get_plan(session, plan_id)
    if session.scalar(select(LotRecord.id).where(LotRecord.plan_id == plan_id, LotRecord.grouping == grouping,
                                                 LotRecord.status != "withdrawn")):
        raise ConflictError(f"plan {plan_id} already has {grouping} lots")
    held = session.scalars(select(LotRouteRecord.lot_id).join(RouteRecord, RouteRecord.id == LotRouteRecord.route_id)
                           .where(RouteRecord.plan_id == plan_id).distinct()).all()
    if held:
        raise ConflictError(f"plan {plan_id}'s routes are already in live lots ({', '.join(map(str, sorted(held)))}): "
                            "a route belongs to at most one live lot; withdraw those lots first")
    _check_tenderable(plan)
    groups: dict[tuple[str, str], list[int]] = {}
    if grouping == "school":
        names = {s["id"]: s.get("name") or s["id"] for s in plan.document["scenario"]["schools"]}
        groups = school_lots([(r.id, list(r.school_ids), r.area) for r in plan.routes], names,
                             max_routes=procurement()["max_routes_per_school_lot"])
    else:
        for r in plan.routes:
            cat = category(r)
            groups.setdefault((cat["id"], cat["name"]), []).append(r.id)
    lots = [_draft_lot(session, who, "lot.create", f"plan={plan_id} grouping={grouping} routes={len(ids)}",
                       LotRecord(plan_id=plan_id, grouping=grouping, key=key[:64], name=name[:200], route_ids=ids))
            for (key, name), ids in sorted(groups.items())]
    _commit_lots(session, f"plan {plan_id}")
    return lots


def _check_tenderable(plan: PlanRecord) -> None:
    """Only a plan without validation findings goes to tender."""
    if plan.violations:
        raise ConflictError(f"plan {plan.id} has {len(plan.violations)} validation findings: fix them before tendering")


def _draft_lot(session: Session, who: Principal, action: str, detail: str, lot: LotRecord) -> LotRecord:
    """Add a lot as a draft holding its routes (one LotRouteRecord each: the key that keeps a route in at most one
    live lot), audited."""
    lot.status = "draft"
    session.add(lot)
    session.flush()
    session.add_all(LotRouteRecord(route_id=rid, lot_id=lot.id) for rid in lot.route_ids)
    audit.record(session, who, action, "lot", lot.id, detail)
    return lot


def _commit_lots(session: Session, what: str) -> None:
    """Commit new lots; if another request put one of their routes in a live lot meanwhile, store nothing (409)."""
    try:
        session.flush()
    except IntegrityError:  # another request packaged these routes meanwhile
        session.rollback()
        raise ConflictError(f"{what}'s routes were put in other lots meanwhile: a route belongs to at most "
                            "one live lot") from None
    session.commit()


def get_lot(session: Session, lot_id: int) -> LotRecord:
    """The lot (404 otherwise)."""
    return get_or_404(session, LotRecord, lot_id, "lot")


def publish_lot(session: Session, who: Principal, lot_id: int) -> LotRecord:
    """Open a draft lot for tender."""
    lot = get_lot(session, lot_id)
    if lot.status != "draft":
        raise ConflictError(f"lot {lot_id} is already {lot.status}")
    lot.status, lot.published_at = "published", utcnow()
    audit.record(session, who, "lot.publish", "lot", lot.id)
    session.commit()
    return lot


def award_lot(session: Session, who: Principal, lot_id: int, operator: str, phone: str | None = None) -> AwardRecord:
    """Award a published lot to an operator (once), with the number families call about its routes."""
    lot = get_lot(session, lot_id)
    if lot.status != "published":
        raise ConflictError(f"lot {lot_id} is {lot.status}: only a published lot can be awarded")
    name = operator.strip()
    if name not in operator_names(session):
        raise FieldError(("body", "operator"), "no active contractor key is bound to this operator: "
                                               "choose one of GET /v1/operators (names match exactly)")
    award = AwardRecord(lot_id=lot.id, operator=name, operator_phone=(phone or "").strip() or None,
                        awarded_by=who.key_id)
    lot.status = "awarded"
    session.add(award)
    session.flush()
    audit.record(session, who, "lot.award", "lot", lot.id, f"award={award.id}")
    session.commit()
    return award


def withdraw_lot(session: Session, who: Principal, lot_id: int) -> LotRecord:
    """Withdraw a lot (draft, published or awarded): its operator loses access with the next request,
    it leaves the tenders, and its routes are free to be packaged again. The award stays on record."""
    lot = get_lot(session, lot_id)
    if lot.status == "withdrawn":
        raise ConflictError(f"lot {lot_id} is already withdrawn")
    lot.status = "withdrawn"
    session.execute(delete(LotRouteRecord).where(LotRouteRecord.lot_id == lot.id))
    audit.record(session, who, "lot.withdraw", "lot", lot.id)
    session.commit()
    return lot


def retender_lot(session: Session, who: Principal, lot_id: int) -> LotRecord:
    """Put a withdrawn lot's routes back to tender as a new draft lot (same grouping, key and name), while the
    plan's other lots stay live. Refused while the lot is live, when another live lot holds any of its routes
    (a route is in at most one live lot), or when the plan has validation findings."""
    lot = get_lot(session, lot_id)
    if lot.status != "withdrawn":
        raise ConflictError(f"lot {lot_id} is {lot.status}: withdraw it before putting its routes back to tender")
    held = sorted(set(session.scalars(select(LotRouteRecord.lot_id).where(LotRouteRecord.route_id.in_(lot.route_ids)))))
    if held:
        raise ConflictError(f"lot {lot_id}'s routes are already in live lots ({', '.join(map(str, held))}): "
                            "a route belongs to at most one live lot")
    _check_tenderable(get_plan(session, lot.plan_id))
    ids = list(lot.route_ids)
    new = _draft_lot(session, who, "lot.retender", f"from_lot={lot.id} routes={len(ids)}",
                     LotRecord(plan_id=lot.plan_id, grouping=lot.grouping, key=lot.key, name=lot.name, route_ids=ids))
    _commit_lots(session, f"lot {lot_id}")
    return new


def visible_lots(session: Session, who: Principal) -> list[LotRecord]:
    """Lots the caller may see as tenders: contractors see published and awarded ones, planners all."""
    q = select(LotRecord).order_by(LotRecord.id)
    if who.role is Role.CONTRACTOR:
        q = q.where(LotRecord.status.in_(("published", "awarded")))
    return list(session.scalars(q))


def tender_lot(session: Session, who: Principal, lot_id: int) -> LotRecord:
    """One lot as a tender (a contractor cannot see drafts)."""
    lot = get_lot(session, lot_id)
    if who.role is Role.CONTRACTOR and lot.status not in ("published", "awarded"):
        raise NotFoundError(f"lot {lot_id} not found")
    return lot


def _routes(session: Session, lot: LotRecord) -> list[RouteRecord]:
    """The lot's routes: while it is live, only those it holds in ``lot_routes`` (never another lot's)."""
    q = select(RouteRecord).where(RouteRecord.id.in_(lot.route_ids))
    if lot.status != "withdrawn":
        q = q.join(LotRouteRecord, LotRouteRecord.route_id == RouteRecord.id).where(LotRouteRecord.lot_id == lot.id)
    return list(session.scalars(q.order_by(RouteRecord.position)))


def _tender_route(lot: LotRecord, r: RouteRecord, day: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A route as tendered; ``day`` (``day_plans.tender_runs``) adds a day plan route's weekdays and runs."""
    extra = day.get(r.position, {}) if day is not None else {}
    return dict(ref=f"L{lot.id}-R{r.position:03d}", vehicle_type=r.vehicle_type, seats=r.seats,
                wheelchair_spaces=r.wheelchair_spaces, assistant_needed=r.assistant,
                days=extra.get("days", procurement()["days"]), start_time=r.start_time, end_time=r.end_time,
                estimated_miles=r.miles, area=r.area, weekdays=extra.get("weekdays"), runs=extra.get("runs"))


def _day_runs(session: Session, lot: LotRecord) -> dict[int, dict[str, Any]] | None:
    """The weekdays and runs of a day plan's routes (None for a single-session plan)."""
    plan = get_plan(session, lot.plan_id)
    return day_plans.tender_runs(plan) if day_plans.is_day(plan) else None


def tender_public(session: Session, lot: LotRecord) -> TenderLotPublic:
    """A lot as published: no personal data."""
    day = _day_runs(session, lot)
    return TenderLotPublic(id=lot.id, plan_id=lot.plan_id, grouping=lot.grouping, key=lot.key, name=lot.name,
                           status=lot.status, published_at=lot.published_at,
                           routes=[TenderRoutePublic(**_tender_route(lot, r, day)) for r in _routes(session, lot)])


def plan_lots(session: Session, plan_id: int) -> list[LotRecord]:
    """A plan's lots, oldest first (404 when there is no such plan)."""
    get_plan(session, plan_id)
    return list(session.scalars(select(LotRecord).where(LotRecord.plan_id == plan_id).order_by(LotRecord.id)))


def plan_lot_public(session: Session, lot: LotRecord) -> PlanLotPublic:
    """A lot as its planner sees it: the tender, its status and, once awarded, the operator."""
    award = lot.award
    return PlanLotPublic(**tender_public(session, lot).model_dump(), operator=award.operator if award else None,
                         awarded_at=award.awarded_at if award else None)


def contractor_awards(session: Session, who: Principal) -> list[AwardRecord]:
    """The caller's operator's awards."""
    return list(session.scalars(select(AwardRecord).join(LotRecord, LotRecord.id == AwardRecord.lot_id)
                                .where(AwardRecord.operator == who.operator, LotRecord.status == "awarded")
                                .order_by(AwardRecord.id)))


def operator_names(session: Session) -> set[str]:
    """Operators that hold at least one active contractor key."""
    return {k.operator for k in active_keys(session) if k.role == Role.CONTRACTOR and k.operator}


def operators(session: Session) -> OperatorsPublic:
    """Operators that hold contractor keys (not revoked), by name, with how many each holds."""
    held = Counter(k.operator for k in active_keys(session) if k.role == Role.CONTRACTOR and k.operator)
    return OperatorsPublic(data=[OperatorPublic(operator=op, active_keys=n) for op, n in sorted(held.items())], count=len(held))


def award_public(a: AwardRecord) -> AwardPublic:
    """The response form of an award."""
    return AwardPublic(lot_id=a.lot_id, operator=a.operator, phone=a.operator_phone, awarded_at=a.awarded_at)


def contractor_lot(session: Session, who: Principal, lot_id: int, *, names: str = "first_name") -> ContractorLotPublic:
    """An awarded lot for its operator only: stops, times, and per passenger a name, a pseudonym and access needs."""
    lot = get_lot(session, lot_id)
    award = lot.award
    if award is None or award.operator != who.operator or lot.status != "awarded":
        raise ForbiddenError(f"lot {lot_id} is not awarded to your operator")
    plan = get_plan(session, lot.plan_id)
    is_day = day_plans.is_day(plan)
    doc: PlanDocument | DayPlanDocument = (DayPlanDocument if is_day else PlanDocument).from_dict(plan.document)
    timed = timed_runs(doc) if isinstance(doc, DayPlanDocument) else []
    day = day_plans.tender_runs(plan) if is_day else None
    children = {c.id: c for c in doc.scenario.children}
    schools = {s.id: s for s in doc.scenario.schools}
    secret = instance_secret(session, "contractor-pseudonyms")
    postcodes = dict(session.execute(select(ApplicationRecord.reference, ApplicationRecord.data)
                                     .where(ApplicationRecord.reference.in_(list(children)))).all())
    where_to_go = {} if isinstance(doc, DayPlanDocument) else pickups(session, doc)
    lines = {(f["properties"].get("route"), f["properties"].get("run")): f["geometry"]["coordinates"]
             for f in (plan.geojson or {}).get("features", []) if f.get("geometry", {}).get("type") == "LineString"}
    routes = []
    for r in _routes(session, lot):
        if isinstance(doc, DayPlanDocument):  # both runs, each stop's time on every weekday
            runs = day_plans.contractor_runs(doc, timed, r.position)
        else:
            runs = [(None, doc.plan.routes[r.position - 1].stops, None)]
        stops = []
        for run, run_stops, times in runs:
            for order, stop in enumerate(run_stops):
                loc = doc.locations[stop.location]
                child = children.get(stop.request_id or "") if loc.kind == "home" else None
                passenger = None
                postcode = None
                if stop.request_id and stop.request_id in children:
                    c = children[stop.request_id]
                    first = c.first_name.strip()
                    name = first if (names == "first_name" and first) else "".join(f"{w[0]}." for w in first.split()[:2])
                    passenger = PassengerPublic(id=pseudonym(secret, award.operator, c.id), name=name,
                                                wheelchair=c.wheelchair, passenger_assistant=c.passenger_assistant,
                                                travel_alone=c.travel_alone, access_notes=c.access_notes,
                                                equipment=list(c.equipment))
                where = None
                if child is not None:
                    postcode = child.home.postcode or ((postcodes.get(child.id) or {}).get("home") or {}).get("postcode")
                    where = where_to_go.get(child.id) or postcode
                elif loc.kind == "school" and loc.id in schools:
                    postcode = schools[loc.id].location.postcode
                    where = postcode
                place = schools[loc.id].name if loc.kind == "school" and loc.id in schools else loc.kind
                stops.append(ContractorStopPublic(order=order, kind=stop.kind.value, time=clock(stop.service_start_s),
                                                  place=place, postcode=postcode, where=where, lat=round(loc.point.lat, 5),
                                                  lon=round(loc.point.lon, 5), passenger=passenger, run=run,
                                                  times=times[order] if times is not None else None))
        if is_day:
            line, line_pm = lines.get((f"D{r.position:03d}", "am")), lines.get((f"D{r.position:03d}", "pm"))
        else:
            line, line_pm = lines.get((f"R{r.position:03d}", None)), None
        geometry = LineStringPublic(type="LineString", coordinates=line) if line and len(line) >= 2 else None
        geometry_pm = LineStringPublic(type="LineString", coordinates=line_pm) if line_pm and len(line_pm) >= 2 else None
        routes.append(ContractorRoutePublic(**_tender_route(lot, r, day), stops=stops, geometry=geometry,
                                            geometry_pm=geometry_pm))
    audit.record(session, who, "lot.read_awarded", "lot", lot.id)
    session.commit()
    return ContractorLotPublic(id=lot.id, name=lot.name, operator=award.operator, awarded_at=award.awarded_at, routes=routes)


def count(session: Session, model) -> int:
    """Rows in a table."""
    return session.scalar(select(func.count()).select_from(model)) or 0
