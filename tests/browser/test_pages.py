"""The web pages in headless Chromium against the running service: sign in per role, the plan map,
an optimisation from the page, the decision screen and letter, the cohort import, the lot view."""

from __future__ import annotations

import re

from tests.browser.conftest import OPERATORS, UNSAFE_ID, shot, sign_in, wait_job
from transport.planning.cohort import generate_scenario


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

    # keyboard: markers and route lines are not each a tab stop (routes are chosen from the list); "Skip the map"
    focusable = page.eval_on_selector_all(
        "#map .leaflet-marker-icon, #map path", "els => els.filter(e => e.tabIndex >= 0 && e.hasAttribute('tabindex')).length")
    assert focusable == 0
    page.focus("#skip-map")
    page.keyboard.press("Enter")
    page.wait_for_selector("#after-map:focus", state="attached")
    # bell times without seconds; route colours never the roads' greys
    titles = page.eval_on_selector_all(".sen-school", "els => els.map(e => e.getAttribute('title') || '')")
    assert titles and not any(re.search(r"\d\d:\d\d:\d\d", t) for t in titles), titles
    colours = page.eval_on_selector_all("path.sen-route", "els => els.map(e => e.getAttribute('stroke'))")
    assert not {c.lower() for c in colours} & {"#505a5f", "#b1b4b6", "#cfd2d4"}


def _box(coords, pad=0.01):
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    return min(lats) - pad, min(lons) - pad, max(lats) + pad, max(lons) + pad


def _overlap(a, b):
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _redmean(a, b):
    (r1, g1, b1), (r2, g2, b2) = ([int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in (a, b))
    rm = (r1 + r2) / 2
    return ((2 + rm / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - rm) / 256) * (b1 - b2) ** 2) ** 0.5


def test_plan_map_explains_itself(page, service):
    """The plan map has a legend, distinct colours for neighbouring routes (the list shows the same), markers
    at one place spread apart, and a zoom-to-fit button that brings every route back into view."""
    plan_id = service.seed["plan_id"]
    with service.client("planner") as c:
        geo = c.get(f"/v1/plans/{plan_id}/routes.geojson").json()
    lines = {f["properties"]["route"]: f["geometry"]["coordinates"] for f in geo["features"]
             if f["geometry"]["type"] == "LineString"}
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector("path.sen-route")
    legend = page.inner_text("#map-legend")
    for words in ("a route", "pick-up, numbered", "depot", "school", "wheelchair", "passenger assistant", "travels alone"):
        assert words in legend, (words, legend)
    stroke = dict(page.eval_on_selector_all("path.sen-route", "els => els.map(e => [e.dataset.route, e.getAttribute('stroke')])"))
    listed = dict(page.eval_on_selector_all(
        "#route-list button", "els => els.map(e => [e.dataset.route, e.style.getPropertyValue('--c').trim()])"))
    assert {k: v.lower() for k, v in listed.items()} == {k: v.lower() for k, v in stroke.items()}
    boxes = {r: _box(cs) for r, cs in lines.items()}
    pairs = [(a, b) for a in boxes for b in boxes if a < b and _overlap(boxes[a], boxes[b])]
    assert pairs, "the sample should have neighbouring routes"
    for a, b in pairs:
        assert stroke[a].lower() != stroke[b].lower(), (a, b, stroke[a])
    # the palette's nearest pair (two blues) never lands on neighbours when there are colours to spare
    if len(lines) <= 16:
        assert min(_redmean(stroke[a], stroke[b]) for a, b in pairs) > 60
    # no two child markers on top of each other
    centres = page.eval_on_selector_all(".sen-pin--child", """els => els.map(e => {
        const r = e.getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; })""")
    assert len(centres) == len({tuple(c) for c in centres}), "stacked child markers"
    # zoom in hard, then zoom to fit: every route is back inside the map
    for _ in range(3):
        page.click(".leaflet-control-zoom-in")
        page.wait_for_timeout(300)
    inside = """() => { const m = document.getElementById('map').getBoundingClientRect();
        return [...document.querySelectorAll('path.sen-route')].every(p => { const r = p.getBoundingClientRect();
          return r.width > 0 && r.left >= m.left - 1 && r.right <= m.right + 1 && r.top >= m.top - 1 && r.bottom <= m.bottom + 1; }); }"""
    assert not page.evaluate(inside)
    page.focus("#map-fit")
    page.keyboard.press("Enter")
    page.wait_for_timeout(600)
    assert page.evaluate(inside)


