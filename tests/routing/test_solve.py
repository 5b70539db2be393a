"""Tests of routing/solve.py and routing/ortools_model.py on hand-worked problems."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.plan import Plan, StopKind, UnassignedReason
from routing.problem import Layout, Load, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check

FAST = SolveParams(time_limit_s=1.0)
ORTOOLS_ONLY = SolveParams(time_limit_s=1.0, lns_share=0.0)


@pytest.fixture(params=[ORTOOLS_ONLY, FAST], ids=["ortools", "ortools+lns"])
def params(request):
    """Each rule is checked on the OR-Tools model alone and with the LNS after it (the default)."""
    return request.param


def _pair_problem(kit, ride_min, vehicles):
    """Children a (home 1) and b (home 2) to school 3 by minute 35.

    Sharing arrives at minute 32 with a first ride of 26 min; one car doing two trips
    arrives at minute 38, too late for the second child.
    """
    dur, dist = kit.star_matrix(2)
    reqs = tuple(kit.child(c, h, 3, max_ride_time_s=ride_min * kit.MIN, delivery_window_s=(0, 35 * kit.MIN))
                 for c, h in (("a", 1), ("b", 2)))
    return RoutingProblem(dur, dist, reqs, vehicles, name="pair")


def _solved(problem, params=FAST):
    plan = solve(problem, params)
    assert check(problem, plan) == []
    return plan


def _route_of(plan, rid):
    return next(k for k, r in enumerate(plan.routes) if rid in r.request_ids())


def test_ride_limit_forbids_sharing(kit, params):
    """With a 20-min ride limit the two children need two cars (sharing gives 26 min)."""
    plan = _solved(_pair_problem(kit, 20, (kit.saloon(count=2),)), params)
    assert plan.is_complete() and len(plan.routes) == 2


def test_looser_ride_limit_lets_children_share(kit, params):
    """With a 30-min limit one car (cheaper: one fixed cost) carries both."""
    plan = _solved(_pair_problem(kit, 30, (kit.saloon(count=2),)), params)
    assert plan.is_complete() and len(plan.routes) == 1
    assert plan.cost.fixed == 5000


def test_single_car_leaves_one_child_out_with_fleet_exhausted(kit, params):
    """One car, two children who cannot share: one is reported fleet_exhausted."""
    plan = _solved(_pair_problem(kit, 20, (kit.saloon(count=1),)), params)
    assert len(plan.routes) == 1 and plan.num_missing() == 1
    assert plan.unassigned[0].reason is UnassignedReason.FLEET_EXHAUSTED


def test_vehicle_type_with_none_left_at_its_own_base_is_ignored(kit, params):
    """A type whose count is 0 and whose base no other type shares adds no stop to any route."""
    dur, dist = kit.star_matrix(3)  # depot 0, homes 1-2, spare base 3 (used as a depot only), school 4
    reqs = tuple(kit.child(c, h, 4, delivery_window_s=(0, 60 * kit.MIN)) for c, h in (("a", 1), ("b", 2)))
    types = (kit.saloon(count=2), kit.minibus(count=0, start_depot=3, end_depot=3))
    plan = _solved(RoutingProblem(dur, dist, reqs, types, name="spare base"), params)
    assert plan.is_complete()


def test_fleet_count_holds_across_layouts(kit, params):
    """A single convertible minibus is one vehicle, whatever layout its copies could run."""
    plan = _solved(_pair_problem(kit, 20, (kit.minibus(count=1),)), params)
    assert len(plan.routes) == 1 and plan.num_missing() == 1


def test_wheelchair_child_with_only_saloons_is_no_vehicle_fits(kit, params):
    """A wheelchair user cannot ride a saloon: unassigned with no_vehicle_fits, others routed."""
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("walker", 1, 3), kit.child("chair", 2, 3, load=Load(0, 1)))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(),)), params)
    assert plan.routed_request_ids() == ["walker"]
    assert [(u.request_id, u.reason) for u in plan.unassigned] == [("chair", UnassignedReason.NO_VEHICLE_FITS)]


def test_minibus_switches_to_two_wheelchair_layout(kit, params):
    """Two wheelchair users and six others fit one minibus only in its 8+2 layout."""
    dur, dist = kit.star_matrix(8)
    reqs = tuple(kit.child(f"c{h}", h, 9, load=Load(0, 1) if h <= 2 else Load(1, 0)) for h in range(1, 9))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.minibus(count=1),)), params)
    assert plan.is_complete() and len(plan.routes) == 1
    assert plan.routes[0].layout == Layout(8, 2)


def test_assistant_child_rides_with_a_pa_and_pays_for_it(kit, params):
    """The child needing a PA rides a car with one; the PA takes a seat and costs once."""
    dur, dist = kit.star_matrix(4)
    reqs = tuple(kit.child(f"c{h}", h, 5, needs_assistant=(h == 1)) for h in range(1, 5))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),)), params)
    assert plan.is_complete()
    pa_route = plan.routes[_route_of(plan, "c1")]
    assert pa_route.has_assistant
    assert plan.cost.assistant == 8000 and sum(r.has_assistant for r in plan.routes) == 1


def test_solo_child_rides_alone(kit, params):
    """A solo child's pickup is followed directly by their delivery, with nobody on board."""
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("solo", 1, 3, solo=True), kit.child("other", 2, 3))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(count=1),)), params)
    assert plan.is_complete() and len(plan.routes) == 1
    kinds = [(s.kind, s.request_id) for s in plan.routes[0].stops[1:-1]]
    i = kinds.index((StopKind.PICKUP, "solo"))
    assert kinds[i + 1] == (StopKind.DELIVERY, "solo")
    onboard_before = {rid for kind, rid in kinds[:i] if kind is StopKind.PICKUP} - {rid for kind, rid in kinds[:i] if kind is StopKind.DELIVERY}
    assert onboard_before == set()


