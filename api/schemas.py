"""Request and response schemas, one family per resource (``Create`` in, ``Public`` out).

Data minimisation lives here: ``ContractorLotPublic`` and ``TenderLotPublic`` have no field
that could carry a child's name, address or diagnosis beyond what each audience needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eligibility.rules import Decision
from transport.domain.scenario import Scenario
from transport.domain.geo import LatLon
from transport.domain.models import Application, ChildNeeds, Home

Ref = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
Reason = Field(min_length=10, max_length=2000, description="why, in words (at least 10 characters)")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(BaseModel):
    """An error that is not about one field (401, 403, 404, 409)."""

    detail: str


# ------------------------------------------------------------------------------------------------
# applications
# ------------------------------------------------------------------------------------------------
class HomeIn(_In):
    """Where the child lives: a postcode, a WGS84 point, or British National Grid metres."""

    postcode: str | None = Field(None, min_length=5, max_length=8, pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$")
    lat: float | None = Field(None, ge=49.0, le=61.0)
    lon: float | None = Field(None, ge=-8.7, le=2.0)
    easting: float | None = Field(None, ge=0, le=800_000)
    northing: float | None = Field(None, ge=0, le=1_400_000)

    @model_validator(mode="after")
    def _one_given(self) -> "HomeIn":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if (self.easting is None) != (self.northing is None):
            raise ValueError("give both easting and northing")
        if self.postcode is None and self.lat is None and self.easting is None:
            raise ValueError("home needs a postcode, lat/lon or easting/northing")
        return self


class NeedsIn(_In):
    """What the child needs on the journey (used for planning and, minimised, by the awarded operator)."""

    wheelchair: bool = False
    passenger_assistant: bool = False
    travel_alone: bool = False
    max_ride_time_min: int | None = Field(None, gt=0, le=180)
    not_with: list[str] = Field(default_factory=list, max_length=20)
    equipment: list[str] = Field(default_factory=list, max_length=20, description="e.g. booster seat, harness")
    access_notes: str = Field("", max_length=500, description="what the driver needs to know at the door")


class ApplicationCreate(_In):
    """A transport application as the council receives it (columns as in docs/eligibility-input.md)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "application_id": "KCC-2025-00017", "first_name": "Amira", "date_of_birth": "2014-06-30", "sex": "F",
        "home": {"postcode": "LE15 8PU"}, "school_id": "131018", "travel_date": "2025-09-03",
        "ehc_plan": True, "ehc_named_school_id": "131018", "sen_mobility": True,
        "sen_evidence": "EHC plan section F: needs adult support on journeys",
        "needs": {"passenger_assistant": True, "equipment": ["booster seat"]},
    }]})

    application_id: str = Ref
    first_name: str = Field("", max_length=50)
    date_of_birth: dt.date
    sex: Literal["F", "M", "U"] = "U"
    home: HomeIn
    school_id: str = Field(min_length=1, max_length=64)
    travel_date: dt.date
    ehc_plan: bool = False
    ehc_named_school_id: str | None = Field(None, max_length=64)
    ehc_transport_condition: bool = False
    sen_mobility: bool = False
    sen_evidence: str = Field("", max_length=2000)
    temporary_condition_until: dt.date | None = None
    low_income: bool = False
    religious_preference: str | None = Field(None, max_length=50)
    needs: NeedsIn = Field(default_factory=NeedsIn)
    sibling_group: str | None = Field(None, max_length=64)
    no_place_at: list[str] = Field(default_factory=list, max_length=50,
                                   description="schools that would not have offered a place")

    @model_validator(mode="after")
    def _dates(self) -> "ApplicationCreate":
        if self.date_of_birth >= self.travel_date:
            raise ValueError("date_of_birth must be before travel_date")
        if self.travel_date.year - self.date_of_birth.year > 26:
            raise ValueError("the child would be over 25 on the travel date: check date_of_birth")
        return self

    def to_domain(self) -> Application:
        """The engine's application (raises InputError or ValueError naming the field)."""
        h = self.home
        home = Home(postcode=h.postcode, location=LatLon(h.lat, h.lon) if h.lat is not None else None,
                    easting=h.easting, northing=h.northing)
        n = self.needs
        needs = ChildNeeds(wheelchair=n.wheelchair, passenger_assistant=n.passenger_assistant,
                           travel_alone=n.travel_alone, max_ride_time_min=n.max_ride_time_min,
                           not_with=tuple(n.not_with), equipment=tuple(n.equipment), access_notes=n.access_notes)
        return Application(
            id=self.application_id, date_of_birth=self.date_of_birth, sex=self.sex, home=home,
            school_id=self.school_id, travel_date=self.travel_date, ehc_plan=self.ehc_plan,
            ehc_named_school_id=self.ehc_named_school_id, ehc_transport_condition=self.ehc_transport_condition,
            sen_mobility=self.sen_mobility, sen_evidence=self.sen_evidence,
            temporary_condition_until=self.temporary_condition_until, low_income=self.low_income,
            religious_preference=self.religious_preference, needs=needs, first_name=self.first_name,
            sibling_group=self.sibling_group,
        )


