"""Compiled inner loops of the ruin-and-recreate search (numba, nopython mode).

Everything here works on plain integer arrays so that numba can compile it; :mod:`routing.lns`
builds the arrays from a :class:`~routing.problem.RoutingProblem`, calls :func:`run_chunk` a
few hundred iterations at a time (it watches the clock between calls) and turns the best
state back into a plan.

Nodes: request ``k`` has pickup ``2k`` and delivery ``2k+1``; vehicle ``v`` has start node
``2R+2v`` and end node ``2R+2v+1``. ``P`` is the :data:`Problem` record built by ``lns._Data.core``::

    (T, D, e, l, svc, seats, wch, lim, lay_s, lay_w, max_dur, cpk, fixed, vtype, R, exact,
     nlay, pa_need, pa_cost, solo, incomp, glead, gnext, flags, old, onext, dpen)

``lay_s[v, :nlay[v]]``/``lay_w`` are the seats and wheelchair spaces of each layout vehicle
``v`` can run (a route takes the first layout its loads fit; a passenger assistant takes
``ASSISTANT_SEATS``); ``pa_cost[v]`` is charged when a request with ``pa_need`` rides;
``solo`` requests ride with nobody else on board; ``incomp[a, b]`` forbids ``a`` and ``b``
on one vehicle; travel groups are rings (``gnext``) with a leader (``glead``) and move as
one: removed together, inserted leader first with the others on the same vehicle;
``flags`` = (any solo, any incompatible, any group). For a rerun, ``old[k]`` is the current
route of request ``k`` (-1: none; ``onext`` rings the children of one current route) and each
extra vehicle a current route's children are spread over costs ``dpen`` (0: no rerun).

A state is the :data:`State` record ``(seq, m, E, L, ls, lw, dist, bank, nbank, rr, npa)``: per vehicle its
stop order with depots (``seq[v, :m[v]]``), earliest and latest start-of-service times, seats
and wheelchair spaces occupied on leaving each stop, and its length; the request bank
(requests not routed), each request's vehicle (``rr``, -1 when banked) and per vehicle the
number of requests needing an assistant (``npa``).

Route feasibility is exact: the start times of a fixed stop order form a system of difference
constraints (travel, windows, ride limits, route duration), solved by label-correcting passes;
insertion positions are screened by forward propagation (exact for windows and loads) and,
when ride limits or route durations apply (``exact``), the cheapest few are checked exactly.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

Problem = namedtuple("Problem", (
    "T D e l svc seats wch lim lay_s lay_w max_dur cpk fixed vtype R exact "
    "nlay pa_need pa_cost solo incomp glead gnext flags old onext dpen"))
"""The problem's arrays (built by ``routing.lns._Data``); numba compiles the attribute access."""

State = namedtuple("State", "seq m E L ls lw dist bank nbank rr npa")
"""A search state (see the module docstring); its arrays are updated in place."""

Workspace = namedtuple("Workspace", "tmp tmpB where cbuf ibuf jbuf cand bc bi bj aux")
"""Scratch arrays reused by every iteration (built by ``routing.lns._Data.workspace``): a spliced
stop order and its times, pickup positions, the screened candidates (cost, i, j), candidate
vehicles, the regret cache (request x vehicle: cost, i, j) and the load profile rows."""

Settings = namedtuple("Settings", "iters temp penalty allow_new fleet_mode qlo qhi noise")
"""One call of :func:`run_chunk`: iterations, annealing temperature, the price of a banked
request, whether unused vehicles may be opened, route-elimination mode, how many requests a
ruin removes (``qlo..qhi``) and the insertion noise."""

Operators = namedtuple("Operators", "wr wi sr si nr ni")
"""Adaptive operator selection: weights, scores this segment and uses this segment, for the
removal (``r``) and insertion (``i``) operators."""

BIG = 10**15
ASSISTANT_SEATS = 1
"""Seats a passenger assistant takes (``routing.problem.ASSISTANT_SEATS``)."""
TOP = 12
"""Screened insertion positions per (request, route) checked exactly when ``exact``."""

REMOVERS = 4
"""Removal operators: 0 random, 1 related (Shaw), 2 worst, 3 strings (SISR)."""
INSERTERS = 3
"""Insertion operators: 0 greedy in a random order, 1 regret-2, 2 regret-3."""
NOISE_SKIP = 0.5
"""Share of iterations whose insertions get no noise."""

RELATED_SKEW = 6.0
"""Related removal picks position ``int(u**RELATED_SKEW * n)`` of the neighbours, closest first (u uniform)."""
WORST_SKEW = 3.0
"""Worst removal picks position ``int(u**WORST_SKEW * n)`` of the requests, biggest saving first."""
MAX_STRING = 10.0
"""Longest run of stops the string removal cuts from one route (SISR's L_max)."""

