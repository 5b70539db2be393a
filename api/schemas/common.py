"""What every router's schemas share: the strict input base, field shapes, the error body and the page envelope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.workdays import FIRST_DAY, LAST_DAY

Ref = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
Reason = Field(min_length=10, max_length=2000, description="why, in words (at least 10 characters)")
SaneDate = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY, description=f"a date from {FIRST_DAY} to {LAST_DAY}")]

MAX_ID = 2**63 - 1
"""Largest record id (a signed 64-bit integer, as both databases store it)."""
RecordIdField = Field(ge=1, le=MAX_ID)

T = TypeVar("T")


def nul_path(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (strings, lists, dicts, nested) a NUL character is, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            found = nul_path(k, where) if isinstance(k, str) and "\x00" in k else nul_path(v, f"{where}.{k}" if where else str(k))
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = nul_path(v, f"{where}.{i}" if where else str(i))
            if found is not None:
                return found
    return None


def over_long(value: Any, max_chars: int, where: str = "") -> str | None:
    """Where in ``value`` (nested lists and dicts) a text longer than ``max_chars`` is, or None."""
    if isinstance(value, str):
        return where if len(value) > max_chars else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for k, v in items:
        found = over_long(v, max_chars, f"{where}.{k}" if where else str(k))
        if found is not None:
            return found
    return None


IdItem = Annotated[str, Field(min_length=1, max_length=64)]
"""An id in a list (application, school, child)."""
ShortText = Annotated[str, Field(min_length=1, max_length=100)]
"""A short label in a list (an item of equipment)."""


class In(BaseModel):
    """A request body: unknown fields are refused, and no text may hold a NUL character."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        where = nul_path(value)
        if where is not None:
            raise ValueError("must not contain NUL characters" + (f" (at {where})" if where else ""))
        return value


class Message(BaseModel):
    """An error that is not about one field (401, 403, 404, 409)."""

    detail: str


class Page(BaseModel, Generic[T]):
    """The one list envelope: the items (``data``) and how many match (``count``)."""

    data: list[T]
    count: int
