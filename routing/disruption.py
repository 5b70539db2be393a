"""The price of moving children off the vehicle they ride today (the September rerun).

Each route of the current plan is a group of children riding together; every extra vehicle
a group ends up spread over costs ``penalty_pence``. ``routing.solve.solve`` charges it in
both searches (``routing.ortools_model.add_disruption_penalty``, ``routing.lns``) and
compares plans by their penalised cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.plan import Plan
from transport.domain.errors import InputError


@dataclass(frozen=True)
class Disruption:
    """The children riding together today (one group per current route) and the penalty (pence)."""

    penalty_pence: int
    groups: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if self.penalty_pence < 0:
            raise InputError(f"disruption penalty must be >= 0, got {self.penalty_pence}")

    @classmethod
    def of(cls, current: Plan, penalty_pence: int) -> Disruption:
        """The disruption of leaving ``current``: one group per route, in route order."""
        return cls(penalty_pence, tuple(tuple(route.request_ids()) for route in current.routes))

    def current_route(self) -> dict[str, int]:
        """Each child's group (their route today, by position)."""
        return {rid: k for k, group in enumerate(self.groups) for rid in group}

    def extra_vehicles(self, plan: Plan) -> int:
        """Extra vehicles the groups are spread over in ``plan`` (what the penalty is charged on)."""
        new_route = {rid: k for k, r in enumerate(plan.routes) for rid in r.request_ids()}
        extra = 0
        for group in self.groups:
            used = {new_route[rid] for rid in group if rid in new_route}
            extra += max(0, len(used) - 1)
        return extra

    def penalised_cost(self, plan: Plan) -> int:
        """Daily cost of ``plan`` plus the penalty for each extra vehicle (pence)."""
        return plan.cost.total + self.penalty_pence * self.extra_vehicles(plan)
