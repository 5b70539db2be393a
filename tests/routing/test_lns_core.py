"""Tests of routing/lns_core.py: the compiled core's exact route schedule against the validator's."""

from __future__ import annotations

import random

from routing import lns
from routing.problem import RoutingProblem
from routing.validate import schedule_exists


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
