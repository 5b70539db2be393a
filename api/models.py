"""Storage: SQLAlchemy 2 tables for applications, decisions and their history, review and appeal
cases, scenarios, optimisation jobs, plans and routes, lots and awards, API keys, and the audit log.

The schema itself is created by the Alembic migrations in ``api/migrations``; these classes must
match them (``tests/api/test_storage.py`` checks there is no drift).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """Now, in UTC (stored timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores none; it is put back on reading)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return None if value is None else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: UTCDateTime()}


class ApiKey(Base):
    """An API key: the secret is stored only as a SHA-256 hash."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str | None] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class AccessToken(Base):
    """An OAuth2 bearer token issued for a key (hash only), with its expiry."""

    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    expires_at: Mapped[dt.datetime]


class InstanceSecret(Base):
    """Per-installation secrets (e.g. the key of contractors' pseudonymous ids), made on first use."""

    __tablename__ = "instance_secrets"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class ApplicationRecord(Base):
    """A stored transport application; ``data`` is the validated application as JSON."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    travel_date: Mapped[dt.date] = mapped_column(Date)
    data: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    current_decision_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))

    decisions: Mapped[list[DecisionRecord]] = relationship(
        back_populates="application", order_by="DecisionRecord.id", foreign_keys="DecisionRecord.application_id"
    )


class DecisionRecord(Base):
    """One decision in an application's history: assessment, re-assessment, override, review or appeal."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(16))
    eligible: Mapped[bool] = mapped_column(Boolean)
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(200))
    refusal: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))

    application: Mapped[ApplicationRecord] = relationship(back_populates="decisions", foreign_keys=[application_id])

    __table_args__ = (Index("ix_decisions_application", "application_id", "id"),)


class CaseRecord(Base):
    """A stage 1 review or stage 2 appeal against a refusal, with its working-day deadlines."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    stage: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    request_deadline: Mapped[dt.date] = mapped_column(Date)
    in_time: Mapped[bool] = mapped_column(Boolean)
    hearing_by: Mapped[dt.date | None] = mapped_column(Date)
    hearing_on: Mapped[dt.date | None] = mapped_column(Date)
    respond_by: Mapped[dt.date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))

    application: Mapped[ApplicationRecord] = relationship(foreign_keys=[application_id])


class ScenarioRecord(Base):
    """A routing scenario (children, schools, fleet) as its JSON document."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    session: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(16))
    children: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))


class JobRecord(Base):
    """An optimisation job: status, progress and best cost so far; its plan once stored."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    time_limit_s: Mapped[float] = mapped_column(Float)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    best_cost: Mapped[int | None] = mapped_column(BigInteger)
    elapsed_s: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    plan_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(32))
    # the queue: which worker holds the job (its lease is worker_id + attempts) and when it last said so
    worker_id: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    heartbeat_at: Mapped[dt.datetime | None]
    stopped: Mapped[str | None] = mapped_column(String(16))  # "cancelled" | "timed_out": the plan is the best so far


class WorkerRecord(Base):
    """A ``sen-transport worker`` process: where it runs and when it last sent a heartbeat."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    embedded: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class PlanRecord(Base):
    """A validated plan: the plan document, its KPIs and the validator's report."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"))
    document: Mapped[dict[str, Any]]
    kpis: Mapped[dict[str, Any]]
    violations: Mapped[list[Any]]
    geojson: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    stopped: Mapped[str | None] = mapped_column(String(16))  # the search was stopped early: best plan so far
    name: Mapped[str | None] = mapped_column(String(120))  # the planner's name for it ("Autumn term, 2 minibuses")

    routes: Mapped[list[RouteRecord]] = relationship(back_populates="plan", order_by="RouteRecord.position")


class RouteRecord(Base):
    """One vehicle's route in a plan, summarised for lots (no personal data in these columns)."""

    __tablename__ = "routes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    vehicle_type: Mapped[str] = mapped_column(String(64))
    seats: Mapped[int] = mapped_column(Integer)
    wheelchair_spaces: Mapped[int] = mapped_column(Integer)
    assistant: Mapped[bool] = mapped_column(Boolean)
    passengers: Mapped[int] = mapped_column(Integer)
    school_ids: Mapped[list[Any]]
    start_time: Mapped[str] = mapped_column(String(8))
    end_time: Mapped[str] = mapped_column(String(8))
    miles: Mapped[float] = mapped_column(Float)
    area: Mapped[str] = mapped_column(String(16))

    plan: Mapped[PlanRecord] = relationship(back_populates="routes")


class LotRecord(Base):
    """A lot of routes put out to tender (per school or per procurement category)."""

    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    grouping: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    route_ids: Mapped[list[Any]]
    published_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    award: Mapped[AwardRecord | None] = relationship(back_populates="lot")


class LotRouteRecord(Base):
    """The live lot that holds a route: the primary key makes a route belong to at most one live lot.

    Rows are written when lots are made and deleted when a lot is withdrawn (its routes are free again).
    """

    __tablename__ = "lot_routes"
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)


class AwardRecord(Base):
    """The award of one lot to one operator."""

    __tablename__ = "awards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    operator: Mapped[str] = mapped_column(String(100), index=True)
    operator_phone: Mapped[str | None] = mapped_column(String(40))
    """The number families call about the route (on travel letters)."""
    awarded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    awarded_by: Mapped[str] = mapped_column(String(32))

    lot: Mapped[LotRecord] = relationship(back_populates="award")


class DocumentRecord(Base):
    """A document as issued: the PDF, its hash, what produced it, and when it was sent and downloaded.

    A re-issue is a new row that ``supersedes`` the old one; nothing is overwritten.
    """

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    operator: Mapped[str | None] = mapped_column(String(100), index=True)
    policy_version: Mapped[str | None] = mapped_column(String(200))
    sources: Mapped[dict[str, Any]]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime | None]
    downloaded_at: Mapped[dt.datetime | None]
    downloads: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_documents_kind_subject", "kind", "subject", "id"),)


class AuditEvent(Base):
    """Append-only: who did what to which record, when. Never personal data in ``detail``."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class PtbAgreementRecord(Base):
    """An accepted personal transport budget: the term and its terms over time (pence; no bank details)."""

    __tablename__ = "ptb_agreements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    policy_version: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    terms: Mapped[list[Any]]
    """Each ``{effective, annual_pence, deduction_pence, reason}``, oldest first."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))

    changes: Mapped[list[PtbChangeRecord]] = relationship(back_populates="agreement", order_by="PtbChangeRecord.id")


class PtbChangeRecord(Base):
    """A change of circumstances on an agreement and the over- or under-payment it produced."""

    __tablename__ = "ptb_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("ptb_agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective: Mapped[dt.date] = mapped_column(Date)
    reported: Mapped[dt.date] = mapped_column(Date)
    annual_pence: Mapped[int] = mapped_column(BigInteger)
    end: Mapped[dt.date | None] = mapped_column(Date)
    difference_pence: Mapped[int] = mapped_column(BigInteger)
    to_repay_pence: Mapped[int] = mapped_column(BigInteger)
    workings: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(32))

    agreement: Mapped[PtbAgreementRecord] = relationship(back_populates="changes")


class PlanOffersRecord(Base):
    """The offers report of a plan (seat marginal costs take a while: worked out once, then read)."""

    __tablename__ = "plan_offers"
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    policy_version: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
