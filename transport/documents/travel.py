"""Letters to families about the journey: the travel arrangements letter once a child is on an
awarded route, and the change notice when a late insertion or a rerun moves their times by more
than the policy's threshold or puts them on another vehicle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eligibility.policy import Policy
from transport.documents.journeys import Award, DayLeg, Journey, day_legs, journeys, plan_ref
from transport.documents.render import Document, render
from transport.domain.council import Council, load_council
from transport.domain.errors import InputError
from transport.planning.day import DayPlanDocument
from transport.planning.plan import PlanDocument, layout_text


def _child(doc: PlanDocument, child_id: str):
    child = next((c for c in doc.scenario.children if c.id == child_id), None)
    if child is None:
        raise InputError(f"child {child_id} is not in the plan")
    return child


def pickup_place(doc: PlanDocument, child_id: str, postcode: str | None = None) -> str:
    """Where the vehicle calls: the home postcode when known, else the point the plan holds."""
    child = _child(doc, child_id)
    code = postcode or child.home.postcode
    if code:
        return f"at home ({code})"
    point = child.home.resolve()  # lat/lon or easting/northing: no postcode look-up needed
    return f"at home (the point we hold: {point.lat:.5f}, {point.lon:.5f})"


def _school(doc: PlanDocument, school_id: str):
    return next(s for s in doc.scenario.schools if s.id == school_id)


def _letter_base(policy: Policy, council: Council | None) -> dict[str, Any]:
    """The letterhead and signature of the configured council (not the policy's author), and the policy's threshold."""
    council = council or load_council()
    return {"council": council.name, "letterhead": council.letterhead(), "service": "Home to school transport",
            "sender": council.sender, "contact": council.contact, "threshold": policy.letters.change_threshold_min}


def travel_letter(morning: PlanDocument, child_id: str, award: Award, policy: Policy, *, issued_on: dt.date,
                  first_day: dt.date, afternoon: PlanDocument | None = None, plan_id: int | str | None = None,
                  afternoon_plan_id: int | str | None = None, postcode: str | None = None,
                  council: Council | None = None) -> Document:
    """The travel arrangements letter for one child on an awarded morning route.

    The afternoon drop-off comes from the afternoon plan when there is one; otherwise the letter
    says it will follow.
    """
    am = journeys(morning).get(child_id)
    if am is None or not am.to_school:
        raise InputError(f"child {child_id} is not on a morning route of the plan")
    pm = journeys(afternoon).get(child_id) if afternoon is not None else None
    child = _child(morning, child_id)
    name = child.first_name.strip() or "your child"
    school = _school(morning, am.school_id)
    context = _letter_base(policy, council) | {
        "reference": child_id, "issued_on": issued_on, "first_day": first_day, "name": name,
        "school": school.name or school.id, "pickup_time": am.home_time,
        "pickup_place": pickup_place(morning, child_id, postcode), "school_arrival": am.school_time,
        "bell_start": school.bell_start.strftime("%H:%M"),
        "school_departure": pm.school_time if pm else "to follow",
        "dropoff_time": pm.home_time if pm else "to follow: we will write with the afternoon time before the first day",
        "operator": award.operator, "phone": award.phone, "vehicle": am.vehicle_text,
        "assistant": "yes, a passenger assistant travels on this vehicle" if am.assistant else "no",
        "route_ref": am.route_ref,
        "absence": policy.letters.absence.format(name=name, operator=award.operator, phone=award.phone,
                                                 pickup=am.home_time),
        "plan_ref": plan_ref(morning, plan_id) + (f" and afternoon {plan_ref(afternoon, afternoon_plan_id)}"
                                                  if afternoon is not None else ""),
    }
    return render("travel_letter", child_id, f"Travel arrangements for {name}", "travel_letter.html", context,
                  sources={"child": child_id, "plan": plan_ref(morning, plan_id), "route": am.route_ref,
                           "afternoon_plan": plan_ref(afternoon, afternoon_plan_id) if afternoon else None,
                           "operator": award.operator, "policy_version": policy.version_label})


WEEKDAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}
NOT_CARRIED = "no transport arranged: we will contact you"


def weekdays_text(days: list[str]) -> str:
    """``Monday to Friday`` for the whole week, else ``Monday and Wednesday``."""
    names = [WEEKDAY_NAMES.get(d, d) for d in days]
    if len(names) == 5:
        return "Monday to Friday"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def day_letter_routes(legs: list[DayLeg]) -> list[str]:
    """The duties (``D001``...) that carry a child in a day plan, morning ones first."""
    refs = [leg.am_ref for leg in legs] + [leg.pm_ref for leg in legs]
    return list(dict.fromkeys(r for r in refs if r))


def day_travel_letter(day: DayPlanDocument, child_id: str, awards: Mapping[str, Award], policy: Policy, *,
                      issued_on: dt.date, first_day: dt.date, plan_id: int | str | None = None,
                      postcode: str | None = None, council: Council | None = None) -> Document:
    """The travel arrangements letter for one child of a day plan: the days they travel, and each morning's
    pick-up and school arrival and each afternoon's school departure and drop-off, in one line when every
    weekday agrees and by weekday where they differ (an early finish, part-time days, a shared placement's
    school); the operator, phone, vehicle and assistant of each duty (``D001``...) that carries them.

    ``awards`` holds the award of every duty in :func:`day_letter_routes` (callers skip the others).
    """
    legs = day_legs(day).get(child_id)
    if legs is None:
        raise InputError(f"child {child_id} is not in the plan")
    if not any(leg.am_ref for leg in legs):
        raise InputError(f"child {child_id} is not on a morning route of the day plan")
    refs = day_letter_routes(legs)
    missing = [r for r in refs if r not in awards]
    if missing:
        raise InputError(f"route {missing[0]} is not awarded yet")
    child = _child(day, child_id)  # type: ignore[arg-type]
    name = child.first_name.strip() or "your child"
    schools = {s.id: s for s in day.scenario.schools}
    rows = [{"day": WEEKDAY_NAMES.get(leg.weekday, leg.weekday), "school": schools[leg.school_id].name or leg.school_id,
             "times": [t or NOT_CARRIED for t in leg.times()]} for leg in legs]
    same = len({(leg.school_id, leg.times()) for leg in legs}) == 1
    first = legs[0]
    duties = {f"D{k:03d}": d for k, d in enumerate(day.plan.duties, start=1)}
    names = {v.id: v.name or v.id for v in day.scenario.fleet}
    vehicles = []
    for ref in refs:
        duty, award = duties[ref], awards[ref]
        runs = [label for label, used in (("mornings", any(leg.am_ref == ref for leg in legs)),
                                          ("afternoons", any(leg.pm_ref == ref for leg in legs))) if used]
        vehicles.append({"route_ref": ref, "runs": " and ".join(runs), "operator": award.operator,
                         "phone": award.phone,
                         "vehicle": f"{names.get(duty.vehicle_type_id, duty.vehicle_type_id)} "
                                    f"({layout_text(duty.layout.seats, duty.layout.wheelchairs)})",
                         "assistant": "yes, a passenger assistant travels on this vehicle" if duty.has_assistant
                         else "no"})
    morning = awards[first.am_ref or refs[0]]
    pickup = next((leg.times()[0] for leg in legs if leg.pickup_s is not None), "-")
    school_names = list(dict.fromkeys(r["school"] for r in rows))
    context = _letter_base(policy, council) | {
        "reference": child_id, "issued_on": issued_on, "first_day": first_day, "name": name,
        "school": " and ".join(school_names), "days": weekdays_text([leg.weekday for leg in legs]),
        "same": same, "rows": rows, "first": rows[0],
        "pickup_place": pickup_place(day, child_id, postcode),  # type: ignore[arg-type]
        "vehicles": vehicles,
        "absence": policy.letters.absence.format(name=name, operator=morning.operator, phone=morning.phone,
                                                 pickup=pickup),
        "plan_ref": plan_ref(day, plan_id),  # type: ignore[arg-type]
    }
    return render("travel_letter", child_id, f"Travel arrangements for {name}", "day_travel_letter.html", context,
                  sources={"child": child_id, "plan": plan_ref(day, plan_id), "route": ", ".join(refs),  # type: ignore[arg-type]
                           "operator": ", ".join(dict.fromkeys(v["operator"] for v in vehicles)),
                           "days": [leg.weekday for leg in legs], "policy_version": policy.version_label})


@dataclass(frozen=True)
class Change:
    """How one child's journey differs between two plans."""

    child_id: str
    before: Journey | None
    after: Journey | None
    home_shift_min: float
    school_shift_min: float
    vehicle_changed: bool

    def summary(self, threshold_min: int, name: str = "your child") -> str:
        """One sentence: what changed."""
        if self.after is None:
            return f"{name[:1].upper()}{name[1:]} is no longer on a planned route: we will contact you about other arrangements."
        parts = []
        if self.vehicle_changed:
            parts.append(f"a different vehicle ({self.after.vehicle_text}, route {self.after.route_ref})")
        if abs(self.home_shift_min) > threshold_min:
            word = "earlier" if self.home_shift_min < 0 else "later"
            parts.append(f"a {'pick-up' if self.after.to_school else 'drop-off'} time {abs(self.home_shift_min):.0f} "
                         f"minutes {word} ({self.after.home_time} instead of {self.before.home_time})")  # type: ignore[union-attr]
        if abs(self.school_shift_min) > threshold_min:
            word = "earlier" if self.school_shift_min < 0 else "later"
            parts.append(f"a time at school {abs(self.school_shift_min):.0f} minutes {word}")
        return f"{name[:1].upper()}{name[1:]}'s transport changes: " + "; ".join(parts) + "."


def changes(old: PlanDocument, new: PlanDocument, threshold_min: int) -> list[Change]:
    """Children whose times move by more than ``threshold_min`` or whose vehicle changes (or who lose a route).

    Children routed only in the new plan get a travel arrangements letter, not a change notice.
    """
    a, b = journeys(old), journeys(new)
    out = []
    for cid in sorted(a):
        before, after = a[cid], b.get(cid)
        if after is None:
            out.append(Change(cid, before, None, 0.0, 0.0, True))
            continue
        home = (after.home_time_s - before.home_time_s) / 60
        school = (after.school_time_s - before.school_time_s) / 60
        moved = after.vehicle != before.vehicle
        if moved or abs(home) > threshold_min or abs(school) > threshold_min:
            out.append(Change(cid, before, after, home, school, moved))
    return out


def change_notice(change: Change, old: PlanDocument, new: PlanDocument, policy: Policy, *, issued_on: dt.date,
                  effective: dt.date, award: Award | None = None, old_plan_id: int | str | None = None,
                  new_plan_id: int | str | None = None, council: Council | None = None) -> Document:
    """The change notice for one child."""
    child = _child(new if change.after else old, change.child_id)
    name = child.first_name.strip() or "your child"
    before, after = change.before, change.after
    school = _school(old, before.school_id) if before else _school(new, after.school_id)  # type: ignore[union-attr]
    home_label = "Pick-up time at home" if (before or after).to_school else "Drop-off time at home"  # type: ignore[union-attr]
    rows = [(home_label, before.home_time if before else "-", after.home_time if after else "no route"),
            ("Time at school", before.school_time if before else "-", after.school_time if after else "no route"),
            ("Vehicle", before.vehicle_text if before else "-", after.vehicle_text if after else "no route"),
            ("Route", before.route_ref if before else "-", after.route_ref if after else "no route")]
    if award is not None:
        rows.append(("Operator and phone", "", f"{award.operator}, {award.phone}"))
    phone = award.phone if award else "the number on your travel letter"
    operator = award.operator if award else "the operator"
    context = _letter_base(policy, council) | {
        "reference": change.child_id, "issued_on": issued_on, "effective": effective, "name": name,
        "school": school.name or school.id, "summary": change.summary(policy.letters.change_threshold_min, name),
        "rows": rows, "old_plan_ref": plan_ref(old, old_plan_id), "new_plan_ref": plan_ref(new, new_plan_id),
        "absence": policy.letters.absence.format(name=name, operator=operator, phone=phone,
                                                 pickup=after.home_time if after else "-"),
    }
    return render("change_notice", change.child_id, f"A change to {name}'s transport", "change_notice.html", context,
                  sources={"child": change.child_id, "old_plan": plan_ref(old, old_plan_id),
                           "plan": plan_ref(new, new_plan_id), "policy_version": policy.version_label,
                           "home_shift_min": round(change.home_shift_min, 1), "vehicle_changed": change.vehicle_changed})

