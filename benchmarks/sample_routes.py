"""Benchmark: a generated 300-child SEN scenario on the real Rutland roads and schools.

Plans it with the optimiser and compares the daily cost, in the same run, with two baselines
on the same problem: one vehicle per child, and a simple greedy grouping (routing.baselines).
Every plan is checked by the independent validator; children over their ride-time limit are
counted from the plan's own times. Asserts nothing; the last line is one JSON object.

    python benchmarks/sample_routes.py [--children 300] [--seed 1] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

from routing.baselines import greedy_grouping, one_vehicle_per_child
from routing.validate import check
from transport.planning.cohort import generate_scenario
from transport.planning.plan import build_problem, plan_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--children", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    scenario = generate_scenario(args.children, args.seed)
    print(f"scenario {scenario.name}: {len(scenario.children)} children, {len(scenario.schools)} real schools, "
          f"{sum(v.count for v in scenario.fleet)} vehicles available")
    built = build_problem(scenario)
    # The one-vehicle-per-child baseline is what the council would pay with no routing at all,
    # so it may hire as many vehicles of each type as there are children.
    unlimited = built.problem.replace(vehicle_types=tuple(
        replace(vt, count=max(vt.count, len(scenario.children))) for vt in built.problem.vehicle_types))
    baselines = {}
    for name, fn, problem in (("one vehicle per child", one_vehicle_per_child, unlimited),
                              ("greedy grouping", greedy_grouping, built.problem)):
        started = time.perf_counter()
        plan = fn(problem)
        violations = check(problem, plan)
        baselines[name] = plan
        print(f"  {name:24s} £{plan.cost.total / 100:>10,.2f}/day  {len(plan.routes):4d} vehicles  "
              f"unassigned {len(plan.unassigned)}  violations {len(violations)}  "
              f"({time.perf_counter() - started:.1f} s)")
    doc = plan_scenario(scenario, time_limit_s=args.time_limit)
    k = doc.kpis()
    solver = doc.plan.meta.get("solver", "?")
    print(f"  {'optimiser (' + solver + ')':24s} £{k['daily_cost_pence'] / 100:>10,.2f}/day  {k['vehicles']:4d} vehicles  "
          f"unassigned {len(k['unassigned'])}  violations {len(doc.violations)}  ({doc.timings['solve_s']:.1f} s)")
    one, greedy = baselines["one vehicle per child"].cost.total, baselines["greedy grouping"].cost.total
    print(f"  saving vs one per child {100 * (1 - k['daily_cost_pence'] / one):.1f}%, "
          f"vs greedy {100 * (1 - k['daily_cost_pence'] / greedy):.1f}%; ride mean {k['mean_ride_min']} min, "
          f"longest {k['max_ride_min']} min; vehicles {k['vehicles_by_type']}")
    print(json.dumps({"children": k["children"], "cost": k["daily_cost_pence"], "cost_one_per_child": one,
                      "cost_greedy": greedy, "over_ride_limit": k["over_ride_limit"],
                      "unassigned": len(k["unassigned"]), "solve_s": doc.timings["solve_s"]}))


if __name__ == "__main__":
    main()
