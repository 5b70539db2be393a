"""Tests of routing/lns.py: exact route schedules, plan improvement and where it is refused."""

from __future__ import annotations

import random
import time

import pytest

from routing import lns
from routing.problem import RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check, schedule_exists


@pytest.fixture(autouse=True, scope="module")
def _compiled():
    """Compile the LNS's inner loops before any test starts its clock."""
    lns.warm_up()


def _random_orders(problem: RoutingProblem, count: int, size: int, seed: int):
    """Random stop orders of ``size`` requests, each pickup before its delivery."""
    rng = random.Random(seed)
    for _ in range(count):
        ids = rng.sample([r.id for r in problem.requests], size)
        order: list[tuple[str, str]] = []
        for rid in ids:
            i = rng.randint(0, len(order))
            j = rng.randint(i + 1, len(order) + 1)
            order.insert(i, ("pickup", rid))
            order.insert(j, ("delivery", rid))
        yield order


def test_earliest_schedule_agrees_with_validator(cordeau_a2_16):
    """The LNS's exact route check finds a schedule iff the validator's Bellman-Ford does, with the same times."""
    problem = cordeau_a2_16.problem
    data = lns._Data(problem, range(len(problem.requests)))
    kid = {r.id: k for k, r in enumerate(problem.requests)}
    agree = feasible = 0
    for size in (1, 2, 3, 4):
        for order in _random_orders(problem, 60, size, seed=size):
            seq = [data.start(0)] + [2 * kid[rid] + (kind == "delivery") for kind, rid in order] + [data.start(0) + 1]
            ours = data.earliest(seq)
            theirs = schedule_exists(problem, order)
            assert (ours is None) == (theirs is None), order
            if ours is not None:
                assert tuple(ours) == theirs
                feasible += 1
            agree += 1
    assert feasible > 10


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
    better, _ = lns.improve(problem, [0, 1], two_cars, time.monotonic() + 0.3)
    assert check(problem, better) == []
    assert len(better.routes) == 1


@pytest.mark.parametrize("rule", ["solo", "needs_assistant", "incompatible_with"])
def test_unsupported_rules_are_named(kit, rule):
    """Problems with SEN rules the LNS cannot check are refused, and solve keeps OR-Tools' plan."""
    dur, dist = kit.star_matrix(2)
    extra = {"solo": {"solo": True}, "needs_assistant": {"needs_assistant": True},
             "incompatible_with": {"incompatible_with": frozenset({"b"})}}[rule]
    reqs = (kit.child("a", 1, 3, **extra), kit.child("b", 2, 3))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),), name="rules")
    assert lns.unsupported_reason(problem, [0, 1]) is not None
    with pytest.raises(ValueError):
        lns.improve(problem, [0, 1], solve(problem, SolveParams(time_limit_s=0.5)), time.monotonic() + 0.1)
    plan = solve(problem, SolveParams(time_limit_s=0.5, lns_share=0.5))
    assert check(problem, plan) == [] and "lns" not in plan.meta
