"""The decision letter to a parent: outcome and rule, the measured walking route on a map with the
entrance used, the distances, review and appeal rights with their dates, and the policy version.

The words of refusals and offers come from the policy (``letters`` in the policy YAML); the
explanation, inequality and citations are the engine's own, never rewritten here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from eligibility.offer import pounds
from eligibility.policy import Policy, label_of
from eligibility.rules import Decision, fmt_miles
from transport.documents.maps import Marker, svg_map
from transport.documents.render import Document, render
from transport.domain.council import Council, load_council
from transport.domain.errors import InputError


class WorkingDays(Protocol):
    """A calendar that counts working days (``api.workdays.Calendar``)."""

    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...


WALK_COLOUR, NEARER_COLOUR = "#1d70b8", "#912b88"
"""The walk to the school attended (blue) and to the nearer school that decided a refusal (purple), as on the pages."""


def words(rule_id: str) -> str:
    """``within-walking-distance`` -> ``within walking distance``."""
    return rule_id.replace("-", " ")


def _distance(metres: float | None) -> str:
    return "not measured" if metres is None else f"{fmt_miles(metres)} ({metres / 1000:.2f} km)"


def check_policy(decision: Decision, policy: Policy) -> None:
    """The letter must quote the policy the decision was made under."""
    if decision.policy_version != policy.version_label:
        raise InputError(f"decision {decision.application_id} was made under {decision.policy_version}, "
                         f"but the policy loaded is {policy.version_label}: load that version to write its letter")


def opening(decision: Decision, policy: Policy, name: str) -> str:
    """The first paragraph in the policy's own words."""
    school = decision.school_name
    if not decision.eligible:
        reason = policy.refusals[decision.refusal].summary if decision.refusal in policy.refusals else (
            words(decision.refusal or "no basis of eligibility holds"))
        return policy.letters.refusal.format(name=name, school=school, reason=reason)
    offer = decision.offer
    kind = offer.kind if offer is not None else "seat"
    return policy.letters.offers[kind].format(
        name=name, school=school, offer=offer.name if offer else "a seat",
        charge=pounds(offer.annual_charge_pence) if offer else "none",
        ptb=pounds(offer.ptb_annual_pence) if offer else "")


def _refusal_label(decision: Decision, policy: Policy) -> str:
    """The policy's name of the refusal ("Not the nearest suitable school")."""
    code = decision.refusal or ""
    return label_of(next((row for key, row in policy.refusals.items() if key == code), None), code)


@dataclass(frozen=True)
class OfficerDecision:
    """An officer's override, or a review or appeal outcome, that replaced the engine's decision."""

    kind: str
    """``override``, ``review`` or ``appeal``."""
    eligible: bool
    refusal: str | None
    reason: str


def _officer_view(decision: Decision, officer: OfficerDecision) -> Decision:
    """The engine's measured decision carrying the officer's outcome (the distances and route stay measured)."""
    return decision.model_copy(update={
        "eligible": officer.eligible, "refusal": None if officer.eligible else (officer.refusal or decision.refusal),
        "bases": decision.bases if officer.eligible else [],
        "offer": decision.offer if officer.eligible else None})


