"""A personal transport budget (PTB) agreement: the amount, its term, the payment schedule, and
the recalculation after a change of circumstances. Kent's scheme is the example; every figure
comes from the policy's ``ptb`` section (``payments``: instalments, payment day, 16+ deduction).

How the money is worked out (pence throughout, exact until the last step):

- The net annual amount is the PTB less any deduction (the 16+ pass), never below nothing.
- Each calendar month of the term earns ``net annual / instalments``; a part month earns that
  share of its days (a start on the 20th of a 30-day month earns 11/30 of the month).
- A month is paid on the policy's payment day (the 15th). A part month that starts after the
  payment day is paid with the next month's instalment, or a month in arrears if the term ends.
- Instalments are the differences of the rounded running total, so a whole year's instalments
  add up to the annual amount to the penny.
- A change of circumstances (new home, school, attendance days, leaving) takes effect from its
  date. Instalments paid before the change was reported are compared with what the new terms
  give for the same months: the difference is the over- or under-payment, stated with workings
  and settled on the next instalments (an overpayment that the rest of the term cannot absorb is
  stated as to be repaid).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from fractions import Fraction

from eligibility.offer import pounds
from eligibility.policy import Ptb
from transport.domain.errors import InputError

ONE_DAY = dt.timedelta(days=1)
CHANGE_KINDS = ("home", "school", "attendance", "leaving", "other")


def long_date(d: dt.date) -> str:
    """``15 September 2026`` (GOV.UK style)."""
    return f"{d.day} {d:%B %Y}"


@dataclass(frozen=True)
class Terms:
    """An annual amount in force from a date (the first terms start with the agreement)."""

    effective: dt.date
    annual_pence: int
    deduction_pence: int
    reason: str

    @property
    def net_annual_pence(self) -> int:
        """What the family receives a year under these terms."""
        return max(0, self.annual_pence - self.deduction_pence)


@dataclass(frozen=True)
class Agreement:
    """An accepted PTB: who (a reference, never a name), the term and the terms over time."""

    reference: str
    start: dt.date
    end: dt.date
    terms: tuple[Terms, ...]

    def terms_on(self, day: dt.date) -> Terms:
        """The terms in force on a day."""
        current = self.terms[0]
        for t in self.terms:
            if t.effective <= day:
                current = t
        return current


@dataclass(frozen=True)
class Instalment:
    """One payment: when it is due, the days it pays for and how much."""

    due: dt.date
    period_start: dt.date
    period_end: dt.date
    amount_pence: int
    workings: str


@dataclass(frozen=True)
class Change:
    """A change of circumstances: from ``effective``, the new annual amount (and, for a child
    who leaves, the new end of the term); ``reported`` is when the council learnt of it."""

    kind: str
    effective: dt.date
    reported: dt.date
    annual_pence: int
    workings: str
    end: dt.date | None = None


@dataclass(frozen=True)
class Recalculation:
    """The result of a change: the new agreement, the over- or under-payment so far, and the
    instalments still to come with the difference settled on them."""

    agreement: Agreement
    paid_pence: int
    owed_pence: int
    difference_pence: int
    """``paid - owed``: positive is an overpayment, negative an underpayment."""
    to_repay_pence: int
    """Overpayment the remaining instalments cannot absorb, to be repaid by the family."""
    remaining: tuple[Instalment, ...]
    workings: str


def ptb_year(ptb: Ptb, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the PTB year containing ``day`` (Kent: 1 September to 31 July)."""
    start = ptb.year_starts.in_year(day.year)
    if day < start:
        start = ptb.year_starts.in_year(day.year - 1)
    end_year = start.year + (1 if ptb.year_ends.month < ptb.year_starts.month else 0)
    return start, ptb.year_ends.in_year(end_year)


