"""Two simple baselines the SEN benchmarks compare the solver against.

* ``one_vehicle_per_child``: every child gets their own vehicle (the cheapest type with a
  fitting layout) on a direct trip, as a council does with individual taxis.
* ``greedy_grouping``: children of one school, farthest from it first, are filled into
  one vehicle while seats, wheelchair spaces, PA, solo, incompatibility, windows and ride
  limits allow (each candidate route checked with the independent validator's
  ``schedule_exists``); then the next vehicle is opened. Each group goes on the vehicle type
  whose run would cost least with its depot legs (fixed + PA + mileage from its depot to the
  first home and from the school back), i.e. the nearest suitable depot with a free vehicle;
  of types that differ only in their depot, only the cheapest free one is timed.

Both return a :class:`Plan` that accounts for every request.
"""

from __future__ import annotations

from typing import Sequence

from routing.plan import Plan, Route, Stop, StopKind, Unassigned, UnassignedReason
from routing.problem import (
    ASSISTANT_SEATS,
    Layout,
    Request,
    RoutingProblem,
    VehicleType,
    travel_units,
)
from routing.validate import recompute_cost, schedule_exists
from transport.domain.units import mileage_pence

Order = list[tuple[str, str]]


def timed_route(problem: RoutingProblem, vt: VehicleType, order: Order, layout: Layout, has_assistant: bool,
                vehicle_index: int) -> Route | None:
    """A route with the earliest feasible times for a stop order, or ``None`` if none exists."""
    times = schedule_exists(problem, order, vt.id)
    if times is None:
        return None
    by_id = problem._request_by_id()
    stops = [Stop(vt.start_depot, None, StopKind.START, times[0], times[0], times[0])]
    for (kind, rid), t in zip(order, times[1:-1]):
        r = by_id[rid]
        pickup = kind == StopKind.PICKUP.value
        loc, service = (r.pickup, r.pickup_service_s) if pickup else (r.delivery, r.delivery_service_s)
        arrival = stops[-1].departure_s + int(problem.duration_s[stops[-1].location, loc])
        stops.append(Stop(loc, rid, StopKind(kind), arrival, t, t + service))
    arrival = stops[-1].departure_s + int(problem.duration_s[stops[-1].location, vt.end_depot])
    stops.append(Stop(vt.end_depot, None, StopKind.END, arrival, times[-1], times[-1]))
    return Route(vt.id, vehicle_index, layout, has_assistant, tuple(stops))


def _layout_for(vt: VehicleType, seats: int, chairs: int, pa: bool) -> Layout | None:
    extra = ASSISTANT_SEATS if pa else 0
    fitting = [lay for lay in vt.layouts if lay.seats >= seats + extra and lay.wheelchairs >= chairs]
    return min(fitting, key=lambda lay: (lay.wheelchairs, lay.seats), default=None)


def _finish(problem: RoutingProblem, routes: list[Route], unassigned: list[Unassigned], name: str) -> Plan:
    draft = Plan(tuple(routes), tuple(unassigned))
    return Plan(draft.routes, draft.unassigned, recompute_cost(problem, draft), {"solver": name})


def _direct_cost(problem: RoutingProblem, vt: VehicleType, r: Request) -> int:
    metres = int(problem.distance_m[vt.start_depot, r.pickup] + problem.distance_m[r.pickup, r.delivery]
                 + problem.distance_m[r.delivery, vt.end_depot])
    return vt.fixed_cost_pence + mileage_pence(vt.pence_per_km, metres) + (vt.assistant_cost_pence if r.needs_assistant else 0)


def one_vehicle_per_child(problem: RoutingProblem) -> Plan:
    """Each child alone on the cheapest fitting vehicle (siblings in a travel group share one);
    the fleet's counts are respected."""
    used = {vt.id: 0 for vt in problem.vehicle_types}
    kinds = {vt.id: vt.kind() for vt in problem.vehicle_types}
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    for unit in travel_units(problem.requests):
        if len(unit) == 1:
            route, reason = _alone(problem, unit[0], used)
            detail = "no single-child trip possible"
        else:
            route = _try_route(problem, unit, used, kinds)
            reason, detail = UnassignedReason.NO_VEHICLE_FITS, "no vehicle can carry the travel group together"
        if route is None:
            unassigned += [Unassigned(r.id, reason, detail) for r in unit]
        else:
            used[route.vehicle_type_id] += 1
            routes.append(route)
    return _finish(problem, routes, unassigned, "one_vehicle_per_child")


