"""Ruin-and-recreate large-neighbourhood search (LNS) that improves a plan, outside OR-Tools.

It supports DARP/PDPTW-shaped problems only: seats and wheelchair spaces against one layout
per vehicle type, pickup and delivery windows, maximum ride times, route durations, shift
windows, start and end depots, fleet counts, per-km and fixed costs. :func:`unsupported_reason`
names the first rule of a problem it cannot check (solo travellers, passenger assistants,
incompatible children, travel groups, convertible layouts); the caller then keeps the
OR-Tools plan. The caller also passes every plan it returns through ``routing.validate.check``.

Feasibility of a route is exact: the start-of-service times of a fixed stop order form a
system of difference constraints (travel, windows, ride limits ``B_d - B_p <= L + s_p``,
route duration, shift), and its least solution is found by label-correcting passes
(Bellman-Ford on the route's own graph): a bound passing a latest time means no schedule.
Insertions are screened in bulk with numpy against the route's earliest and latest feasible
times (necessary conditions only), then checked exactly in order of cost.

The search (Ropke & Pisinger 2006, Pisinger & Ropke 2007): each iteration removes a few
requests (random, related or worst) and reinserts them by greedy or regret-k insertion;
simulated annealing decides acceptance. When vehicles carry a fixed cost, part of the time
goes to route elimination: the smallest route's requests go to a request bank and the search
tries to place them on the remaining routes only.

Determinism: for a given ``seed`` and the same number of iterations the search is
repeatable; it stops on a wall-clock deadline, so the iteration count varies with load.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from routing.plan import CostBreakdown, Plan, Route, Stop, StopKind, Unassigned
from routing.problem import RoutingProblem

BIG = 10**15
"""Stands in for "no bound" on a time; far above any horizon, far below int64 overflow."""

REMOVE_MIN, REMOVE_MAX, REMOVE_SHARE = 3, 12, 0.2
"""Requests removed per iteration: uniform in [min, max(min, min(max, share × requests))]."""

NOISE, NOISE_SKIP = 0.025, 0.5
"""Insertion noise (Ropke & Pisinger): in all but ``NOISE_SKIP`` of the iterations each
insertion cost gets a uniform term of +-``NOISE`` x the longest arc's cost."""

START_TEMPERATURE = 0.01
"""Simulated annealing: a plan this share of the distance cost worse is first accepted with
probability 1/2; the temperature falls geometrically to 1 % of that by the deadline."""

MAX_EXACT_CHECKS = 40
"""Exact schedule checks tried per (request, route) before the route is given up on."""