SCORE_NEW_BEST = 33.0
"""Operator score when an iteration finds a new best plan (Ropke & Pisinger's sigma_1)."""
SCORE_BETTER = 9.0
"""Operator score when an accepted plan is better than the current one (sigma_2)."""
SCORE_ACCEPTED = 3.0
"""Operator score when a worse plan is accepted (sigma_3)."""
MIN_WEIGHT = 0.05
"""An operator's adaptive weight never falls below this, so every operator keeps being tried."""


# --------------------------------------------------------------------------- schedules

@njit(cache=True)
def _prologue(P, seq, n, B, where, bound):
    """Start ``B`` at each stop's ``bound`` (window opening or closing), note each pickup's
    position in ``where``; returns the route's duration limit and how many ride limits apply."""
    lim, max_dur, R = P.lim, P.max_dur, P.R
    npairs = 0
    for i in range(n):
        x = seq[i]
        B[i] = bound[x]
        if 0 < i < n - 1:
            if x & 1:
                if lim[x >> 1] < BIG:
                    npairs += 1
            else:
                where[x] = i
    return max_dur[(seq[0] - 2 * R) >> 1], npairs


@njit(cache=True)
def earliest(P, seq, n, B, where):
    """Least start times of ``seq[:n]`` into ``B``; False when no schedule exists."""
    T, svc, e, l, lim = P.T, P.svc, P.e, P.l, P.lim
    tmax, npairs = _prologue(P, seq, n, B, where, e)
    for _ in range(n + 1):
        prev = B[0]
        px = seq[0]
        for i in range(1, n):
            x = seq[i]
            t = prev + svc[px] + T[px, x]
            if t < B[i]:
                t = B[i]
            elif t > l[x]:
                return False
            B[i] = t
            prev = t
            px = x
        changed = False
        if npairs > 0:
            for i in range(1, n - 1):
                x = seq[i]
                if x & 1:
                    lm = lim[x >> 1]
                    if lm < BIG:
                        pi = where[x - 1]
                        need = B[i] - lm
                        if need > B[pi]:
                            if need > l[seq[pi]]:
                                return False
                            B[pi] = need
                            changed = True
        if tmax < BIG:
            need = B[n - 1] - tmax
            if need > B[0]:
                if need > l[seq[0]]:
                    return False
                B[0] = need
                changed = True
        if not changed:
            return True
    return False


@njit(cache=True)
def latest(P, seq, n, B, where, end_cap):
    """Greatest start times of ``seq[:n]`` (the end no later than ``end_cap``) into ``B``."""
    T, svc, e, l, lim = P.T, P.svc, P.e, P.l, P.lim
    tmax, npairs = _prologue(P, seq, n, B, where, l)
    if end_cap < B[n - 1]:
        B[n - 1] = end_cap
    for _ in range(n + 1):
        nxt = B[n - 1]
        nx = seq[n - 1]
        for i in range(n - 2, -1, -1):
            x = seq[i]
            t = nxt - svc[x] - T[x, nx]
            if t > B[i]:
                t = B[i]
            elif t < e[x]:
                return False
            B[i] = t
            nxt = t
            nx = x
        changed = False
        if npairs > 0:
            for i in range(1, n - 1):
                x = seq[i]
                if x & 1:
                    lm = lim[x >> 1]
                    if lm < BIG:
                        pi = where[x - 1]
                        cap = B[pi] + lm
                        if cap < B[i]:
                            if cap < e[x]:
                                return False
                            B[i] = cap
                            changed = True
        if tmax < BIG:
            cap = B[0] + tmax
            if cap < B[n - 1]:
                if cap < e[seq[n - 1]]:
                    return False
                B[n - 1] = cap
                changed = True
        if not changed:
            return True
    return False


@njit(cache=True)
def refresh(P, st, v, where):
    """Recompute vehicle ``v``'s times, loads and length from its stop order; False if infeasible."""
    D, seats, wch, pa_need = P.D, P.seats, P.wch, P.pa_need
    seq, m, E, L, ls, lw, dist, npa = st.seq, st.m, st.E, st.L, st.ls, st.lw, st.dist, st.npa
    n = m[v]
    s = seq[v]
    if not earliest(P, s, n, E[v], where):
        return False
    if not latest(P, s, n, L[v], where, BIG):
        return False
    a = 0
    b = 0
    d = 0
    pa = 0
    top_s = 0
    top_w = 0
    for i in range(n):
        x = s[i]
        a += seats[x]
        b += wch[x]
        ls[v, i] = a
        lw[v, i] = b
        top_s = max(top_s, a)
        top_w = max(top_w, b)
        if i > 0:
            d += D[s[i - 1], x]
            if 0 < i < n - 1 and not x & 1:
                pa += pa_need[x >> 1]
    dist[v] = d
    npa[v] = pa
    return layout_for(P, v, top_s, top_w, pa > 0) >= 0


@njit(cache=True)
def layout_for(P, v, top_s, top_w, assistant):
    """The first layout of vehicle ``v`` with room for these peak loads; -1 when none."""
    lay_s, lay_w, nlay = P.lay_s, P.lay_w, P.nlay
    extra = ASSISTANT_SEATS if assistant else 0
    for h in range(nlay[v]):
        if top_s + extra <= lay_s[v, h] and top_w <= lay_w[v, h]:
            return h
    return -1


