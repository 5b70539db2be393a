"""Ruin-and-recreate large-neighbourhood search (LNS) that improves a plan, outside OR-Tools.

It checks every rule of a :class:`~routing.problem.RoutingProblem`: seats and wheelchair
spaces against each vehicle type's layouts (a route takes the first layout its peak loads
fit), passenger assistants (a seat and the assistant's rate on a route that carries a child
who needs one), solo travellers (nobody else on board while they ride), incompatible
children (never on one vehicle), travel groups (siblings on one vehicle), pickup and
delivery windows, maximum ride times, route durations, shift windows, depots, fleet counts,
and fixed, per-km and assistant costs. The caller still passes every plan it returns
through ``routing.validate.check``, which shares no code with this module.

Feasibility of a route is exact: the start-of-service times of a fixed stop order form a
system of difference constraints (travel, windows, ride limits ``B_d - B_p <= L + s_p``,
route duration, shift), and its least solution is found by label-correcting passes
(Bellman-Ford on the route's own graph): a bound passing a latest time means no schedule.
Insertion positions are screened by forward propagation against the route's earliest and
latest feasible times (exact for windows and loads); with ride limits or route durations
the cheapest few are then checked exactly.

The search runs compiled (numba, :mod:`routing.lns_core`), tens of thousands of iterations
a second on 100-request problems. Each iteration removes some requests (random, related
(Shaw), worst, or strings of consecutive stops as in SISR, Christiaens & Vanden Berghe 2020)
and reinserts them by greedy or regret-k insertion (Ropke & Pisinger 2006) with adaptive
operator weights; simulated annealing decides acceptance. When vehicles carry a fixed cost,
part of the time goes to fleet minimisation: the smallest route's requests go to a request
bank and the search may only use the remaining routes, accepting a plan that banks fewer
requests or ones left out less often.

Determinism: for a given ``seed`` and the same number of iterations the search is
repeatable; it stops on a wall-clock deadline, so the iteration count varies with load.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from routing import lns_core as core
from routing.plan import CostBreakdown, Plan, Route, Stop, StopKind, Unassigned, UnassignedReason
from routing.problem import Layout, Request, RoutingProblem, VehicleType
from transport.domain.errors import RoutingError
from transport.domain.units import mileage_pence

BIG = core.BIG
"""Stands in for "no bound" on a time; far above any horizon, far below int64 overflow."""

REMOVE_MIN, REMOVE_MAX, REMOVE_SHARE = 3, 12, 0.2
"""Requests removed per iteration: uniform in [min, max(min, min(max, share × requests))]."""

NOISE = 0.025
"""Insertion noise (Ropke & Pisinger): in all but ``lns_core.NOISE_SKIP`` of the iterations
each insertion cost gets a uniform term of +-``NOISE`` x the longest arc's cost."""

START_TEMPERATURE = 0.01
"""Simulated annealing: a plan this share of the distance cost worse is first accepted with
probability 1/2; the temperature falls geometrically to 1 % of that by the deadline."""

SEGMENT, REACTION = 100, 0.1
"""Adaptive operator weights: every ``SEGMENT`` iterations each weight moves ``REACTION`` of
the way to its operator's mean score (33 new best, 9 better, 3 accepted)."""

MAX_MEMORY_BYTES = 2 * 10**9
"""Above this the LNS is not run (OR-Tools' plan stands); a county is planned by parts."""

CHUNK_SECONDS = 0.02
"""Compiled iterations run between clock checks, aimed at about this long."""


