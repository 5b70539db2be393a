"""The unoptimised decision path, kept as the oracle for the fast one.

``reference_route`` is the walk-route geometry as first written: per route, shapely
``substring`` for the partial edges, a dict lookup per tree edge and one pyproj call.
``ReferenceMeasurer`` uses it, builds every ``Candidate`` and ``Decision`` with full
pydantic validation, and searches with scipy's Dijkstra over the whole network (the oracle of
the compiled searches that stop at their homes, ``eligibility.search``);
``reference_decisions`` decides a cohort that way, on its own searches. Tests and
``benchmarks/eligibility.py`` check that the fast path gives the same decisions, field by field.
Nothing in the service uses this module.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import shapely
import shapely.ops
from scipy.sparse.csgraph import dijkstra

from eligibility.measure import INF, Measurer, _Entrance, _Homes, _Tree
from eligibility.rules import Decision, decide
from transport.domain.models import Application


class ReferenceMeasurer(Measurer):
    """A ``Measurer`` that draws routes one at a time the original way and validates every Candidate,
    and measures every suitable school (not only those that could be nearer than the one attended) on
    scipy's searches of the whole network."""

    bound_candidates = False
    validate_facts = True

    @staticmethod
    def _tree(csr, roots, offsets, limit=INF, targets=None, pad_m=0.0, floor_m=0.0, old=None, homes=None) -> _Tree:
        dist, pred = dijkstra(csr, directed=True, indices=roots, return_predecessors=True)
        return _Tree.of_search(roots, offsets, dist, pred, INF)

    def _routes(self, jobs, homes, walk_m=None):
        return [reference_route(self, ent, homes, k, safe, INF if walk_m is None else walk_m[n])
                for n, (ent, k, safe) in enumerate(jobs)]


def reference_decisions(measurer: Measurer, apps: Sequence[Application]) -> list[Decision | Exception]:
    """Each application decided on the reference path (decisions re-validated), or its error."""
    ref = ReferenceMeasurer.__new__(ReferenceMeasurer)
    ref.__dict__.update(measurer.__dict__)
    ref._snapped = {"walk": {}, "drive": {}}   # snaps every point afresh, keeps nothing drawn
    ref._kept = None
    ref._searches, ref._tree_bytes = OrderedDict(), {}   # its own searches, not the fast path's trees
    ref.tree_bytes = ref.tree_peak_bytes = ref.searched = 0
    out: list[Decision | Exception] = []
    for res in ref.facts_many(list(apps)):
        if isinstance(res, Exception):
            out.append(res)
            continue
        try:
            d = ref.with_nearer_route(res, decide(res, measurer.policy))
        except Exception as exc:  # noqa: BLE001 - the oracle records the error as its answer
            out.append(exc)
            continue
        out.append(Decision.model_validate(d.model_dump()))
    return out


_LOOKUPS: dict[tuple[int, frozenset[int]], dict[tuple[int, int], int]] = {}


def _lookup(m: Measurer, safe: bool) -> dict[tuple[int, int], int]:
    """The shortest usable edge for each (u, v), as the original route drawing looked it up."""
    net, blocked = m.walk, (m.blocked if safe else frozenset())
    key = (id(net), blocked)
    if key not in _LOOKUPS:
        order = np.lexsort((net.edge_length_m, net.edge_v, net.edge_u))
        out: dict[tuple[int, int], int] = {}
        for e in order.tolist():
            if e in blocked:
                continue
            out.setdefault((int(net.edge_u[e]), int(net.edge_v[e])), e)
        _LOOKUPS[key] = out
    return _LOOKUPS[key]


def reference_route(m: Measurer, ent: _Entrance, homes: _Homes, i: int, safe: bool, walk_m: float = INF
                    ) -> tuple[list[tuple[float, float]], list[int]]:
    """(lon, lat) and edge ids of the walk (of ``walk_m`` metres) from home ``i`` to an entrance."""
    tree = m._search(ent, safe, walk_m)
    lookup = _lookup(m, safe)
    w = m.walk
    best = (INF, -1, -1, 0.0)
    for r in range(len(tree.roots)):
        for node, c in ((homes.u[i], homes.cu[i]), (homes.v[i], homes.cv[i])):
            total = tree.at(r, node) + tree.offsets[r] + c
            if total < best[0]:
                best = (total, r, int(node), float(c))
    direct = m._direct(ent, homes, np.array([i]), m.blocked if safe else frozenset())[0]
    home_xy = (float(homes.x[i]), float(homes.y[i]))
    if direct <= best[0] or best[1] < 0:
        line = w.edge_geometry[ent.walk_edge]
        f_home = homes.fraction[i] if homes.edge[i] == ent.walk_edge else 1 - homes.fraction[i]
        lo, hi = sorted((float(f_home), ent.walk_fraction))
        piece = shapely.ops.substring(line, lo, hi, normalized=True)
        xy = shapely.get_coordinates(piece).tolist()
        if f_home > ent.walk_fraction:
            xy.reverse()
        return _lonlat(m, [home_xy, *xy, (ent.x, ent.y)]), [ent.walk_edge]
    _, r, node, _ = best
    chain = [node]
    root = int(tree.roots[r])
    while chain[-1] != root:
        chain.append(tree.pred_node(r, chain[-1]))
    # chain runs home-side node -> ... -> root (entrance side); walking is symmetric
    xy: list[tuple[float, float]] = [home_xy]
    home_edge = int(homes.edge[i])
    hline = w.edge_geometry[home_edge]
    f = float(homes.fraction[i])
    part = shapely.ops.substring(hline, 0.0, f, normalized=True) if node == homes.u[i] else \
        shapely.ops.substring(hline, f, 1.0, normalized=True)
    pc = shapely.get_coordinates(part).tolist()
    xy += pc[::-1] if node == homes.u[i] else pc
    walked = [home_edge]
    middle = []
    for a, b in zip(chain, chain[1:]):
        e = lookup.get((a, b), lookup.get((b, a), -1))
        walked.append(e)
        middle.append(m._edge_xy(e))
    if middle:
        xy += np.concatenate(middle).tolist()
    eline = w.edge_geometry[ent.walk_edge]
    ef = ent.walk_fraction
    epart = shapely.ops.substring(eline, ef, 1.0, normalized=True) if root == tree.roots[0] else \
        shapely.ops.substring(eline, 0.0, ef, normalized=True)
    ec = shapely.get_coordinates(epart).tolist()
    xy += ec[::-1] if root == tree.roots[0] else ec
    xy.append((ent.x, ent.y))
    walked.append(ent.walk_edge)
    return _lonlat(m, xy), walked


def _lonlat(m: Measurer, xy: list) -> list[tuple[float, float]]:
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    keep = np.ones(len(arr), dtype=bool)
    keep[1:] = np.any(arr[1:] != arr[:-1], axis=1)
    arr = arr[keep]
    lon, lat = m._to_wgs.transform(arr[:, 0], arr[:, 1])
    return list(map(tuple, np.round(np.column_stack([lon, lat]), 6).tolist()))
