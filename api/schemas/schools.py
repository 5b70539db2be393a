"""The schools officers and planners pick from (router ``api/routes/schools.py``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from api.schemas.common import Page


class SchoolPublic(BaseModel):
    """One school: public information from the school data and the council's attributes file."""

    id: str = Field(description="DfE URN, or 'osm:<type>/<id>' where OSM has none")
    name: str
    phase: str
    age_low: int
    age_high: int
    school_type: str
    sen_provision: str
    sen_needs_catered: list[str]
    religious_character: str | None
    postcode: str | None
    lat: float
    lon: float
    start: dt.time = Field(description="start of the school day (local time)")
    finish: dt.time = Field(description="end of the school day (local time)")


class SchoolsPublic(Page[SchoolPublic]):
    """Schools ordered by name."""
