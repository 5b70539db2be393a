"""Phone width (375 px): the planner's map comes first, nothing makes the page scroll sideways (tables scroll
inside themselves), and the menu items do not run together."""

from __future__ import annotations

from itertools import pairwise

from tests.browser.conftest import shot, sign_in


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_planner_page_at_phone_width(page, service):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner?plan={service.seed['plan_id']}")
    page.wait_for_selector("path.sen-route")
    assert _box(page, "#map")["y"] < _box(page, "#panel")["y"], "the map comes first on a phone"
    page.click("#route-list button")
    page.wait_for_selector("#stops-table")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    items = page.locator("#nav-list li:not([hidden])")
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    for a, b in pairwise(boxes):  # side by side with a gap, or on the next line
        assert b["x"] >= a["x"] + a["width"] + 8 or b["y"] >= a["y"] + a["height"] - 1, (a, b)
    shot(page, "plan-map-phone")


def test_officer_list_at_phone_width(page, service):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, service, "officer")
    page.wait_for_selector("#find-table")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    shot(page, "officer-list-phone")


def test_contractor_lot_at_phone_width_keeps_times_whole(page, service):
    """The operator's stop tables at 375 px: no time is broken over lines (it was "08\\n:0\\n8"), the page does not
    scroll sideways, and a table wider than the screen scrolls inside itself."""
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, service, "contractor")
    page.goto(f"{service.url}/web/contractor?lot={service.seed['acme_lot']}")
    page.wait_for_selector("table.lot-stops")
    heights = page.eval_on_selector_all("table.lot-stops tbody tr", """rows => rows.map(r => {
        const c = r.cells[1], line = parseFloat(getComputedStyle(c).lineHeight);
        const range = document.createRange(); range.selectNodeContents(c);
        return [c.innerText.trim(), range.getClientRects().length, range.getBoundingClientRect().height / line]; })""")
    assert heights and all(lines < 1.5 for _, _, lines in heights), heights
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert page.evaluate("""() => [...document.querySelectorAll('.lot-stops')].every(t => t.scrollWidth <= t.clientWidth + 1
        || getComputedStyle(t).overflowX === 'auto')""")
