"""Tests of routing/ortools_model.py: each SEN rule of the model on hand-worked problems, on OR-Tools alone and with the LNS after it."""

from __future__ import annotations

import numpy as np
import pytest

from routing.plan import StopKind, UnassignedReason
from routing.problem import Layout, Load, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check

FAST = SolveParams(time_limit_s=1.0)
ORTOOLS_ONLY = SolveParams(time_limit_s=1.0, lns_share=0.0)


def _solved(problem, params=FAST):
    plan = solve(problem, params)
    assert check(problem, plan) == []
    return plan


def _route_of(plan, rid):
    return next(k for k, r in enumerate(plan.routes) if rid in r.request_ids())


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
