"""The September rerun: re-optimise a running plan, charging a penalty for each disruption.

``rerun(problem, plan, disruption_penalty_pence=...)`` re-optimises a whole plan from the
current one, charging the penalty each time a current route's children are spread over one more
vehicle, and reports the children moved and the saving. ``rerun_document`` does the same on a
plan document, part by part in parallel above ``max_requests`` children (``rerun_county``).

``rerun_county(problem, plan, ...)`` groups the plan's *current* routes into independent
parts, re-optimises each part with ``rerun`` (``routing.solve.solve`` per part)
through ``routing.parallel.run_tasks``, and merges the parts back into one county plan:

1. **Parts.** ``routing.decompose.decompose`` clusters the children's requests (schools,
   sectors, merged neighbours, at most ``max_requests`` children); each current route goes to
   the cluster holding most of its children (ties: the first cluster), and each unassigned
   child to its own cluster. So every route and every child is in exactly one part.
2. **Sub-problems.** Each part's problem is the block of the county matrices over its own
   locations (``routing.decompose.subproblem``) with the vehicles its routes use now (same
   type ids; the county vehicle indices are kept in a per-part table) plus a share of the
   county's spare vehicles, proportional to the children of the part each type can carry.
3. **Rerun** of each part from its current routes, with the same disruption penalty.
4. **Merge.** Stops are mapped back to county locations. A new route with the same type and
   the same stop order as a current route *is* that current route (the very same object, so
   its JSON is unchanged); other new routes take the county vehicle index of the current
   route they carry most children of, else a spare index of the part. A part whose rerun
   fails, leaves more children out, is invalid, or is worse under the penalised objective
   (daily cost + penalty per extra vehicle a current route's children are spread over) keeps
   its current routes unchanged.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from routing import lns
from routing.decompose import Cluster, decompose, split_fleet, subproblem
from routing.insertion import stop_order
from routing.parallel import StopFile, StopFileCallbacks, run_tasks
from routing.disruption import Disruption
from routing.plan import Plan, Route, Unassigned
from routing.problem import RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check, recompute_cost
from transport.domain.errors import InputError
from transport.planning.county import planar_coords
from transport.planning.late import extended_county
from transport.planning.plan import PlanDocument, validate_document


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

RUN_NOTES = ("lns_error", "lns_rejected")
"""What the search records in a plan's meta when the LNS failed or its plan was refused."""


def rerun(problem: RoutingProblem, plan: Plan, *, disruption_penalty_pence: int, time_limit_s: float = 30.0,
          callbacks: Any = None) -> RerunResult:
    """Re-optimise ``plan`` from itself; each extra vehicle a current route's children use costs the penalty.

    ``routing.solve.solve`` from the current plan with a ``Disruption``: first OR-Tools
    (``ORTOOLS_SHARE`` of the time) with the penalty as a soft same-vehicle constraint over
    each current route's pickups, then the LNS with the same penalty in its objective. The
    plan with the lowest penalised cost wins (the current plan included), never leaving out
    more children than today. An LNS error or refusal is recorded in the meta as solve() records it.
    """
    priced = Disruption.of(plan, disruption_penalty_pence)
    lns.warm_up()  # compiled outside the clock, as solve() does
    started = time.perf_counter()
    params = SolveParams(time_limit_s=time_limit_s, lns_share=1 - ORTOOLS_SHARE)
    found = solve(problem, params, initial_plan=plan, disruption=priced, callbacks=callbacks)
    fair = [c for c in (plan, found) if len(c.unassigned) <= len(plan.unassigned)]  # never trade a routed child
    new = min(fair, key=priced.penalised_cost)
    notes = {k: found.meta[k] for k in RUN_NOTES if k in found.meta}
    new = Plan(new.routes, new.unassigned, recompute_cost(problem, new),
               dict(plan.meta, rerun_penalty_pence=disruption_penalty_pence, **notes))
    return RerunResult(new, tuple(moved_children(plan, new)), plan.cost.total - new.cost.total,
                       disruption_penalty_pence, round(time.perf_counter() - started, 3))


