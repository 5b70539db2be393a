"""The append-only audit log: who did what to which record, when.

``detail`` carries ids, counts and outcomes only, never a child's personal data (no names,
dates of birth, addresses or needs); ``record`` refuses detail that looks like it does.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from api.models import AuditEvent
from api.security import Principal

_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def record(session: Session, who: Principal, action: str, record_type: str, record_id: str | int,
           detail: str = "") -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the change it records)."""
    if _POSTCODE.search(detail) or _DATE.search(detail):
        raise ValueError(f"audit detail for {action} looks like personal data (postcode or date); log ids and counts")
    event = AuditEvent(actor=who.key_id, role=who.role.value, action=action, record_type=record_type,
                       record_id=str(record_id), detail=detail)
    session.add(event)
    return event