def _alone(problem: RoutingProblem, r: Request, used: dict[str, int]) -> tuple[Route | None, UnassignedReason]:
    order: Order = [("pickup", r.id), ("delivery", r.id)]
    fitting = [vt for vt in problem.vehicle_types if _layout_for(vt, r.load.seats, r.load.wheelchairs, r.needs_assistant)]
    if not fitting:
        return None, UnassignedReason.NO_VEHICLE_FITS
    reason = UnassignedReason.WINDOW_INFEASIBLE
    for vt in sorted(fitting, key=lambda vt: _direct_cost(problem, vt, r)):
        if used[vt.id] >= vt.count:
            reason = UnassignedReason.FLEET_EXHAUSTED
            continue
        layout = _layout_for(vt, r.load.seats, r.load.wheelchairs, r.needs_assistant)
        route = timed_route(problem, vt, order, layout, r.needs_assistant, used[vt.id])
        if route is not None:
            return route, reason
    if r.max_ride_time_s is not None and problem.duration_s[r.pickup, r.delivery] > r.max_ride_time_s:
        reason = UnassignedReason.RIDE_TIME_INFEASIBLE
    return None, reason


def _order_of(members: Sequence[Request]) -> Order:
    """Pick everyone up in list order, then deliver in the same order."""
    return [("pickup", r.id) for r in members] + [("delivery", r.id) for r in members]


def _compatible(members: Sequence[Request]) -> bool:
    ids = {r.id for r in members}
    if any(r.incompatible_with & ids for r in members):
        return False
    return not (len(members) > 1 and any(r.solo for r in members))


def _run_cost(problem: RoutingProblem, vt: VehicleType, members: Sequence[Request], pa: bool) -> int:
    """Fixed + PA + mileage of the depot legs (depot to the first home, last school to depot)."""
    metres = int(problem.distance_m[vt.start_depot, members[0].pickup]
                 + problem.distance_m[members[-1].delivery, vt.end_depot])
    return vt.fixed_cost_pence + (vt.assistant_cost_pence if pa else 0) + mileage_pence(vt.pence_per_km, metres)


def _try_route(problem: RoutingProblem, members: Sequence[Request], used: dict[str, int],
               kinds: dict[str, VehicleType]) -> Route | None:
    """The vehicle type with a free vehicle that runs this group cheapest with its depot legs, timed.

    Of types that differ only in their depot (``kinds``), only the cheapest with a free vehicle is
    timed: a farther depot of the same kind only lengthens the run.
    """
    if not _compatible(members):
        return None
    seats = sum(r.load.seats for r in members)
    chairs = sum(r.load.wheelchairs for r in members)
    pa = any(r.needs_assistant for r in members)
    tried: set[VehicleType] = set()
    for vt in sorted(problem.vehicle_types, key=lambda vt: (_run_cost(problem, vt, members, pa), vt.pence_per_km)):
        if used[vt.id] >= vt.count or kinds[vt.id] in tried:
            continue
        layout = _layout_for(vt, seats, chairs, pa)
        if layout is None:
            continue
        tried.add(kinds[vt.id])
        route = timed_route(problem, vt, _order_of(members), layout, pa, used[vt.id])
        if route is not None:
            return route
    return None


def greedy_grouping(problem: RoutingProblem) -> Plan:
    """Fill vehicles school by school, farthest child first, while every rule holds."""
    used = {vt.id: 0 for vt in problem.vehicle_types}
    kinds = {vt.id: vt.kind() for vt in problem.vehicle_types}
    by_school: dict[str, list[list[Request]]] = {}
    for unit in travel_units(problem.requests):
        key = unit[0].school_id or f"location-{unit[0].delivery}"
        by_school.setdefault(key, []).append(unit)
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    for units in by_school.values():
        units.sort(key=lambda u: -int(problem.duration_s[u[0].pickup, u[0].delivery]))
        members: list[Request] = []
        current: Route | None = None
        for unit in units:
            candidate = _try_route(problem, members + unit, used, kinds)
            if candidate is not None:
                members, current = members + unit, candidate
                continue
            if current is not None:
                routes.append(current)
                used[current.vehicle_type_id] += 1
            members, current = list(unit), _try_route(problem, unit, used, kinds)
            if current is None:
                unassigned += [Unassigned(r.id, UnassignedReason.SOLVER_DROPPED, "greedy grouping found no vehicle")
                               for r in unit]
                members = []
        if current is not None:
            routes.append(current)
            used[current.vehicle_type_id] += 1
    return _finish(problem, routes, unassigned, "greedy_grouping")
