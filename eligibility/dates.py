"""Dates that decide eligibility: ages, birthdays, school years, compulsory school age.

Age is actual age in whole years: a child is 8 from the first moment of their 8th birthday.
A child born on 29 February has their birthday on 1 March in other years. "Academic age" is
age at the start of the school year (the day before it starts), which places a child in a
year group; school age ranges (4-11, 11-18) are read in academic age.
"""

from __future__ import annotations

import datetime as dt

from eligibility.policy import WEEKDAYS, CompulsorySchoolAge, MonthDay

ONE_DAY = dt.timedelta(days=1)


def birthday(dob: dt.date, years: int) -> dt.date:
    """The date a person born on ``dob`` turns ``years`` old."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(dob.year + years, 3, 1)


def age_on(dob: dt.date, on: dt.date) -> int:
    """Age in whole years on a date."""
    years = on.year - dob.year
    return years if on >= birthday(dob, years) else years - 1


def school_year_start(on: dt.date, starts: MonthDay) -> dt.date:
    """First day of the school year containing ``on``."""
    this_year = starts.in_year(on.year)
    return this_year if on >= this_year else starts.in_year(on.year - 1)


def school_year_end(on: dt.date, starts: MonthDay) -> dt.date:
    """Last day of the school year containing ``on``."""
    start = school_year_start(on, starts)
    return starts.in_year(start.year + 1) - ONE_DAY


def academic_age(dob: dt.date, on: dt.date, starts: MonthDay) -> int:
    """Age on the day before the school year containing ``on`` began (year-group age)."""
    return age_on(dob, school_year_start(on, starts) - ONE_DAY)


def nth_weekday(year: int, month: int, weekday: str, which: str) -> dt.date:
    """The first or last given weekday of a month."""
    target = WEEKDAYS.index(weekday)
    if which == "first":
        d = dt.date(year, month, 1)
        return d + dt.timedelta(days=(target - d.weekday()) % 7)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - ONE_DAY
    return d - dt.timedelta(days=(d.weekday() - target) % 7)


def csa_start(dob: dt.date, rules: CompulsorySchoolAge) -> dt.date:
    """First prescribed day on or after the birthday that starts compulsory school age."""
    turns = birthday(dob, rules.starts_after_birthday)
    days = sorted(
        md.in_year(year) for year in (turns.year, turns.year + 1) for md in rules.prescribed_days
    )
    return next(d for d in days if d >= turns)


def csa_end(dob: dt.date, rules: CompulsorySchoolAge) -> dt.date:
    """Last day of compulsory school age: the leaving day in the school year of the birthday."""
    turns = birthday(dob, rules.ends_in_school_year_of_birthday)
    year_end = school_year_end(turns, rules.school_year_starts)
    leave = nth_weekday(year_end.year, rules.ends_on.month, rules.ends_on.weekday, rules.ends_on.which)
    if leave < school_year_start(turns, rules.school_year_starts):
        raise ValueError("the leaving day must fall inside the school year")
    return leave
