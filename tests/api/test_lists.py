"""List endpoints: ``count`` is the number of rows that match, not the size of the page returned."""

from __future__ import annotations

import pytest

from api.models import JobRecord, PlanRecord, ScenarioRecord

KPIS = {"children": 0, "routed": 0, "unassigned": [], "daily_cost_pence": 0, "vehicles": 0, "vehicles_by_type": {},
        "miles": 0.0, "mean_ride_min": 0.0, "max_ride_min": 0.0, "over_ride_limit": 0, "valid": True}


def _store(app, scenarios: int, jobs: int, plans: int) -> None:
    """Rows written straight to the database (the lists read them; nothing here needs a solver run)."""
    with app.state.sessions() as s:
        recs = [ScenarioRecord(name=f"s{i}", session="am", source="upload", children=0, document={}, created_by="t")
                for i in range(scenarios)]
        s.add_all(recs)
        s.flush()
        s.add_all(JobRecord(id=f"job{i:04d}", scenario_id=recs[0].id, status="succeeded", time_limit_s=1.0,
                            created_by="t") for i in range(jobs))
        s.add_all(PlanRecord(scenario_id=recs[0].id, document={}, kpis=KPIS, violations=[], geojson={})
                  for _ in range(plans))
        s.commit()


@pytest.mark.parametrize("path", ["/v1/scenarios", "/v1/jobs"])
def test_count_is_the_total_beyond_the_largest_page(app, client, keys, path):
    """501 rows: the default page is shorter, but count says 501."""
    _store(app, scenarios=501, jobs=501, plans=0)
    body = client.get(path, headers=keys["planner"]).json()
    assert body["count"] == 501
    assert len(body["data"]) < 501


@pytest.mark.parametrize("path,total", [("/v1/scenarios", 7), ("/v1/jobs", 7), ("/v1/plans", 7)])
def test_pages_cover_every_row_once(app, client, keys, path, total):
    """Walking the pages with limit and offset returns each row exactly once, each page with the same count."""
    _store(app, scenarios=total, jobs=total, plans=total)
    seen = []
    for offset in range(0, total + 3, 3):
        body = client.get(path, params={"limit": 3, "offset": offset}, headers=keys["planner"]).json()
        assert body["count"] == total and body["limit"] == 3 and body["offset"] == offset
        assert len(body["data"]) == max(0, min(3, total - offset))
        seen += [row["id"] for row in body["data"]]
    assert len(seen) == total == len(set(seen))


@pytest.mark.parametrize("path", ["/v1/scenarios", "/v1/jobs", "/v1/plans"])
def test_bad_page_is_422(client, keys, path):
    """A page size of 0 or over the maximum, or a negative offset, is refused."""
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        assert client.get(path, params=params, headers=keys["planner"]).status_code == 422
