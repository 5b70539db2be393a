"""Applications: create (Idempotency-Key), read, list with filters and pagination, import a CSV or .xlsx cohort."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Query, Response, status

from api.deps import EngineDep, Officer, SessionDep
from api.errors import FieldError
from api.routes.common import AUTH, CONFLICT, NOT_FOUND, Reference
from api.schemas.applications import ApplicationCreate, ApplicationPublic, ApplicationsPublic, ImportReport
from api.services import applications as svc
from api.services.import_template import template_csv, template_xlsx
from api.services.records import get_application
from api.workdays import FIRST_DAY, LAST_DAY

router = APIRouter(prefix="/v1/applications", tags=["applications"], responses=AUTH)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_EXAMPLE = ("application_id,first_name,date_of_birth,sex,home_postcode,school_urn,ehc_plan,sen_mobility,"
               "wheelchair,passenger_assistant,travel_date\n"
               "KCC-2025-00018,Sam,2016-01-20,M,LE15 6SG,131018,yes,yes,no,yes,2025-09-03\n")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic,
             responses={**CONFLICT, 200: {"model": ApplicationPublic, "description": "a retry: the application already stored under this Idempotency-Key"}})
def create_application(
    body: ApplicationCreate, session: SessionDep, who: Officer, response: Response, engine: EngineDep,
    idempotency_key: Annotated[str | None, Header(min_length=8, max_length=128,
                                                  description="a client-chosen key; a retry with the same key and body is not stored twice")] = None,
) -> ApplicationPublic:
    """Store an application (201), or return the one already stored under the same Idempotency-Key (200)."""
    rec, created = svc.create(session, who, body, idempotency_key, engine=engine)
    if not created:
        response.status_code = status.HTTP_200_OK
    return svc.public(session, rec)


@router.get("", response_model=ApplicationsPublic)
def list_applications(
    session: SessionDep, who: Officer,
    school_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[Literal["received", "eligible", "not_eligible", "under_review", "overdue"] | None, Query(
        alias="status", description="the decision's status, or under_review (an open review or appeal) or overdue "
                                    "(an open review or appeal past its next deadline)")] = None,
    travel_date: dt.date | None = None,
    q: Annotated[str | None, Query(max_length=64, description=(
        "reference, first name or home postcode containing this, ignoring case and spaces"))] = None,
    sort: Annotated[Literal["received", "-received", "reference", "-reference", "travel_date", "-travel_date",
                            "school", "-school"], Query(description="order; '-' first for descending")] = "received",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    today: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="for overdue: the day to count from (default: today)")] = None,
    received_from: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="received on or after this day (UTC)")] = None,
    received_to: Annotated[dt.date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="received on or before this day (UTC)")] = None,
) -> ApplicationsPublic:
    """Applications matching the filters and search, in the chosen order, one page at a time;
    ``count`` is how many match in all."""
    if received_from is not None and received_to is not None and received_to < received_from:
        raise FieldError(("query", "received_to"), "received_to is before received_from")
    rows, count = svc.listing(session, school_id=school_id, status=status_, travel_date=travel_date, search=q,
                              sort=sort, limit=limit, offset=offset, today=today or dt.date.today(),
                              received_from=received_from, received_to=received_to)
    cases = svc.open_cases(session, [r.id for r in rows])
    return ApplicationsPublic(data=[svc.public(session, r, cases) for r in rows], count=count, limit=limit, offset=offset)


@router.get("/import-template", response_class=Response, responses={200: {"content": {
    "text/csv": {"schema": {"type": "string"}}, XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    "description": "the import's columns with one synthetic example row"}})
def import_template(who: Officer, format: Literal["csv", "xlsx"] = "csv") -> Response:
    """A template to fill in for ``POST /v1/applications/import`` (every column as text, formula-safe)."""
    data, media = (template_xlsx(), XLSX_MEDIA_TYPE) if format == "xlsx" else (template_csv(), "text/csv; charset=utf-8")
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="applications-template.{format}"'})


@router.get("/{application_id}", response_model=ApplicationPublic, responses=NOT_FOUND)
def read_application(application_id: Reference, session: SessionDep, who: Officer) -> ApplicationPublic:
    """One application with its current decision."""
    return svc.public(session, get_application(session, application_id))


@router.post("/import", response_model=ImportReport,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                 XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}})
def import_applications(
    session: SessionDep, who: Officer, engine: EngineDep,
    data: Annotated[bytes, Body(media_type="text/csv", include_in_schema=False)] = b"",
    assess: Annotated[bool, Query(description="also assess and store a decision for each new application")] = False,
) -> ImportReport:
    """Import a cohort as CSV (UTF-8 or Windows-1252) or .xlsx (columns of docs/eligibility-input.md plus
    first_name and journey needs); every row is reported by the number the spreadsheet shows."""
    if not data.strip():
        raise FieldError(("body",), "the file is empty")
    return svc.import_csv(session, who, data, engine=engine, assess=assess)
