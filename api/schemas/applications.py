"""Applications: what the council receives, stores and imports (router ``api/routes/applications.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import IdItem, In, Page, Ref, SaneDate, ShortText
from transport.domain.geo import LatLon
from transport.domain.models import Application, ChildNeeds, Home


class HomeIn(In):
    """Where the child lives: a postcode, a WGS84 point, British National Grid metres, or a UPRN (address point)."""

    postcode: str | None = Field(None, min_length=5, max_length=8, pattern=r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$")
    lat: float | None = Field(None, ge=49.0, le=61.0)
    lon: float | None = Field(None, ge=-8.7, le=2.0)
    easting: float | None = Field(None, ge=0, le=800_000)
    northing: float | None = Field(None, ge=0, le=1_400_000)
    uprn: str | None = Field(None, pattern=r"^[0-9]{1,12}$",
                             description="Unique Property Reference Number, placed at its address point")

    @model_validator(mode="after")
    def _one_given(self) -> "HomeIn":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if (self.easting is None) != (self.northing is None):
            raise ValueError("give both easting and northing")
        if self.postcode is None and self.lat is None and self.easting is None and self.uprn is None:
            raise ValueError("home needs a postcode, lat/lon, easting/northing or a UPRN")
        return self


class NeedsIn(In):
    """What the child needs on the journey (used for planning and, minimised, by the awarded operator)."""

    wheelchair: bool = False
    passenger_assistant: bool = False
    travel_alone: bool = False
    max_ride_time_min: int | None = Field(None, gt=0, le=180)
    not_with: list[IdItem] = Field(default_factory=list, max_length=20)
    load_time_s: int | None = Field(None, ge=0, le=1800, description="boarding time if it differs from the policy's")
    equipment: list[ShortText] = Field(default_factory=list, max_length=20, description="e.g. booster seat, harness")
    access_notes: str = Field("", max_length=500, description="what the driver needs to know at the door")
    can_use_public_transport: bool = Field(False, description="TIF: could travel on public transport with a pass")
    travel_training_candidate: bool = Field(False, description="TIF: could learn the journey (travel training)")


class ApplicationCreate(In):
    """A transport application as the council receives it (columns as in docs/eligibility-input.md)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "application_id": "KCC-2025-00017", "first_name": "Amira", "date_of_birth": "2014-06-30", "sex": "F",
        "home": {"postcode": "LE15 8PU"}, "school_id": "131018", "travel_date": "2025-09-03",
        "ehc_plan": True, "ehc_named_school_id": "131018", "sen_mobility": True,
        "sen_evidence": "EHC plan section F: needs adult support on journeys",
        "needs": {"passenger_assistant": True, "equipment": ["booster seat"]},
    }]})

    application_id: str = Ref
    first_name: str = Field("", max_length=50)
    date_of_birth: SaneDate
    sex: Literal["F", "M", "U"] = "U"
    home: HomeIn
    school_id: str = Field(min_length=1, max_length=64)
    travel_date: SaneDate
    ehc_plan: bool = False
    ehc_named_school_id: str | None = Field(None, max_length=64)
    ehc_transport_condition: bool = False
    sen_mobility: bool = False
    sen_evidence: str = Field("", max_length=2000)
    temporary_condition_until: SaneDate | None = None
    low_income: bool = False
    religious_preference: str | None = Field(None, max_length=50)
    needs: NeedsIn = Field(default_factory=NeedsIn)
    sibling_group: str | None = Field(None, max_length=64)
    no_place_at: list[IdItem] = Field(default_factory=list, max_length=50,
                                   description="schools that would not have offered a place")

    @model_validator(mode="after")
    def _dates(self) -> "ApplicationCreate":
        if self.date_of_birth >= self.travel_date:
            raise ValueError("date_of_birth must be before travel_date")
        if self.travel_date.year - self.date_of_birth.year > 26:
            raise ValueError("the child would be over 25 on the travel date: check date_of_birth")
        return self

    def to_domain(self) -> Application:
        """The engine's application (raises InputError or ValueError naming the field)."""
        h = self.home
        home = Home(postcode=h.postcode, location=LatLon(h.lat, h.lon) if h.lat is not None else None,
                    easting=h.easting, northing=h.northing, uprn=str(int(h.uprn)) if h.uprn else None)
        n = self.needs
        needs = ChildNeeds(wheelchair=n.wheelchair, passenger_assistant=n.passenger_assistant,
                           travel_alone=n.travel_alone, max_ride_time_min=n.max_ride_time_min,
                           not_with=tuple(n.not_with), load_time_s=n.load_time_s, equipment=tuple(n.equipment),
                           access_notes=n.access_notes, can_use_public_transport=n.can_use_public_transport,
                           travel_training_candidate=n.travel_training_candidate)
        return Application(
            id=self.application_id, date_of_birth=self.date_of_birth, sex=self.sex, home=home,
            school_id=self.school_id, travel_date=self.travel_date, ehc_plan=self.ehc_plan,
            ehc_named_school_id=self.ehc_named_school_id, ehc_transport_condition=self.ehc_transport_condition,
            sen_mobility=self.sen_mobility, sen_evidence=self.sen_evidence,
            temporary_condition_until=self.temporary_condition_until, low_income=self.low_income,
            religious_preference=self.religious_preference, needs=needs, first_name=self.first_name,
            sibling_group=self.sibling_group,
        )


class DecisionSummary(BaseModel):
    """The current decision on an application, in brief."""

    id: int
    kind: str
    eligible: bool
    refusal: str | None
    policy_version: str
    created_at: dt.datetime


class OpenCase(BaseModel):
    """The application's open stage 1 review or stage 2 appeal and the council's next deadline on it."""

    id: int
    stage: Literal[1, 2]
    status: Literal["awaiting_review", "awaiting_hearing", "hearing_scheduled"]
    next_deadline: dt.date
    next_deadline_is: str


class ApplicationPublic(BaseModel):
    """A stored application with its status and current decision."""

    id: str = Field(description="the application reference")
    status: Literal["received", "eligible", "not_eligible"]
    school_id: str
    travel_date: dt.date
    created_at: dt.datetime
    application: ApplicationCreate
    current_decision: DecisionSummary | None = None
    open_case: OpenCase | None = Field(None, description="an open review or appeal, with its next deadline")


class ApplicationsPublic(Page[ApplicationPublic]):
    """A page of applications and the number matching the filters."""

    limit: int
    offset: int


class ImportRow(BaseModel):
    """What happened to one row, numbered as the spreadsheet shows it (the header is row 1)."""

    row: int
    application_id: str | None
    status: Literal["created", "duplicate", "error"]
    reason: str = ""
    eligible: bool | None = None
    batch: int | None = Field(None, description="the batch the row was committed in (created rows only)")


class ImportReport(BaseModel):
    """Every row of an imported cohort accounted for."""

    rows: int
    created: int
    duplicates: int
    errors: int
    assessed: int
    batches: int = Field(0, description="batches committed (each all-or-nothing)")
    report: list[ImportRow]
