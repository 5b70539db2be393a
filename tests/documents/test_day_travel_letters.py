"""Travel arrangements letters of a day plan, on real Rutland children planned on the real roads:
the days a child travels, one line when every weekday agrees, a table by weekday when they differ."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.policy import load_policy
from tests.documents.conftest import _scenario
from transport.documents.journeys import Award, day_legs
from transport.documents.travel import day_letter_routes, day_travel_letter
from transport.domain.errors import InputError
from transport.domain.scenario import Placement, WeekdayBells, parse_scenario
from transport.planning.day import plan_day
from transport.planning.plan import clock

ISSUED, FIRST = dt.date(2026, 8, 3), dt.date(2026, 9, 3)
UCC = "136629"


@pytest.fixture(scope="module")
def week(schools, drive_net):
    """K0 travels Monday and Wednesday only; UCC (K1, K3, K5) finishes at 13:30 on Fridays."""
    base = _scenario(schools, "day")
    kids = tuple(c.model_copy(update={"attends": ("mon", "wed")}) if c.id == "K0" else c for c in base.children)
    early = tuple(s.model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
                  if s.id == UCC else s for s in base.schools)
    scen = parse_scenario(base.model_copy(update={"children": kids, "schools": early}).model_dump(mode="json"))
    day = plan_day(scen, time_limit_s=3, network=drive_net)
    assert day.violations == [] and not day.plan.unassigned
    return day


def _awards(day, operator="Oakham Community Cars"):
    return {f"D{k:03d}": Award(operator, "01572 700 123", "lot 1") for k in range(1, len(day.plan.duties) + 1)}


def test_part_timer_travels_on_their_days_only(week, pdf_text):
    """K0 (Monday and Wednesday): the letter names those days and no other; times as on the timed runs."""
    legs = day_legs(week)["K0"]
    assert [leg.weekday for leg in legs] == ["mon", "wed"]
    text = pdf_text(day_travel_letter(week, "K0", _awards(week), load_policy("kent"), issued_on=ISSUED,
                                      first_day=FIRST).pdf)
    assert "Travels on Monday and Wednesday" in text and "Tuesday" not in text and "Friday" not in text
    mon = legs[0]
    assert clock(mon.pickup_s) in text and clock(mon.dropoff_s) in text
    assert f"Route {mon.am_ref}" in text and "Oakham Community Cars" in text and "01572 700 123" in text
    assert "Ada" in text and "LE15 6HQ" in text


def test_early_friday_gets_a_table_by_weekday(week, pdf_text):
    """K1 at UCC leaves school earlier on Friday: a row per weekday, Friday's own times; the duty's timed
    Friday afternoon run gives them."""
    legs = day_legs(week)["K1"]
    fri = next(leg for leg in legs if leg.weekday == "fri")
    thu = next(leg for leg in legs if leg.weekday == "thu")
    assert fri.depart_s < thu.depart_s and fri.dropoff_s < thu.dropoff_s
    text = pdf_text(day_travel_letter(week, "K1", _awards(week), load_policy("kent"), issued_on=ISSUED,
                                      first_day=FIRST).pdf)
    assert "Travels on Monday to Friday" in text and "By day" in text
    ucc = next(s.name for s in week.scenario.schools if s.id == UCC)
    assert f"Friday {ucc} {' '.join(fri.times())}" in text and f"Thursday {ucc} {' '.join(thu.times())}" in text


def test_one_line_when_every_weekday_agrees(week, pdf_text):
    """A child whose five days are alike gets one set of times (no table); one who differs gets the table."""
    pol = load_policy("kent")
    for cid, legs in day_legs(week).items():
        text = pdf_text(day_travel_letter(week, cid, _awards(week), pol, issued_on=ISSUED, first_day=FIRST).pdf)
        alike = len({(leg.school_id, leg.times()) for leg in legs}) == 1
        assert ("Every day:" in text) is alike and ("By day" in text) is (not alike), cid
        if alike:
            assert f"Pick-up time {legs[0].times()[0]}" in text and f"Drop-off time at home {legs[0].times()[3]}" in text


def test_a_duty_not_awarded_is_refused_by_name(week):
    """No award for the child's duty: an InputError naming the route (callers report the child as not issued)."""
    ref = day_letter_routes(day_legs(week)["K2"])[0]
    awards = {k: v for k, v in _awards(week).items() if k != ref}
    with pytest.raises(InputError, match=f"route {ref} is not awarded"):
        day_travel_letter(week, "K2", awards, load_policy("kent"), issued_on=ISSUED, first_day=FIRST)
    with pytest.raises(InputError, match="not in the plan"):
        day_travel_letter(week, "NOPE", _awards(week), load_policy("kent"), issued_on=ISSUED, first_day=FIRST)


