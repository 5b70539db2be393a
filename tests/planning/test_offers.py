"""Offers: a seat's marginal cost (re-optimised), PTB, pass and travel training with their
workings, and the re-planned saving if families accept; through the CLI too."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eligibility.policy import load_policy
from eligibility.service import Assessor
from routing.validate import check
from transport.domain.errors import InputError
from routing.insertion import route_cost
from transport.planning.offers import child_offers, offers_report, replan_without, seat_costs
from transport.planning.plan import build_problem, plan_scenario
from transport.planning.tif import synthetic_applications

KENT = load_policy("kent")


@pytest.fixture(scope="module")
def planned(schools, postcodes, drive_net):
    """Forty synthetic SEN children at real Rutland postcodes, planned for a few seconds."""
    from transport.planning.cohort import generate_scenario

    scenario = generate_scenario(40, seed=11, schools=schools, postcodes=postcodes)
    doc = plan_scenario(scenario, time_limit_s=4, network=drive_net)
    assert not doc.violations
    return scenario, doc, build_problem(scenario, network=drive_net).problem


@pytest.fixture(scope="module")
def decisions(planned):
    """Kent decisions for the cohort's synthetic Transport Information Forms."""
    scenario = planned[0]
    ds, errors = Assessor.from_settings("kent").assess_many(synthetic_applications(scenario, seed=11))
    assert not errors
    return [d.model_dump(mode="json") for d in ds]


def test_seat_cost_of_a_child_alone_is_the_whole_route(small, drive_net):
    """A child with an assistant who is the only passenger costs the whole route: the vehicle's
    day rate, its mileage and the assistant's day rate all come out in the figure."""
    child = small.children[0].model_copy(update={"passenger_assistant": True})
    scenario = small.model_copy(update={"children": (child,)})
    doc = plan_scenario(scenario, time_limit_s=1, network=drive_net)
    problem = build_problem(scenario, network=drive_net).problem
    (route,) = doc.plan.routes
    (cost,) = seat_costs(problem, doc.plan).values()
    vt = problem.vehicle_type(route.vehicle_type_id)
    assert route.has_assistant
    assert cost.daily_pence == route_cost(problem, route) > vt.fixed_cost_pence + vt.assistant_cost_pence
    assert cost.after_pence == 0 and "a day" in cost.workings


def test_seat_costs_cover_every_child_and_reoptimise(planned):
    """Every routed child gets a figure (before minus after, never below nothing), the LNS did the
    re-optimising, and the figures are not simply the plan cost split evenly."""
    _, doc, problem = planned
    costs = seat_costs(problem, doc.plan)
    routed = {rid for r in doc.plan.routes for rid in r.request_ids()}
    assert set(costs) == routed
    assert all(c.daily_pence == max(0, c.before_pence - c.after_pence) for c in costs.values())
    assert sum(c.daily_pence == 0 for c in costs.values()) <= len(costs) // 4
    assert any(c.reoptimised for c in costs.values())
    assert len({c.daily_pence for c in costs.values()}) > 3


def decision_with(base: dict, **inputs) -> dict:
    d = json.loads(json.dumps(base))
    d["inputs"].update(inputs)
    return d


def test_pass_never_offered_to_a_child_who_travels_alone_with_an_assistant(decisions):
    """Suitability comes from needs: solo with an assistant means no pass, however cheap."""
    d = decision_with(decisions[0], age=15, can_use_public_transport=True, travel_training_candidate=True,
                      passenger_assistant=True, travel_alone=True)
    offers = child_offers(d, None, KENT)
    assert offers.option("pass").suitable is False
    assert "passenger assistant" in offers.option("pass").reason
    assert offers.option("travel_training").suitable is False
    assert offers.cheapest == "ptb"
    override = child_offers(d, None, KENT, officer_override=True)
    assert override.option("travel_training").suitable is True  # the officer's judgement, as the policy allows
    assert override.option("pass").suitable is False


def test_pass_and_training_for_a_flagged_teenager(decisions):
    """A 14-year-old who can use public transport may have a pass at the policy's price."""
    d = decision_with(decisions[0], age=14, can_use_public_transport=True, travel_training_candidate=True,
                      passenger_assistant=False, travel_alone=False, wheelchair=False)
    offers = child_offers(d, None, KENT)
    p = offers.option("pass")
    assert p.suitable and p.annual_pence == 95000 and p.rule.startswith("KCC")
    t = offers.option("travel_training")
    assert t.suitable and t.annual_pence == 150000 + 95000
    part_time = child_offers(d, None, KENT, attendance_days=3)
    assert part_time.option("ptb").annual_pence == round(offers.option("ptb").annual_pence * 3 / 5)


def test_an_ineligible_child_gets_no_offer(decisions):
    """Offers are for eligible children only; the error names the child."""
    d = dict(decisions[0], eligible=False)
    with pytest.raises(InputError, match=f"child {d['application_id']}: not eligible"):
        child_offers(d, None, KENT)


def test_a_decision_for_a_child_not_in_the_plan_is_refused(planned, decisions):
    """A decision for somebody the plan does not carry is an input error naming them."""
    _, doc, problem = planned
    stray = dict(decisions[0], application_id="NOT-IN-PLAN")
    with pytest.raises(InputError, match="child NOT-IN-PLAN: has a decision but is not on a route"):
        offers_report(problem, doc.plan, [stray], KENT, accept=[])


def test_saving_if_families_accept_is_replanned_and_validated(planned, decisions):
    """The saving comes from a new plan without those children, which the validator passes."""
    _, doc, problem = planned
    report = offers_report(problem, doc.plan, decisions, KENT, replan_s=2)
    acc = report.accepted
    assert acc is not None and acc.children
    assert acc.violations == 0
    sub, _ = replan_without(problem, doc.plan, acc.children, time_limit_s=0)
    assert check(sub, acc.plan) == []
    carried = {rid for r in acc.plan.routes for rid in r.request_ids()} | {u.request_id for u in acc.plan.unassigned}
    assert carried == {r.id for r in problem.requests} - set(acc.children)
    assert acc.annual_saving_pence == (acc.daily_before_pence - acc.daily_after_pence) * 190 \
        - acc.alternatives_annual_pence


def test_cli_offers_end_to_end(tmp_path, planned, decisions):
    """``routes offers`` writes a CSV line per child and says the re-planned saving; a decision for
    a child who is not in the plan is one line and exit 2."""
    _, doc, _ = planned
    plan_path, dec_path = tmp_path / "plan.json", tmp_path / "d.json"
    plan_path.write_text(json.dumps(doc.to_dict()))
    dec_path.write_text(json.dumps(decisions))
    run = subprocess.run([sys.executable, "-m", "transport.cli", "routes", "offers", str(plan_path), "--decisions",
                          str(dec_path), "--out", str(tmp_path / "offers.csv"), "--replan-time", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "re-planned" in run.stdout
    lines = (tmp_path / "offers.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("child_id,") and len(lines) == 1 + len(decisions)
    dec_path.write_text(json.dumps([dict(decisions[0], application_id="=HYPERLINK(1)")]))
    bad = subprocess.run([sys.executable, "-m", "transport.cli", "routes", "offers", str(plan_path), "--decisions",
                          str(dec_path), "--out", str(tmp_path / "o.json")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not on a route in the plan" in bad.stderr
