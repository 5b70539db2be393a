"""Children for a routing scenario from a CSV or .xlsx (one row per child), as councils keep them.

Columns: ``child_id``, ``first_name``, the home as ``home_postcode``, ``home_uprn`` (an address
point of the ``SEN_TRANSPORT_UPRN`` file), ``home_lat``/``home_lon`` or
``home_easting``/``home_northing``, ``school_urn``, and optional needs: ``phase``,
``wheelchair``, ``passenger_assistant``, ``travel_alone``, ``max_ride_time_min``, ``not_with``
(``;``-separated child ids), ``sibling_group``, ``load_time_s``, ``equipment`` (``;``-separated),
``access_notes``, ``attends`` (``;``-separated weekdays ``mon``..``fri``; blank: every weekday).
Every bad row is reported with its (Excel) row number; nothing is dropped silently.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from transport.domain.addresses import normalise_uprn
from transport.domain.errors import InputError, from_validation
from transport.domain.fleet import default_fleet
from transport.domain.scenario import FleetVehicle, Point, Scenario, ScenarioChild, ScenarioSchool
from transport.domain.schools import load_schools
from transport.io import cells
from transport.io.tabular import RowErrors, read_table


def _home(row: dict) -> Point:
    if str(row.get("home_lat") or "").strip() or str(row.get("home_lon") or "").strip():
        return Point(lat=float(row["home_lat"]), lon=float(row["home_lon"]))
    if str(row.get("home_easting") or "").strip():
        return Point(easting=float(row["home_easting"]), northing=float(row["home_northing"]))
    if str(row.get("home_uprn") or "").strip():
        return Point(uprn=str(normalise_uprn(row["home_uprn"])))
    if str(row.get("home_postcode") or "").strip():
        return Point(postcode=str(row["home_postcode"]).strip())
    raise InputError("no home: give home_postcode, home_uprn, home_lat/home_lon or home_easting/home_northing")


def child_from_row(row: dict) -> ScenarioChild:
    """One child from a CSV row; a clear error names the column."""
    row = {str(k).strip().lower(): v for k, v in row.items()}
    try:
        return ScenarioChild(
            id=str(row.get("child_id") or "").strip(), first_name=str(row.get("first_name") or "").strip(),
            home=_home(row), school_id=str(row.get("school_urn") or "").strip(),
            phase=cells.text(row, "phase") or None, wheelchair=cells.flag(row, "wheelchair"),
            passenger_assistant=cells.flag(row, "passenger_assistant"), travel_alone=cells.flag(row, "travel_alone"),
            max_ride_time_min=cells.whole(row, "max_ride_time_min"), not_with=cells.items(row, "not_with"),
            sibling_group=cells.text(row, "sibling_group") or None, load_time_s=cells.whole(row, "load_time_s"),
            equipment=cells.items(row, "equipment"), access_notes=cells.text(row, "access_notes"),
            **({"attends": tuple(d.lower() for d in cells.items(row, "attends"))} if cells.items(row, "attends") else {}))
    except ValidationError as exc:
        raise from_validation(exc, "child") from None
    except (KeyError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"bad home coordinates ({exc})") from None


def read_children(path: str | Path) -> list[ScenarioChild]:
    """Every child of the CSV or workbook, or ``RowErrors`` listing each bad row with its reason."""
    table = read_table(path)
    if not table.rows:
        raise InputError(f"{table.name} has no data rows")
    children, errors, seen = [], [], set()
    for row in table:
        try:
            row.check()
            child = child_from_row(row.cells)
            if child.id in seen:
                raise InputError(f"duplicate child_id {child.id!r}")
            seen.add(child.id)
            children.append(child)
        except InputError as exc:
            errors.append((row.number, str(exc)))
    if errors:
        raise RowErrors(table.name, errors)
    return children


def scenario_from_children(children: list[ScenarioChild], *, fleet: tuple[FleetVehicle, ...] | None = None,
                           session: str = "am", name: str = "imported children", schools=None) -> Scenario:
    """A scenario carrying these children to their (sample or configured) schools; a day
    scenario carries the schools' weekday bells too."""
    known = schools or load_schools()
    missing = sorted({c.school_id for c in children if c.school_id not in known})
    if missing:
        raise InputError(f"unknown school(s) {', '.join(missing)}: not in the school attributes file")
    used = {c.school_id: known[c.school_id] for c in children}
    scen_schools = tuple(ScenarioSchool.of(s, week=session == "day") for s in used.values())
    try:
        return Scenario(name=name, session=session, schools=scen_schools,  # type: ignore[arg-type]
                        children=tuple(children), fleet=fleet or default_fleet(len(children)))
    except ValidationError as exc:
        raise from_validation(exc, name) from None


def read_fleet(path: str | Path) -> tuple[FleetVehicle, ...]:
    """A fleet JSON file: a list of vehicle types in the scenario's ``fleet`` format."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return tuple(FleetVehicle.model_validate(v) for v in data)
    except FileNotFoundError:
        raise InputError(f"fleet file {path} not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{Path(path).name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    except ValidationError as exc:
        raise from_validation(exc, Path(path).name) from None
