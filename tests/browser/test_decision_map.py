"""The decision map explains itself: the nearer school that decided a "not the nearest suitable school" refusal
is drawn beside the attended one, and the sample unsafe segments show (red dashes) when the service is
configured with them (SEN_TRANSPORT_UNSAFE_SEGMENTS, set by the fixture)."""

from __future__ import annotations

from tests.browser.conftest import shot, sign_in

IN_FRAME = """([a, b]) => {
  const box = document.querySelector('#map').getBoundingClientRect();
  return [a, b].map((sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1; });
}"""


def test_nearer_school_route_beside_the_attended_one(page, service):
    """SYN-001 (refused: not the nearest suitable school) shows the walk to the nearer school that decided it,
    its marker and key entry, both routes in frame; the letter's caption names it too."""
    with service.client("officer") as c:
        doc = c.get("/v1/applications/SYN-001/decisions").json()["data"][-1]["document"]
    assert doc["refusal"] == "not-nearest-suitable-school" and len(doc["nearer_route"]) > 1
    nearer = next(s for s in doc["schools_considered"] if s["school_id"] == doc["nearer_schools"][0])
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer?application=SYN-001")
    page.wait_for_selector("path.sen-nearer-route")
    page.wait_for_selector("path.sen-walk-route")
    assert page.eval_on_selector("path.sen-nearer-route", "p => p.getAttribute('stroke')") != \
        page.eval_on_selector("path.sen-walk-route", "p => p.getAttribute('stroke')")
    assert page.evaluate(IN_FRAME, ["path.sen-nearer-route", "path.sen-walk-route"]) == [True, True]
    assert nearer["name"] in page.inner_text("#nearer-school")
    assert nearer["name"] in page.inner_text(".sen-legend-nearer")
    assert page.query_selector(".sen-nearer-school") is not None
    shot(page, "officer-nearer-school")
    page.goto(f"{service.url}/web/officer/letter?application=SYN-001")
    page.wait_for_selector("path.sen-nearer-route")
    assert f"nearer suitable school, {nearer['name']}" in page.inner_text("#route-caption")
    page.expected_status.add(404)  # SYN-002 is on no route of a plan with offers: its offers section says so
    page.goto(f"{service.url}/web/officer?application=SYN-002")  # eligible: no nearer route, no key entry
    page.wait_for_selector("path.sen-walk-route")
    assert page.query_selector("path.sen-nearer-route") is None and page.query_selector(".sen-legend-nearer") is None


def test_sample_unsafe_segments_show_when_configured(page, service):
    """With the setting, the map data lists the sample segments, and a walk that avoids one draws it in red dashes
    with its reason."""
    with service.client("officer") as c:
        ids = {f["properties"]["id"] for f in c.get("/web/data/unsafe-segments.geojson").json()["features"]}
        assert {"RUT-0001", "RUT-0002", "RUT-0003"} <= ids
        body = {"application_id": "UNSAFE-1", "first_name": "Ola", "date_of_birth": "2012-04-14", "sex": "F",
                "home": {"lat": 52.6812, "lon": -0.723}, "school_id": "osm:way/101238684", "travel_date": "2025-09-03"}
        assert c.post("/v1/applications", json=body).status_code == 201
        dec = c.post("/v1/applications/UNSAFE-1/assess").json()
    assert dec["document"]["unsafe_segments_avoided"] == ["RUT-0002"]
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer?application=UNSAFE-1")
    page.wait_for_selector("path.sen-unsafe")
    assert "RUT-0002" in page.inner_text("#decision-summary")
    page.hover("path.sen-unsafe")
    page.wait_for_selector(".leaflet-tooltip:has-text('RUT-0002')")
    assert "A606" in page.inner_text(".leaflet-tooltip")


IN_MAP = """(sels) => {
  const box = document.querySelector('#map').getBoundingClientRect();
  return sels.map((sel) => { const r = document.querySelector(sel).getBoundingClientRect();
    return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom; });
}"""


def test_letter_has_the_council_letterhead_and_keeps_home_and_school_in_frame_on_a4(page, service):
    """The letter for a Rutland home carries the configured council's letterhead and signature (never the
    policy's author, Kent); printed at A4 width the map still shows the home and the school entrance."""
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer/letter?application=SYN-001")
    page.wait_for_selector("path.sen-walk-route")
    head = page.inner_text("#letterhead")
    assert "Rutland County Council" in head and "LE15 6HP" in head
    assert "Home to School Transport team, Rutland County Council" in page.inner_text("#signature")
    assert "Kent County Council" not in page.inner_text("body")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    page.wait_for_timeout(300)
    assert page.evaluate(IN_MAP, [".sen-home", ".sen-entrance", ".sen-nearer-school"]) == [True, True, True]
    shot(page, "decision-letter-a4")
