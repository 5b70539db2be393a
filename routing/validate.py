"""An independent plan checker: the oracle for tests, benchmarks and hand-edited routes.

It imports only the problem and plan types and recomputes everything from the matrices:
``check(problem, plan)`` names each violation by cause, route, stop and request;
``schedule_exists(problem, order)`` decides whether *any* timing of a route given only as an
order of stops meets the windows, ride limits and route duration (a simple temporal network
solved with Bellman-Ford), returning the earliest feasible schedule as a witness;
``recompute_cost(problem, plan)`` recomputes the cost from matrices and tariffs.
``check_day(problem, plan)`` checks a school day: both runs on every weekday, the same stops
every week, a child going home on the vehicle that brought them in (unless the plan is free
in the afternoon), each vehicle's continuity between its runs, and the day cost
(``recompute_day_cost``).

It deliberately shares no code with the solver (``ortools_model``, ``solve``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from routing.day import DayCost, DayPlan, DayProblem, Duty
from routing.plan import CostBreakdown, Plan, Route, Stop, StopKind
from routing.problem import ASSISTANT_SEATS, Request, RoutingProblem, VehicleType


class Cause(str, Enum):
    """What a violation breaks."""

    UNKNOWN_REQUEST = "unknown_request"
    DUPLICATE_REQUEST = "duplicate_request"
    MISSING_REQUEST = "missing_request"
    UNKNOWN_VEHICLE_TYPE = "unknown_vehicle_type"
    UNKNOWN_LAYOUT = "unknown_layout"
    ROUTE_STRUCTURE = "route_structure"
    WRONG_LOCATION = "wrong_location"
    PAIRING = "pairing"
    PRECEDENCE = "precedence"
    SEATS = "seats"
    WHEELCHAIR_SPACES = "wheelchair_spaces"
    WINDOW = "window"
    RIDE_TIME_EXCEEDED = "ride_time_exceeded"
    INCONSISTENT_TIMES = "inconsistent_times"
    SOLO_TRAVELLER = "solo_traveller"
    INCOMPATIBLE_CHILDREN = "incompatible_children"
    TRAVEL_GROUP_SPLIT = "travel_group_split"
    ASSISTANT_MISSING = "assistant_missing"
    FLEET_EXCEEDED = "fleet_exceeded"
    ROUTE_DURATION = "route_duration"
    COST_MISMATCH = "cost_mismatch"
    WEEKDAYS = "weekdays"
    DUTY = "duty"
    WEEKLY_ORDER = "weekly_order"
    HALF_DAY = "half_day"
    SAME_VEHICLE_HOME = "same_vehicle_home"
    VEHICLE_CONTINUITY = "vehicle_continuity"
    DAY_COST_MISMATCH = "day_cost_mismatch"
    PLACEMENT = "placement"


@dataclass(frozen=True)
class Violation:
    """One broken rule, located by route and stop index where that applies."""

    cause: Cause
    route_index: int | None
    stop_index: int | None
    request_id: str | None
    detail: str
    weekday: str | None = None
    run: str | None = None


def check(problem: RoutingProblem, plan: Plan) -> list[Violation]:
    """Every violation of ``problem``'s rules by ``plan`` (empty when the plan is valid)."""
    requests = {r.id: r for r in problem.requests}
    types = {vt.id: vt for vt in problem.vehicle_types}
    out: list[Violation] = []
    where: dict[str, list[tuple[int, int, StopKind]]] = {}
    for k, route in enumerate(plan.routes):
        vt = types.get(route.vehicle_type_id)
        if vt is None:
            out.append(Violation(Cause.UNKNOWN_VEHICLE_TYPE, k, None, None,
                                 f"route {k} uses unknown vehicle type {route.vehicle_type_id!r}"))
            continue
        out += _route_violations(problem, requests, vt, k, route, where)
    out += _coverage_violations([r.id for r in problem.requests], plan, where)
    out += _fleet_violations(plan, {t: vt.count for t, vt in types.items()})
    out += _group_violations(problem, plan, where)
    out += _cost_violations(problem, plan)
    return out


# ---------------------------------------------------------------- coverage and pairing