def unsupported_reason(problem: RoutingProblem, request_indices: Sequence[int]) -> str | None:
    """Why the LNS cannot check every rule of this problem, or ``None`` when it can.

    Every rule of :class:`~routing.problem.RoutingProblem` is checked today (seats, wheelchair
    spaces, layouts, assistants, solo travellers, incompatible children, travel groups, ride
    limits, windows, route durations). It declines a request no vehicle type fits (the
    caller's precheck reports those) and a problem so large that its dense arrays would pass
    ``MAX_MEMORY_BYTES`` (a whole county: plan it by parts)."""
    for i in request_indices:
        r = problem.requests[i]
        if not any(vt.fits(r.load, has_assistant=r.needs_assistant) for vt in problem.vehicle_types):
            return f"request {r.id!r} fits no vehicle type"
    need = memory_estimate(len(request_indices), sum(vt.count for vt in problem.vehicle_types))
    if need > MAX_MEMORY_BYTES:
        return (f"{len(request_indices)} requests need about {need / 1e9:.1f} GB of search arrays; "
                "plan a county by parts (routes plan-county)")
    return None


def memory_estimate(requests: int, vehicles: int) -> int:
    """Bytes of the search's dense arrays: three states of six (vehicle x stop) grids, the
    (request x vehicle) insertion cache and the (request x request) relatedness."""
    stops = 2 * requests + 2
    return 8 * (18 * vehicles * stops + 3 * requests * vehicles + 4 * requests * requests)


@dataclass
class LnsStats:
    """What one LNS run did (for ``Plan.meta``)."""

    iterations: int = 0
    improvements: int = 0
    routes_removed: int = 0
    seconds: float = 0.0
    start_cost: int = 0
    end_cost: int = 0

    def as_dict(self) -> dict:
        """JSON-safe summary."""
        return {"iterations": self.iterations, "improvements": self.improvements,
                "routes_removed": self.routes_removed, "seconds": round(self.seconds, 3),
                "start_cost": self.start_cost, "end_cost": self.end_cost}


