"""Shared placements: a child at school A on some weekdays and school B on the others.

Each placement is routed as its own trip (``e@5``, ``e@6``); a route runs on the same stops every
week and skips the trips of other days; ``check_day`` holds that every child is carried exactly
once on every weekday they attend, to that weekday's school.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.day import DayProblem, DayRates
from routing.day_solve import solve_day
from routing.plan import Plan
from routing.problem import Layout, Load, Request, RoutingProblem, VehicleType
from routing.solve import SolveParams
from routing.validate import Cause, check_day
from tests.routing.test_day import BELLS, MIN, SCHOOL_A, SCHOOL_B, WEEK, _matrices
from transport.domain.errors import InputError

# trip id: (child, home, school, weekdays)
TRIPS = {"a": ("a", 1, SCHOOL_A, WEEK), "c": ("c", 3, SCHOOL_B, WEEK),
         "e@5": ("e", 2, SCHOOL_A, ("mon", "tue", "wed")), "e@6": ("e", 2, SCHOOL_B, ("thu", "fri"))}
TIMETABLE = {"a": dict.fromkeys(WEEK, "5"), "c": dict.fromkeys(WEEK, "6"),
             "e": {"mon": "5", "tue": "5", "wed": "5", "thu": "6", "fri": "6"}}


def _requests(run: str, weekday: str | None) -> tuple[Request, ...]:
    out = []
    for rid, (_, home, school, days) in TRIPS.items():
        if weekday is not None and weekday not in days:
            continue
        start, finish = BELLS[school]
        common = dict(load=Load(1, 0), pickup_service_s=MIN, delivery_service_s=MIN, max_ride_time_s=45 * MIN,
                      school_id=str(school))
        if run == "am":
            out.append(Request(rid, home, school, delivery_window_s=(start - 20 * MIN, start - 5 * MIN), **common))
        else:
            out.append(Request(rid, school, home, pickup_window_s=(finish + 5 * MIN, finish + 20 * MIN), **common))
    return tuple(out)


def make_shared(timetable=TIMETABLE) -> DayProblem:
    dur, dist = _matrices()
    fleet = (VehicleType("car", 4, (Layout(4, 0),), pence_per_km=50),)

    def run(label: str, weekday: str | None) -> RoutingProblem:
        return RoutingProblem(dur, dist, _requests(label, weekday), fleet, name=f"{label} {weekday}")

    return DayProblem(WEEK, tuple(run("am", d) for d in WEEK), tuple(run("pm", d) for d in WEEK),
                      run("am", None), run("pm", None), {"car": DayRates(5000, 8000)}, name="shared",
                      trips={"e@5": "e", "e@6": "e"}, timetable=timetable)


@pytest.fixture(scope="module")
def shared_plan():
    problem = make_shared()
    return problem, solve_day(problem, SolveParams(time_limit_s=1.0))


def test_each_placement_is_routed_and_the_plan_passes_every_weekday(shared_plan):
    """e goes to school 5 Monday to Wednesday and to school 6 on Thursday and Friday, both ways."""
    problem, plan = shared_plan
    assert check_day(problem, plan) == [] and not plan.unassigned
    for day in plan.days:
        for run in (day.am, day.pm):
            carried = run.routed_request_ids()
            want = "e@5" if day.weekday in ("mon", "tue", "wed") else "e@6"
            assert want in carried and ({"e@5", "e@6"} - {want}).isdisjoint(carried)
    weekly = {rid for d in plan.duties for rid in d.children("am")}
    assert {"e@5", "e@6"} <= weekly  # both placements are on the weekly duties; days skip the other


def test_a_timetable_that_disagrees_with_the_weekday_problems_is_refused():
    """The problem itself refuses a trip to another school than the timetable's (named)."""
    wrong = {**TIMETABLE, "e": {**TIMETABLE["e"], "thu": "5"}}
    with pytest.raises(InputError, match="thu: trip 'e@6' goes to school '6'"):
        make_shared(wrong)
    with pytest.raises(InputError, match="mon: child 'z' attends but has no trip"):
        make_shared({**TIMETABLE, "z": {"mon": "5"}})


