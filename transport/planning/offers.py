"""The right offer for each child: a seat on a vehicle, a personal transport budget (PTB), a
public transport pass or independent travel training, each with its workings.

A seat costs what the plan saves without the child: their stops are removed, the route they
were on and its neighbours (routes to the same schools, nearest first) are re-optimised by the
LNS, and the marginal cost is the neighbourhood's cost before minus after. The neighbourhood is
re-optimised *with* the child for the same time too, and the cheaper of that and the plan is
"before", so the figure is not flattered by improvements that have nothing to do with the child.

The saving if a set of families accept their cheaper offer is never a sum of marginal costs
(seats interact): the plan is re-planned without those children, validated by the independent
validator, and compared with the plan plus the alternatives' cost.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from eligibility.offer import decision_ptb_distance_m, pounds, ptb_value
from eligibility.policy import Policy
from routing import lns
from routing.insertion import retime, route_cost, stop_order
from routing.plan import Plan, Route, StopKind
from routing.problem import Request, RoutingProblem
from routing.solve import SolveParams, solve
from routing.validate import check, recompute_cost
from transport.domain.errors import InputError, RoutingError

# ------------------------------------------------------------------------------ seat cost


@dataclass(frozen=True)
class SeatCost:
    """What carrying one child costs the plan a day (pence), and how it was found."""

    request_id: str
    route_index: int
    daily_pence: int
    before_pence: int
    after_pence: int
    routes_reoptimised: tuple[int, ...]
    reoptimised: bool
    workings: str


def _neighbourhood(problem: RoutingProblem, routes: Sequence[Route], k: int, size: int) -> list[int]:
    """Route ``k`` and up to ``size`` other routes, those sharing a school first, then nearest
    by the drive time between their first pickups."""
    def schools(route: Route) -> set[int]:
        return {s.location for s in route.stops if s.kind is StopKind.DELIVERY}

    def first_pickup(route: Route) -> int:
        return next((s.location for s in route.stops if s.kind is StopKind.PICKUP), route.stops[0].location)

    mine, here = schools(routes[k]), first_pickup(routes[k])
    others = [j for j in range(len(routes)) if j != k]
    others.sort(key=lambda j: (not (schools(routes[j]) & mine), int(problem.duration_s[here, first_pickup(routes[j])])))
    return [k] + others[:size]


def _subproblem(problem: RoutingProblem, routes: Sequence[Route], chosen: Sequence[int],
                drop: Iterable[str] = ()) -> tuple[RoutingProblem, list[Route]]:
    """The requests on ``chosen`` routes (less ``drop``) with the vehicles the rest of the plan
    leaves free; the chosen routes renumbered onto those vehicles, ``drop`` removed and retimed."""
    drop = set(drop)
    by_id = {r.id: r for r in problem.requests}
    keep_ids = [rid for j in chosen for rid in routes[j].request_ids() if rid not in drop]
    keep = set(keep_ids)
    requests = tuple(replace(by_id[rid], incompatible_with=frozenset(by_id[rid].incompatible_with & keep))
                     for rid in keep_ids)
    outside: dict[str, int] = {}
    for j, route in enumerate(routes):
        if j not in chosen:
            outside[route.vehicle_type_id] = outside.get(route.vehicle_type_id, 0) + 1
    types = tuple(replace(vt, count=max(0, vt.count - outside.get(vt.id, 0))) for vt in problem.vehicle_types)
    sub = problem.replace(requests=requests, vehicle_types=types, name=f"{problem.name} (neighbourhood)")
    return sub, _without(sub, [routes[j] for j in chosen], drop)


def _without(sub: RoutingProblem, routes: Sequence[Route], drop: set[str]) -> list[Route]:
    """``routes`` without the children in ``drop``, renumbered onto ``sub``'s vehicles of each type and,
    when anyone was dropped, retimed (emptied routes disappear)."""
    by_id = {r.id: r for r in sub.requests}
    used: dict[str, int] = {}
    out = []
    for k, route in enumerate(routes):
        order = [(kind, rid) for kind, rid in stop_order(route) if rid not in drop]
        if not order:
            continue
        n = used.get(route.vehicle_type_id, 0)
        used[route.vehicle_type_id] = n + 1
        moved = replace(route, vehicle_index=n)
        timed = retime(sub, moved, order, by_id) if drop else moved
        if timed is None:  # removing a child never makes a route infeasible; guard all the same
            raise RoutingError(f"route {k + 1} of the neighbourhood could not be retimed without the removed children")
        out.append(timed)
    return out


def _cost(problem: RoutingProblem, routes: Iterable[Route]) -> int:
    return sum(route_cost(problem, r) for r in routes)


def _reoptimise(sub: RoutingProblem, routes: list[Route], seconds: float, seed: int) -> tuple[int, bool]:
    """The neighbourhood's cost after the LNS (kept only if the validator accepts it)."""
    start = _cost(sub, routes)
    if not sub.requests or seconds <= 0:
        return start, False
    todo = list(range(len(sub.requests)))
    if lns.unsupported_reason(sub, todo) is not None:
        return start, False
    plan = Plan(tuple(routes), (), recompute_cost(sub, Plan(tuple(routes))), {})
    better, _ = lns.improve(sub, todo, plan, time.monotonic() + seconds, seed=seed, route_elimination_share=0.3)
    if better.unassigned or check(sub, better):
        return start, False
    return min(start, recompute_cost(sub, better).total), True


