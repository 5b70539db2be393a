"""Today's network as the baseline: import the routes a council runs, see what is wrong with
them, cost them, and compare a better day against them.

``import_today`` reads the routes table (:mod:`transport.io.routes_csv`), builds each route's
weekly morning and afternoon duties, times them on every weekday on the real roads (with
feasible schedules where one exists; where none does, with the ride limits and then the latest
window times let go, so the breach shows) and runs the independent day validator. The network
is **validated but not refused**: its breaches are listed per route. It is costed under the
tariff and at its contract prices (the tariff where a price is unknown).

``compare_days`` sets two day plans side by side: saving per day and per school year, vehicles
by type, miles, dead miles, children over their ride limit before and after, and the children
whose route changes (a child's route is the set of children on their morning run and the type
of vehicle).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from routing.day import DayPlan, Duty
from routing.day_baselines import with_fleet
from routing.day_solve import (
    RELAX_WINDOWS,
    assemble,
    duty_day_cost,
    layout_for,
    solve_day,
    with_between,
)
from routing.plan import Unassigned, UnassignedReason
from routing.solve import SolveParams
from routing.validate import check_day
from transport.domain.errors import InputError
from transport.domain.scenario import Scenario
from transport.io.routes_csv import TodayRoute, read_routes
from transport.planning.day import BuiltDay, DayPlanDocument, build_day_problem, violation_dicts

IMPORTED = "imported"


def today_problem(built: BuiltDay, plan: DayPlan):
    """The day problem today's network is checked against: as many vehicles of each type as it
    runs (today's contracts, not the planning fleet) and its own afternoon arrangement."""
    hired = with_fleet(built.problem, len(plan.duties))
    return replace(hired, afternoon=plan.afternoon)


def import_today(scenario: Scenario, path: str | Path, *, built: BuiltDay | None = None,
                 network=None) -> DayPlanDocument:
    """Today's routes as a timed, costed and validated day plan document (breaches listed)."""
    built = built or build_day_problem(scenario, network=network)
    routes = read_routes(path, children=set(scenario.child_of_trip()),  # a shared placement: child@school
                         vehicle_types={v.id for v in scenario.fleet})
    started = time.perf_counter()
    problem = with_fleet(built.problem, len(routes))
    am_by = problem.am_week._request_by_id()
    duties, refs, index = [], [], {}
    for route in routes:
        vt = problem.am_week.vehicle_type(route.vehicle_type)
        reqs = [am_by[c] for _, kind, c in route.am if kind == "pickup"]
        pa = route.assistant if route.assistant is not None else any(r.needs_assistant for r in reqs)
        layout = layout_for(vt, reqs, pa) or max(vt.layouts, key=lambda lay: (lay.wheelchairs, lay.seats))
        k = index.get(vt.id, 0)
        index[vt.id] = k + 1
        duties.append(with_between(problem, Duty(vt.id, k, layout, pa, route.order("am"), route.order("pm"))))
        refs.append(_route_meta(route))
    carried = {c for d in duties for c in d.children("am")}
    missing = [Unassigned(rid, UnassignedReason.NOT_ON_TODAYS_NETWORK, "no route in today's network carries this child")
               for rid in scenario.child_of_trip() if rid not in carried]
    am_ids = [d.children("am") for d in duties]
    same = all(sorted(a) == sorted(d.children("pm")) for a, d in zip(am_ids, duties))
    problem = replace(problem, afternoon="same_vehicle" if same else "free")
    plan = assemble(problem, duties, missing, {"solver": "imported", "routes": refs}, relax=RELAX_WINDOWS)
    contract = contract_costs(problem, plan, refs)
    plan = replace(plan, meta={**plan.meta, "contract_cost_pence_by_weekday": contract})
    doc = DayPlanDocument(scenario=scenario, plan=plan, locations=built.locations, source=IMPORTED,
                          timings={"matrix_s": round(built.matrix_s, 3), "import_s": round(time.perf_counter() - started, 3)})
    doc.violations = violation_dicts(check_day(today_problem(built, plan), plan))
    return doc


def _route_meta(route: TodayRoute) -> dict[str, Any]:
    return {"route_ref": route.ref, "operator": route.operator, "contract_day_pence": route.contract_day_pence}


def contract_costs(problem, plan: DayPlan, refs: list[dict[str, Any]]) -> dict[str, int]:
    """Per weekday: what the contracts cost (each running route's day price; the tariff's day
    cost of the route where its price is unknown)."""
    out = {}
    for day in plan.days:
        am = {(r.vehicle_type_id, r.vehicle_index): r for r in day.am.routes}
        pm = {(r.vehicle_type_id, r.vehicle_index): r for r in day.pm.routes}
        total = 0
        for duty, meta in zip(plan.duties, refs):
            key = (duty.vehicle_type_id, duty.vehicle_index)
            if key not in am and key not in pm:
                continue
            price = meta.get("contract_day_pence")
            total += price if price is not None else duty_day_cost(problem, duty, am.get(key), pm.get(key)).total_pence
        out[day.weekday] = total
    return out


def breaches_by_route(doc: DayPlanDocument) -> dict[str, list[str]]:
    """The validator's findings grouped by route reference (or ``D001``... for planned days)."""
    refs = doc.plan.meta.get("routes") or []
    label = {}
    for k, duty in enumerate(doc.plan.duties):
        name = refs[k]["route_ref"] if k < len(refs) else f"D{k + 1:03d}"
        label[(duty.vehicle_type_id, duty.vehicle_index)] = name
    out: dict[str, list[str]] = {}
    for v in doc.violations:
        name = "plan"
        if v.get("weekday") and v.get("run") and v.get("route_index") is not None:
            day = next(d for d in doc.plan.days if d.weekday == v["weekday"])
            routes = (day.am if v["run"] == "am" else day.pm).routes
            if v["route_index"] < len(routes):
                r = routes[v["route_index"]]
                name = label.get((r.vehicle_type_id, r.vehicle_index), name)
        elif v.get("weekday") is None and v.get("route_index") is not None and v["route_index"] < len(doc.plan.duties):
            d = doc.plan.duties[v["route_index"]]
            name = label.get((d.vehicle_type_id, d.vehicle_index), name)
        out.setdefault(name, []).append(f"{v['cause']}: {v['detail']}")
    return out


def route_of_each_child(doc: DayPlanDocument) -> dict[str, tuple[str, frozenset[str]]]:
    """Each carried child's route: the vehicle type and the children on their morning run."""
    out = {}
    for duty in doc.plan.duties:
        riders = frozenset(duty.children("am"))
        for child in riders:
            out[child] = (duty.vehicle_type_id, riders)
    return out


@dataclass(frozen=True)
class DayComparison:
    """Two day plans side by side (``a`` before, ``b`` after) and the children who move."""

    a: dict[str, Any]
    b: dict[str, Any]
    children_moved: tuple[str, ...]
    school_days: int

    @property
    def saving_day_pence(self) -> int:
        """What ``b`` saves on a mean school day against ``a`` (``a``'s contract prices when it
        has them, else its tariff cost)."""
        return self.a.get("contract_day_cost_pence", self.a["day_cost_pence"]) - self.b["day_cost_pence"]

    @property
    def saving_year_pence(self) -> int:
        """The same saving over the school year."""
        return self.a.get("contract_year_cost_pence", self.a["year_cost_pence"]) - self.b["year_cost_pence"]

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(figure, A, B, B - A)`` rows for printing."""

        def money(p: int) -> str:
            return f"£{p / 100:,.2f}"

        a, b = self.a, self.b
        out = [("cost per day (tariff)", money(a["day_cost_pence"]), money(b["day_cost_pence"]),
                money(b["day_cost_pence"] - a["day_cost_pence"]))]
        if "contract_day_cost_pence" in a:
            out.append(("cost per day (contract prices)", money(a["contract_day_cost_pence"]), "",
                        ""))
        out += [("cost per school year (tariff)", money(a["year_cost_pence"]), money(b["year_cost_pence"]),
                 money(b["year_cost_pence"] - a["year_cost_pence"])),
                ("vehicles", str(a["vehicles"]), str(b["vehicles"]), f"{b['vehicles'] - a['vehicles']:+d}")]
        for t in sorted(set(a["vehicles_by_type"]) | set(b["vehicles_by_type"])):
            na, nb = a["vehicles_by_type"].get(t, 0), b["vehicles_by_type"].get(t, 0)
            out.append((f"  {t}", str(na), str(nb), f"{nb - na:+d}"))
        for key, label in (("miles_per_day", "miles per day"), ("dead_miles_per_day", "dead miles per day")):
            out.append((label, f"{a[key]:,}", f"{b[key]:,}", f"{b[key] - a[key]:+,.1f}"))
        out += [("children over ride limit (any weekday)", str(a["over_limit_any_weekday"]),
                 str(b["over_limit_any_weekday"]), f"{b['over_limit_any_weekday'] - a['over_limit_any_weekday']:+d}"),
                ("children not carried", str(len(a["unassigned"])), str(len(b["unassigned"])),
                 f"{len(b['unassigned']) - len(a['unassigned']):+d}")]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (what the API returns)."""
        keep = ("day_cost_pence", "year_cost_pence", "contract_day_cost_pence", "contract_year_cost_pence",
                "vehicles", "vehicles_by_type", "miles_per_day", "dead_miles_per_day", "over_limit_any_weekday")
        return {"a": {k: self.a[k] for k in keep if k in self.a}, "b": {k: self.b[k] for k in keep if k in self.b},
                "saving_day_pence": self.saving_day_pence, "saving_year_pence": self.saving_year_pence,
                "school_days_per_year": self.school_days, "children_moved": list(self.children_moved)}


def compare_days(a: DayPlanDocument, b: DayPlanDocument) -> DayComparison:
    """Compare two day plans of the same children (e.g. today's network and a new plan)."""
    if {c.id for c in a.scenario.children} != {c.id for c in b.scenario.children}:
        raise InputError("the two day plans carry different children; compare plans of one scenario")
    ra, rb = route_of_each_child(a), route_of_each_child(b)
    moved = tuple(sorted(c for c in set(ra) | set(rb) if ra.get(c) != rb.get(c)))
    return DayComparison(a.kpis(), b.kpis(), moved, b.scenario.policy.school_days_per_year)


def today_rows(doc: DayPlanDocument, *, contract_day_pence: dict[int, int | None] | None = None,
               operators: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """A day plan written back as a routes table (the import format), one row per child per route."""
    rows = []
    for k, duty in enumerate(doc.plan.duties):
        ref = f"R-{k + 1:03d}"
        pos = {}
        for run, order in (("am", duty.am), ("pm", duty.pm)):
            for i, (kind, child) in enumerate(order, start=1):
                pos[(run, kind, child)] = i
        price = (contract_day_pence or {}).get(k)
        for child in duty.children("am"):
            rows.append({"route_ref": ref, "operator": (operators or {}).get(k, ""), "vehicle_type": duty.vehicle_type_id,
                         "contract_day_price": f"{price / 100:.2f}" if price is not None else "",
                         "passenger_assistant": "yes" if duty.has_assistant else "no", "child_id": child,
                         "am_pickup": pos[("am", "pickup", child)], "am_drop": pos[("am", "delivery", child)],
                         "pm_pickup": pos[("pm", "pickup", child)], "pm_drop": pos[("pm", "delivery", child)]})
    return rows


def disruption(before: DayPlan, after: DayPlan) -> int:
    """Extra vehicles today's routes are spread over: for each current route, the number of
    new vehicles its children ride in the morning, less one (0 when it is kept whole)."""
    where = {c: (d.vehicle_type_id, d.vehicle_index) for d in after.duties for c in d.children("am")}
    extra = 0
    for duty in before.duties:
        spread = {where[c] for c in duty.children("am") if c in where}
        extra += max(0, len(spread) - 1)
    return extra


@dataclass(frozen=True)
class DayRerun:
    """The chosen day plan, what it saves against today's contracts, and who moves."""

    doc: DayPlanDocument
    candidate: str
    saving_day_pence: int
    disruption: int
    moved: tuple[str, ...]
    candidates: dict[str, dict[str, int]]


def rerun_day(today: DayPlanDocument, *, disruption_penalty_pence: int, time_limit_s: float,
              built: BuiltDay | None = None, network=None) -> DayRerun:
    """Re-plan from today's network, trading the saving against children moved off their route.

    Two candidates, each planned, timed on every weekday and validated: **mend** keeps every
    route of today that breaks no rule on any weekday and re-plans only the children of the
    others (over-limit rides, over-full vehicles...) on the vehicles left; **re-plan** plans
    the whole day with ``disruption_penalty_pence`` per extra vehicle a current route's
    children are spread over **inside the search's objective** (``solve_day(current=...)``).
    The one with the lower day cost plus that penalty wins; a candidate with breaches or more
    children left out never does.
    """
    scenario = today.scenario
    built = built or build_day_problem(scenario, network=network)
    hired = replace(today_problem(built, today.plan), afternoon=built.problem.afternoon)
    counts = {vt.id: vt.count for vt in hired.am_week.vehicle_types}
    params = SolveParams(time_limit_s=time_limit_s)
    broken = set(breaches_by_route(today))
    refs = today.plan.meta.get("routes") or []
    kept = [d for k, d in enumerate(today.plan.duties)
            if (refs[k]["route_ref"] if k < len(refs) else f"D{k + 1:03d}") not in broken]
    candidates: dict[str, DayPlan] = {}
    redo = sorted({c for d in today.plan.duties if d not in kept for c in d.children("am")}
                  | {u.request_id for u in today.plan.unassigned})
    left = dict(counts)
    for d in kept:
        left[d.vehicle_type_id] -= 1
    if redo:
        part = solve_day(hired.only(redo, counts=left), params)
        next_index = {t: max([d.vehicle_index for d in kept if d.vehicle_type_id == t], default=-1) + 1 for t in counts}
        new = []
        for d in part.duties:
            new.append(replace(d, vehicle_index=next_index[d.vehicle_type_id]))
            next_index[d.vehicle_type_id] += 1
        candidates["mend"] = assemble(hired, kept + new, list(part.unassigned), {"solver": "rerun: mend"})
    else:
        candidates["mend"] = assemble(hired, kept, [], {"solver": "rerun: mend"})
    current = [tuple(d.children("am")) for d in today.plan.duties]
    candidates["re-plan"] = solve_day(hired, params, current=current, disruption_penalty_pence=disruption_penalty_pence)
    scored = {}
    for name, plan in candidates.items():
        violations = check_day(hired, plan)
        cost = plan.mean_day_cost_pence()
        scored[name] = {"day_cost_pence": cost, "disruption": disruption(today.plan, plan),
                        "unassigned": len(plan.unassigned), "violations": len(violations)}
    valid = [n for n in scored if scored[n]["violations"] == 0]
    if not valid:
        raise InputError("no rerun candidate passed the validator; today's network stands")
    best = min(valid, key=lambda n: (scored[n]["unassigned"],
                                     scored[n]["day_cost_pence"] + disruption_penalty_pence * scored[n]["disruption"]))
    plan = candidates[best]
    doc = DayPlanDocument(scenario=scenario, plan=replace(plan, meta={**plan.meta, "rerun_from": "today"}),
                          locations=today.locations)
    doc.violations = violation_dicts(check_day(hired, doc.plan))
    before = route_of_each_child(today)
    after = route_of_each_child(doc)
    moved = tuple(sorted(c for c in before if before[c] != after.get(c)))
    saving = today.kpis().get("contract_day_cost_pence", today.kpis()["day_cost_pence"]) - plan.mean_day_cost_pence()
    return DayRerun(doc, best, saving, scored[best]["disruption"], moved, scored)
