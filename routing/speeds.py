"""UK road speeds: parse OSM ``maxspeed`` and fall back to documented defaults per highway class.

Sources: OSM wiki "Key:maxspeed" (UK values such as ``30 mph``, ``national``, ``GB:nsl_single``,
``GB:nsl_dual``, ``GB:motorway``, ``GB:zone20``) and the Highway Code national speed limits for
cars (60 mph single carriageway, 70 mph dual carriageway and motorway). Where the tag is missing
the default is the typical speed of that class of road, not its legal limit, because a planner
wants realistic journey times.
"""

from __future__ import annotations

import math
import re

from transport.domain.units import mph_to_kph

NATIONAL_SINGLE_MPH = 60
NATIONAL_DUAL_MPH = 70

# Typical speed (mph) by OSM highway class when maxspeed is absent.
DEFAULT_SPEED_MPH: dict[str, float] = {
    "motorway": 70,
    "motorway_link": 40,
    "trunk": 55,
    "trunk_link": 30,
    "primary": 45,
    "primary_link": 30,
    "secondary": 40,
    "secondary_link": 30,
    "tertiary": 35,
    "tertiary_link": 25,
    "unclassified": 30,
    "residential": 25,
    "living_street": 10,
    "service": 15,
    "road": 25,
    "busway": 25,
}
FALLBACK_SPEED_MPH = 25.0

_GB_CODES_MPH = {
    "gb:nsl_single": NATIONAL_SINGLE_MPH,
    "gb:nsl_dual": NATIONAL_DUAL_MPH,
    "gb:motorway": NATIONAL_DUAL_MPH,
    "uk:nsl_single": NATIONAL_SINGLE_MPH,
    "uk:nsl_dual": NATIONAL_DUAL_MPH,
    "uk:motorway": NATIONAL_DUAL_MPH,
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")
_ZONE = re.compile(r"^(?:gb|uk):zone(\d+)$")


def _as_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def parse_maxspeed_kph(tag: object, highway: object = None) -> float | None:
    """Speed in km/h from a UK ``maxspeed`` value (or list of values), or None if unusable.

    Several values (a simplified edge merging ways) give their mean.
    """
    dual = any(h in ("motorway", "trunk") for h in _as_list(highway))
    speeds: list[float] = []
    for raw in _as_list(tag):
        for part in re.split(r"[;|]", raw):
            text = part.strip().lower()
            if not text:
                continue
            if text in ("national", "gb:national", "uk:national"):
                speeds.append(mph_to_kph(NATIONAL_DUAL_MPH if dual else NATIONAL_SINGLE_MPH))
            elif text in _GB_CODES_MPH:
                speeds.append(mph_to_kph(_GB_CODES_MPH[text]))
            elif m := _ZONE.match(text):
                speeds.append(mph_to_kph(float(m.group(1))))
            elif m := _NUMBER.match(text):
                value = float(m.group(1))
                if value <= 0:
                    continue
                speeds.append(mph_to_kph(value) if m.group(2) == "mph" else value)
    return sum(speeds) / len(speeds) if speeds else None


def default_speed_kph(highway: object, table: dict[str, float] | None = None) -> float:
    """Typical speed (km/h) for a highway class or list of classes (their mean)."""
    table = DEFAULT_SPEED_MPH if table is None else table
    classes = _as_list(highway)
    mph = [table.get(h, FALLBACK_SPEED_MPH) for h in classes] or [FALLBACK_SPEED_MPH]
    return mph_to_kph(sum(mph) / len(mph))


def edge_speed_kph(maxspeed: object, highway: object, *, table: dict[str, float] | None = None) -> float:
    """Driving speed for an edge: its posted limit where tagged, capped by nothing, else the default.

    A posted limit above the class default on minor roads (e.g. ``national`` on a single-track
    lane) is reduced to the class default: nobody drives a lane at 60 mph.
    """
    default = default_speed_kph(highway, table)
    posted = parse_maxspeed_kph(maxspeed, highway)
    if posted is None:
        return default
    minor = {"unclassified", "residential", "living_street", "service", "tertiary", "road"}
    if set(_as_list(highway)) & minor:
        return min(posted, max(default, mph_to_kph(30)))
    return posted
