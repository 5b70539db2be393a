"""Date arithmetic: birthdays, compulsory school age, academic age."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.dates import academic_age, age_on, csa_end, csa_start

DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


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
