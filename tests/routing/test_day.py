"""The school day: solve_day's plans pass check_day on every weekday; check_day catches corruptions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.day import DayPlan, DayProblem, DayRates
from routing.day_baselines import grow_network, naive_day
from routing.day_solve import bell_classes, solve_day
from routing.plan import Plan, Stop
from routing.problem import Layout, Load, Request, RoutingProblem, VehicleType
from routing.solve import SolveParams
from routing.validate import Cause, check_day, recompute_day_cost

MIN = 60
WEEK = ("mon", "tue", "wed", "thu", "fri")
SCHOOL_A, SCHOOL_B = 5, 6
# child: (home, school, weekdays attended)
CHILDREN = {"a": (1, SCHOOL_A, WEEK), "b": (2, SCHOOL_A, WEEK), "c": (3, SCHOOL_B, WEEK),
            "d": (4, SCHOOL_B, ("mon", "tue", "wed"))}
BELLS = {SCHOOL_A: (9 * 3600, 15 * 3600), SCHOOL_B: (9 * 3600, 15 * 3600)}
FRIDAY_FINISH_B = 13 * 3600 + 45 * MIN


def _matrices():
    """Depot 0, homes 1-4, schools 5 and 6: 10 minutes apart, the depot 5 minutes from all."""
    m = np.full((7, 7), 10.0)
    m[0, :] = m[:, 0] = 5.0
    np.fill_diagonal(m, 0)
    m[1, 2] = m[2, 1] = m[3, 4] = m[4, 3] = 4.0
    return np.rint(m * MIN).astype(int), np.rint(m * 500).astype(int)


def _requests(run: str, weekday: str | None) -> tuple[Request, ...]:
    out = []
    for cid, (home, school, days) in CHILDREN.items():
        if weekday is not None and weekday not in days:
            continue
        start, finish = BELLS[school]
        if school == SCHOOL_B and weekday == "fri":
            finish = FRIDAY_FINISH_B
        common = dict(load=Load(1, 0), pickup_service_s=MIN, delivery_service_s=MIN, max_ride_time_s=45 * MIN,
                      school_id=str(school))
        if run == "am":
            out.append(Request(cid, home, school, delivery_window_s=(start - 20 * MIN, start - 5 * MIN), **common))
        else:
            out.append(Request(cid, school, home, pickup_window_s=(finish + 5 * MIN, finish + 20 * MIN), **common))
    return tuple(out)


def make_day(afternoon: str = "same_vehicle", wait: bool = True, cars: int = 4) -> DayProblem:
    dur, dist = _matrices()
    fleet = (VehicleType("car", cars, (Layout(4, 0),), pence_per_km=50),)

    def run(label: str, weekday: str | None) -> RoutingProblem:
        return RoutingProblem(dur, dist, _requests(label, weekday), fleet, name=f"{label} {weekday}")

    return DayProblem(WEEK, tuple(run("am", d) for d in WEEK), tuple(run("pm", d) for d in WEEK),
                      run("am", None), run("pm", None), {"car": DayRates(5000, 8000)},
                      afternoon=afternoon, wait_near_school=wait, name="two schools")  # type: ignore[arg-type]


PARAMS = SolveParams(time_limit_s=1.0)


@pytest.fixture(scope="module")
def day_plan():
    """The same-vehicle day of the two-school week."""
    problem = make_day()
    return problem, solve_day(problem, PARAMS)


def test_day_plan_passes_the_validator_on_every_weekday(day_plan):
    """Both runs on all five weekdays, continuity and the day cost check out."""
    problem, plan = day_plan
    assert check_day(problem, plan) == []
    assert [d.weekday for d in plan.days] == list(WEEK) and not plan.unassigned


def test_children_go_home_on_the_vehicle_that_brought_them(day_plan):
    """By default each child's afternoon duty is their morning duty, and the plan says so."""
    _, plan = day_plan
    assert plan.afternoon == "same_vehicle"
    assert plan.duty_of("am") == plan.duty_of("pm")


def test_early_friday_school_is_never_mixed_with_a_normal_one(day_plan):
    """School B finishes early on Friday, so it is its own bell class and its own vehicles."""
    problem, plan = day_plan
    assert sorted(map(sorted, bell_classes(problem))) == [["a", "b"], ["c", "d"]]
    for duty in plan.duties:
        schools = {problem.am_week.request(rid).school_id for rid in duty.children("am")}
        assert len(schools) == 1


