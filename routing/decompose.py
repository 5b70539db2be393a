"""Split a county routing problem into sub-problems that can be solved independently.

The design (explained with figures in ``docs/county.md``):

1. **Boarding units.** Siblings in one travel group are one unit and never split.
2. **Schools.** Units are grouped by the school they travel to (``Request.school_id``, else the
   school-side location). A school with more than ``max_requests`` children is cut into
   sectors of equal size by the bearing of each home seen from the school (a sweep), so each
   sector's homes lie in one direction, as contractors' routes do.
3. **Clusters.** Small groups are merged, smallest first, into the nearest group whose school
   lies within ``merge_radius_m`` and whose bell window is within ``bell_gap_s``, while the
   merged size stays at most ``max_requests``: children of neighbouring schools with similar
   bells can share a vehicle; children of distant schools or different bells rarely can.

Every request is in exactly one cluster. ``split_fleet`` shares the county fleet among the
clusters in proportion to the children each kind of vehicle can carry there, from the nearest
depots first, holding back a reserve, so the merged plan can never use more vehicles than the
county has.
``subproblem`` cuts a cluster's problem out of the county problem over only its locations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from routing.problem import Request, RoutingProblem, travel_units
from transport.domain.errors import InputError


@dataclass(frozen=True)
class Cluster:
    """Requests solved together: their ids, the schools they go to, and a label."""

    id: str
    request_ids: tuple[str, ...]
    school_ids: tuple[str, ...]


@dataclass(frozen=True)
class SubProblem:
    """A cluster's own routing problem; ``locations[k]`` is the county index of its location ``k``."""

    cluster: Cluster
    problem: RoutingProblem
    locations: tuple[int, ...]
    vehicle_offsets: dict[str, int]
    """Per vehicle type, the county index of this sub-problem's vehicle 0."""


def _school_side(r: Request, am: bool) -> int:
    return r.delivery if am else r.pickup


def _bell_s(r: Request) -> int:
    w = r.delivery_window_s or r.pickup_window_s
    return w[1] if w else 0


def _is_am(r: Request) -> bool:
    """Home-to-school when the window is on the delivery (the school)."""
    return r.delivery_window_s is not None or r.pickup_window_s is None


def decompose(problem: RoutingProblem, coords_m: NDArray[np.float64], *, max_requests: int = 120,
              merge_radius_m: float = 8000.0, bell_gap_s: int = 1800) -> list[Cluster]:
    """Clusters of requests; ``coords_m[loc]`` is a planar (easting, northing) in metres."""
    if max_requests < 1:
        raise InputError(f"max_requests must be >= 1, got {max_requests}")
    coords = np.asarray(coords_m, dtype=float)
    if coords.shape != (problem.num_locations, 2):
        raise InputError(f"coords_m must have shape ({problem.num_locations}, 2), got {coords.shape}")
    by_school: dict[str, list[list[Request]]] = {}
    anchor: dict[str, int] = {}
    for unit in travel_units(problem.requests):
        r = unit[0]
        key = r.school_id or f"location-{_school_side(r, _is_am(r))}"
        by_school.setdefault(key, []).append(unit)
        anchor.setdefault(key, _school_side(r, _is_am(r)))
    groups: list[tuple[list[str], list[list[Request]]]] = []
    for key in sorted(by_school):
        units = by_school[key]
        size = sum(len(u) for u in units)
        if size <= max_requests:
            groups.append(([key], units))
            continue
        groups += [([key], part) for part in _sectors(units, coords, anchor[key], max_requests)]
    merged = _merge_small(groups, coords, anchor, max_requests, merge_radius_m, bell_gap_s)
    out = []
    for k, (schools, units) in enumerate(merged):
        ids = tuple(r.id for u in units for r in u)
        out.append(Cluster(f"cluster-{k:03d}", ids, tuple(schools)))
    return out