@njit(cache=True)
def route_cost(P, st, v):
    """Vehicle ``v``'s daily cost in millipence (0 when unused): mileage, fixed cost, assistant."""
    cpk, fixed, pa_cost = P.cpk, P.fixed, P.pa_cost
    m, dist, npa = st.m, st.dist, st.npa
    if m[v] <= 2:
        return 0
    return dist[v] * cpk[v] + fixed[v] + (pa_cost[v] if npa[v] > 0 else 0)


@njit(cache=True)
def total_cost(P, st):
    c = 0
    for v in range(st.m.shape[0]):
        c += route_cost(P, st, v)
    return c


@njit(cache=True)
def copy_state(src, dst):
    dst.seq[:, :] = src.seq
    dst.m[:] = src.m
    dst.E[:, :] = src.E
    dst.L[:, :] = src.L
    dst.ls[:, :] = src.ls
    dst.lw[:, :] = src.lw
    dst.dist[:] = src.dist
    dst.bank[:] = src.bank
    dst.nbank[:] = src.nbank
    dst.rr[:] = src.rr
    dst.npa[:] = src.npa


# --------------------------------------------------------------------------- insertion
# Every function reads the record fields it needs into locals on entry: there numba's reads
# are cheap, while a read after a branch or inside a loop costs far more (measured: 3x slower
# route_cost, 5-14x slower best_insertion).

@njit(cache=True)
def best_insertion(P, st, k, v, ws):
    """Cheapest feasible insertion of request ``k`` into vehicle ``v``: (cost, i, j) with the
    pickup after position ``i`` and the delivery after position ``j`` of the current order
    (``j == i``: straight after the pickup); cost ``BIG`` when there is none.

    Loads are checked against the vehicle's layouts with the peaks outside the pickup-delivery
    span taken from prefix and suffix maxima (``aux``), so the check is exact.

    One function on purpose: split into helpers that take the problem, state and workspace
    records it ran 15-30 % slower in numba's compiled code (each call passes the records'
    arrays by value), and it is the search's innermost loop."""
    T, D, e, l, svc, seats, wch, lim = P.T, P.D, P.e, P.l, P.svc, P.seats, P.wch, P.lim
    cpk, fixed, exact, pa_need, pa_cost, solo, incomp = P.cpk, P.fixed, P.exact, P.pa_need, P.pa_cost, P.solo, P.incomp
    flags, old, dpen = P.flags, P.old, P.dpen
    seq, m, E, L, ls, lw, npa = st.seq, st.m, st.E, st.L, st.ls, st.lw, st.npa
    tmp, tmpB, where, cbuf, ibuf, jbuf, aux = ws.tmp, ws.tmpB, ws.where, ws.cbuf, ws.ibuf, ws.jbuf, ws.aux
    n = m[v]
    s = seq[v]
    if flags[1]:
        for i in range(1, n - 1):
            x = s[i]
            if not x & 1 and incomp[k, x >> 1]:
                return BIG, -1, -1
    Ev = E[v]
    Lv = L[v]
    lsv = ls[v]
    lwv = lw[v]
    p = 2 * k
    d = p + 1
    q = seats[p]
    w = wch[p]
    assistant = npa[v] > 0 or pa_need[k] > 0
    lm = lim[k]
    sp = svc[p]
    sd = svc[d]
    ep = e[p]
    lp = l[p]
    ed = e[d]
    ld = l[d]
    alone = flags[0] and solo[k] > 0
    # prefix maxima (before position i) and suffix maxima (from position j) of the loads;
    # with solo travellers: children on board, and whether a solo traveller is on board
    pre_s, pre_w, suf_s, suf_w, occ, son = aux[0], aux[1], aux[2], aux[3], aux[4], aux[5]
    pre_s[0] = 0
    pre_w[0] = 0
    for i in range(1, n):
        pre_s[i] = max(pre_s[i - 1], lsv[i - 1])
        pre_w[i] = max(pre_w[i - 1], lwv[i - 1])
    suf_s[n] = 0
    suf_w[n] = 0
    for i in range(n - 1, -1, -1):
        suf_s[i] = max(suf_s[i + 1], lsv[i])
        suf_w[i] = max(suf_w[i + 1], lwv[i])
    if flags[0]:
        c = 0
        g = 0
        for i in range(n):
            x = s[i]
            if 0 < i < n - 1:
                kk = x >> 1
                sign = -1 if x & 1 else 1
                c += sign
                g += sign * solo[kk]
            occ[i] = c
            son[i] = g
    ntop = 0
    for i in range(n - 1):
        if flags[0] and ((alone and occ[i] > 0) or (not alone and son[i] > 0)):
            continue
        seg_s = lsv[i] + q
        seg_w = lwv[i] + w
        if layout_for(P, v, seg_s, seg_w, assistant) < 0:
            continue
        a = s[i]
        b = s[i + 1]
        tp = Ev[i] + svc[a] + T[a, p]
        if tp < ep:
            tp = ep
        if tp > lp:
            continue
        # delivery straight after the pickup
        td = tp + sp + T[p, d]
        if td < ed:
            td = ed
        lat = ld - sp - T[p, d]
        if lat > lp:
            lat = lp
        if td <= ld and td - lat <= lm and \
                layout_for(P, v, max(max(pre_s[i], suf_s[i + 1]), seg_s),
                           max(max(pre_w[i], suf_w[i + 1]), seg_w), assistant) >= 0:
            tb = td + sd + T[d, b]
            if tb < Ev[i + 1]:
                tb = Ev[i + 1]
            if tb <= Lv[i + 1]:
                c = D[a, p] + D[p, d] + D[d, b] - D[a, b]
                ntop = _push(cbuf, ibuf, jbuf, ntop, c, i, i, exact)
        # delivery later: propagate the pickup's shift along the route
        t = tp + sp + T[p, b]
        if t < Ev[i + 1]:
            t = Ev[i + 1]
        if t > Lv[i + 1]:
            continue
        cp = D[a, p] + D[p, b] - D[a, b]
        lat = Lv[i + 1] - sp - T[p, b]
        if lat > lp:
            lat = lp
        for j in range(i + 1, n - 1):
            if flags[0] and ((alone and occ[j] > 0) or (not alone and son[j] > 0)):
                break
            seg_s = max(seg_s, lsv[j] + q)
            seg_w = max(seg_w, lwv[j] + w)
            if layout_for(P, v, seg_s, seg_w, assistant) < 0:
                break
            c_ = s[j]
            n2 = s[j + 1]
            td = t + svc[c_] + T[c_, d]
            if td < ed:
                td = ed
            if td <= ld and td - lat <= lm and \
                    layout_for(P, v, max(max(pre_s[i], suf_s[j + 1]), seg_s),
                               max(max(pre_w[i], suf_w[j + 1]), seg_w), assistant) >= 0:
                tb = td + sd + T[d, n2]
                if tb < Ev[j + 1]:
                    tb = Ev[j + 1]
                if tb <= Lv[j + 1]:
                    c = cp + D[c_, d] + D[d, n2] - D[c_, n2]
                    ntop = _push(cbuf, ibuf, jbuf, ntop, c, i, j, exact)
            t2 = t + svc[c_] + T[c_, n2]
            if t2 <= Ev[j + 1]:
                t2 = Ev[j + 1]
            if t2 > Lv[j + 1]:
                break
            t = t2
    if ntop == 0:
        return BIG, -1, -1
    extra = fixed[v] if n <= 2 else 0
    if pa_need[k] > 0 and npa[v] == 0:
        extra += pa_cost[v]
    if dpen > 0 and old[k] >= 0 and _spreads(P, st, k, v):
        extra += dpen
    if not exact:
        return cbuf[0] * cpk[v] + extra, ibuf[0], jbuf[0]
    for h in range(ntop):
        i = ibuf[h]
        j = jbuf[h]
        _splice(s, n, p, i, j, tmp)
        if earliest(P, tmp, n + 2, tmpB, where):
            return cbuf[h] * cpk[v] + extra, i, j
    return BIG, -1, -1