def test_part_time_child_is_skipped_on_days_they_do_not_attend(day_plan):
    """d travels Monday to Wednesday: Thursday's runs leave them out, the duty's order stays."""
    _, plan = day_plan
    thu = plan.days[3]
    assert "d" not in thu.am.routed_request_ids() and "d" not in thu.pm.routed_request_ids()
    assert "d" in plan.days[0].am.routed_request_ids()


def test_day_rate_is_paid_once_per_vehicle_for_both_runs(day_plan):
    """Each vehicle that runs pays its fixed day rate once, not once per run."""
    problem, plan = day_plan
    mon = plan.days[0]
    assert mon.cost.fixed_pence == 5000 * len(plan.duties)
    assert mon.cost == recompute_day_cost(problem, plan, 0)


def test_waiting_near_school_drives_fewer_miles_than_going_back_to_base():
    """With waiting allowed the vehicle goes school to school; without it, back to base and out."""
    wait = solve_day(make_day(wait=True), PARAMS)
    base = solve_day(make_day(wait=False), PARAMS)
    assert all(d.between == "depot" for d in base.duties)
    assert wait.days[0].cost.distance_m < base.days[0].cost.distance_m


def test_free_afternoon_chains_runs_onto_vehicles_and_says_so():
    """Planned freely, the afternoon still uses no more vehicles than the busier run needs."""
    problem = make_day(afternoon="free")
    plan = solve_day(problem, PARAMS)
    assert plan.afternoon == "free" and check_day(problem, plan) == []
    assert len(plan.duties) <= max(len(plan.days[0].am.routes), len(plan.days[0].pm.routes))


def test_plan_round_trips_through_json(day_plan):
    """to_dict/from_dict give back the same day plan."""
    _, plan = day_plan
    assert DayPlan.from_dict(plan.to_dict()) == plan


# ---------------------------------------------------------------- corruptions the validator must catch


def _swap_home_vehicle(problem, plan, draw):
    """A child goes home on another duty's vehicle."""
    if len(plan.duties) < 2:
        return None
    k = draw(st.integers(0, len(plan.duties) - 1))
    other = (k + 1) % len(plan.duties)
    duties = list(plan.duties)
    a, b = duties[k], duties[other]
    duties[k], duties[other] = replace(a, pm=b.pm), replace(b, pm=a.pm)
    return replace(plan, duties=tuple(duties)), {Cause.SAME_VEHICLE_HOME}


def _afternoon_before_morning_ends(problem, plan, draw):
    """A weekday's afternoon run starts before the vehicle can be back from its morning."""
    d = draw(st.integers(0, len(plan.days) - 1))
    run = plan.days[d]
    route = run.pm.routes[0]
    shift = route.stops[-1].departure_s  # move the whole run a day's worth earlier
    stops = tuple(Stop(s.location, s.request_id, s.kind, s.arrival_s - shift, s.service_start_s - shift,
                       s.departure_s - shift) for s in route.stops)
    pm = Plan((replace(route, stops=stops),) + run.pm.routes[1:], run.pm.unassigned, run.pm.cost)
    days = plan.days[:d] + (replace(run, pm=pm),) + plan.days[d + 1:]
    return replace(plan, days=days), {Cause.VEHICLE_CONTINUITY, Cause.WINDOW}


def _wrong_day_cost(problem, plan, draw):
    """A weekday states a day cost that the tariffs do not give."""
    d = draw(st.integers(0, len(plan.days) - 1))
    delta = draw(st.integers(1, 10_000))
    run = plan.days[d]
    days = plan.days[:d] + (replace(run, cost=replace(run.cost, fixed_pence=run.cost.fixed_pence - delta)),) \
        + plan.days[d + 1:]
    return replace(plan, days=days), {Cause.DAY_COST_MISMATCH}


def _absent_child_kept_on_thursday(problem, plan, draw):
    """Thursday's runs are Monday's: the part-time child d is carried on a day they stay home."""
    days = plan.days[:3] + (replace(plan.days[0], weekday="thu"),) + plan.days[4:]
    return replace(plan, days=days), {Cause.UNKNOWN_REQUEST}


