"""Many-to-many travel matrices (time and distance) in bulk with ``scipy.sparse.csgraph``, or
for large drive matrices over the network's contraction hierarchy (``routing.hierarchy``).

One Dijkstra per distinct network node where an origin joins the graph (not one per pair),
then every origin/destination pair is read off the result with array indexing. On the drive
network the search is by time and the distance is that of the fastest route (accumulated down
the shortest-path tree); on the walk network time is distance at walking pace.

``square_matrix_int32`` builds a large square matrix (a county's locations) in row blocks of
origins: the points are snapped once, and the blocks run on worker processes (forked, so the
network is shared, not copied or pickled) when ``workers`` > 1. Each block is exactly
``compute_matrix`` over its origins, so the result is the same whatever the workers. On a drive
network it sweeps the contraction hierarchy by default: one upward search and one linear pass
per origin instead of a Dijkstra over the whole network (8,296 points on a 106,176-node
network: ~12x less CPU, see docs/county.md), with the same integer sums, so the same matrices.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from routing.hierarchy import Hierarchy
from routing.hierarchy_cache import cached_contract
from routing.network import Network, Snap, _min_csr
from transport.domain.geo import LatLon
from transport.domain.units import WALKING_SPEED_KPH


@dataclass(frozen=True)
class TravelMatrix:
    """Seconds and metres from each origin (row) to each destination (column)."""

    duration_s: np.ndarray
    distance_m: np.ndarray
    mode: str

    @property
    def shape(self) -> tuple[int, int]:
        """(origins, destinations)."""
        return self.duration_s.shape  # type: ignore[return-value]

    def int_duration_s(self) -> np.ndarray:
        """Durations rounded to whole seconds (non-writeable), for the routing core."""
        out = np.rint(self.duration_s).astype(np.int64)
        out.flags.writeable = False
        return out

    def int_distance_m(self) -> np.ndarray:
        """Distances rounded to whole metres (non-writeable), for the routing core."""
        out = np.rint(self.distance_m).astype(np.int64)
        out.flags.writeable = False
        return out

    def unreachable(self) -> list[tuple[int, int]]:
        """(origin, destination) pairs with no route."""
        return [tuple(map(int, p)) for p in np.argwhere(~np.isfinite(self.duration_s))]


LENGTH_BITS = 25
"""Drive searches use the weight ``time_ms * 2**25 + length_cm``: exact integers in float64, so
one Dijkstra finds the fastest route and, among equally fast ones, the shortest, and both
figures decode from the sum. Routes up to 335 km and 74 hours fit."""


def _lexi(time_s: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(time_s) * 1000.0) * float(1 << LENGTH_BITS) + np.rint(np.asarray(length_m) * 100.0)


def _unlexi(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split summed weights back into (seconds, metres); inf stays inf in both."""
    scale = float(1 << LENGTH_BITS)
    t_ms = np.floor(w / scale)
    cm = w - t_ms * scale  # exact for integers below 2**53; inf - inf gives nan
    cm[~np.isfinite(cm)] = np.inf
    t_ms *= 1e-3
    cm *= 1e-2
    return t_ms, cm


def compute_matrix(net: Network, origins: Sequence[LatLon], destinations: Sequence[LatLon] | None = None,
                   *, labels: Sequence[str] | None = None,
                   dest_labels: Sequence[str] | None = None) -> TravelMatrix:
    """Time and distance from every origin to every destination on ``net``.

    Each origin becomes a virtual source joined to the ends of its snapped edge, so one Dijkstra
    per origin answers its whole row; each destination is reached through the ends of its edge.
    Raises ``OutsideNetworkError`` naming the worst point when one cannot be snapped.
    """
    square = destinations is None
    so = net.snap_many(list(origins), labels=labels)
    sd = so if square else net.snap_many(list(destinations), labels=dest_labels)
    return matrix_of_snaps(net, so, sd, square=square)


