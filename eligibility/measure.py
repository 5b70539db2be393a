"""Measure homes against schools on the real networks and build ``AssessmentFacts``.

One shortest-path search per open school entrance (walk network as given, and again with
the assessed unsafe edges removed) is computed once and reused for every home of a cohort:
the walk network is symmetric, so distance entrance -> home equals home -> entrance. Road
distance (home -> entrance, one-way streets respected) comes from one search per entrance on
the reversed drive network. Homes are snapped to the nearest edge; with the policy setting
``home_start: address_point`` the walk from the address point to the network, and from the
network to the entrance point, is added to the route.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import threading
import weakref
from contextlib import contextmanager
from functools import partial
from itertools import groupby
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from eligibility.dates import academic_age
from eligibility.offer import ptb_measure
from eligibility.policy import Policy, Refusal
from eligibility.route import WalkRoute
from eligibility.search import bounded_search
from eligibility.rules import AssessmentFacts, Candidate, Decision, built, home_point
from eligibility.suitability import suitability_key, unsuitable_reason
from eligibility.unsafe import UnsafeSegment, blocked_edges
from transport.domain.addresses import AddressIndex
from transport.domain.config import get_settings
from transport.domain.errors import InputError, OutsideNetworkError
from transport.domain.geo import BNG, WGS84, LatLon, bng_many
from transport.domain.models import Application, School

INF = math.inf
_NO_ROUTE = WalkRoute()
REACH_FACTOR = 1.3
REACH_PAD_M = 1_000.0
RETRY_FACTOR = 2.0
"""One home measured alone (``Measurer.facts``): a school's searches first stop at ``REACH_FACTOR``
times the straight line to it, plus ``REACH_PAD_M`` (snapping and detours); if its distance is not
within that reach it is measured again on searches reaching ``RETRY_FACTOR`` times as far, then on
searches that stop nowhere, so every distance is exact. A cohort's homes are measured on searches
that stop once every home's nodes are settled (``_Need``): no guessed reach, no retry."""
LENGTH_SLACK = 0.02
"""Edge lengths are great-circle metres and straight lines are measured on the British National
Grid; the two agree to well within 1 % here. A route is never shorter than the straight line
between its ends divided by ``1 + LENGTH_SLACK`` (the bound that decides which schools are
measured: see ``Measurer.bound_candidates``)."""


WHOLE_SEARCH_NODES = 50_000
"""Networks with no more nodes than this (a district's walk network: Rutland's has 8,118) are
searched whole from each school entrance, once, by scipy's Dijkstra (about a millisecond each):
nothing is gained there by stopping searches at the homes, and a whole search is never grown or
repeated. Larger networks (a county's: 324,344 walk nodes at 8 x 5) are searched only as far as
the homes measured need (``eligibility.search``). The distances are the same either way."""

COMPACT_SHARE = 0.5
"""A search that stops at a reach keeps only the nodes it reached (sorted ids, distances and
predecessors as positions among them) when they are fewer than this share of the network's nodes,
so a county's schools' trees all fit in memory (``Measurer.tree_bytes``)."""


