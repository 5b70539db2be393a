"""Routing scenarios: the schools, the children and their needs, the fleet and its tariffs.

A scenario is one session (morning ``am``: home to school; afternoon ``pm``: school to home)
or a whole school ``day`` (both runs, Monday to Friday). It is self-contained JSON (format
``sen-transport/scenario/1``, documented in the README) so a plan can always be re-checked
against exactly what it was planned for. The week is optional: a school's ``weekday_bells``
override its bell times on some weekdays (an early Friday finish), a child's ``attends`` lists
the weekdays they travel (a part-time timetable), and the policy gives the school days in a
year. Single-session scenarios written before the day existed load unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transport.domain.addresses import AddressIndex
from transport.domain.errors import InputError, from_validation
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.domain.models import School

FORMAT = "sen-transport/scenario/1"

Weekday = Literal["mon", "tue", "wed", "thu", "fri"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
"""The school week, Monday first: the days a day plan is checked on."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Point(_Model):
    """A place given as WGS84 lat/lon, British National Grid easting/northing, or a postcode."""

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    easting: float | None = None
    northing: float | None = None
    postcode: str | None = None
    uprn: str | None = Field(None, pattern=r"^\d{1,12}$")

    @model_validator(mode="after")
    def _given(self) -> "Point":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if self.lat is None and self.postcode is None and self.uprn is None \
                and (self.easting is None or self.northing is None):
            raise ValueError("give lat/lon, easting/northing, a UPRN or a postcode")
        return self

    def resolve(self, postcodes=None, addresses=None) -> LatLon:
        """The WGS84 point: coordinates, else the UPRN's address point, else the postcode's Code-Point centroid."""
        if self.lat is not None:
            return LatLon(self.lat, self.lon)  # type: ignore[arg-type]
        if self.easting is not None and self.northing is not None:
            return LatLon.from_bng(self.easting, self.northing)
        if self.uprn is not None:
            return (addresses or AddressIndex.load()).lookup(self.uprn)
        if postcodes is None:
            postcodes = PostcodeIndex.load()
        return postcodes.lookup(self.postcode or "")

    @classmethod
    def of(cls, p: LatLon) -> "Point":
        """From a LatLon (rounded to 7 decimals, about a centimetre)."""
        return cls(lat=round(p.lat, 7), lon=round(p.lon, 7))


def _local_clock(v: dt.time | None) -> dt.time | None:
    if v is not None and v.tzinfo is not None:
        raise ValueError("bell times are local clock times (HH:MM) without a time zone")
    return v


class WeekdayBells(_Model):
    """Bell times that differ on one weekday (either may be left as the school's usual)."""

    bell_start: dt.time | None = None
    bell_finish: dt.time | None = None

    @field_validator("bell_start", "bell_finish")
    @classmethod
    def _local_clock(cls, v: dt.time | None) -> dt.time | None:
        return _local_clock(v)


class ScenarioSchool(_Model):
    """A destination school with its bell times, usual and by weekday."""

    id: str = Field(min_length=1)
    name: str = ""
    location: Point
    phase: str = "secondary"
    bell_start: dt.time = dt.time(8, 45)
    bell_finish: dt.time = dt.time(15, 15)
    weekday_bells: dict[Weekday, WeekdayBells] = Field(default_factory=dict)

    @field_validator("bell_start", "bell_finish")
    @classmethod
    def _local_clock(cls, v: dt.time | None) -> dt.time | None:
        return _local_clock(v)

    @model_validator(mode="after")
    def _bells(self) -> "ScenarioSchool":
        for day in (None, *WEEKDAYS):
            start, finish = self.bells_on(day)
            if finish <= start:
                on = f" on {day}" if day else ""
                raise ValueError(f"school {self.id}: bell_finish must be after bell_start{on}")
        return self

    @classmethod
    def of(cls, school: School, *, week: bool = False) -> ScenarioSchool:
        """A scenario school from the school attributes: its first open entrance, its usual bells
        and, with ``week``, the bells that differ by weekday."""
        usual = school.bell_times
        changed = {day: WeekdayBells(bell_start=b.start if b.start != usual.start else None,
                                     bell_finish=b.finish if b.finish != usual.finish else None)
                   for day, b in school.weekday_bell_times.items()} if week else {}
        return cls(id=school.id, name=school.name, location=Point.of(school.open_entrances()[0].location),
                   phase="primary" if school.age_high <= 11 else "secondary", bell_start=usual.start,
                   bell_finish=usual.finish, weekday_bells={d: b for d, b in changed.items()
                                                            if b.bell_start or b.bell_finish})

    def bells_on(self, day: Weekday | None) -> tuple[dt.time, dt.time]:
        """``(bell_start, bell_finish)`` on a weekday (``None``: the usual times)."""
        over = self.weekday_bells.get(day) if day else None
        if over is None:
            return self.bell_start, self.bell_finish
        return over.bell_start or self.bell_start, over.bell_finish or self.bell_finish


