"""Plan comparison: headline figures and routes changed."""

from tests.conftest import late_child
from transport.planning.compare import compare_plans
from transport.planning.late import insert_late_children


def test_compare_counts_the_route_a_late_child_changed(county_doc30, county30, postcodes, drive_net):
    """After one late insertion exactly one route is changed or added and nobody else moved."""
    new_doc, res, _ = insert_late_children(county_doc30, [late_child(county_doc30.scenario, postcodes)],
                                           county=county30[0], network=drive_net)
    c = compare_plans(county_doc30, new_doc)
    assert c.routes_changed + c.routes_added == 1
    assert c.routes_unchanged == len(county_doc30.plan.routes) - c.routes_changed
    assert c.routes_removed == 0 and c.children_moved == 0
    assert c.b["children"] == c.a["children"] + 1
    rows = {r[0]: r for r in c.rows()}
    assert rows["daily cost"][3] == f"£{res.cost_delta / 100:,.2f}"


def test_compare_a_plan_with_itself_changes_nothing(county_doc30):
    """Identical plans: every route unchanged, zero deltas."""
    c = compare_plans(county_doc30, county_doc30)
    assert c.routes_unchanged == len(county_doc30.plan.routes)
    assert c.routes_changed == c.routes_added == c.routes_removed == c.children_moved == 0