def unsupported_reason(problem: RoutingProblem, request_indices: Sequence[int]) -> str | None:
    """Why the LNS cannot check every rule of this problem, or ``None`` when it can."""
    groups: dict[str, int] = {}
    for i in request_indices:
        r = problem.requests[i]
        if r.solo:
            return f"request {r.id!r} travels solo"
        if r.needs_assistant:
            return f"request {r.id!r} needs a passenger assistant"
        if r.incompatible_with:
            return f"request {r.id!r} has incompatible children"
        if r.travel_group is not None:
            groups[r.travel_group] = groups.get(r.travel_group, 0) + 1
    if any(n > 1 for n in groups.values()):
        return "travel groups"
    for vt in problem.vehicle_types:
        if len(set(vt.layouts)) != 1:
            return f"vehicle type {vt.id!r} has several layouts"
    return None


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
    start node 2R+2v and end node 2R+2v+1."""

    def __init__(self, problem: RoutingProblem, request_indices: Sequence[int]) -> None:
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
        lim = [BIG] * R
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
        self.cap_seats, self.cap_wch, self.max_dur, self.cpk, self.fixed = [], [], [], [], []
        for v, (t, _) in enumerate(veh):
            vt = problem.vehicle_types[t]
            s, en = 2 * R + 2 * v, 2 * R + 2 * v + 1
            loc[s], loc[en] = vt.start_depot, vt.end_depot
            if vt.shift_window_s:
                e[s], l[s] = vt.shift_window_s
                e[en], l[en] = vt.shift_window_s
            self.cap_seats.append(vt.layouts[0].seats)
            self.cap_wch.append(vt.layouts[0].wheelchairs)
            self.max_dur.append(BIG if vt.max_route_duration_s is None else vt.max_route_duration_s)
            self.cpk.append(vt.cost_per_km)
            self.fixed.append(1000 * vt.fixed_cost)
        self.loc, self.e, self.l, self.svc, self.seats, self.wch = loc, e, l, svc, seats, wch
        self.lim = lim
        self.use_wch = bool(np.any(wch != 0))
        self.T = problem.duration_s[np.ix_(loc, loc)]
        self.D = problem.distance_m[np.ix_(loc, loc)]
        self.Tl = self.T.tolist()
        self.Dl = self.D.tolist()
        self.el, self.ll, self.sl = e.tolist(), l.tolist(), svc.tolist()
        self.seats_l, self.wch_l = seats.tolist(), wch.tolist()
        self.type_of = [t for t, _ in veh]

    def start(self, v: int) -> int:
        return 2 * self.R + 2 * v

    # ------------------------------------------------------------------ exact schedules

    def _limits(self, seq: list[int]) -> tuple[list[tuple[int, int, int]], int]:
        """(pickup position, delivery position, ride limit) of each limited request in ``seq``,
        and the route's duration limit."""
        pos: dict[int, int] = {}
        pairs = []
        for idx in range(1, len(seq) - 1):
            x = seq[idx]
            if x & 1:
                lim = self.lim[x >> 1]
                if lim < BIG:
                    pairs.append((pos[x - 1], idx, lim))
            else:
                pos[x] = idx
        return pairs, self.max_dur[(seq[0] - 2 * self.R) >> 1]

    def earliest(self, seq: list[int]) -> list[int] | None:
        """Least start-of-service times of the stop order ``seq`` (depots included), or None."""
        T, s, el, ll = self.Tl, self.sl, self.el, self.ll
        n = len(seq)
        B = [el[x] for x in seq]
        pairs, tmax = self._limits(seq)
        for _ in range(n + 1):
            prev, px = B[0], seq[0]
            for i in range(1, n):
                x = seq[i]
                t = prev + s[px] + T[px][x]
                if t < B[i]:
                    t = B[i]
                elif t > ll[x]:
                    return None
                B[i] = t
                prev, px = t, x
            changed = False
            for pi, di, lim in pairs:
                need = B[di] - lim
                if need > B[pi]:
                    if need > ll[seq[pi]]:
                        return None
                    B[pi] = need
                    changed = True
            need = B[-1] - tmax
            if need > B[0]:
                if need > ll[seq[0]]:
                    return None
                B[0] = need
                changed = True
            if not changed:
                return B
        return None

    def latest(self, seq: list[int], end_cap: int | None = None) -> list[int] | None:
        """Greatest start-of-service times of ``seq`` (optionally ending by ``end_cap``)."""
        T, s, el, ll = self.Tl, self.sl, self.el, self.ll
        n = len(seq)
        B = [ll[x] for x in seq]
        if end_cap is not None:
            B[-1] = min(B[-1], end_cap)
        pairs, tmax = self._limits(seq)
        for _ in range(n + 1):
            nxt, nx = B[-1], seq[-1]
            for i in range(n - 2, -1, -1):
                x = seq[i]
                t = nxt - s[x] - T[x][nx]
                if t > B[i]:
                    t = B[i]
                elif t < el[x]:
                    return None
                B[i] = t
                nxt, nx = t, x
            changed = False
            for pi, di, lim in pairs:
                cap = B[pi] + lim
                if cap < B[di]:
                    if cap < el[seq[di]]:
                        return None
                    B[di] = cap
                    changed = True
            cap = B[0] + tmax
            if cap < B[-1]:
                if cap < el[seq[-1]]:
                    return None
                B[-1] = cap
                changed = True
            if not changed:
                return B
        return None


