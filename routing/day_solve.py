"""``solve_day(problem, params)``: a pure function from a school week to a day plan.

The method (docs/day.md says why):

1. Children are split into **bell classes**: schools whose bells move together over the
   week (an early Friday finish puts a school in its own class). A route only mixes schools
   of one class, so a route timed on the usual bells shifts as a whole on any weekday.
2. Each class's **morning** is planned with :func:`routing.solve.solve` (OR-Tools, then the
   LNS) on the usual week with every child, the vehicle paying its **day** rates and, when
   children go home on the vehicle that brought them, twice its mileage (the afternoon
   mirrors the morning).
3. **Afternoon duties.** ``same_vehicle``: each vehicle's afternoon collects its own children
   at their schools in finishing order and drops them home, the morning's order reversed or
   by cheapest insertion, keeping ride limits. ``free``: the afternoon is planned on its own
   and afternoon runs are chained onto morning vehicles of the same type by minimum-cost
   assignment (``scipy.optimize.linear_sum_assignment``): a pair saves a day rate and an
   assistant and costs the drive between the runs.
4. Every duty is **timed on every weekday** without the absent children; a duty that cannot
   be timed on some weekday sheds children into duties of their own until it can.
5. Between runs a vehicle waits near the school when the policy allows it and that is
   shorter than the drive back to base and out again.

Nothing here reads files or prints; the day plan is checked by ``routing.validate.check_day``
by the caller before it is stored or shown.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from routing.day import DayCost, DayPlan, DayProblem, DayRun, Duty, Order
from routing.disruption import Disruption
from routing.plan import CostBreakdown, Plan, Route, Stop, StopKind, Unassigned, UnassignedReason
from routing.problem import ASSISTANT_SEATS, Layout, Request, RoutingProblem, VehicleType
from routing.solve import SolveCallbacks, SolveParams, solve
from transport.domain import units
from transport.domain.errors import RoutingError

HORIZON_S = 2 * 86400
"""Latest time any stop may be served: two days after the planning origin."""

RELAX_NONE, RELAX_RIDE, RELAX_WINDOWS = 0, 1, 2
"""How far ``assemble`` may stretch a run's timing rules when no schedule keeps them (today's
network): not at all, the ride limits, or the ride limits and then the latest window times.
Stretching is by the least uniform slack that gives a schedule, so the times stay realistic
and the validator reports each breach."""

MAX_SLACK_S = 6 * 3600
"""Most a ride limit or window is stretched when timing today's network."""


# ---------------------------------------------------------------- timing one run


def _stn_times(n: int, edges: list[tuple[int, int, int]], *, latest: bool) -> np.ndarray | None:
    """Solve ``x_v - x_u <= w`` over ``n`` nodes plus an origin (node ``n``, time 0).

    Bellman-Ford with numpy: the latest solution is the shortest distance from the origin,
    the earliest the negated shortest distance to it. ``None`` when a negative cycle (no
    feasible timing) exists.
    """
    u = np.array([e[0] for e in edges], dtype=np.int64)
    v = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges], dtype=np.int64)
    if not latest:
        u, v = v, u
    big = np.int64(1) << 60
    dist = np.full(n + 1, big, dtype=np.int64)
    dist[n] = 0
    for _ in range(n + 2):
        reach = dist[u] < big
        cand = np.where(reach, dist[u] + w, big)
        new = dist.copy()
        np.minimum.at(new, v, cand)
        if np.array_equal(new, dist):
            return dist[:n] if latest else -dist[:n]
        dist = new
    return None


