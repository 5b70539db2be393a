"""Make the synthetic "today" network of the 300-child Rutland sample (sample_data/today/).

The cohort is ``generate_scenario(300, seed=1, session="day")``; the network is grown by
``routing.day_baselines.grow_network(seed=1)``: children join routes one at a time over the
years and nothing is re-planned; 8 % got a taxi of their own they no longer need. Contract day
prices are the tariff's cost of the route on Monday rounded up to the next £5, unknown (blank)
for every tenth route; the four operators are invented. Everything is labelled synthetic.

    python scripts/make_today_sample.py
"""

from __future__ import annotations

import math
from pathlib import Path

from routing.day_baselines import grow_network
from routing.day_solve import duty_day_cost
from transport.io.csv_out import write_csv_file
from transport.io.routes_csv import COLUMNS
from transport.planning.cohort import generate_scenario
from transport.planning.day import DayPlanDocument, build_day_problem
from transport.planning.today import today_rows

OUT = Path(__file__).resolve().parents[1] / "sample_data" / "today"
OPERATORS = ("Synthetic Cars Ltd", "Example Taxis", "Sample Community Transport", "Illustrative Coaches")


def main() -> None:
    scenario = generate_scenario(300, 1, session="day", name="rutland-sample-300-day")
    built = build_day_problem(scenario)
    _, plan = grow_network(built.problem, seed=1)
    doc = DayPlanDocument(scenario=scenario, plan=plan, locations=built.locations)
    monday = plan.days[0]
    am = {(r.vehicle_type_id, r.vehicle_index): r for r in monday.am.routes}
    pm = {(r.vehicle_type_id, r.vehicle_index): r for r in monday.pm.routes}
    prices, operators = {}, {}
    for k, duty in enumerate(plan.duties):
        key = (duty.vehicle_type_id, duty.vehicle_index)
        tariff = duty_day_cost(built.problem, duty, am.get(key), pm.get(key)).total_pence
        prices[k] = None if k % 10 == 9 else math.ceil(tariff / 500) * 500
        operators[k] = OPERATORS[k % len(OPERATORS)]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "rutland_300_day_scenario.json").write_text(scenario.to_json(), encoding="utf-8")
    rows = today_rows(doc, contract_day_pence=prices, operators=operators)
    write_csv_file(OUT / "rutland_300_today.csv", list(COLUMNS[:4]) + ["passenger_assistant"] + list(COLUMNS[4:]), rows)
    print(f"wrote {len(plan.duties)} routes, {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
