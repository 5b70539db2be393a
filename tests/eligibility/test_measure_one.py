"""Measuring one home against every entrance at once (the service's check) gives exactly the figures of
the per-school cohort path, on the real Rutland networks with the sample unsafe segments."""

from __future__ import annotations

import datetime as dt
import random

from eligibility.measure import Measurer
from eligibility.service import read_applications
from transport.domain.config import SAMPLE_DATA
from transport.domain.geo import LatLon
from transport.domain.models import Application, Entrance, Home


def _homes_and_schools(assessor, n: int, seed: int = 1) -> list[Application]:
    """The sample cohort plus ``n`` applications at random real postcodes to random real schools."""
    apps, _ = read_applications(SAMPLE_DATA / "applications" / "rutland_sample.csv")
    rng = random.Random(seed)
    postcodes = rng.sample(assessor.measurer.postcodes.postcodes(), n)
    schools = sorted(assessor.measurer.schools)
    base = next(a for a in apps if isinstance(a, Application))
    made = [base.model_copy(update={"id": f"R-{i}", "home": Home(postcode=pc), "school_id": rng.choice(schools),
                                    "ehc_named_school_id": None, "low_income": bool(i % 2),
                                    "date_of_birth": dt.date(2008 + i % 12, 1 + i % 12, 1)})
            for i, pc in enumerate(postcodes)]
    return [a for a in apps if isinstance(a, Application)] + made


def _figures(result):
    if isinstance(result, Exception):
        return type(result).__name__, str(result)
    return [(c.school.id, c.walk_m, c.safe_walk_m, c.road_m, c.straight_m, c.entrance, c.route, c.avoided_edges)
            for c in result.candidates]


def _check_same(measurer: Measurer, apps: list[Application]) -> int:
    anchor = apps[0]
    compared = 0
    for app in apps[1:]:
        one = measurer.facts_many([app])[0]
        batch = measurer.facts_many([app, anchor])[0]
        assert _figures(one) == _figures(batch), app.id
        compared += not isinstance(one, Exception)
    return compared


def test_one_home_equals_the_cohort_path(rutland_assessor):
    """Sample cohort and 150 random real postcodes: every candidate's metres, entrance and route agree exactly."""
    assert _check_same(rutland_assessor.measurer, _homes_and_schools(rutland_assessor, 150)) > 100


def _two_gates(measurer: Measurer):
    """Every school with two entrances: its point and a gate about 450 m north-east."""
    return {sid: s.model_copy(update={"entrances": (
        Entrance(name="front", location=s.location),
        Entrance(name="back gate", location=LatLon(s.location.lat + 0.003, s.location.lon + 0.004)))})
        for sid, s in measurer.schools.items()}


def _on_entrance_edges(measurer: Measurer, like: Application) -> list[Application]:
    """Homes on the very edge an entrance is snapped to (the walk can go straight along it)."""
    out = []
    for i, ent in enumerate(e for ents in measurer.entrances.values() for e in ents):
        line = measurer.walk.edge_geometry[ent.walk_edge]
        for f in (0.1, 0.5, 0.9):
            p = line.interpolate(f, normalized=True)
            out.append(like.model_copy(update={"id": f"E-{i}-{f}", "home": Home(location=LatLon.from_bng(p.x, p.y)),
                                               "school_id": ent.school_id}))
    return out


def test_two_entrances_and_homes_on_their_edges_from_either_start(rutland_assessor):
    """Schools with two gates, homes on the gates' own edges, measured from the address and the network point."""
    m = rutland_assessor.measurer
    apps = _homes_and_schools(rutland_assessor, 40, seed=2)
    for home_start in ("address_point", "network_point"):
        settings = m.policy.settings.model_copy(update={"home_start": home_start})
        policy = m.policy.model_copy(update={"settings": settings})
        other = Measurer(policy, _two_gates(m), m.walk, drive=m.drive, segments=m.segments, postcodes=m.postcodes)
        assert {len(e) for e in other.entrances.values()} == {2}
        edge_homes = _on_entrance_edges(other, apps[0])
        assert _check_same(other, apps + edge_homes) > 100
        # the entrance chosen is not always the first one, and the walk along the entrance's own edge is used
        chosen = [c.entrance for a in edge_homes for c in other.facts(a).candidates if c.school.id == a.school_id]
        assert {"front", "back gate"} <= set(chosen)
