"""Letters, school lists and route packs (issued, stored, downloaded by role) and September readiness."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from api.deps import EngineDep, Officer, Planner, SessionDep, Staff, current_principal
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, Limit, Offset, RecordId, Reference
from api.schemas.common import MAX_ID
from api.schemas.documents import (
    ChangeNoticesCreate,
    DecisionLetterCreate,
    DocumentPublic,
    DocumentsPublic,
    IssueReport,
    ListsCreate,
    ReadinessPublic,
    TravelLettersCreate,
)
from api.security import Principal
from api.services import documents as svc
from api.services import exports, readiness
from api.services import offers as offers_svc
from api.services import planning as plan_svc
from api.services.planning import get_plan
from api.workdays import FIRST_DAY, LAST_DAY
from transport.documents.sheets import offers_sheet

router = APIRouter(tags=["documents and readiness"], responses={**AUTH, **NOT_FOUND})
Caller = Annotated[Principal, Depends(current_principal)]


@router.post("/v1/applications/{reference}/decision-letter", status_code=status.HTTP_201_CREATED,
             response_model=DocumentPublic, responses=CONFLICT)
def issue_decision_letter(reference: Reference, body: DecisionLetterCreate, session: SessionDep, who: Officer) -> DocumentPublic:
    """Issue the decision letter of the decision in force: outcome, rule, route map, distances, review and appeal dates."""
    return svc.public(svc.issue_decision_letter(session, who, reference, body.issued_on))


@router.post("/v1/plans/{plan_id}/travel-letters", status_code=status.HTTP_201_CREATED, response_model=IssueReport)
def issue_travel_letters(plan_id: RecordId, body: TravelLettersCreate, session: SessionDep, who: Planner) -> IssueReport:
    """Issue (and record as sent) a travel letter for every child on an awarded route; the rest are listed with why."""
    return svc.issue_travel_letters(session, who, plan_id, body.first_day, body.afternoon_plan_id, body.issued_on)


@router.post("/v1/plans/{plan_id}/change-notices", status_code=status.HTTP_201_CREATED, response_model=IssueReport)
def issue_change_notices(plan_id: RecordId, body: ChangeNoticesCreate, session: SessionDep, who: Planner) -> IssueReport:
    """Issue change notices for children whose times move by more than the policy's threshold or whose vehicle changes."""
    return svc.issue_change_notices(session, who, plan_id, body.from_plan_id, body.effective, body.issued_on)


@router.post("/v1/plans/{plan_id}/school-lists", status_code=status.HTTP_201_CREATED, response_model=IssueReport)
def issue_school_lists(plan_id: RecordId, body: ListsCreate, session: SessionDep, who: Planner) -> IssueReport:
    """Issue a list per school: vehicles arriving and leaving, children by first name and pseudonymous id."""
    return svc.issue_school_lists(session, who, plan_id, body.afternoon_plan_id, body.issued_on)


@router.post("/v1/lots/{lot_id}/route-packs", status_code=status.HTTP_201_CREATED, response_model=IssueReport,
             responses=CONFLICT)
def issue_route_packs(lot_id: RecordId, session: SessionDep, who: Planner) -> IssueReport:
    """Issue the awarded operator's route packs: stops, times, access notes, equipment and map per route."""
    return svc.issue_route_packs(session, who, lot_id, None)


@router.get("/v1/documents", response_model=DocumentsPublic)
def list_documents(session: SessionDep, who: Caller,
                   kind: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
                   subject: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/+-]*$")] = None,
                   plan_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                   limit: Limit = 100, offset: Offset = 0) -> DocumentsPublic:
    """Documents the caller's role may see, newest first (officers: decision letters; planners: travel letters,
    notices, lists and packs; an operator: its own route packs)."""
    rows, n = svc.listing(session, who, kind=kind, subject=subject, plan_id=plan_id, limit=limit, offset=offset)
    return DocumentsPublic(data=[svc.public(r) for r in rows], count=n)


@router.get("/v1/documents/{doc_id}", response_model=DocumentPublic)
def read_document(doc_id: RecordId, session: SessionDep, who: Caller) -> DocumentPublic:
    """A document's record: hash, sources, superseded copy, when sent and downloaded."""
    return svc.public(svc.get(session, who, doc_id))


@router.get("/v1/documents/{doc_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the PDF"}})
def download_document(doc_id: RecordId, session: SessionDep, who: Caller) -> Response:
    """The PDF (the download is recorded)."""
    rec = svc.download(session, who, doc_id)
    return Response(rec.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{rec.kind}-{rec.id}.pdf"',
                             "ETag": f'"{rec.sha256}"', "Cache-Control": "no-store"})


@router.post("/v1/documents/{doc_id}/sent", response_model=DocumentPublic)
def mark_document_sent(doc_id: RecordId, session: SessionDep, who: Caller) -> DocumentPublic:
    """Record that the document went out."""
    return svc.public(svc.mark_sent(session, who, doc_id))