@njit(cache=True)
def _spreads(P, st, k, v):
    """Whether putting ``k`` on ``v`` spreads its current route's children over one more vehicle."""
    old, onext = P.old, P.onext
    seq, m, rr = st.seq, st.m, st.rr
    o = old[k]
    for i in range(1, m[v] - 1):
        x = seq[v, i]
        if not x & 1 and old[x >> 1] == o:
            return False
    x = onext[k]
    while x >= 0 and x != k:
        if rr[x] >= 0:
            return True
        x = onext[x]
    return False


@njit(cache=True)
def _push(cbuf, ibuf, jbuf, ntop, c, i, j, keep_many):
    """Keep the ``TOP`` cheapest candidates sorted (only the cheapest unless ``keep_many``)."""
    cap = cbuf.shape[0] if keep_many else 1
    if ntop == cap and c >= cbuf[ntop - 1]:
        return ntop
    h = ntop if ntop < cap else cap - 1
    while h > 0 and cbuf[h - 1] > c:
        if h < cap:
            cbuf[h] = cbuf[h - 1]
            ibuf[h] = ibuf[h - 1]
            jbuf[h] = jbuf[h - 1]
        h -= 1
    cbuf[h] = c
    ibuf[h] = i
    jbuf[h] = j
    return ntop + 1 if ntop < cap else ntop


@njit(cache=True)
def _splice(s, n, p, i, j, out):
    """``s[:n]`` with node ``p`` after position ``i`` and ``p + 1`` after position ``j``."""
    h = 0
    for x in range(n):
        out[h] = s[x]
        h += 1
        if x == i:
            out[h] = p
            h += 1
        if x == j:
            out[h] = p + 1
            h += 1


