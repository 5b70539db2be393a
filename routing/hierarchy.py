"""A contraction hierarchy over exact integer weights, and one-to-many sweeps over it (PHAST).

Built for the county drive matrices: thousands of origins, each needing the cost to thousands of
points spread over the whole network, so every search would settle nearly every node. Nodes are
contracted one at a time (least edge difference plus contracted neighbours first, scores
updated lazily when a node comes out of the queue); a shortcut ``u -> w`` is
added whenever a bounded witness search finds no path from ``u`` to ``w`` avoiding the contracted
node at most as cheap as the path through it (a search cut short adds the shortcut: more edges,
never a wrong cost). A row is then one upward search from the origin followed by one sweep down
the nodes in reverse contraction order (Delling et al., "PHAST: Hardware-accelerated shortest
path trees", 2011): linear in the graph, no priority queue, about ten times cheaper than a
Dijkstra over the same network. A column (every origin to a few destinations) is the same on
the reversed hierarchy: its upward edges are the downward ones turned round, and vice versa.

Weights are int64 (the drive weight: whole ms * 2**25 + cm), so every sum is exact and the costs
are those of any exact Dijkstra: the same fastest route's time and distance to the last digit.
The compiled code is numba (as ``routing.lns_core``); no library on the package index keeps
64-bit weights in its hierarchy (RoutingKit's CCH is 32-bit, pandana scales float impedances to
integers, fast-paths answers pairs one at a time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

INF = np.int64(1 << 62)
"""Cost of an unreached node; weights stay below 2**53, so INF + weight cannot overflow."""


@njit(cache=True)
def _push(hk, hv, size, key, val):
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(cache=True)
def _pop(hk, hv, size):
    """Drop the top entry (read hk[0], hv[0] first); the new size."""
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hv[c], hv[i] = hv[i], hv[c]
        i = c
    return size


@njit(cache=True)
def _add_edge(a, b, w, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne):
    """Edge a -> b of weight w, or lower the weight of the existing one; the new edge count
    (-1 when the arrays are full)."""
    e = out_head[a]
    while e >= 0:
        if e_to[e] == b:
            e_w[e] = min(e_w[e], w)
            return ne
        e = out_next[e]
    if ne >= len(e_from):
        return -1
    e_from[ne] = a
    e_to[ne] = b
    e_w[ne] = w
    out_next[ne] = out_head[a]
    out_head[a] = ne
    in_next[ne] = in_head[b]
    in_head[b] = ne
    return ne + 1


@njit(cache=True)
def _shortcuts(v, add, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne, done,
               dist, touched, hk, hv, nbr, nbr_w, settle_limit):
    """Shortcuts needed to contract ``v`` (added when ``add``); returns (count, edge count,
    in-degree + out-degree). Edge count -1: out of edge space."""
    n_out = 0
    e = out_head[v]
    while e >= 0:
        w = e_to[e]
        if not done[w] and w != v:
            nbr[n_out] = w
            nbr_w[n_out] = e_w[e]
            n_out += 1
        e = out_next[e]
    degree = n_out
    count = 0
    e_in = in_head[v]
    while e_in >= 0:
        u = e_from[e_in]
        a = e_w[e_in]
        e_in = in_next[e_in]
        if done[u] or u == v:
            continue
        degree += 1
        limit = np.int64(-1)
        for k in range(n_out):
            if nbr[k] != u and a + nbr_w[k] > limit:
                limit = a + nbr_w[k]
        if limit < 0:
            continue
        # witness search from u avoiding v, up to the dearest path through v
        n_touched = 0
        dist[u] = 0
        touched[n_touched] = u
        n_touched += 1
        size = _push(hk, hv, 0, np.int64(0), u)
        settled = 0
        while size > 0:
            d = hk[0]
            x = hv[0]
            size = _pop(hk, hv, size)
            if d > dist[x]:
                continue
            if d > limit or settled >= settle_limit:
                break
            settled += 1
            f = out_head[x]
            while f >= 0:
                y = e_to[f]
                if not done[y] and y != v:
                    nd = d + e_w[f]
                    if nd < dist[y]:
                        if dist[y] == INF:
                            touched[n_touched] = y
                            n_touched += 1
                        dist[y] = nd
                        size = _push(hk, hv, size, nd, y)
                f = out_next[f]
        for k in range(n_out):
            w = nbr[k]
            if w == u:
                continue
            via = a + nbr_w[k]
            if dist[w] > via:
                count += 1
                if add:
                    ne = _add_edge(u, w, via, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne)
                    if ne < 0:
                        return count, ne, degree
        for k in range(n_touched):
            dist[touched[k]] = INF
    return count, ne, degree


@njit(cache=True)
def _contract(n, eu, ev, ew, capacity, settle_limit):
    """Contract every node; (rank per node, edge from, to, weight) or a rank of -1 entries when
    ``capacity`` edges were not enough."""
    e_from = np.empty(capacity, np.int64)
    e_to = np.empty(capacity, np.int64)
    e_w = np.empty(capacity, np.int64)
    out_next = np.empty(capacity, np.int64)
    in_next = np.empty(capacity, np.int64)
    out_head = np.full(n, -1, np.int64)
    in_head = np.full(n, -1, np.int64)
    ne = 0
    for k in range(len(eu)):
        if eu[k] != ev[k]:
            ne = _add_edge(eu[k], ev[k], ew[k], e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne)
    done = np.zeros(n, np.bool_)
    deleted = np.zeros(n, np.int64)
    rank = np.full(n, -1, np.int64)
    prio = np.zeros(n, np.int64)
    dist = np.full(n, INF, np.int64)
    touched = np.empty(n, np.int64)
    hk = np.empty(capacity + 1, np.int64)
    hv = np.empty(capacity + 1, np.int64)
    nbr = np.empty(n, np.int64)
    nbr_w = np.empty(n, np.int64)
    qk = np.empty(2 * n, np.int64)  # a node is queued at most twice at once: re-scored, then popped
    qv = np.empty(2 * n, np.int64)
    qs = 0
    for v in range(n):
        c, _, deg = _shortcuts(v, False, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne, done,
                               dist, touched, hk, hv, nbr, nbr_w, settle_limit)
        prio[v] = c - deg
        qs = _push(qk, qv, qs, prio[v], v)
    r = 0
    while qs > 0:
        p = qk[0]
        v = qv[0]
        qs = _pop(qk, qv, qs)
        if done[v] or p != prio[v]:
            continue
        c, _, deg = _shortcuts(v, False, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne, done,
                               dist, touched, hk, hv, nbr, nbr_w, settle_limit)
        p_now = c - deg + deleted[v]
        if qs > 0 and p_now > qk[0]:
            prio[v] = p_now
            qs = _push(qk, qv, qs, p_now, v)
            continue
        c, ne, deg = _shortcuts(v, True, e_from, e_to, e_w, out_head, out_next, in_head, in_next, ne, done,
                                dist, touched, hk, hv, nbr, nbr_w, settle_limit)
        if ne < 0:
            return rank, e_from[:0], e_to[:0], e_w[:0]
        done[v] = True
        rank[v] = r
        r += 1
        for side in range(2):  # neighbours move up the queue lazily: re-scored when they come out
            e = out_head[v] if side == 0 else in_head[v]
            while e >= 0:
                deleted[e_to[e] if side == 0 else e_from[e]] += 1
                e = out_next[e] if side == 0 else in_next[e]
    return rank, e_from[:ne].copy(), e_to[:ne].copy(), e_w[:ne].copy()


@njit(cache=True)
def _rows(up_ptr, up_to, up_w, dn_ptr, dn_from, dn_w, src_ptr, src_node, src_w, tgt_ptr, tgt_node, tgt_w, out):
    """Costs from each source (its nodes and the costs to reach them) to each target (its nodes
    and the costs from them) into ``out`` (float64, inf where unreachable)."""
    n = len(up_ptr) - 1
    d = np.empty(n, np.int64)
    hk = np.empty(len(up_to) + len(src_node) + 1, np.int64)
    hv = np.empty(len(up_to) + len(src_node) + 1, np.int64)
    for i in range(len(src_ptr) - 1):
        d[:] = INF
        size = 0
        for k in range(src_ptr[i], src_ptr[i + 1]):
            x = src_node[k]
            if src_w[k] < d[x]:
                d[x] = src_w[k]
                size = _push(hk, hv, size, src_w[k], x)
        while size > 0:  # upward search
            dx = hk[0]
            x = hv[0]
            size = _pop(hk, hv, size)
            if dx > d[x]:
                continue
            for k in range(up_ptr[x], up_ptr[x + 1]):
                y = up_to[k]
                nd = dx + up_w[k]
                if nd < d[y]:
                    d[y] = nd
                    size = _push(hk, hv, size, nd, y)
        for v in range(n - 1, -1, -1):  # sweep down, highest rank first
            best = d[v]
            for k in range(dn_ptr[v], dn_ptr[v + 1]):
                best = min(best, d[dn_from[k]] + dn_w[k])
            d[v] = best
        for j in range(len(tgt_ptr) - 1):
            best = INF
            for k in range(tgt_ptr[j], tgt_ptr[j + 1]):
                best = min(best, d[tgt_node[k]] + tgt_w[k])
            out[i, j] = np.inf if best >= INF else float(best)


def _csr_of(key: np.ndarray, other: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    order = np.argsort(key, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=n), out=ptr[1:])
    return ptr, np.ascontiguousarray(other[order]), np.ascontiguousarray(w[order])


@dataclass(frozen=True)
class Hierarchy:
    """A contracted graph, nodes renumbered by rank: upward edges by tail, downward edges by head."""

    rank: np.ndarray
    up_ptr: np.ndarray
    up_to: np.ndarray
    up_w: np.ndarray
    dn_ptr: np.ndarray
    dn_from: np.ndarray
    dn_w: np.ndarray

    @property
    def n_edges(self) -> int:
        """Edges of the hierarchy (original and shortcuts)."""
        return len(self.up_to) + len(self.dn_from)

    def costs(self, sources: list[list[tuple[int, int]]], targets: list[list[tuple[int, int]]], *,
              by_target: bool | None = None) -> np.ndarray:
        """Least cost (float64 holding exact integers; inf if none) from each source to each target.
        A source is the (node, cost to reach it) pairs it starts through; a target the (node, cost
        from it) pairs it ends through; node ids are the graph's own. One sweep per source, or
        per target on the reversed hierarchy (``by_target``; default: whichever is fewer)."""
        if by_target is None:
            by_target = len(targets) < len(sources)
        s_ptr, s_node, s_w = self._flat(sources)
        t_ptr, t_node, t_w = self._flat(targets)
        if by_target:  # reversed: upward along reversed downward edges, then down along reversed upward ones
            out = np.empty((len(targets), len(sources)))
            _rows(self.dn_ptr, self.dn_from, self.dn_w, self.up_ptr, self.up_to, self.up_w,
                  t_ptr, t_node, t_w, s_ptr, s_node, s_w, out)
            return np.ascontiguousarray(out.T)
        out = np.empty((len(sources), len(targets)))
        _rows(self.up_ptr, self.up_to, self.up_w, self.dn_ptr, self.dn_from, self.dn_w,
              s_ptr, s_node, s_w, t_ptr, t_node, t_w, out)
        return out

    def _flat(self, ends: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ptr = np.zeros(len(ends) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in ends], out=ptr[1:])
        node = np.fromiter((x for e in ends for x, _ in e), dtype=np.int64, count=int(ptr[-1]))
        w = np.fromiter((c for e in ends for _, c in e), dtype=np.int64, count=int(ptr[-1]))
        return ptr, self.rank[node], w


def contract(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, *, settle_limit: int = 20) -> Hierarchy:
    """The hierarchy of the directed graph of ``n`` nodes and edges ``u -> v`` of int64 weight ``w``
    (non-negative, below 2**53; parallel edges and loops allowed)."""
    u, v, w = (np.ascontiguousarray(a, dtype=np.int64) for a in (u, v, w))
    if len(w) and (w.min() < 0 or w.max() >= 1 << 53):
        raise ValueError("hierarchy weights must be integers in [0, 2**53)")
    capacity = 3 * len(u) + 1024
    while True:
        rank, e_from, e_to, e_w = _contract(n, u, v, w, capacity, settle_limit)
        if (rank >= 0).all():
            break
        capacity *= 2
    a, b = rank[e_from], rank[e_to]
    up = a < b
    return Hierarchy(rank, *_csr_of(a[up], b[up], e_w[up], n), *_csr_of(b[~up], a[~up], e_w[~up], n))
