"""Lots never leak: a route is in at most one live lot, an award names an operator that holds a key,
and withdrawing a lot removes its operator's access at once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.services import planning as svc
from tests.api.conftest import OPERATORS


@pytest.fixture(scope="module")
def plan_result() -> tuple[dict, dict]:
    """A validated plan of a synthetic eight-child Rutland scenario, solved once for the module."""
    from transport.planning.cohort import generate_scenario
    from transport.planning.plan import plan_scenario

    scenario = generate_scenario(8, seed=5, name="lot leaks")
    doc = plan_scenario(scenario, time_limit_s=2)
    assert not doc.violations
    return scenario.model_dump(mode="json"), {"document": doc.to_dict(), "geojson": doc.routes_geojson(),
                                              "kpis": doc.kpis(), "violations": doc.violations}


@pytest.fixture
def plan_id(app, keys, client, plan_result) -> int:
    """The plan stored in this test's database (as a worker would store it)."""
    scenario, result = plan_result
    r = client.post("/v1/scenarios", json=scenario, headers=keys["planner"])
    assert r.status_code == 201, r.text
    with app.state.sessions() as s:
        plan = svc.store_plan(s, SimpleNamespace(id=None, scenario_id=r.json()["id"]), result)
        s.commit()
        return plan.id


def _lots(client, keys, plan_id, grouping):
    r = client.post(f"/v1/plans/{plan_id}/lots", json={"grouping": grouping}, headers=keys["planner"])
    return r


def _publish_award(client, keys, lot_id, operator):
    assert client.post(f"/v1/lots/{lot_id}/publish", headers=keys["planner"]).status_code == 200
    return client.post(f"/v1/lots/{lot_id}/award", json={"operator": operator}, headers=keys["planner"])


def test_a_route_is_in_at_most_one_live_lot(client, keys, plan_id):
    """Packaging by school after packaging by procurement is a 409: the routes are already in live lots."""
    first = _lots(client, keys, plan_id, "procurement")
    assert first.status_code == 201
    second = _lots(client, keys, plan_id, "school")
    assert second.status_code == 409, second.text
    assert "withdraw" in second.json()["detail"]
    lots = client.get(f"/v1/plans/{plan_id}/lots", headers=keys["planner"]).json()["data"]
    routes = [r["ref"].split("-")[1] for lot in lots for r in lot["routes"]]
    assert len(routes) == len(set(routes))


def test_award_must_name_an_operator_with_a_key(client, keys, plan_id):
    """'acme taxis ' matches no contractor key: 422 on the operator field, and the lot stays published."""
    lot = _lots(client, keys, plan_id, "procurement").json()["data"][0]
    r = _publish_award(client, keys, lot["id"], "acme taxis ")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "operator"]
    assert "acme taxis" not in r.text
    got = client.get(f"/v1/plans/{plan_id}/lots", headers=keys["planner"]).json()["data"][0]
    assert got["status"] == "published" and got["operator"] is None
    ok = client.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}, headers=keys["planner"])
    assert ok.status_code == 201


def test_withdrawal_removes_access_at_once_and_frees_the_routes(client, keys, plan_id):
    """Withdrawing an awarded lot: its operator gets 403 on the next request, the lot leaves the tender list,
    and the routes can be packaged again (and awarded to someone else)."""
    lots = _lots(client, keys, plan_id, "procurement").json()["data"]
    lot = lots[0]
    assert _publish_award(client, keys, lot["id"], OPERATORS[0]).status_code == 201
    assert client.get(f"/v1/contractor/lots/{lot['id']}", headers=keys["contractor"]).status_code == 200
    assert client.post(f"/v1/lots/{lot['id']}/withdraw", headers=keys["contractor"]).status_code == 403
    w = client.post(f"/v1/lots/{lot['id']}/withdraw", headers=keys["planner"])
    assert w.status_code == 200 and w.json()["status"] == "withdrawn", w.text
    assert client.get(f"/v1/contractor/lots/{lot['id']}", headers=keys["contractor"]).status_code == 403
    assert client.get("/v1/contractor/lots", headers=keys["contractor"]).json()["count"] == 0
    assert lot["id"] not in [t["id"] for t in client.get("/v1/tenders", headers=keys["contractor"]).json()["data"]]
    assert client.get(f"/v1/tenders/{lot['id']}", headers=keys["contractor"]).status_code == 404
    assert client.post(f"/v1/lots/{lot['id']}/withdraw", headers=keys["planner"]).status_code == 409
    for other in lots[1:]:
        assert client.post(f"/v1/lots/{other['id']}/withdraw", headers=keys["planner"]).status_code == 200
    again = _lots(client, keys, plan_id, "school")
    assert again.status_code == 201, again.text
    new = again.json()["data"][0]
    assert _publish_award(client, keys, new["id"], OPERATORS[1]).status_code == 201
    assert client.get(f"/v1/contractor/lots/{new['id']}", headers=keys["contractor2"]).status_code == 200
    assert client.get(f"/v1/contractor/lots/{new['id']}", headers=keys["contractor"]).status_code == 403


