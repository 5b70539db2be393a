"""End to end on the real Rutland walk and drive networks, schools and postcodes."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString

from eligibility.service import read_application_rows, read_applications
from eligibility.unsafe import UnsafeSegment, affected_by, map_to_network
from transport.domain.config import SAMPLE_DATA
from transport.domain.models import Application, Home

DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


def _app(**kw) -> Application:
    base = dict(id="I1", date_of_birth=dt.date(2016, 3, 1), home=Home(postcode="LE15 8AA"), school_id="138113",
                travel_date=dt.date(2025, 9, 3))
    base.update(kw)
    return Application(**base)


def test_sample_cohort_accounts_for_every_row(rutland_assessor):
    """Every row of the sample CSV comes back as a decision or an error."""
    apps, places = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    decisions, errors = rutland_assessor.assess_many(apps, no_place_at=places)
    assert len(decisions) + len(errors) == len(apps) == 10


def test_bad_rows_reported_with_row_numbers(rutland_assessor):
    """Unknown school, impossible date and a home off the network are errors naming their rows."""
    apps, places, rows = read_application_rows(DATA / "ApplicationsWithBadRows.csv")
    decisions, errors = rutland_assessor.assess_many(apps, no_place_at=places, rows=rows)
    assert len(decisions) + len(errors) == len(apps)
    by_row = {e.row: e.reason for e in errors}  # the rows Excel shows: header is row 1
    assert "not a known school" in by_row[3]
    assert "date_of_birth" in by_row[4]
    assert "walkable way" in by_row[5] or "British National Grid" in by_row[5]


def test_unsafe_segment_on_route_forces_detour_and_is_found(rutland_assessor):
    """Blocking an edge of the measured route lengthens the safe route, and affected_by finds the decision."""
    from eligibility.service import Assessor

    base = rutland_assessor.assess(_app())
    walk = rutland_assessor.measurer.walk
    mid = base.route_edges[len(base.route_edges) // 2]
    geom = walk.edge_geometry[mid]
    from pyproj import Transformer
    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lonlat = LineString([tr.transform(x, y) for x, y in geom.coords])
    seg = map_to_network([UnsafeSegment("T-1", dt.date(2025, 1, 1), "test", "test", lonlat)], walk)[0]
    assert affected_by([base], seg) == [base]
    m = rutland_assessor.measurer
    blocked = Assessor(m.policy, walk, m.schools, drive=m.drive, unsafe=[*m.segments, seg], postcodes=m.postcodes)
    after = blocked.assess(_app())
    assert after.safe_walking_m > base.safe_walking_m
    assert after.walking_m == pytest.approx(base.walking_m)
    assert "T-1" in after.unsafe_segments_avoided
    assert not set(after.route_edges) & seg.edges
    assert affected_by([after], seg) == [after]


def test_single_decision_is_fast(rutland_assessor):
    """One decision on the real network takes under 50 ms."""
    import time

    rutland_assessor.assess(_app())
    t = time.perf_counter()
    rutland_assessor.assess(_app(id="I2"))
    assert time.perf_counter() - t < 0.05
