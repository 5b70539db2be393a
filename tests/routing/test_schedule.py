"""Tests of routing/validate.py::schedule_exists, the temporal check of a typed-in route."""

from __future__ import annotations

import dataclasses

from routing.problem import RoutingProblem
from routing.validate import check, schedule_exists


def _problem(kit, **rules):
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("a", 1, 3, **rules.get("a", {})), kit.child("b", 2, 3, **rules.get("b", {})))
    return RoutingProblem(dur, dist, reqs, (rules.get("vehicle", kit.saloon()),))


SHARED = [("pickup", "a"), ("pickup", "b"), ("delivery", "a"), ("delivery", "b")]


def test_earliest_schedule_is_worked_out_by_hand(kit):
    """A pickup window at minute 20 sets every later time; the earliest start stays 0."""
    problem = _problem(kit, a={"pickup_window_s": (20 * 60, 25 * 60)})
    times = schedule_exists(problem, SHARED)
    # leave at 0 (earliest; 5 min to home a, then wait), pickup a at 20, +1 service +15 drive -> b at 36,
    # +1 +10 -> school at 47, deliver a, +1 -> deliver b at 48 (same place), +1 +10 -> depot 59.
    assert times == (0, 20 * 60, 36 * 60, 47 * 60, 48 * 60, 59 * 60)


def test_ride_limit_can_force_a_later_pickup(kit):
    """Waiting before a pickup (not after) is what keeps a ride within its limit."""
    problem = _problem(kit, a={"max_ride_time_s": 26 * 60}, b={"pickup_window_s": (40 * 60, 50 * 60)})
    times = schedule_exists(problem, SHARED)
    assert times is not None
    pickup_a, deliver_a = times[1], times[3]
    assert deliver_a - (pickup_a + 60) <= 26 * 60
    assert times[2] == 40 * 60


def test_ride_limit_makes_an_order_infeasible(kit):
    """Sharing gives the first child a 26-min ride: infeasible under a 25-min limit."""
    problem = _problem(kit, a={"max_ride_time_s": 25 * 60})
    assert schedule_exists(problem, SHARED) is None
    reverse = [("pickup", "b"), ("pickup", "a"), ("delivery", "a"), ("delivery", "b")]
    assert schedule_exists(problem, reverse) is not None


def test_windows_that_cannot_both_hold_are_infeasible(kit):
    """A bell at minute 20 cannot follow a pickup that opens at minute 15 and a 15-min drive."""
    problem = _problem(kit, a={"pickup_window_s": (15 * 60, 16 * 60)}, b={"delivery_window_s": (0, 20 * 60)})
    assert schedule_exists(problem, SHARED) is None


def test_route_duration_limit_is_checked(kit):
    """The route lasts 44 min at best: a 43-min limit is infeasible, 44 is fine."""
    for limit, feasible in ((43 * 60, False), (44 * 60, True)):
        vehicle = dataclasses.replace(kit.saloon(), max_route_duration_s=limit)
        assert (schedule_exists(_problem(kit, vehicle=vehicle), SHARED) is not None) is feasible


def test_witness_schedule_passes_the_checker(kit):
    """A plan timed by the witness schedule has no violation at all."""
    problem = _problem(kit, a={"max_ride_time_s": 26 * 60, "delivery_window_s": (0, 60 * 60)})
    assert check(problem, kit.plan_from_orders(problem, [SHARED])) == []