@dataclass
class _Tree:
    """Shortest paths from one entrance: one row per way of leaving the entrance's edge.

    Dense (``nodes`` None): a column per network node, predecessors as node ids. Compact: a column
    per reached node only (``nodes``, sorted), predecessors as positions among them. Read it through
    ``cols``, ``at``, ``pos`` and ``node_ids``, which are the same on both."""

    roots: np.ndarray       # (k,) nodes
    offsets: np.ndarray     # (k,) metres from the entrance to each root
    dist: np.ndarray        # (k, n) or (k, m)
    pred: np.ndarray        # (k, n) or (k, m): positions of predecessors (-9999: none)
    limit: float = INF
    """The search stopped at this many metres from its roots: nodes farther are unreached (inf). A
    distance read from the tree that is at most ``limit`` (offset and end pieces included) is exact:
    any way through an unreached node is longer."""
    nodes: np.ndarray | None = None
    """Sorted ids of the nodes kept (None: every node, in id order)."""

    @property
    def nbytes(self) -> int:
        return self.dist.nbytes + self.pred.nbytes + (0 if self.nodes is None else self.nodes.nbytes)

    def pos(self, node: int) -> int:
        """Position of a node's column (-1 if the tree did not reach it)."""
        if self.nodes is None:
            return int(node)
        i = int(np.searchsorted(self.nodes, node))
        return i if i < len(self.nodes) and self.nodes[i] == node else -1

    def at(self, r: int, node: int) -> float:
        """Metres from row ``r``'s root to a node (inf if not reached)."""
        i = self.pos(node)
        return INF if i < 0 else self.dist[r, i]

    def cols(self, q: np.ndarray) -> np.ndarray:
        """(k, len(q)) metres from each row's root to the nodes ``q`` (inf where not reached)."""
        return self.cols_at(q)[1]

    def cols_at(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the nodes ``q`` (-1 where not reached) and ``cols(q)``."""
        if self.nodes is None:
            return q, self.dist[:, q]
        if len(self.nodes) == 0:
            return np.full(len(q), -1, dtype=np.int64), np.full((len(self.roots), len(q)), INF)
        i = np.minimum(np.searchsorted(self.nodes, q), len(self.nodes) - 1)
        found = self.nodes[i] == q
        out = self.dist[:, i]
        out[:, ~found] = INF
        return np.where(found, i, -1), out

    def node_ids(self, positions: np.ndarray) -> np.ndarray:
        return positions if self.nodes is None else self.nodes[positions]

    def pred_node(self, r: int, node: int) -> int:
        """A node's predecessor in row ``r`` (as scipy gives it: negative at the root or unreached)."""
        p = int(self.pred[r, self.pos(node)])
        return p if p < 0 else int(self.node_ids(np.int64(p)))

    @classmethod
    def of_search(cls, roots, offsets, dist: np.ndarray, pred: np.ndarray, limit: float) -> _Tree:
        """A tree of scipy's dense results, compact if the search stopped at a reach and reached few nodes."""
        dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
        roots, offsets = np.asarray(roots), np.asarray(offsets, dtype=float)
        if math.isfinite(limit):
            nodes = np.flatnonzero(np.isfinite(dist).any(axis=0))
            if len(nodes) < COMPACT_SHARE * dist.shape[1]:
                p = pred[:, nodes]
                # a reached node's predecessor is reached: it is among ``nodes`` (its position by a lookup
                # over every node: 2-3x faster than a binary search at 40,000 nodes reached and more)
                position = np.full(dist.shape[1], -1, dtype=np.int32)
                position[nodes] = np.arange(len(nodes), dtype=np.int32)
                pred_at = np.where(p >= 0, position[np.maximum(p, 0)], p).astype(np.int32)
                return cls(roots, offsets, dist[:, nodes], pred_at, limit=limit, nodes=nodes.astype(np.int32))
        return cls(roots, offsets, dist, pred, limit=limit)


@dataclass
class _Entrance:
    """An open entrance of a school, snapped to the networks (its searches are built when needed)."""

    school_id: str
    index: int
    """Position among the school's open entrances (and its searches)."""
    name: str
    point: LatLon
    x: float
    y: float
    walk_edge: int
    walk_fraction: float
    walk_snap_m: float
    walk_roots: tuple[list[int], list[float]]
    """Walk nodes a route leaves the entrance's edge by, and metres from the entrance to each."""
    road_roots: tuple[list[int], list[float]] | None
    """Drive nodes a road route arrives by, and metres from each to the entrance (None: no drive
    network, or the entrance is too far from it)."""
    road_snap_m: float = 0.0
    """Metres from the entrance point to the drive network (0 without one)."""
    pieces: dict[bool, np.ndarray] = field(default_factory=dict)
    """The entrance's own part of its edge and the entrance point, by which end of the edge a route arrives at."""


@dataclass
class _Searches:
    """One entrance's shortest-path trees: walking, walking without the unsafe edges, and by road."""

    plain: _Tree
    safe: _Tree
    road: _Tree | None

    def covers(self, walk_m: float, road_m: float) -> bool:
        """Whether the walking searches reach ``walk_m`` and the road search ``road_m`` metres."""
        return min(self.plain.limit, self.safe.limit) >= walk_m and (self.road is None or self.road.limit >= road_m)


@dataclass
class _Need:
    """What a cohort's searches from a school must settle: each home's two walk nodes with the metres
    from each to the home and the snapping added (``_measure_school_with``), and by road the two drive
    nodes it leaves by with the metres to each. A search goes on until every home's distance, read
    as ``_measure_school_with`` reads it, is within its ``limit`` (``eligibility.search``)."""

    walk: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    walk_snap_m: np.ndarray | None
    """Per home: snapping added to its walks (None: none; the entrance's own is added per entrance)."""
    road: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None

    def walk_homes(self, ent: _Entrance) -> tuple:
        extra = (self.walk_snap_m + ent.walk_snap_m) if self.walk_snap_m is not None else np.zeros(len(self.walk[0]))
        return (*self.walk, extra)

    def road_homes(self) -> tuple:
        return (*self.road, np.zeros(len(self.road[0])))

    @staticmethod
    def nodes(homes: tuple) -> np.ndarray:
        return np.concatenate([homes[0], homes[2]])


@dataclass
class _Homes:
    """Snapped homes as arrays (one entry per home)."""

    x: np.ndarray
    y: np.ndarray
    edge: np.ndarray
    fraction: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cu: np.ndarray          # metres from u along the edge to the home
    cv: np.ndarray          # metres from v back along the edge to the home (inf if one-way)
    snap_m: np.ndarray


def _reach_scalar(tree: _Tree | None, n1: int, n2: int, c1: float, c2: float) -> float:
    """The least over the tree's rows of (distance to ``n1``) + offset + ``c1`` and the same via ``n2`` (inf if none)."""
    best = INF
    for r in range(len(tree.roots) if tree is not None else 0):
        off = tree.offsets[r]
        best = min(best, tree.at(r, n1) + off + c1, tree.at(r, n2) + off + c2)
    return best


def _gather(flat: np.ndarray, extra: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows ``idx`` of ``flat`` followed by ``extra``, without joining the two."""
    out = flat.take(np.minimum(idx, len(flat) - 1), axis=0)
    beyond = np.flatnonzero(idx >= len(flat))
    out[beyond] = extra[idx[beyond] - len(flat)]
    return out


def _snap_arrays(net, points: Sequence[LatLon], known: dict | None = None) -> _Homes:
    """Snap points to edges with no distance limit (the caller checks ``snap_m``); each distinct point
    is snapped once (many homes share a postcode centroid). ``known``: points of ``net`` snapped before,
    by (x, y), each the row ``_snap_xy`` gave it; those are not snapped again, the others are added."""
    xs, ys = bng_many(list(points))
    xy = np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)])
    distinct, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if known is None or len(xy) == 0:
        if len(distinct) < len(xy):
            one = _snap_xy(net, distinct[:, 0], distinct[:, 1])
            return _Homes(*(a[inverse] for a in one.__dict__.values()))
        return _snap_xy(net, xy[:, 0], xy[:, 1])
    pairs = list(zip(distinct[:, 0].tolist(), distinct[:, 1].tolist()))
    rows = [known.get(p) for p in pairs]
    new = [n for n, row in enumerate(rows) if row is None]
    if new:
        got = _snap_xy(net, distinct[new, 0], distinct[new, 1])
        if len(known) + len(new) > SNAPS_KEPT:
            known.clear()
        for n, row in zip(new, zip(*(a.tolist() for a in got.__dict__.values()))):
            rows[n] = known[pairs[n]] = row
    columns = list(zip(*rows))
    types = (float, float, np.int64, float, net.edge_u.dtype, net.edge_v.dtype, float, float, float)
    return _Homes(*(np.array(c, dtype=t)[inverse] for c, t in zip(columns, types)))


SNAPS_KEPT = 200_000
"""Distinct points a measurer keeps snapped per network (``_snap_arrays``'s ``known``; cleared when full)."""


def _snap_xy(net, xs: np.ndarray, ys: np.ndarray) -> _Homes:
    """``_snap_arrays`` of BNG coordinates."""
    geoms = shapely.points(np.asarray(xs), np.asarray(ys))
    idx, dist = net.tree.query_nearest(geoms, return_distance=True, all_matches=False)
    edge = np.empty(len(xs), dtype=np.int64)
    snap_m = np.empty(len(xs))
    edge[idx[0]], snap_m[idx[0]] = idx[1], dist
    lines = net.edge_geometry[edge]
    along = shapely.line_locate_point(lines, geoms)
    length = shapely.length(lines)
    frac = np.where(length > 0, along / np.where(length > 0, length, 1.0), 0.0)
    w = net.edge_length_m
    rev = net.edge_reverse[edge]
    cu = frac * w[edge]
    cv = np.where(rev >= 0, (1 - frac) * w[np.maximum(rev, 0)], INF)
    return _Homes(np.asarray(xs), np.asarray(ys), edge, frac, net.edge_u[edge], net.edge_v[edge], cu, cv, snap_m)


class Measurer:
    """Measures applications' homes against schools; built once per cohort or service."""

    validate_facts = False
    """Validate every ``Candidate`` and ``AssessmentFacts`` built here (the reference path does); else
    they are built from the measured values without validation (their types are made exact here)."""

    bound_candidates = True
    """Measure only the schools that could be nearer than the school attended: a suitable school
    whose straight-line distance (less the snapping at both ends) exceeds ``1 + LENGTH_SLACK``
    times the attended school's distance by the policy's nearest measure cannot be nearer, since
    no route is shorter than the crow flies. The decision lists the schools ranked up to the one
    attended (``Decision.schools_considered``), so it is the same as with every suitable school
    measured (the reference path measures them all: ``eligibility.reference``)."""

    def __init__(self, policy: Policy, schools: dict[str, School], walk, *, drive=None,
                 segments: Sequence[UnsafeSegment] = (), postcodes=None, addresses=None,
                 tree_schools: int | None = None):
        self.tree_schools = tree_schools if tree_schools is not None else get_settings().eligibility_tree_schools
        if self.tree_schools < 1:
            raise InputError(f"eligibility_tree_schools must be at least 1 (got {self.tree_schools})")
        self._searches: OrderedDict[str, list[_Searches]] = OrderedDict()
        self.tree_budget = int(get_settings().eligibility_tree_mb * 1e6)
        self._tree_bytes: dict[str, int] = {}
        self.tree_bytes = self.tree_peak_bytes = 0
        """Bytes of the trees kept now and the most kept at once."""
        self.searched = 0
        """Shortest-path searches run so far (walking, safe walking and road, each counted)."""
        self.policy, self.schools, self.walk, self.drive = policy, schools, walk, drive
        self.segments = list(segments)
        self.postcodes = postcodes
        self._addresses = addresses
        self.blocked = blocked_edges(self.segments)
        self.needs_road = "road" in (policy.settings.nearest_measure, policy.settings.extended_rights_measure,
                                     ptb_measure(policy))
        if self.needs_road and drive is None:
            raise InputError(f"policy {policy.id} measures road distance: a drive network is needed")
        self._walk_csr = walk.csr("length")
        self._safe_csr = walk.csr("length", self.blocked)
        self._road_csr_t = drive.csr("length").T.tocsr() if drive is not None else None
        self._keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._runs: dict[int, tuple[np.ndarray, list[float]]] = {}
        self._suitable: dict[tuple, list[str]] = {}
        self._to_wgs = Transformer.from_crs(BNG, WGS84, always_xy=True)
        coords, owner = shapely.get_coordinates(walk.edge_geometry, return_index=True)
        self._flat_xy = coords
        self._edge_count = np.bincount(owner, minlength=walk.n_edges).astype(np.int64)
        self._edge_first = np.concatenate([[0], np.cumsum(self._edge_count)[:-1]]).astype(np.int64)
        self._flat_ll: np.ndarray | None = None
        self.entrances: dict[str, list[_Entrance]] = {sid: self._entrances(s) for sid, s in schools.items()}
        self._keyed: dict[tuple, tuple] = {}
        """Per suitability key: (application, attended, named, academic age), what ``unsuitable_reason`` reads."""
        self._suitable_pair: dict[tuple[tuple, str], bool] = {}
        self._kept: dict[tuple, tuple] | None = None
        """Within ``batch``: routes drawn and candidates built, by what makes them (else None)."""
        self._batches = 0
        self._batch_lock = threading.Lock()
        self._snapped: dict[str, dict[tuple[float, float], tuple]] = {"walk": {}, "drive": {}}
        """Points snapped to each network so far (``_snap_arrays``): a cohort's homes share a few
        thousand postcode centroids, met again in every chunk."""
        # per school: its entrances' BNG x, y and the larger of their walk and drive snapping
        self._ent_arrays = {sid: (np.array([e.x for e in ents]), np.array([e.y for e in ents]),
                                  np.array([max(e.walk_snap_m, e.road_snap_m) for e in ents]))
                            for sid, ents in self.entrances.items()}
        self.description = (f"walk {walk.report.source.rsplit('/', 1)[-1]} ({walk.n_edges} edges)"
                            + (f"; drive {drive.report.source.rsplit('/', 1)[-1]}" if drive is not None else "")
                            + f"; {len(self.segments)} unsafe segments")

    def _measure_one(self, homes: _Homes, road_homes: _Homes | None, add_snap: bool, sid: str
                     ) -> tuple[list[float], list[float], list[float], list[float]]:
        """One home (position 0) against each entrance of a school: walk, safe walk, road and straight-line metres.

        The same sums, in the same order, as the cohort path in ``facts_many`` (so the same floats), on
        scalars instead of arrays of one."""
        u, v, cu, cv = int(homes.u[0]), int(homes.v[0]), float(homes.cu[0]), float(homes.cv[0])
        he, f = int(homes.edge[0]), float(homes.fraction[0])
        w = self.walk
        road_at = None
        if road_homes is not None:
            e, rf = int(road_homes.edge[0]), float(road_homes.fraction[0])
            rev = int(self.drive.edge_reverse[e])
            exit_v = (1 - rf) * self.drive.edge_length_m[e]
            exit_u = rf * self.drive.edge_length_m[rev] if rev >= 0 else INF
            road_at = (int(road_homes.v[0]), int(road_homes.u[0]), exit_v, exit_u)
        walk_need = road_need = self._reach_for(sid, homes, np.zeros(1, dtype=np.int64))
        got = self._measure_one_with(homes, road_at, add_snap, sid, walk_need, road_need)
        for grow in (RETRY_FACTOR, INF):   # as in ``_measure_school``
            if got[-2] and got[-1]:
                break
            walk_need *= 1 if got[-2] else grow
            road_need *= 1 if got[-1] else grow
            got = self._measure_one_with(homes, road_at, add_snap, sid, walk_need, road_need)
        return got[:4]

    def _measure_one_with(self, homes: _Homes, road_at, add_snap: bool, sid: str, walk_need: float,
                          road_need: float):
        """``_measure_one`` on searches reaching ``walk_need`` and ``road_need`` metres, and whether every walking
        and every road distance is within their reach."""
        u, v, cu, cv = int(homes.u[0]), int(homes.v[0]), float(homes.cu[0]), float(homes.cv[0])
        he, f = int(homes.edge[0]), float(homes.fraction[0])
        w = self.walk
        walk, safe, road, straight = [], [], [], []
        exact = road_exact = True
        for ent, trees in zip(self.entrances[sid], self.searches(sid, walk_need, road_need)):
            rev = int(w.edge_reverse[ent.walk_edge])
            direct = INF
            if he == ent.walk_edge or (rev >= 0 and rev == he):
                f_home = f if he == ent.walk_edge else 1 - f
                direct = float(np.abs(f_home - ent.walk_fraction) * w.edge_length_m[ent.walk_edge])
            extra = (homes.snap_m[0] + ent.walk_snap_m) if add_snap else 0.0
            by_walk = min(_reach_scalar(trees.plain, u, v, cu, cv), direct)
            by_safe = min(_reach_scalar(trees.safe, u, v, cu, cv), INF if ent.walk_edge in self.blocked else direct)
            walk.append(float(by_walk + extra))
            safe.append(float(by_safe + extra))
            straight.append(float(np.hypot(homes.x[0] - ent.x, homes.y[0] - ent.y)))
            road.append(float(_reach_scalar(trees.road, *road_at)) if road_at is not None and trees.road is not None
                        else INF)
            exact = exact and by_walk <= trees.plain.limit and by_safe <= trees.safe.limit
            road_exact = road_exact and (road_at is None or trees.road is None or road[-1] <= trees.road.limit)
        return walk, safe, road, straight, exact, road_exact

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Keep, until the batch ends, each walk drawn, each home's way onto the network and each
        measured school's ``Candidate``, by what makes it (the tree and the point; the point; the
        measured values and the route object): a cohort's homes share postcode centroids, so chunk
        after chunk draws the same walks and measures the same schools from the same points. Nested
        and concurrent batches share what is kept; it is dropped when the last one ends."""
        with self._batch_lock:
            self._batches += 1
            if self._kept is None:
                self._kept = {}
        try:
            yield
        finally:
            with self._batch_lock:
                self._batches -= 1
                if self._batches == 0:
                    self._kept = None

    # ---- searches -------------------------------------------------------------------
    @staticmethod
    def _tree(csr, roots: list[int], offsets: list[float], limit: float = INF, targets: np.ndarray | None = None,
              pad_m: float = 0.0, floor_m: float = 0.0, old: _Tree | None = None, homes: tuple | None = None) -> _Tree:
        """A search from each root: stopping at ``limit``, or once the ``targets`` are settled and it has gone
        ``pad_m`` farther (at least ``floor_m``, and on to every reading of the ``homes``: see
        ``eligibility.search``), compiled and compact, going on from where the ``old`` tree of the same
        roots stopped; over the whole network (no limit, no targets) scipy's Dijkstra, kept dense."""
        if targets is None and not math.isfinite(limit):
            dist, pred = dijkstra(csr, directed=True, indices=roots, return_predecessors=True)
            return _Tree.of_search(roots, offsets, dist, pred, limit)
        resume = (old.nodes, old.dist, old.pred) if old is not None and old.nodes is not None else None
        nodes, dist, pred, reached = bounded_search(csr, roots, limit=limit, targets=targets, pad=pad_m,
                                                    floor=floor_m, resume=resume, offsets=offsets, homes=homes)
        return _Tree(np.asarray(roots), np.asarray(offsets, dtype=float), dist, pred, limit=reached, nodes=nodes)

    def _reach_for(self, sid: str, homes: _Homes, idx: np.ndarray) -> float:
        """Metres a school's first searches reach for these homes (``REACH_FACTOR``)."""
        ents = self.entrances[sid]
        if not ents or len(idx) == 0:
            return 0.0
        far = max(float(np.hypot(homes.x[idx] - e.x, homes.y[idx] - e.y).max()) for e in ents)
        return REACH_FACTOR * far + REACH_PAD_M

    def _entrances(self, school: School) -> list[_Entrance]:
        out = []
        opened = school.open_entrances()
        snaps = _snap_arrays(self.walk, [e.location for e in opened])
        road = _snap_arrays(self.drive, [e.location for e in opened]) if self.drive is not None and opened else None
        for i, ent in enumerate(opened):
            if snaps.snap_m[i] > self.walk.max_snap_m:
                raise OutsideNetworkError(f"school {school.id} entrance {ent.name!r} is {snaps.snap_m[i]:.0f} m "
                                          f"from the walk network (limit {self.walk.max_snap_m:.0f} m)")
            e, f = int(snaps.edge[i]), float(snaps.fraction[i])
            roots, offs = [int(snaps.v[i])], [float((1 - f) * self.walk.edge_length_m[e])]
            rev = int(self.walk.edge_reverse[e])
            if rev >= 0:
                roots.append(int(snaps.u[i]))
                offs.append(float(f * self.walk.edge_length_m[rev]))
            road_roots = None
            if road is not None and road.snap_m[i] <= self.drive.max_snap_m:
                # arriving at the entrance: from u along the edge (cu) or from v along its reverse (cv)
                road_roots = ([int(road.u[i])], [float(road.cu[i])])
                if np.isfinite(road.cv[i]):
                    road_roots[0].append(int(road.v[i]))
                    road_roots[1].append(float(road.cv[i]))
            out.append(_Entrance(school.id, i, ent.name, ent.location, float(snaps.x[i]), float(snaps.y[i]), e, f,
                                 float(snaps.snap_m[i]), (roots, offs), road_roots,
                                 float(road.snap_m[i]) if road is not None else 0.0))
        return out

    def searches(self, sid: str, walk_m: float = INF, road_m: float = INF, need: _Need | None = None
                 ) -> list[_Searches]:
        """The shortest-path trees of each open entrance of a school, reaching at least ``walk_m``
        (walking) and ``road_m`` (road) metres from it, built at first use or when they reach less:
        with ``need``, searched on until its nodes are settled (and at least as far as before).

        The trees of the ``tree_schools`` schools used most recently are kept, within ``tree_budget``
        bytes (searches that stop at a reach are kept compactly: ``_Tree``); the least recently used
        are dropped and built again if needed.
        """
        if self.walk.n_nodes <= WHOLE_SEARCH_NODES and (self.drive is None or self.drive.n_nodes <= WHOLE_SEARCH_NODES):
            walk_m, road_m, need = INF, INF, None   # a small network: each entrance searched whole, once
        got = self._searches.get(sid)
        if got is not None and all(t.covers(walk_m, road_m) for t in got):
            self._searches.move_to_end(sid)
            return got
        if got and need is None:   # the searches that reach too little reach farther, at least twice as far
            if any(min(t.plain.limit, t.safe.limit) < walk_m for t in got):
                walk_m = max(walk_m, 2 * min(min(t.plain.limit, t.safe.limit) for t in got))
            if any(t.road is not None and t.road.limit < road_m for t in got):
                road_m = max(road_m, 2 * min(t.road.limit for t in got if t.road is not None))
        got = [self._build_searches(ent, walk_m, road_m, old, need) for ent, old in
               zip(self.entrances[sid], got or [None] * len(self.entrances[sid]))]
        self.tree_bytes -= self._tree_bytes.pop(sid, 0)
        self._searches[sid] = got
        self._searches.move_to_end(sid)
        self._tree_bytes[sid] = sum(t.nbytes for t in {id(t): t for s in got for t in (s.plain, s.safe, s.road)
                                                      if t is not None}.values())
        self.tree_bytes += self._tree_bytes[sid]
        while len(self._searches) > 1 and (len(self._searches) > self.tree_schools or self.tree_bytes > self.tree_budget):
            old_sid, _ = self._searches.popitem(last=False)
            self.tree_bytes -= self._tree_bytes.pop(old_sid, 0)
        self.tree_peak_bytes = max(self.tree_peak_bytes, self.tree_bytes)
        return got

    def _search(self, ent: _Entrance, safe: bool, walk_m: float = INF) -> _Tree:
        """An entrance's walking tree (or without the unsafe edges) reaching at least ``walk_m`` metres, to
        draw a route of that length from (the kept one if it reaches that far)."""
        got = self._searches.get(ent.school_id)
        if got is None or (got[ent.index].safe if safe else got[ent.index].plain).limit < walk_m:
            got = self.searches(ent.school_id, walk_m, 0.0)
        trees = got[ent.index]
        return trees.safe if safe else trees.plain

    def _build_searches(self, ent: _Entrance, walk_m: float = INF, road_m: float = INF,
                        old: _Searches | None = None, need: _Need | None = None) -> _Searches:
        if old is not None and min(old.plain.limit, old.safe.limit) >= walk_m:   # only the road search is to reach farther
            plain, safe = old.plain, old.safe
        else:
            plain, safe = self._walk_searches(ent, walk_m, need, old)
        if ent.road_roots is None:
            road = None
        elif old is not None and old.road is not None and old.road.limit >= road_m:
            road = old.road
        else:
            self.searched += 1
            floor_m = old.road.limit if old is not None and old.road is not None else 0.0
            if need is None:
                road = self._tree(self._road_csr_t, *ent.road_roots, limit=road_m)
            elif need.road is None:   # no home measured by road: as far as before
                road = self._tree(self._road_csr_t, *ent.road_roots, limit=floor_m)
            else:
                homes = need.road_homes()
                road = self._tree(self._road_csr_t, *ent.road_roots, targets=need.nodes(homes), floor_m=floor_m,
                                  old=old.road if old is not None else None, homes=homes)
        return _Searches(plain, safe, road)

    def _walk_searches(self, ent: _Entrance, walk_m: float, need: _Need | None = None,
                       old: _Searches | None = None) -> tuple[_Tree, _Tree]:
        self.searched += 1 if not self.blocked or ent.walk_edge in self.blocked else 2
        roots, offs = ent.walk_roots
        if need is None:
            plain = self._tree(self._walk_csr, roots, offs, limit=walk_m)
        else:
            homes = need.walk_homes(ent)
            plain = self._tree(self._walk_csr, roots, offs, targets=need.nodes(homes), homes=homes,
                               floor_m=old.plain.limit if old is not None else 0.0,
                               old=old.plain if old is not None else None)
        if ent.walk_edge in self.blocked:   # no safe walk leaves the entrance: exactly nothing is reached
            safe = _Tree(np.zeros(0, int), np.zeros(0), np.full((0, self.walk.n_nodes), INF),
                         np.zeros((0, self.walk.n_nodes), int), limit=INF)
        elif not self.blocked:
            safe = plain   # no assessed unsafe segment: the same search
        elif need is None:
            safe = self._tree(self._safe_csr, roots, offs, limit=walk_m)
        else:
            safe = self._tree(self._safe_csr, roots, offs, targets=need.nodes(homes), homes=homes,
                              floor_m=old.safe.limit if old is not None else 0.0,
                              old=old.safe if old is not None else None)
        return plain, safe

    # ---- distances --------------------------------------------------------------------
    @staticmethod
    def _reach(tree: _Tree, homes: _Homes, idx: np.ndarray) -> np.ndarray:
        """Metres from the tree's entrance to each selected home (inf if unreachable)."""
        if len(tree.roots) == 0:
            return np.full(len(idx), INF)
        off = tree.offsets[:, None]
        a = tree.cols(homes.u[idx]) + off + homes.cu[idx][None, :]
        b = tree.cols(homes.v[idx]) + off + homes.cv[idx][None, :]
        return np.minimum(a.min(axis=0), b.min(axis=0))

    def _direct(self, ent: _Entrance, homes: _Homes, idx: np.ndarray, blocked: frozenset[int]) -> np.ndarray:
        """Walking straight along a shared edge (home and entrance on the same way)."""
        rev = self.walk.edge_reverse[ent.walk_edge]
        he = homes.edge[idx]
        same = (he == ent.walk_edge) | ((rev >= 0) & (he == rev))
        out = np.full(len(idx), INF)
        if not same.any() or ent.walk_edge in blocked:
            return out
        f_home = np.where(he == ent.walk_edge, homes.fraction[idx], 1 - homes.fraction[idx])
        out[same] = np.abs(f_home[same] - ent.walk_fraction) * self.walk.edge_length_m[ent.walk_edge]
        return out

    @staticmethod
    def _road_reach(tree: _Tree, homes: _Homes, idx: np.ndarray, drive) -> np.ndarray:
        """Metres by road from each selected home to the entrance (leaving the home's edge either way)."""
        e = homes.edge[idx]
        f = homes.fraction[idx]
        rev = drive.edge_reverse[e]
        exit_v = (1 - f) * drive.edge_length_m[e]
        exit_u = np.where(rev >= 0, f * drive.edge_length_m[np.maximum(rev, 0)], INF)
        off = tree.offsets[:, None]
        a = tree.cols(homes.v[idx]) + off + exit_v[None, :]
        b = tree.cols(homes.u[idx]) + off + exit_u[None, :]
        return np.minimum(a.min(axis=0), b.min(axis=0))

    # ---- route geometry ---------------------------------------------------------------------
    def _edge_keys(self, safe: bool) -> tuple[np.ndarray, np.ndarray]:
        """Sorted ``u * n + v`` keys and the shortest usable edge of each (the tree's edge lookup)."""
        key = "safe" if safe else "plain"
        if key not in self._keys:
            w = self.walk
            order = np.lexsort((w.edge_length_m, w.edge_v, w.edge_u))
            if safe and self.blocked:
                order = order[~np.isin(order, np.fromiter(self.blocked, dtype=np.int64))]
            keys = w.edge_u[order].astype(np.int64) * w.n_nodes + w.edge_v[order]
            first = np.ones(len(keys), dtype=bool)
            first[1:] = keys[1:] != keys[:-1]
            self._keys[key] = (keys[first], order[first])
        return self._keys[key]

    def _tree_edges(self, a: np.ndarray, b: np.ndarray, safe: bool) -> np.ndarray:
        """The edge walked between consecutive tree nodes: (a, b) if usable, else (b, a), else -1."""
        keys, edges = self._edge_keys(safe)
        n = self.walk.n_nodes
        out = np.full(len(a), -1, dtype=np.int64)
        for k in (a * n + b, b * n + a):
            pos = np.minimum(np.searchsorted(keys, k), len(keys) - 1)
            hit = (keys[pos] == k) & (out < 0)
            out[hit] = edges[pos[hit]]
        return out

    def _piece(self, e: int, lo: float, hi: float) -> np.ndarray:
        """Vertices of ``shapely.ops.substring(line, lo, hi, normalized=True)`` for 0 <= lo <= hi <= 1.

        The same arithmetic as shapely's (GEOS interpolation at the ends, the vertices strictly
        between by running length), on cumulative lengths computed once per edge.
        """
        line = self.walk.edge_geometry[e]
        if lo == hi:
            return shapely.get_coordinates(shapely.line_interpolate_point(line, lo, normalized=True))
        length = line.length
        start, end = lo * length, hi * length
        ends = shapely.get_coordinates(shapely.line_interpolate_point(line, [start, end]))
        coords, run = self._runs.get(e) or self._run(e)
        a, b = bisect.bisect_right(run, max(start, 0)), bisect.bisect_left(run, end)
        return np.concatenate([ends[:1], coords[a:b], ends[1:]]) if b > a else ends

    def _edge_xy(self, e: int) -> np.ndarray:
        """BNG vertices of walk edge ``e`` (a view of ``_flat_xy``: no array per edge is kept)."""
        first = int(self._edge_first[e])
        return self._flat_xy[first:first + int(self._edge_count[e])]

    def _run(self, e: int) -> tuple[np.ndarray, list[float]]:
        pts = self._edge_xy(e)
        xy = pts.tolist()
        run, d = [], 0
        for p1, p2 in zip(xy, xy[1:]):
            run.append(d)
            d += ((p2[0] - p1[0]) ** 2 + (p2[1] - p1[1]) ** 2) ** 0.5
        self._runs[e] = (pts, run)
        return pts, run

    def _path(self, ent: _Entrance, homes: _Homes, i: int, safe: bool, walk_m: float = INF
              ) -> tuple[np.ndarray, list[int], np.ndarray, list[int]]:
        """The walk from home ``i`` to an entrance, read from the entrance's tree: BNG vertices from the
        home to the first tree node, the whole edges walked between, BNG vertices from the last tree node
        to the entrance, and the edge ids walked (home's edge, the whole edges, the entrance's edge)."""
        head, chain, tail, edges = self._walk_parts(ent, homes, i, safe, walk_m)
        if chain is None:
            return head, [], tail, edges
        middle = self._chains_edges([chain], safe)[0]
        return head, middle, tail, [edges[0], *middle, edges[1]]

    def _chains_edges(self, chains: Sequence[tuple[_Tree, int, list[int]]], safe: bool) -> list[list[int]]:
        """For each (tree, row, positions) chain: the edges walked from each position to its predecessor,
        looked up for the chains' own nodes only (a whole row's lookup cost ~8 ms per county tree), all the
        chains' together (one lookup per tree, not per route)."""
        out: list[list[int]] = [[] for _ in chains]
        by_tree: dict[int, list[int]] = defaultdict(list)
        for n, (tree, _, at) in enumerate(chains):
            if at:
                by_tree[id(tree)].append(n)
        a_parts, b_parts, whose = [], [], []
        for ns in by_tree.values():
            tree = chains[ns[0]][0]
            at = np.fromiter((p for n in ns for p in chains[n][2]), dtype=np.int64,
                             count=sum(len(chains[n][2]) for n in ns))
            rows = np.repeat(np.array([chains[n][1] for n in ns], dtype=np.int64), [len(chains[n][2]) for n in ns])
            a_parts.append(tree.node_ids(at).astype(np.int64))
            b_parts.append(tree.node_ids(tree.pred[rows, at].astype(np.int64)).astype(np.int64))
            whose.extend(ns)
        if not whose:
            return out
        edges = self._tree_edges(np.concatenate(a_parts), np.concatenate(b_parts), safe).tolist()
        lo = 0
        for n in whose:
            hi = lo + len(chains[n][2])
            out[n] = edges[lo:hi]
            lo = hi
        return out

    @staticmethod
    def _nearest_ends(tree: _Tree, homes: _Homes, ks: Sequence[int]) -> list[tuple[float, int, int, int]]:
        """For each home ``ks``: (metres, row, node, node's position) of the way into ``tree`` the walk
        takes, the least of (distance to the end) + row offset + metres along the home's edge over the
        rows and the two ends of its edge, the first such in (row, then u before v) order; (inf, -1, -1,
        -1) when none is reached. All the homes together: the same sums as one home at a time."""
        n, rows = len(ks), len(tree.roots)
        if rows == 0 or n == 0:
            return [(INF, -1, -1, -1)] * n
        at = np.asarray(ks, dtype=np.int64)
        q = np.concatenate([homes.u[at], homes.v[at]]).astype(np.int64)
        pos, dist = tree.cols_at(q)
        total = dist + np.asarray(tree.offsets, dtype=float)[:, None] + \
            np.concatenate([homes.cu[at], homes.cv[at]])[None, :]
        per_home = np.stack([total[:, :n], total[:, n:]], axis=-1).transpose(1, 0, 2).reshape(n, 2 * rows)
        first = per_home.argmin(axis=1)
        least = per_home[np.arange(n), first]
        out = []
        for j, (m, f) in enumerate(zip(least.tolist(), first.tolist())):
            if not m < INF:
                out.append((INF, -1, -1, -1))
                continue
            col = j if f % 2 == 0 else n + j
            out.append((m, f // 2, int(q[col]), int(pos[col])))
        return out

    def _walk_parts(self, ent: _Entrance, homes: _Homes, i: int, safe: bool, walk_m: float = INF,
                    tree: _Tree | None = None, nearest: tuple[float, int, int, int] | None = None
                    ) -> tuple[np.ndarray, tuple[_Tree, int, list[int]] | None, np.ndarray, list[int]]:
        """``_path`` before the whole edges are looked up: the head, the chain of tree positions walked
        (tree, row, positions; None when the walk stays on the entrance's edge), the tail, and the first
        and last edge ids (or the one edge walked). ``tree`` and ``nearest`` (``_nearest_ends``) when the
        caller found them already."""
        if tree is None:
            tree = self._search(ent, safe, walk_m)
        w = self.walk
        hu = homes.u[i]
        if nearest is None:
            nearest = self._nearest_ends(tree, homes, [i])[0]
        best, best_r, best_node, best_pos = nearest
        direct = INF
        he, f_home_raw = int(homes.edge[i]), homes.fraction[i]
        rev = int(w.edge_reverse[ent.walk_edge])
        if (he == ent.walk_edge or (rev >= 0 and he == rev)) and not (safe and ent.walk_edge in self.blocked):
            f_dir = f_home_raw if he == ent.walk_edge else 1 - f_home_raw
            direct = abs(f_dir - ent.walk_fraction) * w.edge_length_m[ent.walk_edge]
        if direct <= best or best_r < 0:
            home_xy, ent_xy = np.array([[homes.x[i], homes.y[i]]]), np.array([[ent.x, ent.y]])
            f_home = f_home_raw if he == ent.walk_edge else 1 - f_home_raw
            lo, hi = sorted((float(f_home), ent.walk_fraction))
            piece = self._piece(ent.walk_edge, lo, hi)
            if f_home > ent.walk_fraction:
                piece = piece[::-1]
            return np.concatenate([home_xy, piece, ent_xy]), None, np.zeros((0, 2)), [ent.walk_edge]
        root = tree.pos(int(tree.roots[best_r]))
        pred = memoryview(tree.pred[best_r])           # Python ints, position by position
        chain = []
        node = best_pos
        while node != root:
            chain.append(node)
            node = pred[node]
        f = float(f_home_raw)
        from_u = best_node == hu
        kept = self._kept
        head_key = ("head", float(homes.x[i]), float(homes.y[i]), he, f, from_u)
        head = kept.get(head_key) if kept is not None else None
        if head is None:   # homes at one point leave it the same way to every school: within a batch, once
            part = self._piece(he, 0.0, f)[::-1] if from_u else self._piece(he, f, 1.0)
            head = np.concatenate([np.array([[homes.x[i], homes.y[i]]]), part])
            if kept is not None:
                kept[head_key] = head
        first_root = tree.roots[best_r] == tree.roots[0]
        tail = ent.pieces.get(first_root)
        if tail is None:
            ef = ent.walk_fraction
            epiece = self._piece(ent.walk_edge, ef, 1.0)[::-1] if first_root else self._piece(ent.walk_edge, 0.0, ef)
            tail = ent.pieces[first_root] = np.concatenate([epiece, np.array([[ent.x, ent.y]])])
        return head, (tree, best_r, chain), tail, [he, ent.walk_edge]

    @property
    def _flat_lonlat(self) -> np.ndarray:
        """(lon, lat) to 6 dp of every walk-edge vertex, projected once (in the order of ``_flat_xy``)."""
        if self._flat_ll is None:
            self._flat_ll = self._lonlat(self._flat_xy)
        return self._flat_ll

    def _parts_lonlat(self, parts: list[np.ndarray]) -> np.ndarray:
        """``_lonlat`` of the parts joined: each part object projected once (within ``batch``, once for the
        batch: homes' ways onto the network and entrances' last parts are drawn once and shared)."""
        kept = self._kept
        seen: dict[int, tuple] = {}     # id -> (part, its lon, lat or None until projected)
        todo: list[np.ndarray] = []
        for part in parts:
            if id(part) in seen:
                continue
            hit = kept.get(("lonlat", id(part))) if kept is not None else None
            if hit is not None and hit[0] is part:
                seen[id(part)] = hit
            else:
                seen[id(part)] = (part, None)
                todo.append(part)
        if todo:
            projected = self._lonlat(np.concatenate(todo))
            for part, ll in zip(todo, np.split(projected, np.cumsum([len(t) for t in todo])[:-1])):
                seen[id(part)] = (part, ll)
                if kept is not None:
                    kept[("lonlat", id(part))] = (part, ll)
        return np.concatenate([seen[id(part)][1] for part in parts])

    def _lonlat(self, xy: np.ndarray) -> np.ndarray:
        lon, lat = self._to_wgs.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.round(lon, 6), np.round(lat, 6)])

    def _routes(self, jobs: Sequence[tuple[_Entrance, int, bool]], homes: _Homes,
                walk_m: Sequence[float] | None = None) -> list[tuple[WalkRoute, list[int]]]:
        """(lon, lat) and edge ids of each (entrance, home, safe) walk (of ``walk_m`` metres). Within
        ``batch``, a walk drawn before from the same point on the same tree is not drawn again: its route
        (read-only) is shared and its edge list copied."""
        kept = self._kept
        if kept is None or not jobs:
            return self._draw(jobs, homes, walk_m)
        out: list = [None] * len(jobs)
        todo: dict[tuple, list] = {}   # each walk not kept: [its first job, its tree, every job wanting it]
        for j, (ent, k, safe) in enumerate(jobs):
            metres = INF if walk_m is None else walk_m[j]
            key = ("route", ent.school_id, ent.index, safe, metres, float(homes.x[k]), float(homes.y[k]))
            if key in todo:
                todo[key][2].append(j)
                continue
            tree = self._search(ent, safe, metres)
            hit = kept.get(key)
            if hit is not None and hit[0]() is tree:
                out[j] = (hit[1], list(hit[2]))
            else:
                todo[key] = [j, weakref.ref(tree), [j]]
        if todo:
            firsts = [first for first, _, _ in todo.values()]
            drawn = self._draw([jobs[j] for j in firsts], homes, None if walk_m is None else [walk_m[j] for j in firsts])
            for (key, (_, tree_ref, wanting)), (route, edges) in zip(todo.items(), drawn):
                kept[key] = (tree_ref, route, tuple(edges))
                for j in wanting:
                    out[j] = (route, list(edges))
        return out

    def _draw(self, jobs: Sequence[tuple[_Entrance, int, bool]], homes: _Homes,
              walk_m: Sequence[float] | None = None) -> list[tuple[WalkRoute, list[int]]]:
        """(lon, lat) and edge ids of each (entrance, home, safe) walk, all drawn.

        Every route is a run of blocks of vertices: its first part (home to the first tree node), each
        whole edge walked, its last part (to the entrance). Whole edges are read from the vertices
        projected once; the parts are projected together; a vertex equal to the one before it is dropped.
        """
        if not jobs:
            return []
        parts: list = [None] * len(jobs)
        drawn: dict[tuple, tuple] = {}      # homes at the same point walk the same path to an entrance
        order = sorted(range(len(jobs)), key=lambda j: jobs[j][0].school_id)
        for _, group in groupby(order, key=lambda j: jobs[j][0].school_id):   # school by school (its trees)
            pending: dict[tuple, list] = {}   # each walk to draw: entrance, home, safe, metres, tree, jobs
            for j in group:
                ent, k, safe = jobs[j]
                metres = INF if walk_m is None else walk_m[j]
                key = (id(ent), safe, metres, float(homes.x[k]), float(homes.y[k]))
                if key in drawn:
                    parts[j] = drawn[key]
                elif key in pending:
                    pending[key][5].append(j)
                else:
                    pending[key] = [ent, k, safe, metres, self._search(ent, safe, metres), [j]]
            by_tree: dict[int, list[tuple]] = defaultdict(list)
            for key, p in pending.items():
                by_tree[id(p[4])].append(key)
            for keys in by_tree.values():   # the ways into one tree, found for all its homes at once
                tree = pending[keys[0]][4]
                for key, near in zip(keys, self._nearest_ends(tree, homes, [pending[key][1] for key in keys])):
                    ent, k, safe, metres, _, wanting = pending[key]
                    got = drawn[key] = self._walk_parts(ent, homes, k, safe, metres, tree=tree, nearest=near)
                    for j in wanting:
                        parts[j] = got
        middles: dict[int, list[int]] = {}   # by id of the parts: one lookup per safe-ness for every chain
        for safe in (False, True):
            todo = list({id(p): p for p, (_, _, s) in zip(parts, jobs) if bool(s) == safe and p[1] is not None}.values())
            for p, middle in zip(todo, self._chains_edges([p[1] for p in todo], safe)):
                middles[id(p)] = middle
        paths = [(p[0], middles[id(p)], p[2], [p[3][0], *middles[id(p)], p[3][1]]) if p[1] is not None
                 else (p[0], [], p[2], p[3]) for p in parts]
        n_flat = len(self._flat_xy)
        heads = [p[0] for p in paths]
        tails = [p[2] for p in paths]
        extra = np.concatenate(heads + tails)
        head_len = np.array([len(h) for h in heads], dtype=np.int64)
        tail_len = np.array([len(t) for t in tails], dtype=np.int64)
        head_start = n_flat + np.concatenate([[0], np.cumsum(head_len)[:-1]])
        tail_start = n_flat + head_len.sum() + np.concatenate([[0], np.cumsum(tail_len)[:-1]])
        n_mid = np.array([len(p[1]) for p in paths], dtype=np.int64)
        middle = np.fromiter((e for p in paths for e in p[1]), dtype=np.int64, count=int(n_mid.sum()))
        # blocks: route r has its head, its n_mid[r] whole edges, its tail
        first_block = np.concatenate([[0], np.cumsum(n_mid + 2)[:-1]])
        tail_block = first_block + 1 + n_mid
        is_edge = np.ones(int((n_mid + 2).sum()), dtype=bool)
        is_edge[first_block] = is_edge[tail_block] = False
        block_start = np.empty(len(is_edge), dtype=np.int64)
        block_len = np.empty(len(is_edge), dtype=np.int64)
        block_start[first_block], block_len[first_block] = head_start, head_len
        block_start[tail_block], block_len[tail_block] = tail_start, tail_len
        block_start[is_edge], block_len[is_edge] = self._edge_first[middle], self._edge_count[middle]
        # every vertex of every route, as a row of [flat vertices; parts]
        ends = np.cumsum(block_len)
        idx = np.repeat(block_start - (ends - block_len), block_len) + np.arange(int(ends[-1]))
        xy = _gather(self._flat_xy, extra, idx)
        route_first = np.concatenate([[0], np.cumsum(np.add.reduceat(block_len, first_block))[:-1]])
        keep = np.ones(len(idx), dtype=bool)
        moved = xy[1:] != xy[:-1]
        np.logical_or(moved[:, 0], moved[:, 1], out=keep[1:])
        keep[route_first] = True
        lonlat = _gather(self._flat_lonlat, self._parts_lonlat(heads + tails), idx[keep])
        lonlat.flags.writeable = False
        bounds = np.concatenate([[0], np.cumsum(np.add.reduceat(keep.astype(np.int64), route_first))]).tolist()
        return [(WalkRoute.of_array(lonlat[a:b]), list(p[3])) for a, b, p in zip(bounds, bounds[1:], paths)]

    # ---- applications --------------------------------------------------------------------
    @property
    def addresses(self) -> AddressIndex:
        """The address points (OS Open UPRN), read at the first home given by UPRN."""
        if self._addresses is None:
            self._addresses = AddressIndex.load()
        return self._addresses

    def home_location(self, app: Application) -> tuple[LatLon, str]:
        """The home point and where it came from (lat/lon, easting/northing, UPRN or postcode centroid)."""
        h = app.home
        if h.location is not None:
            return h.location, "lat/lon given"
        if h.easting is not None and h.northing is not None:
            return LatLon.from_bng(h.easting, h.northing), "easting/northing given"
        if h.uprn is not None:
            try:
                return self.addresses.lookup(h.uprn), f"UPRN {h.uprn} address point ({self.addresses.source})"
            except InputError as exc:
                raise InputError(f"application {app.id}: {exc}") from None
        if self.postcodes is None:
            raise InputError(f"application {app.id}: home is a postcode but no postcode file is loaded")
        return self.postcodes.lookup(h.postcode), f"postcode {h.postcode} centroid (Code-Point Open)"

    def candidate_ids(self, app: Application, on: dt.date | None = None) -> list[str]:
        """Schools worth measuring for an application: the suitable ones, the attended and the named."""
        key = self._suitability(app, on)
        if key not in self._suitable:
            self._suitable[key] = [sid for sid in self.schools if self._is_candidate(key, sid)]
        return list(self._suitable[key])

    def _suitability(self, app: Application, on: dt.date | None = None) -> tuple:
        """The application's suitability key (applications with equal keys have the same candidates)."""
        attended = self.schools[app.school_id]
        named = self.schools.get(app.ehc_named_school_id) if app.ehc_named_school_id else None
        age = academic_age(app.date_of_birth, on or app.travel_date, self.policy.compulsory_school_age.school_year_starts)
        key = suitability_key(app, attended, named, age)
        if key not in self._keyed:
            self._keyed[key] = (app, attended, named, age)
        return key

    def _is_candidate(self, key: tuple, sid: str) -> bool:
        """Whether a school is among ``candidate_ids`` of the applications of a suitability key (memoised
        per key and school: a county's hundreds of schools are asked about only near each home)."""
        hit = self._suitable_pair.get((key, sid))
        if hit is None:
            app, attended, named, age = self._keyed[key]
            hit = self._suitable_pair[(key, sid)] = (
                sid in (attended.id, getattr(named, "id", None))
                or unsuitable_reason(self.schools[sid], app, attended, named, age, self.policy) is None)
        return hit

    def _check_schools(self, app: Application) -> None:
        if app.school_id not in self.schools:
            raise InputError(f"application {app.id}: school {app.school_id} is not a known school")
        if app.ehc_named_school_id and app.ehc_named_school_id not in self.schools:
            raise InputError(f"application {app.id}: EHC plan names school {app.ehc_named_school_id}, "
                             "which is not a known school")

    def facts_many(self, apps: Sequence[Application], *, no_place_at: Sequence[frozenset[str]] | None = None
                   ) -> list[AssessmentFacts | InputError]:
        """Facts for each application, or the InputError that stopped it (same order)."""
        results: list[AssessmentFacts | InputError | None] = [None] * len(apps)
        points: list[LatLon] = []
        sources: list[str] = []
        ok: list[int] = []
        for i, app in enumerate(apps):
            try:
                self._check_schools(app)
                p, src = self.home_location(app)
            except InputError as exc:
                results[i] = exc
                continue
            points.append(p)
            sources.append(src)
            ok.append(i)
        if not ok:
            return results  # type: ignore[return-value]
        homes = _snap_arrays(self.walk, points, self._snapped["walk"])
        road_homes = _snap_arrays(self.drive, points, self._snapped["drive"]) if self.needs_road else None
        add_snap = self.policy.settings.home_start == "address_point"
        keys: list[tuple | None] = []
        for k, i in enumerate(ok):
            app = apps[i]
            if homes.snap_m[k] > self.walk.max_snap_m:
                results[i] = OutsideNetworkError(
                    f"application {app.id}: home is {homes.snap_m[k]:.0f} m from the nearest walkable way "
                    f"(limit {self.walk.max_snap_m:.0f} m)")
                keys.append(None)
                continue
            keys.append(self._suitability(app))
        measured: dict[tuple[str, int], tuple[float, float, float | None, float, int]] = {}
        attending: dict[str, list[tuple[int, Application]]] = defaultdict(list)
        for k, i in enumerate(ok):
            if results[i] is None:
                attending[apps[i].school_id].append((k, apps[i]))
        walks: dict[int, tuple] = {}
        for sid, todo in attending.items():   # school by school: its trees are found or built once, for all its homes
            self._measure_homes(sid, [k for k, _ in todo], homes, road_homes, add_snap, len(ok), measured)
            walks.update(self._attended_walks(todo, measured, homes))
        cands = self._bounded_candidates(apps, ok, keys, homes, road_homes, measured)
        wanted: dict[str, list[int]] = defaultdict(list)   # school -> positions in `ok` still to measure
        for k, ids in enumerate(cands):
            for sid in ids:
                if (sid, k) not in measured:
                    wanted[sid].append(k)
        for sid, ks in wanted.items():
            self._measure_homes(sid, ks, homes, road_homes, add_snap, len(ok), measured)
        for k, i in enumerate(ok):
            if results[i] is not None:
                continue
            app = apps[i]
            try:
                results[i] = self._facts(app, k, cands[k], measured, walks.get(k), points[k], sources[k],
                                         no_place_at[i] if no_place_at is not None else frozenset())
            except InputError as exc:
                results[i] = exc
        return results  # type: ignore[return-value]

    AREA_M = 20_000.0
    """Side of the squares of ``area_of``."""

    def area_of(self, school_id: str) -> tuple:
        """A sort key that puts schools in the same ``AREA_M`` square of the grid together (unknown schools last)."""
        got = self._ent_arrays.get(school_id)
        if got is None or len(got[0]) == 0:
            return (1, 0, 0, school_id)
        return (0, int(got[0][0] // self.AREA_M), int(got[1][0] // self.AREA_M), school_id)

    def _measure_homes(self, sid: str, ks: list[int], homes: _Homes, road_homes: _Homes | None, add_snap: bool,
                       n_homes: int, measured: dict) -> None:
        if n_homes == 1:  # one home (the service's check)
            measured[(sid, 0)] = self._measured_one(homes, road_homes, add_snap, sid)
        else:
            self._measure_school(sid, ks, homes, road_homes, add_snap, measured)

    def _bounded_candidates(self, apps, ok: list[int], keys: list[tuple | None], homes: _Homes,
                            road_homes: _Homes | None, measured: dict) -> list[list[str]]:
        """Each home's schools to measure, in ``candidate_ids`` order: every suitable school, or with
        ``bound_candidates`` those that could be nearer than the school attended (see there)."""
        cands: list[list[str]] = [[] for _ in ok]
        if not self.bound_candidates:
            for k, key in enumerate(keys):
                if key is not None:
                    cands[k] = list(self._suitable.get(key) or self.candidate_ids(self._keyed[key][0]))
            return cands
        measure = self.policy.settings.nearest_measure
        reach = np.full(len(ok), -INF)   # metres within which a school could be nearer (-inf: none needed)
        for k, i in enumerate(ok):
            if keys[k] is None:
                continue
            walk_m, _, road_m, _, _ = measured[(apps[i].school_id, k)]
            mine = walk_m if measure == "walking" else road_m
            if not math.isfinite(walk_m):
                continue   # the school attended cannot be walked to: an error, whatever else is measured
            reach[k] = INF if mine is None or not math.isfinite(mine) else mine
        snap = homes.snap_m if road_homes is None else np.maximum(homes.snap_m, road_homes.snap_m)
        reach = reach * (1 + LENGTH_SLACK) + snap
        attended = [apps[i].school_id if keys[k] is not None else None for k, i in enumerate(ok)]
        order = {sid: n for n, sid in enumerate(self._ent_arrays)}
        attended_n = np.array([order.get(sid, -1) if sid is not None else -1 for sid in attended], dtype=np.int64)
        key_n: dict[tuple, int] = {}   # the homes' suitability keys, numbered
        home_key = np.array([key_n.setdefault(key, len(key_n)) if key is not None else -1 for key in keys],
                            dtype=np.int64)
        distinct = list(key_n)
        for n, (sid, (ex, ey, es)) in enumerate(self._ent_arrays.items()):
            if measure == "road" and all(e.road_roots is None for e in self.entrances[sid]):
                near = np.flatnonzero(reach > -INF)   # no road distance to it: the ranking's error, as in full
            else:
                gap = np.hypot(homes.x[:, None] - ex[None, :], homes.y[:, None] - ey[None, :]) - es[None, :]
                near = np.flatnonzero(gap.min(axis=1) <= reach)
            near = near[home_key[near] >= 0]   # (homes not to be measured have no reach: never near)
            if not len(near):
                continue
            suitable = np.zeros(len(distinct), dtype=bool)   # asked only for the keys of the homes near it
            for kn in np.unique(home_key[near]).tolist():
                suitable[kn] = self._is_candidate(distinct[kn], sid)
            for k in near[(attended_n[near] == n) | suitable[home_key[near]]].tolist():
                cands[k].append(sid)
        for k, sid in enumerate(attended):   # the school attended is always measured, in its place
            if sid is not None and sid not in cands[k]:
                cands[k] = [s for s in self.schools if s == sid or s in cands[k]]
        return cands

    def _measured_one(self, homes: _Homes, road_homes: _Homes | None, add_snap: bool, sid: str) -> tuple:
        """(walk, safe walk, road or None, straight-line metres, entrance) from one home to a school."""
        walk, safe, road, straight = self._measure_one(homes, road_homes, add_snap, sid)
        road_ok = road_homes is not None and road_homes.snap_m[0] <= self.drive.max_snap_m
        best = min(walk, default=INF)
        best_road = min(road, default=INF)
        return (best, min(safe, default=INF), best_road if road_ok and math.isfinite(best_road) else None,
                min(straight, default=INF), walk.index(best) if walk else 0)

    def _measure_school(self, sid: str, ks: list[int], homes: _Homes, road_homes: _Homes | None, add_snap: bool,
                        measured: dict) -> None:
        """(walk, safe walk, road or None, straight-line metres, entrance) from each home ``ks`` to a school."""
        idx = np.asarray(ks)
        need = _Need((homes.u[idx], homes.cu[idx], homes.v[idx], homes.cv[idx]),
                     homes.snap_m[idx] if add_snap else None, None)
        if road_homes is not None:   # as ``_road_reach`` reads them
            e, f = road_homes.edge[idx], road_homes.fraction[idx]
            rev = self.drive.edge_reverse[e]
            need.road = (road_homes.v[idx], (1 - f) * self.drive.edge_length_m[e],
                         road_homes.u[idx], np.where(rev >= 0, f * self.drive.edge_length_m[np.maximum(rev, 0)], INF))
        # the trees kept, whatever they reach (or searched until these homes are settled) ...
        got = self._measure_school_with(sid, idx, homes, road_homes, add_snap, 0.0, 0.0, need)
        if not (got[-2] and got[-1]):   # ... some distance beyond their reach: searched on to these homes
            got = self._measure_school_with(sid, idx, homes, road_homes, add_snap, 0.0 if got[-2] else INF,
                                            0.0 if got[-1] else INF, need)
        if not (got[-2] and got[-1]):   # never expected (a search settles its homes): the whole network
            got = self._measure_school_with(sid, idx, homes, road_homes, add_snap, INF, INF)
        best, best_safe, best_road, straight, which, _, _ = got
        road_ok = (road_homes.snap_m[idx] <= self.drive.max_snap_m) & np.isfinite(best_road) \
            if road_homes is not None else np.zeros(len(idx), dtype=bool)
        for k, w_m, s_m, r_m, r_ok, st_m, j in zip(ks, best.tolist(), best_safe.tolist(), best_road.tolist(),
                                                  road_ok.tolist(), straight.tolist(), which.tolist()):
            measured[(sid, k)] = (w_m, s_m, r_m if r_ok else None, st_m, j)

    def _measure_school_with(self, sid: str, idx: np.ndarray, homes: _Homes, road_homes: _Homes | None,
                             add_snap: bool, walk_need: float, road_need: float, need: _Need | None = None
                             ) -> tuple:
        """``_measure_school`` on searches reaching ``walk_need`` and ``road_need`` metres, and whether every
        walking and every road distance is within their reach."""
        exact = road_exact = True
        best = np.full(len(idx), INF)
        best_safe = np.full(len(idx), INF)
        best_road = np.full(len(idx), INF)
        straight = np.full(len(idx), INF)
        which = np.zeros(len(idx), dtype=np.int64)
        for j, (ent, trees) in enumerate(zip(self.entrances[sid], self.searches(sid, walk_need, road_need, need))):
            extra = (homes.snap_m[idx] + ent.walk_snap_m) if add_snap else 0.0
            by_walk = np.minimum(self._reach(trees.plain, homes, idx), self._direct(ent, homes, idx, frozenset()))
            by_safe = np.minimum(self._reach(trees.safe, homes, idx), self._direct(ent, homes, idx, self.blocked))
            exact = exact and bool((by_walk <= trees.plain.limit).all() and (by_safe <= trees.safe.limit).all())
            d = by_walk + extra
            ds = by_safe + extra
            better = d < best
            which[better] = j
            best = np.minimum(best, d)
            best_safe = np.minimum(best_safe, ds)
            straight = np.minimum(straight, np.hypot(homes.x[idx] - ent.x, homes.y[idx] - ent.y))
            if road_homes is not None and trees.road is not None:
                by_road = self._road_reach(trees.road, road_homes, idx, self.drive)
                road_exact = road_exact and bool((by_road <= trees.road.limit).all())
                best_road = np.minimum(best_road, by_road)
        return best, best_safe, best_road, straight, which, exact, road_exact

    def _attended_walks(self, todo: Sequence[tuple[int, Application]], measured: dict, homes: _Homes) -> dict[int, tuple]:
        """For each home (position ``k``): the route drawn to the school attended, its edges, and the
        unsafe edges and segments the shortest walk would use (the safe route avoids them)."""
        plain_jobs = []
        for k, app in todo:
            walk_m, _, _, _, j = measured[(app.school_id, k)]
            if math.isfinite(walk_m):
                plain_jobs.append((self.entrances[app.school_id][j], k, False))
        plain = dict(zip((k for _, k, _ in plain_jobs), self._routes(
            plain_jobs, homes, [measured[(ent.school_id, k)][0] for ent, k, _ in plain_jobs])))
        out: dict[int, tuple] = {}
        safe_jobs = []
        for ent, k, _ in plain_jobs:
            route, edges = plain[k]
            avoided = sorted(set(edges) & self.blocked) if self.blocked else []
            seg_ids = [s.id for s in self.segments if s.edges & set(avoided)]
            out[k] = (route, edges, avoided, seg_ids)
            if avoided and math.isfinite(measured[(ent.school_id, k)][1]):
                safe_jobs.append((ent, k, True))
        safe_m = [measured[(ent.school_id, k)][1] for ent, k, _ in safe_jobs]
        for (_, k, _), (route, edges) in zip(safe_jobs, self._routes(safe_jobs, homes, safe_m)):
            out[k] = (route, edges, *out[k][2:])
        return out

    def _facts(self, app, k, ids, measured, walk, point, source, no_place) -> AssessmentFacts:
        candidate = Candidate if self.validate_facts else partial(built, Candidate)
        kept = self._kept if not self.validate_facts else None
        out = []
        routed = app.school_id if walk is not None else None
        for sid in ids:
            got = measured[(sid, k)]
            if kept is not None and sid != routed:   # no route: the same values make an equal (frozen) candidate
                same = kept.get(("candidate", sid, got))
                if same is None:
                    walk_m, safe_m, road_m, straight_m, j = got
                    same = kept[("candidate", sid, got)] = candidate(
                        school=self.schools[sid], walk_m=float(walk_m), safe_walk_m=float(safe_m),
                        road_m=None if road_m is None else float(road_m), straight_m=float(straight_m),
                        entrance=self.entrances[sid][j].name, route=_NO_ROUTE, route_edges=(), avoided_edges=(),
                        avoided_segments=())
                out.append(same)
                continue
            walk_m, safe_m, road_m, straight_m, j = got
            ent = self.entrances[sid][j]
            route = _NO_ROUTE
            route_edges: list[int] = []
            avoided: list[int] = []
            seg_ids: list[str] = []
            if sid == app.school_id and walk is not None:
                route, route_edges, avoided, seg_ids = walk
                if kept is not None:   # a route object is drawn with its edges once: the same walk, shared
                    key = ("attended", sid, *got, id(route), tuple(avoided), tuple(seg_ids))
                    same = kept.get(key)
                    if same is None or same.route is not route:
                        same = kept[key] = candidate(
                            school=self.schools[sid], walk_m=float(walk_m), safe_walk_m=float(safe_m),
                            road_m=None if road_m is None else float(road_m), straight_m=float(straight_m),
                            entrance=ent.name, route=route, route_edges=tuple(map(int, route_edges)),
                            avoided_edges=tuple(map(int, avoided)), avoided_segments=tuple(seg_ids))
                    out.append(same)
                    continue
            out.append(candidate(school=self.schools[sid], walk_m=float(walk_m), safe_walk_m=float(safe_m),
                                 road_m=None if road_m is None else float(road_m), straight_m=float(straight_m),
                                 entrance=ent.name, route=route, route_edges=tuple(map(int, route_edges)),
                                 avoided_edges=tuple(map(int, avoided)), avoided_segments=tuple(seg_ids)))
        attended = self.schools[app.school_id]
        if not math.isfinite(next(c.walk_m for c in out if c.school.id == attended.id)):
            raise OutsideNetworkError(f"application {app.id}: no walking route joins the home to {attended.name}")
        named = self.schools.get(app.ehc_named_school_id) if app.ehc_named_school_id else None
        facts = AssessmentFacts if self.validate_facts else partial(built, AssessmentFacts)
        return facts(application=app, school=attended, candidates=tuple(out), named_school=named,
                     home=home_point(point), home_source=source, home_measured_from=app.home.measured_from,
                     no_place_at=frozenset(no_place), measured_on=self.description)

    def route_to(self, facts: AssessmentFacts, school_id: str) -> WalkRoute:
        """(lon, lat) of the measured walk from the facts' home to a measured school's entrance: the safe
        route when the shortest walk uses an assessed unsafe segment and a safe one exists (as drawn for
        the school attended)."""
        return self.routes_to([(facts, school_id)])[0]

    def routes_to(self, todo: Sequence[tuple[AssessmentFacts, str]]) -> list[WalkRoute]:
        """``route_to`` for each (facts, school), drawn together (empty where there is no walk)."""
        out = [_NO_ROUTE] * len(todo)
        which, jobs, points, walk_m = [], [], [], []
        for n, (facts, school_id) in enumerate(todo):
            c = facts.candidate(school_id)
            ent = next((e for e in self.entrances[school_id] if e.name == c.entrance), None)
            if facts.home is None or ent is None or not math.isfinite(c.walk_m):
                continue
            which.append(n)
            walk_m.append(c.walk_m)
            jobs.append((ent, len(jobs), False))
            points.append(LatLon(lat=facts.home[1], lon=facts.home[0]))
        if not jobs:
            return out
        homes = _snap_arrays(self.walk, points, self._snapped["walk"])
        plain = self._routes(jobs, homes, walk_m)
        safe_jobs = [(ent, k, True) for (ent, k, _), (_, edges) in zip(jobs, plain)
                     if self.blocked and set(edges) & self.blocked
                     and math.isfinite(todo[which[k]][0].candidate(ent.school_id).safe_walk_m)]
        routes = [route for route, _ in plain]
        safe_m = [todo[which[k]][0].candidate(ent.school_id).safe_walk_m for ent, k, _ in safe_jobs]
        for (_, k, _), (route, _) in zip(safe_jobs, self._routes(safe_jobs, homes, safe_m)):
            routes[k] = route
        for n, route in zip(which, routes):
            out[n] = route if isinstance(route, WalkRoute) else WalkRoute(route)
        return out

    def with_nearer_route(self, facts: AssessmentFacts, decision: Decision) -> Decision:
        """The decision with the route to the nearer school that decided a "not the nearest suitable
        school" refusal (``Decision.nearer_route``); any other decision unchanged."""
        return self.with_nearer_routes([(facts, decision)])[0]

    def with_nearer_routes(self, decided: Sequence[tuple[AssessmentFacts, Decision]]) -> list[Decision]:
        """``with_nearer_route`` for each (facts, decision), the routes drawn together."""
        out = [d for _, d in decided]
        need = [n for n, d in enumerate(out) if d.refusal == Refusal.NOT_NEAREST_SUITABLE and d.nearer_schools]
        routes = self.routes_to([(decided[n][0], out[n].nearer_schools[0]) for n in need])
        for n, route in zip(need, routes):
            out[n] = out[n].model_copy(update={"nearer_route": route})
        return out

    def facts(self, app: Application, *, no_place_at: frozenset[str] = frozenset()) -> AssessmentFacts:
        """Facts for one application, or the InputError that stops it."""
        result = self.facts_many([app], no_place_at=[no_place_at])[0]
        if isinstance(result, Exception):
            raise result
        return result
