"""``solve(problem, params)``: a pure function from a routing problem to a plan.

No files, no printing. Requests that cannot be served even alone (no vehicle fits, a direct
trip breaks the ride limit or the windows, self-contradictory rules) are kept out before the
solver runs and reported with their reason; everything else goes to OR-Tools through
:mod:`routing.ortools_model`, optionally followed by the ruin-and-recreate search of
:mod:`routing.lns` (``SolveParams.lns_share``). Every request ends up exactly once: routed or
unassigned.

A rerun passes today's plan as ``initial_plan`` and a :class:`routing.disruption.Disruption`:
both searches then charge each extra vehicle today's groups of children are spread over, and
plans are compared by that penalised cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Protocol, Sequence

from routing import lns
from routing import ortools_model as om
from routing.disruption import Disruption
from routing.plan import Plan, Unassigned, UnassignedReason
from routing.problem import Request, RoutingProblem, VehicleType
from routing.validate import check
from transport.domain.errors import InputError, RoutingError

FALLBACK_FIRST_SOLUTIONS = ("local_cheapest_insertion", "all_unperformed")
"""Tried in turn when the chosen first-solution strategy finds nothing."""


@dataclass(frozen=True)
class SolveParams:
    """Solver settings as data. Strategy names are OR-Tools' enum names, any case.

    OR-Tools' routing search is deterministic for given settings, so it takes no seed:
    diversity comes from ``restarts`` with different first-solution strategies. ``seed``
    drives only the LNS, which stops on the clock (so its result can vary with load).

    ``restarts`` > 1 splits the time limit into that many runs that alternate
    ``first_solution`` and ``alt_first_solution``, each from scratch (or, with
    ``warm_restarts``, from the best plan so far); the best plan is kept. A non-empty ``portfolio`` first spends
    ``portfolio_share`` of the time on those first-solution strategies (each followed by a
    greedy descent) and starts the main search from the best of them.

    ``lns_share`` > 0 gives that share of the time limit to :mod:`routing.lns` (compiled ruin
    and recreate from the OR-Tools plan, seeded by ``seed``; it checks every SEN rule exactly);
    its plan replaces OR-Tools' only if ``routing.validate.check`` accepts it and it is better
    (fewer children left out, then lower cost). When OR-Tools finds no first solution in its
    share, the LNS builds the plan from an empty one. The default gives it 90 % of the time:
    on the 300-child sample at 60 s, 0.5 gave £6,364.73/day, 0.8 £6,291.63, 0.95 £6,164.25.
    """

    time_limit_s: float = 10.0
    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    restarts: int = 1
    alt_first_solution: str = "local_cheapest_insertion"
    lns_time_limit_s: float | None = None
    gls_lambda: float | None = None
    ride_limit_filter: bool = True
    log_search: bool = False
    warm_restarts: bool = False
    portfolio: tuple[str, ...] = ()
    portfolio_share: float = 0.25
    lns_share: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise InputError(f"solve params time_limit_s must be > 0, got {self.time_limit_s}")
        if self.restarts < 1:
            raise InputError(f"solve params restarts must be >= 1, got {self.restarts}")
        if not 0 <= self.lns_share < 1:
            raise InputError(f"solve params lns_share must be in [0, 1), got {self.lns_share}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveParams:
        """Params from a mapping; unknown keys are an error naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown solve params {unknown}; known: {sorted(known)}")
        return cls(**data)


PROGRESS_CHECK_EVERY_S = 0.25
"""At most this often the search's newest best plan is built and validated for a progress report
(the plan a search phase ends with is always checked)."""


