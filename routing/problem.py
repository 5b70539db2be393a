"""Immutable data of one vehicle-routing problem: what the solver and the validator read.

Everything is an integer with its unit in the name: seconds (``duration_s``), metres
(``distance_m``) and pence (``fixed_cost_pence``, ``pence_per_km``, ``assistant_cost_pence``). Locations are
row indices of the two square matrices; depots, homes and schools are all locations.

``RoutingProblem`` is frozen and checked on construction; every fault found is listed in a
single :class:`~transport.domain.errors.InputError` naming the object. ``PlanningModel`` is the
mutable builder in planners' words that freezes into a ``RoutingProblem``.

Ride time follows Cordeau (2006): start of service at the delivery minus the end of service
at the pickup, so waiting and serving other children on the way both count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np
from numpy.typing import NDArray

from transport.domain.errors import InputError

Window = tuple[int, int]
"""``(earliest, latest)`` start of service, in seconds from the planning origin."""

ASSISTANT_SEATS = 1
"""Seats a passenger assistant (PA) takes from the vehicle's layout."""


@dataclass(frozen=True)
class Load:
    """Space one request takes on board: ordinary seats and wheelchair spaces."""

    seats: int = 1
    wheelchairs: int = 0


@dataclass(frozen=True)
class Layout:
    """One seating configuration of a vehicle: seats and wheelchair spaces."""

    seats: int
    wheelchairs: int = 0

    def fits(self, load: Load, *, has_assistant: bool = False) -> bool:
        """Whether ``load`` alone fits this layout (a PA takes ``ASSISTANT_SEATS`` seats)."""
        seats = self.seats - (ASSISTANT_SEATS if has_assistant else 0)
        return load.seats <= seats and load.wheelchairs <= self.wheelchairs


@dataclass(frozen=True)
class Request:
    """One child's trip from ``pickup`` to ``delivery`` (location indices).

    ``travel_group`` puts siblings on one vehicle; ``incompatible_with`` holds ids of
    requests that must never share this child's vehicle; ``solo`` means nobody else is on
    board while this child rides.
    """

    id: str
    pickup: int
    delivery: int
    pickup_window_s: Window | None = None
    delivery_window_s: Window | None = None
    load: Load = Load()
    pickup_service_s: int = 0
    delivery_service_s: int = 0
    max_ride_time_s: int | None = None
    solo: bool = False
    needs_assistant: bool = False
    incompatible_with: frozenset[str] = frozenset()
    travel_group: str | None = None
    school_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "incompatible_with", frozenset(self.incompatible_with))
        for name in ("pickup_window_s", "delivery_window_s"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, (int(value[0]), int(value[1])))


@dataclass(frozen=True)
class VehicleType:
    """``count`` identical vehicles; each runs one of ``layouts`` on a route.

    Costs are in pence: ``fixed_cost_pence`` per vehicle used, ``pence_per_km`` per kilometre
    driven, ``assistant_cost_pence`` per vehicle that carries a passenger assistant.
    ``shift_window_s`` bounds the departure from ``start_depot`` and the return to
    ``end_depot``; ``max_route_duration_s`` bounds return minus departure.
    """

    id: str
    count: int
    layouts: tuple[Layout, ...]
    start_depot: int = 0
    end_depot: int = 0
    name: str = ""
    fixed_cost_pence: int = 0
    pence_per_km: int = 0
    assistant_cost_pence: int = 0
    max_route_duration_s: int | None = None
    shift_window_s: Window | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "layouts", tuple(self.layouts))
        if self.shift_window_s is not None:
            w = self.shift_window_s
            object.__setattr__(self, "shift_window_s", (int(w[0]), int(w[1])))

    def fits(self, load: Load, *, has_assistant: bool = False) -> bool:
        """Whether some layout of this type can carry ``load``."""
        return any(lay.fits(load, has_assistant=has_assistant) for lay in self.layouts)

    def kind(self) -> "VehicleType":
        """This type without its id, name, count and depots: types of one kind differ only in where
        they are based (a county's districts each with their own copy of a fleet)."""
        return replace(self, id="", name="", count=0, start_depot=0, end_depot=0)


