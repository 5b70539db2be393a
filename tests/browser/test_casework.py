"""The officer's casework on the decision screen: a stage 1 review, a stage 2 appeal with its hearing and the
panel's outcome, an override with its mandatory reason, and the list's "under review" and "overdue" filters."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.browser.conftest import shot, sign_in

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def govuk(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _refused(c, ref: str) -> None:
    """Store and decide an application that Kent's policy refuses (within walking distance)."""
    body = {"application_id": ref, "first_name": "Casey", "date_of_birth": "2017-04-14", "sex": "F",
            "home": {"postcode": "LE15 7PT"}, "school_id": "138113", "travel_date": "2025-09-03"}
    assert c.post("/v1/applications", json=body).status_code == 201
    assert c.post(f"/v1/applications/{ref}/assess").json()["eligible"] is False


def _open(page, service, ref: str) -> None:
    page.goto(f"{service.url}/web/officer?application={ref}")
    page.wait_for_selector("#casework")


def _date(page, prefix: str, iso: str) -> None:
    d = dt.date.fromisoformat(iso)
    page.fill(f"#{prefix}-day", str(d.day))
    page.fill(f"#{prefix}-month", str(d.month))
    page.fill(f"#{prefix}-year", str(d.year))


def test_review_appeal_hearing_and_outcome_on_the_decision_screen(page, service):
    """Review asked (grounds required), upheld (reason checked), appeal, hearing on a weekend refused beside the
    field, then the panel overturns: the screen shows eligible by appeal, the history and every deadline."""
    page.expected_status = {422}
    with service.client("officer") as c:
        _refused(c, "CW-001")
    sign_in(page, service, "officer")
    _open(page, service, "CW-001")
    assert "Not eligible" in page.inner_text("#decision-panel")
    page.click("#review-details summary")
    page.click("#review-button")
    page.wait_for_selector("#review-grounds-error:not([hidden])")
    assert "Enter the grounds" in page.inner_text("#errors")
    page.fill("#review-grounds", "The walk crosses the A606 without a footway.")
    page.click("#review-button")
    page.wait_for_selector(".sen-case")
    with service.client("officer") as c:
        review = c.get("/v1/cases", params={"application_id": "CW-001", "include_decided": True}).json()["data"][0]
    card = page.inner_text(f"#case-{review['id']}")
    assert "Stage 1 review" in card and "Awaiting review answer" in card
    assert f"review answer: {govuk(review['respond_by'])} ({review['working_days_left']} working days left)" in card
    shot(page, "officer-casework-review")

    page.click("#outcome-details summary")
    page.check("#outcome-choice-refusal_upheld")
    page.fill("#outcome-reason", "too short")
    page.click("#outcome-button")
    page.wait_for_selector("#outcome-reason-error:not([hidden])")
    assert "at least 10 characters" in page.inner_text("#outcome-reason-error")
    page.fill("#outcome-reason", "Route assessed again: a footway all the way.")
    page.click("#outcome-button")
    page.wait_for_selector("#appeal-details")
    assert "Refusal upheld" in page.inner_text(f"#case-{review['id']}")
    page.click("#appeal-details summary")
    page.fill("#appeal-grounds", "We ask the panel to look at the crossing.")
    page.click("#appeal-button")
    page.wait_for_selector("#hearing-details")
    with service.client("officer") as c:
        cases = c.get("/v1/cases", params={"application_id": "CW-001", "include_decided": True}).json()["data"]
    appeal = next(x for x in cases if x["stage"] == 2)
    card = page.inner_text(f"#case-{appeal['id']}")
    assert "Awaiting panel hearing" in card and f"panel hearing: {govuk(appeal['hearing_by'])}" in card

    page.click("#hearing-details summary")
    saturday = dt.date.fromisoformat(appeal["requested_on"])
    saturday += dt.timedelta(days=(5 - saturday.weekday()) % 7 or 7)
    _date(page, "hearing-on", saturday.isoformat())
    page.click("#hearing-button")
    page.wait_for_selector("#hearing-on-error:not([hidden])")
    assert "not a working day" in page.inner_text("#hearing-on-error")
    assert page.get_attribute("#errors .govuk-error-summary__list a", "href") == "#hearing-on-day"
    _date(page, "hearing-on", appeal["hearing_by"])
    page.click("#hearing-button")
    page.wait_for_selector(f"#case-{appeal['id']} :text('Hearing scheduled')")
    page.click("#outcome-details summary")
    page.check("#outcome-choice-refusal_overturned")
    _date(page, "outcome-on", appeal["hearing_by"])
    page.fill("#outcome-reason", "The panel found the A606 crossing unsafe.")
    page.click("#outcome-button")
    page.wait_for_selector("#decision-history :text('Stage 2 appeal')")
    assert page.inner_text("#decision-panel").startswith("Eligible")
    assert "stage 2 appeal" in page.inner_text("#decision-panel")
    history = page.inner_text("#decision-history")
    assert "Assessment" in history and "Stage 2 appeal" in history and "A606 crossing unsafe" in history
    assert page.query_selector("#assessment-panel") is not None  # the engine's refusal still shown, as replaced
    assert page.query_selector("#override-details") is not None
    shot(page, "officer-casework")


