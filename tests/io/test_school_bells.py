"""Weekday bells: the school attributes file and the --school-bells CSV of `scenario import`."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_cli import assert_one_line_error, run
from transport.domain.config import SAMPLE_DATA
from transport.domain.errors import InputError
from transport.domain.models import BellTimes
from transport.domain.schools import school_from_attributes
from transport.io.school_bells import read_school_bells, with_weekday_bells
from transport.io.tabular import RowErrors

CHILDREN = SAMPLE_DATA / "children" / "rutland_sample_children.csv"
ENTRY = {"phase": "primary", "age": [4, 11], "lat": 52.67, "lon": -0.72, "bell": ["08:45", "15:15"]}


def test_attributes_give_weekday_bells_with_null_for_the_usual_time():
    """{fri: [null, "13:30"]} is Friday on the usual start with an early finish."""
    school = school_from_attributes("1", ENTRY | {"weekday_bells": {"fri": [None, "13:30"]}}, None)
    assert school.weekday_bell_times == {"fri": BellTimes(start=dt.time(8, 45), finish=dt.time(13, 30))}


@pytest.mark.parametrize("entry, message", [
    ({"fri": ["14:00", "13:00"]}, r"school 1: weekday_bells\.fri: finish 13:00 must be after start 14:00"),
    ({"fri": [None, "08:00"]}, r"school 1: weekday_bells\.fri: finish 08:00 must be after start 08:45"),
    ({"sat": [None, "13:00"]}, r"school 1: weekday_bells\.sat: not a weekday"),
    ({"fri": "13:00"}, r"school 1: weekday_bells\.fri: give \[start, finish\]"),
    ({"fri": [None, "1pm"]}, r"school 1: weekday_bells\.fri: bell times must be HH:MM"),
    (["fri"], r"school 1: weekday_bells must map weekdays"),
])
def test_bad_weekday_bells_in_the_attributes_name_school_field_and_day(entry, message):
    """Each fault names the school, the field and the weekday; the file is not half read."""
    with pytest.raises(InputError, match=message):
        school_from_attributes("1", ENTRY | {"weekday_bells": entry}, None)


def test_bells_csv_overrides_the_attributes_per_school_and_weekday(schools, tmp_path):
    """A row gives Friday's finish; another only Monday's start; the rest stays as the file says."""
    path = tmp_path / "bells.csv"
    path.write_text("school_urn,weekday,bell_start,bell_finish\n138113,fri,,14:00\n131018,Monday,09:30,\n")
    out = with_weekday_bells(schools, read_school_bells(path))
    assert out["138113"].weekday_bell_times["fri"] == BellTimes(start=dt.time(8, 50), finish=dt.time(14, 0))
    assert out["131018"].weekday_bell_times["mon"] == BellTimes(start=dt.time(9, 30), finish=dt.time(15, 0))
    assert out["131018"].weekday_bell_times["fri"].finish == dt.time(13, 30)  # from the attributes file
    assert schools["138113"].weekday_bell_times == {}  # the loaded schools are not changed


def test_bad_bell_rows_are_each_reported_with_their_row_number(schools, tmp_path):
    """Every bad row is listed (row number as Excel shows it) with the column at fault."""
    path = tmp_path / "bells.csv"
    path.write_text("school_urn,weekday,bell_start,bell_finish\n"
                    "138113,fri,,14:00\n"          # 2 fine
                    "138113,sat,,14:00\n"          # 3 not a weekday
                    "138113,thu,9am,\n"            # 4 bad time
                    "138113,fri,,13:00\n"          # 5 twice
                    ",mon,,13:00\n"                # 6 no school
                    "138113,wed,,\n")              # 7 nothing given
    with pytest.raises(RowErrors) as info:
        read_school_bells(path)
    assert [r for r, _ in info.value.errors] == [3, 4, 5, 6, 7]
    reasons = dict(info.value.errors)
    assert "weekday" in reasons[3] and "bell_start must be a time" in reasons[4]
    assert "already given on row 2" in reasons[5] and "school_urn is required" in reasons[6]
    path.write_text("school_urn,weekday,bell_start,bell_finish\n999999,fri,,14:00\n138113,fri,16:00,\n")
    with pytest.raises(RowErrors) as info:
        with_weekday_bells(schools, read_school_bells(path))
    assert [r for r, _ in info.value.errors] == [2, 3]
    assert "not in the school attributes file" in info.value.errors[0][1]
    assert "bell_finish 15:15 must be after bell_start 16:00 at school 138113 on fri" in info.value.errors[1][1]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["138113", "131018", "", "999999"]),
                          st.sampled_from(["mon", "fri", "Friday", "sun", ""]),
                          st.sampled_from(["", "08:00", "16:30", "x"]),
                          st.sampled_from(["", "13:00", "08:30", "25:00"])), min_size=1, max_size=6))
def test_every_bell_row_is_applied_or_reported(schools, tmp_path_factory, rows):
    """Rows in = rows applied or rows reported; a reported file changes nothing."""
    path = tmp_path_factory.mktemp("bells") / "b.csv"
    path.write_text("school_urn,weekday,bell_start,bell_finish\n" + "\n".join(",".join(r) for r in rows) + "\n")
    try:
        out = with_weekday_bells(schools, read_school_bells(path))
    except RowErrors as exc:
        assert exc.errors and all(2 <= r <= len(rows) + 1 for r, _ in exc.errors)
    else:
        for urn, day, start, finish in rows:
            bells = out[urn].weekday_bell_times[day.lower()[:3]]
            assert bells.finish > bells.start
            assert not start or bells.start == dt.time.fromisoformat(start)


def test_cli_import_day_carries_weekday_bells(tmp_path):
    """scenario import --session day: the attributes' early Friday and the CSV's rows reach weekday_bells."""
    bells, out = tmp_path / "bells.csv", tmp_path / "day.json"
    bells.write_text("school_urn,weekday,bell_start,bell_finish\n138113,wed,,14:00\n")
    proc = run("scenario", "import", str(CHILDREN), "--session", "day", "--school-bells", str(bells),
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    schools = {s["id"]: s for s in json.loads(out.read_text())["schools"]}
    assert schools["131018"]["weekday_bells"] == {"fri": {"bell_start": None, "bell_finish": "13:30:00"}}
    assert schools["138113"]["weekday_bells"] == {"wed": {"bell_start": None, "bell_finish": "14:00:00"}}
    shown = " ".join(proc.stdout.split())
    assert "bells differ on some weekdays at" in shown and "131018 (fri)" in shown and "138113 (wed)" in shown


def test_cli_import_refuses_bad_bells_exit_2_nothing_written(tmp_path):
    """Bad bell rows: each printed with its row number, one error line, exit 2, no scenario file."""
    bells, out = tmp_path / "bells.csv", tmp_path / "day.json"
    bells.write_text("school_urn,weekday,bell_start,bell_finish\n138113,fri,,14:00\n138113,fri,16:00,\n131018,xyz,,14:00\n")
    proc = run("scenario", "import", str(CHILDREN), "--session", "day", "--school-bells", str(bells),
               "--out", str(out))
    assert proc.returncode == 2
    assert_one_line_error(proc, "bells.csv: 2 bad rows; no scenario written")
    assert "bells.csv row 3: school 138113 on fri is already given on row 2" in proc.stdout
    assert "bells.csv row 4: weekday must be" in proc.stdout
    assert not out.exists()
    proc = run("scenario", "import", str(CHILDREN), "--session", "am", "--school-bells", str(bells),
               "--out", str(out))
    assert proc.returncode == 2
    assert_one_line_error(proc, "only a day scenario")
    assert not out.exists()
