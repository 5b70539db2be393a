"""Immutable data and result types of a school day: both runs, every weekday, day tariffs.

A council pays a contractor a **day price per vehicle**: the fixed day rate once, the mileage
of the morning run, of the afternoon run and of the dead miles between them, and one day rate
per passenger assistant. ``DayProblem`` holds one ``RoutingProblem`` per run and weekday (the
children who attend that day, on that day's bells) plus the usual week's two runs with every
child (what the solver plans on); the run problems carry mileage tariffs only, the day rates
live here. ``DayPlan`` holds each vehicle's duty (its morning and afternoon stop orders, the
same every week) and, per weekday, the timed runs as ordinary ``Plan`` objects, so the single
run validator checks each of them; ``routing.validate.check_day`` checks the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from routing.plan import Plan, Unassigned, UnassignedReason
from routing.problem import Layout, RoutingProblem
from transport.domain.errors import InputError

Order = tuple[tuple[str, str], ...]
"""A run's stops as ``(kind, request_id)`` with kind ``"pickup"`` or ``"delivery"``."""

Afternoon = Literal["same_vehicle", "free"]
Between = Literal["depot", "wait"]


@dataclass(frozen=True)
class DayRates:
    """What one vehicle of a type costs per day besides mileage (pence)."""

    fixed_day_pence: int
    assistant_day_pence: int = 0


@dataclass(frozen=True, eq=False)
class DayProblem:
    """A school week's runs: ``am[d]`` and ``pm[d]`` for ``weekdays[d]``, and the usual week.

    Every run problem has the same vehicle types (ids, counts, depots, mileage tariffs) with
    ``fixed_cost_pence`` and ``assistant_cost_pence`` 0: those are paid by the day, from ``day_rates``.
    ``am_week``/``pm_week`` hold every child on the usual bells.

    A child with a shared placement has one request per school (a *trip*, e.g.
    ``C00012@137340``), present on that school's weekdays only; ``trips`` maps such request ids
    to their child (others are their child's id) and ``timetable`` gives each child's school on
    each weekday they attend (empty: read from the weekday problems).
    """

    weekdays: tuple[str, ...]
    am: tuple[RoutingProblem, ...]
    pm: tuple[RoutingProblem, ...]
    am_week: RoutingProblem
    pm_week: RoutingProblem
    day_rates: Mapping[str, DayRates]
    afternoon: Afternoon = "same_vehicle"
    wait_near_school: bool = True
    school_days_per_year: int = 190
    name: str = ""
    trips: Mapping[str, str] = field(default_factory=dict)
    timetable: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", tuple(self.weekdays))
        object.__setattr__(self, "am", tuple(self.am))
        object.__setattr__(self, "pm", tuple(self.pm))
        object.__setattr__(self, "day_rates", MappingProxyType(dict(self.day_rates)))
        object.__setattr__(self, "trips", MappingProxyType(dict(self.trips)))
        if not self.timetable:
            table: dict[str, dict[str, str]] = {}
            for day, problem in zip(self.weekdays, self.am):
                for r in problem.requests:
                    table.setdefault(self.trips.get(r.id, r.id), {})[day] = r.school_id or ""
            object.__setattr__(self, "timetable", table)
        object.__setattr__(self, "timetable", MappingProxyType(
            {c: MappingProxyType(dict(days)) for c, days in self.timetable.items()}))
        errors = _day_errors(self)
        if errors:
            raise InputError(f"day problem {self.name!r} is invalid: " + "; ".join(errors))

    def runs(self, day: int) -> tuple[RoutingProblem, RoutingProblem]:
        """``(am, pm)`` problems of weekday index ``day``."""
        return self.am[day], self.pm[day]

    def only(self, ids: Iterable[str], counts: Mapping[str, int] | None = None) -> DayProblem:
        """The same week for some of the children (rules between them kept), optionally with
        other fleet counts per vehicle type."""
        keep = set(ids)

        def cut(p: RoutingProblem) -> RoutingProblem:
            reqs = tuple(replace(r, incompatible_with=r.incompatible_with & keep) for r in p.requests if r.id in keep)
            types = p.vehicle_types if counts is None else tuple(
                replace(vt, count=counts.get(vt.id, vt.count)) for vt in p.vehicle_types)
            return p.replace(requests=reqs, vehicle_types=types)

        return replace(self, am=tuple(map(cut, self.am)), pm=tuple(map(cut, self.pm)), am_week=cut(self.am_week),
                       pm_week=cut(self.pm_week), timetable={})

    def child_of(self, request_id: str) -> str:
        """The child a request (trip) carries."""
        return self.trips.get(request_id, request_id)

    def attends(self) -> dict[str, tuple[str, ...]]:
        """Each child's weekdays, read from the morning problems."""
        out: dict[str, list[str]] = {r.id: [] for r in self.am_week.requests}
        for day, problem in zip(self.weekdays, self.am):
            for r in problem.requests:
                out.setdefault(r.id, []).append(day)
        return {k: tuple(v) for k, v in out.items()}


