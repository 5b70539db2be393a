"""The planner's lot page in headless Chromium: package a plan into lots, publish one, award it to an
operator; then that operator's contractor key sees the lot in its lot view."""

from __future__ import annotations

from tests.browser.conftest import OPERATORS, shot, sign_in, wait_job


def test_planner_packages_publishes_and_awards_a_lot(page, service):
    """Planner: plan map -> lots page; create school lots, publish one, award it to Acme Taxis; Acme then reads it."""
    plan_id = service.seed["bare_plan_id"]
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector(f"#map[data-plan='{plan_id}']")
    page.click("#lots-link")
    page.wait_for_url(f"**/web/planner/lots?plan={plan_id}")
    page.wait_for_selector("#no-lots")

    page.click("#create-button")  # nothing chosen: the field's error and the summary
    page.wait_for_selector(".govuk-error-summary")
    assert "Choose how to package" in page.inner_text(".govuk-error-summary")
    assert page.is_visible("#grouping-error")
    page.check("#grouping")
    page.click("#create-button")
    page.wait_for_selector("#lots-table")
    assert not page.is_visible(".govuk-error-summary")
    with service.client("planner") as c:
        lots = c.get(f"/v1/plans/{plan_id}/lots").json()["data"]
    assert lots and all(lot["grouping"] == "school" and lot["status"] == "draft" for lot in lots)
    assert page.locator("#lots-table tbody tr").count() == len(lots)

    page.expected_status.add(409)  # the same grouping twice: the API's conflict shown at the field
    page.check("#grouping")
    page.click("#create-button")
    page.wait_for_selector(".govuk-error-summary")
    assert "already has school lots" in page.inner_text(".govuk-error-summary")

    lot_id = lots[0]["id"]
    page.click(f"#publish-{lot_id}")
    page.wait_for_selector(f"#lots-table tr[data-lot='{lot_id}'][data-status='published']")
    page.click("#award-button")  # nothing chosen: both fields' errors
    page.wait_for_selector("#award-operator-error:not([hidden])")
    assert page.locator(".govuk-error-summary li").count() == 2
    page.select_option("#award-lot", str(lot_id))
    page.fill("#award-operator", OPERATORS[0])
    page.click("#award-button")
    page.wait_for_selector(f"#lots-table tr[data-lot='{lot_id}'][data-status='awarded']")
    assert OPERATORS[0] in page.inner_text(f"#lots-table tr[data-lot='{lot_id}']")
    assert f"awarded to {OPERATORS[0]}" in page.inner_text("#lots-banner")
    assert page.locator(f"#award-lot option[value='{lot_id}']").count() == 0
    assert page.input_value("#award-lot") == ""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "planner-lots")

    page.evaluate("sessionStorage.clear()")
    sign_in(page, service, "contractor")
    page.click(f"#awarded-list a[data-lot='{lot_id}']")
    page.wait_for_selector("#lot-title")
    assert f"Lot {lot_id}" in page.inner_text("#lot-title")
    assert OPERATORS[0] in page.inner_text("#lot")
    assert page.locator("table.lot-stops tbody tr").count() >= 2
    shot(page, "contractor-awarded-from-page")


def test_lots_menu_publish_several_withdraw_and_re_award(page, service):
    """The planner's "Lots" menu item opens the open plan's lots; several drafts publish at once; every lot is
    withdrawn on the page (its operator loses it); the freed routes are packaged again and re-awarded."""
    plan_id = service.seed["bare_plan_id"]
    sign_in(page, service, "planner")
    page.select_option("#plan-select", str(plan_id))
    page.wait_for_selector(f"#map[data-plan='{plan_id}']")
    page.click("#nav-list a[href='/web/planner/lots']")
    page.wait_for_url(f"**/web/planner/lots?plan={plan_id}")
    page.wait_for_selector("#lots-table, #no-lots")
    if page.locator("#no-lots").count():
        page.check("#grouping")
        page.click("#create-button")
        page.wait_for_selector("#lots-table")
    with service.client("planner") as c:
        lots = c.get(f"/v1/plans/{plan_id}/lots").json()["data"]
    drafts = [lot["id"] for lot in lots if lot["status"] == "draft"]
    if len(drafts) >= 2:
        page.click("#publish-all")
        for d in drafts:
            page.wait_for_selector(f"#lots-table tr[data-lot='{d}'][data-status='published']")
    live = [lot for lot in lots if lot["status"] != "withdrawn"]
    awarded = [lot["id"] for lot in live if lot["status"] == "awarded" and lot["operator"] == OPERATORS[0]]
    for lot in live:
        page.click(f"#withdraw-{lot['id']}")
        page.wait_for_selector(f"#lots-table tr[data-lot='{lot['id']}'][data-status='withdrawn']")
    with service.client("contractor") as c:
        for lot_id in awarded:
            assert c.get(f"/v1/contractor/lots/{lot_id}").status_code == 403
    # re-award: package the freed routes again (by procurement category), publish the ones chosen, award one
    page.check("#grouping-procurement")
    page.click("#create-button")
    page.wait_for_selector("#lots-table tr[data-status='draft']")
    with service.client("planner") as c:
        fresh = [lot["id"] for lot in c.get(f"/v1/plans/{plan_id}/lots").json()["data"] if lot["status"] == "draft"]
    for lot_id in fresh:
        page.check(f"#pick-{lot_id}") if len(fresh) > 1 else None
    if len(fresh) > 1:
        page.click("#publish-selected")
    else:
        page.click(f"#publish-{fresh[0]}")
    page.wait_for_selector(f"#lots-table tr[data-lot='{fresh[-1]}'][data-status='published']")
    page.select_option("#award-lot", str(fresh[0]))
    page.fill("#award-operator", OPERATORS[0])
    page.click("#award-button")
    page.wait_for_selector(f"#lots-table tr[data-lot='{fresh[0]}'][data-status='awarded']")
    with service.client("contractor") as c:
        assert c.get(f"/v1/contractor/lots/{fresh[0]}").status_code == 200
    shot(page, "planner-lots-withdrawn")


