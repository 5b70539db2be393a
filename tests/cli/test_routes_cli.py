"""``sen-transport scenario`` and ``routes`` end to end through the CLI."""

import json

from tests.cli.test_cli import assert_one_line_error, run
from transport.domain.config import get_settings


def test_generate_plan_validate_export(tmp_path, drive_net):
    """generate -> plan -> validate -> export works on the real sample."""
    scen, plan, out = tmp_path / "s.json", tmp_path / "p.json", tmp_path / "routes"
    assert run("scenario", "generate", "--children", "12", "--seed", "4", "--out", str(scen)).returncode == 0
    proc = run("routes", "plan", str(scen), "--time-limit", "2", "--out", str(plan))
    assert proc.returncode == 0, proc.stderr
    assert "valid: yes" in proc.stdout and "daily cost £" in proc.stdout
    doc = json.loads(plan.read_text())
    assert doc["kpis"]["children"] == 12 and doc["violations"] == []
    proc = run("routes", "validate", str(scen), str(plan))
    assert proc.returncode == 0 and "valid" in proc.stdout
    proc = run("routes", "export", str(plan), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "routes.geojson").exists() and (out / "R001.csv").exists()
    header = (out / "R001.csv").read_text().splitlines()[0]
    assert "child" in header and "first_name" not in header


def test_validate_catches_a_tampered_plan(tmp_path, drive_net):
    """A plan edited by hand to be late is rejected with exit 3 and the cause."""
    scen, plan = tmp_path / "s.json", tmp_path / "p.json"
    run("scenario", "generate", "--children", "6", "--seed", "8", "--out", str(scen))
    run("routes", "plan", str(scen), "--time-limit", "1", "--out", str(plan))
    doc = json.loads(plan.read_text())
    stop = next(s for r in doc["plan"]["routes"] for s in r["stops"] if s["kind"] == "delivery")
    for key in ("arrival_s", "service_start_s", "departure_s"):
        stop[key] += 3600
    plan.write_text(json.dumps(doc))
    proc = run("routes", "validate", str(scen), str(plan))
    assert proc.returncode == 3 and "INVALID" in proc.stdout


def test_unknown_school_in_scenario_is_one_line(tmp_path):
    """A malformed scenario exits 2 naming the child and school."""
    scen = tmp_path / "s.json"
    run("scenario", "generate", "--children", "3", "--seed", "1", "--out", str(scen))
    data = json.loads(scen.read_text())
    data["children"][0]["school_id"] = "nope"
    scen.write_text(json.dumps(data))
    proc = run("routes", "plan", str(scen), "--out", str(tmp_path / "p.json"))
    assert_one_line_error(proc, "unknown school 'nope'")


def test_bench_darp_prints_json_last(drive_net):
    """routes bench darp ends with the JSON line of a validated objective."""
    instance = get_settings().data.parent / "benchmarks" / "darp_cordeau2006" / "a2-16.txt"
    proc = run("routes", "bench", "darp", str(instance), "--time-limit", "2")
    assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["instance"] == "a2-16" and last["feasible"] is True and last["objective"] >= 294.25 - 0.01
