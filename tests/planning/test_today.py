"""Today's network: routes import (row-numbered errors, breaches listed not refused), costs, compare."""

import json

import pytest

from tests.cli.test_cli import run
from transport.domain.scenario import parse_scenario
from transport.io.routes_csv import read_routes
from transport.io.tabular import RowErrors
from transport.planning.day import build_day_problem, plan_day
from transport.planning.today import breaches_by_route, compare_days, import_today

HEADER = "route_ref,operator,vehicle_type,contract_day_price,child_id,am_pickup,am_drop,pm_pickup,pm_drop\n"
# K0, K2, K4 go to one school, K1, K3, K5 to the other (see conftest.small)
GOOD = HEADER + (
    "R1,Acme Cars,taxi,£95.00,K0,1,4,1,6\n"
    "R1,Acme Cars,taxi,£95.00,K2,2,5,2,5\n"
    "R1,Acme Cars,taxi,£95.00,K4,3,6,3,4\n"
    "R2,Acme Cars,taxi,,K1,1,2,1,2\n"
    "R3,Bee Taxis,taxi,70,K3,1,2,1,2\n"
    "R4,Bee Taxis,taxi,70,K5,1,2,1,2\n")


@pytest.fixture
def day_small(small):
    """The six-child scenario as a school day."""
    return parse_scenario(small.model_copy(update={"session": "day"}).model_dump(mode="json"))