def seat_costs(problem: RoutingProblem, plan: Plan, *, neighbours: int = 2, seconds: float = 0.05,
               seed: int = 0, only: Iterable[str] | None = None) -> dict[str, SeatCost]:
    """Marginal daily cost of every routed child (or of ``only`` those), re-optimised locally."""
    lns.warm_up()
    wanted = set(only) if only is not None else None
    routes = list(plan.routes)
    out: dict[str, SeatCost] = {}
    for k, route in enumerate(routes):
        ids = [rid for rid in route.request_ids() if wanted is None or rid in wanted]
        if not ids:
            continue
        chosen = _neighbourhood(problem, routes, k, neighbours)
        sub, sub_routes = _subproblem(problem, routes, chosen)
        before, _ = _reoptimise(sub, sub_routes, seconds, seed)
        before = min(before, _cost(problem, (routes[j] for j in chosen)))
        for rid in ids:
            sub2, rest = _subproblem(problem, routes, chosen, drop=[rid])
            after, reopt = _reoptimise(sub2, rest, seconds, seed)
            daily = max(0, before - after)
            how = (f"the LNS re-optimised route {k + 1}" + (f" and {len(chosen) - 1} neighbouring route(s)"
                                                           if len(chosen) > 1 else "")
                   if reopt else f"route {k + 1} re-timed without the child's stops")
            out[rid] = SeatCost(rid, k, daily, before, after, tuple(chosen), reopt,
                                f"routes {', '.join(str(j + 1) for j in chosen)} cost {pounds(before)} a day with "
                                f"the child and {pounds(after)} without ({how}): {pounds(daily)} a day")
    return out


# ------------------------------------------------------------------------------ offers


@dataclass(frozen=True)
class OfferOption:
    """One way of getting a child to school: its annual cost to the council and the workings."""

    kind: str  # seat | ptb | pass | travel_training
    name: str
    annual_pence: int
    suitable: bool
    reason: str
    workings: str
    rule: str


@dataclass(frozen=True)
class ChildOffers:
    """Every offer the policy allows a child, the cheapest suitable one and its saving."""

    child_id: str
    school_id: str
    options: tuple[OfferOption, ...]
    cheapest: str
    saving_vs_seat_pence: int
    attendance_share: float = 1.0

    def option(self, kind: str) -> OfferOption | None:
        """The option of one kind, if offered."""
        return next((o for o in self.options if o.kind == kind), None)


