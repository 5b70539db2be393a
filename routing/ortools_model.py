"""The OR-Tools adapter: the only module that imports ``pywrapcp``.

``build_model`` turns a :class:`RoutingProblem` into a ``RoutingModel`` through one function
per constraint; ``extract_plan`` reads a solution's routes and cumul values back into a
:class:`Plan`.

Formulation notes:

* Nodes: one node per depot location, then a pickup and a delivery node per request (two
  requests at one address stay two nodes).
* Convertible layouts and passenger assistants: each physical vehicle becomes one OR-Tools
  vehicle per *variant* (layout × with/without PA). Variant capacities are plain vehicle
  capacities, so the local-search filters see them; a type with several variants gets one
  CP constraint ``sum(active variants) <= count``. This keeps capacity checks exact and cheap
  at the price of more (mostly idle) vehicles.
* Ride time ``B_d - (B_p + s_p) <= L`` is a pickup-to-delivery limit of the time dimension
  (checked by the dimension filters during local search) and, as a guarantee, a CP constraint
  on the cumul variables.
* Every request node has a penalised disjunction, so an unplaceable child is dropped and
  then reported by the caller, never lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.disruption import Disruption
from routing.plan import CostBreakdown, Plan, Route, Stop, StopKind, Unassigned
from routing.problem import ASSISTANT_SEATS, Layout, Request, RoutingProblem
from transport.domain.errors import InternalError
from transport.domain.units import mileage_pence

TIME = "time"
SEATS = "seats"
WHEELCHAIRS = "wheelchairs"
SOLO = "solo"
ASSISTANT = "needs_assistant"


@dataclass(frozen=True)
class VehicleSlot:
    """One OR-Tools vehicle: a physical vehicle of a type run in one variant."""

    type_index: int
    layout: Layout
    has_assistant: bool
    copy: int


@dataclass
class OrToolsModel:
    """A built RoutingModel and the maps between its nodes and the problem."""

    problem: RoutingProblem
    request_indices: list[int]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    slots: list[VehicleSlot]
    node_location: list[int]
    node_request: list[int | None]
    request_nodes: dict[int, tuple[int, int]]
    cost_unit: int
    drop_penalty: int
    keep: list = field(default_factory=list)

    @property
    def time(self) -> pywrapcp.RoutingDimension:
        """The time dimension (cumul = start of service)."""
        return self.routing.GetDimensionOrDie(TIME)


def vehicle_slots(problem: RoutingProblem, requests: Sequence[Request]) -> list[VehicleSlot]:
    """All vehicle variants; PA variants only when some request needs a PA."""
    need_pa = any(r.needs_assistant for r in requests)
    slots = []
    for t, vt in enumerate(problem.vehicle_types):
        for layout in dict.fromkeys(vt.layouts):
            for pa in (False, True) if need_pa else (False,):
                if pa and layout.seats < ASSISTANT_SEATS:
                    continue
                slots += [VehicleSlot(t, layout, pa, c) for c in range(vt.count)]
    return slots


def _cost_unit(problem: RoutingProblem) -> int:
    """Largest divisor of every cost term, expressed in pence/1000 (keeps numbers small)."""
    terms = [vt.pence_per_km for vt in problem.vehicle_types]
    terms += [1000 * vt.fixed_cost_pence for vt in problem.vehicle_types]
    terms += [1000 * vt.assistant_cost_pence for vt in problem.vehicle_types]
    return math.gcd(*terms) or 1


def _horizon(problem: RoutingProblem, requests: Sequence[Request]) -> int:
    ends = [0]
    for r in requests:
        ends += [w[1] for w in (r.pickup_window_s, r.delivery_window_s) if w]
    ends += [vt.shift_window_s[1] for vt in problem.vehicle_types if vt.shift_window_s]
    service = sum(r.pickup_service_s + r.delivery_service_s for r in requests)
    longest = int(problem.duration_s.max()) if problem.duration_s.size else 0
    return max(ends) + service + (2 * len(requests) + 2) * longest


def build_model(
    problem: RoutingProblem, request_indices: Sequence[int], *, ride_limit_filter: bool = True,
    disruption: Disruption | None = None,
) -> OrToolsModel:
    """Build the RoutingModel for the listed requests (indices into ``problem.requests``).

    With a ``disruption`` (a rerun), moving children off today's vehicle is charged too.
    """
    requests = [problem.requests[i] for i in request_indices]
    slots = vehicle_slots(problem, requests)
    # only the bases of vehicles that exist: a spare base would be a node every route must visit
    in_use = [problem.vehicle_types[t] for t in sorted({s.type_index for s in slots})]
    depots = sorted({vt.start_depot for vt in in_use} | {vt.end_depot for vt in in_use})
    depot_node = {loc: k for k, loc in enumerate(depots)}
    node_location = list(depots)
    node_request: list[int | None] = [None] * len(depots)
    request_nodes = {}
    for i in request_indices:
        r = problem.requests[i]
        request_nodes[i] = (len(node_location), len(node_location) + 1)
        node_location += [r.pickup, r.delivery]
        node_request += [i, i]
    starts = [depot_node[problem.vehicle_types[s.type_index].start_depot] for s in slots]
    ends = [depot_node[problem.vehicle_types[s.type_index].end_depot] for s in slots]
    manager = pywrapcp.RoutingIndexManager(len(node_location), len(slots), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    model = OrToolsModel(
        problem, list(request_indices), manager, routing, slots, node_location, node_request,
        request_nodes, _cost_unit(problem), 0,
    )
    set_objective(model)
    add_pickup_delivery_pairs(model)
    add_time_windows(model)
    add_max_ride_time(model, use_filter=ride_limit_filter)
    add_capacity_dimensions(model)
    add_fleet_counts(model)
    add_passenger_assistant_rules(model)
    add_solo_and_incompatibility(model)
    add_travel_groups(model)
    add_drop_penalties(model)
    if disruption is not None:
        add_disruption_penalty(model, disruption)
    return model


def _node_matrix(model: OrToolsModel, matrix: np.ndarray) -> np.ndarray:
    loc = np.asarray(model.node_location)
    return matrix[np.ix_(loc, loc)]


def _service(model: OrToolsModel) -> list[int]:
    out = []
    for node, i in enumerate(model.node_request):
        if i is None:
            out.append(0)
        else:
            r = model.problem.requests[i]
            is_pickup = model.request_nodes[i][0] == node
            out.append(r.pickup_service_s if is_pickup else r.delivery_service_s)
    return out


def set_objective(model: OrToolsModel) -> None:
    """Arc cost = pence_per_km × distance; fixed cost (+ PA cost) per vehicle used."""
    dist = _node_matrix(model, model.problem.distance_m)
    evaluators = {}
    for t, vt in enumerate(model.problem.vehicle_types):
        cost = (dist * vt.pence_per_km) // model.cost_unit
        evaluators[t] = model.routing.RegisterTransitMatrix(cost.tolist())
    for v, slot in enumerate(model.slots):
        vt = model.problem.vehicle_types[slot.type_index]
        model.routing.SetArcCostEvaluatorOfVehicle(evaluators[slot.type_index], v)
        fixed = vt.fixed_cost_pence + (vt.assistant_cost_pence if slot.has_assistant else 0)
        model.routing.SetFixedCostOfVehicle(1000 * fixed // model.cost_unit, v)


def add_pickup_delivery_pairs(model: OrToolsModel) -> None:
    """Each request's pickup and delivery: same vehicle, pickup first."""
    routing, solver = model.routing, model.routing.solver()
    for p_node, d_node in model.request_nodes.values():
        p, d = model.manager.NodeToIndex(p_node), model.manager.NodeToIndex(d_node)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))


