"""Tests of routing/lns.py: exact route schedules, plan improvement and where it is refused."""

from __future__ import annotations

import time
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import lns
from routing.baselines import greedy_grouping
from routing.problem import Layout, Load, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check
from tests.routing.conftest import MIN, child, minibus, saloon, star_matrix


def test_improve_keeps_plan_valid_and_not_worse(cordeau_a2_16, a2_16_plan):
    """One second of LNS on a2-16 returns a valid plan no dearer than OR-Tools' 2-second plan."""
    problem = cordeau_a2_16.problem
    todo = range(len(problem.requests))
    better, stats = lns.improve(problem, todo, a2_16_plan, time.monotonic() + 1.0, seed=1)
    assert check(problem, better) == []
    assert better.is_complete()
    assert better.cost.total <= a2_16_plan.cost.total
    assert stats.iterations > 0


def test_solve_with_lns_share_is_valid(cordeau_a2_16):
    """``lns_share`` runs the LNS after OR-Tools and the plan passes the validator."""
    plan = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=2.0, lns_share=0.5))
    assert check(cordeau_a2_16.problem, plan) == []
    assert plan.is_complete()
    assert "lns" in plan.meta


def test_lns_empties_a_route_when_vehicles_cost(kit):
    """With a fixed cost per car, the LNS merges two one-child routes into one shared route."""
    dur, dist = kit.star_matrix(2)
    reqs = tuple(kit.child(c, h, 3, max_ride_time_s=40 * kit.MIN, delivery_window_s=(0, 60 * kit.MIN))
                 for c, h in (("a", 1), ("b", 2)))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),), name="pair")
    two_cars = kit.plan_from_orders(problem, [[("pickup", "a"), ("delivery", "a")],
                                              [("pickup", "b"), ("delivery", "b")]])
    better, _ = lns.improve(problem, [0, 1], two_cars, **_until_routes(1))
    assert check(problem, better) == []
    assert len(better.routes) == 1


def _until_routes(n: int):
    """Search options that stop the LNS once its best plan has ``n`` routes (or after 20 s of a busy machine):
    a wall-clock budget alone made these tests fail under load."""
    found = []

    def on_plan(build):
        found.append(len(build().routes) <= n)

    return dict(deadline=time.monotonic() + 20.0, should_stop=lambda: bool(found) and found[-1], on_plan=on_plan)


def _one_car_each(kit, problem, ids, **kw):
    return kit.plan_from_orders(problem, [[("pickup", i), ("delivery", i)] for i in ids], **kw)


def _rides(plan):
    return [sorted({s.request_id for s in r.stops if s.request_id}) for r in plan.routes]


def test_lns_merges_routes_and_carries_an_assistant(kit):
    """A child who needs a PA joins another child's car; the merged route carries (and pays) a PA."""
    dur, dist = kit.star_matrix(2)
    window = dict(max_ride_time_s=40 * kit.MIN, delivery_window_s=(0, 60 * kit.MIN))
    reqs = (kit.child("a", 1, 3, needs_assistant=True, **window), kit.child("b", 2, 3, **window))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),), name="pa")
    start = _one_car_each(kit, problem, ["a", "b"], assistants=[True, False])
    better, _ = lns.improve(problem, [0, 1], start, **_until_routes(1))
    assert check(problem, better) == []
    assert len(better.routes) == 1 and better.routes[0].has_assistant
    assert better.cost.assistant == problem.vehicle_types[0].assistant_cost_pence


def test_lns_keeps_incompatible_children_apart(kit):
    """Two children who must not share are never merged, however much a shared car would save."""
    dur, dist = kit.star_matrix(3)
    window = dict(max_ride_time_s=60 * kit.MIN, delivery_window_s=(0, 90 * kit.MIN))
    reqs = (kit.child("a", 1, 4, incompatible_with={"b"}, **window), kit.child("b", 2, 4, **window),
            kit.child("c", 3, 4, **window))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=3),), name="apart")
    better, _ = lns.improve(problem, [0, 1, 2], _one_car_each(kit, problem, ["a", "b", "c"]), **_until_routes(2))
    assert check(problem, better) == []
    assert len(better.routes) == 2
    assert all(not {"a", "b"} <= set(ids) for ids in _rides(better))


