"""Benchmark: 1,000 x 1,000 travel-time matrices on the real drive and walk networks.

Compares, in one run and on the same edges:
  * ours      - routing.matrix.compute_matrix (snapping + one csgraph Dijkstra per origin);
  * per-pair  - the naive osmnx way, ``osmnx.routing.shortest_path`` for each pair, then the
                path's time summed; timed on a random subset of pairs and SCALED to 1e6 pairs;
  * per-origin- networkx ``single_source_dijkstra_path_length`` from each origin (what a careful
                networkx user writes), timed in full.
Points are network nodes drawn with a fixed seed, so all three answer the same question.
Prints each time, the ratios, peak memory and an agreement check on sampled pairs; the last
line is one JSON object. Asserts nothing.

    python benchmarks/matrix.py [--points 1000] [--pairs 400] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import networkx as nx
import numpy as np
import osmnx as ox

from routing.matrix import compute_matrix
from routing.network import load_network


def peak_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_mode(mode: str, n_points: int, n_pairs: int, seed: int) -> dict:
    """Time the three methods on one network and check they agree."""
    net = load_network(mode)
    rng = np.random.default_rng(seed)
    origins = rng.choice(net.n_nodes, n_points, replace=False)
    dests = rng.choice(net.n_nodes, n_points, replace=False)
    o_pts, d_pts = net.node_latlon(origins), net.node_latlon(dests)
    G = net.to_networkx("time")  # a MultiDiGraph with a "time" weight, as osmnx builds

    t = time.perf_counter()
    ours = compute_matrix(net, o_pts, d_pts).duration_s
    ours_s = time.perf_counter() - t

    t = time.perf_counter()
    per_origin = np.empty((n_points, n_points))
    for i, o in enumerate(origins):
        dist = nx.single_source_dijkstra_path_length(G, int(o), weight="time")
        per_origin[i] = [dist.get(int(d), np.inf) for d in dests]
    origin_s = time.perf_counter() - t

    pairs = [(int(rng.integers(n_points)), int(rng.integers(n_points))) for _ in range(n_pairs)]
    t = time.perf_counter()
    per_pair = []
    for i, j in pairs:
        route = ox.routing.shortest_path(G, int(origins[i]), int(dests[j]), weight="time")
        per_pair.append(sum(min(d["time"] for d in G[u][v].values()) for u, v in zip(route, route[1:]))
                        if route else np.inf)
    pair_subset_s = time.perf_counter() - t
    pair_s = pair_subset_s / n_pairs * n_points * n_points

    agree_origin = bool(np.allclose(ours, per_origin, rtol=1e-9, atol=1e-6))
    agree_pair = bool(np.allclose([ours[i, j] for i, j in pairs], per_pair, rtol=1e-9, atol=1e-6))
    print(f"[{mode}] {net.n_nodes:,} nodes, {net.n_edges:,} edges; {n_points} x {n_points} time matrix")
    print(f"  ours (snap + csgraph):          {ours_s:8.2f} s")
    print(f"  networkx Dijkstra per origin:   {origin_s:8.2f} s  ({origin_s / ours_s:6.1f}x ours)")
    print(f"  osmnx shortest_path per pair:   {pair_s:8.1f} s  ({pair_s / ours_s:6.0f}x ours; "
          f"{n_pairs} pairs took {pair_subset_s:.2f} s, scaled to {n_points * n_points:,})")
    print(f"  values agree: all {n_points * n_points:,} cells vs per-origin: {agree_origin}; "
          f"{n_pairs} sampled pairs vs per-pair: {agree_pair}")
    return {"ours_s": ours_s, "origin_s": origin_s, "pair_s": pair_s,
            "speedup_vs_pair": pair_s / ours_s, "speedup_vs_origin": origin_s / ours_s,
            "agree": agree_origin and agree_pair}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--pairs", type=int, default=400, help="per-pair subset size (scaled up)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    for mode in ("drive", "walk"):
        load_network(mode)  # network load (or cache build) is not part of the timings
    res = {mode: bench_mode(mode, args.points, args.pairs, args.seed) for mode in ("drive", "walk")}
    print(f"peak memory {peak_mb():.0f} MB")
    print(json.dumps({
        "drive_speedup_vs_pair": round(res["drive"]["speedup_vs_pair"], 1),
        "drive_speedup_vs_origin": round(res["drive"]["speedup_vs_origin"], 1),
        "walk_speedup_vs_pair": round(res["walk"]["speedup_vs_pair"], 1),
        "walk_speedup_vs_origin": round(res["walk"]["speedup_vs_origin"], 1),
        "values_agree": res["drive"]["agree"] and res["walk"]["agree"],
        "peak_mb": round(peak_mb(), 1),
    }))


if __name__ == "__main__":
    main()
