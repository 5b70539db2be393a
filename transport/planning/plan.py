"""From a scenario to a validated plan on the real roads, and what planners read off it.

``build_problem`` turns a :class:`~transport.domain.scenario.Scenario` into the solver's immutable
``RoutingProblem`` (drive-network matrices, bell windows, ride limits, needs, fleet tariffs);
``plan_scenario`` solves it and runs the independent validator before returning a
:class:`PlanDocument`, the self-contained record that is stored, exported and shown.
Times are seconds from midnight of the travel day.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from routing.baselines import greedy_grouping
from routing.matrix import compute_matrix
from routing.network import load_network
from routing.plan import Plan, StopKind
from routing.problem import Layout, Load, Request, RoutingProblem, VehicleType
from routing.solve import SolveParams, solve
from routing.validate import check
from transport.domain.errors import InputError, RoutingError
from transport.domain.geo import LatLon
from transport.domain.privacy import pseudonym
from transport.domain.scenario import Scenario, parse_scenario
from transport.domain.units import METRES_PER_MILE, mileage_pence

PLAN_FORMAT = "sen-transport/plan/1"


def seconds_of(t: dt.time) -> int:
    """Seconds from midnight."""
    return t.hour * 3600 + t.minute * 60 + t.second


def clock(seconds: float) -> str:
    """``HH:MM`` of seconds from midnight."""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"


@dataclass(frozen=True)
class Location:
    """One row/column of the matrices: a depot, a school or a home."""

    kind: str  # "depot" | "school" | "home"
    id: str
    point: LatLon

    def to_dict(self) -> dict:
        """JSON-safe form."""
        return {"kind": self.kind, "id": self.id, "lat": self.point.lat, "lon": self.point.lon}


@dataclass(frozen=True)
class BuiltProblem:
    """A routing problem with the map from its locations back to the scenario."""

    problem: RoutingProblem
    locations: tuple[Location, ...]
    matrix_s: float


def scenario_locations(scenario: Scenario, postcodes=None) -> tuple[Location, ...]:
    """Depots, then schools, then homes (children at one address share a location)."""
    locs: list[Location] = []
    seen: set[tuple[str, float, float]] = set()

    def add(kind: str, ident: str, p: LatLon) -> None:
        key = _key(kind, p)
        if kind == "school" or key not in seen:
            seen.add(key)
            locs.append(Location(kind, ident, p))

    def where(kind: str, ident: str, point) -> LatLon:
        try:
            return point.resolve(postcodes)
        except InputError as exc:
            raise InputError(f"{kind} {ident}: {exc}") from None

    for v in scenario.fleet:
        add("depot", v.id, where("depot of", v.id, v.depot))
    for s in scenario.schools:
        add("school", s.id, where("school", s.id, s.location))
    for c in scenario.children:
        add("home", c.id, where("home of child", c.id, c.home))
    return tuple(locs)


def _key(kind: str, p: LatLon) -> tuple[str, float, float]:
    return (kind, round(p.lat, 7), round(p.lon, 7))


def location_key(loc: Location) -> tuple:
    """What a location is known by: ``(kind, lat, lon)`` for depots and homes, ``("school", id)``."""
    return ("school", loc.id) if loc.kind == "school" else _key(loc.kind, loc.point)


def _index(locs: tuple[Location, ...]) -> dict[tuple, int]:
    """Location index by ``location_key``."""
    return {location_key(loc): i for i, loc in enumerate(locs)}


def scenario_matrices(scenario: Scenario, *, network=None, postcodes=None,
                      matrices: tuple[np.ndarray, np.ndarray] | None = None):
    """``(locations, duration_s, distance_m, seconds taken)`` on the drive network."""
    locs = scenario_locations(scenario, postcodes)
    started = time.perf_counter()
    if matrices is None:
        net = network or load_network("drive")
        m = compute_matrix(net, [loc.point for loc in locs],
                           labels=[f"{loc.kind} {loc.id}" for loc in locs])
        bad = ~np.isfinite(m.duration_s)
        if bad.any():
            worst = int(np.argmax(bad.sum(axis=0) + bad.sum(axis=1)))
            raise InputError(f"{locs[worst].kind} {locs[worst].id} cannot be reached by road on the loaded network")
        duration, distance = m.int_duration_s(), m.int_distance_m()
    else:
        duration, distance = matrices
    return locs, duration, distance, time.perf_counter() - started


def fleet_types(scenario: Scenario, where: dict[tuple, int], *, postcodes=None, day: bool = False) -> tuple[VehicleType, ...]:
    """The scenario's fleet as vehicle types; ``day``: mileage only (day rates are paid per day)."""
    return tuple(
        VehicleType(id=v.id, name=v.name, count=v.count,
                    layouts=tuple(Layout(seats=lay.seats, wheelchairs=lay.wheelchairs) for lay in v.layouts),
                    start_depot=where[_key("depot", v.depot.resolve(postcodes))],
                    end_depot=where[_key("depot", v.depot.resolve(postcodes))],
                    fixed_cost_pence=0 if day else v.fixed_daily_pence,
                    pence_per_km=int(round(v.pence_per_mile * 1000 / METRES_PER_MILE)),
                    assistant_cost_pence=0 if day else v.assistant_daily_pence,
                    max_route_duration_s=v.max_route_min * 60 if v.max_route_min else None)
        for v in scenario.fleet
    )


