"""Compare two plan documents: cost, vehicles by type, mileage, ride times, and what changed.

A route is identified by its vehicle (type and index). It is *unchanged* when the same
vehicle runs the same stops at the same times in both plans, *changed* when the vehicle runs
in both but differently, and *added* or *removed* when it runs in only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from routing.plan import Route
from transport.planning.rerun import moved_children


@dataclass(frozen=True)
class PlanComparison:
    """Headline figures of both plans and the route and child changes between them."""

    a: dict[str, Any]
    b: dict[str, Any]
    routes_unchanged: int
    routes_changed: int
    routes_added: int
    routes_removed: int
    children_moved: int
    changed_in_a: tuple[str, ...] = ()
    """Labels (``R001``...) of plan A's routes that plan B changes or drops."""
    changed_in_b: tuple[str, ...] = ()
    """Labels of plan B's routes that are new or differ from plan A."""

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(figure, plan A, plan B, B - A)`` rows for printing."""

        def money(p: int) -> str:
            return f"£{p / 100:,.2f}"

        a, b = self.a, self.b
        types = sorted(set(a["vehicles_by_type"]) | set(b["vehicles_by_type"]))
        out = [("daily cost", money(a["daily_cost_pence"]), money(b["daily_cost_pence"]),
                money(b["daily_cost_pence"] - a["daily_cost_pence"])),
               ("vehicles", str(a["vehicles"]), str(b["vehicles"]), f"{b['vehicles'] - a['vehicles']:+d}")]
        for t in types:
            na, nb = a["vehicles_by_type"].get(t, 0), b["vehicles_by_type"].get(t, 0)
            out.append((f"  {t}", str(na), str(nb), f"{nb - na:+d}"))
        out += [("miles", f"{a['miles']:,}", f"{b['miles']:,}", f"{b['miles'] - a['miles']:+,.1f}"),
                ("mean ride (min)", str(a["mean_ride_min"]), str(b["mean_ride_min"]),
                 f"{b['mean_ride_min'] - a['mean_ride_min']:+.1f}"),
                ("longest ride (min)", str(a["max_ride_min"]), str(b["max_ride_min"]),
                 f"{b['max_ride_min'] - a['max_ride_min']:+.1f}"),
                ("children over ride limit", str(a["over_ride_limit"]), str(b["over_ride_limit"]),
                 f"{b['over_ride_limit'] - a['over_ride_limit']:+d}"),
                ("children unassigned", str(len(a["unassigned"])), str(len(b["unassigned"])),
                 f"{len(b['unassigned']) - len(a['unassigned']):+d}")]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary."""
        keys = ("daily_cost_pence", "vehicles", "vehicles_by_type", "miles", "mean_ride_min", "max_ride_min",
                "over_ride_limit")
        return {"a": {k: self.a[k] for k in keys} | {"unassigned": len(self.a["unassigned"])},
                "b": {k: self.b[k] for k in keys} | {"unassigned": len(self.b["unassigned"])},
                "routes_unchanged": self.routes_unchanged, "routes_changed": self.routes_changed,
                "routes_added": self.routes_added, "routes_removed": self.routes_removed,
                "children_moved": self.children_moved, "changed_in_a": list(self.changed_in_a),
                "changed_in_b": list(self.changed_in_b)}


def _by_vehicle(routes: tuple[Route, ...]) -> dict[tuple[str, int], Route]:
    return {(r.vehicle_type_id, r.vehicle_index): r for r in routes}


def _labels_not_in(routes: tuple[Route, ...], other: dict[tuple[str, int], Route]) -> tuple[str, ...]:
    """Route-sheet labels of the routes that the other plan does not run identically."""
    return tuple(f"R{i:03d}" for i, r in enumerate(routes, start=1)
                 if other.get((r.vehicle_type_id, r.vehicle_index)) != r)


def compare_plans(a: Any, b: Any) -> PlanComparison:
    """Compare plan document ``a`` (before) with ``b`` (after)."""
    ra, rb = _by_vehicle(a.plan.routes), _by_vehicle(b.plan.routes)
    both = set(ra) & set(rb)
    unchanged = sum(1 for k in both if ra[k] == rb[k])
    return PlanComparison(a=a.kpis(), b=b.kpis(), routes_unchanged=unchanged,
                          routes_changed=len(both) - unchanged, routes_added=len(set(rb) - set(ra)),
                          routes_removed=len(set(ra) - set(rb)),
                          children_moved=len(moved_children(a.plan, b.plan)),
                          changed_in_a=_labels_not_in(a.plan.routes, rb),
                          changed_in_b=_labels_not_in(b.plan.routes, ra))
