"""PTB agreements under Kent's scheme: 11 monthly instalments on the 15th, pro rata part years,
the 16+ deduction, and changes of circumstances at their edges."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.policy import load_policy
from eligibility.ptb_agreement import (
    Change,
    apply_change,
    deduction_for,
    new_agreement,
    payment_schedule,
    payments_in_month,
)
from transport.domain.errors import InputError

KENT = load_policy("kent")
PTB = KENT.ptb
D = dt.date


def schedule(annual: int, start: dt.date, end: dt.date | None = None, deduction: int = 0):
    return payment_schedule(new_agreement(PTB, "PTB-T", annual, start=start, end=end, deduction_pence=deduction), PTB)


def test_full_year_is_eleven_payments_on_the_15th_adding_up_exactly():
    """1 September to 31 July: 11 instalments, each on the 15th, summing to the annual amount."""
    items = schedule(300000, D(2026, 9, 1))
    assert len(items) == 11
    assert [i.due for i in items] == [D(2026 + (m < 9), m, 15) for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)]
    assert sum(i.amount_pence for i in items) == 300000
    assert {i.amount_pence for i in items} <= {27272, 27273}


def test_start_on_the_15th_is_paid_that_day_pro_rata():
    """A start on the payment day is paid that day for the 16 days of September left."""
    first = schedule(200000, D(2026, 9, 15))[0]
    assert first.due == D(2026, 9, 15)
    assert (first.period_start, first.period_end) == (D(2026, 9, 15), D(2026, 9, 30))
    assert first.amount_pence == round(200000 / 11 * 16 / 30)
    assert "16/30 days" in first.workings


def test_start_on_the_16th_is_paid_with_october():
    """A start the day after the payment day waits for the next one, which pays both months."""
    items = schedule(200000, D(2026, 9, 16))
    assert len(items) == 10
    first = items[0]
    assert first.due == D(2026, 10, 15)
    assert (first.period_start, first.period_end) == (D(2026, 9, 16), D(2026, 10, 31))
    assert first.amount_pence == round(200000 / 11 * (1 + 15 / 30))
    assert "15/30 days" in first.workings and "the whole month" in first.workings


def test_start_late_in_july_is_paid_in_arrears():
    """A start after the last payment day of the year is paid a month in arrears."""
    items = schedule(200000, D(2027, 7, 20))
    assert [(i.due, i.amount_pence) for i in items] == [(D(2027, 8, 15), round(200000 / 11 * 12 / 31))]


def test_post16_deduction_comes_off_the_annual_amount():
    """A 16+ learner's budget is reduced by the Travel Saver the family would otherwise buy."""
    assert deduction_for(PTB, "post16-sen-transport") == 60000
    assert deduction_for(PTB, "sen-mobility") == 0
    items = schedule(300000, D(2026, 9, 1), deduction=deduction_for(PTB, "post16-sen-transport"))
    assert sum(i.amount_pence for i in items) == 240000
    assert "£2,400 a year" in items[0].workings


def test_change_mid_month_splits_the_month():
    """A new home from 20 November: November is 19 days at the old rate, 11 at the new."""
    agreement = new_agreement(PTB, "PTB-T", 300000, start=D(2026, 9, 1))
    r = apply_change(agreement, PTB, Change("home", D(2026, 11, 20), D(2026, 11, 10), 200000, "moved nearer"))
    nov = next(i for i in payment_schedule(r.agreement, PTB) if i.due == D(2026, 11, 15))
    assert abs(nov.amount_pence - (300000 / 11 * 19 / 30 + 200000 / 11 * 11 / 30)) <= 1  # running-total rounding
    assert "1-19 November 2026: 19/30 days" in nov.workings and "20-30 November 2026: 11/30 days" in nov.workings
    assert r.difference_pence == 0  # reported in advance: nothing paid at the old rate for later days
    assert sum(i.amount_pence for i in r.remaining) + r.paid_pence == sum(
        i.amount_pence for i in payment_schedule(r.agreement, PTB))


def test_late_reported_change_produces_an_overpayment_recovered_from_later_instalments():
    """Reported two months late, a cheaper budget has been overpaid; the next instalments absorb it."""
    agreement = new_agreement(PTB, "PTB-T", 300000, start=D(2026, 9, 1))
    r = apply_change(agreement, PTB, Change("home", D(2026, 11, 20), D(2027, 1, 20), 200000, "moved nearer"))
    monthly_old, monthly_new = 300000 / 11, 200000 / 11
    owed = 2 * monthly_old + monthly_old * 19 / 30 + monthly_new * 11 / 30 + 2 * monthly_new
    assert r.paid_pence == 136364 and abs(r.owed_pence - owed) <= 1
    assert r.difference_pence == r.paid_pence - r.owed_pence > 0
    assert "overpaid by £215.16" in r.workings
    assert r.remaining[0].due == D(2027, 2, 15) and r.remaining[0].amount_pence == 0
    assert r.remaining[1].amount_pence == 18182 - (r.difference_pence - 18182)
    assert r.to_repay_pence == 0
    assert r.paid_pence + sum(i.amount_pence for i in r.remaining) == sum(
        i.amount_pence for i in payment_schedule(r.agreement, PTB))