class DecisionSummary(BaseModel):
    """The current decision on an application, in brief."""

    id: int
    kind: str
    eligible: bool
    refusal: str | None
    policy_version: str
    created_at: dt.datetime


class ApplicationPublic(BaseModel):
    """A stored application with its status and current decision."""

    id: str = Field(description="the application reference")
    status: Literal["received", "eligible", "not_eligible"]
    school_id: str
    travel_date: dt.date
    created_at: dt.datetime
    application: ApplicationCreate
    current_decision: DecisionSummary | None = None


class ApplicationsPublic(BaseModel):
    """A page of applications and the number matching the filters."""

    data: list[ApplicationPublic]
    count: int
    limit: int
    offset: int


class ImportRow(BaseModel):
    """What happened to one CSV row (1 = first data row)."""

    row: int
    application_id: str | None
    status: Literal["created", "duplicate", "error"]
    reason: str = ""
    eligible: bool | None = None


class ImportReport(BaseModel):
    """Every row of an imported cohort accounted for."""

    rows: int
    created: int
    duplicates: int
    errors: int
    assessed: int
    report: list[ImportRow]


# ------------------------------------------------------------------------------------------------
# decisions
# ------------------------------------------------------------------------------------------------
DecisionKind = Literal["assessment", "reassessment", "override", "review", "appeal"]


class DecisionPublic(BaseModel):
    """One decision in an application's history, with the full explanation and the policy version."""

    id: int
    application_id: str
    kind: DecisionKind
    eligible: bool
    refusal: str | None
    policy_id: str
    policy_version: str
    explanation: str
    reason: str | None = Field(None, description="the officer's reason (overrides, reviews, appeals)")
    supersedes_id: int | None
    created_at: dt.datetime
    created_by: str = Field(description="key id of who made it")
    document: Decision | None = Field(None, description="the engine's full decision (assessments)")


class DecisionsPublic(BaseModel):
    """An application's decision history, oldest first."""

    data: list[DecisionPublic]
    count: int


class OverrideCreate(_In):
    """An officer's override of the current decision; the reason is mandatory."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "eligible": True, "reason": "Exceptional circumstances: parent's disability prevents accompanying (evidence on file)"}]})

    eligible: bool
    reason: str = Reason


class CohortAssess(_In):
    """Assess (and store) a cohort: the undecided applications, or all of them after a policy change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scope": "all", "policy": "kent"}]})

    scope: Literal["undecided", "all"] = "undecided"
    policy: str | None = Field(None, max_length=64, description="policy name; default: the policy in force")
    application_ids: list[str] | None = Field(None, max_length=10_000)


class Change(BaseModel):
    """A decision that changed on re-assessment."""

    application_id: str
    before_eligible: bool | None
    after_eligible: bool
    before_refusal: str | None
    after_refusal: str | None
    before_policy_version: str | None
    after_policy_version: str


class Skipped(BaseModel):
    """An application left out of a run, and why."""

    application_id: str
    reason: str


