"""The county commands of ``sen-transport routes``: plan-county, insert, rerun, compare."""

import json

from typer.testing import CliRunner

from tests.conftest import late_child
from transport.cli.main import app
from transport.domain.scenario import save_scenario
from transport.planning.cohort import generate_scenario


def test_plan_county_insert_and_compare(tmp_path, scenario30, postcodes):
    """plan-county writes a valid plan; insert adds a late child; compare reports one route changed."""
    runner = CliRunner()
    scen = tmp_path / "scenario.json"
    save_scenario(scenario30, scen)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    res = runner.invoke(app, ["routes", "plan-county", str(scen), "--time-limit", "3", "--max-requests", "10",
                              "--workers", "2", "--out", str(a)])
    assert res.exit_code == 0, res.output
    assert "valid: yes" in res.output and json.loads(a.read_text())["violations"] == []
    late = tmp_path / "late.json"
    late.write_text(json.dumps([late_child(scenario30, postcodes).model_dump(mode="json")]))
    res = runner.invoke(app, ["routes", "insert", str(a), str(late), "--out", str(b)])
    assert res.exit_code == 0, res.output
    assert "LATE1" in res.output
    res = runner.invoke(app, ["routes", "compare", str(a), str(b)])
    assert res.exit_code == 0, res.output
    assert "daily cost" in res.output and "children over ride limit" in res.output
    assert "children moved 0" in res.output
    assert ("changed 1, added 0" in res.output) or ("changed 0, added 1" in res.output)


def test_plan_county_on_a_day_scenario_writes_a_validated_day_plan(tmp_path, schools, postcodes):
    """plan-county on a day scenario writes a day plan document (both runs, every weekday checked)."""
    runner = CliRunner()
    scen = tmp_path / "day.json"
    save_scenario(generate_scenario(24, seed=3, schools=schools, postcodes=postcodes, session="day"), scen)
    out = tmp_path / "day-plan.json"
    res = runner.invoke(app, ["routes", "plan-county", str(scen), "--time-limit", "4", "--max-requests", "8",
                              "--workers", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "school day:" in res.output and "valid: yes" in res.output and "school year" in res.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "sen-transport/dayplan/1" and doc["violations"] == []