def time_route(problem: RoutingProblem, vt: VehicleType, order: Order, layout: Layout, has_assistant: bool,
               vehicle_index: int, *, latest: bool, ride_slack_s: int | None = 0,
               window_slack_s: int = 0) -> Route | None:
    """The route of a stop order with feasible times, or ``None`` when none exists.

    The vehicle leaves its base just in time for its first stop and drives straight back
    after its last. ``latest`` serves every stop as late as the rules allow (mornings: the
    children are picked up as late as possible); otherwise as early (afternoons).
    ``ride_slack_s`` lets every ride run that much over its limit (``None``: no ride limits,
    nor the vehicle's longest route) and ``window_slack_s`` every latest window time (today's
    network).
    """
    by_id = problem._request_by_id()
    reqs = [by_id[rid] for _, rid in order]
    pickup = [kind == "pickup" for kind, _ in order]
    locs = [vt.start_depot] + [r.pickup if p else r.delivery for r, p in zip(reqs, pickup)] + [vt.end_depot]
    service = [0] + [r.pickup_service_s if p else r.delivery_service_s for r, p in zip(reqs, pickup)] + [0]
    n = len(locs)
    d = problem.duration_s
    edges: list[tuple[int, int, int]] = []
    for i in range(n - 1):
        gap = service[i] + int(d[locs[i], locs[i + 1]])
        edges.append((i + 1, i, -gap))
    edges.append((0, 1, int(d[locs[0], locs[1]])))
    edges.append((n - 2, n - 1, service[n - 2] + int(d[locs[n - 2], locs[n - 1]])))
    windows = [vt.shift_window_s] + [r.pickup_window_s if p else r.delivery_window_s
                                     for r, p in zip(reqs, pickup)] + [vt.shift_window_s]
    for i, win in enumerate(windows):
        edges.append((i, n, -(win[0] if win else 0)))
        late = min(win[1] + window_slack_s, HORIZON_S) if win is not None else HORIZON_S
        edges.append((n, i, late))
    if ride_slack_s is not None:
        picked: dict[str, int] = {}
        for i, (r, p) in enumerate(zip(reqs, pickup), start=1):
            if p:
                picked[r.id] = i
            elif r.id in picked and r.max_ride_time_s is not None:
                edges.append((picked[r.id], i, r.max_ride_time_s + r.pickup_service_s + ride_slack_s))
        if vt.max_route_duration_s is not None:
            edges.append((0, n - 1, vt.max_route_duration_s))
    times = _stn_times(n, edges, latest=latest)
    if times is None:
        return None
    stops = [Stop(locs[0], None, StopKind.START, int(times[0]), int(times[0]), int(times[0]))]
    for i in range(1, n):
        arrival = stops[-1].departure_s + int(d[stops[-1].location, locs[i]])
        t = int(times[i])
        if i == n - 1:
            stops.append(Stop(locs[i], None, StopKind.END, arrival, t, t))
        else:
            kind = StopKind.PICKUP if pickup[i - 1] else StopKind.DELIVERY
            stops.append(Stop(locs[i], reqs[i - 1].id, kind, arrival, t, t + service[i]))
    return Route(vt.id, vehicle_index, layout, has_assistant, tuple(stops))


def _least_slack(feasible, hi: int) -> int | None:
    """The least slack in ``[0, hi]`` seconds (to the minute) for which ``feasible`` holds."""
    if not feasible(hi):
        return None
    lo = 0
    while hi - lo > 60:
        mid = (lo + hi) // 2
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    return hi


def time_stretched(problem: RoutingProblem, vt: VehicleType, order: Order, layout: Layout, has_assistant: bool,
                   vehicle_index: int, *, latest: bool, relax: int = RELAX_NONE) -> Route | None:
    """``time_route`` keeping every rule; else, as ``relax`` allows, with the least uniform
    stretch of the ride limits, then (ride limits let go) of the latest window times."""
    def timed(ride: int | None, window: int = 0) -> Route | None:
        return time_route(problem, vt, order, layout, has_assistant, vehicle_index, latest=latest,
                          ride_slack_s=ride, window_slack_s=window)

    route = timed(0)
    if route is not None or relax < RELAX_RIDE:
        return route
    slack = _least_slack(lambda s: timed(s) is not None, MAX_SLACK_S)
    if slack is not None:
        return timed(slack)
    if relax < RELAX_WINDOWS:
        return None
    slack = _least_slack(lambda s: timed(None, s) is not None, HORIZON_S)
    return None if slack is None else timed(None, slack)


def on_day(order: Order, problem: RoutingProblem) -> Order:
    """A weekly order without the children absent from ``problem`` (that weekday's run)."""
    present = problem._request_by_id()
    return tuple(s for s in order if s[1] in present)


# ---------------------------------------------------------------- the day's cost