@dataclass(frozen=True)
class RerunPart:
    """One part: its routes (positions in the county plan), its children and its vehicle table."""

    cluster: Cluster
    route_positions: tuple[int, ...]
    unassigned_ids: tuple[str, ...]
    locations: tuple[int, ...]
    vehicles: dict[str, tuple[int, ...]]
    """Per vehicle type, the county vehicle index of the part's vehicle 0, 1, ..."""
    problem: RoutingProblem
    plan: Plan
    """The part's current routes and unassigned children, on the part's own problem."""


@dataclass(frozen=True)
class RerunTask:
    """What a worker needs to rerun one part."""

    index: int
    problem: RoutingProblem
    plan: Plan
    penalty_pence: int
    time_limit_s: float
    stop_path: str | None = None


@dataclass(frozen=True)
class RerunTaskResult:
    """A worker's answer: the part's new plan (``None`` when the rerun failed) and why."""

    index: int
    plan: Plan | None
    seconds: float
    error: str = ""


def disruption(before: Plan, after: Plan) -> int:
    """Extra vehicles the current routes' children are spread over (what the penalty is charged on)."""
    return Disruption.of(before, 0).extra_vehicles(after)


def penalised_cost(before: Plan, after: Plan, penalty_pence: int) -> int:
    """Daily cost of ``after`` plus the penalty for each extra vehicle (pence)."""
    return Disruption.of(before, penalty_pence).penalised_cost(after)


