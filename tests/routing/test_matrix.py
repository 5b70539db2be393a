"""Drive matrices swept down the contraction hierarchy equal the per-origin Dijkstra ones (the
oracle), value for value: on random small graphs, the real Rutland network and a 2x1 tiled county."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from routing.hierarchy import INF, contract
from routing.matrix import drive_hierarchy, matrix_of_snaps, square_matrix_int32
from routing.network import build_network
from tests.conftest import two_drive_tiles
from transport.domain.geo import LatLon


def _floyd(n: int, edges: list[tuple[int, int, int]]) -> np.ndarray:
    """All-pairs least costs by Floyd-Warshall in Python integers (shares nothing with either method)."""
    d = [[0 if i == j else None for j in range(n)] for i in range(n)]
    for a, b, w in edges:
        if a != b and (d[a][b] is None or w < d[a][b]):
            d[a][b] = w
    for k in range(n):
        for i in range(n):
            if d[i][k] is None:
                continue
            for j in range(n):
                if d[k][j] is not None and (d[i][j] is None or d[i][k] + d[k][j] < d[i][j]):
                    d[i][j] = d[i][k] + d[k][j]
    return d


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 14))
    big = draw(st.booleans())  # weights near the drive weight's size (ms * 2**25 + cm) or small, with ties
    weight = st.integers(0, 2**45) if big else st.integers(0, 4)
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), weight), max_size=40))
    ends = st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 3)), min_size=0, max_size=3)
    return n, edges, draw(st.lists(ends, min_size=1, max_size=5)), draw(st.lists(ends, min_size=1, max_size=5))


@hypothesis_settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([1, 2, 20]))
def test_hierarchy_costs_are_the_least_costs(graph, settle_limit):
    """Parallel edges, loops, zero weights, unreachable pairs and witness searches cut short
    (settle limit 1) all give exactly the least cost, source ends to target ends, by a sweep per
    source and by a sweep per target on the reversed hierarchy."""
    n, edges, sources, targets = graph
    u, v, w = (np.array([e[k] for e in edges], dtype=np.int64) for k in range(3))
    h = contract(n, u, v, w, settle_limit=settle_limit)
    forward, reversed_ = h.costs(sources, targets, by_target=False), h.costs(sources, targets, by_target=True)
    d = _floyd(n, edges)
    for i, src in enumerate(sources):
        for j, tgt in enumerate(targets):
            best = min((c0 + d[a][b] + c1 for a, c0 in src for b, c1 in tgt if d[a][b] is not None), default=None)
            assert forward[i, j] == reversed_[i, j] == (np.inf if best is None else best)


def test_hierarchy_weights_must_be_exact_integers():
    with pytest.raises(ValueError, match="2\\*\\*53"):
        contract(2, np.array([0]), np.array([1]), np.array([2**53]))
    assert INF > 2**53 * 8


def _points_near_nodes(net, n: int, seed: int) -> list[LatLon]:
    """Points a little off random nodes: on edges (one-way ones too), not on nodes."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(net.n_nodes, n, replace=False)
    return [LatLon(p.lat + 0.0003, p.lon - 0.0002) for p in net.node_latlon(nodes)]


def test_hierarchy_matrix_equals_dijkstra_on_rutland(drive_net, schools):
    """Every cell of the drive matrix (seconds and metres of the fastest route, unreachable pairs)
    is the same from the hierarchy as from one Dijkstra per origin."""
    pts = _points_near_nodes(drive_net, 400, 5) + [s.location for s in schools.values()]
    snaps = drive_net.snap_many(pts)
    old = matrix_of_snaps(drive_net, snaps, snaps, square=True)
    new = matrix_of_snaps(drive_net, snaps, snaps, square=True, method="hierarchy")
    assert np.array_equal(old.duration_s, new.duration_s) and np.array_equal(old.distance_m, new.distance_m)
    assert np.isfinite(new.duration_s).all() and new.duration_s.max() > 1_000  # real cross-county routes
    part = matrix_of_snaps(drive_net, snaps[:30], snaps[100:], method="hierarchy")  # rectangular block
    assert np.array_equal(part.duration_s, old.duration_s[:30, 100:])
    cols = matrix_of_snaps(drive_net, snaps, snaps[7:10], method="hierarchy")  # columns: reversed sweeps
    assert cols.duration_s.flags.c_contiguous
    assert np.array_equal(cols.duration_s, old.duration_s[:, 7:10])
    assert np.array_equal(cols.distance_m, old.distance_m[:, 7:10])


