"""Late applications and the September rerun: change as little of a running plan as possible.

* ``insert_requests(problem, plan, ids)`` puts children into an existing plan by the cheapest
  feasible insertion into a route that already serves their school or one near it (each
  candidate route is re-timed with the validator's ``schedule_exists`` and the chosen one is
  re-checked with ``check``); a child that fits no route gets a new vehicle on a direct trip
  if the county fleet has one free, else is reported unassigned with the reason. Every other
  route keeps its stops and times exactly (the same ``Route`` objects).
* ``rerun(problem, plan, disruption_penalty_pence=...)`` re-optimises a whole plan from the
  current one, charging the penalty each time a current route's children are spread over
  one more vehicle, and reports children moved and the saving.
* ``insert_late_children(doc, children)`` and ``rerun_document`` do the same on plan documents;
  ``rerun_document`` reruns a plan of more than ``max_requests`` children part by part in
  parallel (``transport.planning.rerun.rerun_county``).

Travel groups (siblings) are inserted as one unit: picked up together and set down together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from routing.baselines import timed_route
from routing.plan import CostBreakdown, Plan, Route, StopKind, Unassigned, UnassignedReason
from routing.problem import ASSISTANT_SEATS, Layout, Request, RoutingProblem, VehicleType, travel_units
from routing.validate import Cause, check, recompute_cost
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


def _order(route: Route) -> list[tuple[str, str]]:
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


def _retime(problem: RoutingProblem, route: Route, order: list[tuple[str, str]],
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
    order = _order(route)
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
        new = _retime(problem, old, order, by_id)
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
        from transport.domain.errors import InputError

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


# ---------------------------------------------------------------- minimal-disruption rerun


@dataclass(frozen=True)
class RerunResult:
    """The re-optimised plan, the children moved off their route, and the saving (pence)."""

    plan: Plan
    moved: tuple[str, ...]
    saving: int
    penalty_pence: int
    seconds: float


def moved_children(before: Plan, after: Plan) -> list[str]:
    """Children no longer riding with the bulk of their old route's children.

    Each old route's *successor* is the new route carrying most of its children (ties: the
    earliest); a child routed before and not on that successor has moved.
    """
    new_route = {rid: k for k, r in enumerate(after.routes) for rid in r.request_ids()}
    out = []
    for route in before.routes:
        ids = route.request_ids()
        counts: dict[int | None, int] = {}
        for rid in ids:
            counts[new_route.get(rid)] = counts.get(new_route.get(rid), 0) + 1
        successor = max((k for k in counts if k is not None), key=lambda k: (counts[k], -k), default=None)
        out += [rid for rid in ids if new_route.get(rid) != successor or successor is None]
    return sorted(out)


ORTOOLS_SHARE = 0.3
"""Share of a rerun's time for OR-Tools; the LNS polishes its result in the rest."""


