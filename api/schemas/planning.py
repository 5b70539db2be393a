"""Scenarios, jobs, plans, lots, tenders and the contractor feed (router ``api/routes/planning.py``).

Data minimisation lives here: ``ContractorLotPublic`` and ``TenderLotPublic`` have no field
that could carry a child's name, address or diagnosis beyond what each audience needs.
``ViolationPublic`` is the response form of the validator's ``routing.validate.Violation``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.schemas.common import MAX_ID, IdItem, In, Page, nul_path, over_long
from transport.domain.scenario import Scenario

SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "Oakham AM", "session": "am",
    "schools": [{"id": "131018", "name": "The Shires", "location": {"lat": 52.7296, "lon": -0.5973},
                 "phase": "secondary", "bell_start": "09:00:00", "bell_finish": "15:00:00"}],
    "children": [{"id": "C1", "first_name": "Amira", "home": {"postcode": "LE15 8PU"}, "school_id": "131018",
                  "passenger_assistant": True, "equipment": ["booster seat"]}],
    "fleet": [{"id": "mpv", "name": "MPV", "count": 2, "layouts": [{"seats": 6}], "fixed_daily_pence": 4500,
               "pence_per_mile": 200, "assistant_daily_pence": 6000, "depot": {"lat": 52.67, "lon": -0.73}}],
}


MAX_SCENARIO_TEXT = 500
"""Longest text anywhere in an uploaded scenario or fleet (names, ids, notes, equipment)."""
SCENARIO_LIST_LIMITS = {"children": 20_000, "schools": 2_000, "fleet": 200}


class ScenarioIn(Scenario):
    """A scenario to store (format ``sen-transport/scenario/1``; bell times are local clock times)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": [SCENARIO_EXAMPLE]})

    @model_validator(mode="before")
    @classmethod
    def _limits(cls, data: Any) -> Any:
        """No NUL character and no text over MAX_SCENARIO_TEXT anywhere; bounded list sizes."""
        where = nul_path(data)
        if where is not None:
            raise ValueError(f"{where}: must not contain NUL characters")
        where = over_long(data, MAX_SCENARIO_TEXT)
        if where is not None:
            raise ValueError(f"{where}: text longer than {MAX_SCENARIO_TEXT} characters")
        for key, most in SCENARIO_LIST_LIMITS.items():
            items = data.get(key) if isinstance(data, dict) else None
            if isinstance(items, list) and len(items) > most:
                raise ValueError(f"{key}: at most {most:,} entries")
        return data

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


class ScenariosPublic(Page[ScenarioPublic]):
    """Stored scenarios, newest first, one page at a time; ``count`` is how many are stored."""

    limit: int
    offset: int


class FromEligible(In):
    """A scenario of the children currently eligible for a seat (optionally only some applications)."""

    @field_validator("fleet", mode="before")
    @classmethod
    def _short_fleet_text(cls, value: Any) -> Any:
        where = over_long(value, MAX_SCENARIO_TEXT)
        if where is not None:
            raise ValueError(f"text longer than {MAX_SCENARIO_TEXT} characters (at {where})")
        return value

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "September AM", "session": "am"}]})

    name: str = Field("eligible children", min_length=1, max_length=200)
    session: Literal["am", "pm"] = "am"
    application_ids: list[IdItem] | None = Field(None, max_length=10_000)
    fleet: list[dict[str, Any]] | None = Field(None, min_length=1, max_length=50, description="fleet entries as in the scenario format; default: the sample fleet sized to the cohort")


class JobCreate(In):
    """Start an optimisation from a stored scenario or from the currently eligible children."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scenario_id": 1, "time_limit_s": 30}]})

    scenario_id: int | None = Field(None, ge=1, le=MAX_ID)
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
    best_cost: int | None = Field(description="daily cost of the best plan found so far that passed the independent validator, pence; never goes up; once finished, the stored plan's daily_cost_pence KPI")
    elapsed_s: float
    time_limit_s: float
    error: str | None
    plan_id: int | None
    stopped: Literal["cancelled", "timed_out"] | None = Field(
        None, description="the search was stopped early; plan_id, if any, is the best validated plan found by then")
    cancel_requested: bool = Field(False, description="a cancel was asked; a running job stops within seconds")
    attempts: int = Field(0, description="how many times a worker has claimed this job")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class JobsPublic(Page[JobPublic]):
    """Jobs, newest first, one page at a time; ``count`` is how many are stored."""

    limit: int
    offset: int


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


class WeekdayCost(BaseModel):
    """One weekday of a day plan: its cost, vehicles and miles."""

    model_config = ConfigDict(extra="allow")

    cost_pence: int
    vehicles: int
    fixed_pence: int
    mileage_pence: int
    assistants_pence: int
    miles: float
    dead_miles: float


class DayKpis(BaseModel):
    """A day plan's headline figures: costs per day, week and school year, vehicles, miles, rides."""

    model_config = ConfigDict(extra="allow")

    children: int
    routed: int
    unassigned: list[Unplaced]
    afternoon: Literal["same_vehicle", "free"] = Field(description="children go home on the vehicle that brought them, or planned freely")
    day_cost_pence: int = Field(description="a mean school day: day rates once per vehicle, both runs' mileage, PAs")
    week_cost_pence: int
    year_cost_pence: int = Field(description="the mean day times school_days_per_year")
    school_days_per_year: int
    by_weekday: dict[str, WeekdayCost]
    vehicles: int
    vehicles_by_type: dict[str, int]
    waiting_near_school: int = Field(description="vehicles that wait near the school between runs")
    miles_per_day: float
    dead_miles_per_day: float = Field(description="miles driven empty between runs, per day")
    mean_ride_min: float
    max_ride_min: float
    over_limit_any_weekday: int = Field(description="children over their ride limit on at least one weekday")
    valid: bool
    source: str | None = Field(None, description="'imported' for today's network")
    contract_day_cost_pence: int | None = Field(None, description="today's network at its contract prices, per day")
    contract_year_cost_pence: int | None = None