METHODS = ("auto", "dijkstra", "hierarchy")
"""How drive matrices are searched: one scipy Dijkstra per origin (the oracle), or one sweep per
origin down the network's contraction hierarchy (``routing.hierarchy``; drive only, same values);
``auto``: the hierarchy when this network's is already built (a county's matrices built it),
else Dijkstra (building one costs seconds at county scale: a few searches are cheaper without)."""


def drive_hierarchy(net: Network) -> Hierarchy:
    """The contraction hierarchy of a drive network under the ms+cm weight, built once per network
    (and kept beside the network's cache file, so the next process reads it: routing.hierarchy_cache)."""
    if net.mode != "drive":
        raise ValueError("a hierarchy is built for drive networks only (walk costs are not whole numbers)")
    if net._hierarchy is None:
        w = _lexi(net.weight_of("time"), net.edge_length_m).astype(np.int64)
        net._hierarchy = cached_contract(net._cache_file, net.n_nodes, net.edge_u, net.edge_v, w)
    return net._hierarchy


def matrix_of_snaps(net: Network, so: Sequence[Snap], sd: Sequence[Snap], *, square: bool = False,
                    method: str = "auto") -> TravelMatrix:
    """``compute_matrix`` on points already snapped (``Network.snap_many``): origins ``so``,
    destinations ``sd``; ``square`` when they are the same points (the diagonal is zero).

    On the drive network, when there are fewer destinations than origins (a late child's column:
    every county location to one new home), one search per destination runs on the reversed
    graph instead of one per origin; the weights are whole ms and cm, so the sums, and the
    matrices, are exactly those of the forward searches. ``method="hierarchy"`` (drive) sweeps
    the contraction hierarchy once per origin (or per destination, reversed, when fewer)
    instead: the same sums, several times cheaper; ``auto`` (``METHODS``) takes it when built.
    """
    if method not in METHODS:
        raise ValueError(f"unknown matrix method {method!r}: use one of {', '.join(METHODS)}")
    if method == "auto":
        method = "hierarchy" if net.mode == "drive" and net._hierarchy is not None else "dijkstra"
    weight = "time" if net.mode == "drive" else "length"
    n, n_o, n_d = net.n_nodes, len(so), len(sd)

    def link_weight(cost, metres):
        return _lexi(cost, metres) if weight == "time" else np.round(cost, 2)  # ms+cm, or cm

    if method == "hierarchy" and weight == "time":
        cost = _cost_by_hierarchy(net, so, sd, link_weight)
    elif weight == "time" and n_d < n_o:
        cost = _cost_by_destination(net, so, sd, link_weight)
    else:
        cost = _cost_by_origin(net, so, sd, link_weight)
    for i, j, c, c_m in _same_edge_pairs(net, so, sd, weight):
        cost[i, j] = min(cost[i, j], link_weight(np.array([c]), np.array([c_m]))[0])
    if weight == "time":
        duration, along = _unlexi(cost)
    else:
        duration, along = cost / (WALKING_SPEED_KPH / 3.6), cost
    if square:
        np.fill_diagonal(duration, 0.0)
        np.fill_diagonal(along, 0.0)
    return TravelMatrix(duration_s=duration, distance_m=along, mode=net.mode)


def _links(net: Network, snaps: Sequence[Snap], ways: str, weight: str, link_weight) -> tuple[np.ndarray, ...]:
    """(point index, node, weight) of each way out of (``exits``) or into (``entries``) each point."""
    at, nodes, cost, metres = [], [], [], []
    for i, s in enumerate(snaps):
        for (node, c), (_, c_m) in zip(getattr(net, ways)(s, weight), getattr(net, ways)(s, "length")):
            at.append(i), nodes.append(node), cost.append(c), metres.append(c_m)
    w = link_weight(np.asarray(cost, dtype=float), np.asarray(metres, dtype=float))
    return np.asarray(at, dtype=np.int64), np.asarray(nodes, dtype=np.int64), np.asarray(w, dtype=float)


