"""Stored applications as other services read them: by reference, and as the engine's application.

Below both ``applications`` (create, import) and ``decisions`` (assess), which each need these.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import FieldError, NotFoundError
from api.models import ApplicationRecord
from api.schemas.applications import ApplicationCreate
from transport.domain.errors import InputError
from transport.domain.models import Application


def get_application(session: Session, reference: str) -> ApplicationRecord:
    """The application with this reference (404 otherwise)."""
    rec = session.scalar(select(ApplicationRecord).where(ApplicationRecord.reference == reference))
    if rec is None:
        raise NotFoundError(f"application {reference} not found")
    return rec


def engine_application(body: ApplicationCreate) -> Application:
    """The engine's application, with conversion errors as 422 field messages."""
    try:
        return body.to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FieldError(("body", *[str(p) for p in first["loc"]]), str(first["msg"]).removeprefix("Value error, ")) from None
    except InputError as exc:
        raise FieldError(("body", "home"), str(exc)) from None


def stored_application(rec: ApplicationRecord) -> tuple[Application, frozenset[str]]:
    """A stored application as the engine's application and its no-place-at schools."""
    body = ApplicationCreate.model_validate(rec.data)
    return body.to_domain(), frozenset(body.no_place_at)
