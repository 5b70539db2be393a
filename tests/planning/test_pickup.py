"""Tests of transport/planning/pickup.py and the route sheets' figures: where to go for a home given
as coordinates, bell times, and each route's miles and day cost adding up to the plan's."""

from __future__ import annotations

import dataclasses

from routing.network import load_network
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.planning.pickup import NearestPostcode, describe, nearest_street_names, pickup_descriptions
from transport.planning.plan import plan_scenario


def test_nearest_street_and_postcode_of_a_point():
    """Oakham's Market Place is named for a point on it; the nearest postcode unit is a real Rutland one."""
    net = load_network("drive")
    assert nearest_street_names(net, [LatLon(52.6703, -0.7276)]) == ["Market Place"]
    postcodes = PostcodeIndex.load()
    pc = NearestPostcode(postcodes)(LatLon(52.6703, -0.7276))
    assert pc in postcodes and pc.startswith("LE15")
    # a point far outside the extract gets no street name
    assert nearest_street_names(net, [LatLon(53.0, -1.0)]) == [None]


def test_describe_in_words():
    """A given postcode stands alone; otherwise street and nearest postcode, never blank."""
    assert describe("LE15 6HQ", "Main Street", "LE15 6AA") == "LE15 6HQ"
    assert describe(None, "Main Street", "LE15 6AA") == "Main Street, near LE15 6AA"
    assert describe(None, None, "LE15 6AA") == "in or near postcode LE15 6AA"
    assert describe(None, None, None)


def test_route_sheets_say_where_to_go_and_what_each_route_costs(small):
    """Homes given as coordinates get a street and postcode; schools their bell; route costs add up to the KPI."""
    doc = plan_scenario(small, time_limit_s=1)
    net = load_network("drive")
    where = pickup_descriptions(doc, network=net, postcodes=PostcodeIndex.load())
    routed = set(doc.plan.routed_request_ids())
    assert set(where) == routed and all(", near LE" in w for w in where.values()), where
    figures = doc.route_figures(net)
    assert len(figures) == len(doc.plan.routes)
    assert sum(f["day_cost_pence"] for f in figures) == doc.kpis()["daily_cost_pence"]
    assert round(sum(f["metres"] for f in figures) / 1609.344, 1) == doc.kpis()["miles"]
    rows = doc.route_sheets(pickups=where, figures=figures)
    homes = [r for r in rows if r["kind"] == "pickup"]
    assert homes and all(r["address"] for r in homes)
    schools = [r for r in rows if r["kind"] == "delivery"]
    assert schools and all(r["bell"] == "08:45" or len(r["bell"]) == 5 for r in schools)
    assert all(r["route_day_cost_pence"] == figures[int(r["route"][1:]) - 1]["day_cost_pence"] for r in rows)
    # a postcode the scenario gives is used as it is
    child = small.children[0]
    given = dataclasses.replace(doc, scenario=small.model_copy(update={"children": (
        child.model_copy(update={"home": child.home.model_copy(update={"postcode": "LE15 6HQ"})}),) + small.children[1:]}))
    if child.id in routed:
        assert pickup_descriptions(given, network=net, postcodes=PostcodeIndex.load())[child.id] == "LE15 6HQ"
