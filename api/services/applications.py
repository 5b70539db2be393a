"""Applications: create (idempotent), read, list with filters, import a CSV cohort with a per-row report."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import audit
from api.engine import EligibilityEngine
from api.errors import ConflictError, FieldError, NotFoundError
from api.models import ApplicationRecord
from api.schemas.applications import (
    ApplicationCreate,
    ApplicationPublic,
    DecisionSummary,
    ImportReport,
    ImportRow,
)
from api.security import Principal
from api.services import current_decision
from eligibility.service import ApplicationRowError, application_from_row
from transport.domain.errors import InputError
from transport.domain.models import Application


def domain(body: ApplicationCreate) -> Application:
    """The engine's application, with conversion errors as 422 field messages."""
    try:
        return body.to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FieldError(("body", *[str(p) for p in first["loc"]]), str(first["msg"]).removeprefix("Value error, ")) from None
    except InputError as exc:
        raise FieldError(("body", "home"), str(exc)) from None


def stored_domain(rec: ApplicationRecord) -> tuple[Application, frozenset[str]]:
    """A stored application as the engine's application and its no-place-at schools."""
    body = ApplicationCreate.model_validate(rec.data)
    return body.to_domain(), frozenset(body.no_place_at)


def _hash(body: ApplicationCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def _new_record(body: ApplicationCreate, who: Principal, idempotency_key: str | None = None) -> ApplicationRecord:
    return ApplicationRecord(reference=body.application_id, idempotency_key=idempotency_key, request_hash=_hash(body),
                             school_id=body.school_id, travel_date=body.travel_date, data=body.model_dump(mode="json"),
                             status="received", created_by=who.key_id)


def create(session: Session, who: Principal, body: ApplicationCreate,
           idempotency_key: str | None = None) -> tuple[ApplicationRecord, bool]:
    """Store an application; a retry with the same Idempotency-Key returns the stored one (created=False)."""
    domain(body)
    if idempotency_key is not None:
        done = session.scalar(select(ApplicationRecord).where(ApplicationRecord.idempotency_key == idempotency_key))
        if done is not None:
            if done.request_hash != _hash(body):
                raise ConflictError("this Idempotency-Key was already used for a different application")
            return done, False
    if session.scalar(select(ApplicationRecord.id).where(ApplicationRecord.reference == body.application_id)):
        raise ConflictError(f"application {body.application_id} already exists")
    rec = _new_record(body, who, idempotency_key)
    session.add(rec)
    try:
        session.flush()
    except IntegrityError:  # a concurrent retry won the race: answer as a retry
        session.rollback()
        return create(session, who, body, idempotency_key)
    audit.record(session, who, "application.create", "application", rec.reference)
    session.commit()
    return rec, True


def get(session: Session, reference: str) -> ApplicationRecord:
    """The application with this reference (404 otherwise)."""
    rec = session.scalar(select(ApplicationRecord).where(ApplicationRecord.reference == reference))
    if rec is None:
        raise NotFoundError(f"application {reference} not found")
    return rec


def listing(session: Session, *, school_id: str | None = None, status: str | None = None,
            travel_date=None, limit: int = 50, offset: int = 0) -> tuple[list[ApplicationRecord], int]:
    """A page of applications matching the filters (oldest first) and the total that match."""
    q = select(ApplicationRecord)
    if school_id is not None:
        q = q.where(ApplicationRecord.school_id == school_id)
    if status is not None:
        q = q.where(ApplicationRecord.status == status)
    if travel_date is not None:
        q = q.where(ApplicationRecord.travel_date == travel_date)
    count = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(ApplicationRecord.id).limit(limit).offset(offset)))
    return rows, count


def public(session: Session, rec: ApplicationRecord) -> ApplicationPublic:
    """The response form of a stored application."""
    current = current_decision(session, rec)
    summary = None if current is None else DecisionSummary(
        id=current.id, kind=current.kind, eligible=current.eligible, refusal=current.refusal,
        policy_version=current.policy_version, created_at=current.created_at)
    return ApplicationPublic(id=rec.reference, status=rec.status, school_id=rec.school_id, travel_date=rec.travel_date,
                             created_at=rec.created_at, application=ApplicationCreate.model_validate(rec.data),
                             current_decision=summary)