def test_one_withdrawn_lot_is_re_tendered_while_the_others_stay_live(page, service):
    """Of a plan's live lots, one is withdrawn and re-tendered on the page (a new draft with its routes), published
    and awarded to another operator, while the plan's other lots stay awarded to their operator."""
    with service.client("planner") as c:
        r = c.post("/v1/jobs", json={"scenario_id": service.seed["scenario_id"], "time_limit_s": 2})
        plan_id = wait_job(c, r.json()["id"])["plan_id"]
        lots = c.post(f"/v1/plans/{plan_id}/lots", json={"grouping": "procurement"}).json()["data"]
        assert len(lots) > 1, "the test re-tenders one lot of several"
        for lot in lots:  # awarded at once: the open tenders other tests count stay as they were
            assert c.post(f"/v1/lots/{lot['id']}/publish").status_code == 200
            assert c.post(f"/v1/lots/{lot['id']}/award", json={"operator": OPERATORS[0]}).status_code == 201
    first, others = lots[0], lots[1:]
    sign_in(page, service, "planner")
    page.goto(f"{service.url}/web/planner/lots?plan={plan_id}")
    page.wait_for_selector(f"#lots-table tr[data-lot='{first['id']}']")
    assert page.locator(f"#retender-{first['id']}").count() == 0  # only a withdrawn lot is re-tendered
    page.click(f"#withdraw-{first['id']}")
    page.wait_for_selector(f"#lots-table tr[data-lot='{first['id']}'][data-status='withdrawn']")
    page.click(f"#retender-{first['id']}")
    page.wait_for_selector("#lots-table tr[data-status='draft']")
    with service.client("planner") as c:
        now = c.get(f"/v1/plans/{plan_id}/lots").json()["data"]
    new = next(lot for lot in now if lot["status"] == "draft")
    assert [r["ref"].split("-")[1] for r in new["routes"]] == [r["ref"].split("-")[1] for r in first["routes"]]
    assert new["name"] == first["name"]
    assert f"back to tender as draft lot {new['id']}" in page.inner_text("#lots-banner")
    page.click(f"#publish-{new['id']}")
    page.wait_for_selector(f"#lots-table tr[data-lot='{new['id']}'][data-status='published']")
    page.select_option("#award-lot", str(new["id"]))
    page.fill("#award-operator", OPERATORS[1])
    page.click("#award-button")
    page.wait_for_selector(f"#lots-table tr[data-lot='{new['id']}'][data-status='awarded']")
    for other in others:
        assert page.get_attribute(f"#lots-table tr[data-lot='{other['id']}']", "data-status") == "awarded"
    page.expected_status.add(409)  # the withdrawn lot's routes are live again: a second re-tender is refused
    page.click(f"#retender-{first['id']}")
    page.wait_for_selector(".govuk-error-summary")
    assert "at most one live lot" in page.inner_text(".govuk-error-summary")
    with service.client("contractor2") as c:
        assert c.get(f"/v1/contractor/lots/{new['id']}").status_code == 200
    with service.client("contractor") as c:
        assert c.get(f"/v1/contractor/lots/{new['id']}").status_code == 403
        assert all(c.get(f"/v1/contractor/lots/{o['id']}").status_code == 200 for o in others)
