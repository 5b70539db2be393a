"""Late insertion on the late-insertion problem (the routes near the late children) gives the plan
the whole county problem gives, validated, with every child exactly once."""

import random
from dataclasses import replace

import pytest

from routing.insertion import InsertResult, insert_requests
from routing.network import build_network
from routing.plan import Route
from routing.validate import check
from tests.conftest import late_child, two_drive_tiles
from transport.domain.geo import LatLon
from transport.domain.scenario import Point, ScenarioChild
from transport.domain.schools import school_from_attributes
from transport.planning.cohort import generate_scenario
from transport.planning.county import build_county, plan_county
from transport.domain.errors import InputError
from transport.planning import late
from transport.planning.late import (
    _county_violation,
    insert_late_children,
    insert_late_children_full,
    splice,
    with_late_children,
)
from transport.planning.nearby import nearby_problem
from transport.planning.plan import PlanDocument


@pytest.fixture(autouse=True)
def _never_dense(monkeypatch):
    """Rutland is one dense county (most schools within 10 minutes of each other), where the whole
    county problem would be solved instead: these tests solve the late-insertion problem."""
    monkeypatch.setattr(late, "DENSE_SHARE", 1.0)


def _both(doc, kids, county, net):
    near = insert_late_children(doc, kids, county=county, network=net)
    full = insert_late_children_full(doc, kids, county=county, network=net)
    return near, full


def _once(doc) -> None:
    """Every child of the document's scenario is routed exactly once or unassigned exactly once."""
    routed = [rid for r in doc.plan.routes for rid in r.request_ids()]
    left = [u.request_id for u in doc.plan.unassigned]
    assert sorted(routed + left) == sorted(c.id for c in doc.scenario.children)


@pytest.mark.parametrize("school_at", range(6))
def test_nearby_insertion_equals_the_whole_county_insertion(county_doc30, county30, postcodes, drive_net, school_at):
    """For a late child at each of six schools: the same plan (routes, costs, unassigned), the same
    changes, the same locations, valid, from a problem over only the nearby routes."""
    sid = county_doc30.scenario.schools[school_at].id
    kid = late_child(county_doc30.scenario, postcodes, school_id=sid)
    (doc, res, nearby), (full_doc, full_res, _) = _both(county_doc30, [kid], county30[0], drive_net)
    assert doc.violations == [] and full_doc.violations == []
    assert doc.plan.to_dict() == full_doc.plan.to_dict()
    assert res.changes == full_res.changes and res.changed_routes == full_res.changed_routes
    assert res.new_routes == full_res.new_routes and res.cost_delta == full_res.cost_delta
    assert doc.locations == full_doc.locations
    assert doc.scenario.digest() == full_doc.scenario.digest()
    assert len(nearby.route_positions) < len(county_doc30.plan.routes)
    _once(doc)
    # untouched routes are the very same objects
    changed = set(res.changed_routes)
    assert all(doc.plan.routes[k] is r for k, r in enumerate(county_doc30.plan.routes) if k not in changed)


def test_several_late_children_with_siblings_and_a_wheelchair(county_doc30, county30, postcodes, drive_net):
    """Five late children at once (two siblings travelling as one unit, a wheelchair user, a child
    who travels alone) at three schools: the same plan as the whole county problem, valid."""
    scen = county_doc30.scenario
    s0, s1, s2 = (s.id for s in scen.schools[:3])
    kids = [late_child(scen, postcodes, cid="LATE-A", school_id=s0, sibling_group="late-fam"),
            late_child(scen, postcodes, cid="LATE-B", school_id=s0, sibling_group="late-fam"),
            late_child(scen, postcodes, cid="LATE-C", postcode="LE15 8BN", school_id=s1, wheelchair=True),
            late_child(scen, postcodes, cid="LATE-D", postcode="PE9 3SX", school_id=s2, travel_alone=True),
            late_child(scen, postcodes, cid="LATE-E", postcode="LE15 9EL", school_id=s2)]
    (doc, res, _), (full_doc, full_res, _) = _both(county_doc30, kids, county30[0], drive_net)
    assert doc.violations == full_doc.violations == []
    assert doc.plan.to_dict() == full_doc.plan.to_dict() and res.changes == full_res.changes
    assert doc.locations == full_doc.locations
    _once(doc)
    by_id = {c.request_id: c for c in res.changes}
    assert by_id["LATE-A"].route_index == by_id["LATE-B"].route_index is not None