# ------------------------------------------------------------------------------------------------
# CSV cohorts: the columns of docs/eligibility-input.md plus the journey needs
# ------------------------------------------------------------------------------------------------
NEED_FLAGS = ("wheelchair", "passenger_assistant", "travel_alone")


def _flag(row: dict[str, str], key: str) -> bool:
    text = row.get(key, "").lower()
    if text in ("1", "true", "yes", "y", "t"):
        return True
    if text in ("0", "false", "no", "n", "f", ""):
        return False
    raise ValueError(f"{key} must be yes/no (true/false, 1/0)")


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").replace(";", ",").split(",") if p.strip()]


def body_from_row(row: dict[str, Any]) -> ApplicationCreate:
    """An ApplicationCreate from one CSV row (raises ApplicationRowError naming the application)."""
    low = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items()}
    if not low.get("application_id"):
        raise ApplicationRowError("application_id is required")
    app, places = application_from_row(row)
    try:
        needs: dict[str, Any] = {f: _flag(low, f) for f in NEED_FLAGS}
        if low.get("max_ride_time_min"):
            needs["max_ride_time_min"] = int(low["max_ride_time_min"])
        needs.update(not_with=_split(low.get("not_with")), equipment=_split(low.get("equipment")),
                     access_notes=low.get("access_notes", ""))
        h = app.home
        home = {"postcode": h.postcode} if h.postcode else {}
        if h.location is not None:
            home.update(lat=h.location.lat, lon=h.location.lon)
        elif h.easting is not None:
            home.update(easting=h.easting, northing=h.northing)
        return ApplicationCreate(
            application_id=app.id, first_name=low.get("first_name", ""), date_of_birth=app.date_of_birth,
            sex=app.sex.value, home=home, school_id=app.school_id, travel_date=app.travel_date,
            ehc_plan=app.ehc_plan, ehc_named_school_id=app.ehc_named_school_id,
            ehc_transport_condition=app.ehc_transport_condition, sen_mobility=app.sen_mobility,
            sen_evidence=app.sen_evidence, temporary_condition_until=app.temporary_condition_until,
            low_income=app.low_income, religious_preference=app.religious_preference, needs=needs,
            sibling_group=low.get("sibling_group") or None, no_place_at=sorted(places))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApplicationRowError(f"application {app.id}: {where + ': ' if where else ''}"
                                  f"{str(first['msg']).removeprefix('Value error, ')}", app.id) from None
    except ValueError as exc:
        raise ApplicationRowError(f"application {app.id}: {exc}", app.id) from None


def import_csv(session: Session, who: Principal, text: str, *, engine: EligibilityEngine | None = None) -> ImportReport:
    """Store every good row of a cohort CSV in one transaction; report each row. With ``engine``, assess them too."""
    from api.services import decisions

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "application_id" not in [f.strip().lower() for f in reader.fieldnames]:
        raise FieldError(("body",), "not an applications CSV: the header has no application_id column")
    report: list[ImportRow] = []
    seen: dict[str, int] = {}
    created: list[tuple[int, ApplicationRecord]] = []
    for i, row in enumerate(reader, start=1):
        ref = (row.get("application_id") or "").strip() or None
        try:
            body = body_from_row(row)
            domain(body)
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
        created.append((i, rec))
        report.append(ImportRow(row=i, application_id=ref, status="created"))
    session.flush()
    assessed = 0
    if engine is not None and created:
        outcome = decisions.assess_records(session, who, engine, [r for _, r in created], kind="assessment")
        by_row = {r.row: r for r in report}
        for (i, rec) in created:
            if rec.reference in outcome.decided:
                by_row[i].eligible = outcome.decided[rec.reference]
                assessed += 1
            else:
                by_row[i].reason = f"stored, not assessed: {outcome.failed.get(rec.reference, 'unknown error')}"
    n_created = sum(r.status == "created" for r in report)
    audit.record(session, who, "application.import", "application", "cohort",
                 f"rows={len(report)} created={n_created} assessed={assessed}")
    session.commit()
    return ImportReport(rows=len(report), created=n_created, duplicates=sum(r.status == "duplicate" for r in report),
                        errors=sum(r.status == "error" for r in report), assessed=assessed, report=report)