def test_lns_solo_traveller_rides_alone(kit):
    """A solo traveller may share a car's day but never its seats: nobody else on board with them."""
    dur, dist = kit.star_matrix(2)
    window = dict(max_ride_time_s=60 * kit.MIN, delivery_window_s=(0, 120 * kit.MIN))
    reqs = (kit.child("a", 1, 3, solo=True, **window), kit.child("b", 2, 3, **window))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),), name="solo")
    better, _ = lns.improve(problem, [0, 1], _one_car_each(kit, problem, ["a", "b"]), time.monotonic() + 0.3)
    assert check(problem, better) == []
    for route in better.routes:
        onboard = set()
        for stop in route.stops:
            if stop.kind.value == "pickup":
                onboard.add(stop.request_id)
                assert len(onboard) == 1 or "a" not in onboard
            elif stop.kind.value == "delivery":
                onboard.discard(stop.request_id)


def test_lns_keeps_siblings_together_and_converts_a_layout(kit):
    """Siblings stay on one vehicle through every move; a wheelchair user rides in a minibus layout
    that trades seats for a space, chosen by the LNS from the type's layouts."""
    dur, dist = kit.star_matrix(4)
    window = dict(max_ride_time_s=60 * kit.MIN, delivery_window_s=(0, 120 * kit.MIN))
    reqs = (kit.child("s1", 1, 5, travel_group="fam", **window), kit.child("s2", 1, 5, travel_group="fam", **window),
            kit.child("w", 2, 5, load=Load(1, 1), **window), kit.child("c", 3, 5, **window),
            kit.child("d", 4, 5, **window))
    problem = RoutingProblem(dur, dist, reqs, (kit.minibus(count=3),), name="family")
    start = kit.plan_from_orders(problem, [[("pickup", "s1"), ("pickup", "s2"), ("delivery", "s1"), ("delivery", "s2")],
                                           [("pickup", "w"), ("delivery", "w")],
                                           [("pickup", "c"), ("pickup", "d"), ("delivery", "c"), ("delivery", "d")]],
                                 layouts=[Layout(16, 0), Layout(12, 1), Layout(16, 0)])
    better, stats = lns.improve(problem, range(5), start, time.monotonic() + 0.5, seed=3)
    assert check(problem, better) == []
    assert better.cost.total < start.cost.total and stats.iterations > 0
    for ids in _rides(better):
        assert ("s1" in ids) == ("s2" in ids)
        if "w" in ids:
            route = next(r for r in better.routes if "w" in {s.request_id for s in r.stops})
            assert route.layout.wheelchairs >= 1


def test_solve_runs_the_lns_on_sen_rules(kit):
    """``solve`` with ``lns_share`` now improves problems with SEN rules, and the plan passes the validator."""
    dur, dist = kit.star_matrix(3)
    window = dict(max_ride_time_s=60 * kit.MIN, delivery_window_s=(0, 90 * kit.MIN))
    reqs = (kit.child("a", 1, 4, solo=True, **window), kit.child("b", 2, 4, needs_assistant=True, **window),
            kit.child("c", 3, 4, incompatible_with={"b"}, **window))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=3),), name="rules")
    assert lns.unsupported_reason(problem, [0, 1, 2]) is None
    plan = solve(problem, SolveParams(time_limit_s=1.0, lns_share=0.5))
    assert check(problem, plan) == [] and plan.is_complete()
    assert "lns" in plan.meta