def test_planner_runs_an_optimisation_and_compares(page, service):
    """A small job started from the page shows its progress, opens its plan, and compares with the seeded plan."""
    sign_in(page, service, "planner")
    page.click("#launch-details summary")
    page.select_option("#launch-source", str(service.seed["scenario_id"]))
    page.fill("#time-limit", "2")
    page.fill("#launch-name", "Two-second run")
    page.click("#launch-button")
    page.wait_for_selector("#job-progress")
    running = []  # the figures the page showed while the job ran
    for _ in range(900):
        if page.get_attribute("#job", "data-status") == "succeeded":
            break
        found = re.search(r"Best validated plan so far: £([\d,]+\.\d\d) a day", page.inner_text("#job-status"))
        if found:
            running.append(round(float(found.group(1).replace(",", "")) * 100))
        page.wait_for_timeout(100)
    page.wait_for_selector("#job[data-status='succeeded']", timeout=90_000)
    new_plan = page.get_attribute("#job-plan-link", "href").split("plan=")[1]
    assert new_plan != str(service.seed["plan_id"])
    page.wait_for_selector(f"#map[data-plan='{new_plan}']")  # no eval under the pages' CSP
    with service.client("planner") as c:
        fresh = c.get(f"/v1/plans/{new_plan}").json()
        seeded = c.get(f"/v1/plans/{service.seed['plan_id']}").json()
    assert fresh["name"] == "Two-second run" and page.inner_text("#plan-title") == f"Two-second run (plan {new_plan})"
    # the finished job's figure is the stored plan's KPI, to the penny
    assert f"Best validated plan: £{fresh['kpis']['daily_cost_pence'] / 100:,.2f} a day" in page.inner_text("#job-status")
    # while it ran, each figure was a validated plan's cost: never up, never below the stored plan's
    assert running == sorted(running, reverse=True), running
    assert all(p >= fresh["kpis"]["daily_cost_pence"] for p in running), running
    assert page.locator("path.sen-route").count() == fresh["routes"]
    page.select_option("#compare-select", str(service.seed["plan_id"]))
    page.wait_for_selector("#compare-table")
    text = page.inner_text("#compare-table")
    assert "Daily cost" in text and "Difference (B − A)" in text
    # A is the open plan, B the one compared with: the sign is B − A
    d = seeded["kpis"]["daily_cost_pence"] - fresh["kpis"]["daily_cost_pence"]
    want = "same" if d == 0 else f"{'+' if d > 0 else '−'}£{abs(d) / 100:,.2f}"
    cost_row = page.locator("#compare-table tbody tr").first.inner_text()
    assert cost_row.split("\t")[-1].strip() == want, cost_row
    same = fresh["scenario_id"] == seeded["scenario_id"]
    assert page.locator("#compare-warning").count() == (0 if same else 1)
    # both plans on the map, each on a layer that can be switched off; only changed routes are listed
    with service.client("planner") as c:
        cmp = c.get(f"/v1/plans/{new_plan}/compare/{service.seed['plan_id']}").json()
    assert page.locator("path.sen-route-b").count() == seeded["routes"]
    assert page.locator("path.sen-route-b--changed").count() == len(cmp["changed_in_b"])
    tagged = page.eval_on_selector_all("#route-list button:has(.govuk-tag)", "els => els.map(e => e.dataset.route)")
    assert sorted(tagged) == sorted(cmp["changed_in_a"])
    routes_text = page.inner_text("#compare-routes")
    unchanged = [r for r in page.eval_on_selector_all("#route-list button", "els => els.map(e => e.dataset.route)")
                 if r not in cmp["changed_in_a"]]
    assert not any(re.search(rf"\b{re.escape(r)}\b", routes_text.split("New or different")[0]) for r in unchanged)
    toggles = page.locator(".leaflet-control-layers-overlays label")
    assert toggles.count() == 2 and "dashed" in toggles.nth(1).inner_text()
    toggles.nth(1).locator("input").uncheck()
    assert page.locator("path.sen-route-b").count() == 0 and page.locator("path.sen-route").count() == fresh["routes"]
    toggles.nth(1).locator("input").check()
    assert page.locator("path.sen-route-b").count() == seeded["routes"]
    shot(page, "plan-compare")


