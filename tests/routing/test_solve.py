"""Tests of routing/solve.py on public instances and random problems: validated plans, warm starts, callbacks."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.plan import Plan
from routing.problem import Layout, Load, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check

FAST = SolveParams(time_limit_s=1.0)
ORTOOLS_ONLY = SolveParams(time_limit_s=1.0, lns_share=0.0)


def test_a2_16_is_solved_to_a_validated_feasible_plan(cordeau_a2_16, a2_16_plan):
    """a2-16 in 2 s: every request routed, valid by the validator and on the float data."""
    plan = a2_16_plan
    assert plan.is_complete() and len(plan.routed_request_ids()) == 16
    assert check(cordeau_a2_16.problem, plan) == []
    assert cordeau_a2_16.float_violations(plan) == []
    assert cordeau_a2_16.float_distance(plan) >= 294.24795 - 1e-6


def test_plan_round_trips_through_json(a2_16_plan):
    """to_dict -> JSON -> from_dict gives back an equal plan."""
    again = Plan.from_dict(json.loads(json.dumps(a2_16_plan.to_dict())))
    assert again == a2_16_plan and again.meta == a2_16_plan.meta


def test_warm_start_is_never_worse_than_its_start(cordeau_a2_16):
    """Solving from an initial plan returns a plan at most as costly as that plan."""
    first = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=0.5, metaheuristic="greedy_descent"))
    again = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=0.5), initial_plan=first)
    assert again.is_complete() and check(cordeau_a2_16.problem, again) == []
    assert again.cost.total <= first.cost.total


def test_the_lns_starts_from_the_initial_plan_when_ortools_finds_nothing(cordeau_a2_16, monkeypatch):
    """OR-Tools finding nothing in its share (its search stubbed out here) leaves the LNS to start from
    the plan it was given, not from an empty one: a rerun never starts from scratch."""
    from routing import solve as solve_module

    problem = cordeau_a2_16.problem
    first = solve(problem, SolveParams(time_limit_s=0.5, metaheuristic="greedy_descent"))
    monkeypatch.setattr(solve_module.om, "run_search", lambda *args: None)
    again = solve(problem, SolveParams(time_limit_s=0.5), initial_plan=first)
    assert again.meta["first_solution"] == "initial_plan"
    assert again.is_complete() and check(problem, again) == [] and again.cost.total <= first.cost.total


def test_run_stats_are_stored_as_the_plan_meta_json():
    """The typed run record gives the plan's meta: set fields only, in order, lists and LNS stats as JSON."""
    from routing.lns import LnsStats
    from routing.solve import RunStats

    stats = RunStats("ortools", "savings", "guided_local_search", 42, 1.0, lns_rejected=("a", "b"), restarts=1)
    assert list(stats.as_meta().items()) == [
        ("solver", "ortools"), ("first_solution", "savings"), ("metaheuristic", "guided_local_search"),
        ("objective", 42), ("time_limit_s", 1.0), ("lns_rejected", ["a", "b"]), ("restarts", 1)]
    ran = RunStats("lns", lns=LnsStats(iterations=3, seconds=0.12345)).as_meta()
    assert json.loads(json.dumps(ran)) == {"solver": "lns", "lns": {
        "iterations": 3, "improvements": 0, "routes_removed": 0, "seconds": 0.123, "start_cost": 0, "end_cost": 0}}


class _Recorder:
    def __init__(self, stop_after: int | None = None):
        self.costs: list[int] = []
        self.stop_after = stop_after

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        self.costs.append(best_cost)

    def should_stop(self) -> bool:
        return self.stop_after is not None and len(self.costs) >= self.stop_after


def test_callbacks_hear_progress_and_can_cancel(cordeau_a2_16):
    """on_progress hears validated plans; should_stop ends the search with a full account, whose
    cost is the last figure heard."""
    rec = _Recorder(stop_after=1)
    plan = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=5.0), callbacks=rec)
    assert 1 <= len(rec.costs) <= 2 and rec.costs[-1] == plan.cost.total
    assert sorted(plan.routed_request_ids() + [u.request_id for u in plan.unassigned]) == sorted(r.id for r in cordeau_a2_16.problem.requests)
    assert check(cordeau_a2_16.problem, plan) == []


@st.composite
def small_problems(draw):
    """Random 6-location problems with 1-4 children, windows, ride limits and a few rules."""
    pts = draw(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=6, max_size=6))
    xy = np.array(pts, dtype=float)
    minutes = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    dur = np.ceil(minutes * 60).astype(int)
    n = draw(st.integers(1, 4))
    reqs = []
    from routing.problem import Request
    for k in range(n):
        home, school = draw(st.sampled_from([(1, 5), (2, 5), (3, 4), (4, 5), (2, 4)]))
        ride = draw(st.none() | st.integers(5, 40).map(lambda m: m * 60))
        late = draw(st.none() | st.integers(30, 90).map(lambda m: (0, m * 60)))
        reqs.append(Request(f"r{k}", home, school, delivery_window_s=late, max_ride_time_s=ride,
                            load=draw(st.sampled_from([Load(1), Load(2), Load(0, 1)])),
                            solo=draw(st.booleans()), pickup_service_s=60, delivery_service_s=60))
    vt = draw(st.sampled_from([Layout(4), Layout(3, 1)]))
    from routing.problem import VehicleType
    return RoutingProblem(dur, dur * 10, tuple(reqs), (VehicleType("v", draw(st.integers(0, 2)), (vt,), fixed_cost_pence=100, pence_per_km=10),))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_every_request_is_routed_or_unassigned_exactly_once(problem):
    """On random small problems every child appears exactly once and the plan is valid."""
    plan = solve(problem, SolveParams(time_limit_s=0.2))
    ids = plan.routed_request_ids() + [u.request_id for u in plan.unassigned]
    assert sorted(ids) == sorted(r.id for r in problem.requests)
    assert check(problem, plan) == []


class _Listener:
    def __init__(self) -> None:
        self.costs: list[int] = []

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        self.costs.append(best_cost)

    def should_stop(self) -> bool:
        return False


def test_progress_is_the_validated_plans_cost_and_never_goes_up(cordeau_a2_16):
    """Progress reports only validated plans' daily cost (pence, as the KPI): never up, last = the plan's."""
    for params in (SolveParams(time_limit_s=2.0), ORTOOLS_ONLY, SolveParams(time_limit_s=2.0, restarts=2)):
        heard = _Listener()
        plan = solve(cordeau_a2_16.problem, params, callbacks=heard)
        assert heard.costs, params
        assert all(b < a for a, b in zip(heard.costs, heard.costs[1:])), heard.costs
        assert heard.costs[-1] == plan.cost.total, (heard.costs[-1], plan.cost.total)