@njit(cache=True)
def apply_insertion(P, st, k, v, i, j, tmp, where):
    """Insert request ``k`` on ``v`` (pickup after position ``i``, delivery after ``j``); False if infeasible."""
    seq, m, rr = st.seq, st.m, st.rr
    n = m[v]
    _splice(seq[v], n, 2 * k, i, j, tmp)
    seq[v, :n + 2] = tmp[:n + 2]
    m[v] = n + 2
    rr[k] = v
    return refresh(P, st, v, where)


@njit(cache=True)
def _candidate_vehicles(P, st, allow_new, out):
    """Vehicles a request may go to: every used one, and the first unused one of each type."""
    vtype = P.vtype
    m = st.m
    V = m.shape[0]
    # indexed by type: a county sub-problem lists more types (most of them empty) than vehicles
    seen = np.zeros(vtype.max() + 1 if V > 0 else 1, dtype=np.bool_)
    c = 0
    for v in range(V):
        if m[v] > 2:
            out[c] = v
            c += 1
        elif allow_new and not seen[vtype[v]]:
            seen[vtype[v]] = True
            out[c] = v
            c += 1
    return c


@njit(cache=True)
def _bank_unit(P, st, k):
    """Put request ``k`` and its travel-group mates (none of them routed) in the bank."""
    gnext = P.gnext
    bank, nbank, rr = st.bank, st.nbank, st.rr
    x = k
    while True:
        bank[nbank[0]] = x
        nbank[0] += 1
        rr[x] = -1
        x = gnext[x]
        if x < 0 or x == k:
            return


@njit(cache=True)
def _place(P, st, k, v, i, j, ws):
    """Insert ``k`` at (``i``, ``j``) on ``v``, then its travel-group mates on ``v`` at their
    cheapest places; if a mate fits nowhere there, the whole group goes to the bank.
    Returns 0 placed, 1 banked, -1 a route broke."""
    gnext, R = P.gnext, P.R
    tmp, where = ws.tmp, ws.where
    if not apply_insertion(P, st, k, v, i, j, tmp, where):
        return -1
    if gnext[k] < 0:
        return 0
    x = gnext[k]
    while x != k:
        cost, i2, j2 = best_insertion(P, st, x, v, ws)
        if cost >= BIG:
            members = np.empty(R, dtype=np.int64)
            nm = 0
            y = k
            while True:
                members[nm] = y
                nm += 1
                y = gnext[y]
                if y == k:
                    break
            if not remove_requests(P, st, members, nm, where):
                return -1
            _bank_unit(P, st, k)
            return 1
        if not apply_insertion(P, st, x, v, i2, j2, tmp, where):
            return -1
        x = gnext[x]
    return 0


@njit(cache=True)
def insert_all(P, st, todo, nt, regret, allow_new, noise, order_key, ws):
    """Insert requests ``todo[:nt]`` (greedy in ``order_key`` order when ``regret`` is 1, else
    regret-k); the ones that fit nowhere go to the bank. A travel group is placed through its
    leader. False when a route broke."""
    m, cand, bc, bi, bj = st.m, ws.cand, ws.bc, ws.bi, ws.bj
    glead = P.glead
    V = m.shape[0]
    if regret <= 1:
        order = np.argsort(order_key[:nt])
        for h in range(nt):
            k = todo[order[h]]
            if glead[k] != k:
                continue
            nc = _candidate_vehicles(P, st, allow_new, cand)
            best = BIG * 1.0
            bv = -1
            b_i = -1
            b_j = -1
            for c in range(nc):
                v = cand[c]
                cost, i, j = best_insertion(P, st, k, v, ws)
                if cost >= BIG:
                    continue
                fc = cost + noise * (2.0 * np.random.random() - 1.0)
                if fc < best:
                    best = fc
                    bv = v
                    b_i = i
                    b_j = j
            if bv < 0:
                _bank_unit(P, st, k)
            elif _place(P, st, k, bv, b_i, b_j, ws) < 0:
                return False
        return True
    # regret-k with a (request x vehicle) cache; only the changed vehicle's column is redone
    left = np.empty(nt, dtype=np.int64)
    nl = 0
    for h in range(nt):
        if glead[todo[h]] == todo[h]:
            left[nl] = todo[h]
            nl += 1
    bc[:nl, :] = BIG
    valid = np.zeros(V, dtype=np.bool_)
    while nl > 0:
        nc = _candidate_vehicles(P, st, allow_new, cand)
        for c in range(nc):
            v = cand[c]
            if not valid[v]:
                for h in range(nl):
                    cost, i, j = best_insertion(P, st, left[h], v, ws)
                    if cost < BIG and noise > 0:
                        cost = cost + int(noise * (2.0 * np.random.random() - 1.0))
                    bc[h, v] = cost
                    bi[h, v] = i
                    bj[h, v] = j
                valid[v] = True
        pick = -1
        pick_v = -1
        best_score = -1.0
        for h in range(nl):
            # the three cheapest vehicles in one pass (regret is 2 or 3)
            c1 = BIG
            c2 = BIG
            c3 = BIG
            v1 = -1
            for c in range(nc):
                v = cand[c]
                x = bc[h, v]
                if x < c1:
                    c1, c2, c3 = x, c1, c2
                    v1 = v
                elif x < c2:
                    c2, c3 = x, c2
                elif x < c3:
                    c3 = x
            if v1 < 0:
                continue
            score = (c2 - c1) if c2 < BIG else 1e15
            if regret >= 3:
                score += (c3 - c1) if c3 < BIG else 1e15
            score = score * 4.0 - c1 * 1e-9
            if score > best_score:
                best_score = score
                pick = h
                pick_v = v1
        if pick < 0:
            for h in range(nl):
                _bank_unit(P, st, left[h])
            return True
        k = left[pick]
        was_new = m[pick_v] <= 2
        if _place(P, st, k, pick_v, bi[pick, pick_v], bj[pick, pick_v], ws) < 0:
            return False
        nl -= 1
        left[pick] = left[nl]
        bc[pick, :] = bc[nl, :]
        bi[pick, :] = bi[nl, :]
        bj[pick, :] = bj[nl, :]
        valid[pick_v] = False
        if was_new:
            for v in range(V):
                if m[v] <= 2:
                    valid[v] = False
    return True


