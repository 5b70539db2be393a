"""The compiled bounded search (``eligibility.search``) against scipy's Dijkstra, the oracle."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from eligibility import search
from eligibility.search import NO_PRED, bounded_search


@st.composite
def graphs(draw):
    """A directed graph with positive weights (small whole numbers too, so equal-length paths tie), one
    weight per (u, v) as the engine's networks give (``routing.network._min_csr``)."""
    n = draw(st.integers(1, 24))
    weight = st.one_of(st.integers(1, 4).map(float), st.floats(1e-9, 500.0, allow_nan=False))
    edges = draw(st.dictionaries(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), weight, max_size=4 * n))
    u, v = (np.array([e[i] for e in edges], dtype=np.int64) for i in (0, 1))
    csr = csr_matrix((np.array(list(edges.values()), dtype=float), (u, v)), shape=(n, n))
    roots = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2))
    return csr, roots


def _rows(nodes, dist, n):
    out = np.full((dist.shape[0], n), math.inf)
    out[:, nodes] = dist
    return out


def _scratch_clean():
    for s in search._SCRATCH.values():
        assert np.isinf(s.dist).all() and (s.pred == NO_PRED).all() and not s.state.any() and not s.want.any()
        assert (s.position == -1).all()


def _assert_tree(csr, roots, nodes, dist, pred):
    """Sorted nodes; each settled node's predecessor is settled, and its distance plus the edge is the node's."""
    assert np.all(np.diff(nodes) > 0)
    for r, root in enumerate(roots):
        for i in np.flatnonzero(np.isfinite(dist[r])):
            p = pred[r, i]
            if nodes[i] == root:
                assert p == NO_PRED and dist[r, i] == 0.0
                continue
            assert p >= 0 and math.isfinite(dist[r, p])
            assert dist[r, p] + csr[nodes[p], nodes[i]] == dist[r, i]
        assert (pred[r][np.isinf(dist[r])] == NO_PRED).all()