location_index = _index


def build_problem(scenario: Scenario, *, network=None, postcodes=None,
                  matrices: tuple[np.ndarray, np.ndarray] | None = None) -> BuiltProblem:
    """The solver's problem for a single-session scenario, with drive-network times and distances."""
    if scenario.session == "day":
        raise InputError("a day scenario (session 'day') is planned as a day: sen-transport routes plan "
                         "plans it with transport.planning.day.plan_day")
    locs, duration, distance, matrix_s = scenario_matrices(scenario, network=network, postcodes=postcodes,
                                                           matrices=matrices)
    where = _index(locs)
    requests = session_requests(scenario, where, scenario.session, postcodes=postcodes)
    problem = RoutingProblem(duration_s=duration, distance_m=distance, requests=tuple(requests),
                             vehicle_types=fleet_types(scenario, where, postcodes=postcodes), name=scenario.name)
    return BuiltProblem(problem, locs, matrix_s)


def session_requests(scenario: Scenario, where: dict[tuple, int], session: str, weekday: str | None = None, *,
                     postcodes=None, trips: bool = False) -> list[Request]:
    """One request per child for a run (``am`` or ``pm``) on a weekday's bells (``None``: the usual
    bells); ``where`` maps locations to matrix indices as ``_index`` does. Children who do not
    attend on ``weekday`` are left out. With ``trips`` (a day's week) a child with a shared
    placement has one request per school (``ScenarioChild.trips``) on that school's days; without,
    the child goes to ``school_id``."""
    home_of = {c.id: where[_key("home", c.home.resolve(postcodes))] for c in scenario.children}
    pol = scenario.policy
    schools = {s.id: s for s in scenario.schools}
    trips_of = {c.id: (c.trips() if trips else ((c.id, c.school_id, c.attends),)) for c in scenario.children}
    requests = []
    for c in scenario.children:
        for rid, school_id, days in trips_of[c.id]:
            if weekday is not None and weekday not in days:
                continue
            requests.append(_request(c, rid, schools[school_id], session, weekday, home_of[c.id], where, pol,
                                     shared=len(trips_of[c.id]) > 1,
                                     not_with=frozenset(t for o in c.not_with for t, _, d in trips_of.get(o, ())
                                                        if weekday is None or weekday in d)))
    return requests


