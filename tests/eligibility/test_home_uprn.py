"""Homes at address points: UPRN as a fourth way to give a home; postcode centroids near a limit are flagged."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.rules import decide
from transport.domain.addresses import AddressIndex
from transport.domain.errors import InputError
from transport.domain.models import Application, Home
from transport.domain.units import m_to_miles


def _app(home: Home, **kw) -> Application:
    base = dict(id="U1", date_of_birth=dt.date(2016, 3, 1), home=home, school_id="138113",
                travel_date=dt.date(2025, 9, 3))
    base.update(kw)
    return Application(**base)


def test_uprn_home_is_measured_from_its_address_point(rutland_assessor):
    """A UPRN places the home at its address point, and the decision says so."""
    index = AddressIndex.load()
    d = rutland_assessor.assess(_app(Home(uprn="990000000001")))
    assert d.home_measured_from == "uprn" and d.measure_from_address is None
    assert d.inputs.home_source.startswith("UPRN 990000000001 address point")
    p = index.lookup("990000000001")
    assert d.inputs.home == pytest.approx((p.lon, p.lat), abs=1e-7)
    both = rutland_assessor.assess(_app(Home(uprn="990000000001", postcode="LE15 8AA")))
    assert both.home_measured_from == "uprn" and both.walking_m == d.walking_m  # the UPRN wins over the postcode


def test_unknown_uprn_is_an_error_naming_it(rutland_assessor):
    """A UPRN not in the address file is an InputError naming the application and the file, not the UPRN."""
    with pytest.raises(InputError, match=r"application U1: UPRN is not in the address file rutland_uprn_synthetic.csv") \
            as exc:
        rutland_assessor.assess(_app(Home(uprn="990000009999")))
    assert "990000009999" not in str(exc.value)


def test_postcode_centroid_near_the_limit_says_measure_from_the_address(rutland_assessor, postcodes):
    """Within 0.25 mi of the 2-mile limit from a postcode centroid: flagged; far from it: not; from a UPRN: never."""
    near = far = None
    for pc in postcodes.postcodes():
        try:
            f = rutland_assessor.facts(_app(Home(postcode=pc), date_of_birth=dt.date(2018, 9, 1)))  # age 7: 2 mi
        except InputError:
            continue
        miles = m_to_miles(f.candidate("138113").walk_m)
        if near is None and abs(miles - 2.0) < 0.2:
            near = (pc, f)
        if far is None and abs(miles - 2.0) > 1.0:
            far = (pc, f)
        if near and far:
            break
    assert near and far, "Rutland has postcodes both near and far from 2 miles of Catmose Primary"
    d = decide(near[1], rutland_assessor.policy)
    assert d.home_measured_from == "postcode centroid"
    assert d.measure_from_address and "within 0.25 mi of the 2 mi limit" in d.measure_from_address
    assert "Measure from the address:" in d.explanation
    assert decide(far[1], rutland_assessor.policy).measure_from_address is None
    exact = near[1].model_copy(update={"home_measured_from": "coordinates"})
    assert decide(exact, rutland_assessor.policy).measure_from_address is None


def test_index_is_built_once_and_read_back(tmp_path):
    """The cache holds sorted arrays; a second load reads them (memory-mapped) and answers the same."""
    src = tmp_path / "uprn.csv"
    src.write_text("UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n3,486000,308800,0,0\n1,486100.5,308900,0,0\n")
    a = AddressIndex.from_csv(src, tmp_path / "cache")
    b = AddressIndex.from_csv(src, tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 1
    assert a.bng("1") == b.bng(1) == (486100.5, 308900.0) and "3" in b and "2" not in b
    bad = tmp_path / "bad.csv"
    bad.write_text("UPRN,X_COORDINATE,Y_COORDINATE\n1,486000,308800\n2,abc,308800\n")
    with pytest.raises(InputError, match=r"bad.csv row 3: X_COORDINATE 'abc' is not a number"):
        AddressIndex.from_csv(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("UPRN,LAT,LON\n1,52,-0.7\n")
    with pytest.raises(InputError, match="has no column X_COORDINATE, Y_COORDINATE"):
        AddressIndex.from_csv(wrong)
    with pytest.raises(InputError, match="not a UPRN"):
        a.bng("12ab")
