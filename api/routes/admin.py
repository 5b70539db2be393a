"""Keys, OAuth2 tokens and the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request, status
from sqlalchemy import func, select

from api import audit
from api.deps import Admin, SessionDep, Unauthorised
from api.errors import NotFoundError
from api.models import ApiKey, AuditEvent
from api.routes.common import AUTH, NOT_FOUND, TextId
from api.schemas.admin import AuditEventPublic, AuditPublic, KeyCreate, KeyCreated, KeyPublic, KeysPublic, TokenPublic
from api.schemas.common import Message
from api.security import active_keys, create_key, issue_token, revoke_key

router = APIRouter(tags=["keys and audit"])


@router.post("/v1/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated, responses=AUTH)
def create_api_key(body: KeyCreate, session: SessionDep, who: Admin) -> KeyCreated:
    """Issue a key; its secret is in this response only."""
    key, plain = create_key(session, body.role, body.name, body.operator)
    audit.record(session, who, "key.create", "api_key", key.id, f"role={key.role}")
    session.commit()
    return KeyCreated(**KeyPublic.model_validate(key, from_attributes=True).model_dump(), key=plain)


@router.get("/v1/keys", response_model=KeysPublic, responses=AUTH)
def list_api_keys(session: SessionDep, who: Admin) -> KeysPublic:
    """Active keys (no secrets)."""
    keys = active_keys(session)
    return KeysPublic(data=[KeyPublic.model_validate(k, from_attributes=True) for k in keys], count=len(keys))


@router.delete("/v1/keys/{key_id}", response_model=KeyPublic, responses={**AUTH, **NOT_FOUND})
def revoke_api_key(key_id: TextId, request: Request, session: SessionDep, who: Admin) -> KeyPublic:
    """Revoke a key at once."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        raise NotFoundError(f"no active key {key_id}")
    revoke_key(session, key)
    audit.record(session, who, "key.revoke", "api_key", key.id)
    session.commit()
    request.app.state.auth_cache.clear()
    return KeyPublic.model_validate(key, from_attributes=True)


@router.post("/v1/auth/token", response_model=TokenPublic,
             responses={401: {"model": Message, "description": "unknown client or wrong secret"}})
def token(
    request: Request, session: SessionDep,
    grant_type: Annotated[Literal["client_credentials"], Form()],
    client_id: Annotated[str, Form(min_length=1, max_length=64, description="the key id")],
    client_secret: Annotated[str, Form(min_length=1, max_length=256, description="the key's secret part")],
) -> TokenPublic:
    """OAuth2 client-credentials grant: a key's id and secret for a short-lived bearer token."""
    ttl = request.app.state.settings.token_ttl_s
    got = issue_token(session, client_id, client_secret, ttl)
    if got is None:
        raise Unauthorised("unknown client_id or wrong client_secret")
    tok, who = got
    audit.record(session, who, "token.issue", "api_key", who.key_id)
    session.commit()
    return TokenPublic(access_token=tok, expires_in=ttl)


@router.get("/v1/audit", response_model=AuditPublic, responses=AUTH)
def read_audit_log(
    session: SessionDep, who: Admin,
    record_type: Annotated[str | None, Query(max_length=32)] = None,
    record_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPublic:
    """The audit log, newest first, optionally for one record."""
    q = select(AuditEvent)
    if record_type is not None:
        q = q.where(AuditEvent.record_type == record_type)
    if record_id is not None:
        q = q.where(AuditEvent.record_id == record_id)
    count = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))
    return AuditPublic(data=[AuditEventPublic.model_validate(r, from_attributes=True) for r in rows], count=count)
