"""Shared fixtures for the routing tests: small hand-built problems and the real a2-16."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from routing.plan import Plan, Route, Stop, StopKind
from routing.problem import Layout, Request, RoutingProblem, VehicleType
from routing.validate import recompute_cost, schedule_exists
from transport.domain.fleet import DEPOTS
from transport.domain.scenario import Point
from transport.planning.plan import build_problem

MIN = 60


def benchmarks_dir() -> Path:
    """The shared benchmark folder (``SEN_TRANSPORT_BENCHMARKS`` overrides)."""
    env = os.environ.get("SEN_TRANSPORT_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


@pytest.fixture(scope="session")
def darp_dir() -> Path:
    """Folder of the Cordeau DARP instances (skips when absent)."""
    path = benchmarks_dir() / "darp_cordeau2006"
    if not path.is_dir():
        pytest.skip(f"benchmark folder {path} is absent")
    return path


@pytest.fixture(scope="session")
def lilim_dir() -> Path:
    """Folder of the Li & Lim PDPTW instances (skips when absent)."""
    path = benchmarks_dir() / "pdptw_lilim100"
    if not path.is_dir():
        pytest.skip(f"benchmark folder {path} is absent")
    return path


@pytest.fixture(scope="session")
def cordeau_a2_16(darp_dir):
    """The parsed a2-16 instance."""
    from routing.instances import read_cordeau

    return read_cordeau(darp_dir / "a2-16.txt")


@pytest.fixture(scope="session")
def a2_16_plan(cordeau_a2_16):
    """A solved a2-16 plan (2 s limit), shared by the validator property tests."""
    from routing.solve import SolveParams, solve

    return solve(cordeau_a2_16.problem, SolveParams(time_limit_s=2.0))


def minutes_matrix(minutes: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Durations in seconds and distances in metres (1 minute of driving = 500 m)."""
    m = np.array(minutes, dtype=float)
    return np.rint(m * MIN).astype(int), np.rint(m * 500).astype(int)


def star_matrix(n_homes: int, spoke_min: float = 5.0, between_min: float = 15.0, school_min: float = 10.0):
    """Depot 0, homes 1..n, school n+1: homes ``between_min`` apart, ``school_min`` from school."""
    size = n_homes + 2
    m = np.full((size, size), between_min)
    np.fill_diagonal(m, 0)
    school = n_homes + 1
    m[0, :] = m[:, 0] = spoke_min
    m[0, school] = m[school, 0] = school_min
    m[0, 0] = 0
    for h in range(1, n_homes + 1):
        m[h, school] = m[school, h] = school_min
    return minutes_matrix(m)


def saloon(count: int = 2, **kw) -> VehicleType:
    """A four-seat car with a fixed day rate and mileage."""
    defaults = dict(fixed_cost_pence=5000, pence_per_km=50, assistant_cost_pence=8000)
    defaults.update(kw)
    return VehicleType(id="saloon", count=count, layouts=(Layout(4, 0),), **defaults)


def minibus(count: int = 1, **kw) -> VehicleType:
    """A convertible minibus: 16+0, 12+1 or 8+2 seats + wheelchair spaces."""
    defaults = dict(fixed_cost_pence=9000, pence_per_km=80, assistant_cost_pence=8000)
    defaults.update(kw)
    return VehicleType(id="minibus", count=count,
                       layouts=(Layout(16, 0), Layout(12, 1), Layout(8, 2)), **defaults)


def child(id: str, home: int, school: int, **kw) -> Request:
    """A child from ``home`` to ``school`` with a 1-minute stop at each end."""
    defaults = dict(pickup_service_s=MIN, delivery_service_s=MIN)
    defaults.update(kw)
    return Request(id=id, pickup=home, delivery=school, **defaults)


def plan_from_orders(problem: RoutingProblem, orders: Sequence[Sequence[tuple[str, str]]], *,
                     type_id: str | None = None, layouts: Sequence[Layout] | None = None,
                     assistants: Sequence[bool] | None = None) -> Plan:
    """A timed plan from stop orders, timed by ``schedule_exists`` (asserted feasible)."""
    vt = problem.vehicle_types[0] if type_id is None else problem.vehicle_type(type_id)
    by_id = {r.id: r for r in problem.requests}
    routes = []
    for k, order in enumerate(orders):
        times = schedule_exists(problem, order, vt.id)
        assert times is not None, f"order {order} has no feasible schedule"
        stops = [Stop(vt.start_depot, None, StopKind.START, times[0], times[0], times[0])]
        for (kind, rid), t in zip(order, times[1:-1]):
            r = by_id[rid]
            is_pickup = kind == "pickup"
            loc = r.pickup if is_pickup else r.delivery
            service = r.pickup_service_s if is_pickup else r.delivery_service_s
            prev = stops[-1]
            arrival = prev.departure_s + int(problem.duration_s[prev.location, loc])
            stops.append(Stop(loc, rid, StopKind(kind), arrival, t, t + service))
        prev = stops[-1]
        arrival = prev.departure_s + int(problem.duration_s[prev.location, vt.end_depot])
        stops.append(Stop(vt.end_depot, None, StopKind.END, arrival, times[-1], times[-1]))
        layout = layouts[k] if layouts else vt.layouts[0]
        pa = assistants[k] if assistants else False
        routes.append(Route(vt.id, k, layout, pa, tuple(stops)))
    routed = {rid for order in orders for _, rid in order}
    from routing.plan import Unassigned, UnassignedReason

    unassigned = tuple(Unassigned(r.id, UnassignedReason.SOLVER_DROPPED) for r in problem.requests if r.id not in routed)
    draft = Plan(tuple(routes), unassigned)
    return Plan(draft.routes, draft.unassigned, recompute_cost(problem, draft))


@pytest.fixture(scope="session")
def kit():
    """The helpers above, for test modules (tests/routing is not a package)."""
    from types import SimpleNamespace

    return SimpleNamespace(MIN=MIN, minutes_matrix=minutes_matrix, star_matrix=star_matrix, saloon=saloon,
                           minibus=minibus, child=child, plan_from_orders=plan_from_orders)


@pytest.fixture(scope="session")
def three_depot_county(scenario30, postcodes, drive_net):
    """``scenario30`` (real Rutland roads) with each sample vehicle type based at all three
    sample depots, Oakham's copy listed first, every copy with 40 vehicles (more than there are
    children): like a county whose districts each have their own fleet."""
    fleet = tuple(v.model_copy(update={"id": f"{name}-{v.id}", "depot": Point.of(at), "count": 40})
                  for name, at in DEPOTS.items() for v in scenario30.fleet)
    scenario = scenario30.model_copy(update={"fleet": fleet})
    return build_problem(scenario, network=drive_net, postcodes=postcodes)
