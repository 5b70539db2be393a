"""Late applications leave every other route byte-for-byte alone; the rerun penalty limits moves."""

import json

import pytest

from routing.baselines import greedy_grouping
from routing.plan import Plan
from routing.validate import check
from tests.conftest import late_child
from transport.domain.errors import InputError
from routing.insertion import insert_requests
from transport.planning.late import insert_late_children
from transport.planning.rerun import moved_children, rerun


def _route_json(plan: Plan) -> list[str]:
    return [json.dumps(r, sort_keys=True) for r in plan.to_dict()["routes"]]


def test_late_insertion_changes_only_one_route(county_doc30, county30, postcodes, drive_net):
    """Every route but the one that takes the late child is byte-identical in the plan JSON."""
    child = late_child(county_doc30.scenario, postcodes)
    new_doc, res, _ = insert_late_children(county_doc30, [child], county=county30[0], network=drive_net)
    assert new_doc.violations == []
    before, after = _route_json(county_doc30.plan), _route_json(new_doc.plan)
    changed = [k for k in range(len(before)) if before[k] != after[k]]
    assert changed == list(res.changed_routes)
    assert len(changed) + len(res.new_routes) == 1
    assert after[len(before):] == [after[k] for k in res.new_routes]
    assert child.id in new_doc.plan.routed_request_ids()
    assert res.cost_delta == new_doc.plan.cost.total - county_doc30.plan.cost.total
    assert res.changes[0].request_id == child.id and res.changes[0].action in ("inserted", "new_vehicle")


def test_late_child_gets_a_new_vehicle_when_no_route_fits(county_doc30, county30, postcodes, drive_net):
    """A child who must travel alone cannot join a route: a new vehicle on a direct trip."""
    child = late_child(county_doc30.scenario, postcodes, cid="LATE2", travel_alone=True)
    new_doc, res, _ = insert_late_children(county_doc30, [child], county=county30[0], network=drive_net)
    assert new_doc.violations == []
    assert [c.action for c in res.changes] == ["new_vehicle"]
    assert _route_json(new_doc.plan)[:len(county_doc30.plan.routes)] == _route_json(county_doc30.plan)


def test_late_child_with_no_fitting_vehicle_is_reported(county30, county_doc30):
    """With no free vehicle anywhere and no room on a route, the child is unassigned with a reason."""
    from dataclasses import replace

    problem = county30[0].problem
    used: dict[str, int] = {}
    for r in county_doc30.plan.routes:
        used[r.vehicle_type_id] = used.get(r.vehicle_type_id, 0) + 1
    full = problem.replace(vehicle_types=tuple(replace(vt, count=used.get(vt.id, 0)) for vt in problem.vehicle_types))
    model = next(r for r in problem.requests if r.id in county_doc30.plan.routed_request_ids())
    lone = full.replace(requests=(*full.requests, replace(model, id="LATE-SOLO", solo=True, travel_group=None)))
    res = insert_requests(lone, county_doc30.plan, ["LATE-SOLO"])
    assert "LATE-SOLO" not in res.plan.routed_request_ids()
    assert res.plan.routes == county_doc30.plan.routes
    solo = lone.request("LATE-SOLO")
    assert res.plan.unassigned[-1].request_id == solo.id
    assert res.plan.unassigned[-1].reason.value == "fleet_exhausted"


def test_late_child_at_an_unknown_school_is_refused(county_doc30, county30, postcodes):
    """A school outside the plan's scenario is an input error naming the child and school."""
    child = late_child(county_doc30.scenario, postcodes, cid="LATE3", school_id="nowhere")
    with pytest.raises(InputError, match="LATE3"):
        insert_late_children(county_doc30, [child], county=county30[0])


def test_disruption_penalty_reduces_children_moved(county30):
    """Rerunning a greedy plan: a heavy penalty moves fewer children than no penalty."""
    problem = county30[0].problem
    start = greedy_grouping(problem)
    free = rerun(problem, start, disruption_penalty_pence=0, time_limit_s=3)
    heavy = rerun(problem, start, disruption_penalty_pence=1_000_000, time_limit_s=3)
    assert check(problem, free.plan) == [] and check(problem, heavy.plan) == []
    assert len(free.moved) > 0
    assert len(heavy.moved) < len(free.moved)
    assert free.saving >= heavy.saving >= 0
    assert list(free.moved) == moved_children(start, free.plan)


def test_moved_children_counts_a_split_route():
    """A child leaving the bulk of their route is moved; whole routes renumbered are not."""
    from routing.plan import Route, Stop, StopKind
    from routing.problem import Layout

    def route(ids, vi=0):
        stops = [Stop(0, None, StopKind.START, 0, 0, 0)]
        stops += [Stop(1, i, StopKind.PICKUP, 0, 0, 0) for i in ids]
        stops += [Stop(2, i, StopKind.DELIVERY, 0, 0, 0) for i in ids]
        return Route("taxi", vi, Layout(4), False, tuple(stops + [Stop(0, None, StopKind.END, 0, 0, 0)]))

    before = Plan((route(["a", "b", "c"]), route(["d"], 1)))
    after = Plan((route(["d"], 0), route(["a", "b"], 1), route(["c"], 2)))
    assert moved_children(before, after) == ["c"]
