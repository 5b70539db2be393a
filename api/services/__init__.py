

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.errors import NotFoundError
from api.models import DecisionRecord

Record = TypeVar("Record")


def get_or_404(session: Session, model: type[Record], key: object, label: str) -> Record:
    """The stored record with this primary key, or a 404 naming it (``plan 7 not found``)."""
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"{label} {key} not found")
    return row


def page(session: Session, query: Select[Any], *, limit: int, offset: int) -> tuple[list[Any], int]:
    """One page of an ordered ``select`` and the total number of rows it matches (a count query, not the page size)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(session.scalars(query.limit(limit).offset(offset))), total


def current_decision(session: Session, application):
    """The application's decision in force, or None before the first one."""
    return session.get(DecisionRecord, application.current_decision_id) if application.current_decision_id else None