@settings(max_examples=300, deadline=None)
@given(graphs(), st.floats(0.0, 1_000.0))
def test_a_search_stopped_at_a_limit_reaches_what_scipys_reaches_at_the_same_distances(graph, limit):
    csr, roots = graph
    want = dijkstra(csr, directed=True, indices=roots, limit=limit).reshape(len(roots), -1)
    nodes, dist, pred, reached = bounded_search(csr, roots, limit=limit)
    assert np.array_equal(_rows(nodes, dist, csr.shape[0]), want)   # the same floats, the same nodes
    assert reached == limit or (reached == math.inf and np.array_equal(
        want, dijkstra(csr, directed=True, indices=roots).reshape(len(roots), -1)))
    _assert_tree(csr, roots, nodes, dist, pred)
    _scratch_clean()


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data(), st.floats(0.0, 50.0), st.floats(0.0, 300.0))
def test_a_search_to_targets_settles_them_and_everything_nearer_than_its_limit(graph, data, pad, floor):
    csr, roots = graph
    n = csr.shape[0]
    targets = data.draw(st.lists(st.integers(0, n - 1), max_size=6))
    whole = dijkstra(csr, directed=True, indices=roots).reshape(len(roots), -1)
    nodes, dist, pred, reached = bounded_search(csr, roots, targets=targets, pad=pad, floor=floor)
    got = _rows(nodes, dist, n)
    settled = np.isfinite(got)
    assert np.array_equal(got[settled], whole[settled])          # every distance kept is exact
    assert np.all(settled | (whole >= reached))                  # nothing nearer than the limit is missed
    lowest = math.inf   # a row stops once its targets are settled, pad farther (at least floor); else at none
    for r in range(len(roots)):
        assert all(settled[r, t] for t in targets if math.isfinite(whole[r, t]))
        if targets and all(math.isfinite(whole[r, t]) for t in targets):
            lowest = min(lowest, max(max(whole[r, t] for t in targets) + pad, floor))
    assert reached >= lowest
    _assert_tree(csr, roots, nodes, dist, pred)
    _scratch_clean()


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_a_search_to_homes_goes_on_until_every_reading_of_them_is_within_its_limit(graph, data):
    """Homes on edges (node a and b, metres to each, extra metres): every home's distance as the caller
    reads it (the least over rows of d + offset + metres, plus extra) is at most the limit, so exact."""
    csr, roots = graph
    n = csr.shape[0]
    k = data.draw(st.integers(1, 5))
    nodes = st.lists(st.integers(0, n - 1), min_size=k, max_size=k).map(lambda v: np.array(v, dtype=np.int64))
    metres = st.lists(st.floats(0.0, 300.0), min_size=k, max_size=k).map(np.array)
    ha, hb, hac, hbc, extra = data.draw(nodes), data.draw(nodes), data.draw(metres), data.draw(metres), data.draw(metres)
    hbc[data.draw(st.integers(0, k - 1))] = math.inf   # a one-way edge: no way out by b
    offsets = np.array(data.draw(st.lists(st.floats(0.0, 100.0), min_size=len(roots), max_size=len(roots))))
    got = bounded_search(csr, roots, targets=np.concatenate([ha, hb]), offsets=offsets,
                         homes=(ha, hac, hb, hbc, extra))
    whole = dijkstra(csr, directed=True, indices=roots).reshape(len(roots), -1)
    tree = _rows(got[0], got[1], n)
    settled = np.isfinite(tree)
    assert np.array_equal(tree[settled], whole[settled]) and np.all(settled | (whole >= got[3]))
    off = offsets[:, None]
    read = np.minimum((tree[:, ha] + off + hac).min(axis=0), (tree[:, hb] + off + hbc).min(axis=0)) + extra
    true = np.minimum((whole[:, ha] + off + hac).min(axis=0), (whole[:, hb] + off + hbc).min(axis=0)) + extra
    assert np.array_equal(read, true)
    assert np.all((read <= got[3]) | np.isinf(true))
    _scratch_clean()


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data(), st.floats(0.0, 50.0))
def test_a_search_going_on_from_an_old_one_settles_what_a_new_search_settles(graph, data, pad):
    """Grown for other targets from where an old search stopped: every node a new search to them (reaching
    at least as far as the old one) settles, at the same distance, the old nodes kept, the targets settled,
    nothing nearer than its limit missed, and a valid tree."""
    csr, roots = graph
    n = csr.shape[0]
    first = data.draw(st.lists(st.integers(0, n - 1), max_size=4))
    then = data.draw(st.lists(st.integers(0, n - 1), max_size=4))
    old = bounded_search(csr, roots, targets=first, pad=pad)
    grown = bounded_search(csr, roots, targets=then, pad=pad, floor=old[3], resume=old[:3])
    new = bounded_search(csr, roots, targets=then, pad=pad, floor=old[3])
    got, fresh = _rows(grown[0], grown[1], n), _rows(new[0], new[1], n)
    assert np.array_equal(got[np.isfinite(fresh)], fresh[np.isfinite(fresh)])   # all the new search settles
    assert np.isin(old[0], grown[0]).all() and grown[3] >= min(new[3], old[3])
    whole = dijkstra(csr, directed=True, indices=roots).reshape(len(roots), -1)
    settled = np.isfinite(got)
    assert np.array_equal(got[settled], whole[settled]) and np.all(settled | (whole >= grown[3]))
    assert all(settled[r, t] for r in range(len(roots)) for t in then if math.isfinite(whole[r, t]))
    _assert_tree(csr, roots, *grown[:3])
    _scratch_clean()


def test_the_scratch_is_clean_after_searches_of_a_real_network(rutland_assessor):
    """Searches on the Rutland walk network, stopped by limit and by targets, leave every scratch entry as
    it was; the second of two equal searches gives the same arrays."""
    m = rutland_assessor.measurer
    csr = m._walk_csr
    rng = np.random.default_rng(5)
    for _ in range(5):
        roots = rng.integers(0, csr.shape[0], 2).tolist()
        targets = rng.integers(0, csr.shape[0], 30)
        a = bounded_search(csr, roots, targets=targets, pad=50.0)
        b = bounded_search(csr, roots, targets=targets, pad=50.0)
        assert all(np.array_equal(x, y) for x, y in zip(a[:3], b[:3])) and a[3] == b[3]
        c = bounded_search(csr, roots, limit=3_000.0)
        want = dijkstra(csr, directed=True, indices=roots, limit=3_000.0)
        assert np.array_equal(_rows(c[0], c[1], csr.shape[0]), want)
    _scratch_clean()