def test_officer_decides_and_sees_the_walking_route(page, service):
    """An officer opens a refused application: decision, inequality, explanation, route with the avoided unsafe segment; the letter prints."""
    sign_in(page, service, "officer")
    assert page.url.endswith("/web/officer")
    page.fill("#ref", "SYN-006")
    page.click("#open-button")
    page.wait_for_selector("#decision-panel")
    assert "Not eligible" in page.inner_text("#decision-panel")
    assert "Within walking distance, on a safe route" in page.inner_text("#decision-panel")  # the policy's label
    assert "Beyond statutory walking distance" in page.text_content("#decision")  # every rule checked, by its label
    assert re.search(r"walking route [\d.]+ mi is not more than 3 mi", page.inner_text("#inequality"))
    assert "review" in page.inner_text("#explanation")
    assert page.locator("#schools-table tbody tr").count() >= 1
    page.wait_for_selector("path.sen-walk-route")
    page.wait_for_selector("path.sen-unsafe")
    assert page.locator(".sen-entrance").count() == 1
    assert UNSAFE_ID in page.inner_text("#decision-summary")
    shot(page, "decision")

    page.click("#letter-link")
    page.wait_for_selector("#letter:not([hidden])")
    assert "from 3 September 2025" in page.inner_text("#letter")  # GOV.UK dates, not 2025-09-03
    page.wait_for_selector("path.sen-walk-route")
    assert "not agreed" in page.inner_text("#letter-title")
    page.emulate_media(media="print")
    assert not page.is_visible(".govuk-header")
    shot(page, "decision-letter")


def test_officer_enters_an_application_and_imports_a_cohort(page, service, tmp_path):
    """A new application is saved and decided from the form; a cohort import reports every row with its errors."""
    sign_in(page, service, "officer")
    page.click("#new-details summary")
    page.click("#save-assess")
    assert page.locator(".govuk-error-summary li").count() == 5  # every missing field named
    assert page.locator("input[type=date]").count() == 0  # GOV.UK date pattern, not the browser's picker
    assert page.inner_text("#travel_date-hint") == "For example, 3 9 2025"
    for field, value in {"application_id": "WEB-001", "first_name": "Sam", "postcode": "LE15 8PU",
                         "school_id": "131018", "ehc_named_school_id": "131018",
                         "sen_evidence": "EHC plan section F: adult support"}.items():
        page.fill(f"#{field}", value)
    for field, (d, m, y) in {"date_of_birth": ("30", "6", "2014"), "travel_date": ("31", "9", "2025")}.items():
        page.fill(f"#{field}-day", d)
        page.fill(f"#{field}-month", m)
        page.fill(f"#{field}-year", y)
    page.click("#save-assess")
    page.wait_for_selector("#travel_date-error:not([hidden])")
    assert "Travel from must be a real date" in page.inner_text("#errors")
    assert page.get_attribute("#errors .govuk-error-summary__list a", "href") == "#travel_date-day"
    page.fill("#travel_date-day", "3")
    page.check("#ehc_plan")
    page.check("#sen_mobility")
    page.expected_status.add(404)  # the new child is on no plan yet: the offers section says so
    page.click("#save-assess")
    page.wait_for_selector("#decision-panel")
    assert "Eligible" in page.inner_text("#decision-panel")
    assert "SEN, disability or mobility" in page.inner_text("#decision-panel")  # the policy's label, not "sen mobility"
    offer = page.inner_text("#decision-summary")
    assert "a seat on council-arranged transport, free of charge" in offer and "(seat)" not in offer
    page.wait_for_selector("#decision-panel:focus")  # the page moves to the outcome
    page.wait_for_selector("path.sen-walk-route")
    page.wait_for_selector("#offers-status:has-text('not on a planned route yet')")

    csv = tmp_path / "cohort.csv"
    header = (service.root / "sample_data" / "applications" / "rutland_sample.csv").read_text().splitlines()[0]
    csv.write_text(header + "\nWEB-002,2014-06-30,F,LE15 8PU,,,,,131018,yes,131018,no,yes,EHC,,no,,2025-09-03,Ada,,,,,\n"
                   "WEB-003,2014-13-45,F,LE15 8PU,,,,,131018,no,,no,no,,,no,,2025-09-03,Bo,,,,,\n")
    page.goto(f"{service.url}/web/officer/import")
    page.set_input_files("#csv-file", str(csv))
    page.click("#import-button")
    page.wait_for_selector("#report-table")
    rows = page.inner_text("#report-table")
    assert "WEB-002" in rows and "created" in rows and "error" in rows and "date_of_birth" in rows
    assert page.locator(".govuk-error-summary").count() == 1
    shot(page, "import-report")


