"""Issued documents: render from stored decisions, plans and awards, store with their hash and what
produced them, serve by role, and record when they were sent and downloaded.

A document's identity is its kind and subject (application reference, child, school URN or route);
issuing one whose bytes differ from the current copy stores a new row that supersedes it, and an
identical re-issue returns the current row. Nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import audit
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.models import (
    ApplicationRecord,
    AwardRecord,
    DecisionRecord,
    DocumentRecord,
    LotRecord,
    PlanRecord,
    RouteRecord,
    utcnow,
)
from api.schemas.documents import DocumentPublic, IssueReport, NotIssued
from api.security import Principal, Role, instance_secret
from api.security import pseudonym as contractor_pseudonym
from api.services import current_decision, day_plans, get_or_404
from api.services.planning import get_plan
from api.services.records import get_application
from api.workdays import england_and_wales
from eligibility.policy import load_policy
from eligibility.rules import Decision
from routing.network import load_network
from transport.documents.decision_letter import OfficerDecision, decision_letter
from transport.documents.journeys import Award, day_label, day_legs, journeys, route_ref
from transport.documents.lists import day_route_pack, route_pack, school_list
from transport.documents.render import Document
from transport.documents.travel import (
    change_notice,
    changes,
    day_letter_routes,
    day_travel_letter,
    travel_letter,
)
from transport.domain.errors import InputError
from transport.domain.privacy import pseudonym
from transport.planning.day import DayPlanDocument
from transport.planning.plan import PlanDocument

STAFF_KINDS = {Role.OFFICER: ("decision_letter",),
               Role.PLANNER: ("travel_letter", "change_notice", "school_list", "route_pack")}


def public(rec: DocumentRecord) -> DocumentPublic:
    """The record without its bytes."""
    return DocumentPublic(id=rec.id, kind=rec.kind, subject=rec.subject, title=rec.title, audience=rec.audience,
                          sha256=rec.sha256, size_bytes=rec.size_bytes, decision_id=rec.decision_id,
                          plan_id=rec.plan_id, lot_id=rec.lot_id, operator=rec.operator,
                          policy_version=rec.policy_version, sources=rec.sources, supersedes_id=rec.supersedes_id,
                          created_at=rec.created_at, sent_at=rec.sent_at, downloaded_at=rec.downloaded_at,
                          downloads=rec.downloads, pdf_url=f"/v1/documents/{rec.id}/pdf")


def current(session: Session, kind: str, subject: str) -> DocumentRecord | None:
    """The latest issue of a document."""
    return session.scalar(select(DocumentRecord).where(DocumentRecord.kind == kind, DocumentRecord.subject == subject)
                          .order_by(DocumentRecord.id.desc()).limit(1))


def store(session: Session, who: Principal, doc: Document, *, sent: bool = False, **links: Any) -> DocumentRecord:
    """Keep a rendered document (no commit); an identical re-issue returns the current row."""
    old = current(session, doc.kind, doc.subject)
    if old is not None and old.sha256 == doc.sha256:
        return old
    rec = DocumentRecord(kind=doc.kind, subject=doc.subject, title=doc.title[:200], audience=doc.audience,
                         sha256=doc.sha256, size_bytes=len(doc.pdf), content=doc.pdf,
                         policy_version=doc.sources.get("policy_version"),
                         sources={k: v for k, v in doc.sources.items() if v is not None},
                         supersedes_id=old.id if old is not None else None, created_by=who.key_id,
                         sent_at=utcnow() if sent else None, downloads=0, **links)
    session.add(rec)
    session.flush()
    audit.record(session, who, "document.issue", "document", rec.id,
                 f"kind={doc.kind} supersedes={rec.supersedes_id or '-'}")
    return rec


def _today(day: dt.date | None) -> dt.date:
    return day or dt.datetime.now(dt.UTC).date()


# ------------------------------------------------------------------------------------------------
# decision letters (officers)
# ------------------------------------------------------------------------------------------------
def issue_decision_letter(session: Session, who: Principal, reference: str, issued_on: dt.date | None) -> DocumentRecord:
    """The decision letter of the application's decision in force."""
    rec = get_application(session, reference)
    dec = current_decision(session, rec)
    if dec is None:
        raise ConflictError(f"application {reference} has no decision yet")
    officer = None
    measured = dec
    if dec.document is None:  # an officer's override, review or appeal: the letter uses the last measurement
        measured = next((d for d in reversed(rec.decisions) if d.document is not None and d.id < dec.id), None)
        if measured is None:
            raise ConflictError(f"decision {dec.id} of {reference} has no engine assessment before it to measure from")
        officer = OfficerDecision(kind=dec.kind, eligible=dec.eligible, refusal=dec.refusal, reason=dec.reason or "")
    decision = Decision.model_validate(measured.document)
    try:
        doc = decision_letter(decision, load_policy(measured.policy_id), calendar=england_and_wales(),
                              issued_on=_today(issued_on), name=str(rec.data.get("first_name") or ""),
                              network=load_network("walk"), decision_ref=f"decision {dec.id}", officer=officer)
    except InputError as exc:
        raise ConflictError(str(exc)) from None
    row = store(session, who, doc, application_id=rec.id, decision_id=dec.id)
    session.commit()
    return row


