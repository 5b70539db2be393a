"""End to end through HTTP: import a cohort, assess it, optimise, publish lots, award, read as contractors."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import COHORT_CSV, OPERATORS, make_settings

PERSONAL = ("Amira", "Freya", "Kai", "LE15 8PU", "LE15 6HJ", "PE9 4HS", "2014-06-30", "2005-05-17",
            "EHC plan section F", "cannot travel independently")


def wait_for(client: TestClient, job_id: str, headers: dict, timeout_s: float = 120) -> dict:
    """Poll a job until it ends."""
    end = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < end:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        seen.append(job)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            job["_seen"] = seen
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s: {seen[-1]}")


@pytest.fixture
def job_client(db_url, eligibility_engine):
    """An app with its embedded job worker running (warm before the test starts)."""
    app = create_app(make_settings(db_url, worker_heartbeat_s=0.5), engine=eligibility_engine, start_jobs=True)
    with TestClient(app) as c:
        assert app.state.worker.wait_ready(600), "the embedded worker did not start"
        yield c


@pytest.fixture
def job_keys(job_client):
    """Keys on the job app."""
    from api.security import create_key

    out = {}
    with job_client.app.state.sessions() as s:
        for role in ("officer", "planner"):
            out[role] = {"X-API-Key": create_key(s, role, role)[1]}
        out["acme"] = {"X-API-Key": create_key(s, "contractor", "acme", OPERATORS[0])[1]}
        out["blue"] = {"X-API-Key": create_key(s, "contractor", "blue", OPERATORS[1])[1]}
        s.commit()
    return out


def test_whole_flow(job_client, job_keys, all_logs):
    """Cohort -> decisions -> job -> plan -> lots -> award -> operator reads its lot; the other operator is refused."""
    c, k = job_client, job_keys
    rep = c.post("/v1/applications/import?assess=true", content=COHORT_CSV.read_bytes(),
                 headers={**k["officer"], "Content-Type": "text/csv"})
    assert rep.status_code == 200, rep.text
    report = rep.json()
    assert report["rows"] == report["created"] == 10 and report["assessed"] == 10
    eligible = {r["application_id"] for r in report["report"] if r["eligible"]}
    assert {"SYN-004", "SYN-005", "SYN-008"} <= eligible

    r = c.post("/v1/jobs", json={"from_eligible": {"name": "flow am", "session": "am"}, "time_limit_s": 2},
               headers=k["planner"])
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/jobs/{r.json()['id']}"
    job = wait_for(c, r.json()["id"], k["planner"])
    assert job["status"] == "succeeded", job
    assert job["best_cost"] is not None and job["plan_id"] is not None and job["progress"] == 1.0
    plan_id = job["plan_id"]

    plan = c.get(f"/v1/plans/{plan_id}", headers=k["planner"]).json()
    assert plan["kpis"]["children"] == 3 and plan["kpis"]["routed"] + len(plan["kpis"]["unassigned"]) == 3
    assert plan["kpis"]["valid"] and plan["violations"] == 0
    geo = c.get(f"/v1/plans/{plan_id}/routes.geojson", headers=k["planner"]).json()
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == plan["routes"] and all(len(f["geometry"]["coordinates"]) > 2 for f in lines)
    sheets = c.get(f"/v1/plans/{plan_id}/route-sheets", headers=k["planner"]).json()["data"]
    assert {row["kind"] for row in sheets} >= {"pickup", "delivery"}
    assert not any(name in str(sheets) for name in ("Amira", "Freya", "Kai"))
    assert c.get(f"/v1/plans/{plan_id}/validation", headers=k["planner"]).json() == {
        "plan_id": plan_id, "valid": True, "violations": []}

    lots = c.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "procurement"}, headers=k["planner"]).json()["data"]
    assert sum(len(lot["routes"]) for lot in lots) == plan["routes"]
    assert c.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "procurement"}, headers=k["planner"]).status_code == 409
    lot = lots[0]
    assert c.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}, headers=k["planner"]).status_code == 409
    assert c.get(f"/v1/tenders/{lot['id']}", headers=k["acme"]).status_code == 404  # drafts are not tendered
    pub = c.post(f"/v1/lots/{lot['id']}/publish", headers=k["planner"])
    assert pub.status_code == 200 and pub.json()["status"] == "published"
    tenders = c.get("/v1/tenders", headers=k["blue"]).json()
    assert [t["id"] for t in tenders["data"]] == [lot["id"]]
    text = str(tenders)
    assert not any(p in text for p in PERSONAL), "a tender carries personal data"
    route = tenders["data"][0]["routes"][0]
    assert set(route) == {"ref", "vehicle_type", "seats", "wheelchair_spaces", "assistant_needed", "days",
                          "start_time", "end_time", "estimated_miles", "area", "weekdays", "runs"}
    assert route["weekdays"] is None and route["runs"] is None  # a single-session plan's route: no day runs
    assert route["estimated_miles"] > 0 and route["area"][:2] in ("SK", "TF")

    assert c.get(f"/v1/contractor/lots/{lot['id']}", headers=k["acme"]).status_code == 403  # not yet awarded
    aw = c.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}, headers=k["planner"])
    assert aw.status_code == 201, aw.text
    mine = c.get("/v1/contractor/lots", headers=k["acme"]).json()
    assert [a["lot_id"] for a in mine["data"]] == [lot["id"]]
    assert c.get("/v1/contractor/lots", headers=k["blue"]).json()["count"] == 0
    # open for tender: the awarded lot is no longer listed to anyone asking for published lots
    assert c.get("/v1/tenders?status=published", headers=k["blue"]).json()["count"] == 0
    assert [t["id"] for t in c.get("/v1/tenders?status=awarded", headers=k["blue"]).json()["data"]] == [lot["id"]]
    assert c.get("/v1/tenders?status=gone", headers=k["blue"]).status_code == 422

    got = c.get(f"/v1/contractor/lots/{lot['id']}", headers=k["acme"])
    assert got.status_code == 200, got.text
    detail = got.json()
    stops = [s for r in detail["routes"] for s in r["stops"]]
    riders = [s["passenger"] for s in stops if s["passenger"]]
    assert riders and all(p["id"].startswith("P-") for p in riders)
    assert {p["name"] for p in riders} <= {"Amira", "Kai", "Freya"}
    homes = [s for s in stops if s["place"] == "home"]
    assert homes and all(s["postcode"] for s in homes)
    for r in detail["routes"]:  # the path on the real roads, from the first stop to the last
        line = r["geometry"]
        assert line["type"] == "LineString" and len(line["coordinates"]) >= 2 and set(line) == {"type", "coordinates"}
        first, last = r["stops"][0], r["stops"][-1]
        assert abs(line["coordinates"][0][1] - first["lat"]) < 0.01 and abs(line["coordinates"][0][0] - first["lon"]) < 0.01
        assert abs(line["coordinates"][-1][1] - last["lat"]) < 0.01 and abs(line["coordinates"][-1][0] - last["lon"]) < 0.01
    body = got.text
    for secret in ("EHC plan", "cannot travel independently", "date_of_birth", "2014-06-30", "sen_evidence", "SYN-0"):
        assert secret not in body, f"contractor feed leaks {secret!r}"

    refused = c.get(f"/v1/contractor/lots/{lot['id']}", headers=k["blue"])
    assert refused.status_code == 403
    assert c.get("/v1/applications/SYN-004", headers=k["acme"]).status_code == 403

    logged = "\n".join(r.getMessage() for r in all_logs.records)
    assert not any(p in logged for p in PERSONAL), "personal data reached the logs"


@pytest.fixture(scope="module")
def small_scenario() -> dict:
    """A synthetic six-child scenario on the real Rutland sample."""
    from transport.planning.cohort import generate_scenario

    return generate_scenario(6, seed=3, name="api test").model_dump(mode="json")


def test_cancel_job_keeps_best_plan(job_client, job_keys, small_scenario):
    """A running job cancelled through the API stops within seconds and keeps its best validated plan, marked as such."""
    c, h = job_client, job_keys["planner"]
    sid = c.post("/v1/scenarios", json=small_scenario, headers=h).json()["id"]
    job = c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 60}, headers=h).json()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        job = c.get(f"/v1/jobs/{job['id']}", headers=h).json()
        if job["status"] == "running" and job["best_cost"] is not None:
            break
        time.sleep(0.2)
    r = c.post(f"/v1/jobs/{job['id']}/cancel", headers=h)
    assert r.status_code == 202 and r.json()["cancel_requested"] is True
    started = time.monotonic()
    done = wait_for(c, job["id"], h, timeout_s=30)
    assert time.monotonic() - started < 15, "the solver did not stop within seconds"
    assert done["status"] == "cancelled" and done["stopped"] == "cancelled" and done["plan_id"] is not None, done
    assert done["elapsed_s"] < 30
    plan = c.get(f"/v1/plans/{done['plan_id']}", headers=h).json()
    assert plan["stopped"] == "cancelled" and plan["kpis"]["children"] == 6
    report = c.get(f"/v1/plans/{done['plan_id']}/validation", headers=h).json()
    assert report["valid"] is True and report["violations"] == [], report
    assert c.post(f"/v1/jobs/{job['id']}/cancel", headers=h).status_code == 409


def test_cancel_queued_job(client, keys, small_scenario):
    """A queued job (no worker has it) is cancelled at once through the database and stores no plan."""
    h = keys["planner"]
    sid = client.post("/v1/scenarios", json=small_scenario, headers=h).json()["id"]
    job = client.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 5}, headers=h).json()
    assert job["status"] == "queued"
    r = client.post(f"/v1/jobs/{job['id']}/cancel", headers=h)
    assert r.status_code == 202 and r.json()["status"] == "cancelled" and r.json()["plan_id"] is None
    from api.models import PlanRecord

    with client.app.state.sessions() as s:
        assert s.query(PlanRecord).count() == 0


def test_job_progress_from_stored_scenario(job_client, job_keys, small_scenario):
    """A job from a stored scenario reports progress and a best cost while running, then its plan."""
    c, h = job_client, job_keys["planner"]
    assert c.get("/ready").json()["status"] == "ready"
    sid = c.post("/v1/scenarios", json=small_scenario, headers=h).json()["id"]
    assert c.get(f"/v1/scenarios/{sid}", headers=h).json()["name"] == "api test"
    job = wait_for(c, c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 3}, headers=h).json()["id"], h)
    assert job["status"] == "succeeded", job
    running = [j for j in job["_seen"] if j["status"] == "running"]
    assert running and all(0 <= j["progress"] < 1 for j in running)
    assert any(j["best_cost"] is not None for j in running)
    costs = [j["best_cost"] for j in job["_seen"] if j["best_cost"] is not None]
    assert costs == sorted(costs, reverse=True), f"the best cost went up during the run: {costs}"
    plan = c.get(f"/v1/plans/{job['plan_id']}", headers=h).json()
    assert plan["kpis"]["children"] == 6 and plan["scenario_id"] == sid
    # the finished job reports the stored, validated plan's cost in the KPI's units (pence)
    assert job["best_cost"] == plan["kpis"]["daily_cost_pence"]
    # while running, every figure was a validated plan's cost: never below the best one, the stored plan's
    assert all(cost >= plan["kpis"]["daily_cost_pence"] for cost in costs), costs
    lots = c.post(f"/v1/plans/{job['plan_id']}/lots", json={"grouping": "school"}, headers=h).json()
    assert lots["count"] >= 1 and all(lot["grouping"] == "school" for lot in lots["data"])
    listed = c.get(f"/v1/plans/{job['plan_id']}/lots", headers=h)
    assert listed.status_code == 200
    assert [lot["id"] for lot in listed.json()["data"]] == [lot["id"] for lot in lots["data"]]
    assert {lot["status"] for lot in listed.json()["data"]} == {"draft"}
    first = lots["data"][0]["id"]
    assert c.post(f"/v1/lots/{first}/publish", headers=h).status_code == 200
    assert c.post(f"/v1/lots/{first}/award", json={"operator": OPERATORS[0]}, headers=h).status_code == 201
    got = c.get(f"/v1/plans/{job['plan_id']}/lots", headers=h).json()["data"][0]
    assert got["status"] == "awarded" and got["operator"] == OPERATORS[0] and got["awarded_at"]
    assert c.get(f"/v1/plans/{job['plan_id']}/lots", headers=job_keys["acme"]).status_code == 403
    assert c.get(f"/v1/plans/{job['plan_id']}/lots", headers=job_keys["officer"]).status_code == 403
    assert c.get("/v1/plans/9999/lots", headers=h).status_code == 404


def test_job_requests_are_validated(client, keys):
    """One source only, a bounded time limit, an existing scenario."""
    h = keys["planner"]
    both = client.post("/v1/jobs", json={"scenario_id": 1, "from_eligible": {}, "time_limit_s": 2}, headers=h)
    assert both.status_code == 422
    assert client.post("/v1/jobs", json={"scenario_id": 99, "time_limit_s": 2}, headers=h).status_code == 404
    too_long = client.post("/v1/jobs", json={"scenario_id": 1, "time_limit_s": 3000}, headers=h)
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["loc"] == ["body", "time_limit_s"]
    none = client.post("/v1/jobs", json={"from_eligible": {}, "time_limit_s": 2}, headers=h)
    assert none.status_code == 409  # nobody is eligible yet


def test_worker_leaves_live_jobs_alone_and_recovers_stale_ones(db_url, eligibility_engine, small_scenario):
    """A new worker never touches a job another worker holds with fresh heartbeats; a silent worker's job is run again."""
    import datetime as dt

    from api.models import JobRecord, ScenarioRecord, utcnow

    first = create_app(make_settings(db_url), engine=eligibility_engine)
    with first.state.sessions() as s:
        scen = ScenarioRecord(name="x", session="am", source="upload", children=6, document=small_scenario, created_by="t")
        s.add(scen)
        s.flush()
        s.add_all([JobRecord(id="a" * 32, scenario_id=scen.id, status="running", time_limit_s=2, created_by="t",
                             worker_id="w" * 32, attempts=1, heartbeat_at=utcnow() + dt.timedelta(hours=1)),
                   JobRecord(id="b" * 32, scenario_id=scen.id, status="running", time_limit_s=2, created_by="t",
                             worker_id="x" * 32, attempts=1, heartbeat_at=utcnow() - dt.timedelta(minutes=5)),
                   JobRecord(id="c" * 32, scenario_id=scen.id, status="queued", time_limit_s=2, created_by="t")])
        s.commit()
    first.state.db_engine.dispose()
    second = create_app(make_settings(db_url, worker_stale_s=30), engine=eligibility_engine, start_jobs=True)
    with TestClient(second) as c:
        from api.security import create_key

        with second.state.sessions() as s:
            h = {"X-API-Key": create_key(s, "planner", "p")[1]}
            s.commit()
        recovered = wait_for(c, "b" * 32, h)
        assert recovered["status"] == "succeeded" and recovered["plan_id"] and recovered["attempts"] == 2, recovered
        queued = wait_for(c, "c" * 32, h)
        assert queued["status"] == "succeeded" and queued["attempts"] == 1
        held = c.get(f"/v1/jobs/{'a' * 32}", headers=h).json()
        assert held["status"] == "running" and held["error"] is None and held["plan_id"] is None


