"""Decomposition: every child in exactly one sub-problem, fleet shares within the county fleet."""

import numpy as np

from routing.decompose import decompose, split_fleet, subproblems
from routing.matrix import compute_matrix
from transport.planning.county import planar_coords


def test_every_child_in_exactly_one_cluster(county30):
    """Clusters partition the requests, respect the size cap and keep siblings together."""
    built, _ = county30
    clusters = decompose(built.problem, planar_coords(built.locations), max_requests=8)
    ids = [rid for c in clusters for rid in c.request_ids]
    assert sorted(ids) == sorted(r.id for r in built.problem.requests)
    assert len(clusters) >= 3
    assert all(1 <= len(c.request_ids) <= 8 for c in clusters)
    where = {rid: k for k, c in enumerate(clusters) for rid in c.request_ids}
    groups: dict[str, set[int]] = {}
    for r in built.problem.requests:
        if r.travel_group:
            groups.setdefault(r.travel_group, set()).add(where[r.id])
    assert all(len(ks) == 1 for ks in groups.values())


def test_big_school_is_cut_into_sectors(county30):
    """A school with more children than the cap is split, each part within the cap."""
    built, _ = county30
    clusters = decompose(built.problem, planar_coords(built.locations), max_requests=3)
    per_school: dict[str, int] = {}
    for c in clusters:
        for s in c.school_ids:
            per_school[s] = per_school.get(s, 0) + 1
    biggest = max({r.school_id for r in built.problem.requests},
                  key=lambda s: sum(r.school_id == s for r in built.problem.requests))
    if sum(r.school_id == biggest for r in built.problem.requests) > 3:
        assert per_school[biggest] >= 2
    assert all(len(c.request_ids) <= 3 for c in clusters)


def test_fleet_shares_never_exceed_the_county(county30):
    """Per type, the clusters' allotments add up to at most the county count minus the reserve."""
    built, _ = county30
    clusters = decompose(built.problem, planar_coords(built.locations), max_requests=8)
    shares = split_fleet(built.problem, clusters, reserve=0.2)
    for vt in built.problem.vehicle_types:
        assert sum(s[vt.id] for s in shares) <= vt.count
    assert sum(s["taxi"] for s in shares) >= 1


def test_fleet_shares_come_from_the_nearest_depots(three_depot_county):
    """With each kind of vehicle based at three depots, a cluster is given a copy based farther
    from its schools only once every nearer copy's vehicles (less the reserve) are all given out;
    with ample vehicles, each cluster is given only its nearest copy of each kind."""
    built = three_depot_county
    problem = built.problem
    clusters = decompose(problem, planar_coords(built.locations), max_requests=8)
    shares = split_fleet(problem, clusters, reserve=0.2)
    by_id = {r.id: r for r in problem.requests}
    left = {vt.id: int(vt.count * 0.8) - sum(s[vt.id] for s in shares) for vt in problem.vehicle_types}
    assert all(n <= vt.count - int(vt.count * 0.8) for vt in problem.vehicle_types for n in [-left[vt.id]])
    kind = {vt.id: vt.id.split("-", 1)[1] for vt in problem.vehicle_types}
    far_used = 0
    for c, share in zip(clusters, shares):
        schools = sorted({by_id[rid].delivery for rid in c.request_ids})
        away = {vt.id: float(np.mean(problem.duration_s[vt.start_depot, schools])) for vt in problem.vehicle_types}
        for vt in problem.vehicle_types:
            if share[vt.id]:
                nearer = [o for o in problem.vehicle_types if kind[o.id] == kind[vt.id] and away[o.id] < away[vt.id]]
                assert all(left[o.id] <= 0 for o in nearer), (c.id, vt.id)
                far_used += bool(nearer)
    assert len({t.split("-")[0] for s in shares for t, n in s.items() if n}) >= 2
    assert far_used == 0  # 32 of each copy to give: every cluster is served from its nearest depot


def test_subproblem_matrices_are_those_of_its_own_points(county30, drive_net):
    """A sub-problem's block of the county matrices equals compute_matrix on its points alone."""
    built, _ = county30
    clusters = decompose(built.problem, planar_coords(built.locations), max_requests=8)
    sp = subproblems(built.problem, clusters)[1]
    pts = [built.locations[k].point for k in sp.locations]
    m = compute_matrix(drive_net, pts)
    assert np.array_equal(sp.problem.duration_s, m.int_duration_s())
    assert np.array_equal(sp.problem.distance_m, m.int_distance_m())
    assert len(sp.problem.requests) == len(clusters[1].request_ids)
