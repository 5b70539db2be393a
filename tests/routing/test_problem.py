"""Tests of routing/problem.py: frozen, checked problem data and the builder."""

from __future__ import annotations

import numpy as np
import pytest

from routing.problem import Layout, Load, PlanningModel, RoutingProblem, VehicleType
from transport.domain.errors import InputError



def _problem(kit, **kw) -> RoutingProblem:
    dur, dist = kit.star_matrix(2)
    args = dict(duration_s=dur, distance_m=dist, requests=(kit.child("a", 1, 3), kit.child("b", 2, 3)),
                vehicle_types=(kit.saloon(),), name="tiny")
    args.update(kw)
    return RoutingProblem(**args)


def test_matrices_are_read_only_copies(kit):
    """The problem copies its matrices and flags them non-writeable."""
    dur, dist = kit.star_matrix(2)
    p = _problem(kit, duration_s=dur, distance_m=dist)
    dur[0, 1] = 999
    assert p.duration_s[0, 1] != 999
    with pytest.raises(ValueError):
        p.duration_s[0, 1] = 1
    assert p.duration_s.dtype == np.int64


def test_replace_returns_a_new_checked_problem(kit):
    """replace() changes one field, leaves the original alone and re-checks the result."""
    p = _problem(kit)
    q = p.replace(requests=p.requests[:1])
    assert [r.id for r in q.requests] == ["a"] and len(p.requests) == 2
    with pytest.raises(InputError, match="request 'z' pickup location 9"):
        p.replace(requests=(kit.child("z", 9, 3),))


def test_window_early_after_late_is_named(kit):
    """A window whose early time is after its late time is an error naming the request."""
    with pytest.raises(InputError, match=r"request 'a' delivery_window_s early must be <= late"):
        _problem(kit, requests=(kit.child("a", 1, 3, delivery_window_s=(500, 100)),))


def test_every_fault_is_reported_at_once(kit):
    """All faults are collected into one message, not just the first."""
    with pytest.raises(InputError) as err:
        _problem(kit, requests=(kit.child("a", 1, 3, incompatible_with={"ghost"}), kit.child("a", 2, 3)),
                 vehicle_types=(VehicleType("v", -1, ()),))
    text = str(err.value)
    for part in ("unknown requests ['ghost']", "'a' is used twice", "count must be >= 0", "at least one layout"):
        assert part in text


def test_non_square_or_mismatched_matrices_are_rejected(kit):
    """Matrices must be square and of the same shape."""
    with pytest.raises(InputError, match="square"):
        _problem(kit, duration_s=np.zeros((2, 3), int), distance_m=np.zeros((2, 3), int), requests=(), vehicle_types=())
    dur, _ = kit.star_matrix(2)
    with pytest.raises(InputError, match="differs"):
        _problem(kit, distance_m=np.zeros((2, 2), int))


def test_fractional_matrix_is_rejected(kit):
    """Matrices must hold whole seconds and metres."""
    dur, dist = kit.star_matrix(2)
    with pytest.raises(InputError, match="integers"):
        _problem(kit, duration_s=dur + 0.5)


def test_builder_keeps_identical_siblings_apart(kit):
    """Two requests with identical fields but different ids stay two requests."""
    dur, dist = kit.star_matrix(1)
    model = PlanningModel(name="twins")
    model.set_matrices(dur, dist)
    model.add_vehicle_type("car", 1, [Layout(4)])
    a = model.add_child("twin-1", 1, 2, travel_group="fam")
    b = model.add_child("twin-2", 1, 2, travel_group="fam")
    problem = model.problem()
    assert [r.id for r in problem.requests] == ["twin-1", "twin-2"]
    assert problem.request("twin-2") is b and problem.request("twin-1") is a


def test_builder_without_matrices_says_so(kit):
    """Freezing a builder with no matrices is an InputError naming the model."""
    with pytest.raises(InputError, match="planning model 'empty' has no matrices"):
        PlanningModel(name="empty").problem()


def test_layout_fit_counts_the_assistant_seat(kit):
    """A PA takes one seat of the layout; wheelchairs need wheelchair spaces."""
    assert Layout(4).fits(Load(4))
    assert not Layout(4).fits(Load(4), has_assistant=True)
    assert not Layout(4).fits(Load(0, 1))
    assert Layout(8, 2).fits(Load(1, 2))
    assert kit.saloon().fits(Load(3), has_assistant=True)


def test_a_read_only_int64_matrix_is_taken_without_a_copy(kit):
    """A read-only int64 matrix owning its data (a county matrix grown by a late child) is used as
    is, not copied: a county problem's matrices are a gigabyte; anything else is still copied."""
    dur, dist = (m.astype(np.int64) for m in kit.star_matrix(2))
    dur.setflags(write=False)
    p = _problem(kit, duration_s=dur, distance_m=dist)
    assert p.duration_s is dur
    assert p.distance_m is not dist and not p.distance_m.flags.writeable
    view = dur[:, :]
    assert _problem(kit, duration_s=view, distance_m=dist).duration_s is not view
