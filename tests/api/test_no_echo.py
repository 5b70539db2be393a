"""Errors name the field, never the submitted personal value; Idempotency-Keys belong to one API key."""

from __future__ import annotations

from api.security import create_key
from tests.api.conftest import application_body

HEADER = "application_id,date_of_birth,sex,home_postcode,school_urn,travel_date,first_name,wheelchair\n"


def test_import_errors_do_not_repeat_values(client, keys):
    """Bad dates, postcodes, numbers and flags are reported by column name without their values."""
    rows = ["E-1,2016-02-30,F,LE15 8AA,138113,2025-09-03,Ava,",
            "E-2,2016-03-01,F,ZZ99 9ZZ,138113,2025-09-03,Bea,",
            "E-3,2016-03-01,F,NOT A POSTCODE,138113,2025-09-03,Cal,",
            "E-4,2016-03-01,F,LE15 8AA,138113,2025-09-03,Dee,maybe-ish",
            "E-5,2030-03-01,F,LE15 8AA,138113,2031-09-03,Eve,"]
    r = client.post("/v1/applications/import", content=(HEADER + "\n".join(rows) + "\n").encode(),
                    headers={**keys["officer"], "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    reasons = [x["reason"] for x in r.json()["report"] if x["status"] == "error"]
    assert len(reasons) >= 4, r.json()["report"]
    for secret in ("2016-02-30", "ZZ99 9ZZ", "NOT A POSTCODE", "maybe-ish", "2030-03-01"):
        assert secret not in r.text, (secret, reasons)


def test_body_errors_do_not_repeat_values(client, keys):
    """A 422 on a bad postcode or date says which field, not what was sent."""
    for patch, secret in (({"home": {"postcode": "ZZ99 9ZZ"}}, "ZZ99 9ZZ"),
                          ({"date_of_birth": "2014-02-30"}, "2014-02-30"),
                          ({"first_name": "A" * 51}, "A" * 51)):
        r = client.post("/v1/applications", json=application_body(**patch), headers=keys["officer"])
        assert r.status_code == 422, r.text
        assert secret not in r.text and r.json()["detail"][0]["loc"], r.text


def test_idempotency_keys_are_scoped_per_api_key(client, keys, app):
    """A second officer reusing another officer's Idempotency-Key gets their own application, not the first one's."""
    with app.state.sessions() as s:
        other = {"X-API-Key": create_key(s, "officer", "second officer")[1]}
        s.commit()
    first = client.post("/v1/applications", json=application_body("T-001"), headers={**keys["officer"], "Idempotency-Key": "shared-key-1"})
    assert first.status_code == 201
    second = client.post("/v1/applications", json=application_body("T-002", first_name="Bo"),
                         headers={**other, "Idempotency-Key": "shared-key-1"})
    assert second.status_code == 201, second.text
    assert second.json()["id"] == "T-002" and "Amira" not in second.text
    retry = client.post("/v1/applications", json=application_body("T-002", first_name="Bo"),
                        headers={**other, "Idempotency-Key": "shared-key-1"})
    assert retry.status_code == 200 and retry.json()["id"] == "T-002"
    again = client.post("/v1/applications", json=application_body("T-001"), headers={**keys["officer"], "Idempotency-Key": "shared-key-1"})
    assert again.status_code == 200 and again.json()["id"] == "T-001"


def test_case_errors_name_the_field_not_the_date(client, keys, app):
    """Early, late and non-working-day case dates are 422s that do not repeat the date sent."""
    import datetime as dt

    from tests.api.test_cases import _refused

    h = keys["officer"]
    _refused(client, keys, app, dt.date(2025, 4, 10))
    early = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-04-01", "grounds": "g"}, headers=h)
    late = client.post("/v1/applications/T-001/reviews", json={"requested_on": "2025-05-14", "grounds": "g"}, headers=h)
    for r, sent in ((early, "2025-04-01"), (late, "2025-05-14")):
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "requested_on"]
        assert sent not in r.text, r.text
    assert "2025-05-13" in late.text  # the deadline (the council's date) is named
