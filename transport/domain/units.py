"""Units used across the engine, defined in one place.

The routing layer works in integer seconds and metres (OR-Tools callbacks must return
ints); distances reported to people are in miles, as English guidance states them.
Names carry their unit: ``duration_s``, ``distance_m``, ``speed_kph``.
"""

from __future__ import annotations

METRES_PER_MILE = 1609.344
"""Exact statute mile (international yard and pound agreement, 1959)."""

KPH_PER_MPH = 1.609344

WALKING_SPEED_KPH = 4.8
"""Planning walking speed for a child accompanied as necessary (3 mph)."""

MAX_SNAP_DISTANCE_M = 500.0
"""Default largest distance from a point to a usable road or path before it is an error."""


def miles_to_m(miles: float) -> float:
    """Miles to metres."""
    return miles * METRES_PER_MILE


def m_to_miles(metres: float) -> float:
    """Metres to miles."""
    return metres / METRES_PER_MILE


def mph_to_kph(mph: float) -> float:
    """Miles per hour to kilometres per hour."""
    return mph * KPH_PER_MPH


def mileage_pence(pence_per_km: int, distance_m: int) -> int:
    """The mileage charge for ``distance_m`` metres at ``pence_per_km``, rounded half up to a penny.

    The one rounding every cost in the engine uses (the independent validator keeps its own copy).
    """
    return (pence_per_km * distance_m + 500) // 1000