def duty_day_cost(problem: DayProblem, duty: Duty, am: Route | None, pm: Route | None) -> DayCost:
    """What one vehicle costs on one weekday (runs ``None`` when not driven)."""
    if am is None and pm is None:
        return DayCost()
    vt = problem.am_week.vehicle_type(duty.vehicle_type_id)
    rates = problem.day_rates[duty.vehicle_type_id]
    dist = problem.am_week.distance_m
    path: list[tuple[int, int]] = []  # (location, change in children aboard after it)
    for route in (am, pm):
        if route is not None:
            path += [(s.location, {StopKind.PICKUP: 1, StopKind.DELIVERY: -1}.get(s.kind, 0)) for s in route.stops]
    if am is not None and pm is not None and duty.between == "wait":
        k = len(am.stops)
        path = path[:k - 1] + path[k + 1:]  # last morning stop straight to first afternoon stop
    metres = dead = aboard = 0
    for (a, change), (b, _) in zip(path, path[1:]):
        aboard += change
        metres += int(dist[a, b])
        dead += int(dist[a, b]) if aboard == 0 else 0
    return DayCost(fixed_pence=rates.fixed_day_pence, mileage_pence=units.mileage_pence(vt.pence_per_km, metres),
                   assistant_pence=rates.assistant_day_pence if duty.has_assistant else 0,
                   distance_m=metres, dead_distance_m=dead, vehicles=1)


def _add(a: DayCost, b: DayCost) -> DayCost:
    return DayCost(*(x + y for x, y in zip(
        (a.fixed_pence, a.mileage_pence, a.assistant_pence, a.distance_m, a.dead_distance_m, a.vehicles),
        (b.fixed_pence, b.mileage_pence, b.assistant_pence, b.distance_m, b.dead_distance_m, b.vehicles))))


def _run_cost(problem: RoutingProblem, routes: Sequence[Route]) -> CostBreakdown:
    """A run's own cost as the run validator states it (mileage only: day rates are per day)."""
    types = {vt.id: vt for vt in problem.vehicle_types}
    distance = metres = 0
    for route in routes:
        m = sum(int(problem.distance_m[a.location, b.location]) for a, b in zip(route.stops, route.stops[1:]))
        metres += m
        distance += units.mileage_pence(types[route.vehicle_type_id].pence_per_km, m)
    return CostBreakdown(fixed=0, distance=distance, assistant=0, distance_m=metres, vehicles=len(routes))


# ---------------------------------------------------------------- timing a whole day


@dataclass
class _Timed:
    runs: list[tuple[list[Route], list[Route]]]
    failures: list[tuple[int, int, str]]  # (duty index, weekday index, run)


def _time_duties(problem: DayProblem, duties: Sequence[Duty], relax: int = RELAX_NONE) -> _Timed:
    runs: list[tuple[list[Route], list[Route]]] = []
    failures = []
    for day in range(len(problem.weekdays)):
        am_routes, pm_routes = [], []
        for k, duty in enumerate(duties):
            vt = problem.am_week.vehicle_type(duty.vehicle_type_id)
            for label, run_problem, order, out, latest in (
                    ("am", problem.am[day], duty.am, am_routes, True),
                    ("pm", problem.pm[day], duty.pm, pm_routes, False)):
                todays = on_day(order, run_problem)
                if not todays:
                    continue
                route = time_stretched(run_problem, vt, todays, duty.layout, duty.has_assistant,
                                       duty.vehicle_index, latest=latest, relax=relax)
                if route is None:
                    failures.append((k, day, label))
                else:
                    out.append(route)
        runs.append((am_routes, pm_routes))
    return _Timed(runs, failures)