def _left_out_of_the_afternoon(problem, plan, draw):
    """A child's afternoon stops vanish from the weekly duty (and every weekday's run)."""
    k = draw(st.integers(0, len(plan.duties) - 1))
    duty = plan.duties[k]
    gone = duty.children("pm")[0]
    duties = plan.duties[:k] + (replace(duty, pm=tuple(s for s in duty.pm if s[1] != gone)),) + plan.duties[k + 1:]
    return replace(plan, duties=duties), {Cause.HALF_DAY}


def _order_differs_by_weekday(problem, plan, draw):
    """The weekly order of a duty is not what runs on the weekdays."""
    k = draw(st.integers(0, len(plan.duties) - 1))
    duty = plan.duties[k]
    if len(duty.am) < 4:
        return None
    am = duty.am[2:] + duty.am[:2]
    duties = plan.duties[:k] + (replace(duty, am=am),) + plan.duties[k + 1:]
    return replace(plan, duties=duties), {Cause.WEEKLY_ORDER}


CORRUPTIONS = [_swap_home_vehicle, _afternoon_before_morning_ends, _wrong_day_cost, _absent_child_kept_on_thursday,
               _left_out_of_the_afternoon, _order_differs_by_weekday]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_day_corruption_is_caught_with_its_cause(day_plan, data):
    """Each corruption of a valid day plan is reported with the cause it breaks."""
    problem, plan = day_plan
    corrupt = data.draw(st.sampled_from(CORRUPTIONS))
    result = corrupt(problem, plan, data.draw)
    if result is None:
        return
    bad, causes = result
    found = {v.cause for v in check_day(problem, bad)}
    assert found & causes, f"{corrupt.__name__}: found {found}"


def test_waiting_where_the_policy_forbids_it_is_a_violation(day_plan):
    """A duty that waits near the school breaks a policy that sends vehicles back to base."""
    problem, plan = day_plan
    strict = replace(problem, wait_near_school=False)
    waiting = replace(plan, duties=tuple(replace(d, between="wait") for d in plan.duties))
    assert Cause.DUTY in {v.cause for v in check_day(strict, waiting)}


def test_naive_day_pays_per_run_and_costs_more(day_plan):
    """am and pm planned apart, a vehicle per run: valid, and dearer than the day plan."""
    problem, plan = day_plan
    hired, naive = naive_day(problem, PARAMS)
    assert check_day(hired, naive) == []
    assert all(not (d.am and d.pm) for d in naive.duties)
    assert naive.week_cost_pence() > plan.week_cost_pence()


def test_grown_network_keeps_every_child_and_is_never_cheaper(day_plan):
    """Children joined one at a time (same school only): every child carried, validated, no cheaper."""
    problem, plan = day_plan
    hired, grown = grow_network(problem, seed=3, solo_share=0.5)
    assert not grown.unassigned
    assert {v.cause for v in check_day(hired, grown)} <= {Cause.RIDE_TIME_EXCEEDED}
    assert grown.week_cost_pence() >= plan.week_cost_pence()


def test_large_classes_are_cut_into_parts_that_keep_siblings_and_cover_everyone():
    """parts() never exceeds its size, keeps every child exactly once and siblings together."""
    from routing.day_solve import parts

    problem = make_day()
    ids = [r.id for r in problem.am_week.requests]
    cut = parts(problem, ids, max_children=1)
    assert sorted(c for p in cut for c in p) == sorted(ids) and all(len(p) == 1 for p in cut)
    assert parts(problem, ids, max_children=10) == [ids]
    plan = solve_day(problem, PARAMS, max_children=2)
    assert check_day(problem, plan) == [] and not plan.unassigned


def test_a_solo_child_with_a_sibling_is_left_out_with_conflicting_rules():
    """Travel alone and travel with a sibling cannot both hold: reported, never put together."""
    problem = make_day()

    def clash(p):
        reqs = tuple(replace(r, solo=r.id == "a", travel_group="ab" if r.id in ("a", "b") else None)
                     for r in p.requests)
        return p.replace(requests=reqs)

    problem = replace(problem, am=tuple(map(clash, problem.am)), pm=tuple(map(clash, problem.pm)),
                      am_week=clash(problem.am_week), pm_week=clash(problem.pm_week))
    plan = solve_day(problem, PARAMS)
    assert check_day(problem, plan) == []
    assert {u.request_id for u in plan.unassigned} == {"a", "b"}


