"""GET /v1/schools: the schools officers and planners pick from (public attributes only)."""

from __future__ import annotations

from transport.domain.schools import load_schools


def test_school_list_matches_the_school_data(client, keys):
    """Every school of the attributes file is listed once, by name, with its bell times."""
    r = client.get("/v1/schools", headers=keys["officer"])
    assert r.status_code == 200
    body = r.json()
    known = load_schools()
    assert body["count"] == len(body["data"]) == len(known)
    assert [s["name"] for s in body["data"]] == sorted(s["name"] for s in body["data"])
    first = body["data"][0]
    school = known[first["id"]]
    assert first["start"] == school.bell_times.start.strftime("%H:%M:%S")
    assert (first["lat"], first["lon"]) == (school.location.lat, school.location.lon)


def test_school_list_filters(client, keys):
    """``q`` matches part of the name or the URN; ``special`` keeps schools with SEN provision."""
    known = load_schools()
    some = next(iter(known.values()))
    by_urn = client.get("/v1/schools", params={"q": some.id}, headers=keys["planner"]).json()
    assert some.id in [s["id"] for s in by_urn["data"]]
    word = some.name.split()[0].upper()
    by_name = client.get("/v1/schools", params={"q": word}, headers=keys["planner"]).json()
    assert all(word.lower() in s["name"].lower() or word.lower() in s["id"].lower() for s in by_name["data"])
    special = client.get("/v1/schools", params={"special": True}, headers=keys["planner"]).json()
    assert special["count"] == sum(1 for s in known.values() if s.sen_provision.value != "none") > 0
    assert all(s["sen_provision"] != "none" for s in special["data"])


def test_operator_list_names_operators_with_live_keys(client, keys):
    """GET /v1/operators lists each operator holding contractor keys, and drops one whose keys are revoked."""
    ops = client.get("/v1/operators", headers=keys["planner"]).json()["data"]
    assert [(o["operator"], o["active_keys"]) for o in ops] == sorted((o["operator"], 1) for o in ops)
    assert len(ops) == 2
    rows = client.get("/v1/keys", headers=keys["admin"]).json()["data"]
    victim = next(k for k in rows if k.get("operator") == ops[0]["operator"])
    assert client.delete(f"/v1/keys/{victim['id']}", headers=keys["admin"]).status_code == 200
    after = client.get("/v1/operators", headers=keys["planner"]).json()["data"]
    assert [o["operator"] for o in after] == [ops[1]["operator"]]
