"""County scale on a synthetic county built from real roads (``benchmarks/synthetic_county.py``).

Points the engine at the tiled extracts through its ordinary settings (``SEN_TRANSPORT_DRIVE_OSM``
and the rest, from the county's ``sen-transport.env``) and measures, stage by stage:

1. the drive network: built from the tiled OSM XML by the engine (``routing.network``) when not
   cached, else the build time recorded when it was; then a load from the cache;
2. the county drive matrices over every location the plan needs (depots, schools, 7,500 distinct
   homes), in row blocks of 512 origins spread over one forked worker per core: first by each
   ``--compare`` method in the same run (default: per-origin Dijkstra, the method before; ``:1``
   after a method runs its blocks in this one process; ``--no-compare-matrix`` skips them), then
   by ``--matrix-method`` (default the engine's, the contraction hierarchy, contraction included;
   ``build_county``, what ``plan-county`` runs): wall and CPU time (this process and its
   workers), the stage's peak resident memory (sampled every 0.1 s), the load average beside
   each, and whether each comparison is equal to the engine's matrices value for value;
3. eligibility for the 20,000 mainstream applications on the tiled walk (and drive) networks,
   unless ``--skip-eligibility`` (the walk network must then be built too): ``eligibility_20k_s``
   is assessing them (``Assessor.assess_many``, every school's trees built when first needed),
   after loading the networks and schools, on ``SEN_TRANSPORT_ELIGIBILITY_WORKERS`` processes
   (``--eligibility-workers`` sets it; ``eligibility_processes``, CPU counted in all of them);
   ``--eligibility-only`` stops after it, without the matrices; ``--check N`` then decides a sample
   of N applications (spread over the file; those with no "no place at" schools) on the reference
   path (``eligibility.reference``: every suitable school, scipy's whole-network searches) and says
   whether every decision is equal, field by field (``eligibility_check_equal``);
4. the county plan (``plan_county``, what ``routes plan-county`` runs) with ``--time-limit``
   seconds of solving, validated; ``plan_s`` is matrices + plan, end to end; the greedy
   grouping of the same county problem is the baseline;
5. late insertion into the county plan: one late child, then five at once, each by the
   late-insertion problem over the nearby routes (``insert_late_children``, what ``routes insert``
   runs, here with the county matrices) and, unless ``--no-compare-late``, by the whole county
   problem as before (``insert_late_children_full``) in the same run, with whether the two agree;
   then one child without the county matrices (a plan read from a file, as ``routes insert``).

The county plan and its matrices are kept under the county's cache directory
(``county-plan.json``, ``county-matrices.npz``); ``--late-only`` loads them and measures stage 5 only.

Stages are timed wall clock on whatever else shares the machine; the process CPU seconds are
printed beside them. Asserts nothing; the last line is JSON with the issue's keys (null for a
stage not run).

    python benchmarks/county_scale.py [--tiles 8x5] [--time-limit 300] [--skip-eligibility]
    python benchmarks/county_scale.py --tiles 8x5 --late-only
    python benchmarks/county_scale.py --tiles 8x5 --eligibility-only [--eligibility-workers 2] [--check 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path[0:1] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import synthetic_county  # noqa: E402


class PeakRss:
    """Highest resident memory of this process while the block runs (MB), sampled every 0.1 s."""

    def __enter__(self) -> "PeakRss":
        self.mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.mb = max(self.mb, _rss_mb())
            self._stop.wait(0.1)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, _rss_mb())


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _children_cpu_s() -> float:
    """CPU seconds of this process's finished children (the matrix workers once their pool closes)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _lifetime_peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, kids)


def _measured_matrices(build, drive) -> tuple[object, dict]:
    """``build()`` from scratch (the network's hierarchy forgotten first): its result and its
    wall/CPU seconds (this process + its workers), stage peak (MB, this process) and the load."""
    drive._hierarchy = None  # each method pays for its own preparation
    load, t = os.getloadavg()[0], time.perf_counter()
    cpu, kids_cpu, start_mb = time.process_time(), _children_cpu_s(), _rss_mb()
    with PeakRss() as peak:
        out = build()
    return out, {"s": round(time.perf_counter() - t, 1), "load": round(max(load, os.getloadavg()[0]), 1),
                 "cpu_s": round(time.process_time() - cpu + _children_cpu_s() - kids_cpu, 1), "peak_mb": round(peak.mb),
                 "rise_mb": round(peak.mb - start_mb)}


