"""Tests of routing/validate.py::check: each corruption of a valid plan is named by cause."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.plan import Plan, Route, Unassigned, UnassignedReason
from routing.problem import Layout, Load, RoutingProblem
from routing.validate import Cause, check, check_accounting, recompute_cost

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _causes(problem, plan):
    return {v.cause for v in check(problem, plan)}


def _with_route(plan: Plan, k: int, route: Route) -> Plan:
    routes = list(plan.routes)
    routes[k] = route
    return dataclasses.replace(plan, routes=tuple(routes))


def _stops(route, stops):
    return dataclasses.replace(route, stops=tuple(stops))


def _inner(plan, data):
    """Draw a route index and an index of one of its pickup/delivery stops."""
    k = data.draw(st.integers(0, len(plan.routes) - 1))
    i = data.draw(st.integers(1, len(plan.routes[k].stops) - 2))
    return k, i


def test_solved_plan_is_valid(cordeau_a2_16, a2_16_plan):
    """The solver's a2-16 plan has no violation and its cost recomputes exactly."""
    assert check(cordeau_a2_16.problem, a2_16_plan) == []
    assert recompute_cost(cordeau_a2_16.problem, a2_16_plan) == a2_16_plan.cost


@SETTINGS
@given(data=st.data())
def test_dropped_stop_breaks_pairing(cordeau_a2_16, a2_16_plan, data):
    """Removing one pickup or delivery stop leaves its request unpaired."""
    k, i = _inner(a2_16_plan, data)
    route = a2_16_plan.routes[k]
    plan = _with_route(a2_16_plan, k, _stops(route, route.stops[:i] + route.stops[i + 1:]))
    assert Cause.PAIRING in _causes(cordeau_a2_16.problem, plan)


@SETTINGS
@given(data=st.data())
def test_swapped_pickup_and_delivery_breaks_precedence(cordeau_a2_16, a2_16_plan, data):
    """Swapping a request's pickup and delivery stops is a precedence violation."""
    k, i = _inner(a2_16_plan, data)
    stops = list(a2_16_plan.routes[k].stops)
    rid = stops[i].request_id
    a, b = [j for j, s in enumerate(stops) if s.request_id == rid]
    stops[a], stops[b] = stops[b], stops[a]
    plan = _with_route(a2_16_plan, k, _stops(a2_16_plan.routes[k], stops))
    assert Cause.PRECEDENCE in _causes(cordeau_a2_16.problem, plan)


@SETTINGS
@given(data=st.data())
def test_delivery_moved_to_another_route_breaks_pairing(cordeau_a2_16, a2_16_plan, data):
    """Moving a delivery stop onto another route splits the pair across vehicles."""
    if len(a2_16_plan.routes) < 2:
        return
    k, i = _inner(a2_16_plan, data)
    src = list(a2_16_plan.routes[k].stops)
    rid = src[i].request_id
    j = max(n for n, s in enumerate(src) if s.request_id == rid)
    moved = src.pop(j)
    other = (k + 1) % len(a2_16_plan.routes)
    dst = list(a2_16_plan.routes[other].stops)
    dst.insert(len(dst) - 1, moved)
    plan = _with_route(_with_route(a2_16_plan, k, _stops(a2_16_plan.routes[k], src)), other,
                       _stops(a2_16_plan.routes[other], dst))
    assert Cause.PAIRING in _causes(cordeau_a2_16.problem, plan)


@SETTINGS
@given(data=st.data(), delta=st.integers(1, 10_000))
def test_earlier_service_than_arrival_is_inconsistent(cordeau_a2_16, a2_16_plan, data, delta):
    """Starting service before arriving is an inconsistent_times violation."""
    k, i = _inner(a2_16_plan, data)
    stops = list(a2_16_plan.routes[k].stops)
    s = stops[i]
    stops[i] = dataclasses.replace(s, service_start_s=s.arrival_s - delta)
    plan = _with_route(a2_16_plan, k, _stops(a2_16_plan.routes[k], stops))
    assert Cause.INCONSISTENT_TIMES in _causes(cordeau_a2_16.problem, plan)


@SETTINGS
@given(data=st.data())
def test_tighter_ride_limit_is_exceeded(cordeau_a2_16, a2_16_plan, data):
    """A ride limit one second below a child's actual ride is reported as exceeded."""
    k, i = _inner(a2_16_plan, data)
    stops = a2_16_plan.routes[k].stops
    rid = stops[i].request_id
    problem = cordeau_a2_16.problem
    r = problem.request(rid)
    p, d = [s for s in stops if s.request_id == rid]
    ride = d.service_start_s - (p.service_start_s + r.pickup_service_s)
    tighter = [dataclasses.replace(x, max_ride_time_s=ride - 1) if x.id == rid else x for x in problem.requests]
    assert Cause.RIDE_TIME_EXCEEDED in _causes(problem.replace(requests=tuple(tighter)), a2_16_plan)


