"""Rules at their boundaries, with outcomes worked out from the statute and policy (not from output)."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.dates import birthday
from eligibility.rules import decide
from tests.eligibility.conftest import application, cand, facts, school, secondary

# A child born on these dates is the stated age on TRAVEL (2025-09-03).
AGE_7 = dt.date(2018, 1, 10)
AGE_9 = dt.date(2016, 1, 10)
AGE_12 = dt.date(2013, 1, 10)

A, B, C, D = school("A"), school("B"), school("C"), school("D")


@pytest.mark.parametrize("miles, eligible", [(2.0, False), (2.001, True)])
def test_two_mile_limit_under_8(statutory, miles, eligible):
    """Under 8: exactly 2.000 miles is not eligible, 2.001 is."""
    d = decide(facts(application(AGE_7), A, cand(A, miles)), statutory)
    assert d.eligible is eligible
    assert d.bases == (["statutory-distance"] if eligible else [])
    assert d.refusal == (None if eligible else "within-walking-distance")


@pytest.mark.parametrize("miles, eligible", [(3.0, False), (3.001, True)])
def test_three_mile_limit_8_and_over(statutory, miles, eligible):
    """8 and over: exactly 3.000 miles is not eligible, 3.001 is."""
    d = decide(facts(application(AGE_9), A, cand(A, miles)), statutory)
    assert d.eligible is eligible
    if eligible:
        assert "3.001 mi > 3 mi limit for age 9" in d.decided_by


def test_day_before_8th_birthday_uses_two_miles(statutory):
    """On the day before the 8th birthday a 2.5 mile route is beyond the 2 mile limit."""
    dob = dt.date(2017, 9, 4)  # 8th birthday 2025-09-04
    d = decide(facts(application(dob), A, cand(A, 2.5)), statutory)
    assert d.eligible and d.inputs.age == 7


def test_on_8th_birthday_uses_three_miles(statutory):
    """On the 8th birthday a 2.5 mile route is within the 3 mile limit."""
    dob = dt.date(2017, 9, 3)
    d = decide(facts(application(dob), A, cand(A, 2.5)), statutory)
    assert not d.eligible and d.refusal == "within-walking-distance"


def test_valid_until_day_before_8th_birthday(statutory):
    """An eligible 7-year-old at 2.5 miles stays eligible until the day before turning 8."""
    dob = dt.date(2018, 1, 10)
    d = decide(facts(application(dob), A, cand(A, 2.5)), statutory)
    assert d.valid_until == birthday(dob, 8) - dt.timedelta(days=1)


def test_valid_until_school_year_end_when_nothing_changes(statutory):
    """A 9-year-old at 4 miles keeps the decision to 31 August."""
    d = decide(facts(application(AGE_9), A, cand(A, 4.0)), statutory)
    assert d.valid_until == dt.date(2026, 8, 31)


@pytest.mark.parametrize("on_birthday", [False, True])
def test_11th_birthday_opens_three_nearest(statutory, on_birthday):
    """Low income, a nearer school exists: aged 10 the 8-10 right needs the nearest school; from the 11th birthday the three-nearest right applies."""
    dob = dt.date(2014, 9, 3) if on_birthday else dt.date(2014, 9, 4)
    app = application(dob, "A", low_income=True)
    d = decide(facts(app, A, cand(A, 2.5), cand(B, 1.0)), statutory)
    assert d.inputs.age == (11 if on_birthday else 10)
    assert d.eligible is on_birthday
    assert d.bases == (["low-income-three-nearest"] if on_birthday else [])


def test_low_income_8_10_on_nearest(statutory):
    """Low income, aged 9, nearest suitable school 2.5 miles: eligible under extended rights only."""
    d = decide(facts(application(AGE_9, low_income=True), A, cand(A, 2.5)), statutory)
    assert d.bases == ["low-income-8-10-distance"]


def test_low_income_day_before_11th_birthday_still_8_10(statutory):
    """The day before the 11th birthday the 8-10 right still applies at 2.5 miles."""
    dob = dt.date(2014, 9, 4)
    d = decide(facts(application(dob, low_income=True), A, cand(A, 2.5)), statutory)
    assert d.inputs.age == 10 and d.bases == ["low-income-8-10-distance"]


@pytest.mark.parametrize("road, eligible", [(6.0, True), (6.001, False)])
def test_three_nearest_six_mile_bound(statutory, road, eligible):
    """Aged 11+, low income: a road route of exactly 6 miles qualifies, 6.001 does not."""
    s = secondary("S")
    app = application(AGE_12, "S", low_income=True)
    d = decide(facts(app, s, cand(s, 2.5, road=road)), statutory)
    assert d.eligible is eligible


@pytest.mark.parametrize("n_nearer, eligible", [(2, True), (3, False)])
def test_three_nearest_counts_strictly_nearer(statutory, n_nearer, eligible):
    """Two suitable schools strictly nearer still qualify; three do not."""
    s = secondary("S")
    others = [cand(secondary(f"N{i}"), 1.0 + i / 10) for i in range(n_nearer)]
    app = application(AGE_12, "S", low_income=True)
    d = decide(facts(app, s, cand(s, 4.0), *others), statutory)
    assert d.eligible is eligible
    assert ("low-income-three-nearest" in d.bases) is eligible
    if not eligible:
        assert d.refusal == "not-nearest-suitable-school" and len(d.nearer_schools) == 3


def test_equidistant_school_is_not_strictly_nearer(statutory):
    """A school at exactly the same distance does not make the attended school not-nearest."""
    d = decide(facts(application(AGE_9), A, cand(A, 3.5), cand(B, 3.5)), statutory)
    assert d.eligible


@pytest.mark.parametrize("road, eligible", [(15.0, True), (15.001, False)])
def test_religion_fifteen_mile_bound(statutory, road, eligible):
    """Aged 11+, low income, nearest suitable school of the preferred religion: 15 miles qualifies, 15.001 not."""
    rc = secondary("R", religious_character="Roman Catholic")
    nearer = [cand(secondary(f"N{i}"), 1.0 + i) for i in range(4)]
    app = application(AGE_12, "R", low_income=True, religious_preference="Catholic")
    d = decide(facts(app, rc, cand(rc, 12.0, road=road), *nearer), statutory)
    assert d.eligible is eligible
    assert ("low-income-religion" in d.bases) is eligible


def test_religion_needs_nearest_of_that_religion(statutory):
    """A nearer school of the same religion defeats the religion right."""
    rc, rc2 = secondary("R", religious_character="Roman Catholic"), secondary("R2", religious_character="Roman Catholic")
    app = application(AGE_12, "R", low_income=True, religious_preference="RC")
    d = decide(facts(app, rc, cand(rc, 12.0), cand(rc2, 8.0)), statutory)
    assert not d.eligible


def test_not_nearest_suitable_lists_nearer(statutory):
    """Attending a farther school beyond the limit gives no entitlement; nearer schools are listed."""
    d = decide(facts(application(AGE_9), A, cand(A, 5.0), cand(B, 1.0), cand(C, 4.0)), statutory)
    assert d.refusal == "not-nearest-suitable-school"
    assert d.nearer_schools == ["B", "C"]
    assert "School B" in d.explanation


def test_unsuitable_nearer_school_ignored(statutory):
    """A nearer secondary school does not count against a primary child."""
    d = decide(facts(application(AGE_9), A, cand(A, 3.5), cand(secondary("S"), 1.0)), statutory)
    assert d.eligible


def test_no_place_school_does_not_count(statutory):
    """A nearer school that would not have offered a place is not the nearest suitable school."""
    d = decide(facts(application(AGE_9), A, cand(A, 3.5), cand(B, 1.0), no_place_at=frozenset({"B"})), statutory)
    assert d.eligible


def test_single_sex_school_unsuitable_for_other_sex(statutory):
    """A nearer girls' school is not suitable for a boy."""
    g = secondary("G", pupils="girls")
    s = secondary("S")
    d = decide(facts(application(AGE_12, "S", sex="M"), s, cand(s, 3.5), cand(g, 1.0)), statutory)
    assert d.eligible