def add_time_windows(model: OrToolsModel) -> None:
    """Time dimension (cumul = start of service), windows, shifts and route durations."""
    problem, routing = model.problem, model.routing
    requests = [problem.requests[i] for i in model.request_indices]
    horizon = _horizon(problem, requests)
    transit = _node_matrix(model, problem.duration_s) + np.asarray(_service(model))[:, None]
    callback = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(callback, horizon, horizon, False, TIME)
    time = routing.GetDimensionOrDie(TIME)
    for i, (p_node, d_node) in model.request_nodes.items():
        r = problem.requests[i]
        for node, window in ((p_node, r.pickup_window_s), (d_node, r.delivery_window_s)):
            if window is not None:
                time.CumulVar(model.manager.NodeToIndex(node)).SetRange(*window)
    for v, slot in enumerate(model.slots):
        vt = problem.vehicle_types[slot.type_index]
        if vt.shift_window_s is not None:
            time.CumulVar(routing.Start(v)).SetRange(*vt.shift_window_s)
            time.CumulVar(routing.End(v)).SetRange(*vt.shift_window_s)
        if vt.max_route_duration_s is not None:
            time.SetSpanUpperBoundForVehicle(vt.max_route_duration_s, v)
    _fix_times_in_finalizer(model)


def _fix_times_in_finalizer(model: OrToolsModel) -> None:
    """Have every solution fix all service times: late departures and pickups, early
    returns and deliveries (short rides, short days); CP propagation keeps them consistent."""
    routing, time = model.routing, model.time
    for v in range(len(model.slots)):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
    for p_node, d_node in model.request_nodes.values():
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(model.manager.NodeToIndex(d_node)))
    for p_node, d_node in model.request_nodes.values():
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(model.manager.NodeToIndex(p_node)))
    for v in range(len(model.slots)):
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))