@dataclass(frozen=True)
class RunStats:
    """What one ``solve`` did, stored in the plan's meta (``as_meta``; unset fields are left out).

    ``solver`` is ``ortools``, ``lns`` (OR-Tools found nothing; the LNS built the plan),
    ``ortools+lns`` (the LNS improved OR-Tools' plan) or ``none`` (no child to route).
    ``objective`` is OR-Tools' (units of its cost unit, penalties included); ``lns`` what the
    LNS run did; ``lns_error`` / ``lns_rejected`` why its plan was not used.
    """

    solver: str
    first_solution: str | None = None
    metaheuristic: str | None = None
    objective: int | None = None
    time_limit_s: float | None = None
    lns: lns.LnsStats | None = None
    lns_rejected: tuple[str, ...] | None = None
    lns_error: str | None = None
    seconds: float | None = None
    restarts: int | None = None

    def as_meta(self) -> dict[str, Any]:
        """The JSON-safe form stored in ``Plan.meta``, fields in declaration order."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, lns.LnsStats):
                value = value.as_dict()
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                out[f.name] = value
        return out


class SolveCallbacks(Protocol):
    """What a CLI progress bar or an API job hears from the solver."""

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        """A better plan passed the independent validator: its daily cost in pence (the plan's
        ``cost.total``, the daily-cost KPI) and the seconds so far. Never higher than the last one."""

    def should_stop(self) -> bool:
        """Whether the caller wants the search cancelled now."""


class _ValidatedProgress:
    """Passes to the callbacks only plans that ``routing.validate.check`` accepts and that are
    cheaper than every plan reported before. While searching, only plans that carry every child
    the precheck let through count (a plan that leaves more out is cheaper for the wrong reason);
    the plan ``solve`` returns is offered last whatever it leaves out. So the figure never goes
    up and the last one is the returned plan's daily cost."""

    def __init__(self, problem: RoutingProblem, callbacks: SolveCallbacks, started: float, *, kept_out: int):
        self.problem, self.callbacks, self.started = problem, callbacks, started
        self.kept_out = kept_out
        self.best_cost: int | None = None
        self.last_check = -1e9

    def due(self) -> bool:
        """Whether the next candidate should be built and checked now (throttled)."""
        return time.monotonic() - self.last_check >= PROGRESS_CHECK_EVERY_S

    def offer(self, plan: Plan | None, *, final: bool = False) -> None:
        """Report ``plan`` if it is valid and cheaper than the plans reported so far."""
        if plan is None:
            return
        self.last_check = time.monotonic()
        if not final and plan.num_missing() > self.kept_out:
            return
        if self.best_cost is not None and plan.cost.total >= self.best_cost:
            return
        if check(self.problem, plan):
            return
        self.best_cost = plan.cost.total
        self.callbacks.on_progress(plan.cost.total, time.monotonic() - self.started)

    def offer_built(self, build: Callable[[], Plan]) -> None:
        """``offer(build())`` when a check is due; a plan that cannot be built is skipped."""
        if self.due():
            try:
                plan = build()
            except Exception:  # noqa: BLE001 - a progress report is never worth failing the search
                return
            self.offer(plan)


def direct_trip_feasible(problem: RoutingProblem, r: Request, vt: VehicleType) -> bool:
    """Whether one vehicle of type ``vt`` can serve ``r`` alone, from depot to depot."""
    d = problem.duration_s
    to_p, p_to_d, d_back = int(d[vt.start_depot, r.pickup]), int(d[r.pickup, r.delivery]), int(d[r.delivery, vt.end_depot])
    shift = vt.shift_window_s or (0, 2**62)
    inf = 2**62
    pw = r.pickup_window_s or (0, inf)
    dw = r.delivery_window_s or (0, inf)
    lo_p, hi_p = max(pw[0], shift[0] + to_p), pw[1]
    lo_d, hi_d = dw[0], min(dw[1], shift[1] - r.delivery_service_s - d_back)
    gap_lo = r.pickup_service_s + p_to_d
    gap_hi = inf
    if r.max_ride_time_s is not None:
        gap_hi = r.pickup_service_s + r.max_ride_time_s
    if vt.max_route_duration_s is not None:
        gap_hi = min(gap_hi, vt.max_route_duration_s - to_p - r.delivery_service_s - d_back)
    if lo_p > hi_p or lo_d > hi_d or gap_lo > gap_hi:
        return False
    return max(gap_lo, lo_d - hi_p) <= min(gap_hi, hi_d - lo_p)


def precheck(problem: RoutingProblem) -> dict[int, Unassigned]:
    """Requests no vehicle can serve even alone, by index, with the reason."""
    out: dict[int, Unassigned] = {}
    for i, r in enumerate(problem.requests):
        reason = _precheck_one(problem, r)
        if reason is not None:
            out[i] = reason
    _precheck_groups(problem, out)
    return out


def _precheck_one(problem: RoutingProblem, r: Request) -> Unassigned | None:
    fleet = [vt for vt in problem.vehicle_types if vt.count > 0]
    fitting = [vt for vt in fleet if vt.fits(r.load, has_assistant=r.needs_assistant)]
    if not fitting:
        pa = " with a passenger assistant" if r.needs_assistant else ""
        return Unassigned(r.id, UnassignedReason.NO_VEHICLE_FITS,
                          f"no vehicle layout has {r.load.seats} seat(s) and {r.load.wheelchairs} wheelchair space(s){pa}")
    direct = int(problem.duration_s[r.pickup, r.delivery])
    if r.max_ride_time_s is not None and direct > r.max_ride_time_s:
        return Unassigned(r.id, UnassignedReason.RIDE_TIME_INFEASIBLE,
                          f"direct trip takes {direct} s > max ride time {r.max_ride_time_s} s")
    if not any(direct_trip_feasible(problem, r, vt) for vt in fitting):
        return Unassigned(r.id, UnassignedReason.WINDOW_INFEASIBLE,
                          "no direct trip from a depot meets the pickup and delivery windows and shift")
    return None


