"""Day plans through the API: jobs on day scenarios, the day's KPIs, routes with both duties, both runs on
the map, today's network imported (row-numbered 422s, nothing stored) and compared with a day plan."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from api.models import PlanRecord, RouteRecord, ScenarioRecord
from api.services import planning as svc
from tests.api.test_flow import job_client, job_keys, wait_for  # noqa: F401 - fixtures
from transport.domain.scenario import WeekdayBells, parse_scenario
from transport.planning.day import plan_day
from transport.planning.day_views import day_routes_geojson
from transport.planning.today import today_rows


@pytest.fixture(scope="module")
def day_scenario(schools, postcodes):
    """Six real children as a school day: K0 attends Monday and Wednesday, one school finishes early on Friday."""
    from tests.planning.conftest import small

    base = small.__wrapped__(schools, postcodes)
    kids = list(base.children)
    kids[0] = kids[0].model_copy(update={"attends": ("mon", "wed")})
    sch = list(base.schools)
    sch[1] = sch[1].model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
    return parse_scenario(base.model_copy(update={"session": "day", "children": tuple(kids), "schools": tuple(sch),
                                                  "name": "day api"}).model_dump(mode="json"))


@pytest.fixture(scope="module")
def day_result(day_scenario, drive_net):
    """A validated day plan as the solver process returns it."""
    doc = plan_day(day_scenario, time_limit_s=2, network=drive_net)
    assert doc.violations == []
    return {"kind": "day", "document": doc.to_dict(), "geojson": day_routes_geojson(doc, drive_net),
            "kpis": doc.kpis(), "violations": doc.violations, "doc": doc}


def _store(sessions, scenario, result) -> tuple[int, int]:
    with sessions() as s:
        scen = ScenarioRecord(name=scenario.name, session="day", source="upload", children=len(scenario.children),
                              document=scenario.model_dump(mode="json"), created_by="t")
        s.add(scen)
        s.flush()
        plan = svc.store_document(s, scen.id, None, {k: v for k, v in result.items() if k != "doc"})
        s.commit()
        return scen.id, plan.id


def today_csv(doc, price_pounds: float = 99.0) -> str:
    """A day plan written in the routes import format (every route at one contract price)."""
    rows = today_rows(doc, contract_day_pence={k: int(price_pounds * 100) for k in range(len(doc.plan.duties))})
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def test_day_plan_stored_with_one_route_row_per_vehicle(backend, day_scenario, day_result):
    """A day plan is stored (SQLite and PostgreSQL) with one routes row per vehicle: morning start, afternoon end,
    both runs' miles, no personal data."""
    _, _, sessions = backend
    _, plan_id = _store(sessions, day_scenario, day_result)
    doc = day_result["doc"]
    with sessions() as s:
        rows = s.scalars(select(RouteRecord).where(RouteRecord.plan_id == plan_id).order_by(RouteRecord.position)).all()
        assert len(rows) == len(doc.plan.duties)
        for r, duty in zip(rows, doc.plan.duties):
            assert r.vehicle_type == duty.vehicle_type_id and r.passengers == len(duty.children("am"))
            assert r.start_time < "12:00:00" < r.end_time, (r.start_time, r.end_time)
            assert r.miles > 0 and r.area != "-"
        assert svc.plan_public(s.get(PlanRecord, plan_id)).kind == "day"


