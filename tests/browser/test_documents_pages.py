"""Letters and readiness in the browser: the officer issues a decision letter as a PDF and downloads it, the
planner awards a lot with a phone and issues travel letters, and the readiness page shows the API's states."""

from __future__ import annotations

import hashlib
import io
import re

from pypdf import PdfReader

from tests.browser.conftest import COORD_CHILD, OPERATORS, shot, sign_in, wait_job
from transport.domain.privacy import pseudonym

PHONE = "01572 700 999"
FIRST_DAY = "2027-09-02"


def pdf_text(data: bytes) -> str:
    """A PDF's text, whitespace collapsed."""
    return " ".join("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def test_officer_issues_and_downloads_the_decision_letter(page, service, tmp_path):
    """The letter page's button stores the PDF (hash, decision, review date) and the download is those bytes."""
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer/letter?application=SYN-004")
    page.wait_for_selector("#letter:not([hidden])")
    page.click("#issue-letter")
    page.wait_for_selector("#issued-banner")
    facts = page.inner_text("#issued-facts")
    with service.client("officer") as c:
        docs = c.get("/v1/documents", params={"kind": "decision_letter", "subject": "SYN-004"}).json()["data"]
    doc = docs[0]
    assert doc["sha256"] in facts and doc["sources"]["review_by"] in facts and f"decision {doc['decision_id']}" in facts
    with page.expect_download() as dl:
        page.click("#download-letter")
    path = tmp_path / "letter.pdf"
    dl.value.save_as(path)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == doc["sha256"]
    text = pdf_text(data)
    assert "Amira" in text and "stage one review" in text and doc["policy_version"] in text
    shot(page, "officer-letter-issued")


def test_planner_awards_with_a_phone_and_issues_travel_letters(page, service):
    """Award from the page with the operator's phone, issue letters: one per child on the awarded routes, the rest listed."""
    with service.client("planner") as c:
        r = c.post("/v1/jobs", json={"scenario_id": service.seed["scenario_id"], "time_limit_s": 2})
        plan_id = wait_job(c, r.json()["id"])["plan_id"]
        lots = c.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "procurement"}).json()["data"]
        assert len(lots) > 1, "the test awards one lot of several"  # by school, the seed plan makes one lot
        for lot in lots:
            assert c.post(f"/v1/lots/{lot['id']}/publish").status_code == 200
        sheets = c.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
    lot = lots[0]
    refs = {r["ref"].split("-")[-1] for r in lot["routes"]}
    riders = {row["child"] for row in sheets if row["route"] in refs and row["kind"] == "pickup"}
    total = len({row["child"] for row in sheets if row["kind"] == "pickup"})

    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner/lots?plan={plan_id}")
    page.wait_for_selector("#lots-table")
    page.select_option("#award-lot", str(lot["id"]))
    page.fill("#award-operator", OPERATORS[0])
    page.fill("#award-phone", PHONE)
    page.click("#award-button")
    page.wait_for_selector(f"#lots-table tr[data-lot='{lot['id']}'][data-status='awarded']")
    assert PHONE in page.inner_text("#lots-banner")
    page.fill("#letters-first-day", FIRST_DAY)
    page.click("#issue-letters")
    page.wait_for_selector("#letters-table")
    assert page.locator("#letters-table tbody tr").count() == len(riders)
    assert page.locator("#not-issued-table tbody tr").count() == total - len(riders)
    assert "not awarded yet" in page.inner_text("#not-issued-table")
    with service.client("planner") as c:
        issued = c.get("/v1/documents", params={"kind": "travel_letter", "plan_id": plan_id}).json()["data"]
        assert len(issued) == len(riders) and all(d["sent_at"] for d in issued)
        text = pdf_text(c.get(issued[0]["pdf_url"]).content)
    assert PHONE in text and OPERATORS[0] in text
    page.locator("#letters").scroll_into_view_if_needed()
    shot(page, "planner-travel-letters")


def test_readiness_page_shows_every_state_from_the_api(page, service):
    """The page's counts by state, by school and the not-ready list are the API's."""
    with service.client("planner") as c:
        v = c.get("/v1/readiness", params={"first_day": FIRST_DAY}).json()
    sign_in(page, service, "planner")
    page.click("#nav-list a[href='/web/readiness']")
    page.wait_for_url("**/web/readiness")
    page.fill("#first-day", FIRST_DAY)
    page.click("#show-readiness")
    page.wait_for_selector(f"#readiness[data-first-day='{FIRST_DAY}']:not([hidden])")
    assert page.inner_text("#ready-count") == f"{v['ready']} of {v['total']} ready"
    for state, n in v["states"].items():
        assert page.inner_text(f"#states-table tr[data-state='{state}'] td:last-child") == str(n)
    assert page.locator("#not-ready-table tbody tr").count() == len(v["not_ready"]) > 0
    assert page.locator("#schools-table tbody tr").count() == len(v["by_school"])
    first = v["not_ready"][0]
    assert first["reason"] in page.inner_text(f"#not-ready-table tr[data-reference='{first['reference']}']")
    assert page.locator("#countdown-table tbody tr").count() == len(v["countdown"])
    assert f"{v['days_to_go']} days to go" in page.inner_text("#days-to-go")
    page.locator("#headline").scroll_into_view_if_needed()
    shot(page, "readiness")
    sign_in(page, service, "contractor")
    page.goto(f"{service.url}/web/readiness")
    page.wait_for_selector("#page-message:not([hidden])")
    assert "for planner or officer keys" in page.inner_text("#page-message")


