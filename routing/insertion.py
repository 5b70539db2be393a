"""Put requests into an existing plan, changing as little as possible (cheapest feasible insertion).

``insert_requests(problem, plan, ids)`` puts children into a plan by the cheapest feasible
insertion into a route that already serves their school or one near it (each candidate route is
re-timed with the validator's ``schedule_exists`` and the chosen one is re-checked with ``check``);
a child that fits no route gets a new vehicle on a direct trip if the fleet has one free, else is
reported unassigned with the reason. Every other route keeps its stops and times exactly (the same
``Route`` objects). Travel groups (siblings) are inserted as one unit: picked up together and set
down together. Used by late applications (``transport.planning.late``) and the county plan's
leftovers and border pass (``transport.planning.county``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from routing.baselines import timed_route
from routing.plan import CostBreakdown, Plan, Route, StopKind, Unassigned, UnassignedReason
from routing.problem import (
    ASSISTANT_SEATS,
    Layout,
    Request,
    RoutingProblem,
    VehicleType,
    travel_units,
)
from routing.validate import Cause, check, recompute_cost
from transport.domain.errors import InputError
from transport.domain.units import mileage_pence

NEAR_SCHOOL_S = 600
"""A route is a candidate for a child when it serves the child's school or one this close (s)."""

MAX_TIMED_CANDIDATES = 400
"""At most this many insertion positions are re-timed per child, cheapest first."""

ROUTE_CAUSES = {Cause.WRONG_LOCATION, Cause.PAIRING, Cause.PRECEDENCE, Cause.SEATS, Cause.WHEELCHAIR_SPACES,
                Cause.WINDOW, Cause.RIDE_TIME_EXCEEDED, Cause.INCONSISTENT_TIMES, Cause.SOLO_TRAVELLER,
                Cause.INCOMPATIBLE_CHILDREN, Cause.ASSISTANT_MISSING, Cause.ROUTE_DURATION,
                Cause.ROUTE_STRUCTURE, Cause.UNKNOWN_LAYOUT}
"""Violations that belong to one route (as opposed to coverage, fleet and cost of the plan)."""


@dataclass(frozen=True)
class Change:
    """What happened to one child: the route (index in the new plan) and the cost delta (pence)."""

    request_id: str
    action: str  # "inserted" | "new_vehicle" | "unassigned"
    route_index: int | None
    cost_delta: int
    detail: str = ""


@dataclass(frozen=True)
class InsertResult:
    """The new plan, per-child changes, the routes changed and the total cost delta (pence)."""

    plan: Plan
    changes: tuple[Change, ...]
    changed_routes: tuple[int, ...]
    new_routes: tuple[int, ...]
    cost_delta: int
    seconds: float


# ---------------------------------------------------------------- route arithmetic


def route_cost(problem: RoutingProblem, route: Route) -> int:
    """Fixed, mileage and PA cost of one route (pence), as ``recompute_cost`` counts it."""
    vt = problem.vehicle_type(route.vehicle_type_id)
    locs = [s.location for s in route.stops]
    metres = int(sum(int(problem.distance_m[a, b]) for a, b in zip(locs, locs[1:])))
    return vt.fixed_cost_pence + mileage_pence(vt.pence_per_km, metres) + (vt.assistant_cost_pence if route.has_assistant else 0)


def _school_loc(r: Request) -> int:
    return r.delivery if r.delivery_window_s is not None or r.pickup_window_s is None else r.pickup


def stop_order(route: Route) -> list[tuple[str, str]]:
    """The route's pickups and deliveries in order, as (kind, request id) pairs."""
    return [(s.kind.value, s.request_id) for s in route.stops
            if s.kind in (StopKind.PICKUP, StopKind.DELIVERY) and s.request_id]


def _layout_for(vt: VehicleType, seats: int, chairs: int, pa: bool, prefer: Layout | None = None) -> Layout | None:
    extra = ASSISTANT_SEATS if pa else 0
    fitting = [lay for lay in vt.layouts if lay.seats >= seats + extra and lay.wheelchairs >= chairs]
    if prefer is not None and prefer in fitting:
        return prefer
    return min(fitting, key=lambda lay: (lay.wheelchairs, lay.seats), default=None)


