"""What readers see of a day plan: routes with both duties timed on every weekday, and both runs on the map."""

import json

import pytest

from tests.cli.test_cli import run
from transport.domain.scenario import WEEKDAYS, WeekdayBells, parse_scenario
from transport.planning.day import plan_day
from transport.planning.day_views import day_routes, day_routes_geojson


@pytest.fixture(scope="module")
def week_doc(request):
    """The six-child scenario as a day: K0 attends Monday and Wednesday only, one school finishes early on Friday."""
    small = request.getfixturevalue("small_for_module")
    kids = list(small.children)
    kids[0] = kids[0].model_copy(update={"attends": ("mon", "wed")})
    schools = list(small.schools)
    schools[1] = schools[1].model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
    scen = parse_scenario(small.model_copy(update={"session": "day", "children": tuple(kids),
                                                   "schools": tuple(schools)}).model_dump(mode="json"))
    net = request.getfixturevalue("drive_net")
    return plan_day(scen, time_limit_s=2, network=net), net


@pytest.fixture(scope="module")
def small_for_module(schools, postcodes):
    """tests/planning/conftest.py's six children, for module-scoped fixtures."""
    from tests.planning.conftest import small

    return small.__wrapped__(schools, postcodes)


def test_each_route_has_both_duties_timed_on_every_weekday(week_doc):
    """Stops carry a time per weekday (none on days the child stays home), skipped children are listed,
    and Friday's early finish shows as afternoon times that differ."""
    doc, _ = week_doc
    assert doc.violations == []
    routes = day_routes(doc, pseudonymise=str)
    assert [r["route"] for r in routes] == [f"D{k:03d}" for k in range(1, len(doc.plan.duties) + 1)]
    carried = {s["child"] for r in routes for s in r["am"]["stops"]}
    assert carried == {f"K{i}" for i in range(6)}
    k0 = next(r for r in routes if any(s["child"] == "K0" for s in r["am"]["stops"]))
    stop = next(s for s in k0["am"]["stops"] if s["child"] == "K0" and s["kind"] == "pickup")
    assert stop["days"] == ["mon", "wed"]
    assert stop["times"]["mon"] and stop["times"]["tue"] is None and stop["times"]["fri"] is None
    for day in ("tue", "thu", "fri"):
        assert "K0" in k0["am"]["skipped"][day] and "K0" in k0["pm"]["skipped"][day]
    assert "mon" not in k0["am"]["skipped"]
    early = [r for r in routes if doc.scenario.schools[1].id in r["school_ids"]]
    assert early and all(r["pm"]["times_differ"] for r in early)
    for r in early:
        assert r["pm"]["start"]["fri"] < r["pm"]["start"]["thu"]
    for r in routes:
        assert set(r["weekdays"]) <= set(WEEKDAYS) and r["am"]["children"] == r["pm"]["children"]


def test_geojson_draws_both_runs_on_the_roads(week_doc):
    """One LineString per route and run (property run), on the roads (many points), stops pseudonymous."""
    doc, net = week_doc
    geo = day_routes_geojson(doc, net)
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert sorted((f["properties"]["route"], f["properties"]["run"]) for f in lines) == sorted(
        (f"D{k:03d}", run) for k in range(1, len(doc.plan.duties) + 1) for run in ("am", "pm"))
    assert all(len(f["geometry"]["coordinates"]) > 2 for f in lines)
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert {p["properties"]["run"] for p in points} == {"am", "pm"}
    shown = json.dumps(geo)
    assert all(f'"K{i}"' not in shown for i in range(6)), "child ids must be pseudonymous on the map"


def test_cli_export_writes_geojson_for_a_day_plan(week_doc, tmp_path):
    """routes export of a day plan writes per-run sheets and a GeoJSON with both runs."""
    doc, _ = week_doc
    plan = tmp_path / "day.json"
    plan.write_text(json.dumps(doc.to_dict()), encoding="utf-8")
    proc = run("routes", "export", str(plan), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    geo = json.loads((tmp_path / "out" / "routes.geojson").read_text())
    assert {f["properties"]["run"] for f in geo["features"] if f["geometry"]["type"] == "LineString"} == {"am", "pm"}
    assert (tmp_path / "out" / "D001-am.csv").exists()