def test_route_sheets_page_says_where_to_go_and_what_each_route_costs(page, service):
    """Route sheets: each route's miles and day cost (adding up to the plan's), each pick-up's address or
    description (homes given as coordinates: tests/planning/test_pickup.py), each school's bell time."""
    plan_id = service.seed["plan_id"]
    with service.client("planner") as c:
        plan = c.get(f"/v1/plans/{plan_id}").json()
        rows = c.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
    by_route = {}
    for r in rows:
        by_route.setdefault(r["route"], r)
    assert sum(r["route_day_cost_pence"] for r in by_route.values()) == plan["kpis"]["daily_cost_pence"]
    homes = [r for r in rows if r["place"] == "home"]
    assert homes and all(r["address"] for r in homes)
    assert all(re.fullmatch(r"\d\d:\d\d", r["bell"]) for r in rows if r["kind"] == "delivery" and r["place"] != "home")
    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner/sheets?plan={plan_id}")
    page.wait_for_selector(".sen-sheet table")
    figures = page.eval_on_selector_all(".sen-sheet-figures", "els => els.map(e => e.innerText)")
    assert len(figures) == len(by_route) and all(re.fullmatch(r"[\d.]+ miles, £[\d,]+\.\d\d a day", f) for f in figures), figures
    text = page.inner_text("#sheets")
    assert "bell " in text and all(r["address"] in text for r in homes)


def test_readiness_page_never_shows_an_older_answer(page, service):
    """A slow answer for the day first shown never replaces the answer for the day the planner chose after."""
    held = []

    def hold_default(route):
        if f"first_day={FIRST_DAY}" in route.request.url:
            route.continue_()
        else:
            held.append(route)  # the default day's answer is let through last

    sign_in(page, service, "planner")
    page.route("**/v1/readiness?*", hold_default)
    page.goto(f"{service.url}/web/readiness")
    page.wait_for_function("document.getElementById('first-day').value !== ''")
    page.fill("#first-day", FIRST_DAY)
    page.click("#show-readiness")
    page.wait_for_selector(f"#readiness[data-first-day='{FIRST_DAY}']:not([hidden])")
    assert held, "the default day's request was made"
    with service.client("planner") as c:
        v = c.get("/v1/readiness", params={"first_day": FIRST_DAY}).json()
    with page.expect_response(lambda r: "/v1/readiness" in r.url and f"first_day={FIRST_DAY}" not in r.url):
        held[0].continue_()
    page.wait_for_timeout(500)  # let the page handle the older answer
    assert page.get_attribute("#readiness", "data-first-day") == FIRST_DAY
    assert page.locator("#countdown-table tbody tr").count() == len(v["countdown"])
    assert page.input_value("#first-day") == FIRST_DAY


def test_a_home_given_as_coordinates_says_where_to_go_on_both_route_sheets(page, service):
    """The seeded child whose home is only coordinates (COORD_CHILD, no postcode) is routed; the planner's route
    sheet and the awarded operator's lot both say where to go: the nearest street and the postcode unit, never a blank."""
    plan_id, lot_id = service.seed["plan_id"], service.seed["acme_lot"]
    with service.client("planner") as c:
        rows = c.get(f"/v1/plans/{plan_id}/route-sheets").json()["data"]
    row = next(r for r in rows if r["child"] == pseudonym(COORD_CHILD) and r["kind"] == "pickup")
    where = row["address"]
    assert re.fullmatch(r"[A-Z][\w '.-]+, near [A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", where), where  # street, near LE15 6xx
    assert row["operator"] == OPERATORS[0] and row["operator_child"]

    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner/sheets?plan={plan_id}")
    page.wait_for_selector(".sen-sheet table")
    cells = page.eval_on_selector_all(f".sen-sheet[data-route='{row['route']}'] tbody tr",
                                      "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    mine = [c for c in cells if c[5].startswith(row["child"]) and c[3].startswith("pickup")]
    assert len(mine) == 1 and mine[0][4] == where, cells

    sign_in(page, service, "contractor")
    page.goto(f"{service.url}/web/contractor?lot={lot_id}")
    page.wait_for_selector("table.lot-stops")
    stops = page.eval_on_selector_all("table.lot-stops tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    theirs = [s for s in stops if row["operator_child"] in s[4] and s[2].startswith("pickup")]
    assert len(theirs) == 1 and theirs[0][3] == where, stops
    assert COORD_CHILD not in page.content()