def test_shared_placement_names_the_school_of_each_day(schools, drive_net, pdf_text):
    """A child at Catmose Monday to Wednesday and at UCC Thursday and Friday: each row names that day's school."""
    base = _scenario(schools, "day")
    other = next(s.id for s in base.schools if s.id != UCC)
    kids = tuple(c.model_copy(update={"placements": (Placement(school_id=other, days=("mon", "tue", "wed")),
                                                     Placement(school_id=UCC, days=("thu", "fri"))),
                                      "school_id": other})
                 if c.id == "K2" else c for c in base.children)
    scen = parse_scenario(base.model_copy(update={"children": kids}).model_dump(mode="json"))
    day = plan_day(scen, time_limit_s=3, network=drive_net)
    assert day.violations == [] and not day.plan.unassigned
    legs = day_legs(day)["K2"]
    assert [(leg.weekday, leg.school_id) for leg in legs] == [("mon", other), ("tue", other), ("wed", other),
                                                              ("thu", UCC), ("fri", UCC)]
    text = pdf_text(day_travel_letter(day, "K2", _awards(day), load_policy("kent"), issued_on=ISSUED,
                                      first_day=FIRST).pdf)
    names = {s.id: s.name for s in day.scenario.schools}
    assert "By day" in text and f"Wednesday {names[other]}" in text and f"Thursday {names[UCC]}" in text
    assert f"to {names[other]} and {names[UCC]}" in text


def test_cli_travel_letters_of_a_day_plan(week, pdf_text, tmp_path):
    """letters travel DAY_PLAN.json --awards (D001...): a letter per child whose duties are awarded, with the
    part-timer's days and the early Friday's table; the others listed; an award of an unknown duty: one line, exit 2."""
    import json

    from tests.cli.test_cli import assert_one_line_error, run

    legs = day_legs(week)
    k1_refs = day_letter_routes(legs["K1"])
    plan, awards, out = tmp_path / "day.json", tmp_path / "awards.json", tmp_path / "letters"
    plan.write_text(json.dumps(week.to_dict()))
    awards.write_text(json.dumps([{"routes": k1_refs, "operator": "Oakham Community Cars", "phone": "01572 700 123"}]))
    proc = run("letters", "travel", str(plan), "--awards", str(awards), "--first-day", "2026-09-03",
               "--date", "2026-08-03", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    expected = sorted(c for c, ls in legs.items() if set(day_letter_routes(ls)) <= set(k1_refs))
    assert f"6 children: {len(expected)} travel letters, {6 - len(expected)} on routes not yet awarded" in proc.stdout
    texts = {p.name: pdf_text(p.read_bytes()) for p in out.glob("*.pdf")}
    assert len(texts) == len(expected)
    k1 = next(t for name, t in texts.items() if "K1" in name)
    assert "By day" in k1 and "Friday" in k1 and f"Route {k1_refs[0]}" in k1
    awards.write_text(json.dumps([{"routes": ["D099"], "operator": "Oakham Community Cars", "phone": "01572 700 123"}]))
    proc = run("letters", "travel", str(plan), "--awards", str(awards), "--first-day", "2026-09-03",
               "--out", str(tmp_path / "none"))
    assert proc.returncode == 2
    assert_one_line_error(proc, "D099")