def test_school_lots_are_one_per_school_named_after_it(client, keys, plan_id):
    """Packaging by school: each route in exactly one lot, each lot named after one school it serves."""
    lots = _lots(client, keys, plan_id, "school").json()["data"]
    routes = [r["ref"] for lot in lots for r in lot["routes"]]
    assert len(routes) == len(set(routes)) > 0
    assert all(" and " not in lot["name"] and lot["name"].endswith(("route)", "routes)", "school)", "schools)"))
               for lot in lots), [lot["name"] for lot in lots]
    assert len({lot["key"].split("/")[0] for lot in lots}) == len(lots)


def test_a_withdrawn_lot_goes_back_to_tender_while_the_others_stay_live(client, keys, plan_id):
    """Withdraw one awarded lot of several: re-tendering it makes a new draft with the same routes while the other
    lots stay live; it can be awarded to another operator; a live lot, or a lot whose routes are held, is refused."""
    lots = _lots(client, keys, plan_id, "school").json()["data"]
    first, others = lots[0], lots[1:]
    assert others, "the eight-child plan's two routes serve different schools: two school lots"
    assert _publish_award(client, keys, first["id"], OPERATORS[0]).status_code == 201
    live = client.post(f"/v1/lots/{first['id']}/retender", headers=keys["planner"])
    assert live.status_code == 409 and "withdraw it" in live.json()["detail"]
    assert client.post(f"/v1/lots/{first['id']}/withdraw", headers=keys["planner"]).status_code == 200
    assert client.post(f"/v1/lots/{first['id']}/retender", headers=keys["contractor"]).status_code == 403
    again = client.post(f"/v1/lots/{first['id']}/retender", headers=keys["planner"])
    assert again.status_code == 201, again.text
    new = again.json()
    assert new["status"] == "draft" and new["id"] != first["id"] and new["name"] == first["name"]
    assert [r["ref"].split("-")[1] for r in new["routes"]] == [r["ref"].split("-")[1] for r in first["routes"]]
    twice = client.post(f"/v1/lots/{first['id']}/retender", headers=keys["planner"])
    assert twice.status_code == 409 and str(new["id"]) in twice.json()["detail"]
    assert _publish_award(client, keys, new["id"], OPERATORS[1]).status_code == 201
    assert client.get(f"/v1/contractor/lots/{new['id']}", headers=keys["contractor2"]).status_code == 200
    assert client.get(f"/v1/contractor/lots/{new['id']}", headers=keys["contractor"]).status_code == 403
    now = {lot["id"]: lot["status"] for lot in client.get(f"/v1/plans/{plan_id}/lots", headers=keys["planner"]).json()["data"]}
    assert now[first["id"]] == "withdrawn" and now[new["id"]] == "awarded"
    assert all(now[o["id"]] == "draft" for o in others)
    held = [r["ref"].split("-")[1] for lot in client.get(f"/v1/plans/{plan_id}/lots", headers=keys["planner"]).json()["data"]
            if lot["status"] != "withdrawn" for r in lot["routes"]]
    assert len(held) == len(set(held))
    assert client.post("/v1/lots/999999/retender", headers=keys["planner"]).status_code == 404