class _Data:
    """Node-level arrays. Request k has pickup node 2k and delivery 2k+1; vehicle v has
    start node 2R+2v and end node 2R+2v+1. ``core`` is the tuple :mod:`routing.lns_core` takes."""

    def __init__(self, problem: RoutingProblem, request_indices: Sequence[int], *,
                 current_route: dict[str, int] | None = None, disruption_pence: int = 0) -> None:
        self.problem = problem
        self.req = list(request_indices)
        R = len(self.req)
        self.R = R
        veh = []  # (type index, copy)
        for t, vt in enumerate(problem.vehicle_types):
            veh += [(t, c) for c in range(vt.count)]
        self.veh = veh
        V = len(veh)
        N = 2 * R + 2 * V
        loc = np.zeros(N, dtype=np.int64)
        e = np.zeros(N, dtype=np.int64)
        l = np.full(N, BIG, dtype=np.int64)
        svc = np.zeros(N, dtype=np.int64)
        seats = np.zeros(N, dtype=np.int64)
        wch = np.zeros(N, dtype=np.int64)
        lim = np.full(R, BIG, dtype=np.int64)
        for k, i in enumerate(self.req):
            r = problem.requests[i]
            p, d = 2 * k, 2 * k + 1
            loc[p], loc[d] = r.pickup, r.delivery
            if r.pickup_window_s:
                e[p], l[p] = r.pickup_window_s
            if r.delivery_window_s:
                e[d], l[d] = r.delivery_window_s
            svc[p], svc[d] = r.pickup_service_s, r.delivery_service_s
            seats[p], seats[d] = r.load.seats, -r.load.seats
            wch[p], wch[d] = r.load.wheelchairs, -r.load.wheelchairs
            if r.max_ride_time_s is not None:
                lim[k] = r.max_ride_time_s + r.pickup_service_s
        n_lay = max((len(vt.layouts) for vt in problem.vehicle_types), default=1)
        lay_s = np.zeros((V, n_lay), dtype=np.int64)
        lay_w = np.zeros((V, n_lay), dtype=np.int64)
        nlay, max_dur, cpk, fixed, pa_cost = (np.zeros(V, dtype=np.int64) for _ in range(5))
        for v, (t, _) in enumerate(veh):
            vt = problem.vehicle_types[t]
            s, en = 2 * R + 2 * v, 2 * R + 2 * v + 1
            loc[s], loc[en] = vt.start_depot, vt.end_depot
            if vt.shift_window_s:
                e[s], l[s] = vt.shift_window_s
                e[en], l[en] = vt.shift_window_s
            nlay[v] = len(vt.layouts)
            for h, lay in enumerate(vt.layouts):
                lay_s[v, h], lay_w[v, h] = lay.seats, lay.wheelchairs
            max_dur[v] = BIG if vt.max_route_duration_s is None else vt.max_route_duration_s
            cpk[v] = vt.pence_per_km
            fixed[v] = 1000 * vt.fixed_cost_pence
            pa_cost[v] = 1000 * vt.assistant_cost_pence
        reqs = [problem.requests[i] for i in self.req]
        kid = {r.id: k for k, r in enumerate(reqs)}
        pa_need = np.asarray([int(r.needs_assistant) for r in reqs] or [0], dtype=np.int64)
        solo = np.asarray([int(r.solo) for r in reqs] or [0], dtype=np.int64)
        incomp = np.zeros((max(1, R), max(1, R)), dtype=np.bool_)
        for k, r in enumerate(reqs):
            for other in r.incompatible_with:
                if other in kid:
                    incomp[k, kid[other]] = incomp[kid[other], k] = True
        glead = np.arange(max(1, R), dtype=np.int64)
        gnext = np.full(max(1, R), -1, dtype=np.int64)
        groups: dict[str, list[int]] = {}
        for k, r in enumerate(reqs):
            if r.travel_group is not None:
                groups.setdefault(r.travel_group, []).append(k)
        for members in groups.values():
            if len(members) > 1:
                for a, b in zip(members, members[1:] + members[:1]):
                    gnext[a] = b
                    glead[a] = members[0]
        flags = np.asarray([solo.any(), incomp.any(), (gnext >= 0).any()], dtype=np.int64)
        # a rerun's current routes, renumbered 0..G-1, each a ring of its children
        old = np.full(max(1, R), -1, dtype=np.int64)
        onext = np.full(max(1, R), -1, dtype=np.int64)
        if current_route and disruption_pence > 0:
            members_of: dict[int, list[int]] = {}
            for k, r in enumerate(reqs):
                if r.id in current_route:
                    members_of.setdefault(current_route[r.id], []).append(k)
            for g, members in enumerate(members_of.values()):
                for a, b in zip(members, members[1:] + members[:1]):
                    old[a], onext[a] = g, b
        dpen = 1000 * int(disruption_pence) if current_route else 0
        self.pa_cost = pa_cost
        self.loc, self.e, self.l, self.svc = loc, e, l, svc
        self.cpk, self.fixed = cpk, fixed
        self.type_of = [t for t, _ in veh]
        self.T = np.ascontiguousarray(problem.duration_s[np.ix_(loc, loc)], dtype=np.int64)
        self.D = np.ascontiguousarray(problem.distance_m[np.ix_(loc, loc)], dtype=np.int64)
        exact = bool(np.any(lim < BIG) or np.any(max_dur < BIG))
        vtype = np.asarray(self.type_of, dtype=np.int64)
        self.core = core.Problem(self.T, self.D, e, l, svc, seats, wch, lim, lay_s, lay_w, max_dur, cpk, fixed,
                     vtype, R, exact, nlay, pa_need, pa_cost, solo, incomp, glead, gnext, flags, old, onext, dpen)
        self._where = np.zeros(N, dtype=np.int64)

    def start(self, v: int) -> int:
        return 2 * self.R + 2 * v

    def earliest(self, seq: Sequence[int]) -> list[int] | None:
        """Least start-of-service times of the stop order ``seq`` (depots included), or None."""
        s = np.asarray(seq, dtype=np.int64)
        B = np.zeros(len(s), dtype=np.int64)
        return B.tolist() if core.earliest(self.core, s, len(s), B, self._where) else None

    def latest(self, seq: Sequence[int], end_cap: int | None = None) -> list[int] | None:
        """Greatest start-of-service times of ``seq`` (optionally ending by ``end_cap``)."""
        s = np.asarray(seq, dtype=np.int64)
        B = np.zeros(len(s), dtype=np.int64)
        cap = BIG if end_cap is None else int(end_cap)
        return B.tolist() if core.latest(self.core, s, len(s), B, self._where, cap) else None

    # ------------------------------------------------------------------ search state

    def new_state(self) -> tuple:
        """An empty state: every vehicle unused, nothing banked."""
        V, R = len(self.veh), self.R
        M = 2 * R + 2
        seq = np.zeros((V, M), dtype=np.int64)
        for v in range(V):
            seq[v, 0], seq[v, 1] = self.start(v), self.start(v) + 1
        m = np.full(V, 2, dtype=np.int64)
        grid = lambda: np.zeros((V, M), dtype=np.int64)  # noqa: E731
        return core.State(seq, m, grid(), grid(), grid(), grid(), np.zeros(V, dtype=np.int64),
                          np.zeros(max(1, R), dtype=np.int64), np.zeros(1, dtype=np.int64),
                          np.full(max(1, R), -1, dtype=np.int64), np.zeros(V, dtype=np.int64))

    def workspace(self) -> core.Workspace:
        """The search's scratch arrays (:data:`routing.lns_core.Workspace`)."""
        V, R = len(self.veh), self.R
        M = 2 * R + 4
        z = lambda *shape: np.zeros(shape, dtype=np.int64)  # noqa: E731
        return core.Workspace(z(M), z(M), z(2 * R + 2 * V), z(core.TOP), z(core.TOP), z(core.TOP), z(V),
                              z(max(1, R), V), z(max(1, R), V), z(max(1, R), V), z(6, M + 1))

    def relatedness(self) -> np.ndarray:
        """Per request, every request ordered from most to least related (Shaw): pickup and
        delivery distances plus the gaps between window openings, each scaled to [0, 1]."""
        R = self.R
        P, Dn = 2 * np.arange(R), 2 * np.arange(R) + 1
        dd = (self.D[np.ix_(P, P)] + self.D[np.ix_(Dn, Dn)]).astype(float)
        ee = (np.abs(self.e[P][:, None] - self.e[P][None, :]) + np.abs(self.e[Dn][:, None] - self.e[Dn][None, :]))
        ee = ee.astype(float)
        score = dd / max(1.0, dd.max()) + ee / max(1.0, ee.max())
        np.fill_diagonal(score, -1.0)
        return np.ascontiguousarray(np.argsort(score, axis=1, kind="stable"), dtype=np.int64)