class _Route:
    """One vehicle's stop order with cached times and loads (treated as immutable)."""

    __slots__ = ("v", "nodes", "seq", "E", "L", "load_max", "wch_max", "arc", "cost")

    def __init__(self, data: _Data, v: int, nodes: list[int], E: list[int] | None = None) -> None:
        self.v = v
        self.nodes = nodes
        s = data.start(v)
        seq = [s, *nodes, s + 1]
        if E is None:
            E = data.earliest(seq)
            if E is None:
                raise _Infeasible
        L = data.latest(seq)
        if L is None:
            raise _Infeasible
        self.seq = np.asarray(seq, dtype=np.int64)
        self.E = np.asarray(E, dtype=np.int64)
        self.L = np.asarray(L, dtype=np.int64)
        a, b = self.seq[:-1], self.seq[1:]
        self.arc = data.D[a, b]
        cpk = data.cpk[v]
        self.cost = (int(self.arc.sum()) * cpk + data.fixed[v]) if nodes else 0
        self.load_max = _range_max(np.cumsum(data.seats[self.seq]))
        self.wch_max = _range_max(np.cumsum(data.wch[self.seq])) if data.use_wch else None


class _Infeasible(Exception):
    pass


def _range_max(load: np.ndarray) -> np.ndarray:
    """``M[i, j] = max(load[i..j])`` for ``j >= i`` over positions 0..n-1 of the arcs' tails."""
    x = load[:-1]
    n = len(x)
    m = np.where(np.arange(n)[None, :] >= np.arange(n)[:, None], x[None, :], np.iinfo(np.int64).min)
    return np.maximum.accumulate(m, axis=1)


def _best_insertions(data: _Data, route: _Route, ks: Sequence[int]) -> list[tuple[int, int, int, list[int]] | None]:
    """Per request in ``ks``, its cheapest exactly feasible insertion in ``route``:
    (cost delta, i, j, earliest times) with the pickup after stop ``i`` and the delivery
    after stop ``j`` of the current order (``i == j``: right after the pickup), or None.

    Screening is vectorised over requests and position pairs; the diagonal of the
    position-pair matrix holds the adjacent insertions.
    """
    K = len(ks)
    kk = np.asarray(ks, dtype=np.int64)
    P, Dn = 2 * kk, 2 * kk + 1
    v = route.v
    seq, E, L = route.seq, route.E, route.L
    a, b = seq[:-1], seq[1:]
    n = len(a)
    T, D, svc = data.T, data.D, data.svc
    ep, lp, sp = data.e[P][:, None], data.l[P][:, None], data.svc[P][:, None]
    ed, ld, sd = data.e[Dn][:, None], data.l[Dn][:, None], data.svc[Dn][:, None]
    Ea = (E[:-1] + svc[a])[None, :]
    Lb = L[1:][None, :]
    A, Bc, Pc, Dc = a[None, :], b[None, :], P[:, None], Dn[:, None]
    Tap, Tpb = T[A, Pc], T[Pc, Bc]
    Tad, Tdb = T[A, Dc], T[Dc, Bc]
    Ep = np.maximum(ep, Ea + Tap)                      # (K, n)
    lat_p = np.minimum(lp, Lb - sp - Tpb)
    q = data.seats[P][:, None]
    diag = np.diagonal(route.load_max)[None, :]
    room = diag + q <= data.cap_seats[v]
    if data.use_wch:
        w = data.wch[P][:, None]
        room &= np.diagonal(route.wch_max)[None, :] + w <= data.cap_wch[v]
    fp0 = (Ep <= lp) & room
    Ed = np.maximum(ed, Ea + Tad)
    lat_d = np.minimum(ld, Lb - sd - Tdb)
    fd = Ed <= lat_d
    fp = fp0 & (Ep <= lat_p)
    arc = route.arc[None, :]
    Dap, Dpb = D[A, Pc], D[Pc, Bc]
    cp = Dap + Dpb - arc
    cd = D[A, Dc] + D[Dc, Bc] - arc
    C = cp[:, :, None] + cd[:, None, :]               # (K, n, n)
    ok = fp[:, :, None] & fd[:, None, :]
    upper = np.arange(n)[None, :] > np.arange(n)[:, None]
    ok &= upper[None, :, :]
    lim = np.asarray([data.lim[k] for k in ks], dtype=np.int64)[:, None, None]
    ok &= (Ed[:, None, :] - lat_p[:, :, None]) <= lim
    ok &= route.load_max[None, :, :] + q[:, :, None] <= data.cap_seats[v]
    if data.use_wch:
        ok &= route.wch_max[None, :, :] + w[:, :, None] <= data.cap_wch[v]
    Tpd = T[P, Dn][:, None]
    Eda = np.maximum(ed, Ep + sp + Tpd)
    fa = fp0 & (Eda <= lat_d) & (sp + Tpd <= lim[:, :, 0])
    ca = Dap + D[P, Dn][:, None] + D[Dc, Bc] - arc
    r = np.arange(n)
    C[:, r, r] = ca
    ok[:, r, r] = fa
    C = np.where(ok, C, BIG).reshape(K, n * n)
    m = min(MAX_EXACT_CHECKS, n * n)
    if n * n > m:
        part = np.argpartition(C, m - 1, axis=1)[:, :m]
        sub = np.take_along_axis(C, part, axis=1)
        order = np.take_along_axis(part, np.argsort(sub, axis=1, kind="stable"), axis=1)
    else:
        order = np.argsort(C, axis=1, kind="stable")
    costs = np.take_along_axis(C, order, axis=1).tolist()
    order = order.tolist()
    cpk, fixed = data.cpk[v], (0 if route.nodes else data.fixed[v])
    out = []
    for cand, cost in zip(order, costs):
        stop = len(cost)
        for h, c in enumerate(cost):
            if c >= BIG:
                stop = h
                break
        out.append(_Options(route, n, cand[:stop], [c * cpk + fixed for c in cost[:stop]]))
    return out


