"""Eligibility through HTTP: stateless check, assess and store, cohort re-assessment after a policy change, overrides."""

from __future__ import annotations

from tests.api.conftest import COHORT_CSV, application_body


def _import(client, keys, assess=False):
    r = client.post(f"/v1/applications/import?assess={str(assess).lower()}", content=COHORT_CSV.read_bytes(),
                    headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 200
    return r.json()


def test_check_is_stateless(client, keys):
    """The check decides and explains but stores nothing (not even the application)."""
    r = client.post("/v1/eligibility/check", json=application_body(), headers=keys["officer"])
    assert r.status_code == 200
    d = r.json()
    assert d["eligible"] is True and "sen-mobility" in d["bases"] and d["policy_id"] == "kent"
    assert d["explanation"].startswith("Your child is eligible") and d["offer"]["kind"] == "seat"
    assert client.get("/v1/applications", headers=keys["officer"]).json()["count"] == 0


def test_check_home_by_uprn(client, keys):
    """A home given by UPRN is measured from its address point; an unknown UPRN is a 422 naming it."""
    r = client.post("/v1/eligibility/check", json=application_body(home={"uprn": "990000000001"}),
                    headers=keys["officer"])
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["home_measured_from"] == "uprn" and d["inputs"]["home_source"].startswith("UPRN 990000000001")
    bad = client.post("/v1/eligibility/check", json=application_body(home={"uprn": "990000009999"}),
                      headers=keys["officer"])
    assert bad.status_code == 422 and "UPRN is not in the address file" in bad.text and "990000009999" not in bad.text
    assert client.post("/v1/eligibility/check", json=application_body(home={"uprn": "12ab"}),
                       headers=keys["officer"]).status_code == 422


def test_check_unknown_school_is_422(client, keys):
    """An application naming an unknown school cannot be decided: 422 with the reason."""
    r = client.post("/v1/eligibility/check", json=application_body(school_id="999999"), headers=keys["officer"])
    assert r.status_code == 422 and "999999" in r.json()["detail"][0]["msg"]


def test_assess_and_store_keeps_explanation(client, keys):
    """A stored decision carries the policy version and the full explanation; the application shows it as current."""
    client.post("/v1/applications", json=application_body(), headers=keys["officer"])
    r = client.post("/v1/applications/T-001/assess", headers=keys["officer"])
    assert r.status_code == 201
    d = r.json()
    assert d["kind"] == "assessment" and d["policy_version"].startswith("kent@")
    assert d["document"]["checks"] and d["explanation"] == d["document"]["explanation"]
    app = client.get("/v1/applications/T-001", headers=keys["officer"]).json()
    assert app["status"] == "eligible" and app["current_decision"]["id"] == d["id"]
    assert client.post("/v1/applications/NOPE/assess", headers=keys["officer"]).status_code == 404


def test_reassess_after_policy_change_lists_changes(client, keys):
    """Re-assessing the cohort under the statutory policy lists exactly the decisions that changed."""
    _import(client, keys, assess=True)
    r = client.post("/v1/eligibility/assessments", json={"scope": "all", "policy": "statutory"}, headers=keys["officer"])
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["policy_id"] == "statutory" and rep["assessed"] == 10
    changed = {c["application_id"]: c for c in rep["changed"]}
    assert set(changed) == {"SYN-007", "SYN-008"}  # post-16: Kent's discretion, not a statutory duty
    assert changed["SYN-008"]["before_eligible"] and not changed["SYN-008"]["after_eligible"]
    assert changed["SYN-008"]["after_refusal"] == "not-compulsory-school-age"
    assert rep["unchanged"] == 8
    hist = client.get("/v1/applications/SYN-008/decisions", headers=keys["officer"]).json()["data"]
    assert [h["kind"] for h in hist] == ["assessment", "reassessment"]
    assert hist[1]["supersedes_id"] == hist[0]["id"]
    again = client.post("/v1/eligibility/assessments", json={"scope": "all", "policy": "statutory"},
                        headers=keys["officer"]).json()
    assert again["changed"] == [] and again["unchanged"] == 10


def test_unknown_policy_is_422(client, keys):
    """Only the configured policies can be named."""
    r = client.post("/v1/eligibility/assessments", json={"scope": "all", "policy": "atlantis"}, headers=keys["officer"])
    assert r.status_code == 422


def test_override_needs_reason_and_survives_reassessment(client, keys):
    """An override needs a real reason, is kept in the history, and a re-assessment leaves it in force."""
    _import(client, keys, assess=True)
    short = client.post("/v1/applications/SYN-001/override", json={"eligible": True, "reason": "because"},
                        headers=keys["officer"])
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "reason"]
    missing = client.post("/v1/applications/SYN-001/override", json={"eligible": True}, headers=keys["officer"])
    assert missing.status_code == 422
    ok = client.post("/v1/applications/SYN-001/override",
                     json={"eligible": True, "reason": "Parent's disability: cannot accompany (evidence on file)"},
                     headers=keys["officer"])
    assert ok.status_code == 201 and ok.json()["kind"] == "override" and ok.json()["eligible"]
    rep = client.post("/v1/eligibility/assessments", json={"scope": "all"}, headers=keys["officer"]).json()
    assert [s["application_id"] for s in rep["skipped"]] == ["SYN-001"]
    assert client.get("/v1/applications/SYN-001", headers=keys["officer"]).json()["status"] == "eligible"


def test_override_before_assessment_is_409(client, keys):
    """There is nothing to override until the application has a decision."""
    client.post("/v1/applications", json=application_body(), headers=keys["officer"])
    r = client.post("/v1/applications/T-001/override", json={"eligible": False, "reason": "Not needed any more."},
                    headers=keys["officer"])
    assert r.status_code == 409


def test_audit_log_has_no_personal_data(client, keys):
    """The audit log records who did what to which record, never names, postcodes or dates of birth."""
    _import(client, keys, assess=True)
    client.post("/v1/applications/SYN-004/override", json={"eligible": False, "reason": "Family moved to LE15 6HJ on 2025-10-01"},
                headers=keys["officer"])
    log = client.get("/v1/audit?limit=1000", headers=keys["admin"]).json()
    actions = {e["action"] for e in log["data"]}
    assert {"application.import", "decision.assessment", "decision.override"} <= actions
    text = str(log)
    for personal in ("Amira", "Freya", "LE15 6HJ", "LE15 8PU", "2014-06-30", "2025-10-01", "EHC plan", "Family moved"):
        assert personal not in text
    one = client.get("/v1/audit?record_type=application&record_id=SYN-004", headers=keys["admin"]).json()
    assert [e["action"] for e in one["data"]] == ["decision.override", "decision.assessment"]
