"""Benchmark: the UPRN address-point index at scale (build once, then look up per request).

Writes a synthetic OS Open UPRN CSV of ``--rows`` rows (UPRNs shuffled, points spread over
England's grid; made up, not addresses) to a temporary folder, then times:
  * build  - ``AddressIndex.from_csv`` reading it into sorted arrays and saving the cache;
  * reload - a second ``from_csv`` memory-mapping the cache (what every later process does);
  * lookup - ``bng()`` for ``--lookups`` random UPRNs (per-request cost).
Prints the figures and peak memory; the last line is one JSON object. Asserts nothing.

    python benchmarks/addresses.py [--rows 4000000] [--lookups 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from transport.domain.addresses import AddressIndex


def write_csv(path: Path, rows: int, seed: int) -> np.ndarray:
    """A synthetic file in OS Open UPRN's layout; returns the UPRNs written."""
    rng = np.random.default_rng(seed)
    uprn = rng.permutation(np.arange(1, rows + 1, dtype=np.int64) * 7 + 10_000_000_000)
    x = rng.uniform(100_000, 650_000, rows).round(2)
    y = rng.uniform(20_000, 650_000, rows).round(2)
    with path.open("w") as fh:
        fh.write("UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n")
        step = 500_000
        for i in range(0, rows, step):
            block = np.column_stack([uprn[i:i + step], x[i:i + step], y[i:i + step]])
            np.savetxt(fh, block, fmt=["%d", "%.2f", "%.2f"], delimiter=",")
    return uprn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--lookups", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, cache = Path(tmp) / "osopenuprn.csv", Path(tmp) / "cache"
        t = time.perf_counter()
        uprns = write_csv(src, args.rows, args.seed)
        write_s = time.perf_counter() - t
        size_mb = src.stat().st_size / 1e6
        t = time.perf_counter()
        AddressIndex.from_csv(src, cache)
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        index = AddressIndex.from_csv(src, cache)
        reload_s = time.perf_counter() - t
        pick = np.random.default_rng(args.seed + 1).choice(uprns, args.lookups)
        t = time.perf_counter()
        for u in pick:
            index.bng(int(u))
        lookup_us = (time.perf_counter() - t) / args.lookups * 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {args.rows:,} ({size_mb:,.0f} MB CSV, written in {write_s:.1f} s)")
    print(f"build (read, sort, save): {build_s:.1f} s ({args.rows / build_s:,.0f} rows/s)")
    print(f"reload from cache (mmap): {reload_s * 1000:.1f} ms")
    print(f"lookup: {lookup_us:.1f} us each ({args.lookups:,} random UPRNs)")
    print(f"peak memory {peak_mb:,.0f} MB")
    print(json.dumps({"rows": args.rows, "csv_mb": round(size_mb, 1), "build_s": round(build_s, 2),
                      "reload_ms": round(reload_s * 1000, 2), "lookup_us": round(lookup_us, 2),
                      "peak_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