class _Options:
    """Screened insertions of one request into one route, cheapest first, verified lazily."""

    __slots__ = ("route", "n", "cand", "cost", "ptr", "result")

    def __init__(self, route: _Route, n: int, cand: list[int], cost: list[int]) -> None:
        self.route, self.n, self.cand, self.cost, self.ptr = route, n, cand, cost, 0
        self.result: tuple[int, int, int, list[int]] | None = None

    def bound(self) -> int | None:
        """A lower bound on the cost of the best feasible insertion (exact once verified)."""
        if self.result is not None:
            return self.result[0]
        return self.cost[self.ptr] if self.ptr < len(self.cand) else None

    @property
    def verified(self) -> bool:
        return self.result is not None or self.ptr >= len(self.cand)

    def verify(self, data: _Data, k: int) -> None:
        """Check candidates exactly, cheapest first, until one is feasible."""
        route, nodes = self.route, self.route.nodes
        s0 = data.start(route.v)
        p, d = 2 * k, 2 * k + 1
        while self.ptr < len(self.cand):
            i, j = divmod(self.cand[self.ptr], self.n)
            new = nodes[:i] + [p] + nodes[i:j] + [d] + nodes[j:]
            B = data.earliest([s0, *new, s0 + 1])
            if B is not None:
                self.result = (self.cost[self.ptr], i, j, B)
                return
            self.ptr += 1


def _top_options(data: _Data, k: int, opts: list[tuple[int, _Options]], need: int) -> list[tuple[int, int]]:
    """The ``need`` cheapest exactly feasible (cost, route) options of request ``k``."""
    heap = []
    for ri, o in opts:
        lb = o.bound()
        if lb is not None:
            heap.append((lb, ri, o))
    heapq.heapify(heap)
    out: list[tuple[int, int]] = []
    while heap and len(out) < need:
        lb, ri, o = heapq.heappop(heap)
        if o.verified:
            if o.result is not None:
                out.append((o.result[0], ri))
            continue
        o.verify(data, k)
        if o.result is not None:
            heapq.heappush(heap, (o.result[0], ri, o))
    return out


@dataclass
class _State:
    routes: list[_Route]
    bank: list[int] = field(default_factory=list)

    def arc_cost(self) -> int:
        return sum(r.cost for r in self.routes)


