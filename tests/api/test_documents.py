"""Documents and readiness through HTTP: decision letters (officers), travel letters, school lists and route
packs (planners), an operator's own packs only, re-issue keeps the old copy, readiness counts every state."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from tests.api.conftest import COHORT_CSV, OPERATORS, application_body
from tests.api.test_flow import job_client, job_keys, wait_for  # noqa: F401 (fixtures)

PHONE = "01572 700 123"
ROOT = Path(__file__).resolve().parents[2]


def text_of(pdf: bytes) -> str:
    """The PDF's text, whitespace collapsed."""
    return " ".join("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_decision_letter_issued_stored_and_scoped(client, keys):
    """An officer issues a letter; it is stored with its hash and decision; planners and operators cannot see it."""
    h = keys["officer"]
    assert client.post("/v1/applications", json=application_body("T-001"), headers=h).status_code == 201
    assert client.post("/v1/applications/T-001/decision-letter", json={}, headers=h).status_code == 409  # undecided
    assert client.post("/v1/applications/T-001/assess", headers=h).status_code in (200, 201)
    r = client.post("/v1/applications/T-001/decision-letter", json={"issued_on": "2026-08-03"}, headers=h)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["kind"] == "decision_letter" and doc["decision_id"] and doc["policy_version"].startswith("kent@")
    pdf = client.get(doc["pdf_url"], headers=h)
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == doc["sha256"]
    text = text_of(pdf.content)
    assert "Amira" in text and "Tuesday 1 September 2026" in text and "SEN, disability or mobility" in text
    again = client.get(f"/v1/documents/{doc['id']}", headers=h).json()
    assert again["downloads"] == 1 and again["downloaded_at"]
    # a re-issue with another date is a new document that keeps the old one
    second = client.post("/v1/applications/T-001/decision-letter", json={"issued_on": "2026-08-10"}, headers=h).json()
    assert second["id"] != doc["id"] and second["supersedes_id"] == doc["id"]
    assert client.get(doc["pdf_url"], headers=h).status_code == 200
    same = client.post("/v1/applications/T-001/decision-letter", json={"issued_on": "2026-08-10"}, headers=h).json()
    assert same["id"] == second["id"]
    assert client.get("/v1/documents", headers=h).json()["count"] == 2
    for other in ("planner", "contractor"):
        assert client.get(doc["pdf_url"], headers=keys[other]).status_code == 404
        assert client.get("/v1/documents", headers=keys[other]).json()["count"] == 0
    assert client.post("/v1/applications/T-001/decision-letter", json={}, headers=keys["planner"]).status_code == 403
    # an officer's override gets its own letter: the officer's outcome and reason over the engine's measurements
    reason = "Parent moved nearer the school in August: route now under the limit (evidence on file)"
    assert client.post("/v1/applications/T-001/override", json={"eligible": False, "reason": reason},
                       headers=h).status_code == 201
    over = client.post("/v1/applications/T-001/decision-letter", json={"issued_on": "2026-08-10"}, headers=h).json()
    assert over["supersedes_id"] == second["id"] and over["sources"]["decided_on"] == "override"
    otext = text_of(client.get(over["pdf_url"], headers=h).content)
    assert "not agreed" in otext and "decided on override by an officer" in otext and reason in otext
    assert "Walking route" in otext and "stage one review" in otext


def test_travel_letters_packs_lists_and_readiness(job_client, job_keys, db_url):  # noqa: F811
    """Cohort -> plan -> award with a phone -> travel letters, packs and lists; readiness moves children to ready."""
    c, k = job_client, job_keys
    rep = c.post("/v1/applications/import?assess=true", content=COHORT_CSV.read_bytes(),
                 headers={**k["officer"], "Content-Type": "text/csv"}).json()
    assert rep["assessed"] == 10
    assert c.post("/v1/applications", json=application_body("T-LATE"), headers=k["officer"]).status_code == 201
    first_day = "2026-09-03"
    before = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    assert before["states"]["awaiting_decision"] == 1 and before["states"]["eligible_not_planned"] == 3
    assert before["states"]["offer_awaiting_family"] == 2 and before["ready"] == 0 and before["total"] == 6
    passes = [r["reference"] for r in before["not_ready"] if r["state"] == "offer_awaiting_family"]
    agreed = c.post("/v1/ptb-agreements", json={"application_id": passes[0], "start": "2026-09-01"}, headers=k["officer"])
    assert agreed.status_code == 201, agreed.text
    taken = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    assert taken["ready"] == 1 and taken["states"]["offer_awaiting_family"] == 1

    job = wait_for(c, c.post("/v1/jobs", json={"from_eligible": {"name": "letters am", "session": "am"},
                                               "time_limit_s": 2}, headers=k["planner"]).json()["id"], k["planner"])
    plan_id = job["plan_id"]
    planned = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    assert planned["states"]["planned_not_awarded"] == 3
    assert {r["reason"].split(" of plan")[0][:6] for r in planned["not_ready"] if r["state"] == "planned_not_awarded"} == {"route "}

    lots = c.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "school"}, headers=k["planner"]).json()["data"]
    lot = lots[0]
    c.post(f"/v1/lots/{lot['id']}/publish", headers=k["planner"])
    aw = c.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0], "phone": PHONE}, headers=k["planner"])
    assert aw.status_code == 201 and aw.json()["phone"] == PHONE
    awarded = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    n_awarded = awarded["states"]["awarded_no_letter"]
    assert n_awarded >= 1

    r = c.post(f"/v1/plans/{plan_id}/travel-letters", json={"first_day": first_day}, headers=k["planner"])
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["count"] == n_awarded and issued["count"] + len(issued["not_issued"]) == 3
    assert all("not awarded" in n["reason"] for n in issued["not_issued"])
    letter = issued["data"][0]
    text = text_of(c.get(letter["pdf_url"], headers=k["planner"]).content)
    assert PHONE in text and OPERATORS[0] in text and "Pick-up time" in text and letter["sent_at"]
    ready = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    assert ready["ready"] == n_awarded + 1 and ready["states"]["awarded_no_letter"] == 0
    assert ready["countdown"][-1]["days_to_go"] == 0 and ready["countdown"][-1]["date"] == first_day
    assert c.get(f"/v1/readiness?first_day={first_day}", headers=k["acme"]).status_code == 403

    packs = c.post(f"/v1/lots/{lot['id']}/route-packs", headers=k["planner"]).json()
    assert packs["count"] == len(lot["routes"])
    pack = packs["data"][0]
    body = c.get(pack["pdf_url"], headers=k["acme"])
    assert body.status_code == 200
    ptext = text_of(body.content)
    for secret in ("SYN-0", "2014-06-30", "EHC plan", "date of birth", "Reference"):
        assert secret not in ptext, f"route pack leaks {secret!r}"
    assert "(P-" in ptext
    assert c.get(pack["pdf_url"], headers=k["blue"]).status_code == 404  # another operator's pack
    assert c.get("/v1/documents", headers=k["acme"]).json()["count"] == packs["count"]

    # withdrawing the lot ends the operator's access to its packs, and its children are no longer ready
    assert c.post(f"/v1/lots/{lot['id']}/withdraw", headers=k["planner"]).status_code == 200
    assert c.get(pack["pdf_url"], headers=k["acme"]).status_code == 404
    assert c.get("/v1/documents", headers=k["acme"]).json()["count"] == 0
    assert c.post(f"/v1/lots/{lot['id']}/route-packs", headers=k["planner"]).status_code == 409
    after = c.get(f"/v1/readiness?first_day={first_day}", headers=k["planner"]).json()
    assert after["ready"] == 1 and after["states"]["planned_not_awarded"] == 3
    lists = c.post(f"/v1/plans/{plan_id}/school-lists", json={}, headers=k["planner"]).json()
    assert lists["count"] >= 1
    assert "Morning: vehicles arriving" in text_of(c.get(lists["data"][0]["pdf_url"], headers=k["planner"]).content)

    # the same view from the command line, on the same database
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "transport.cli", "readiness", "--first-day", first_day,
                          "--database-url", db_url], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert f"{after['ready']} of {after['total']} children ready" in out.stdout
    assert "T-LATE" in out.stdout and "the application has no decision yet" in out.stdout