# ------------------------------------------------------------------------------------------------
# plans: travel letters, change notices, school lists, route packs (planners)
# ------------------------------------------------------------------------------------------------
def plan_awards(session: Session, plan: PlanRecord) -> dict[str, tuple[AwardRecord, LotRecord]]:
    """Awards of a plan's routes by route reference (``R001``; a day plan's duties ``D001``)."""
    ref = day_label if day_plans.is_day(plan) else route_ref
    positions = {r.id: r.position for r in plan.routes}
    out = {}
    for lot in session.scalars(select(LotRecord).where(LotRecord.plan_id == plan.id, LotRecord.status == "awarded")):
        if lot.award is None:
            continue
        for rid in lot.route_ids:
            if rid in positions:
                out[ref(positions[rid])] = (lot.award, lot)
    return out


def _award(a: AwardRecord, lot: LotRecord) -> Award:
    return Award(a.operator, a.operator_phone or "", f"lot {lot.id}")


def _postcodes(session: Session, refs: list[str]) -> dict[str, str]:
    rows = session.execute(select(ApplicationRecord.reference, ApplicationRecord.data)
                           .where(ApplicationRecord.reference.in_(refs))).all()
    return {ref: code for ref, data in rows if (code := ((data or {}).get("home") or {}).get("postcode"))}


def _application_ids(session: Session, refs: list[str]) -> dict[str, int]:
    return dict(session.execute(select(ApplicationRecord.reference, ApplicationRecord.id)
                                .where(ApplicationRecord.reference.in_(refs))).all())