def _signature(problem: RoutingProblem) -> list[tuple[Any, ...]]:
    return [(vt.id, vt.count, vt.start_depot, vt.end_depot, vt.pence_per_km, vt.layouts) for vt in problem.vehicle_types]


def _day_errors(p: DayProblem) -> list[str]:
    errors = []
    if not p.weekdays or len(set(p.weekdays)) != len(p.weekdays):
        errors.append(f"weekdays must be distinct and at least one, got {p.weekdays}")
    if len(p.am) != len(p.weekdays) or len(p.pm) != len(p.weekdays):
        errors.append(f"one am and one pm problem per weekday: {len(p.weekdays)} weekdays, "
                      f"{len(p.am)} am, {len(p.pm)} pm")
    fleet = _signature(p.am_week)
    week_ids = {r.id for r in p.am_week.requests}
    if {r.id for r in p.pm_week.requests} != week_ids:
        errors.append("am_week and pm_week must carry the same children")
    for label, problem in [("am_week", p.am_week), ("pm_week", p.pm_week)] + \
            [(f"am {d}", q) for d, q in zip(p.weekdays, p.am)] + [(f"pm {d}", q) for d, q in zip(p.weekdays, p.pm)]:
        if _signature(problem) != fleet:
            errors.append(f"{label} has a different fleet from am_week")
        if any(vt.fixed_cost_pence or vt.assistant_cost_pence for vt in problem.vehicle_types):
            errors.append(f"{label}: run problems carry mileage only (fixed and assistant costs are day rates)")
        unknown = {r.id for r in problem.requests} - week_ids
        if unknown:
            errors.append(f"{label} has children not in the week: {sorted(unknown)[:5]}")
    for d, (am, pm) in enumerate(zip(p.am, p.pm)):
        if {r.id for r in am.requests} != {r.id for r in pm.requests}:
            errors.append(f"{p.weekdays[d]}: the morning and afternoon carry different children")
        day, seen = p.weekdays[d] if d < len(p.weekdays) else "?", set()
        for r in am.requests:
            child = p.trips.get(r.id, r.id)
            if p.timetable.get(child, {}).get(day) != (r.school_id or ""):
                errors.append(f"{day}: trip {r.id!r} goes to school {r.school_id!r}, not the timetable's")
            if child in seen:
                errors.append(f"{day}: child {child!r} has two trips")
            seen.add(child)
        for child, days in p.timetable.items():
            if day in days and child not in seen:
                errors.append(f"{day}: child {child!r} attends but has no trip")
    for vt in p.am_week.vehicle_types:
        rates = p.day_rates.get(vt.id)
        if rates is None:
            errors.append(f"vehicle type {vt.id!r} has no day rates")
        elif rates.fixed_day_pence < 0 or rates.assistant_day_pence < 0:
            errors.append(f"vehicle type {vt.id!r} day rates must be >= 0")
    if p.afternoon not in ("same_vehicle", "free"):
        errors.append(f"afternoon must be same_vehicle or free, got {p.afternoon!r}")
    if p.school_days_per_year < 1:
        errors.append("school_days_per_year must be >= 1")
    return errors


