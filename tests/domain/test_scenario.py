"""Scenario format, validation and the synthetic cohort generator."""

import json

import pytest

from transport.planning.cohort import generate_scenario
from transport.domain.errors import InputError
from transport.domain.geo import LatLon, straight_line_m
from transport.domain.scenario import load_scenario, parse_scenario


@pytest.fixture(scope="module")
def cohort():
    """A 60-child synthetic cohort on the real sample."""
    return generate_scenario(60, seed=5)


def test_generated_cohort_uses_real_schools_and_postcodes(cohort, schools, postcodes):
    """Schools are real sample schools; homes are real postcode centroids."""
    assert {s.id for s in cohort.schools} <= set(schools)
    assert any(schools[s.id].is_special for s in cohort.schools)
    codes = {(round(postcodes.lookup(pc).lat, 7), round(postcodes.lookup(pc).lon, 7)) for pc in postcodes.postcodes()}
    assert all((c.home.lat, c.home.lon) in codes for c in cohort.children)
    assert cohort.synthetic


def test_same_seed_same_cohort():
    """Generation is reproducible by seed."""
    assert generate_scenario(20, seed=9).digest() == generate_scenario(20, seed=9).digest()
    assert generate_scenario(20, seed=9).digest() != generate_scenario(20, seed=10).digest()


def test_round_trip_through_json(cohort, tmp_path):
    """A scenario written and read back is identical."""
    path = tmp_path / "s.json"
    path.write_text(cohort.to_json())
    assert load_scenario(path).digest() == cohort.digest()


def _data(cohort):
    return json.loads(cohort.to_json())


def test_unknown_school_named(cohort):
    """A child at a school not in the scenario is rejected, naming the child."""
    data = _data(cohort)
    data["children"][0]["school_id"] = "999999"
    with pytest.raises(InputError, match="child C00001: unknown school '999999'"):
        parse_scenario(data)


def test_negative_capacity_named(cohort):
    """A negative seat count names the field path."""
    data = _data(cohort)
    data["fleet"][0]["layouts"][0]["seats"] = -1
    with pytest.raises(InputError, match=r"fleet\.0\.layouts\.0\.seats"):
        parse_scenario(data)


def test_duplicate_child_ids_rejected(cohort):
    """Two children with one id are an error, not a silent merge."""
    data = _data(cohort)
    data["children"][1]["id"] = data["children"][0]["id"]
    with pytest.raises(InputError, match="child ids must be unique"):
        parse_scenario(data)


def test_not_json_is_a_clear_error(tmp_path):
    """A file that is not JSON gives the line of the fault."""
    path = tmp_path / "bad.json"
    path.write_text("{\n  'oops': 1\n}")
    with pytest.raises(InputError, match="bad.json is not valid JSON: line 2"):
        load_scenario(path)


def test_bell_time_with_zone_is_rejected(cohort):
    """A bell time with a time zone is a clear error, not a crash comparing times."""
    data = _data(cohort)
    data["schools"][0]["bell_finish"] = "15:00:00Z"
    with pytest.raises(InputError, match="local clock times"):
        parse_scenario(data)


def test_cohort_at_given_homes_has_one_home_per_child_or_sibling_pair(schools, postcodes):
    """With ``homes`` given, children are placed at distinct homes (siblings share theirs); too few homes is an error."""
    homes = list(dict.fromkeys(postcodes.lookup(pc) for pc in postcodes.postcodes()[:500]))[:400]
    scen = generate_scenario(300, seed=3, schools=schools, homes=homes)
    by_home: dict = {}
    for c in scen.children:
        by_home.setdefault((c.home.lat, c.home.lon), []).append(c)
    given = {(round(h.lat, 7), round(h.lon, 7)) for h in homes}
    assert set(by_home) <= given
    for kids in by_home.values():
        assert len(kids) == 1 or (len(kids) == 2 and kids[0].sibling_group and
                                  kids[0].sibling_group == kids[1].sibling_group)
    with pytest.raises(InputError, match="need more than the 50 homes"):
        generate_scenario(300, seed=3, schools=schools, homes=homes[:50])


def _home_to_school_m(scen) -> list[float]:
    at = {s.id: LatLon(s.location.lat, s.location.lon) for s in scen.schools}
    return [straight_line_m(LatLon(c.home.lat, c.home.lon), at[c.school_id]) for c in scen.children]


def test_cohort_schools_near_their_homes_with_a_radius(schools, postcodes):
    """With ``school_radius_m`` a child goes to a school of the kind drawn within that distance of
    home (straight line), or the nearest of that kind (Rutland has few special schools): far more
    children within 4 km, and much shorter journeys, than with schools drawn county-wide."""
    homes = list(dict.fromkeys(postcodes.lookup(pc) for pc in postcodes.postcodes()[:500]))[:400]
    near = _home_to_school_m(generate_scenario(200, seed=5, schools=schools, homes=homes, school_radius_m=4000))
    anywhere = _home_to_school_m(generate_scenario(200, seed=5, schools=schools, homes=homes))
    assert sum(d <= 4000 for d in near) >= 2 * sum(d <= 4000 for d in anywhere)
    assert sum(near) < 0.6 * sum(anywhere)
