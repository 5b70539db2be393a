"""The sample contracted fleet: operator bases in the three Rutland towns and a fleet sized to a cohort."""

from __future__ import annotations

from transport.domain.geo import LatLon
from transport.domain.scenario import FleetLayout, FleetVehicle, Point

# Operator bases in the three Rutland towns (real places; labelled illustrative).
DEPOTS = {
    "oakham": LatLon(52.6700, -0.7285),
    "uppingham": LatLon(52.5870, -0.7235),
    "great-casterton": LatLon(52.6695, -0.5210),
}


def default_fleet(children: int) -> tuple[FleetVehicle, ...]:
    """An illustrative contracted fleet sized to the cohort (tariffs are sample values)."""
    depots = list(DEPOTS.values())

    def depot(i: int) -> Point:
        return Point.of(depots[i % len(depots)])

    return (
        FleetVehicle(id="taxi", name="Saloon taxi", count=max(8, children // 5),
                     layouts=(FleetLayout(seats=4),), fixed_daily_pence=3500, pence_per_mile=180,
                     assistant_daily_pence=6000, depot=depot(0)),
        FleetVehicle(id="mpv", name="MPV (7 seats)", count=max(4, children // 10),
                     layouts=(FleetLayout(seats=6),), fixed_daily_pence=4500, pence_per_mile=200,
                     assistant_daily_pence=6000, depot=depot(1)),
        FleetVehicle(id="wav", name="Wheelchair-accessible vehicle", count=max(4, children // 12),
                     layouts=(FleetLayout(seats=5), FleetLayout(seats=3, wheelchairs=1),
                              FleetLayout(seats=1, wheelchairs=2)),
                     fixed_daily_pence=6000, pence_per_mile=230, assistant_daily_pence=6000,
                     depot=depot(2)),
        FleetVehicle(id="minibus", name="Minibus (16 seats)", count=max(3, children // 25),
                     layouts=(FleetLayout(seats=16), FleetLayout(seats=12, wheelchairs=1),
                              FleetLayout(seats=8, wheelchairs=2)),
                     fixed_daily_pence=11000, pence_per_mile=300, assistant_daily_pence=6500,
                     depot=depot(0)),
    )