def _write(tmp_path, text, name="today.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_imports_get_row_numbered_errors(tmp_path):
    """Unknown child, child on two routes, drop before pickup, reused position, bad number: every row named."""
    bad = HEADER + (
        "R1,A,taxi,,K0,1,2,1,2\n"       # row 2: fine
        "R1,A,taxi,,NOPE,3,4,3,4\n"     # row 3: unknown child
        "R2,A,taxi,,K0,1,2,1,2\n"       # row 4: K0 already on R1
        "R3,A,taxi,,K1,2,1,1,2\n"       # row 5: am drop before pickup
        "R1,A,taxi,,K2,2,5,3,6\n"       # row 6: am position 2 used on row 2
        "R4,A,taxi,,K3,one,2,1,2\n"     # row 7: not a number
        "R5,A,bus,,K4,1,2,1,2\n")       # row 8: unknown vehicle type
    with pytest.raises(RowErrors) as caught:
        read_routes(_write(tmp_path, bad), children={f"K{i}" for i in range(6)}, vehicle_types={"taxi"})
    rows = dict(caught.value.errors)
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert "unknown child 'NOPE'" in rows[3] and "already on route 'R1' (row 2)" in rows[4]
    assert "breaks precedence" in rows[5] and "already used (row 2)" in rows[6]
    assert "not a whole number" in rows[7] and "unknown vehicle_type 'bus'" in rows[8]


def test_imported_network_is_timed_costed_and_its_breaches_listed(tmp_path, day_small, drive_net):
    """An over-full taxi is reported on its route, not refused; contract and tariff costs both shown."""
    crowded = HEADER + "".join(f"R1,Acme Cars,taxi,£95.00,K{i},{i + 1},{i + 6},{i + 1},{i + 6}\n" for i in range(5)) \
        + "R4,Bee Taxis,taxi,70,K5,1,2,1,2\n"
    built = build_day_problem(day_small, network=drive_net)
    doc = import_today(day_small, _write(tmp_path, crowded), built=built)
    breaches = breaches_by_route(doc)
    assert "R1" in breaches and any(b.startswith("seats") for b in breaches["R1"])
    k = doc.kpis()
    assert k["routed"] == 6 and k["source"] == "imported"
    # R1 and R4 have prices (£95 + £70); nothing else runs
    assert k["contract_day_cost_pence"] == 9500 + 7000
    assert k["day_cost_pence"] > 0


def test_good_import_is_valid_and_a_day_plan_beats_or_matches_it(tmp_path, day_small, drive_net):
    """Four routes imported cleanly; the planned day is compared with the children who move."""
    built = build_day_problem(day_small, network=drive_net)
    today = import_today(day_small, _write(tmp_path, GOOD), built=built)
    assert [v for v in today.violations if v["cause"] != "ride_time_exceeded"] == []
    plan = plan_day(day_small, time_limit_s=2, built=built)
    c = compare_days(today, plan)
    assert c.saving_day_pence == today.kpis()["contract_day_cost_pence"] - plan.kpis()["day_cost_pence"]
    assert c.saving_year_pence == today.kpis()["contract_year_cost_pence"] - plan.kpis()["year_cost_pence"]
    assert set(c.children_moved) <= {f"K{i}" for i in range(6)}
    assert json.loads(json.dumps(c.to_dict()))["school_days_per_year"] == 190


def test_cli_import_refuses_a_malformed_file_and_writes_nothing(tmp_path, day_small):
    """A bad routes file lists each bad row, exits 2 and writes no plan."""
    scen = tmp_path / "s.json"
    scen.write_text(day_small.to_json())
    out = tmp_path / "today.json"
    bad = _write(tmp_path, HEADER + "R1,A,taxi,,K0,2,1,1,2\nR1,A,taxi,,K9,3,4,3,4\n")
    proc = run("routes", "import", str(bad), "--scenario", str(scen), "--out", str(out))
    assert proc.returncode == 2 and not out.exists()
    assert "row 2:" in proc.stdout and "row 3:" in proc.stdout and "no plan written" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_import_then_compare(tmp_path, day_small, drive_net):
    """routes import writes today's network; routes compare sets a day plan against it."""
    scen, today, plan = tmp_path / "s.json", tmp_path / "today.json", tmp_path / "plan.json"
    scen.write_text(day_small.to_json())
    proc = run("routes", "import", str(_write(tmp_path, GOOD)), "--scenario", str(scen), "--out", str(today))
    assert proc.returncode == 0, proc.stderr
    assert "contract prices: £" in proc.stdout and json.loads(today.read_text())["source"] == "imported"
    assert run("routes", "plan", str(scen), "--time-limit", "2", "--out", str(plan)).returncode == 0
    proc = run("routes", "compare", str(today), str(plan))
    assert proc.returncode == 0, proc.stderr
    said = " ".join(proc.stdout.split())  # rich wraps long lines
    assert "per school year (190 days)" in said and "children whose route changes" in said
    rerun = tmp_path / "rerun.json"
    proc = run("routes", "rerun", str(today), "--disruption-penalty", "20", "--time-limit", "2", "--out", str(rerun))
    assert proc.returncode == 0, proc.stderr
    said = " ".join(proc.stdout.split())
    assert "chose " in said and "valid: yes" in said and json.loads(rerun.read_text())["violations"] == []


def test_rerun_from_today_mends_or_replans_and_is_valid(tmp_path, day_small, drive_net):
    """From an over-full network: a validated day plan, the penalty weighing the children moved."""
    from transport.planning.today import rerun_day

    crowded = HEADER + "".join(f"R1,Acme Cars,taxi,£95.00,K{i},{i + 1},{i + 6},{i + 1},{i + 6}\n" for i in range(5)) \
        + "R4,Bee Taxis,taxi,70,K5,1,2,1,2\n"
    built = build_day_problem(day_small, network=drive_net)
    today = import_today(day_small, _write(tmp_path, crowded), built=built)
    res = rerun_day(today, disruption_penalty_pence=1000, time_limit_s=2, built=built)
    assert res.doc.violations == [] and set(res.candidates) == {"mend", "re-plan"}
    assert res.doc.kpis()["routed"] == 6
    assert {"K0", "K1", "K2", "K3", "K4"} <= set(res.moved)  # five in a four-seat taxi cannot stay together
    assert res.candidates["mend"]["violations"] == 0