class CohortReport(BaseModel):
    """What a cohort run did: counts, what changed, what was skipped or could not be decided."""

    policy_id: str
    policy_version: str
    assessed: int
    unchanged: int
    changed: list[Change]
    skipped: list[Skipped]
    errors: list[Skipped]


# ------------------------------------------------------------------------------------------------
# reviews and appeals
# ------------------------------------------------------------------------------------------------
class CaseRequest(_In):
    """A parent's request for a stage 1 review or a stage 2 appeal."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "requested_on": "2025-09-10", "grounds": "The walking route crosses the A606 without a footway."}]})

    requested_on: dt.date
    grounds: str = Field(min_length=1, max_length=5000)
    accept_late: bool = Field(False, description="accept a request made after the deadline (officer's discretion)")


class HearingSchedule(_In):
    """The date the stage 2 panel meets."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"hearing_on": "2025-10-20"}]})

    hearing_on: dt.date


class CaseOutcome(_In):
    """The outcome of a review or appeal; overturning a refusal stores a new eligible decision."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "refusal_overturned", "decided_on": "2025-10-01",
        "reason": "Route assessed again: no safe crossing point on the A606."}]})

    outcome: Literal["refusal_upheld", "refusal_overturned"]
    decided_on: dt.date
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


class CasesPublic(BaseModel):
    """Cases, nearest deadline first."""

    data: list[CasePublic]
    count: int


# ------------------------------------------------------------------------------------------------
# keys, tokens, audit, health
# ------------------------------------------------------------------------------------------------
class KeyCreate(_In):
    """A new API key: its role and, for contractors, the operator it is bound to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Acme Taxis tender key", "role": "contractor", "operator": "Acme Taxis"}]})

    name: str = Field(min_length=1, max_length=100)
    role: Literal["officer", "planner", "contractor", "admin"]
    operator: str | None = Field(None, min_length=1, max_length=100)


class KeyPublic(BaseModel):
    """A key without its secret."""

    id: str
    name: str
    role: str
    operator: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyPublic):
    """A new key with its secret, shown this once."""

    key: str


class KeysPublic(BaseModel):
    """Active keys."""

    data: list[KeyPublic]
    count: int


class TokenPublic(BaseModel):
    """An OAuth2 access token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class AuditEventPublic(BaseModel):
    """One audit entry."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: str
    detail: str


class AuditPublic(BaseModel):
    """A page of the audit log, newest first."""

    data: list[AuditEventPublic]
    count: int


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


# ------------------------------------------------------------------------------------------------
# scenarios, jobs, plans
# ------------------------------------------------------------------------------------------------
SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "Oakham AM", "session": "am",
    "schools": [{"id": "131018", "name": "The Shires", "location": {"lat": 52.7296, "lon": -0.5973},
                 "phase": "secondary", "bell_start": "09:00:00", "bell_finish": "15:00:00"}],
    "children": [{"id": "C1", "first_name": "Amira", "home": {"postcode": "LE15 8PU"}, "school_id": "131018",
                  "passenger_assistant": True, "equipment": ["booster seat"]}],
    "fleet": [{"id": "mpv", "name": "MPV", "count": 2, "layouts": [{"seats": 6}], "fixed_daily_pence": 4500,
               "pence_per_mile": 200, "assistant_daily_pence": 6000, "depot": {"lat": 52.67, "lon": -0.73}}],
}