def assemble(problem: DayProblem, duties: Sequence[Duty], unassigned: Sequence[Unassigned], meta: dict,
             *, relax: int = RELAX_NONE) -> DayPlan:
    """A day plan from weekly duties: every weekday timed and costed (raises when a duty
    cannot be timed on some weekday, even with ``relax``)."""
    duties = tuple(duties)
    timed = _time_duties(problem, duties, relax)
    if timed.failures:
        k, day, label = timed.failures[0]
        raise RoutingError(f"duty {k} cannot be timed on {problem.weekdays[day]} {label}")
    left = {u.request_id: u for u in unassigned}
    days = []
    for day, (am_routes, pm_routes) in enumerate(timed.runs):
        am_p, pm_p = problem.am[day], problem.pm[day]
        absent = [left[r.id] for r in am_p.requests if r.id in left]
        am_by = {(r.vehicle_type_id, r.vehicle_index): r for r in am_routes}
        pm_by = {(r.vehicle_type_id, r.vehicle_index): r for r in pm_routes}
        cost = DayCost()
        for duty in duties:
            key = (duty.vehicle_type_id, duty.vehicle_index)
            cost = _add(cost, duty_day_cost(problem, duty, am_by.get(key), pm_by.get(key)))
        days.append(DayRun(problem.weekdays[day],
                           Plan(tuple(am_routes), tuple(absent), _run_cost(am_p, am_routes)),
                           Plan(tuple(pm_routes), tuple(absent), _run_cost(pm_p, pm_routes)), cost))
    return DayPlan(duties, tuple(days), tuple(unassigned), problem.afternoon, dict(meta))


# ---------------------------------------------------------------- bell classes


def bell_classes(problem: DayProblem) -> list[list[str]]:
    """Children grouped so that each group's schools shift their bells together every weekday.

    A school's shift on a weekday is how far its morning and afternoon windows move from the
    usual week (read from any child of the school who attends that day). Largest group first.
    """
    week_am = problem.am_week._request_by_id()
    week_pm = problem.pm_week._request_by_id()
    shift: dict[str, list[tuple[int, int] | None]] = {}
    for day, (am, pm) in enumerate(zip(problem.am, problem.pm)):
        pm_by = pm._request_by_id()
        for r in am.requests:
            school = r.school_id or r.id
            row = shift.setdefault(school, [None] * len(problem.weekdays))
            if row[day] is None:
                row[day] = (_start(r.delivery_window_s) - _start(week_am[r.id].delivery_window_s),
                            _start(pm_by[r.id].pickup_window_s) - _start(week_pm[r.id].pickup_window_s))
    groups: dict[tuple, list[str]] = {}
    for r in problem.am_week.requests:
        key = tuple(shift.get(r.school_id or r.id, ()))
        groups.setdefault(key, []).append(r.id)
    return sorted(groups.values(), key=len, reverse=True)


def _start(window: tuple[int, int] | None) -> int:
    return window[0] if window is not None else 0


# ---------------------------------------------------------------- afternoon of the same vehicle


def layout_for(vt: VehicleType, reqs: Sequence[Request], assistant: bool) -> Layout | None:
    seats = sum(r.load.seats for r in reqs) + (ASSISTANT_SEATS if assistant else 0)
    chairs = sum(r.load.wheelchairs for r in reqs)
    fitting = [lay for lay in vt.layouts if lay.seats >= seats and lay.wheelchairs >= chairs]
    return min(fitting, key=lambda lay: (lay.wheelchairs, lay.seats), default=None)


# ---------------------------------------------------------------- solving


PM_SUFFIX = "\u2192pm"
"""Appended to a child's id for their afternoon trip in the joint day problem."""


def joint_problem(problem: DayProblem, ids: Sequence[str], counts: dict[str, int]) -> RoutingProblem:
    """Both runs of some children as one routing problem, one route per vehicle per day.

    Each child has a morning request (their id) and an afternoon request (id + ``PM_SUFFIX``);
    the windows keep every morning stop before every afternoon stop, so a route is the
    vehicle's morning, the drive from its last school to its first (waiting near the school in
    between) and its afternoon. A vehicle pays its fixed and assistant day rates once. With
    ``same_vehicle`` each child's two requests share a travel group (the vehicle that brings
    them in takes them home; siblings stay together); planned freely, only siblings do, run by run.
    """
    keep = set(ids)
    same = problem.afternoon == "same_vehicle"

    def pm_id(rid: str) -> str:
        return rid + PM_SUFFIX

    requests = []
    for week, run in ((problem.am_week, "am"), (problem.pm_week, "pm")):
        for r in week.requests:
            if r.id not in keep:
                continue
            others = r.incompatible_with & keep
            clash = frozenset(others) | frozenset(pm_id(o) for o in others)
            group = (r.travel_group or r.id) if same else (None if r.travel_group is None else f"{r.travel_group} {run}")
            requests.append(replace(r, id=r.id if run == "am" else pm_id(r.id), incompatible_with=clash,
                                    travel_group=group))
    types = tuple(replace(vt, count=min(counts[vt.id], len(keep)),
                          fixed_cost_pence=problem.day_rates[vt.id].fixed_day_pence,
                          assistant_cost_pence=problem.day_rates[vt.id].assistant_day_pence,
                          max_route_duration_s=None) for vt in problem.am_week.vehicle_types)
    joint = problem.am_week.replace(requests=tuple(requests), vehicle_types=types, name=f"{problem.name} day")
    return joint if problem.wait_near_school else _via_base(joint)


