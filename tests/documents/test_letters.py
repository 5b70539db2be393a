"""Each document from the sample data, checked by the facts in its PDF text (pypdf)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from api.workdays import england_and_wales
from eligibility.policy import load_policy
from routing.plan import StopKind
from transport.documents.decision_letter import decision_letter
from transport.documents.journeys import Award, journeys
from transport.documents.lists import route_pack, school_list
from transport.documents.store import FileStore
from transport.documents.travel import change_notice, changes, travel_letter
from transport.domain.errors import InputError
from transport.domain.privacy import pseudonym
from transport.planning.plan import PlanDocument, clock

ISSUED = dt.date(2026, 8, 3)  # 20 working days later, past the August bank holiday: Tuesday 1 September
AWARD = Award("Oakham Community Cars", "01572 700 123", "L1")


def test_refusal_letter_gives_rule_distances_map_and_review_date(sample_decisions, walk_net, pdf_text):
    """A refusal names the rule, the measured distances, the entrance, the review-by date and the policy version."""
    d = sample_decisions["SYN-006"]  # within walking distance
    doc = decision_letter(d, load_policy("kent"), calendar=england_and_wales(), issued_on=ISSUED, name="Sam",
                          network=walk_net)
    text = pdf_text(doc.pdf)
    assert "refused: Within walking distance, on a safe route" in text  # the policy's label, not the rule id
    assert "Beyond statutory walking distance (statutory-distance)" in " ".join(text.split())
    assert "the school is within the statutory walking distance by a reasonably safe route" in text
    assert f"{d.walking_m / 1609.344:.2f} mi" in text
    assert "Tuesday 1 September 2026" in text  # 20 working days from 3 August, skipping 31 August
    assert d.policy_version in text
    attended = next(s for s in d.schools_considered if s.attended)
    assert attended.entrance in text
    assert doc.sources["review_by"] == "2026-09-01"


def test_award_letter_uses_the_policy_offer_wording(sample_decisions, pdf_text):
    """A seat award opens with the policy's seat wording and names the basis of eligibility."""
    d = sample_decisions["SYN-004"]
    pol = load_policy("kent")
    text = pdf_text(decision_letter(d, pol, calendar=england_and_wales(), issued_on=ISSUED, name="Amira").pdf)
    assert d.offer is not None and d.offer.kind == "seat"
    assert "We will arrange a seat on a vehicle" in text
    assert "SEN, disability or mobility" in text and "sen mobility" not in text.lower()  # the policy's label
    assert "agreed" in text


def test_letter_refuses_a_decision_made_under_another_policy(sample_decisions):
    """Quoting the wrong policy version is an input error, not a wrong letter."""
    with pytest.raises(InputError, match="was made under"):
        decision_letter(sample_decisions["SYN-001"], load_policy("statutory"), calendar=england_and_wales(),
                        issued_on=ISSUED)


def _home_stop_time(doc: PlanDocument, child_id: str, kind: StopKind) -> str:
    for route in doc.plan.routes:
        for stop in route.stops:
            if stop.request_id == child_id and stop.kind is kind and doc.locations[stop.location].kind == "home":
                return clock(stop.service_start_s)
    raise AssertionError(child_id)


def test_travel_letter_gives_pickup_dropoff_operator_phone(plans, pdf_text, homes):
    """Pick-up time from the morning plan, drop-off from the afternoon plan, operator and phone, absence advice."""
    am, pm = plans
    doc = travel_letter(am, "K3", AWARD, load_policy("kent"), issued_on=ISSUED, first_day=dt.date(2026, 9, 3),
                        afternoon=pm)
    text = pdf_text(doc.pdf)
    assert f"Pick-up time {_home_stop_time(am, 'K3', StopKind.PICKUP)}" in text
    assert f"Drop-off time at home {_home_stop_time(pm, 'K3', StopKind.DELIVERY)}" in text
    assert "01572 700 123" in text and "Oakham Community Cars" in text
    assert f"at home ({homes[3]})" in text
    assert "passenger assistant travels on this vehicle" in text  # K3 needs one
    assert "will not be travelling, please phone Oakham Community Cars on 01572 700 123" in text


def test_travel_letter_without_afternoon_plan_says_it_will_follow(plans, pdf_text):
    """No afternoon plan yet: the drop-off is 'to follow', never invented."""
    text = pdf_text(travel_letter(plans[0], "K0", AWARD, load_policy("kent"), issued_on=ISSUED,
                                  first_day=dt.date(2026, 9, 3)).pdf)
    assert "Drop-off time at home to follow" in text


def _shifted(doc: PlanDocument, route_index: int, minutes: int) -> PlanDocument:
    routes = list(doc.plan.routes)
    r = routes[route_index]
    d = minutes * 60
    routes[route_index] = dataclasses.replace(r, stops=tuple(dataclasses.replace(
        s, arrival_s=s.arrival_s + d, service_start_s=s.service_start_s + d, departure_s=s.departure_s + d)
        for s in r.stops))
    return dataclasses.replace(doc, plan=dataclasses.replace(doc.plan, routes=tuple(routes)))


