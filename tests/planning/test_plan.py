"""Planning a scenario on the real roads: constraints, validation, accounting for every child."""

import pytest

from routing.plan import StopKind
from transport.planning.plan import PlanDocument, build_problem, plan_scenario, seconds_of, validate_document
from transport.domain.scenario import FleetLayout, FleetVehicle

from tests.planning.conftest import OAKHAM_DEPOT


def test_plan_is_valid_and_accounts_for_every_child(small):
    """Every child is routed exactly once, on time, within the ride limit; the validator agrees."""
    doc = plan_scenario(small, time_limit_s=2)
    assert doc.violations == []
    k = doc.kpis()
    assert k["routed"] == 6 and k["unassigned"] == [] and k["over_ride_limit"] == 0
    seen = [rid for r in doc.plan.routes for rid in r.request_ids()]
    assert sorted(seen) == sorted(c.id for c in small.children)


def test_arrivals_sit_in_the_bell_window(small):
    """Each child is delivered between 20 and 5 minutes before their school's bell."""
    doc = plan_scenario(small, time_limit_s=2)
    bells = {s.id: seconds_of(s.bell_start) for s in small.schools}
    school_of = {c.id: c.school_id for c in small.children}
    for route in doc.plan.routes:
        for stop in route.stops:
            if stop.kind == StopKind.DELIVERY:
                bell = bells[school_of[stop.request_id]]
                assert bell - 20 * 60 <= stop.service_start_s <= bell - 5 * 60


def test_wheelchair_child_without_wheelchair_vehicle_is_reported(small):
    """A wheelchair user with only saloons is unassigned with a reason, not dropped."""
    kids = list(small.children)
    kids[0] = kids[0].model_copy(update={"wheelchair": True})
    doc = plan_scenario(small.model_copy(update={"children": tuple(kids)}), time_limit_s=2)
    assert [u.request_id for u in doc.plan.unassigned] == ["K0"]
    assert doc.plan.unassigned[0].reason.value == "no_vehicle_fits"
    assert doc.kpis()["routed"] == 5 and doc.violations == []


def test_wheelchair_child_rides_a_converted_layout(small):
    """With a WAV available the wheelchair user rides it in a wheelchair layout."""
    kids = list(small.children)
    kids[0] = kids[0].model_copy(update={"wheelchair": True})
    wav = FleetVehicle(id="wav", count=2, layouts=(FleetLayout(seats=5), FleetLayout(seats=3, wheelchairs=1)),
                       fixed_daily_pence=6000, pence_per_mile=230, depot=OAKHAM_DEPOT)
    scen = small.model_copy(update={"children": tuple(kids), "fleet": small.fleet + (wav,)})
    doc = plan_scenario(scen, time_limit_s=2)
    route = next(r for r in doc.plan.routes if "K0" in r.request_ids())
    assert route.vehicle_type_id == "wav" and route.layout.wheelchairs >= 1
    assert doc.violations == []


def test_solo_child_rides_alone(small):
    """A child who must travel alone has nobody else on board."""
    kids = list(small.children)
    kids[1] = kids[1].model_copy(update={"travel_alone": True})
    doc = plan_scenario(small.model_copy(update={"children": tuple(kids)}), time_limit_s=2)
    route = next(r for r in doc.plan.routes if "K1" in r.request_ids())
    on_board, alone = set(), True
    for stop in route.stops:
        if stop.kind == StopKind.PICKUP:
            on_board.add(stop.request_id)
        if "K1" in on_board and len(on_board) > 1:
            alone = False
        if stop.kind == StopKind.DELIVERY:
            on_board.discard(stop.request_id)
    assert alone and doc.violations == []


def test_afternoon_leaves_after_the_finish_bell(small):
    """In the pm session children are collected 5-20 minutes after the finish bell."""
    doc = plan_scenario(small.model_copy(update={"session": "pm"}), time_limit_s=2)
    finish = {s.id: seconds_of(s.bell_finish) for s in small.schools}
    school_of = {c.id: c.school_id for c in small.children}
    pickups = [s for r in doc.plan.routes for s in r.stops if s.kind == StopKind.PICKUP]
    assert len(pickups) == 6 and doc.violations == []
    for stop in pickups:
        f = finish[school_of[stop.request_id]]
        assert f + 5 * 60 <= stop.service_start_s <= f + 20 * 60


def test_plan_document_round_trips_and_revalidates(small):
    """A stored plan reads back identically and still validates; a tampered one does not."""
    doc = plan_scenario(small, time_limit_s=2)
    again = PlanDocument.from_dict(doc.to_dict())
    assert again.plan == doc.plan and validate_document(small, again) == []
    tampered = doc.to_dict()
    tampered["plan"]["cost"]["fixed"] += 100
    bad = PlanDocument.from_dict(tampered)
    assert any(v["cause"] == "cost_mismatch" for v in validate_document(small, bad))


def test_cost_uses_the_contract_tariff(small):
    """Daily cost = fixed rate per vehicle + pence per mile (as per km) + assistants."""
    doc = plan_scenario(small, time_limit_s=2)
    built = build_problem(small)
    c = doc.plan.cost
    assert c.fixed == 3500 * len(doc.plan.routes)
    assert c.distance == pytest.approx(c.distance_m / 1000 * built.problem.vehicle_types[0].pence_per_km, abs=len(doc.plan.routes))
    assert built.problem.vehicle_types[0].pence_per_km == 112  # 180 p/mile


def test_route_sheets_use_pseudonyms(small):
    """Route sheets never show a child's id or name."""
    doc = plan_scenario(small, time_limit_s=2)
    rows = doc.route_sheets()
    text = repr(rows)
    assert all(c.id not in {r["child"] for r in rows} for c in small.children)
    assert "Kid" not in text and any(r["child"].startswith("P-") for r in rows)


def test_layout_in_words():
    """Route sheets say "1 seat" and "1 wheelchair space", never "1 seats"."""
    from transport.planning.plan import layout_text

    assert layout_text(1, 0) == "1 seat + 0 wheelchair spaces"
    assert layout_text(4, 1) == "4 seats + 1 wheelchair space"
    assert layout_text(16, 2) == "16 seats + 2 wheelchair spaces"


def test_never_worse_than_the_greedy_grouping(small):
    """With a time limit too short for the search, the plan is still complete and valid."""
    from routing.baselines import greedy_grouping

    doc = plan_scenario(small, time_limit_s=0.01)
    greedy = greedy_grouping(build_problem(small).problem)
    assert (len(doc.plan.unassigned), doc.plan.cost.total) <= (len(greedy.unassigned), greedy.cost.total)
    assert doc.violations == []


def test_progress_reports_pence(small):
    """The solver reports validated plans' daily cost in pence: never up, ending on the plan's KPI."""
    seen = []

    class Listen:
        def on_progress(self, best_cost, elapsed_s):
            seen.append(best_cost)

        def should_stop(self):
            return False

    doc = plan_scenario(small, time_limit_s=2, callbacks=Listen())
    assert seen and seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert seen[-1] == doc.plan.cost.total == doc.kpis()["daily_cost_pence"]
