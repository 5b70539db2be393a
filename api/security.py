"""API keys (only their SHA-256 hash is stored), OAuth2 client-credentials bearer tokens, and roles.

A key reads ``sentk_<id>_<secret>``; the id is public (it appears in the audit log), the secret
is shown once when the key is made. A bearer token from ``POST /v1/auth/token`` is random and
stored hashed, with an expiry. Either may be presented as ``X-API-Key`` or ``Authorization: Bearer``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import FieldError
from api.models import AccessToken, ApiKey, InstanceSecret, utcnow

PREFIX = "sentk_"


class Role(StrEnum):
    """What a key may do: each endpoint names the roles it admits."""

    OFFICER = "officer"
    PLANNER = "planner"
    CONTRACTOR = "contractor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: key id (for the audit log), role, and operator for contractors."""

    key_id: str
    role: Role
    operator: str | None = None
    valid_until: dt.datetime | None = None
    """When the credential stops working by itself (a bearer token's expiry; None for a key)."""


SYSTEM = Principal("system", Role.ADMIN)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, role: Role | str, name: str, operator: str | None = None) -> tuple[ApiKey, str]:
    """A new key and its one-time plain text; a contractor key must name its operator, others must not."""
    role = Role(role)
    operator = (operator or "").strip() or None
    if role is Role.CONTRACTOR and operator is None:
        raise FieldError(("body", "operator"), "a contractor key must be bound to an operator")
    if role is not Role.CONTRACTOR and operator is not None:
        raise FieldError(("body", "operator"), f"only contractor keys have an operator, not {role.value} keys")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(id=key_id, name=name, role=role.value, operator=operator, secret_hash=_hash(secret))
    session.add(key)
    session.flush()
    return key, f"{PREFIX}{key_id}_{secret}"


def _key_from_plain(session: Session, presented: str) -> ApiKey | None:
    parts = presented[len(PREFIX):].split("_", 1)
    if len(parts) != 2:
        return None
    key = session.get(ApiKey, parts[0])
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(parts[1])):
        return None
    return key


def authenticate(session: Session, presented: str) -> Principal | None:
    """The principal a key or bearer token stands for, or None when it is unknown, revoked or expired."""
    if presented.startswith(PREFIX):
        key, until = _key_from_plain(session, presented), None
    else:
        tok = session.get(AccessToken, _hash(presented))
        key, until = None, None
        if tok is not None and (until := _aware(tok.expires_at)) > utcnow():
            key = session.get(ApiKey, tok.key_id)
            key = key if key is not None and key.revoked_at is None else None
    return None if key is None else Principal(key.id, Role(key.role), key.operator, until)


def issue_token(session: Session, client_id: str, client_secret: str, ttl_s: int) -> tuple[str, Principal] | None:
    """An access token for a key's id and secret (OAuth2 client credentials), or None if they do not match."""
    key = _key_from_plain(session, f"{PREFIX}{client_id}_{client_secret}")
    if key is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(AccessToken(token_hash=_hash(token), key_id=key.id, expires_at=utcnow() + dt.timedelta(seconds=ttl_s)))
    session.flush()
    return token, Principal(key.id, Role(key.role), key.operator)


def revoke_key(session: Session, key: ApiKey) -> None:
    """Revoke a key (its tokens stop working with it)."""
    key.revoked_at = utcnow()


def instance_secret(session: Session, name: str) -> bytes:
    """A per-installation random secret, made on first use and kept in the database."""
    row = session.get(InstanceSecret, name)
    if row is None:
        row = InstanceSecret(name=name, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return bytes.fromhex(row.value)


def pseudonym(secret: bytes, operator: str, child_id: str) -> str:
    """A stable pseudonymous id for a child as one operator sees it (operators cannot link theirs)."""
    digest = hmac.new(secret, f"{operator}\x00{child_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10].upper()}"


MAX_AUTH_CACHE_S = 1.0
"""The longest any process trusts a checked key or token without reading the database again: a key
revoked from the command line or another process, or a token past its expiry, stops working
everywhere within this time."""


class AuthCache:
    """Recently authenticated keys and tokens (by hash) for ``ttl_s`` seconds (at most 1 s), and never
    past a token's own expiry, so a busy endpoint does not read the key table on every request.
    Revoking through the API also clears this process's cache at once."""

    def __init__(self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic):
        if not 0 <= ttl_s <= MAX_AUTH_CACHE_S:
            raise ValueError(f"auth cache time must be between 0 and {MAX_AUTH_CACHE_S:g} s, not {ttl_s:g}")
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, presented: str) -> Principal | None:
        """The cached principal for a presented credential, if still fresh."""
        if self.ttl_s <= 0:
            return None
        hit = self._entries.get(_hash(presented))
        return hit[1] if hit is not None and hit[0] > self._clock() else None

    def put(self, presented: str, who: Principal, *, now: dt.datetime | None = None) -> None:
        """Remember a successful authentication (until the cache time, or the token's expiry if sooner)."""
        if self.ttl_s <= 0:
            return
        trust_s = self.ttl_s
        if who.valid_until is not None:
            trust_s = min(trust_s, (who.valid_until - (now or utcnow())).total_seconds())
        if trust_s <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[_hash(presented)] = (self._clock() + trust_s, who)

    def clear(self) -> None:
        """Forget everything (after a revocation)."""
        with self._lock:
            self._entries.clear()


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def active_keys(session: Session) -> list[ApiKey]:
    """Keys not revoked, newest first."""
    return list(session.scalars(select(ApiKey).where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.created_at.desc())))