def test_nearby_matrices_computed_on_the_network_equal_the_county_block(county_doc30, county30, postcodes, drive_net):
    """Without the county matrices (a plan read from a file), the nearby locations' matrices are
    searched on the network: the same plan as with the county's block."""
    kid = late_child(county_doc30.scenario, postcodes, postcode="LE15 8BN",
                     school_id=county_doc30.scenario.schools[3].id)
    with_county, _, a = insert_late_children(county_doc30, [kid], county=county30[0], network=drive_net)
    on_network, _, b = insert_late_children(county_doc30, [kid], network=drive_net)
    assert on_network.violations == []
    assert on_network.plan.to_dict() == with_county.plan.to_dict()
    assert (a.problem.duration_s == b.problem.duration_s).all() and (a.problem.distance_m == b.problem.distance_m).all()


def test_a_child_no_nearby_route_or_free_vehicle_can_take_is_unassigned_with_the_reason(county_doc30, county30,
                                                                                        postcodes, drive_net):
    """Every vehicle in use and a child who must travel alone: unassigned (fleet exhausted), the
    plan otherwise unchanged and valid, every child exactly once; the whole county problem agrees."""
    used: dict[str, int] = {}
    routes = []
    for r in county_doc30.plan.routes:  # vehicles renumbered 0, 1, ... per type, and no more of them
        routes.append(replace(r, vehicle_index=used.get(r.vehicle_type_id, 0)))
        used[r.vehicle_type_id] = used.get(r.vehicle_type_id, 0) + 1
    scen = county_doc30.scenario
    full_fleet = scen.model_copy(update={"fleet": tuple(v.model_copy(update={"count": used.get(v.id, 0)})
                                                        for v in scen.fleet)})
    plan = replace(county_doc30.plan, routes=tuple(routes))
    doc = PlanDocument(scenario=full_fleet, plan=plan, locations=county_doc30.locations)
    kid = late_child(scen, postcodes, cid="LATE-SOLO", travel_alone=True)
    new_doc, res, _ = insert_late_children(doc, [kid], network=drive_net)
    assert new_doc.violations == []
    assert [c.action for c in res.changes] == ["unassigned"]
    assert new_doc.plan.unassigned[-1].request_id == "LATE-SOLO"
    assert new_doc.plan.unassigned[-1].reason.value == "fleet_exhausted"
    assert new_doc.plan.routes == plan.routes and new_doc.plan.cost == plan.cost
    _once(new_doc)
    full_doc, full_res, _ = insert_late_children_full(doc, [kid], network=drive_net)
    assert full_doc.plan.to_dict() == new_doc.plan.to_dict()


def test_a_late_sibling_of_a_routed_child_brings_the_siblings_route(county_doc30, county30, postcodes, drive_net):
    """A late child in an existing child's travel group: that child's route is in the late-insertion
    problem, so the validator sees the whole group, and finds what the whole county check finds."""
    scen = county_doc30.scenario
    routed = county_doc30.plan.routes[0].request_ids()[0]
    sibling = next(c for c in scen.children if c.id == routed)
    group = sibling.sibling_group or "grp-existing"
    kids = tuple(c.model_copy(update={"sibling_group": group}) if c.id == routed else c for c in scen.children)
    doc = PlanDocument(scenario=scen.model_copy(update={"children": kids}), plan=county_doc30.plan,
                       locations=county_doc30.locations)
    far_school = next(s.id for s in scen.schools if s.id != sibling.school_id)
    for school_id in (sibling.school_id, far_school):
        kid = late_child(scen, postcodes, cid="LATE-SIB", school_id=school_id, sibling_group=group)
        (near, _, nearby), (full, _, _) = _both(doc, [kid], county30[0], drive_net)
        assert 0 in nearby.route_positions
        assert sorted(v["cause"] for v in near.violations) == sorted(v["cause"] for v in full.violations)
        assert near.plan.to_dict() == full.plan.to_dict()


