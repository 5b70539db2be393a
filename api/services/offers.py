"""The offers of a stored plan's children (seat, PTB, pass, travel training), worked out once and kept.

Seat marginal costs re-optimise each route's neighbourhood, which takes tens of seconds for a
whole plan, so the report is stored in ``plan_offers`` the first time it is asked for and read
after that (``refresh`` works it out again, e.g. after new decisions). Officers see application
references; planners see the same pseudonymous ids as on their route sheets.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import audit
from api.errors import NotFoundError
from api.models import ApplicationRecord, PlanOffersRecord, PlanRecord
from api.security import Principal, Role
from api.services import current_decision
from api.services.planning import get_plan
from eligibility.policy import Policy
from routing.network import load_network
from transport.domain.privacy import pseudonym
from transport.planning.offers import offers_report
from transport.planning.plan import PlanDocument, build_problem


def _decisions(session: Session, doc: PlanDocument) -> list[dict[str, Any]]:
    """The decisions in force for the plan's children who are stored applications."""
    refs = [c.id for c in doc.scenario.children]
    out = []
    for app in session.scalars(select(ApplicationRecord).where(ApplicationRecord.reference.in_(refs))):
        decision = current_decision(session, app)
        if decision is not None and decision.document:
            out.append(decision.document)
    return out


def report(session: Session, who: Principal, plan_id: int, policy: Policy, *, refresh: bool = False,
           replan_s: float = 0.0) -> dict[str, Any]:
    """The plan's offers report (stored after the first time; re-planned saving when ``replan_s`` > 0)."""
    plan = get_plan(session, plan_id)
    stored = session.get(PlanOffersRecord, plan_id)
    wants_saving = replan_s > 0
    if stored is None or refresh or (wants_saving and stored.document.get("accepted") is None) \
            or stored.policy_version != policy.version_label:
        doc = PlanDocument.from_dict(plan.document)
        built = build_problem(doc.scenario, network=load_network("drive"))
        result = offers_report(built.problem, doc.plan, _decisions(session, doc), policy,
                               accept=None if wants_saving else [], replan_s=replan_s).to_dict()
        if stored is None:
            stored = PlanOffersRecord(plan_id=plan_id, policy_version=policy.version_label, document=result)
            session.add(stored)
        else:
            stored.document, stored.policy_version = result, policy.version_label
        audit.record(session, who, "plan.offers", "plan", plan_id, f"{len(result['children'])} children")
        session.commit()
    return _for_caller(who, stored.document)


def _for_caller(who: Principal, document: dict[str, Any]) -> dict[str, Any]:
    """Officers see references and pseudonyms; everyone else the pseudonyms only."""
    officer = who.role in (Role.OFFICER, Role.ADMIN)

    def child(entry: dict[str, Any]) -> dict[str, Any]:
        ref = entry["child_id"]
        return {**entry, "child_id": ref if officer else None, "pseudonym": pseudonym(ref)}

    acc = document.get("accepted")
    if acc is not None and not officer:
        acc = {**acc, "children": [pseudonym(c) for c in acc["children"]]}
    return {**document, "children": [child(c) for c in document["children"]],
            "not_offered": {(k if officer else pseudonym(k)): v for k, v in document["not_offered"].items()},
            "accepted": acc}


def for_application(session: Session, who: Principal, reference: str, policy: Policy) -> dict[str, Any]:
    """One child's offers, from the newest stored plan that carries them."""
    plans = session.scalars(select(PlanRecord).order_by(PlanRecord.id.desc())).all()
    for plan in plans:
        children = {c.get("id") for c in (plan.document.get("scenario") or {}).get("children", [])}
        if reference in children:
            rep = report(session, who, plan.id, policy)
            entry = next((c for c in rep["children"] if c["child_id"] == reference), None)
            if entry is None:
                raise NotFoundError(f"application {reference} has no offers in plan {plan.id} "
                                    f"({rep['not_offered'].get(reference, 'no eligible decision')})")
            return {"plan_id": plan.id, **entry}
    raise NotFoundError(f"application {reference} is not on a route in any stored plan")
