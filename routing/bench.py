"""Benchmark one public instance: parse, solve, validate, score on the float data.

Used by ``benchmarks/darp.py``, ``benchmarks/lilim.py`` and the CLI command
``sen-transport routes bench darp FILE --time-limit S``.
"""

from __future__ import annotations

import time
from pathlib import Path

from routing import lns
from routing.instances import BenchmarkInstance, read_cordeau, read_lilim
from routing.plan import Plan
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


def bench_darp(path: str | Path, time_limit_s: float) -> dict:
    """Solve one Cordeau DARP file: ``{"instance", "objective", "feasible", "seconds", ...}``.

    ``objective`` is the Euclidean route length on the float data; ``feasible`` means every
    request is routed and both the validator and the float check find nothing.
    """
    inst = read_cordeau(path)
    lns.warm_up()
    started = time.monotonic()
    plan = solve(inst.problem, darp_params(time_limit_s))
    return _score(inst, plan, time.monotonic() - started)


def bench_lilim(path: str | Path, time_limit_s: float) -> dict:
    """Solve one Li & Lim PDPTW file (vehicles first, then distance); as ``bench_darp``."""
    inst = read_lilim(path)
    lns.warm_up()
    started = time.monotonic()
    plan = solve(inst.problem, lilim_params(time_limit_s))
    return _score(inst, plan, time.monotonic() - started)
