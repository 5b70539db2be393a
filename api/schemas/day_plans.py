"""Day plans in the API: each route's morning and afternoon duty on every weekday, today's network
imported as a plan, and a day plan compared with another (router ``api/routes/day_plans.py``).

Children appear only as the planners' pseudonymous ids (as on the route sheets).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Weekday = Literal["mon", "tue", "wed", "thu", "fri"]


class DayStopPublic(BaseModel):
    """A stop of a run in the weekly order, with its time on each weekday (``null``: the child does not attend)."""

    model_config = ConfigDict(extra="forbid")

    stop: int = Field(description="position in the run, 1 = first")
    kind: Literal["pickup", "delivery"]
    child: str = Field(description="pseudonymous id")
    place: str = Field(description="school name, or 'home'")
    school_id: str | None
    lat: float | None
    lon: float | None
    days: list[Weekday] = Field(description="weekdays the child attends")
    needs: str
    times: dict[str, str | None] = Field(description="weekday -> time of the stop (HH:MM), null when skipped")


class DayRunPublic(BaseModel):
    """A route's morning (``am``) or afternoon (``pm``) run over the week."""

    model_config = ConfigDict(extra="forbid")

    run: Literal["am", "pm"]
    weekdays: list[Weekday] = Field(description="weekdays the run is driven")
    children: int
    start: dict[str, str | None] = Field(description="weekday -> time of the first stop")
    end: dict[str, str | None] = Field(description="weekday -> time of the last stop")
    times_differ: bool = Field(description="true when the stop times are not the same every weekday")
    stops: list[DayStopPublic]
    skipped: dict[str, list[str]] = Field(description="weekday -> children on the run who do not attend that day")


class DayRoutePublic(BaseModel):
    """One vehicle's school day: its morning and afternoon duty."""

    model_config = ConfigDict(extra="forbid")

    route: str = Field(description="the route's label, D001...")
    vehicle_type: str
    vehicle_index: int
    layout: str
    seats: int
    wheelchair_spaces: int
    assistant: bool
    between: Literal["depot", "wait"] = Field(description="between runs: back to base, or waiting near the school")
    school_ids: list[str]
    children: int
    weekdays: list[Weekday]
    am: DayRunPublic
    pm: DayRunPublic


class DayRoutesPublic(BaseModel):
    """Every route of a day plan."""

    plan_id: int
    afternoon: Literal["same_vehicle", "free"] = Field(description="how the afternoon was planned")
    data: list[DayRoutePublic]
    count: int


class DayPlanSide(BaseModel):
    """One day plan's figures in a comparison."""

    model_config = ConfigDict(extra="forbid")

    day_cost_pence: int = Field(description="a mean school day at the tariff")
    year_cost_pence: int
    contract_day_cost_pence: int | None = Field(None, description="today's network: a day at its contract prices")
    contract_year_cost_pence: int | None = None
    vehicles: int
    vehicles_by_type: dict[str, int]
    miles_per_day: float
    dead_miles_per_day: float
    over_limit_any_weekday: int = Field(description="children over their ride limit on some weekday")


class DayComparisonPublic(BaseModel):
    """Day plan ``a`` (before, e.g. today's network) against ``b`` (after): the saving is ``a`` less ``b``."""

    kind: Literal["day"] = "day"
    a_id: int
    b_id: int
    a: DayPlanSide
    b: DayPlanSide
    saving_day_pence: int = Field(description="a's day (at contract prices when a has them) less b's day")
    saving_year_pence: int
    school_days_per_year: int
    children_moved: int = Field(description="children whose route changes (other co-riders or vehicle type)")
    children_moved_ids: list[str] = Field(description="their pseudonymous ids, as on the route sheets")
    a_scenario_id: int
    b_scenario_id: int
    same_scenario: bool


class TodayImportPublic(BaseModel):
    """Today's network stored as a plan: validated, not refused; its breaches listed per route."""

    plan_id: int
    scenario_id: int
    routes: int
    breaches_by_route: dict[str, list[str]] = Field(description="route reference -> the validator's findings")