def test_auto_takes_the_hierarchy_once_built(drive_net):
    """``auto`` (matrix_of_snaps' default) searches by Dijkstra until the network's hierarchy is
    built, then sweeps it: the same matrices either way."""
    net = pickle.loads(pickle.dumps(drive_net))  # a copy without the caches (no hierarchy)
    pts = _points_near_nodes(net, 40, 3)
    snaps = net.snap_many(pts)
    assert net._hierarchy is None
    before = matrix_of_snaps(net, snaps, snaps[:2])
    assert net._hierarchy is None  # a few searches do not pay for a contraction
    drive_hierarchy(net)
    after = matrix_of_snaps(net, snaps, snaps[:2])
    assert np.array_equal(before.duration_s, after.duration_s) and np.array_equal(before.distance_m, after.distance_m)


def test_hierarchy_is_built_once_per_network_and_only_for_drive(drive_net, walk_net):
    assert drive_hierarchy(drive_net) is drive_hierarchy(drive_net)
    assert drive_hierarchy(drive_net).n_edges >= drive_net.n_edges // 2
    with pytest.raises(ValueError, match="drive"):
        drive_hierarchy(walk_net)
    with pytest.raises(ValueError, match="unknown matrix method"):
        matrix_of_snaps(drive_net, [], [], method="astar")



@pytest.fixture(scope="module")
def tiled_drive(settings, tmp_path_factory):
    """The real Rutland drive extract as 2x1 tiles joined at their border roads (as the county benchmark lays them out)."""
    return build_network(two_drive_tiles(tmp_path_factory.mktemp("tiles"))[3], "drive")


def test_hierarchy_county_matrices_equal_dijkstra_on_tiles(tiled_drive, drive_net):
    """On two joined tiles (twice Rutland's nodes, routes across the join): the int32 county
    matrices from the hierarchy, in one process and in row blocks on two, equal the Dijkstra ones."""
    assert tiled_drive.n_nodes > 1.9 * drive_net.n_nodes
    pts = _points_near_nodes(tiled_drive, 500, 7)
    old = square_matrix_int32(tiled_drive, pts, chunk=128, method="dijkstra")
    for workers in (1, 2):
        new = square_matrix_int32(tiled_drive, pts, chunk=128, workers=workers, method="hierarchy")
        for a, b in ((old.duration_s, new.duration_s), (old.distance_m, new.distance_m),
                     (old.bad_rows, new.bad_rows), (old.bad_cols, new.bad_cols)):
            assert np.array_equal(a, b)
    assert old.duration_s.max() > 1_800  # half an hour and more: from one tile into the other


def test_a_networks_hierarchy_is_kept_beside_its_cache_and_read_back(tmp_path, monkeypatch):
    """The contraction is saved beside the network's cache file the first time, and a fresh process
    (a new load of the cached network) reads it instead of contracting again: the same arrays, so the
    same matrices. A damaged file is contracted again, never trusted."""
    import shutil

    import routing.hierarchy_cache as hc
    from routing.network import load_network_from
    from tests.conftest import DATA

    osm = tmp_path / "area.osm"
    shutil.copy(DATA / "oakham_centre_drive.osm", osm)
    cache = tmp_path / "cache"
    first = drive_hierarchy(load_network_from(osm, "drive", cache_dir=cache))
    saved = sorted(cache.glob("*hierarchy*.npz"))
    assert len(saved) == 1

    contractions = []
    monkeypatch.setattr(hc, "contract", lambda *a, **k: contractions.append(1) or contract(*a, **k))
    net = load_network_from(osm, "drive", cache_dir=cache)
    again = drive_hierarchy(net)
    assert contractions == []
    for name in ("rank", "up_ptr", "up_to", "up_w", "dn_ptr", "dn_from", "dn_w"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    pts = _points_near_nodes(net, min(30, net.n_nodes // 2), 5)
    snaps = net.snap_many(pts)
    by_h = matrix_of_snaps(net, snaps, snaps, method="hierarchy")
    by_d = matrix_of_snaps(net, snaps, snaps, method="dijkstra")
    assert np.array_equal(by_h.duration_s, by_d.duration_s) and np.array_equal(by_h.distance_m, by_d.distance_m)

    saved[0].write_bytes(b"not a hierarchy")
    rebuilt = drive_hierarchy(load_network_from(osm, "drive", cache_dir=cache))
    assert contractions == [1]
    assert np.array_equal(rebuilt.rank, first.rank)
    assert np.load(saved[0])["rank"].shape == first.rank.shape  # written again, whole

    # a file whose arrays do not fit together (one edge's weight missing) is contracted again too
    with np.load(saved[0]) as z:
        arrays = {name: z[name] for name in z.files}
    np.savez(saved[0], **(arrays | {"dn_w": arrays["dn_w"][:-1]}))
    again = drive_hierarchy(load_network_from(osm, "drive", cache_dir=cache))
    assert contractions == [1, 1] and np.array_equal(again.dn_w, first.dn_w)

    # a network built without a cache directory keeps its hierarchy in memory only
    assert drive_hierarchy(load_network_from(osm, "drive", cache_dir=None)).n_edges == first.n_edges
    assert len(sorted(cache.glob("*hierarchy*.npz"))) == 1
