"""Tests of routing/instances.py: Cordeau and Li & Lim parsers and the float scoring."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from routing.baselines import timed_route
from routing.instances import SCALE, read_bks, read_cordeau, read_lilim
from routing.plan import Plan
from routing.validate import check, recompute_cost
from transport.domain.errors import InputError


def test_a2_16_header_and_nodes(cordeau_a2_16):
    """a2-16: 2 vehicles, 16 requests (i, 16+i), capacity 3, ride 30 and horizon 480 scaled."""
    p = cordeau_a2_16.problem
    assert len(p.requests) == 16 and p.num_locations == 34
    r = p.request("1")
    assert (r.pickup, r.delivery, r.max_ride_time_s, r.pickup_service_s) == (1, 17, 30 * SCALE, 3 * SCALE)
    vt = p.vehicle_types[0]
    assert (vt.count, vt.layouts[0].seats, vt.start_depot, vt.end_depot) == (2, 3, 0, 33)
    assert vt.max_route_duration_s == 480 * SCALE and vt.shift_window_s == (0, 480 * SCALE)


def test_travel_times_round_up_and_distances_to_nearest(cordeau_a2_16):
    """Durations are ceil(distance × SCALE) so the integer model never undercuts the float data."""
    inst = cordeau_a2_16
    exact = inst.travel(1, 2) * SCALE
    assert inst.problem.duration_s[1, 2] == int(np.ceil(exact))
    assert inst.problem.distance_m[1, 2] == int(np.rint(exact))
    assert np.all(inst.problem.duration_s >= inst.problem.distance_m)


def _plan_from_node_routes(inst, routes):
    problem, vt = inst.problem, inst.problem.vehicle_types[0]
    pickups = {r.pickup: r.id for r in problem.requests}
    deliveries = {r.delivery: r.id for r in problem.requests}
    out = []
    for k, nodes in enumerate(routes):
        order = [("pickup", pickups[n]) if n in pickups else ("delivery", deliveries[n]) for n in nodes]
        route = timed_route(problem, vt, order, vt.layouts[0], False, k)
        assert route is not None, f"route {k} has no integer schedule"
        out.append(route)
    draft = Plan(tuple(out))
    return Plan(draft.routes, (), recompute_cost(problem, draft))


def test_optimal_a2_16_solution_scores_its_published_value(darp_dir, cordeau_a2_16):
    """The shipped optimal a2-16 routes are feasible and measure 294.25 on the float data."""
    routes = json.loads((darp_dir / "solutions" / "RF0-a2-16_soln.json").read_text())["routes"]
    plan = _plan_from_node_routes(cordeau_a2_16, routes)
    assert check(cordeau_a2_16.problem, plan) == []
    assert cordeau_a2_16.float_violations(plan) == []
    assert cordeau_a2_16.float_distance(plan) == pytest.approx(294.24795, abs=1e-4)


def test_lilim_lc101_and_its_best_known_routes(lilim_dir):
    """lc101: 53 requests, 25 vehicles of 200; the 10 SINTEF routes measure 828.94 and hold."""
    inst = read_lilim(lilim_dir / "lc101.txt")
    assert len(inst.problem.requests) == 53 and inst.num_vehicles == 25 and inst.capacity == 200
    text = next((lilim_dir / "solutions").glob("lc101.*")).read_text()
    routes = [[int(x) for x in line.split(":")[1].split()] for line in text.splitlines() if re.match(r"Route \d+", line)]
    plan = _plan_from_node_routes(inst, routes)
    assert len(plan.routes) == 10 and check(inst.problem, plan) == []
    assert inst.float_violations(plan) == []
    assert inst.float_distance(plan) == pytest.approx(read_bks(lilim_dir / "bks.csv")["lc101"][0], abs=1e-3)


def test_float_check_catches_a_time_the_integer_data_hides(cordeau_a2_16, a2_16_plan):
    """Moving a stop one model unit too early is caught by the float check."""
    import dataclasses

    route = a2_16_plan.routes[0]
    stops = list(route.stops)
    stops[2] = dataclasses.replace(stops[2], service_start_s=stops[2].arrival_s - SCALE)
    bad = dataclasses.replace(a2_16_plan, routes=(dataclasses.replace(route, stops=tuple(stops)),) + a2_16_plan.routes[1:])
    assert cordeau_a2_16.float_violations(bad)


def test_parser_errors_name_file_and_line(tmp_path):
    """A malformed node line is reported with the file name and its line number."""
    bad = tmp_path / "BadNodeLine.txt"
    bad.write_text("1 1 480 3 30\n0 0 0 0 0 0 480\n1 1 1 3 one 0 1440\n2 2 2 3 -1 0 1440\n3 0 0 0 0 0 480\n")
    with pytest.raises(InputError, match=r"BadNodeLine.txt:3"):
        read_cordeau(bad)
    short = tmp_path / "TooFewNodes.txt"
    short.write_text("1 2 480 3 30\n0 0 0 0 0 0 480\n")
    with pytest.raises(InputError, match="TooFewNodes.txt: expected 6 node lines"):
        read_cordeau(short)


def test_lilim_unpaired_pickup_is_named(tmp_path):
    """A pickup whose delivery does not name it back is an error naming the line."""
    bad = tmp_path / "UnpairedPickup.txt"
    bad.write_text("2\t200\t1\n0\t0\t0\t0\t0\t100\t0\t0\t0\n1\t1\t1\t10\t0\t50\t5\t0\t2\n2\t2\t2\t-10\t0\t50\t5\t0\t0\n")
    with pytest.raises(InputError, match=r"UnpairedPickup.txt:3"):
        read_lilim(bad)