def test_day_plan_read_through_the_api(client, keys, day_scenario, day_result):
    """GET plan shows the day's KPIs; day-routes both duties per weekday; route-sheets both runs; the map both runs."""
    h = keys["planner"]
    sid, pid = _store(client.app.state.sessions, day_scenario, day_result)
    plan = client.get(f"/v1/plans/{pid}", headers=h).json()
    k = plan["kpis"]
    assert plan["kind"] == "day" and plan["violations"] == 0 and k["valid"] is True
    assert k["year_cost_pence"] == round(k["week_cost_pence"] * 190 / 5) and k["school_days_per_year"] == 190
    assert set(k["by_weekday"]) == {"mon", "tue", "wed", "thu", "fri"} and k["over_limit_any_weekday"] == 0
    assert sum(k["vehicles_by_type"].values()) == k["vehicles"] and "dead_miles_per_day" in k
    routes = client.get(f"/v1/plans/{pid}/day-routes", headers=h).json()
    assert routes["count"] == k["vehicles"] and routes["afternoon"] == "same_vehicle"
    stops = [s for r in routes["data"] for s in r["am"]["stops"] if s["days"] == ["mon", "wed"]]
    assert stops and all(s["times"]["tue"] is None and s["times"]["mon"] for s in stops)
    skipped = [c for r in routes["data"] for c in r["pm"]["skipped"].get("fri", [])]
    assert len(skipped) == 1 and skipped[0].startswith("P-")
    assert any(r["pm"]["times_differ"] for r in routes["data"])
    sheets = client.get(f"/v1/plans/{pid}/route-sheets", headers=h).json()["data"]
    assert {r["run"] for r in sheets} == {"am", "pm"} and all(r["arrive"] and r["times"] for r in sheets)
    geo = client.get(f"/v1/plans/{pid}/routes.geojson", headers=h).json()
    assert {f["properties"]["run"] for f in geo["features"] if f["geometry"]["type"] == "LineString"} == {"am", "pm"}
    report = client.get(f"/v1/plans/{pid}/validation", headers=h).json()
    assert report == {"plan_id": pid, "valid": True, "violations": []}
    text = str(routes) + str(sheets) + str(geo)
    assert all(f"'K{i}'" not in text for i in range(6)) and "Kid0" not in text
    assert client.get(f"/v1/plans/{pid}/day-routes", headers=keys["officer"]).status_code == 403