class PlanPublic(BaseModel):
    """A stored plan's summary: ``kind`` ``session`` (one run) or ``day`` (both runs, every weekday)."""

    id: int
    name: str | None = Field(None, description="the planner's name for the plan (set with PATCH /v1/plans/{id})")
    scenario_id: int
    job_id: str | None
    created_at: dt.datetime
    kind: Literal["session", "day"] = "session"
    kpis: Kpis | DayKpis
    routes: int
    violations: int
    stopped: Literal["cancelled", "timed_out"] | None = Field(
        None, description="set when the search was stopped early: this is the best validated plan found by then")


class PlanUpdate(In):
    """Rename a plan."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Autumn term, two minibuses"}]})

    name: str = Field(min_length=1, max_length=120, description="the plan's name; spaces at either end are dropped")

    @field_validator("name")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("the name must not be blank")
        return v


class PlansPublic(Page[PlanPublic]):
    """Stored plans, newest first, one page at a time; ``count`` is how many are stored."""

    limit: int
    offset: int


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

    kind: Literal["session"] = "session"
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
    a_scenario_id: int = Field(description="the scenario plan a was made for")
    b_scenario_id: int = Field(description="the scenario plan b was made for")
    same_scenario: bool = Field(description="false when the plans answer different scenarios (compare with care)")


class ViolationPublic(BaseModel):
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
    violations: list[ViolationPublic]


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


class LotsCreate(In):
    """Package a plan's routes into lots: one per school (group), or by the council's procurement categories."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"grouping": "procurement"}]})

    grouping: Literal["school", "procurement"] = "procurement"


class TenderRunPublic(BaseModel):
    """A day plan route's morning (``am``) or afternoon (``pm``) run: the weekdays it is driven and its first
    and last stop times on each (they differ where a school's bells do, an early Friday say)."""

    model_config = ConfigDict(extra="forbid")

    run: Literal["am", "pm"]
    weekdays: list[str]
    start: dict[str, str | None]
    end: dict[str, str | None]


class TenderRoutePublic(BaseModel):
    """A route as tendered: no child, no address, only what an operator prices. A route of a day plan is a day
    price: ``runs`` has its morning and afternoon runs and ``weekdays`` the days it runs."""

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
    weekdays: list[str] | None = Field(None, description="a day plan's route: the weekdays it runs")
    runs: list[TenderRunPublic] | None = Field(None, description="a day plan's route: its morning and afternoon run")


class TenderLotPublic(BaseModel):
    """A lot as published for tender (no personal data)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    plan_id: int
    grouping: str
    key: str
    name: str
    status: Literal["draft", "published", "awarded", "withdrawn"]
    published_at: dt.datetime | None
    routes: list[TenderRoutePublic]


class TenderLotsPublic(Page[TenderLotPublic]):
    """Lots, oldest first."""


class PlanLotPublic(TenderLotPublic):
    """A plan's lot as its planner sees it: the tender, and the operator once awarded."""

    operator: str | None = Field(None, description="the operator the lot is awarded to, once awarded")
    awarded_at: dt.datetime | None = None


class PlanLotsPublic(Page[PlanLotPublic]):
    """A plan's lots, oldest first."""


class AwardCreate(In):
    """Award a published lot to an operator."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"operator": "Acme Taxis",
                                                                               "phone": "01572 700 123"}]})

    operator: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(None, min_length=6, max_length=40, pattern=r"^[0-9 +()-]+$",
                              description="the number families call about the route (printed on travel letters)")


class OperatorPublic(BaseModel):
    """An operator that holds contractor keys."""

    operator: str
    active_keys: int


class OperatorsPublic(Page[OperatorPublic]):
    """Operators by name."""


class AwardPublic(BaseModel):
    """An award."""

    lot_id: int
    operator: str
    phone: str | None = None
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
    where: str | None = Field(None, description="where to go, in words: the postcode given, or for a home given as "
                              "coordinates the nearest street in the OSM data and the nearest postcode unit")
    lat: float
    lon: float
    passenger: PassengerPublic | None
    run: Literal["am", "pm"] | None = Field(None, description="a day plan's route: the run this stop is on")
    times: dict[str, str | None] | None = Field(
        None, description="a day plan's route: the stop's time on each weekday (null: not made that day)")


class LineStringPublic(BaseModel):
    """A GeoJSON (RFC 7946) LineString: [longitude, latitude] positions."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["LineString"]
    coordinates: list[list[float]]


class ContractorRoutePublic(TenderRoutePublic):
    """An awarded route with its stops, and its path on the real roads from stop to stop."""

    stops: list[ContractorStopPublic]
    geometry: LineStringPublic | None = Field(None, description="the route on the real roads (the path only, no properties); "
                                                                "a day plan's route: its morning run")
    geometry_pm: LineStringPublic | None = Field(None, description="a day plan's route: its afternoon run on the roads")


class ContractorLotPublic(BaseModel):
    """An awarded lot as its operator sees it: stops, times and the minimum about each passenger."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    operator: str
    awarded_at: dt.datetime
    routes: list[ContractorRoutePublic]


class AwardsPublic(Page[AwardPublic]):
    """The awards to the caller's operator: which lots, and when (each lot's stops: ``ContractorLotPublic``)."""