def check_accounting(plan: Plan, request_ids: Iterable[str], fleet: dict[str, int]) -> list[Violation]:
    """The whole plan's bookkeeping, without matrices: every request exactly once (picked up and set
    down on one route, or listed unassigned once), no unknown request, and no vehicle used twice or
    beyond its type's count (``fleet``: type id -> count).

    With ``check`` on a sub-problem holding every route that changed, this validates a plan in which
    only those routes changed since it was last checked whole (late insertion)."""
    ids = list(request_ids)
    known = set(ids)
    out: list[Violation] = []
    where: dict[str, list[tuple[int, int, StopKind]]] = {}
    for k, route in enumerate(plan.routes):
        if route.vehicle_type_id not in fleet:
            out.append(Violation(Cause.UNKNOWN_VEHICLE_TYPE, k, None, None,
                                 f"route {k} uses unknown vehicle type {route.vehicle_type_id!r}"))
        for i, stop in enumerate(route.stops):
            if stop.kind in (StopKind.PICKUP, StopKind.DELIVERY):
                if stop.request_id not in known:
                    out.append(Violation(Cause.UNKNOWN_REQUEST, k, i, stop.request_id,
                                         f"route {k} stop {i}: request {stop.request_id!r} is not in the plan's scenario"))
                    continue
                where.setdefault(stop.request_id, []).append((k, i, stop.kind))
    out += _coverage_violations(ids, plan, where)
    out += _fleet_violations(plan, fleet)
    return out


def _coverage_violations(request_ids: list[str], plan: Plan,
                         where: dict[str, list[tuple[int, int, StopKind]]]) -> list[Violation]:
    out: list[Violation] = []
    known = set(request_ids)
    listed: dict[str, int] = {}
    for u in plan.unassigned:
        if u.request_id not in known:
            out.append(Violation(Cause.UNKNOWN_REQUEST, None, None, u.request_id,
                                 f"unassigned request {u.request_id!r} is not in the problem"))
        listed[u.request_id] = listed.get(u.request_id, 0) + 1
    for rid, n in listed.items():
        if n > 1 or rid in where:
            out.append(Violation(Cause.DUPLICATE_REQUEST, None, None, rid,
                                 f"request {rid!r} is listed unassigned {n} time(s)" + (" and is also routed" if rid in where else "")))
    for rid, visits in where.items():
        out += _pairing_violations(rid, visits)
    for rid in request_ids:
        if rid not in where and rid not in listed:
            out.append(Violation(Cause.MISSING_REQUEST, None, None, rid,
                                 f"request {rid!r} is neither routed nor unassigned"))
    return out


def _pairing_violations(rid: str, visits: list[tuple[int, int, StopKind]]) -> list[Violation]:
    pickups = [v for v in visits if v[2] is StopKind.PICKUP]
    deliveries = [v for v in visits if v[2] is StopKind.DELIVERY]
    if len(pickups) > 1 or len(deliveries) > 1:
        k, i, _ = (pickups[1:] or deliveries[1:])[0]
        return [Violation(Cause.DUPLICATE_REQUEST, k, i, rid,
                          f"request {rid!r} has {len(pickups)} pickups and {len(deliveries)} deliveries")]
    if not pickups or not deliveries:
        k, i, _ = visits[0]
        missing = "pickup" if not pickups else "delivery"
        return [Violation(Cause.PAIRING, k, i, rid, f"request {rid!r} has no {missing} stop")]
    (kp, ip, _), (kd, id_, _) = pickups[0], deliveries[0]
    if kp != kd:
        return [Violation(Cause.PAIRING, kd, id_, rid,
                          f"request {rid!r} is picked up on route {kp} but delivered on route {kd}")]
    if id_ < ip:
        return [Violation(Cause.PRECEDENCE, kd, id_, rid,
                          f"request {rid!r} is delivered (stop {id_}) before it is picked up (stop {ip})")]
    return []


# ---------------------------------------------------------------- one route


