"""Li & Lim PDPTW benchmark: 12 instances, vehicles first, then distance, vs best known.

Protocol: each instance is solved once with ``routing.bench.lilim_params`` (OR-Tools, then
the LNS of ``routing.lns`` with route elimination, seed 0; stops on the clock) at
``--time-limit`` seconds (default 10); no ride limits. Per instance: our vehicles and
Euclidean distance (float data) against the SINTEF best known; then how many BKS vehicle
counts we match and the mean distance gap over those. Last line: one JSON object.
Compiling and warming up the search happen before each instance's clock starts; each instance
runs in one process on one core. ``--out DIR`` writes each instance's routes and service times
as ``benchmarks/darp.py`` does (SINTEF solution format).

    python benchmarks/lilim.py --jobs 2 --out out/lilim
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from darp import default_dir  # noqa: E402

from routing.bench import bench_lilim  # noqa: E402
from routing.instances import read_bks  # noqa: E402

INSTANCES = ["lc101", "lc105", "lc201", "lc205", "lr101", "lr105", "lr201", "lr205",
             "lrc101", "lrc105", "lrc201", "lrc205"]


def _run(args: tuple[str, float, Path | None]) -> dict:
    return bench_lilim(*args)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print its table; returns the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=default_dir("pdptw_lilim100"))
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write each instance's routes and service times here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    bks = read_bks(args.dir / "bks.csv")
    tasks = [(str(args.dir / f"{n}.txt"), args.time_limit, args.out) for n in names]
    print(f"Li & Lim benchmark: {len(names)} instances, {args.time_limit:g} s each, {args.jobs} job(s)")
    print(f"{'instance':<8} {'bks_veh':>7} {'veh':>4} {'bks_dist':>9} {'dist':>9} {'gap%':>7} feasible")
    matched, gaps, seconds = 0, [], []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for res in pool.map(_run, tasks):
            best, best_veh = bks[res["instance"]]
            gap = 100.0 * (res["objective"] / best - 1.0)
            seconds.append(res["seconds"])
            if res["feasible"] and res["vehicles"] <= best_veh:
                matched += 1
                gaps.append(gap)
            print(f"{res['instance']:<8} {best_veh:>7} {res['vehicles']:>4} {best:>9.2f} {res['objective']:>9.2f} "
                  f"{gap:>7.2f} {res['feasible']}", flush=True)
    summary = {
        "instances": len(names),
        "bks_vehicles_matched": matched,
        "mean_gap_pct": round(sum(gaps) / len(gaps), 3) if gaps else None,
        "min_gap_pct": round(min(gaps), 3) if gaps else None,
        "max_gap_pct": round(max(gaps), 3) if gaps else None,
        "max_seconds": max(seconds) if seconds else None,
        "time_limit_s": args.time_limit,
        "solutions": str(args.out) if args.out else None,
    }
    print(f"BKS vehicle counts matched {matched}/{len(names)}, mean distance gap where matched {summary['mean_gap_pct']} %")
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
