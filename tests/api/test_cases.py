"""Reviews and appeals: working-day deadlines with bank holidays, stages in order, overturning a refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from api.models import DecisionRecord
from api.workdays import england_and_wales, read_closures
from tests.api.conftest import application_body
from transport.domain.errors import InputError


def test_bank_holidays_come_from_the_holidays_package():
    """England's bank holidays for any year, substitute days included (2026 Boxing Day is a Saturday)."""
    cal = england_and_wales()
    for year in (2024, 2025, 2026, 2028, 2031):
        assert sum(d.year == year for d in cal.bank_holidays) >= 8
    assert dt.date(2026, 12, 28) in cal.bank_holidays and not cal.is_working_day(dt.date(2026, 12, 28))
    assert dt.date(2027, 12, 28) in cal.bank_holidays  # Christmas and Boxing Day 2027 both at a weekend
    assert dt.date(2022, 9, 19) in cal.bank_holidays  # one-off: the State Funeral


def test_working_days_skip_weekends_and_holidays():
    """Twenty working days across Easter 2025 skip Good Friday and Easter Monday."""
    cal = england_and_wales()
    assert cal.add_working_days(dt.date(2025, 4, 10), 20) == dt.date(2025, 5, 13)  # also skips 5 May
    assert cal.add_working_days(dt.date(2025, 12, 19), 7) == dt.date(2026, 1, 2)   # Christmas, Boxing Day, New Year
    assert cal.add_working_days(dt.date(2025, 6, 6), 0) == dt.date(2025, 6, 6)
    assert cal.working_days_between(dt.date(2025, 4, 10), dt.date(2025, 5, 13)) == 20
    assert cal.working_days_between(dt.date(2025, 5, 13), dt.date(2025, 4, 10)) == -20


def test_council_closures_are_data(tmp_path):
    """The council's own closure days (YAML) are skipped as well; a bad entry names its position."""
    closures = tmp_path / "closures.yaml"
    closures.write_text("closures:\n  - {date: 2025-12-29, title: Council offices closed}\n")
    cal = england_and_wales(str(closures))
    assert not cal.is_working_day(dt.date(2025, 12, 29)) and england_and_wales().is_working_day(dt.date(2025, 12, 29))
    assert cal.add_working_days(dt.date(2025, 12, 19), 7) == dt.date(2026, 1, 5)
    closures.write_text("closures:\n  - {title: no date}\n")
    with pytest.raises(InputError, match="closure 1"):
        read_closures(closures)


def test_calendar_refuses_dates_outside_the_sane_range():
    """A date nobody meant (year 9999) is an error, never an overflow."""
    with pytest.raises(InputError, match="between"):
        england_and_wales().add_working_days(dt.date(9999, 12, 20), 20)
    with pytest.raises(InputError, match="between"):
        england_and_wales().working_days_between(dt.date(2025, 1, 1), dt.date.max)


def _refused(client, keys, app, decided: dt.date) -> int:
    """A refused application T-001 whose decision is dated ``decided``."""
    body = application_body(ehc_plan=False, ehc_named_school_id=None, sen_mobility=False, sen_evidence="",
                            home={"postcode": "LE15 7PT"}, school_id="138113", date_of_birth="2017-04-14")
    assert client.post("/v1/applications", json=body, headers=keys["officer"]).status_code == 201
    d = client.post("/v1/applications/T-001/assess", headers=keys["officer"]).json()
    assert d["eligible"] is False, d["explanation"]
    with app.state.sessions() as s:
        s.get(DecisionRecord, d["id"]).created_at = dt.datetime(decided.year, decided.month, decided.day, 10, tzinfo=dt.UTC)
        s.commit()
    return d["id"]