def test_leaving_in_july_reported_late_is_to_be_repaid():
    """A child who leaves on 10 July, reported after the July payment: the unearned days are repaid."""
    agreement = new_agreement(PTB, "PTB-T", 300000, start=D(2026, 9, 1))
    r = apply_change(agreement, PTB, Change("leaving", D(2027, 7, 10), D(2027, 7, 20), 300000, "left the school"))
    assert r.agreement.end == D(2027, 7, 9)
    unearned = round(300000 / 11 * 22 / 31)
    assert abs(r.difference_pence - unearned) <= 1
    assert r.to_repay_pence == r.difference_pence and r.remaining == ()
    assert "is to be repaid" in r.workings


def test_underpayment_is_added_to_the_next_instalment():
    """A dearer budget (a new school further away) reported late is made up on the next payment."""
    agreement = new_agreement(PTB, "PTB-T", 200000, start=D(2026, 9, 1))
    r = apply_change(agreement, PTB, Change("school", D(2026, 10, 1), D(2026, 11, 1), 500000, "new school"))
    assert r.paid_pence == round(2 * 200000 / 11) and r.owed_pence == round(200000 / 11 + 500000 / 11)
    assert r.difference_pence == r.paid_pence - r.owed_pence == -27272
    nov = next(i for i in payment_schedule(r.agreement, PTB) if i.due == D(2026, 11, 15))
    assert r.remaining[0].due == nov.due and r.remaining[0].amount_pence == nov.amount_pence + 27272
    assert "underpaid" in r.remaining[0].workings


@pytest.mark.parametrize("kwargs, message", [
    (dict(start=D(2026, 9, 1), end=D(2026, 8, 31)), "end is before start"),
    (dict(start=D(2026, 8, 10)), "between PTB years"),
    (dict(start=D(2026, 9, 1), end=D(2027, 9, 30)), "after the PTB year ends"),
])
def test_bad_terms_are_refused(kwargs, message):
    """An impossible term is an input error naming the agreement."""
    with pytest.raises(InputError, match=message):
        new_agreement(PTB, "PTB-T", 200000, **kwargs)


def test_change_outside_the_agreement_is_refused():
    """A change dated outside the term names the agreement, not the child."""
    agreement = new_agreement(PTB, "PTB-T", 200000, start=D(2026, 9, 1), end=D(2026, 12, 31))
    with pytest.raises(InputError, match="PTB-T: the change's date is outside the agreement"):
        apply_change(agreement, PTB, Change("home", D(2027, 2, 1), D(2027, 2, 1), 300000, "moved"))


def test_month_payment_list():
    """The month's payments: one line per agreement with an instalment due that month."""
    a = payment_schedule(new_agreement(PTB, "A", 200000, start=D(2026, 9, 1)), PTB)
    b = payment_schedule(new_agreement(PTB, "B", 300000, start=D(2026, 9, 20)), PTB)
    sept = payments_in_month({"A": a, "B": b}, 2026, 9)
    assert [ref for ref, _ in sept] == ["A"]
    octo = payments_in_month({"A": a, "B": b}, 2026, 10)
    assert [ref for ref, _ in octo] == ["A", "B"]


dates = st.dates(min_value=D(2026, 9, 1), max_value=D(2027, 7, 31))


@settings(max_examples=150, deadline=None)
@given(start=dates, length=st.integers(0, 340), annual=st.integers(0, 1_000_000),
       change_at=st.integers(0, 340), report_after=st.integers(-30, 200), new_annual=st.integers(0, 1_000_000))
def test_schedule_properties(start, length, annual, change_at, report_after, new_annual):
    """Every day of the term is paid once, no instalment is negative, totals match the days
    earned to the penny, and after a change paid + remaining = the new schedule."""
    end = min(start + dt.timedelta(days=length), D(2027, 7, 31))
    agreement = new_agreement(PTB, "P", annual, start=start, end=end)
    items = payment_schedule(agreement, PTB)
    days = sum((i.period_end - i.period_start).days + 1 for i in items)
    assert days == (end - start).days + 1
    assert all(i.amount_pence >= 0 for i in items)
    assert all(a.period_end < b.period_start and a.due <= b.due for a, b in zip(items, items[1:]))
    effective = min(start + dt.timedelta(days=change_at), end)
    reported = effective + dt.timedelta(days=report_after)
    r = apply_change(agreement, PTB, Change("attendance", effective, reported, new_annual, "days changed"))
    new_total = sum(i.amount_pence for i in payment_schedule(r.agreement, PTB))
    assert r.paid_pence - r.difference_pence == r.owed_pence
    assert r.paid_pence + sum(i.amount_pence for i in r.remaining) - r.to_repay_pence == new_total
    assert all(i.amount_pence >= 0 for i in r.remaining)
