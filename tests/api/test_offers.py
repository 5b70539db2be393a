"""Offers through the API: a stored plan's children (officers see references, planners pseudonyms),
stored after the first time, and one child's offers for the decision screen."""

from __future__ import annotations

from sqlalchemy import select

from api.models import AuditEvent, PlanOffersRecord, PlanRecord, ScenarioRecord
from tests.api.conftest import application_body

HOMES = ("LE15 8PU", "LE15 6HQ", "LE15 9TJ", "LE15 6RP")


def stored_plan(client, keys, app, drive_net) -> int:
    """Four decided applications to Catmose College, planned for a second and stored as a plan."""
    from api.services.records import stored_application
    from api.models import ApplicationRecord
    from transport.domain.schools import load_schools
    from transport.domain.fleet import default_fleet
    from transport.planning.intake import scenario_from_applications
    from transport.planning.plan import plan_scenario

    h = keys["officer"]
    for i, pc in enumerate(HOMES):
        body = application_body(f"T-00{i}", home={"postcode": pc},
                                needs={"can_use_public_transport": i % 2 == 0, "travel_training_candidate": True})
        assert client.post("/v1/applications", json=body, headers=h).status_code == 201
        assert client.post(f"/v1/applications/T-00{i}/assess", headers=h).json()["eligible"]
    with app.state.sessions() as s:
        apps = [stored_application(r)[0] for r in s.scalars(select(ApplicationRecord))]
        scenario = scenario_from_applications(apps, load_schools(), default_fleet(len(apps)))
        doc = plan_scenario(scenario, time_limit_s=1, network=drive_net)
        rec = ScenarioRecord(name="t", session="am", source="test", children=4,
                             document=scenario.model_dump(mode="json"), created_by="test")
        s.add(rec)
        s.flush()
        plan = PlanRecord(scenario_id=rec.id, document=doc.to_dict(), kpis=doc.kpis(), violations=doc.violations,
                          geojson={"type": "FeatureCollection", "features": []})
        s.add(plan)
        s.commit()
        return plan.id


def test_plan_offers_for_officers_and_planners(client, keys, app, drive_net):
    """Every eligible child has each option with workings; officers see references, planners only
    pseudonyms; the report is stored and audited once."""
    plan_id = stored_plan(client, keys, app, drive_net)
    r = client.get(f"/v1/plans/{plan_id}/offers", headers=keys["officer"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 4 and body["accepted"] is None
    refs = {c["child_id"] for c in body["data"]}
    assert refs == {f"T-00{i}" for i in range(4)}
    for child in body["data"]:
        kinds = {o["kind"]: o for o in child["options"]}
        assert {"seat", "ptb", "pass", "travel_training"} <= set(kinds)
        assert kinds["seat"]["workings"] and kinds["ptb"]["rule"]
        flagged = int(child["child_id"][-1]) % 2 == 0  # the TIF says these can use public transport
        assert kinds["pass"]["suitable"] is flagged, kinds["pass"]
        assert kinds["pass"]["suitable"] or "public transport" in kinds["pass"]["reason"]
    planner = client.get(f"/v1/plans/{plan_id}/offers", headers=keys["planner"]).json()
    assert all(c["child_id"] is None and c["pseudonym"].startswith("P-") for c in planner["data"])
    assert "T-00" not in str(planner)
    assert client.get(f"/v1/plans/{plan_id}/offers", headers=keys["contractor"]).status_code == 403
    with app.state.sessions() as s:
        assert s.get(PlanOffersRecord, plan_id) is not None
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "plan.offers")).all()) == 1


def test_application_offers_for_the_decision_screen(client, keys, app, drive_net):
    """The officer's view of one child: their offers and the plan they come from; 404 when on no plan."""
    plan_id = stored_plan(client, keys, app, drive_net)
    one = client.get("/v1/applications/T-001/offers", headers=keys["officer"]).json()
    assert one["plan_id"] == plan_id and one["child_id"] == "T-001" and one["cheapest"] in ("seat", "ptb")
    assert client.post("/v1/applications", json=application_body("T-999"), headers=keys["officer"]).status_code == 201
    missing = client.get("/v1/applications/T-999/offers", headers=keys["officer"])
    assert missing.status_code == 404 and "not on a route in any stored plan" in missing.text
    assert client.get("/v1/applications/T-001/offers", headers=keys["planner"]).status_code == 403


def test_replanned_saving_through_the_api(client, keys, app, drive_net):
    """With ``replan_s`` the saving if families accept is re-planned and validated."""
    plan_id = stored_plan(client, keys, app, drive_net)
    body = client.get(f"/v1/plans/{plan_id}/offers?replan_s=1", headers=keys["officer"]).json()
    acc = body["accepted"]
    cheaper = [c["child_id"] for c in body["data"] if c["cheapest"] != "seat"]
    if cheaper:
        assert acc is not None and sorted(acc["children"]) == sorted(cheaper) and acc["violations"] == 0
    else:
        assert acc is None