def test_change_notice_only_beyond_the_threshold(plans, pdf_text):
    """A 15-minute move gets a notice with both times; a 5-minute move does not."""
    am = plans[0]
    pol = load_policy("kent")
    later = _shifted(am, 0, 15)
    found = changes(am, later, pol.letters.change_threshold_min)
    moved = set(am.plan.routes[0].request_ids())
    assert {c.child_id for c in found} == moved
    c = found[0]
    text = pdf_text(change_notice(c, am, later, pol, issued_on=ISSUED, effective=dt.date(2026, 9, 14),
                                  award=AWARD).pdf)
    assert "15 minutes later" in text
    assert c.before.home_time in text and c.after.home_time in text
    assert "01572 700 123" in text
    assert changes(am, _shifted(am, 0, 5), pol.letters.change_threshold_min) == []


def test_school_list_has_first_names_and_pseudonyms_only(plans, pdf_text):
    """Per run: vehicle, time at school, children by first name and pseudonymous id; no child ids."""
    am, pm = plans
    doc = school_list("136629", [am, pm], pseudonym=pseudonym, issued_on=ISSUED)
    text = pdf_text(doc.pdf)
    assert "Morning: vehicles arriving" in text and "Afternoon: vehicles leaving" in text
    riders = [j for j in journeys(am).values() if j.school_id == "136629"]
    assert {j.child_id for j in riders} == {"K1", "K3", "K5"}
    for j in riders:
        assert pseudonym(j.child_id) in text
        first_set_down = min(r.school_time_s for r in riders if r.route_ref == j.route_ref)
        assert f"{j.route_ref} " in text and clock(first_set_down) in text
    last_pickup = max(j.school_time_s for j in journeys(pm).values() if j.school_id == "136629")
    assert clock(last_pickup) in text
    assert "Ben" in text
    assert "K1 " not in text and "LE15" not in text


def test_route_pack_holds_only_what_the_contractor_feed_allows(plans, drive_net, pdf_text, homes):
    """Stops, times, access notes, equipment and map; no references, child ids, dates of birth or addresses."""
    am = plans[0]
    j = journeys(am)["K3"]
    doc = route_pack(am, j.route_ref, AWARD, pseudonym=pseudonym, issued_on=ISSUED, network=drive_net)
    text = pdf_text(doc.pdf)
    assert j.home_time in text and "wheelchair clamps" in text and pseudonym("K3") in text
    assert f"pick-up point {homes[3]}" in text
    riders = set(am.plan.routes[int(j.route_ref[1:]) - 1].request_ids())
    for i, postcode in enumerate(homes):
        if f"K{i}" not in riders:
            assert postcode not in text  # nobody else's address
        assert f"K{i} " not in text and f"(K{i})" not in text  # never the council's child id
    for word in ("birth", "diagnos", "EHC", "SYN-"):
        assert word not in text


def test_file_store_keeps_the_old_document_on_reissue(tmp_path, plans):
    """A changed re-issue moves the old PDF aside and links the two in the manifest; an identical one is a no-op."""
    am, pm = plans
    store = FileStore(tmp_path)
    pol = load_policy("kent")
    first = store.save(travel_letter(am, "K0", AWARD, pol, issued_on=ISSUED, first_day=dt.date(2026, 9, 3)))
    again = store.save(travel_letter(am, "K0", AWARD, pol, issued_on=ISSUED, first_day=dt.date(2026, 9, 3)))
    assert again["id"] == first["id"]
    second = store.save(travel_letter(am, "K0", AWARD, pol, issued_on=ISSUED, first_day=dt.date(2026, 9, 3),
                                      afternoon=pm))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [e["id"] for e in manifest] == [1, 2] and second["supersedes"] == 1
    assert manifest[0]["superseded_by"] == 2
    assert (tmp_path / manifest[0]["file_now"]).read_bytes() != (tmp_path / second["file"]).read_bytes()


def test_travel_letter_from_a_day_plan_takes_both_runs(day_plan, pdf_text):
    """A day plan's duty gives the morning pick-up and the afternoon drop-off; the route is its duty label."""
    from transport.documents.journeys import day_runs

    am, pm = day_runs(day_plan)
    j_am, j_pm = journeys(am)["K2"], journeys(pm)["K2"]
    assert j_am.to_school and not j_pm.to_school and j_am.route_ref.startswith("D")
    sheet = {(r["run"], r["kind"], r["child"]): r for r in day_plan.route_sheets(pseudonymise=lambda c: c)
             if "mon" in r["weekdays"].split()}
    assert sheet[("am", "pickup", "K2")]["route"] == j_am.route_ref
    assert sheet[("am", "pickup", "K2")]["time"] == j_am.home_time
    assert sheet[("pm", "delivery", "K2")]["time"] == j_pm.home_time
    text = pdf_text(travel_letter(am, "K2", AWARD, load_policy("kent"), issued_on=ISSUED, first_day=dt.date(2026, 9, 3),
                                  afternoon=pm).pdf)
    assert f"Pick-up time {j_am.home_time}" in text and f"Drop-off time at home {j_pm.home_time}" in text
    assert f"Route {j_am.route_ref}" in text