def test_plans_listed_and_compared(job_client, job_keys, small_scenario):
    """Two plans of one scenario are listed and compared by the engine; a plan against itself changes nothing."""
    c, h = job_client, job_keys["planner"]
    sid = c.post("/v1/scenarios", json=small_scenario, headers=h).json()["id"]
    a = wait_for(c, c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 1}, headers=h).json()["id"], h)
    b = wait_for(c, c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 2}, headers=h).json()["id"], h)
    listed = c.get("/v1/plans", headers=h).json()
    assert {a["plan_id"], b["plan_id"]} <= {p["id"] for p in listed["data"]}
    same = c.get(f"/v1/plans/{a['plan_id']}/compare/{a['plan_id']}", headers=h).json()
    assert same["routes_changed"] == same["routes_added"] == same["routes_removed"] == 0
    assert same["changed_in_a"] == [] and same["a"] == same["b"]
    cmp = c.get(f"/v1/plans/{a['plan_id']}/compare/{b['plan_id']}", headers=h).json()
    assert cmp["a"]["daily_cost_pence"] == c.get(f"/v1/plans/{a['plan_id']}", headers=h).json()["kpis"]["daily_cost_pence"]
    changed = cmp["routes_changed"] + cmp["routes_removed"]
    assert len(cmp["changed_in_a"]) == changed
    assert c.get(f"/v1/plans/{a['plan_id']}/compare/999", headers=h).status_code == 404
    assert c.get("/v1/plans", headers=job_keys["officer"]).status_code == 403


