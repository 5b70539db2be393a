"""UK maxspeed parsing and defaults."""

import pytest

from routing.speeds import DEFAULT_SPEED_MPH, edge_speed_kph, parse_maxspeed_kph
from transport.domain.units import mph_to_kph


@pytest.mark.parametrize(
    "tag, highway, mph",
    [
        ("30 mph", "primary", 30),
        ("20 mph", "residential", 20),
        ("national", "primary", 60),
        ("national", "motorway", 70),
        ("GB:nsl_single", "secondary", 60),
        ("GB:nsl_dual", "trunk", 70),
        ("GB:zone20", "residential", 20),
    ],
)
def test_uk_values_parse_to_mph(tag, highway, mph):
    """UK tag values give the limit they name."""
    assert parse_maxspeed_kph(tag, highway) == pytest.approx(mph_to_kph(mph))


def test_bare_number_is_kph_and_lists_average():
    """A bare number is km/h (OSM default); merged values average."""
    assert parse_maxspeed_kph("50", "primary") == 50
    assert parse_maxspeed_kph(["30 mph", "40 mph"], "primary") == pytest.approx(mph_to_kph(35))


def test_unusable_tag_falls_back_to_class_default():
    """Missing or unusable tags use the documented class default."""
    assert parse_maxspeed_kph("signals", "tertiary") is None
    assert edge_speed_kph(None, "residential") == pytest.approx(mph_to_kph(DEFAULT_SPEED_MPH["residential"]))
    assert edge_speed_kph("signals", "tertiary") == pytest.approx(mph_to_kph(DEFAULT_SPEED_MPH["tertiary"]))


def test_national_limit_on_a_lane_is_not_driven_at_60():
    """A national-limit lane is capped at the minor-road speed, not 60 mph."""
    assert edge_speed_kph("national", "unclassified") < mph_to_kph(60)
    assert edge_speed_kph("national", "primary") == pytest.approx(mph_to_kph(60))