def _said(f: dict) -> str:
    return (f"{f['s']:.1f} s wall, {f['cpu_s']:.1f} s CPU, stage peak {f['peak_mb']:,} MB (parent; "
            f"+{f['rise_mb']:,} MB over the stage's start), load {f['load']:.1f}")


def _network(mode: str, out: Path) -> tuple[object, float, float]:
    """(network, build seconds, cache-load seconds) of the configured extract of a mode."""
    from routing.network import cache_path, load_network_from
    from transport.domain.config import get_settings

    s = get_settings()
    osm = s.path(f"{mode}_osm")
    record = out / f"{mode}-build.json"
    cached = cache_path(osm, mode, s.cache_dir).exists()
    if not cached:
        t = time.perf_counter()
        load_network_from(osm, mode, cache_dir=s.cache_dir, max_snap_m=s.max_snap_m)
        record.write_text(json.dumps({"build_s": round(time.perf_counter() - t, 1)}))
    build_s = json.loads(record.read_text())["build_s"] if record.exists() else float("nan")
    t = time.perf_counter()
    net = load_network_from(osm, mode, cache_dir=s.cache_dir, max_snap_m=s.max_snap_m)
    return net, build_s, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiles", default="8x5")
    ap.add_argument("--time-limit", type=float, default=300.0, help="county plan solving budget (s)")
    ap.add_argument("--max-requests", type=int, default=120)
    ap.add_argument("--skip-eligibility", action="store_true")
    ap.add_argument("--skip-greedy", action="store_true", help="no greedy baseline")
    ap.add_argument("--workers", type=int, default=0, help="matrix and solver processes (default: one per core)")
    ap.add_argument("--matrix-only", action="store_true", help="stop after the matrices (and their comparison)")
    ap.add_argument("--eligibility-only", action="store_true",
                    help="the drive network, then eligibility for the applications; no matrices or plan")
    ap.add_argument("--eligibility-workers", type=int, default=None,
                    help="processes eligibility spreads the applications over (default: the setting)")
    ap.add_argument("--check", type=int, default=0, metavar="N",
                    help="decide N of the applications on the reference path too and compare")
    ap.add_argument("--session", choices=("am", "day"), default="am",
                    help="day: the same cohort as a day scenario (both runs, every weekday), planned as a day")
    ap.add_argument("--no-compare-matrix", dest="compare_matrix", action="store_false",
                    help="skip the --compare matrix builds measured beside the engine's")
    ap.add_argument("--compare", action="append", metavar="METHOD[:WORKERS]",
                    help="a matrix method (dijkstra, hierarchy) measured before the engine's, on --workers "
                         "processes or WORKERS (repeatable; default: dijkstra)")
    ap.add_argument("--matrix-method", default="hierarchy", help="the method of the county matrices planned on")
    ap.add_argument("--late-only", action="store_true",
                    help="load the kept county plan and matrices and measure late insertion only")
    ap.add_argument("--no-compare-late", dest="compare_late", action="store_false",
                    help="skip late insertion on the whole county problem (the method before)")
    args = ap.parse_args()
    nx, ny = (int(v) for v in args.tiles.lower().split("x"))
    figures = synthetic_county.build(nx, ny)
    out = Path(figures["dir"])
    os.environ.update(synthetic_county.env_of(out))
    from transport.domain.config import get_settings

    get_settings.cache_clear()
    print(f"synthetic county {figures['tiles']}: {figures['schools']} schools, {figures['children']} children, "
          f"{figures['applications']} applications; {os.cpu_count()} cores shared, load {os.getloadavg()[0]:.1f}",
          flush=True)
    result: dict = dict.fromkeys(("drive_nodes", "walk_nodes", "points", "matrix_s", "matrix_peak_mb",
                                  "eligibility_20k_s", "plan_s", "plan_cost", "greedy_cost", "peak_mb",
                                  "late_insert_s"))

    if args.late_only:
        late_only(args, out, result)
        return
    drive, build_s, load_s = _network("drive", out)
    result["drive_nodes"] = drive.n_nodes
    print(f"  drive network: {drive.n_nodes:,} nodes, {drive.n_edges:,} edges; build {build_s:.1f} s, "
          f"cache load {load_s:.1f} s", flush=True)

    if args.eligibility_only:
        del drive   # the assessor loads its own
        eligibility_stage(out, figures, result, args.eligibility_workers, args.check)
        result["peak_mb"] = round(_lifetime_peak_mb())
        print(json.dumps(result))
        return

    from routing.baselines import greedy_grouping
    from transport.domain.scenario import load_scenario
    from transport.planning.county import build_county, county_matrices, plan_county
    from transport.planning.plan import scenario_locations

    scenario = load_scenario(out / "scenario.json")
    workers = args.workers or os.cpu_count() or 1
    compared = []
    for spec in (args.compare or ["dijkstra"]) if args.compare_matrix else []:
        method, _, n = spec.partition(":")
        m, figures = _measured_matrices(partial(county_matrices, drive, scenario_locations(scenario), method=method,
                                                workers=int(n or workers)), drive)
        key = f"{method}_{int(n or workers)}"
        result |= {f"matrix_{key}_s": figures["s"], f"matrix_{key}_cpu_s": figures["cpu_s"],
                   f"matrix_{key}_peak_mb": figures["peak_mb"],
                   f"matrix_{key}_rise_mb": figures["rise_mb"], f"matrix_{key}_load": figures["load"]}
        print(f"  county matrices by {method} on {int(n or workers)} process(es): {_said(figures)}", flush=True)
        compared.append((key, m))
    built_cm, figures = _measured_matrices(partial(build_county, scenario, network=drive, workers=workers,
                                                   method=args.matrix_method), drive)
    built, cm = built_cm
    result |= {"points": len(built.locations), "matrix_s": round(cm.seconds, 1), "matrix_peak_mb": figures["peak_mb"],
               "matrix_method": args.matrix_method, "matrix_cpu_s": figures["cpu_s"], "matrix_rise_mb": figures["rise_mb"],
               "matrix_load": figures["load"]}
    print(f"  county matrices by {args.matrix_method} on {workers} process(es) (the engine's): "
          f"{len(built.locations):,} points ({len(built.locations) ** 2 / 1e6:.0f}M cells, {cm.megabytes:.0f} MB int32): "
          f"{_said(figures)}", flush=True)
    for key, m in compared:
        same = bool(np.array_equal(m.duration_s, cm.duration_s) and np.array_equal(m.distance_m, cm.distance_m))
        result[f"matrices_equal_{key}"] = same
        print(f"  {key} matrices equal to the engine's value for value: {same}", flush=True)
    del compared
    if args.matrix_method == "hierarchy":
        from routing.matrix import drive_hierarchy

        drive._hierarchy = None
        t, load = time.perf_counter(), os.getloadavg()[0]
        h = drive_hierarchy(drive)
        result["hierarchy_s"] = round(time.perf_counter() - t, 1)
        print(f"  of which the contraction hierarchy alone: {result['hierarchy_s']} s ({h.n_edges:,} edges for "
              f"{drive.n_edges:,}), load {load:.1f}", flush=True)

    if args.matrix_only:
        print(json.dumps(result))
        return
    if not args.skip_eligibility:
        eligibility_stage(out, figures, result, args.eligibility_workers, args.check)

    greedy_total = None
    if not args.skip_greedy:
        t = time.perf_counter()
        greedy = greedy_grouping(built.problem)
        result["greedy_cost"] = greedy_total = greedy.cost.total
        result["greedy_s"] = round(time.perf_counter() - t, 1)
        print(f"  greedy grouping: £{greedy.cost.total / 100:,.2f}/day, {len(greedy.routes)} vehicles, "
              f"{len(greedy.unassigned)} unassigned ({time.perf_counter() - t:.1f} s)", flush=True)
    if args.session == "day":
        day_plan(args, scenario, built, cm, drive, workers, result)
        return
    t = time.perf_counter()
    doc = plan_county(scenario, time_limit_s=args.time_limit, max_requests=args.max_requests,
                      county=(built, cm), network=drive, max_workers=workers)
    solve_s = time.perf_counter() - t
    k = doc.kpis()
    result |= {"plan_s": round(cm.seconds + solve_s, 1), "plan_cost": k["daily_cost_pence"]}
    print(f"  county plan: £{k['daily_cost_pence'] / 100:,.2f}/day, {k['vehicles']} vehicles, "
          f"{len(k['unassigned'])} unassigned, {len(doc.violations)} violations; {solve_s:.1f} s after the matrices "
          f"({args.time_limit:g} s solving budget)"
          + (f"; {100 * (1 - k['daily_cost_pence'] / greedy_total):.1f} % below greedy" if greedy_total else ""),
          flush=True)

    keep_plan(out, doc, cm)
    late_stage(args, doc, built, drive, result)


