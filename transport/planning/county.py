"""Plan a whole county: decompose, solve the pieces in parallel, merge, improve across borders, validate.

``plan_county(scenario)`` is the county-scale counterpart of ``plan_scenario``:

1. **Matrices** (``county_matrices``): one row of travel times and distances per location
   (depots, schools, distinct homes), computed in chunks of origins so the Dijkstra
   working set stays at ``chunk × network nodes`` floats, stored as int32.
2. **Decomposition** (:mod:`routing.decompose`): clusters of schools/sectors of at most
   ``max_requests`` children; each sub-problem is the block of the county matrices over
   its own locations and a proportional share of the fleet (a reserve held back).
3. **Parallel solving** (:mod:`routing.parallel`): each sub-problem starts from the greedy
   grouping and is improved by ``routing.solve.solve`` within its share of the time; a local
   process pool by default, a Dask cluster when ``SEN_TRANSPORT_DASK_SCHEDULER`` is set.
4. **Merge**: locations mapped back to county indices and vehicles numbered into the county
   fleet; children a sub-problem could not place are inserted across the county (or given a
   reserve vehicle); then a **border pass** removes small routes whose children fit more
   cheaply into routes of neighbouring sub-problems.
5. **Validation** with the independent validator against the one county problem.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from routing.baselines import greedy_grouping
from routing.day import DayPlan, Duty
from routing.day_solve import assemble, solve_day
from routing.decompose import SubProblem, decompose, split_fleet, subproblems
from routing.insertion import PlanIndex, best_insertion, insert_requests, route_cost, units_of
from routing.matrix import square_matrix_int32
from routing.network import load_network
from routing.parallel import StopFile, StopFileCallbacks, dask_address, run_tasks
from routing.plan import Plan, Route, Unassigned, UnassignedReason
from routing.problem import RoutingProblem
from routing.solve import SolveParams, precheck, solve
from routing.validate import recompute_cost
from transport.domain.errors import InputError
from transport.domain.geo import bng_many
from transport.domain.scenario import Scenario
from transport.planning.day import BuiltDay, DayPlanDocument, build_day_problem, validate_day_document
from transport.planning.plan import (
    BuiltProblem,
    Location,
    PlanDocument,
    build_problem,
    location_index,
    scenario_locations,
    validate_document,
)

MATRIX_CHUNK = 512
"""Origins per Dijkstra batch when building county matrices."""


# ---------------------------------------------------------------- matrices


@dataclass(frozen=True)
class CountyMatrices:
    """Seconds and metres between all county locations (int32), with what they cost to build."""

    duration_s: np.ndarray
    distance_m: np.ndarray
    seconds: float

    @property
    def megabytes(self) -> float:
        """Memory held by the two matrices (MB)."""
        return (self.duration_s.nbytes + self.distance_m.nbytes) / 1e6


def county_matrices(net, locations: tuple[Location, ...], *, chunk: int = MATRIX_CHUNK,
                    workers: int | None = None, method: str = "hierarchy") -> CountyMatrices:
    """The square matrices over ``locations``, ``chunk`` origins per batch, the batches spread
    over ``workers`` processes (default: one per core; 1 runs them here), searched by ``method``
    (``routing.matrix.METHODS``: the contraction hierarchy, or per-origin Dijkstra; the same
    values). Unreachable points are an error naming the worst one."""
    started = time.perf_counter()
    m = square_matrix_int32(net, [loc.point for loc in locations],
                            labels=[f"{loc.kind} {loc.id}" for loc in locations], chunk=chunk,
                            workers=workers if workers is not None else (os.cpu_count() or 1), method=method)
    if m.bad_rows.any():
        worst = int(np.argmax(m.bad_rows) if m.bad_rows.max() >= m.bad_cols.max() else np.argmax(m.bad_cols))
        raise InputError(f"{locations[worst].kind} {locations[worst].id} cannot be reached by road "
                         "on the loaded network")
    return CountyMatrices(m.duration_s, m.distance_m, time.perf_counter() - started)


def build_county(scenario: Scenario, *, network=None, postcodes=None, chunk: int = MATRIX_CHUNK,
                 workers: int | None = None, method: str = "hierarchy") -> tuple[BuiltProblem, CountyMatrices]:
    """The one county routing problem over all locations, and its matrices (``workers`` and
    ``method`` as in ``county_matrices``)."""
    locs = scenario_locations(scenario, postcodes)
    cm = county_matrices(network or load_network("drive"), locs, chunk=chunk, workers=workers, method=method)
    built = build_problem(scenario, postcodes=postcodes, matrices=(cm.duration_s, cm.distance_m))
    return BuiltProblem(built.problem, built.locations, cm.seconds), cm


def planar_coords(locations: tuple[Location, ...]) -> np.ndarray:
    """British National Grid (easting, northing) of each location, in metres."""
    e, n = bng_many([loc.point for loc in locations])
    return np.column_stack([e, n])


# ---------------------------------------------------------------- one sub-problem (runs in a worker)


@dataclass(frozen=True)
class SubTask:
    """What a worker needs: the sub-problem, its time limit and the stop flag's path."""

    index: int
    problem: RoutingProblem
    time_limit_s: float
    stop_path: str | None = None