def test_contractor_sees_own_lot_and_is_refused_another(page, service):
    """A contractor sees tenders and its own awarded lot's stops, and cannot open another operator's lot."""
    sign_in(page, service, "contractor")
    assert page.url.endswith("/web/contractor")
    page.wait_for_selector(".sen-tender")
    assert not page.is_visible("#nav-list [data-for='planner admin']")
    with service.client("contractor") as c:
        open_lots = {str(lot["id"]) for lot in c.get("/v1/tenders", params={"status": "published"}).json()["data"]}
    listed = set(page.eval_on_selector_all(".sen-tender", "els => els.map(e => e.dataset.lot)"))
    assert listed == open_lots and str(service.seed["acme_lot"]) not in listed  # never a lot already awarded
    assert re.search(r"awarded \d{1,2} [A-Z][a-z]+ \d{4}", page.inner_text("#awarded-list"))  # GOV.UK dates
    page.click(f"#awarded-list a[data-lot='{service.seed['acme_lot']}']")
    page.wait_for_selector("#lot-title")
    assert "Acme Taxis" in page.inner_text("#lot")
    body = page.inner_text("#lot")
    assert "P-" in body and "SYN-0" not in body and "2014-06-30" not in body
    with service.client("contractor") as c:
        n_routes = len(c.get(f"/v1/contractor/lots/{service.seed['acme_lot']}").json()["routes"])
    assert page.locator("path.sen-lot-road").count() == n_routes and page.locator("path.sen-stop-order").count() == 0
    # every pick-up says where to go (a home given as coordinates too: street and nearest postcode)
    wheres = page.eval_on_selector_all(".lot-stops tbody tr", "rows => rows.map(r => [r.cells[2].innerText, r.cells[3].innerText])")
    assert all(w.strip() not in ("", "–") for stop, w in wheres if stop.startswith("pickup")), wheres
    # no column clipped: each stop table fits its box or scrolls inside it
    assert page.evaluate("""() => [...document.querySelectorAll('.lot-stops')].every(t => t.scrollWidth <= t.parentElement.clientWidth + 1
        || getComputedStyle(t).overflowX === 'auto')""")
    shot(page, "contractor-lot")
    # one route at a time on the map, and printed alone
    with service.client("contractor") as c:
        refs = [r["ref"] for r in c.get(f"/v1/contractor/lots/{service.seed['acme_lot']}").json()["routes"]]
    page.select_option("#route-pick", refs[0])
    assert page.locator("path.sen-lot-road").count() == 1 and page.locator(f"path.sen-lot-road-{refs[0]}").count() == 1
    page.select_option("#route-pick", "")
    assert page.locator("path.sen-lot-road").count() == n_routes
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    page.click(f".sen-print-route[data-route='{refs[-1]}']")
    page.wait_for_function("() => window.__printed === true")
    page.emulate_media(media="print")
    visible = [s for s in page.eval_on_selector_all(".sen-lot-route", "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.route)")]
    assert visible == [refs[-1]] and not page.is_visible(".sen-panel") and page.locator("path.sen-lot-road").count() == 1
    page.emulate_media(media="screen")

    page.expected_status.add(403)
    page.fill("#lot-id", str(service.seed["blue_lot"]))
    page.click("#lot-open")
    page.wait_for_selector(".govuk-error-summary")
    assert "not awarded to Acme Taxis" in page.inner_text(".govuk-error-summary")
    assert page.locator("#lot-title").count() == 0
    assert OPERATORS[1] not in page.content()


