"""Points, British National Grid and postcodes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transport.domain.errors import InputError, UnknownPostcodeError
from transport.domain.geo import LatLon, straight_line_m
from transport.domain.geocode import normalise_postcode


def test_bng_round_trip_is_within_a_millimetre():
    """WGS84 -> BNG -> WGS84 returns the same point."""
    p = LatLon(52.6700, -0.7285)
    q = LatLon.from_bng(*p.to_bng())
    assert straight_line_m(p, q) < 0.001


def test_known_bng_point_of_oakham():
    """Oakham market place lies near easting 486,000, northing 308,700."""
    e, n = LatLon(52.6700, -0.7285).to_bng()
    assert 485_500 < e < 486_500 and 308_200 < n < 309_200


@pytest.mark.parametrize("text", ["52.1", "abc,1", "91,0", "52,181", "nan,0"])
def test_bad_latlon_text_is_a_clear_error(text):
    """Malformed or out-of-range coordinates raise InputError naming the text."""
    with pytest.raises(InputError):
        LatLon.parse(text)


def test_bng_outside_grid_is_an_error():
    """Eastings beyond the grid are rejected."""
    with pytest.raises(InputError, match="outside the British National Grid"):
        LatLon.from_bng(-5, 100)


@given(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))
def test_latlon_parse_accepts_its_own_text(lat, lon):
    """Any valid point printed as LAT,LON parses back to within 1e-6 degrees."""
    p = LatLon.parse(str(LatLon(lat, lon)))
    assert abs(p.lat - lat) < 1e-6 and abs(p.lon - lon) < 1e-6


def test_postcode_normalisation():
    """Postcodes are upper-cased with one space; junk is rejected."""
    assert normalise_postcode("le156hq") == "LE15 6HQ"
    assert normalise_postcode(" CT1  2EH ") == "CT1 2EH"
    with pytest.raises(InputError):
        normalise_postcode("not a postcode")


def test_postcode_resolves_to_code_point_centroid(postcodes):
    """LE15 6HQ (Brooke Hill Academy, Oakham) resolves to a point in Oakham."""
    rec = postcodes.record("le15 6hq")
    p = postcodes.lookup("LE15 6HQ")
    assert rec.quality in (10, 50)
    assert straight_line_m(p, LatLon.from_bng(rec.easting, rec.northing)) < 0.01
    assert straight_line_m(p, LatLon(52.6607, -0.7376)) < 500


def test_unknown_postcode_is_a_clear_error(postcodes):
    """A Kent postcode is not in the Rutland file: the error says so without repeating the postcode
    (a home postcode is personal data, and error messages reach logs)."""
    with pytest.raises(UnknownPostcodeError, match="not in the loaded postcode file") as err:
        postcodes.lookup("CT1 2EH")
    assert "CT1" not in str(err.value)
