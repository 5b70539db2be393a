"""The domain model: schools, applications and children's needs, vehicle types.

Typed, validated, immutable (pydantic, ``frozen=True``). Validation errors name the
field and the object, e.g. ``school 131018: bell_end must be after bell_start``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from transport.domain.geo import LatLon


class Frozen(BaseModel):
    """Base of the immutable domain records."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Phase(StrEnum):
    """Education phase (DfE GIAS terms)."""

    NURSERY = "nursery"
    PRIMARY = "primary"
    MIDDLE = "middle"
    SECONDARY = "secondary"
    ALL_THROUGH = "all-through"
    SIXTEEN_PLUS = "16-plus"
    NOT_APPLICABLE = "not-applicable"


class SchoolType(StrEnum):
    """Kind of school as it matters for transport."""

    MAINSTREAM = "mainstream"
    SPECIAL = "special"
    NON_MAINTAINED_SPECIAL = "non-maintained-special"
    INDEPENDENT = "independent"
    INDEPENDENT_SPECIAL = "independent-special"
    FURTHER_EDUCATION = "further-education"
    ALTERNATIVE_PROVISION = "alternative-provision"
    """Pupil referral units and alternative provision academies (GIAS types 14, 38, 42, 43)."""


class Admissions(StrEnum):
    """Admission arrangements a policy may treat differently."""

    COMPREHENSIVE = "comprehensive"
    SELECTIVE = "selective"


class PupilSex(StrEnum):
    """Which pupils a school admits by sex."""

    MIXED = "mixed"
    BOYS = "boys"
    GIRLS = "girls"


class Entrance(Frozen):
    """A pedestrian or vehicle entrance, with whether it is open at the start and end of day."""

    name: str = "main"
    location: LatLon
    open_at_start_and_end: bool = True
    vehicles: bool = True


class BellTimes(Frozen):
    """Start and finish of the school day (local time)."""

    start: dt.time = dt.time(8, 45)
    finish: dt.time = dt.time(15, 15)
    arrive_before_min: tuple[int, int] = (5, 20)
    """Vehicles arrive between 20 and 5 minutes before the bell (earliest, latest)."""

    @model_validator(mode="after")
    def _order(self) -> "BellTimes":
        if self.finish <= self.start:
            raise ValueError(f"finish {self.finish} must be after start {self.start}")
        lo, hi = self.arrive_before_min
        if not 0 <= lo <= hi:
            raise ValueError(f"arrive_before_min must be (latest, earliest) with 0 <= a <= b, got {lo, hi}")
        return self


class SenProvision(StrEnum):
    """SEN designation of a school."""

    NONE = "none"
    SPECIAL_SCHOOL = "special-school"
    RESOURCED_PROVISION = "resourced-provision"
    SEN_UNIT = "sen-unit"


class School(Frozen):
    """A school or college children are carried to."""

    id: str = Field(description="DfE URN, or 'osm:<type>/<id>' where OSM has none")
    urn: int | None = None
    name: str
    phase: Phase
    age_low: int = Field(ge=0, le=25)
    age_high: int = Field(ge=0, le=25)
    school_type: SchoolType = SchoolType.MAINSTREAM
    sen_provision: SenProvision = SenProvision.NONE
    sen_needs_catered: tuple[str, ...] = ()
    pupils: PupilSex = PupilSex.MIXED
    admissions: Admissions = Admissions.COMPREHENSIVE
    religious_character: str | None = None
    location: LatLon
    entrances: tuple[Entrance, ...] = ()
    bell_times: BellTimes = BellTimes()
    weekday_bell_times: dict[str, BellTimes] = Field(default_factory=dict)
    """Bells that differ on some weekdays (``"fri"``: an early finish), keyed ``mon``..``fri``."""
    postcode: str | None = None
    source: str = ""

    @model_validator(mode="after")
    def _check(self) -> "School":
        if self.age_high < self.age_low:
            raise ValueError(f"school {self.id}: age_high {self.age_high} is below age_low {self.age_low}")
        return self

    def open_entrances(self) -> tuple[Entrance, ...]:
        """Entrances open at the start and end of the day; the school point if none listed."""
        open_ = tuple(e for e in self.entrances if e.open_at_start_and_end)
        return open_ or (Entrance(name="school point", location=self.location),)

    @property
    def is_special(self) -> bool:
        """A special school (maintained, academy or independent)."""
        return self.school_type in (SchoolType.SPECIAL, SchoolType.NON_MAINTAINED_SPECIAL,
                                    SchoolType.INDEPENDENT_SPECIAL)