def test_roles_see_only_their_pages(page, service):
    """A contractor sent to the plan map or decision screen is told it is not theirs, and the API refuses the data."""
    sign_in(page, service, "contractor")
    page.expected_status.update({401, 403})
    for path in ("/web/planner", "/web/officer"):
        page.goto(f"{service.url}{path}")
        page.wait_for_selector("#page-message:not([hidden])")
        assert "You are signed in as contractor" in page.inner_text("#page-message")
        assert not page.is_visible("#page-body")
    page.evaluate("sessionStorage.clear()")
    page.goto(f"{service.url}/web/planner")
    page.wait_for_url("**/web/?message=*")
    assert "Sign in" in page.inner_text("h1")


def test_pages_work_with_the_network_unplugged(page, service):
    """Every request the pages make goes to the service itself (others are blocked and would fail the test)."""
    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner?plan={service.seed['plan_id']}")
    page.wait_for_selector("path.sen-route")
    assert page.locator("#map").get_attribute("data-background") == "roads"
    assert page.locator("canvas").count() >= 1  # the offline roads layer
    assert not page.blocked


def test_officer_imports_an_excel_cohort_and_a_windows_csv(page, service, tmp_path):
    """The import page sends the file's bytes: an .xlsx cohort and a Windows-1252 CSV with 'Zoë' both import,
    and the report numbers rows as Excel shows them."""
    from tests.io.test_tabular import xlsx_bytes

    header = ["application_id", "first_name", "date_of_birth", "home_postcode", "school_urn", "travel_date"]
    book = tmp_path / "cohort.xlsx"
    book.write_bytes(xlsx_bytes([header, ["XL-001", "Ada", "2014-06-30", "LE15 8PU", "131018", "2025-09-03"],
                                 ["XL-002", "Bo", "2014-13-45", "LE15 8PU", "131018", "2025-09-03"]]))
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer/import")
    page.uncheck("#assess")
    page.set_input_files("#csv-file", str(book))
    page.click("#import-button")
    page.wait_for_selector("#report-table")
    cells = [[c.strip() for c in line.split("\t")] for line in page.inner_text("#report-table tbody").splitlines()]
    assert cells[0][:3] == ["2", "XL-001", "created"] and cells[1][:3] == ["3", "XL-002", "error"]
    win = tmp_path / "cohort.csv"
    win.write_bytes((",".join(header) + "\r\nWIN-001,Zoë,2014-06-30,LE15 8PU,131018,2025-09-03\r\n").encode("cp1252"))
    page.set_input_files("#csv-file", str(win))
    page.click("#import-button")
    page.wait_for_selector("#report-table:has-text('WIN-001')")
    with service.client("officer") as c:
        assert c.get("/v1/applications/WIN-001").json()["application"]["first_name"] == "Zoë"


def test_planner_stops_an_optimisation_and_keeps_its_best_plan(page, service):
    """Stop on a running job ends it within seconds; the page opens the best plan found so far, marked as stopped."""
    sign_in(page, service, "planner")
    page.click("#launch-details summary")
    page.select_option("#launch-source", str(service.seed["scenario_id"]))
    page.fill("#time-limit", "30")
    page.click("#launch-button")
    page.wait_for_selector("#job-status:has-text('a day')", timeout=90_000)  # running, with a best cost so far
    page.click("#job-cancel")
    page.wait_for_selector("#job[data-status='cancelled']", timeout=20_000)
    status = page.inner_text("#job-status")
    assert "Stopped" in status and "best plan found before the search was stopped" in status
    plan_id = page.get_attribute("#job-plan-link", "href").split("plan=")[1]
    page.wait_for_selector(f"#map[data-plan='{plan_id}']")
    with service.client("planner") as c:
        plan = c.get(f"/v1/plans/{plan_id}").json()
    assert plan["stopped"] == "cancelled" and page.locator("path.sen-route").count() == plan["routes"]