def test_selective_preference_switch(statutory, kent):
    """Grammar pupil: statutory ignores the preference (nearer comprehensive counts); Kent respects it."""
    gram = secondary("G", admissions="selective")
    comp = secondary("C")
    f = facts(application(AGE_12, "G"), gram, cand(gram, 4.0), cand(comp, 1.0))
    assert decide(f, statutory).refusal == "not-nearest-suitable-school"
    assert decide(f, kent).eligible


def test_sen_mobility_within_distance(statutory):
    """SEN mobility need: eligible at 0.5 miles, evidence recorded."""
    d = decide(facts(application(AGE_9, sen_mobility=True, sen_evidence="OT report"), A, cand(A, 0.5)), statutory)
    assert d.bases == ["sen-mobility"] and d.evidence == "OT report" and d.offer.kind == "seat"


def test_temporary_condition_valid_until_its_end(statutory):
    """A temporary condition gives eligibility until the day it ends."""
    until = dt.date(2025, 12, 1)
    d = decide(facts(application(AGE_9, temporary_condition_until=until), A, cand(A, 0.5)), statutory)
    assert d.bases == ["temporary-medical"] and d.valid_until == until


def test_temporary_condition_ended(statutory):
    """A condition that ended before the travel date gives nothing."""
    d = decide(facts(application(AGE_9, temporary_condition_until=dt.date(2025, 9, 2)), A, cand(A, 0.5)), statutory)
    assert not d.eligible