def _joint_route_distance_m(joint, duty) -> int:
    """Metres of a duty's whole day as the joint problem (the search's objective) prices it."""
    from routing.day_solve import PM_SUFFIX

    by_id = joint._request_by_id()
    vt = joint.vehicle_type(duty.vehicle_type_id)
    path = [vt.start_depot]
    for run, order in (("am", duty.am), ("pm", duty.pm)):
        for kind, rid in order:
            r = by_id[rid if run == "am" else rid + PM_SUFFIX]
            path.append(r.pickup if kind == "pickup" else r.delivery)
    path.append(vt.end_depot)
    return sum(int(joint.distance_m[a, b]) for a, b in zip(path, path[1:]))


@pytest.mark.parametrize("wait", [True, False])
def test_the_search_prices_the_between_runs_leg_as_the_plan_does(wait):
    """The joint problem's metres for each duty's day are the plan's (and validator's) metres on a
    day everyone attends: school to school when waiting, school -> base -> school when not."""
    from routing.day_solve import joint_problem

    problem = make_day(wait=wait)
    plan = solve_day(problem, PARAMS)
    assert check_day(problem, plan) == []
    ids = [r.id for r in problem.am_week.requests]
    joint = joint_problem(problem, ids, {"car": 4})
    mon = plan.days[0]  # everyone attends on Monday
    assert sum(_joint_route_distance_m(joint, d) for d in plan.duties) == mon.cost.distance_m
    assert all(d.between == ("wait" if wait else "depot") for d in plan.duties if d.am and d.pm)


def test_the_disruption_penalty_is_inside_the_day_search():
    """Today a and e share a vehicle; pairing a with b is cheaper. With a penalty per extra
    vehicle today's routes are spread over, the search itself keeps a and e together."""
    dur, dist = _matrices()
    fleet = (VehicleType("car", 3, (Layout(2, 0),), pence_per_km=50),)
    start, finish = BELLS[SCHOOL_A]

    def run(label: str, weekday: str | None) -> RoutingProblem:
        common = dict(load=Load(1, 0), pickup_service_s=MIN, delivery_service_s=MIN, max_ride_time_s=45 * MIN,
                      school_id=str(SCHOOL_A))
        reqs = tuple(Request(c, home, SCHOOL_A, delivery_window_s=(start - 20 * MIN, start - 5 * MIN), **common)
                     if label == "am" else
                     Request(c, SCHOOL_A, home, pickup_window_s=(finish + 5 * MIN, finish + 20 * MIN), **common)
                     for c, home in (("a", 1), ("b", 2), ("e", 3)))
        return RoutingProblem(dur, dist, reqs, fleet, name=f"{label} {weekday}")

    problem = DayProblem(WEEK, tuple(run("am", d) for d in WEEK), tuple(run("pm", d) for d in WEEK),
                         run("am", None), run("pm", None), {"car": DayRates(5000, 0)}, name="three")
    free = solve_day(problem, PARAMS)
    assert check_day(problem, free) == [] and {"a", "b"} in [set(d.children("am")) for d in free.duties]
    kept = solve_day(problem, PARAMS, current=(("a", "e"), ("b",)), disruption_penalty_pence=1_000_000)
    assert check_day(problem, kept) == []
    assert {"a", "e"} in [set(d.children("am")) for d in kept.duties]
    assert kept.meta["disruption_penalty_pence"] == 1_000_000


def test_children_a_starved_search_leaves_out_are_solved_again_together(monkeypatch):
    """When the first search of a part places nobody (no time on a busy machine), its children are
    solved again together and share a vehicle, rather than one vehicle each."""
    import routing.day_solve as day_solve
    from routing.plan import Unassigned, UnassignedReason

    real, calls = day_solve.solve, []

    def starved(problem, params, **kw):
        calls.append(len(problem.requests))
        plan = real(problem, params, **kw)
        if len(calls) > 1:
            return plan
        left = tuple(Unassigned(r.id, UnassignedReason.SOLVER_DROPPED, "no time") for r in problem.requests)
        return Plan((), left, plan.cost)

    monkeypatch.setattr(day_solve, "solve", starved)
    problem = make_day()
    plan = solve_day(problem, PARAMS)
    assert check_day(problem, plan) == [] and not plan.unassigned
    first = set(bell_classes(problem)[0])
    assert calls[:2] == [2 * len(first), 2 * len(first)]  # the same children, solved again
    assert sum(1 for d in plan.duties if set(d.children("am")) & first) == 1  # sharing one vehicle