def rerun_task(task: RerunTask) -> RerunTaskResult:
    """Run ``rerun`` on one part (in a worker); errors come back as text."""
    started = time.perf_counter()
    try:
        res = rerun(task.problem, task.plan, disruption_penalty_pence=task.penalty_pence,
                    time_limit_s=max(0.5, task.time_limit_s), callbacks=StopFileCallbacks(task.stop_path))
    except Exception as exc:  # the current routes stay
        return RerunTaskResult(task.index, None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    return RerunTaskResult(task.index, res.plan, time.perf_counter() - started)


def _zero_coords(problem: RoutingProblem) -> np.ndarray:
    return np.zeros((problem.num_locations, 2))


def rerun_parts(problem: RoutingProblem, plan: Plan, *, max_requests: int = 120,
                coords_m: np.ndarray | None = None) -> list[RerunPart]:
    """The plan's current routes (and unassigned children) grouped into independent parts."""
    coords = coords_m if coords_m is not None else _zero_coords(problem)
    clusters = decompose(problem, coords, max_requests=max_requests)
    cluster_of = {rid: k for k, c in enumerate(clusters) for rid in c.request_ids}
    route_groups: list[list[int]] = [[] for _ in clusters]
    for pos, route in enumerate(plan.routes):
        counts: dict[int, int] = {}
        for rid in route.request_ids():
            k = cluster_of[rid]
            counts[k] = counts.get(k, 0) + 1
        best = min(counts, key=lambda k: (-counts[k], k)) if counts else 0
        route_groups[best].append(pos)
    unassigned_groups: list[list[str]] = [[] for _ in clusters]
    for u in plan.unassigned:
        if u.request_id in cluster_of:
            unassigned_groups[cluster_of[u.request_id]].append(u.request_id)
    keep = [k for k in range(len(clusters)) if route_groups[k] or unassigned_groups[k]]
    part_clusters = []
    for k in keep:
        ids = [rid for pos in route_groups[k] for rid in plan.routes[pos].request_ids()]
        ids += unassigned_groups[k]
        part_clusters.append(Cluster(clusters[k].id, tuple(dict.fromkeys(ids)), clusters[k].school_ids))
    # spare vehicles (no current route uses them) shared by the children each type can carry
    used: dict[str, set[int]] = {vt.id: set() for vt in problem.vehicle_types}
    for route in plan.routes:
        used[route.vehicle_type_id].add(route.vehicle_index)
    spare = {vt.id: [i for i in range(vt.count) if i not in used[vt.id]] for vt in problem.vehicle_types}
    spare_problem = problem.replace(vehicle_types=tuple(replace(vt, count=len(spare[vt.id]))
                                                        for vt in problem.vehicle_types))
    shares = split_fleet(spare_problem, part_clusters, reserve=0.0) if part_clusters else []
    taken = {t: 0 for t in spare}
    parts = []
    by_id = {u.request_id: u for u in plan.unassigned}
    for k, cluster, share in zip(keep, part_clusters, shares):
        vehicles: dict[str, tuple[int, ...]] = {}
        for vt in problem.vehicle_types:
            own = sorted(plan.routes[pos].vehicle_index for pos in route_groups[k]
                         if plan.routes[pos].vehicle_type_id == vt.id)
            n = share.get(vt.id, 0)
            extra = spare[vt.id][taken[vt.id]:taken[vt.id] + n]
            taken[vt.id] += len(extra)
            vehicles[vt.id] = tuple(own) + tuple(extra)
        sp = subproblem(problem, cluster, {t: len(v) for t, v in vehicles.items()}, {})
        local_loc = {loc: i for i, loc in enumerate(sp.locations)}
        local_vi = {t: {ci: i for i, ci in enumerate(v)} for t, v in vehicles.items()}
        routes = tuple(Route(r.vehicle_type_id, local_vi[r.vehicle_type_id][r.vehicle_index], r.layout,
                             r.has_assistant, tuple(replace(s, location=local_loc[s.location]) for s in r.stops))
                       for r in (plan.routes[pos] for pos in route_groups[k]))
        draft = Plan(routes, tuple(by_id[rid] for rid in unassigned_groups[k]))
        sub_plan = Plan(draft.routes, draft.unassigned, recompute_cost(sp.problem, draft))
        parts.append(RerunPart(cluster, tuple(route_groups[k]), tuple(unassigned_groups[k]), sp.locations,
                               vehicles, sp.problem, sub_plan))
    return parts


def _accept(part: RerunPart, new: Plan | None, penalty_pence: int) -> bool:
    """Whether a part's rerun plan replaces its current routes."""
    if new is None or len(new.unassigned) > len(part.plan.unassigned):
        return False
    if {r.request_id for r in new.unassigned} - set(part.unassigned_ids):
        return False
    if check(part.problem, new):
        return False
    return penalised_cost(part.plan, new, penalty_pence) <= part.plan.cost.total


def _map_back(part: RerunPart, old_routes: list[Route], new: Plan) -> dict[tuple[str, int], Route]:
    """The part's new routes on county locations and vehicle indices, keyed by (type, county index)."""
    loc = part.locations
    out: dict[tuple[str, int], Route] = {}
    pending: list[Route] = []
    old_by_order = {(r.vehicle_type_id, tuple(stop_order(r))): r for r in old_routes}
    for r in new.routes:
        same = old_by_order.get((r.vehicle_type_id, tuple(stop_order(r))))
        if same is not None and (same.vehicle_type_id, same.vehicle_index) not in out:
            out[(same.vehicle_type_id, same.vehicle_index)] = same  # unchanged: the very same object
        else:
            pending.append(r)
    for r in pending:
        ids = set(r.request_ids())
        candidates = sorted((-len(ids & set(o.request_ids())), o.vehicle_index) for o in old_routes
                            if o.vehicle_type_id == r.vehicle_type_id
                            and (o.vehicle_type_id, o.vehicle_index) not in out)
        held = {o.vehicle_index for o in old_routes if o.vehicle_type_id == r.vehicle_type_id}
        free = [i for i in part.vehicles[r.vehicle_type_id] if (r.vehicle_type_id, i) not in out]
        if candidates and candidates[0][0] < 0:
            vi = candidates[0][1]  # the current route it carries most children of
        else:  # a spare vehicle first, so current routes keep their indices
            vi = next((i for i in free if i not in held), free[0])
        stops = tuple(replace(s, location=loc[s.location]) for s in r.stops)
        out[(r.vehicle_type_id, vi)] = Route(r.vehicle_type_id, vi, r.layout, r.has_assistant, stops)
    return out


def rerun_county(problem: RoutingProblem, plan: Plan, *, disruption_penalty_pence: int, time_limit_s: float,
                 max_requests: int = 120, scheduler: str | None = None, max_workers: int | None = None,
                 callbacks: Any = None, coords_m: np.ndarray | None = None) -> RerunResult:
    """Re-optimise a county plan part by part in parallel; see the module docstring.

    ``time_limit_s`` is the wall-clock budget shared by the parts across the workers.
    ``coords_m`` (planar easting/northing per location, as ``transport.planning.county.planar_coords``
    gives) lets the decomposition cut big schools into sectors by bearing and merge
    neighbouring schools; without it schools are still grouped, by bell time only.
    """
    if disruption_penalty_pence < 0:
        raise InputError(f"disruption penalty must be >= 0, got {disruption_penalty_pence}")
    started = time.perf_counter()
    parts = rerun_parts(problem, plan, max_requests=max_requests, coords_m=coords_m)
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(parts) or 1))
    total_n = sum(len(p.cluster.request_ids) for p in parts) or 1
    stop = StopFile()
    tasks = [RerunTask(k, p.problem, p.plan, disruption_penalty_pence,
                       time_limit_s * workers * len(p.cluster.request_ids) / total_n * 0.9, stop.path)
             for k, p in enumerate(parts)]
    saved = [0]

    def heard(k: int, res: RerunTaskResult) -> None:
        if res.plan is not None and _accept(parts[k], res.plan, disruption_penalty_pence):
            saved[0] += parts[k].plan.cost.total - res.plan.cost.total
        if callbacks is not None:
            callbacks.on_progress(plan.cost.total - saved[0], time.perf_counter() - started)

    def stopping() -> bool:
        if callbacks is not None and callbacks.should_stop():
            stop.set()
            return True
        return False

    try:
        results = run_tasks(rerun_task, tasks, scheduler=scheduler, max_workers=max_workers,
                            on_result=heard, should_stop=stopping)
    finally:
        stop.clear()
    new_routes: dict[int, dict[tuple[str, int], Route]] = {}
    accepted = changed = failed = 0
    unassigned_keep: list[Unassigned] = [u for u in plan.unassigned]
    for k, (part, res) in enumerate(zip(parts, results)):
        new = res.plan if res is not None else None
        if res is not None and res.error:
            failed += 1
        if not _accept(part, new, disruption_penalty_pence):
            continue
        old = [plan.routes[pos] for pos in part.route_positions]
        new_routes[k] = _map_back(part, old, new)
        if any(r not in old for r in new_routes[k].values()) or len(new_routes[k]) != len(old):
            changed += 1
        still_out = {u.request_id for u in new.unassigned}
        unassigned_keep = [u for u in unassigned_keep
                           if u.request_id not in set(part.unassigned_ids) or u.request_id in still_out]
        accepted += 1
    part_of = {pos: k for k, p in enumerate(parts) for pos in p.route_positions}
    routes: list[Route] = []
    for pos, route in enumerate(plan.routes):
        k = part_of.get(pos)
        if k not in new_routes:
            routes.append(route)
            continue
        got = new_routes[k].pop((route.vehicle_type_id, route.vehicle_index), None)
        if got is not None:
            routes.append(got)
    for k in sorted(new_routes):
        routes += [new_routes[k][key] for key in sorted(new_routes[k])]
    draft = Plan(tuple(routes), tuple(unassigned_keep))
    meta = dict(plan.meta, rerun_penalty_pence=disruption_penalty_pence, rerun_parts=len(parts),
                rerun_parts_accepted=accepted, rerun_parts_changed=changed, rerun_parts_failed=failed)
    new_plan = Plan(draft.routes, draft.unassigned, recompute_cost(problem, draft), meta)
    return RerunResult(new_plan, tuple(moved_children(plan, new_plan)), plan.cost.total - new_plan.cost.total,
                       disruption_penalty_pence, round(time.perf_counter() - started, 3))


def rerun_document(doc: Any, *, disruption_penalty_pence: int, time_limit_s: float = 30.0,
                   county: Any = None, network: Any = None, callbacks: Any = None, max_requests: int = 120,
                   scheduler: str | None = None, max_workers: int | None = None) -> tuple[Any, RerunResult]:
    """Re-optimise a plan document with a disruption penalty; the new document is validated.

    A plan with more than ``max_requests`` children is rerun part by part in parallel
    (``transport.planning.rerun.rerun_county``); a smaller one in one search (``rerun``).
    """
    built = county if county is not None else extended_county(doc, doc.scenario, None, network)
    if len(built.problem.requests) > max_requests:
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
