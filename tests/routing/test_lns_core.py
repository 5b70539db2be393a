"""Tests of routing/lns_core.py: the compiled core's exact route schedule against the validator's."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import numpy as np

from routing import lns
from routing.baselines import greedy_grouping
from routing.problem import RoutingProblem
from routing.validate import check, schedule_exists


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


def _many_empty_types(problem: RoutingProblem, empty: int = 40) -> RoutingProblem:
    """``problem`` with ``empty`` vehicle types of count 0 listed before its own types, as in a
    county sub-problem that lists every tile's types but holds vehicles of a few."""
    blanks = tuple(replace(vt, id=f"empty{t}-{vt.id}", count=0)
                   for t in range(empty // len(problem.vehicle_types) + 1) for vt in problem.vehicle_types)[:empty]
    return replace(problem, vehicle_types=blanks + problem.vehicle_types, name=f"{problem.name}+empty-types")


def test_candidate_vehicles_with_more_types_than_vehicles(county30):
    """With more vehicle types than vehicles (most of them empty), listing the candidate vehicles
    stays within its arrays (run as plain Python, which checks bounds; compiled, the overrun
    corrupted the heap: glibc ``realloc(): invalid next size`` at county scale)."""
    built, _ = county30
    problem = _many_empty_types(built.problem)
    data = lns._Data(problem, range(len(problem.requests)))
    n_vehicles = len(data.veh)
    assert len(problem.vehicle_types) > n_vehicles + 1
    st = data.new_state()
    out = np.zeros(n_vehicles, dtype=np.int64)
    n = lns.core._candidate_vehicles.py_func(data.core, st, True, out)
    used_types = {t for t, vt in enumerate(problem.vehicle_types) if vt.count}
    assert sorted(data.type_of[v] for v in out[:n]) == sorted(used_types)


def test_lns_with_many_empty_vehicle_types_is_valid(county30):
    """The compiled LNS on a real-road problem with 40 empty vehicle types before the real ones
    places every child and passes the validator."""
    built, _ = county30
    problem = _many_empty_types(built.problem)
    greedy = greedy_grouping(problem)
    better, stats = lns.improve(problem, range(len(problem.requests)), greedy, time.monotonic() + 2.0, seed=3)
    assert check(problem, better) == []
    assert len(better.unassigned) <= len(greedy.unassigned)
    assert better.cost.total <= greedy.cost.total
    assert stats.iterations > 0
