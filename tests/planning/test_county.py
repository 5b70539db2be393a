"""Planning a county by decomposition: the merged plan is valid against the one county problem."""

import numpy as np

from routing.matrix import compute_matrix
from routing.validate import check
from transport.planning.cohort import generate_scenario
from transport.planning.county import county_matrices, plan_county
from transport.planning.day import DayPlanDocument, validate_day_document
from transport.planning.plan import build_problem, scenario_locations, validate_document


def test_county_matrices_match_the_square_build(scenario30, county30, drive_net):
    """Chunked county matrices equal the ones build_problem computes in one go."""
    built, cm = county30
    direct = build_problem(scenario30, network=drive_net).problem
    assert np.array_equal(built.problem.duration_s, direct.duration_s)
    assert np.array_equal(built.problem.distance_m, direct.distance_m)
    assert cm.duration_s.dtype == np.int32 and cm.megabytes > 0


def test_county_matrices_in_row_blocks_over_processes_are_the_same(scenario30, drive_net):
    """Row blocks of 7 origins on 2 worker processes give the same matrices, value for value, as
    one process and as ``compute_matrix`` in one go (the fastest route's time and distance)."""
    locs = scenario_locations(scenario30, None)
    one = county_matrices(drive_net, locs, chunk=7, workers=1)
    two = county_matrices(drive_net, locs, chunk=7, workers=2)
    whole = compute_matrix(drive_net, [loc.point for loc in locs])
    assert len(locs) > 14
    for m in (one, two):
        assert np.array_equal(m.duration_s, whole.int_duration_s())
        assert np.array_equal(m.distance_m, whole.int_distance_m())


def test_decomposed_plan_is_valid_and_accounts_for_every_child(scenario30, county30, county_doc30):
    """Several sub-problems solved in parallel merge into a plan the validator accepts."""
    doc = county_doc30
    assert doc.plan.meta["subproblems"] >= 3
    assert doc.plan.meta["executor"] == "process_pool"
    assert doc.violations == []
    assert check(county30[0].problem, doc.plan) == []
    routed = doc.plan.routed_request_ids()
    left = [u.request_id for u in doc.plan.unassigned]
    assert sorted(routed + left) == sorted(c.id for c in scenario30.children)
    assert doc.kpis()["over_ride_limit"] == 0


def test_county_plan_passes_the_scenario_validator_from_scratch(scenario30, county_doc30, drive_net):
    """validate_document rebuilds the county problem itself and finds nothing wrong."""
    assert validate_document(scenario30, county_doc30, network=drive_net) == []


def test_county_plan_round_trips_as_json(scenario30, county_doc30, drive_net):
    """The stored document reads back and still validates."""
    from transport.planning.plan import PlanDocument

    again = PlanDocument.from_dict(county_doc30.to_dict())
    assert again.plan == county_doc30.plan
    assert validate_document(scenario30, again, network=drive_net) == []


def test_stop_before_start_gives_greedy_plans_that_still_validate(scenario30, county30, drive_net):
    """An interrupted run (stop asked at once) still returns a complete, valid plan."""
    from transport.planning.county import plan_county

    doc = plan_county(scenario30, time_limit_s=2, max_requests=8, max_workers=1, county=county30,
                      network=drive_net, should_stop=lambda: True)
    assert doc.plan.meta["interrupted"] is True
    assert doc.violations == []
    assert len(doc.plan.routed_request_ids()) + len(doc.plan.unassigned) == len(scenario30.children)


def test_county_day_plan_joins_cluster_days_and_validates_every_weekday(schools, postcodes, drive_net):
    """A day scenario through plan_county: clusters' days (both runs, part-time children and an
    early Friday included) are planned on workers, joined into one county day plan that passes
    check_day on every weekday, from scratch too; every child is carried or left out with a reason."""
    day = generate_scenario(30, seed=7, schools=schools, postcodes=postcodes, session="day")
    doc = plan_county(day, time_limit_s=6, max_requests=8, max_workers=2, network=drive_net)
    assert isinstance(doc, DayPlanDocument)
    assert doc.violations == []
    assert validate_day_document(day, doc, network=drive_net) == []
    assert doc.plan.meta["subproblems"] >= 3
    carried = [rid.split("@")[0] for duty in doc.plan.duties for rid in duty.children("am")]  # child@school: a placement
    left = [u.request_id.split("@")[0] for u in doc.plan.unassigned]
    assert set(carried) | set(left) == {c.id for c in day.children}
    assert not set(carried) & set(left)
    assert len(doc.plan.duties) >= 2 and doc.kpis()["day_cost_pence"] > 0
