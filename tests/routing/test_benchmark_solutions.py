"""A benchmark's written routes re-scored from the instance file alone, by a checker that shares no code
with the project (it reads the Cordeau file, the SINTEF-format routes and the service times itself)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rescore_darp(instance: Path, routes: Path, times: Path, tol: float = 1e-6) -> float:
    """Total route length of a DARP solution, or AssertionError naming the first breach."""
    rows = [[float(x) for x in line.split()] for line in instance.read_text().splitlines() if line.strip()]
    m, n, max_duration, capacity, max_ride = rows[0][0], int(rows[0][1]), rows[0][2], rows[0][3], rows[0][4]
    node = {int(r[0]): r[1:] for r in rows[1:2 * n + 3]}  # x y service load early late
    dist = lambda a, b: math.hypot(node[a][0] - node[b][0], node[a][1] - node[b][1])  # noqa: E731
    parse = lambda p, f: [[f(x) for x in line.split(":")[1].split()] for line in p.read_text().splitlines()]  # noqa: E731
    seqs, starts = parse(routes, int), parse(times, float)
    assert len(seqs) <= m and sorted(v for s in seqs for v in s) == list(range(1, 2 * n + 1)), "each node once"
    total = 0.0
    for seq, b in zip(seqs, starts, strict=True):
        path = [0, *seq, 2 * n + 1]
        total += sum(dist(u, v) for u, v in zip(path, path[1:]))
        load = 0.0
        for k, v in enumerate(seq):
            x, y, service, q, early, late = node[v]
            assert early - tol <= b[k] <= late + tol, f"node {v} served at {b[k]} outside [{early}, {late}]"
            if k:
                assert b[k] >= b[k - 1] + node[seq[k - 1]][2] + dist(seq[k - 1], v) - tol, f"node {v} too early"
            load += q
            assert load <= capacity + tol, f"load {load} at node {v}"
            if v > n:
                assert v - n in seq[:k], f"delivery {v} before its pickup"
                ride = b[k] - b[seq.index(v - n)] - node[v - n][2]
                assert ride <= max_ride + tol, f"ride {ride} of request {v - n}"
        leave, back = b[0] - dist(0, seq[0]), b[-1] + node[seq[-1]][2] + dist(seq[-1], 2 * n + 1)
        assert leave >= node[0][4] - tol and back <= node[2 * n + 1][5] + tol, "depot times"
        assert back - leave <= max_duration + tol, f"route lasts {back - leave}"
    return total


def test_darp_benchmark_writes_routes_an_outside_checker_accepts(darp_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "solutions"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "darp.py"), "--dir", str(darp_dir),
                           "--instances", "a2-16", "--time-limit", "2", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["feasible"] == 1 and summary["max_seconds"] <= 2 + 1.0
    assert summary["min_gap_pct"] == summary["max_gap_pct"] == summary["mean_gap_pct"]
    first = (out / "a2-16.txt").read_text().splitlines()[0]
    assert first.startswith("Route 1 : ")
    total = rescore_darp(darp_dir / "a2-16.txt", out / "a2-16.txt", out / "a2-16.times.txt")
    assert round(100.0 * (total / 294.25 - 1.0), 3) == summary["mean_gap_pct"]  # bks.csv: a2-16 optimum 294.25
    # the checker is not vacuous: the first route with a pickup and its delivery swapped is refused
    seq = [int(v) for v in first.split(":")[1].split()]
    p = next(v for v in seq if v <= 16)
    swapped = [p + 16 if v == p else p if v == p + 16 else v for v in seq]
    broken = tmp_path / "broken.txt"
    broken.write_text("\n".join([f"Route 1 : {' '.join(map(str, swapped))}",
                                  *(out / "a2-16.txt").read_text().splitlines()[1:]]) + "\n")
    try:
        rescore_darp(darp_dir / "a2-16.txt", broken, out / "a2-16.times.txt")
    except AssertionError:
        pass
    else:
        raise AssertionError("the checker accepted a delivery before its pickup")
