"""routing/day_solve.py errors: a duty that cannot be timed is the taxonomy's RoutingError, not a bare ValueError."""

import pytest

from routing.day import Duty
from routing.day_solve import assemble
from routing.problem import Layout
from tests.routing.test_day import make_day
from transport.domain.errors import RoutingError

# four children picked up across both schools' homes, then dropped in an order that breaks a ride limit
TOO_LONG = (("pickup", "a"), ("pickup", "c"), ("pickup", "b"), ("pickup", "d"),
            ("delivery", "c"), ("delivery", "a"), ("delivery", "d"), ("delivery", "b"))


def test_a_duty_that_cannot_be_timed_is_a_routing_error():
    with pytest.raises(RoutingError, match="duty 0 cannot be timed on mon am"):
        assemble(make_day(), [Duty("car", 0, Layout(4, 0), False, am=TOO_LONG)], [], {})
