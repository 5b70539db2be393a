"""Eligibility benchmark: 20,000 synthetic applications on the real Rutland walk and drive networks.

Homes are real postcode centroids (Code-Point Open, Rutland cut); schools are the 24 real
Rutland schools; children, needs and school choices are synthetic (seed 2025). Timed end to
end, including loading the networks (from the on-disk cache), schools and postcodes; the
process CPU seconds are printed too (wall time on a shared machine waits for other work).
With ``--check`` every decision is also made on the reference path (``eligibility.reference``:
routes drawn one at a time, every model validated) and compared field by field; the JSON then
says ``decisions_equal`` and the reference time in the same run. ``--workers 2`` spreads the
batch over two processes (``Assessor.workers``; the CPU seconds then include the forked
worker's). Asserts nothing; the last line is JSON, with the load average before and after.

    python benchmarks/eligibility.py [N] [--check] [--workers 2]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import sys
import time

# This file is named like the package it measures: put the project root first on the path.
sys.path[0:1] = [str(__import__("pathlib").Path(__file__).resolve().parent.parent)]

SEED = 2025
TRAVEL = dt.date(2025, 9, 3)


def synthetic(n: int, postcodes: list[str], schools: dict) -> list:
    """n synthetic applications (seeded) at real postcodes."""
    from transport.domain.models import Application, Home

    rng = random.Random(SEED)
    primary = [s for s in schools.values() if s.phase.value == "primary" and s.school_type.value == "mainstream"]
    secondary = [s for s in schools.values() if s.phase.value == "secondary" and s.school_type.value == "mainstream"]
    special = [s for s in schools.values() if s.is_special]
    out = []
    for i in range(n):
        dob = TRAVEL - dt.timedelta(days=rng.randint(5 * 365 + 200, 15 * 365))
        ehc = rng.random() < 0.04
        age = (TRAVEL - dob).days // 365
        pool = special if ehc else (primary if age < 11 else secondary)
        school = rng.choice(pool)
        out.append(Application(
            id=f"B{i:06d}", date_of_birth=dob, sex=rng.choice("FM"), home=Home(postcode=rng.choice(postcodes)),
            school_id=school.id, travel_date=TRAVEL, ehc_plan=ehc, ehc_named_school_id=school.id if ehc else None,
            sen_mobility=ehc and rng.random() < 0.7, low_income=rng.random() < 0.2,
            religious_preference="Church of England" if rng.random() < 0.1 else None))
    return out


def check(assessor, apps: list, decisions: list, errors: list) -> tuple[bool, float, int]:
    """Decide every application on the reference path: (all equal, its seconds, how many differ)."""
    from eligibility.reference import reference_decisions

    t = time.perf_counter()
    ref = reference_decisions(assessor.measurer, apps)
    ref_s = time.perf_counter() - t
    fast = iter(decisions)
    error_ids = {e.application_id for e in errors}
    differ = 0
    for app, r in zip(apps, ref):
        if isinstance(r, Exception):
            differ += app.id not in error_ids
            continue
        d = next(fast, None)
        differ += d is None or d != r or d.model_dump_json() != r.model_dump_json()
    return differ == 0 and len(decisions) == sum(not isinstance(r, Exception) for r in ref), ref_s, differ


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the forked workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def main(n: int = 20_000, *, check_all: bool = False, workers: int = 1) -> dict:
    """Run the benchmark and return the figures."""
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    c0 = _cpu_s()
    from eligibility.service import Assessor
    from transport.domain.config import SAMPLE_DATA

    assessor = Assessor.from_settings("kent", unsafe_path=SAMPLE_DATA / "unsafe_segments" / "rutland_sample.geojson")
    assessor.workers = workers
    t_load = time.perf_counter() - t0
    apps = synthetic(n, assessor.measurer.postcodes.postcodes(), assessor.measurer.schools)
    t1 = time.perf_counter()
    decisions, errors = assessor.assess_many(apps)
    total = time.perf_counter() - t0
    cpu = _cpu_s() - c0
    t_assess = time.perf_counter() - t1
    singles = []
    for app in apps[:50]:
        t = time.perf_counter()
        try:
            assessor.assess(app)
        except Exception:  # noqa: BLE001 - a row error still counts as a timed decision attempt
            pass
        singles.append(time.perf_counter() - t)
    singles.sort()
    single_ms = singles[len(singles) // 2] * 1000
    eligible = sum(d.eligible for d in decisions)
    print(f"load {t_load:.2f} s; assess {t_assess:.2f} s for {n} applications "
          f"({n / t_assess:.0f}/s); {len(decisions)} decided ({eligible} eligible), {len(errors)} errors")
    print(f"single decision (median of 50): {single_ms:.1f} ms")
    print(f"cpu {cpu:.2f} s for load + assess")
    result = {"applications": n, "errors": len(errors), "total_s": round(total, 2), "cpu_s": round(cpu, 2),
              "processes": workers, "assess_s": round(t_assess, 2), "per_second": round(n / total, 1),
              "single_decision_ms": round(single_ms, 2)}
    if check_all:
        equal, ref_s, differ = check(assessor, apps, decisions, errors)
        print(f"reference path: {ref_s:.2f} s for the same {n}; {differ} decisions differ")
        result |= {"decisions_equal": equal, "reference_assess_s": round(ref_s, 2),
                   "speedup_vs_reference": round(ref_s / t_assess, 2)}
    result["load"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    argv = sys.argv[1:]
    n_workers = int(argv[argv.index("--workers") + 1]) if "--workers" in argv else 1
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--workers")]
    main(int(args[0]) if args else 20_000, check_all="--check" in argv, workers=n_workers)