def _onboard_fits(order: Sequence[tuple[str, str]], by_id: dict[str, Request]) -> tuple[int, int, bool] | None:
    """Peak seats and wheelchairs on board, and whether a PA is needed; ``None`` if solo/incompatible break."""
    onboard: set[str] = set()
    peak_s = peak_w = 0
    pa = False
    for kind, rid in order:
        r = by_id[rid]
        if kind == "pickup":
            onboard.add(rid)
            pa = pa or r.needs_assistant
        else:
            onboard.discard(rid)
            continue
        if len(onboard) > 1 and any(by_id[o].solo for o in onboard):
            return None
        if r.incompatible_with & onboard:
            return None
        peak_s = max(peak_s, sum(by_id[o].load.seats for o in onboard))
        peak_w = max(peak_w, sum(by_id[o].load.wheelchairs for o in onboard))
    return peak_s, peak_w, pa


def retime(problem: RoutingProblem, route: Route, order: list[tuple[str, str]],
            by_id: dict[str, Request]) -> Route | None:
    """The route with a new stop order, earliest feasible times, and a layout/PA that fit; or None."""
    vt = problem.vehicle_type(route.vehicle_type_id)
    load = _onboard_fits(order, by_id)
    if load is None:
        return None
    seats, chairs, pa = load
    pa = pa or route.has_assistant
    layout = _layout_for(vt, seats, chairs, pa, prefer=route.layout)
    if layout is None:
        return None
    return timed_route(problem, vt, order, layout, pa, route.vehicle_index)


def _candidates(problem: RoutingProblem, route: Route, unit: Sequence[Request]) -> list[tuple[int, list[tuple[str, str]]]]:
    """Every (distance delta in metres, new order) inserting ``unit`` as a pickup block and a delivery block."""
    order = stop_order(route)
    locs = np.array([s.location for s in route.stops])
    d = problem.distance_m
    p, q = unit[0].pickup, unit[0].delivery
    inner_p = sum(int(d[a.pickup, b.pickup]) for a, b in zip(unit, unit[1:]))
    inner_q = sum(int(d[a.delivery, b.delivery]) for a, b in zip(unit, unit[1:]))
    p_last, q_last = unit[-1].pickup, unit[-1].delivery
    base = d[locs[:-1], locs[1:]]
    add_p = d[locs[:-1], p] + inner_p + d[p_last, locs[1:]] - base   # pickup block after stop i
    add_q = d[locs[:-1], q] + inner_q + d[q_last, locs[1:]] - base
    both = d[locs[:-1], p] + inner_p + int(d[p_last, q]) + inner_q + d[q_last, locs[1:]] - base
    m = len(locs) - 1
    out = []
    pick = [("pickup", r.id) for r in unit]
    drop = [("delivery", r.id) for r in unit]
    for i in range(m):
        out.append((int(both[i]), order[:i] + pick + drop + order[i:]))
        for j in range(i + 1, m):
            out.append((int(add_p[i] + add_q[j]), order[:i] + pick + order[i:j] + drop + order[j:]))
    return out


# ---------------------------------------------------------------- insertion


