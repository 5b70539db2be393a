"""Typed dependencies: the request's database session, the caller and the roles each route admits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.engine import EligibilityEngine
from api.errors import ForbiddenError
from api.security import Principal, Role, authenticate
from transport.domain.errors import SenTransportError


class Unauthorised(SenTransportError):
    """No valid key or token was presented."""

    http_status = 401


class BadRequest(SenTransportError):
    """The request itself is malformed (e.g. a NUL character in its path or query)."""

    http_status = 400


async def reject_nul_bytes(request: Request) -> None:
    """No path or query text may hold a NUL character (databases refuse it; file paths cannot hold it)."""
    if "\x00" in request.url.path or "\x00" in str(request.scope.get("path", "")) or any(
            "\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
        raise BadRequest("the request path or query contains a NUL character")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services commit, anything unfinished is rolled back here."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key (sentk_...)")
bearer = HTTPBearer(auto_error=False, description="an OAuth2 access token from /v1/auth/token, or an API key")


def _authenticate(request: Request, presented: str) -> Principal | None:
    with request.app.state.sessions() as session:
        return authenticate(session, presented)


async def current_principal(
    request: Request,
    key: Annotated[str | None, Security(api_key_header)] = None,
    cred: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> Principal:
    """The caller, from ``X-API-Key`` or ``Authorization: Bearer``; 401 when missing or invalid.

    A credential checked in the last second comes from the process's cache on the event loop; otherwise
    the key table is read in the thread pool (the database driver blocks)."""
    presented = key or (cred.credentials if cred is not None else None)
    if not presented:
        raise Unauthorised("an API key (X-API-Key) or bearer token is required")
    cache = request.app.state.auth_cache
    who = cache.get(presented)
    if who is None:
        who = await run_in_threadpool(_authenticate, request, presented)
        if who is None:
            raise Unauthorised("the API key or token is not valid (unknown, revoked or expired)")
        cache.put(presented, who)
    return who


def require(*roles: Role):
    """A dependency admitting only ``roles`` (403 for any other valid caller)."""
    allowed = frozenset(roles)

    async def check(who: Annotated[Principal, Depends(current_principal)]) -> Principal:
        # async: no I/O here, so FastAPI runs it on the event loop instead of a thread hop
        if who.role not in allowed:
            raise ForbiddenError(f"role {who.role.value} may not do this (needs {' or '.join(sorted(allowed))})")
        return who

    return check


Officer = Annotated[Principal, Depends(require(Role.OFFICER, Role.ADMIN))]
Planner = Annotated[Principal, Depends(require(Role.PLANNER, Role.ADMIN))]
Staff = Annotated[Principal, Depends(require(Role.OFFICER, Role.PLANNER, Role.ADMIN))]
TenderReader = Annotated[Principal, Depends(require(Role.PLANNER, Role.ADMIN, Role.CONTRACTOR))]
Contractor = Annotated[Principal, Depends(require(Role.CONTRACTOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


async def get_engine(request: Request) -> EligibilityEngine:
    """The service's eligibility engine (no I/O: resolved on the event loop)."""
    return request.app.state.engine


EngineDep = Annotated[EligibilityEngine, Depends(get_engine)]