def test_letters_carry_the_configured_council_not_the_policys_author(sample_decisions, pdf_text, tmp_path):
    """Kent's example policy applied to a Rutland home: the letterhead, signature and review text name the
    council in the settings file (default: the Rutland sample), never "Kent County Council"."""
    from transport.domain.council import read_council

    d = sample_decisions["SYN-006"]
    text = pdf_text(decision_letter(d, load_policy("kent"), calendar=england_and_wales(), issued_on=ISSUED, name="Sam").pdf)
    assert "Rutland County Council" in text and "LE15 6HP" in text
    assert "Home to School Transport team, Rutland County Council" in text
    assert "Kent County Council" not in text
    other = tmp_path / "council.yaml"
    other.write_text("name: Example Borough Council\nteam: School Travel\naddress: [Town Hall, EX1 1AA]\nphone: '0100 000 0000'\n")
    text = pdf_text(decision_letter(d, load_policy("kent"), calendar=england_and_wales(), issued_on=ISSUED,
                                    council=read_council(other)).pdf)
    assert "Example Borough Council" in text and "Town Hall" in text and "Rutland County Council" not in text


def test_not_nearest_refusal_letter_maps_the_nearer_school(sample_decisions, walk_net, pdf_text):
    """A "not the nearest suitable school" refusal's letter draws the walk to the nearer school that decided it
    beside the walk to the school attended (two route lines), names it in the key, and frames both."""
    d = sample_decisions["SYN-001"]
    assert d.refusal == "not-nearest-suitable-school" and d.nearer_route
    nearer = next(s for s in d.schools_considered if s.school_id == d.nearer_schools[0])
    doc = decision_letter(d, load_policy("kent"), calendar=england_and_wales(), issued_on=ISSUED, network=walk_net)
    text = " ".join(pdf_text(doc.pdf).split())
    assert f"Purple: the walking route to the nearer suitable school, {nearer.name}" in text
    assert f"{nearer.name} (nearer)" in text  # its marker's label on the map



def test_cli_packs_of_a_day_plan_carry_both_runs_and_fridays_times(schools, drive_net, pdf_text, tmp_path):
    """letters packs PLAN.json for a day plan: one pack per awarded duty (D001...) with both runs and
    a column per weekday where UCC's 13:30 Friday finish changes the afternoon's times."""
    from tests.cli.test_cli import assert_one_line_error, run
    from tests.documents.conftest import _scenario
    from transport.domain.scenario import WeekdayBells, parse_scenario
    from transport.planning.day import plan_day

    base = _scenario(schools, "day")
    early = tuple(s.model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish="13:30")}})
                  if s.id == "136629" else s for s in base.schools)
    scen = parse_scenario(base.model_copy(update={"schools": early}).model_dump(mode="json"))
    day = plan_day(scen, time_limit_s=3, network=drive_net)
    assert day.violations == []
    k = next(i for i, d in enumerate(day.plan.duties) if "K1" in d.children("pm"))  # K1 goes to UCC
    ref = f"D{k + 1:03d}"
    groups = day.run_groups(k, "pm")
    friday = next(route for days, route in groups if days == ("fri",))
    plan, awards, out = tmp_path / "day.json", tmp_path / "awards.json", tmp_path / "packs"
    plan.write_text(json.dumps(day.to_dict()))
    awards.write_text(json.dumps([{"routes": [ref], "operator": AWARD.operator, "phone": AWARD.phone}]))
    proc = run("letters", "packs", str(plan), "--awards", str(awards), "--out", str(out), "--date", "2026-08-03")
    assert proc.returncode == 0, proc.stderr
    assert f"{len(day.plan.duties)} routes: 1 route packs" in proc.stdout
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1
    text = pdf_text(pdfs[0].read_bytes())
    assert "Morning run" in text and "Afternoon run" in text and "Fri" in text
    assert clock(friday.stops[1].service_start_s) in text  # Friday's own afternoon time
    assert pseudonym("K1") in text and "(K1)" not in text
    awards.write_text(json.dumps([{"routes": ["D099"], "operator": AWARD.operator, "phone": AWARD.phone}]))
    proc = run("letters", "packs", str(plan), "--awards", str(awards), "--out", str(tmp_path / "none"))
    assert proc.returncode == 2
    assert_one_line_error(proc, "D099")
