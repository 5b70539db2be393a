"""The school day on the real sample: day scenarios, plan_day, and the CLI end to end."""

import json

import pytest

from tests.cli.test_cli import assert_one_line_error, run
from transport.domain.errors import InputError
from transport.domain.scenario import WEEKDAYS, ScenarioSchool, WeekdayBells, parse_scenario
from transport.planning.day import (
    DayPlanDocument,
    build_day_problem,
    plan_day,
    validate_day_document,
)


def test_single_session_scenarios_still_load(small):
    """A scenario written before the day existed (no week fields) loads with the whole week."""
    data = small.model_dump(mode="json")
    for c in data["children"]:
        c.pop("attends")
    for s in data["schools"]:
        s.pop("weekday_bells")
    for key in ("school_days_per_year", "afternoon", "wait_near_school"):
        data["policy"].pop(key)
    old = parse_scenario(data)
    assert old.session == "am" and all(c.attends == WEEKDAYS for c in old.children)
    assert old.policy.school_days_per_year == 190 and old.policy.afternoon == "same_vehicle"


def test_a_weekday_finish_before_the_start_is_refused(small):
    """Friday bells that end before they start name the school and the weekday."""
    data = small.schools[0].model_dump(mode="json") | {"weekday_bells": {"fri": {"bell_finish": "07:00"}}}
    with pytest.raises(ValueError, match="on fri"):
        ScenarioSchool.model_validate(data)


def test_day_plan_of_the_small_scenario_is_valid_every_weekday(small, drive_net):
    """Six real children, one part-time and one school out early on Friday: validated day plan."""
    kids = list(small.children)
    kids[0] = kids[0].model_copy(update={"attends": ("mon", "wed")})
    schools = list(small.schools)
    schools[1] = schools[1].model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
    scen = small.model_copy(update={"session": "day", "children": tuple(kids), "schools": tuple(schools)})
    scen = parse_scenario(scen.model_dump(mode="json"))
    doc = plan_day(scen, time_limit_s=2, network=drive_net)
    assert doc.violations == []
    k = doc.kpis()
    assert k["routed"] == 6 and k["over_limit_any_weekday"] == 0 and k["afternoon"] == "same_vehicle"
    assert k["year_cost_pence"] == round(k["week_cost_pence"] * 190 / 5)
    assert k["by_weekday"]["tue"]["cost_pence"] <= k["by_weekday"]["mon"]["cost_pence"]
    back = DayPlanDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert validate_day_document(scen, back, built=build_day_problem(scen, network=drive_net)) == []


def test_a_single_session_problem_refuses_a_day_scenario(small):
    """build_problem says a day scenario is planned as a day."""
    from transport.planning.plan import build_problem

    with pytest.raises(InputError, match="day"):
        build_problem(small.model_copy(update={"session": "day"}))


def test_cli_day_generate_plan_validate_export(tmp_path, drive_net):
    """scenario generate --session day -> routes plan -> validate -> export per run."""
    scen, plan, out = tmp_path / "s.json", tmp_path / "p.json", tmp_path / "sheets"
    assert run("scenario", "generate", "--children", "14", "--seed", "3", "--session", "day",
               "--out", str(scen)).returncode == 0
    assert json.loads(scen.read_text())["session"] == "day"
    proc = run("routes", "plan", str(scen), "--time-limit", "3", "--out", str(plan))
    assert proc.returncode == 0, proc.stderr
    assert "school year (190 days)" in proc.stdout and "valid: yes" in proc.stdout
    doc = json.loads(plan.read_text())
    assert doc["format"] == "sen-transport/dayplan/1" and doc["violations"] == []
    assert run("routes", "validate", str(scen), str(plan)).returncode == 0
    duty = doc["plan"]["duties"][0]
    duty["am"] = duty["am"][::-1]  # pickups after deliveries: precedence broken on every weekday
    plan.write_text(json.dumps(doc))
    proc = run("routes", "validate", str(scen), str(plan))
    assert proc.returncode == 3 and "weekly_order" in proc.stdout
    doc["plan"]["duties"][0]["am"] = duty["am"][::-1]
    plan.write_text(json.dumps(doc))
    proc = run("routes", "export", str(plan), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "D001-am.csv").exists() and (out / "D001-pm.csv").exists()


def test_cli_day_plan_refused_where_a_single_session_is_needed(tmp_path, drive_net):
    """Commands that work on one session say so in one line for a day plan."""
    scen, plan = tmp_path / "s.json", tmp_path / "p.json"
    run("scenario", "generate", "--children", "5", "--seed", "3", "--session", "day", "--out", str(scen))
    run("routes", "plan", str(scen), "--time-limit", "1", "--out", str(plan))
    proc = run("routes", "insert", str(plan), str(tmp_path / "late.json"), "--out", str(tmp_path / "r.json"))
    assert_one_line_error(proc, "is a day plan")


def _shared(small):
    """K0 at Catmose Monday to Wednesday and at UCC on Thursday and Friday."""
    placements = [{"school_id": "osm:way/101238684", "days": ["mon", "tue", "wed"]},
                  {"school_id": "136629", "days": ["thu", "fri"]}]
    data = small.model_dump(mode="json") | {"session": "day"}
    data["children"][0] = {k: v for k, v in data["children"][0].items() if k not in ("school_id", "attends")} \
        | {"placements": placements}
    return parse_scenario(data)


