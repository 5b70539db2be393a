"""DARP benchmark: the 24 Cordeau (2006) ``a`` instances against their optimal values.

Protocol: each instance is solved once with ``routing.bench.darp_params`` (OR-Tools, then
the LNS of ``routing.lns`` with seed 0; it stops on the clock, so figures vary with CPU load)
at ``--time-limit`` seconds; the objective is the Euclidean route
length recomputed on the float data; feasible = every request routed, no validator
violation and no float violation (tolerance 1e-6). The gap is against ``bks.csv`` (optimal).
Compiling and warming up the search happen before each instance's clock starts; each instance runs
in one process on one core (``--jobs`` instances side by side). The search settings were chosen
on a5-60 and a6-72 (``routing.bench.darp_params``). With ``--out DIR`` each instance's routes are
written as ``DIR/<instance>.txt`` (SINTEF solution format: ``Route 1 : 12 45 67``, node ids without
depots) and the start of service at each node as ``DIR/<instance>.times.txt``, so the figures can
be re-scored from the instance files alone (``tests/routing/test_benchmark_solutions.py`` does so
with its own checker).
Prints one line per instance, a summary, and as its last line one JSON object. Asserts nothing.

    python benchmarks/darp.py --time-limit 60 --jobs 2 --out out/darp
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.bench import bench_darp  # noqa: E402
from routing.instances import read_bks  # noqa: E402

A_INSTANCES = [
    "a2-16", "a2-20", "a2-24", "a3-18", "a3-24", "a3-30", "a3-36", "a4-16", "a4-24", "a4-32", "a4-40", "a4-48",
    "a5-40", "a5-50", "a5-60", "a6-48", "a6-60", "a6-72", "a7-56", "a7-70", "a7-84", "a8-64", "a8-80", "a8-96",
]


def default_dir(subfolder: str) -> Path:
    """``$SEN_TRANSPORT_BENCHMARKS/<subfolder>`` or ``../shared/benchmarks/<subfolder>``."""
    env = os.environ.get("SEN_TRANSPORT_BENCHMARKS")
    base = Path(env) if env else ROOT.parent / "shared" / "benchmarks"
    return base / subfolder


def _run(args: tuple[str, float, Path | None]) -> dict:
    return bench_darp(*args)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print its table; returns the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=default_dir("darp_cordeau2006"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--instances", default=",".join(A_INSTANCES))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write each instance's routes and service times here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    bks = read_bks(args.dir / "bks.csv")
    tasks = [(str(args.dir / f"{n}.txt"), args.time_limit, args.out) for n in names]
    print(f"DARP benchmark: {len(names)} instances, {args.time_limit:g} s each, {args.jobs} job(s), dir {args.dir}")
    print(f"{'instance':<8} {'bks':>9} {'ours':>9} {'gap%':>7} {'time_s':>7} feasible")
    gaps, feasible, seconds = [], 0, []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for res in pool.map(_run, tasks):
            best = bks.get(res["instance"], (None, None))[0]
            gap = 100.0 * (res["objective"] / best - 1.0) if best else float("nan")
            feasible += res["feasible"]
            seconds.append(res["seconds"])
            if best and res["feasible"]:
                gaps.append(gap)
            note = "" if res["feasible"] else "  " + "; ".join(res["violations"][:2])
            print(f"{res['instance']:<8} {best or float('nan'):>9.2f} {res['objective']:>9.2f} {gap:>7.2f} "
                  f"{res['seconds']:>7.1f} {res['feasible']}{note}", flush=True)
    summary = {
        "instances": len(names),
        "feasible": feasible,
        "mean_gap_pct": round(sum(gaps) / len(gaps), 3) if gaps else None,
        "min_gap_pct": round(min(gaps), 3) if gaps else None,
        "max_gap_pct": round(max(gaps), 3) if gaps else None,
        "max_seconds": max(seconds) if seconds else None,
        "time_limit_s": args.time_limit,
        "solutions": str(args.out) if args.out else None,
    }
    print(f"feasible {feasible}/{len(names)}, mean gap {summary['mean_gap_pct']} %, max gap {summary['max_gap_pct']} %")
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