def test_a_spliced_route_that_breaks_a_rule_is_reported_on_its_county_route(county_doc30, county30, postcodes,
                                                                            drive_net):
    """The late-insertion problem's validator runs on the routes that changed: a changed route
    with a stop made too late is reported against its county route number."""
    kid = late_child(county_doc30.scenario, postcodes)
    scenario = with_late_children(county_doc30, [kid])
    nearby = nearby_problem(county_doc30, scenario, [kid], county=county30[0], network=drive_net)
    local = insert_requests(nearby.problem, nearby.plan, [kid.id])
    k = (local.changed_routes or local.new_routes)[0]
    route = local.plan.routes[k]
    late_stop = replace(route.stops[-2], arrival_s=route.stops[-2].arrival_s + 7200,
                        service_start_s=route.stops[-2].service_start_s + 7200,
                        departure_s=route.stops[-2].departure_s + 7200)
    broken_route = Route(route.vehicle_type_id, route.vehicle_index, route.layout, route.has_assistant,
                         route.stops[:-2] + (late_stop,) + route.stops[-1:])
    routes = list(local.plan.routes)
    routes[k] = broken_route
    broken = InsertResult(replace(local.plan, routes=tuple(routes)), local.changes, local.changed_routes,
                          local.new_routes, local.cost_delta, local.seconds)
    found = [_county_violation(v, nearby, len(county_doc30.plan.routes)) for v in check(nearby.problem, broken.plan)]
    plan, res = splice(county_doc30.plan, nearby, broken)
    assert found
    county_k = (res.changed_routes or res.new_routes)[0]
    assert {v.route_index for v in found if v.route_index is not None} == {county_k}
    assert plan.routes[county_k].stops[-2].arrival_s == late_stop.arrival_s


def test_a_dense_county_falls_back_to_the_whole_county_problem(county_doc30, county30, postcodes, drive_net,
                                                               monkeypatch):
    """When the nearby part would be most of the county's locations and the county matrices are
    given, the whole county problem is solved instead: the same plan, validated whole."""
    kid = late_child(county_doc30.scenario, postcodes)
    nearby_doc, _, nearby = insert_late_children(county_doc30, [kid], county=county30[0], network=drive_net)
    monkeypatch.setattr(late, "DENSE_SHARE", 0.0)
    dense_doc, _, solved = insert_late_children(county_doc30, [kid], county=county30[0], network=drive_net)
    assert solved.problem.num_locations == len(dense_doc.locations) > nearby.problem.num_locations
    assert dense_doc.violations == [] and dense_doc.plan.to_dict() == nearby_doc.plan.to_dict()


def test_a_late_child_kept_apart_from_an_unknown_child_is_refused(county_doc30, postcodes, drive_net):
    """The scenario with the late children is checked as any scenario is: an unknown not_with is an
    input error naming the child, and nothing is inserted."""
    kid = late_child(county_doc30.scenario, postcodes, cid="LATE-NW", not_with=("NOBODY",))
    with pytest.raises(InputError, match="LATE-NW"):
        insert_late_children(county_doc30, [kid], network=drive_net)


