"""The end-to-end demo on the bundled Rutland sample (what the README's first command runs).

1. Networks: load (or build and cache) the drive and walk networks of the OSM extract.
2. Eligibility: decide the sample applications under the Kent example policy, with the rule,
   the inequality and the measured walking route for each.
3. Routes: carry the children offered a seat, together with a synthetic SEN cohort at real
   postcodes, to their real schools; plan with OR-Tools, validate independently, and write the
   plan, route sheets (pseudonymous ids) and GeoJSON of the routes on the roads.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from eligibility.service import Assessor, read_applications
from routing.network import load_network
from transport.domain.config import SAMPLE_DATA
from transport.domain.scenario import Scenario
from transport.io.csv_out import write_csv_file
from transport.planning.cohort import generate_scenario
from transport.planning.intake import children_to_carry, scenario_from_applications
from transport.planning.plan import plan_scenario

console = Console()
SAMPLE_APPLICATIONS = SAMPLE_DATA / "applications" / "rutland_sample.csv"


def run_demo(out: str | Path, *, synthetic_children: int = 40, seed: int = 7, time_limit_s: float = 15.0) -> dict:
    """Run the three steps and write their outputs to ``out``; returns the headline figures."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    console.rule("1. Road and walk networks (OpenStreetMap, Rutland)")
    t = time.perf_counter()
    drive, walk = load_network("drive"), load_network("walk")
    console.print(f"drive {drive.n_nodes:,} nodes / {drive.n_edges:,} edges; walk {walk.n_nodes:,} nodes / "
                  f"{walk.n_edges:,} edges ({time.perf_counter() - t:.1f} s, from {Path(walk.report.source).name})",
                  highlight=False)

    console.rule("2. Eligibility decisions (Kent example policy)")
    assessor = Assessor.from_settings("kent")
    rows, places = read_applications(SAMPLE_APPLICATIONS)
    decisions, errors = assessor.assess_many(rows, no_place_at=places)
    table = Table(show_lines=False)
    for col in ("application", "decision", "rule", "decided by"):
        table.add_column(col, overflow="fold")
    for d in decisions:
        table.add_row(d.application_id, "eligible" if d.eligible else "refused",
                      ", ".join(d.bases) if d.eligible else (d.refusal or ""), d.decided_by)
    console.print(table)
    (out / "decisions.json").write_text(json.dumps([d.model_dump(mode="json") for d in decisions], indent=1))
    console.print(f"{len(rows)} applications: {len(decisions)} decided, {len(errors)} errors -> {out / 'decisions.json'}")

    console.rule("3. Routes for the children offered a seat, plus a synthetic SEN cohort")
    apps = [r for r in rows if not isinstance(r, Exception)]
    carry = children_to_carry(apps, decisions)
    synth = generate_scenario(synthetic_children, seed, name="demo")
    decided = scenario_from_applications(carry, assessor.measurer.schools, synth.fleet,
                                         postcodes=assessor.measurer.postcodes)
    schools = {s.id: s for s in synth.schools + decided.schools}
    scenario = Scenario.model_validate(synth.model_dump() | {
        "name": f"demo: {len(carry)} decided + {len(synth.children)} synthetic children",
        "children": [c.model_dump() for c in synth.children + decided.children],
        "schools": [s.model_dump() for s in schools.values()]})
    doc = plan_scenario(scenario, time_limit_s=time_limit_s, network=drive)
    k = doc.kpis()
    console.print(f"{k['children']} children, {len(scenario.schools)} schools: routed {k['routed']}, "
                  f"unassigned {len(k['unassigned'])}; {k['vehicles']} vehicles {k['vehicles_by_type']}; "
                  f"daily cost £{k['daily_cost_pence'] / 100:,.2f}; {k['miles']} miles; ride mean "
                  f"{k['mean_ride_min']} min, longest {k['max_ride_min']} min; over limit {k['over_ride_limit']}; "
                  f"independent validator: {'valid' if not doc.violations else f'{len(doc.violations)} violations'}",
                  highlight=False)
    for u in k["unassigned"]:
        console.print(f"  unassigned {u['child_id']}: {u['reason']} ({u['detail']})", highlight=False)
    (out / "plan.json").write_text(json.dumps(doc.to_dict(), indent=1))
    (out / "routes.geojson").write_text(json.dumps(doc.routes_geojson(drive)))
    rows_out = doc.route_sheets()
    write_csv_file(out / "route_sheets.csv", list(rows_out[0]), rows_out)
    console.print(f"wrote {out / 'plan.json'}, {out / 'routes.geojson'} and {out / 'route_sheets.csv'}")
    console.print("Contains OS data © Crown copyright and database right 2025; © OpenStreetMap contributors (ODbL). "
                  "All children are synthetic.")
    return {"decisions": len(decisions), "errors": len(errors), "kpis": k, "violations": doc.violations}