def add_max_ride_time(model: OrToolsModel, *, use_filter: bool = True) -> None:
    """Ride limit ``B_d - B_p <= L + s_p``: a dimension pair limit and a CP constraint."""
    time, solver = model.time, model.routing.solver()
    limits = {}
    # Pair indices follow the order of AddPickupAndDelivery calls (add_pickup_delivery_pairs).
    for pair_index, i in enumerate(model.request_nodes):
        p_index, d_index = _request_indices_of(model, i)
        r = model.problem.requests[i]
        if r.max_ride_time_s is None:
            continue
        limit = r.max_ride_time_s + r.pickup_service_s
        limits[pair_index] = limit
        solver.Add(time.CumulVar(d_index) <= time.CumulVar(p_index) + limit)
    if use_filter:
        for pair_index, limit in limits.items():
            fn = _constant_limit(limit)
            model.keep.append(fn)
            time.SetPickupToDeliveryLimitFunctionForPair(fn, pair_index)


def _constant_limit(limit: int) -> Callable[[int, int], int]:
    return lambda pickup_alternative, delivery_alternative: limit


def _unary(model: OrToolsModel, value: Callable[[Request], int]) -> list[int]:
    out = [0] * len(model.node_location)
    for i, (p_node, d_node) in model.request_nodes.items():
        amount = value(model.problem.requests[i])
        out[p_node], out[d_node] = amount, -amount
    return out


def add_capacity_dimensions(model: OrToolsModel) -> None:
    """Seats and wheelchair spaces against each vehicle variant's layout (PA takes seats)."""
    seat_caps = [s.layout.seats - (ASSISTANT_SEATS if s.has_assistant else 0) for s in model.slots]
    _add_load_dimension(model, SEATS, lambda r: r.load.seats, seat_caps)
    requests = [model.problem.requests[i] for i in model.request_indices]
    if any(r.load.wheelchairs for r in requests):
        caps = [s.layout.wheelchairs for s in model.slots]
        _add_load_dimension(model, WHEELCHAIRS, lambda r: r.load.wheelchairs, caps)


def _add_load_dimension(model: OrToolsModel, name: str, value: Callable[[Request], int], caps: list[int]) -> None:
    callback = model.routing.RegisterUnaryTransitVector(_unary(model, value))
    model.routing.AddDimensionWithVehicleCapacity(callback, 0, caps, True, name)


