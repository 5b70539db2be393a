"""Decisions: a stateless check, assess and store, re-assess a cohort after a policy change, officer overrides.

Every stored decision is a new row (history is never rewritten); the application points at its
current one. Re-assessment leaves officer overrides and review or appeal outcomes in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.engine import EligibilityEngine
from api.errors import ConflictError, FieldError
from api.models import ApplicationRecord, DecisionRecord
from api.schemas.applications import ApplicationCreate
from api.schemas.eligibility import (
    CohortAssess,
    CohortReport,
    DecisionChange,
    DecisionPublic,
    OverrideCreate,
    Skipped,
)
from api.security import Principal
from api.services import current_decision
from api.services.records import engine_application, get_application, stored_application
from eligibility.rules import Decision

HUMAN_KINDS = frozenset({"override", "review", "appeal"})


def check(engine: EligibilityEngine, body: ApplicationCreate) -> Decision:
    """Decide an application now without storing anything."""
    app = engine_application(body)
    return engine.assess(app, no_place_at=frozenset(body.no_place_at))


def store(session: Session, who: Principal, rec: ApplicationRecord, *, kind: str, eligible: bool,
          policy_id: str, policy_version: str, explanation: str, refusal: str | None = None,
          document: Decision | None = None, reason: str | None = None) -> DecisionRecord:
    """Append a decision to the application's history and make it current (no commit)."""
    row = DecisionRecord(application_id=rec.id, kind=kind, eligible=eligible, policy_id=policy_id,
                         policy_version=policy_version, refusal=refusal, explanation=explanation,
                         document=None if document is None else document.model_dump(mode="json"),
                         reason=reason, supersedes_id=rec.current_decision_id, created_by=who.key_id)
    session.add(row)
    session.flush()
    rec.current_decision_id = row.id
    rec.status = "eligible" if eligible else "not_eligible"
    audit.record(session, who, f"decision.{kind}", "application", rec.reference,
                 f"decision={row.id} eligible={str(eligible).lower()} policy={policy_id}@{policy_version}")
    return row


def _store_engine(session: Session, who: Principal, rec: ApplicationRecord, d: Decision, kind: str) -> DecisionRecord:
    return store(session, who, rec, kind=kind, eligible=d.eligible, policy_id=d.policy_id,
                 policy_version=d.policy_version, explanation=d.explanation, refusal=d.refusal, document=d)


def assess_one(session: Session, who: Principal, engine: EligibilityEngine, reference: str) -> DecisionRecord:
    """Assess a stored application under the policy in force and store the decision."""
    rec = get_application(session, reference)
    app, places = stored_application(rec)
    d = engine.assess(app, no_place_at=places)
    kind = "assessment" if rec.current_decision_id is None else "reassessment"
    row = _store_engine(session, who, rec, d, kind)
    session.commit()
    return row


@dataclass
class Outcome:
    """What a batch assessment did, by application reference."""

    decided: dict[str, bool] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    changed: list[DecisionChange] = field(default_factory=list)
    unchanged: int = 0
    policy_id: str = ""
    policy_version: str = ""


def assess_records(session: Session, who: Principal, engine: EligibilityEngine, recs: list[ApplicationRecord], *,
                   kind: str, policy: str | None = None) -> Outcome:
    """Assess many stored applications in one measurement pass and store each decision (no commit)."""
    out = Outcome()
    assessor = engine.assessor(policy)
    out.policy_id, out.policy_version = assessor.policy.id, assessor.policy.version
    pairs = [stored_application(r) for r in recs]
    decisions, errors = engine.assess_many([a for a, _ in pairs], [p for _, p in pairs], policy=policy)
    by_ref = {r.reference: r for r in recs}
    for e in errors:
        out.failed[e.application_id or recs[e.row - 1].reference] = e.reason
    for d in decisions:
        rec = by_ref[d.application_id]
        before = current_decision(session, rec)
        if before is not None and (before.eligible, before.refusal, before.policy_version) == (
                d.eligible, d.refusal, d.policy_version):
            out.unchanged += 1
            out.decided[rec.reference] = d.eligible
            continue
        _store_engine(session, who, rec, d, kind if before is not None else "assessment")
        out.decided[rec.reference] = d.eligible
        if before is not None and (before.eligible, before.refusal) != (d.eligible, d.refusal):
            out.changed.append(DecisionChange(application_id=rec.reference, before_eligible=before.eligible,
                                      after_eligible=d.eligible, before_refusal=before.refusal,
                                      after_refusal=d.refusal, before_policy_version=before.policy_version,
                                      after_policy_version=d.policy_version))
        else:
            out.unchanged += 1
    return out