def issue_travel_letters(session: Session, who: Principal, plan_id: int, first_day: dt.date,
                         afternoon_plan_id: int | None, issued_on: dt.date | None) -> IssueReport:
    """A travel letter for every child on an awarded route; the others are reported with the reason."""
    plan = get_plan(session, plan_id)
    if day_plans.is_day(plan):
        if afternoon_plan_id is not None:
            raise ConflictError(f"plan {plan_id} is a day plan: both runs are in it, so leave out afternoon_plan_id")
        return _issue_day_travel_letters(session, who, plan, first_day, issued_on)
    am = PlanDocument.from_dict(plan.document)
    pm = PlanDocument.from_dict(get_plan(session, afternoon_plan_id).document) if afternoon_plan_id else None
    policy = _letters_policy(session, am)
    awards = plan_awards(session, plan)
    routed = journeys(am)
    refs = sorted(routed)
    codes, app_ids = _postcodes(session, refs), _application_ids(session, refs)
    issued, skipped = [], [NotIssued(subject=u.request_id, reason=f"unassigned in plan {plan_id}: {u.reason.value}")
                           for u in am.plan.unassigned]
    for cid in refs:
        j = routed[cid]
        found = awards.get(j.route_ref)
        if found is None:
            skipped.append(NotIssued(subject=cid, reason=f"route {j.route_ref} is not awarded yet"))
            continue
        award, lot = found
        if not award.operator_phone:
            skipped.append(NotIssued(subject=cid, reason=f"lot {lot.id} ({award.operator}) has no contact phone: "
                                                         "add it to the award"))
            continue
        doc = travel_letter(am, cid, _award(award, lot), policy, issued_on=_today(issued_on), first_day=first_day,
                            afternoon=pm, plan_id=plan.id, afternoon_plan_id=afternoon_plan_id,
                            postcode=codes.get(cid))
        issued.append(store(session, who, doc, sent=True, application_id=app_ids.get(cid), plan_id=plan.id,
                            lot_id=lot.id, operator=award.operator))
    session.commit()
    return IssueReport(data=[public(r) for r in issued], count=len(issued), not_issued=skipped)


def _issue_day_travel_letters(session: Session, who: Principal, plan: PlanRecord, first_day: dt.date,
                              issued_on: dt.date | None) -> IssueReport:
    """A day plan's travel letters: one per child whose duties (``D001``...) are all in awarded lots with a phone."""
    doc = DayPlanDocument.from_dict(plan.document)
    policy = _letters_policy(session, doc)
    awards = plan_awards(session, plan)
    legs = day_legs(doc)
    child_of = doc.scenario.child_of_trip()
    reasons = {child_of.get(u.request_id, u.request_id): u.reason.value for u in doc.plan.unassigned}
    refs = sorted(legs)
    codes, app_ids = _postcodes(session, refs), _application_ids(session, refs)
    issued, skipped = [], []
    for cid in refs:
        routes = day_letter_routes(legs[cid])
        if not routes:
            skipped.append(NotIssued(subject=cid, reason=f"unassigned in plan {plan.id}: {reasons.get(cid, 'no route')}"))
            continue
        waiting = next((r for r in routes if r not in awards), None)
        if waiting is not None:
            skipped.append(NotIssued(subject=cid, reason=f"route {waiting} is not awarded yet"))
            continue
        phoneless = next((awards[r] for r in routes if not awards[r][0].operator_phone), None)
        if phoneless is not None:
            award, lot = phoneless
            skipped.append(NotIssued(subject=cid, reason=f"lot {lot.id} ({award.operator}) has no contact phone: "
                                                         "add it to the award"))
            continue
        try:
            letter = day_travel_letter(doc, cid, {r: _award(*awards[r]) for r in routes}, policy,
                                       issued_on=_today(issued_on), first_day=first_day, plan_id=plan.id,
                                       postcode=codes.get(cid))
        except InputError as exc:  # e.g. carried in the afternoons but on no morning run
            skipped.append(NotIssued(subject=cid, reason=str(exc)))
            continue
        award, lot = awards[routes[0]]
        issued.append(store(session, who, letter, sent=True, application_id=app_ids.get(cid), plan_id=plan.id,
                            lot_id=lot.id, operator=award.operator))
    session.commit()
    return IssueReport(data=[public(r) for r in issued], count=len(issued), not_issued=skipped)


def _letters_policy(session: Session, doc: PlanDocument | DayPlanDocument):
    """The policy of the children's decisions (their letters' words), or the Kent example's."""
    ids = [c.id for c in doc.scenario.children]
    pid = session.scalar(select(DecisionRecord.policy_id).join(ApplicationRecord,
                                                               ApplicationRecord.current_decision_id == DecisionRecord.id)
                         .where(ApplicationRecord.reference.in_(ids)).limit(1))
    return load_policy(pid or "kent")


