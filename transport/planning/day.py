"""A council's school day: from a day scenario to a validated day plan, and what planners read off it.

``build_day_problem`` turns a scenario with ``session: day`` into a :class:`routing.day.DayProblem`
(one morning and one afternoon problem per weekday on that day's bells and attendance, plus
the usual week, on one drive-network matrix); ``plan_day`` solves it with
:func:`routing.day_solve.solve_day` and checks it with the independent
:func:`routing.validate.check_day` before returning a :class:`DayPlanDocument`: the stored,
exported and shown record (format ``sen-transport/dayplan/1``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing.day import DayPlan, DayProblem, DayRates
from routing.day_solve import solve_day
from routing.plan import Route, StopKind
from routing.problem import RoutingProblem
from routing.solve import SolveParams
from routing.validate import check_day
from transport.domain.errors import InputError
from transport.domain.geo import LatLon
from transport.domain.privacy import pseudonym
from transport.domain.scenario import WEEKDAYS, Scenario, parse_scenario
from transport.domain.units import METRES_PER_MILE
from transport.planning.plan import (
    Location,
    clock,
    fleet_types,
    location_index,
    scenario_matrices,
    session_requests,
)

DAY_PLAN_FORMAT = "sen-transport/dayplan/1"


@dataclass(frozen=True)
class BuiltDay:
    """A day problem with the map from its locations back to the scenario."""

    problem: DayProblem
    locations: tuple[Location, ...]
    matrix_s: float


def build_day_problem(scenario: Scenario, *, network=None, postcodes=None,
                      matrices: tuple[np.ndarray, np.ndarray] | None = None) -> BuiltDay:
    """The week's runs of a scenario (any session: its children travel both ways every day)."""
    locs, duration, distance, matrix_s = scenario_matrices(scenario, network=network, postcodes=postcodes,
                                                           matrices=matrices)
    where = location_index(locs)
    types = fleet_types(scenario, where, postcodes=postcodes, day=True)

    def run(session: str, weekday: str | None) -> RoutingProblem:
        reqs = session_requests(scenario, where, session, weekday, postcodes=postcodes, trips=True)
        label = f"{scenario.name} {session} {weekday or 'week'}"
        return RoutingProblem(duration_s=duration, distance_m=distance, requests=tuple(reqs),
                              vehicle_types=types, name=label)

    pol = scenario.policy
    rates = {v.id: DayRates(v.fixed_daily_pence, v.assistant_daily_pence) for v in scenario.fleet}
    problem = DayProblem(weekdays=WEEKDAYS, am=tuple(run("am", d) for d in WEEKDAYS),
                         pm=tuple(run("pm", d) for d in WEEKDAYS), am_week=run("am", None),
                         pm_week=run("pm", None), day_rates=rates, afternoon=pol.afternoon,
                         wait_near_school=pol.wait_near_school, school_days_per_year=pol.school_days_per_year,
                         name=scenario.name,
                         trips={rid: c for rid, c in scenario.child_of_trip().items() if rid != c},
                         timetable={c.id: {d: c.school_on(d) for d in c.attends} for c in scenario.children})
    return BuiltDay(problem, locs, matrix_s)


def violation_dicts(violations) -> list[dict]:
    """The validator's violations as JSON-safe dictionaries (weekday and run included)."""
    return [{"cause": v.cause.value, "weekday": v.weekday, "run": v.run, "route_index": v.route_index,
             "stop_index": v.stop_index, "request_id": v.request_id, "detail": v.detail} for v in violations]