@dataclass(frozen=True)
class Duty:
    """One vehicle's day: its morning and afternoon stop orders, run on every weekday.

    On a weekday the runs skip the children who do not attend; a run left empty is not
    driven. ``between`` says where the vehicle spends the time between its runs: back at its
    base (``depot``) or waiting near the school (``wait``).
    """

    vehicle_type_id: str
    vehicle_index: int
    layout: Layout
    has_assistant: bool
    am: Order = ()
    pm: Order = ()
    between: Between = "depot"

    def children(self, run: str) -> list[str]:
        """Ids picked up on run ``"am"`` or ``"pm"``, in order."""
        return [rid for kind, rid in (self.am if run == "am" else self.pm) if kind == "pickup"]


@dataclass(frozen=True)
class DayCost:
    """One weekday's cost in pence, with the miles behind it (metres)."""

    fixed_pence: int = 0
    mileage_pence: int = 0
    assistant_pence: int = 0
    distance_m: int = 0
    dead_distance_m: int = 0
    vehicles: int = 0

    @property
    def total_pence(self) -> int:
        """Day rates, mileage and assistants together."""
        return self.fixed_pence + self.mileage_pence + self.assistant_pence


@dataclass(frozen=True)
class DayRun:
    """One weekday: the timed morning and afternoon runs and what the day costs."""

    weekday: str
    am: Plan
    pm: Plan
    cost: DayCost


@dataclass(frozen=True)
class DayPlan:
    """Duties of every vehicle, each weekday's timed runs, and the children left out."""

    duties: tuple[Duty, ...]
    days: tuple[DayRun, ...]
    unassigned: tuple[Unassigned, ...] = ()
    afternoon: Afternoon = "same_vehicle"
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def week_cost_pence(self) -> int:
        """The week's cost: every weekday's cost added up."""
        return sum(d.cost.total_pence for d in self.days)

    def mean_day_cost_pence(self) -> int:
        """The mean weekday's cost (what a school day costs), rounded to a penny."""
        return round(self.week_cost_pence() / len(self.days)) if self.days else 0

    def year_cost_pence(self, school_days: int) -> int:
        """The school year's cost: the mean weekday's cost times ``school_days``."""
        return round(self.week_cost_pence() * school_days / len(self.days)) if self.days else 0

    def duty_of(self, run: str) -> dict[str, int]:
        """Child id -> index of the duty carrying them on ``run``."""
        return {rid: k for k, duty in enumerate(self.duties) for rid in duty.children(run)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary; ``DayPlan.from_dict`` inverts it exactly."""
        return {
            "afternoon": self.afternoon,
            "duties": [{
                "vehicle_type_id": d.vehicle_type_id, "vehicle_index": d.vehicle_index,
                "layout": {"seats": d.layout.seats, "wheelchairs": d.layout.wheelchairs},
                "has_assistant": d.has_assistant, "between": d.between,
                "am": [list(s) for s in d.am], "pm": [list(s) for s in d.pm]} for d in self.duties],
            "days": [{"weekday": r.weekday, "am": r.am.to_dict(), "pm": r.pm.to_dict(),
                      "cost": {**r.cost.__dict__, "total_pence": r.cost.total_pence}} for r in self.days],
            "unassigned": [{"request_id": u.request_id, "reason": u.reason.value, "detail": u.detail}
                           for u in self.unassigned],
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayPlan:
        """The day plan a ``to_dict`` result describes."""
        duties = tuple(Duty(
            vehicle_type_id=d["vehicle_type_id"], vehicle_index=int(d["vehicle_index"]),
            layout=Layout(int(d["layout"]["seats"]), int(d["layout"]["wheelchairs"])),
            has_assistant=bool(d["has_assistant"]), between=d.get("between", "depot"),
            am=tuple((str(k), str(r)) for k, r in d["am"]), pm=tuple((str(k), str(r)) for k, r in d["pm"]))
            for d in data["duties"])
        days = tuple(DayRun(
            weekday=r["weekday"], am=Plan.from_dict(r["am"]), pm=Plan.from_dict(r["pm"]),
            cost=DayCost(**{k: int(v) for k, v in r["cost"].items() if k != "total_pence"}))
            for r in data["days"])
        unassigned = tuple(Unassigned(u["request_id"], UnassignedReason(u["reason"]), u.get("detail", ""))
                           for u in data.get("unassigned", []))
        return cls(duties, days, unassigned, data.get("afternoon", "same_vehicle"), dict(data.get("meta", {})))