def rerun(problem: RoutingProblem, plan: Plan, *, disruption_penalty_pence: int, time_limit_s: float = 30.0,
          callbacks: Any = None) -> RerunResult:
    """Re-optimise ``plan`` from itself; each extra vehicle a current route's children use costs the penalty.

    First OR-Tools (``ORTOOLS_SHARE`` of the time): the penalty is a soft same-vehicle
    constraint over each current route's pickups, added to the solver's own model (built by
    ``routing.ortools_model``), searching from the current plan. Then the LNS
    (``routing.lns``) from that result with the same penalty in its objective. The plan with
    the lowest penalised cost wins (the current plan included), never leaving out more
    children than today.
    """
    from routing import lns
    from routing import ortools_model as om
    from routing.solve import precheck
    from transport.planning.rerun import penalised_cost

    if disruption_penalty_pence < 0:
        from transport.domain.errors import InputError

        raise InputError(f"disruption penalty must be >= 0, got {disruption_penalty_pence}")
    lns.warm_up()
    started = time.perf_counter()
    pre = precheck(problem)
    todo = [i for i in range(len(problem.requests)) if i not in pre]
    model = om.build_model(problem, todo)
    index_of = {problem.requests[i].id: i for i in todo}
    unit_cost = 1000 * disruption_penalty_pence // model.cost_unit
    if unit_cost > 0:
        for route in plan.routes:
            nodes = [model.manager.NodeToIndex(model.request_nodes[index_of[rid]][0])
                     for rid in route.request_ids() if rid in index_of]
            if len(nodes) > 1:
                model.routing.AddSoftSameVehicleConstraint(nodes, unit_cost)
    if callbacks is not None:
        def at_solution() -> None:
            callbacks.on_progress(int(model.routing.CostVar().Value()) * model.cost_unit // 1000,
                                  time.perf_counter() - started)
            if callbacks.should_stop():
                model.routing.solver().FinishCurrentSearch()
        model.keep.append(at_solution)
        model.routing.AddAtSolutionCallback(at_solution)
    initial = model.routing.ReadAssignmentFromRoutes(om.routes_from_plan(model, plan), True)
    search = om.search_parameters(time_limit_s=time_limit_s * ORTOOLS_SHARE, first_solution="parallel_cheapest_insertion",
                                  metaheuristic="guided_local_search")
    solution = model.routing.SolveFromAssignmentWithParameters(initial, search) if initial is not None else None
    kept_out = [pre[i] for i in sorted(pre)]

    def dropped(i: int) -> Unassigned:
        return Unassigned(problem.requests[i].id, UnassignedReason.SOLVER_DROPPED,
                          "the rerun found no feasible place for this child within its time limit")

    new = plan  # OR-Tools can find nothing in its share; the LNS then starts from today's routes
    if solution is not None:
        found = om.extract_plan(model, solution, kept_out, dropped)
        new = Plan(found.routes, found.unassigned, recompute_cost(problem, found), found.meta)
    candidates = [plan, new]
    current = {rid: k for k, r in enumerate(plan.routes) for rid in r.request_ids()}
    deadline = time.monotonic() + max(0.0, time_limit_s - (time.perf_counter() - started))
    stop = callbacks.should_stop if callbacks is not None else None
    try:
        polished, _ = lns.improve(problem, todo, new, deadline, should_stop=stop, current_route=current,
                                  disruption_pence=disruption_penalty_pence)
        if not check(problem, polished):
            candidates.append(polished)
    except Exception:  # noqa: BLE001 - the LNS is a polish; OR-Tools' result stands
        pass
    fair = [c for c in candidates if len(c.unassigned) <= len(plan.unassigned)]  # never trade a routed child
    new = min(fair, key=lambda c: penalised_cost(plan, c, disruption_penalty_pence))
    new = Plan(new.routes, new.unassigned, recompute_cost(problem, new),
               dict(plan.meta, rerun_penalty_pence=disruption_penalty_pence))
    return RerunResult(new, tuple(moved_children(plan, new)), plan.cost.total - new.cost.total,
                       disruption_penalty_pence, round(time.perf_counter() - started, 3))


# ---------------------------------------------------------------- plan documents


def _extended_county(doc: Any, scenario: Any, county: Any, network: Any) -> Any:
    """The county problem for ``scenario`` (the plan's scenario plus late children).

    With ``county`` (the ``BuiltProblem`` the plan was made on) only the rows and columns of
    new locations are computed; otherwise the county matrices are built afresh.
    """
    from routing.matrix import compute_matrix
    from transport.domain.errors import InputError
    from transport.planning.plan import BuiltProblem, build_problem, scenario_locations

    locs = scenario_locations(scenario)
    old = tuple(doc.locations)
    if locs[:len(old)] != old:
        raise InputError("the late children change the plan's location list (a new school or depot?); "
                         "plan the scenario afresh instead")
    if county is None:
        from transport.planning.county import build_county

        return build_county(scenario, network=network)[0]
    started = time.perf_counter()
    n_old, n = len(old), len(locs)
    if n == n_old:
        built = build_problem(scenario, matrices=(county.problem.duration_s, county.problem.distance_m))
        return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)
    from routing.network import load_network

    net = network or load_network("drive")
    pts = [loc.point for loc in locs]
    rows = compute_matrix(net, pts[n_old:], pts)
    cols = compute_matrix(net, pts[:n_old], pts[n_old:])
    if not (np.isfinite(rows.duration_s).all() and np.isfinite(cols.duration_s).all()):
        raise InputError("a late child's home cannot be reached by road on the loaded network")
    out = []
    for old_m, r, c in ((county.problem.duration_s, rows.duration_s, cols.duration_s),
                        (county.problem.distance_m, rows.distance_m, cols.distance_m)):
        m = np.zeros((n, n), dtype=np.int64)
        m[:n_old, :n_old] = old_m
        m[n_old:, :] = np.rint(r)
        m[:n_old, n_old:] = np.rint(c)
        np.fill_diagonal(m, 0)
        out.append(m)
    built = build_problem(scenario, matrices=(out[0], out[1]))
    return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)


