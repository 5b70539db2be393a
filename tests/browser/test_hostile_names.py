"""Markup in a child's or school's name is shown as text on the contractor's lot map, never rendered."""

from __future__ import annotations

from tests.browser.conftest import OPERATORS, sign_in, wait_job

CHILD = '<a href="https://evil.example/" id="pwn-child">Zed</a>'
SCHOOL = '<img src="x" id="pwn-school"><b>Hostile High</b>'


def _hostile_lot(service) -> int:
    """A plan of a small scenario whose children and school carry markup, one lot awarded to Acme."""
    from transport.planning.cohort import generate_scenario

    scen = generate_scenario(3, seed=11, name="hostile names").model_dump(mode="json")
    for c in scen["children"]:
        c["first_name"] = CHILD
    for s in scen["schools"]:
        s["name"] = SCHOOL
    with service.client("planner") as pl:
        r = pl.post("/v1/scenarios", json=scen)
        assert r.status_code == 201, r.text
        r = pl.post("/v1/jobs", json={"scenario_id": r.json()["id"], "time_limit_s": 2})
        assert r.status_code == 202, r.text
        job = wait_job(pl, r.json()["id"])
        assert job["status"] == "succeeded", job
        lot = pl.post(f"/v1/plans/{job['plan_id']}/lots", json={"grouping": "procurement"}).json()["data"][0]
        assert pl.post(f"/v1/lots/{lot['id']}/publish").status_code == 200
        assert pl.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}).status_code == 201
    return lot["id"]


def test_hostile_names_render_as_text_in_lot_tooltips(page, service):
    """Hovering a stop shows the names' markup literally: no link, no image, no bold element is created."""
    lot_id = _hostile_lot(service)
    sign_in(page, service, "contractor")
    page.goto(f"{service.url}/web/contractor?lot={lot_id}")
    page.wait_for_selector("#lot-title")
    markers = page.locator(".leaflet-marker-icon")
    assert markers.count() >= 3
    seen = set()
    for i in range(markers.count()):  # markers overlap (depot start and end): open each tooltip by its own event
        markers.nth(i).dispatch_event("mouseover")
        page.wait_for_selector(".leaflet-tooltip")
        seen.add(page.inner_text(".leaflet-tooltip"))
        assert page.locator(".leaflet-tooltip a, .leaflet-tooltip img, .leaflet-tooltip b").count() == 0
        markers.nth(i).dispatch_event("mouseout")
        page.wait_for_selector(".leaflet-tooltip", state="detached")  # never read the previous marker's tooltip
    text = " ".join(seen)
    assert "Zed</a>" in text and "<b>Hostile High</b>" in text, seen
    assert page.locator("#pwn-child, #pwn-school").count() == 0
    assert "Zed</a>" in page.inner_text("#lot")