def _request(c, rid: str, school, session: str, weekday: str | None, h_loc: int, where: dict[tuple, int], pol, *,
             shared: bool, not_with: frozenset[str]) -> Request:
    """A child's request to or from one school on a weekday's bells (a shared placement's other
    schools keep siblings together per school: travel group ``group@school``)."""
    bell_start, bell_finish = school.bells_on(weekday)  # type: ignore[arg-type]
    s_loc = where[("school", school.id)]
    limit_min = pol.ride_limit_min(c.phase or school.phase)
    if c.max_ride_time_min is not None:
        limit_min = min(limit_min, c.max_ride_time_min)
    load_s = c.load_time_s if c.load_time_s is not None else (
        pol.wheelchair_load_time_s if c.wheelchair else pol.load_time_s)
    at_school_s = pol.wheelchair_load_time_s if c.wheelchair else pol.school_unload_time_s
    load = Load(seats=0, wheelchairs=1) if c.wheelchair else Load(seats=1, wheelchairs=0)
    group = c.sibling_group
    if shared and group is not None and school.id != c.school_id:
        group = f"{group}@{school.id}"
    common = dict(load=load, max_ride_time_s=limit_min * 60, solo=c.travel_alone,
                  needs_assistant=c.passenger_assistant, incompatible_with=not_with,
                  travel_group=group, school_id=school.id)
    if session == "am":
        bell = seconds_of(bell_start)
        late, early = pol.arrive_before_bell_min
        return Request(id=rid, pickup=h_loc, delivery=s_loc, pickup_service_s=load_s,
                       delivery_service_s=at_school_s,
                       delivery_window_s=(bell - early * 60, bell - late * 60), **common)
    finish = seconds_of(bell_finish)
    first, last = pol.depart_after_finish_min
    return Request(id=rid, pickup=s_loc, delivery=h_loc, pickup_service_s=at_school_s,
                   delivery_service_s=load_s,
                   pickup_window_s=(finish + first * 60, finish + last * 60), **common)


