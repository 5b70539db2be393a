"""Applications: create (idempotent), read, list with filters, import a CSV or .xlsx cohort with a per-row report."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from api import audit
from api.engine import EligibilityEngine
from api.errors import ConflictError, FieldError
from api.models import ApplicationRecord, CaseRecord
from api.schemas.applications import (
    ApplicationCreate,
    ApplicationPublic,
    DecisionSummary,
    ImportReport,
    ImportRow,
    OpenCase,
)
from api.security import Principal
from api.services import current_decision
from api.services.cases import next_deadline
from api.services.decisions import assess_records
from api.services.records import engine_application
from eligibility.service import ApplicationRowError, application_from_row
from transport.domain.errors import InputError, OutsideNetworkError
from transport.domain.geo import LatLon
from transport.domain.models import Application
from transport.io.tabular import Row, read_table


def scoped_idempotency_key(who: Principal, key: str | None) -> str | None:
    """What is stored for an Idempotency-Key: a hash of the caller's key id and the header, so two callers
    who pick the same key never see each other's application."""
    if key is None:
        return None
    return hashlib.sha256(f"{who.key_id}\n{key}".encode()).hexdigest()


def _hash(body: ApplicationCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def _new_record(body: ApplicationCreate, who: Principal, idempotency_key: str | None = None) -> ApplicationRecord:
    return ApplicationRecord(reference=body.application_id, idempotency_key=idempotency_key, request_hash=_hash(body),
                             school_id=body.school_id, travel_date=body.travel_date, data=body.model_dump(mode="json"),
                             status="received", created_by=who.key_id)


def check_decidable(engine: EligibilityEngine, app: Application) -> None:
    """Refuse (422 naming the field) what the engine can already tell it will not be able to decide:
    a school it does not know, a home postcode outside the loaded postcode data, or a home given as
    coordinates too far from the walk network."""
    m = engine.assessor().measurer
    if app.school_id not in m.schools:
        raise FieldError(("body", "school_id"), "not a known school (see GET /v1/schools)")
    if app.ehc_named_school_id and app.ehc_named_school_id not in m.schools:
        raise FieldError(("body", "ehc_named_school_id"), "not a known school (see GET /v1/schools)")
    h = app.home
    if h.location is None and h.easting is None and h.postcode and (m.postcodes is None or h.postcode not in m.postcodes):
        raise FieldError(("body", "home", "postcode"), "not in the loaded postcode file: outside the area the data covers")
    point = h.location if h.location is not None else (
        LatLon.from_bng(h.easting, h.northing) if h.easting is not None and h.northing is not None else None)
    if point is not None:
        try:
            m.walk.snap(point)
        except OutsideNetworkError:  # the message would repeat the point: name the field only
            raise FieldError(("body", "home"), "too far from any walkable way: outside the area the data covers") from None


def create(session: Session, who: Principal, body: ApplicationCreate,
           idempotency_key: str | None = None, *, engine: EligibilityEngine | None = None) -> tuple[ApplicationRecord, bool]:
    """Store an application; a retry with the same Idempotency-Key from the same API key returns the stored
    one (created=False). Keys are scoped per API key: another caller's identical key is a different key."""
    app = engine_application(body)
    if engine is not None:
        check_decidable(engine, app)
    stored_key = scoped_idempotency_key(who, idempotency_key)
    if stored_key is not None:
        done = session.scalar(select(ApplicationRecord).where(ApplicationRecord.idempotency_key == stored_key))
        if done is not None:
            if done.request_hash != _hash(body):
                raise ConflictError("this Idempotency-Key was already used for a different application")
            return done, False
    if session.scalar(select(ApplicationRecord.id).where(ApplicationRecord.reference == body.application_id)):
        raise ConflictError(f"application {body.application_id} already exists")
    rec = _new_record(body, who, stored_key)
    session.add(rec)
    try:
        session.flush()
    except IntegrityError:  # a concurrent retry won the race: answer as a retry
        session.rollback()
        return create(session, who, body, idempotency_key, engine=engine)
    audit.record(session, who, "application.create", "application", rec.reference)
    session.commit()
    return rec, True


SORTS = {"received": ApplicationRecord.id, "reference": ApplicationRecord.reference,
         "travel_date": ApplicationRecord.travel_date, "school": ApplicationRecord.school_id}


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight UTC at the start of ``day``."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _squash(expr):
    """Upper case without spaces, so "pe94es" finds "PE9 4ES"."""
    return func.replace(func.upper(expr), " ", "")


CASE_STATUSES = ("under_review", "overdue")
"""List statuses read from the application's cases rather than its decision."""

_OPEN_CASE = CaseRecord.status != "decided"
_CASE_DEADLINE = case((CaseRecord.status == "awaiting_hearing", CaseRecord.hearing_by), else_=CaseRecord.respond_by)
"""The council's next deadline on an open case, in SQL (as ``cases.next_deadline``)."""


def _case_filter(status: str, today):
    """Applications with an open review or appeal (``under_review``), or one past its next deadline (``overdue``)."""
    cond = [CaseRecord.application_id == ApplicationRecord.id, _OPEN_CASE]
    if status == "overdue":
        cond.append(_CASE_DEADLINE < today)
    return exists().where(*cond)


def listing(session: Session, *, school_id: str | None = None, status: str | None = None,
            travel_date=None, search: str | None = None, sort: str = "received",
            limit: int = 50, offset: int = 0, today=None, received_from: dt.date | None = None,
            received_to: dt.date | None = None) -> tuple[list[ApplicationRecord], int]:
    """A page of applications matching the filters and the total that match.

    ``status`` is the decision's (received, eligible, not_eligible) or one of ``CASE_STATUSES``: an open
    review or appeal, or one whose next deadline was before ``today``;
    ``search`` finds a reference, first name or home postcode containing it, ignoring case and spaces;
    ``sort`` is a key of ``SORTS``, ``-`` first for descending (ties in order received);
    ``received_from`` / ``received_to``: received on or after / on or before those days (UTC).
    """
    q = select(ApplicationRecord)
    if school_id is not None:
        q = q.where(ApplicationRecord.school_id == school_id)
    if status in CASE_STATUSES:
        q = q.where(_case_filter(status, today))
    elif status is not None:
        q = q.where(ApplicationRecord.status == status)
    if travel_date is not None:
        q = q.where(ApplicationRecord.travel_date == travel_date)
    if received_from is not None:
        q = q.where(ApplicationRecord.created_at >= _day_start(received_from))
    if received_to is not None:
        q = q.where(ApplicationRecord.created_at < _day_start(received_to + dt.timedelta(days=1)))
    if search and search.strip():
        term = "".join(search.upper().split())
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(_squash(ApplicationRecord.reference).like(like, escape="\\"),
                        _squash(ApplicationRecord.data["first_name"].as_string()).like(like, escape="\\"),
                        _squash(ApplicationRecord.data[("home", "postcode")].as_string()).like(like, escape="\\")))
    count = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    column = SORTS[sort.lstrip("-")]
    order = (column.desc() if sort.startswith("-") else column.asc(), ApplicationRecord.id)
    rows = list(session.scalars(q.order_by(*order).limit(limit).offset(offset)))
    return rows, count


