"""Late applications: add children to a running plan document, changing as little as possible.

``insert_late_children(doc, children)`` puts each child in by cheapest feasible insertion
(``routing.insertion.insert_requests``) on the late-insertion problem of
``transport.planning.nearby`` (the routes near the children's schools, the free vehicles and a
block of the county matrices), splices the changed and new routes back into the county plan and
validates: the independent validator (``routing.validate.check``) on every route of the
late-insertion problem, and ``routing.validate.check_accounting`` on the whole county plan (every
child exactly once, routed or unassigned; no vehicle used twice or beyond its type's count).
The routes it does not touch are the very same objects the plan was validated with.

``insert_late_children_full`` does the same on the whole county problem (the grown county
matrices, the whole plan validated): the method before, kept as the oracle the tests and the
county benchmark compare against, and used when the county matrices are at hand and the nearby
part is most of the county anyway (``nearby.DENSE_SHARE``: a dense county, where a block of the
matrices costs what the grown ones do). The September rerun is ``transport.planning.rerun``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from routing.insertion import Change, InsertResult, insert_requests
from routing.matrix import matrix_of_snaps
from routing.network import load_network
from routing.plan import CostBreakdown, Plan, Route
from routing.validate import Violation, check, check_accounting
from transport.domain.errors import InputError
from transport.domain.scenario import parse_scenario
from transport.planning.county import build_county
from transport.planning.nearby import DENSE_SHARE, NearbyProblem, nearby_problem
from transport.planning.plan import (
    BuiltProblem,
    PlanDocument,
    build_problem,
    scenario_locations,
    validate_document,
)


def extended_county(doc: Any, scenario: Any, county: Any, network: Any) -> Any:
    """The county problem for ``scenario`` (the plan's scenario plus late children).

    With ``county`` (the ``BuiltProblem`` the plan was made on) only the rows and columns of
    new locations are computed; otherwise the county matrices are built afresh.
    """
    locs = scenario_locations(scenario)
    old = tuple(doc.locations)
    if locs[:len(old)] != old:
        raise InputError("the late children change the plan's location list (a new school or depot?); "
                         "plan the scenario afresh instead")
    if county is None:
        return build_county(scenario, network=network)[0]
    started = time.perf_counter()
    n_old, n = len(old), len(locs)
    if n == n_old:
        built = build_problem(scenario, matrices=(county.problem.duration_s, county.problem.distance_m))
        return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)
    net = network or load_network("drive")
    snaps = net.snap_many([loc.point for loc in locs], labels=[f"{loc.kind} {loc.id}" for loc in locs])
    rows = matrix_of_snaps(net, snaps[n_old:], snaps)
    cols = matrix_of_snaps(net, snaps[:n_old], snaps[n_old:])  # one reversed search per new home
    if not (np.isfinite(rows.duration_s).all() and np.isfinite(cols.duration_s).all()):
        raise InputError("a late child's home cannot be reached by road on the loaded network")
    out = []
    for old_m, r, c in ((county.problem.duration_s, rows.duration_s, cols.duration_s),
                        (county.problem.distance_m, rows.distance_m, cols.distance_m)):
        m = np.empty((n, n), dtype=np.int64)  # every cell written below
        m[:n_old, :n_old] = old_m
        m[n_old:, :] = np.rint(r)
        m[:n_old, n_old:] = np.rint(c)
        np.fill_diagonal(m, 0)
        m.setflags(write=False)  # handed to the problem as is, not copied again
        out.append(m)
    built = build_problem(scenario, matrices=(out[0], out[1]))
    return BuiltProblem(built.problem, built.locations, time.perf_counter() - started)


def with_late_children(doc: Any, children: Sequence[Any]) -> Any:
    """The plan's scenario with the late children appended (checked as any scenario is)."""
    known = {c.id for c in doc.scenario.children}
    again = sorted(c.id for c in children if c.id in known)
    if again:
        raise InputError(f"late children already in the plan's scenario: {again[:5]}")
    schools = {s.id for s in doc.scenario.schools}
    for c in children:
        if c.school_id not in schools:
            raise InputError(f"late child {c.id}: school {c.school_id!r} is not in the plan's scenario; "
                             "plan the scenario afresh with that school")
    if doc.scenario.session == "day":
        raise InputError("late insertion works on single-session plans; a day plan is planned afresh")
    fields = {name: getattr(doc.scenario, name) for name in type(doc.scenario).model_fields}
    fields["children"] = (*doc.scenario.children, *children)
    return parse_scenario(fields, source="scenario with late children")


def insert_late_children(doc: Any, children: Sequence[Any], *, county: Any = None,
                         network: Any = None) -> tuple[Any, InsertResult, Any]:
    """Add late applications to a plan document: ``(new document, what changed, problem solved)``.

    ``county``: the ``BuiltProblem`` the plan was made on (its matrices are read, never copied);
    without it the nearby locations' matrices are computed on ``network``. The problem solved is
    the late-insertion problem (``NearbyProblem``), or, when that would hold more than
    ``DENSE_SHARE`` of the county's locations and the county is given, the grown county problem
    (``insert_late_children_full``: the same plan, tested, at no more cost there).
    """
    started = time.perf_counter()
    scenario = with_late_children(doc, children)
    nearby = nearby_problem(doc, scenario, children, county=county, network=network,
                            max_share=DENSE_SHARE if county is not None else None)
    if nearby is None:  # most of a dense county is near: the whole county problem costs no more
        return insert_late_children_full(doc, children, county=county, network=network)
    local = insert_requests(nearby.problem, nearby.plan, [c.id for c in children])
    checked = time.perf_counter()
    violations = [_county_violation(v, nearby, len(doc.plan.routes)) for v in check(nearby.problem, local.plan)]
    plan, result = splice(doc.plan, nearby, local)
    violations += check_accounting(plan, [rid for c in scenario.children for rid in _request_ids(c)],
                                   {v.id: v.count for v in scenario.fleet})
    validate_s = time.perf_counter() - checked
    new_doc = PlanDocument(scenario=scenario, plan=plan, locations=nearby.county_locations,
                           timings={"matrix_s": round(nearby.matrix_s, 3), "insert_s": local.seconds,
                                    "validate_s": round(validate_s, 3),
                                    "late_s": round(time.perf_counter() - started, 3)})
    new_doc.violations = [_as_dict(v) for v in violations]
    return new_doc, result, nearby


def _request_ids(child: Any) -> tuple[str, ...]:
    """The child's request id in a single-session plan (one per child: ``session_requests`` without trips)."""
    return (child.id,)


def splice(plan: Plan, nearby: NearbyProblem, local: InsertResult) -> tuple[Plan, InsertResult]:
    """The county plan with the late-insertion problem's changed and new routes in place.

    Untouched routes are the very same objects; a changed route keeps its place, new routes come
    last. The cost is the plan's own less the nearby routes' before, plus theirs after (both
    recomputed by the validator's ``recompute_cost`` on the late-insertion problem)."""
    n_local, n_county = len(nearby.route_positions), len(plan.routes)

    def county_index(k: int) -> int:
        return nearby.route_positions[k] if k < n_local else n_county + k - n_local

    def to_county(route: Route) -> Route:
        return Route(route.vehicle_type_id, nearby.vehicles[route.vehicle_type_id][route.vehicle_index],
                     route.layout, route.has_assistant,
                     tuple(replace(s, location=nearby.locations[s.location]) for s in route.stops))

    routes = list(plan.routes)
    for k in local.changed_routes:
        if k < n_local:  # a new route that a later child joined is among the new ones below
            routes[nearby.route_positions[k]] = to_county(local.plan.routes[k])
    routes += [to_county(local.plan.routes[k]) for k in local.new_routes]
    late = {c.request_id for c in local.changes}
    unassigned = plan.unassigned + tuple(u for u in local.plan.unassigned if u.request_id in late)
    before, after = nearby.plan.cost, local.plan.cost
    cost = CostBreakdown(fixed=plan.cost.fixed - before.fixed + after.fixed,
                         distance=plan.cost.distance - before.distance + after.distance,
                         assistant=plan.cost.assistant - before.assistant + after.assistant,
                         distance_m=plan.cost.distance_m - before.distance_m + after.distance_m,
                         vehicles=len(routes))
    new_plan = Plan(tuple(routes), unassigned, cost, dict(plan.meta))
    changes = tuple(Change(c.request_id, c.action, None if c.route_index is None else county_index(c.route_index),
                           c.cost_delta, c.detail) for c in local.changes)
    result = InsertResult(new_plan, changes, tuple(sorted(county_index(k) for k in local.changed_routes)),
                          tuple(county_index(k) for k in local.new_routes), local.cost_delta, local.seconds)
    return new_plan, result


def _county_violation(v: Violation, nearby: NearbyProblem, n_county: int) -> Violation:
    """A finding on the late-insertion problem, with its route numbered as in the county plan."""
    if v.route_index is None:
        return v
    n_local = len(nearby.route_positions)
    k = nearby.route_positions[v.route_index] if v.route_index < n_local else n_county + v.route_index - n_local
    return replace(v, route_index=k, detail=f"{v.detail} (late-insertion problem's route {v.route_index})")


def _as_dict(v: Violation) -> dict:
    return {"cause": v.cause.value, "route_index": v.route_index, "stop_index": v.stop_index,
            "request_id": v.request_id, "detail": v.detail}


def insert_late_children_full(doc: Any, children: Sequence[Any], *, county: Any = None,
                              network: Any = None) -> tuple[Any, InsertResult, Any]:
    """Late insertion on the whole county problem (grown matrices, whole plan validated): the
    method before ``insert_late_children``, kept as its oracle. ``(new document, what changed, county problem)``."""
    scenario = with_late_children(doc, children)
    built = extended_county(doc, scenario, county, network)
    result = insert_requests(built.problem, doc.plan, [c.id for c in children])
    new_doc = PlanDocument(scenario=scenario, plan=result.plan, locations=built.locations,
                           timings={"matrix_s": round(built.matrix_s, 3), "insert_s": result.seconds})
    new_doc.violations = validate_document(scenario, new_doc, built=built)
    return new_doc, result, built