def travel_units(requests: Iterable[Request]) -> list[list[Request]]:
    """Requests as boarding units, in first-seen order: a travel group (siblings) is one unit."""
    groups: dict[str, list[Request]] = {}
    units: list[list[Request]] = []
    for r in requests:
        if r.travel_group is None:
            units.append([r])
        elif r.travel_group in groups:
            groups[r.travel_group].append(r)
        else:
            groups[r.travel_group] = [r]
            units.append(groups[r.travel_group])
    return units


def _frozen_matrix(values: Any) -> NDArray[np.int64]:
    if isinstance(values, np.ndarray) and values.dtype == np.int64 and not values.flags.writeable \
            and values.base is None:
        return values  # already a read-only int64 array owning its data: taken as is, not copied
    array = np.array(values, copy=True)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise InputError("matrices must be finite")
    if array.dtype.kind not in "iuf" or (array.dtype.kind == "f" and np.any(array != np.round(array))):
        raise InputError("matrices must hold integers (seconds, metres)")
    array = array.astype(np.int64, copy=False)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """Matrices, requests and fleet of one routing problem; checked and read-only."""

    duration_s: NDArray[np.int64]
    distance_m: NDArray[np.int64]
    requests: tuple[Request, ...]
    vehicle_types: tuple[VehicleType, ...]
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "duration_s", _frozen_matrix(self.duration_s))
        object.__setattr__(self, "distance_m", _frozen_matrix(self.distance_m))
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicle_types", tuple(self.vehicle_types))
        errors = _problem_errors(self)
        if errors:
            label = f"routing problem {self.name!r}" if self.name else "routing problem"
            raise InputError(f"{label} is invalid: " + "; ".join(errors))

    @property
    def num_locations(self) -> int:
        """Number of rows (and columns) of the matrices."""
        return int(self.duration_s.shape[0])

    def request(self, request_id: str) -> Request:
        """The request with this id (``InputError`` naming it when the problem has none)."""
        found = self._request_by_id().get(request_id)
        if found is None:
            raise InputError(f"problem {self.name!r} has no request {request_id!r}")
        return found

    def vehicle_type(self, type_id: str) -> VehicleType:
        """The vehicle type with this id (``InputError`` naming it and the known ones otherwise)."""
        for vt in self.vehicle_types:
            if vt.id == type_id:
                return vt
        raise InputError(f"problem {self.name!r} has no vehicle type {type_id!r}; "
                         f"known: {[vt.id for vt in self.vehicle_types]}")

    def _request_by_id(self) -> dict[str, Request]:
        cache = self.__dict__.get("_by_id")
        if cache is None:
            cache = {r.id: r for r in self.requests}
            object.__setattr__(self, "_by_id", cache)
        return cache

    def replace(self, **changes: Any) -> RoutingProblem:
        """A new, re-checked problem with some fields changed (e.g. ``requests=...``)."""
        return replace(self, **changes)


def _problem_errors(p: RoutingProblem) -> list[str]:
    errors = _matrix_errors(p.duration_s, p.distance_m)
    n = p.duration_s.shape[0] if p.duration_s.ndim == 2 else 0
    ids = [r.id for r in p.requests]
    known = set(ids)
    seen: set[str] = set()
    for r in p.requests:
        if r.id in seen:
            errors.append(f"request id {r.id!r} is used twice")
        seen.add(r.id)
        errors += _request_errors(r, n, known)
    type_ids: set[str] = set()
    for vt in p.vehicle_types:
        if vt.id in type_ids:
            errors.append(f"vehicle type id {vt.id!r} is used twice")
        type_ids.add(vt.id)
        errors += _vehicle_type_errors(vt, n)
    return errors


def _matrix_errors(duration: NDArray[np.int64], distance: NDArray[np.int64]) -> list[str]:
    errors = []
    if duration.ndim != 2 or duration.shape[0] != duration.shape[1]:
        errors.append(f"duration_s must be a square matrix, got shape {duration.shape}")
    if distance.shape != duration.shape:
        errors.append(f"distance_m shape {distance.shape} differs from duration_s {duration.shape}")
    for name, m in (("duration_s", duration), ("distance_m", distance)):
        if m.size and int(m.min()) < 0:
            errors.append(f"{name} must be >= 0")
    return errors


def _window_errors(label: str, window: Window | None) -> list[str]:
    if window is None:
        return []
    if window[0] > window[1]:
        return [f"{label} early must be <= late, got {window}"]
    if window[0] < 0:
        return [f"{label} must not start before 0, got {window}"]
    return []