def open_cases(session: Session, app_ids: list[int]) -> dict[int, CaseRecord]:
    """The open review or appeal of each application that has one (the latest, if ever more than one)."""
    if not app_ids:
        return {}
    rows = session.scalars(select(CaseRecord).where(CaseRecord.application_id.in_(app_ids), _OPEN_CASE)
                           .order_by(CaseRecord.id))
    return {c.application_id: c for c in rows}


def _open_case(c: CaseRecord | None) -> OpenCase | None:
    if c is None:
        return None
    due, what = next_deadline(c)
    return OpenCase(id=c.id, stage=c.stage, status=c.status, next_deadline=due, next_deadline_is=what)


def public(session: Session, rec: ApplicationRecord, cases: dict[int, CaseRecord] | None = None) -> ApplicationPublic:
    """The response form of a stored application (``cases``: its open case, when looked up already)."""
    if cases is None:
        cases = open_cases(session, [rec.id])
    current = current_decision(session, rec)
    summary = None if current is None else DecisionSummary(
        id=current.id, kind=current.kind, eligible=current.eligible, refusal=current.refusal,
        policy_version=current.policy_version, created_at=current.created_at)
    return ApplicationPublic(id=rec.reference, status=rec.status, school_id=rec.school_id, travel_date=rec.travel_date,
                             created_at=rec.created_at, application=ApplicationCreate.model_validate(rec.data),
                             current_decision=summary, open_case=_open_case(cases.get(rec.id)))


# ------------------------------------------------------------------------------------------------
# Cohorts (CSV or .xlsx): the columns of docs/eligibility-input.md plus the journey needs, read by
# the same table reader and row parser as the CLI (transport.io.tabular, eligibility.service)
# ------------------------------------------------------------------------------------------------
def body_from_row(row: dict[str, Any]) -> ApplicationCreate:
    """An ApplicationCreate from one cohort row (raises ApplicationRowError naming the application)."""
    low = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items()}
    if not low.get("application_id"):
        raise ApplicationRowError("application_id is required")
    app, places = application_from_row(low)
    try:
        n = app.needs
        needs: dict[str, Any] = {
            "wheelchair": n.wheelchair, "passenger_assistant": n.passenger_assistant, "travel_alone": n.travel_alone,
            "max_ride_time_min": n.max_ride_time_min, "not_with": list(n.not_with), "load_time_s": n.load_time_s,
            "equipment": list(n.equipment), "access_notes": n.access_notes,
            "can_use_public_transport": n.can_use_public_transport,
            "travel_training_candidate": n.travel_training_candidate}
        h = app.home
        home: dict[str, Any] = {"postcode": h.postcode} if h.postcode else {}
        if h.uprn:
            home["uprn"] = h.uprn
        if h.location is not None:
            home.update(lat=h.location.lat, lon=h.location.lon)
        elif h.easting is not None:
            home.update(easting=h.easting, northing=h.northing)
        return ApplicationCreate(
            application_id=app.id, first_name=app.first_name, date_of_birth=app.date_of_birth,
            sex=app.sex.value, home=home, school_id=app.school_id, travel_date=app.travel_date,
            ehc_plan=app.ehc_plan, ehc_named_school_id=app.ehc_named_school_id,
            ehc_transport_condition=app.ehc_transport_condition, sen_mobility=app.sen_mobility,
            sen_evidence=app.sen_evidence, temporary_condition_until=app.temporary_condition_until,
            low_income=app.low_income, religious_preference=app.religious_preference, needs=needs,
            sibling_group=app.sibling_group, no_place_at=sorted(places))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApplicationRowError(f"application {app.id}: {where + ': ' if where else ''}"
                                  f"{str(first['msg']).removeprefix('Value error, ')}", app.id) from None
    except ValueError as exc:
        raise ApplicationRowError(f"application {app.id}: {exc}", app.id) from None


