"""The README's first command, end to end (with a short solver limit)."""

import json

from transport.planning.demo import run_demo


def test_demo_decides_and_plans(tmp_path, drive_net, walk_net):
    """Decisions for every sample application and a valid plan carrying every child offered a seat."""
    res = run_demo(tmp_path, synthetic_children=8, seed=3, time_limit_s=2)
    decisions = json.loads((tmp_path / "decisions.json").read_text())
    assert res["errors"] == 0 and len(decisions) == 10
    seat = {d["application_id"] for d in decisions if d["eligible"] and d["offer"]["kind"] == "seat"}
    plan = json.loads((tmp_path / "plan.json").read_text())
    ids = {c["id"] for c in plan["scenario"]["children"]}
    assert seat and seat <= ids and len(ids) == 8 + len(seat)
    assert plan["violations"] == [] and res["kpis"]["over_ride_limit"] == 0
    routed = {s["request_id"] for r in plan["plan"]["routes"] for s in r["stops"] if s["request_id"]}
    assert routed | {u["request_id"] for u in plan["plan"]["unassigned"]} == ids
    sheet = (tmp_path / "route_sheets.csv").read_text()
    assert "SYN-004" not in sheet and "Amira" not in sheet
