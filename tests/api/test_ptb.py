"""PTB agreements through the API: officers only, refused for ineligible children, schedules,
changes of circumstances with their over- or under-payment, the month's payments CSV, audit."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from api.models import AuditEvent, PtbAgreementRecord, PtbChangeRecord
from tests.api.conftest import application_body


def decided(client, keys, ref="T-001", **kw) -> dict:
    """Store an application and decide it; returns the decision."""
    assert client.post("/v1/applications", json=application_body(ref, **kw), headers=keys["officer"]).status_code == 201
    return client.post(f"/v1/applications/{ref}/assess", headers=keys["officer"]).json()


def test_agree_a_ptb_with_its_schedule(client, keys, app):
    """An eligible child's PTB: the policy's band for the decision's straight-line distance, 11 payments on
    the 15th from September, and an audit entry that names no child."""
    d = decided(client, keys)
    assert d["eligible"]
    r = client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-01"},
                    headers=keys["officer"])
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["reference"].startswith("PTB-") and a["end"] == "2027-07-31"
    assert len(a["schedule"]) == 11 and all(i["due"].endswith("-15") for i in a["schedule"])
    assert sum(i["amount_pence"] for i in a["schedule"]) == a["terms"][0]["annual_pence"] in (200000, 300000, 500000)
    assert "straight-line distance" in a["terms"][0]["reason"]
    with app.state.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "ptb.agree")).all()
        assert len(events) == 1 and "T-001" not in events[0].detail
    assert client.get(f"/v1/ptb-agreements/{a['id']}", headers=keys["officer"]).json()["schedule"] == a["schedule"]
    listed = client.get("/v1/ptb-agreements?application_id=T-001", headers=keys["officer"]).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == a["id"]


def test_officers_only(client, keys):
    """Planners and contractors may not see or agree budgets."""
    decided(client, keys)
    for role in ("planner", "contractor"):
        assert client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-01"},
                           headers=keys[role]).status_code == 403
        assert client.get("/v1/ptb-agreements", headers=keys[role]).status_code == 403


def test_ineligible_child_gets_no_ptb_and_nothing_is_stored(client, keys, app):
    """A refused application is a 422 naming the application; no agreement is stored."""
    d = decided(client, keys, "T-002", ehc_plan=False, ehc_named_school_id=None, sen_mobility=False,
                home={"postcode": "LE15 6HQ"})
    assert not d["eligible"]
    r = client.post("/v1/ptb-agreements", json={"application_id": "T-002", "start": "2026-09-01"},
                    headers=keys["officer"])
    assert r.status_code == 422 and "T-002: not decided eligible" in r.text
    with app.state.sessions() as s:
        assert s.scalars(select(PtbAgreementRecord)).all() == []


def test_bad_terms_store_nothing(client, keys, app):
    """An end before the start, a start between PTB years, an overlapping second agreement: 4xx, nothing stored."""
    decided(client, keys)
    h = keys["officer"]
    assert client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-01",
                                                   "end": "2026-08-01"}, headers=h).status_code == 422
    assert client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-08-10"},
                       headers=h).status_code == 422
    assert client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "9999-12-31"},
                       headers=h).status_code == 422
    assert client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-01"},
                       headers=h).status_code == 201
    again = client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2027-01-01"}, headers=h)
    assert again.status_code == 409
    with app.state.sessions() as s:
        assert len(s.scalars(select(PtbAgreementRecord)).all()) == 1


def test_change_of_circumstances_states_the_overpayment(client, keys, app):
    """A move to a nearer home from 20 November, reported on 20 January: overpaid, with workings; the next
    instalments absorb it. A change dated outside the agreement is a 422 and stores nothing."""
    decided(client, keys)
    h = keys["officer"]
    a = client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-01",
                                                "annual_pence": 300000}, headers=h).json()
    bad = client.post(f"/v1/ptb-agreements/{a['id']}/changes", json={
        "kind": "home", "effective": "2027-09-20", "reported": "2027-09-21", "annual_pence": 200000}, headers=h)
    assert bad.status_code == 422 and "outside the agreement" in bad.text
    r = client.post(f"/v1/ptb-agreements/{a['id']}/changes", json={
        "kind": "home", "effective": "2026-11-20", "reported": "2027-01-20", "distance_m": 3000}, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["change"]["difference_pence"] > 0 and "overpaid by" in out["change"]["workings"]
    assert out["remaining"][0]["due"] == "2027-02-15" and "overpaid" in out["remaining"][0]["workings"]
    assert [t["annual_pence"] for t in out["agreement"]["terms"]] == [300000, 200000]
    with app.state.sessions() as s:
        assert len(s.scalars(select(PtbChangeRecord)).all()) == 1
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "ptb.change")).first() is not None
    left = client.post(f"/v1/ptb-agreements/{a['id']}/changes", json={
        "kind": "leaving", "effective": "2027-07-10", "reported": "2027-07-20"}, headers=h).json()
    assert left["agreement"]["end"] == "2027-07-09" and left["change"]["to_repay_pence"] > 0


def test_month_payments_csv(client, keys):
    """The month's payments: reference, amount and date, spreadsheet-safe, with a BOM for Excel."""
    decided(client, keys)
    h = keys["officer"]
    a = client.post("/v1/ptb-agreements", json={"application_id": "T-001", "start": "2026-09-16",
                                                "annual_pence": 200000}, headers=h).json()
    sept = client.get("/v1/ptb-payments.csv?month=2026-09", headers=h)
    assert sept.status_code == 200 and sept.headers["content-type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(sept.text.lstrip("\ufeff")))) == []
    octo = client.get("/v1/ptb-payments.csv?month=2026-10", headers=h)
    assert octo.text.startswith("\ufeff")
    (row,) = csv.DictReader(io.StringIO(octo.text.lstrip("\ufeff")))
    assert row["reference"] == a["reference"] and row["payment_date"] == "2026-10-15"
    assert int(row["amount_pence"]) == a["schedule"][0]["amount_pence"]
    assert client.get("/v1/ptb-payments.csv?month=2026-13", headers=h).status_code == 422