def _route_violations(problem: RoutingProblem, requests: dict[str, Request], vt: VehicleType, k: int,
                      route: Route, where: dict[str, list[tuple[int, int, StopKind]]]) -> list[Violation]:
    out = _structure_violations(vt, k, route)
    if route.layout not in vt.layouts:
        out.append(Violation(Cause.UNKNOWN_LAYOUT, k, None, None,
                             f"route {k}: layout {route.layout} is not a layout of vehicle type {vt.id!r}"))
    for i, stop in enumerate(route.stops):
        if stop.kind in (StopKind.PICKUP, StopKind.DELIVERY):
            r = requests.get(stop.request_id or "")
            if r is None:
                out.append(Violation(Cause.UNKNOWN_REQUEST, k, i, stop.request_id,
                                     f"route {k} stop {i}: request {stop.request_id!r} is not in the problem"))
                continue
            where.setdefault(r.id, []).append((k, i, stop.kind))
            expected = r.pickup if stop.kind is StopKind.PICKUP else r.delivery
            if stop.location != expected:
                out.append(Violation(Cause.WRONG_LOCATION, k, i, r.id,
                                     f"route {k} stop {i}: {stop.kind.value} of {r.id!r} at location {stop.location}, expected {expected}"))
    out += _time_violations(problem, requests, vt, k, route)
    out += _onboard_violations(requests, vt, k, route)
    out += _company_violations(requests, k, route)
    return out


def _structure_violations(vt: VehicleType, k: int, route: Route) -> list[Violation]:
    stops = route.stops
    out = []
    if len(stops) < 2 or stops[0].kind is not StopKind.START or stops[-1].kind is not StopKind.END:
        return [Violation(Cause.ROUTE_STRUCTURE, k, None, None,
                          f"route {k} must begin with a start stop and finish with an end stop")]
    if stops[0].location != vt.start_depot:
        out.append(Violation(Cause.WRONG_LOCATION, k, 0, None,
                             f"route {k} starts at {stops[0].location}, not at depot {vt.start_depot}"))
    if stops[-1].location != vt.end_depot:
        out.append(Violation(Cause.WRONG_LOCATION, k, len(stops) - 1, None,
                             f"route {k} ends at {stops[-1].location}, not at depot {vt.end_depot}"))
    for i, stop in enumerate(stops[1:-1], start=1):
        if stop.kind not in (StopKind.PICKUP, StopKind.DELIVERY):
            out.append(Violation(Cause.ROUTE_STRUCTURE, k, i, stop.request_id,
                                 f"route {k} stop {i} is a {stop.kind.value} stop inside the route"))
    return out


def _service_s(requests: dict[str, Request], stop: Stop) -> int:
    r = requests.get(stop.request_id or "")
    if r is None:
        return 0
    return r.pickup_service_s if stop.kind is StopKind.PICKUP else r.delivery_service_s if stop.kind is StopKind.DELIVERY else 0


def _window_of(requests: dict[str, Request], vt: VehicleType, stop: Stop) -> tuple[int, int] | None:
    if stop.kind in (StopKind.START, StopKind.END):
        return vt.shift_window_s
    r = requests.get(stop.request_id or "")
    if r is None:
        return None
    return r.pickup_window_s if stop.kind is StopKind.PICKUP else r.delivery_window_s


def _time_violations(problem: RoutingProblem, requests: dict[str, Request], vt: VehicleType, k: int,
                     route: Route) -> list[Violation]:
    out: list[Violation] = []
    stops = route.stops
    picked: dict[str, int] = {}
    for i, stop in enumerate(stops):
        rid = stop.request_id
        if i > 0:
            prev = stops[i - 1]
            ready = prev.departure_s + int(problem.duration_s[prev.location, stop.location])
            if stop.arrival_s < ready:
                out.append(Violation(Cause.INCONSISTENT_TIMES, k, i, rid,
                                     f"route {k} stop {i}: arrives at {stop.arrival_s} s, before {ready} s (departure + travel)"))
        if stop.service_start_s < stop.arrival_s:
            out.append(Violation(Cause.INCONSISTENT_TIMES, k, i, rid,
                                 f"route {k} stop {i}: service starts at {stop.service_start_s} s, before arrival {stop.arrival_s} s"))
        service = _service_s(requests, stop)
        if stop.departure_s < stop.service_start_s + service:
            out.append(Violation(Cause.INCONSISTENT_TIMES, k, i, rid,
                                 f"route {k} stop {i}: departs at {stop.departure_s} s, before service ends at {stop.service_start_s + service} s"))
        window = _window_of(requests, vt, stop)
        if window is not None and not window[0] <= stop.service_start_s <= window[1]:
            out.append(Violation(Cause.WINDOW, k, i, rid,
                                 f"route {k} stop {i}: service at {stop.service_start_s} s outside window {window}"))
        out += _ride_violation(requests, k, i, stop, picked)
    if vt.max_route_duration_s is not None and len(stops) >= 2:
        span = stops[-1].service_start_s - stops[0].service_start_s
        if span > vt.max_route_duration_s:
            out.append(Violation(Cause.ROUTE_DURATION, k, None, None,
                                 f"route {k} lasts {span} s > {vt.max_route_duration_s} s"))
    return out