# --------------------------------------------------------------------------- removal

@njit(cache=True)
def remove_requests(P, st, ks, nk, where):
    """Take requests ``ks[:nk]`` off their vehicles (not into the bank). False if a route broke."""
    R = P.R
    seq, m, rr = st.seq, st.m, st.rr
    V = m.shape[0]
    touched = np.zeros(V, dtype=np.bool_)
    gone = np.zeros(2 * R, dtype=np.bool_)
    for h in range(nk):
        k = ks[h]
        v = rr[k]
        if v >= 0:
            touched[v] = True
            gone[2 * k] = True
            gone[2 * k + 1] = True
            rr[k] = -1
    for v in range(V):
        if touched[v]:
            n = m[v]
            c = 1
            for i in range(1, n - 1):
                x = seq[v, i]
                if not gone[x]:
                    seq[v, c] = x
                    c += 1
            seq[v, c] = seq[v, n - 1]
            m[v] = c + 1
            if not refresh(P, st, v, where):
                return False
    return True


@njit(cache=True)
def _skewed_pick(pool, npool, q, skew, out):
    """Take up to ``q`` of ``pool[:npool]`` (best first) into ``out``, each at position
    ``int(u**skew * n)`` of what is left (u uniform): the larger ``skew``, the more the pick
    favours the front. Returns how many were taken."""
    c = 0
    while c < q and npool > 0:
        h = int(np.random.random() ** skew * npool)
        out[c] = pool[h]
        c += 1
        for g in range(h, npool - 1):
            pool[g] = pool[g + 1]
        npool -= 1
    return c


@njit(cache=True)
def remove_random(P, st, routed, nr, q, rel, out):
    """Random removal: ``q`` routed requests drawn uniformly."""
    perm = np.random.permutation(nr)
    for h in range(q):
        out[h] = routed[perm[h]]
    return q


@njit(cache=True)
def remove_related(P, st, routed, nr, q, rel, out):
    """Related removal (Shaw): neighbours of a random routed request, skewed to the closest."""
    R = P.R
    rr = st.rr
    row = rel[routed[np.random.randint(nr)]]
    pool = np.empty(R, dtype=np.int64)
    npool = 0
    for h in range(R):
        k = row[h]
        if rr[k] >= 0:
            pool[npool] = k
            npool += 1
    return _skewed_pick(pool, npool, q, RELATED_SKEW, out)


@njit(cache=True)
def remove_worst(P, st, routed, nr, q, rel, out):
    """Worst removal: the requests whose stops cost most to visit, skewed to the largest saving."""
    D, cpk = P.D, P.cpk
    seq, m, rr = st.seq, st.m, st.rr
    save = np.empty(nr, dtype=np.float64)
    for h in range(nr):
        k = routed[h]
        v = rr[k]
        s = seq[v]
        total = 0
        for i in range(1, m[v] - 1):
            x = s[i]
            if (x >> 1) == k:
                total += D[s[i - 1], x] + D[x, s[i + 1]] - D[s[i - 1], s[i + 1]]
        save[h] = -total * cpk[v]
    pool = routed[np.argsort(save)]
    return _skewed_pick(pool, nr, q, WORST_SKEW, out)