def _sectors(units: list[list[Request]], coords: NDArray[np.float64], school: int,
             max_requests: int) -> list[list[list[Request]]]:
    """Cut one school's units into equal sectors by the bearing of the home from the school."""
    am = _is_am(units[0][0])
    centre = coords[school]

    def bearing(u: list[Request]) -> float:
        home = u[0].pickup if am else u[0].delivery
        dx, dy = coords[home] - centre
        return math.atan2(dy, dx)

    ordered = sorted(units, key=bearing)
    # start the sweep at the widest angular gap so no sector wraps round the school
    angles = [bearing(u) for u in ordered]
    gaps = [(angles[(i + 1) % len(angles)] - angles[i]) % (2 * math.pi) for i in range(len(angles))]
    start = (int(np.argmax(gaps)) + 1) % len(ordered) if ordered else 0
    ordered = ordered[start:] + ordered[:start]
    total = sum(len(u) for u in ordered)
    parts_n = math.ceil(total / max_requests)
    target = total / parts_n
    parts: list[list[list[Request]]] = [[]]
    count = 0
    for u in ordered:
        if parts[-1] and count + len(u) > target * len(parts) + 1e-9 and len(parts) < parts_n:
            parts.append([])
        parts[-1].append(u)
        count += len(u)
    return parts


def _merge_small(groups: list[tuple[list[str], list[list[Request]]]], coords: NDArray[np.float64],
                 anchor: dict[str, int], max_requests: int, radius_m: float,
                 bell_gap_s: int) -> list[tuple[list[str], list[list[Request]]]]:
    """Merge the smallest groups into their nearest compatible neighbour while they fit."""
    live = [(list(s), list(u)) for s, u in groups]

    def size(g: tuple[list[str], list[list[Request]]]) -> int:
        return sum(len(u) for u in g[1])

    def centre(g: tuple[list[str], list[list[Request]]]) -> NDArray[np.float64]:
        return np.mean([coords[anchor[s]] for s in g[0]], axis=0)

    def bells(g: tuple[list[str], list[list[Request]]]) -> tuple[int, int]:
        b = [_bell_s(r) for u in g[1] for r in u]
        return min(b), max(b)

    changed = True
    while changed:
        changed = False
        live.sort(key=size)
        for i, g in enumerate(live):
            best, best_d = None, radius_m
            lo, hi = bells(g)
            for j, h in enumerate(live):
                if j == i or size(g) + size(h) > max_requests:
                    continue
                h_lo, h_hi = bells(h)
                if max(hi, h_hi) - min(lo, h_lo) > bell_gap_s:
                    continue
                d = float(np.hypot(*(centre(g) - centre(h))))
                if d <= best_d:
                    best, best_d = j, d
            if best is not None:
                h = live[best]
                live[best] = (h[0] + [s for s in g[0] if s not in h[0]], h[1] + g[1])
                del live[i]
                changed = True
                break
    return live


