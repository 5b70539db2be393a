"""Measurement on the real Rutland walk network: the walking distance is the network's own shortest path plus the snap legs."""

from __future__ import annotations

import datetime as dt

import pytest

from transport.domain.models import Application, Home


def _app(**kw) -> Application:
    base = dict(id="I1", date_of_birth=dt.date(2016, 3, 1), home=Home(postcode="LE15 8AA"), school_id="138113",
                travel_date=dt.date(2025, 9, 3))
    base.update(kw)
    return Application(**base)


def test_walking_distance_matches_network_path(rutland_assessor):
    """The measured walking distance equals the network's own shortest path plus the two snap legs."""
    a = rutland_assessor
    f = a.facts(_app())
    mine = f.candidate("138113")
    home = a.measurer.home_location(f.application)[0]
    school = a.measurer.schools["138113"]
    walk = a.measurer.walk
    p = walk.path(home, school.location)
    legs = walk.snap(home).snap_distance_m + walk.snap(school.location).snap_distance_m
    assert mine.walk_m == pytest.approx(p.distance_m + legs, abs=1.0)
