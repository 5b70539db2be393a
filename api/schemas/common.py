"""What every router's schemas share: the strict input base, field shapes, the error body and the page envelope."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from api.workdays import FIRST_DAY, LAST_DAY

Ref = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
Reason = Field(min_length=10, max_length=2000, description="why, in words (at least 10 characters)")
SaneDate = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY, description=f"a date from {FIRST_DAY} to {LAST_DAY}")]

T = TypeVar("T")


class In(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class Message(BaseModel):
    """An error that is not about one field (401, 403, 404, 409)."""

    detail: str


class Page(BaseModel, Generic[T]):
    """The one list envelope: the items (``data``) and how many match (``count``)."""

    data: list[T]
    count: int
