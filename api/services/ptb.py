"""PTB agreements: agree from an eligible decision, record changes of circumstances, list a month's payments.

The arithmetic is :mod:`eligibility.ptb_agreement`'s; this module stores and audits it. A
write that fails validation stores nothing (the recalculation runs before anything is added).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.errors import ConflictError
from api.models import ApplicationRecord, DecisionRecord, PtbAgreementRecord, PtbChangeRecord
from api.schemas.ptb import (
    InstalmentPublic,
    PtbAgreementCreate,
    PtbAgreementPublic,
    PtbChangeCreate,
    PtbChangePublic,
    PtbChangeResult,
    TermsPublic,
)
from api.security import Principal
from api.services import current_decision, get_or_404, page
from api.services.records import get_application
from eligibility.offer import decision_ptb_distance_m, pounds, ptb_measure, ptb_value
from eligibility.policy import Policy
from eligibility.ptb_agreement import (
    Agreement,
    Change,
    Instalment,
    Terms,
    apply_change,
    deduction_for,
    new_agreement,
    payment_schedule,
    payments_in_month,
    ptb_year,
)
from transport.domain.errors import InputError


def reference(rec: PtbAgreementRecord) -> str:
    """The agreement's payment reference (no personal data)."""
    return f"PTB-{rec.id:06d}"


def _domain(rec: PtbAgreementRecord) -> Agreement:
    terms = tuple(Terms(dt.date.fromisoformat(t["effective"]), int(t["annual_pence"]), int(t["deduction_pence"]),
                        t["reason"]) for t in rec.terms)
    return Agreement(reference(rec), rec.start, rec.end, terms)


def _terms_json(agreement: Agreement) -> list[dict[str, Any]]:
    return [{"effective": t.effective.isoformat(), "annual_pence": t.annual_pence,
             "deduction_pence": t.deduction_pence, "reason": t.reason} for t in agreement.terms]


def _instalment(i: Instalment) -> InstalmentPublic:
    return InstalmentPublic(due=i.due, period_start=i.period_start, period_end=i.period_end,
                            amount_pence=i.amount_pence, workings=i.workings)


def _change(c: PtbChangeRecord) -> PtbChangePublic:
    return PtbChangePublic(id=c.id, kind=c.kind, effective=c.effective, reported=c.reported, annual_pence=c.annual_pence,
                           end=c.end, difference_pence=c.difference_pence, to_repay_pence=c.to_repay_pence,
                           workings=c.workings)


def public(session: Session, rec: PtbAgreementRecord, policy: Policy) -> PtbAgreementPublic:
    """The agreement with its schedule worked out from its terms."""
    app = session.get(ApplicationRecord, rec.application_id)
    agreement = _domain(rec)
    return PtbAgreementPublic(
        id=rec.id, reference=reference(rec), application_id=app.reference if app else "", policy_version=rec.policy_version,
        start=rec.start, end=rec.end,
        terms=[TermsPublic(effective=t.effective, annual_pence=t.annual_pence, deduction_pence=t.deduction_pence,
                           reason=t.reason) for t in agreement.terms],
        schedule=[_instalment(i) for i in payment_schedule(agreement, policy.ptb)],
        changes=[_change(c) for c in rec.changes])


def _full_year_ptb(policy: Policy, decision: dict[str, Any], start: dt.date) -> tuple[int, str]:
    """The policy's annual PTB for the decision's distance (the schedule does the pro-rating)."""
    distance = decision_ptb_distance_m(policy, decision)
    if distance is None:
        raise InputError(f"the decision has no {ptb_measure(policy).replace('_', '-')} distance to price a PTB: "
                         "give annual_pence")
    return ptb_value(policy, float(distance), ptb_year(policy.ptb, start)[0])