class _Search:
    def __init__(self, data: _Data, rng: random.Random, deadline: float,
                 should_stop: Callable[[], bool] | None) -> None:
        self.data = data
        self.rng = rng
        self.deadline = deadline
        self.should_stop = should_stop
        self.stats = LnsStats()
        self.noise = NOISE * int(data.D.max()) * max(data.cpk or [1]) if data.R else 0.0
        self.where = None

    # ---------------------------------------------------------------- removal

    def _routed(self, state: _State) -> list[tuple[int, int]]:
        """(request, route position) of every routed request."""
        out = []
        for ri, r in enumerate(state.routes):
            out += [(x >> 1, ri) for x in r.nodes if not x & 1]
        return out

    def remove(self, state: _State, q: int, how: str) -> tuple[_State, list[int]]:
        routed = self._routed(state)
        if not routed:
            return state, []
        q = min(q, len(routed))
        rng = self.rng
        if how == "random":
            chosen = [k for k, _ in rng.sample(routed, q)]
        elif how == "related":
            seed = rng.choice(routed)[0]
            ks = np.array([k for k, _ in routed])
            order = ks[np.argsort(self._relatedness(state, seed, ks), kind="stable")]
            pool = order.tolist()
            chosen = [pool.pop(0)]
            while len(chosen) < q and pool:
                chosen.append(pool.pop(int(rng.random() ** 4 * len(pool))))
        else:  # worst
            saving = []
            D = self.data.Dl
            for r in state.routes:
                seq = r.seq.tolist()
                cpk = self.data.cpk[r.v]
                for idx in range(1, len(seq) - 1):
                    x = seq[idx]
                    sv = (D[seq[idx - 1]][x] + D[x][seq[idx + 1]] - D[seq[idx - 1]][seq[idx + 1]]) * cpk
                    saving.append((x >> 1, sv))
            total: dict[int, int] = {}
            for k, sv in saving:
                total[k] = total.get(k, 0) + sv
            pool = sorted(total, key=lambda k: -total[k])
            chosen = []
            while len(chosen) < q and pool:
                chosen.append(pool.pop(int(rng.random() ** 3 * len(pool))))
        return self._without(state, chosen), chosen

    def _relatedness(self, state: _State, seed: int, ks: np.ndarray) -> np.ndarray:
        """Shaw relatedness of ``seed`` to each request in ``ks`` (lower = closer): pickup and
        delivery distances plus the gaps between their current service times, each scaled
        to [0, 1]."""
        data = self.data
        when = np.zeros(2 * data.R + 2 * len(data.veh), dtype=np.int64)
        for r in state.routes:
            if r.nodes:
                when[r.seq] = r.E
        p0, d0 = 2 * seed, 2 * seed + 1
        P, Dn = 2 * ks, 2 * ks + 1
        dd = data.D[p0, P] + data.D[d0, Dn]
        tt = np.abs(when[P] - when[p0]) + np.abs(when[Dn] - when[d0])
        return dd / max(1, int(dd.max())) + tt / max(1, int(tt.max()))

    def _without(self, state: _State, chosen: Sequence[int]) -> _State:
        drop = set()
        for k in chosen:
            drop |= {2 * k, 2 * k + 1}
        routes = list(state.routes)
        for ri, r in enumerate(routes):
            if any(x in drop for x in r.nodes):
                routes[ri] = _Route(self.data, r.v, [x for x in r.nodes if x not in drop])
        return _State(routes, list(state.bank))

    # ---------------------------------------------------------------- insertion

    def insert(self, state: _State, todo: list[int], regret: int, allow_new: bool, noise: float) -> _State:
        data = self.data
        routes = list(state.routes)
        bank = list(todo)
        left: list[int] = []
        cache: dict[tuple[int, int], tuple | None] = {}
        rng = self.rng
        while bank:
            cand_routes = [ri for ri, r in enumerate(routes) if r.nodes]
            if allow_new:
                seen_types = set()
                for ri, r in enumerate(routes):
                    t = data.type_of[r.v]
                    if not r.nodes and t not in seen_types:
                        seen_types.add(t)
                        cand_routes.append(ri)
            best_pick = None
            for ri in cand_routes:
                need = [k for k in bank if (k, ri) not in cache]
                if need:
                    for k, res in zip(need, _best_insertions(data, routes[ri], need)):
                        cache[(k, ri)] = res
            for k in bank:
                opts = _top_options(data, k, [(ri, cache[(k, ri)]) for ri in cand_routes], max(1, regret))
                if not opts:
                    continue
                if noise:
                    opts = sorted((c + noise * (2 * rng.random() - 1), ri) for c, ri in opts)
                if regret <= 1:
                    score = -opts[0][0]
                else:
                    score = sum(opts[h][0] - opts[0][0] if h < len(opts) else BIG for h in range(1, regret))
                    score = score * 4 - opts[0][0] * 1e-9
                if best_pick is None or score > best_pick[0]:
                    best_pick = (score, k, opts[0][1])
            if best_pick is None:
                left += bank
                break
            _, k, ri = best_pick
            delta, i, j, B = cache[(k, ri)].result
            r = routes[ri]
            new = r.nodes[:i] + [2 * k] + r.nodes[i:j] + [2 * k + 1] + r.nodes[j:]
            routes[ri] = _Route(data, r.v, new, B)
            bank.remove(k)
            for kk in bank:
                cache.pop((kk, ri), None)
        return _State(routes, left)

    # ---------------------------------------------------------------- main loop

    def run(self, state: _State, until: float, *, allow_new: bool, penalty: int,
            temp0: float, on_best: Callable[[_State], None] | None = None) -> _State:
        """SA-driven ruin and recreate until ``until``; returns the best state (fewest banked,
        then cheapest)."""
        rng = self.rng
        cur = state
        cur_obj = cur.arc_cost() + penalty * len(cur.bank)
        best, best_obj = cur, cur_obj
        n_req = sum(len(r.nodes) for r in cur.routes) // 2 + len(cur.bank)
        lo = min(REMOVE_MIN, max(1, n_req))
        hi = max(lo, min(REMOVE_MAX, int(REMOVE_SHARE * n_req) + 1))
        start = time.monotonic()
        span = max(1e-3, until - start)
        while True:
            now = time.monotonic()
            if now >= until or (self.should_stop is not None and self.should_stop()):
                break
            self.stats.iterations += 1
            q = rng.randint(lo, hi)
            how = rng.choice(("random", "related", "related", "worst"))
            try:
                part, removed = self.remove(cur, q, how)
                regret = rng.choice((1, 2, 2, 3))
                noise = 0.0 if rng.random() < NOISE_SKIP else self.noise
                cand = self.insert(part, removed + part.bank, regret, allow_new, noise)
            except _Infeasible:
                continue
            obj = cand.arc_cost() + penalty * len(cand.bank)
            temp = temp0 * (0.01 ** ((now - start) / span))
            if obj < cur_obj or (temp > 0 and rng.random() < math.exp(-(obj - cur_obj) / temp)):
                cur, cur_obj = cand, obj
                if obj < best_obj:
                    best, best_obj = cand, obj
                    self.stats.improvements += 1
                    if on_best is not None:
                        on_best(best)
        return best