def test_decision_screen_says_where_it_measured_from(page, service):
    """A UPRN home shows 'the address point (UPRN)'; a postcode centroid near the limit shows the warning."""
    from transport.domain.geocode import PostcodeIndex

    base = {"first_name": "Ivy", "date_of_birth": "2018-09-01", "school_id": "138113", "travel_date": "2025-09-03"}
    with service.client("officer") as c:
        assert c.post("/v1/applications", json={**base, "application_id": "UPRN-1",
                                                 "home": {"uprn": "990000000001"}}).status_code == 201
        assert c.post("/v1/applications/UPRN-1/assess").status_code == 201
        flagged = None
        for pc in PostcodeIndex.load().postcodes():
            d = c.post("/v1/eligibility/check", json={**base, "application_id": "PC-1", "home": {"postcode": pc}})
            if d.status_code == 200 and d.json()["measure_from_address"]:
                flagged = pc
                break
        assert flagged, "some Rutland postcode centroid lies within 0.25 mi of 2 mi from Catmose Primary"
        assert c.post("/v1/applications", json={**base, "application_id": "PC-1",
                                                 "home": {"postcode": flagged}}).status_code == 201
        assert c.post("/v1/applications/PC-1/assess").status_code == 201
    sign_in(page, service, "officer")
    for ref, words, warned in (("UPRN-1", "the address point (UPRN)", False), ("PC-1", "the postcode centroid", True)):
        page.goto(f"{service.url}/web/officer?application={ref}")
        page.wait_for_selector(f"#decision-summary:has-text('{ref}')")
        assert words in page.inner_text("#measured-from")
        assert page.locator("#measure-from-address").count() == (1 if warned else 0)
        if warned:
            assert "within 0.25 mi of the 2 mi limit" in page.inner_text("#measure-from-address")


def test_planner_names_a_plan(page, service):
    """A planner names a plan on the page: the title and the picker show the name with the daily cost; a blank name is refused."""
    plan_id = service.seed["bare_plan_id"]
    with service.client("planner") as c:
        plan = c.get(f"/v1/plans/{plan_id}").json()
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector(f"#map[data-plan='{plan_id}']")
    page.fill("#plan-name", "   ")
    page.click("#rename-button")
    page.wait_for_selector("#plan-name-error:not([hidden])")
    assert "Enter a name" in page.inner_text(".govuk-error-summary")
    page.fill("#plan-name", "Spring term <b>trial</b>")
    page.click("#rename-button")
    page.wait_for_selector("#plan-name-saved:has-text('Saved')")
    assert page.inner_text("#plan-title") == f"Spring term <b>trial</b> (plan {plan_id})"  # text, never markup
    cost = f"£{plan['kpis']['daily_cost_pence'] / 100:,.2f}"
    option = page.inner_text(f"#plan-select option[value='{plan_id}']")
    assert option.startswith(f"Spring term <b>trial</b> – {cost} a day (plan {plan_id}, "), option
    assert page.locator(f"#compare-select option[value='{plan_id}']").inner_text() == option
    with service.client("planner") as c:
        assert c.get(f"/v1/plans/{plan_id}").json()["name"] == "Spring term <b>trial</b>"
    shot(page, "plan-named")


def test_planner_downloads_sheets_comparison_and_lots(page, service):
    """The plan page downloads route sheets, lots and a comparison as CSV (formula-safe writer, BOM) and the
    routes as GeoJSON, each matching what the API holds."""
    import csv
    import io
    import json

    plan_id = service.seed["plan_id"]
    with service.client("planner") as c:
        sheets = c.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
        lots = c.get(f"/v1/plans/{plan_id}/lots").json()["data"]
        geo = c.get(f"/v1/plans/{plan_id}/routes.geojson").json()
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector("#downloads button")

    def fetch(label):
        with page.expect_download() as info:
            page.click(f"#downloads button:text-is('{label}'), #comparison button:text-is('{label}')")
        return info.value.suggested_filename, open(info.value.path(), "rb").read()

    name, data = fetch("Route sheets (CSV)")
    assert name == f"plan-{plan_id}-route-sheets.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == len(sheets) and "route" in rows[0]
    name, data = fetch("Lots (CSV)")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == sum(len(lot["routes"]) for lot in lots) and {r["lot"] for r in rows} == {str(lot["id"]) for lot in lots}
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v and not v[1:2].isdigit())
    name, data = fetch("Routes on the roads (GeoJSON)")
    assert json.loads(data)["features"] == geo["features"]
    page.select_option("#compare-select", str(service.seed["bare_plan_id"]))
    page.wait_for_selector("#comparison button")
    name, data = fetch("Comparison (CSV)")
    assert name == f"compare-{plan_id}-{service.seed['bare_plan_id']}.csv"
    text = data.decode("utf-8-sig")
    assert "figure" in text.splitlines()[0] and "B - A" in text.splitlines()[0]