def cohort_rows(data: bytes, name: str = "upload") -> list[Row]:
    """The rows of an uploaded cohort (CSV in UTF-8 or Windows-1252, or .xlsx); file faults are 422s."""
    try:
        table = read_table(data, name=name)
        table.require("application_id", what="an applications table")
    except InputError as exc:
        raise FieldError(("body",), str(exc)) from None
    return list(table)


IMPORT_BATCH_ROWS = 250
"""Rows per import transaction: short write locks, so other requests are not kept waiting behind an import."""


def import_csv(session: Session, who: Principal, data: bytes | str, *,
               engine: EligibilityEngine | None = None, assess: bool = False,
               batch_rows: int = IMPORT_BATCH_ROWS) -> ImportReport:
    """Store every good row of a cohort (CSV or .xlsx) in batches of ``batch_rows``, each its own transaction
    (all or nothing); report each row by its spreadsheet number and the batch it landed in.

    With ``engine`` a row the engine can already tell is undecidable (unknown school, postcode outside the
    data) is an error row. With ``assess`` each new application is decided too, and a row the engine cannot
    decide is an error row and is not stored: rows in = decisions + duplicates + errors.
    """
    rows = cohort_rows(data.encode("utf-8") if isinstance(data, str) else data)
    report: list[ImportRow] = []
    seen: dict[str, int] = {}
    pending: list[tuple[ImportRow, ApplicationRecord]] = []
    counts = {"assessed": 0, "batches": 0}

    def commit_batch() -> None:
        if not pending:
            return
        try:
            session.flush()
            if assess and engine is not None:
                outcome = assess_records(session, who, engine, [r for _, r in pending], kind="assessment")
                for item, rec in pending:
                    if rec.reference in outcome.decided:
                        item.eligible = outcome.decided[rec.reference]
                    else:
                        session.delete(rec)
                        item.status = "error"
                        item.reason = f"could not be decided, not stored: {outcome.failed.get(rec.reference, 'unknown error')}"
            stored = [item for item, _ in pending if item.status == "created"]
            counts["batches"] += 1
            for item in stored:
                item.batch = counts["batches"]
            counts["assessed"] += sum(item.eligible is not None for item in stored)
            audit.record(session, who, "application.import", "application", "cohort",
                         f"batch={counts['batches']} rows={len(pending)} created={len(stored)}")
            session.commit()
        except OperationalError:
            session.rollback()
            for item, _ in pending:
                item.status, item.eligible, item.batch = "error", None, None
                item.reason = "not stored: the database was busy; import this row again"
        finally:
            pending.clear()

    for row in rows:
        i, ref = row.number, row.get("application_id") or None
        try:
            row.check()
            body = body_from_row(row.cells)
            app = engine_application(body)
            if engine is not None:
                check_decidable(engine, app)
        except FieldError as exc:
            report.append(ImportRow(row=i, application_id=ref, status="error",
                                    reason=f"application {ref}: {'.'.join(map(str, exc.loc[1:]))}: {exc}"))
            continue
        except (ApplicationRowError, InputError) as exc:
            report.append(ImportRow(row=i, application_id=ref, status="error", reason=str(exc)))
            continue
        if body.application_id in seen:
            report.append(ImportRow(row=i, application_id=ref, status="error",
                                    reason=f"application {ref} repeats row {seen[body.application_id]}"))
            continue
        seen[body.application_id] = i
        if session.scalar(select(ApplicationRecord.id).where(ApplicationRecord.reference == body.application_id)):
            report.append(ImportRow(row=i, application_id=ref, status="duplicate", reason="already stored"))
            continue
        rec = _new_record(body, who)
        session.add(rec)
        item = ImportRow(row=i, application_id=ref, status="created")
        report.append(item)
        pending.append((item, rec))
        if len(pending) >= batch_rows:
            commit_batch()
    commit_batch()
    return ImportReport(rows=len(report), created=sum(r.status == "created" for r in report),
                        duplicates=sum(r.status == "duplicate" for r in report),
                        errors=sum(r.status == "error" for r in report), assessed=counts["assessed"],
                        batches=counts["batches"], report=report)