def _state_from_plan(data: _Data, plan: Plan) -> _State:
    kid = {data.problem.requests[i].id: k for k, i in enumerate(data.req)}
    type_index = {vt.id: t for t, vt in enumerate(data.problem.vehicle_types)}
    free = {}
    for v, (t, _) in enumerate(data.veh):
        free.setdefault(t, []).append(v)
    nodes_of: dict[int, list[int]] = {}
    routed = set()
    for route in plan.routes:
        t = type_index[route.vehicle_type_id]
        v = free[t].pop(0)
        nodes = []
        for s in route.stops:
            if s.kind is StopKind.PICKUP:
                nodes.append(2 * kid[s.request_id])
                routed.add(kid[s.request_id])
            elif s.kind is StopKind.DELIVERY:
                nodes.append(2 * kid[s.request_id] + 1)
        nodes_of[v] = nodes
    routes = [_Route(data, v, nodes_of.get(v, [])) for v in range(len(data.veh))]
    bank = [k for k in range(data.R) if k not in routed]
    return _State(routes, bank)


def _plan_from_state(data: _Data, state: _State, unassigned: Sequence[Unassigned], meta: dict) -> Plan:
    problem = data.problem
    routes = []
    used: dict[int, int] = {}
    fixed = distance = metres = 0
    for r in state.routes:
        if not r.nodes:
            continue
        seq = r.seq.tolist()
        E = data.earliest(seq)
        B = data.latest(seq, end_cap=E[-1]) if E is not None else None
        if B is None:
            raise _Infeasible
        t = data.type_of[r.v]
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
            stops.append(Stop(loc, rid, kind, arrival, B[pos], B[pos] + data.sl[x]))
        index = used.get(t, 0)
        used[t] = index + 1
        routes.append(Route(vt.id, index, vt.layouts[0], False, tuple(stops)))
        d = int(r.arc.sum())
        metres += d
        fixed += vt.fixed_cost
        distance += (vt.cost_per_km * d + 500) // 1000
    return Plan(tuple(routes), tuple(unassigned), CostBreakdown(fixed, distance, 0, metres, len(routes)), meta)