def _via_base(joint: RoutingProblem) -> RoutingProblem:
    """The joint problem with the drive between runs priced school -> base -> school.

    The afternoon's stops get locations of their own (copies of the schools and homes), so the
    leg from any morning stop to an afternoon stop is a leg of its own, priced in metres as the
    drive back to base and out again (through the nearest base of the fleet: exact with one base,
    otherwise the least it can be). Times stay the direct drive (there are hours to spare).
    Every other leg keeps its metres, so the search's objective is the day the plan is costed as.
    """
    pm = [r for r in joint.requests if r.id.endswith(PM_SUFFIX)]
    bases = sorted({i for vt in joint.vehicle_types if vt.count > 0 for i in (vt.start_depot, vt.end_depot)})
    if not pm or not bases:
        return joint
    n = joint.duration_s.shape[0]
    old = sorted({loc for r in pm for loc in (r.pickup, r.delivery)})
    copy = {loc: n + k for k, loc in enumerate(old)}
    index = np.concatenate([np.arange(n), np.array(old, dtype=np.int64)])  # new node -> old location
    duration = joint.duration_s[np.ix_(index, index)]
    distance = joint.distance_m[np.ix_(index, index)].astype(np.int64)
    dist = joint.distance_m.astype(np.int64)
    morning = np.array([i for i in range(n) if i not in set(bases)], dtype=np.int64)
    if len(morning):
        later, b = np.array(old, dtype=np.int64), np.array(bases, dtype=np.int64)
        afternoon = np.arange(n, n + len(old))
        # a -> nearest base -> b, one base at a time (no n x bases x n array)
        out = np.full((len(morning), len(later)), np.iinfo(np.int64).max, dtype=np.int64)
        back = np.full((len(later), len(morning)), np.iinfo(np.int64).max, dtype=np.int64)
        for base in b:
            np.minimum(out, dist[morning, base][:, None] + dist[base, later][None, :], out=out)
            np.minimum(back, dist[later, base][:, None] + dist[base, morning][None, :], out=back)
        distance[np.ix_(morning, afternoon)] = out
        distance[np.ix_(afternoon, morning)] = back
    distance = distance.astype(joint.distance_m.dtype)
    requests = tuple(replace(r, pickup=copy[r.pickup], delivery=copy[r.delivery]) if r.id.endswith(PM_SUFFIX) else r
                     for r in joint.requests)
    return joint.replace(duration_s=duration, distance_m=distance, requests=requests)


def _split_joint(plan: Plan) -> list[tuple[Route, Order, Order]]:
    """Each joint route as its vehicle's morning and afternoon stop orders."""
    out = []
    for route in plan.routes:
        stops = [(s.kind.value, s.request_id) for s in route.stops[1:-1]]
        am = tuple((k, rid) for k, rid in stops if not rid.endswith(PM_SUFFIX))
        pm = tuple((k, rid[: -len(PM_SUFFIX)]) for k, rid in stops if rid.endswith(PM_SUFFIX))
        out.append((route, am, pm))
    return out


def with_between(problem: DayProblem, duty: Duty) -> Duty:
    """Wait near the school between runs when allowed and shorter than going back to base."""
    if not problem.wait_near_school or not duty.am or not duty.pm:
        return replace(duty, between="depot")
    am_by, pm_by = problem.am_week._request_by_id(), problem.pm_week._request_by_id()
    kind, rid = duty.am[-1]
    last = am_by[rid].delivery if kind == "delivery" else am_by[rid].pickup
    kind, rid = duty.pm[0]
    first = pm_by[rid].pickup if kind == "pickup" else pm_by[rid].delivery
    vt = problem.am_week.vehicle_type(duty.vehicle_type_id)
    dist = problem.am_week.distance_m
    via_base = int(dist[last, vt.end_depot]) + int(dist[vt.start_depot, first])
    return replace(duty, between="wait" if int(dist[last, first]) < via_base else "depot")