def _ride_violation(requests: dict[str, Request], k: int, i: int, stop: Stop,
                    picked: dict[str, int]) -> list[Violation]:
    r = requests.get(stop.request_id or "")
    if r is None:
        return []
    if stop.kind is StopKind.PICKUP:
        picked[r.id] = stop.service_start_s + r.pickup_service_s
    elif stop.kind is StopKind.DELIVERY and r.id in picked and r.max_ride_time_s is not None:
        ride = stop.service_start_s - picked[r.id]
        if ride > r.max_ride_time_s:
            return [Violation(Cause.RIDE_TIME_EXCEEDED, k, i, r.id,
                              f"route {k} stop {i}: {r.id!r} rides {ride} s > {r.max_ride_time_s} s")]
    return []


def _onboard_violations(requests: dict[str, Request], vt: VehicleType, k: int, route: Route) -> list[Violation]:
    out: list[Violation] = []
    onboard: list[Request] = []
    seat_cap = route.layout.seats - (ASSISTANT_SEATS if route.has_assistant else 0)
    for i, stop in enumerate(route.stops):
        r = requests.get(stop.request_id or "")
        if r is None:
            continue
        if stop.kind is StopKind.PICKUP:
            onboard.append(r)
            if r.needs_assistant and not route.has_assistant:
                out.append(Violation(Cause.ASSISTANT_MISSING, k, i, r.id,
                                     f"route {k}: {r.id!r} needs a passenger assistant and the vehicle has none"))
        elif stop.kind is StopKind.DELIVERY and any(o.id == r.id for o in onboard):
            onboard = [o for o in onboard if o.id != r.id]
            continue
        seats = sum(o.load.seats for o in onboard)
        chairs = sum(o.load.wheelchairs for o in onboard)
        if seats > seat_cap:
            out.append(Violation(Cause.SEATS, k, i, r.id,
                                 f"route {k} stop {i}: {seats} seats taken > {seat_cap} available"))
        if chairs > route.layout.wheelchairs:
            out.append(Violation(Cause.WHEELCHAIR_SPACES, k, i, r.id,
                                 f"route {k} stop {i}: {chairs} wheelchairs > {route.layout.wheelchairs} spaces"))
        solo = [o.id for o in onboard if o.solo]
        if solo and len(onboard) > 1:
            out.append(Violation(Cause.SOLO_TRAVELLER, k, i, solo[0],
                                 f"route {k} stop {i}: solo traveller {solo[0]!r} shares the vehicle with {len(onboard) - 1} other(s)"))
    return out


def _company_violations(requests: dict[str, Request], k: int, route: Route) -> list[Violation]:
    ids = sorted({s.request_id for s in route.stops if s.request_id in requests})
    out = []
    for a in ids:
        for b in requests[a].incompatible_with:
            if b in ids and (a < b or a not in requests[b].incompatible_with):
                out.append(Violation(Cause.INCOMPATIBLE_CHILDREN, k, None, a,
                                     f"route {k} carries {a!r} and {b!r}, who must not travel together"))
    return out


# ---------------------------------------------------------------- whole plan


def _fleet_violations(plan: Plan, counts: dict[str, int]) -> list[Violation]:
    out = []
    used: dict[str, list[int]] = {}
    for k, route in enumerate(plan.routes):
        if route.vehicle_type_id in counts:
            used.setdefault(route.vehicle_type_id, []).append(route.vehicle_index)
            count = counts[route.vehicle_type_id]
            if not 0 <= route.vehicle_index < count:
                out.append(Violation(Cause.FLEET_EXCEEDED, k, None, None,
                                     f"route {k} uses vehicle {route.vehicle_index} of type {route.vehicle_type_id!r}, which has {count}"))
    for type_id, indices in used.items():
        if len(indices) > counts[type_id] or len(set(indices)) < len(indices):
            out.append(Violation(Cause.FLEET_EXCEEDED, None, None, None,
                                 f"{len(indices)} routes (vehicles {sorted(indices)}) of type {type_id!r}, which has {counts[type_id]}"))
    return out