@dataclass(frozen=True)
class SubResult:
    """A worker's answer: the best plan, which method gave it, and the seconds spent."""

    index: int
    plan: Plan
    method: str
    seconds: float
    error: str = ""


def _score(plan: Plan) -> tuple[int, int]:
    return (len(plan.unassigned), plan.cost.total)


def solve_task(task: SubTask) -> SubResult:
    """Greedy grouping, then OR-Tools from it and the LNS (``SolveParams`` defaults); the better plan wins."""
    started = time.perf_counter()
    greedy = greedy_grouping(task.problem)
    if StopFileCallbacks(task.stop_path).should_stop():
        return SubResult(task.index, greedy, "greedy", time.perf_counter() - started)
    try:
        plan = solve(task.problem, SolveParams(time_limit_s=max(0.5, task.time_limit_s)),
                     initial_plan=greedy, callbacks=StopFileCallbacks(task.stop_path))
    except Exception as exc:  # the greedy plan is valid; keep it and say why
        return SubResult(task.index, greedy, "greedy", time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    best, method = (plan, "ortools") if _score(plan) <= _score(greedy) else (greedy, "greedy")
    return SubResult(task.index, best, method, time.perf_counter() - started)


# ---------------------------------------------------------------- merge and border pass


def merge_plans(problem: RoutingProblem, subs: list[SubProblem], plans: list[Plan]) -> Plan:
    """One plan on the county problem: locations mapped back and vehicles numbered county-wide."""
    routes: list[Route] = []
    unassigned: list[Unassigned] = []
    for sp, plan in zip(subs, plans):
        loc = sp.locations
        for r in plan.routes:
            stops = tuple(replace(s, location=loc[s.location]) for s in r.stops)
            routes.append(Route(r.vehicle_type_id, sp.vehicle_offsets[r.vehicle_type_id] + r.vehicle_index,
                                r.layout, r.has_assistant, stops))
        unassigned += plan.unassigned
    draft = Plan(tuple(routes), tuple(unassigned))
    return Plan(draft.routes, draft.unassigned, recompute_cost(problem, draft), {"solver": "county"})


RETRY = {UnassignedReason.SOLVER_DROPPED, UnassignedReason.FLEET_EXHAUSTED, UnassignedReason.NO_VEHICLE_FITS,
         UnassignedReason.GROUP_MEMBER_UNASSIGNED}
"""Reasons a sub-problem may give only because of its share of the fleet; retried county-wide."""


def place_leftovers(problem: RoutingProblem, plan: Plan) -> tuple[Plan, int]:
    """Insert children a sub-problem left out (for lack of its fleet share) across the county."""
    pre = {problem.requests[i].id: u for i, u in precheck(problem).items()}
    retry = [u.request_id for u in plan.unassigned if u.request_id not in pre and u.reason in RETRY]
    if not retry:
        return plan, 0
    keep = [pre.get(u.request_id, u) for u in plan.unassigned if u.request_id not in set(retry)]
    base = Plan(plan.routes, tuple(keep) + tuple(u for u in plan.unassigned if u.request_id in set(retry)),
                plan.cost, plan.meta)
    res = insert_requests(problem, base, retry)
    return res.plan, sum(1 for c in res.changes if c.action != "unassigned")


def border_pass(problem: RoutingProblem, plan: Plan, *, time_limit_s: float = 30.0,
                max_children: int = 2) -> tuple[Plan, int]:
    """Remove small routes whose children all fit more cheaply into other routes nearby.

    Routes with at most ``max_children`` children are tried smallest first; a route goes only
    when inserting all its units elsewhere (each checked by ``schedule_exists`` and ``check``)
    costs less than the route itself. Returns the plan and the number of routes removed.
    """
    started = time.perf_counter()
    index = PlanIndex(problem, plan.routes)
    order = sorted(range(len(plan.routes)), key=lambda k: (len(plan.routes[k].request_ids()),
                                                           -route_cost(problem, plan.routes[k])))
    removed = 0
    for k in order:
        if time.perf_counter() - started > time_limit_s:
            break
        route = index.routes[k]
        if route is None or len(route.request_ids()) > max_children:
            continue
        saved = route_cost(problem, route)
        index.replace(k, None)
        moves: list[tuple[int, Route, Route | None]] = []
        spent = 0
        for unit in units_of(problem, route.request_ids()):
            found = best_insertion(problem, index, unit)
            if found is None or spent + found[2] >= saved:
                spent = saved
                break
            j, new, delta = found
            moves.append((j, new, index.routes[j]))
            index.replace(j, new)
            spent += delta
        if spent < saved:
            removed += 1
            continue
        for j, _new, old in reversed(moves):
            index.replace(j, old)
        index.replace(k, route)
    routes = tuple(r for r in index.routes if r is not None)
    draft = Plan(routes, plan.unassigned)
    return Plan(routes, plan.unassigned, recompute_cost(problem, draft), dict(plan.meta)), removed


# ---------------------------------------------------------------- the county run


@dataclass
class CountyProgress:
    """What a progress bar hears: sub-problems done of total and the cost of those done."""

    total: int = 0
    done: int = 0
    cost_done: int = 0
    stage: str = ""
    listeners: list[Callable[["CountyProgress"], None]] = field(default_factory=list)

    def update(self, **changes: Any) -> None:
        """Change fields and tell the listeners."""
        for k, v in changes.items():
            setattr(self, k, v)
        for fn in self.listeners:
            fn(self)


def plan_county(scenario: Scenario, *, time_limit_s: float = 600.0, max_requests: int = 120,
                reserve: float = 0.1, scheduler: str | None = None, max_workers: int | None = None,
                border_time_s: float | None = None, network=None, postcodes=None,
                county: tuple[BuiltProblem, CountyMatrices] | None = None,
                progress: CountyProgress | None = None,
                should_stop: Callable[[], bool] | None = None) -> PlanDocument:
    """Plan a county scenario by decomposition; the merged plan is validated against the county problem.

    ``time_limit_s`` is the wall-clock budget of the solving stage (all sub-problems share it
    across the workers); ``border_time_s`` (default 5% of it) bounds the border pass. A day
    scenario (``session: day``) gets a day plan (``plan_county_day``).
    """
    if scenario.session == "day":
        return plan_county_day(scenario, time_limit_s=time_limit_s, max_requests=max_requests, reserve=reserve,
                               scheduler=scheduler, max_workers=max_workers, network=network, postcodes=postcodes,
                               matrices=county[1] if county is not None else None,
                               progress=progress, should_stop=should_stop)
    progress = progress or CountyProgress()
    progress.update(stage="matrices")
    built, cm = county if county is not None else build_county(scenario, network=network, postcodes=postcodes)
    problem = built.problem
    started = time.perf_counter()
    progress.update(stage="decomposing")
    clusters = decompose(problem, planar_coords(built.locations), max_requests=max_requests)
    subs = subproblems(problem, clusters, reserve=reserve)
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(subs)))
    total_n = sum(len(sp.problem.requests) for sp in subs) or 1
    stop = StopFile()
    tasks = [SubTask(k, sp.problem, time_limit_s * workers * len(sp.problem.requests) / total_n * 0.9, stop.path)
             for k, sp in enumerate(subs)]
    progress.update(stage="solving", total=len(tasks), done=0, cost_done=0)

    def heard(k: int, res: SubResult) -> None:
        progress.update(done=progress.done + 1, cost_done=progress.cost_done + res.plan.cost.total)

    def stopping() -> bool:
        if should_stop is not None and should_stop():
            stop.set()
            return True
        return False

    try:
        results = run_tasks(solve_task, tasks, scheduler=scheduler, max_workers=max_workers,
                            on_result=heard, should_stop=stopping)
    finally:
        interrupted = stop.is_set()
        stop.clear()
    plans, methods = [], {"ortools": 0, "greedy": 0, "greedy_after_stop": 0}
    for sp, res in zip(subs, results):
        if res is None:
            plans.append(greedy_grouping(sp.problem))
            methods["greedy_after_stop"] += 1
        else:
            plans.append(res.plan)
            methods[res.method] += 1
    solve_s = time.perf_counter() - started
    progress.update(stage="merging")
    merged = merge_plans(problem, subs, plans)
    cost_merged = merged.cost.total
    merged, placed = place_leftovers(problem, merged)
    removed = 0
    border_started = time.perf_counter()
    if not interrupted:
        progress.update(stage="border pass")
        budget = border_time_s if border_time_s is not None else max(5.0, 0.05 * time_limit_s)
        merged, removed = border_pass(problem, merged, time_limit_s=budget)
    border_s = time.perf_counter() - border_started
    meta = {"solver": "county", "subproblems": len(subs), "workers": workers,
            "executor": "dask" if dask_address(scheduler) else "process_pool",
            "methods": methods, "interrupted": interrupted, "cost_after_merge": cost_merged,
            "leftovers_placed": placed, "border_routes_removed": removed,
            "matrix_mb": round(cm.megabytes, 1),
            "clusters": [{"id": c.id, "children": len(c.request_ids), "schools": list(c.school_ids)} for c in clusters]}
    plan = Plan(merged.routes, merged.unassigned, merged.cost, meta)
    doc = PlanDocument(scenario=scenario, plan=plan, locations=built.locations,
                       timings={"matrix_s": round(built.matrix_s, 3), "solve_s": round(solve_s, 3),
                                "border_s": round(border_s, 3)})
    progress.update(stage="validating")
    v_started = time.perf_counter()
    doc.violations = validate_document(scenario, doc, built=built)
    doc.timings["validate_s"] = round(time.perf_counter() - v_started, 3)
    return doc



