"""Applications: idempotent create, field-level 422s, filters and pages, CSV import reports, all-or-nothing writes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.conftest import COHORT_CSV, application_body

BAD_ROWS = """application_id,date_of_birth,sex,home_postcode,school_urn,travel_date,first_name,wheelchair
OK-1,2016-03-01,F,LE15 8AA,138113,2025-09-03,Ava,no
BAD-DATE,2016-02-30,F,LE15 8AA,138113,2025-09-03,Bo,no
,2016-03-01,F,LE15 8AA,138113,2025-09-03,Cy,no
OK-1,2016-03-01,F,LE15 8AA,138113,2025-09-03,Ava,no
BAD-FLAG,2016-03-01,F,LE15 8AA,138113,2025-09-03,Di,perhaps
OK-2,2012-03-01,M,LE15 6HJ,131018,2025-09-03,Ed,yes
"""


def test_idempotent_create(client, keys):
    """A retry with the same Idempotency-Key returns the stored application (200), once."""
    h = {**keys["officer"], "Idempotency-Key": "retry-0001"}
    first = client.post("/v1/applications", json=application_body(), headers=h)
    again = client.post("/v1/applications", json=application_body(), headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert client.get("/v1/applications", headers=keys["officer"]).json()["count"] == 1


def test_idempotency_key_reused_for_other_body(client, keys):
    """The same key with a different application is a 409, not a silent overwrite."""
    h = {**keys["officer"], "Idempotency-Key": "retry-0002"}
    assert client.post("/v1/applications", json=application_body(), headers=h).status_code == 201
    r = client.post("/v1/applications", json=application_body(first_name="Zed"), headers=h)
    assert r.status_code == 409
    assert client.get("/v1/applications/T-001", headers=keys["officer"]).json()["application"]["first_name"] == "Amira"


def test_duplicate_reference(client, keys):
    """Without a key, a second application with the same reference is a 409."""
    assert client.post("/v1/applications", json=application_body(), headers=keys["officer"]).status_code == 201
    assert client.post("/v1/applications", json=application_body(), headers=keys["officer"]).status_code == 409


@pytest.mark.parametrize("change,loc", [
    ({"home": {"postcode": "NOT A POSTCODE"}}, ["body", "home", "postcode"]),
    ({"date_of_birth": "2014-02-30"}, ["body", "date_of_birth"]),
    ({"sex": "X"}, ["body", "sex"]),
    ({"needs": {"max_ride_time_min": 0}}, ["body", "needs", "max_ride_time_min"]),
    ({"application_id": ""}, ["body", "application_id"]),
    ({"unexpected": 1}, ["body", "unexpected"]),
])
def test_field_level_422(client, keys, change, loc):
    """Bad input is a 422 naming the field; the submitted value is not echoed back."""
    r = client.post("/v1/applications", json=application_body(**change), headers=keys["officer"])
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"] == loc and detail[0]["msg"]
    assert "input" not in detail[0]


def test_home_must_be_given(client, keys):
    """A home with nothing in it names the home field."""
    r = client.post("/v1/applications", json=application_body(home={}), headers=keys["officer"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "home"]


def test_list_filters_and_pages(client, keys):
    """Filters by school and status; pages with limit/offset and a total count."""
    client.post("/v1/applications/import", content=COHORT_CSV.read_bytes(),
                headers={**keys["officer"], "Content-Type": "text/csv"})
    page = client.get("/v1/applications?limit=3&offset=3", headers=keys["officer"]).json()
    assert page["count"] == 10 and [a["id"] for a in page["data"]] == ["SYN-004", "SYN-005", "SYN-006"]
    by_school = client.get("/v1/applications?school_id=137340", headers=keys["officer"]).json()
    assert {a["id"] for a in by_school["data"]} == {"SYN-002", "SYN-007"}
    assert client.get("/v1/applications?status=eligible", headers=keys["officer"]).json()["count"] == 0
    client.post("/v1/eligibility/assessments", json={"scope": "undecided"}, headers=keys["officer"])
    eligible = client.get("/v1/applications?status=eligible", headers=keys["officer"]).json()
    assert {a["id"] for a in eligible["data"]} == {"SYN-002", "SYN-004", "SYN-005", "SYN-007", "SYN-008"}
    assert client.get("/v1/applications?limit=0", headers=keys["officer"]).status_code == 422


def test_list_searches_and_sorts(client, keys):
    """Search by reference (any case), first name or postcode (with or without the space); sort; true count."""
    off = keys["officer"]
    client.post("/v1/applications/import", content=COHORT_CSV.read_bytes(), headers={**off, "Content-Type": "text/csv"})
    ids = lambda r: [a["id"] for a in r.json()["data"]]  # noqa: E731
    r = client.get("/v1/applications?q=syn-00", headers=off)
    assert r.json()["count"] == 9 and ids(r)[0] == "SYN-001"
    assert ids(client.get("/v1/applications?q=leo", headers=off)) == ["SYN-002"]
    assert ids(client.get("/v1/applications?q=pe94es", headers=off)) == ["SYN-002"]
    assert ids(client.get("/v1/applications?q=PE9%204ES", headers=off)) == ["SYN-002"]
    assert client.get("/v1/applications?q=nobody", headers=off).json() == {"data": [], "count": 0, "limit": 50, "offset": 0}
    desc = client.get("/v1/applications?sort=-reference&limit=2", headers=off).json()
    assert [a["id"] for a in desc["data"]] == ["SYN-010", "SYN-009"] and desc["count"] == 10
    assert client.get("/v1/applications?sort=colour", headers=off).status_code == 422
    client.post("/v1/eligibility/assessments", json={"scope": "undecided"}, headers=off)
    refused = client.get("/v1/applications?status=not_eligible&q=syn", headers=off).json()
    assert refused["count"] == 5 and all(a["status"] == "not_eligible" for a in refused["data"])


def test_import_reports_every_row(client, keys):
    """Good rows are stored, each bad row is reported with its number and reason, repeats are caught."""
    r = client.post("/v1/applications/import", content=BAD_ROWS, headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["rows"], rep["created"], rep["errors"], rep["duplicates"]) == (6, 2, 4, 0)
    status = {row["row"]: (row["status"], row["reason"]) for row in rep["report"]}  # rows as Excel shows them
    assert status[2][0] == status[7][0] == "created"
    assert "date_of_birth" in status[3][1] and "application_id" in status[4][1]
    assert "repeats row 2" in status[5][1]
    assert status[6][0] == "error" and status[6][1].startswith("application BAD-FLAG: wheelchair must be yes/no")
    stored = client.get("/v1/applications/OK-2", headers=keys["officer"]).json()
    assert stored["application"]["needs"]["wheelchair"] is True and stored["application"]["first_name"] == "Ed"
    again = client.post("/v1/applications/import", content=BAD_ROWS,
                        headers={**keys["officer"], "Content-Type": "text/csv"}).json()
    assert again["created"] == 0 and again["duplicates"] == 2


def test_import_xlsx_and_cp1252_like_the_cli(client, keys, tmp_path):
    """An Excel cohort and a Windows-1252 CSV import through the same reader as the CLI, load_time_s kept."""
    from tests.io.test_tabular import xlsx_bytes

    header = ["application_id", "first_name", "date_of_birth", "home_postcode", "school_urn", "travel_date",
              "load_time_s"]
    data = xlsx_bytes([header, ["XL-1", "Zoë", dt.date(2016, 3, 1), "LE15 8AA", 138113, dt.date(2025, 9, 3), 120]])
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rep = client.post("/v1/applications/import", content=data, headers={**keys["officer"], "Content-Type": xlsx_type})
    assert rep.status_code == 200, rep.text
    assert rep.json()["report"] == [{"row": 2, "application_id": "XL-1", "status": "created", "reason": "",
                                     "eligible": None, "batch": 1}]
    stored = client.get("/v1/applications/XL-1", headers=keys["officer"]).json()["application"]
    assert stored["first_name"] == "Zoë" and stored["needs"]["load_time_s"] == 120
    cp = ",".join(header[:6]) + "\nCP-1,Zoë,2016-03-01,LE15 8AA,138113,2025-09-03\n"
    rep = client.post("/v1/applications/import", content=cp.encode("cp1252"),
                      headers={**keys["officer"], "Content-Type": "text/csv"})
    assert rep.json()["created"] == 1
    assert client.get("/v1/applications/CP-1", headers=keys["officer"]).json()["application"]["first_name"] == "Zoë"
    bad = client.post("/v1/applications/import", content=b"application_id,first_name\nA,\x81\n",
                      headers={**keys["officer"], "Content-Type": "text/csv"})
    assert bad.status_code == 422 and "row 2: byte 0x81" in bad.text


def test_import_rejects_non_csv(client, keys):
    """A body without an application_id header is a 422."""
    r = client.post("/v1/applications/import", content="a,b\n1,2\n", headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 422


def test_failure_mid_import_stores_nothing(client, keys, app, monkeypatch):
    """If anything fails before the commit, no application of the cohort is stored."""
    from api import audit

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        client.post("/v1/applications/import", content=COHORT_CSV.read_bytes(),
                    headers={**keys["officer"], "Content-Type": "text/csv"})
    monkeypatch.undo()
    assert client.get("/v1/applications", headers=keys["officer"]).json()["count"] == 0


def test_failure_mid_assessment_leaves_no_decision(client, keys, monkeypatch):
    """A crash after a decision row is written but before the commit leaves the application undecided."""
    from api.services import decisions

    assert client.post("/v1/applications", json=application_body(), headers=keys["officer"]).status_code == 201
    real = decisions.audit.record

    def crash_after_write(session, who, action, *a, **k):
        real(session, who, action, *a, **k)
        if action.startswith("decision."):
            raise RuntimeError("power cut")

    monkeypatch.setattr(decisions.audit, "record", crash_after_write)
    with pytest.raises(RuntimeError):
        client.post("/v1/applications/T-001/assess", headers=keys["officer"])
    monkeypatch.undo()
    got = client.get("/v1/applications/T-001", headers=keys["officer"]).json()
    assert got["status"] == "received" and got["current_decision"] is None
    assert client.get("/v1/applications/T-001/decisions", headers=keys["officer"]).json()["count"] == 0


def test_import_template_round_trips(client, keys):
    """The template (CSV and .xlsx) has every column the page describes, all as text cells, and importing it
    unchanged stores its example row: the template and the import read the same columns."""
    import io

    from openpyxl import load_workbook

    from api.services.import_template import IMPORT_COLUMNS

    off = keys["officer"]
    names = [c.name for c in IMPORT_COLUMNS]
    csv = client.get("/v1/applications/import-template?format=csv", headers=off)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.content.decode("utf-8-sig").splitlines()[0].split(",") == names
    xlsx = client.get("/v1/applications/import-template?format=xlsx", headers=off)
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[1]] == names
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value is not None)
    r = client.post("/v1/applications/import", content=csv.content, headers={**off, "Content-Type": "text/csv"}).json()
    assert (r["created"], r["errors"]) == (1, 0), r
    stored = client.get("/v1/applications/KCC-2025-00018", headers=off).json()["application"]
    assert stored["first_name"] == "Sam" and stored["needs"]["passenger_assistant"] is True
    # the xlsx template reads the same: its row is now a duplicate
    r = client.post("/v1/applications/import", content=xlsx.content,
                    headers={**off, "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}).json()
    assert (r["duplicates"], r["errors"]) == (1, 0), r
    assert client.get("/v1/applications/import-template?format=pdf", headers=off).status_code == 422
    assert client.get("/v1/applications/import-template").status_code == 401


def test_list_filters_by_date_received(client, keys, app):
    """received_from / received_to keep applications received on those days (inclusive, UTC), with a true
    count; a range that ends before it starts is a 422 naming received_to."""
    from api.models import ApplicationRecord

    off = keys["officer"]
    for ref in ("R-1", "R-2", "R-3"):
        assert client.post("/v1/applications", json=application_body(ref), headers=off).status_code == 201
    days = {"R-1": dt.datetime(2025, 9, 1, 23, 59, tzinfo=dt.UTC), "R-2": dt.datetime(2025, 9, 2, 0, 0, tzinfo=dt.UTC),
            "R-3": dt.datetime(2025, 9, 5, 12, 0, tzinfo=dt.UTC)}
    with app.state.sessions() as s:
        for rec in s.query(ApplicationRecord):
            rec.created_at = days[rec.reference]
        s.commit()
    got = lambda q: client.get(f"/v1/applications?{q}", headers=off).json()
    assert [a["id"] for a in got("received_from=2025-09-02")["data"]] == ["R-2", "R-3"]
    assert [a["id"] for a in got("received_to=2025-09-01")["data"]] == ["R-1"]
    both = got("received_from=2025-09-02&received_to=2025-09-04")
    assert [a["id"] for a in both["data"]] == ["R-2"] and both["count"] == 1
    bad = client.get("/v1/applications?received_from=2025-09-05&received_to=2025-09-01", headers=off)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "received_to"]
