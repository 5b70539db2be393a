"""Result types: routes with the times they were checked with, and every child left out.

A ``Plan`` accounts for every request exactly once: either on a route (a pickup and a
delivery stop) or in ``unassigned`` with a reason. Times are integer seconds, costs integer
pence. ``to_dict``/``from_dict`` give a JSON-safe form that round-trips exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from routing.problem import Layout


class StopKind(str, Enum):
    """What happens at a stop."""

    START = "start"
    PICKUP = "pickup"
    DELIVERY = "delivery"
    END = "end"


class UnassignedReason(str, Enum):
    """Why a request is not on any route."""

    NO_VEHICLE_FITS = "no_vehicle_fits"
    """No vehicle type has a layout with room for the child's seats and wheelchair."""
    RIDE_TIME_INFEASIBLE = "ride_time_infeasible"
    """Even a direct trip is longer than the child's maximum ride time."""
    WINDOW_INFEASIBLE = "window_infeasible"
    """Even a direct trip from a depot cannot meet the pickup and delivery windows."""
    CONFLICTING_RULES = "conflicting_rules"
    """The request's own rules contradict each other (e.g. incompatible siblings)."""
    GROUP_MEMBER_UNASSIGNED = "group_member_unassigned"
    """A sibling in the same travel group cannot be routed, so neither is."""
    FLEET_EXHAUSTED = "fleet_exhausted"
    """Every vehicle that could carry the child is already in use."""
    SOLVER_DROPPED = "solver_dropped"
    """The solver found no place for the child within its time limit."""
    NOT_ON_TODAYS_NETWORK = "not_on_todays_network"
    """An imported network of today's routes carries no route for this child."""


@dataclass(frozen=True)
class Stop:
    """One visit: arrival, start of service and departure in seconds."""

    location: int
    request_id: str | None
    kind: StopKind
    arrival_s: int
    service_start_s: int
    departure_s: int


@dataclass(frozen=True)
class Route:
    """One vehicle's route: which vehicle, its layout and PA, and its stops in order."""

    vehicle_type_id: str
    vehicle_index: int
    layout: Layout
    has_assistant: bool
    stops: tuple[Stop, ...]

    def request_ids(self) -> list[str]:
        """Ids of the requests picked up on this route, in pickup order."""
        return [s.request_id for s in self.stops if s.kind is StopKind.PICKUP and s.request_id]


@dataclass(frozen=True)
class Unassigned:
    """A request left out of every route, with the reason and a sentence of detail."""

    request_id: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True)
class CostBreakdown:
    """Cost in pence, split by source, with the distance driven and vehicles used."""

    fixed: int = 0
    distance: int = 0
    assistant: int = 0
    distance_m: int = 0
    vehicles: int = 0

    @property
    def total(self) -> int:
        """Fixed, distance and assistant cost together (pence)."""
        return self.fixed + self.distance + self.assistant


@dataclass(frozen=True)
class Plan:
    """Routes, unassigned requests, the cost and free-form JSON-safe metadata."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    cost: CostBreakdown = CostBreakdown()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def is_complete(self) -> bool:
        """Whether every request is on a route."""
        return not self.unassigned

    def num_missing(self) -> int:
        """Number of requests left out."""
        return len(self.unassigned)

    def routed_request_ids(self) -> list[str]:
        """Ids of all requests picked up on some route."""
        return [rid for route in self.routes for rid in route.request_ids()]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary; ``Plan.from_dict`` inverts it exactly."""
        return {
            "routes": [_route_to_dict(r) for r in self.routes],
            "unassigned": [
                {"request_id": u.request_id, "reason": u.reason.value, "detail": u.detail}
                for u in self.unassigned
            ],
            "cost": {
                "fixed": self.cost.fixed,
                "distance": self.cost.distance,
                "assistant": self.cost.assistant,
                "distance_m": self.cost.distance_m,
                "vehicles": self.cost.vehicles,
                "total": self.cost.total,
            },
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """The plan a ``to_dict`` result describes."""
        cost = {k: int(v) for k, v in data.get("cost", {}).items() if k != "total"}
        return cls(
            routes=tuple(_route_from_dict(r) for r in data.get("routes", [])),
            unassigned=tuple(
                Unassigned(u["request_id"], UnassignedReason(u["reason"]), u.get("detail", ""))
                for u in data.get("unassigned", [])
            ),
            cost=CostBreakdown(**cost),
            meta=dict(data.get("meta", {})),
        )


def _route_to_dict(route: Route) -> dict[str, Any]:
    return {
        "vehicle_type_id": route.vehicle_type_id,
        "vehicle_index": route.vehicle_index,
        "layout": {"seats": route.layout.seats, "wheelchairs": route.layout.wheelchairs},
        "has_assistant": route.has_assistant,
        "stops": [
            {
                "location": s.location,
                "request_id": s.request_id,
                "kind": s.kind.value,
                "arrival_s": s.arrival_s,
                "service_start_s": s.service_start_s,
                "departure_s": s.departure_s,
            }
            for s in route.stops
        ],
    }


def _route_from_dict(data: dict[str, Any]) -> Route:
    return Route(
        vehicle_type_id=data["vehicle_type_id"],
        vehicle_index=int(data["vehicle_index"]),
        layout=Layout(int(data["layout"]["seats"]), int(data["layout"]["wheelchairs"])),
        has_assistant=bool(data["has_assistant"]),
        stops=tuple(
            Stop(
                location=int(s["location"]),
                request_id=s["request_id"],
                kind=StopKind(s["kind"]),
                arrival_s=int(s["arrival_s"]),
                service_start_s=int(s["service_start_s"]),
                departure_s=int(s["departure_s"]),
            )
            for s in data["stops"]
        ),
    )