def test_a_late_child_kept_apart_from_a_routed_child_does_not_join_them(county_doc30, county30, postcodes,
                                                                        drive_net):
    """not_with a child on a nearby route: the same plan as the whole county problem, valid, and the
    two children are not on one route."""
    scen = county_doc30.scenario
    kid = late_child(scen, postcodes)
    plain, res, _ = insert_late_children(county_doc30, [kid], county=county30[0], network=drive_net)
    assert res.changes[0].action == "inserted"  # LE15 6RB to the first school joins a route
    mates = [rid for rid in plain.plan.routes[res.changes[0].route_index].request_ids() if rid != kid.id]
    apart = kid.model_copy(update={"id": "LATE-APART", "not_with": tuple(mates)})
    (doc, res2, _), (full, _, _) = _both(county_doc30, [apart], county30[0], drive_net)
    assert doc.violations == [] and doc.plan.to_dict() == full.plan.to_dict()
    k = res2.changes[0].route_index
    assert k is None or not set(mates) & set(doc.plan.routes[k].request_ids())


@pytest.fixture(scope="module")
def tiled_county(settings, tmp_path_factory):
    """A 2x1 synthetic county as the county benchmark lays it out (two tiles of the real Rutland drive
    extract joined at their border roads, each tile's schools and fleet), 240 children on residential
    ways, planned by plan_county."""
    sc, ext, offsets, path = two_drive_tiles(tmp_path_factory.mktemp("tiles"))
    net = build_network(path, "drive")
    schools = {k: school_from_attributes(k, a, None) for k, a in sc.tiled_schools(offsets).items()}
    homes = [LatLon(la, lo) for la, lo in sc.residential_points(ext, offsets, 250, random.Random(5))]
    scenario = generate_scenario(240, 3, schools=schools, homes=homes[:240], school_radius_m=sc.SCHOOL_RADIUS_M,
                                 fleet=sc.tile_fleet(offsets, 240), name="late-2x1")
    county = build_county(scenario, network=net)
    doc = plan_county(scenario, time_limit_s=6, max_requests=40, max_workers=2, county=county, network=net)
    return doc, county[0], net, homes[240:]


def test_on_a_2x1_county_the_nearby_insertion_equals_the_whole_county_insertion(tiled_county):
    """On two tiles: one child, then five at once (homes on residential ways of both tiles, schools
    of both), by the late-insertion problem and by the whole county problem: the same valid plan,
    every child once, from fewer routes than the plan's."""
    doc, county, net, homes = tiled_county
    assert doc.violations == [] and len(doc.plan.routes) > 10
    schools = [c.school_id for c in doc.scenario.children]
    for n in (1, 5):
        kids = [ScenarioChild(id=f"LATE2x1-{n}-{k}", first_name="Late", home=Point(lat=homes[k].lat, lon=homes[k].lon),
                              school_id=schools[(37 * k + n) % len(schools)]) for k in range(n)]
        (near_doc, res, nearby), (full_doc, full_res, _) = _both(doc, kids, county, net)
        assert near_doc.violations == [] and full_doc.violations == []
        assert near_doc.plan.to_dict() == full_doc.plan.to_dict()
        assert res.changes == full_res.changes and near_doc.plan.cost.total == full_doc.plan.cost.total
        assert len(nearby.route_positions) < len(doc.plan.routes)
        _once(near_doc)


@pytest.mark.parametrize("with_county", [True, False])
def test_a_late_home_off_the_road_network_is_an_input_error_naming_the_child(county_doc30, county30, drive_net,
                                                                           with_county):
    """A home far outside the loaded extract: one input error naming the child's id (no address),
    whether or not the county matrices are given."""
    kid = ScenarioChild(id="LATE-FAR", first_name="Late", home=Point(lat=51.5, lon=-0.12),
                        school_id=county_doc30.scenario.schools[0].id)
    with pytest.raises(InputError, match="LATE-FAR") as err:
        insert_late_children(county_doc30, [kid], county=county30[0] if with_county else None, network=drive_net)
    assert "51.5" not in str(err.value)