def test_today_imported_and_compared_with_the_day_plan(client, keys, day_scenario, day_result):
    """Today's routes (the plan's own routes at contract prices) import as a plan; comparing them with the day
    plan gives the saving at contract prices and no child moved; the other way round is the negative."""
    h = keys["planner"]
    sid, pid = _store(client.app.state.sessions, day_scenario, day_result)
    body = today_csv(day_result["doc"], price_pounds=99.0).encode()
    r = client.post(f"/v1/scenarios/{sid}/today", content=body, headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    imported = r.json()
    tid = imported["plan_id"]
    assert imported["routes"] == len(day_result["doc"].plan.duties) and imported["breaches_by_route"] == {}
    today = client.get(f"/v1/plans/{tid}", headers=h).json()
    n = today["kpis"]["vehicles"]
    assert today["kind"] == "day" and today["kpis"]["source"] == "imported"
    assert today["kpis"]["contract_day_cost_pence"] == 9900 * n
    cmp = client.get(f"/v1/plans/{tid}/compare/{pid}", headers=h).json()
    assert cmp["kind"] == "day" and cmp["same_scenario"] is True
    assert cmp["saving_day_pence"] == 9900 * n - day_result["kpis"]["day_cost_pence"]
    assert cmp["saving_year_pence"] == 9900 * n * 190 - day_result["kpis"]["year_cost_pence"]
    assert cmp["children_moved"] == 0 and cmp["children_moved_ids"] == []
    assert cmp["a"]["vehicles_by_type"] == cmp["b"]["vehicles_by_type"]
    assert cmp["a"]["over_limit_any_weekday"] == cmp["b"]["over_limit_any_weekday"] == 0


def test_today_moves_are_listed_by_pseudonym(client, keys, day_scenario, day_result):
    """Every child on a taxi of their own today: the day plan moves the children it puts together."""
    h = keys["planner"]
    sid, pid = _store(client.app.state.sessions, day_scenario, day_result)
    solo = "route_ref,operator,vehicle_type,contract_day_price,child_id,am_pickup,am_drop,pm_pickup,pm_drop\n" + "".join(
        f"T{i},Acme Taxis,taxi,60,K{i},1,2,1,2\n" for i in range(6))
    tid = client.post(f"/v1/scenarios/{sid}/today", content=solo.encode(),
                      headers={**h, "Content-Type": "text/csv"}).json()["plan_id"]
    cmp = client.get(f"/v1/plans/{tid}/compare/{pid}", headers=h).json()
    shared = [d for d in day_result["doc"].plan.duties if len(d.children("am")) > 1]
    assert cmp["children_moved"] == sum(len(d.children("am")) for d in shared) > 0
    assert all(c.startswith("P-") for c in cmp["children_moved_ids"])
    # K0's taxi runs only on Monday and Wednesday: a mean day pays (2 x 6 + 3 x 5) x £60 / 5 at contract prices
    contract_day = (2 * 6 + 3 * 5) * 6000 // 5
    assert cmp["a"]["vehicles"] == 6 and cmp["a"]["contract_day_cost_pence"] == contract_day
    assert cmp["saving_day_pence"] == contract_day - day_result["kpis"]["day_cost_pence"]


def test_malformed_today_is_refused_row_by_row_and_nothing_stored(client, keys, day_scenario, day_result):
    """Unknown child, child on two routes, a drop before its pickup: a 422 naming each row; no plan is written."""
    h = {**keys["planner"], "Content-Type": "text/csv"}
    sid, _ = _store(client.app.state.sessions, day_scenario, day_result)
    bad = ("route_ref,operator,vehicle_type,contract_day_price,child_id,am_pickup,am_drop,pm_pickup,pm_drop\n"
           "R1,A,taxi,,K0,1,3,1,3\n"
           "R1,A,taxi,,NOPE,2,4,2,4\n"      # row 3: unknown child
           "R2,A,taxi,,K0,1,2,1,2\n"        # row 4: K0 already on R1
           "R3,A,taxi,,K1,2,1,1,2\n")       # row 5: drop before pickup
    with client.app.state.sessions() as s:
        before = s.scalar(select(func.count()).select_from(PlanRecord))
    r = client.post(f"/v1/scenarios/{sid}/today", content=bad.encode(), headers=h)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [d["loc"] for d in detail] == [["body", "row", 3], ["body", "row", 4], ["body", "row", 5]]
    assert "unknown child" in detail[0]["msg"] and "already on route" in detail[1]["msg"]
    assert "precedence" in detail[2]["msg"]
    assert client.post(f"/v1/scenarios/{sid}/today", content=b"", headers=h).status_code == 422
    assert client.post(f"/v1/scenarios/{sid}/today", content=b"a,b\n1,2\n", headers=h).status_code == 422
    assert client.post("/v1/scenarios/999/today", content=bad.encode(), headers=h).status_code == 404
    with client.app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanRecord)) == before


def test_day_plan_against_a_session_plan_is_a_conflict(client, keys, day_scenario, day_result):
    """Comparing a day plan with a single-session plan is refused in one sentence (409)."""
    h = keys["planner"]
    _, pid = _store(client.app.state.sessions, day_scenario, day_result)
    with client.app.state.sessions() as s:
        other = PlanRecord(scenario_id=1, job_id=None, document={"format": "sen-transport/plan/1"}, kpis={},
                           violations=[], geojson={"type": "FeatureCollection", "features": []})
        s.add(other)
        s.commit()
        oid = other.id
    r = client.get(f"/v1/plans/{pid}/compare/{oid}", headers=h)
    assert r.status_code == 409 and "one of each" in r.json()["detail"]


