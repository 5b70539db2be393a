"""The fast decision path against its oracle (``eligibility.reference``) on the real Rutland data."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import resource

import numpy as np
import pytest
import shapely
import shapely.ops
from hypothesis import given, settings
from pydantic import BaseModel
from hypothesis import strategies as st
from shapely.geometry import LineString

import eligibility.measure as measure
from eligibility.measure import _snap_arrays, _snap_xy
from eligibility.reference import reference_decisions
from eligibility.route import WalkRoute
from eligibility.service import Assessor
from eligibility.unsafe import UnsafeSegment, map_to_network
from transport.domain.errors import InputError
from transport.domain.geo import bng_many
from transport.domain.models import Application, Home

TRAVEL = dt.date(2025, 9, 3)


def _cohort(assessor, n: int, seed: int) -> list[Application]:
    """n seeded applications at real postcodes to real schools (mainstream by age, special with an EHC plan)."""
    rng = random.Random(seed)
    schools = list(assessor.measurer.schools.values())
    postcodes = assessor.measurer.postcodes.postcodes()
    primary = [s for s in schools if s.phase.value == "primary" and s.school_type.value == "mainstream"]
    secondary = [s for s in schools if s.phase.value == "secondary" and s.school_type.value == "mainstream"]
    special = [s for s in schools if s.is_special]
    out = []
    for i in range(n):
        dob = TRAVEL - dt.timedelta(days=rng.randint(5 * 365 + 200, 15 * 365))
        ehc = rng.random() < 0.05
        pool = special if ehc else (primary if (TRAVEL - dob).days // 365 < 11 else secondary)
        school = rng.choice(pool)
        out.append(Application(
            id=f"F{i:05d}", date_of_birth=dob, sex=rng.choice("FMU"), home=Home(postcode=rng.choice(postcodes)),
            school_id=school.id, travel_date=TRAVEL, ehc_plan=ehc, ehc_named_school_id=school.id if ehc else None,
            sen_mobility=ehc and rng.random() < 0.7, low_income=rng.random() < 0.25,
            religious_preference="Church of England" if rng.random() < 0.15 else None))
    return out


def _assert_same(assessor, apps) -> list:
    decisions, errors = assessor.assess_many(apps)
    ref = reference_decisions(assessor.measurer, apps)
    assert len(decisions) + len(errors) == len(apps)
    fast = iter(decisions)
    error_ids = {e.application_id for e in errors}
    for app, r in zip(apps, ref):
        if isinstance(r, Exception):
            assert app.id in error_ids
            continue
        d = next(fast)
        assert d.application_id == r.application_id
        for name in type(d).model_fields:
            assert getattr(d, name) == getattr(r, name), (app.id, name)
        _assert_same_types(d, r, app.id)
        assert d.model_dump_json() == r.model_dump_json()
    return decisions


def _assert_same_types(fast, ref, where) -> None:
    """Value for value, the same Python types as the validated record (the fast path builds decisions
    without validating them: no numpy scalar, enum member or tuple where validation gives float, str, list)."""
    assert type(fast) is type(ref), (where, type(fast), type(ref))
    if isinstance(ref, BaseModel):
        assert fast.__pydantic_extra__ == ref.__pydantic_extra__
        assert list(fast.__dict__) == list(type(ref).model_fields), where   # in the class's order
        for name in type(ref).model_fields:
            _assert_same_types(getattr(fast, name), getattr(ref, name), (where, name))
    elif isinstance(ref, (list, tuple)):
        assert len(fast) == len(ref), where
        for n, (a, b) in enumerate(zip(fast, ref)):
            _assert_same_types(a, b, (where, n))
    elif isinstance(ref, WalkRoute):
        assert fast.lonlat.dtype == ref.lonlat.dtype and np.array_equal(fast.lonlat, ref.lonlat), where


def test_fast_decisions_equal_reference_field_by_field(rutland_assessor):
    """400 decisions on the fast path equal the reference path's, field by field and as JSON."""
    decisions = _assert_same(rutland_assessor, _cohort(rutland_assessor, 400, seed=18))
    assert len(decisions) > 370
    assert sum(bool(d.route) for d in decisions) > 330


