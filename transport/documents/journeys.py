"""Each child's journey read off a plan document, and the awards that say who runs each route.

A morning plan picks children up at home and sets them down at school; an afternoon plan the
other way round. ``journeys`` tells them apart by where each stop is, not by a label.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.plan import StopKind
from transport.domain.errors import InputError
from transport.planning.day import DayPlanDocument
from transport.planning.plan import PlanDocument, clock


@dataclass(frozen=True)
class Journey:
    """One child's ride on one route of one plan (times in seconds from midnight)."""

    child_id: str
    route_ref: str
    vehicle: tuple[str, int]
    """(vehicle type id, index): the same vehicle in two plans has the same key."""
    vehicle_name: str
    seats: int
    wheelchair_spaces: int
    assistant: bool
    school_id: str
    home_time_s: int
    """Pick-up at home (morning) or drop-off at home (afternoon)."""
    school_time_s: int
    """Set-down at school (morning) or pick-up at school (afternoon)."""
    to_school: bool

    @property
    def home_time(self) -> str:
        """``HH:MM`` at home."""
        return clock(self.home_time_s)

    @property
    def school_time(self) -> str:
        """``HH:MM`` at school."""
        return clock(self.school_time_s)

    @property
    def vehicle_text(self) -> str:
        """``Wheelchair accessible vehicle (4 seats + 1 wheelchair space)``."""
        space = f" + {self.wheelchair_spaces} wheelchair space{'s' if self.wheelchair_spaces > 1 else ''}" \
            if self.wheelchair_spaces else ""
        return f"{self.vehicle_name} ({self.seats} seats{space})"


def route_ref(position: int) -> str:
    """``R001``: the route-sheet label of the route at a 1-based position."""
    return f"R{position:03d}"


@dataclass
class RunDocument(PlanDocument):
    """One run (morning or afternoon) of a day plan, read as a plan whose routes are labelled by duty."""

    route_labels: dict[tuple[str, int], str] | None = None


def day_runs(day: DayPlanDocument) -> tuple[RunDocument, RunDocument]:
    """The morning and afternoon runs of a day plan's first weekday (``D001``... as on its route sheets)."""
    if not day.plan.days:
        raise InputError("the day plan has no timed weekday runs")
    first = day.plan.days[0]
    labels = {(d.vehicle_type_id, d.vehicle_index): f"D{k:03d}" for k, d in enumerate(day.plan.duties, start=1)}
    return tuple(RunDocument(scenario=day.scenario, plan=run, locations=day.locations, violations=day.violations,
                             created_at=day.created_at, route_labels=labels)
                 for run in (first.am, first.pm))  # type: ignore[return-value]


def day_label(k: int) -> str:
    """``D001``: the route-sheet label of a day plan's ``k``-th duty (1-based)."""
    return f"D{k:03d}"


@dataclass(frozen=True)
class DayLeg:
    """One child's school day on one weekday of a day plan: the duty of each run and the times at home
    and at school (seconds from midnight; ``None`` where that run does not carry the child that day)."""

    weekday: str
    school_id: str
    am_ref: str | None
    pm_ref: str | None
    pickup_s: int | None
    arrive_s: int | None
    depart_s: int | None
    dropoff_s: int | None

    def times(self) -> tuple[str | None, ...]:
        """``HH:MM`` pick-up, arrival, departure, drop-off (``None``: not carried)."""
        return tuple(clock(t) if t is not None else None
                     for t in (self.pickup_s, self.arrive_s, self.depart_s, self.dropoff_s))


