"""The engine's one mileage rounding: pence per km times metres, half a penny rounds up."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from transport.domain.units import mileage_pence


def test_mileage_rounds_half_a_penny_up() -> None:
    assert mileage_pence(112, 1000) == 112
    assert mileage_pence(1, 500) == 1  # exactly half a penny
    assert mileage_pence(1, 499) == 0
    assert mileage_pence(0, 10_000) == 0


@given(st.integers(0, 10_000), st.integers(0, 2_000_000))
def test_mileage_is_the_nearest_penny(pence_per_km: int, distance_m: int) -> None:
    exact = Fraction(pence_per_km * distance_m, 1000)
    got = mileage_pence(pence_per_km, distance_m)
    assert abs(got - exact) <= Fraction(1, 2)
    assert got - exact != Fraction(-1, 2)  # ties go up