def test_fast_path_equals_reference_around_unsafe_segments(rutland_assessor):
    """With a segment on routes actually walked, the safe routes drawn agree with the reference too."""
    apps = _cohort(rutland_assessor, 120, seed=19)
    plain, _ = rutland_assessor.assess_many(apps)
    used: dict[int, int] = {}
    for d in plain:
        for e in d.route_edges[2:-2]:
            used[e] = used.get(e, 0) + 1
    busiest = max(used, key=used.get)
    to_wgs = rutland_assessor.measurer._to_wgs
    line = shapely.transform(rutland_assessor.measurer.walk.edge_geometry[busiest],
                             lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
    seg = map_to_network([UnsafeSegment("T-busy", TRAVEL, "test", "test", LineString(line.coords))],
                         rutland_assessor.measurer.walk)
    m = rutland_assessor.measurer
    blocked = Assessor(rutland_assessor.policy, m.walk, m.schools, drive=m.drive, unsafe=seg, postcodes=m.postcodes)
    decisions = _assert_same(blocked, apps)
    assert any(d.unsafe_segments_avoided for d in decisions)


@settings(max_examples=150, deadline=None)
@given(edge=st.integers(min_value=0), a=st.sampled_from([0.0, 1.0, 0.5]) | st.floats(0.0, 1.0),
       b=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_piece_equals_shapely_substring(rutland_assessor, edge, a, b):
    """The cached-length substring gives exactly shapely's vertices, for any edge and fractions."""
    m = rutland_assessor.measurer
    e = edge % m.walk.n_edges
    lo, hi = sorted((a, b))
    want = shapely.get_coordinates(shapely.ops.substring(m.walk.edge_geometry[e], lo, hi, normalized=True))
    assert np.array_equal(m._piece(e, lo, hi), want)


def test_decisions_do_not_depend_on_how_many_schools_trees_are_kept(rutland_assessor):
    """Trees kept for one school only (dropped and rebuilt as schools alternate) give the same decisions and
    errors as every school's trees kept, for a cohort and one application at a time."""
    a = rutland_assessor
    m = a.measurer
    small = Assessor(a.policy, m.walk, m.schools, drive=m.drive, unsafe=m.segments, postcodes=m.postcodes,
                     tree_schools=1)
    apps = _cohort(a, 300, seed=7)
    small.chunk = 64
    assert small.assess_many(apps) == a.assess_many(apps)
    assert list(small.measurer._searches) != [] and len(small.measurer._searches) == 1
    for app in apps[:40]:
        try:
            want = a.assess(app)
        except InputError as exc:
            with pytest.raises(InputError, match=re.escape(str(exc))):
                small.assess(app)
            continue
        assert small.assess(app) == want
    with pytest.raises(InputError, match="at least 1"):
        Assessor(a.policy, m.walk, m.schools, drive=m.drive, postcodes=m.postcodes, tree_schools=0)


def test_only_schools_that_could_be_nearer_are_measured_and_decisions_equal_the_full_ranking(rutland_assessor):
    """Measured against the straight-line bound, fewer schools are measured, every school that is as
    near as the one attended is measured to the same metre, and every decision equals the reference
    path's, which measures every suitable school; the schools considered run up to the one attended."""
    from eligibility.reference import ReferenceMeasurer

    apps = _cohort(rutland_assessor, 600, seed=18)
    m = rutland_assessor.measurer
    full_m = ReferenceMeasurer.__new__(ReferenceMeasurer)
    full_m.__dict__.update(m.__dict__)
    bounded = m.facts_many(apps)
    full = full_m.facts_many(apps)
    n_bounded = n_full = 0
    for b, f in zip(bounded, full):
        assert type(b) is type(f)
        if isinstance(f, Exception):
            assert str(b) == str(f)
            continue
        n_bounded, n_full = n_bounded + len(b.candidates), n_full + len(f.candidates)
        mine = f.candidate(f.school.id).walk_m
        for c in f.candidates:
            if c.walk_m <= mine:   # could be nearer: it must have been measured, to the same metre
                assert b.candidate(c.school.id) == c
    assert n_bounded < 0.8 * n_full
    decisions = _assert_same(rutland_assessor, apps)
    ranked = [d for d in decisions if d.schools_considered]
    assert ranked and all(d.schools_considered[-1].attended for d in ranked)
    assert all(s.rank < d.schools_considered[-1].rank for d in ranked for s in d.schools_considered
               if s.school_id in d.nearer_schools)


def test_decisions_are_the_same_spread_over_forked_workers(rutland_assessor):
    """A batch shared out over two forked processes gives the same decisions and errors, in input order,
    as one process; routes come back read-only."""
    apps = _cohort(rutland_assessor, 500, seed=21) + [_cohort(rutland_assessor, 1, seed=22)[0].model_copy(
        update={"id": "BAD", "school_id": "no-such-school"})]
    one = Assessor.__new__(Assessor)
    one.__dict__.update(rutland_assessor.__dict__)
    one.chunk, one.workers = 120, 1
    two = Assessor.__new__(Assessor)
    two.__dict__.update(one.__dict__)
    two.workers = 2
    d1, e1 = one.assess_many(apps)
    children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    d2, e2 = two.assess_many(apps)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime > children_cpu   # a worker decided a share
    assert [d.model_dump_json() for d in d1] == [d.model_dump_json() for d in d2]
    assert e1 == e2 and [e.application_id for e in e2] == ["BAD"]
    assert [d.application_id for d in d2] == [a.id for a in apps if a.id != "BAD"]
    routed = next(d for d in d2 if d.route)
    with pytest.raises(ValueError):
        routed.route.lonlat[0, 0] = 0.0


def test_without_unsafe_segments_the_safe_walk_is_the_walk_searched_once(rutland_assessor):
    """With no assessed unsafe segment the safe search is the plain one (one search, not two), and it
    equals a search of the network without blocked edges: decisions measure safe walks equal to walks."""
    m = rutland_assessor.measurer
    plain = Assessor(m.policy, m.walk, m.schools, drive=m.drive, postcodes=m.postcodes)
    sid = next(iter(m.schools))
    for ent, trees in zip(plain.measurer.entrances[sid], plain.measurer.searches(sid)):
        assert trees.safe is trees.plain
        again = plain.measurer._tree(m.walk.csr("length", frozenset()), *ent.walk_roots)
        assert np.array_equal(again.dist, trees.plain.dist) and np.array_equal(again.pred, trees.plain.pred)
    decisions, _ = plain.assess_many(_cohort(rutland_assessor, 60, seed=23))
    assert decisions and all(d.safe_walking_m == d.walking_m and not d.unsafe_segments_avoided for d in decisions)


def _without_searches(assessor: Assessor) -> Assessor:
    """A copy of the assessor sharing its loaded networks and schools, with no search kept or counted."""
    out = Assessor.__new__(Assessor)
    out.__dict__.update(assessor.__dict__)
    out.measurer = measure.Measurer.__new__(measure.Measurer)
    out.measurer.__dict__.update(assessor.measurer.__dict__)
    out.measurer._searches = type(assessor.measurer._searches)()
    out.measurer.searched = 0
    return out


@pytest.mark.parametrize("factor, pad_m", [(1.6, 2_000.0), (0.3, 0.0)])
def test_searches_that_stop_short_measure_what_searches_of_the_whole_network_measure(rutland_assessor, monkeypatch,
                                                                                    factor, pad_m):
    """A cohort's searches from a school stop once its homes are settled (compiled, ``eligibility.search``)
    and one home's at a reach from it (``REACH_FACTOR``): every distance measured, route drawn and decision
    made equals those of scipy's searches of the whole network (the reference's), also when one home's reach
    is far too short (it is measured again farther, then on whole searches)."""
    import eligibility.measure as measure
    from eligibility.reference import ReferenceMeasurer

    apps = _cohort(rutland_assessor, 300, seed=24)

    def fresh():
        return _without_searches(rutland_assessor)

    whole = fresh()
    whole.measurer._tree = ReferenceMeasurer._tree
    d_whole, e_whole = whole.assess_many(apps)
    assert all(t.plain.limit == math.inf and t.plain.nodes is None
               for trees in whole.measurer._searches.values() for t in trees)
    monkeypatch.setattr(measure, "REACH_FACTOR", factor)
    monkeypatch.setattr(measure, "REACH_PAD_M", pad_m)
    monkeypatch.setattr(measure, "WHOLE_SEARCH_NODES", 0)   # Rutland searched as a county is: stopping short
    calls: list[tuple[float, bool]] = []
    tree = measure.Measurer._tree

    def counted(csr, roots, offsets, limit=math.inf, targets=None, pad_m=0.0, floor_m=0.0, old=None, homes=None):
        calls.append((limit, targets is not None))
        return tree(csr, roots, offsets, limit, targets, pad_m, floor_m, old, homes)

    monkeypatch.setattr(measure.Measurer, "_tree", staticmethod(counted))
    short = fresh()
    d_short, e_short = short.assess_many(apps)
    assert [d.model_dump_json() for d in d_short] == [d.model_dump_json() for d in d_whole] and e_short == e_whole
    assert calls and all(to_homes for _, to_homes in calls)   # the cohort's searches stopped at their homes
    assert any(t.plain.limit < math.inf for trees in short.measurer._searches.values() for t in trees)
    calls.clear()
    for app in apps[:25]:
        one = fresh()
        assert one.facts(app) == whole.facts(app)
    assert any(lim < math.inf for lim, _ in calls)   # one home's searches stopped short
    if factor < 1:
        assert (math.inf, False) in calls   # and homes beyond their reach were measured again on whole searches


def test_compact_trees_give_the_distances_and_routes_of_whole_trees(rutland_assessor):
    """A search stopped at a reach keeps only the nodes it reached (sorted ids, distances, predecessors as
    positions): every distance within its reach equals the whole search's, every node beyond reads inf,
    predecessors are the same, and routes drawn from it are the whole tree's, vertex for vertex."""
    from eligibility import measure

    m = rutland_assessor.measurer
    reach_m = 4_000.0
    homes = measure._snap_arrays(m.walk, [m.home_location(a)[0] for a in _cohort(rutland_assessor, 200, seed=31)])
    compared = routes = 0
    for sid in list(m.schools)[:12]:
        for ent in m.entrances[sid]:
            whole = m._tree(m._walk_csr, *ent.walk_roots)
            short = m._tree(m._walk_csr, *ent.walk_roots, limit=reach_m)
            assert short.nodes is not None and whole.nodes is None and len(short.nodes) < m.walk.n_nodes / 2
            assert short.nbytes < whole.nbytes / 2
            every = np.arange(m.walk.n_nodes)
            got, want = short.cols(every), whole.cols(every)
            inside = want <= reach_m
            assert np.array_equal(got[inside], want[inside]) and np.isinf(got[~inside]).all()
            for r in range(len(short.roots)):
                for node in np.flatnonzero(inside[r])[::97]:
                    assert short.at(r, int(node)) == whole.at(r, int(node))
                    assert short.pred_node(r, int(node)) == whole.pred_node(r, int(node))
                    compared += 1
            # routes: the same home drawn from the compact tree and from the whole one
            near = measure.Measurer._reach(whole, homes, np.arange(len(homes.x))) <= reach_m / 2
            for i in np.flatnonzero(near):
                paths = []
                for tree in (short, whole):
                    m2 = measure.Measurer.__new__(measure.Measurer)
                    m2.__dict__.update(m.__dict__)
                    kept = [measure._Searches(tree, tree, None)] * len(m.entrances[sid])
                    m2._searches = type(m._searches)({sid: kept})
                    paths.append(m2._path(ent, homes, int(i), False, 0.0))
                a, b = paths
                assert np.array_equal(a[0], b[0]) and a[1] == b[1] and np.array_equal(a[2], b[2]) and a[3] == b[3]
                routes += 1
    assert compared > 100 and routes > 10


def test_homes_sharing_a_point_are_snapped_once_to_what_each_alone_snaps_to(rutland_assessor):
    """``_snap_arrays`` snaps each distinct point once: every array equals snapping every point (repeats
    included) on both networks, for 600 homes at 150 real postcodes."""
    m = rutland_assessor.measurer
    rng = random.Random(7)
    codes = rng.sample(m.postcodes.postcodes(), 150)
    points = [m.postcodes.lookup(rng.choice(codes)) for _ in range(600)]
    xs, ys = bng_many(points)
    for net in (m.walk, m.drive):
        once = _snap_arrays(net, points)
        each = _snap_xy(net, np.asarray(xs), np.asarray(ys))
        for name, a in once.__dict__.items():
            b = getattr(each, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert len({(p.lat, p.lon) for p in points}) < len(points)


def test_points_snapped_in_an_earlier_batch_are_what_snapping_them_again_gives(rutland_assessor, monkeypatch):
    """With ``known`` (a measurer keeps the points it snapped, chunk after chunk), batches that overlap
    earlier ones give every array, dtype included, that snapping every point gives; also after the
    kept points are cleared for room."""
    m = rutland_assessor.measurer
    rng = random.Random(11)
    codes = rng.sample(m.postcodes.postcodes(), 120)
    batches = [[m.postcodes.lookup(rng.choice(codes[lo:lo + 60])) for _ in range(200)] for lo in (0, 30, 60, 0)]
    for kept in (200_000, 70):
        monkeypatch.setattr(measure, "SNAPS_KEPT", kept)
        for net in (m.walk, m.drive):
            known: dict = {}
            for points in batches:
                before = len(known)
                got = _snap_arrays(net, points, known)
                xs, ys = bng_many(points)
                each = _snap_xy(net, np.asarray(xs), np.asarray(ys))
                for name, a in got.__dict__.items():
                    b = getattr(each, name)
                    assert a.dtype == b.dtype and np.array_equal(a, b), (kept, name)
                assert len(known) <= max(kept, 60) and (kept < 200_000 or len(known) >= before)
            assert kept < 200_000 or len(known) == len({(p.lat, p.lon) for b in batches for p in b})


def test_homes_at_the_same_point_get_the_routes_the_reference_draws_for_each(rutland_assessor):
    """Applications repeated at the same postcode and school (a path drawn once, shared) decide as the
    reference decides each one, field by field, routes and edge ids included."""
    apps = _cohort(rutland_assessor, 60, seed=31)
    twins = [a.model_copy(update={"id": a.id + "T"}) for a in apps]
    decisions = _assert_same(rutland_assessor, [x for pair in zip(apps, twins) for x in pair])
    routed = [(a, b) for a, b in zip(decisions[::2], decisions[1::2]) if a.route]
    assert len(routed) > 40
    for a, b in routed:
        assert a.route == b.route and a.route_edges == b.route_edges
        assert a.route_edges is not b.route_edges


def test_a_batch_shares_walks_and_schools_between_children_but_never_a_childs_own_fields(rutland_assessor,
                                                                                        monkeypatch):
    """Within a batch (``Measurer.batch``) walks drawn and schools measured from the same point are kept
    across chunks. Children at the same postcode and school who differ only in what the rules read (an
    8th, 11th or 16th birthday either side of the travel date, low income, sex, a religious preference,
    a temporary condition) decide as the reference decides each, field by field; their routes are shared
    (one read-only array), never their edge lists, and what was kept is dropped when the batch ends."""
    base = _cohort(rutland_assessor, 40, seed=53)
    variants = []
    for a in base:
        for n, change in enumerate((
                {"date_of_birth": TRAVEL.replace(year=TRAVEL.year - 8)},
                {"date_of_birth": TRAVEL.replace(year=TRAVEL.year - 8) + dt.timedelta(days=1)},
                {"date_of_birth": TRAVEL.replace(year=TRAVEL.year - 11) + dt.timedelta(days=1)},
                {"date_of_birth": TRAVEL.replace(year=TRAVEL.year - 16)},
                {"low_income": not a.low_income}, {"sex": "F" if a.sex.value == "M" else "M"},
                {"religious_preference": None if a.religious_preference else "Church of England"},
                {"temporary_condition_until": TRAVEL + dt.timedelta(days=30)})):
            variants.append(Application.model_validate({**a.model_dump(), "id": f"{a.id}V{n}", **change}))
    apps = [x for a in base for x in (a, *[v for v in variants if v.id.startswith(a.id + "V")])]
    monkeypatch.setattr(rutland_assessor, "chunk", 45)   # twins fall in different chunks
    kept_sizes: list[int] = []
    routes = measure.Measurer._routes

    def spy(self, *args, **kw):   # on the class: the reference's own ``_routes`` is not this one
        kept_sizes.append(len(self._kept))
        return routes(self, *args, **kw)

    monkeypatch.setattr(measure.Measurer, "_routes", spy)
    decisions = _assert_same(rutland_assessor, apps)
    assert rutland_assessor.measurer._kept is None and max(kept_sizes) > 0
    by_id = {d.application_id: d for d in decisions}
    shared = differ = 0
    for a in base:
        if a.id not in by_id:
            continue
        d = by_id[a.id]
        for v in (by_id.get(f"{a.id}V{n}") for n in range(8)):
            if v is None or not d.route:
                continue
            assert v.inputs.date_of_birth == next(x for x in apps if x.id == v.application_id).date_of_birth
            shared += v.route.lonlat is d.route.lonlat
            assert v.route_edges is not d.route_edges
            differ += (v.eligible, v.bases, v.refusal, v.valid_until, v.explanation) != \
                (d.eligible, d.bases, d.refusal, d.valid_until, d.explanation)
    assert shared > 50 and differ > 50


def test_the_ways_into_a_tree_found_for_many_homes_at_once_are_those_found_one_at_a_time(rutland_assessor):
    """``Measurer._nearest_ends`` (all of a tree's homes together) gives, home for home, what reading the
    tree one row and one end of the home's edge at a time gives: the least sum, and the first of equal
    sums in row order, u before v; on whole trees and on searches stopped short (unreached ends)."""
    from eligibility import measure

    m = rutland_assessor.measurer
    homes = measure._snap_arrays(m.walk, [m.home_location(a)[0] for a in _cohort(rutland_assessor, 300, seed=41)])
    ks = list(range(len(homes.x)))
    checked = unreached = 0
    for sid in list(m.schools)[:8]:
        for ent in m.entrances[sid]:
            for tree in (m._tree(m._walk_csr, *ent.walk_roots), m._tree(m._walk_csr, *ent.walk_roots, limit=3_000.0)):
                got = measure.Measurer._nearest_ends(tree, homes, ks)
                for i in ks:
                    best, best_r, best_node = math.inf, -1, -1
                    for r in range(len(tree.roots)):
                        for node, c in ((homes.u[i], homes.cu[i]), (homes.v[i], homes.cv[i])):
                            total = tree.at(r, node) + tree.offsets[r] + c
                            if total < best:
                                best, best_r, best_node = total, r, int(node)
                    want = (best, best_r, best_node, tree.pos(best_node) if best_r >= 0 else -1)
                    assert got[i] == want, (sid, i)
                    checked += 1
                    unreached += best_r < 0
    assert checked > 3000 and unreached > 10


def test_a_small_network_is_searched_whole_once_per_entrance_with_the_decisions_of_stopped_searches(
        rutland_assessor, monkeypatch):
    """Rutland's walk network (8,118 nodes, under ``WHOLE_SEARCH_NODES``) is searched whole from each
    entrance, once: no search is stopped, grown or repeated, and every decision equals the one made
    with searches that stop at the homes (as on a county's network)."""
    apps = _cohort(rutland_assessor, 300, seed=31)
    m = rutland_assessor.measurer
    assert m.walk.n_nodes <= measure.WHOLE_SEARCH_NODES

    def fresh():
        return _without_searches(rutland_assessor)

    whole = fresh()
    d_whole, e_whole = whole.assess_many(apps)
    kept = whole.measurer._searches
    assert kept and all(t.plain.limit == math.inf and t.plain.nodes is None for trees in kept.values() for t in trees)
    entrances = sum(len(trees) for trees in kept.values())
    first = whole.measurer.searched
    assert first <= 3 * entrances   # walking, safe walking and road: each once per entrance
    whole.assess_many(apps[::-1])
    assert whole.measurer.searched == first   # never grown or repeated
    monkeypatch.setattr(measure, "WHOLE_SEARCH_NODES", 0)
    stopped = fresh()
    d_stopped, e_stopped = stopped.assess_many(apps)
    assert any(t.plain.limit < math.inf for trees in stopped.measurer._searches.values() for t in trees)
    assert [d.model_dump_json() for d in d_whole] == [d.model_dump_json() for d in d_stopped] and e_whole == e_stopped
