"""Importing children from a CSV into a scenario."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transport.io.children_csv import read_children, scenario_from_children
from transport.domain.config import SAMPLE_DATA
from transport.domain.errors import InputError
from transport.io.pointsio import RowErrors

SAMPLE = SAMPLE_DATA / "children" / "rutland_sample_children.csv"


def test_sample_children_import_with_needs(schools):
    """The sample CSV gives eight children with their needs and a valid scenario."""
    kids = read_children(SAMPLE)
    by_id = {k.id: k for k in kids}
    assert len(kids) == 8
    assert by_id["SC-01"].wheelchair and by_id["SC-01"].passenger_assistant
    assert by_id["SC-02"].not_with == ("SC-03",) and by_id["SC-04"].travel_alone
    assert by_id["SC-04"].max_ride_time_min == 40 and by_id["SC-05"].sibling_group == "FAM1"
    assert by_id["SC-04"].home.lat == pytest.approx(52.669)
    scen = scenario_from_children(kids, schools=schools)
    assert {s.id for s in scen.schools} == {"131018", "osm:node/7572064443", "136629", "138113"}


def test_unknown_school_is_named(schools, tmp_path):
    """A child at a school not in the attributes file is refused, naming the school."""
    path = tmp_path / "c.csv"
    path.write_text("child_id,home_postcode,school_urn\nA,LE15 6HQ,999999\n")
    with pytest.raises(InputError, match="unknown school.*999999"):
        scenario_from_children(read_children(path), schools=schools)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["yes", "no", "maybe", "", "1"]),
                          st.sampled_from(["", "30", "abc", "0", "500"]),
                          st.sampled_from(["LE15 6HQ", "", "NOT A PC"])), min_size=1, max_size=6))
def test_every_row_read_or_reported(tmp_path_factory, rows):
    """Each row becomes a child or an error with its row number; none is dropped."""
    path = tmp_path_factory.mktemp("kids") / "c.csv"
    lines = ["child_id,home_postcode,school_urn,wheelchair,max_ride_time_min"]
    lines += [f"K{i},{pc},131018,{flag},{ride}" for i, (flag, ride, pc) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    try:
        kids = read_children(path)
    except RowErrors as exc:
        assert exc.errors and all(2 <= r <= len(rows) + 1 for r, _ in exc.errors)
    else:
        assert len(kids) == len(rows)


def test_home_by_uprn_resolves_to_its_address_point(schools, tmp_path):
    """home_uprn is a fourth way to give a child's home; an unknown UPRN is named when it is resolved."""
    from transport.domain.addresses import AddressIndex

    path = tmp_path / "c.csv"
    path.write_text("child_id,home_uprn,school_urn\nA,990000000007,131018\nB,abc,131018\n")
    with pytest.raises(RowErrors) as exc:
        read_children(path)
    assert exc.value.errors == [(3, "home_uprn is not a UPRN (1 to 12 digits)")]
    path.write_text("child_id,home_uprn,school_urn\nA,990000000007,131018\n")
    (kid,) = read_children(path)
    assert kid.home.uprn == "990000000007"
    assert kid.home.resolve() == AddressIndex.load().lookup("990000000007")
