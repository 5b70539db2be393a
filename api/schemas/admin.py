"""API keys, tokens and the audit log (router ``api/routes/admin.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import In, Page


class KeyCreate(In):
    """A new API key: its role and, for contractors, the operator it is bound to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Acme Taxis tender key", "role": "contractor", "operator": "Acme Taxis"}]})

    name: str = Field(min_length=1, max_length=100)
    role: Literal["officer", "planner", "contractor", "admin"]
    operator: str | None = Field(None, min_length=1, max_length=100)


class KeyPublic(BaseModel):
    """A key without its secret."""

    id: str
    name: str
    role: str
    operator: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyPublic):
    """A new key with its secret, shown this once."""

    key: str


class KeysPublic(Page[KeyPublic]):
    """Active keys."""


class TokenPublic(BaseModel):
    """An OAuth2 access token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class AuditEventPublic(BaseModel):
    """One audit entry."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: str
    detail: str


class AuditPublic(Page[AuditEventPublic]):
    """A page of the audit log, newest first."""