def test_review_then_appeal_then_overturn(client, keys, app):
    """Stage 1 upheld, stage 2 panel overturns: deadlines follow the timescales and the refusal is replaced."""
    _refused(client, keys, app, dt.date(2025, 4, 10))
    h = keys["officer"]
    r = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-05-12", "grounds": "unsafe road"}, headers=h)
    assert r.status_code == 201, r.text
    review = r.json()
    assert review["request_deadline"] == "2025-05-13" and review["in_time"]
    assert review["respond_by"] == "2025-06-10"  # 20 working days, skipping the 26 May bank holiday
    assert review["next_deadline_is"] == "review answer" and review["working_days_left"] == 20
    assert client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-05-12", "grounds": "again"},
                       headers=h).status_code == 409
    assert client.post(f"/v1/cases/{review['id']}/appeal", json={"requested_on": "2025-05-20", "grounds": "x"},
                       headers=h).status_code == 409  # not decided yet
    up = client.post(f"/v1/cases/{review['id']}/outcome", json={
        "outcome": "refusal_upheld", "decided_on": "2025-06-02", "reason": "Route assessed: footway all the way."}, headers=h)
    assert up.status_code == 200 and up.json()["appeal_deadline"] == "2025-06-30"
    ap = client.post(f"/v1/cases/{review['id']}/appeal", json={"requested_on": "2025-06-16", "grounds": "Panel please"}, headers=h)
    assert ap.status_code == 201, ap.text
    appeal = ap.json()
    assert appeal["stage"] == 2 and appeal["hearing_by"] == "2025-08-11" and appeal["status"] == "awaiting_hearing"
    assert client.post(f"/v1/cases/{appeal['id']}/outcome", json={
        "outcome": "refusal_overturned", "decided_on": "2025-07-01", "reason": "Panel has not met yet, so no."}, headers=h).status_code == 409
    late = client.post(f"/v1/cases/{appeal['id']}/hearing", json={"hearing_on": "2025-08-12"}, headers=h)
    assert late.status_code == 422 and late.json()["detail"][0]["loc"] == ["body", "hearing_on"]
    hear = client.post(f"/v1/cases/{appeal['id']}/hearing", json={"hearing_on": "2025-07-21"}, headers=h).json()
    assert hear["status"] == "hearing_scheduled" and hear["respond_by"] == "2025-07-28"
    done = client.post(f"/v1/cases/{appeal['id']}/outcome", json={
        "outcome": "refusal_overturned", "decided_on": "2025-07-22", "reason": "The panel found the A606 crossing unsafe."}, headers=h)
    assert done.status_code == 200 and done.json()["status"] == "decided"
    hist = client.get("/v1/applications/T-001/decisions", headers=h).json()["data"]
    assert [d["kind"] for d in hist] == ["assessment", "appeal"] and hist[-1]["eligible"]
    assert "A606" in hist[-1]["reason"]
    assert client.get("/v1/applications/T-001", headers=h).json()["status"] == "eligible"


def test_late_review_needs_discretion(client, keys, app):
    """A review asked for after 20 working days is refused unless the officer accepts it late."""
    _refused(client, keys, app, dt.date(2025, 4, 10))
    h = keys["officer"]
    late = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-05-14", "grounds": "late"}, headers=h)
    assert late.status_code == 422 and "2025-05-13" in late.json()["detail"][0]["msg"]
    ok = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-05-14", "grounds": "late",
                                                              "accept_late": True}, headers=h)
    assert ok.status_code == 201 and ok.json()["in_time"] is False


def test_eligible_decision_cannot_be_reviewed(client, keys):
    """Only a refusal can be reviewed."""
    client.post("/v1/applications", json=application_body(), headers=keys["officer"])
    client.post("/v1/applications/T-001/assess", headers=keys["officer"])
    r = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2026-11-23", "grounds": "x"},
                    headers=keys["officer"])
    assert r.status_code == 409


def test_cases_near_deadline(client, keys, app):
    """Listing with due_within keeps the cases whose next deadline is that close, nearest first."""
    _refused(client, keys, app, dt.date(2025, 4, 10))
    h = keys["officer"]
    case = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-04-14", "grounds": "g"}, headers=h).json()
    assert case["respond_by"] == "2025-05-15"
    near = client.get("/v1/cases?due_within=5&today=2025-05-08", headers=h).json()
    assert [c["id"] for c in near["data"]] == [case["id"]] and near["data"][0]["working_days_left"] == 5
    assert client.get("/v1/cases?due_within=4&today=2025-05-08", headers=h).json()["count"] == 0
    overdue = client.get("/v1/cases?due_within=0&today=2025-05-22", headers=h).json()
    assert overdue["data"][0]["working_days_left"] == -5


def test_applications_under_review_and_overdue(client, keys, app):
    """The officers' list filters applications with an open review or appeal, and those past its deadline,
    with true counts; the case's next deadline rides along with each application; cases list by application."""
    _refused(client, keys, app, dt.date(2025, 4, 10))
    h = keys["officer"]
    client.post("/v1/applications", json=application_body(application_id="T-002"), headers=h)
    case = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-04-14", "grounds": "g"}, headers=h).json()
    listed = lambda q: client.get(f"/v1/applications?{q}", headers=h).json()
    under = listed("status=under_review")
    assert under["count"] == 1 and [a["id"] for a in under["data"]] == ["T-001"]
    assert under["data"][0]["open_case"] == {"id": case["id"], "stage": 1, "status": "awaiting_review",
                                             "next_deadline": "2025-05-15", "next_deadline_is": "review answer"}
    assert listed("status=overdue&today=2025-05-15")["count"] == 0  # due today is not yet overdue
    assert [a["id"] for a in listed("status=overdue&today=2025-05-16")["data"]] == ["T-001"]
    assert listed("q=T-002")["data"][0]["open_case"] is None
    mine = client.get("/v1/cases?application_id=T-001&include_decided=true", headers=h).json()
    assert [c["id"] for c in mine["data"]] == [case["id"]]
    assert client.get("/v1/cases?application_id=T-002", headers=h).json()["count"] == 0
    client.post(f"/v1/cases/{case['id']}/outcome", json={"outcome": "refusal_upheld", "decided_on": "2025-05-01",
                                                          "reason": "Route assessed: footway all the way."}, headers=h)
    assert listed("status=under_review")["count"] == 0 and listed("status=overdue&today=2025-06-01")["count"] == 0
