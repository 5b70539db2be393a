"""Hypothesis properties of the rules: monotone in distance and in unsafe segments."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.policy import load_policy
from eligibility.dates import age_on, birthday, school_year_end
from eligibility.rules import _threshold_ages, decide
from tests.eligibility.conftest import application, cand, facts, school

POLICY = load_policy("statutory")
DISTANCE_BASES = {"statutory-distance", "unsafe-route", "low-income-8-10-distance"}
A, B = school("A"), school("B")

dobs = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2020, 3, 1))
miles = st.floats(min_value=0.1, max_value=12.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(dob=dobs, d=miles, extra=st.floats(min_value=0.0, max_value=5.0), low=st.booleans(),
       other=st.floats(min_value=0.1, max_value=20.0))
def test_moving_home_further_never_loses_distance_eligibility(dob, d, extra, low, other):
    """Moving the home further from the attended school (and every other) never turns a distance-based eligible decision into a refusal."""
    app = application(dob, low_income=low)
    near = decide(facts(app, A, cand(A, d), cand(B, other + d)), POLICY)
    far = decide(facts(app, A, cand(A, d + extra), cand(B, other + d + extra)), POLICY)
    if near.eligible and set(near.bases) & DISTANCE_BASES:
        assert far.eligible


@settings(max_examples=200, deadline=None)
@given(dob=dobs, d=miles, detour=st.one_of(st.floats(min_value=0.0, max_value=10.0), st.just(float("inf"))),
       low=st.booleans(), sen=st.booleans())
def test_unsafe_segment_never_loses_eligibility(dob, d, detour, low, sen):
    """Adding an unsafe segment (lengthening or removing the safe route) never turns eligible into refused."""
    app = application(dob, low_income=low, sen_mobility=sen)
    before = decide(facts(app, A, cand(A, d)), POLICY)
    after = decide(facts(app, A, cand(A, d, safe=d + detour)), POLICY)
    if before.eligible:
        assert after.eligible


@settings(max_examples=400, deadline=None)
@given(dob=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2022, 12, 31)),
       on=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2032, 12, 31)),
       policy=st.sampled_from(["statutory", "kent"]))
def test_of_the_policys_birthdays_only_the_next_can_fall_in_what_is_left_of_the_school_year(dob, on, policy):
    """``_valid_until`` looks only at the next birthday: every threshold birthday after ``on`` and by the
    end of its school year (29 February birthdays and leap years included) is that one, if any."""
    pol = load_policy(policy)
    year_end = school_year_end(on, pol.compulsory_school_age.school_year_starts)
    within = [a for a in _threshold_ages(pol) if on < birthday(dob, a) <= year_end]
    assert within in ([], [age_on(dob, on) + 1])
