"""Small real-geography scenarios for planning tests."""

import datetime as dt

import pytest

from transport.domain.scenario import FleetLayout, FleetVehicle, Point, Scenario, ScenarioChild, ScenarioSchool

OAKHAM_DEPOT = Point(lat=52.6700, lon=-0.7285)


def school(schools, sid):
    """A scenario school from the real sample school."""
    s = schools[sid]
    return ScenarioSchool(id=s.id, name=s.name, location=Point.of(s.location), phase="secondary",
                          bell_start=s.bell_times.start, bell_finish=s.bell_times.finish)


def taxi(count=10, **kw):
    """A 4-seat saloon."""
    return FleetVehicle(id="taxi", name="Saloon", count=count, layouts=(FleetLayout(seats=4),),
                        fixed_daily_pence=3500, pence_per_mile=180, assistant_daily_pence=6000,
                        depot=OAKHAM_DEPOT, **kw)


@pytest.fixture
def small(schools, postcodes):
    """Six children at real Oakham/Uppingham postcodes going to Catmose College and UCC."""
    homes = ["LE15 6HQ", "LE15 6SH", "LE15 6RP", "LE15 9TJ", "LE15 9RT", "LE15 6EH"]
    kids = tuple(ScenarioChild(id=f"K{i}", first_name=f"Kid{i}", home=Point.of(postcodes.lookup(pc)),
                               school_id="osm:way/101238684" if i % 2 == 0 else "136629", phase="secondary")
                 for i, pc in enumerate(homes))
    return Scenario(name="small", schools=(school(schools, "osm:way/101238684"), school(schools, "136629")),
                    children=kids, fleet=(taxi(),), date=dt.date(2026, 9, 7))