def _cost_by_destination(net: Network, so: Sequence[Snap], sd: Sequence[Snap], link_weight) -> np.ndarray:
    """Summed weights origin -> destination from one search per destination on the reversed graph."""
    n, n_o, n_d = net.n_nodes, len(so), len(sd)
    at, nodes, w_in = _links(net, sd, "entries", "time", link_weight)
    # reversed: each destination's virtual node n+j leads to the nodes it is entered from
    u = np.concatenate([net.edge_v, n + at])
    v = np.concatenate([net.edge_u, nodes])
    w = np.concatenate([link_weight(net.weight_of("time"), net.edge_length_m), w_in])
    from_nodes = dijkstra(_min_csr(u, v, w, n + n_d), directed=True, indices=n + np.arange(n_d))
    cost = np.full((n_o, n_d), np.inf)
    o_at, o_nodes, w_out = _links(net, so, "exits", "time", link_weight)
    for i, node, c in zip(o_at, o_nodes, w_out):
        np.minimum(cost[i], c + from_nodes[:, node], out=cost[i])
    return cost


def _ends(net: Network, snaps: Sequence[Snap], ways: str, link_weight) -> list[list[tuple[int, int]]]:
    """Per point, the (node, int64 ms+cm) pairs by which it leaves (``exits``) or joins (``entries``) the graph."""
    at, nodes, w = _links(net, snaps, ways, "time", link_weight)
    out: list[list[tuple[int, int]]] = [[] for _ in snaps]
    for i, node, c in zip(at.tolist(), nodes.tolist(), w.astype(np.int64).tolist()):
        out[i].append((node, c))
    return out


def _cost_by_hierarchy(net: Network, so: Sequence[Snap], sd: Sequence[Snap], link_weight) -> np.ndarray:
    """Summed weights origin -> destination, one hierarchy sweep per origin (or per destination, reversed, when fewer)."""
    return drive_hierarchy(net).costs(_ends(net, so, "exits", link_weight), _ends(net, sd, "entries", link_weight))


def _cost_by_origin(net: Network, so: Sequence[Snap], sd: Sequence[Snap], link_weight) -> np.ndarray:
    """Summed weights origin -> destination from one search per origin."""
    weight = "time" if net.mode == "drive" else "length"
    n, n_o, n_d = net.n_nodes, len(so), len(sd)
    src_u, src_v, src_c, src_m = [], [], [], []
    for i, s in enumerate(so):
        for (node, c), (_, c_m) in zip(net.exits(s, weight), net.exits(s, "length")):
            src_u.append(n + i), src_v.append(node), src_c.append(c), src_m.append(c_m)
    u = np.concatenate([net.edge_u, np.array(src_u, dtype=np.int64)])
    v = np.concatenate([net.edge_v, np.array(src_v, dtype=np.int64)])
    w = link_weight(np.concatenate([net.weight_of(weight), src_c]),
                    np.concatenate([net.edge_length_m, src_m]))
    graph = _min_csr(u, v, w, n + n_o)
    to_nodes = dijkstra(graph, directed=True, indices=n + np.arange(n_o))
    # Destinations: the best of (up to) two ways into each point from the graph's nodes.
    cost = np.full((n_o, n_d), np.inf)
    for slot in range(2):
        nodes = np.zeros(n_d, dtype=np.int64)
        extra = np.full(n_d, np.inf)
        for j, s in enumerate(sd):
            ways = net.entries(s, weight)  # type: ignore[arg-type]
            if slot < len(ways):
                nodes[j] = ways[slot][0]
                extra[j] = link_weight(np.array([ways[slot][1]]),
                                       np.array([net.entries(s, "length")[slot][1]]))[0]
        np.minimum(cost, to_nodes[:, nodes] + extra[None, :], out=cost)
    return cost


