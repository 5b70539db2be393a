"""September readiness from the stored applications, decisions, plans, awards and travel letters.

The facts of each application are gathered here; the states and counts are
``transport.documents.readiness`` (pure, so the count-down replays them day by day).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.engine import EligibilityEngine
from api.models import (
    ApplicationRecord,
    DecisionRecord,
    DocumentRecord,
    LotRecord,
    PlanRecord,
    PtbAgreementRecord,
)
from api.schemas.documents import ReadinessPublic
from transport.documents.journeys import route_ref
from transport.documents.readiness import ChildFacts, readiness
from transport.domain.scenario import placement_request_id
from transport.planning.day import DAY_PLAN_FORMAT
from transport.planning.today import IMPORTED


def _school_names(session: Session, engine: EligibilityEngine | None) -> dict[str, str]:
    names: dict[str, str] = {}
    for (doc,) in session.execute(select(PlanRecord.document)):
        for s in (doc or {}).get("scenario", {}).get("schools", []):
            names.setdefault(s["id"], s.get("name") or s["id"])
    if engine is not None and engine.state == "loaded":
        for sid, school in engine.assessor().measurer.schools.items():
            names.setdefault(sid, school.name)
    return names


def _placements(session: Session) -> dict[str, dict[str, Any]]:
    """Each child's place in the newest plan that holds them: plan, route, award and when."""
    out: dict[str, dict[str, Any]] = {}
    for plan in session.scalars(select(PlanRecord).order_by(PlanRecord.id.desc())):
        doc = plan.document or {}
        day = doc.get("format") == DAY_PLAN_FORMAT
        if day and doc.get("source") == IMPORTED:
            continue  # today's network as imported: the baseline, not a plan for the new term
        ref = (lambda i: f"D{i:03d}") if day else route_ref  # a day plan's routes are its duties
        positions = {r.id: r.position for r in plan.routes}
        awarded: dict[str, tuple[dt.datetime, str]] = {}
        for lot in session.scalars(select(LotRecord).where(LotRecord.plan_id == plan.id, LotRecord.status == "awarded")):
            if lot.award is not None:
                for rid in lot.route_ids:
                    if rid in positions:
                        awarded[ref(positions[rid])] = (lot.award.awarded_at, lot.award.operator)
        if day:  # a shared placement's trips (child@school) are their child's
            child_of = _trip_children(doc)
            riders = [list(dict.fromkeys(child_of.get(rid, rid) for kind, rid in d.get("am", []) if kind == "pickup"))
                      for d in doc["plan"].get("duties", [])]
        else:
            riders = [[s.get("request_id") for s in route.get("stops", []) if s.get("kind") == "pickup"]
                      for route in doc.get("plan", {}).get("routes", [])]
        for i, ids in enumerate(riders, start=1):
            for cid in ids:
                if cid and cid not in out:
                    when, operator = awarded.get(ref(i), (None, None))
                    out[cid] = {"plan_id": plan.id, "planned_at": plan.created_at, "route_ref": ref(i),
                                "awarded_at": when, "operator": operator}
        for u in doc.get("plan", {}).get("unassigned", []):
            cid = _trip_children(doc).get(u.get("request_id"), u.get("request_id")) if day else u.get("request_id")
            if cid and cid not in out:
                out[cid] = {"plan_id": plan.id, "planned_at": plan.created_at, "route_ref": None,
                            "unassigned_reason": u.get("reason")}
    return out


def _trip_children(doc: dict[str, Any]) -> dict[str, str]:
    """A day plan document's shared-placement trip ids (``child@school``) -> child id."""
    return {placement_request_id(c["id"], p["school_id"]): c["id"]
            for c in doc.get("scenario", {}).get("children", []) for p in c.get("placements") or []}


def _letters_sent(session: Session) -> dict[tuple[str, int], dt.datetime]:
    """When each child's first travel letter for a plan was sent."""
    out: dict[tuple[str, int], dt.datetime] = {}
    rows = session.execute(select(DocumentRecord.subject, DocumentRecord.plan_id, DocumentRecord.sent_at)
                           .where(DocumentRecord.kind == "travel_letter", DocumentRecord.sent_at.is_not(None)))
    for subject, plan_id, sent_at in rows:
        key = (subject, plan_id)
        out[key] = min(out.get(key, sent_at), sent_at)
    return out


def facts(session: Session, engine: EligibilityEngine | None = None) -> list[ChildFacts]:
    """Every application's facts."""
    names = _school_names(session, engine)
    placed = _placements(session)
    sent = _letters_sent(session)
    agreed: dict[int, dt.datetime] = {}
    for app_id, at in session.execute(select(PtbAgreementRecord.application_id, PtbAgreementRecord.created_at)):
        agreed[app_id] = min(agreed.get(app_id, at), at)
    decisions = {d.id: d for d in session.scalars(select(DecisionRecord).join(
        ApplicationRecord, ApplicationRecord.current_decision_id == DecisionRecord.id))}
    out = []
    for rec in session.scalars(select(ApplicationRecord).order_by(ApplicationRecord.id)):
        dec = decisions.get(rec.current_decision_id) if rec.current_decision_id else None
        offer = ((dec.document or {}).get("offer") or {}).get("kind") if dec is not None and dec.document else None
        p = placed.get(rec.reference, {})
        out.append(ChildFacts(
            reference=rec.reference, school_id=rec.school_id, school_name=names.get(rec.school_id, rec.school_id),
            applied_at=rec.created_at, decided_at=dec.created_at if dec else None,
            eligible=dec.eligible if dec else None, offer_kind=(offer or "seat") if dec and dec.eligible else None,
            offer_taken_up_at=agreed.get(rec.id),
            planned_at=p.get("planned_at"), plan_id=p.get("plan_id"), route_ref=p.get("route_ref"),
            unassigned_reason=p.get("unassigned_reason"), awarded_at=p.get("awarded_at"), operator=p.get("operator"),
            letter_sent_at=sent.get((rec.reference, p["plan_id"])) if p.get("plan_id") else None))
    return out


def view(session: Session, first_day: dt.date, *, today: dt.date | None = None,
         engine: EligibilityEngine | None = None) -> ReadinessPublic:
    """The readiness view for a first day of term."""
    today = today or dt.datetime.now(dt.UTC).date()
    return ReadinessPublic.model_validate(readiness(facts(session, engine), first_day, today=today))