KEPT_PLAN, KEPT_MATRICES = "county-plan.json", "county-matrices.npz"


def keep_plan(out: Path, doc, cm) -> None:
    """The county plan and its int32 matrices, kept in the county's cache directory for ``--late-only``."""
    (out / KEPT_PLAN).write_text(json.dumps(doc.to_dict()), encoding="utf-8")
    np.savez(out / KEPT_MATRICES, duration_s=cm.duration_s, distance_m=cm.distance_m)


def late_only(args, out: Path, result: dict) -> None:
    """Stage 5 alone, on the county plan and matrices a previous run kept."""
    from transport.planning.plan import PlanDocument, build_problem

    if not (out / KEPT_PLAN).exists():
        sys.exit(f"no kept county plan in {out}: run county_scale.py --tiles {args.tiles} first")
    drive, _, load_s = _network("drive", out)
    result["drive_nodes"] = drive.n_nodes
    t = time.perf_counter()
    doc = PlanDocument.from_dict(json.loads((out / KEPT_PLAN).read_text(encoding="utf-8")))
    with np.load(out / KEPT_MATRICES) as m:
        built = build_problem(doc.scenario, matrices=(m["duration_s"], m["distance_m"]))
    result["points"] = len(built.locations)
    print(f"  kept county plan and matrices loaded ({time.perf_counter() - t:.1f} s; network {load_s:.1f} s): "
          f"{len(doc.plan.routes):,} routes, {len(built.locations):,} points", flush=True)
    late_stage(args, doc, built, drive, result)


