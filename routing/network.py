"""Road and walk networks from a local OpenStreetMap extract, held as arrays for bulk routing.

``build_network`` reads OSM XML with osmnx (offline ``graph_from_xml``), adds UK speeds, keeps
the largest strongly connected component, projects to British National Grid and freezes the
result into a :class:`Network`: edge arrays, CSR matrices for ``scipy.sparse.csgraph`` and an
STRtree for snapping. ``load_network`` caches that on disk, keyed by the extract's hash.

Points snap to the nearest *edge* (not node): a point's distance to the network is reported,
and a point farther than ``max_snap_m`` from any usable way is an error, never a silent node
miles away.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import shapely
import shapely.ops
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing.speeds import edge_speed_kph
from transport.domain.config import get_settings
from transport.domain.errors import InputError, NoPathError, OutsideNetworkError
from transport.domain.geo import BNG, LatLon, _from_bng, _to_bng
from transport.domain.units import WALKING_SPEED_KPH

log = logging.getLogger(__name__)

Mode = Literal["drive", "walk"]
MODES: tuple[str, ...] = ("drive", "walk")
CACHE_VERSION = 6
AT_NODE_M = 1e-3
"""A snapped point this close to a node is treated as standing on it."""


def check_mode(mode: str) -> Mode:
    """The mode if it is ``drive`` or ``walk``, else a clear error."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}: use drive or walk")
    return mode  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a point meets the network: an edge and the distances along it to its two ends."""

    edge: int
    node_u: int
    node_v: int
    offset_u_m: float
    offset_v_m: float
    snap_distance_m: float
    fraction: float


@dataclass(frozen=True, slots=True)
class PathResult:
    """One shortest path: length, driving/walking time, geometry (lon, lat) and edge ids."""

    distance_m: float
    duration_s: float
    coords: list[tuple[float, float]]
    edges: tuple[int, ...]

    def to_geojson(self, properties: dict | None = None) -> dict:
        """A GeoJSON Feature of the path."""
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coords]},
            "properties": {"distance_m": round(self.distance_m, 1), "duration_s": round(self.duration_s, 1)}
            | (properties or {}),
        }


@dataclass(frozen=True)
class BuildReport:
    """What building the network kept and dropped."""

    source: str
    source_sha256: str
    mode: str
    nodes_read: int
    edges_read: int
    nodes_dropped: int
    """Nodes of the simplified graph outside the largest strongly connected component."""
    edges_dropped: int


def _min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """CSR of the smallest weight per (u, v); csr_matrix would sum parallel edges instead."""
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    # csgraph treats explicit zeros as missing edges; keep zero-length edges traversable.
    w = np.maximum(w[first], 1e-9)
    return csr_matrix((w, (u[first], v[first])), shape=(n, n))


@dataclass
class Network:
    """A routable network as arrays. Node and edge ids are array indices."""

    mode: Mode
    node_x: np.ndarray  # BNG easting (m)
    node_y: np.ndarray  # BNG northing (m)
    node_osmid: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_time_s: np.ndarray
    edge_reverse: np.ndarray  # id of the opposite-direction edge on the same way, or -1
    edge_geometry: np.ndarray  # shapely LineStrings in BNG
    edge_name: np.ndarray
    edge_highway: np.ndarray
    report: BuildReport
    max_snap_m: float = 500.0
    _csr: dict = field(default_factory=dict, repr=False)
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _hierarchy: object = field(default=None, repr=False)
    """The drive weight's contraction hierarchy (``routing.matrix.drive_hierarchy``), once built."""
    _cache_file: Path | None = field(default=None, repr=False)
    """The cache file this network was read from or written to (its hierarchy is kept beside it)."""

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_csr"], state["_tree"], state["_hierarchy"], state["_cache_file"] = {}, None, None, None
        return state

    # ---- sizes and extent -------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    def bbox_wgs84(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the nodes."""
        tr = _from_bng()
        lon, lat = tr.transform(
            [self.node_x.min(), self.node_x.max()], [self.node_y.min(), self.node_y.max()]
        )
        return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])

    # ---- graph matrices --------------------------------------------------
    def csr(self, weight: Literal["length", "time"] = "length", blocked: frozenset[int] = frozenset()) -> csr_matrix:
        """CSR adjacency by length (m) or time (s), without the ``blocked`` edges."""
        key = (weight, blocked)
        if key not in self._csr:
            w = self.edge_length_m if weight == "length" else self.edge_time_s
            keep = np.ones(self.n_edges, dtype=bool)
            if blocked:
                keep[np.fromiter(blocked, dtype=np.int64)] = False
            self._csr[key] = _min_csr(self.edge_u[keep], self.edge_v[keep], w[keep], self.n_nodes)
            if len(self._csr) > 16:  # keep the cache of blocked variants small
                self._csr.pop(next(k for k in self._csr if k[-1]))
        return self._csr[key]

    def weight_of(self, weight: Literal["length", "time"]) -> np.ndarray:
        """The per-edge weight array."""
        return self.edge_length_m if weight == "length" else self.edge_time_s

    # ---- snapping ------------------------------------------------------------
    @property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the edge geometries."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_geometry)
        return self._tree

    def snap_many(self, points: Sequence[LatLon], *, max_snap_m: float | None = None,
                  labels: Sequence[str] | None = None) -> list[Snap]:
        """Snap points to their nearest edges; any point too far away is an error naming it."""
        if not points:
            return []
        limit = self.max_snap_m if max_snap_m is None else max_snap_m
        tr = _to_bng()
        xs, ys = tr.transform([p.lon for p in points], [p.lat for p in points])
        geoms = shapely.points(np.asarray(xs), np.asarray(ys))
        idx, dist = self.tree.query_nearest(geoms, return_distance=True, all_matches=False)
        edge_for = np.full(len(points), -1, dtype=np.int64)
        dist_for = np.full(len(points), np.inf)
        edge_for[idx[0]] = idx[1]
        dist_for[idx[0]] = dist
        bad = np.flatnonzero(dist_for > limit)
        if len(bad):
            i = int(bad[np.argmax(dist_for[bad])])
            name = labels[i] if labels is not None else str(points[i])
            far = dist_for[i]
            where = f"{far / 1000:.1f} km" if far >= 1000 else f"{far:.0f} m"
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise OutsideNetworkError(
                f"point {name} is {where} from the nearest usable {self.mode} way in the loaded "
                f"extract {Path(self.report.source).name} (limit {limit:.0f} m){more}"
            )
        snaps = []
        for i, e in enumerate(edge_for):
            line = self.edge_geometry[e]
            along = line.project(geoms[i])
            frac = along / line.length if line.length > 0 else 0.0
            length = self.edge_length_m[e]
            snaps.append(
                Snap(int(e), int(self.edge_u[e]), int(self.edge_v[e]), float(frac * length),
                     float((1 - frac) * length), float(dist_for[i]), float(frac))
            )
        return snaps

    def distance_to_network_m(self, points: Sequence[LatLon]) -> np.ndarray:
        """Metres from each point to the nearest usable way (no limit applied)."""
        if not points:
            return np.empty(0)
        xs, ys = _to_bng().transform([p.lon for p in points], [p.lat for p in points])
        idx, dist = self.tree.query_nearest(shapely.points(np.asarray(xs), np.asarray(ys)), return_distance=True,
                                            all_matches=False)
        out = np.full(len(points), np.inf)
        out[idx[0]] = dist
        return out

    def snap(self, point: LatLon, *, max_snap_m: float | None = None) -> Snap:
        """Snap one point to its nearest edge."""
        return self.snap_many([point], max_snap_m=max_snap_m)[0]

    # ---- leaving and reaching a snapped point -----------------------------------
    def exits(self, s: Snap, weight: Literal["length", "time"] = "length") -> list[tuple[int, float]]:
        """(node, cost) pairs by which a trip starting at ``s`` reaches the graph."""
        w = self.weight_of(weight)[s.edge]
        out = [(s.node_v, (1 - s.fraction) * w)]
        rev = self.edge_reverse[s.edge]
        if rev >= 0:
            out.append((s.node_u, s.fraction * self.weight_of(weight)[rev]))
        elif s.offset_u_m <= AT_NODE_M:  # standing on the start node of a one-way edge
            out.append((s.node_u, 0.0))
        return out

    def entries(self, s: Snap, weight: Literal["length", "time"] = "length") -> list[tuple[int, float]]:
        """(node, cost) pairs by which a trip ending at ``s`` leaves the graph."""
        w = self.weight_of(weight)[s.edge]
        out = [(s.node_u, s.fraction * w)]
        rev = self.edge_reverse[s.edge]
        if rev >= 0:
            out.append((s.node_v, (1 - s.fraction) * self.weight_of(weight)[rev]))
        elif s.offset_v_m <= AT_NODE_M:  # standing on the end node of a one-way edge
            out.append((s.node_v, 0.0))
        return out

    def same_edge_cost(self, a: Snap, b: Snap, weight: Literal["length", "time"] = "length") -> float:
        """Cost of going from ``a`` to ``b`` directly along a shared edge, or inf."""
        if a.edge == b.edge:
            if b.fraction >= a.fraction or self.edge_reverse[a.edge] >= 0:
                return abs(b.fraction - a.fraction) * float(self.weight_of(weight)[a.edge])
        elif self.edge_reverse[a.edge] == b.edge:
            return abs((1 - b.fraction) - a.fraction) * float(self.weight_of(weight)[a.edge])
        return float("inf")

    # ---- one-to-all searches --------------------------------------------------------
    def distances_from(self, point: LatLon | Snap, *, blocked: frozenset[int] = frozenset(),
                       weight: Literal["length", "time"] = "length") -> np.ndarray:
        """Cost (m or s) from a point to every node, inf where unreachable."""
        s = point if isinstance(point, Snap) else self.snap(point)
        ex = [(n, c) for n, c in self.exits(s, weight) if not blocked or s.edge not in blocked]
        if not ex:
            return np.full(self.n_nodes, np.inf)
        nodes = np.array([n for n, _ in ex])
        d = dijkstra(self.csr(weight, blocked), directed=True, indices=nodes)
        d = np.atleast_2d(d) + np.array([c for _, c in ex])[:, None]
        return d.min(axis=0)

    def distance_to(self, dist_from_source: np.ndarray, snap: Snap,
                    weight: Literal["length", "time"] = "length") -> float:
        """Cost from the source of ``dist_from_source`` to a snapped point."""
        return float(min(dist_from_source[n] + c for n, c in self.entries(snap, weight)))

    # ---- one path --------------------------------------------------------------------
    def path(self, a: LatLon, b: LatLon, *, blocked: frozenset[int] = frozenset(),
             weight: Literal["length", "time"] | None = None) -> PathResult:
        """Shortest path from ``a`` to ``b`` (by length for walk, by time for drive)."""
        weight = weight or ("time" if self.mode == "drive" else "length")
        sa, sb = self.snap_many([a, b], labels=[f"from {a}", f"to {b}"])
        return self.path_between(sa, sb, blocked=blocked, weight=weight)

    def path_between(self, sa: Snap, sb: Snap, *, blocked: frozenset[int] = frozenset(),
                     weight: Literal["length", "time"] = "length") -> PathResult:
        """Shortest path between two snapped points."""
        direct = self.same_edge_cost(sa, sb, weight)
        ex = self.exits(sa, weight)
        nodes = np.array([n for n, _ in ex])
        dist, pred = dijkstra(self.csr(weight, blocked), directed=True, indices=nodes,
                              return_predecessors=True)
        best, best_src, best_entry = np.inf, -1, None
        for i, (_, c0) in enumerate(ex):
            for node, c1 in self.entries(sb, weight):
                total = c0 + dist[i, node] + c1
                if total < best:
                    best, best_src, best_entry = total, i, (node, c1)
        if direct <= best:
            return self._partial_path(sa, sb, direct, weight)
        if not np.isfinite(best):
            raise NoPathError(f"no {self.mode} path joins the two points on the loaded network")
        chain = [best_entry[0]]
        while chain[-1] != nodes[best_src]:
            chain.append(int(pred[best_src, chain[-1]]))
        chain.reverse()
        edges = self._edges_along(chain, weight, blocked)
        entries = self.entries(sb, weight)
        entry_slot = next(i for i, en in enumerate(entries) if en == best_entry)
        first = self._end_edge(sa, best_src)
        last = self._end_edge(sb, entry_slot)
        pieces, all_edges, length, time = [], [], 0.0, 0.0
        if first >= 0:
            pieces.append(self._piece(first, sa, start=True))
            all_edges.append(first)
            length += self._partial(first, sa, True, "length")
            time += self._partial(first, sa, True, "time")
        pieces += [self.edge_geometry[e] for e in edges]
        all_edges += edges
        length += float(self.edge_length_m[edges].sum())
        time += float(self.edge_time_s[edges].sum())
        if last >= 0:
            pieces.append(self._piece(last, sb, start=False))
            all_edges.append(last)
            length += self._partial(last, sb, False, "length")
            time += self._partial(last, sb, False, "time")
        coords = self._join(pieces) if pieces else self._join([shapely.Point(
            self.node_x[chain[0]], self.node_y[chain[0]])])
        return PathResult(length, time, coords, tuple(int(e) for e in all_edges))

    def _end_edge(self, s: Snap, slot: int) -> int:
        """The edge walked from/to a snapped point through exit/entry ``slot``; -1 if none."""
        if slot == 0:
            return s.edge
        rev = int(self.edge_reverse[s.edge])
        return rev  # -1 when the slot is a one-way edge's end node (no partial edge)

    def _edges_along(self, chain: list[int], weight: Literal["length", "time"],
                     blocked: frozenset[int]) -> list[int]:
        """The cheapest unblocked edge joining each consecutive pair of nodes of a path."""
        key = ("pairs", weight, blocked)
        if key not in self._csr:
            w = self.weight_of(weight).copy()
            if blocked:
                w[np.fromiter(blocked, dtype=np.int64)] = np.inf
            order = np.lexsort((w, self.edge_v, self.edge_u))
            keys = self.edge_u[order] * self.n_nodes + self.edge_v[order]
            first = np.ones(len(keys), dtype=bool)
            first[1:] = keys[1:] != keys[:-1]
            self._csr[key] = (keys[first], order[first])
        keys, edge_ids = self._csr[key]
        x, y = np.asarray(chain[:-1], dtype=np.int64), np.asarray(chain[1:], dtype=np.int64)
        return [int(e) for e in edge_ids[np.searchsorted(keys, x * self.n_nodes + y)]]

    def _fraction_on(self, e: int, s: Snap) -> float:
        """Fraction of the way along edge ``e`` at which snap ``s`` lies."""
        return s.fraction if e == s.edge else 1.0 - s.fraction

    def _partial(self, e: int, s: Snap, start: bool, weight: str) -> float:
        f = self._fraction_on(e, s)
        w = float(self.weight_of(weight)[e])  # type: ignore[arg-type]
        return (1 - f) * w if start else f * w

    def _piece(self, e: int, s: Snap, *, start: bool) -> shapely.LineString:
        line = self.edge_geometry[e]
        f = self._fraction_on(e, s)
        return shapely.ops.substring(line, f, 1.0, normalized=True) if start else \
            shapely.ops.substring(line, 0.0, f, normalized=True)

    def _partial_path(self, sa: Snap, sb: Snap, cost: float, weight: str) -> PathResult:
        line = self.edge_geometry[sa.edge]
        fb = sb.fraction if sb.edge == sa.edge else 1 - sb.fraction
        piece = shapely.ops.substring(line, sa.fraction, fb, normalized=True)
        span = abs(fb - sa.fraction)
        return PathResult(span * float(self.edge_length_m[sa.edge]), span * float(self.edge_time_s[sa.edge]),
                          self._join([piece]), (sa.edge,))

    def _join(self, pieces: list) -> list[tuple[float, float]]:
        xy: list[tuple[float, float]] = []
        for p in pieces:
            for c in shapely.get_coordinates(p):
                t = (float(c[0]), float(c[1]))
                if not xy or xy[-1] != t:
                    xy.append(t)
        tr = _from_bng()
        lon, lat = tr.transform([c[0] for c in xy], [c[1] for c in xy])
        return [(round(float(x), 7), round(float(y), 7)) for x, y in zip(lon, lat)]

    # ---- geometry queries -------------------------------------------------------------
    def edges_near(self, geometry_wgs84, *, buffer_m: float = 5.0) -> frozenset[int]:
        """Edges (both directions) whose geometry lies within ``buffer_m`` of a WGS84 geometry
        along most of their length: the edges an assessed segment covers."""
        tr = _to_bng()
        geom = shapely.transform(geometry_wgs84, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
        zone = geom.buffer(buffer_m)
        hits = self.tree.query(zone, predicate="intersects")
        out = set()
        for e in hits:
            line = self.edge_geometry[e]
            if line.length == 0 or line.intersection(zone).length / line.length >= 0.5:
                out.add(int(e))
                if self.edge_reverse[e] >= 0:
                    out.add(int(self.edge_reverse[e]))
        return frozenset(out)

    def node_latlon(self, nodes: np.ndarray | Sequence[int]) -> list[LatLon]:
        """WGS84 points of nodes."""
        tr = _from_bng()
        nodes = np.asarray(nodes)
        lon, lat = tr.transform(self.node_x[nodes], self.node_y[nodes])
        return [LatLon(float(b), float(a)) for a, b in zip(np.atleast_1d(lon), np.atleast_1d(lat))]

    def to_networkx(self, weight: Literal["length", "time"] = "length"):
        """A networkx MultiDiGraph of the same edges (for comparisons and plotting)."""
        import networkx as nx

        G = nx.MultiDiGraph()
        G.add_nodes_from(range(self.n_nodes))
        w = self.weight_of(weight)
        G.add_weighted_edges_from(zip(self.edge_u.tolist(), self.edge_v.tolist(), w.tolist()), weight=weight)
        return G


# ---------------------------------------------------------------------------------------
# building from OSM
# ---------------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    """SHA-256 of a file (the cache key of a prepared network)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _first(value: object) -> str:
    """One name for an edge. osmnx gives a simplified edge's names as ``list(set(...))``, whose order
    changes with each process's string hashing, so the first in sorted order is taken: the same
    network from the same extract every time."""
    if isinstance(value, (list, tuple)):
        return min(str(v) for v in value) if value else ""
    return "" if value is None or value != value else str(value)


def build_network(osm_path: Path, mode: str, *, max_snap_m: float = 500.0) -> Network:
    """Read an OSM XML extract (``.osm`` or ``.osm.bz2``) into a routable Network.

    Drive: one-way streets respected, UK speeds (``routing.speeds``). Walk: every way both
    directions at walking pace. The file should already hold only that mode's ways (see the
    README for the osmium filter); the largest strongly connected component is kept.
    """
    import osmnx as ox

    mode = check_mode(mode)
    osm_path = Path(osm_path)
    if not osm_path.exists():
        raise InputError(f"OSM extract {osm_path} not found")
    G = ox.graph_from_xml(osm_path, bidirectional=(mode == "walk"), simplify=False, retain_all=True)
    nodes_read, edges_read = G.number_of_nodes(), G.number_of_edges()
    if nodes_read == 0:
        raise InputError(f"OSM extract {osm_path} holds no {mode} ways")
    walk_mps = WALKING_SPEED_KPH / 3.6
    for _, _, data in G.edges(data=True):
        if mode == "drive":
            data["travel_time"] = data["length"] / (edge_speed_kph(data.get("maxspeed"), data.get("highway")) / 3.6)
        else:
            data["travel_time"] = data["length"] / walk_mps
    G = ox.simplify_graph(G, edge_attr_aggs={"length": sum, "travel_time": sum})
    nodes_simplified, edges_simplified = G.number_of_nodes(), G.number_of_edges()
    G = ox.truncate.largest_component(G, strongly=True)
    G = ox.projection.project_graph(G, to_crs=BNG)
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    node_x = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    node_y = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    eu, ev, length, time, geoms, names, hwys = [], [], [], [], [], [], []
    for u, v, data in G.edges(data=True):
        iu, iv = index[u], index[v]
        eu.append(iu)
        ev.append(iv)
        length.append(float(data["length"]))
        time.append(float(data["travel_time"]))
        geom = data.get("geometry")
        if geom is None:
            geom = shapely.LineString([(node_x[iu], node_y[iu]), (node_x[iv], node_y[iv])])
        geoms.append(geom)
        names.append(_first(data.get("name")))
        hwys.append(_first(data.get("highway")))
    edge_u, edge_v = np.array(eu, dtype=np.int64), np.array(ev, dtype=np.int64)
    geometry = np.empty(len(geoms), dtype=object)
    geometry[:] = geoms
    reverse = _reverse_edges(edge_u, edge_v, geometry)
    # Whole milliseconds and centimetres: exact in float64 sums, so bulk and per-pair
    # searches agree to the last digit and drive matrices can search (time, metres) at once.
    length_m = np.round(np.array(length), 2)
    time_s = np.round(np.array(time), 3) if mode == "drive" else length_m / walk_mps
    report = BuildReport(str(osm_path), file_sha256(osm_path), mode, nodes_read, edges_read,
                         nodes_simplified - G.number_of_nodes(), edges_simplified - G.number_of_edges())
    return Network(mode, node_x, node_y, np.array(nodes, dtype=np.int64), edge_u, edge_v,
                   length_m, time_s, reverse, geometry, np.array(names, dtype=object),
                   np.array(hwys, dtype=object), report, max_snap_m=max_snap_m)


def _reverse_edges(u: np.ndarray, v: np.ndarray, geometry: np.ndarray) -> np.ndarray:
    """For each edge, the edge running the other way along the same geometry, or -1."""
    by_pair: dict[tuple[int, int], list[int]] = {}
    for e, pair in enumerate(zip(u.tolist(), v.tolist())):
        by_pair.setdefault(pair, []).append(e)
    rev = np.full(len(u), -1, dtype=np.int64)
    for e, (a, b) in enumerate(zip(u.tolist(), v.tolist())):
        cands = by_pair.get((b, a), [])
        if not cands:
            continue
        line = geometry[e]
        best = min(cands, key=lambda c: abs(geometry[c].length - line.length)
                   + shapely.hausdorff_distance(geometry[c], line))
        if shapely.hausdorff_distance(geometry[best], line) < 1.0:
            rev[e] = best
    return rev


# ---------------------------------------------------------------------------------------
# cache
# ---------------------------------------------------------------------------------------
def cache_path(osm_path: Path, mode: str, cache_dir: Path) -> Path:
    """Cache file of a prepared network: named by mode and the extract's hash."""
    return Path(cache_dir) / f"{mode}-{file_sha256(osm_path)[:16]}-v{CACHE_VERSION}.pickle"


def cache_state(mode: str) -> tuple[Path | None, bool]:
    """(cache file, whether it exists) for the configured extract of a mode."""
    s = get_settings()
    try:
        osm = s.path(f"{mode}_osm")
    except InputError:
        return None, False
    p = cache_path(osm, mode, s.cache_dir)
    return p, p.exists()


def load_network_from(osm_path: Path, mode: str, *, cache_dir: Path | None, max_snap_m: float = 500.0) -> Network:
    """Load a prepared network from the cache, or build it and write the cache."""
    mode = check_mode(mode)
    if cache_dir is not None:
        p = cache_path(osm_path, mode, cache_dir)
        if p.exists():
            try:
                with open(p, "rb") as fh:
                    net: Network = pickle.load(fh)
                net.max_snap_m = max_snap_m
                net._cache_file = p
                return net
            except Exception as exc:  # a corrupt or stale cache is rebuilt, not fatal
                log.warning("ignoring unreadable network cache %s: %s", p.name, exc)
    net = build_network(osm_path, mode, max_snap_m=max_snap_m)
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(net, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(p)
        net._cache_file = p
    return net


@lru_cache(maxsize=4)
def load_network(mode: str) -> Network:
    """The configured drive or walk network (``SEN_TRANSPORT_DRIVE_OSM`` / ``..._WALK_OSM``)."""
    mode = check_mode(mode)
    s = get_settings()
    return load_network_from(s.path(f"{mode}_osm"), mode, cache_dir=s.cache_dir, max_snap_m=s.max_snap_m)