def _same_edge_pairs(net: Network, so: list[Snap], sd: list[Snap], weight: str):
    """(origin, destination, cost, metres) for points joined directly along a shared way."""
    by_edge: dict[int, list[int]] = {}
    for j, s in enumerate(sd):
        by_edge.setdefault(s.edge, []).append(j)
        if net.edge_reverse[s.edge] >= 0:
            by_edge.setdefault(int(net.edge_reverse[s.edge]), []).append(j)
    for i, a in enumerate(so):
        for j in by_edge.get(a.edge, ()):
            c = net.same_edge_cost(a, sd[j], weight)  # type: ignore[arg-type]
            if np.isfinite(c):
                yield i, j, c, net.same_edge_cost(a, sd[j], "length")


@dataclass(frozen=True)
class SquareMatrix:
    """Whole seconds and metres between all points (int32, 0 where unreachable), and per point
    how many pairs it cannot reach (``bad_rows``) or be reached from (``bad_cols``)."""

    duration_s: np.ndarray
    distance_m: np.ndarray
    bad_rows: np.ndarray
    bad_cols: np.ndarray


_BLOCK_INPUT: dict = {}
"""The network and snapped points of the running ``square_matrix_int32`` (inherited by forked workers)."""


def _row_block(lo_hi: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    net, snaps, method = _BLOCK_INPUT["net"], _BLOCK_INPUT["snaps"], _BLOCK_INPUT["method"]
    lo, hi = lo_hi
    m = matrix_of_snaps(net, snaps[lo:hi], snaps, method=method)
    bad = ~np.isfinite(m.duration_s)
    duration = np.rint(np.where(bad, 0.0, m.duration_s)).astype(np.int32)
    distance = np.rint(np.where(bad, 0.0, m.distance_m)).astype(np.int32)
    return lo, duration, distance, bad.sum(axis=1), bad.sum(axis=0)


def square_matrix_int32(net: Network, points: Sequence[LatLon], *, labels: Sequence[str] | None = None,
                        chunk: int = 512, workers: int = 1, method: str = "hierarchy") -> SquareMatrix:
    """The square matrices over ``points``, ``chunk`` origins per batch, the batches spread over
    ``workers`` forked processes (1: in this process), each searched by ``method`` (drive; a
    walk network is searched by Dijkstra; the hierarchy is built here, before the workers
    fork, so they share it). Raises
    ``OutsideNetworkError`` naming a point that cannot be snapped; unreachable pairs are counted,
    not raised."""
    if method not in METHODS:
        raise ValueError(f"unknown matrix method {method!r}: use one of {', '.join(METHODS)}")
    if method == "auto":
        method = "hierarchy"
    snaps = net.snap_many(list(points), labels=labels)
    if method == "hierarchy" and net.mode == "drive":
        drive_hierarchy(net)
    n = len(snaps)
    duration = np.zeros((n, n), dtype=np.int32)
    distance = np.zeros((n, n), dtype=np.int32)
    bad_rows = np.zeros(n, dtype=np.int64)
    bad_cols = np.zeros(n, dtype=np.int64)
    blocks = [(lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]
    _BLOCK_INPUT.update(net=net, snaps=snaps, method=method)
    try:
        if workers > 1 and len(blocks) > 1:
            with ProcessPoolExecutor(min(workers, len(blocks)), mp_context=multiprocessing.get_context("fork")) as pool:
                results = pool.map(_row_block, blocks)
                for lo, dur, dist, rows, cols in results:
                    duration[lo:lo + len(dur)], distance[lo:lo + len(dur)] = dur, dist
                    bad_rows[lo:lo + len(dur)] += rows
                    bad_cols += cols
        else:
            for block in blocks:
                lo, dur, dist, rows, cols = _row_block(block)
                duration[lo:lo + len(dur)], distance[lo:lo + len(dur)] = dur, dist
                bad_rows[lo:lo + len(dur)] += rows
                bad_cols += cols
    finally:
        _BLOCK_INPUT.clear()
    np.fill_diagonal(duration, 0)
    np.fill_diagonal(distance, 0)
    return SquareMatrix(duration, distance, bad_rows, bad_cols)