def _group_violations(problem: RoutingProblem, plan: Plan,
                      where: dict[str, list[tuple[int, int, StopKind]]]) -> list[Violation]:
    groups: dict[str, list[str]] = {}
    for r in problem.requests:
        if r.travel_group is not None:
            groups.setdefault(r.travel_group, []).append(r.id)
    out = []
    for name, ids in groups.items():
        routes = {where[rid][0][0] if rid in where else None for rid in ids}
        if len(routes) > 1:
            out.append(Violation(Cause.TRAVEL_GROUP_SPLIT, None, None, ids[0],
                                 f"travel group {name!r} is split: routes {sorted(routes, key=str)}"))
    return out


def recompute_cost(problem: RoutingProblem, plan: Plan) -> CostBreakdown:
    """The plan's cost from the distance matrix and the vehicle tariffs.

    Per route: the type's fixed cost, ``pence_per_km × metres / 1000`` rounded half up to
    a penny, and the assistant cost when the route carries a PA.
    """
    types = {vt.id: vt for vt in problem.vehicle_types}
    fixed = distance = assistant = metres = 0
    for route in plan.routes:
        vt = types.get(route.vehicle_type_id)
        locs = [s.location for s in route.stops]
        d = sum(int(problem.distance_m[a, b]) for a, b in zip(locs, locs[1:]))
        metres += d
        if vt is not None:
            fixed += vt.fixed_cost_pence
            # the mileage rounding written out on purpose (transport.domain.units.mileage_pence is the
            # engine's copy): the validator shares no code with what it checks
            distance += (vt.pence_per_km * d + 500) // 1000
            assistant += vt.assistant_cost_pence if route.has_assistant else 0
    return CostBreakdown(fixed=fixed, distance=distance, assistant=assistant, distance_m=metres,
                         vehicles=len(plan.routes))


def _cost_violations(problem: RoutingProblem, plan: Plan) -> list[Violation]:
    true = recompute_cost(problem, plan)
    if true == plan.cost:
        return []
    return [Violation(Cause.COST_MISMATCH, None, None, None, f"plan states {plan.cost}, recomputed {true}")]


# ---------------------------------------------------------------- schedule of a stop order


def schedule_exists(problem: RoutingProblem, order: Sequence[tuple[str, str]],
                    vehicle_type_id: str | None = None) -> tuple[int, ...] | None:
    """The earliest service-start times of a route, or ``None`` if no timing is feasible.

    ``order`` lists ``(kind, request_id)`` with kind ``"pickup"`` or ``"delivery"``; the
    route starts and ends at the vehicle type's depots (default: the first type). The
    returned tuple holds a time for the start depot, each stop, and the end depot. Windows,
    shift, ride limits and route duration are difference constraints ``x_v - x_u <= w``;
    the system is feasible iff its constraint graph has no negative cycle (Bellman-Ford).
    Seats and other on-board rules are not temporal and are left to :func:`check`.
    """
    vt = problem.vehicle_types[0] if vehicle_type_id is None else problem.vehicle_type(vehicle_type_id)
    requests = problem._request_by_id()
    stops = [(StopKind(kind), requests[rid]) for kind, rid in order]
    locations = [vt.start_depot] + [r.pickup if k is StopKind.PICKUP else r.delivery for k, r in stops] + [vt.end_depot]
    service = [0] + [r.pickup_service_s if k is StopKind.PICKUP else r.delivery_service_s for k, r in stops] + [0]
    n = len(locations)
    origin = n
    edges: list[tuple[int, int, int]] = []  # (u, v, w): x_v - x_u <= w
    for i in range(n - 1):
        gap = service[i] + int(problem.duration_s[locations[i], locations[i + 1]])
        edges.append((i + 1, i, -gap))
    windows = [vt.shift_window_s] + [r.pickup_window_s if k is StopKind.PICKUP else r.delivery_window_s
                                     for k, r in stops] + [vt.shift_window_s]
    for i, w in enumerate(windows):
        edges.append((i, origin, -(w[0] if w else 0)))
        if w is not None:
            edges.append((origin, i, w[1]))
    edges += _ride_edges(stops)
    if vt.max_route_duration_s is not None:
        edges.append((0, n - 1, vt.max_route_duration_s))
    latest_to_origin = _shortest_to(origin, n + 1, edges)
    if latest_to_origin is None:
        return None
    return tuple(-latest_to_origin[i] for i in range(n))