@SETTINGS
@given(data=st.data())
def test_more_seats_than_the_layout_is_overload(cordeau_a2_16, a2_16_plan, data):
    """Giving a child more seats than the vehicle has is a seats violation."""
    k, i = _inner(a2_16_plan, data)
    rid = a2_16_plan.routes[k].stops[i].request_id
    problem = cordeau_a2_16.problem
    heavier = [dataclasses.replace(x, load=Load(4)) if x.id == rid else x for x in problem.requests]
    assert Cause.SEATS in _causes(problem.replace(requests=tuple(heavier)), a2_16_plan)


@SETTINGS
@given(field=st.sampled_from(["fixed", "distance", "assistant", "distance_m", "vehicles"]),
       delta=st.integers(-1000, 1000).filter(bool))
def test_changed_cost_is_a_mismatch(cordeau_a2_16, a2_16_plan, field, delta):
    """Any change to a stated cost figure is a cost_mismatch."""
    cost = dataclasses.replace(a2_16_plan.cost, **{field: getattr(a2_16_plan.cost, field) + delta})
    assert Cause.COST_MISMATCH in _causes(cordeau_a2_16.problem, dataclasses.replace(a2_16_plan, cost=cost))


@SETTINGS
@given(data=st.data())
def test_child_both_routed_and_unassigned_is_duplicate(cordeau_a2_16, a2_16_plan, data):
    """A routed child also listed as unassigned is a duplicate_request."""
    k, i = _inner(a2_16_plan, data)
    rid = a2_16_plan.routes[k].stops[i].request_id
    plan = dataclasses.replace(a2_16_plan, unassigned=(Unassigned(rid, UnassignedReason.SOLVER_DROPPED),))
    assert _causes(cordeau_a2_16.problem, plan) == {Cause.DUPLICATE_REQUEST}


@SETTINGS
@given(data=st.data())
def test_child_removed_everywhere_is_missing(cordeau_a2_16, a2_16_plan, data):
    """Deleting both stops of a child without listing them unassigned is missing_request."""
    k, i = _inner(a2_16_plan, data)
    route = a2_16_plan.routes[k]
    rid = route.stops[i].request_id
    plan = _with_route(a2_16_plan, k, _stops(route, [s for s in route.stops if s.request_id != rid]))
    assert Cause.MISSING_REQUEST in _causes(cordeau_a2_16.problem, plan)


def test_window_and_route_duration_and_fleet(cordeau_a2_16, a2_16_plan):
    """A too-short route limit, a closed window and a third vehicle are each reported."""
    problem = cordeau_a2_16.problem
    vt = problem.vehicle_types[0]
    short = problem.replace(vehicle_types=(dataclasses.replace(vt, max_route_duration_s=1),))
    assert Cause.ROUTE_DURATION in _causes(short, a2_16_plan)
    first = a2_16_plan.routes[0].stops[1]
    closed = [dataclasses.replace(r, pickup_window_s=(0, 0), delivery_window_s=(0, 0)) if r.id == first.request_id else r
              for r in problem.requests]
    assert Cause.WINDOW in _causes(problem.replace(requests=tuple(closed)), a2_16_plan)
    extra = dataclasses.replace(a2_16_plan.routes[0], vehicle_index=2)
    plan = dataclasses.replace(a2_16_plan, routes=a2_16_plan.routes + (extra,))
    assert Cause.FLEET_EXCEEDED in _causes(problem, plan)


def _accounting(problem, plan):
    return {v.cause for v in check_accounting(plan, [r.id for r in problem.requests],
                                              {vt.id: vt.count for vt in problem.vehicle_types})}


def test_accounting_of_a_valid_plan_is_clean(cordeau_a2_16, a2_16_plan):
    """The whole-plan bookkeeping (no matrices) finds nothing in a valid plan."""
    assert _accounting(cordeau_a2_16.problem, a2_16_plan) == set()


@SETTINGS
@given(data=st.data())
def test_accounting_finds_a_child_missing_twice_or_half_routed(cordeau_a2_16, a2_16_plan, data):
    """Each corruption of who is carried is named as check names it: a child removed everywhere
    (missing), also listed unassigned (duplicate), one stop dropped (pairing), or a stop on another
    route (pairing)."""
    problem = cordeau_a2_16.problem
    k, i = _inner(a2_16_plan, data)
    route = a2_16_plan.routes[k]
    rid = route.stops[i].request_id
    gone = _with_route(a2_16_plan, k, _stops(route, [s for s in route.stops if s.request_id != rid]))
    assert _accounting(problem, gone) == {Cause.MISSING_REQUEST}
    twice = dataclasses.replace(a2_16_plan, unassigned=(Unassigned(rid, UnassignedReason.SOLVER_DROPPED),))
    assert _accounting(problem, twice) == {Cause.DUPLICATE_REQUEST}
    half = _with_route(a2_16_plan, k, _stops(route, route.stops[:i] + route.stops[i + 1:]))
    assert Cause.PAIRING in _accounting(problem, half)
    for plan in (gone, twice, half):  # nothing check itself would not report
        assert _accounting(problem, plan) <= _causes(problem, plan)


