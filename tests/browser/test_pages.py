"""The web pages in headless Chromium against the running service: sign in per role, the plan map,
an optimisation from the page, the decision screen and letter, the cohort import, the lot view."""

from __future__ import annotations

import re

from tests.browser.conftest import OPERATORS, UNSAFE_ID, shot, sign_in


def test_planner_sees_every_route_and_highlights_one(page, service):
    """Every route of the plan is drawn (counted against the API), and choosing one highlights it."""
    plan_id = service.seed["plan_id"]
    with service.client("planner") as c:
        plan = c.get(f"/v1/plans/{plan_id}").json()
        geo = c.get(f"/v1/plans/{plan_id}/routes.geojson").json()
    lines = [f["properties"]["route"] for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == plan["routes"] > 0

    sign_in(page, service, "planner")
    assert page.url.endswith("/web/planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector("path.sen-route")
    assert page.locator("#map").get_attribute("data-background") == "roads"
    drawn = page.eval_on_selector_all("path.sen-route", "els => els.map(e => e.dataset.route)")
    assert sorted(drawn) == sorted(lines)
    assert page.locator("#route-list button").count() == len(lines)
    kpis = page.inner_text("#kpi-list")
    assert "Daily cost" in kpis and f"£{plan['kpis']['daily_cost_pence'] / 100:,.2f}" in kpis
    assert page.locator(".sen-school").count() >= 1

    first = lines[0]
    page.click(f"#route-list button[data-route='{first}']")
    assert page.get_attribute(f"#route-list button[data-route='{first}']", "aria-pressed") == "true"
    assert "sen-route--active" in page.get_attribute(f"path.sen-route-{first}", "class")
    assert page.locator("#stops-table tbody tr").count() >= 3
    shot(page, "plan-map")
