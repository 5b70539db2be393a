"""The import page describes its columns and offers the template to download (CSV and Excel)."""

from __future__ import annotations

from api.services.import_template import IMPORT_COLUMNS
from tests.browser.conftest import sign_in


def test_import_page_describes_the_columns_and_downloads_the_template(page, service, tmp_path):
    """Every column is described on the page (not in a repository file); both templates download with them."""
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer/import")
    page.click("#columns-details summary")
    names = page.eval_on_selector_all("#columns-table tbody tr td:first-child", "els => els.map(e => e.textContent.trim())")
    assert names == [c.name for c in IMPORT_COLUMNS]
    assert "docs/eligibility-input.md" not in page.inner_text("main")
    with page.expect_download() as got:
        page.click("#template-csv")
    path = tmp_path / "t.csv"
    got.value.save_as(path)
    assert got.value.suggested_filename == "applications-template.csv"
    assert path.read_text(encoding="utf-8-sig").splitlines()[0].split(",") == names
    with page.expect_download() as got:
        page.click("#template-xlsx")
    assert got.value.suggested_filename == "applications-template.xlsx"
    got.value.save_as(tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