@dataclass
class PlanDocument:
    """A plan with the scenario it answers, its locations and its validation report."""

    scenario: Scenario
    plan: Plan
    locations: tuple[Location, ...]
    violations: list[dict] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    timings: dict[str, float] = field(default_factory=dict)

    # ---- serialisation ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (format ``sen-transport/plan/1``)."""
        return {
            "format": PLAN_FORMAT,
            "scenario_name": self.scenario.name,
            "scenario_digest": self.scenario.digest(),
            "created_at": self.created_at,
            "timings": self.timings,
            "kpis": self.kpis(),
            "violations": self.violations,
            "locations": [loc.to_dict() for loc in self.locations],
            "plan": self.plan.to_dict(),
            "scenario": self.scenario.model_dump(mode="json"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PlanDocument":
        """Read a stored plan document."""
        if data.get("format") != PLAN_FORMAT:
            raise InputError(f"not a plan document (format {data.get('format')!r}, expected {PLAN_FORMAT})")
        try:
            locs = tuple(Location(d["kind"], d["id"], LatLon(d["lat"], d["lon"])) for d in data["locations"])
            return cls(scenario=parse_scenario(data["scenario"], source="plan scenario"),
                       plan=Plan.from_dict(data["plan"]), locations=locs,
                       violations=list(data.get("violations", [])), created_at=data.get("created_at", ""),
                       timings=dict(data.get("timings", {})))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"plan document is malformed: {exc.__class__.__name__}: {exc}") from None

    # ---- what planners read -------------------------------------------------------
    def ride_times_s(self) -> dict[str, int]:
        """Each routed child's ride time (end of pickup service to start of delivery service)."""
        problem_service = {}
        for c in self.scenario.children:
            problem_service[c.id] = c
        out: dict[str, int] = {}
        for route in self.plan.routes:
            picked: dict[str, int] = {}
            for stop in route.stops:
                if stop.kind == StopKind.PICKUP and stop.request_id:
                    picked[stop.request_id] = stop.departure_s
                elif stop.kind == StopKind.DELIVERY and stop.request_id in picked:
                    out[stop.request_id] = stop.service_start_s - picked[stop.request_id]
        return out

    def ride_limits_s(self) -> dict[str, int]:
        """Each child's ride limit in seconds."""
        pol = self.scenario.policy
        schools = {s.id: s for s in self.scenario.schools}
        out = {}
        for c in self.scenario.children:
            limit = pol.ride_limit_min(c.phase or schools[c.school_id].phase)
            if c.max_ride_time_min is not None:
                limit = min(limit, c.max_ride_time_min)
            out[c.id] = limit * 60
        return out

    def kpis(self) -> dict[str, Any]:
        """Daily cost, vehicles by type, mileage, ride times, children over limit, unassigned."""
        rides = self.ride_times_s()
        limits = self.ride_limits_s()
        by_type: dict[str, int] = {}
        for r in self.plan.routes:
            by_type[r.vehicle_type_id] = by_type.get(r.vehicle_type_id, 0) + 1
        over = sorted(cid for cid, s in rides.items() if s > limits.get(cid, 10**9))
        cost = self.plan.cost
        return {
            "children": len(self.scenario.children),
            "routed": len(rides),
            "unassigned": [{"child_id": u.request_id, "reason": u.reason.value, "detail": u.detail}
                           for u in self.plan.unassigned],
            "daily_cost_pence": cost.total,
            "cost_breakdown_pence": {"fixed": cost.fixed, "mileage": cost.distance, "assistants": cost.assistant},
            "vehicles": len(self.plan.routes),
            "vehicles_by_type": dict(sorted(by_type.items())),
            "miles": round(cost.distance_m / METRES_PER_MILE, 1),
            "mean_ride_min": round(float(np.mean(list(rides.values()))) / 60, 1) if rides else 0.0,
            "max_ride_min": round(max(rides.values()) / 60, 1) if rides else 0.0,
            "over_ride_limit": len(over),
            "valid": not self.violations,
        }

    def route_sheets(self, pseudonymise: Callable[[str], str] | None = None, *,
                     pickups: dict[str, str] | None = None,
                     figures: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """One row per stop of every route: vehicle, order, time, place, child (pseudonymous), and
        at a school its bell time. With ``pickups`` (child id -> where, in words) a home stop says
        where to go (``address``); with ``figures`` (:meth:`route_figures`) each row carries its
        route's ``route_miles`` and ``route_day_cost_pence``."""
        alias = pseudonymise or pseudonym
        children = {c.id: c for c in self.scenario.children}
        schools = {s.id: s for s in self.scenario.schools}
        bell_of = self.scenario.session if self.scenario.session in ("am", "pm") else "am"
        rows = []
        for r_i, route in enumerate(self.plan.routes, start=1):
            extra: dict[str, Any] = {}
            if figures is not None:
                fig = figures[r_i - 1]
                extra = {"route_miles": fig["miles"], "route_day_cost_pence": fig["day_cost_pence"]}
            for order, stop in enumerate(route.stops):
                loc = self.locations[stop.location]
                child = children.get(stop.request_id or "")
                needs = []
                if child is not None:
                    needs += ["wheelchair"] * child.wheelchair + ["travels alone"] * child.travel_alone
                    needs += ["PA"] * child.passenger_assistant
                rows.append({
                    "route": f"R{r_i:03d}", "vehicle_type": route.vehicle_type_id,
                    "layout": layout_text(route.layout.seats, route.layout.wheelchairs),
                    "assistant": route.has_assistant, "stop": order, "kind": stop.kind.value,
                    "arrive": clock(stop.arrival_s), "depart": clock(stop.departure_s),
                    "place": schools[loc.id].name if loc.kind == "school" else loc.kind,
                    "lat": round(loc.point.lat, 5), "lon": round(loc.point.lon, 5),
                    "child": alias(child.id) if child else "", "needs": "; ".join(needs),
                    "bell": (schools[loc.id].bell_finish if bell_of == "pm" else schools[loc.id].bell_start).strftime("%H:%M")
                    if loc.kind == "school" else "",
                    **({"address": pickups.get(child.id, "") if child is not None and loc.kind == "home" else ""}
                       if pickups is not None else {}),
                    **extra,
                })
        return rows

    def route_figures(self, network=None) -> list[dict[str, Any]]:
        """Each route's road distance and day cost, as the solver counted them: metres between
        consecutive stops on the drive network (whole metres per leg, like the matrices), the
        vehicle's fixed cost, mileage (``mileage_pence``) and assistant. Their costs add up to the
        plan's daily cost. A day scenario is paid per day: its routes' ``day_cost_pence`` is None."""
        net = network or load_network("drive")
        fleet = {v.id: v for v in self.scenario.fleet}
        out = []
        for r_i, route in enumerate(self.plan.routes, start=1):
            locs = [s.location for s in route.stops]
            order = sorted(set(locs))
            at = {loc: k for k, loc in enumerate(order)}
            m = compute_matrix(net, [self.locations[loc].point for loc in order]).int_distance_m()
            metres = int(sum(int(m[at[a], at[b]]) for a, b in zip(locs, locs[1:])))
            v = fleet.get(route.vehicle_type_id)
            cost = None
            if v is not None and self.scenario.session != "day":
                per_km = int(round(v.pence_per_mile * 1000 / METRES_PER_MILE))
                cost = v.fixed_daily_pence + mileage_pence(per_km, metres) + (v.assistant_daily_pence if route.has_assistant else 0)
            out.append({"route": f"R{r_i:03d}", "metres": metres, "miles": round(metres / METRES_PER_MILE, 1),
                        "day_cost_pence": cost})
        return out

    def routes_geojson(self, network=None) -> dict[str, Any]:
        """Routes drawn on the real roads (one LineString per vehicle) and their stops."""
        net = network or load_network("drive")
        snaps = net.snap_many([loc.point for loc in self.locations])
        features = []
        for r_i, route in enumerate(self.plan.routes, start=1):
            coords = road_line(net, snaps, route)
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": {"route": f"R{r_i:03d}", "vehicle_type": route.vehicle_type_id,
                                            "assistant": route.has_assistant,
                                            "children": len(route.request_ids())}})
            for order, stop in enumerate(route.stops):
                loc = self.locations[stop.location]
                features.append({"type": "Feature",
                                 "geometry": {"type": "Point", "coordinates": [loc.point.lon, loc.point.lat]},
                                 "properties": {"route": f"R{r_i:03d}", "stop": order, "kind": stop.kind.value,
                                                "time": clock(stop.service_start_s),
                                                "child": pseudonym(stop.request_id) if stop.request_id else ""}})
        return {"type": "FeatureCollection", "features": features}


