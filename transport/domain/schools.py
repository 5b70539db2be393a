"""Schools: OpenStreetMap locations joined with project-authored attributes keyed by URN."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from transport.domain.config import get_settings
from transport.domain.errors import DataNotFoundError, InputError
from transport.domain.geo import LatLon
from transport.domain.models import BellTimes, Entrance, School


def _time(text: str) -> dt.time:
    return dt.datetime.strptime(str(text), "%H:%M").time()


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri")


def weekday_bell_times(key: str, usual: BellTimes, entry) -> dict[str, BellTimes]:
    """A school's ``weekday_bells`` entry (``{fri: ["08:40", "13:30"]}``; ``null`` keeps the usual
    time) as bell times per weekday; an error names the school, the field and the weekday."""
    if entry is None:
        return {}
    if not isinstance(entry, dict):
        raise InputError(f"school {key}: weekday_bells must map weekdays (mon..fri) to [start, finish]")
    out = {}
    for day, pair in entry.items():
        where = f"school {key}: weekday_bells.{day}"
        if str(day).lower() not in WEEKDAY_KEYS:
            raise InputError(f"{where}: not a weekday (use mon, tue, wed, thu or fri)")
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InputError(f"{where}: give [start, finish] as HH:MM (null keeps the usual time)")
        try:
            start = _time(pair[0]) if pair[0] is not None else usual.start
            finish = _time(pair[1]) if pair[1] is not None else usual.finish
        except ValueError:
            raise InputError(f"{where}: bell times must be HH:MM") from None
        if finish <= start:
            raise InputError(f"{where}: finish {finish:%H:%M} must be after start {start:%H:%M}")
        out[str(day).lower()] = BellTimes(start=start, finish=finish)
    return out


def read_osm_schools(path: Path) -> dict[str, dict]:
    """Rows of the OSM schools CSV keyed by URN, or ``osm:<type>/<id>`` when no URN."""
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            urn = (row.get("ref_edubase") or "").strip()
            key = urn if urn else f"osm:{row['osm_type']}/{row['osm_id']}"
            row["tags"] = json.loads(row.get("tags_json") or "{}")
            out[key] = row
    return out


def school_from_attributes(key: str, attrs: dict, osm: dict | None) -> School:
    """One School from its attribute entry and (when present) its OSM row."""
    try:
        if osm is not None:
            location = LatLon(float(osm["lat"]), float(osm["lon"]))
            postcode = osm.get("addr_postcode") or None
            source = f"OpenStreetMap {osm['osm_type']}/{osm['osm_id']}"
        elif "lat" in attrs and "lon" in attrs:
            location = LatLon(float(attrs["lat"]), float(attrs["lon"]))
            postcode, source = attrs.get("postcode"), "attributes file"
        else:
            raise InputError(f"school {key}: no location (not in the OSM schools file, no lat/lon)")
        age_low, age_high = attrs["age"]
        bell = attrs.get("bell")
        bell_times = BellTimes(start=_time(bell[0]), finish=_time(bell[1])) if bell else BellTimes()
        entrances = tuple(
            Entrance(
                name=e.get("name", "entrance"),
                location=LatLon(float(e["lat"]), float(e["lon"])),
                open_at_start_and_end=bool(e.get("open_at_start_and_end", True)),
                vehicles=bool(e.get("vehicles", True)),
            )
            for e in attrs.get("entrances", [])
        )
        return School(
            id=key,
            urn=int(key) if key.isdigit() else None,
            name=attrs.get("name") or (osm or {}).get("name") or key,
            phase=attrs["phase"],
            age_low=age_low,
            age_high=age_high,
            school_type=attrs.get("type", "mainstream"),
            sen_provision=attrs.get("sen_provision", "none"),
            sen_needs_catered=tuple(attrs.get("sen_needs", ())),
            pupils=attrs.get("pupils", "mixed"),
            admissions=attrs.get("admissions", "comprehensive"),
            religious_character=attrs.get("religion"),
            location=location,
            entrances=entrances,
            bell_times=bell_times,
            weekday_bell_times=weekday_bell_times(key, bell_times, attrs.get("weekday_bells")),
            postcode=postcode,
            source=source,
        )
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"school {key}: bad attributes ({exc.__class__.__name__}: {exc})".splitlines()[0]) from None


def load_schools(osm_csv: Path | None = None, attributes: Path | None = None) -> dict[str, School]:
    """Every school of the attributes file, placed at its OSM location, keyed by id."""
    settings = get_settings()
    try:
        osm_rows = read_osm_schools(osm_csv or settings.path("schools_osm"))
    except DataNotFoundError:  # a council's GIAS-made file places every school itself
        osm_rows = {}
    attr_path = attributes or settings.school_attributes
    with open(attr_path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    schools = {}
    for key, attrs in (doc.get("schools") or {}).items():
        key = str(key)
        schools[key] = school_from_attributes(key, attrs, osm_rows.get(key))
    return schools
