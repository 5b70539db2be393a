"""Parsers for public benchmark instances: Cordeau DARP and Li & Lim PDPTW.

Both sets use Euclidean, unrounded distances with travel time equal to distance. The
integer model multiplies every time and distance by ``SCALE`` (1 instance unit = ``SCALE``
model "seconds"/"metres"): windows, service times, ride and route limits are integers in
the files and scale exactly; travel times are rounded *up* and distances to the nearest
integer. Rounding travel times up means any schedule the integer model accepts, divided by
``SCALE``, is also feasible on the float data; the benchmark's objective and feasibility are
nevertheless recomputed on the float data by :meth:`BenchmarkInstance.float_distance` and
:meth:`BenchmarkInstance.float_violations` (tolerance ``FLOAT_TOL``).

Location ``i`` of the problem is node ``i`` of the file; request ids are the pickup node ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from routing.plan import Plan, StopKind
from routing.problem import Layout, Load, Request, RoutingProblem, VehicleType
from transport.domain.errors import InputError

SCALE = 1000
"""Model units per instance unit (minutes in Cordeau, abstract units in Li & Lim)."""

FLOAT_TOL = 1e-6
"""Tolerance of the float feasibility checks, in instance units."""

COST_PER_KM = 1000
"""Pence per kilometre given to benchmark vehicles, so that cost in pence = ``distance_m``."""


@dataclass(frozen=True, eq=False)
class BenchmarkInstance:
    """A parsed instance: the integer problem plus the float data to score it on."""

    name: str
    kind: str
    problem: RoutingProblem
    xy: NDArray[np.float64]
    service: NDArray[np.float64]
    windows: NDArray[np.float64]
    demand: NDArray[np.float64]
    capacity: float
    num_vehicles: int
    max_ride_time: float | None = None
    max_route_duration: float | None = None
    scale: int = SCALE

    def travel(self, i: int, j: int) -> float:
        """Euclidean distance (= travel time) between locations ``i`` and ``j``."""
        return float(math.hypot(*(self.xy[i] - self.xy[j])))

    def float_distance(self, plan: Plan) -> float:
        """Total Euclidean length of the plan's routes (the benchmark objective)."""
        total = 0.0
        for route in plan.routes:
            locs = [s.location for s in route.stops]
            total += sum(self.travel(a, b) for a, b in zip(locs, locs[1:]))
        return total

    def float_violations(self, plan: Plan) -> list[str]:
        """Every breach of the float instance by the plan's routes and times."""
        out: list[str] = []
        seen: dict[int, int] = {}
        for k, route in enumerate(plan.routes):
            out += self._route_violations(k, route.stops, seen)
        if len(plan.routes) > self.num_vehicles:
            out.append(f"{len(plan.routes)} routes > {self.num_vehicles} vehicles")
        pickups = {r.pickup for r in self.problem.requests}
        missing = sorted(pickups - set(seen))
        if missing:
            out.append(f"requests not served: {missing}")
        return out

    def _route_violations(self, k: int, stops: tuple, seen: dict[int, int]) -> list[str]:
        out: list[str] = []
        times = [s.service_start_s / self.scale for s in stops]
        load = 0.0
        picked: dict[int, float] = {}
        for i, stop in enumerate(stops):
            loc, b = stop.location, times[i]
            if i > 0:
                prev = stops[i - 1].location
                ready = times[i - 1] + self.service[prev] + self.travel(prev, loc)
                if b < ready - FLOAT_TOL:
                    out.append(f"route {k} stop {i}: starts {b:.6f} before it can ({ready:.6f})")
            e, l = self.windows[loc]
            if not e - FLOAT_TOL <= b <= l + FLOAT_TOL:
                out.append(f"route {k} stop {i}: time {b:.6f} outside [{e}, {l}]")
            load += self.demand[loc]
            if load > self.capacity + FLOAT_TOL:
                out.append(f"route {k} stop {i}: load {load} > {self.capacity}")
            if stop.kind is StopKind.PICKUP:
                if loc in seen:
                    out.append(f"node {loc} served twice")
                seen[loc] = k
                picked[loc] = b
            elif stop.kind is StopKind.DELIVERY:
                out += self._delivery_violations(k, i, stop, b, picked)
        if self.max_route_duration is not None and times[-1] - times[0] > self.max_route_duration + FLOAT_TOL:
            out.append(f"route {k}: duration {times[-1] - times[0]:.6f} > {self.max_route_duration}")
        if picked:
            out.append(f"route {k}: picked up but not delivered: {sorted(picked)}")
        return out

    def _delivery_violations(self, k: int, i: int, stop, b: float, picked: dict[int, float]) -> list[str]:
        pickup = self.problem.request(stop.request_id).pickup
        if pickup not in picked:
            return [f"route {k} stop {i}: delivery of {pickup} before (or without) its pickup"]
        ride = b - (picked.pop(pickup) + self.service[pickup])
        if self.max_ride_time is not None and ride > self.max_ride_time + FLOAT_TOL:
            return [f"route {k} stop {i}: ride time {ride:.6f} > {self.max_ride_time}"]
        return []


