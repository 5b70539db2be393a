"""A "not the nearest suitable school" refusal carries the measured walk to the nearer school that decided it."""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Point

from eligibility.service import read_applications
from transport.domain.config import SAMPLE_DATA
from transport.domain.geo import LatLon
from transport.domain.models import Application, Home
from transport.domain.units import m_to_miles


def _refused_not_nearest() -> Application:
    return Application(id="NR-1", date_of_birth=dt.date(2017, 4, 14), home=Home(postcode="LE15 7PT"),
                       school_id="138113", travel_date=dt.date(2025, 9, 3))


def _length_m(route) -> float:
    from pyproj import Geod

    lons, lats = zip(*route)
    return Geod(ellps="WGS84").line_length(lons, lats)


def test_nearer_school_route_runs_from_home_to_the_deciding_school(rutland_assessor):
    """The route starts at the home measured from, ends at the nearer school's entrance, and is as long as
    the walking distance the decision states for that school (within the drawing's rounding)."""
    d = rutland_assessor.assess(_refused_not_nearest())
    assert d.refusal == "not-nearest-suitable-school" and d.nearer_schools
    nearer = next(s for s in d.schools_considered if s.school_id == d.nearer_schools[0])
    assert len(d.nearer_route) >= 2 and d.nearer_route != d.route
    assert Point(d.nearer_route[0]).distance(Point(d.route[0])) < 1e-6  # both start at the home
    assert nearer.name in d.explanation
    m = rutland_assessor.measurer
    end = LatLon(lat=d.nearer_route[-1][1], lon=d.nearer_route[-1][0])
    entrances = [e for e in m.entrances[nearer.school_id] if e.name == nearer.entrance]
    assert any(abs(e.point.lat - end.lat) < 1e-5 and abs(e.point.lon - end.lon) < 1e-5 for e in entrances)
    assert abs(m_to_miles(_length_m(d.nearer_route)) - nearer.walking_miles) < 0.02


def test_other_decisions_carry_no_nearer_route(rutland_assessor):
    """Eligible decisions and other refusals leave nearer_route empty; the batch path agrees with one at a time."""
    apps, places = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    decisions, _ = rutland_assessor.assess_many([*apps, _refused_not_nearest()], no_place_at=[*places, frozenset()])
    assert any(d.nearer_route for d in decisions)
    for d in decisions:
        assert bool(d.nearer_route) == (d.refusal == "not-nearest-suitable-school" and bool(d.nearer_schools)), d.application_id
    one = rutland_assessor.assess(_refused_not_nearest())
    assert next(d for d in decisions if d.application_id == "NR-1").nearer_route == one.nearer_route


def test_decisions_name_bases_refusals_and_checks_by_the_policys_labels(rutland_assessor):
    """Bases, the refusal and every rule checked carry the policy's label ("SEN, disability or mobility"),
    never only the rule id."""
    apps, places = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    decisions, _ = rutland_assessor.assess_many(apps, no_place_at=places)
    rules, refusals = rutland_assessor.policy.rules, rutland_assessor.policy.refusals
    for d in decisions:
        assert d.basis_labels == [rules[b].label for b in d.bases]
        assert d.refusal_label == (None if d.refusal is None else next(r.label for k, r in refusals.items() if k == d.refusal))
        assert all(c.label == rules[c.rule].label and c.label for c in d.checks), d.application_id
    assert "SEN, disability or mobility" in {lab for d in decisions for lab in d.basis_labels}