class _Infeasible(Exception):
    pass


def _copy(state: tuple) -> tuple:
    return core.State(*(a.copy() for a in state))


def _state_from_plan(data: _Data, plan: Plan) -> tuple:
    kid = {data.problem.requests[i].id: k for k, i in enumerate(data.req)}
    type_index = {vt.id: t for t, vt in enumerate(data.problem.vehicle_types)}
    free: dict[int, list[int]] = {}
    for v, (t, _) in enumerate(data.veh):
        free.setdefault(t, []).append(v)
    st = data.new_state()
    seq, m, rr = st.seq, st.m, st.rr
    where = np.zeros(2 * data.R + 2 * len(data.veh), dtype=np.int64)
    for route in plan.routes:
        v = free[type_index[route.vehicle_type_id]].pop(0)
        nodes = []
        for s in route.stops:
            if s.kind is StopKind.PICKUP:
                nodes.append(2 * kid[s.request_id])
                rr[kid[s.request_id]] = v
            elif s.kind is StopKind.DELIVERY:
                nodes.append(2 * kid[s.request_id] + 1)
        seq[v, 1:len(nodes) + 1] = nodes
        seq[v, len(nodes) + 1] = data.start(v) + 1
        m[v] = len(nodes) + 2
    for v in range(len(data.veh)):
        if not core.refresh(data.core, st, v, where):
            raise _Infeasible
    bank = [k for k in range(data.R) if rr[k] < 0]
    st.bank[:len(bank)] = bank
    st.nbank[0] = len(bank)
    return st