def child_offers(decision: dict[str, Any], seat: SeatCost | None, policy: Policy, *,
                 attendance_days: int = 5, start: dt.date | None = None, officer_override: bool = False) -> ChildOffers:
    """The offers for one eligible child from their decision (a decision document as written by
    ``eligibility assess``) and their seat's marginal cost."""
    cid = decision["application_id"]
    if not decision.get("eligible"):
        raise InputError(f"child {cid}: not eligible, so no offer is made")
    inputs = decision.get("inputs") or {}
    days = policy.alternatives.school_days_per_year
    share = max(0, min(5, attendance_days)) / 5
    opts: list[OfferOption] = []
    if seat is not None:
        annual = round(seat.daily_pence * days * share)
        opts.append(OfferOption("seat", "a seat on council-arranged transport", annual, True, "",
                                f"{seat.workings}; x {days} school days"
                                + (f" x {attendance_days}/5 days attended" if share < 1 else "")
                                + f" = {pounds(annual)} a year", "seat-marginal-cost"))
    # PTB
    ptb = policy.ptb
    distance = decision_ptb_distance_m(policy, decision)
    if distance is not None:
        when = start or dt.date.fromisoformat(inputs.get("travel_date") or dt.date.today().isoformat())
        value, workings = ptb_value(policy, distance, when)
        value = round(value * share)
        cites = (ptb.banded.cites if ptb.banded else ptb.per_mile.cites if ptb.per_mile else "")
        opts.append(OfferOption("ptb", "a personal transport budget", value, True, "",
                                workings + (f"; x {attendance_days}/5 days attended = {pounds(value)}"
                                            if share < 1 else ""), cites or "ptb"))
    needs_pa, alone, chair = (bool(inputs.get("passenger_assistant")), bool(inputs.get("travel_alone")),
                              bool(inputs.get("wheelchair")))
    age = int(inputs.get("age", 0))
    pt = policy.alternatives.public_transport_pass
    if pt is not None:
        why = ("" if inputs.get("can_use_public_transport") else "the Transport Information Form does not say the "
               "child can use public transport")
        if needs_pa or alone:
            why = "the child needs a passenger assistant or must travel alone"
        elif age < pt.min_age:
            why = f"a pass is offered from age {pt.min_age}"
        annual = round(pt.annual_pence * share) if share < 1 else pt.annual_pence
        opts.append(OfferOption("pass", "a public transport pass", annual, not why, why,
                                f"pass at {pounds(pt.annual_pence)} a year", pt.cites or "public-transport-pass"))
    tt = policy.alternatives.travel_training
    if tt is not None and pt is not None:
        why = "" if inputs.get("travel_training_candidate") else "not flagged as a travel training candidate"
        if not why and age < tt.min_age:
            why = f"travel training is offered from age {tt.min_age}"
        excluded = [name for flag, on, name in ((chair, tt.exclude_wheelchair_users, "uses a wheelchair"),
                                                (needs_pa, tt.exclude_passenger_assistant, "needs a passenger assistant"),
                                                (alone, tt.exclude_travel_alone, "must travel alone")) if flag and on]
        if not why and excluded and not officer_override:
            why = "the child " + " and ".join(excluded) + " (an officer may override)"
        first_year = tt.one_off_pence + pt.annual_pence
        opts.append(OfferOption("travel_training", "independent travel training, then a pass", first_year, not why,
                                why, f"training {pounds(tt.one_off_pence)} once + pass {pounds(pt.annual_pence)} a "
                                     f"year = {pounds(first_year)} in the first year, {pounds(pt.annual_pence)} after",
                                tt.cites or "travel-training"))
    suitable = [o for o in opts if o.suitable]
    if not suitable:
        raise InputError(f"child {cid}: no suitable offer (not on a route in the plan)")
    best = min(suitable, key=lambda o: (o.annual_pence, o.kind != "seat"))
    seat_opt = next((o for o in opts if o.kind == "seat"), None)
    saving = (seat_opt.annual_pence - best.annual_pence) if seat_opt is not None else 0
    return ChildOffers(cid, decision.get("school_id", ""), tuple(opts), best.kind, saving, share)