def test_day_job_plans_the_day(job_client, job_keys, day_scenario):
    """A day scenario submitted as a job is planned as a day: progress while running, then a day plan validated
    on every weekday; the job's best cost is the stored plan's day cost."""
    c, h = job_client, job_keys["planner"]
    sid = c.post("/v1/scenarios", json=day_scenario.model_dump(mode="json"), headers=h).json()["id"]
    job = wait_for(c, c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 3}, headers=h).json()["id"], h,
                   timeout_s=300)
    assert job["status"] == "succeeded", job
    plan = c.get(f"/v1/plans/{job['plan_id']}", headers=h).json()
    assert plan["kind"] == "day" and plan["violations"] == 0 and plan["kpis"]["routed"] == 6
    assert job["best_cost"] == plan["kpis"]["day_cost_pence"]
    assert c.get(f"/v1/plans/{job['plan_id']}/day-routes", headers=h).json()["count"] == plan["kpis"]["vehicles"]


def test_day_job_cancelled_keeps_its_best_validated_day(job_client, job_keys, day_scenario):
    """A running day job cancelled through the API stops within seconds and keeps a day plan that passed
    check_day on every weekday, marked stopped."""
    import time

    c, h = job_client, job_keys["planner"]
    sid = c.post("/v1/scenarios", json=day_scenario.model_dump(mode="json"), headers=h).json()["id"]
    job = c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 120}, headers=h).json()
    end = time.monotonic() + 120
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job['id']}", headers=h).json()
        if job["status"] == "running" and job["best_cost"] is not None:
            break
        time.sleep(0.2)
    assert job["best_cost"] is not None, "no progress reported while the day was planned"
    assert c.post(f"/v1/jobs/{job['id']}/cancel", headers=h).status_code == 202
    started = time.monotonic()
    done = wait_for(c, job["id"], h, timeout_s=60)
    assert time.monotonic() - started < 30, "the day search did not stop within seconds"
    assert done["status"] == "cancelled" and done["stopped"] == "cancelled" and done["plan_id"], done
    plan = c.get(f"/v1/plans/{done['plan_id']}", headers=h).json()
    assert plan["kind"] == "day" and plan["stopped"] == "cancelled" and plan["violations"] == 0
    assert plan["kpis"]["routed"] + len(plan["kpis"]["unassigned"]) == 6


def test_day_lots_carry_both_runs_and_the_weekdays(client, keys, day_scenario, day_result):
    """A day plan's lots: each tendered route has its weekdays and both runs' times per weekday (no personal
    data); the awarded operator reads both runs' stops with each weekday's time (none on days a child stays home)."""
    from tests.api.conftest import OPERATORS

    h = keys["planner"]
    _, pid = _store(client.app.state.sessions, day_scenario, day_result)
    lots = client.post(f"/v1/plans/{pid}/lots", json={"grouping": "procurement"}, headers=h)
    assert lots.status_code == 201, lots.text
    routes = [r for lot in lots.json()["data"] for r in lot["routes"]]
    assert len(routes) == len(day_result["doc"].plan.duties)
    for r in routes:
        assert [run["run"] for run in r["runs"]] == ["am", "pm"] and r["weekdays"]
        assert r["start_time"] < "12:00" < r["end_time"]
        assert all(run["start"][d] for run in r["runs"] for d in run["weekdays"])
    part_time = [r for r in routes if r["weekdays"] == ["mon", "wed"]]
    days = {r["days"] for r in routes}
    assert "Monday to Friday, school days" in days or part_time
    text = str(lots.json())
    assert "K0" not in text and "Kid" not in text and "LE15" not in text
    stops = []
    for lot in lots.json()["data"]:
        assert client.post(f"/v1/lots/{lot['id']}/publish", headers=h).status_code == 200
        tender = client.get(f"/v1/tenders/{lot['id']}", headers=keys["contractor"]).json()
        assert tender["routes"][0]["runs"] == lot["routes"][0]["runs"]
        assert client.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}, headers=h).status_code == 201
        mine = client.get(f"/v1/contractor/lots/{lot['id']}", headers=keys["contractor"])
        assert mine.status_code == 200, mine.text
        for route in mine.json()["routes"]:
            assert {s["run"] for s in route["stops"]} == {"am", "pm"}
            assert route["geometry"] and route["geometry_pm"]
            stops += route["stops"]
    riders = [s for s in stops if s["passenger"]]
    assert {s["passenger"]["name"] for s in riders} == {f"Kid{i}" for i in range(6)}
    assert all(s["passenger"]["id"] not in {f"K{i}" for i in range(6)} for s in riders)
    assert all(set(s["times"]) == {"mon", "tue", "wed", "thu", "fri"} for s in riders)
    k0 = [s for s in riders if s["passenger"]["name"] == "Kid0"]
    assert len(k0) == 4 and all(s["times"]["tue"] is None and s["times"]["mon"] for s in k0)  # Monday, Wednesday only
    others = [s for s in riders if s["passenger"]["name"] != "Kid0"]
    assert all(s["times"]["tue"] for s in others)
    assert client.get(f"/v1/contractor/lots/{lot['id']}", headers=keys["contractor2"]).status_code == 403


