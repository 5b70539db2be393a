"""Many-to-many travel matrices (time and distance) in bulk with ``scipy.sparse.csgraph``.

One Dijkstra per distinct network node where an origin joins the graph (not one per pair),
then every origin/destination pair is read off the result with array indexing. On the drive
network the search is by time and the distance is that of the fastest route (accumulated down
the shortest-path tree); on the walk network time is distance at walking pace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

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
    weight = "time" if net.mode == "drive" else "length"
    n, n_o, n_d = net.n_nodes, len(so), len(sd)

    def link_weight(cost, metres):
        return _lexi(cost, metres) if weight == "time" else np.round(cost, 2)  # ms+cm, or cm

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