def _precheck_groups(problem: RoutingProblem, out: dict[int, Unassigned]) -> None:
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(problem.requests):
        if r.travel_group is not None:
            groups.setdefault(r.travel_group, []).append(i)
    for name, members in groups.items():
        ids = {problem.requests[i].id for i in members}
        clash = any(problem.requests[i].incompatible_with & ids for i in members)
        if clash:
            for i in members:
                out.setdefault(i, Unassigned(problem.requests[i].id, UnassignedReason.CONFLICTING_RULES,
                                             f"travel group {name!r} holds children incompatible with each other"))
        elif any(i in out for i in members):
            for i in members:
                out.setdefault(i, Unassigned(problem.requests[i].id, UnassignedReason.GROUP_MEMBER_UNASSIGNED,
                                             f"a sibling in travel group {name!r} cannot be routed"))


def solve(problem: RoutingProblem, params: SolveParams, *, initial_plan: Plan | None = None,
          disruption: Disruption | None = None, callbacks: SolveCallbacks | None = None) -> Plan:
    """Route every request that can be routed; report the rest with a reason.

    The search starts from ``initial_plan`` when given (and the LNS does, when OR-Tools finds
    nothing in its share). ``disruption`` adds the rerun's penalty to both searches' objectives.
    """
    if params.lns_share > 0:
        lns.warm_up()  # compiles once per install; not charged to the time limit
    started = time.monotonic()
    pre = precheck(problem)
    todo = [i for i in range(len(problem.requests)) if i not in pre]
    unassigned = [pre[i] for i in sorted(pre)]
    if not todo:
        return Plan((), tuple(unassigned), meta=RunStats("none", seconds=0.0).as_meta())
    gate = _ValidatedProgress(problem, callbacks, started, kept_out=len(pre)) if callbacks is not None else None
    found: tuple[Plan, RunStats] | None = None
    use_lns = params.lns_share > 0 and lns.unsupported_reason(problem, todo) is None
    ortools_limit = params.time_limit_s * (1 - params.lns_share) if use_lns else params.time_limit_s
    if params.portfolio and initial_plan is None:
        share = ortools_limit * params.portfolio_share / len(params.portfolio)
        quick = replace(params, metaheuristic="greedy_descent")
        for strategy in params.portfolio:
            run = _run_once(problem, todo, unassigned, quick, strategy, share, None, disruption, callbacks, gate)
            found = _better_run(found, run)
    for k in range(params.restarts):
        remaining = ortools_limit - (time.monotonic() - started)
        if remaining <= 0.05 or (callbacks is not None and callbacks.should_stop()):
            break
        budget = remaining / (params.restarts - k)
        first = params.first_solution if k % 2 == 0 else params.alt_first_solution
        start_from = found[0] if params.warm_restarts and found is not None else initial_plan
        run = _run_once(problem, todo, unassigned, params, first, budget, start_from, disruption, callbacks, gate)
        found = _better_run(found, run)
    if found is None and use_lns and initial_plan is not None:
        # OR-Tools found nothing in its share: the LNS starts from the plan it was given
        found = (Plan(initial_plan.routes, initial_plan.unassigned, initial_plan.cost),
                 RunStats("lns", first_solution="initial_plan"))
    elif found is None and use_lns:
        # OR-Tools found no first solution (it can stall on tight ride limits): the LNS
        # builds one itself, starting with every child in its request bank.
        left = [Unassigned(problem.requests[i].id, UnassignedReason.SOLVER_DROPPED,
                           "the solver found no feasible place for this child within its time limit") for i in todo]
        found = Plan((), tuple(unassigned) + tuple(left)), RunStats("lns", first_solution="lns")
    if found is None:
        raise RoutingError(f"the solver found no plan for problem {problem.name!r}, not even an empty one")
    best, stats = found
    if use_lns:
        best, stats = _improve_by_lns(problem, todo, best, stats, params, disruption, callbacks, gate, started)
    stats = replace(stats, seconds=round(time.monotonic() - started, 3), restarts=params.restarts)
    result = Plan(best.routes, _explain_left_out(problem, best), best.cost, stats.as_meta())
    if gate is not None:
        gate.offer(result, final=True)
    return result


def _better_run(best: tuple[Plan, RunStats] | None,
                run: tuple[Plan, RunStats] | None) -> tuple[Plan, RunStats] | None:
    """The OR-Tools run with the lower objective (the earlier one on a tie)."""
    if run is None or (best is not None and not run[1].objective < best[1].objective):  # type: ignore[operator]
        return best
    return run