def test_day_route_packs_carry_both_runs_and_the_weekdays(client, keys, day_scenario, day_result):
    """An awarded day lot's route packs (PDF): both runs, the weekdays, per-weekday times where they differ, the
    part-time child's days and who is not carried when; first names and the operator's pseudonyms only."""
    import io

    from pypdf import PdfReader

    from tests.api.conftest import OPERATORS

    h = keys["planner"]
    _, pid = _store(client.app.state.sessions, day_scenario, day_result)
    lots = client.post(f"/v1/plans/{pid}/lots", json={"grouping": "school"}, headers=h).json()["data"]
    texts = []
    for lot in lots:
        client.post(f"/v1/lots/{lot['id']}/publish", headers=h)
        assert client.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}, headers=h).status_code == 201
        packs = client.post(f"/v1/lots/{lot['id']}/route-packs", headers=h)
        assert packs.status_code == 201, packs.text
        assert packs.json()["count"] == len(lot["routes"])
        for pack in packs.json()["data"]:
            body = client.get(pack["pdf_url"], headers=keys["contractor"])
            assert body.status_code == 200
            texts.append(" ".join("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body.content)).pages).split()))
    assert len(texts) == len(day_result["doc"].plan.duties)
    assert all("Morning run: home to school" in t and "Afternoon run: school to home" in t for t in texts)
    assert any("Fri" in t and "Thu" in t for t in texts), "the early Friday's times have their own column"
    part = [t for t in texts if "Kid0" in t]
    assert len(part) == 1 and "Mon, Wed" in part[0] and "not today" in part[0]
    assert "Not carried on these days (not attending): Tue: " in part[0], part[0]
    joined = " ".join(texts)
    assert all(f"K{i} " not in joined for i in range(6)) and "(P-" in joined


def test_readiness_places_children_on_day_routes(client, keys, day_scenario, day_result):
    """September readiness reads day plans: each child on their duty (D001...) with its award; today's network
    as imported is the baseline, not a placement."""
    from api.services.readiness import _placements
    from tests.api.conftest import OPERATORS

    h = keys["planner"]
    sid, pid = _store(client.app.state.sessions, day_scenario, day_result)
    lots = client.post(f"/v1/plans/{pid}/lots", json={"grouping": "school"}, headers=h).json()["data"]
    client.post(f"/v1/lots/{lots[0]['id']}/publish", headers=h)
    assert client.post(f"/v1/lots/{lots[0]['id']}/award", json={"operator": OPERATORS[0]}, headers=h).status_code == 201
    solo = "route_ref,operator,vehicle_type,contract_day_price,child_id,am_pickup,am_drop,pm_pickup,pm_drop\n" + "".join(
        f"T{i},Acme Taxis,taxi,60,K{i},1,2,1,2\n" for i in range(6))
    assert client.post(f"/v1/scenarios/{sid}/today", content=solo.encode(),
                       headers={**h, "Content-Type": "text/csv"}).status_code == 201
    with client.app.state.sessions() as s:
        placed = _placements(s)
    duties = day_result["doc"].plan.duties
    assert set(placed) == {f"K{i}" for i in range(6)} and {p["plan_id"] for p in placed.values()} == {pid}
    for k, duty in enumerate(duties, start=1):
        assert all(placed[c]["route_ref"] == f"D{k:03d}" for c in duty.children("am"))
    awarded = {c for c, p in placed.items() if p["operator"] == OPERATORS[0]}
    refs = {r["ref"].split("-")[1].replace("R", "D") for r in lots[0]["routes"]}
    assert awarded and {placed[c]["route_ref"] for c in awarded} == refs


def test_day_plan_spreadsheets(client, keys, day_scenario, day_result):
    """route-sheets.csv of a day plan: both runs, a column per weekday (blank when the child stays home),
    pseudonymous children; the comparison workbook of today against the day plan has the saving."""
    import openpyxl

    h = keys["planner"]
    sid, pid = _store(client.app.state.sessions, day_scenario, day_result)
    r = client.get(f"/v1/plans/{pid}/route-sheets.csv", headers=h)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["run"] for row in rows} == {"am", "pm"} and {"mon", "tue", "wed", "thu", "fri"} <= set(rows[0])
    stops = sum(len(d.am) + len(d.pm) for d in day_result["doc"].plan.duties)
    assert len(rows) == stops and all(row["child"].startswith("P-") for row in rows)
    part = [row for row in rows if row["days"] == "mon wed"]
    assert len(part) == 4 and all(row["mon"] and not row["tue"] for row in part)
    solo = "route_ref,operator,vehicle_type,contract_day_price,child_id,am_pickup,am_drop,pm_pickup,pm_drop\n" + "".join(
        f"T{i},Acme Taxis,taxi,60,K{i},1,2,1,2\n" for i in range(6))
    tid = client.post(f"/v1/scenarios/{sid}/today", content=solo.encode(),
                      headers={**h, "Content-Type": "text/csv"}).json()["plan_id"]
    book = client.get(f"/v1/plans/{tid}/comparison/{pid}.xlsx", headers=h)
    assert book.status_code == 200, book.text
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(book.content)).active.iter_rows() for c in row]
    cmp = client.get(f"/v1/plans/{tid}/compare/{pid}", headers=h).json()
    assert f"£{cmp['saving_day_pence'] / 100:,.2f}" in cells and "saving per school year (190 days)" in cells