def test_override_needs_a_reason(page, service):
    """An override without a reason is stopped on the page; with one it replaces the decision and is in the history."""
    with service.client("officer") as c:
        _refused(c, "CW-002")
    sign_in(page, service, "officer")
    _open(page, service, "CW-002")
    page.click("#override-details summary")
    page.check("#override-eligible-true")
    page.click("#override-button")
    page.wait_for_selector("#override-reason-error:not([hidden])")
    assert "Enter the reason for the override" in page.inner_text("#errors")
    with service.client("officer") as c:
        assert len(c.get("/v1/applications/CW-002/decisions").json()["data"]) == 1  # nothing stored
    page.fill("#override-reason", "Parent's disability prevents accompanying (evidence on file).")
    page.click("#override-button")
    page.wait_for_selector("#decision-history :text('Officer override')")
    assert page.inner_text("#decision-panel").startswith("Eligible")
    assert "officer's override" in page.inner_text("#decision-panel")
    assert "Officer override" in page.inner_text("#decision-history")
    with service.client("officer") as c:
        hist = c.get("/v1/applications/CW-002/decisions").json()["data"]
    assert [d["kind"] for d in hist] == ["assessment", "override"] and hist[-1]["eligible"]
    page.click("#letter-link")  # the letter gives the officer's outcome, not the engine's refusal's empty bases
    page.wait_for_selector("#letter:not([hidden])")
    outcome = page.inner_text("#letter-outcome")
    assert outcome == "Casey is eligible: an officer's override decided so." and "()" not in outcome
    assert "agreed" in page.inner_text("#letter-title") and "not agreed" not in page.inner_text("#letter-title")


def test_list_filters_under_review_and_overdue(page, service):
    """The list's "under review" and "overdue" filters show the API's true counts; an overdue case is tagged."""
    with service.client("officer") as c:
        _refused(c, "CW-003")
        today = dt.date.today().isoformat()
        case = c.post("/v1/applications/CW-003/reviews", json={"requested_on": today, "grounds": "unsafe road"}).json()
    engine = sa.create_engine(service.database_url)
    with engine.begin() as conn:  # twenty working days have passed without an answer
        conn.execute(sa.text("UPDATE cases SET respond_by = :d WHERE id = :id"),
                     {"d": dt.date.today() - dt.timedelta(days=3), "id": case["id"]})
    engine.dispose()
    with service.client("officer") as c:
        under = c.get("/v1/applications", params={"status": "under_review", "limit": 500}).json()
        overdue = c.get("/v1/applications", params={"status": "overdue", "limit": 500}).json()
    assert "CW-003" in [a["id"] for a in overdue["data"]] and overdue["count"] <= under["count"]
    sign_in(page, service, "officer")
    page.wait_for_selector("#find-count")
    page.select_option("#find-status", "under_review")
    page.click("#find-button")
    page.wait_for_selector(f"#find-count:has-text('of {under['count']} application')")
    page.select_option("#find-status", "overdue")
    page.click("#find-button")
    page.wait_for_selector(f"#find-count:has-text('of {overdue['count']} application')")
    row = page.inner_text("#find-table tbody tr:has-text('CW-003')")
    assert "Stage 1: review answer due" in row and "Overdue" in row
    shot(page, "officer-list-overdue")