def _ride_edges(stops: list[tuple[StopKind, Request]]) -> list[tuple[int, int, int]]:
    edges = []
    pickup_at: dict[str, int] = {}
    for pos, (kind, r) in enumerate(stops, start=1):
        if kind is StopKind.PICKUP:
            pickup_at[r.id] = pos
        elif r.id in pickup_at and r.max_ride_time_s is not None:
            edges.append((pickup_at[r.id], pos, r.max_ride_time_s + r.pickup_service_s))
    return edges


def _shortest_to(target: int, size: int, edges: Iterable[tuple[int, int, int]]) -> list[int] | None:
    """Shortest path length from every node to ``target`` (``None`` on a negative cycle)."""
    inf = float("inf")
    dist: list[float] = [inf] * size
    dist[target] = 0
    reversed_edges = [(v, u, w) for u, v, w in edges]  # path u -> v in original = v -> u here
    for _ in range(size):
        changed = False
        for v, u, w in reversed_edges:
            if dist[v] + w < dist[u]:
                dist[u] = dist[v] + w
                changed = True
        if not changed:
            return [int(d) for d in dist]
    return None


# ---------------------------------------------------------------- the school day


def check_day(problem: DayProblem, plan: DayPlan) -> list[Violation]:
    """Every violation of a day plan: each weekday's runs, the duties, continuity and cost.

    Violations of a weekday's run carry ``weekday`` and ``run`` (``"am"`` or ``"pm"``).
    """
    out: list[Violation] = []
    if tuple(r.weekday for r in plan.days) != problem.weekdays:
        return [Violation(Cause.WEEKDAYS, None, None, None,
                          f"plan covers {[r.weekday for r in plan.days]}, the problem {list(problem.weekdays)}")]
    if plan.afternoon != problem.afternoon:
        out.append(Violation(Cause.DUTY, None, None, None,
                             f"plan says the afternoon is {plan.afternoon!r}, the policy {problem.afternoon!r}"))
    out += _duty_violations(problem, plan)
    for d, run in enumerate(plan.days):
        for label, run_problem, run_plan in (("am", problem.am[d], run.am), ("pm", problem.pm[d], run.pm)):
            for v in check(run_problem, run_plan):
                out.append(Violation(v.cause, v.route_index, v.stop_index, v.request_id,
                                     f"{run.weekday} {label}: {v.detail}", run.weekday, label))
            out += _weekly_order_violations(run_problem, run_plan, plan.duties, run.weekday, label)
            out += _placement_violations(problem, run_plan, {u.request_id for u in plan.unassigned},
                                         run.weekday, label)
        out += _continuity_violations(problem.am[d], run, plan.duties)
        true = recompute_day_cost(problem, plan, d)
        if true != run.cost:
            out.append(Violation(Cause.DAY_COST_MISMATCH, None, None, None,
                                 f"{run.weekday}: plan states {run.cost}, recomputed {true}", run.weekday))
    return out


def _duty_violations(problem: DayProblem, plan: DayPlan) -> list[Violation]:
    out: list[Violation] = []
    types = {vt.id: vt for vt in problem.am_week.vehicle_types}
    seen: set[tuple[str, int]] = set()
    for k, duty in enumerate(plan.duties):
        vt = types.get(duty.vehicle_type_id)
        key = (duty.vehicle_type_id, duty.vehicle_index)
        if vt is None or not 0 <= duty.vehicle_index < vt.count or key in seen:
            out.append(Violation(Cause.DUTY, k, None, None,
                                 f"duty {k}: vehicle {key} is unknown, beyond the fleet or used by two duties"))
        seen.add(key)
        if duty.between == "wait" and not problem.wait_near_school:
            out.append(Violation(Cause.DUTY, k, None, None,
                                 f"duty {k} waits near the school between runs, which the policy does not allow"))
    am, pm = _carried(plan.duties, "am"), _carried(plan.duties, "pm")
    left = {u.request_id for u in plan.unassigned}
    for r in problem.am_week.requests:
        runs = (r.id in am) + (r.id in pm)
        if r.id in left and runs:
            out.append(Violation(Cause.DUPLICATE_REQUEST, None, None, r.id,
                                 f"child {r.id!r} is left out of the day and also carried"))
        elif r.id not in left and runs < 2:
            missing = "the morning" if r.id not in am else "the afternoon"
            out.append(Violation(Cause.HALF_DAY, None, None, r.id,
                                 f"child {r.id!r} has no place on {missing} and is not listed as left out"))
        elif problem.afternoon == "same_vehicle" and runs == 2 and am[r.id] != pm[r.id]:
            out.append(Violation(Cause.SAME_VEHICLE_HOME, pm[r.id], None, r.id,
                                 f"child {r.id!r} comes in on duty {am[r.id]} and goes home on duty {pm[r.id]}"))
    return out


