"""Shared by the routers: error responses (so the OpenAPI document lists every status a route can answer) and paging."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.schemas.common import MAX_ID, Message

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="a record id (1 to 2^63 - 1)")]
Reference = Annotated[str, Path(min_length=1, max_length=64, description="the application reference")]
TextId = Annotated[str, Path(min_length=1, max_length=64, description="a key or job id")]

AUTH: dict[int | str, dict[str, Any]] = {
    400: {"model": Message, "description": "the body could not be parsed (not JSON, or not UTF-8)"},
    401: {"model": Message, "description": "no valid API key or bearer token"},
    403: {"model": Message, "description": "the caller's role (or operator) may not do this"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Message, "description": "no such record"}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Message, "description": "conflicts with the stored state"}}

Limit = Annotated[int, Query(ge=1, le=500, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