def create(session: Session, who: Principal, body: PtbAgreementCreate, policy_of) -> PtbAgreementRecord:
    """Agree a PTB for an eligible application; refuses an ineligible one and an overlapping agreement."""
    app = get_application(session, body.application_id)
    decision = current_decision(session, app)
    if decision is None or not decision.eligible:
        raise InputError(f"application {body.application_id}: not decided eligible, so no PTB can be agreed")
    policy: Policy = policy_of(decision.policy_id)
    doc = decision.document or {}
    if body.annual_pence is not None:
        annual = body.annual_pence
        reason = f"agreed at {pounds(annual)} a year (entered by the officer)"
    else:
        annual, reason = _full_year_ptb(policy, doc, body.start)
    if body.attendance_days < 5:
        annual = round(annual * body.attendance_days / 5)
        reason += f"; x {body.attendance_days}/5 days attended = {pounds(annual)} a year"
    deduction = deduction_for(policy.ptb, (doc.get("bases") or [""])[0])
    agreement = new_agreement(policy.ptb, "new", annual, start=body.start, end=body.end, deduction_pence=deduction,
                              reason=reason)
    overlapping = session.scalar(select(PtbAgreementRecord.id).where(
        PtbAgreementRecord.application_id == app.id, PtbAgreementRecord.start <= agreement.end,
        PtbAgreementRecord.end >= agreement.start))
    if overlapping is not None:
        raise ConflictError(f"application {body.application_id} already has PTB agreement {overlapping} for those dates")
    rec = PtbAgreementRecord(application_id=app.id, decision_id=decision.id, policy_version=decision.policy_version,
                             start=agreement.start, end=agreement.end, terms=_terms_json(agreement), created_by=who.key_id)
    session.add(rec)
    session.flush()
    audit.record(session, who, "ptb.agree", "ptb_agreement", rec.id, f"application record {app.id}")
    session.commit()
    return rec


def get(session: Session, agreement_id: int) -> PtbAgreementRecord:
    """The agreement with this id (404 otherwise)."""
    return get_or_404(session, PtbAgreementRecord, agreement_id, "PTB agreement")


def listing(session: Session, *, application_id: str | None, limit: int, offset: int) -> tuple[list[PtbAgreementRecord], int]:
    """Agreements, newest first, optionally for one application."""
    query = select(PtbAgreementRecord).order_by(PtbAgreementRecord.id.desc())
    if application_id is not None:
        query = query.join(ApplicationRecord).where(ApplicationRecord.reference == application_id)
    return page(session, query, limit=limit, offset=offset)


def record_change(session: Session, who: Principal, agreement_id: int, body: PtbChangeCreate,
                  policy_of) -> PtbChangeResult:
    """Recalculate from a change of circumstances and store it (nothing stored if it is refused)."""
    rec = get(session, agreement_id)
    decision_policy = _policy(session, rec, policy_of)
    agreement = _domain(rec)
    current = agreement.terms_on(min(max(body.effective, agreement.start), agreement.end))
    if body.annual_pence is not None:
        annual, workings = body.annual_pence, f"{pounds(body.annual_pence)} a year (entered by the officer)"
    elif body.distance_m is not None:
        annual, workings = ptb_value(decision_policy, body.distance_m, ptb_year(decision_policy.ptb, agreement.start)[0])
    elif body.attendance_days is not None:
        base = current.annual_pence
        annual = round(base * body.attendance_days / 5)
        workings = f"{pounds(base)} x {body.attendance_days}/5 days attended = {pounds(annual)} a year"
    else:  # leaving
        annual, workings = current.annual_pence, "leaves: payments stop the day before"
    result = apply_change(agreement, decision_policy.ptb, Change(body.kind, body.effective, body.reported, annual, workings))
    rec.end = result.agreement.end
    rec.terms = _terms_json(result.agreement)
    change = PtbChangeRecord(agreement_id=rec.id, kind=body.kind, effective=body.effective, reported=body.reported,
                             annual_pence=annual, end=result.agreement.end if result.agreement.end != agreement.end else None,
                             difference_pence=result.difference_pence, to_repay_pence=result.to_repay_pence,
                             workings=result.workings, created_by=who.key_id)
    session.add(change)
    session.flush()
    audit.record(session, who, "ptb.change", "ptb_agreement", rec.id, f"change {change.id} ({body.kind})")
    session.commit()
    session.refresh(rec)
    return PtbChangeResult(agreement=public(session, rec, decision_policy), change=_change(change),
                           remaining=[_instalment(i) for i in result.remaining])


def policy_id(session: Session, rec: PtbAgreementRecord) -> str:
    """The policy of the decision the agreement was made under."""
    return session.get(DecisionRecord, rec.decision_id).policy_id


def _policy(session: Session, rec: PtbAgreementRecord, policy_of) -> Policy:
    return policy_of(policy_id(session, rec))


def month_payments(session: Session, year: int, month: int, policy_of) -> list[dict[str, Any]]:
    """The payments due in one month: reference, amount and date (no names, no bank details)."""
    schedules = {}
    for rec in session.scalars(select(PtbAgreementRecord)):
        schedules[reference(rec)] = payment_schedule(_domain(rec), _policy(session, rec, policy_of).ptb)
    return [{"reference": ref, "amount_pence": i.amount_pence, "amount": f"{i.amount_pence / 100:.2f}",
             "payment_date": i.due.isoformat(), "period": f"{i.period_start.isoformat()} to {i.period_end.isoformat()}"}
            for ref, i in payments_in_month(schedules, year, month)]