# ------------------------------------------------------------------------------ re-planned saving


@dataclass(frozen=True)
class AcceptedSaving:
    """The plan re-planned without the children who accept another offer, validated."""

    children: tuple[str, ...]
    plan: Plan
    daily_before_pence: int
    daily_after_pence: int
    alternatives_annual_pence: int
    annual_saving_pence: int
    school_days: int
    violations: int
    seconds: float
    workings: str = field(default="")


def replan_without(problem: RoutingProblem, plan: Plan, leave: Sequence[str], *, time_limit_s: float = 20.0,
                   ) -> tuple[RoutingProblem, Plan]:
    """The problem without ``leave`` and a validated plan for it (warm-started from ``plan``)."""
    gone = set(leave)
    keep = tuple(replace(r, incompatible_with=frozenset(r.incompatible_with - gone))
                 for r in problem.requests if r.id not in gone)
    sub = problem.replace(requests=keep)
    routes = _without(sub, plan.routes, gone)
    start = Plan(tuple(routes), tuple(u for u in plan.unassigned if u.request_id not in gone),
                 recompute_cost(sub, Plan(tuple(routes))), {"solver": "removal"})
    if time_limit_s > 0 and keep:
        new = solve(sub, SolveParams(time_limit_s=time_limit_s, lns_share=0.9), initial_plan=start)
        if not check(sub, new) and len(new.unassigned) <= len(start.unassigned) \
                and recompute_cost(sub, new).total <= start.cost.total:
            start = new
    return sub, start


def accepted_saving(problem: RoutingProblem, plan: Plan, offers: Sequence[ChildOffers], policy: Policy, *,
                    time_limit_s: float = 20.0) -> AcceptedSaving:
    """Annual saving if every family in ``offers`` accepts its cheapest offer: re-planned."""
    started = time.monotonic()
    leaving = [o for o in offers if o.cheapest != "seat"]
    sub, new = replan_without(problem, plan, [o.child_id for o in leaving], time_limit_s=time_limit_s)
    violations = check(sub, new)
    days = policy.alternatives.school_days_per_year
    before = recompute_cost(problem, plan).total
    after = recompute_cost(sub, new).total
    alternatives = sum(next(x.annual_pence for x in o.options if x.kind == o.cheapest) for o in leaving)
    saving = (before - after) * days - alternatives
    workings = (f"{len(leaving)} children take another offer: the plan re-planned without them costs "
                f"{pounds(after)} a day instead of {pounds(before)} ({pounds((before - after) * days)} a year over "
                f"{days} school days), less {pounds(alternatives)} a year for their offers = {pounds(saving)} a year")
    return AcceptedSaving(tuple(o.child_id for o in leaving), new, before, after, alternatives, saving, days,
                          len(violations), time.monotonic() - started, workings)


def plan_request_ids(plan: Plan) -> set[str]:
    """Every child the plan carries."""
    return {rid for route in plan.routes for rid in route.request_ids()}


def request_of(problem: RoutingProblem, rid: str) -> Request:
    """The request of a child, or an input error naming them."""
    try:
        return problem.request(rid)
    except KeyError:
        raise InputError(f"child {rid}: not in the plan") from None


# ------------------------------------------------------------------------------ the report