def _renumber(duties: Sequence[Duty]) -> list[Duty]:
    seen: dict[str, int] = {}
    out = []
    for duty in duties:
        k = seen.get(duty.vehicle_type_id, 0)
        seen[duty.vehicle_type_id] = k + 1
        out.append(replace(duty, vehicle_index=k))
    return out


MAX_CHILDREN = 300
"""Most children in one joint solve (600 requests): larger bell classes are cut into parts."""


def parts(problem: DayProblem, ids: Sequence[str], max_children: int = MAX_CHILDREN) -> list[list[str]]:
    """Children of one bell class in parts of at most ``max_children``, cut as contractors' routes are.

    A school with more children than that is cut into sweeps: from the home farthest from the
    school, the nearest homes by road, siblings kept together. Then parts are packed, largest
    first, into the part whose school is nearest by road while there is room.
    """
    if len(ids) <= max_children:
        return [list(ids)]
    by_id = problem.am_week._request_by_id()
    d = problem.am_week.duration_s
    schools: dict[int, dict[str, list[str]]] = {}
    for rid in ids:
        r = by_id[rid]
        schools.setdefault(r.delivery, {}).setdefault(r.travel_group or r.id, []).append(rid)
    pieces: list[tuple[int, list[str]]] = []
    for school, boarding in schools.items():
        left = list(boarding.values())
        while sum(map(len, left)) > max_children:
            seed = max(left, key=lambda u: int(d[by_id[u[0]].pickup, school]))
            home = by_id[seed[0]].pickup
            left.sort(key=lambda u: int(d[home, by_id[u[0]].pickup]))
            piece: list[str] = []
            while left and len(piece) + len(left[0]) <= max_children:
                piece += left.pop(0)
            pieces.append((school, piece))
        pieces.append((school, [rid for u in left for rid in u]))
    pieces.sort(key=lambda p: -len(p[1]))
    packed: list[tuple[int, list[str]]] = []
    for school, piece in pieces:
        fits = [k for k, (s, p) in enumerate(packed) if len(p) + len(piece) <= max_children]
        if fits:
            k = min(fits, key=lambda k: int(d[packed[k][0], school]) + int(d[school, packed[k][0]]))
            packed[k][1].extend(piece)
        else:
            packed.append((school, list(piece)))
    return [p for _, p in packed if p]


def day_disruption(ids: Sequence[str], current: Sequence[Sequence[str]], penalty_pence: int) -> Disruption:
    """The rerun's disruption for one joint solve: each of today's routes (its children) as one
    group of their morning and afternoon requests among ``ids``, so the search pays
    ``penalty_pence`` for each extra vehicle a route's children are spread over in the day."""
    keep = set(ids)
    groups = []
    for route in current:
        here = [c for c in route if c in keep]
        if len(here) > 1:
            groups.append(tuple(here) + tuple(c + PM_SUFFIX for c in here))
    return Disruption(penalty_pence, tuple(groups))


def solve_day(problem: DayProblem, params: SolveParams, *, callbacks: SolveCallbacks | None = None,
              max_children: int = MAX_CHILDREN, current: Sequence[Sequence[str]] = (),
              disruption_penalty_pence: int = 0) -> DayPlan:
    """Plan the school week's day: every child routed on both runs or left out with a reason.

    ``current`` (a rerun from today's network: the children of each route today) with
    ``disruption_penalty_pence`` puts the disruption penalty in each joint solve's objective.
    """
    started = time.monotonic()
    counts = {vt.id: vt.count for vt in problem.am_week.vehicle_types}
    classes = [part for ids in bell_classes(problem) for part in parts(problem, ids, max_children)]
    total = max(1, len(problem.am_week.requests))
    duties: list[Duty] = []
    unassigned: list[Unassigned] = []
    for ids in classes:
        share = replace(params, time_limit_s=max(1.0, params.time_limit_s * len(ids) / total))
        disruption = day_disruption(ids, current, disruption_penalty_pence) \
            if current and disruption_penalty_pence > 0 else None
        duties += _solve_part(problem, ids, counts, share, unassigned, callbacks=callbacks, disruption=disruption)
    duties = _renumber(duties)
    duties = _repair_weekdays(problem, duties, unassigned)
    duties = _fit_fleet(problem, _renumber(duties), unassigned)
    duties = [with_between(problem, d) for d in _renumber(duties)]
    meta = {"solver": "day", "afternoon": problem.afternoon, "parts": len(classes),
            "seconds": round(time.monotonic() - started, 3)}
    if current and disruption_penalty_pence > 0:
        meta["disruption_penalty_pence"] = disruption_penalty_pence
    return assemble(problem, duties, unassigned, meta)


