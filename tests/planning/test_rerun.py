"""The county rerun: parts of the current plan rerun in parallel and merged into one valid plan."""

import json
import zlib
from dataclasses import replace

import pytest

from routing.baselines import greedy_grouping
from routing.plan import Plan
from routing.validate import check, recompute_cost
from transport.planning.county import planar_coords
from transport.planning.rerun import moved_children
from transport.planning import rerun as rerun_module
from transport.planning.rerun import RerunTaskResult, disruption, rerun_county, rerun_parts, rerun_task
from transport.domain.errors import RoutingError

_REAL_RERUN_TASK = rerun_task


def _odd_parts_find_nothing(task):
    """A part rerun in which odd-numbered parts find nothing better (runs in a forked worker)."""
    if task.index % 2:
        return RerunTaskResult(task.index, task.plan, 0.0)
    return _REAL_RERUN_TASK(task)


@pytest.fixture(scope="module")
def county48(schools, postcodes, drive_net):
    """48 synthetic children at real Rutland postcodes: the county problem, coordinates and a greedy plan."""
    from transport.planning.cohort import generate_scenario
    from transport.planning.county import build_county

    scenario = generate_scenario(48, seed=11, schools=schools, postcodes=postcodes)
    built, _ = build_county(scenario, network=drive_net)
    return built.problem, planar_coords(built.locations), greedy_grouping(built.problem)


@pytest.fixture(scope="module")
def roomy48(county48):
    """The same children with twice the fleet, and a poor start: each school's children split in two halves."""
    problem, coords, _ = county48
    problem = problem.replace(vehicle_types=tuple(replace(vt, count=2 * vt.count) for vt in problem.vehicle_types))
    halves = problem.replace(requests=tuple(
        replace(r, school_id=f"{r.school_id}-{zlib.crc32((r.travel_group or r.id).encode()) % 2}")
        for r in problem.requests))
    start = greedy_grouping(halves)
    start = Plan(start.routes, start.unassigned, recompute_cost(problem, start), start.meta)
    assert check(problem, start) == [] and not start.unassigned
    return problem, coords, start


@pytest.fixture(scope="module")
def reruns(roomy48):
    """The poor start rerun by parts with no penalty and with a heavy one."""
    problem, coords, start = roomy48
    kw = {"time_limit_s": 2.5, "max_requests": 15, "max_workers": 2, "coords_m": coords}
    free = rerun_county(problem, start, disruption_penalty_pence=0, **kw)
    heavy = rerun_county(problem, start, disruption_penalty_pence=1_000_000, **kw)
    return free, heavy


def _key(route):
    return (route.vehicle_type_id, route.vehicle_index)


def test_parts_cover_every_route_and_child_once(roomy48):
    """Each current route and each child is in exactly one part; vehicles are never shared."""
    problem, coords, start = roomy48
    parts = rerun_parts(problem, start, max_requests=15, coords_m=coords)
    assert len(parts) > 1
    positions = sorted(pos for p in parts for pos in p.route_positions)
    assert positions == list(range(len(start.routes)))
    ids = [rid for p in parts for rid in p.cluster.request_ids]
    assert sorted(ids) == sorted(r.id for r in problem.requests)
    for vt in problem.vehicle_types:
        used = [i for p in parts for i in p.vehicles[vt.id]]
        assert len(used) == len(set(used)) and all(0 <= i < vt.count for i in used)
    for p in parts:
        assert check(p.problem, p.plan) == []


def test_merged_rerun_is_valid_and_accounts_for_every_child(roomy48, reruns):
    """Valid on the county problem, every child routed or unassigned once, never dearer than before."""
    problem, _, start = roomy48
    everyone = sorted(r.id for r in problem.requests)
    for res in reruns:
        assert check(problem, res.plan) == []
        seen = res.plan.routed_request_ids() + [u.request_id for u in res.plan.unassigned]
        assert sorted(seen) == everyone
        assert len(res.plan.unassigned) <= len(start.unassigned)
        assert res.saving == start.cost.total - res.plan.cost.total >= 0
        assert list(res.moved) == moved_children(start, res.plan)
        assert res.plan.meta["rerun_parts"] > 1
    free, heavy = reruns
    assert free.saving > 0 and free.plan.meta["rerun_parts_changed"] > 0
    assert heavy.plan.cost.total + 1_000_000 * disruption(start, heavy.plan) <= start.cost.total