def test_a_shared_placement_fills_school_and_days_and_is_checked(small):
    """placements give school_id (the first) and attends (all their days); faults are named."""
    scen = _shared(small)
    k0 = scen.children[0]
    assert k0.school_id == "osm:way/101238684" and k0.attends == WEEKDAYS
    assert k0.school_on("thu") == "136629" and [t[0] for t in k0.trips()] == ["K0@osm:way/101238684", "K0@136629"]
    data = scen.model_dump(mode="json")
    data["children"][0]["placements"][1]["days"] = ["wed", "thu"]
    with pytest.raises(InputError, match="K0: placements put a weekday at two schools"):
        parse_scenario(data)
    data["children"][0]["placements"][1] = {"school_id": "999", "days": ["thu", "fri"]}
    data["children"][0]["attends"] = ["mon", "tue", "wed", "thu", "fri"]
    with pytest.raises(InputError, match="K0: unknown school '999'"):
        parse_scenario(data)


def test_day_plan_with_a_shared_placement_on_real_roads(small, drive_net):
    """Each placement is routed on its own days to its own school; the plan is valid every weekday."""
    scen = _shared(small)
    doc = plan_day(scen, time_limit_s=2, network=drive_net)
    assert doc.violations == []
    for day in doc.plan.days:
        carried = set(day.am.routed_request_ids()) | set(day.pm.routed_request_ids())
        want = "K0@osm:way/101238684" if day.weekday in ("mon", "tue", "wed") else "K0@136629"
        assert want in carried and "K0" not in carried and len({c for c in carried if c.startswith("K0@")}) == 1
    k = doc.kpis()
    assert k["routed"] == 6 and k["shared_placements"] == 1 and k["over_limit_any_weekday"] == 0
    rows = [r for r in doc.route_sheets(lambda c: f"P-{c}") if r["child"] == "P-K0" and r["kind"] == "delivery"
            and r["run"] == "am"]
    assert sorted({(r["place"], r["attends"]) for r in rows}) == [
        ("Catmose College", "mon tue wed"), ("Uppingham Community College", "thu fri")]
    for r in rows:
        assert set(r["weekdays"].split()) <= set(r["attends"].split())


def test_day_plan_back_to_base_between_runs_on_real_roads(small, drive_net):
    """wait_near_school false: every vehicle goes back to base between runs; valid every weekday."""
    data = small.model_dump(mode="json") | {"session": "day"}
    data["policy"]["wait_near_school"] = False
    scen = parse_scenario(data)
    doc = plan_day(scen, time_limit_s=2, network=drive_net)
    assert doc.violations == [] and doc.kpis()["routed"] == 6
    assert all(d.between == "depot" for d in doc.plan.duties)


def test_route_sheets_per_run_and_per_weekday_where_times_differ(small, drive_net, tmp_path):
    """UCC finishes at 13:30 on Friday: its afternoon sheets are mon-thu and fri with other times;
    a part-timer's absence gives that weekday its own sheet; the export writes one CSV per sheet."""
    kids = list(small.children)
    kids[1] = kids[1].model_copy(update={"attends": ("mon", "tue", "wed", "thu")})
    schools = list(small.schools)
    schools[1] = schools[1].model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
    scen = parse_scenario(small.model_copy(update={"session": "day", "children": tuple(kids),
                                                   "schools": tuple(schools)}).model_dump(mode="json"))
    doc = plan_day(scen, time_limit_s=2, network=drive_net)
    assert doc.violations == []
    rows = doc.route_sheets()
    ucc = {r["route"] for r in rows if r["place"] == "Uppingham Community College"}
    for route in ucc:
        pm = [r for r in rows if r["route"] == route and r["run"] == "pm"]
        groups = {w: [r["time"] for r in pm if r["weekdays"] == w] for w in {r["weekdays"] for r in pm}}
        fri = next(times for days, times in groups.items() if days == "fri")
        usual = next(times for days, times in groups.items() if "mon" in days)
        assert fri[0] < "14:00" < usual[0]  # Friday's afternoon starts after 13:30, the usual after 15:00
    covered = [d for r in rows if r["run"] == "am" and r["stop"] == 1 for d in r["weekdays"].split()]
    assert len(covered) == len(set((r["route"], d) for r in rows if r["run"] == "am" for d in r["weekdays"].split()))
    plan, out = tmp_path / "p.json", tmp_path / "sheets"
    plan.write_text(json.dumps(doc.to_dict()))
    assert run("routes", "export", str(plan), "--out", str(out)).returncode == 0
    route = sorted(ucc)[0]
    assert (out / f"{route}-pm.csv").exists() and (out / f"{route}-pm-fri.csv").exists()
    assert "13:" in (out / f"{route}-pm-fri.csv").read_text()


def test_a_child_kept_apart_from_a_part_time_child_plans_on_the_days_the_other_is_away(small, drive_net):
    """K0 must not travel with K1, who attends Tuesday to Thursday only: Monday's run (K1 absent)
    is a valid problem, and the day plan keeps them apart on the days both travel."""
    kids = list(small.children)
    kids[0] = kids[0].model_copy(update={"not_with": ("K1",)})
    kids[1] = kids[1].model_copy(update={"attends": ("tue", "wed", "thu")})
    day = small.model_copy(update={"children": tuple(kids), "session": "day"})
    built = build_day_problem(day, network=drive_net)
    monday = built.problem.am[WEEKDAYS.index("mon")]
    assert "K1" not in {r.id for r in monday.requests}
    assert next(r for r in monday.requests if r.id == "K0").incompatible_with == frozenset()
    doc = plan_day(day, time_limit_s=3, network=drive_net, built=built)
    assert doc.violations == []
    assert not any({"K0", "K1"} <= set(d.children("am")) for d in doc.plan.duties)