@njit(cache=True)
def remove_strings(P, st, routed, nr, q, rel, out):
    """String removal (Christiaens & Vanden Berghe 2020, SISR): cut a run of consecutive stops out
    of a few routes near a seed request; every request with a stop in a run is removed."""
    R = P.R
    seq, m, rr = st.seq, st.m, st.rr
    V = m.shape[0]
    taken = np.zeros(R, dtype=np.bool_)
    c = 0
    nused = 0
    stops = 0
    for v in range(V):
        if m[v] > 2:
            nused += 1
            stops += m[v] - 2
    lmax = min(MAX_STRING, stops / max(1, nused))
    ks_max = 4.0 * q / (1.0 + lmax) - 1.0
    n_routes = int(np.random.random() * ks_max) + 1
    ruined = np.zeros(V, dtype=np.bool_)
    row = rel[routed[np.random.randint(nr)]]
    done = 0
    for h in range(R):
        k = row[h]
        v = rr[k]
        if v < 0 or ruined[v]:
            continue
        n = m[v] - 2
        length = int(np.random.random() * min(lmax, n)) + 1
        # position of k's pickup among the stops 1..n
        pos = 1
        for i in range(1, n + 1):
            if seq[v, i] == 2 * k:
                pos = i
                break
        lo = pos - int(np.random.random() * length)
        if lo < 1:
            lo = 1
        if lo + length - 1 > n:
            lo = max(1, n - length + 1)
        for i in range(lo, lo + length):
            kk = seq[v, i] >> 1
            if not taken[kk] and c < R:
                taken[kk] = True
                out[c] = kk
                c += 1
        ruined[v] = True
        done += 1
        if done >= n_routes or c >= q * 2:
            break
    return c


@njit(cache=True)
def choose_removals(P, st, op, q, rel, out):
    """Pick ``q`` routed requests to remove with removal operator ``op`` (see ``REMOVERS``); returns how many."""
    R = P.R
    rr = st.rr
    routed = np.empty(R, dtype=np.int64)
    nr = 0
    for k in range(R):
        if rr[k] >= 0:
            routed[nr] = k
            nr += 1
    if nr == 0:
        return 0
    if q > nr:
        q = nr
    if op == 0:
        return remove_random(P, st, routed, nr, q, rel, out)
    if op == 1:
        return remove_related(P, st, routed, nr, q, rel, out)
    if op == 2:
        return remove_worst(P, st, routed, nr, q, rel, out)
    return remove_strings(P, st, routed, nr, q, rel, out)


# --------------------------------------------------------------------------- the search loop

@njit(cache=True)
def _with_mates(P, ks, nk, mark):
    """Extend ``ks[:nk]`` with every travel-group mate of its requests; returns the new count."""
    gnext = P.gnext
    for h in range(nk):
        mark[ks[h]] = True
    c = nk
    for h in range(nk):
        x = gnext[ks[h]]
        while x >= 0 and x != ks[h]:
            if not mark[x]:
                mark[x] = True
                ks[c] = x
                c += 1
            x = gnext[x]
    for h in range(c):
        mark[ks[h]] = False
    return c


@njit(cache=True)
def spread(P, st):
    """Extra vehicles the current routes' children are spread over (the rerun's disruption):
    distinct (vehicle, current route) pairs minus distinct current routes, over routed children."""
    old, R = P.old, P.R
    seq, m = st.seq, st.m
    stamp = np.full(R + 1, -1, dtype=np.int64)
    seen = np.zeros(R + 1, dtype=np.bool_)
    pairs = 0
    groups = 0
    for v in range(m.shape[0]):
        for i in range(1, m[v] - 1):
            x = seq[v, i]
            if x & 1:
                continue
            o = old[x >> 1]
            if o < 0:
                continue
            if stamp[o] != v:
                stamp[o] = v
                pairs += 1
            if not seen[o]:
                seen[o] = True
                groups += 1
    return pairs - groups


@njit(cache=True)
def objective(P, st, penalty):
    dpen, nbank = P.dpen, st.nbank
    c = total_cost(P, st) + penalty * nbank[0]
    if dpen > 0:
        c += dpen * spread(P, st)
    return c


@njit(cache=True)
def seed(s):
    np.random.seed(s)


@njit(cache=True)
def _roulette(wts):
    total = 0.0
    for x in wts:
        total += x
    r = np.random.random() * total
    for h in range(wts.shape[0]):
        r -= wts[h]
        if r <= 0:
            return h
    return wts.shape[0] - 1