def new_agreement(ptb: Ptb, reference: str, annual_pence: int, *, start: dt.date, end: dt.date | None = None,
                  deduction_pence: int = 0, reason: str = "agreed") -> Agreement:
    """An agreement from ``start`` to ``end`` (default: the end of that PTB year)."""
    if annual_pence < 0 or deduction_pence < 0:
        raise InputError(f"PTB agreement {reference}: amounts must not be negative")
    year_start, year_end = ptb_year(ptb, start)
    if start > year_end:
        raise InputError(f"PTB agreement {reference}: start falls between PTB years "
                         f"({ptb.year_ends.month:02d}-{ptb.year_ends.day:02d} to "
                         f"{ptb.year_starts.month:02d}-{ptb.year_starts.day:02d})")
    end = end or year_end
    if end < start:
        raise InputError(f"PTB agreement {reference}: end is before start")
    if end > year_end:
        raise InputError(f"PTB agreement {reference}: end is after the PTB year ends ({long_date(year_end)}); "
                         "agree each year separately")
    return Agreement(reference, start, end, (Terms(start, annual_pence, deduction_pence, reason),))


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar-month periods of ``[start, end]``, clipped to the term."""
    out = []
    first = start.replace(day=1)
    while first <= end:
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        out.append((max(first, start), min(last, end)))
        first = last + ONE_DAY
    return out


def _earned(agreement: Agreement, instalments: int, a: dt.date, b: dt.date) -> tuple[Fraction, list[str]]:
    """Exact pence earned over days ``a..b`` of one month, with a line per terms in force."""
    days_in_month = calendar.monthrange(a.year, a.month)[1]
    total = Fraction(0)
    lines = []
    day = a
    while day <= b:
        terms = agreement.terms_on(day)
        nxt = [t.effective for t in agreement.terms if day < t.effective <= b]
        seg_end = (min(nxt) - ONE_DAY) if nxt else b
        days = (seg_end - day).days + 1
        monthly = Fraction(terms.net_annual_pence, instalments)
        total += monthly * days / days_in_month
        share = "the whole month" if days == days_in_month else f"{days}/{days_in_month} days"
        lines.append(f"{day.day}-{seg_end.day} {seg_end:%B %Y}: {share} of {pounds(float(monthly))} "
                     f"({pounds(terms.net_annual_pence)} a year / {instalments})")
        day = seg_end + ONE_DAY
    return total, lines


def payment_schedule(agreement: Agreement, ptb: Ptb) -> list[Instalment]:
    """Every instalment of the agreement, in date order."""
    pay = ptb.payments
    periods = _months(agreement.start, agreement.end)
    groups: list[list[tuple[dt.date, dt.date]]] = []
    for i, (a, b) in enumerate(periods):
        if i == 1 and periods[0][0].day > pay.payment_day:
            groups[-1].append((a, b))  # a first part month after the payment day goes with the next
        else:
            groups.append([(a, b)])
    out: list[Instalment] = []
    running = Fraction(0)
    paid_so_far = 0
    for group in groups:
        lines: list[str] = []
        for a, b in group:
            earned, seg = _earned(agreement, pay.instalments, a, b)
            running += earned
            lines += seg
        rounded = int(running + Fraction(1, 2))  # round half up on the running total
        amount = rounded - paid_so_far
        paid_so_far = rounded
        a0, b1 = group[0][0], group[-1][1]
        due_month = group[-1][0]
        if len(group) == 1 and group[0][0].day > pay.payment_day:  # nothing to join: paid in arrears
            nxt = due_month.replace(day=28) + dt.timedelta(days=4)
            due = nxt.replace(day=pay.payment_day)
        else:
            due = due_month.replace(day=pay.payment_day)
        out.append(Instalment(due, a0, b1, amount, "; ".join(lines)))
    return out


def apply_change(agreement: Agreement, ptb: Ptb, change: Change) -> Recalculation:
    """Recalculate the agreement from a change of circumstances, stating the over- or
    under-payment on the instalments paid before the change was reported."""
    ref = agreement.reference
    if change.kind not in CHANGE_KINDS:
        raise InputError(f"PTB agreement {ref}: change kind must be one of {', '.join(CHANGE_KINDS)}")
    if not agreement.start <= change.effective <= agreement.end:
        raise InputError(f"PTB agreement {ref}: the change's date is outside the agreement "
                         f"({long_date(agreement.start)} to {long_date(agreement.end)})")
    if change.annual_pence < 0:
        raise InputError(f"PTB agreement {ref}: the new annual amount must not be negative")
    new_end = agreement.end
    if change.end is not None:
        if not agreement.start <= change.end <= agreement.end:
            raise InputError(f"PTB agreement {ref}: the new end date is outside the agreement")
        new_end = change.end
    elif change.kind == "leaving":
        new_end = change.effective - ONE_DAY
        if new_end < agreement.start:
            raise InputError(f"PTB agreement {ref}: a child who leaves on the first day has no agreement to change")
    kept = tuple(t for t in agreement.terms if t.effective < change.effective)
    deduction = agreement.terms_on(change.effective).deduction_pence
    terms = kept + (Terms(change.effective, change.annual_pence, deduction, f"{change.kind}: {change.workings}"),)
    if not kept:  # a change from the first day replaces the first terms
        terms = (replace(terms[0], effective=agreement.start),)
    updated = Agreement(ref, agreement.start, new_end, terms)

    old = payment_schedule(agreement, ptb)
    new = payment_schedule(updated, ptb)
    paid_items = [i for i in old if i.due < change.reported]
    paid = sum(i.amount_pence for i in paid_items)
    last_paid_day = max((i.period_end for i in paid_items), default=None)
    owed = sum(i.amount_pence for i in new if last_paid_day is not None and i.period_end <= last_paid_day)
    # a payment made for days past the new end (a child who left) is owed nothing for those days
    difference = paid - owed
    remaining = [i for i in new if last_paid_day is None or i.period_end > last_paid_day]
    settle = difference
    adjusted = []
    for item in remaining:
        if settle == 0:
            adjusted.append(item)
            continue
        taken = min(item.amount_pence, settle) if settle > 0 else settle
        settle -= taken
        note = (f"; less {pounds(taken)} overpaid" if taken > 0 else f"; plus {pounds(-taken)} underpaid")
        adjusted.append(replace(item, amount_pence=item.amount_pence - taken, workings=item.workings + note))
    to_repay = max(0, settle)
    if settle < 0:  # an underpayment with no instalment left to carry it: paid at once
        adjusted.append(Instalment(change.reported, change.reported, change.reported, -settle,
                                   f"arrears of {pounds(-settle)} paid on the change"))
        settle = 0
    what = "overpaid" if difference > 0 else "underpaid" if difference < 0 else "paid correctly"
    workings = (f"Change ({change.kind}) from {long_date(change.effective)}, reported {long_date(change.reported)}: "
                f"{len(paid_items)} instalment(s) paid before it was reported came to {pounds(paid)}; "
                f"the same days under the new terms ({pounds(change.annual_pence)} a year"
                + (f" less {pounds(deduction)}" if deduction else "")
                + (f", ending {long_date(new_end)}" if new_end != agreement.end else "")
                + f") come to {pounds(owed)}: {what}"
                + (f" by {pounds(abs(difference))}" if difference else "")
                + (f"; {pounds(to_repay)} cannot be taken from later instalments and is to be repaid"
                   if to_repay else "") + ".")
    return Recalculation(updated, paid, owed, difference, to_repay, tuple(adjusted), workings)


def deduction_for(ptb: Ptb, basis: str) -> int:
    """The annual deduction the policy makes for a decision's basis (the 16+ pass)."""
    return ptb.payments.post16_deduction_pence if basis.startswith("post16") else 0


def payments_in_month(schedules: dict[str, list[Instalment]], year: int, month: int) -> list[tuple[str, Instalment]]:
    """The instalments due in one calendar month, by agreement reference."""
    return sorted(((ref, i) for ref, items in schedules.items() for i in items
                   if i.due.year == year and i.due.month == month and i.amount_pence > 0),
                  key=lambda x: (x[1].due, x[0]))
