"""Benchmark one public instance: parse, solve, validate, score on the float data, write the routes.

Used by ``benchmarks/darp.py``, ``benchmarks/lilim.py`` and the CLI command
``sen-transport routes bench darp FILE --time-limit S [--out DIR]``.

With an output folder, each instance's routes are written so that anyone can re-score them from
the instance file alone: ``<instance>.txt`` in the plain-text format of the published SINTEF
solutions (one line per route, ``Route 1 : 12 45 67``, the instance's node ids without depots)
and ``<instance>.times.txt`` beside it, the same lines with the start of service at each of those
nodes (instance time units, exact: the model's times are thousandths of a unit).
"""

from __future__ import annotations

import time
from pathlib import Path

from routing import lns
from routing.instances import BenchmarkInstance, read_cordeau, read_lilim
from routing.plan import Plan, Stop, StopKind
from routing.solve import SolveParams, solve
from routing.validate import check


def darp_params(time_limit_s: float) -> SolveParams:
    """The solver settings the DARP benchmark uses: two GLS runs, best kept, then LNS.

    Neither first-solution strategy dominates (at 10 s: a5-60 +1.6 % parallel vs +3.8 %
    local cheapest insertion; a6-72 +5.7 % vs +3.5 %), so the OR-Tools share is split
    between them; ``lns_share`` of the time then goes to :mod:`routing.lns`, which does most
    of the work on the larger instances (figures in the README).
    """
    return SolveParams(time_limit_s=time_limit_s, restarts=2, first_solution="parallel_cheapest_insertion",
                       alt_first_solution="local_cheapest_insertion", lns_share=0.7)


def lilim_params(time_limit_s: float) -> SolveParams:
    """The solver settings the Li & Lim benchmark uses: OR-Tools first, then the LNS with fleet
    minimisation (vehicles carry the hierarchical fixed cost) for 70 % of the time."""
    return SolveParams(time_limit_s=time_limit_s, first_solution="parallel_cheapest_insertion", lns_share=0.7)


def solution_text(plan: Plan) -> str:
    """The plan's routes as SINTEF solution lines: ``Route k : node node ...`` (depots left out)."""
    return "".join(f"Route {k} : {' '.join(str(s.location) for s in stops)}\n"
                   for k, stops in enumerate(_visits(plan), start=1))


def schedule_text(inst: BenchmarkInstance, plan: Plan) -> str:
    """The start of service at each node of :func:`solution_text`, route by route (instance units)."""
    return "".join(f"Route {k} : {' '.join(f'{s.service_start_s / inst.scale:.3f}' for s in stops)}\n"
                   for k, stops in enumerate(_visits(plan), start=1))


def _visits(plan: Plan) -> list[list[Stop]]:
    routes = [[s for s in r.stops if s.kind in (StopKind.PICKUP, StopKind.DELIVERY)] for r in plan.routes]
    return [stops for stops in routes if stops]


def write_solution(inst: BenchmarkInstance, plan: Plan, out_dir: str | Path) -> Path:
    """Write ``<instance>.txt`` (routes) and ``<instance>.times.txt`` (service starts) to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{inst.name}.txt"
    path.write_text(solution_text(plan), encoding="utf-8")
    (out / f"{inst.name}.times.txt").write_text(schedule_text(inst, plan), encoding="utf-8")
    return path


def _score(inst: BenchmarkInstance, plan: Plan, seconds: float) -> dict:
    violations = check(inst.problem, plan)
    float_violations = inst.float_violations(plan)
    return {
        "instance": inst.name,
        "objective": round(inst.float_distance(plan), 4),
        "vehicles": len(plan.routes),
        "feasible": plan.is_complete() and not violations and not float_violations,
        "violations": [v.detail for v in violations][:5] + float_violations[:5],
        "seconds": round(seconds, 2),
    }


def _bench(inst: BenchmarkInstance, params: SolveParams, out_dir: str | Path | None) -> dict:
    lns.warm_up()  # compiling the search is outside the clock
    started = time.monotonic()
    plan = solve(inst.problem, params)
    result = _score(inst, plan, time.monotonic() - started)
    if out_dir is not None:
        result["solution"] = str(write_solution(inst, plan, out_dir))
    return result


def bench_darp(path: str | Path, time_limit_s: float, out_dir: str | Path | None = None) -> dict:
    """Solve one Cordeau DARP file: ``{"instance", "objective", "feasible", "seconds", ...}``.

    ``objective`` is the Euclidean route length on the float data; ``feasible`` means every
    request is routed and both the validator and the float check find nothing. With
    ``out_dir``, the routes and service times are written there (see the module docstring).
    """
    return _bench(read_cordeau(path), darp_params(time_limit_s), out_dir)


def bench_lilim(path: str | Path, time_limit_s: float, out_dir: str | Path | None = None) -> dict:
    """Solve one Li & Lim PDPTW file (vehicles first, then distance); as ``bench_darp``."""
    return _bench(read_lilim(path), lilim_params(time_limit_s), out_dir)