def _placement_violations(problem: DayProblem, run_plan: Plan, left: set[str], weekday: str,
                          label: str) -> list[Violation]:
    """Each child who attends on the weekday is carried exactly once, to that weekday's school
    in the timetable (or the trip is listed as left out); nobody is carried on another day."""
    week = {r.id: r for r in problem.am_week.requests}
    carried: dict[str, list[tuple[int, str]]] = {}
    for k, route in enumerate(run_plan.routes):
        for stop in route.stops:
            if stop.kind is StopKind.PICKUP and stop.request_id is not None:
                carried.setdefault(problem.child_of(stop.request_id), []).append((k, stop.request_id))
    left_trips = {(problem.child_of(rid), week[rid].school_id) for rid in left if rid in week}
    out = []
    for child in sorted(set(carried) | {c for c, days in problem.timetable.items() if weekday in days}):
        school = problem.timetable.get(child, {}).get(weekday)
        trips = carried.get(child, [])
        if school is None:
            out.append(Violation(Cause.PLACEMENT, trips[0][0], None, trips[0][1],
                                 f"{weekday} {label}: child {child!r} is carried on a day they do not attend",
                                 weekday, label))
        elif len(trips) > 1:
            out.append(Violation(Cause.PLACEMENT, trips[1][0], None, trips[1][1],
                                 f"{weekday} {label}: child {child!r} is carried {len(trips)} times", weekday, label))
        elif not trips:
            if (child, school) not in left_trips:
                out.append(Violation(Cause.PLACEMENT, None, None, child,
                                     f"{weekday} {label}: child {child!r} attends school {school!r} but is not "
                                     f"carried nor listed as left out", weekday, label))
        else:
            k, rid = trips[0]
            went = week[rid].school_id if rid in week else None
            if went != school:
                out.append(Violation(Cause.PLACEMENT, k, None, rid,
                                     f"{weekday} {label}: child {child!r} is taken to school {went!r}, the "
                                     f"timetable says {school!r}", weekday, label))
    return out


