"""Offers: personal transport budget formulas at their band edges, pro rata."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.offer import banded_ptb, part_year_fraction, per_mile_ptb
from transport.domain.units import miles_to_m

DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


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