@dataclass(frozen=True)
class OffersReport:
    """Offers for every child in a plan, and the re-planned saving if the chosen families accept."""

    offers: tuple[ChildOffers, ...]
    seat_costs: dict[str, SeatCost]
    not_offered: dict[str, str]
    """Children in the plan with no offer here, and why (no decision, not eligible)."""
    accepted: AcceptedSaving | None
    marginal_s: float

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per child (for CSV)."""
        out = []
        for o in self.offers:
            row: dict[str, Any] = {"child_id": o.child_id, "school_id": o.school_id, "status": "offers",
                                   "cheapest": o.cheapest, "saving_vs_seat_pence": o.saving_vs_seat_pence}
            for kind in ("seat", "ptb", "pass", "travel_training"):
                opt = o.option(kind)
                row[f"{kind}_annual_pence"] = opt.annual_pence if opt is not None else ""
                row[f"{kind}_suitable"] = ("yes" if opt.suitable else f"no: {opt.reason}") if opt is not None else ""
            row["workings"] = " | ".join(f"{x.kind}: {x.workings}" for x in o.options)
            out.append(row)
        for cid, why in sorted(self.not_offered.items()):
            out.append({"child_id": cid, "status": why})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form: offers with workings, seat costs and the re-planned saving."""
        acc = self.accepted
        return {
            "format": "sen-transport/offers/1",
            "marginal_s": round(self.marginal_s, 3),
            "children": [{"child_id": o.child_id, "school_id": o.school_id, "cheapest": o.cheapest,
                          "saving_vs_seat_pence": o.saving_vs_seat_pence, "attendance_share": o.attendance_share,
                          "options": [vars(x) for x in o.options]} for o in self.offers],
            "not_offered": self.not_offered,
            "accepted": None if acc is None else {
                "children": list(acc.children), "daily_before_pence": acc.daily_before_pence,
                "daily_after_pence": acc.daily_after_pence, "alternatives_annual_pence": acc.alternatives_annual_pence,
                "annual_saving_pence": acc.annual_saving_pence, "school_days": acc.school_days,
                "violations": acc.violations, "seconds": round(acc.seconds, 3), "workings": acc.workings},
        }


def offers_report(problem: RoutingProblem, plan: Plan, decisions: Sequence[dict[str, Any]], policy: Policy, *,
                  accept: Sequence[str] | None = None, replan_s: float = 20.0, neighbours: int = 2,
                  seconds: float = 0.05, attendance: dict[str, int] | None = None) -> OffersReport:
    """Offers for the plan's children from their decisions; ``accept`` names the children whose
    families accept their cheapest offer (default: every child with a cheaper suitable offer;
    an empty list skips the re-planning)."""
    carried = plan_request_ids(plan)
    by_child: dict[str, dict[str, Any]] = {}
    for d in decisions:
        cid = str(d.get("application_id", ""))
        if cid not in carried:
            raise InputError(f"child {cid}: has a decision but is not on a route in the plan")
        by_child[cid] = d
    not_offered = {cid: "no decision" for cid in carried if cid not in by_child}
    not_offered.update({cid: "not eligible" for cid, d in by_child.items() if not d.get("eligible")})
    eligible = [cid for cid in sorted(by_child) if cid not in not_offered]
    started = time.monotonic()
    costs = seat_costs(problem, plan, neighbours=neighbours, seconds=seconds, only=eligible)
    marginal_s = time.monotonic() - started
    attendance = attendance or {}
    offers = tuple(child_offers(by_child[cid], costs.get(cid), policy, attendance_days=attendance.get(cid, 5))
                   for cid in eligible)
    if accept is None:
        chosen = [o for o in offers if o.cheapest != "seat"]
    else:
        unknown = [cid for cid in accept if cid not in {o.child_id for o in offers}]
        if unknown:
            raise InputError(f"child {unknown[0]}: cannot accept an offer (no eligible decision in the plan)")
        chosen = [o for o in offers if o.child_id in set(accept)]
    acc = accepted_saving(problem, plan, chosen, policy, time_limit_s=replan_s) if chosen else None
    return OffersReport(offers, costs, not_offered, acc, marginal_s)