@dataclass
class DayPlanDocument:
    """A day plan with the scenario it answers, its locations and its validation report."""

    scenario: Scenario
    plan: DayPlan
    locations: tuple[Location, ...]
    violations: list[dict] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    timings: dict[str, float] = field(default_factory=dict)
    source: str = "planned"
    """``planned`` by the engine, or ``imported`` (today's network)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (format ``sen-transport/dayplan/1``)."""
        return {"format": DAY_PLAN_FORMAT, "source": self.source, "scenario_name": self.scenario.name,
                "scenario_digest": self.scenario.digest(), "created_at": self.created_at,
                "timings": self.timings, "kpis": self.kpis(), "violations": self.violations,
                "locations": [loc.to_dict() for loc in self.locations], "plan": self.plan.to_dict(),
                "scenario": self.scenario.model_dump(mode="json")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayPlanDocument:
        """Read a stored day plan document."""
        if data.get("format") != DAY_PLAN_FORMAT:
            raise InputError(f"not a day plan document (format {data.get('format')!r}, expected {DAY_PLAN_FORMAT})")
        try:
            locs = tuple(Location(d["kind"], d["id"], LatLon(d["lat"], d["lon"])) for d in data["locations"])
            return cls(scenario=parse_scenario(data["scenario"], source="day plan scenario"),
                       plan=DayPlan.from_dict(data["plan"]), locations=locs,
                       violations=list(data.get("violations", [])), created_at=data.get("created_at", ""),
                       timings=dict(data.get("timings", {})), source=data.get("source", "planned"))
        except InputError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"day plan document is malformed: {exc.__class__.__name__}: {exc}") from None

    # ---- what planners read -------------------------------------------------------
    def ride_limits_s(self) -> dict[str, int]:
        """Each trip's ride limit in seconds (a child's id, or ``child@school`` for each school of
        a shared placement)."""
        pol = self.scenario.policy
        schools = {s.id: s for s in self.scenario.schools}
        out = {}
        for c in self.scenario.children:
            for rid, school, _ in c.trips():
                limit = pol.ride_limit_min(c.phase or schools[school].phase)
                out[rid] = min(limit, c.max_ride_time_min or limit) * 60
        return out

    def rides_s(self) -> list[tuple[str, str, str, int]]:
        """``(weekday, run, child, ride seconds)`` for every ride of the week."""
        out = []
        for day in self.plan.days:
            for label, run in (("am", day.am), ("pm", day.pm)):
                for route in run.routes:
                    picked: dict[str, int] = {}
                    for stop in route.stops:
                        if stop.kind is StopKind.PICKUP and stop.request_id:
                            picked[stop.request_id] = stop.departure_s
                        elif stop.kind is StopKind.DELIVERY and stop.request_id in picked:
                            out.append((day.weekday, label, stop.request_id,
                                        stop.service_start_s - picked[stop.request_id]))
        return out

    def over_limit(self) -> dict[str, list[str]]:
        """Children over their ride limit, with the ``weekday run`` rides that break it."""
        limits = self.ride_limits_s()
        child_of = self.scenario.child_of_trip()
        out: dict[str, list[str]] = {}
        for weekday, run, trip, ride in self.rides_s():
            if ride > limits.get(trip, 10**9):
                out.setdefault(child_of.get(trip, trip), []).append(f"{weekday} {run}")
        return out

    def kpis(self) -> dict[str, Any]:
        """Costs per day, week and year; vehicles; miles and dead miles; rides; validity."""
        plan = self.plan
        school_days = self.scenario.policy.school_days_per_year
        rides = [r[3] for r in self.rides_s()]
        by_type: dict[str, int] = {}
        for d in plan.duties:
            by_type[d.vehicle_type_id] = by_type.get(d.vehicle_type_id, 0) + 1
        n = max(1, len(plan.days))
        child_of = self.scenario.child_of_trip()
        return {
            "children": len(self.scenario.children),
            "shared_placements": sum(len(c.placements) > 1 for c in self.scenario.children),
            "routed": len(self.scenario.children) - len({child_of.get(u.request_id, u.request_id)
                                                         for u in plan.unassigned}),
            "unassigned": [{"child_id": child_of.get(u.request_id, u.request_id), "trip": u.request_id,
                            "reason": u.reason.value, "detail": u.detail} for u in plan.unassigned],
            "afternoon": plan.afternoon,
            "day_cost_pence": plan.mean_day_cost_pence(),
            "week_cost_pence": plan.week_cost_pence(),
            "year_cost_pence": plan.year_cost_pence(school_days),
            "school_days_per_year": school_days,
            "by_weekday": {d.weekday: {"cost_pence": d.cost.total_pence, "vehicles": d.cost.vehicles,
                                       "fixed_pence": d.cost.fixed_pence, "mileage_pence": d.cost.mileage_pence,
                                       "assistants_pence": d.cost.assistant_pence,
                                       "miles": round(d.cost.distance_m / METRES_PER_MILE, 1),
                                       "dead_miles": round(d.cost.dead_distance_m / METRES_PER_MILE, 1)}
                           for d in plan.days},
            "vehicles": len(plan.duties),
            "vehicles_by_type": dict(sorted(by_type.items())),
            "waiting_near_school": sum(d.between == "wait" for d in plan.duties),
            "miles_per_day": round(sum(d.cost.distance_m for d in plan.days) / n / METRES_PER_MILE, 1),
            "dead_miles_per_day": round(sum(d.cost.dead_distance_m for d in plan.days) / n / METRES_PER_MILE, 1),
            "mean_ride_min": round(float(np.mean(rides)) / 60, 1) if rides else 0.0,
            "max_ride_min": round(max(rides) / 60, 1) if rides else 0.0,
            "over_limit_any_weekday": len(self.over_limit()),
            "valid": not self.violations,
            **self._contract_kpis(school_days),
        }

    def _contract_kpis(self, school_days: int) -> dict[str, Any]:
        by_day = self.plan.meta.get("contract_cost_pence_by_weekday")
        if not by_day:
            return {}
        week = sum(by_day.values())
        return {"source": self.source, "contract_day_cost_pence": round(week / len(by_day)),
                "contract_year_cost_pence": round(week * school_days / len(by_day)),
                "contract_by_weekday_pence": dict(by_day)}

    def run_groups(self, duty_index: int, run: str) -> list[tuple[tuple[str, ...], Route]]:
        """A duty's run (``"am"``/``"pm"``) as ``(weekdays, route)``: weekdays with the same stops and
        times share one timed route (the first of them); a weekday the run does not drive has none."""
        duty = self.plan.duties[duty_index]
        key = (duty.vehicle_type_id, duty.vehicle_index)
        groups: dict[tuple, tuple[list[str], Route]] = {}
        for day in self.plan.days:
            route = next((r for r in (day.am if run == "am" else day.pm).routes
                          if (r.vehicle_type_id, r.vehicle_index) == key), None)
            if route is None:
                continue
            sig = tuple((s.kind.value, s.request_id, s.service_start_s) for s in route.stops if s.request_id)
            groups.setdefault(sig, ([], route))[0].append(day.weekday)
        return [(tuple(days), route) for days, route in groups.values()]

    def route_sheets(self, pseudonymise: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
        """One row per stop of every duty's morning and afternoon run, one sheet per run and per
        group of weekdays with the same stops and times (``weekdays``: ``mon tue wed thu`` for the
        usual sheet, ``fri`` where an early finish or an absent child changes the times). The
        weekdays a run does not drive have no sheet."""
        alias = pseudonymise or pseudonym
        by_id = {c.id: c for c in self.scenario.children}
        children = {rid: by_id[c] for rid, c in self.scenario.child_of_trip().items()}
        schools = {s.id: s for s in self.scenario.schools}
        school_of = {rid: school for c in self.scenario.children for rid, school, _ in c.trips()}
        attends = {rid: days for c in self.scenario.children for rid, _, days in c.trips()}
        rows = []
        for k, duty in enumerate(self.plan.duties, start=1):
            for label in ("am", "pm"):
                for weekdays, route in self.run_groups(k - 1, label):
                    stops = [(s.kind.value, s.request_id, s.service_start_s, s.location)
                             for s in route.stops if s.request_id]
                    for i, (kind, rid, start_s, location) in enumerate(stops, start=1):
                        child = children.get(rid)
                        at_school = (kind == "delivery") == (label == "am")
                        loc = self.locations[location]
                        needs = []
                        if child is not None:
                            needs += ["wheelchair"] * child.wheelchair + ["travels alone"] * child.travel_alone
                            needs += ["PA"] * child.passenger_assistant
                        rows.append({
                            "route": f"D{k:03d}", "run": label, "weekdays": " ".join(weekdays),
                            "vehicle_type": duty.vehicle_type_id,
                            "layout": f"{duty.layout.seats} seats + {duty.layout.wheelchairs} wheelchair",
                            "assistant": duty.has_assistant, "stop": i, "kind": kind, "time": clock(start_s),
                            "place": (schools[school_of[rid]].name if at_school and child else "home"),
                            "lat": round(loc.point.lat, 5), "lon": round(loc.point.lon, 5),
                            "child": alias(child.id if child else rid), "attends": " ".join(attends.get(rid, ())),
                            "needs": "; ".join(needs),
                        })
        return rows


def validate_day_document(scenario: Scenario, doc: DayPlanDocument, *, built: BuiltDay | None = None,
                          network=None) -> list[dict]:
    """The independent validator's findings for a day plan (every weekday, both runs)."""
    if scenario.digest() != doc.scenario.digest():
        return [{"cause": "scenario_mismatch", "weekday": None, "run": None, "route_index": None,
                 "stop_index": None, "request_id": None, "detail": "the plan was made for a different scenario"}]
    built = built or build_day_problem(scenario, network=network)
    return violation_dicts(check_day(built.problem, doc.plan))


def plan_day(scenario: Scenario, *, time_limit_s: float = 30.0, callbacks=None, network=None,
             params: SolveParams | None = None, built: BuiltDay | None = None) -> DayPlanDocument:
    """Plan a scenario's school day and validate it independently before returning it."""
    built = built or build_day_problem(scenario, network=network)
    params = params or SolveParams(time_limit_s=time_limit_s)
    started = time.perf_counter()
    plan = solve_day(built.problem, params, callbacks=callbacks)
    solve_s = time.perf_counter() - started
    doc = DayPlanDocument(scenario=scenario, plan=plan, locations=built.locations,
                          timings={"matrix_s": round(built.matrix_s, 3), "solve_s": round(solve_s, 3)})
    started = time.perf_counter()
    doc.violations = validate_day_document(scenario, doc, built=built)
    doc.timings["validate_s"] = round(time.perf_counter() - started, 3)
    return doc