def add_fleet_counts(model: OrToolsModel) -> None:
    """At most ``count`` vehicles of a type active over all its variants."""
    solver, routing = model.routing.solver(), model.routing
    for t, vt in enumerate(model.problem.vehicle_types):
        vehicles = [v for v, s in enumerate(model.slots) if s.type_index == t]
        if len(vehicles) > vt.count:
            solver.Add(solver.Sum([routing.ActiveVehicleVar(v) for v in vehicles]) <= vt.count)


def _request_indices_of(model: OrToolsModel, i: int) -> tuple[int, int]:
    p_node, d_node = model.request_nodes[i]
    return model.manager.NodeToIndex(p_node), model.manager.NodeToIndex(d_node)


def add_passenger_assistant_rules(model: OrToolsModel) -> None:
    """A child who needs a PA may only ride a vehicle variant that carries one.

    Modelled as a "needs PA" load dimension with capacity 0 on variants without a PA, so
    the local-search filters see the rule (``SetAllowedVehiclesForIndex`` is unusable from
    Python in OR-Tools 9.15: its ``absl::Span`` argument is not wrapped).
    """
    requests = [model.problem.requests[i] for i in model.request_indices]
    if not any(r.needs_assistant for r in requests):
        return
    caps = [len(requests) if s.has_assistant else 0 for s in model.slots]
    _add_load_dimension(model, ASSISTANT, lambda r: int(r.needs_assistant), caps)


def add_solo_and_incompatibility(model: OrToolsModel) -> None:
    """Solo children ride alone; incompatible children never share a vehicle.

    Solo: a "solo" dimension where a solo child weighs ``M`` and others 1, with capacity
    ``M``: nobody can be on board with a solo child. Incompatibility: each child involved
    gets its own visit type, and incompatible types are a hard type incompatibility.
    """
    problem, routing = model.problem, model.routing
    requests = {i: problem.requests[i] for i in model.request_indices}
    if any(r.solo for r in requests.values()):
        heavy = len(requests) + 1
        callback = routing.RegisterUnaryTransitVector(_unary(model, lambda r: heavy if r.solo else 1))
        routing.AddDimension(callback, 0, heavy, True, SOLO)
    index_of = {r.id: i for i, r in requests.items()}
    involved = sorted({i for i, r in requests.items() if r.incompatible_with & index_of.keys()}
                      | {index_of[o] for r in requests.values() for o in r.incompatible_with if o in index_of})
    if not involved:
        return
    type_of = {i: k for k, i in enumerate(involved)}
    for i in involved:
        for index in _request_indices_of(model, i):
            routing.SetVisitType(index, type_of[i], routing.TYPE_ADDED_TO_VEHICLE)
    for i in involved:
        for other in requests[i].incompatible_with:
            if other in index_of:
                routing.AddHardTypeIncompatibility(type_of[i], type_of[index_of[other]])