@pytest.mark.parametrize("safe, eligible", [(2.9, False), (3.1, True), (float("inf"), True)])
def test_unsafe_route(statutory, safe, eligible):
    """Within 3 miles by the shortest route: eligible only when the safe detour exceeds 3 miles or none exists."""
    d = decide(facts(application(AGE_9), A, cand(A, 1.5, safe=safe)), statutory)
    assert d.eligible is eligible
    assert d.bases == (["unsafe-route"] if eligible else [])


def _ehc(named_id: str, condition: bool):
    return application(AGE_12, "SP", ehc_plan=True, ehc_named_school_id=named_id, ehc_transport_condition=condition)


def test_ehc_named_school_farther_is_nearest(statutory):
    """The school named in the EHC plan is the nearest suitable school even if others are nearer."""
    sp = school("SP", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    other = school("SP2", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    d = decide(facts(_ehc("SP", False), sp, cand(sp, 8.0), cand(other, 1.0), named=sp), statutory)
    assert d.bases == ["statutory-distance"]


def test_ehc_transport_condition_nearer_school_counts(statutory):
    """Named on condition that parents arrange transport: a nearer suitable special school counts."""
    sp = school("SP", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    other = school("SP2", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    d = decide(facts(_ehc("SP", True), sp, cand(sp, 8.0), cand(other, 1.0), named=sp), statutory)
    assert d.refusal == "not-nearest-suitable-school"


def test_ehc_transport_condition_named_is_nearer(statutory):
    """With the condition, a named school that is itself the nearest still qualifies by distance."""
    sp = school("SP", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    other = school("SP2", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    d = decide(facts(_ehc("SP", True), sp, cand(sp, 4.0), cand(other, 9.0), named=sp), statutory)
    assert d.eligible


def test_ehc_named_nearer_without_condition(statutory):
    """The named school, nearer than others, is eligible beyond 3 miles."""
    sp = school("SP", phase="all-through", age_low=5, age_high=19, school_type="special", sen_provision="special-school")
    d = decide(facts(_ehc("SP", False), sp, cand(sp, 3.5), cand(secondary("X"), 1.0), named=sp), statutory)
    assert d.eligible


def test_independent_school_not_qualifying(statutory):
    """An independent school not named in an EHC plan gives no entitlement."""
    ind = school("I", school_type="independent")
    d = decide(facts(application(AGE_9, "I"), ind, cand(ind, 6.0)), statutory)
    assert d.refusal == "not-qualifying-school"


def test_compulsory_school_age_start(statutory):
    """Born 1 April 2020: not of compulsory school age on 30 August 2025, of it on 31 August 2025."""
    dob = dt.date(2020, 4, 1)
    before = decide(facts(application(dob, travel=dt.date(2025, 8, 30)), A, cand(A, 2.5)), statutory)
    on = decide(facts(application(dob, travel=dt.date(2025, 8, 31)), A, cand(A, 2.5)), statutory)
    assert before.refusal == "not-compulsory-school-age"
    assert on.eligible


def test_compulsory_school_age_end(statutory):
    """Born 1 January 2010: of compulsory school age on the last Friday of June 2026, not the day after."""
    dob = dt.date(2010, 1, 1)
    s = secondary("S")
    last = decide(facts(application(dob, "S", travel=dt.date(2026, 6, 26)), s, cand(s, 4.0)), statutory)
    after = decide(facts(application(dob, "S", travel=dt.date(2026, 6, 27)), s, cand(s, 4.0)), statutory)
    assert last.eligible and last.valid_until == dt.date(2026, 6, 26)
    assert after.refusal == "not-compulsory-school-age"


def test_post16_kent_travel_saver_and_sen(kent):
    """Kent post-16: Travel Saver at £600; SEN transport at £250 for a low-income learner."""
    s = secondary("S")
    dob = dt.date(2009, 1, 10)  # academic age 16 in 2025-26
    d1 = decide(facts(application(dob, "S"), s, cand(s, 4.0)), kent)
    d2 = decide(facts(application(dob, "S", sen_mobility=True, low_income=True), s, cand(s, 4.0)), kent)
    assert d1.bases == ["post16-travel-saver"] and d1.offer.annual_charge_pence == 60000
    assert d2.bases[0] == "post16-sen-transport" and d2.offer.annual_charge_pence == 25000


def test_post19_needs_ehc_and_necessity(kent):
    """Kent 19-25: free transport with an EHC plan and mobility evidence; refused without."""
    sp = school("SP", phase="all-through", age_low=5, age_high=25, school_type="special", sen_provision="special-school")
    dob = dt.date(2005, 1, 10)
    yes = decide(facts(application(dob, "SP", ehc_plan=True, ehc_named_school_id="SP", sen_mobility=True), sp,
                       cand(sp, 4.0), named=sp), kent)
    no = decide(facts(application(dob, "SP", ehc_plan=True, ehc_named_school_id="SP"), sp, cand(sp, 4.0), named=sp), kent)
    assert yes.bases == ["post19-ehc-necessary"] and yes.offer.annual_charge_pence == 0
    assert no.refusal == "post19-not-necessary"


def test_statutory_has_no_post16_entitlement(statutory):
    """Under the statutory defaults a 17-year-old has no entitlement."""
    s = secondary("S")
    d = decide(facts(application(dt.date(2008, 1, 10), "S"), s, cand(s, 10.0)), statutory)
    assert d.refusal == "not-compulsory-school-age"


def test_decision_is_json_and_cites_policy(kent):
    """A decision serialises to JSON and records the policy version and cited provision."""
    d = decide(facts(application(AGE_9), A, cand(A, 3.5)), kent)
    text = d.model_dump_json()
    assert "kent@" in d.policy_version and "statutory@" in d.policy_version
    assert "s 444(5)" in d.cites[0] and '"eligible":true' in text
    assert "appeal" in d.explanation


def test_schools_considered_run_up_to_the_school_attended(statutory):
    """The ranking listed runs to the school attended: the nearer schools, one as near that sorts
    before it by name, then it; farther schools do not change a decision and are not listed."""
    far, same = school("E", name="School E"), school("0", name="School 0")
    d = decide(facts(application(AGE_9), C, cand(A, 4.0), cand(B, 1.0), cand(C, 2.5), cand(same, 2.5),
                     cand(far, 6.0)), statutory)
    assert [s.school_id for s in d.schools_considered] == ["B", "0", "C"]
    assert [s.rank for s in d.schools_considered] == [1, 2, 3] and d.schools_considered[-1].attended
    assert d.nearer_schools == ["B"] and d.refusal == "not-nearest-suitable-school"
    alone = decide(facts(application(AGE_9), B, cand(A, 4.0), cand(B, 1.0), cand(C, 2.5)), statutory)
    assert [s.school_id for s in alone.schools_considered] == ["B"]