def _plan_from_state(data: _Data, st: tuple, unassigned: Sequence[Unassigned], meta: dict) -> Plan:
    problem = data.problem
    routes = []
    used: dict[int, int] = {}
    fixed = distance = assistant = metres = 0
    seqs, ms = st.seq, st.m
    for v in range(len(data.veh)):
        if ms[v] <= 2:
            continue
        seq = seqs[v, :ms[v]].tolist()
        E = data.earliest(seq)
        B = data.latest(seq, end_cap=E[-1]) if E is not None else None
        if B is None:
            raise _Infeasible
        t = data.type_of[v]
        vt = problem.vehicle_types[t]
        stops = []
        for pos, x in enumerate(seq):
            loc = int(data.loc[x])
            if pos == 0:
                kind, rid, arrival = StopKind.START, None, B[0]
            else:
                prev = stops[-1]
                arrival = prev.departure_s + int(problem.duration_s[prev.location, loc])
                if pos == len(seq) - 1:
                    kind, rid = StopKind.END, None
                else:
                    kind = StopKind.DELIVERY if x & 1 else StopKind.PICKUP
                    rid = problem.requests[data.req[x >> 1]].id
            stops.append(Stop(loc, rid, kind, arrival, B[pos], B[pos] + int(data.svc[x])))
        index = used.get(t, 0)
        used[t] = index + 1
        has_pa = bool(st.npa[v] > 0)
        h = core.layout_for(data.core, v, int(st.ls[v, :ms[v]].max()), int(st.lw[v, :ms[v]].max()), has_pa)
        if h < 0:
            raise _Infeasible
        routes.append(Route(vt.id, index, vt.layouts[h], has_pa, tuple(stops)))
        d = int(st.dist[v])
        metres += d
        fixed += vt.fixed_cost_pence
        distance += mileage_pence(vt.pence_per_km, d)
        assistant += vt.assistant_cost_pence if has_pa else 0
    return Plan(tuple(routes), tuple(unassigned), CostBreakdown(fixed, distance, assistant, metres, len(routes)), meta)


class _Search:
    """Drives :func:`routing.lns_core.run_chunk` against the clock."""

    def __init__(self, data: _Data, deadline: float, should_stop: Callable[[], bool] | None,
                 penalty: int, noise: float) -> None:
        self.data = data
        self.deadline = deadline
        self.should_stop = should_stop
        self.penalty = penalty
        self.noise = noise
        self.stats = LnsStats()
        self.ws = data.workspace()
        self.rel = data.relatedness()
        R = data.R
        self.qlo = min(REMOVE_MIN, max(1, R))
        self.qhi = max(self.qlo, min(REMOVE_MAX, int(REMOVE_SHARE * R) + 1))

    def run(self, state: tuple, until: float, *, allow_new: bool, fleet_mode: bool, temp0: float,
            on_best: Callable[[tuple], None] | None = None) -> tuple:
        """Ruin and recreate from ``state`` until ``until`` (or, in fleet mode, until nothing is
        banked); returns the best state (fewest banked, then cheapest)."""
        cur, best, work = _copy(state), _copy(state), _copy(state)
        ops = core.Operators(np.ones(core.REMOVERS), np.ones(core.INSERTERS),
                             np.zeros(core.REMOVERS), np.zeros(core.INSERTERS),
                             np.zeros(core.REMOVERS, dtype=np.int64), np.zeros(core.INSERTERS, dtype=np.int64))
        absence = np.zeros(max(1, self.data.R), dtype=np.int64)
        out = np.zeros(6, dtype=np.float64)
        start = time.monotonic()
        span = max(1e-3, until - start)
        chunk, since_adapt, improvements = 8, 0, 0
        while True:
            now = time.monotonic()
            if now >= until or (self.should_stop is not None and self.should_stop()):
                break
            temp = temp0 * (0.01 ** ((now - start) / span))
            cfg = core.Settings(int(chunk), float(temp), int(self.penalty), bool(allow_new), bool(fleet_mode),
                                int(self.qlo), int(self.qhi), float(self.noise))
            core.run_chunk(self.data.core, cur, best, work, self.ws, self.rel, cfg, ops, absence, out)
            self.stats.iterations += int(out[3])
            since_adapt += int(out[3])
            if since_adapt >= SEGMENT:
                core.adapt(ops.wr, ops.sr, ops.nr, REACTION)
                core.adapt(ops.wi, ops.si, ops.ni, REACTION)
                since_adapt = 0
            if int(out[2]) > improvements:
                improvements = int(out[2])
                if on_best is not None:
                    on_best(best)
            if fleet_mode and best.nbank[0] == 0:
                break
            took = time.monotonic() - now
            chunk = max(1, min(2000, int(chunk * (CHUNK_SECONDS / max(took, 1e-4)) ** 0.5)))
        self.stats.improvements += improvements
        return best