def add_travel_groups(model: OrToolsModel) -> None:
    """Siblings in one travel group ride one vehicle (or are all left out together)."""
    routing, solver = model.routing, model.routing.solver()
    groups: dict[str, list[int]] = {}
    for i in model.request_indices:
        g = model.problem.requests[i].travel_group
        if g is not None:
            groups.setdefault(g, []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        first = _request_indices_of(model, members[0])[0]
        for i in members[1:]:
            solver.Add(routing.VehicleVar(first) == routing.VehicleVar(_request_indices_of(model, i)[0]))


def _drop_penalty(model: OrToolsModel) -> int:
    """Cost of leaving a request out: above the cost of serving it alone on a new vehicle."""
    problem = model.problem
    biggest_arc = int(problem.distance_m.max()) if problem.distance_m.size else 0
    worst = 0
    for vt in problem.vehicle_types:
        fixed = 1000 * (vt.fixed_cost_pence + vt.assistant_cost_pence) // model.cost_unit
        worst = max(worst, fixed + 4 * biggest_arc * vt.pence_per_km // model.cost_unit)
    return 10 * worst + 1000


def add_drop_penalties(model: OrToolsModel) -> None:
    """A penalised disjunction per request node, so unplaceable children are dropped."""
    model.drop_penalty = _drop_penalty(model)
    for i in model.request_indices:
        for index in _request_indices_of(model, i):
            model.routing.AddDisjunction([index], model.drop_penalty)


def add_disruption_penalty(model: OrToolsModel, disruption: Disruption) -> None:
    """Each group of children riding together today: a soft same-vehicle constraint over their
    pickups, costing the penalty for each extra vehicle the group is spread over."""
    unit_cost = 1000 * disruption.penalty_pence // model.cost_unit
    if unit_cost <= 0:
        return
    index_of = {model.problem.requests[i].id: i for i in model.request_indices}
    for group in disruption.groups:
        nodes = [model.manager.NodeToIndex(model.request_nodes[index_of[rid]][0])
                 for rid in group if rid in index_of]
        if len(nodes) > 1:
            model.routing.AddSoftSameVehicleConstraint(nodes, unit_cost)


_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic


def search_parameters(
    *, time_limit_s: float, first_solution: str, metaheuristic: str, log_search: bool = False,
    lns_time_limit_s: float | None = None, gls_lambda: float | None = None,
) -> object:
    """OR-Tools search parameters from plain values (strategy names as in OR-Tools)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(_FIRST, first_solution.upper())
    params.local_search_metaheuristic = getattr(_META, metaheuristic.upper())
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.log_search = log_search
    if lns_time_limit_s is not None:
        params.lns_time_limit.FromMilliseconds(max(1, int(lns_time_limit_s * 1000)))
    if gls_lambda is not None:
        params.guided_local_search_lambda_coefficient = gls_lambda
    return params


def start_assignment(model: OrToolsModel, plan: Plan) -> object | None:
    """The solver's assignment of ``plan``'s routes to search from, or ``None`` when they break the model."""
    return model.routing.ReadAssignmentFromRoutes(routes_from_plan(model, plan), True)


def run_search(model: OrToolsModel, search: object, initial: object | None = None) -> object | None:
    """Search from ``initial`` (an assignment) or from the first-solution strategy; ``None`` if nothing found."""
    if initial is not None:
        return model.routing.SolveFromAssignmentWithParameters(initial, search)
    return model.routing.SolveWithParameters(search)


def objective_value(solution: object) -> int:
    """A solution's objective, in units of ``cost_unit`` millipence (penalties included)."""
    return int(solution.ObjectiveValue())  # type: ignore[attr-defined]


def on_solution(model: OrToolsModel, heard: Callable[[int], bool]) -> None:
    """Call ``heard(cost in pence, penalties included)`` at each solution; its ``True`` ends the search."""
    routing = model.routing

    def at_solution() -> None:
        if heard(int(routing.CostVar().Value()) * model.cost_unit // 1000):
            routing.solver().FinishCurrentSearch()

    model.keep.append(at_solution)
    routing.AddAtSolutionCallback(at_solution)


def routes_from_plan(model: OrToolsModel, plan: Plan) -> list[list[int]]:
    """Per OR-Tools vehicle, the node indices of a plan's routes (unknown requests skipped)."""
    by_id = {model.problem.requests[i].id: i for i in model.request_indices}
    free = {v: True for v in range(len(model.slots))}
    out: list[list[int]] = [[] for _ in model.slots]
    for route in plan.routes:
        v = _free_slot(model, route, free)
        if v is None:
            continue
        for stop in route.stops:
            i = by_id.get(stop.request_id or "")
            if i is None or stop.kind not in (StopKind.PICKUP, StopKind.DELIVERY):
                continue
            p_node, d_node = model.request_nodes[i]
            node = p_node if stop.kind is StopKind.PICKUP else d_node
            out[v].append(model.manager.NodeToIndex(node))
    return out


def _free_slot(model: OrToolsModel, route: Route, free: dict[int, bool]) -> int | None:
    for v, slot in enumerate(model.slots):
        vt = model.problem.vehicle_types[slot.type_index]
        if free[v] and vt.id == route.vehicle_type_id and slot.layout == route.layout \
                and slot.has_assistant == route.has_assistant:
            free[v] = False
            return v
    return None


def extract_plan(model: OrToolsModel, assignment: object, unassigned: Sequence[Unassigned],
                 dropped_reason: Callable[[int], Unassigned]) -> Plan:
    """The plan of a solution: its routes with cumul times, plus every request left out.

    ``unassigned`` lists requests kept out before solving; ``dropped_reason(i)`` explains a
    request the solver dropped.
    """
    routes, routed = [], set()
    used: dict[int, int] = {}
    for v, slot in enumerate(model.slots):
        stops = _route_stops(model, assignment, v)
        if len(stops) <= 2:
            continue
        vt = model.problem.vehicle_types[slot.type_index]
        index = used.get(slot.type_index, 0)
        used[slot.type_index] = index + 1
        routes.append(Route(vt.id, index, slot.layout, slot.has_assistant, tuple(stops)))
        routed |= {s.request_id for s in stops if s.request_id is not None}
    dropped = [dropped_reason(i) for i in model.request_indices if model.problem.requests[i].id not in routed]
    return Plan(tuple(routes), tuple(unassigned) + tuple(dropped), _plan_cost(model, routes))


class _SearchState:
    """The search's current values, read like an ``Assignment`` (inside an at-solution callback)."""

    @staticmethod
    def Bound(var) -> bool:  # OR-Tools' Assignment spelling
        return var.Bound()

    @staticmethod
    def Value(var) -> int:
        return var.Value()


def current_plan(model: OrToolsModel, unassigned: Sequence[Unassigned],
                 dropped_reason: Callable[[int], Unassigned]) -> Plan | None:
    """The plan of the solution the search has just found (call from an at-solution callback);
    None when its times are not yet fixed."""
    try:
        return extract_plan(model, _SearchState(), unassigned, dropped_reason)
    except InternalError:
        return None


def _route_stops(model: OrToolsModel, assignment: object, v: int) -> list[Stop]:
    routing, time = model.routing, model.time
    index, stops = routing.Start(v), []
    service = _service(model)
    while True:
        node = model.manager.IndexToNode(index)
        cumul = time.CumulVar(index)
        if not assignment.Bound(cumul):
            raise InternalError(f"time of node {node} on vehicle {v} is not fixed by the solution")
        start = assignment.Value(cumul)
        i = model.node_request[node]
        kind, rid = _stop_kind(model, node, i, routing.IsStart(index), routing.IsEnd(index))
        arrival = start
        if stops:
            prev = stops[-1]
            arrival = prev.departure_s + int(model.problem.duration_s[prev.location, model.node_location[node]])
        stops.append(Stop(model.node_location[node], rid, kind, arrival, start, start + service[node]))
        if routing.IsEnd(index):
            return stops
        index = assignment.Value(routing.NextVar(index))


def _stop_kind(model: OrToolsModel, node: int, i: int | None, is_start: bool, is_end: bool) -> tuple[StopKind, str | None]:
    if is_start:
        return StopKind.START, None
    if is_end:
        return StopKind.END, None
    assert i is not None
    kind = StopKind.PICKUP if model.request_nodes[i][0] == node else StopKind.DELIVERY
    return kind, model.problem.requests[i].id


def _plan_cost(model: OrToolsModel, routes: list[Route]) -> CostBreakdown:
    fixed = distance = assistant = metres = 0
    for route in routes:
        vt = model.problem.vehicle_type(route.vehicle_type_id)
        locs = [s.location for s in route.stops]
        d = int(sum(model.problem.distance_m[a, b] for a, b in zip(locs, locs[1:])))
        metres += d
        fixed += vt.fixed_cost_pence
        distance += mileage_pence(vt.pence_per_km, d)
        assistant += vt.assistant_cost_pence if route.has_assistant else 0
    return CostBreakdown(fixed, distance, assistant, metres, len(routes))
