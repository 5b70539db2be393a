"""Benchmark: the school day against the naive day and a grown "today" network.

Two labelled-synthetic cohorts on the real Rutland roads and schools, each with part-time
children (10 %, two to four weekdays) and schools finishing 75 minutes early on Friday: the
300-child sample (seed 1) and a 1,500-child cohort (seed 2). For each, in the same run:

(a) the naive day: ``am`` and ``pm`` planned as separate sessions, a vehicle paid per run;
(b) our day plan (``routing.day_solve.solve_day``);
(c) a generated "today" network, grown one child at a time and never re-planned.

Every plan is checked by the independent validator on every weekday; the children over their
ride limit on any weekday are counted from the plans' own times. Asserts nothing; the last line
is one JSON object (the 1,500-child cohort; the 300-child sample nested under ``sample``).

    python benchmarks/day.py [--time-limit 60] [--large-time-limit 90] [--sizes 300,1500]
"""

from __future__ import annotations

import argparse
import json
import time

from routing.day import DayPlan, DayProblem
from routing.day_baselines import grow_network, naive_day
from routing.solve import SolveParams
from routing.validate import check_day
from transport.planning.cohort import generate_scenario
from transport.planning.day import DayPlanDocument, build_day_problem, plan_day


def _figures(label: str, scenario, problem: DayProblem, plan: DayPlan, locations, seconds: float) -> dict:
    doc = DayPlanDocument(scenario=scenario, plan=plan, locations=locations)
    violations = check_day(problem, plan)
    k = doc.kpis()
    print(f"  {label:34s} £{k['day_cost_pence'] / 100:>10,.2f}/day  £{k['year_cost_pence'] / 100:>13,.2f}/year  "
          f"{k['vehicles']:4d} vehicles  dead {k['dead_miles_per_day']:7,.1f} mi/day  "
          f"over limit {k['over_limit_any_weekday']:3d}  unassigned {len(k['unassigned']):3d}  "
          f"violations {len(violations):3d}  ({seconds:.1f} s)", flush=True)
    return {"day_cost": k["day_cost_pence"], "year_cost": k["year_cost_pence"], "vehicles": k["vehicles"],
            "vehicles_by_type": k["vehicles_by_type"], "dead_miles_per_day": k["dead_miles_per_day"],
            "over_limit_any_weekday": k["over_limit_any_weekday"], "unassigned": len(k["unassigned"]),
            "violations": len(violations), "seconds": round(seconds, 1)}


def run_cohort(children: int, seed: int, time_limit_s: float) -> dict:
    """All three plans for one cohort, printed; their figures returned."""
    started, cpu = time.perf_counter(), time.process_time()
    scenario = generate_scenario(children, seed, session="day")
    part_time = sum(len(c.attends) < 5 for c in scenario.children)
    early = [s.id for s in scenario.schools if s.weekday_bells]
    shared = sum(len(c.placements) > 1 for c in scenario.children)
    built = build_day_problem(scenario)
    print(f"cohort of {len(scenario.children)} children ({part_time} part-time, {shared} shared placements), "
          f"{len(scenario.schools)} schools "
          f"({len(early)} finish early on Friday), time limit {time_limit_s:.0f} s per solve; "
          f"matrices {built.matrix_s:.1f} s", flush=True)
    params = SolveParams(time_limit_s=time_limit_s, seed=seed)
    t = time.perf_counter()
    naive_problem, naive = naive_day(built.problem, params)
    a = _figures("(a) naive day (am, pm apart)", scenario, naive_problem, naive, built.locations, time.perf_counter() - t)
    t = time.perf_counter()
    doc = plan_day(scenario, params=params, built=built)
    b = _figures("(b) day plan", scenario, built.problem, doc.plan, built.locations, time.perf_counter() - t)
    t = time.perf_counter()
    today_problem, today = grow_network(built.problem, seed=seed)
    c = _figures("(c) generated today network", scenario, today_problem, today, built.locations, time.perf_counter() - t)
    vs_naive = 100 * (1 - b["day_cost"] / a["day_cost"])
    vs_today = 100 * (1 - b["day_cost"] / c["day_cost"])
    print(f"  saving of (b): {vs_naive:.1f}% vs naive day, {vs_today:.1f}% vs today; vehicles "
          f"{a['vehicles']} / {b['vehicles']} / {c['vehicles']}; dead miles/day {a['dead_miles_per_day']} / "
          f"{b['dead_miles_per_day']} / {c['dead_miles_per_day']}; (b) by type {b['vehicles_by_type']}; "
          f"whole run {time.perf_counter() - started:.0f} s ({time.process_time() - cpu:.0f} s of CPU)", flush=True)
    return {"children": len(scenario.children), "shared_placements": shared, "day_cost": b["day_cost"], "naive_day_cost": a["day_cost"],
            "today_cost": c["day_cost"], "saving_vs_naive_pct": round(vs_naive, 1),
            "saving_vs_today_pct": round(vs_today, 1), "over_limit_any_weekday": b["over_limit_any_weekday"],
            "unassigned": b["unassigned"], "violations": b["violations"], "vehicles": b["vehicles"],
            "naive_vehicles": a["vehicles"], "today_vehicles": c["vehicles"],
            "dead_miles_per_day": b["dead_miles_per_day"], "solve_s": doc.timings["solve_s"],
            "whole_run_s": round(time.perf_counter() - started, 1),
            "whole_run_cpu_s": round(time.process_time() - cpu, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=60.0, help="per solve, 300-child sample")
    ap.add_argument("--large-time-limit", type=float, default=60.0, help="per solve, 1,500-child cohort")
    ap.add_argument("--sizes", default="300,1500")
    args = ap.parse_args()
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        seed = 1 if n == 300 else 2
        results.append(run_cohort(n, seed, args.time_limit if n <= 300 else args.large_time_limit))
    last = dict(results[-1])
    if len(results) > 1:
        last["sample"] = results[0]
    print(json.dumps(last))


if __name__ == "__main__":
    main()
