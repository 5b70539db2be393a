"""Synthetic Transport Information Forms for a generated cohort (labelled synthetic).

Each scenario child becomes an application for the school they are placed at, with an EHC
plan naming that school and a recorded SEN mobility need (so the Kent policy finds them
eligible on the SEN basis, as the sample cohort is meant to be), a date of birth fitting the
phase, and the two flags the offers weigh, drawn with this documented mix:

- ``can_use_public_transport``: 30 % of secondary-phase children who travel without a passenger
  assistant, not alone and not in a wheelchair; nobody else.
- ``travel_training_candidate``: 40 % of those who can use public transport, and 10 % of the
  other secondary-phase children without those needs (so some candidates are not yet able to
  use a pass and training is what would get them there).
"""

from __future__ import annotations

import datetime as dt
import random

from transport.domain.geo import LatLon
from transport.domain.models import Application, ChildNeeds, Home
from transport.domain.scenario import Scenario

TRAVEL_DATE = dt.date(2026, 9, 3)


def synthetic_applications(scenario: Scenario, *, seed: int = 1, travel_date: dt.date = TRAVEL_DATE) -> list[Application]:
    """One application per child of ``scenario`` with the mix above (deterministic per seed)."""
    rng = random.Random(seed)
    phases = {s.id: s.phase for s in scenario.schools}
    out = []
    for c in scenario.children:
        phase = c.phase or phases.get(c.school_id) or "secondary"
        age = rng.randint(5, 10) if phase == "primary" else rng.randint(11, 15)
        dob = travel_date.replace(year=travel_date.year - age - 1) + dt.timedelta(days=rng.randint(1, 364))
        plain = phase != "primary" and not (c.passenger_assistant or c.travel_alone or c.wheelchair)
        public = plain and rng.random() < 0.30
        training = plain and rng.random() < (0.40 if public else 0.10)
        h = c.home
        home = Home(postcode=h.postcode) if h.postcode else (
            Home(location=LatLon(h.lat, h.lon)) if h.lat is not None else Home(easting=h.easting, northing=h.northing))
        needs = ChildNeeds(wheelchair=c.wheelchair, passenger_assistant=c.passenger_assistant,
                           travel_alone=c.travel_alone, max_ride_time_min=c.max_ride_time_min,
                           can_use_public_transport=public, travel_training_candidate=training)
        out.append(Application(id=c.id, date_of_birth=dob, home=home, school_id=c.school_id,
                               travel_date=travel_date, ehc_plan=True, ehc_named_school_id=c.school_id,
                               sen_mobility=True, sen_evidence="synthetic: EHC plan names the need",
                               needs=needs, first_name=c.first_name, sibling_group=c.sibling_group))
    return out