def test_plans_have_names(job_client, job_keys, small_scenario):
    """A planner names a plan (PATCH); the name is listed and read back; bad names are 422 and change nothing."""
    c, h = job_client, job_keys["planner"]
    sid = c.post("/v1/scenarios", json=small_scenario, headers=h).json()["id"]
    plan_id = wait_for(c, c.post("/v1/jobs", json={"scenario_id": sid, "time_limit_s": 1}, headers=h).json()["id"], h)["plan_id"]
    assert c.get(f"/v1/plans/{plan_id}", headers=h).json()["name"] is None
    r = c.patch(f"/v1/plans/{plan_id}", json={"name": "  Autumn   term, two minibuses "}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Autumn term, two minibuses"
    assert c.get(f"/v1/plans/{plan_id}", headers=h).json()["name"] == "Autumn term, two minibuses"
    assert {p["id"]: p["name"] for p in c.get("/v1/plans", headers=h).json()["data"]}[plan_id] == "Autumn term, two minibuses"
    for bad in ({"name": ""}, {"name": "   "}, {"name": "x" * 121}, {"name": "a", "colour": "red"}, {}):
        assert c.patch(f"/v1/plans/{plan_id}", json=bad, headers=h).status_code == 422, bad
    assert c.get(f"/v1/plans/{plan_id}", headers=h).json()["name"] == "Autumn term, two minibuses"
    assert c.patch("/v1/plans/99999", json={"name": "x"}, headers=h).status_code == 404
    assert c.patch(f"/v1/plans/{plan_id}", json={"name": "x"}, headers=job_keys["officer"]).status_code == 403


def test_ready_needs_a_live_worker(client):
    """/ready is 503 while no job worker sends heartbeats (jobs would wait for ever), 200 once one does."""
    from api import queue

    r = client.get("/ready")
    assert r.status_code == 503 and r.json()["job_workers"] == 0 and "worker" in r.json()["detail"]["workers"]
    with client.app.state.sessions() as s:
        queue.register_worker(s, "f" * 32, embedded=False)
    r = client.get("/ready")
    assert r.status_code == 200, r.json()
    assert r.json()["job_workers"] == 1 and r.json()["workers"][0]["id"] == "f" * 32