def improve(problem: RoutingProblem, request_indices: Sequence[int], plan: Plan, deadline: float, *,
            seed: int = 0, route_elimination_share: float = 0.5,
            should_stop: Callable[[], bool] | None = None,
            on_plan: Callable[[Callable[[], Plan]], None] | None = None,
            current_route: dict[str, int] | None = None, disruption_pence: int = 0) -> tuple[Plan, LnsStats]:
    """A plan at least as good as ``plan`` (same requests), found by LNS until ``deadline``.

    ``request_indices`` are the requests the solver was given (the rest are in
    ``plan.unassigned`` already and stay there). Requests ``plan`` leaves out are retried.
    ``deadline`` is a ``time.monotonic()`` value. Raises ``RoutingError`` when
    :func:`unsupported_reason` names a rule the LNS cannot check.

    For a rerun, ``current_route`` maps each child to their route today and every extra
    vehicle a route's children end up spread over costs ``disruption_pence`` in the search's
    objective (the plan's own cost stays the daily cost); fleet minimisation is then off, as
    emptying a route is exactly the disruption being priced.

    ``on_plan`` hears each new best of the main search as a function that builds its plan.
    """
    why = unsupported_reason(problem, request_indices)
    if why is not None:
        raise RoutingError(f"LNS cannot check this problem: {why}")
    started = time.monotonic()
    data = _Data(problem, request_indices, current_route=current_route, disruption_pence=disruption_pence)
    core.seed(seed)
    state = _state_from_plan(data, plan)
    max_arc = int(data.D.max()) * int(max(data.cpk, default=1)) if data.R else 0
    max_fixed = int(max(data.fixed, default=0))
    # leaving a child out must cost more than any vehicle, assistant and trip that could carry them
    penalty = 4 * max_arc + 1 + 2 * (max_fixed + int(max(data.pa_cost, default=0)))
    search = _Search(data, deadline, should_stop, penalty, NOISE * max_arc)
    stats = search.stats
    stats.start_cost = int(core.total_cost(data.core, state))
    dist_cost = int(sum(int(state.dist[v]) * int(data.cpk[v]) for v in range(len(data.veh)) if state.m[v] > 2))
    temp0 = START_TEMPERATURE * dist_cost / math.log(2) if dist_cost else 0.0

    def report(state: tuple) -> None:
        if on_plan is not None:  # building a plan costs: the listener calls this only when it will use it
            on_plan(lambda: _plan_from_state(data, state, _left_out(data, state, plan, request_indices),
                                             dict(plan.meta)))

    best = state
    # Requests the first plan left out: try them before anything else.
    if best.nbank[0] and data.R:
        best = search.run(best, started + 0.2 * (deadline - started), allow_new=True, fleet_mode=True, temp0=0.0)
    if max_fixed > 0 and not best.nbank[0] and not data.core.dpen:
        best = _eliminate_routes(search, best, started + route_elimination_share * (deadline - started), temp0)
    if data.R:
        best = search.run(best, deadline, allow_new=True, fleet_mode=False, temp0=temp0, on_best=report)
    kept_out = _left_out(data, best, plan, request_indices)
    stats.end_cost = int(core.total_cost(data.core, best))
    stats.seconds = time.monotonic() - started
    meta = dict(plan.meta, lns=stats.as_dict())
    return _plan_from_state(data, best, kept_out, meta), stats


