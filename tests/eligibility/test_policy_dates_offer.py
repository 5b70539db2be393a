"""Policy loading and validation, date arithmetic, PTB formulas at their band edges."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.dates import academic_age, age_on, csa_end, csa_start
from eligibility.offer import banded_ptb, part_year_fraction, per_mile_ptb
from eligibility.policy import load_policy
from transport.domain.errors import InputError
from transport.domain.units import miles_to_m

DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


def test_kent_extends_statutory(kent):
    """Kent inherits the statutory limits and overrides the selective switch."""
    assert kent.rules["statutory-distance"].limit_for(7).more_than_miles == 2
    assert kent.rules["statutory-distance"].limit_for(8).more_than_miles == 3
    assert kent.settings.ignore_selective_preference is False
    assert kent.lineage[1].startswith("statutory@")


def test_bad_policy_names_the_key():
    """A policy with a wrong type reports the file and the dotted key."""
    with pytest.raises(InputError, match=r"PolicyLimitNotANumber.yaml: rules.statutory-distance.limits.0.more_than_miles"):
        load_policy(DATA / "PolicyLimitNotANumber.yaml")


def test_unknown_policy_name():
    """An unknown policy name lists the shipped ones."""
    with pytest.raises(InputError, match="kent"):
        load_policy("narnia")


def test_leap_day_birthday():
    """A child born on 29 February turns 8 on 1 March in a common year."""
    dob = dt.date(2016, 2, 29)
    assert age_on(dob, dt.date(2024, 2, 28)) == 7 and age_on(dob, dt.date(2024, 2, 29)) == 8
    assert age_on(dob, dt.date(2025, 2, 28)) == 8 and age_on(dob, dt.date(2025, 3, 1)) == 9


@pytest.mark.parametrize("dob, start", [
    (dt.date(2020, 1, 1), dt.date(2025, 3, 31)),
    (dt.date(2020, 3, 31), dt.date(2025, 3, 31)),
    (dt.date(2020, 4, 1), dt.date(2025, 8, 31)),
    (dt.date(2020, 9, 1), dt.date(2025, 12, 31)),
])
def test_csa_start_prescribed_days(statutory, dob, start):
    """Compulsory school age starts on the first of 31 Dec, 31 Mar, 31 Aug on or after the 5th birthday."""
    assert csa_start(dob, statutory.compulsory_school_age) == start


@pytest.mark.parametrize("dob, end", [
    (dt.date(2010, 8, 31), dt.date(2026, 6, 26)),   # summer-born: leaves before turning 16
    (dt.date(2010, 9, 1), dt.date(2027, 6, 25)),
])
def test_csa_end_last_friday_june(statutory, dob, end):
    """Compulsory school age ends on the last Friday in June of the school year of the 16th birthday."""
    assert csa_end(dob, statutory.compulsory_school_age) == end


def test_academic_age(statutory):
    """Academic age is age on 31 August before the school year."""
    starts = statutory.compulsory_school_age.school_year_starts
    assert academic_age(dt.date(2014, 9, 1), dt.date(2025, 9, 3), starts) == 10
    assert academic_age(dt.date(2014, 8, 31), dt.date(2025, 9, 3), starts) == 11


@pytest.mark.parametrize("miles, pence", [(4.999, 200000), (5.0, 300000), (10.0, 300000), (10.001, 500000)])
def test_kent_ptb_band_edges(kent, miles, pence):
    """Kent bands: under 5 miles £2,000; 5 to 10 miles £3,000; over 10 miles £5,000."""
    assert banded_ptb(kent.ptb.banded, miles_to_m(miles))[0] == pence


def test_per_mile_ptb(statutory):
    """Per-mile PTB: 45p x 4 miles x 4 journeys x 190 days = £1,368."""
    assert per_mile_ptb(statutory.ptb.per_mile, miles_to_m(4.0))[0] == 136800


def test_pro_rata(kent):
    """Starting on 1 September is a whole year; starting on 31 July is one day of it."""
    assert part_year_fraction(kent.ptb, dt.date(2025, 9, 1)) == 1.0
    assert part_year_fraction(kent.ptb, dt.date(2026, 7, 31)) == pytest.approx(1 / 334)
