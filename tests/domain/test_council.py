"""The council settings file: read and checked, each fault naming the file and the field."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transport.domain.config import SAMPLE_DATA
from transport.domain.council import read_council
from transport.domain.errors import InputError


def test_sample_council_is_rutland():
    """The sample settings name Rutland County Council, its team and address, and sign as the team."""
    c = read_council(SAMPLE_DATA / "council" / "rutland.yaml")
    assert c.name == "Rutland County Council" and c.address[-1] == "LE15 6HP"
    assert c.sender == "Home to School Transport team, Rutland County Council"
    assert c.contact.startswith("phone 01572")


@pytest.mark.parametrize("text,match", [
    ("name: X\nteam: T\naddress: [A]\n", "phone"),
    ("name: ''\nteam: T\naddress: [A]\nphone: '1'\n", "name"),
    ("name: X\nteam: T\naddress: [A]\nphone: '1'\ncolour: red\n", "colour"),
    ("[not, a, mapping]\n", "expected a mapping"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_bad_council_file_names_the_field(tmp_path, text, match):
    """A missing or unknown field, or a file that is not a mapping, is an InputError naming the file and field."""
    f = tmp_path / "council.yaml"
    f.write_text(text)
    with pytest.raises(InputError, match=match) as err:
        read_council(f)
    assert "council.yaml" in str(err.value)


def test_missing_council_file_names_the_setting(tmp_path):
    """A missing file names the setting to fix."""
    with pytest.raises(InputError, match="SEN_TRANSPORT_COUNCIL"):
        read_council(tmp_path / "nope.yaml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=200), st.dictionaries(
    st.sampled_from(["name", "team", "address", "phone", "email", "website", "format", "x"]),
    st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.text(max_size=10), max_size=10)), max_size=8)))
def test_any_council_file_is_read_or_refused_clearly(tmp_path, content):
    """Whatever the file holds, reading it gives a Council or an InputError naming the file, never another error."""
    import yaml

    f = tmp_path / "council.yaml"
    f.write_text(content if isinstance(content, str) else yaml.safe_dump(content), encoding="utf-8")
    try:
        c = read_council(f)
    except InputError as exc:
        assert "council" in str(exc)
    else:
        assert c.name and c.team and c.address and c.phone