def test_larger_penalty_moves_no_more_children(reruns):
    """A heavy disruption penalty moves no more children than a free re-optimisation."""
    free, heavy = reruns
    assert len(heavy.moved) <= len(free.moved)
    assert len(free.moved) > 0


def test_unchanged_parts_stay_byte_identical(county48, reruns, roomy48, monkeypatch):
    """Routes of a part whose rerun changed nothing are the same objects, so their JSON is unchanged.

    The LNS finds something in nearly every part, so half the parts are made to find nothing
    (the workers are forked after the patch); the other half rerun for real."""
    problem, coords, start = county48
    monkeypatch.setattr(rerun_module, "rerun_task", _odd_parts_find_nothing)
    res = rerun_county(problem, start, disruption_penalty_pence=0, time_limit_s=2.0, max_requests=15,
                       max_workers=2, coords_m=coords)
    assert check(problem, res.plan) == []
    parts = rerun_parts(problem, start, max_requests=15, coords_m=coords)
    untouched = [p for p in parts
                 if all(any(res.plan.routes[k] is start.routes[pos] for k in range(len(res.plan.routes)))
                        for pos in p.route_positions)]
    assert len(untouched) >= len(parts) - res.plan.meta["rerun_parts_changed"] >= len(parts) // 2 >= 1
    for case_start, case in ((start, res), (roomy48[2], reruns[0]), (roomy48[2], reruns[1])):
        before = {_key(r): json.dumps(d, sort_keys=True)
                  for r, d in zip(case_start.routes, case_start.to_dict()["routes"])}
        after = {_key(r): json.dumps(d, sort_keys=True) for r, d in zip(case.plan.routes, case.plan.to_dict()["routes"])}
        same = [r for r in case.plan.routes if any(r is o for o in case_start.routes)]
        assert all(after[_key(r)] == before[_key(r)] for r in same)
    routes_of_untouched = [start.routes[pos] for p in untouched for pos in p.route_positions]
    assert all(any(r is o for o in res.plan.routes) for r in routes_of_untouched)


def test_rerun_document_reruns_big_plans_by_parts(county_doc30, county30):
    """Over ``max_requests`` children the document is rerun by parts; at or under it, as one model."""
    from transport.planning.rerun import rerun_document

    doc, res = rerun_document(county_doc30, disruption_penalty_pence=500, time_limit_s=2, county=county30[0],
                              max_requests=10, max_workers=2)
    assert doc.violations == [] and res.plan.meta["rerun_parts"] > 1
    assert res.saving >= 0
    doc, res = rerun_document(county_doc30, disruption_penalty_pence=500, time_limit_s=1, county=county30[0],
                              max_requests=100)
    assert doc.violations == [] and "rerun_parts" not in res.plan.meta


def test_routes_rerun_cli_by_parts(tmp_path, county_doc30):
    """``routes rerun --max-requests`` writes a valid plan and says how many parts it ran."""
    from typer.testing import CliRunner

    from transport.cli.main import app

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(county_doc30.to_dict()))
    res = CliRunner().invoke(app, ["routes", "rerun", str(a), "--disruption-penalty", "5", "--time-limit", "2",
                                   "--max-requests", "10", "--workers", "2", "--out", str(b)])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert "valid: yes" in said and " parts, " in said
    assert json.loads(b.read_text())["violations"] == []


def test_rerun_records_an_lns_error_as_solve_does(county30, monkeypatch):
    """An LNS that fails leaves OR-Tools' rerun standing, and the plan's meta says why (as solve() records it)."""
    problem = county30[0].problem
    start = greedy_grouping(problem)

    def broken(*args, **kwargs):
        raise RoutingError("LNS cannot check this problem: test")

    monkeypatch.setattr(rerun_module.lns, "improve", broken)
    res = rerun_module.rerun(problem, start, disruption_penalty_pence=1000, time_limit_s=1.0)
    assert res.plan.meta["lns_error"].startswith("RoutingError(")
    assert check(problem, res.plan) == [] and len(res.plan.unassigned) <= len(start.unassigned)