def _euclidean(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def _matrices(xy: NDArray[np.float64], scale: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    dist = _euclidean(xy) * scale
    return np.ceil(dist).astype(np.int64), np.rint(dist).astype(np.int64)


def _read_rows(path: Path) -> list[tuple[int, list[float]]]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InputError(f"cannot read benchmark file {path}: {exc}") from exc
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((lineno, [float(x) for x in line.split()]))
        except ValueError as exc:
            raise InputError(f"{path}:{lineno}: not a row of numbers: {line.strip()!r}") from exc
    if not rows:
        raise InputError(f"{path}: file is empty")
    return rows


def _need(path: Path, lineno: int, row: list[float], count: int) -> None:
    if len(row) < count:
        raise InputError(f"{path}:{lineno}: expected {count} fields, got {len(row)}")


def _window(e: float, l: float, scale: int) -> tuple[int, int]:
    return (int(round(e * scale)), int(round(l * scale)))


def read_cordeau(path: str | Path, *, scale: int = SCALE) -> BenchmarkInstance:
    """Parse a Cordeau (2006) DARP file (``a2-16.txt`` …) into a benchmark instance."""
    path = Path(path)
    rows = _read_rows(path)
    lineno, head = rows[0]
    _need(path, lineno, head, 5)
    m, n, horizon, capacity, ride = int(head[0]), int(head[1]), head[2], head[3], head[4]
    nodes = rows[1:]
    if len(nodes) < 2 * n + 2:
        raise InputError(f"{path}: expected {2 * n + 2} node lines after line {lineno}, got {len(nodes)}")
    for ln, row in nodes[: 2 * n + 2]:
        _need(path, ln, row, 7)
    for k, (ln, row) in enumerate(nodes[: 2 * n + 2]):
        if int(row[0]) != k:
            raise InputError(f"{path}:{ln}: expected node id {k}, got {int(row[0])}")
    data = np.array([row[:7] for _, row in nodes[: 2 * n + 2]], dtype=float)
    xy, service, demand, windows = data[:, 1:3], data[:, 3], data[:, 4], data[:, 5:7]
    duration, distance = _matrices(xy, scale)
    requests = []
    for i in range(1, n + 1):
        if demand[i] < 0 or demand[n + i] != -demand[i]:
            raise InputError(f"{path}:{nodes[i][0]}: pickup {i} load {demand[i]} does not match delivery {n + i}")
        requests.append(
            Request(
                id=str(i),
                pickup=i,
                delivery=n + i,
                pickup_window_s=_window(*windows[i], scale),
                delivery_window_s=_window(*windows[n + i], scale),
                load=Load(seats=int(demand[i])),
                pickup_service_s=int(round(service[i] * scale)),
                delivery_service_s=int(round(service[n + i] * scale)),
                max_ride_time_s=int(round(ride * scale)),
            )
        )
    fleet = VehicleType(
        id="vehicle",
        count=m,
        layouts=(Layout(seats=int(capacity)),),
        start_depot=0,
        end_depot=2 * n + 1,
        pence_per_km=COST_PER_KM,
        max_route_duration_s=int(round(horizon * scale)),
        shift_window_s=_window(*windows[0], scale),
    )
    problem = RoutingProblem(duration, distance, tuple(requests), (fleet,), name=path.stem)
    return BenchmarkInstance(
        name=path.stem, kind="darp", problem=problem, xy=xy, service=service, windows=windows,
        demand=demand, capacity=capacity, num_vehicles=m, max_ride_time=ride,
        max_route_duration=horizon, scale=scale,
    )


def hierarchical_fixed_cost(distance_m: NDArray[np.int64]) -> int:
    """A per-vehicle cost above any total distance, so vehicles count first, then distance."""
    return int(distance_m.max(axis=1).sum()) * 2 + 1


def read_lilim(path: str | Path, *, scale: int = SCALE) -> BenchmarkInstance:
    """Parse a Li & Lim PDPTW file (``lc101.txt`` …); vehicles first, then distance.

    The hierarchical objective is encoded as a vehicle ``fixed_cost_pence`` larger than any
    possible total distance cost (see :func:`hierarchical_fixed_cost`).
    """
    path = Path(path)
    rows = _read_rows(path)
    lineno, head = rows[0]
    _need(path, lineno, head, 2)
    vehicles, capacity = int(head[0]), head[1]
    nodes = rows[1:]
    for k, (ln, row) in enumerate(nodes):
        _need(path, ln, row, 9)
        if int(row[0]) != k:
            raise InputError(f"{path}:{ln}: expected task id {k}, got {int(row[0])}")
    data = np.array([row[:9] for _, row in nodes], dtype=float)
    xy, demand, windows, service = data[:, 1:3], data[:, 3], data[:, 4:6], data[:, 6]
    duration, distance = _matrices(xy, scale)
    requests = []
    for (ln, row) in nodes[1:]:
        i, sibling, delivery = int(row[0]), int(row[7]), int(row[8])
        if sibling != 0:
            continue
        if not 0 < delivery < len(nodes) or int(data[delivery, 7]) != i:
            raise InputError(f"{path}:{ln}: pickup {i} names delivery {delivery}, which does not name it back")
        requests.append(
            Request(
                id=str(i),
                pickup=i,
                delivery=delivery,
                pickup_window_s=_window(*windows[i], scale),
                delivery_window_s=_window(*windows[delivery], scale),
                load=Load(seats=int(demand[i])),
                pickup_service_s=int(round(service[i] * scale)),
                delivery_service_s=int(round(service[delivery] * scale)),
            )
        )
    fleet = VehicleType(
        id="vehicle",
        count=vehicles,
        layouts=(Layout(seats=int(capacity)),),
        pence_per_km=COST_PER_KM,
        fixed_cost_pence=hierarchical_fixed_cost(distance),
        shift_window_s=_window(*windows[0], scale),
    )
    problem = RoutingProblem(duration, distance, tuple(requests), (fleet,), name=path.stem)
    return BenchmarkInstance(
        name=path.stem, kind="pdptw", problem=problem, xy=xy, service=service, windows=windows,
        demand=demand, capacity=capacity, num_vehicles=vehicles, scale=scale,
    )


def read_bks(path: str | Path) -> dict[str, tuple[float | None, int | None]]:
    """``instance -> (bks_objective, bks_vehicles)`` from a benchmark ``bks.csv``."""
    import csv

    out: dict[str, tuple[float | None, int | None]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            obj = float(row["bks_objective"]) if row["bks_objective"] else None
            veh = int(row["bks_vehicles"]) if row["bks_vehicles"] else None
            out[row["instance"]] = (obj, veh)
    return out
