"""Real fixtures for the documents tests: the sample decisions and a small morning and afternoon
plan of children at real Rutland postcodes, planned on the real roads (once per session)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from transport.domain.scenario import (
    FleetLayout,
    FleetVehicle,
    Point,
    Scenario,
    ScenarioChild,
    ScenarioSchool,
)

OAKHAM_DEPOT = Point(lat=52.6700, lon=-0.7285)
HOMES = ["LE15 6HQ", "LE15 6SH", "LE15 6RP", "LE15 9TJ", "LE15 9RT", "LE15 6EH"]


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


@pytest.fixture(scope="session")
def pdf_text():
    """All the text of a PDF, pages joined, whitespace collapsed (pypdf)."""
    return _pdf_text


@pytest.fixture(scope="session")
def homes():
    """The children's home postcodes, K0 to K5."""
    return HOMES


@pytest.fixture(scope="session")
def sample_decisions(settings):
    """The ten sample applications decided under the Kent example policy."""
    from eligibility.service import Assessor, read_applications
    from transport.domain.config import SAMPLE_DATA

    assessor = Assessor.from_settings("kent")
    rows, places = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    decisions, errors = assessor.assess_many(rows, no_place_at=places)
    assert not errors
    return {d.application_id: d for d in decisions}


def _scenario(schools, session: str) -> Scenario:
    def school(sid):
        s = schools[sid]
        return ScenarioSchool(id=s.id, name=s.name, location=Point.of(s.location), phase="secondary",
                              bell_start=s.bell_times.start, bell_finish=s.bell_times.finish)

    kids = tuple(ScenarioChild(id=f"K{i}", first_name=["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay"][i],
                               home=Point(postcode=pc), school_id="osm:way/101238684" if i % 2 == 0 else "136629",
                               phase="secondary", wheelchair=i == 3, passenger_assistant=i == 3,
                               equipment=("wheelchair clamps",) if i == 3 else (),
                               access_notes="sits behind the driver" if i == 1 else "")
                 for i, pc in enumerate(HOMES))
    fleet = (FleetVehicle(id="taxi", name="Saloon taxi", count=6, layouts=(FleetLayout(seats=4),),
                          fixed_daily_pence=3500, pence_per_mile=180, assistant_daily_pence=6000, depot=OAKHAM_DEPOT),
             FleetVehicle(id="wav", name="Wheelchair-accessible vehicle", count=2,
                          layouts=(FleetLayout(seats=3, wheelchairs=1),), fixed_daily_pence=6000,
                          pence_per_mile=220, assistant_daily_pence=6000, depot=OAKHAM_DEPOT))
    return Scenario(name=f"letters {session}", session=session, date=dt.date(2026, 9, 3),
                    schools=(school("osm:way/101238684"), school("136629")), children=kids, fleet=fleet)


@pytest.fixture(scope="session")
def plans(schools, drive_net):
    """Validated morning and afternoon plans of the six children."""
    from transport.planning.plan import plan_scenario

    am = plan_scenario(_scenario(schools, "am"), time_limit_s=3, network=drive_net)
    pm = plan_scenario(_scenario(schools, "pm"), time_limit_s=3, network=drive_net)
    assert not am.violations and not pm.violations
    assert not am.plan.unassigned and not pm.plan.unassigned
    return am, pm


@pytest.fixture(scope="session")
def day_plan(schools, drive_net):
    """A validated day plan (both runs jointly, one duty per vehicle) of the six children."""
    from transport.planning.day import plan_day

    day = plan_day(_scenario(schools, "am"), time_limit_s=4, network=drive_net)
    assert not day.violations and not day.plan.unassigned
    return day
