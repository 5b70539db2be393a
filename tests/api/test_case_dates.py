"""Case dates: any year has a calendar, a date outside the sane range is refused before anything is stored."""

from __future__ import annotations

import datetime as dt

from tests.api.test_cases import _refused


def _review(client, keys, app, decided: dt.date, requested: str) -> dict:
    _refused(client, keys, app, decided)
    r = client.post("/v1/applications/T-001/reviews", json={"requested_on": requested, "grounds": "unsafe road"},
                    headers=keys["officer"])
    assert r.status_code == 201, r.text
    return r.json()


def test_outcome_in_2028_is_stored_and_readable(client, keys, app):
    """An outcome dated 2028 (past the old bundled calendar) is accepted and the case stays readable."""
    h = keys["officer"]
    case = _review(client, keys, app, dt.date(2027, 12, 1), "2027-12-10")
    assert case["respond_by"] == "2028-01-12"  # skips 27/28 Dec 2027 (substitute days) and 3 Jan 2028
    up = client.post(f"/v1/cases/{case['id']}/outcome", json={
        "outcome": "refusal_upheld", "decided_on": "2028-01-05", "reason": "Route assessed: footway all the way."}, headers=h)
    assert up.status_code == 200, up.text
    assert up.json()["appeal_deadline"] == "2028-02-02"
    assert client.get(f"/v1/cases/{case['id']}", headers=h).status_code == 200
    assert client.get("/v1/cases?include_decided=true", headers=h).status_code == 200


def test_far_future_outcome_is_refused_and_stores_nothing(client, keys, app):
    """decided_on 9999-12-31 is a 422 naming the field; the case is still open and every read still works."""
    h = keys["officer"]
    case = _review(client, keys, app, dt.date(2025, 4, 10), "2025-04-14")
    r = client.post(f"/v1/cases/{case['id']}/outcome", json={
        "outcome": "refusal_upheld", "decided_on": "9999-12-31", "reason": "Route assessed: footway all the way."}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "decided_on"]
    assert "9999" not in r.text
    got = client.get(f"/v1/cases/{case['id']}", headers=h)
    assert got.status_code == 200 and got.json()["status"] == "awaiting_review" and got.json()["outcome"] is None
    listed = client.get("/v1/cases?include_decided=true", headers=h)
    assert listed.status_code == 200 and listed.json()["count"] == 1


def test_far_dates_refused_everywhere(client, keys, app):
    """requested_on, hearing_on and the today query are range-checked too (422, never 500)."""
    h = keys["officer"]
    _refused(client, keys, app, dt.date(2025, 4, 10))
    r = client.post("/v1/applications/T-001/reviews", json={"requested_on": "9999-12-31", "grounds": "g",
                                                             "accept_late": True}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "requested_on"]
    assert client.get("/v1/cases", headers=h).json()["count"] == 0
    assert client.get("/v1/cases?today=9999-12-31&due_within=3", headers=h).status_code == 422
    assert client.get("/v1/cases/1?today=0001-01-01", headers=h).status_code in (404, 422)


def test_a_stored_far_date_does_not_break_reading(client, keys, app):
    """A case written with decided_on 9999-12-31 before dates were checked still reads (no deadline shown),
    and so does the list of cases."""
    from api.models import CaseRecord

    h = keys["officer"]
    case = _review(client, keys, app, dt.date(2025, 4, 10), "2025-04-14")
    with app.state.sessions() as s:
        rec = s.get(CaseRecord, case["id"])
        rec.status, rec.outcome, rec.outcome_reason, rec.decided_on = "decided", "refusal_upheld", "legacy row", dt.date(9999, 12, 31)
        s.commit()
    got = client.get(f"/v1/cases/{case['id']}", headers=h)
    assert got.status_code == 200 and got.json()["appeal_deadline"] is None
    assert client.get("/v1/cases?include_decided=true&due_within=5", headers=h).status_code == 200
    assert client.get("/v1/cases?include_decided=true", headers=h).json()["count"] == 1
