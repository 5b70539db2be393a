"""Today's routes from a council's CSV or .xlsx: one row per child per route.

Columns (header names, any order, case-insensitive):

| column | what |
| --- | --- |
| `route_ref` | the council's route reference (e.g. `R-014`) |
| `operator` | the contractor running it |
| `vehicle_type` | a fleet id of the scenario (`taxi`, `mpv`, `wav`, `minibus`, ...) |
| `contract_day_price` | the day price paid for the route in pounds (`£` and `,` allowed), blank when unknown |
| `passenger_assistant` | optional `yes`/`no`: the route has a PA (blank: yes when a child on it needs one) |
| `child_id` | a child of the scenario (a shared placement: `child@school_urn`, one row per school on its route) |
| `am_pickup`, `am_drop` | the child's pickup (home) and drop (school) positions in the route's morning, 1 = first stop |
| `pm_pickup`, `pm_drop` | the child's pickup (school) and drop (home) positions in the afternoon |

The route's attributes (operator, vehicle type, price, PA) are given on each of its rows and
must agree. Every fault is reported with its row number (the number Excel shows), all of them
before anything is built: an unknown child, a child on two routes, a position that is not a
whole number from 1, a position used twice in one run of a route, a drop before its pickup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from transport.domain.errors import InputError
from transport.io import cells
from transport.io.tabular import RowErrors, read_table

COLUMNS = ("route_ref", "operator", "vehicle_type", "contract_day_price", "child_id",
           "am_pickup", "am_drop", "pm_pickup", "pm_drop")
REQUIRED = ("route_ref", "vehicle_type", "child_id", "am_pickup", "am_drop", "pm_pickup", "pm_drop")


@dataclass
class TodayRoute:
    """One route as the council runs it: its stops as ``(position, kind, child)`` per run."""

    ref: str
    operator: str
    vehicle_type: str
    contract_day_pence: int | None
    assistant: bool | None
    am: list[tuple[int, str, str]] = field(default_factory=list)
    pm: list[tuple[int, str, str]] = field(default_factory=list)
    first_row: int = 0

    def order(self, run: str) -> tuple[tuple[str, str], ...]:
        """The run's ``(kind, child)`` stops in position order."""
        return tuple((kind, child) for _, kind, child in sorted(self.am if run == "am" else self.pm))


def _position(row, key: str) -> int:
    text = row.get(key)
    if not text:
        raise InputError(f"{key} is blank")
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{key} {text!r} is not a whole number") from None
    if value < 1:
        raise InputError(f"{key} must be 1 or more, got {value}")
    return value


def _price_pence(text: str) -> int | None:
    if not text:
        return None
    clean = text.replace("£", "").replace(",", "").strip()
    try:
        pounds = float(clean)
    except ValueError:
        raise InputError(f"contract_day_price {text!r} is not an amount in pounds") from None
    if not 0 <= pounds < 1_000_000:
        raise InputError(f"contract_day_price {text!r} is out of range")
    return round(pounds * 100)


def read_routes(path: str | Path, *, children: set[str], vehicle_types: set[str]) -> list[TodayRoute]:
    """Every route of the file, or ``RowErrors`` listing each bad row (nothing half-read)."""
    table = read_table(path)
    table.require(*REQUIRED, what="a routes table")
    routes: dict[str, TodayRoute] = {}
    on_route: dict[str, tuple[str, int]] = {}
    used: dict[tuple[str, str, int], int] = {}
    errors: list[tuple[int, str]] = []
    for row in table:
        try:
            row.check()
            ref, child = row.get("route_ref"), row.get("child_id")
            if not ref:
                raise InputError("route_ref is blank")
            if child not in children:
                raise InputError(f"unknown child {child!r}: not in the scenario")
            if child in on_route:
                other, at = on_route[child]
                raise InputError(f"child {child!r} is already on route {other!r} (row {at})")
            vtype = row.get("vehicle_type")
            if vtype not in vehicle_types:
                raise InputError(f"unknown vehicle_type {vtype!r}; the scenario's fleet has {sorted(vehicle_types)}")
            price = _price_pence(row.get("contract_day_price"))
            pa_text = row.get("passenger_assistant")
            pa = cells.flag(row.cells, "passenger_assistant") if pa_text else None
            pos = {k: _position(row, k) for k in ("am_pickup", "am_drop", "pm_pickup", "pm_drop")}
            for run in ("am", "pm"):
                if pos[f"{run}_drop"] <= pos[f"{run}_pickup"]:
                    raise InputError(f"the stop order breaks precedence: {run}_drop {pos[f'{run}_drop']} "
                                     f"is not after {run}_pickup {pos[f'{run}_pickup']}")
            route = routes.get(ref)
            if route is None:
                route = routes[ref] = TodayRoute(ref, row.get("operator"), vtype, price, pa, first_row=row.number)
            else:
                _agrees(route, row.get("operator"), vtype, price, pa)
            for key, p in pos.items():
                if (ref, key[:2], p) in used:
                    raise InputError(f"{key[:2]} position {p} of route {ref!r} is already used (row "
                                     f"{used[(ref, key[:2], p)]})")
            for key, p in pos.items():
                used[(ref, key[:2], p)] = row.number
            route.am += [(pos["am_pickup"], "pickup", child), (pos["am_drop"], "delivery", child)]
            route.pm += [(pos["pm_pickup"], "pickup", child), (pos["pm_drop"], "delivery", child)]
            on_route[child] = (ref, row.number)
        except InputError as exc:
            errors.append((row.number, str(exc)))
    if errors:
        raise RowErrors(table.name, errors)
    if not routes:
        raise InputError(f"{table.name} has no routes")
    return list(routes.values())


def _agrees(route: TodayRoute, operator: str, vtype: str, price: int | None, pa: bool | None) -> None:
    for name, mine, theirs in (("operator", route.operator, operator), ("vehicle_type", route.vehicle_type, vtype),
                               ("contract_day_price", route.contract_day_pence, price),
                               ("passenger_assistant", route.assistant, pa)):
        if mine != theirs:
            raise InputError(f"{name} differs from the route's first row (row {route.first_row}) for route "
                             f"{route.ref!r}")
