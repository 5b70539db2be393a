"""Reviews and appeals: stage 1 review, then stage 2 appeal to a panel, with working-day deadlines.

Timescales (``api/data/review_appeal_timescales.yaml``, DfE 2024 guidance): 20 working days to ask
for a review from the decision, 20 to answer; 20 to ask for an appeal from the review answer; the
panel meets within 40 working days of the request and decides within 5 of the hearing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.errors import ConflictError, FieldError
from api.models import ApplicationRecord, CaseRecord, DecisionRecord
from api.schemas.cases import CaseOutcome, CasePublic, CaseRequest, HearingSchedule
from api.security import Principal
from api.services import current_decision, decisions, get_or_404
from api.services.records import get_application
from api.workdays import Calendar, england_and_wales, timescales
from transport.domain.errors import InputError


def _late(field: str, deadline: dt.date, since: str) -> FieldError:
    return FieldError(("body", field), f"{field} is after the deadline {deadline} ({since}); "
                                       "set accept_late to accept a late request")


def request_review(session: Session, who: Principal, reference: str, body: CaseRequest,
                   cal: Calendar | None = None) -> CaseRecord:
    """Open a stage 1 review of the application's current refusal."""
    cal, ts = cal or england_and_wales(), timescales()
    rec = get_application(session, reference)
    cur = current_decision(session, rec)
    if cur is None or cur.eligible:
        raise ConflictError(f"application {reference} has no refusal to review")
    if session.scalar(select(CaseRecord.id).where(CaseRecord.decision_id == cur.id, CaseRecord.stage == 1)):
        raise ConflictError(f"decision {cur.id} already has a stage 1 review")
    decided = cur.created_at.date()
    if body.requested_on < decided:
        raise FieldError(("body", "requested_on"), f"requested_on is before the decision on {decided}")
    deadline = cal.add_working_days(decided, ts["stage1_request_days"])
    in_time = body.requested_on <= deadline
    if not in_time and not body.accept_late:
        raise _late("requested_on", deadline, f"{ts['stage1_request_days']} working days from the decision")
    case = CaseRecord(application_id=rec.id, decision_id=cur.id, stage=1, status="awaiting_review",
                      requested_on=body.requested_on, request_deadline=deadline, in_time=in_time,
                      respond_by=cal.add_working_days(body.requested_on, ts["stage1_response_days"]),
                      grounds=body.grounds, created_by=who.key_id)
    session.add(case)
    session.flush()
    audit.record(session, who, "case.review_requested", "case", case.id, f"application={reference} stage=1")
    public(case, body.requested_on, cal, strict=True)  # readable before anything is stored
    session.commit()
    return case


def get(session: Session, case_id: int) -> CaseRecord:
    """The case (404 otherwise)."""
    return get_or_404(session, CaseRecord, case_id, "case")


def request_appeal(session: Session, who: Principal, case_id: int, body: CaseRequest,
                   cal: Calendar | None = None) -> CaseRecord:
    """Open a stage 2 appeal after a stage 1 review upheld the refusal."""
    cal, ts = cal or england_and_wales(), timescales()
    review = get(session, case_id)
    if review.stage != 1 or review.outcome != "refusal_upheld" or review.decided_on is None:
        raise ConflictError(f"case {case_id} is not a stage 1 review that upheld the refusal")
    if session.scalar(select(CaseRecord.id).where(CaseRecord.parent_case_id == review.id)):
        raise ConflictError(f"case {case_id} already has a stage 2 appeal")
    if body.requested_on < review.decided_on:
        raise FieldError(("body", "requested_on"), f"requested_on is before the review answer on {review.decided_on}")
    deadline = cal.add_working_days(review.decided_on, ts["stage2_request_days"])
    in_time = body.requested_on <= deadline
    if not in_time and not body.accept_late:
        raise _late("requested_on", deadline, f"{ts['stage2_request_days']} working days from the review answer")
    hearing_by = cal.add_working_days(body.requested_on, ts["stage2_hearing_days"])
    case = CaseRecord(application_id=review.application_id, decision_id=review.decision_id, parent_case_id=review.id,
                      stage=2, status="awaiting_hearing", requested_on=body.requested_on, request_deadline=deadline,
                      in_time=in_time, hearing_by=hearing_by,
                      respond_by=cal.add_working_days(hearing_by, ts["stage2_decision_days"]),
                      grounds=body.grounds, created_by=who.key_id)
    session.add(case)
    session.flush()
    audit.record(session, who, "case.appeal_requested", "case", case.id, f"review={review.id} stage=2")
    public(case, body.requested_on, cal, strict=True)  # readable before anything is stored
    session.commit()
    return case