def _solve_part(problem: DayProblem, ids: Sequence[str], counts: dict[str, int], params: SolveParams,
                unassigned: list[Unassigned], *, callbacks: SolveCallbacks | None = None,
                disruption: Disruption | None = None, retry: bool = True) -> list[Duty]:
    """One joint solve of some children on the vehicles left (``counts`` is reduced by the duties
    returned). Children the search could not place in its time (a busy machine leaves it few
    iterations) are solved again together, once, on the vehicles still left, so they share
    vehicles; only those still without a place get a vehicle of their own."""
    day = solve(joint_problem(problem, ids, counts), params, callbacks=callbacks, disruption=disruption)
    new = [Duty(route.vehicle_type_id, route.vehicle_index, route.layout, route.has_assistant, am, pm)
           for route, am, pm in _split_joint(day)]
    half = {u.request_id.removesuffix(PM_SUFFIX): u for u in day.unassigned}
    dropped = [c for c, u in half.items() if u.reason in (UnassignedReason.SOLVER_DROPPED,
                                                           UnassignedReason.FLEET_EXHAUSTED)]
    unassigned += [replace(u, request_id=c) for c, u in half.items() if c not in dropped]
    new = [replace(d, am=tuple(s for s in d.am if s[1] not in half), pm=tuple(s for s in d.pm if s[1] not in half))
           for d in new]
    new = [d for d in new if d.am or d.pm]
    for duty in new:
        counts[duty.vehicle_type_id] = max(0, counts[duty.vehicle_type_id] - 1)
    if retry and len(dropped) > 1 and any(counts.values()):
        again = replace(params, time_limit_s=max(1.0, min(params.time_limit_s, 4 * params.time_limit_s
                                                          * len(dropped) / max(1, len(ids)))))
        if disruption is not None:
            left = set(dropped)
            groups = (tuple(r for r in g if r.removesuffix(PM_SUFFIX) in left) for g in disruption.groups)
            disruption = Disruption(disruption.penalty_pence, tuple(g for g in groups if len(g) > 2))
        return new + _solve_part(problem, dropped, counts, again, unassigned, callbacks=callbacks,
                                 disruption=disruption, retry=False)
    # the search found no shared place for them in time: a vehicle of their own if one is left
    solo = _solo_duties(problem, dropped, unassigned)
    for duty in solo:
        counts[duty.vehicle_type_id] = max(0, counts[duty.vehicle_type_id] - 1)
    return new + solo


def _fit_fleet(problem: DayProblem, duties: list[Duty], unassigned: list[Unassigned]) -> list[Duty]:
    """Duties beyond a type's fleet count move to a type with vehicles to spare whose layout
    carries both runs and whose base still times them; otherwise their children are left out
    with ``fleet_exhausted``."""
    types = {vt.id: vt for vt in problem.am_week.vehicle_types}
    spare = {t: vt.count for t, vt in types.items()}
    for d in duties:
        spare[d.vehicle_type_id] -= 1
    if all(v >= 0 for v in spare.values()):
        return duties
    am_by, pm_by = problem.am_week._request_by_id(), problem.pm_week._request_by_id()
    out: list[Duty] = []
    kept: dict[str, int] = {}
    for duty in sorted(duties, key=lambda d: -len(d.children("am"))):
        t = duty.vehicle_type_id
        kept[t] = kept.get(t, 0) + 1
        if kept[t] <= types[t].count:
            out.append(duty)
            continue
        moved = None
        for other in sorted(types.values(), key=lambda vt: problem.day_rates[vt.id].fixed_day_pence):
            if spare[other.id] <= 0:
                continue
            fit = [lay for lay in other.layouts if _fits_run(lay, duty.am, am_by, duty.has_assistant)
                   and _fits_run(lay, duty.pm, pm_by, duty.has_assistant)]
            layout = min(fit, key=lambda lay: (lay.wheelchairs, lay.seats), default=None)
            if layout is None:
                continue
            if duty.am and time_route(problem.am_week, other, duty.am, layout, duty.has_assistant, 0, latest=True) is None:
                continue
            if duty.pm and time_route(problem.pm_week, other, duty.pm, layout, duty.has_assistant, 0, latest=False) is None:
                continue
            moved = replace(duty, vehicle_type_id=other.id, layout=layout)
            spare[other.id] -= 1
            break
        if moved is not None:
            out.append(moved)
        else:
            unassigned += [Unassigned(rid, UnassignedReason.FLEET_EXHAUSTED,
                                      "every vehicle that could carry this child is already in use")
                           for rid in dict.fromkeys(duty.children("am") + duty.children("pm"))]
    return out