def _explain_left_out(problem: RoutingProblem, plan: Plan) -> tuple[Unassigned, ...]:
    """Children the search left out: ``fleet_exhausted`` when every vehicle that could carry
    them is in use in the plan, otherwise the search's own reason stands."""
    used: dict[str, int] = {}
    for route in plan.routes:
        used[route.vehicle_type_id] = used.get(route.vehicle_type_id, 0) + 1
    out = []
    for u in plan.unassigned:
        if u.reason is UnassignedReason.SOLVER_DROPPED:
            r = problem.request(u.request_id)
            fitting = [vt for vt in problem.vehicle_types if vt.fits(r.load, has_assistant=r.needs_assistant)]
            if fitting and all(used.get(vt.id, 0) >= vt.count for vt in fitting):
                u = Unassigned(r.id, UnassignedReason.FLEET_EXHAUSTED,
                               "every vehicle that could carry this child is already in use")
        out.append(u)
    return tuple(out)


def _plan_key(plan: Plan, disruption: Disruption | None) -> tuple[int, int]:
    """Fewer children left out first, then the lower (penalised) daily cost."""
    return plan.num_missing(), disruption.penalised_cost(plan) if disruption is not None else plan.cost.total


def _improve_by_lns(problem: RoutingProblem, todo: Sequence[int], plan: Plan, stats: RunStats,
                    params: SolveParams, disruption: Disruption | None, callbacks: SolveCallbacks | None,
                    gate: _ValidatedProgress | None, started: float) -> tuple[Plan, RunStats]:
    """The LNS plan if the validator accepts it and it beats ``plan``; else ``plan``. The stats say which and why."""
    deadline = started + params.time_limit_s
    if deadline - time.monotonic() <= 0.05:
        return plan, stats
    stop = callbacks.should_stop if callbacks is not None else None
    try:
        rerun = {} if disruption is None else {"current_route": disruption.current_route(),
                                               "disruption_pence": disruption.penalty_pence}
        better, run = lns.improve(problem, todo, plan, deadline, seed=params.seed, should_stop=stop,
                                  on_plan=gate.offer_built if gate is not None else None, **rerun)
    except Exception as exc:  # noqa: BLE001 - the LNS is optional; OR-Tools' plan stands
        return plan, replace(stats, lns_error=repr(exc))
    violations = check(problem, better)
    if violations:
        return plan, replace(stats, lns_rejected=tuple(v.detail for v in violations[:3]))
    if _plan_key(better, disruption) < _plan_key(plan, disruption):
        return better, replace(stats, solver="lns" if stats.solver == "lns" else "ortools+lns", lns=run)
    return plan, replace(stats, lns=run)


def _run_once(problem: RoutingProblem, todo: Sequence[int], unassigned: Sequence[Unassigned],
              params: SolveParams, first: str, budget_s: float, start_from: Plan | None,
              disruption: Disruption | None, callbacks: SolveCallbacks | None,
              gate: _ValidatedProgress | None) -> tuple[Plan, RunStats] | None:
    """One OR-Tools search (falling back to ``FALLBACK_FIRST_SOLUTIONS`` when it finds nothing)."""
    model = om.build_model(problem, todo, ride_limit_filter=params.ride_limit_filter, disruption=disruption)
    _attach_callbacks(model, callbacks, gate, unassigned, problem)
    initial = om.start_assignment(model, start_from) if start_from is not None else None
    for strategy in (first, *FALLBACK_FIRST_SOLUTIONS):
        search = om.search_parameters(
            time_limit_s=max(budget_s, 0.05), first_solution=strategy,
            metaheuristic=params.metaheuristic, log_search=params.log_search,
            lns_time_limit_s=params.lns_time_limit_s, gls_lambda=params.gls_lambda,
        )
        solution = om.run_search(model, search, initial)
        if solution is not None:
            plan = om.extract_plan(model, solution, unassigned, _dropped_reason(problem))
            objective = om.objective_value(solution)
            if gate is not None:
                gate.offer(plan)
            return plan, RunStats("ortools", strategy, params.metaheuristic, objective, params.time_limit_s)
        initial = None
    return None


def _attach_callbacks(model: om.OrToolsModel, callbacks: SolveCallbacks | None, gate: _ValidatedProgress | None,
                      unassigned: Sequence[Unassigned], problem: RoutingProblem) -> None:
    if callbacks is None or gate is None:
        return
    dropped = _dropped_reason(problem)

    def heard(_search_cost_pence: int) -> bool:
        if gate.due():  # the search's plan, validated before it is reported
            gate.offer(om.current_plan(model, unassigned, dropped))
        return callbacks.should_stop()

    om.on_solution(model, heard)


def _dropped_reason(problem: RoutingProblem):
    """A request OR-Tools left out; ``_explain_left_out`` then says ``fleet_exhausted`` where
    every fitting vehicle is in use."""

    def reason(i: int) -> Unassigned:
        return Unassigned(problem.requests[i].id, UnassignedReason.SOLVER_DROPPED,
                          "the solver found no feasible place for this child within its time limit")

    return reason