def insert_late_children(doc: Any, children: Sequence[Any], *, county: Any = None,
                         network: Any = None) -> tuple[Any, InsertResult, Any]:
    """Add late applications to a plan document: ``(new document, what changed, county problem)``."""
    from transport.domain.errors import InputError
    from transport.planning.plan import PlanDocument, validate_document
    from transport.domain.scenario import parse_scenario

    known = {c.id for c in doc.scenario.children}
    again = sorted(c.id for c in children if c.id in known)
    if again:
        raise InputError(f"late children already in the plan's scenario: {again[:5]}")
    schools = {s.id for s in doc.scenario.schools}
    for c in children:
        if c.school_id not in schools:
            raise InputError(f"late child {c.id}: school {c.school_id!r} is not in the plan's scenario; "
                             "plan the scenario afresh with that school")
    data = doc.scenario.model_dump(mode="json")
    data["children"] = data["children"] + [c.model_dump(mode="json") for c in children]
    scenario = parse_scenario(data, source="scenario with late children")
    built = _extended_county(doc, scenario, county, network)
    result = insert_requests(built.problem, doc.plan, [c.id for c in children])
    new_doc = PlanDocument(scenario=scenario, plan=result.plan, locations=built.locations,
                           timings={"matrix_s": round(built.matrix_s, 3), "insert_s": result.seconds})
    new_doc.violations = validate_document(scenario, new_doc, built=built)
    return new_doc, result, built


def rerun_document(doc: Any, *, disruption_penalty_pence: int, time_limit_s: float = 30.0,
                   county: Any = None, network: Any = None, callbacks: Any = None, max_requests: int = 120,
                   scheduler: str | None = None, max_workers: int | None = None) -> tuple[Any, RerunResult]:
    """Re-optimise a plan document with a disruption penalty; the new document is validated.

    A plan with more than ``max_requests`` children is rerun part by part in parallel
    (``transport.planning.rerun.rerun_county``); a smaller one as one OR-Tools model (``rerun``).
    """
    from transport.planning.plan import PlanDocument, validate_document

    built = county if county is not None else _extended_county(doc, doc.scenario, None, network)
    if len(built.problem.requests) > max_requests:
        from transport.planning.county import planar_coords
        from transport.planning.rerun import rerun_county

        res = rerun_county(built.problem, doc.plan, disruption_penalty_pence=disruption_penalty_pence,
                           time_limit_s=time_limit_s, max_requests=max_requests, scheduler=scheduler,
                           max_workers=max_workers, callbacks=callbacks, coords_m=planar_coords(built.locations))
    else:
        res = rerun(built.problem, doc.plan, disruption_penalty_pence=disruption_penalty_pence,
                    time_limit_s=time_limit_s, callbacks=callbacks)
    new_doc = PlanDocument(scenario=doc.scenario, plan=res.plan, locations=built.locations,
                           timings={"matrix_s": round(built.matrix_s, 3), "solve_s": res.seconds})
    new_doc.violations = validate_document(doc.scenario, new_doc, built=built)
    return new_doc, res