def test_accounting_finds_a_vehicle_used_twice_an_unknown_child_and_type(cordeau_a2_16, a2_16_plan):
    """The same vehicle on two routes, a vehicle beyond the type's count, a child not in the
    scenario and a vehicle type not in the fleet are each reported without the matrices."""
    problem = cordeau_a2_16.problem
    r0, r1 = a2_16_plan.routes[0], a2_16_plan.routes[1]
    same = _with_route(a2_16_plan, 1, dataclasses.replace(r1, vehicle_index=r0.vehicle_index))
    assert _accounting(problem, same) == {Cause.FLEET_EXCEEDED}
    beyond = _with_route(a2_16_plan, 1, dataclasses.replace(r1, vehicle_index=99))
    assert _accounting(problem, beyond) == {Cause.FLEET_EXCEEDED}
    stop = r0.stops[1]
    stranger = _with_route(a2_16_plan, 0, _stops(r0, r0.stops[:1] + (dataclasses.replace(stop, request_id="nobody"),)
                                                  + r0.stops[2:]))
    assert Cause.UNKNOWN_REQUEST in _accounting(problem, stranger)
    hired = _with_route(a2_16_plan, 0, dataclasses.replace(r0, vehicle_type_id="hired-coach"))
    assert Cause.UNKNOWN_VEHICLE_TYPE in _accounting(problem, hired)


def _two_child_problem(kit, **rules):
    dur, dist = kit.star_matrix(2)
    a = kit.child("a", 1, 3, **rules.get("a", {}))
    b = kit.child("b", 2, 3, **rules.get("b", {}))
    return RoutingProblem(dur, dist, (a, b), (rules.get("vehicle", kit.saloon()),))


SHARED = [[("pickup", "a"), ("pickup", "b"), ("delivery", "a"), ("delivery", "b")]]


def test_shared_ride_of_a_solo_child_is_reported(kit):
    """A solo child on board with another is a solo_traveller violation."""
    problem = _two_child_problem(kit, a={"solo": True})
    assert _causes(problem, kit.plan_from_orders(problem, SHARED)) == {Cause.SOLO_TRAVELLER}


def test_incompatible_children_on_one_route_are_reported(kit):
    """Two incompatible children on one route is incompatible_children, once."""
    problem = _two_child_problem(kit, a={"incompatible_with": {"b"}}, b={"incompatible_with": {"a"}})
    violations = check(problem, kit.plan_from_orders(problem, SHARED))
    assert [v.cause for v in violations] == [Cause.INCOMPATIBLE_CHILDREN]


def test_split_siblings_are_reported(kit):
    """Siblings of one travel group on two routes is travel_group_split."""
    problem = _two_child_problem(kit, a={"travel_group": "g"}, b={"travel_group": "g"})
    orders = [[("pickup", "a"), ("delivery", "a")], [("pickup", "b"), ("delivery", "b")]]
    assert _causes(problem, kit.plan_from_orders(problem, orders)) == {Cause.TRAVEL_GROUP_SPLIT}


def test_missing_assistant_and_wheelchair_space_are_reported(kit):
    """A PA child without a PA and a wheelchair beyond the layout's spaces are both named."""
    problem = _two_child_problem(kit, a={"needs_assistant": True}, b={"load": Load(0, 1)},
                                 vehicle=kit.minibus())
    plan = kit.plan_from_orders(problem, SHARED, layouts=[Layout(16, 0)])
    assert _causes(problem, plan) == {Cause.ASSISTANT_MISSING, Cause.WHEELCHAIR_SPACES}
    fixed = kit.plan_from_orders(problem, SHARED, layouts=[Layout(12, 1)], assistants=[True])
    assert check(problem, fixed) == []


def test_layout_of_another_vehicle_type_is_reported(kit):
    """A route running a layout its vehicle type does not have is unknown_layout."""
    problem = _two_child_problem(kit)
    plan = kit.plan_from_orders(problem, SHARED, layouts=[Layout(8, 2)])
    assert Cause.UNKNOWN_LAYOUT in _causes(problem, plan)


def test_unknown_request_on_a_route_is_reported(kit):
    """A stop for a child the problem does not know is unknown_request."""
    problem = _two_child_problem(kit)
    plan = kit.plan_from_orders(problem, SHARED)
    route = plan.routes[0]
    stops = list(route.stops)
    stops[1] = dataclasses.replace(stops[1], request_id="ghost")
    causes = _causes(problem, _with_route(plan, 0, _stops(route, stops)))
    assert Cause.UNKNOWN_REQUEST in causes and Cause.PAIRING in causes
