"""The offers on the officer's decision screen: each option's yearly cost, suitability and workings."""

from __future__ import annotations

from tests.browser.conftest import shot, sign_in


def test_officer_sees_the_offers_of_a_planned_child(page, service):
    """A child on the seeded plan: seat, PTB, pass and travel training with their costs, the cheapest marked,
    the same figures as the API gives."""
    with service.client("officer") as c:
        rep = c.get(f"/v1/plans/{service.seed['plan_id']}/offers").json()
    assert rep["count"] > 0
    child = rep["data"][0]
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer?application={child['child_id']}")
    page.wait_for_selector("#offers-table")
    rows = page.locator("#offers-table tbody tr")
    assert rows.count() == len(child["options"])
    text = page.inner_text("#offers-table")
    for option in child["options"]:
        assert f"£{option['annual_pence'] / 100:,.2f}" in text
    assert page.locator(f"#offers-table tr[data-offer='{child['cheapest']}'] .govuk-tag").count() == 1
    page.click("#offers-workings summary")
    assert child["options"][0]["workings"] in page.inner_text("#offers-workings")
    page.locator("#offers").scroll_into_view_if_needed()
    shot(page, "decision-offers")


def test_planner_marks_children_with_a_cheaper_offer(page, service):
    """On the plan map, the children whose cheapest suitable offer is not a seat are marked and listed."""
    plan_id = service.seed["plan_id"]
    with service.client("planner") as c:
        rep = c.get(f"/v1/plans/{plan_id}/offers").json()
    cheaper = [x["pseudonym"] for x in rep["data"] if x["cheapest"] != "seat"]
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector("path.sen-route")
    page.click("#offers-button")
    page.wait_for_selector("#offers-count")
    assert f"{len(cheaper)} of {rep['count']} children" in page.inner_text("#offers-count")
    marked = page.eval_on_selector_all(".sen-pin--cheaper", "els => els.map(e => e.dataset.child)")
    assert set(marked) == set(cheaper)
    if cheaper:
        assert page.locator("#offers-cheaper-table tbody tr").count() == len(cheaper)
    shot(page, "plan-offers")
