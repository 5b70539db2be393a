"""The late-insertion problem: a county plan's routes near the late children, and nothing else.

Cheapest insertion (``routing.insertion``) only ever looks at routes that serve a late child's
school or a school within ``NEAR_SCHOOL_S`` of it (both ways), and at the fleet's free vehicles
for a direct trip. ``nearby_problem`` builds exactly that much of the county: the routes serving
those schools (plus the routes of any child sharing a travel group with a late child), their
children, the late children, every depot and the free vehicles, over a block of the county
matrices (no county-sized copy). Inserting into it gives the same routes, vehicles and costs as
inserting into the whole county problem (tested against ``late.insert_late_children_full``).

Location and vehicle tables map the local problem back: local location ``i`` is county location
``locations[i]`` (late homes get new county indices after the plan's last location), local route
``k`` is the county plan's route ``route_positions[k]``, and local vehicle ``j`` of a type is
county vehicle ``vehicles[type][j]`` (the vehicles the nearby routes use and every free one, in
county order, so the lowest free local vehicle is the lowest free county vehicle).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from routing.insertion import NEAR_SCHOOL_S
from routing.matrix import matrix_of_snaps
from routing.network import load_network
from routing.plan import Plan, StopKind
from routing.problem import RoutingProblem
from routing.validate import recompute_cost
from transport.domain.errors import InputError
from transport.planning.plan import Location, build_problem, location_index, location_key, scenario_locations


@dataclass(frozen=True)
class NearbyProblem:
    """The routes near the late children as a problem of their own, with the maps back to the county."""

    problem: RoutingProblem
    plan: Plan
    """The nearby routes (and unassigned travel-group mates) on the local problem, cost recomputed."""
    locations: tuple[int, ...]
    """County location index of each local location."""
    route_positions: tuple[int, ...]
    """County plan position of each local route."""
    vehicles: dict[str, tuple[int, ...]]
    """Per vehicle type, the county vehicle index of local vehicle 0, 1, ..."""
    county_locations: tuple[Location, ...]
    """The plan's locations with the late children's new homes appended."""
    matrix_s: float


def school_side(session: str) -> StopKind:
    """The stop at which a route is at a child's school: the set-down in the morning, the pick-up after school."""
    return StopKind.DELIVERY if session == "am" else StopKind.PICKUP


def route_schools(plan: Plan, session: str, locations: Sequence[Location]) -> list[set[int]]:
    """The school locations each route serves."""
    side = school_side(session)
    return [{s.location for s in r.stops if s.kind is side and locations[s.location].kind == "school"}
            for r in plan.routes]


def near_schools(school: int, served: Sequence[int], duration_to: np.ndarray, duration_from: np.ndarray) -> set[int]:
    """Of the ``served`` school locations, those within ``NEAR_SCHOOL_S`` of ``school`` both ways
    (``duration_to[k]``: ``served[k]`` to the school; ``duration_from[k]``: the school to it),
    as ``routing.insertion.PlanIndex.near`` decides it."""
    return {s for k, s in enumerate(served)
            if s == school or (duration_to[k] <= NEAR_SCHOOL_S and duration_from[k] <= NEAR_SCHOOL_S)}


DENSE_SHARE = 0.6
"""Above this share of the county's locations, a block of the county matrices costs about what the
grown county matrices do (a dense county: most schools within 10 minutes of each other)."""