def _left_out(data: _Data, state: tuple, plan: Plan, request_indices: Sequence[int]) -> list[Unassigned]:
    """Requests ``state`` leaves out: ``plan``'s reasons where it gave one, else "dropped"."""
    problem = data.problem
    banked = {problem.requests[data.req[k]].id for k in state.bank[:state.nbank[0]].tolist()}
    given = {problem.requests[i].id for i in request_indices}
    kept_out = [u for u in plan.unassigned if u.request_id in banked or u.request_id not in given]
    listed = {u.request_id for u in kept_out}
    kept_out += [Unassigned(rid, UnassignedReason.SOLVER_DROPPED,
                            "the solver found no feasible place for this child within its time limit")
                 for rid in sorted(banked - listed)]
    return kept_out


def _eliminate_routes(search: _Search, state: tuple, until: float, temp0: float) -> tuple:
    """Empty the smallest route while the others can absorb its requests (SISR-style fleet
    minimisation: its requests go to the bank and the search may not open a vehicle)."""
    data = search.data
    best = state
    where = np.zeros(2 * data.R + 2 * len(data.veh), dtype=np.int64)
    while time.monotonic() < until:
        m = best.m
        used = [v for v in range(len(data.veh)) if m[v] > 2]
        if len(used) <= 1:
            break
        v = min(used, key=lambda u: (m[u], u))
        ks = np.asarray([x >> 1 for x in best.seq[v, 1:m[v] - 1].tolist() if not x & 1], dtype=np.int64)
        trial = _copy(best)
        if not core.remove_requests(data.core, trial, ks, len(ks), where):
            break
        trial.bank[:len(ks)] = ks
        trial.nbank[0] = len(ks)
        trial = search.run(trial, until, allow_new=False, fleet_mode=True, temp0=temp0)
        if trial.nbank[0]:
            break
        best = trial
        search.stats.routes_removed += 1
    return best


def warm_up() -> None:
    """Compile (or load from numba's cache) the search's inner loops by running :func:`improve`
    once on a one-child problem, so they see the very argument types a real run passes.

    The first run after installing compiles them (20-50 s); later runs load the cache in well
    under a second. Call this before starting a clock that the search must share.
    """
    global _WARM
    if _WARM:
        return
    problem = RoutingProblem(np.array([[0, 60], [60, 0]]), np.array([[0, 1000], [1000, 0]]),
                             (Request("warm", 1, 0, max_ride_time_s=600),),
                             (VehicleType("v", 1, (Layout(4),), fixed_cost_pence=1, max_route_duration_s=3600),),
                             name="warm-up")
    left_out = Plan((), (Unassigned("warm", UnassignedReason.SOLVER_DROPPED, "warm-up"),))
    calls = iter((False,))  # one chunk of iterations, then stop
    improve(problem, [0], left_out, time.monotonic() + 600, should_stop=lambda: next(calls, True))
    core.adapt(np.ones(core.REMOVERS), np.zeros(core.REMOVERS), np.zeros(core.REMOVERS, dtype=np.int64), REACTION)
    _WARM = True


_WARM = False
