"""September readiness: for a first day of term, every eligible child (and every application still
awaiting a decision) in exactly one state, counts by school and state, a day-by-day count-down,
and the children not ready with the reason.

The states, from least to most ready:

- ``awaiting_decision``: applied, not yet decided;
- ``offer_awaiting_family``: offered a personal transport budget or a pass, the family has not taken it up;
- ``eligible_not_planned``: eligible for a seat, on no route of a plan (or left unassigned by it);
- ``planned_not_awarded``: on a planned route whose lot is not yet awarded;
- ``awarded_no_letter``: on an awarded route, no travel letter sent;
- ``ready``: on an awarded route with the travel letter sent, or a personal transport budget agreed.

``state_at`` uses only what was known at a moment, so the same facts give the count-down.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

STATES = ("ready", "awarded_no_letter", "planned_not_awarded", "offer_awaiting_family", "eligible_not_planned",
          "awaiting_decision")
LABELS = {
    "ready": "on an awarded route, travel letter sent",
    "awarded_no_letter": "on an awarded route, no travel letter yet",
    "planned_not_awarded": "on a planned route not yet awarded",
    "offer_awaiting_family": "offered a PTB or pass, awaiting the family",
    "eligible_not_planned": "eligible, not yet planned",
    "awaiting_decision": "awaiting a decision",
}


@dataclass(frozen=True)
class ChildFacts:
    """What is known about one application, with when each thing happened (UTC)."""

    reference: str
    school_id: str
    school_name: str
    applied_at: dt.datetime
    decided_at: dt.datetime | None = None
    eligible: bool | None = None
    offer_kind: str | None = None
    """``seat``, ``pass`` or ``ptb`` for an eligible decision."""
    offer_taken_up_at: dt.datetime | None = None
    """When the family agreed a personal transport budget (any eligible child may take one instead of a seat)."""
    planned_at: dt.datetime | None = None
    plan_id: int | None = None
    route_ref: str | None = None
    unassigned_reason: str | None = None
    awarded_at: dt.datetime | None = None
    operator: str | None = None
    letter_sent_at: dt.datetime | None = None


def _by(at: dt.datetime | None, t: dt.datetime) -> bool:
    return at is not None and at <= t


def state_at(f: ChildFacts, t: dt.datetime) -> str | None:
    """The child's state at ``t`` (None: not applied yet, or refused)."""
    if f.applied_at > t:
        return None
    if not _by(f.decided_at, t):
        return "awaiting_decision"
    if not f.eligible:
        return None
    if _by(f.offer_taken_up_at, t):  # a PTB agreed with the family: they make the journey themselves
        return "ready"
    if f.offer_kind in ("pass", "ptb"):
        return "offer_awaiting_family"
    if not _by(f.planned_at, t) or f.route_ref is None:
        return "eligible_not_planned"
    if not _by(f.awarded_at, t):
        return "planned_not_awarded"
    if not _by(f.letter_sent_at, t):
        return "awarded_no_letter"
    return "ready"


def reason(f: ChildFacts, state: str) -> str:
    """Why a child is not ready, in words."""
    if state == "awaiting_decision":
        return "the application has no decision yet"
    if state == "offer_awaiting_family":
        return f"offered a {'personal transport budget' if f.offer_kind == 'ptb' else 'travel pass'}: the family has not taken it up"
    if state == "eligible_not_planned":
        if f.plan_id is not None and f.unassigned_reason:
            return f"left unassigned by plan {f.plan_id}: {f.unassigned_reason}"
        return "eligible for a seat but on no plan yet"
    if state == "planned_not_awarded":
        return f"route {f.route_ref} of plan {f.plan_id} is not awarded to an operator yet"
    if state == "awarded_no_letter":
        return f"route {f.route_ref} is awarded to {f.operator}, but no travel letter has been sent"
    return ""


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def readiness(facts: list[ChildFacts], first_day: dt.date, *, today: dt.date, history_days: int = 14) -> dict[str, Any]:
    """The readiness view as plain data (the API's ``ReadinessPublic``)."""
    now = _end_of(today)
    states = {f.reference: state_at(f, now) for f in facts}
    counted = [(f, states[f.reference]) for f in facts if states[f.reference] is not None]
    totals = Counter(s for _, s in counted)
    schools: dict[str, dict[str, Any]] = {}
    for f, s in counted:
        row = schools.setdefault(f.school_id, {"school_id": f.school_id, "school_name": f.school_name, "total": 0}
                                 | {k: 0 for k in STATES})
        row[s] += 1
        row["total"] += 1
    countdown = []
    day = min(today - dt.timedelta(days=history_days), first_day)
    while day <= first_day:
        row = {"date": day, "days_to_go": (first_day - day).days, "ready": None, "not_ready": None}
        if day <= today:
            at = [state_at(f, _end_of(day)) for f in facts]
            row["ready"] = sum(s == "ready" for s in at)
            row["not_ready"] = sum(s is not None and s != "ready" for s in at)
        countdown.append(row)
        day += dt.timedelta(days=1)
    order = {s: i for i, s in enumerate(STATES)}
    not_ready = sorted(((f, s) for f, s in counted if s != "ready"), key=lambda p: (-order[p[1]], p[0].school_name,
                                                                                     p[0].reference))
    return {"first_day": first_day, "as_of": today, "days_to_go": (first_day - today).days,
            "states": {s: totals.get(s, 0) for s in STATES},
            "by_school": sorted(schools.values(), key=lambda r: r["school_name"]),
            "countdown": countdown,
            "not_ready": [{"reference": f.reference, "school_id": f.school_id, "school_name": f.school_name,
                           "state": s, "reason": reason(f, s)} for f, s in not_ready],
            "total": len(counted), "ready": totals.get("ready", 0)}