class ScenarioIn(Scenario):
    """A scenario to store (format ``sen-transport/scenario/1``; bell times are local clock times)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": [SCENARIO_EXAMPLE]})

    @model_validator(mode="before")
    @classmethod
    def _local_bell_times(cls, data: Any) -> Any:
        schools = data.get("schools") if isinstance(data, dict) else None
        for i, school in enumerate(schools if isinstance(schools, list) else []):
            for key in ("bell_start", "bell_finish"):
                value = school.get(key) if isinstance(school, dict) else None
                if isinstance(value, str):
                    try:
                        parsed = dt.time.fromisoformat(value.replace("Z", "+00:00"))
                    except ValueError:
                        continue  # the field's own validation names it
                    if parsed.tzinfo is not None:
                        raise ValueError(f"schools.{i}.{key}: bell times are local clock times, without a time zone")
        return data


class ScenarioPublic(BaseModel):
    """A stored scenario, in brief."""

    id: int
    name: str
    session: str
    source: Literal["upload", "eligible"]
    children: int
    created_at: dt.datetime


class ScenariosPublic(BaseModel):
    """Stored scenarios, newest first."""

    data: list[ScenarioPublic]
    count: int


class FromEligible(_In):
    """A scenario of the children currently eligible for a seat (optionally only some applications)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "September AM", "session": "am"}]})

    name: str = Field("eligible children", min_length=1, max_length=200)
    session: Literal["am", "pm"] = "am"
    application_ids: list[str] | None = Field(None, max_length=10_000)
    fleet: list[dict[str, Any]] | None = Field(None, description="fleet entries as in the scenario format; default: the sample fleet sized to the cohort")


class JobCreate(_In):
    """Start an optimisation from a stored scenario or from the currently eligible children."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scenario_id": 1, "time_limit_s": 30}]})

    scenario_id: int | None = Field(None, ge=1)
    from_eligible: FromEligible | None = None
    time_limit_s: float = Field(30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_source(self) -> "JobCreate":
        if (self.scenario_id is None) == (self.from_eligible is None):
            raise ValueError("give exactly one of scenario_id and from_eligible")
        return self


class JobPublic(BaseModel):
    """An optimisation job: status, progress (0-1), best daily cost so far (pence) and its plan once stored."""

    id: str
    scenario_id: int
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    progress: float
    best_cost: int | None = Field(description="best daily cost found so far, pence (plus any penalty for children left out)")
    elapsed_s: float
    time_limit_s: float
    error: str | None
    plan_id: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class JobsPublic(BaseModel):
    """Jobs, newest first."""

    data: list[JobPublic]
    count: int


class Unplaced(BaseModel):
    """A child no route carries, and why."""

    child_id: str
    reason: str
    detail: str = ""


class Kpis(BaseModel):
    """A plan's headline figures."""

    model_config = ConfigDict(extra="allow")

    children: int
    routed: int
    unassigned: list[Unplaced]
    daily_cost_pence: int
    vehicles: int
    vehicles_by_type: dict[str, int]
    miles: float
    mean_ride_min: float
    max_ride_min: float
    over_ride_limit: int
    valid: bool


class PlanPublic(BaseModel):
    """A stored plan's summary."""

    id: int
    scenario_id: int
    job_id: str | None
    created_at: dt.datetime
    kpis: Kpis
    routes: int
    violations: int


class PlansPublic(BaseModel):
    """Stored plans, newest first."""

    data: list[PlanPublic]
    count: int


class PlanSide(BaseModel):
    """One plan's figures in a comparison."""

    daily_cost_pence: int
    vehicles: int
    vehicles_by_type: dict[str, int]
    miles: float
    mean_ride_min: float
    max_ride_min: float
    over_ride_limit: int
    unassigned: int


class PlanComparisonPublic(BaseModel):
    """Plan ``a`` (before) against plan ``b`` (after): figures and the routes that changed.

    A route is the same when the same vehicle runs the same stops at the same times in both.
    """

    a_id: int
    b_id: int
    a: PlanSide
    b: PlanSide
    routes_unchanged: int
    routes_changed: int
    routes_added: int
    routes_removed: int
    children_moved: int
    changed_in_a: list[str] = Field(description="route-sheet labels of plan a's routes that plan b changes or drops")
    changed_in_b: list[str] = Field(description="route-sheet labels of plan b's routes that are new or differ")


class Violation(BaseModel):
    """One finding of the independent validator."""

    model_config = ConfigDict(extra="allow")

    cause: str
    route_index: int | None = None
    stop_index: int | None = None
    request_id: str | None = None
    detail: str = ""


class ValidationReport(BaseModel):
    """The validator's report on a plan (empty ``violations`` means valid)."""

    plan_id: int
    valid: bool
    violations: list[Violation]