def test_planner_sees_the_operators_id_beside_the_child(page, service):
    """On a route awarded to an operator, the planner's stop list shows, beside each child, the pseudonymous id
    that operator's feed shows for the same child (kept per operator, so operators cannot link children)."""
    plan_id, lot_id = service.seed["plan_id"], service.seed["acme_lot"]
    with service.client("contractor") as c:
        feed = c.get(f"/v1/contractor/lots/{lot_id}").json()
    with service.client("planner") as c:
        rows = c.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
    refs = {r["ref"].split("-")[-1] for r in feed["routes"]}  # "L3-R001": the plan's route R001
    theirs = {st["passenger"]["id"] for r in feed["routes"] for st in r["stops"] if st["passenger"]}
    ours = {row["operator_child"] for row in rows if row["route"] in refs and row.get("operator_child")}
    assert theirs and ours == theirs
    assert all(row["operator"] == OPERATORS[0] for row in rows if row["route"] in refs and row["child"])
    assert not any(row.get("operator") == OPERATORS[0] for row in rows if row["route"] not in refs)
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector("path.sen-route")
    ref = sorted(refs)[0]
    page.click(f"#route-list button[data-route='{ref}']")
    page.wait_for_selector("#stops-table")
    assert f"{OPERATORS[0]} sees P-" in page.inner_text("#stops-table")


def test_a_plan_chosen_while_the_page_is_still_loading_opens(page, service):
    """The plan picker works as soon as it lists the plans, even while the scenarios are still loading (under load
    the 'change' listener was attached only after both answers, so an early choice did nothing)."""
    held = []

    def hold(route):
        held.append(route)  # the scenarios answer comes last

    sign_in(page, service, "planner")
    page.route("**/v1/scenarios", hold)
    page.goto(f"{service.url}/web/planner")
    page.wait_for_selector(f"#plan-select option[value='{service.seed['plan_id']}']", state="attached")
    page.select_option("#plan-select", str(service.seed["plan_id"]))
    page.wait_for_selector(f"#map[data-plan='{service.seed['plan_id']}']", state="attached")
    page.wait_for_selector("path.sen-route")
    assert held, "the scenarios request was held"
    for route in held:
        route.continue_()


def test_a_pick_up_at_the_depot_is_spread_from_the_depot_marker(page, service):
    """A child picked up where the taxis' depot is: the depot's marker and the child's marker do not overlap (the
    depot was drawn on top of the pick-up before), and the depot is one marker however many routes leave it."""
    scen = generate_scenario(3, seed=11, name="pick-up at the depot").model_dump(mode="json")
    scen["fleet"] = [v for v in scen["fleet"] if v["id"] == "taxi"]
    depot = scen["fleet"][0]["depot"]
    scen["children"][0]["home"] = {"lat": depot["lat"], "lon": depot["lon"]}
    with service.client("planner") as c:
        r = c.post("/v1/scenarios", json=scen)
        assert r.status_code == 201, r.text
        job = wait_job(c, c.post("/v1/jobs", json={"scenario_id": r.json()["id"], "time_limit_s": 2}).json()["id"])
        assert job["status"] == "succeeded", job
        rows = c.get(f"/v1/plans/{job['plan_id']}/route-sheets").json()["data"]
    starts = {(round(x["lat"], 4), round(x["lon"], 4)) for x in rows if x["kind"] == "start"}
    picks = [(round(x["lat"], 4), round(x["lon"], 4)) for x in rows if x["kind"] == "pickup"]
    assert starts & set(picks), "a pick-up is at the depot"
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(job["plan_id"]))
    page.wait_for_selector("path.sen-route")
    page.wait_for_selector(".sen-depot")
    box = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    depots = page.eval_on_selector_all(".sen-depot", box)
    children = page.eval_on_selector_all(".sen-pin--child", box)
    assert len(depots) == len(starts) and len(children) == len(picks)
    overlapping = [(d, k) for d in depots for k in children if d[0] < k[2] and k[0] < d[2] and d[1] < k[3] and k[1] < d[3]]
    assert not overlapping, overlapping
    assert page.get_attribute(".sen-depot", "title").startswith("Depot: R001 leaves at ")