def test_incompatible_children_never_share(kit, params):
    """Two children who must not travel together go in two cars although one is cheaper."""
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("a", 1, 3, incompatible_with={"b"}), kit.child("b", 2, 3))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(count=2),)), params)
    assert plan.is_complete() and _route_of(plan, "a") != _route_of(plan, "b")


def test_siblings_ride_together_even_when_splitting_is_cheaper(kit, params):
    """Siblings in a travel group share a vehicle although two separate trips cost less."""
    m = np.array([[0, 5, 5, 5, 10], [5, 0, 40, 40, 10], [5, 40, 0, 40, 10], [5, 40, 40, 0, 10], [10, 10, 10, 10, 0]])
    dur, dist = kit.minutes_matrix(m)
    reqs = (kit.child("s1", 1, 4, travel_group="fam"), kit.child("s2", 2, 4, travel_group="fam"), kit.child("x", 3, 4))
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(count=3, fixed_cost_pence=0),)), params)
    assert plan.is_complete() and _route_of(plan, "s1") == _route_of(plan, "s2")


def test_prechecks_name_ride_window_and_conflict_reasons(kit, params):
    """Requests impossible even alone are reported before solving, each with its reason."""
    dur, dist = kit.star_matrix(4)
    reqs = (
        kit.child("ok", 1, 5),
        kit.child("long", 2, 5, max_ride_time_s=5 * kit.MIN),
        kit.child("late", 3, 5, delivery_window_s=(0, 60)),
        kit.child("t1", 4, 5, travel_group="g", incompatible_with={"t2"}),
        kit.child("t2", 4, 5, travel_group="g"),
    )
    plan = _solved(RoutingProblem(dur, dist, reqs, (kit.saloon(),)), params)
    reasons = {u.request_id: u.reason for u in plan.unassigned}
    assert reasons == {
        "long": UnassignedReason.RIDE_TIME_INFEASIBLE,
        "late": UnassignedReason.WINDOW_INFEASIBLE,
        "t1": UnassignedReason.CONFLICTING_RULES,
        "t2": UnassignedReason.CONFLICTING_RULES,
    }
    assert plan.routed_request_ids() == ["ok"]


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


class _Recorder:
    def __init__(self, stop_after: int | None = None):
        self.costs: list[int] = []
        self.stop_after = stop_after

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        self.costs.append(best_cost)

    def should_stop(self) -> bool:
        return self.stop_after is not None and len(self.costs) >= self.stop_after


def test_callbacks_hear_progress_and_can_cancel(cordeau_a2_16):
    """on_progress hears each solution; should_stop ends the search with a full account."""
    rec = _Recorder(stop_after=1)
    plan = solve(cordeau_a2_16.problem, SolveParams(time_limit_s=5.0), callbacks=rec)
    assert len(rec.costs) == 1
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