def _request_errors(r: Request, n: int, known: set[str]) -> list[str]:
    who = f"request {r.id!r}"
    errors = []
    for name in ("pickup", "delivery"):
        loc = getattr(r, name)
        if not 0 <= loc < n:
            errors.append(f"{who} {name} location {loc} is outside the matrices (0..{n - 1})")
    errors += _window_errors(f"{who} pickup_window_s", r.pickup_window_s)
    errors += _window_errors(f"{who} delivery_window_s", r.delivery_window_s)
    if r.load.seats < 0 or r.load.wheelchairs < 0:
        errors.append(f"{who} load must be >= 0, got {r.load}")
    if r.pickup_service_s < 0 or r.delivery_service_s < 0:
        errors.append(f"{who} service times must be >= 0")
    if r.max_ride_time_s is not None and r.max_ride_time_s < 0:
        errors.append(f"{who} max_ride_time_s must be >= 0")
    if r.id in r.incompatible_with:
        errors.append(f"{who} cannot be incompatible with itself")
    unknown = sorted(r.incompatible_with - known)
    if unknown:
        errors.append(f"{who} is incompatible with unknown requests {unknown}")
    return errors


def _vehicle_type_errors(vt: VehicleType, n: int) -> list[str]:
    who = f"vehicle type {vt.id!r}"
    errors = []
    if vt.count < 0:
        errors.append(f"{who} count must be >= 0")
    if not vt.layouts:
        errors.append(f"{who} needs at least one layout")
    for lay in vt.layouts:
        if lay.seats < 0 or lay.wheelchairs < 0:
            errors.append(f"{who} layout {lay} must have seats and wheelchairs >= 0")
    for name in ("start_depot", "end_depot"):
        loc = getattr(vt, name)
        if not 0 <= loc < n:
            errors.append(f"{who} {name} {loc} is outside the matrices (0..{n - 1})")
    for name in ("fixed_cost_pence", "pence_per_km", "assistant_cost_pence"):
        if getattr(vt, name) < 0:
            errors.append(f"{who} {name} must be >= 0")
    if vt.max_route_duration_s is not None and vt.max_route_duration_s < 0:
        errors.append(f"{who} max_route_duration_s must be >= 0")
    errors += _window_errors(f"{who} shift_window_s", vt.shift_window_s)
    return errors


@dataclass
class PlanningModel:
    """A mutable builder in planners' words; ``problem()`` freezes it.

    Locations are added once and referred to by the index returned; requests and vehicle
    types are kept in insertion order and told apart by id, never by equality.
    """

    duration_s: Any = None
    distance_m: Any = None
    name: str = ""
    _requests: list[Request] = field(default_factory=list)
    _vehicle_types: list[VehicleType] = field(default_factory=list)

    def set_matrices(self, duration_s: Any, distance_m: Any) -> None:
        """Use these square matrices (seconds, metres) for travel between locations."""
        self.duration_s = duration_s
        self.distance_m = distance_m

    def add_vehicle_type(self, id: str, count: int, layouts: Iterable[Layout], **kw: Any) -> VehicleType:
        """Add ``count`` vehicles of one kind; keyword arguments as in ``VehicleType``."""
        vt = VehicleType(id=id, count=count, layouts=tuple(layouts), **kw)
        self._vehicle_types.append(vt)
        return vt

    def add_request(self, id: str, pickup: int, delivery: int, **kw: Any) -> Request:
        """Add one child's trip; keyword arguments as in ``Request``."""
        req = Request(id=id, pickup=pickup, delivery=delivery, **kw)
        self._requests.append(req)
        return req

    def add_child(self, id: str, home: int, school: int, **kw: Any) -> Request:
        """Add a home-to-school trip (an alias of ``add_request`` in planners' words)."""
        return self.add_request(id, home, school, **kw)

    def problem(self) -> RoutingProblem:
        """The frozen, checked problem built so far."""
        if self.duration_s is None or self.distance_m is None:
            raise InputError(f"planning model {self.name!r} has no matrices: call set_matrices")
        return RoutingProblem(
            duration_s=self.duration_s,
            distance_m=self.distance_m,
            requests=tuple(self._requests),
            vehicle_types=tuple(self._vehicle_types),
            name=self.name,
        )