def test_travel_letters_of_an_awarded_day_plan(client, keys, day_scenario, day_result):
    """POST /v1/plans/{id}/travel-letters on a day plan (no afternoon plan: both runs are in it): a letter for each
    child whose duties are in an awarded lot with a phone, with the days they travel and both runs' times; the
    others are listed with why; readiness counts the letters sent against the day plan."""
    import io

    from pypdf import PdfReader

    from api.services.readiness import _letters_sent, _placements
    from tests.api.conftest import OPERATORS
    from transport.documents.journeys import day_legs
    from transport.documents.travel import day_letter_routes

    h = keys["planner"]
    _, pid = _store(client.app.state.sessions, day_scenario, day_result)
    lots = client.post(f"/v1/plans/{pid}/lots", json={"grouping": "school"}, headers=h).json()["data"]
    assert len(lots) >= 2, "a lot per school (the early Friday keeps their routes apart): award all but one"
    awarded = set()
    for lot in lots[:-1]:
        client.post(f"/v1/lots/{lot['id']}/publish", headers=h)
        r = client.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0], "phone": "01572 700 123"},
                        headers=h)
        assert r.status_code == 201, r.text
        awarded |= {route["ref"].split("-")[1].replace("R", "D") for route in lot["routes"]}
    legs = day_legs(day_result["doc"])
    expected = sorted(c for c, ls in legs.items() if set(day_letter_routes(ls)) <= awarded)
    assert expected and len(expected) < 6
    assert client.post(f"/v1/plans/{pid}/travel-letters", json={"first_day": "2026-09-03", "afternoon_plan_id": pid},
                       headers=h).status_code == 409
    r = client.post(f"/v1/plans/{pid}/travel-letters", json={"first_day": "2026-09-03"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert sorted(d["subject"] for d in body["data"]) == expected
    assert body["count"] + len(body["not_issued"]) == 6
    assert all("is not awarded yet" in n["reason"] for n in body["not_issued"])
    assert all(d["plan_id"] == pid and d["sent_at"] and d["sha256"] for d in body["data"])
    k0 = next((d for d in body["data"] if d["subject"] == "K0"), None)
    texts = {}
    for d in body["data"]:
        pdf = client.get(d["pdf_url"], headers=h).content
        texts[d["subject"]] = " ".join("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for cid, text in texts.items():
        first = legs[cid][0]
        assert first.times()[0] in text and first.times()[3] in text and f"Route {first.am_ref}" in text
        assert OPERATORS[0] in text and "01572 700 123" in text
    if k0 is not None:  # the part-timer: Monday and Wednesday
        assert "Travels on Monday and Wednesday" in texts["K0"]
    again = client.post(f"/v1/plans/{pid}/travel-letters", json={"first_day": "2026-09-03"}, headers=h).json()
    assert [d["id"] for d in again["data"]] == [d["id"] for d in body["data"]]  # identical re-issue: same rows
    with client.app.state.sessions() as s:
        sent, placed = _letters_sent(s), _placements(s)
    for cid in expected:
        assert (cid, pid) in sent and placed[cid]["plan_id"] == pid


def test_readiness_counts_a_shared_placements_day_letter(client, keys, day_scenario, drive_net):
    """A child with a shared placement (two schools, trips child@school): readiness places the child (not the trip
    ids) on their duty, and their day travel letter counts as sent; an unassigned child is not issued, with the
    plan's reason."""
    from api.services.readiness import _placements
    from tests.api.conftest import OPERATORS
    from transport.domain.scenario import Placement

    kids = list(day_scenario.children)
    a, b = day_scenario.schools[0].id, day_scenario.schools[1].id
    kids[2] = kids[2].model_copy(update={"placements": (Placement(school_id=a, days=("mon", "tue", "wed")),
                                                        Placement(school_id=b, days=("thu", "fri"))),
                                         "school_id": a})
    kids[4] = kids[4].model_copy(update={"max_ride_time_min": 1})  # no vehicle can keep to it: unassigned
    scen = parse_scenario(day_scenario.model_copy(update={"children": tuple(kids), "name": "shared"})
                          .model_dump(mode="json"))
    doc = plan_day(scen, time_limit_s=2, network=drive_net)
    assert doc.violations == [] and {u.request_id for u in doc.plan.unassigned} == {"K4"}
    result = {"kind": "day", "document": doc.to_dict(), "geojson": day_routes_geojson(doc, drive_net),
              "kpis": doc.kpis(), "violations": doc.violations}
    _, pid = _store(client.app.state.sessions, scen, result)
    h = keys["planner"]
    for lot in client.post(f"/v1/plans/{pid}/lots", json={"grouping": "school"}, headers=h).json()["data"]:
        client.post(f"/v1/lots/{lot['id']}/publish", headers=h)
        assert client.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0], "phone": "01572 700 123"},
                           headers=h).status_code == 201
    r = client.post(f"/v1/plans/{pid}/travel-letters", json={"first_day": "2026-09-03"}, headers=h)
    assert r.status_code == 201, r.text
    assert "K2" in {d["subject"] for d in r.json()["data"]}
    reason = doc.plan.unassigned[0].reason.value
    assert r.json()["not_issued"] == [{"subject": "K4", "reason": f"unassigned in plan {pid}: {reason}"}]
    with client.app.state.sessions() as s:
        placed = _placements(s)
    assert not any("@" in cid for cid in placed)
    assert placed["K2"]["plan_id"] == pid and placed["K2"]["route_ref"].startswith("D")