class Placement(_Model):
    """One school of a child with a shared placement and the weekdays the child attends it."""

    school_id: str = Field(min_length=1)
    days: tuple[Weekday, ...] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("days names a weekday twice")
        return tuple(d for d in WEEKDAYS if d in v)


def placement_request_id(child_id: str, school_id: str) -> str:
    """The routing id of one placement of a child with a shared placement (``C00012@137340``)."""
    return f"{child_id}@{school_id}"


class ScenarioChild(_Model):
    """One child to carry, with the needs that constrain the journey.

    A child with a **shared placement** attends different schools on different weekdays:
    ``placements`` lists each school with its days (``school_id`` is then the first of them and
    ``attends`` every day of them, filled in when left out). Each placement is routed as its own
    trip (``C00012@137340``) on its own days.
    """

    id: str = Field(min_length=1, max_length=64)
    first_name: str = ""
    home: Point
    school_id: str
    phase: str | None = None
    wheelchair: bool = False
    passenger_assistant: bool = False
    travel_alone: bool = False
    not_with: tuple[str, ...] = ()
    sibling_group: str | None = None
    max_ride_time_min: int | None = Field(None, gt=0, le=240)
    load_time_s: int | None = Field(None, ge=0, le=1800)
    access_notes: str = ""
    equipment: tuple[str, ...] = ()
    attends: tuple[Weekday, ...] = WEEKDAYS
    """Weekdays the child travels (a part-time timetable lists fewer)."""
    placements: tuple[Placement, ...] = ()
    """A shared placement: each school with its weekdays (empty: ``school_id`` on every day attended)."""

    @model_validator(mode="before")
    @classmethod
    def _from_placements(cls, data):
        if isinstance(data, dict) and data.get("placements"):
            first = data["placements"][0]
            school = first.get("school_id") if isinstance(first, dict) else getattr(first, "school_id", None)
            data = dict(data)
            data.setdefault("school_id", school)
            if "attends" not in data:
                days = {d for p in data["placements"] for d in
                        ((p.get("days") or ()) if isinstance(p, dict) else getattr(p, "days", ()))}
                data["attends"] = tuple(d for d in WEEKDAYS if d in days)
        return data

    @field_validator("attends")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("attends must name at least one weekday")
        if len(set(v)) != len(v):
            raise ValueError("attends names a weekday twice")
        return tuple(d for d in WEEKDAYS if d in v)

    @model_validator(mode="after")
    def _placements(self) -> ScenarioChild:
        if not self.placements:
            return self
        schools = [p.school_id for p in self.placements]
        if len(set(schools)) != len(schools):
            raise ValueError(f"child {self.id}: placements name a school twice")
        days = [d for p in self.placements for d in p.days]
        if len(set(days)) != len(days):
            raise ValueError(f"child {self.id}: placements put a weekday at two schools")
        if self.school_id not in schools:
            raise ValueError(f"child {self.id}: school_id must be one of the placements' schools")
        if set(days) != set(self.attends):
            raise ValueError(f"child {self.id}: attends must be the placements' weekdays")
        return self

    def trips(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """``(request id, school id, weekdays)`` of each placement: the child's own id and school on
        every day attended, or one trip per school of a shared placement."""
        if len(self.placements) <= 1:
            return ((self.id, self.school_id, self.attends),)
        return tuple((placement_request_id(self.id, p.school_id), p.school_id, p.days) for p in self.placements)

    def school_on(self, day: Weekday) -> str | None:
        """The school the child attends on a weekday (``None``: not that day)."""
        return next((school for _, school, days in self.trips() if day in days), None)


class FleetLayout(_Model):
    """Seats and wheelchair spaces usable together in one layout of a vehicle."""

    seats: int = Field(ge=0, le=100)
    wheelchairs: int = Field(0, ge=0, le=20)


class FleetVehicle(_Model):
    """A contracted vehicle type: how many, its layouts, its base and its tariff (pence)."""

    id: str = Field(min_length=1)
    name: str = ""
    count: int = Field(ge=0)
    layouts: tuple[FleetLayout, ...] = Field(min_length=1)
    fixed_daily_pence: int = Field(ge=0)
    pence_per_mile: int = Field(ge=0)
    assistant_daily_pence: int = Field(0, ge=0)
    depot: Point
    max_route_min: int | None = Field(None, gt=0)

    @field_validator("layouts")
    @classmethod
    def _some_space(cls, v: tuple[FleetLayout, ...]) -> tuple[FleetLayout, ...]:
        if all(lay.seats + lay.wheelchairs == 0 for lay in v):
            raise ValueError("every layout has zero seats and zero wheelchair spaces")
        return v


class PlanningPolicy(_Model):
    """The council's journey standards used by the optimiser."""

    max_ride_time_min: dict[str, int] = Field(
        default_factory=lambda: {"primary": 45, "secondary": 75, "default": 75},
        description="by phase; DfE guidance: 45 min primary, 75 min secondary as good practice",
    )
    arrive_before_bell_min: tuple[int, int] = (5, 20)
    """Arrive at school between 20 and 5 minutes before the bell: (latest, earliest)."""
    depart_after_finish_min: tuple[int, int] = (5, 20)
    """Leave school between 5 and 20 minutes after the finish bell."""
    load_time_s: int = Field(60, ge=0)
    wheelchair_load_time_s: int = Field(240, ge=0)
    school_unload_time_s: int = Field(60, ge=0)
    school_days_per_year: int = Field(190, ge=1, le=260)
    """School days in the council's year: a day plan's yearly cost is its mean day times this."""
    afternoon: Literal["same_vehicle", "free"] = "same_vehicle"
    """``same_vehicle``: a child goes home on the vehicle that brought them in; ``free``: the
    afternoon runs are planned on their own and chained onto vehicles where that is cheaper."""
    wait_near_school: bool = True
    """Whether a vehicle may wait near the school between runs instead of returning to base."""

    def ride_limit_min(self, phase: str | None) -> int:
        """The default ride limit for a phase."""
        table = self.max_ride_time_min
        return table.get(phase or "default", table.get("default", 75))


class Scenario(_Model):
    """Everything one planning run needs."""

    format: Literal["sen-transport/scenario/1"] = FORMAT
    name: str = "scenario"
    session: Literal["am", "pm", "day"] = "am"
    date: dt.date | None = None
    schools: tuple[ScenarioSchool, ...]
    children: tuple[ScenarioChild, ...]
    fleet: tuple[FleetVehicle, ...] = Field(min_length=1)
    policy: PlanningPolicy = PlanningPolicy()
    synthetic: bool = False

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        problems = []
        school_ids = [s.id for s in self.schools]
        if len(set(school_ids)) != len(school_ids):
            problems.append("school ids must be unique")
        child_ids = [c.id for c in self.children]
        dupes = sorted({c for c in child_ids if child_ids.count(c) > 1}) if len(set(child_ids)) != len(child_ids) else []
        if dupes:
            problems.append(f"child ids must be unique (repeated: {', '.join(dupes[:5])})")
        fleet_ids = [v.id for v in self.fleet]
        if len(set(fleet_ids)) != len(fleet_ids):
            problems.append("fleet ids must be unique")
        known_schools, known_children = set(school_ids), set(child_ids)
        for c in self.children:
            for school in dict.fromkeys([c.school_id, *(p.school_id for p in c.placements)]):
                if school not in known_schools:
                    problems.append(f"child {c.id}: unknown school {school!r}")
            for other in c.not_with:
                if other not in known_children:
                    problems.append(f"child {c.id}: not_with names unknown child {other!r}")
        trips = [rid for c in self.children for rid, _, _ in c.trips()]
        if len(set(trips)) != len(trips):
            problems.append("a shared placement's trip id (child@school) is also another child's id")
        if problems:
            raise ValueError("; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""))
        return self

    def child_of_trip(self) -> dict[str, str]:
        """Routing request id -> child id (a shared placement's trips map to their child)."""
        return {rid: c.id for c in self.children for rid, _, _ in c.trips()}

    def school(self, school_id: str) -> ScenarioSchool:
        """A school by id."""
        for s in self.schools:
            if s.id == school_id:
                return s
        raise InputError(f"unknown school {school_id!r}")

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: a plan records which scenario it was made for."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def to_json(self) -> str:
        """Pretty JSON."""
        return self.model_dump_json(indent=1, exclude_defaults=False)


def parse_scenario(data: dict | str, *, source: str = "scenario") -> Scenario:
    """Validate scenario data; errors name the field path and the object."""
    try:
        if isinstance(data, str):
            return Scenario.model_validate_json(data)
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, source) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario JSON file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"scenario file {path} not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    return parse_scenario(data, source=path.name)


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario JSON file."""
    Path(path).write_text(scenario.to_json(), encoding="utf-8")
