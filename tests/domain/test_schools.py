"""Schools: OSM locations joined with project attributes by URN."""

import pytest

from transport.domain.errors import InputError
from transport.domain.models import Application, BellTimes, Phase, School, SchoolType
from transport.domain.schools import school_from_attributes


def test_sample_schools_load_with_special_schools(schools):
    """All 24 attribute entries load; The Shires is a special school at its OSM location."""
    assert len(schools) == 24
    shires = schools["131018"]
    assert shires.is_special and shires.school_type == SchoolType.INDEPENDENT_SPECIAL
    assert abs(shires.location.lat - 52.7296) < 0.001
    assert schools["136629"].phase == Phase.SECONDARY


def test_school_without_location_is_an_error():
    """An attribute entry with neither an OSM row nor lat/lon names the school."""
    with pytest.raises(InputError, match="school 999999"):
        school_from_attributes("999999", {"phase": "primary", "age": [4, 11]}, None)


def test_bell_times_must_be_ordered():
    """A finish before the start is rejected."""
    import datetime as dt

    with pytest.raises(ValueError, match="finish"):
        BellTimes(start=dt.time(15, 0), finish=dt.time(9, 0))


def test_school_age_range_checked(schools):
    """age_high below age_low names the school."""
    s = schools["131018"]
    with pytest.raises(ValueError, match="school X"):
        School(**(s.model_dump() | {"id": "X", "age_low": 11, "age_high": 4}))


def test_entrances_default_to_school_point(schools):
    """A school with no mapped entrances is measured to its point."""
    s = schools["138113"]
    assert s.open_entrances()[0].location == s.location


def test_application_needs_a_home():
    """An application without any home location is rejected with a clear message."""
    import datetime as dt

    with pytest.raises(ValueError, match="home needs a postcode"):
        Application(id="A1", date_of_birth=dt.date(2015, 1, 1), home={}, school_id="138113",
                    travel_date=dt.date(2026, 9, 1))
