"""What the council offers an eligible child: a pass, a seat on a vehicle, or a personal
transport budget (PTB), with the PTB worked out by the policy's formula.

Both formulas are data: banded by distance (Kent: under 5 miles, 5 to 10 miles, over 10
miles) and a rate per mile x distance x journeys a day x days a year. Money is in pence.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from eligibility.dates import ONE_DAY
from eligibility.policy import BandedPtb, PerMilePtb, Policy, Ptb
from transport.domain.units import m_to_miles

PENCE_PER_POUND = 100


class Offer(BaseModel):
    """The council's offer for an eligible decision."""

    model_config = ConfigDict(frozen=True)

    kind: str
    """``pass``, ``seat`` (a seat on a vehicle the council arranges) or ``ptb``."""
    name: str
    basis: str
    annual_charge_pence: int
    ptb_annual_pence: int
    """Value of a personal transport budget as an alternative (the offer itself when kind is ptb)."""
    ptb_formula: str
    ptb_workings: str


def pounds(pence: float) -> str:
    """``£1,234.56`` (whole pounds shown without pence)."""
    value = pence / PENCE_PER_POUND
    return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"


def band_for(bands: BandedPtb, miles: float) -> int:
    """Index of the band a distance falls in (the last band whose lower edge it reaches)."""
    chosen = 0
    for i, band in enumerate(bands.bands):
        if band.admits(miles):
            chosen = i
    return chosen


def part_year_fraction(ptb: Ptb, start: dt.date) -> float:
    """Share of the PTB year left from ``start`` (1.0 when not pro rata or before the year)."""
    if not ptb.pro_rata:
        return 1.0
    year_start = ptb.year_starts.in_year(start.year)
    if start < year_start:
        year_start = ptb.year_starts.in_year(start.year - 1)
    year_end = ptb.year_ends.in_year(year_start.year + (ptb.year_ends.month < ptb.year_starts.month))
    if start > year_end:
        return 1.0  # between the end of one PTB year and the start of the next
    return ((year_end - start) + ONE_DAY) / ((year_end - year_start) + ONE_DAY)


def banded_ptb(bands: BandedPtb, distance_m: float) -> tuple[int, str]:
    """Annual PTB by band, with the workings."""
    miles = m_to_miles(distance_m)
    i = band_for(bands, miles)
    band = bands.bands[i]
    if band.over_miles is not None:
        where = f"over {band.over_miles:g} miles"
    elif band.from_miles is not None:
        where = f"{band.from_miles:g} miles or more"
    else:
        where = "the first band"
    nxt = bands.bands[i + 1] if i + 1 < len(bands.bands) else None
    upto = f", below the next band at {nxt.lower_miles:g} miles" if nxt is not None else ""
    return band.annual_pence, (f"{bands.measure.replace('_', '-')} distance {miles:.2f} mi falls in {where}"
                               f"{upto}: {pounds(band.annual_pence)} a year")


def per_mile_ptb(rate: PerMilePtb, distance_m: float) -> tuple[int, str]:
    """Annual PTB as rate x miles x journeys x days, with the workings."""
    miles = m_to_miles(distance_m)
    pence = round(rate.pence_per_mile * miles * rate.journeys_per_day * rate.days_per_year)
    return pence, (f"{rate.pence_per_mile:g}p x {miles:.2f} mi ({rate.measure.replace('_', '-')}) x "
                   f"{rate.journeys_per_day} journeys x {rate.days_per_year} days = {pounds(pence)} a year")


def ptb_measure(policy: Policy) -> str:
    """Which distance the policy's PTB formula uses: straight_line, walking or road."""
    formula = policy.ptb.banded if policy.ptb.formula == "banded" else policy.ptb.per_mile
    assert formula is not None  # checked when the policy was loaded
    return formula.measure


def decision_ptb_distance_m(policy: Policy, decision: dict) -> float | None:
    """The distance a stored decision (``Decision.model_dump``) measured as the PTB formula uses it."""
    return decision.get({"straight_line": "straight_line_m", "walking": "walking_m", "road": "road_m"}[ptb_measure(policy)])


def ptb_value(policy: Policy, distance_m: float, start: dt.date) -> tuple[int, str]:
    """The PTB for a distance (measured as the policy says), pro rata from ``start``."""
    if policy.ptb.formula == "banded":
        assert policy.ptb.banded is not None
        annual, workings = banded_ptb(policy.ptb.banded, distance_m)
    else:
        assert policy.ptb.per_mile is not None
        annual, workings = per_mile_ptb(policy.ptb.per_mile, distance_m)
    share = part_year_fraction(policy.ptb, start)
    if share < 1.0:
        value = round(annual * share)
        return value, f"{workings}; pro rata {share:.3f} of the year from {start}: {pounds(value)}"
    return annual, workings


def make_offer(policy: Policy, basis: str, *, low_income: bool, ptb_distance_m: float, start: dt.date) -> Offer:
    """The offer for the deciding basis, with the PTB alternative worked out."""
    row = policy.offers.for_basis(basis)
    charge = row.low_income_charge_pence if (low_income and row.low_income_charge_pence is not None) \
        else row.charge_pence
    ptb, workings = ptb_value(policy, ptb_distance_m, start)
    default_names = {"pass": "a travel pass", "seat": "a seat on council-arranged transport",
                     "ptb": "a personal transport budget"}
    return Offer(kind=row.kind, name=row.name or default_names[row.kind], basis=basis,
                 annual_charge_pence=charge, ptb_annual_pence=ptb, ptb_formula=policy.ptb.formula,
                 ptb_workings=workings)