def day_legs(day: DayPlanDocument) -> dict[str, list[DayLeg]]:
    """Each child's weekdays in a day plan, in weekday order: the days they attend (a shared placement's
    school on each), with the morning and afternoon duty (``D001``...) and times read off the timed runs."""
    labels = {(d.vehicle_type_id, d.vehicle_index): day_label(k) for k, d in enumerate(day.plan.duties, start=1)}
    found: dict[tuple[str, str, str], tuple[str, int, int]] = {}
    for d in day.plan.days:
        for run, plan in (("am", d.am), ("pm", d.pm)):
            for route in plan.routes:
                ref = labels.get((route.vehicle_type_id, route.vehicle_index), "")
                picked: dict[str, int] = {}
                for stop in route.stops:
                    if stop.request_id and stop.kind is StopKind.PICKUP:
                        picked[stop.request_id] = stop.service_start_s
                    elif stop.request_id and stop.kind is StopKind.DELIVERY and stop.request_id in picked:
                        found[(d.weekday, run, stop.request_id)] = (ref, picked[stop.request_id],
                                                                    stop.service_start_s)
    weekdays = [d.weekday for d in day.plan.days]
    out: dict[str, list[DayLeg]] = {}
    for child in day.scenario.children:
        legs = []
        for rid, school, days in child.trips():
            for wd in (w for w in weekdays if w in days):
                am, pm = found.get((wd, "am", rid)), found.get((wd, "pm", rid))
                legs.append(DayLeg(wd, school, am[0] if am else None, pm[0] if pm else None,
                                   am[1] if am else None, am[2] if am else None,
                                   pm[1] if pm else None, pm[2] if pm else None))
        out[child.id] = sorted(legs, key=lambda leg: weekdays.index(leg.weekday))
    return out


def journeys(doc: PlanDocument) -> dict[str, Journey]:
    """Every routed child's journey in a plan (or one run of a day plan)."""
    names = {v.id: v.name or v.id for v in doc.scenario.fleet}
    labels = getattr(doc, "route_labels", None) or {}
    out: dict[str, Journey] = {}
    for i, route in enumerate(doc.plan.routes, start=1):
        pick: dict[str, tuple[int, str]] = {}
        for stop in route.stops:
            if not stop.request_id:
                continue
            loc = doc.locations[stop.location]
            if stop.kind is StopKind.PICKUP:
                pick[stop.request_id] = (stop.service_start_s, loc.kind)
            elif stop.kind is StopKind.DELIVERY and stop.request_id in pick:
                t0, kind0 = pick[stop.request_id]
                to_school = kind0 == "home"
                school = loc.id if to_school else doc.locations[_pickup_location(route, stop.request_id)].id
                out[stop.request_id] = Journey(
                    child_id=stop.request_id,
                    route_ref=labels.get((route.vehicle_type_id, route.vehicle_index)) or route_ref(i),
                    vehicle=(route.vehicle_type_id, route.vehicle_index),
                    vehicle_name=names.get(route.vehicle_type_id, route.vehicle_type_id),
                    seats=route.layout.seats, wheelchair_spaces=route.layout.wheelchairs,
                    assistant=route.has_assistant, school_id=school,
                    home_time_s=t0 if to_school else stop.service_start_s,
                    school_time_s=stop.service_start_s if to_school else t0, to_school=to_school)
    return out


def _pickup_location(route, request_id: str) -> int:
    return next(s.location for s in route.stops if s.request_id == request_id and s.kind is StopKind.PICKUP)


def plan_ref(doc: PlanDocument, plan_id: int | str | None = None) -> str:
    """``plan 12`` when stored, else the digest of the plan's content (``plan sha256:ab12cd34ef56``)."""
    if plan_id is not None:
        return f"plan {plan_id}"
    digest = hashlib.sha256(json.dumps(doc.plan.to_dict(), sort_keys=True).encode()).hexdigest()
    return f"plan sha256:{digest[:12]}"


@dataclass(frozen=True)
class Award:
    """Who runs a route: the operator's name and the contact number families may call."""

    operator: str
    phone: str
    lot: str = ""


def read_awards(path: str | Path) -> dict[str, Award]:
    """Awards by route reference from JSON: ``[{"routes": ["R001"], "operator": ..., "phone": ...}]``."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"awards file {path} not found")
    try:
        rows: Any = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(rows, dict):
        rows = rows.get("awards")
    if not isinstance(rows, list):
        raise InputError(f"{path.name}: expected a list of awards")
    out: dict[str, Award] = {}
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InputError(f"{path.name}: award {n} is not an object")
        operator, phone = str(row.get("operator") or "").strip(), str(row.get("phone") or "").strip()
        routes = row.get("routes")
        missing = [k for k, v in (("operator", operator), ("phone", phone), ("routes", routes)) if not v]
        if missing:
            raise InputError(f"{path.name}: award {n} has no {', '.join(missing)}")
        if not isinstance(routes, list):
            raise InputError(f"{path.name}: award {n}: routes must be a list such as [\"R001\"]")
        for ref in routes:
            if str(ref) in out:
                raise InputError(f"{path.name}: route {ref} is awarded twice (award {n})")
            out[str(ref)] = Award(operator, phone, str(row.get("lot") or f"award {n}"))
    return out