@router.get("/v1/readiness", response_model=ReadinessPublic)
def read_readiness(session: SessionDep, engine: EngineDep, who: Staff,
                   first_day: Annotated[dt.date, Query(ge=FIRST_DAY, le=LAST_DAY, description="first day of term")],
                   as_of: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY,
                                                          description="the day to judge (default today)")] = None
                   ) -> ReadinessPublic:
    """Every eligible child in one state for the first day, counts by school and state, the count-down, who is not ready and why."""
    return readiness.view(session, first_day, today=as_of, engine=engine)


# ------------------------------------------------------------------------------------------------
# spreadsheets and GeoPackage
# ------------------------------------------------------------------------------------------------
def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                     "Cache-Control": "no-store"})


SHEET = {200: {"content": {exports.XLSX: {}, "text/csv": {}}, "description": "the spreadsheet"}}


@router.get("/v1/decisions.{fmt}", response_class=Response, responses=SHEET)
def decisions_file(fmt: Literal["xlsx", "csv"], session: SessionDep, who: Officer) -> Response:
    """The decisions in force: outcome, rule, distances, offer and its cost, validity, policy (.xlsx or CSV with a BOM)."""
    data, media = exports.sheet_bytes(exports.decisions_sheet(exports.current_decisions(session)), fmt)
    return _file(data, media, f"decisions.{fmt}")


def _plan_sheet(plan_id: int, which: str, fmt: str, session, afternoon_plan_id: int | None) -> Response:
    plan = get_plan(session, plan_id)
    pm = get_plan(session, afternoon_plan_id) if afternoon_plan_id else None
    data, media = exports.sheet_bytes(exports.plan_sheet(plan, which, pm), fmt)
    return _file(data, media, f"plan-{plan_id}-{which}.{fmt}")


@router.get("/v1/plans/{plan_id}/route-sheets.{fmt}", response_class=Response, responses=SHEET)
def route_sheets_file(plan_id: RecordId, fmt: Literal["xlsx", "csv"], session: SessionDep, who: Planner) -> Response:
    """Every stop of every route (children pseudonymous) as .xlsx or CSV with a BOM."""
    return _plan_sheet(plan_id, "route-sheets", fmt, session, None)


@router.get("/v1/plans/{plan_id}/school-lists.{fmt}", response_class=Response, responses=SHEET)
def school_lists_file(plan_id: RecordId, fmt: Literal["xlsx", "csv"], session: SessionDep, who: Planner,
                      afternoon_plan_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """Per school and run: vehicle, time at school, first name and pseudonymous id, as .xlsx or CSV with a BOM."""
    return _plan_sheet(plan_id, "school-lists", fmt, session, afternoon_plan_id)


@router.get("/v1/plans/{plan_id}/comparison/{other_id}.{fmt}", response_class=Response, responses=SHEET)
def comparison_file(plan_id: RecordId, other_id: RecordId, fmt: Literal["xlsx", "csv"], session: SessionDep,
                    who: Planner) -> Response:
    """Plan ``plan_id`` (before) against ``other_id`` (after) as a workbook or CSV with a BOM."""
    data, media = exports.comparison_bytes(get_plan(session, plan_id), get_plan(session, other_id), fmt)
    return _file(data, media, f"compare-{plan_id}-{other_id}.{fmt}")


@router.get("/v1/plans/{plan_id}/lots.{fmt}", response_class=Response, responses=SHEET)
def lots_file(plan_id: RecordId, fmt: Literal["xlsx", "csv"], session: SessionDep, who: Planner) -> Response:
    """A plan's lots, one row per route (status, operator once awarded, the route as tendered), .xlsx or CSV."""
    lots = [plan_svc.plan_lot_public(session, lot) for lot in plan_svc.plan_lots(session, plan_id)]
    data, media = exports.sheet_bytes(exports.lots_sheet(plan_id, lots), fmt)
    return _file(data, media, f"plan-{plan_id}-lots.{fmt}")


@router.get("/v1/plans/{plan_id}/plan.gpkg", response_class=Response,
            responses={200: {"content": {exports.GPKG: {}}, "description": "the GeoPackage"}})
def plan_geopackage_file(plan_id: RecordId, session: SessionDep, who: Planner) -> Response:
    """The plan for QGIS: layers routes, stops, schools, depots (children pseudonymous) and walking_routes."""
    return _file(exports.plan_gpkg(session, get_plan(session, plan_id)), exports.GPKG, f"plan-{plan_id}.gpkg")


@router.get("/v1/plans/{plan_id}/offers.{fmt}", response_class=Response, responses=SHEET)
def offers_file(plan_id: RecordId, fmt: Literal["xlsx", "csv"], session: SessionDep, who: Staff,
                engine: EngineDep) -> Response:
    """Each eligible child's offers (seat, PTB, pass, travel training: cost a year, suitability, the cheapest),
    as the offers endpoint gives them to the caller's role, as .xlsx or CSV with a BOM."""
    rep = offers_svc.report(session, who, plan_id, engine.assessor().policy)
    data, media = exports.sheet_bytes(offers_sheet(rep["children"]), fmt)
    return _file(data, media, f"plan-{plan_id}-offers.{fmt}")