def late_children(scenario, n: int) -> list:
    """``n`` late children, each a short way from a cohort child's home and going to that child's school."""
    from transport.domain.scenario import Point, ScenarioChild

    step = max(1, len(scenario.children) // max(n, 1))
    out = []
    for k in range(n):
        model = scenario.children[k * step]
        home = model.home
        out.append(ScenarioChild(id=f"LATE{k + 1:05d}", first_name="Late",
                                 home=Point(lat=home.lat + 0.0021, lon=home.lon + 0.0013),
                                 school_id=model.school_id, phase=model.phase))
    return out


def late_stage(args, doc, built, drive, result: dict) -> None:
    """One late child, then five at once: the nearby-routes problem and (unless ``--no-compare-late``)
    the whole county problem as before, in the same run; ``late_insert_s`` is the one child's."""
    from routing.validate import check
    from transport.planning.late import insert_late_children, insert_late_children_full
    from transport.planning.nearby import NearbyProblem

    # the network's spatial index of edges is built on the first snap, once per process (a service
    # keeps it with the network): built here, timed apart, so the insertions below do not carry it
    t = time.perf_counter()
    drive.snap_many([doc.locations[0].point])
    result["snap_index_s"] = round(time.perf_counter() - t, 2)
    print(f"  the network's spatial index ready in {result['snap_index_s']} s (first snap of this process)", flush=True)

    # what validating the whole county plan again would cost (the late-insertion problem's check
    # plus check_accounting replace it; docs/county.md says why)
    load, t = os.getloadavg()[0], time.perf_counter()
    found = check(built.problem, doc.plan)
    result["whole_plan_check_s"] = round(time.perf_counter() - t, 2)
    print(f"  the whole county plan checked by the validator: {len(found)} violations, "
          f"{result['whole_plan_check_s']} s (load {load:.1f})", flush=True)
    for n in (1, 5):
        kids = late_children(doc.scenario, n)
        load = os.getloadavg()[0]
        t = time.perf_counter()
        new_doc, res, solved = insert_late_children(doc, kids, county=built, network=drive)
        took = round(time.perf_counter() - t, 2)
        how = (f"nearby routes: {len(solved.route_positions)} of {len(doc.plan.routes)}"
               if isinstance(solved, NearbyProblem) else "dense county: the whole county problem")
        key = "late_insert_s" if n == 1 else f"late_insert_{n}_s"
        result[key] = took
        actions = ", ".join(sorted({c.action for c in res.changes}))
        print(f"  {n} late child{'ren' if n > 1 else ''} ({how}): {actions}, cost {res.cost_delta:+d} p, "
              f"valid {not new_doc.violations}, {took} s ({new_doc.timings}; load {load:.1f})", flush=True)
        if args.compare_late:
            load = os.getloadavg()[0]
            t = time.perf_counter()
            full_doc, full_res, _ = insert_late_children_full(doc, kids, county=built, network=drive)
            full_s = round(time.perf_counter() - t, 2)
            same = (full_doc.plan.to_dict() == new_doc.plan.to_dict())
            result[key.replace("_s", "_full_s")] = full_s
            result[key.replace("_s", "_same")] = same
            print(f"  {n} late child{'ren' if n > 1 else ''} (whole county problem, as before): "
                  f"cost {full_res.cost_delta:+d} p, valid {not full_doc.violations}, {full_s} s (load {load:.1f}); "
                  f"same plan: {same}", flush=True)
    # a plan read from a file (routes insert): the nearby locations' matrices searched on the network
    kids = late_children(doc.scenario, 1)
    load, t = os.getloadavg()[0], time.perf_counter()
    alone, _, nearby = insert_late_children(doc, kids, network=drive)
    result["late_insert_no_county_s"] = round(time.perf_counter() - t, 2)
    print(f"  1 late child without the county matrices (as routes insert on a plan file): "
          f"{nearby.problem.num_locations} locations searched, valid {not alone.violations}, "
          f"{result['late_insert_no_county_s']} s (load {load:.1f})", flush=True)
    result["peak_mb"] = round(_lifetime_peak_mb())
    print(f"  peak memory {result['peak_mb']:,} MB (this process or its largest worker); "
          f"CPU {time.process_time():.0f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    print(json.dumps(result))


def eligibility_stage(out: Path, figures: dict, result: dict, workers: int | None = None, check: int = 0) -> None:
    """The walk network (built if not cached), then the applications assessed under the Kent policy (on
    ``workers`` processes; default the setting), then ``check`` of them on the reference path."""
    from eligibility.service import Assessor, read_applications

    walk, wbuild_s, wload_s = _network("walk", out)
    result["walk_nodes"] = walk.n_nodes
    print(f"  walk network: {walk.n_nodes:,} nodes, {walk.n_edges:,} edges; build {wbuild_s:.1f} s, "
          f"cache load {wload_s:.1f} s", flush=True)
    del walk
    apps, places = read_applications(Path(figures.get("applications_csv") or out / "applications.csv"))
    t = time.perf_counter()
    assessor = Assessor.from_settings("kent")
    if workers is not None:
        assessor.workers = workers
    processes = max(1, min(assessor.workers, len(apps) // assessor.chunk))   # as ``Assessor._decide_chunks``
    load_s = time.perf_counter() - t
    cpu, load0 = time.process_time() + _children_cpu_s(), os.getloadavg()[0]
    with PeakRss() as peak:
        t = time.perf_counter()
        decisions, errors = assessor.assess_many(apps, no_place_at=places)
        result["eligibility_20k_s"] = round(time.perf_counter() - t, 1)
    considered = sum(len(d.schools_considered) for d in decisions)
    result |= {"eligibility_decided": len(decisions), "eligibility_errors": len(errors),
               "eligibility_searches": assessor.measurer.searched,
               "eligibility_tree_schools": assessor.measurer.tree_schools,
               "eligibility_tree_peak_mb": round(assessor.measurer.tree_peak_bytes / 1e6),
               "eligibility_processes": processes,
               "eligibility_cpu_s": round(time.process_time() + _children_cpu_s() - cpu, 1),
               "eligibility_peak_mb": round(peak.mb),
               "eligibility_load": [round(load0, 1), round(os.getloadavg()[0], 1)]}
    print(f"  eligibility: {len(apps):,} applications, {len(decisions):,} decided "
          f"({sum(d.eligible for d in decisions):,} eligible), {len(errors)} errors; "
          f"{result['eligibility_20k_s']} s on {processes} process(es) ({result['eligibility_cpu_s']} s CPU) after {load_s:.1f} s loading "
          f"the networks, schools and postcodes; {considered / max(len(decisions), 1):.1f} schools considered "
          f"per decision; {assessor.measurer.searched:,} shortest-path searches (the trees of "
          f"at most {assessor.measurer.tree_schools} schools and {assessor.measurer.tree_budget / 1e6:,.0f} MB kept; "
          f"{assessor.measurer.tree_peak_bytes / 1e6:,.0f} MB at most); stage peak {peak.mb:,.0f} MB; "
          f"load {load0:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
    if check:
        eligibility_check(assessor, apps, places, decisions, check, result)


def eligibility_check(assessor, apps: list, places: list, decisions: list, n: int, result: dict) -> None:
    """``n`` applications spread over the file (with no "no place at" schools: the reference path reads
    none) decided on the reference path; whether each decision equals the timed run's, field by field."""
    from eligibility.reference import reference_decisions
    from transport.domain.models import Application

    usable = [a for a, p in zip(apps, places) if isinstance(a, Application) and not p]
    sample = usable[::max(1, len(usable) // n)][:n]
    fast = {d.application_id: d for d in decisions}
    assessor.measurer._searches.clear()   # the timed run's trees: the reference searches on its own
    t = time.perf_counter()
    ref = reference_decisions(assessor.measurer, sample)
    differ = sum(isinstance(r, Exception) != (a.id not in fast)
                 or (not isinstance(r, Exception) and fast[a.id].model_dump_json() != r.model_dump_json())
                 for a, r in zip(sample, ref))
    result |= {"eligibility_checked": len(sample), "eligibility_check_equal": differ == 0,
               "eligibility_check_differ": differ, "eligibility_check_s": round(time.perf_counter() - t, 1)}
    print(f"  reference path: {len(sample):,} applications in {result['eligibility_check_s']} s; "
          f"{differ} decisions differ", flush=True)


def day_plan(args, scenario, built, cm, drive, workers: int, result: dict) -> None:
    """The cohort's school day (``with_week``: part-time children, early Fridays) planned by
    ``plan_county`` on the same county matrices; plan_cost is the mean day's cost. The greedy
    baseline is a single run's, so it is not compared; no late insertion (single-session only)."""
    from transport.planning.cohort import with_week
    from transport.planning.county import plan_county

    day = with_week(scenario, 1)
    t = time.perf_counter()
    doc = plan_county(day, time_limit_s=args.time_limit, max_requests=args.max_requests, county=(built, cm),
                      network=drive, max_workers=workers)
    solve_s = time.perf_counter() - t
    k = doc.kpis()
    result |= {"plan_s": round(cm.seconds + solve_s, 1), "plan_cost": k["day_cost_pence"], "session": "day",
               "week_cost": k["week_cost_pence"], "over_limit_any_weekday": k["over_limit_any_weekday"],
               "unassigned": len(k["unassigned"]), "violations": len(doc.violations)}
    print(f"  county day plan: £{k['day_cost_pence'] / 100:,.2f}/day, £{k['week_cost_pence'] / 100:,.2f}/week, "
          f"{k['vehicles']} vehicles, {len(k['unassigned'])} unassigned, over limit on any weekday "
          f"{k['over_limit_any_weekday']}, {len(doc.violations)} violations (check_day, every weekday); "
          f"{solve_s:.1f} s after the matrices ({args.time_limit:g} s solving budget); timings {doc.timings}",
          flush=True)
    result["peak_mb"] = round(_lifetime_peak_mb())
    print(f"  peak memory {result['peak_mb']:,} MB (this process or its largest worker); "
          f"CPU {time.process_time():.0f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
