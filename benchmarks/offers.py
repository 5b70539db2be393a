"""Benchmark: the right offer for each child of the 300-child sample, with the sample decisions.

The sample cohort (``scenario generate``, seed 1) is planned as in ``sample_routes.py``; each child
gets a synthetic Transport Information Form (``transport/planning/tif.py``: EHC plan naming the
school, SEN mobility, and the documented mix of ``can_use_public_transport`` and
``travel_training_candidate``) and is decided under the Kent policy. Then, for every child on a
route: the seat's marginal cost (their stops removed and the route and its neighbours
re-optimised by the LNS), the PTB, pass and travel training the policy allows, the cheapest
suitable offer; and the annual saving if every family with a cheaper offer accepts it, found by
re-planning without those children and validating the new plan (never by adding up marginal
costs). Asserts nothing; the last line is one JSON object.

    python benchmarks/offers.py [--children 300] [--seed 1] [--time-limit 60] [--replan-time 30]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the packages, not benchmarks/eligibility.py

from eligibility.policy import load_policy  # noqa: E402
from eligibility.service import Assessor  # noqa: E402
from transport.planning.cohort import generate_scenario  # noqa: E402
from transport.planning.offers import offers_report  # noqa: E402
from transport.planning.plan import build_problem, plan_scenario  # noqa: E402
from transport.planning.tif import synthetic_applications  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--children", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--replan-time", type=float, default=30.0)
    args = ap.parse_args()
    scenario = generate_scenario(args.children, args.seed)
    doc = plan_scenario(scenario, time_limit_s=args.time_limit)
    print(f"plan: {len(doc.plan.routes)} routes, £{doc.plan.cost.total / 100:,.2f}/day, "
          f"{len(doc.violations)} violations ({doc.timings['solve_s']:.0f} s)")
    policy = load_policy("kent")
    decisions, errors = Assessor.from_settings("kent").assess_many(synthetic_applications(scenario, seed=args.seed))
    print(f"decisions: {len(decisions)} ({sum(d.eligible for d in decisions)} eligible), {len(errors)} errors")
    built = build_problem(scenario)
    report = offers_report(built.problem, doc.plan, [d.model_dump(mode="json") for d in decisions], policy,
                           replan_s=args.replan_time)
    cheapest = Counter(o.cheapest for o in report.offers)
    cheaper = sum(n for kind, n in cheapest.items() if kind != "seat")
    seat_total = sum(c.daily_pence for c in report.seat_costs.values())
    print(f"seat marginal costs: {len(report.seat_costs)} children in {report.marginal_s:.1f} s; their sum "
          f"£{seat_total / 100:,.2f}/day against the plan's £{doc.plan.cost.total / 100:,.2f}/day (seats interact)")
    print(f"cheapest suitable offer: {dict(cheapest)}; {cheaper} children with a cheaper offer than their seat")
    acc = report.accepted
    annual = acc.annual_saving_pence if acc is not None else 0
    replan_s = acc.seconds if acc is not None else 0.0
    if acc is not None:
        print(f"if they all accept: {acc.workings}; re-planned in {acc.seconds:.1f} s, "
              f"independent validator: {acc.violations} violations")
    print(json.dumps({"children": len(report.offers), "cheaper_offer": cheaper, "annual_saving": annual,
                      "marginal_s": round(report.marginal_s, 2), "replan_s": round(replan_s, 2)}))


if __name__ == "__main__":
    main()