def decision_letter(decision: Decision, policy: Policy, *, calendar: WorkingDays, issued_on: dt.date,
                    name: str = "", network=None, decision_ref: str | None = None,
                    council: Council | None = None, officer: OfficerDecision | None = None) -> Document:
    """Render the decision letter (the map's background roads come from ``network``, the walk network)
    on the letterhead of ``council`` (default: the configured council, never the policy's author).

    With ``officer``, the letter gives the officer's outcome and reason over the engine's measurements.
    """
    check_policy(decision, policy)
    council = council or load_council()
    if officer is not None:
        decision = _officer_view(decision, officer)
    name = name.strip() or "your child"
    attended = next((s for s in decision.schools_considered if s.attended), None)
    entrance = attended.entrance if attended is not None else "school point"
    inputs = decision.inputs
    home = inputs.home
    markers = [Marker(home[0], home[1], "Home", "home")]
    if decision.route:
        end = decision.route[-1]
        markers.append(Marker(end[0], end[1], f"{decision.school_name}: {entrance}", "entrance"))
    lines, nearer = [decision.route], None
    if decision.nearer_route and decision.nearer_schools:  # the walk to the nearer school that decided the refusal
        nearer = next((s for s in decision.schools_considered if s.school_id == decision.nearer_schools[0]), None)
        if nearer is not None:
            lines.append(decision.nearer_route)
            end = decision.nearer_route[-1]
            markers.append(Marker(end[0], end[1], f"{nearer.name} (nearer)", "entrance"))
    if officer is not None:
        rule_label = f"decided on {words(officer.kind)} by an officer" + (
            f": refused, {_refusal_label(decision, policy).lower()}" if not decision.eligible and decision.refusal else "")
        cites = "officer's decision, with the engine's measurements below"
    elif decision.eligible:
        rule_label = ", ".join(label_of(policy.rules.get(b), b) for b in decision.bases)
        rows = [policy.rules[b] for b in decision.bases if b in policy.rules]
        cites = "; ".join(r.cites for r in rows) or "; ".join(decision.cites)
    else:
        rule_label = f"refused: {_refusal_label(decision, policy)}"
        cites = "; ".join(decision.cites)
    review_days = policy.letters.review_request_days
    context: dict[str, Any] = {
        "council": council.name,
        "letterhead": council.letterhead(),
        "service": "Home to school transport",
        "reference": decision.application_id,
        "issued_on": issued_on,
        "name": name,
        "school": decision.school_name,
        "opening": opening(decision, policy, name),
        "rule_label": rule_label,
        "decided_by": f"The officer's reason: {officer.reason}" if officer is not None else decision.decided_by,
        "cites": cites,
        "offer_workings": decision.offer.ptb_workings if decision.offer and decision.offer.kind == "ptb" else "",
        "distances": [("Walking route", _distance(decision.walking_m)),
                      ("Reasonably safe walking route", _distance(decision.safe_walking_m)),
                      ("Road route", _distance(decision.road_m)),
                      ("Straight line", _distance(decision.straight_line_m))],
        "entrance_text": f"to the entrance used ({entrance})",
        "unsafe": ", ".join(decision.unsafe_segments_avoided),
        "map_svg": svg_map(lines, markers, network=network, colours=(WALK_COLOUR, NEARER_COLOUR),
                           title=f"Walking route from home to {decision.school_name}"),
        "nearer": None if nearer is None else {"name": nearer.name, "distance": _distance(nearer.walking_m)},
        "review_by": calendar.add_working_days(issued_on, review_days),
        "review_days": review_days,
        "response_days": policy.letters.review_response_days,
        "appeal_days": policy.letters.appeal_request_days,
        "review_and_appeal": policy.review_and_appeal,
        "checks": [{"rule": f"{label_of(policy.rules.get(c.rule), c.rule)} ({c.rule})", "result": ("holds: " if c.holds else "does not hold: ") + c.test, "cites": c.cites}
                   for c in decision.checks],
        "valid_until": decision.valid_until,
        "valid_until_reason": decision.valid_until_reason,
        "policy_version": decision.policy_version,
        "decision_ref": decision_ref or f"{decision.application_id} (engine decision)",
        "sender": council.sender,
        "contact": council.contact,
    }
    title = f"Home to school transport for {name}: {'agreed' if decision.eligible else 'not agreed'}"
    return render("decision_letter", decision.application_id, title, "decision_letter.html", context,
                  sources={"application": decision.application_id, "decision": decision_ref,
                           "decided_on": officer.kind if officer is not None else "assessment",
                           "policy_version": decision.policy_version,
                           "review_by": context["review_by"].isoformat()})
