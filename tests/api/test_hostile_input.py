"""Hostile or unlucky input gets a 4xx naming the field, never a 500, and nothing is stored."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import application_body

BIG_IDS = (2**63, 2**64, 10**30)


def _int_id_routes(app):
    """(method, path, integer path parameters) of every operation in the OpenAPI document."""
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            params = {p["name"] for p in op.get("parameters", [])
                      if p["in"] == "path" and p["schema"].get("type") == "integer"}
            if params:
                yield method.upper(), path, params


def test_ids_above_int64_are_4xx_on_every_id_route(client, keys, app):
    """Every /{id} route answers 4xx (not 500) for ids beyond a 64-bit integer."""
    routes = list(_int_id_routes(app))
    assert len(routes) >= 15
    for method, path, params in routes:
        for big in BIG_IDS:
            url = re.sub(r"\{(\w+)\}", lambda m, b=big, ps=params: str(b) if m.group(1) in ps else "1", path)
            for who in ("admin", "planner", "contractor"):
                r = client.request(method, url, headers=keys[who], json={})
                assert 400 <= r.status_code < 500, (method, url, who, r.status_code, r.text[:200])


def test_nul_in_static_path_is_not_a_500(client):
    """A NUL byte in a /web/static path is a 4xx, unauthenticated or not."""
    for path in ("/web/static/a%00b.js", "/web/static/%00", "/web/static/js/%00../x"):
        r = client.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)


@pytest.mark.parametrize("patch", [
    {"first_name": "Am\x00ira"},
    {"school_id": "131\x00018"},
    {"sen_evidence": "EHC plan\x00"},
    {"needs": {"equipment": ["booster\x00seat"]}},
    {"needs": {"not_with": ["T-9\x00"]}},
    {"needs": {"access_notes": "side gate\x00"}},
])
def test_nul_in_any_text_is_422_and_nothing_stored(client, keys, patch):
    """A NUL byte in any text field is refused with 422 naming the field; the list stays empty."""
    r = client.post("/v1/applications", json=application_body(**patch), headers=keys["officer"])
    assert r.status_code == 422, r.text
    assert "\x00" not in r.text and "\\u0000" not in r.text
    assert client.get("/v1/applications", headers=keys["officer"]).json()["count"] == 0


@pytest.mark.parametrize("needs", [
    {"equipment": ["x" * 1_000_000]},
    {"equipment": ["x" * 101]},
    {"not_with": ["T-" + "9" * 100]},
    {"equipment": ["booster seat"] * 21},
])
def test_per_item_length_limits(client, keys, needs):
    """needs.equipment and not_with items are limited in length as well as in number."""
    r = client.post("/v1/applications", json=application_body(needs=needs), headers=keys["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "needs"], r.text[:300]


def test_no_place_at_items_are_limited(client, keys):
    """no_place_at items are school ids: 64 characters at most."""
    r = client.post("/v1/applications", json=application_body(no_place_at=["1" * 65]), headers=keys["officer"])
    assert r.status_code == 422


def test_nul_or_huge_path_text_is_4xx(client, keys):
    """A NUL byte or a 1 MB reference in a path is a 4xx, not a 500."""
    assert client.get("/v1/applications/A%00B", headers=keys["officer"]).status_code in (400, 404, 422)
    assert client.get("/v1/applications/" + "A" * 20_000, headers=keys["officer"]).status_code in (404, 414, 422)


def test_csv_field_over_the_csv_module_limit_is_a_row_error(client, keys):
    """An import with a 200,000-character cell reports that row as an error and stores the others."""
    header = "application_id,date_of_birth,sex,home_postcode,school_urn,travel_date,first_name\n"
    good = "OK-1,2016-03-01,F,LE15 8AA,138113,2025-09-03,Ava\n"
    bad = "LONG-1,2016-03-01,F,LE15 8AA,138113,2025-09-03," + "x" * 200_000 + "\n"
    r = client.post("/v1/applications/import", content=(header + good + bad).encode(),
                    headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text[:300]
    rep = r.json()
    assert rep["rows"] == 2 and rep["created"] == 1 and rep["errors"] == 1
    assert "x" * 100 not in r.text


SCENARIO_FAMILY = {"ScenarioIn", "ScenarioSchool", "ScenarioChild", "FleetVehicle", "Point"}
"""Checked by ScenarioIn's own validator (any text 500 characters, bounded lists): see the test below."""


def _unbounded(doc) -> list[str]:
    """Request strings without maxLength (or enum, pattern, date format) and arrays without maxItems."""
    comps = doc["components"]["schemas"]
    found: list[str] = []

    def walk(s: dict, where: str, seen: frozenset) -> None:
        if "$ref" in s:
            name = s["$ref"].split("/")[-1]
            if name not in seen and name not in SCENARIO_FAMILY:
                walk(comps[name], name, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in s.get(key, []):
                walk(sub, where, seen)
        if s.get("type") == "string" and not ({"maxLength", "enum", "const", "pattern"} & set(s)) \
                and s.get("format") not in ("date", "date-time", "time", "binary"):
            found.append(where)
        if s.get("type") == "array":
            if "maxItems" not in s:
                found.append(where + "[]")
            walk(s.get("items", {}), where + "[]", seen)
        for k, v in s.get("properties", {}).items():
            walk(v, f"{where}.{k}", seen)
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], where + ".*", seen)

    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body["schema"], f"{method} {path}", frozenset())
            for p in op.get("parameters", []):
                walk(p["schema"], f"{method} {path} {p['name']}", frozenset())
    return sorted(set(found))


def test_every_request_text_and_list_is_bounded(app):
    """Every string a request can carry has a length limit and every list an item limit (OpenAPI)."""
    assert _unbounded(app.openapi()) == []


def test_uploaded_scenario_text_and_lists_are_bounded(client, keys):
    """A scenario with a 1 MB child name, a NUL in a school name or 20,001 children is a 422."""
    from transport.planning.cohort import generate_scenario

    base = generate_scenario(2, seed=1, name="limits").model_dump(mode="json")
    long_name = {**base, "children": [{**base["children"][0], "first_name": "x" * 1_000_000}, *base["children"][1:]]}
    nul = {**base, "schools": [{**base["schools"][0], "name": "A\x00B"}, *base["schools"][1:]]}
    many = {**base, "children": [base["children"][0]] * 20_001}
    for doc in (long_name, nul, many):
        r = client.post("/v1/scenarios", json=doc, headers=keys["planner"])
        assert r.status_code == 422, r.text[:200]
        assert "xxxxxxxx" not in r.text


_counter = iter(range(10**9))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first_name=st.text(max_size=80), item=st.text(max_size=140), notes=st.text(max_size=600))
def test_any_text_is_stored_or_refused_never_a_500(client, keys, first_name, item, notes):
    """Property: arbitrary text (NUL, control characters, very long) in names and needs is a 201 or a 422."""
    ref = f"P-{next(_counter)}"
    body = application_body(ref, first_name=first_name,
                            needs={"equipment": [item], "not_with": [item[:64] or "x"], "access_notes": notes})
    r = client.post("/v1/applications", json=body, headers=keys["officer"])
    assert r.status_code in (201, 422), r.text[:300]
    if r.status_code == 201:
        stored = client.get(f"/v1/applications/{ref}", headers=keys["officer"]).json()["application"]
        assert stored["first_name"] == first_name and "\x00" not in first_name + item + notes