def _solo_duties(problem: DayProblem, children: Sequence[str], unassigned: list[Unassigned]) -> list[Duty]:
    """One vehicle per child (or travel group), cheapest fitting type, both runs direct."""
    am_by = problem.am_week._request_by_id()
    groups: dict[str, list[str]] = {}
    for c in children:
        groups.setdefault(am_by[c].travel_group or c, []).append(c)
    out = []
    for members in groups.values():
        reqs = [am_by[c] for c in members]
        if len(reqs) > 1 and any(r.solo for r in reqs):
            unassigned += [Unassigned(c, UnassignedReason.CONFLICTING_RULES,
                                      "travels alone but is in a travel group with a sibling") for c in members]
            continue
        pa = any(r.needs_assistant for r in reqs)
        duty = None
        for vt in sorted(problem.am_week.vehicle_types, key=lambda vt: problem.day_rates[vt.id].fixed_day_pence):
            layout = layout_for(vt, reqs, pa)
            if layout is None:
                continue
            am_order = tuple([("pickup", c) for c in members] + [("delivery", c) for c in members])
            pm_order = tuple([("pickup", c) for c in members] + [("delivery", c) for c in members])
            if time_route(problem.am_week, vt, am_order, layout, pa, 0, latest=True) is None:
                continue
            if time_route(problem.pm_week, vt, pm_order, layout, pa, 0, latest=False) is None:
                continue
            duty = Duty(vt.id, 0, layout, pa, am_order, pm_order)
            break
        if duty is None:
            unassigned += [Unassigned(c, UnassignedReason.WINDOW_INFEASIBLE,
                                      "no vehicle can take this child home within the afternoon's rules")
                           for c in members]
        else:
            out.append(duty)
    return out


def _fits_run(layout: Layout, order: Order, by_id: dict[str, Request], assistant: bool) -> bool:
    seats = chairs = 0
    cap = layout.seats - (ASSISTANT_SEATS if assistant else 0)
    for kind, rid in order:
        sign = 1 if kind == "pickup" else -1
        seats += sign * by_id[rid].load.seats
        chairs += sign * by_id[rid].load.wheelchairs
        if seats > cap or chairs > layout.wheelchairs:
            return False
    return True


def _repair_weekdays(problem: DayProblem, duties: list[Duty], unassigned: list[Unassigned]) -> list[Duty]:
    """Duties that cannot be timed on some weekday shed children into duties of their own."""
    for _ in range(len(duties) + len(problem.am_week.requests)):
        timed = _time_duties(problem, duties)
        if not timed.failures:
            return duties
        k = timed.failures[0][0]
        duty = duties[k]
        victim = (duty.children("am") or duty.children("pm"))[-1]
        group = problem.am_week.request(victim).travel_group
        shed = {rid for rid in duty.children("am") + duty.children("pm")
                if rid == victim or (group is not None and problem.am_week.request(rid).travel_group == group)}
        rest = replace(duty, am=tuple(s for s in duty.am if s[1] not in shed),
                       pm=tuple(s for s in duty.pm if s[1] not in shed))
        duties = duties[:k] + ([rest] if rest.am or rest.pm else []) + duties[k + 1:]
        duties = _renumber(duties + _solo_duties(problem, sorted(shed), unassigned))
    return duties