def validate_document(scenario: Scenario, doc: PlanDocument, *, built: BuiltProblem | None = None,
                      network=None) -> list[dict]:
    """The independent validator's findings for a plan against its scenario."""
    if scenario.digest() != doc.scenario.digest():
        return [{"cause": "scenario_mismatch", "route_index": None, "stop_index": None, "request_id": None,
                 "detail": "the plan was made for a different scenario"}]
    built = built or build_problem(scenario, network=network)
    return [{"cause": v.cause.value, "route_index": v.route_index, "stop_index": v.stop_index,
             "request_id": v.request_id, "detail": v.detail} for v in check(built.problem, doc.plan)]


def _score(plan: Plan) -> tuple[int, int]:
    """Fewer children left out first, then lower daily cost."""
    return len(plan.unassigned), plan.cost.total


def layout_text(seats: int, wheelchairs: int) -> str:
    """A vehicle's layout in words: "1 seat + 0 wheelchair spaces", "4 seats + 1 wheelchair space"."""
    return (f"{seats} seat{'' if seats == 1 else 's'} + "
            f"{wheelchairs} wheelchair space{'' if wheelchairs == 1 else 's'}")


def plan_scenario(scenario: Scenario, *, time_limit_s: float = 30.0, callbacks=None, network=None,
                  params=None, initial: PlanDocument | None = None) -> PlanDocument:
    """Solve a scenario and validate the plan independently before returning it."""
    built = build_problem(scenario, network=network)
    params = params or SolveParams(time_limit_s=time_limit_s)
    started = time.perf_counter()
    greedy = greedy_grouping(built.problem)
    try:
        plan = solve(built.problem, params, callbacks=callbacks,
                     initial_plan=initial.plan if initial is not None else None)
    except RoutingError:  # no solution at all within the limit
        plan = None
    # A safety net: the solver can stall without a first solution on tight sub-problems; the
    # greedy grouping is always available, so the worse of the two is never returned.
    if plan is None or _score(greedy) < _score(plan):
        plan = Plan(greedy.routes, greedy.unassigned, greedy.cost, {**greedy.meta, "fallback": "greedy"})
    solve_s = time.perf_counter() - started
    doc = PlanDocument(scenario=scenario, plan=plan, locations=built.locations,
                       timings={"matrix_s": round(built.matrix_s, 3), "solve_s": round(solve_s, 3)})
    started = time.perf_counter()
    doc.violations = validate_document(scenario, doc, built=built)
    doc.timings["validate_s"] = round(time.perf_counter() - started, 3)
    return doc


def road_line(net, snaps, route) -> list[list[float]]:
    """A route's road geometry as [lon, lat] pairs: the fastest road path between its consecutive stops."""
    coords: list[list[float]] = []
    for a, b in zip(route.stops, route.stops[1:]):
        if a.location == b.location:
            continue
        path = net.path_between(snaps[a.location], snaps[b.location], weight="time")
        seg = [list(c) for c in path.coords]
        coords += seg[1:] if coords else seg
    return coords