def _rename(run: Plan, old: str, new: str) -> Plan:
    routes = tuple(replace(r, stops=tuple(replace(s, request_id=new) if s.request_id == old else s for s in r.stops))
                   for r in run.routes)
    return replace(run, routes=routes)


def _day(plan, d, **runs):
    return replace(plan, days=plan.days[:d] + (replace(plan.days[d], **runs),) + plan.days[d + 1:])


def _wrong_school_on_a_day(problem, plan, draw):
    """On a weekday at school 5 the run takes e to school 6 (the other placement's trip)."""
    d = draw(st.integers(0, 2))
    run = draw(st.sampled_from(["am", "pm"]))
    return _day(plan, d, **{run: _rename(getattr(plan.days[d], run), "e@5", "e@6")})


def _trip_dropped_on_a_day(problem, plan, draw):
    """On one weekday e's stops vanish from a run: e is not carried and not listed as left out."""
    d = draw(st.integers(0, 4))
    run_name = draw(st.sampled_from(["am", "pm"]))
    run = getattr(plan.days[d], run_name)
    gone = "e@5" if d < 3 else "e@6"
    routes = tuple(replace(r, stops=tuple(s for s in r.stops if s.request_id != gone)) for r in run.routes)
    return _day(plan, d, **{run_name: replace(run, routes=routes)})


def _carried_twice_on_a_day(problem, plan, draw):
    """On one weekday e is carried on both placements' trips."""
    d = draw(st.integers(0, 4))
    other = plan.days[3 if d < 3 else 0]
    theirs = "e@6" if d < 3 else "e@5"
    route = next(r for r in other.am.routes if theirs in {s.request_id for s in r.stops})
    extra = replace(route, vehicle_index=route.vehicle_index + 10)
    return _day(plan, d, am=replace(plan.days[d].am, routes=plan.days[d].am.routes + (extra,)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_placement_corruption_is_caught(shared_plan, data):
    """A trip to the wrong school, a dropped trip or a child carried twice on a day: cause placement."""
    problem, plan = shared_plan
    corrupt = data.draw(st.sampled_from([_wrong_school_on_a_day, _trip_dropped_on_a_day, _carried_twice_on_a_day]))
    bad = corrupt(problem, plan, data.draw)
    found = [v for v in check_day(problem, bad) if v.cause is Cause.PLACEMENT]
    assert found, corrupt.__name__
    assert all(v.weekday is not None for v in found) and any("'e'" in v.detail for v in found)


def test_a_left_out_placement_is_no_placement_violation(shared_plan):
    """A trip listed as left out (with its reason) is accounted for on its days only."""
    from routing.plan import Unassigned, UnassignedReason

    problem, plan = shared_plan
    left = Unassigned("e@6", UnassignedReason.WINDOW_INFEASIBLE, "test")
    duties = tuple(replace(d, am=tuple(s for s in d.am if s[1] != "e@6"), pm=tuple(s for s in d.pm if s[1] != "e@6"))
                   for d in plan.duties)
    days = tuple(replace(r, am=_drop(r.am, "e@6"), pm=_drop(r.pm, "e@6")) for r in plan.days)
    moved = replace(plan, duties=duties, days=days, unassigned=(left,))
    assert not [v for v in check_day(problem, moved) if v.cause is Cause.PLACEMENT]
    wrong = replace(moved, unassigned=(replace(left, request_id="e@5"),))
    assert [v for v in check_day(problem, wrong) if v.cause is Cause.PLACEMENT and v.weekday == "thu"]


def _drop(run: Plan, rid: str) -> Plan:
    routes = tuple(replace(r, stops=tuple(s for s in r.stops if s.request_id != rid)) for r in run.routes)
    return replace(run, routes=tuple(r for r in routes if len(r.stops) > 2))
