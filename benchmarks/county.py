"""Benchmark: a whole county (Kent's 2021-22 scale, 7,500 SEN children) planned by decomposition.

A synthetic cohort (``transport.planning.cohort.generate_scenario``, seed 1) at real postcodes of the
sample network, going to its real schools. Times the county matrices, the parallel solve
(decomposition, sub-problems on a process pool using every core, merge, border pass) and the
independent validation; compares the daily cost with one vehicle per child (allowed as many
vehicles as children) and the greedy grouping on the same county problem; measures peak
memory (``resource.getrusage`` of this process and of its largest worker) and the time to
insert one late child into the finished plan (matrix rows for the new home, insertion,
validation); then, unless ``--rerun-time-limit 0``, times a county-scale rerun of the plan with
a £50 disruption penalty (parts in parallel; saving, children moved). Asserts nothing; the
last line is one JSON object.

    python benchmarks/county.py [--children 7500] [--seed 1] [--time-limit 540] [--max-requests 120]

With ``--session day`` the cohort is a day scenario (both runs every weekday, part-time children
and early Fridays as ``generate_scenario`` makes them) and ``plan_county`` gives the county's
school day (each cluster's day planned on a worker, joined, validated by ``check_day`` on every
weekday): the figures are per day, week and school year; the single-session baselines, the late
child and the rerun are not run (they work on single-session plans).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import time
from dataclasses import replace

import numpy as np

from routing.baselines import greedy_grouping, one_vehicle_per_child
from routing.network import load_network
from routing.validate import check
from transport.planning.cohort import generate_scenario, usable_postcodes
from transport.planning.county import build_county, plan_county
from transport.domain.geocode import PostcodeIndex
from transport.planning.late import insert_late_children
from transport.planning.rerun import rerun_document
from transport.domain.scenario import Point, ScenarioChild


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of the largest finished child (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--children", type=int, default=7500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=540.0, help="solve-stage wall clock budget (s)")
    ap.add_argument("--max-requests", type=int, default=120)
    ap.add_argument("--rerun-time-limit", type=float, default=120.0,
                    help="then time a county rerun with a £50 disruption penalty (0: skip)")
    ap.add_argument("--session", choices=("am", "day"), default="am",
                    help="day: plan the county's school day (both runs, every weekday)")
    args = ap.parse_args()
    started = time.perf_counter()
    net = load_network("drive")
    postcodes = PostcodeIndex.load()
    if args.session == "day":
        day_benchmark(args, net, postcodes, started)
        return
    scenario = generate_scenario(args.children, args.seed, postcodes=postcodes)
    print(f"{dt.date.today()} scenario {scenario.name}: {len(scenario.children)} children, "
          f"{len(scenario.schools)} real schools, {sum(v.count for v in scenario.fleet)} vehicles, "
          f"{os.cpu_count()} cores", flush=True)
    built, cm = build_county(scenario, network=net, postcodes=postcodes)
    problem = built.problem
    print(f"  matrices: {len(built.locations)} locations, {cm.seconds:.1f} s, {cm.megabytes:.1f} MB int32 "
          f"({2 * problem.duration_s.nbytes / 1e6:.1f} MB as the problem's int64)", flush=True)
    unlimited = problem.replace(vehicle_types=tuple(replace(vt, count=max(vt.count, len(problem.requests)))
                                                    for vt in problem.vehicle_types))
    base = {}
    for name, fn, prob in (("one vehicle per child", one_vehicle_per_child, unlimited),
                           ("greedy grouping", greedy_grouping, problem)):
        t = time.perf_counter()
        plan = fn(prob)
        causes = sorted({v.cause.value for v in check(prob, plan)})
        base[name] = plan
        print(f"  {name:24s} £{plan.cost.total / 100:>11,.2f}/day {len(plan.routes):5d} vehicles "
              f"unassigned {len(plan.unassigned)} violations {causes or 'none'} ({time.perf_counter() - t:.1f} s)",
              flush=True)
    t_plan = time.perf_counter()
    doc = plan_county(scenario, time_limit_s=args.time_limit, max_requests=args.max_requests,
                      county=(built, cm), network=net)
    plan_s = time.perf_counter() - t_plan
    k = doc.kpis()
    meta = doc.plan.meta
    print(f"  {'county optimiser':24s} £{k['daily_cost_pence'] / 100:>11,.2f}/day {k['vehicles']:5d} vehicles "
          f"unassigned {len(k['unassigned'])} violations {len(doc.violations)}; {meta['subproblems']} sub-problems "
          f"on {meta['workers']} workers ({meta['methods']}), merged £{meta['cost_after_merge'] / 100:,.2f}, "
          f"{meta['leftovers_placed']} leftovers placed, {meta['border_routes_removed']} routes removed at borders",
          flush=True)
    print(f"  timings {doc.timings}; ride mean {k['mean_ride_min']} min, longest {k['max_ride_min']} min; "
          f"vehicles {k['vehicles_by_type']}", flush=True)
    # one late applicant: a real postcode of the sample, to a school already in the plan
    rng = np.random.default_rng(args.seed + 1000)
    codes = usable_postcodes(postcodes, net)
    late = ScenarioChild(id="LATE00001", first_name="Late", home=Point.of(postcodes.lookup(codes[rng.integers(len(codes))])),
                         school_id=scenario.schools[int(rng.integers(len(scenario.schools)))].id, phase="secondary")
    t = time.perf_counter()
    new_doc, res, _ = insert_late_children(doc, [late], county=built, network=net)
    late_s = time.perf_counter() - t
    unchanged = sum(1 for a, b in zip(doc.plan.routes, new_doc.plan.routes) if a == b)
    print(f"  late child {late.id} to {late.school_id}: {res.changes[0].action} (route {res.changes[0].route_index}), "
          f"cost {res.cost_delta:+d} p, {len(res.changed_routes)} route(s) changed, {len(res.new_routes)} new, "
          f"{unchanged} of {len(doc.plan.routes)} unchanged, valid {not new_doc.violations}, {late_s:.2f} s", flush=True)
    own, kids = peak_mb()
    total_s = time.perf_counter() - started
    print(f"  peak memory: main process {own:,.0f} MB, largest worker {kids:,.0f} MB; total {total_s:.0f} s", flush=True)
    rerun = {}
    if args.rerun_time_limit > 0:
        t = time.perf_counter()
        rr_doc, rr = rerun_document(doc, disruption_penalty_pence=5000, time_limit_s=args.rerun_time_limit,
                                    county=built, network=net, max_requests=args.max_requests)
        rerun = {"rerun_s": round(time.perf_counter() - t, 1), "rerun_saving": rr.saving,
                 "rerun_moved": len(rr.moved)}
        print(f"  county rerun (£50 per extra vehicle a route is spread over, {args.rerun_time_limit:g} s budget): "
              f"saving {rr.saving / 100:+,.2f} £/day, {len(rr.moved)} children moved, valid {not rr_doc.violations}, "
              f"{rerun['rerun_s']} s", flush=True)
    print(json.dumps({"children": len(scenario.children), "matrix_s": round(cm.seconds, 2),
                      "solve_s": round(plan_s - doc.timings["validate_s"], 2),
                      "validate_s": doc.timings["validate_s"], "total_s": round(total_s, 1),
                      "cost": k["daily_cost_pence"], "cost_one_per_child": base["one vehicle per child"].cost.total,
                      "cost_greedy": base["greedy grouping"].cost.total, "over_ride_limit": k["over_ride_limit"],
                      "unassigned": len(k["unassigned"]), "peak_mb": round(max(own, kids), 1),
                      "late_insert_s": round(late_s, 2), **rerun}))


def day_benchmark(args, net, postcodes, started: float) -> None:
    """The county's school day: one day plan, validated on every weekday; figures per day, week, year."""
    scenario = generate_scenario(args.children, args.seed, postcodes=postcodes, session="day")
    part_time = sum(len(c.attends) < 5 for c in scenario.children)
    print(f"{dt.date.today()} day scenario {scenario.name}: {len(scenario.children)} children ({part_time} part-time), "
          f"{len(scenario.schools)} real schools, {sum(v.count for v in scenario.fleet)} vehicles, "
          f"{os.cpu_count()} cores", flush=True)
    t = time.perf_counter()
    doc = plan_county(scenario, time_limit_s=args.time_limit, max_requests=args.max_requests, network=net,
                      postcodes=postcodes)
    plan_s = time.perf_counter() - t
    k, meta = doc.kpis(), doc.plan.meta
    print(f"  county day plan: £{k['day_cost_pence'] / 100:,.2f}/day, £{k['week_cost_pence'] / 100:,.2f}/week, "
          f"£{k['year_cost_pence'] / 100:,.2f}/year ({k['school_days_per_year']} days); {k['vehicles']} vehicles "
          f"{k['vehicles_by_type']}; {k['waiting_near_school']} wait near school; miles/day {k['miles_per_day']:,} "
          f"(dead {k['dead_miles_per_day']:,}); over limit on any weekday {k['over_limit_any_weekday']}; unassigned "
          f"{len(k['unassigned'])}; violations {len(doc.violations)}; {meta['subproblems']} clusters on "
          f"{meta['workers']} workers", flush=True)
    print(f"  timings {doc.timings}; ride mean {k['mean_ride_min']} min, longest {k['max_ride_min']} min", flush=True)
    own, kids = peak_mb()
    total_s = time.perf_counter() - started
    print(f"  peak memory: main process {own:,.0f} MB, largest worker {kids:,.0f} MB; total {total_s:.0f} s", flush=True)
    print(json.dumps({"children": len(scenario.children), "session": "day", "matrix_s": doc.timings["matrix_s"],
                      "solve_s": doc.timings["solve_s"], "validate_s": doc.timings["validate_s"],
                      "plan_s": round(plan_s, 1), "total_s": round(total_s, 1), "day_cost": k["day_cost_pence"],
                      "week_cost": k["week_cost_pence"], "year_cost": k["year_cost_pence"],
                      "vehicles": k["vehicles"], "over_limit_any_weekday": k["over_limit_any_weekday"],
                      "unassigned": len(k["unassigned"]), "violations": len(doc.violations),
                      "peak_mb": round(max(own, kids), 1)}))


if __name__ == "__main__":
    main()
