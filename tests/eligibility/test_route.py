"""``WalkRoute`` (a decision's route held as one array) against the list of pairs it replaces."""

from __future__ import annotations

import gc
import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from eligibility.route import WalkRoute
from eligibility.rules import Candidate, Decision
from eligibility.service import batch_allocation

PAIRS = TypeAdapter(list[tuple[float, float]])
ROUTE = TypeAdapter(WalkRoute)
coords = st.lists(st.tuples(st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False)), max_size=40)


@given(coords)
def test_route_serialises_like_the_list_of_pairs(pairs):
    """Dumped to Python or JSON, a WalkRoute is exactly the list of (lon, lat) tuples; JSON reads back equal."""
    route = WalkRoute(pairs)
    assert ROUTE.dump_python(route) == PAIRS.dump_python(pairs)
    assert ROUTE.dump_json(route) == PAIRS.dump_json(pairs)
    assert ROUTE.dump_python(route, mode="json") == PAIRS.dump_python(pairs, mode="json")
    back = ROUTE.validate_json(ROUTE.dump_json(route))
    assert back == route and back == pairs and list(back) == [tuple(p) for p in pairs]


@given(coords)
def test_route_is_a_sequence_of_float_pairs(pairs):
    """Length, indexing, slicing and iteration give what the list of tuples gives."""
    route = WalkRoute(pairs)
    assert len(route) == len(pairs) and bool(route) == bool(pairs)
    assert list(route) == [(float(a), float(b)) for a, b in pairs]
    if pairs:
        assert route[-1] == tuple(pairs[-1]) and type(route[0][0]) is float
        assert route[1:] == pairs[1:]


def test_route_is_read_only_and_compares_by_value():
    """The array cannot be written; equal vertices are equal routes (and hash alike), others are not."""
    a = WalkRoute([(0.5, 52.1), (0.6, 52.2)])
    assert not a.lonlat.flags.writeable
    assert a == WalkRoute(np.array([[0.5, 52.1], [0.6, 52.2]])) and hash(a) == hash(WalkRoute(list(a)))
    assert a != WalkRoute([(0.5, 52.1)]) and a != [(0.5, 52.1), (0.6, 52.3)]


def test_decision_schema_shows_route_as_a_list_of_pairs():
    """The decision's published schema (validation and serialisation) has the route as before."""
    want = PAIRS.json_schema()
    for mode in ("validation", "serialization"):
        route = Decision.model_json_schema(mode=mode)["properties"]["route"]
        assert {k: v for k, v in route.items() if k not in ("description", "title")} == want
    assert Candidate.model_json_schema(mode="serialization")["properties"]["route"]["default"] == []


def test_batch_allocation_restores_the_collector():
    """The collector is paused inside (nested too) and restored as it was, also after an error."""
    assert gc.isenabled()
    try:
        with batch_allocation():
            assert not gc.isenabled()
            with batch_allocation():
                assert not gc.isenabled()
            assert not gc.isenabled()
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with batch_allocation():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert json.loads(ROUTE.dump_json(WalkRoute())) == []


class _Cycle:
    def __init__(self):
        self.me = self


def test_a_batch_leaves_what_it_allocated_old_so_the_next_young_collection_does_not_walk_it():
    """After the last batch ends, its objects are in the oldest generation (not young, not frozen); a
    full collection still frees a cycle made inside; objects someone froze on purpose stay frozen."""
    frozen_before = gc.get_freeze_count()   # the API's engine freezes what it loaded (tests/api ran first)
    gc.unfreeze()
    try:
        _check_promotion()
    finally:
        if frozen_before:
            gc.freeze()


def _check_promotion() -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with batch_allocation():
        kept = [[i] for i in range(1000)]
        _Cycle()
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(x) in young for x in kept)
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(x) in oldest for x in kept)
    assert gc.get_freeze_count() == 0
    assert any(isinstance(o, _Cycle) for o in gc.get_objects())
    gc.collect()
    assert not any(isinstance(o, _Cycle) for o in gc.get_objects())

    loaded = [[i] for i in range(10)]   # as the API freezes its loaded networks
    doomed = [[i] for i in range(8)]    # frozen too, then freed meanwhile (as other threads' objects may be)
    gc.freeze()
    try:
        with batch_allocation():
            more = [[i] for i in range(10)]
            del doomed
        tracked = {id(o) for o in gc.get_objects()}   # every generation but the frozen (permanent) one
        assert not any(id(x) in tracked for x in loaded)   # what was frozen on purpose stays frozen
        assert all(id(x) in tracked for x in more)   # and the batch's objects were not frozen with it
    finally:
        gc.unfreeze()
