"""Policy loading and validation: inheritance, named errors for bad keys and unknown policies."""

from __future__ import annotations

import pytest

from eligibility.policy import load_policy
from transport.domain.errors import InputError

DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "data"


def test_kent_extends_statutory(kent):
    """Kent inherits the statutory limits and overrides the selective switch."""
    assert kent.rules["statutory-distance"].limit_for(7).more_than_miles == 2
    assert kent.rules["statutory-distance"].limit_for(8).more_than_miles == 3
    assert kent.settings.ignore_selective_preference is False
    assert kent.lineage[1].startswith("statutory@")


def test_bad_policy_names_the_key():
    """A policy with a wrong type reports the file and the dotted key."""
    with pytest.raises(InputError, match=r"PolicyLimitNotANumber.yaml: rules.statutory-distance.limits.0.more_than_miles"):
        load_policy(DATA / "PolicyLimitNotANumber.yaml")


def test_unknown_policy_name():
    """An unknown policy name lists the shipped ones."""
    with pytest.raises(InputError, match="kent"):
        load_policy("narnia")