def schedule_hearing(session: Session, who: Principal, case_id: int, body: HearingSchedule,
                     cal: Calendar | None = None) -> CaseRecord:
    """Fix the panel's hearing date (by the hearing deadline); the decision is then due 5 working days after."""
    cal, ts = cal or england_and_wales(), timescales()
    case = get(session, case_id)
    if case.stage != 2 or case.status == "decided":
        raise ConflictError(f"case {case_id} is not an undecided stage 2 appeal")
    assert case.hearing_by is not None
    if not case.requested_on <= body.hearing_on <= case.hearing_by:
        raise FieldError(("body", "hearing_on"), f"the panel must meet between the request on {case.requested_on} "
                                                 f"and {case.hearing_by} ({ts['stage2_hearing_days']} working days)")
    if not cal.is_working_day(body.hearing_on):
        raise FieldError(("body", "hearing_on"), "hearing_on is not a working day")
    case.hearing_on = body.hearing_on
    case.respond_by = cal.add_working_days(body.hearing_on, ts["stage2_decision_days"])
    case.status = "hearing_scheduled"
    audit.record(session, who, "case.hearing_scheduled", "case", case.id)
    public(case, body.hearing_on, cal, strict=True)  # readable before anything is stored
    session.commit()
    return case


def decide(session: Session, who: Principal, case_id: int, body: CaseOutcome,
           cal: Calendar | None = None) -> CaseRecord:
    """Record the outcome; overturning the refusal stores a new eligible decision (kind review or appeal)."""
    cal = cal or england_and_wales()
    case = get(session, case_id)
    if case.status == "decided":
        raise ConflictError(f"case {case_id} is already decided")
    if case.stage == 2 and case.hearing_on is None:
        raise ConflictError(f"case {case_id}: schedule the panel hearing before recording its decision")
    start = case.hearing_on or case.requested_on
    if body.decided_on < start:
        raise FieldError(("body", "decided_on"), f"decided_on is before {start} (the {'hearing' if case.hearing_on else 'request'})")
    case.outcome, case.outcome_reason, case.decided_on, case.status = body.outcome, body.reason, body.decided_on, "decided"
    if body.outcome == "refusal_overturned":
        rec = case.application
        refused = session.get(DecisionRecord, case.decision_id)
        assert refused is not None
        kind = "review" if case.stage == 1 else "appeal"
        row = decisions.store(session, who, rec, kind=kind, eligible=True, policy_id=refused.policy_id,
                              policy_version=refused.policy_version,
                              explanation=f"The stage {case.stage} {kind} overturned refusal {refused.id}: "
                                          f"the child is eligible for transport. Reason: {body.reason}",
                              reason=body.reason)
        case.outcome_decision_id = row.id
    audit.record(session, who, "case.decided", "case", case.id, f"stage={case.stage} outcome={body.outcome}")
    public(case, body.decided_on, cal, strict=True)  # readable before anything is stored
    session.commit()
    return case


def next_deadline(case: CaseRecord) -> tuple[dt.date | None, str | None]:
    """The council's next deadline on this case and what it is."""
    if case.status == "awaiting_review":
        return case.respond_by, "review answer"
    if case.status == "awaiting_hearing":
        return case.hearing_by, "panel hearing"
    if case.status == "hearing_scheduled":
        return case.respond_by, "panel decision"
    return None, None


def listing(session: Session, *, today: dt.date, due_within: int | None = None, stage: int | None = None,
            open_only: bool = True, cal: Calendar | None = None, reference: str | None = None) -> list[CaseRecord]:
    """Cases (open ones by default), nearest deadline first; ``due_within`` keeps those due within that many
    working days (or overdue); ``reference`` keeps one application's."""
    cal = cal or england_and_wales()
    q = select(CaseRecord).order_by(CaseRecord.id)
    if reference is not None:
        q = q.join(ApplicationRecord, ApplicationRecord.id == CaseRecord.application_id).where(
            ApplicationRecord.reference == reference)
    if open_only:
        q = q.where(CaseRecord.status != "decided")
    if stage is not None:
        q = q.where(CaseRecord.stage == stage)
    cases = list(session.scalars(q))
    if due_within is not None:
        cases = [c for c in cases if (d := next_deadline(c)[0]) is not None
                 and (left := _readable(cal.working_days_between, today, d)) is not None and left <= due_within]
    return sorted(cases, key=lambda c: (next_deadline(c)[0] or dt.date.max, c.id))


def _readable(compute, *args, strict: bool = False):
    """A deadline figure, or None when a date stored before dates were range-checked is outside the
    calendar (such a row stays readable; new writes are refused by the schemas). ``strict`` raises instead."""
    try:
        return compute(*args)
    except InputError:
        if strict:
            raise
        return None


def public(case: CaseRecord, today: dt.date | None = None, cal: Calendar | None = None, *,
           strict: bool = False) -> CasePublic:
    """The response form, with the next deadline and working days left from ``today``."""
    cal = cal or england_and_wales()
    nd, what = next_deadline(case)
    left = _readable(cal.working_days_between, today, nd, strict=strict) if (today is not None and nd is not None) else None
    appeal_deadline = None
    if case.stage == 1 and case.outcome == "refusal_upheld" and case.decided_on is not None:
        appeal_deadline = _readable(cal.add_working_days, case.decided_on, timescales()["stage2_request_days"],
                                    strict=strict)
    return CasePublic(id=case.id, application_id=case.application.reference, stage=case.stage, status=case.status,
                      requested_on=case.requested_on, request_deadline=case.request_deadline, in_time=case.in_time,
                      respond_by=case.respond_by, hearing_by=case.hearing_by, hearing_on=case.hearing_on,
                      outcome=case.outcome, outcome_reason=case.outcome_reason, decided_on=case.decided_on,
                      next_deadline=nd, next_deadline_is=what, working_days_left=left,
                      appeal_deadline=appeal_deadline)