def split_fleet(problem: RoutingProblem, clusters: list[Cluster], *,
                reserve: float = 0.1) -> list[dict[str, int]]:
    """Vehicles of each type per cluster, proportional to the children that kind of vehicle can carry there.

    Types of one kind (``VehicleType.kind``: equal but for their depots, e.g. each district's
    copy of a fleet) are shared as one pool, then each cluster's share is filled from the types
    whose depots are nearest to it first (cluster-type pairs in order of depot-to-school time),
    so a cluster is not given vehicles based across the county while nearer ones are free.
    ``reserve`` (a share of each type's count) is held back for the border pass and late
    applications. No cluster gets more vehicles of a kind than it has children that fit it,
    and the allotments of a type never add up to more than its count.
    """
    if not 0 <= reserve < 1:
        raise InputError(f"reserve must be in [0, 1), got {reserve}")
    by_id = problem._request_by_id()
    out: list[dict[str, int]] = [{vt.id: 0 for vt in problem.vehicle_types} for _ in clusters]
    schools = [sorted({by_id[rid].delivery for rid in c.request_ids}) for c in clusters]
    pools: dict = {}
    for vt in problem.vehicle_types:
        pools.setdefault(vt.kind(), []).append(vt)
    for kind, types in pools.items():
        demand = [sum(kind.fits(by_id[rid].load, has_assistant=by_id[rid].needs_assistant) for rid in c.request_ids)
                  for c in clusters]
        count = sum(vt.count for vt in types)
        budgets = {vt.id: int(vt.count * (1 - reserve)) for vt in types}
        total, budget = sum(demand), sum(budgets.values())
        if total == 0 or budget == 0:
            continue
        exact = [budget * d / total for d in demand]
        allot = [min(int(e), d) for e, d in zip(exact, demand)]
        # largest remainders first, then at least one vehicle wherever there is demand
        for k in sorted(range(len(clusters)), key=lambda k: exact[k] - int(exact[k]), reverse=True):
            if sum(allot) >= budget:
                break
            if allot[k] < demand[k]:
                allot[k] += 1
        for k in range(len(clusters)):
            if demand[k] and allot[k] == 0 and sum(allot) < count:
                allot[k] = 1
        _nearest_first(problem, types, schools, allot, budgets, out)
    return out


def _nearest_first(problem: RoutingProblem, types: list, schools: list[list[int]], need: list[int],
                   budgets: dict[str, int], out: list[dict[str, int]]) -> None:
    """Fill each cluster's ``need`` of one kind from its types, nearest depot (mean time to the
    cluster's schools) first; the reserve (count less budget) only once every budget is spent."""
    need = list(need)
    pairs = sorted((float(np.mean(problem.duration_s[vt.start_depot, schools[k]])), k, t)
                   for k in range(len(need)) if need[k] for t, vt in enumerate(types))
    left = [budgets[vt.id] for vt in types]
    for spare in (False, True):
        if spare:
            left = [vt.count - budgets[vt.id] for vt in types]
        for _, k, t in pairs:
            take = min(need[k], left[t])
            if take > 0:
                out[k][types[t].id] += take
                need[k] -= take
                left[t] -= take


def subproblem(problem: RoutingProblem, cluster: Cluster, counts: dict[str, int],
               offsets: dict[str, int]) -> SubProblem:
    """The cluster's problem over only its own locations, with its share of the fleet."""
    by_id = problem._request_by_id()
    requests = [by_id[rid] for rid in cluster.request_ids]
    locs = sorted({vt.start_depot for vt in problem.vehicle_types} | {vt.end_depot for vt in problem.vehicle_types}
                  | {r.pickup for r in requests} | {r.delivery for r in requests})
    local = {loc: k for k, loc in enumerate(locs)}
    ids = set(cluster.request_ids)
    new_requests = tuple(replace(r, pickup=local[r.pickup], delivery=local[r.delivery],
                                 incompatible_with=frozenset(r.incompatible_with & ids)) for r in requests)
    types = tuple(replace(vt, count=counts.get(vt.id, 0), start_depot=local[vt.start_depot],
                          end_depot=local[vt.end_depot]) for vt in problem.vehicle_types)
    idx = np.asarray(locs)
    sub = RoutingProblem(duration_s=problem.duration_s[np.ix_(idx, idx)],
                         distance_m=problem.distance_m[np.ix_(idx, idx)], requests=new_requests,
                         vehicle_types=types, name=f"{problem.name}/{cluster.id}")
    return SubProblem(cluster, sub, tuple(locs), dict(offsets))


def subproblems(problem: RoutingProblem, clusters: list[Cluster], *, reserve: float = 0.1) -> list[SubProblem]:
    """All clusters' sub-problems, with county vehicle-index offsets for each."""
    counts = split_fleet(problem, clusters, reserve=reserve)
    running = {vt.id: 0 for vt in problem.vehicle_types}
    out = []
    for c, n in zip(clusters, counts):
        out.append(subproblem(problem, c, n, running))
        running = {t: running[t] + n.get(t, 0) for t in running}
    return out