# ---------------------------------------------------------------- the county school day


@dataclass(frozen=True)
class DayTask:
    """A cluster's school day for a worker: its scenario (its children, its share of the fleet),
    the block of the county matrices over that scenario's locations, and its time limit."""

    index: int
    scenario: Scenario
    duration_s: np.ndarray
    distance_m: np.ndarray
    time_limit_s: float


def solve_day_task(task: DayTask) -> DayPlan:
    """The cluster's day planned by ``solve_day`` (both runs jointly, every weekday repaired)."""
    built = build_day_problem(task.scenario, matrices=(task.duration_s, task.distance_m))
    return solve_day(built.problem, SolveParams(time_limit_s=max(1.0, task.time_limit_s)))


def _read_only_int64(m: np.ndarray) -> np.ndarray:
    out = m.astype(np.int64)
    out.setflags(write=False)  # shared by the day problem's runs without a copy each
    return out


def plan_county_day(scenario: Scenario, *, time_limit_s: float = 600.0, max_requests: int = 120,
                    reserve: float = 0.1, scheduler: str | None = None, max_workers: int | None = None,
                    network=None, postcodes=None, matrices: CountyMatrices | None = None,
                    progress: CountyProgress | None = None,
                    should_stop: Callable[[], bool] | None = None) -> DayPlanDocument:
    """Plan a county's school day by decomposition, validated on every weekday against the county.

    The county matrices are built once (or ``matrices``, built over this scenario's locations,
    e.g. for the same cohort's single session); the morning run's children are clustered as in
    ``plan_county`` (a child with a shared placement goes with their first trip) and the fleet
    shared by ``split_fleet``; each cluster's day (morning and afternoon of its children, its
    share of the fleet) is planned by ``solve_day`` on a worker over its block of the matrices.
    The clusters' duties are joined (vehicles numbered into the county fleet), timed on every
    weekday of the county day problem (``assemble``) and checked by ``check_day``. Children a
    cluster leaves out keep their reason; they are not placed across clusters (no border pass
    for day plans yet).
    """
    progress = progress or CountyProgress()
    progress.update(stage="matrices")
    locs = scenario_locations(scenario, postcodes)
    cm = matrices or county_matrices(network or load_network("drive"), locs, workers=max_workers)
    if cm.duration_s.shape[0] != len(locs):
        raise InputError(f"the county matrices have {cm.duration_s.shape[0]} locations, the scenario {len(locs)}")
    dur, dist = _read_only_int64(cm.duration_s), _read_only_int64(cm.distance_m)
    built = build_day_problem(scenario, postcodes=postcodes, matrices=(dur, dist))
    built = BuiltDay(built.problem, built.locations, cm.seconds)
    week = built.problem.am_week
    started = time.perf_counter()
    progress.update(stage="decomposing")
    clusters = decompose(week, planar_coords(locs), max_requests=max_requests)
    shares = split_fleet(week, clusters, reserve=reserve)
    child_of = {r.id: built.problem.trips.get(r.id, r.id) for r in week.requests}
    where = location_index(locs)
    by_child = {c.id: c for c in scenario.children}
    placed: set[str] = set()
    tasks: list[DayTask] = []
    total = max(1, len(by_child))
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(clusters)))
    for k, (cluster, share) in enumerate(zip(clusters, shares)):
        ids = [c for c in dict.fromkeys(child_of[rid] for rid in cluster.request_ids) if c not in placed]
        if not ids:
            continue
        placed.update(ids)
        sub = scenario.model_copy(update={
            "children": [by_child[c] for c in ids],
            "fleet": [v.model_copy(update={"count": share.get(v.id, 0)}) for v in scenario.fleet]})
        rows = np.asarray([where[key] for key in location_index(scenario_locations(sub, postcodes))], dtype=np.int64)
        tasks.append(DayTask(k, sub, cm.duration_s[np.ix_(rows, rows)], cm.distance_m[np.ix_(rows, rows)],
                             time_limit_s * workers * len(ids) / total * 0.9))
    progress.update(stage="solving", total=len(tasks), done=0, cost_done=0)

    def heard(k: int, res: DayPlan) -> None:
        progress.update(done=progress.done + 1, cost_done=progress.cost_done + res.mean_day_cost_pence())

    results = run_tasks(solve_day_task, tasks, scheduler=scheduler, max_workers=max_workers, on_result=heard,
                        should_stop=should_stop)
    duties: list[Duty] = []
    unassigned: list[Unassigned] = []
    number: dict[str, int] = {}
    stopped = 0
    for task, res in zip(tasks, results):
        if res is None:  # stopped before it started: its children are left out, with the reason
            stopped += 1
            unassigned += [Unassigned(c.id, UnassignedReason.SOLVER_DROPPED, "the county day plan was stopped "
                                      "before this cluster was planned") for c in task.scenario.children]
            continue
        for d in res.duties:
            duties.append(replace(d, vehicle_index=number.get(d.vehicle_type_id, 0)))
            number[d.vehicle_type_id] = number.get(d.vehicle_type_id, 0) + 1
        unassigned += res.unassigned
    solve_s = time.perf_counter() - started
    progress.update(stage="merging")
    meta = {"solver": "county_day", "subproblems": len(tasks), "workers": workers,
            "executor": "dask" if dask_address(scheduler) else "process_pool", "stopped": stopped,
            "matrix_mb": round(cm.megabytes, 1), "afternoon": built.problem.afternoon}
    plan = assemble(built.problem, duties, unassigned, meta)
    doc = DayPlanDocument(scenario=scenario, plan=plan, locations=locs,
                          timings={"matrix_s": round(cm.seconds, 3), "solve_s": round(solve_s, 3)})
    progress.update(stage="validating")
    v_started = time.perf_counter()
    doc.violations = validate_day_document(scenario, doc, built=built)
    doc.timings["validate_s"] = round(time.perf_counter() - v_started, 3)
    return doc
