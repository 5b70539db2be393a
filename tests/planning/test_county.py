"""Planning a county by decomposition: the merged plan is valid against the one county problem."""

import numpy as np

from routing.validate import check
from transport.planning.plan import build_problem, validate_document


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
    from routing.matrix import compute_matrix
    from transport.planning.county import county_matrices
    from transport.planning.plan import scenario_locations

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
