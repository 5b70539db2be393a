"""The officer's list to work from: search (any case, name, postcode), filter, sort, page, open."""

from __future__ import annotations

from tests.browser.conftest import shot, sign_in


def _rows(page) -> list[str]:
    return page.eval_on_selector_all("#find-table tbody tr td:first-child", "els => els.map(e => e.textContent.trim())")


def test_officer_finds_an_application_without_knowing_its_reference(page, service):
    """Lower-case reference, a first name and a postcode without its space each find SYN-002; filters and paging
    agree with the API's counts; choosing a row opens its decision."""
    with service.client("officer") as c:
        everyone = c.get("/v1/applications", params={"limit": 500}).json()
        refused = c.get("/v1/applications", params={"status": "not_eligible", "limit": 500}).json()
        on_date = c.get("/v1/applications", params={"travel_date": "2025-09-03", "limit": 500}).json()
    sign_in(page, service, "officer")
    page.wait_for_selector("#find-count")
    shown = min(everyone["count"], 20)
    assert page.inner_text("#find-count") == f"Showing 1 to {shown} of {everyone['count']} applications"

    for text in ("syn-002", "Leo", "pe94es"):
        page.fill("#find-q", text)
        page.click("#find-button")
        page.wait_for_function("() => document.querySelector('#find-count')?.textContent.includes('of 1 application')")
        assert _rows(page) == ["SYN-002"], text

    page.fill("#find-q", "")
    page.select_option("#find-status", "not_eligible")
    page.click("#find-button")
    page.wait_for_selector(f"#find-count:has-text('of {refused['count']} application')")
    assert sorted(_rows(page)) == sorted(a["id"] for a in refused["data"][:20])
    assert set(page.eval_on_selector_all("#find-table tbody tr td:last-child", "els => els.map(e => e.textContent.trim())")) == {"Refused"}

    page.select_option("#find-status", "")
    page.fill("#find-date-day", "3")
    page.fill("#find-date-month", "9")
    page.fill("#find-date-year", "2025")
    page.select_option("#find-sort", "-reference")
    page.click("#find-button")
    page.wait_for_selector(f"#find-count:has-text('of {on_date['count']} application')")
    want = sorted((a["id"] for a in on_date["data"]), reverse=True)
    assert _rows(page) == want[:20]
    assert "3 September 2025" in page.inner_text("#find-table")

    page.fill("#find-date-day", "31")
    page.fill("#find-date-month", "2")
    page.click("#find-button")
    page.wait_for_selector("#find-date-error:not([hidden])")
    assert "real date" in page.inner_text("#find-date-error")

    page.fill("#find-date-day", "")
    page.fill("#find-date-month", "")
    page.fill("#find-date-year", "")
    page.select_option("#find-sort", "reference")
    page.click("#find-button")
    page.wait_for_selector("#find-table")
    if everyone["count"] > 20:
        page.click("#find-next")
        page.wait_for_selector("#find-count:has-text('Showing 21 to')")
    shot(page, "officer-list")
    page.fill("#find-q", "SYN-006")
    page.click("#find-button")
    page.wait_for_function("() => document.querySelector('#find-count')?.textContent.includes('of 1 application')")
    page.click("#find-table a:has-text('SYN-006')")
    page.wait_for_selector("#decision-panel")
    assert "Not eligible" in page.inner_text("#decision-panel")


def test_officer_filters_by_date_received(page, service):
    """Received on or after / on or before (GOV.UK date inputs) give the API's count; a range that ends before
    it starts is an error beside the field and in the summary."""
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    with service.client("officer") as c:
        received = c.get("/v1/applications", params={"received_from": today.isoformat(), "limit": 1}).json()["count"]
    assert received > 0
    sign_in(page, service, "officer")
    page.wait_for_selector("#find-count")
    for prefix, day in (("find-from", today), ("find-to", today)):
        page.fill(f"#{prefix}-day", str(day.day))
        page.fill(f"#{prefix}-month", str(day.month))
        page.fill(f"#{prefix}-year", str(day.year))
    page.click("#find-button")
    page.wait_for_selector(f"#find-count:has-text('of {received} application')")
    yesterday = today - dt.timedelta(days=1)
    page.fill("#find-to-day", str(yesterday.day))
    page.fill("#find-to-month", str(yesterday.month))
    page.fill("#find-to-year", str(yesterday.year))
    page.click("#find-button")
    page.wait_for_selector("#find-to-error:not([hidden])")
    assert "must be the same as or after" in page.inner_text("#errors")
    page.fill("#find-to-day", "")
    page.fill("#find-to-month", "")
    page.fill("#find-to-year", "")
    page.fill("#find-from-year", str(today.year + 1))
    page.click("#find-button")
    page.wait_for_selector("#find-count:has-text('No applications match')")


def test_officer_downloads_the_decisions_as_csv_and_excel(page, service, tmp_path):
    """The decision page's buttons download every decision in force: the CSV (BOM, formula-safe cells) has one
    row per decided application with the API's outcome; the Excel file opens with the same rows."""
    import csv
    import io

    from openpyxl import load_workbook

    from transport.io.csv_out import FORMULA_TRIGGERS

    with service.client("officer") as c:
        apps = c.get("/v1/applications", params={"limit": 500}).json()["data"]
    decided = {a["id"]: a["status"] == "eligible" for a in apps if a["status"] != "received"}
    sign_in(page, service, "officer")
    page.wait_for_selector("#find-count")
    with page.expect_download() as dl:
        page.click("#download-decisions-csv")
    assert dl.value.suggested_filename == "decisions.csv"
    path = tmp_path / "decisions.csv"
    dl.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and {r["application"] for r in rows} <= set(decided) and len(rows) == len({r["application"] for r in rows})
    assert all((r["eligible"] == "yes") == decided[r["application"]] for r in rows)
    assert not [v for r in rows for v in r.values() if v and v.startswith(FORMULA_TRIGGERS)]  # a formula is never live
    with page.expect_download() as dl:
        page.click("#download-decisions-xlsx")
    xpath = tmp_path / "decisions.xlsx"
    dl.value.save_as(xpath)
    ws = load_workbook(xpath).active
    assert [str(v[0].value) for v in ws.iter_rows(min_row=2)] == [r["application"] for r in rows]
    assert not page.is_visible(".govuk-error-summary")