def improve(problem: RoutingProblem, request_indices: Sequence[int], plan: Plan, deadline: float, *,
            seed: int = 0, route_elimination_share: float = 0.5,
            should_stop: Callable[[], bool] | None = None,
            on_progress: Callable[[int], None] | None = None) -> tuple[Plan, LnsStats]:
    """A plan at least as good as ``plan`` (same requests), found by LNS until ``deadline``.

    ``request_indices`` are the requests the solver was given (the rest are in
    ``plan.unassigned`` already and stay there). Requests ``plan`` leaves out are retried.
    ``deadline`` is a ``time.monotonic()`` value. Raises ``ValueError`` when
    :func:`unsupported_reason` names a rule the LNS cannot check.
    """
    why = unsupported_reason(problem, request_indices)
    if why is not None:
        raise ValueError(f"LNS cannot check this problem: {why}")
    started = time.monotonic()
    data = _Data(problem, request_indices)
    rng = random.Random(seed)
    search = _Search(data, rng, deadline, should_stop)
    state = _state_from_plan(data, plan)
    stats = search.stats
    stats.start_cost = state.arc_cost()
    max_arc = int(data.D.max()) * max(data.cpk or [1]) if data.R else 0
    penalty = 4 * max_arc + 1 + 2 * max(data.fixed or [0])
    dist_cost = sum(int(r.arc.sum()) * data.cpk[r.v] for r in state.routes if r.nodes)
    temp0 = START_TEMPERATURE * dist_cost / math.log(2) if dist_cost else 0.0

    def report(s: _State) -> None:
        if on_progress is not None:
            on_progress(s.arc_cost() + penalty * len(s.bank))

    # Requests the first plan left out: one greedy pass before anything else.
    if state.bank:
        try:
            tried = search.insert(state, list(state.bank), 2, True, 0.0)
            if len(tried.bank) < len(state.bank):
                state = tried
        except _Infeasible:
            pass
    best = state
    if max(data.fixed or [0]) > 0 and not best.bank:
        best = _eliminate_routes(search, best, started + route_elimination_share * (deadline - started),
                                 temp0, penalty)
    best = search.run(best, deadline, allow_new=True, penalty=penalty, temp0=temp0, on_best=report)
    dropped = {problem.requests[data.req[k]].id for k in best.bank}
    kept_out = [u for u in plan.unassigned if u.request_id in dropped or u.request_id not in
                {problem.requests[i].id for i in request_indices}]
    stats.end_cost = best.arc_cost()
    stats.seconds = time.monotonic() - started
    meta = dict(plan.meta, lns=stats.as_dict())
    return _plan_from_state(data, best, kept_out, meta), stats


def _eliminate_routes(search: _Search, state: _State, until: float, temp0: float, penalty: int) -> _State:
    """Empty the smallest routes one at a time while the others can absorb their requests."""
    best = state
    while time.monotonic() < until:
        used = [r for r in best.routes if r.nodes]
        if len(used) <= 1:
            break
        smallest = min(used, key=lambda r: len(r.nodes))
        ks = [x >> 1 for x in smallest.nodes if not x & 1]
        trial = search._without(best, ks)
        trial = _State(trial.routes, ks)
        trial = search.insert(trial, ks, 2, False, 0.0)
        if trial.bank:
            trial = search.run(trial, until, allow_new=False, penalty=penalty, temp0=temp0)
        if trial.bank:
            break
        best = trial
        search.stats.routes_removed += 1
    return best
