"""axe-core (vendored by scripts/vendor_web.sh, loaded from 'self' so the pages' CSP allows it) on every page:
no serious or critical violations."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot, sign_in

AXE = "/web/static/vendor/axe/axe.min.js"


def _pages(seed: dict) -> list[tuple[str | None, str, str]]:
    """(role, path, a selector that shows the page has drawn its data); the path names its screenshot."""
    plan = seed["plan_id"]
    return [
        (None, "/web/", "#api-key"),
        ("planner", f"/web/planner?plan={plan}", "path.sen-route"),
        ("planner", f"/web/planner/sheets?plan={plan}", "table"),
        ("planner", f"/web/planner/lots?plan={plan}", "main h1"),
        ("planner", "/web/readiness", "main h1"),
        ("officer", "/web/officer", "#find-table"),
        ("officer", "/web/officer?application=SYN-006", "#decision-panel"),
        ("officer", "/web/officer?application=SYN-001", "path.sen-nearer-route"),
        ("officer", "/web/officer/letter?application=SYN-006", "main h1"),
        ("officer", "/web/officer/import", "main h1"),
        ("contractor", "/web/contractor", "main h1"),
        ("contractor", f"/web/contractor?lot={seed['acme_lot']}", "table.lot-stops"),
    ]


def _serious(page) -> list[str]:
    page.add_script_tag(url=AXE)
    result, passed = page.evaluate("async () => { const r = await axe.run(document); return [r.violations.map("
                                   "v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})),"
                                   " r.passes.length]; }")
    assert passed > 10, "axe did not check the page"  # the check ran, it is not vacuous
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations(page, service, width):
    """Every page, signed in as a role that may use it, at desktop and phone width."""
    page.set_viewport_size({"width": width, "height": 900})
    found = {}
    signed = None
    for role, path, ready in _pages(service.seed):
        if role and role != signed:
            sign_in(page, service, role)
            signed = role
        page.goto(f"{service.url}{path}")
        page.wait_for_selector(ready, state="attached")
        page.wait_for_load_state("networkidle")
        name = path.split("?")[0].strip("/").removeprefix("web").strip("/").replace("/", "-") or "signin"
        name += "-decision" if "application=" in path and "letter" not in path else ""
        name += "-nearer-school" if "SYN-001" in path else ""
        name += "-lot" if "lot=" in path else ""
        phone = width < 600  # at phone width the whole page, so each shows its content below the first screen
        shot(page, f"page-{name}-{'phone' if phone else 'desktop'}", full_page=phone)  # docs/screenshots: docs/web.md
        bad = _serious(page)
        if bad:
            found[path] = bad
    assert not found, found


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_casework_forms_have_no_serious_violations(page, service, width):
    """The decision screen's casework with every form open (review, override), at desktop and phone width."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, service, "officer")
    page.goto(f"{service.url}/web/officer?application=SYN-009")
    page.wait_for_selector("#casework")
    for d in page.query_selector_all("#casework details"):
        d.evaluate("d => { d.open = true; }")
    page.wait_for_load_state("networkidle")
    page.locator("#casework").scroll_into_view_if_needed()
    shot(page, f"page-officer-casework-{'phone' if width < 600 else 'desktop'}")
    assert not _serious(page)
