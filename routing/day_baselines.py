"""What a day plan is measured against: the naive day and a network grown the way real ones grow.

* ``naive_day``: the morning and the afternoon planned as two separate sessions (OR-Tools and
  the LNS, each run paying the vehicle's full day rate), a vehicle paid **per run**: what the
  engine charged before it knew the day.
* ``grow_network``: a "today" network as councils' networks really grow. Children arrive one
  at a time over the years in a random order; each joins the existing route to their school
  whose morning and afternoon still time on every weekday with them added at the end of the
  pickups (and the start of the drops) and a little ride-time slack, else gets a new vehicle
  (the cheapest type that fits). Some are given a taxi of their own although they could share.
  Nothing is ever re-planned.

Both return a day problem (its fleet counts raised so the baseline may hire what it needs)
and a day plan that the independent validator checks like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from routing.day import DayPlan, DayProblem, Duty, Order
from routing.day_solve import (
    RELAX_NONE,
    RELAX_RIDE,
    assemble,
    bell_classes,
    layout_for,
    on_day,
    parts,
    time_route,
    time_stretched,
    with_between,
)
from routing.plan import Unassigned, UnassignedReason
from routing.problem import RoutingProblem, VehicleType
from routing.solve import SolveParams, solve


def with_fleet(problem: DayProblem, count: int) -> DayProblem:
    """The same week with at least ``count`` vehicles of every type (a baseline's hire)."""
    def raise_counts(p: RoutingProblem) -> RoutingProblem:
        return p.replace(vehicle_types=tuple(replace(vt, count=max(vt.count, count)) for vt in p.vehicle_types))

    return replace(problem, am=tuple(map(raise_counts, problem.am)), pm=tuple(map(raise_counts, problem.pm)),
                   am_week=raise_counts(problem.am_week), pm_week=raise_counts(problem.pm_week))


def _paying_day_rates(problem: DayProblem, run: RoutingProblem) -> RoutingProblem:
    types = tuple(replace(vt, fixed_cost_pence=problem.day_rates[vt.id].fixed_day_pence,
                          assistant_cost_pence=problem.day_rates[vt.id].assistant_day_pence)
                  for vt in run.vehicle_types)
    return run.replace(vehicle_types=types)


def naive_day(problem: DayProblem, params: SolveParams) -> tuple[DayProblem, DayPlan]:
    """Morning and afternoon planned apart, every run on a vehicle of its own (paid per run).

    Planned per bell class and part like the day plan (so its routes, too, run on every
    weekday); each run gets the same share of the time limit as the day plan's one solve per part.
    """
    duties, left = [], {}
    total = max(1, len(problem.am_week.requests))
    for ids in (part for klass in bell_classes(problem) for part in parts(problem, klass)):
        share = replace(params, time_limit_s=max(1.0, params.time_limit_s * len(ids) / total))
        for run, week in (("am", problem.am_week), ("pm", problem.pm_week)):
            keep = set(ids)
            sub = _paying_day_rates(problem, week).replace(requests=tuple(
                replace(r, incompatible_with=r.incompatible_with & keep) for r in week.requests if r.id in keep))
            sub = sub.replace(vehicle_types=tuple(replace(vt, count=min(vt.count, len(keep)))
                                                  for vt in sub.vehicle_types))
            plan = solve(sub, share)
            left.update({u.request_id: u for u in plan.unassigned})
            for route in plan.routes:
                order = tuple((s.kind.value, s.request_id) for s in route.stops[1:-1])
                duties.append(Duty(route.vehicle_type_id, 0, route.layout, route.has_assistant,
                                   order if run == "am" else (), order if run == "pm" else ()))
    duties = [replace(d, am=tuple(s for s in d.am if s[1] not in left), pm=tuple(s for s in d.pm if s[1] not in left))
              for d in duties]
    duties = _numbered([d for d in duties if d.am or d.pm])
    hired = with_fleet(replace(problem, afternoon="free", wait_near_school=False), len(duties))
    return hired, assemble(hired, duties, list(left.values()), {"solver": "naive day (am and pm apart)"})


def _numbered(duties: Sequence[Duty]) -> list[Duty]:
    seen: dict[str, int] = {}
    out = []
    for d in duties:
        out.append(replace(d, vehicle_index=seen.get(d.vehicle_type_id, 0)))
        seen[d.vehicle_type_id] = seen.get(d.vehicle_type_id, 0) + 1
    return out


def grow_network(problem: DayProblem, *, seed: int = 0, solo_share: float = 0.08,
                 ride_slack_s: int = 600) -> tuple[DayProblem, DayPlan]:
    """A network grown one child at a time and never re-planned (see the module docstring)."""
    rng = np.random.default_rng(seed)
    hired = with_fleet(problem, len(problem.am_week.requests))
    am_by = hired.am_week._request_by_id()
    klass = {rid: k for k, ids in enumerate(bell_classes(hired)) for rid in ids}
    types = sorted(hired.am_week.vehicle_types, key=lambda vt: hired.day_rates[vt.id].fixed_day_pence)
    duties: list[Duty] = []
    unassigned: list[Unassigned] = []
    units: dict[str, list[str]] = {}
    for r in hired.am_week.requests:
        units.setdefault(r.travel_group or r.id, []).append(r.id)
    for key in rng.permutation(sorted(units)):
        members = units[str(key)]
        reqs = [am_by[c] for c in members]
        sharing = not any(r.solo for r in reqs) and rng.random() >= solo_share
        placed = False
        if sharing:
            for k, duty in enumerate(duties):
                grown = _join(hired, duty, members, klass, ride_slack_s)
                if grown is not None:
                    duties[k] = grown
                    placed = True
                    break
        if placed:
            continue
        for vt in types:
            pa = any(r.needs_assistant for r in reqs)
            layout = layout_for(vt, reqs, pa)
            if layout is None:
                continue
            am = tuple([("pickup", c) for c in members] + [("delivery", c) for c in members])
            duty = Duty(vt.id, 0, layout, pa, am, am)
            if _times_every_day(hired, duty, RELAX_RIDE):
                duties.append(duty)
                placed = True
                break
        if not placed:
            unassigned += [Unassigned(c, UnassignedReason.NO_VEHICLE_FITS, "no vehicle can carry this child")
                           for c in members]
    duties = [with_between(hired, d) for d in _numbered(duties)]
    return hired, assemble(hired, duties, unassigned, {"solver": "grown network (synthetic today)"},
                           relax=RELAX_RIDE)


def _join(problem: DayProblem, duty: Duty, members: list[str], klass: dict[str, int], slack_s: int) -> Duty | None:
    """The duty with ``members`` added at the end of the pickups, if it still runs every weekday."""
    am_by = problem.am_week._request_by_id()
    ids = duty.children("am")
    if not ids or klass[ids[0]] != klass[members[0]]:
        return None
    school = am_by[ids[0]].school_id
    if any(am_by[c].school_id != school for c in ids + members):
        return None
    current = [am_by[c] for c in ids]
    new = [am_by[c] for c in members]
    if any(r.solo for r in current + new):
        return None
    if any(r.incompatible_with & set(ids) for r in new):
        return None
    pa = duty.has_assistant or any(r.needs_assistant for r in new)
    vt = problem.am_week.vehicle_type(duty.vehicle_type_id)
    layout = layout_for(vt, current + new, pa)
    if layout is None:
        return None
    am = tuple([("pickup", c) for c in ids + members] + [("delivery", c) for c in ids + members])
    pm = tuple([("pickup", c) for c in ids + members] + [("delivery", c) for c in members + ids])
    grown = replace(duty, layout=layout, has_assistant=pa, am=am, pm=pm)
    return grown if _times_every_day(problem, grown, RELAX_NONE, slack_s) else None


def _times_every_day(problem: DayProblem, duty: Duty, relax: int, slack_s: int = 0) -> bool:
    """Whether both runs of ``duty`` can be timed on every weekday (ride limits ``slack_s``
    longer; with ``relax``, stretched as ``time_stretched`` allows)."""
    vt: VehicleType = problem.am_week.vehicle_type(duty.vehicle_type_id)
    for day in range(len(problem.weekdays)):
        for run, order, latest in ((problem.am[day], duty.am, True), (problem.pm[day], duty.pm, False)):
            todays: Order = on_day(order, run)
            if not todays:
                continue
            if relax:
                route = time_stretched(run, vt, todays, duty.layout, duty.has_assistant, 0, latest=latest, relax=relax)
            else:
                route = time_route(run, vt, todays, duty.layout, duty.has_assistant, 0, latest=latest,
                                   ride_slack_s=slack_s)
            if route is None:
                return False
    return True