@st.composite
def _sen_problems(draw):
    """Small problems on a star of homes around one school with a random mix of SEN rules."""
    n_homes = draw(st.integers(3, 6))
    dur, dist = star_matrix(n_homes, between_min=draw(st.sampled_from([4.0, 8.0, 15.0])))
    school = n_homes + 1
    n = draw(st.integers(2, 7))
    ids = [f"c{i}" for i in range(n)]
    reqs = []
    for i, rid in enumerate(ids):
        others = [o for o in ids if o != rid]
        reqs.append(child(
            rid, draw(st.integers(1, n_homes)), school,
            load=Load(1, 1) if draw(st.booleans()) and i % 2 else Load(1, 0),
            needs_assistant=draw(st.integers(0, 4)) == 0,
            solo=draw(st.integers(0, 6)) == 0,
            incompatible_with=frozenset(draw(st.lists(st.sampled_from(others), max_size=1))),
            travel_group="g" if i < 2 and draw(st.booleans()) else None,
            max_ride_time_s=draw(st.sampled_from([25, 40, 75])) * MIN,
            delivery_window_s=(0, 90 * MIN)))
    if reqs[0].travel_group and reqs[1].travel_group:  # siblings share a home and no conflicts
        reqs[1] = replace(reqs[1], pickup=reqs[0].pickup, incompatible_with=frozenset(), solo=False)
        reqs[0] = replace(reqs[0], incompatible_with=frozenset(), solo=False)
    fleet = (saloon(count=draw(st.integers(1, 4))), minibus(count=draw(st.integers(1, 2))))
    return RoutingProblem(dur, dist, tuple(reqs), fleet, name="property")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_sen_problems(), seed=st.integers(0, 9))
def test_lns_plans_pass_the_validator_on_random_sen_rules(problem, seed):
    """Whatever the mix of layouts, assistants, solo, incompatible and sibling rules, the LNS's plan
    passes the independent validator, accounts for every child and is no dearer than its start."""
    start = greedy_grouping(problem)
    todo = [i for i in range(len(problem.requests)) if lns.unsupported_reason(problem, [i]) is None]
    better, _ = lns.improve(problem, todo, start, time.monotonic() + 0.15, seed=seed)
    assert check(problem, better) == []
    routed = {s.request_id for r in better.routes for s in r.stops if s.request_id}
    left = {u.request_id for u in better.unassigned}
    assert routed | left == {r.id for r in problem.requests} and not routed & left
    assert (len(better.unassigned), better.cost.total) <= (len(start.unassigned), start.cost.total)


def test_disruption_penalty_keeps_current_routes_together(cordeau_a2_16):
    """With today's routes and a heavy price per extra vehicle a route is spread over, the LNS
    improves a poor plan without splitting any route's children; with no price it may split them."""
    from transport.planning.rerun import disruption

    problem = cordeau_a2_16.problem
    start = solve(problem, SolveParams(time_limit_s=0.3, lns_share=0.0, metaheuristic="greedy_descent"))
    today = {rid: k for k, r in enumerate(start.routes) for rid in r.request_ids()}
    todo = range(len(problem.requests))
    kept, _ = lns.improve(problem, todo, start, time.monotonic() + 0.5, current_route=today,
                          disruption_pence=10**9)
    assert check(problem, kept) == [] and kept.is_complete()
    assert disruption(start, kept) == 0 and kept.cost.total <= start.cost.total
    free, _ = lns.improve(problem, todo, start, time.monotonic() + 0.5, current_route=today, disruption_pence=0)
    assert check(problem, free) == [] and free.cost.total <= kept.cost.total


def test_county_sized_problem_is_left_to_decomposition():
    """A whole county in one problem would need gigabytes of search arrays: the LNS declines
    (solve then keeps OR-Tools' plan) and says to plan by parts; a sub-problem is well inside."""
    assert lns.memory_estimate(7500, 3175) > lns.MAX_MEMORY_BYTES
    assert lns.memory_estimate(120, 60) < lns.MAX_MEMORY_BYTES / 100
