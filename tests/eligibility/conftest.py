"""Fixtures for the eligibility tests: constructed schools and facts, and the real networks once per session."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.policy import load_policy
from eligibility.rules import AssessmentFacts, Candidate
from transport.domain.geo import LatLon
from transport.domain.models import Application, Home, School
from transport.domain.units import miles_to_m

TRAVEL = dt.date(2025, 9, 3)


def school(sid: str, **kw) -> School:
    """A primary school unless told otherwise."""
    base = dict(id=sid, name=f"School {sid}", phase="primary", age_low=4, age_high=11,
                location=LatLon(52.67, -0.73))
    base.update(kw)
    return School(**base)


def secondary(sid: str, **kw) -> School:
    """An 11-18 secondary school."""
    return school(sid, phase="secondary", age_low=11, age_high=18, **kw)


def cand(s: School, miles: float, *, safe: float | None = None, road: float | None = None,
         straight: float | None = None) -> Candidate:
    """A measured school at a walking distance in miles (safe and road default to the same)."""
    return Candidate(school=s, walk_m=miles_to_m(miles),
                     safe_walk_m=float("inf") if safe == float("inf") else miles_to_m(miles if safe is None else safe),
                     road_m=miles_to_m(miles if road is None else road),
                     straight_m=miles_to_m(miles if straight is None else straight))


def application(dob: dt.date, school_id: str = "A", travel: dt.date = TRAVEL, **kw) -> Application:
    """An application at a postcode (the postcode is not used by the pure rules)."""
    return Application(id=kw.pop("id", "T1"), date_of_birth=dob, home=Home(postcode="LE15 6AB"),
                       school_id=school_id, travel_date=travel, **kw)


def facts(app: Application, attended: School, *cands: Candidate, named: School | None = None,
          no_place_at: frozenset[str] = frozenset()) -> AssessmentFacts:
    """Facts from constructed candidates."""
    return AssessmentFacts(application=app, school=attended, candidates=cands, named_school=named,
                           no_place_at=no_place_at)


@pytest.fixture(scope="session")
def statutory():
    """The statutory policy."""
    return load_policy("statutory")


@pytest.fixture(scope="session")
def kent():
    """Kent's example policy."""
    return load_policy("kent")


@pytest.fixture(scope="session")
def rutland_assessor():
    """An Assessor on the real Rutland networks, schools and postcodes, with the sample unsafe segments."""
    from eligibility.service import Assessor
    from transport.domain.config import SAMPLE_DATA

    return Assessor.from_settings("kent", unsafe_path=SAMPLE_DATA / "unsafe_segments" / "rutland_sample.geojson")