def issue_change_notices(session: Session, who: Principal, plan_id: int, from_plan_id: int, effective: dt.date,
                         issued_on: dt.date | None) -> IssueReport:
    """A change notice for each child whose times move beyond the policy threshold or whose vehicle changes."""
    new_rec, old_rec = get_plan(session, plan_id), get_plan(session, from_plan_id)
    new, old = PlanDocument.from_dict(new_rec.document), PlanDocument.from_dict(old_rec.document)
    policy = _letters_policy(session, new)
    awards = plan_awards(session, new_rec)
    after = journeys(new)
    app_ids = _application_ids(session, [c.id for c in new.scenario.children])
    issued = []
    for c in changes(old, new, policy.letters.change_threshold_min):
        found = awards.get(after[c.child_id].route_ref) if c.child_id in after else None
        award = _award(*found) if found and found[0].operator_phone else None
        doc = change_notice(c, old, new, policy, issued_on=_today(issued_on), effective=effective, award=award,
                            old_plan_id=old_rec.id, new_plan_id=new_rec.id)
        issued.append(store(session, who, doc, sent=True, application_id=app_ids.get(c.child_id), plan_id=new_rec.id))
    session.commit()
    return IssueReport(data=[public(r) for r in issued], count=len(issued), not_issued=[])


def issue_school_lists(session: Session, who: Principal, plan_id: int, afternoon_plan_id: int | None,
                       issued_on: dt.date | None) -> IssueReport:
    """A list for every school the plan serves."""
    plan = get_plan(session, plan_id)
    docs = [PlanDocument.from_dict(plan.document)]
    ids: list[int] = [plan.id]
    if afternoon_plan_id:
        docs.append(PlanDocument.from_dict(get_plan(session, afternoon_plan_id).document))
        ids.append(afternoon_plan_id)
    awards = {ref: _award(a, lot) for ref, (a, lot) in plan_awards(session, plan).items()}
    issued = []
    for sid in sorted({c.school_id for c in docs[0].scenario.children}):
        doc = school_list(sid, docs, pseudonym=pseudonym, issued_on=_today(issued_on), awards=awards, plan_ids=ids)
        issued.append(store(session, who, doc, plan_id=plan.id))
    session.commit()
    return IssueReport(data=[public(r) for r in issued], count=len(issued), not_issued=[])


def issue_route_packs(session: Session, who: Principal, lot_id: int, issued_on: dt.date | None) -> IssueReport:
    """A route pack for each route of an awarded lot, for its operator (pseudonyms as in the contractor feed):
    a day plan's packs have both runs and the weekdays (``D001``...)."""
    lot = get_or_404(session, LotRecord, lot_id, "lot")
    if lot.award is None or lot.status != "awarded":
        raise ConflictError(f"lot {lot_id} is {lot.status}: route packs go to the operator of an awarded lot")
    plan = get_plan(session, lot.plan_id)
    award = lot.award
    secret = instance_secret(session, "contractor-pseudonyms")
    common = dict(pseudonym=lambda cid: contractor_pseudonym(secret, award.operator, cid), issued_on=_today(issued_on),
                  network=load_network("drive"), plan_id=plan.id)
    lines: dict[str, list] = {}
    for f in (plan.geojson or {}).get("features", []):
        if f.get("geometry", {}).get("type") == "LineString":
            lines.setdefault(f["properties"].get("route"), []).append(f["geometry"]["coordinates"])
    positions = session.scalars(select(RouteRecord.position).where(RouteRecord.id.in_(lot.route_ids))
                                .order_by(RouteRecord.position)).all()
    if day_plans.is_day(plan):
        day = DayPlanDocument.from_dict(plan.document)
        codes = _postcodes(session, [c.id for c in day.scenario.children])
        packs = {ref: day_route_pack(day, ref, _award(award, lot), lines=lines.get(ref, []), postcodes=codes, **common)
                 for ref in (f"D{p:03d}" for p in positions)}
    else:
        doc = PlanDocument.from_dict(plan.document)
        codes = _postcodes(session, [c.id for c in doc.scenario.children])
        packs = {ref: route_pack(doc, ref, _award(award, lot), line=(lines.get(ref) or [()])[0], postcodes=codes, **common)
                 for ref in (route_ref(p) for p in positions)}
    issued = []
    for ref, pack in packs.items():
        pack = Document(kind=pack.kind, subject=f"L{lot.id}-{ref}", title=pack.title, pdf=pack.pdf,
                        sources=pack.sources, audience=pack.audience)
        issued.append(store(session, who, pack, plan_id=plan.id, lot_id=lot.id, operator=award.operator))
    session.commit()
    return IssueReport(data=[public(r) for r in issued], count=len(issued), not_issued=[])