class FeatureCollection(BaseModel):
    """GeoJSON (RFC 7946): the routes on the real roads and their stops."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


class RouteSheetRow(BaseModel):
    """One stop on a route sheet (children pseudonymous)."""

    model_config = ConfigDict(extra="allow")

    route: str
    vehicle_type: str
    stop: int
    kind: str
    arrive: str
    depart: str
    place: str
    child: str


class RouteSheets(BaseModel):
    """Every stop of every route, in order."""

    plan_id: int
    data: list[RouteSheetRow]


# ------------------------------------------------------------------------------------------------
# lots, tenders and the contractor feed
# ------------------------------------------------------------------------------------------------
class LotsCreate(_In):
    """Package a plan's routes into lots: one per school (group), or by the council's procurement categories."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"grouping": "procurement"}]})

    grouping: Literal["school", "procurement"] = "procurement"


class TenderRoutePublic(BaseModel):
    """A route as tendered: no child, no address, only what an operator prices."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    vehicle_type: str
    seats: int
    wheelchair_spaces: int
    assistant_needed: bool
    days: str
    start_time: str
    end_time: str
    estimated_miles: float
    area: str = Field(description="Ordnance Survey 10 km grid square(s) where the route picks up or sets down")


class TenderLotPublic(BaseModel):
    """A lot as published for tender (no personal data)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    plan_id: int
    grouping: str
    key: str
    name: str
    status: Literal["draft", "published", "awarded"]
    published_at: dt.datetime | None
    routes: list[TenderRoutePublic]


class TenderLotsPublic(BaseModel):
    """Lots, oldest first."""

    data: list[TenderLotPublic]
    count: int


class PlanLotPublic(TenderLotPublic):
    """A plan's lot as its planner sees it: the tender, and the operator once awarded."""

    operator: str | None = Field(None, description="the operator the lot is awarded to, once awarded")
    awarded_at: dt.datetime | None = None


class PlanLotsPublic(BaseModel):
    """A plan's lots, oldest first."""

    data: list[PlanLotPublic]
    count: int


class AwardCreate(_In):
    """Award a published lot to an operator."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"operator": "Acme Taxis"}]})

    operator: str = Field(min_length=1, max_length=100)


class OperatorPublic(BaseModel):
    """An operator that holds contractor keys."""

    operator: str
    active_keys: int


class OperatorsPublic(BaseModel):
    """Operators by name."""

    items: list[OperatorPublic]


class AwardPublic(BaseModel):
    """An award."""

    lot_id: int
    operator: str
    awarded_at: dt.datetime


class PassengerPublic(BaseModel):
    """What a driver needs about a passenger: a name to greet, a pseudonymous id, access and equipment needs."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="pseudonymous id, stable for this operator")
    name: str = Field(description="first name, or initials where the child has none recorded")
    wheelchair: bool
    passenger_assistant: bool
    travel_alone: bool
    access_notes: str
    equipment: list[str]


class ContractorStopPublic(BaseModel):
    """A stop: when, where, and who is picked up or set down."""

    model_config = ConfigDict(extra="forbid")

    order: int
    kind: Literal["start", "pickup", "delivery", "end"]
    time: str
    place: str = Field(description="school name, 'home' or 'depot'")
    postcode: str | None
    lat: float
    lon: float
    passenger: PassengerPublic | None


class LineStringPublic(BaseModel):
    """A GeoJSON (RFC 7946) LineString: [longitude, latitude] positions."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["LineString"]
    coordinates: list[list[float]]


class ContractorRoutePublic(TenderRoutePublic):
    """An awarded route with its stops, and its path on the real roads from stop to stop."""

    stops: list[ContractorStopPublic]
    geometry: LineStringPublic | None = Field(None, description="the route on the real roads (the path only, no properties)")


class ContractorLotPublic(BaseModel):
    """An awarded lot as its operator sees it: stops, times and the minimum about each passenger."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    operator: str
    awarded_at: dt.datetime
    routes: list[ContractorRoutePublic]


class ContractorLotsPublic(BaseModel):
    """The caller's awarded lots (without stops)."""

    data: list[AwardPublic]
    count: int