def nearby_problem(doc: Any, scenario: Any, children: Sequence[Any], *, county: Any = None,
                   network: Any = None, max_share: float | None = None) -> NearbyProblem | None:
    """The late-insertion problem of ``children`` (already appended to ``scenario``) into ``doc``'s plan.

    With ``county`` (the ``BuiltProblem`` the plan was made on) the local matrices are a block of
    the county's plus, per late home, one search from it and one on the reversed graph; without
    it they are computed on the network for the local locations only (one sweep each down the
    network's contraction hierarchy; the nearby schools found by two searches per late child's school). ``None`` when it would hold more than ``max_share`` of
    the plan's locations.
    """
    started = time.perf_counter()
    old = tuple(doc.locations)
    where = location_index(old)
    net = network
    served_by = route_schools(doc.plan, scenario.session, old)
    served = sorted(set().union(*served_by)) if served_by else []
    targets = []
    for c in children:
        key = ("school", c.school_id)
        if key not in where:
            raise InputError(f"late child {c.id}: school {c.school_id!r} has no location in the plan; "
                             "plan the scenario afresh")
        targets.append(where[key])
    near: set[int] = set()
    for school in dict.fromkeys(targets):
        if not served:
            break
        if county is not None:
            d = county.problem.duration_s
            to, fro = d[served, school], d[school, served]
        else:
            net = net or load_network("drive")
            snaps = net.snap_many([old[i].point for i in (school, *served)],
                                  labels=[f"school {old[i].id}" for i in (school, *served)])
            fro = matrix_of_snaps(net, snaps[:1], snaps[1:]).duration_s[0]
            to = matrix_of_snaps(net, snaps[1:], snaps[:1]).duration_s[:, 0]
            to, fro = np.rint(to), np.rint(fro)
        near |= near_schools(school, served, to, fro)
    positions = {k for k, schools in enumerate(served_by) if schools & near}
    # children sharing a travel group with a late child: their routes (or their unassigned entries) come
    # along, so the validator sees the whole group
    groups = {c.sibling_group for c in children if c.sibling_group is not None}
    late_ids = {c.id for c in children}
    mates = {c.id for c in scenario.children if c.sibling_group in groups and c.id not in late_ids}
    if mates:
        positions |= {k for k, r in enumerate(doc.plan.routes) if mates & set(r.request_ids())}
    route_positions = tuple(sorted(positions))
    routes = [doc.plan.routes[k] for k in route_positions]
    on_routes = {rid for r in routes for rid in r.request_ids()}
    unassigned = tuple(u for u in doc.plan.unassigned if u.request_id in mates)
    keep = on_routes | {u.request_id for u in unassigned} | late_ids
    kids = tuple(c for c in scenario.children if c.id in keep)
    school_ids = {c.school_id for c in kids}
    local_scenario = scenario.model_copy(update={
        "children": kids, "schools": tuple(s for s in scenario.schools if s.id in school_ids)})
    local_locs = scenario_locations(local_scenario)
    if max_share is not None and len(local_locs) > max_share * len(old):
        return None

    # local location -> county location (late homes not at a known address get new county indices)
    county_locs = list(old)
    county_where = dict(where)
    idx = []
    for loc in local_locs:
        key = location_key(loc)
        if key not in county_where:
            if loc.kind != "home":
                raise InputError(f"the late children change the plan's location list ({loc.kind} {loc.id}); "
                                 "plan the scenario afresh instead")
            county_where[key] = len(county_locs)
            county_locs.append(loc)
        idx.append(county_where[key])
    duration, distance = _local_matrices(old, county, net, local_locs, idx)
    built = build_problem(local_scenario, matrices=(duration, distance))

    # vehicles: those the nearby routes use and every free one, in county order
    used: dict[str, set[int]] = {}
    for r in doc.plan.routes:
        used.setdefault(r.vehicle_type_id, set()).add(r.vehicle_index)
    mine: dict[str, set[int]] = {}
    for r in routes:
        mine.setdefault(r.vehicle_type_id, set()).add(r.vehicle_index)
    vehicles = {vt.id: tuple(sorted(mine.get(vt.id, set()) | (set(range(vt.count)) - used.get(vt.id, set()))))
                for vt in built.problem.vehicle_types}
    problem = built.problem.replace(vehicle_types=tuple(replace(vt, count=len(vehicles[vt.id]))
                                                        for vt in built.problem.vehicle_types),
                                    name=f"{built.problem.name}/late")
    local = {c: i for i, c in enumerate(idx)}
    local_vi = {t: {ci: i for i, ci in enumerate(v)} for t, v in vehicles.items()}
    local_routes = tuple(replace(r, vehicle_index=local_vi[r.vehicle_type_id][r.vehicle_index],
                                 stops=tuple(replace(s, location=local[s.location]) for s in r.stops))
                         for r in routes)
    draft = Plan(local_routes, unassigned)
    plan = Plan(local_routes, unassigned, recompute_cost(problem, draft), dict(doc.plan.meta))
    return NearbyProblem(problem, plan, tuple(idx), route_positions, vehicles, tuple(county_locs),
                         time.perf_counter() - started)


def _local_matrices(old: tuple[Location, ...], county: Any, net: Any, local_locs: Sequence[Location],
                    idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and metres between the local locations: the county block and searches for new homes."""
    n_old = len(old)
    fresh = [i for i, c in enumerate(idx) if c >= n_old]
    if county is None:
        net = net or load_network("drive")
        snaps = net.snap_many([loc.point for loc in local_locs], labels=[f"{loc.kind} {loc.id}" for loc in local_locs])
        # one sweep per location down the network's contraction hierarchy (built once per network,
        # a few seconds at Kent scale): the same sums as a Dijkstra per location, several times cheaper
        m = matrix_of_snaps(net, snaps, snaps, square=True, method="hierarchy")
        if not np.isfinite(m.duration_s).all():
            raise InputError("a location near the late children cannot be reached by road on the loaded network")
        return m.int_duration_s(), m.int_distance_m()
    known = np.asarray([i for i, c in enumerate(idx) if c < n_old], dtype=np.int64)
    rows = np.asarray(idx, dtype=np.int64)[known]
    out = []
    for m in (county.problem.duration_s, county.problem.distance_m):
        block = np.zeros((len(idx), len(idx)), dtype=np.int64)
        block[np.ix_(known, known)] = m[np.ix_(rows, rows)]
        out.append(block)
    if fresh:
        net = net or load_network("drive")
        snaps = net.snap_many([loc.point for loc in local_locs], labels=[f"{loc.kind} {loc.id}" for loc in local_locs])
        new = [snaps[i] for i in fresh]
        away = matrix_of_snaps(net, new, snaps)                       # one search from each late home
        back = matrix_of_snaps(net, [snaps[i] for i in known], new)   # one reversed search to each
        if not (np.isfinite(away.duration_s).all() and np.isfinite(back.duration_s).all()):
            raise InputError("a late child's home cannot be reached by road on the loaded network")
        fresh_a = np.asarray(fresh)
        for block, a, b in ((out[0], away.duration_s, back.duration_s), (out[1], away.distance_m, back.distance_m)):
            block[fresh_a, :] = np.rint(a)
            block[np.ix_(known, fresh_a)] = np.rint(b)
            np.fill_diagonal(block, 0)
    for block in out:
        block.setflags(write=False)
    return out[0], out[1]
