"""Personal transport budget agreements (officers only): agree, change, read, and the month's payments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import EngineDep, Officer, SessionDep
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, Limit, Offset, RecordId
from api.schemas.ptb import PtbAgreementCreate, PtbAgreementPublic, PtbAgreementsPublic, PtbChangeCreate, PtbChangeResult
from api.services import ptb as svc
from transport.io.csv_out import csv_text

router = APIRouter(tags=["personal transport budgets"], responses={**AUTH, **NOT_FOUND, **CONFLICT})
PAYMENT_FIELDS = ("reference", "amount_pence", "amount", "payment_date", "period")


def _policies(engine):
    return lambda policy_id: engine.assessor(policy_id).policy


@router.post("/v1/ptb-agreements", status_code=status.HTTP_201_CREATED, response_model=PtbAgreementPublic)
def agree(body: PtbAgreementCreate, session: SessionDep, who: Officer, engine: EngineDep) -> PtbAgreementPublic:
    """Agree a PTB for an application decided eligible: amount by the policy (or given), term, payment schedule."""
    policy_of = _policies(engine)
    rec = svc.create(session, who, body, policy_of)
    return svc.public(session, rec, policy_of(svc.policy_id(session, rec)))


@router.get("/v1/ptb-agreements", response_model=PtbAgreementsPublic)
def list_agreements(session: SessionDep, who: Officer, engine: EngineDep, limit: Limit = 50, offset: Offset = 0,
                    application_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                    ) -> PtbAgreementsPublic:
    """Agreements, newest first (``count`` is the total)."""
    policy_of = _policies(engine)
    rows, total = svc.listing(session, application_id=application_id, limit=limit, offset=offset)
    return PtbAgreementsPublic(data=[svc.public(session, r, policy_of(svc.policy_id(session, r))) for r in rows],
                               count=total)


@router.get("/v1/ptb-agreements/{agreement_id}", response_model=PtbAgreementPublic)
def read_agreement(agreement_id: RecordId, session: SessionDep, who: Officer, engine: EngineDep) -> PtbAgreementPublic:
    """One agreement with its schedule and changes."""
    rec = svc.get(session, agreement_id)
    return svc.public(session, rec, _policies(engine)(svc.policy_id(session, rec)))


@router.post("/v1/ptb-agreements/{agreement_id}/changes", status_code=status.HTTP_201_CREATED,
             response_model=PtbChangeResult)
def change(agreement_id: RecordId, body: PtbChangeCreate, session: SessionDep, who: Officer,
           engine: EngineDep) -> PtbChangeResult:
    """A change of circumstances: the amount from its date, the over- or under-payment so far with workings."""
    return svc.record_change(session, who, agreement_id, body, _policies(engine))


@router.get("/v1/ptb-payments.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def month_payments(session: SessionDep, who: Officer, engine: EngineDep,
                   month: Annotated[str, Query(pattern=r"^(19[9]\d|20\d\d)-(0[1-9]|1[0-2])$",
                                               description="YYYY-MM")]) -> Response:
    """The payments due in a month: reference, amount and date (CSV, spreadsheet-safe; no bank details)."""
    year, mon = (int(x) for x in month.split("-"))
    rows = svc.month_payments(session, year, mon, _policies(engine))
    body = "\ufeff" + csv_text(PAYMENT_FIELDS, rows)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="ptb-payments-{year}-{mon:02d}.csv"',
                             "Cache-Control": "no-store"})