@njit(cache=True)
def run_chunk(P, cur, best, work, ws, rel, cfg, ops, absence, out):
    """``cfg.iters`` ruin-and-recreate iterations from ``cur`` (see :data:`Settings`); keeps ``best``.

    ``out`` = [current objective, best objective, improvements, iterations done,
    current bank size, best bank size]. In ``cfg.fleet_mode`` (route elimination: no new
    vehicles) a candidate is accepted when it banks fewer requests, or as many with a lower
    sum of ``absence`` counts (how often each has been left out), as in SISR's fleet
    minimisation; otherwise simulated annealing on ``objective`` at temperature ``cfg.temp``.
    Operator weights adapt from their scores (``ops``, Ropke & Pisinger).
    """
    R = P.R
    iters, temp, penalty, allow_new, fleet_mode, qlo, qhi, noise = cfg
    wr, wi = ops.wr, ops.wi
    cur_bank, best_bank, work_bank = cur.nbank, best.nbank, work.nbank
    todo = np.empty(R, dtype=np.int64)
    mark = np.zeros(R, dtype=np.bool_)
    key = np.empty(R, dtype=np.float64)
    cur_obj = objective(P, cur, penalty)
    best_obj = objective(P, best, penalty)
    cur_abs = _absence_of(cur, absence)
    done = 0
    for it in range(iters):
        done += 1
        copy_state(cur, work)
        q = qlo + np.random.randint(qhi - qlo + 1)
        op_r = _roulette(wr)
        op_i = _roulette(wi)
        nt = _ruin(P, work, ws, rel, op_r, q, todo, mark)
        if nt < 0:
            continue
        _order_keys(P, todo, nt, absence, fleet_mode, key)
        use_noise = noise if np.random.random() < 1.0 - NOISE_SKIP else 0.0
        if not insert_all(P, work, todo, nt, op_i + 1, allow_new, use_noise, key, ws):
            continue
        obj = objective(P, work, penalty)
        if fleet_mode:
            w_abs = _absence_of(work, absence)
            accepted = _fleet_accepts(work_bank[0], cur_bank[0], w_abs, cur_abs, obj, cur_obj)
            if accepted:
                cur_abs = w_abs
            _count_absences(work, absence)
        else:
            accepted = _anneal_accepts(obj, cur_obj, temp)
        score = 0.0
        if accepted:
            score = SCORE_BETTER if obj < cur_obj else SCORE_ACCEPTED
            copy_state(work, cur)
            cur_obj = obj
            if (cur_bank[0] < best_bank[0]) or (cur_bank[0] == best_bank[0] and obj < best_obj):
                copy_state(cur, best)
                best_obj = obj
                out[2] += 1
                score = SCORE_NEW_BEST
        _credit(ops, op_r, op_i, score)
        if fleet_mode and best_bank[0] == 0:
            break
    out[0] = cur_obj
    out[1] = best_obj
    out[3] = done
    out[4] = cur_bank[0]
    out[5] = best_bank[0]


@njit(cache=True)
def _ruin(P, work, ws, rel, op, q, todo, mark):
    """Remove about ``q`` requests with removal operator ``op`` (with their travel-group mates)
    and empty the bank into ``todo`` after them; returns how many to reinsert, -1 if a route broke."""
    flags, where, bank, nbank = P.flags, ws.where, work.bank, work.nbank
    nk = choose_removals(P, work, op, q, rel, todo)
    if flags[2] > 0:
        nk = _with_mates(P, todo, nk, mark)
    if not remove_requests(P, work, todo, nk, where):
        return -1
    nb = nbank[0]
    for h in range(nb):
        todo[nk + h] = bank[h]
    nbank[0] = 0
    return nk + nb


@njit(cache=True)
def _order_keys(P, todo, nt, absence, fleet_mode, key):
    """Greedy insertion order keys for ``todo[:nt]``: random, earliest pickup window, or most often
    left out first (always the last in route elimination)."""
    e = P.e
    sort_how = np.random.randint(3)
    for h in range(nt):
        k = todo[h]
        if fleet_mode or sort_how == 2:
            key[h] = -absence[k] - np.random.random()
        elif sort_how == 1:
            key[h] = e[2 * k] + np.random.random()
        else:
            key[h] = np.random.random()


@njit(cache=True)
def _absence_of(st, absence):
    """How often the requests now in the bank have been left out, summed."""
    bank, nbank = st.bank, st.nbank
    total = 0
    for h in range(nbank[0]):
        total += absence[bank[h]]
    return total


@njit(cache=True)
def _count_absences(st, absence):
    """One more absence for each request now in the bank."""
    bank, nbank = st.bank, st.nbank
    for h in range(nbank[0]):
        absence[bank[h]] += 1


@njit(cache=True)
def _fleet_accepts(nb, nc, w_abs, cur_abs, obj, cur_obj):
    """Route elimination: fewer banked (``nb`` against ``nc``), or as many that were left out less
    often, or as many as often and cheaper."""
    return nb < nc or (nb == nc and w_abs < cur_abs) or (nb == nc and w_abs == cur_abs and obj < cur_obj)


@njit(cache=True)
def _anneal_accepts(obj, cur_obj, temp):
    """Simulated annealing: always when better, else with probability ``exp(-worsening / temp)``."""
    if obj < cur_obj:
        return True
    return temp > 0 and np.random.random() < np.exp(-(obj - cur_obj) / temp)


@njit(cache=True)
def _credit(ops, op_r, op_i, score):
    """Add an iteration's score to the operators it used."""
    sr, si, nr, ni = ops.sr, ops.si, ops.nr, ops.ni
    sr[op_r] += score
    si[op_i] += score
    nr[op_r] += 1
    ni[op_i] += 1


@njit(cache=True)
def adapt(w, s, n, reaction):
    """Segment end: blend each operator's mean score into its weight."""
    for h in range(w.shape[0]):
        if n[h] > 0:
            w[h] = max(MIN_WEIGHT, (1 - reaction) * w[h] + reaction * s[h] / n[h])
        s[h] = 0.0
        n[h] = 0