def test_spreadsheets_and_geopackage_downloads(job_client, job_keys, tmp_path):  # noqa: F811
    """Decisions, route sheets and school lists as typed .xlsx and BOM CSV; the plan as a GeoPackage; no child ids."""
    import geopandas as gpd
    import openpyxl
    import pyogrio

    c, k = job_client, job_keys
    c.post("/v1/applications/import?assess=true", content=COHORT_CSV.read_bytes(),
           headers={**k["officer"], "Content-Type": "text/csv"})
    plan_id = wait_for(c, c.post("/v1/jobs", json={"from_eligible": {"name": "sheets", "session": "am"},
                                                   "time_limit_s": 2}, headers=k["planner"]).json()["id"],
                       k["planner"])["plan_id"]
    dec = c.get("/v1/decisions.xlsx", headers=k["officer"])
    assert dec.status_code == 200 and dec.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(dec.content))["Decisions"]
    assert ws.freeze_panes == "A2" and ws.max_row == 11
    header = [cell.value for cell in ws[1]]
    row = {h: ws.cell(row=2, column=i + 1) for i, h in enumerate(header)}
    assert row["eligible"].data_type == "b" and row["walking miles"].data_type == "n"
    assert row["valid until"].is_date and ws.column_dimensions["D"].width == 60
    assert c.get("/v1/decisions.xlsx", headers=k["planner"]).status_code == 403

    sheets = c.get(f"/v1/plans/{plan_id}/route-sheets.csv", headers=k["planner"])
    assert sheets.content.startswith(b"\xef\xbb\xbf") and sheets.headers["content-type"].startswith("text/csv")
    book = openpyxl.load_workbook(io.BytesIO(c.get(f"/v1/plans/{plan_id}/route-sheets.xlsx", headers=k["planner"]).content))
    rs = book["Route sheets"]
    assert rs["H2"].is_date or rs["H2"].number_format == "hh:mm"
    lists = c.get(f"/v1/plans/{plan_id}/school-lists.xlsx", headers=k["planner"])
    assert lists.status_code == 200
    for body in (sheets.content, lists.content):
        assert b"SYN-0" not in body
    assert c.get(f"/v1/plans/{plan_id}/comparison/{plan_id}.xlsx", headers=k["planner"]).status_code == 200

    offers = c.get(f"/v1/plans/{plan_id}/offers.xlsx", headers=k["officer"])
    assert offers.status_code == 200, offers.text
    os_ = openpyxl.load_workbook(io.BytesIO(offers.content))["Offers"]
    head = [cell.value for cell in os_[1]]
    assert os_.max_row == 4 and {"seat a year", "ptb a year", "cheapest"} <= set(head)
    seat = os_.cell(row=2, column=head.index("seat a year") + 1)
    assert seat.data_type == "n" and seat.number_format == "£#,##0.00"
    planner_csv = c.get(f"/v1/plans/{plan_id}/offers.csv", headers=k["planner"]).content
    assert planner_csv.startswith(b"\xef\xbb\xbf") and b"SYN-0" not in planner_csv  # planners see pseudonyms

    gpkg = c.get(f"/v1/plans/{plan_id}/plan.gpkg", headers=k["planner"])
    assert gpkg.status_code == 200
    path = tmp_path / "plan.gpkg"
    path.write_bytes(gpkg.content)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"routes", "stops", "schools", "depots", "walking_routes"}
    stops = gpd.read_file(path, layer="stops")
    walks = gpd.read_file(path, layer="walking_routes")
    assert stops.crs.to_epsg() == 4326 and len(walks) == 3
    assert all(v.startswith("P-") for v in stops["child"] if v) and all(v.startswith("P-") for v in walks["application"])
    assert not any("SYN-" in str(v) for layer in layers for v in gpd.read_file(path, layer=layer).drop(columns="geometry").values.ravel())
