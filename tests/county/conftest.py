"""Small real-geography county scenarios (synthetic children at real Rutland postcodes and schools)."""

import pytest

from transport.domain.scenario import ScenarioChild


@pytest.fixture(scope="session")
def scenario30(schools, postcodes, drive_net):
    """Thirty synthetic children at real postcodes going to real schools."""
    from transport.planning.cohort import generate_scenario

    return generate_scenario(30, seed=7, schools=schools, postcodes=postcodes)


@pytest.fixture(scope="session")
def county30(scenario30, drive_net):
    """The county problem and matrices of ``scenario30``."""
    from transport.planning.county import build_county

    return build_county(scenario30, network=drive_net)


@pytest.fixture(scope="session")
def county_doc30(scenario30, county30, drive_net):
    """``scenario30`` planned by decomposition into several sub-problems on the local process pool."""
    from transport.planning.county import plan_county

    return plan_county(scenario30, time_limit_s=4, max_requests=8, max_workers=2, county=county30,
                       network=drive_net)


def late_child(scenario, postcodes, cid="LATE1", postcode="LE15 6RB", **kw) -> ScenarioChild:
    """A late applicant at a real postcode, going to the scenario's first school."""
    from transport.domain.scenario import Point

    return ScenarioChild(id=cid, first_name="Late", home=Point.of(postcodes.lookup(postcode)),
                         school_id=kw.pop("school_id", scenario.schools[0].id), phase="secondary", **kw)