class PlanIndex:
    """Which routes serve which school locations, and the county's schools by travel time."""

    def __init__(self, problem: RoutingProblem, routes: Sequence[Route]):
        self.problem = problem
        self.by_id = problem._request_by_id()
        self.routes = list(routes)
        self.school_routes: dict[int, set[int]] = {}
        for k, route in enumerate(self.routes):
            self._add(k, route)
        self.schools = sorted({_school_loc(r) for r in problem.requests})

    def _add(self, k: int, route: Route) -> None:
        for rid in route.request_ids():
            self.school_routes.setdefault(_school_loc(self.by_id[rid]), set()).add(k)

    def replace(self, k: int, route: Route | None) -> None:
        """Route ``k`` is now ``route`` (``None``: removed, kept as an empty slot)."""
        for routes in self.school_routes.values():
            routes.discard(k)
        if route is None:
            self.routes[k] = None  # type: ignore[call-overload]
        else:
            self.routes[k] = route
            self._add(k, route)

    def append(self, route: Route) -> int:
        """Add a new route; its index."""
        self.routes.append(route)
        self._add(len(self.routes) - 1, route)
        return len(self.routes) - 1

    def near(self, school: int, radius_s: int = NEAR_SCHOOL_S) -> set[int]:
        """Routes serving ``school`` or a school within ``radius_s`` of it (either way)."""
        d = self.problem.duration_s
        out: set[int] = set()
        for s in self.schools:
            if s == school or (int(d[s, school]) <= radius_s and int(d[school, s]) <= radius_s):
                out |= self.school_routes.get(s, set())
        return out


def best_insertion(problem: RoutingProblem, index: PlanIndex, unit: Sequence[Request], *,
                   exclude: Iterable[int] = (), max_timed: int = MAX_TIMED_CANDIDATES) -> tuple[int, Route, int] | None:
    """``(route index, new route, cost delta)`` of the cheapest feasible insertion of ``unit``."""
    skip = set(exclude)
    by_id = dict(index.by_id)
    options: list[tuple[int, int, list[tuple[str, str]]]] = []
    pa = any(r.needs_assistant for r in unit)
    for k in sorted(index.near(_school_loc(unit[0])) - skip):
        route = index.routes[k]
        if route is None:
            continue
        vt = problem.vehicle_type(route.vehicle_type_id)
        extra_pa = vt.assistant_cost_pence if pa and not route.has_assistant else 0
        for metres, order in _candidates(problem, route, unit):
            delta = mileage_pence(vt.pence_per_km, metres) + extra_pa
            options.append((delta, k, order))
    options.sort(key=lambda o: (o[0], o[1]))
    for delta, k, order in options[:max_timed]:
        old = index.routes[k]
        new = retime(problem, old, order, by_id)
        if new is None:
            continue
        if _route_violations(problem, new):
            continue
        return k, new, route_cost(problem, new) - route_cost(problem, old)
    return None


def _route_violations(problem: RoutingProblem, route: Route) -> list:
    """The validator's findings that belong to this one route."""
    return [v for v in check(problem, Plan((route,))) if v.cause in ROUTE_CAUSES]


def free_vehicle_index(problem: RoutingProblem, routes: Iterable[Route | None], type_id: str) -> int | None:
    """The lowest vehicle index of a type that no route uses, or ``None`` when all are in use."""
    vt = problem.vehicle_type(type_id)
    used = {r.vehicle_index for r in routes if r is not None and r.vehicle_type_id == type_id}
    if len(used) >= vt.count:
        return None
    return next((i for i in range(vt.count) if i not in used), None)


def direct_route(problem: RoutingProblem, routes: Sequence[Route | None], unit: Sequence[Request]) -> tuple[Route | None, UnassignedReason]:
    """The cheapest new vehicle carrying ``unit`` alone, or ``None`` with the reason."""
    seats = sum(r.load.seats for r in unit)
    chairs = sum(r.load.wheelchairs for r in unit)
    pa = any(r.needs_assistant for r in unit)
    ids = {r.id for r in unit}
    if any(r.incompatible_with & ids for r in unit) or (len(unit) > 1 and any(r.solo for r in unit)):
        return None, UnassignedReason.CONFLICTING_RULES
    order = [("pickup", r.id) for r in unit] + [("delivery", r.id) for r in unit]
    reason = UnassignedReason.NO_VEHICLE_FITS
    options = []
    for vt in problem.vehicle_types:
        layout = _layout_for(vt, seats, chairs, pa)
        if layout is None:
            continue
        reason = UnassignedReason.FLEET_EXHAUSTED if reason is UnassignedReason.NO_VEHICLE_FITS else reason
        vi = free_vehicle_index(problem, routes, vt.id)
        if vi is None:
            continue
        route = timed_route(problem, vt, order, layout, pa, vi)
        if route is None:
            reason = UnassignedReason.WINDOW_INFEASIBLE
            continue
        options.append((route_cost(problem, route), vt.id, route))
    if not options:
        direct = max(int(problem.duration_s[r.pickup, r.delivery]) - (r.max_ride_time_s or 10**9) for r in unit)
        if direct > 0:
            reason = UnassignedReason.RIDE_TIME_INFEASIBLE
        return None, reason
    return min(options, key=lambda o: (o[0], o[1]))[2], reason