# ------------------------------------------------------------------------------------------------
# reading, downloading and marking sent (role-scoped)
# ------------------------------------------------------------------------------------------------
def session_lot(rec: DocumentRecord) -> LotRecord | None:
    """The lot a document was issued for (through the record's own session)."""
    from sqlalchemy.orm import object_session

    sess = object_session(rec)
    return sess.get(LotRecord, rec.lot_id) if sess is not None and rec.lot_id else None


def visible(who: Principal, rec: DocumentRecord) -> bool:
    """Officers see decision letters, planners the planning documents, an operator its own route packs."""
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.CONTRACTOR:  # only while the lot is still awarded to it (a withdrawal ends access)
        lot = session_lot(rec)
        return rec.kind == "route_pack" and rec.operator == who.operator and lot is not None and lot.status == "awarded"
    return rec.kind in STAFF_KINDS.get(who.role, ())


def listing(session: Session, who: Principal, *, kind: str | None = None, subject: str | None = None,
            plan_id: int | None = None, limit: int = 100, offset: int = 0) -> tuple[list[DocumentRecord], int]:
    """Documents the caller may see, newest first, and how many match."""
    q = select(DocumentRecord).order_by(DocumentRecord.id.desc())
    if who.role is Role.CONTRACTOR:
        q = q.join(LotRecord, LotRecord.id == DocumentRecord.lot_id).where(
            DocumentRecord.kind == "route_pack", DocumentRecord.operator == who.operator, LotRecord.status == "awarded")
    elif who.role is not Role.ADMIN:
        q = q.where(DocumentRecord.kind.in_(STAFF_KINDS.get(who.role, ())))
    if kind:
        q = q.where(DocumentRecord.kind == kind)
    if subject:
        q = q.where(DocumentRecord.subject == subject)
    if plan_id is not None:
        q = q.where(DocumentRecord.plan_id == plan_id)
    n = session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
    return list(session.scalars(q.limit(limit).offset(offset))), n


def get(session: Session, who: Principal, doc_id: int) -> DocumentRecord:
    """One document the caller may see (404 for one they may not: its existence is not disclosed)."""
    rec = session.get(DocumentRecord, doc_id)
    if rec is None or not visible(who, rec):
        raise NotFoundError(f"document {doc_id} not found")
    return rec


def download(session: Session, who: Principal, doc_id: int) -> DocumentRecord:
    """The document's bytes; the first and latest download are recorded."""
    rec = get(session, who, doc_id)
    rec.downloads += 1
    rec.downloaded_at = rec.downloaded_at or utcnow()
    audit.record(session, who, "document.download", "document", rec.id, f"downloads={rec.downloads}")
    session.commit()
    return rec


def mark_sent(session: Session, who: Principal, doc_id: int) -> DocumentRecord:
    """Record that a document went out (once)."""
    rec = get(session, who, doc_id)
    if who.role is Role.CONTRACTOR:
        raise ForbiddenError("operators cannot mark documents sent")
    if rec.sent_at is None:
        rec.sent_at = utcnow()
        audit.record(session, who, "document.sent", "document", rec.id)
    session.commit()
    return rec
