"""Storage on SQLite and (when configured) PostgreSQL: migrations match the models, the audit log is
append-only, writes are all-or-nothing, constraints hold. One rolled-back transaction per test."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from api.models import ApplicationRecord, AuditEvent, Base, DecisionRecord
from api.schemas.applications import ApplicationCreate
from api.schemas.eligibility import OverrideCreate
from api.security import SYSTEM, authenticate, create_key
from api.services import applications, decisions
from tests.api.conftest import application_body


def test_migrations_match_models(backend):
    """The migrated schema is exactly what the SQLAlchemy models describe (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    name, engine, sessions = backend
    with sessions() as s:
        diff = compare_metadata(MigrationContext.configure(s.connection()), Base.metadata)
    assert diff == []


def test_audit_log_is_append_only(backend):
    """The database refuses to update or delete audit entries."""
    name, engine, sessions = backend
    with sessions() as s:
        s.add(AuditEvent(actor="k1", role="officer", action="test", record_type="x", record_id="1"))
        s.commit()
        for stmt in ("UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                with s.begin_nested():
                    s.execute(text(stmt))
        assert s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "test")) == ""


def test_create_is_idempotent_and_unique(backend):
    """A retried create returns the stored row; the reference is unique in the database itself."""
    name, engine, sessions = backend
    body = ApplicationCreate.model_validate(application_body("S-1"))
    with sessions() as s:
        first, created = applications.create(s, SYSTEM, body, "idem-key-1")
        again, created_again = applications.create(s, SYSTEM, body, "idem-key-1")
        assert (created, created_again) == (True, False) and first.id == again.id
        with pytest.raises(IntegrityError):
            with s.begin_nested():
                s.add(ApplicationRecord(reference="S-1", request_hash="x", school_id="1", travel_date=dt.date(2025, 9, 3),
                                        data={}, created_by="k"))
                s.flush()


def test_error_mid_write_leaves_nothing(backend, monkeypatch):
    """An override that fails after its decision row is flushed leaves neither the row nor the new status."""
    name, engine, sessions = backend
    body = ApplicationCreate.model_validate(application_body("S-2"))
    with sessions() as s:
        rec, _ = applications.create(s, SYSTEM, body)
        decisions.store(s, SYSTEM, rec, kind="assessment", eligible=True, policy_id="kent", policy_version="v1",
                        explanation="eligible")
        s.commit()
    real = decisions.audit.record

    def crash_after_write(session, who, action, *a, **k):
        real(session, who, action, *a, **k)
        session.flush()
        raise RuntimeError("crash mid-request")

    monkeypatch.setattr(decisions.audit, "record", crash_after_write)
    with sessions() as s:
        with pytest.raises(RuntimeError):
            decisions.override(s, SYSTEM, "S-2", OverrideCreate(eligible=False, reason="Changed circumstances, on file."))
        s.rollback()
    monkeypatch.undo()
    with sessions() as s:
        kinds = list(s.scalars(select(DecisionRecord.kind).join(ApplicationRecord).where(ApplicationRecord.reference == "S-2")))
        assert kinds == ["assessment"]
        assert s.scalar(select(ApplicationRecord.status).where(ApplicationRecord.reference == "S-2")) == "eligible"


def test_keys_round_trip(backend):
    """Keys authenticate by their plain text only and carry role and operator."""
    name, engine, sessions = backend
    with sessions() as s:
        key, plain = create_key(s, "contractor", "acme", "Acme Taxis")
        s.commit()
        who = authenticate(s, plain)
        assert who is not None and who.role == "contractor" and who.operator == "Acme Taxis"
        assert authenticate(s, plain + "x") is None


def test_timestamps_are_utc(backend):
    """Stored timestamps come back timezone-aware in UTC on every backend."""
    name, engine, sessions = backend
    with sessions() as s:
        s.add(AuditEvent(actor="k1", role="officer", action="tz", record_type="x", record_id="1",
                         at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))))
        s.commit()
        s.expire_all()
        at = s.scalar(select(AuditEvent.at).where(AuditEvent.action == "tz"))
        assert at == dt.datetime(2025, 6, 1, 11, tzinfo=dt.UTC) and at.utcoffset() == dt.timedelta(0)