def units_of(problem: RoutingProblem, request_ids: Iterable[str]) -> list[list[Request]]:
    """The requests as boarding units: a travel group (all of it in ``request_ids``) is one unit."""
    by_id = problem._request_by_id()
    return travel_units(by_id[rid] for rid in dict.fromkeys(request_ids))


def insert_requests(problem: RoutingProblem, plan: Plan, request_ids: Iterable[str], *,
                    new_vehicles: bool = True) -> InsertResult:
    """Insert children (already in ``problem``) into ``plan``, touching only the routes that must change.

    Children in ``request_ids`` must not be routed in ``plan``; if they are listed in
    ``plan.unassigned`` they are taken out of it. Siblings go in together. Unchanged routes
    are the very same ``Route`` objects, so their JSON is byte-for-byte the same.
    """
    started = time.perf_counter()
    wanted = list(dict.fromkeys(request_ids))
    routed = set(plan.routed_request_ids())
    clash = sorted(set(wanted) & routed)
    if clash:

        raise InputError(f"children already on a route cannot be inserted again: {clash[:5]}")
    index = PlanIndex(problem, plan.routes)
    changed: set[int] = set()
    added: list[int] = []
    changes: list[Change] = []
    unassigned = [u for u in plan.unassigned if u.request_id not in set(wanted)]
    for unit in units_of(problem, wanted):
        found = best_insertion(problem, index, unit)
        if found is not None:
            k, route, delta = found
            index.replace(k, route)
            changed.add(k)
            changes += [Change(r.id, "inserted", k, delta if r is unit[0] else 0) for r in unit]
            continue
        route, reason = direct_route(problem, index.routes, unit) if new_vehicles else (None, UnassignedReason.SOLVER_DROPPED)
        if route is not None:
            k = index.append(route)
            added.append(k)
            cost = route_cost(problem, route)
            changes += [Change(r.id, "new_vehicle", k, cost if r is unit[0] else 0,
                               f"no existing route can take the child; new {route.vehicle_type_id}") for r in unit]
            continue
        detail = _reason_detail(reason)
        unassigned += [Unassigned(r.id, reason, detail) for r in unit]
        changes += [Change(r.id, "unassigned", None, 0, f"{reason.value}: {detail}") for r in unit]
    routes = tuple(r for r in index.routes if r is not None)
    draft = Plan(routes, tuple(unassigned), CostBreakdown(), dict(plan.meta))
    new_plan = Plan(routes, tuple(unassigned), recompute_cost(problem, draft), dict(plan.meta))
    return InsertResult(new_plan, tuple(changes), tuple(sorted(changed)), tuple(added),
                        new_plan.cost.total - plan.cost.total, round(time.perf_counter() - started, 3))


def _reason_detail(reason: UnassignedReason) -> str:
    return {
        UnassignedReason.NO_VEHICLE_FITS: "no vehicle type has a layout with room for this child's needs",
        UnassignedReason.FLEET_EXHAUSTED: "no existing route can take the child and every fitting vehicle is in use",
        UnassignedReason.WINDOW_INFEASIBLE: "no direct trip from a depot meets the bell time and shift",
        UnassignedReason.RIDE_TIME_INFEASIBLE: "even a direct trip is longer than the ride-time limit",
        UnassignedReason.CONFLICTING_RULES: "the child's own travel rules contradict each other",
    }.get(reason, "no feasible place for this child")
