"""routing/disruption.py and the rerun's price in solve(): groups of children riding together today, each
extra vehicle a group is spread over charged in OR-Tools' model and in the LNS."""

import pytest

from routing.disruption import Disruption
from routing.solve import SolveParams, solve
from routing.validate import check
from transport.domain.errors import InputError


@pytest.fixture(scope="module")
def start(cordeau_a2_16):
    """A quick a2-16 plan on two routes."""
    plan = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=0.3, lns_share=0.0, metaheuristic="greedy_descent"))
    assert len(plan.routes) == 2 and plan.is_complete()
    return plan


def _crossing(plan):
    """Pairs of children, one from each of the two routes: every pair is split today."""
    return tuple(zip(plan.routes[0].request_ids(), plan.routes[1].request_ids()))


def test_a_plan_disrupts_nothing_and_a_split_group_costs_the_penalty(start):
    today = Disruption.of(start, 700)
    assert today.groups == tuple(tuple(r.request_ids()) for r in start.routes)
    assert today.extra_vehicles(start) == 0 and today.penalised_cost(start) == start.cost.total
    assert set(today.current_route()) == set(start.routed_request_ids())
    pairs = Disruption(700, _crossing(start))
    assert pairs.extra_vehicles(start) == len(pairs.groups) > 0
    assert pairs.penalised_cost(start) == start.cost.total + 700 * len(pairs.groups)


def test_a_negative_penalty_is_refused():
    with pytest.raises(InputError, match="disruption penalty must be >= 0"):
        Disruption(-1, ())


@pytest.mark.parametrize("lns_share", [0.0, 0.5], ids=["ortools", "ortools+lns"])
def test_solve_pays_to_bring_split_groups_together(cordeau_a2_16, start, lns_share):
    """With a heavy price the search reunites every split pair (a valid plan, dearer by the day);
    with no price it keeps its cheaper plan."""
    problem = cordeau_a2_16.problem
    params = SolveParams(time_limit_s=1.0, lns_share=lns_share)
    heavy = Disruption(100_000, _crossing(start))
    kept = solve(problem, params, initial_plan=start, disruption=heavy)
    assert check(problem, kept) == [] and kept.is_complete()
    assert heavy.extra_vehicles(kept) == 0 < heavy.extra_vehicles(start)
    free = solve(problem, params, initial_plan=start, disruption=Disruption(0, heavy.groups))
    assert check(problem, free) == [] and free.is_complete()
    assert free.cost.total <= start.cost.total < kept.cost.total
