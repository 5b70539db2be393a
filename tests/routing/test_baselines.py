"""Tests of routing/baselines.py: both baselines give valid, complete-accounting plans."""

from __future__ import annotations

from routing.baselines import greedy_grouping, one_vehicle_per_child
from routing.plan import StopKind, UnassignedReason
from routing.problem import Load, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check


def _school_run(kit, n=6):
    dur, dist = kit.star_matrix(n, between_min=3.0)
    reqs = tuple(kit.child(f"c{h}", h, n + 1, max_ride_time_s=40 * kit.MIN, school_id="s1") for h in range(1, n + 1))
    return RoutingProblem(dur, dist, reqs, (kit.saloon(count=n), kit.minibus(count=1)))


def test_one_vehicle_per_child_uses_the_cheapest_fitting_car(kit):
    """Six children, six saloons: six direct trips in saloons, valid."""
    problem = _school_run(kit)
    plan = one_vehicle_per_child(problem)
    assert check(problem, plan) == []
    assert len(plan.routes) == 6 and {r.vehicle_type_id for r in plan.routes} == {"saloon"}


def test_one_vehicle_per_child_reports_what_it_cannot_carry(kit):
    """A wheelchair user with only saloons is no_vehicle_fits; a seventh child finds no car."""
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("chair", 1, 3, load=Load(0, 1)), kit.child("a", 2, 3), kit.child("b", 2, 3))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=1),))
    plan = one_vehicle_per_child(problem)
    assert check(problem, plan) == []
    assert {u.request_id: u.reason for u in plan.unassigned} == {
        "chair": UnassignedReason.NO_VEHICLE_FITS, "b": UnassignedReason.FLEET_EXHAUSTED}


def test_one_vehicle_per_child_keeps_siblings_together(kit):
    """Two siblings in a travel group share one car; the validator finds no split group."""
    dur, dist = kit.star_matrix(2)
    reqs = (kit.child("sis", 1, 3, travel_group="fam"), kit.child("bro", 1, 3, travel_group="fam"),
            kit.child("other", 2, 3))
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=3),))
    plan = one_vehicle_per_child(problem)
    assert check(problem, plan) == [] and plan.is_complete()
    assert len(plan.routes) == 2
    assert any(set(r.request_ids()) == {"sis", "bro"} for r in plan.routes)


def test_greedy_grouping_shares_vehicles_and_beats_one_per_child(kit):
    """Grouping six nearby children is valid and cheaper than six separate trips."""
    problem = _school_run(kit)
    grouped = greedy_grouping(problem)
    assert check(problem, grouped) == [] and grouped.is_complete()
    assert len(grouped.routes) < 6
    assert grouped.cost.total < one_vehicle_per_child(problem).cost.total


def test_greedy_grouping_keeps_rules(kit):
    """Solo, incompatible and sibling rules all hold in the greedy plan."""
    dur, dist = kit.star_matrix(5, between_min=3.0)
    reqs = (
        kit.child("solo", 1, 6, solo=True, school_id="s"),
        kit.child("x", 2, 6, incompatible_with={"y"}, school_id="s"),
        kit.child("y", 3, 6, school_id="s"),
        kit.child("sib1", 4, 6, travel_group="f", school_id="s"),
        kit.child("sib2", 5, 6, travel_group="f", school_id="s"),
    )
    problem = RoutingProblem(dur, dist, reqs, (kit.saloon(count=5),))
    plan = greedy_grouping(problem)
    assert check(problem, plan) == [] and plan.is_complete()


def test_solver_is_no_worse_than_greedy_on_a_school_run(kit):
    """The OR-Tools plan costs at most the greedy baseline's on the same school run."""
    problem = _school_run(kit)
    plan = solve(problem, SolveParams(time_limit_s=1.0))
    assert check(problem, plan) == [] and plan.is_complete()
    assert plan.cost.total <= greedy_grouping(problem).cost.total


def _depot_legs_m(problem, vt, route) -> int:
    first = next(s.location for s in route.stops if s.kind is StopKind.PICKUP)
    last = [s.location for s in route.stops if s.kind is StopKind.DELIVERY][-1]
    return int(problem.distance_m[vt.start_depot, first] + problem.distance_m[last, vt.end_depot])


def test_greedy_grouping_takes_the_nearest_depot(three_depot_county):
    """Each greedy route runs on the copy of its vehicle kind whose depot legs are shortest
    (never on Oakham's merely because it is listed first); the plan is valid."""
    problem = three_depot_county.problem
    plan = greedy_grouping(problem)
    assert check(problem, plan) == []
    kind = {vt.id: vt.id.split("-", 1)[1] for vt in problem.vehicle_types}
    types = {vt.id: vt for vt in problem.vehicle_types}
    depots = set()
    for route in plan.routes:
        own = _depot_legs_m(problem, types[route.vehicle_type_id], route)
        copies = [vt for vt in problem.vehicle_types if kind[vt.id] == kind[route.vehicle_type_id]]
        assert own == min(_depot_legs_m(problem, vt, route) for vt in copies)
        depots.add(route.vehicle_type_id.split("-", 1)[0])
    assert len(depots) >= 2


def test_greedy_grouping_times_one_copy_per_vehicle_kind(three_depot_county, monkeypatch):
    """Copies of a kind that differ only in their depot are timed once per group tried (the
    nearest free one), so a county listing every district's copies costs no more timing than one."""
    import routing.baselines as baselines

    calls = {"try": 0, "time": 0}
    real_try, real_time = baselines._try_route, baselines.timed_route

    def counting_try(*a, **kw):
        calls["try"] += 1
        return real_try(*a, **kw)

    def counting_time(*a, **kw):
        calls["time"] += 1
        return real_time(*a, **kw)

    monkeypatch.setattr(baselines, "_try_route", counting_try)
    monkeypatch.setattr(baselines, "timed_route", counting_time)
    problem = three_depot_county.problem
    plan = greedy_grouping(problem)
    kinds = len({vt.id.split("-", 1)[1] for vt in problem.vehicle_types})
    assert check(problem, plan) == []
    assert calls["try"] > 0
    assert calls["time"] <= kinds * calls["try"]