def assess_cohort(session: Session, who: Principal, engine: EligibilityEngine, body: CohortAssess) -> CohortReport:
    """Assess the undecided applications, or re-assess all after a policy change, and list what changed."""
    q = select(ApplicationRecord).order_by(ApplicationRecord.id)
    if body.application_ids is not None:
        q = q.where(ApplicationRecord.reference.in_(body.application_ids))
        found = set(session.scalars(select(ApplicationRecord.reference)
                                    .where(ApplicationRecord.reference.in_(body.application_ids))))
        missing = [a for a in body.application_ids if a not in found]
        if missing:
            raise FieldError(("body", "application_ids"), f"no application {missing[0]}"
                             + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    if body.scope == "undecided":
        q = q.where(ApplicationRecord.current_decision_id.is_(None))
    recs = list(session.scalars(q))
    skipped: list[Skipped] = []
    todo: list[ApplicationRecord] = []
    for rec in recs:
        cur = current_decision(session, rec)
        if cur is not None and cur.kind in HUMAN_KINDS:
            skipped.append(Skipped(application_id=rec.reference, reason=f"{cur.kind} decision {cur.id} stays in force"))
        else:
            todo.append(rec)
    out = assess_records(session, who, engine, todo, kind="reassessment", policy=body.policy)
    audit.record(session, who, "decision.cohort", "application", "cohort",
                 f"scope={body.scope} policy={out.policy_id}@{out.policy_version} assessed={len(out.decided)} "
                 f"changed={len(out.changed)} skipped={len(skipped)} errors={len(out.failed)}")
    session.commit()
    return CohortReport(policy_id=out.policy_id, policy_version=out.policy_version, assessed=len(out.decided),
                        unchanged=out.unchanged, changed=out.changed, skipped=skipped,
                        errors=[Skipped(application_id=k, reason=v) for k, v in out.failed.items()])


def override(session: Session, who: Principal, reference: str, body: OverrideCreate) -> DecisionRecord:
    """Replace the current decision with an officer's, with the reason on record."""
    rec = get_application(session, reference)
    cur = current_decision(session, rec)
    if cur is None:
        raise ConflictError(f"application {reference} has no decision to override: assess it first")
    verdict = "eligible" if body.eligible else "not eligible"
    row = store(session, who, rec, kind="override", eligible=body.eligible, policy_id=cur.policy_id,
                policy_version=cur.policy_version, refusal=None if body.eligible else "officer-override",
                explanation=f"An officer decided the child is {verdict} for transport, replacing decision "
                            f"{cur.id}. Reason: {body.reason}", reason=body.reason)
    session.commit()
    return row


def history(session: Session, reference: str) -> list[DecisionRecord]:
    """The application's decisions, oldest first."""
    rec = get_application(session, reference)
    return list(session.scalars(select(DecisionRecord).where(DecisionRecord.application_id == rec.id)
                                .order_by(DecisionRecord.id)))


def public(row: DecisionRecord, reference: str) -> DecisionPublic:
    """The response form of a stored decision."""
    return DecisionPublic(id=row.id, application_id=reference, kind=row.kind, eligible=row.eligible,
                          refusal=row.refusal, policy_id=row.policy_id, policy_version=row.policy_version,
                          explanation=row.explanation, reason=row.reason, supersedes_id=row.supersedes_id,
                          created_at=row.created_at, created_by=row.created_by,
                          document=None if row.document is None else Decision.model_validate(row.document))