class Sex(StrEnum):
    """A child's sex as recorded for admissions."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class ChildNeeds(Frozen):
    """What a child needs on the journey (drives vehicle choice and ride limits)."""

    wheelchair: bool = False
    passenger_assistant: bool = False
    travel_alone: bool = False
    max_ride_time_min: int | None = Field(None, gt=0, le=180)
    not_with: tuple[str, ...] = ()
    load_time_s: Annotated[int | None, Field(ge=0, le=1800)] = None
    """Boarding time if it differs from the policy's (longer for wheelchairs)."""
    equipment: tuple[str, ...] = ()
    access_notes: str = ""
    can_use_public_transport: bool = False
    """Transport Information Form: the child could travel on public transport (with a pass)."""
    travel_training_candidate: bool = False
    """Transport Information Form: the child could learn the journey (independent travel training)."""


class Home(Frozen):
    """Where the child lives: postcode, WGS84 point, or BNG easting/northing."""

    postcode: str | None = None
    location: LatLon | None = None
    easting: float | None = None
    northing: float | None = None
    uprn: str | None = Field(None, pattern=r"^\d{1,12}$", description="address point (OS Open UPRN)")

    @model_validator(mode="after")
    def _one_given(self) -> "Home":
        if self.location is None and self.postcode is None and self.uprn is None \
                and (self.easting is None or self.northing is None):
            raise ValueError("home needs a postcode, lat/lon, easting/northing or a UPRN")
        return self

    @property
    def measured_from(self) -> str:
        """Which of the given places distances are measured from: coordinates, then UPRN, then postcode."""
        if self.location is not None or (self.easting is not None and self.northing is not None):
            return "coordinates"
        return "uprn" if self.uprn is not None else "postcode centroid"


class Application(Frozen):
    """A transport application (the Transport Information Form)."""

    id: str = Field(min_length=1, max_length=64)
    date_of_birth: dt.date
    sex: Sex = Sex.UNKNOWN
    home: Home
    school_id: str = Field(description="school applied for, by DfE URN or project id")
    travel_date: dt.date = Field(description="the date the travel is for")
    ehc_plan: bool = False
    ehc_named_school_id: str | None = None
    ehc_transport_condition: bool = Field(
        False, description="the plan names the school on condition that parents arrange transport"
    )
    sen_mobility: bool = False
    sen_evidence: str = ""
    temporary_condition_until: dt.date | None = None
    low_income: bool = False
    religious_preference: str | None = None
    needs: ChildNeeds = ChildNeeds()
    first_name: str = ""
    sibling_group: str | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _not_future(cls, v: dt.date) -> dt.date:
        if v > dt.date.today() + dt.timedelta(days=366):
            raise ValueError("date_of_birth is in the future")
        return v

    @model_validator(mode="after")
    def _dates(self) -> "Application":
        if self.travel_date < self.date_of_birth:
            raise ValueError(f"application {self.id}: travel_date is before date_of_birth")
        return self


class Layout(Frozen):
    """One seating layout of a vehicle: seats and wheelchair spaces usable together."""

    seats: int = Field(ge=0, le=100)
    wheelchairs: int = Field(0, ge=0, le=20)


class VehicleType(Frozen):
    """A contracted vehicle type with its tariff (money in pence)."""

    id: str
    name: str
    count: int = Field(ge=0)
    layouts: tuple[Layout, ...] = Field(min_length=1)
    fixed_daily_pence: int = Field(ge=0)
    pence_per_mile: int = Field(ge=0)
    assistant_daily_pence: int = Field(0, ge=0)
    depot: LatLon | None = None
    max_route_duration_min: int | None = Field(None, gt=0)

    @property
    def max_seats(self) -> int:
        """Most seats over its layouts."""
        return max(layout.seats for layout in self.layouts)

    @property
    def max_wheelchairs(self) -> int:
        """Most wheelchair spaces over its layouts."""
        return max(layout.wheelchairs for layout in self.layouts)