def _carried(duties: tuple[Duty, ...], run: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, duty in enumerate(duties):
        for kind, rid in (duty.am if run == "am" else duty.pm):
            if kind == "pickup":
                out[rid] = k
    return out


def _weekly_order_violations(problem: RoutingProblem, run_plan: Plan, duties: tuple[Duty, ...],
                             weekday: str, label: str) -> list[Violation]:
    """The run of each duty on this weekday is its weekly order without the absent children."""
    present = {r.id for r in problem.requests}
    routes = {(r.vehicle_type_id, r.vehicle_index): (k, r) for k, r in enumerate(run_plan.routes)}
    out = []
    for k, duty in enumerate(duties):
        weekly = duty.am if label == "am" else duty.pm
        expected = [(kind, rid) for kind, rid in weekly if rid in present]
        found = routes.pop((duty.vehicle_type_id, duty.vehicle_index), None)
        actual = [] if found is None else [(s.kind.value, s.request_id) for s in found[1].stops[1:-1]]
        where = None if found is None else found[0]
        if actual != expected:
            out.append(Violation(Cause.WEEKLY_ORDER, where, None, None,
                                 f"{weekday} {label}: duty {k} runs {len(actual)} stops, its weekly order "
                                 f"without absent children has {len(expected)} (or another order)", weekday, label))
        elif found is not None and (found[1].layout != duty.layout or found[1].has_assistant != duty.has_assistant):
            out.append(Violation(Cause.WEEKLY_ORDER, where, None, None,
                                 f"{weekday} {label}: duty {k}'s layout or assistant differs from its run's",
                                 weekday, label))
    for k, _ in routes.values():
        out.append(Violation(Cause.DUTY, k, None, None, f"{weekday} {label}: route {k} belongs to no duty",
                             weekday, label))
    return out


def _continuity_violations(problem: RoutingProblem, run, duties: tuple[Duty, ...]) -> list[Violation]:
    """A vehicle starts its afternoon only once it can be there after its morning."""
    am = {(r.vehicle_type_id, r.vehicle_index): r for r in run.am.routes}
    pm = {(r.vehicle_type_id, r.vehicle_index): r for r in run.pm.routes}
    out = []
    for k, duty in enumerate(duties):
        key = (duty.vehicle_type_id, duty.vehicle_index)
        a, p = am.get(key), pm.get(key)
        if a is None or p is None or len(a.stops) < 3 or len(p.stops) < 3:
            continue
        if duty.between == "wait":
            last, first = a.stops[-2], p.stops[1]
            ready = last.departure_s + int(problem.duration_s[last.location, first.location])
            if first.arrival_s < ready:
                out.append(Violation(Cause.VEHICLE_CONTINUITY, k, 1, None,
                                     f"{run.weekday}: duty {k} reaches its first afternoon stop at {first.arrival_s} s, "
                                     f"but cannot be there before {ready} s after its morning", run.weekday, "pm"))
        elif p.stops[0].departure_s < a.stops[-1].arrival_s:
            out.append(Violation(Cause.VEHICLE_CONTINUITY, k, 0, None,
                                 f"{run.weekday}: duty {k} leaves base for the afternoon at {p.stops[0].departure_s} s, "
                                 f"before it is back from the morning at {a.stops[-1].arrival_s} s", run.weekday, "pm"))
    return out


def recompute_day_cost(problem: DayProblem, plan: DayPlan, day: int) -> DayCost:
    """One weekday's cost from the matrices, the mileage tariffs and the day rates.

    A vehicle that runs on the day pays its fixed day rate once and one assistant day rate if
    its duty has a passenger assistant. Its miles are both runs from its base and back; when
    it waits near the school, the drive back to base after the morning and out again for the
    afternoon is replaced by the drive from its last morning stop to its first afternoon
    stop. Mileage is ``pence_per_km × metres / 1000`` on the vehicle's day, rounded half up.
    Dead miles are those driven with nobody on board.
    """
    run = plan.days[day]
    types = {vt.id: vt for vt in problem.am_week.vehicle_types}
    am_problem = problem.am[day]
    am = {(r.vehicle_type_id, r.vehicle_index): r for r in run.am.routes}
    pm = {(r.vehicle_type_id, r.vehicle_index): r for r in run.pm.routes}
    fixed = mileage = assistant = metres = dead = vehicles = 0
    for duty in plan.duties:
        key = (duty.vehicle_type_id, duty.vehicle_index)
        vt, rates = types.get(duty.vehicle_type_id), problem.day_rates.get(duty.vehicle_type_id)
        legs: list[tuple[int, int, int]] = []  # (from, to, children on board)
        a, p = am.get(key), pm.get(key)
        if vt is None or rates is None or (a is None and p is None):
            continue
        a_legs = _legs(a) if a is not None else []
        p_legs = _legs(p) if p is not None else []
        if a_legs and p_legs and duty.between == "wait":
            legs = a_legs[:-1] + [(a_legs[-1][0], p_legs[0][1], 0)] + p_legs[1:]
        else:
            legs = a_legs + p_legs
        d_m = sum(int(am_problem.distance_m[u, v]) for u, v, _ in legs)
        vehicles += 1
        fixed += rates.fixed_day_pence
        assistant += rates.assistant_day_pence if duty.has_assistant else 0
        mileage += (vt.pence_per_km * d_m + 500) // 1000
        metres += d_m
        dead += sum(int(am_problem.distance_m[u, v]) for u, v, n in legs if n == 0)
    return DayCost(fixed_pence=fixed, mileage_pence=mileage, assistant_pence=assistant, distance_m=metres,
                   dead_distance_m=dead, vehicles=vehicles)


def _legs(route: Route) -> list[tuple[int, int, int]]:
    """Each drive of a route with the number of children on board during it."""
    out, aboard = [], set()
    for a, b in zip(route.stops, route.stops[1:]):
        if a.kind is StopKind.PICKUP:
            aboard.add(a.request_id)
        elif a.kind is StopKind.DELIVERY:
            aboard.discard(a.request_id)
        out.append((a.location, b.location, len(aboard)))
    return out
