"""Many-to-many drive costs on the synthetic county: the engine's hierarchy against per-origin
searches by other libraries, on the same origins, in the same run.

Each method answers the same question as ``routing.matrix.matrix_of_snaps``: from each of the
first ``--origins`` county locations (through the ends of its snapped edge) to every county
location (through the ends of its edge), the least ms x 2**25 + cm weight. The libraries get the
network plus one virtual node per origin and per destination joined by those end costs, float64
weights (exact for these integers); their answers are compared with the hierarchy's cell by cell.

- ``dijkstra``: scipy csgraph, one search per origin (the engine's oracle);
- ``igraph``: ``Graph.distances(source, target, weights)``, C binary-heap Dijkstra per origin;
- ``networkit``: ``distance.SPSP`` (some pairs; one Dijkstra per source, OpenMP threads);
- ``hierarchy``: ``routing.hierarchy`` (contraction timed separately, then the rows).

igraph and networkit are not engine dependencies: ``pip install igraph networkit`` (or put them
on ``--extra-path``) to measure them; a library not importable is reported as such. CPU seconds
are this process's (networkit's threads included). The last line is JSON.

    python benchmarks/matrix_candidates.py [--tiles 8x5] [--origins 256]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path[0:1] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

import synthetic_county  # noqa: E402


def _timed(fn):
    load, t, c = os.getloadavg()[0], time.perf_counter(), time.process_time()
    out = fn()
    return out, {"s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2),
                 "load": round(max(load, os.getloadavg()[0]), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiles", default="8x5")
    ap.add_argument("--origins", type=int, default=256)
    ap.add_argument("--extra-path", help="a folder with igraph/networkit installed (appended to sys.path)")
    args = ap.parse_args()
    if args.extra_path:
        sys.path.append(args.extra_path)
    nx_, ny_ = (int(v) for v in args.tiles.lower().split("x"))
    out = Path(synthetic_county.build(nx_, ny_)["dir"])
    os.environ.update(synthetic_county.env_of(out))
    from transport.domain.config import get_settings

    get_settings.cache_clear()
    from routing.hierarchy import contract
    from routing.matrix import _cost_by_origin, _ends, _lexi
    from routing.network import load_network_from
    from transport.domain.scenario import load_scenario
    from transport.planning.plan import scenario_locations

    s = get_settings()
    net = load_network_from(s.path("drive_osm"), "drive", cache_dir=s.cache_dir, max_snap_m=s.max_snap_m)
    snaps = net.snap_many([loc.point for loc in scenario_locations(load_scenario(out / "scenario.json"))])
    n, n_o, n_d = net.n_nodes, args.origins, len(snaps)
    src = _ends(net, snaps[:n_o], "exits", _lexi)
    tgt = _ends(net, snaps, "entries", _lexi)
    print(f"{args.tiles}: {n:,} nodes, {net.n_edges:,} edges; {n_o} origins to {n_d:,} points; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    result: dict = {"nodes": n, "origins": n_o, "points": n_d}
    w = _lexi(net.weight_of("time"), net.edge_length_m).astype(np.int64)

    h, f = _timed(lambda: contract(n, net.edge_u, net.edge_v, w))
    result |= {"hierarchy_contract_s": f["s"], "hierarchy_contract_cpu_s": f["cpu_s"]}
    print(f"  hierarchy: contraction {f['s']} s ({f['cpu_s']} s CPU, load {f['load']})", flush=True)
    ref, f = _timed(lambda: h.costs(src, tgt))
    result |= {"hierarchy_s": f["s"], "hierarchy_cpu_s": f["cpu_s"], "hierarchy_load": f["load"]}
    print(f"  hierarchy: {n_o} rows {f['s']} s ({f['cpu_s']} s CPU, load {f['load']})", flush=True)

    # the same graph with virtual origin (n + i) and destination (n + n_o + j) nodes, for the libraries
    vu = [n + i for i, e in enumerate(src) for _ in e] + [x for e in tgt for x, _ in e]
    vv = [x for e in src for x, _ in e] + [n + n_o + j for j, e in enumerate(tgt) for _ in e]
    vw = [c for e in src for _, c in e] + [c for e in tgt for _, c in e]
    eu = np.concatenate([net.edge_u, vu]).astype(np.int64)
    ev = np.concatenate([net.edge_v, vv]).astype(np.int64)
    ew = np.concatenate([w, vw]).astype(np.float64)
    sources, targets = list(range(n, n + n_o)), list(range(n + n_o, n + n_o + n_d))

    def check(name: str, got: np.ndarray, f: dict) -> None:
        same = bool(np.array_equal(np.rint(np.asarray(got, dtype=float)), ref))  # scipy: zero weights are 1e-9
        result.update({f"{name}_s": f["s"], f"{name}_cpu_s": f["cpu_s"], f"{name}_load": f["load"], f"{name}_equal": same})
        print(f"  {name}: {n_o} rows {f['s']} s ({f['cpu_s']} s CPU, load {f['load']}); equal to the hierarchy: {same}",
              flush=True)

    got, f = _timed(lambda: _cost_by_origin(net, snaps[:n_o], snaps, _lexi))
    check("dijkstra", got, f)
    try:
        import igraph as ig
    except ImportError:
        print("  igraph: not installed", flush=True)
        result["igraph_s"] = None
    else:
        g = ig.Graph(n=n + n_o + n_d, edges=np.column_stack([eu, ev]).tolist(), directed=True)
        got, f = _timed(lambda: np.array(g.distances(source=sources, target=targets, weights=ew.tolist())))
        check("igraph", got, f)
    try:
        import networkit as nk
    except ImportError:
        print("  networkit: not installed", flush=True)
        result["networkit_s"] = None
    else:
        nk.setNumberOfThreads(1)
        g = nk.Graph(n + n_o + n_d, weighted=True, directed=True)
        g.addEdges((ew, (eu, ev)))

        def spsp():
            alg = nk.distance.SPSP(g, sources, targets)
            alg.run()
            d = np.array(alg.getDistances())
            d[d > 1.7e308] = np.inf
            return d

        got, f = _timed(spsp)
        check("networkit", got, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
