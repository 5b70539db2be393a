"""Synthetic SEN cohorts on the real sample geography (labelled synthetic).

Homes are real Code-Point Open postcode centroids; schools are the real schools of the sample
with their SEN designations. The mix of needs is documented here and in the README:

| need | share | note |
| --- | --- | --- |
| placed at a special school | 40% | only where the school's age range admits the child |
| placed at a resourced provision | 35% | |
| placed at another mainstream school | 25% | with an EHC plan naming it |
| wheelchair user | 10% | longer loading time; half of them need a passenger assistant |
| passenger assistant (PA) | 20% overall | |
| must travel alone | 4% | |
| lower personal ride limit | 10% | 30 to 40 minutes |
| sibling pairs (same home, same school) | about 4% of children | travel together |
| must not share with a named child | about 1% of children | pairs at the same school |

A day scenario (``session="day"``, :func:`with_week`) adds the week: 10% of children attend
part-time (two to four weekdays), and one school in six (at least one) finishes 75 minutes early
on Friday; 2% of the full-time children without a sibling have a **shared placement**: Monday
to Wednesday at their school, Thursday and Friday at the nearest other school of the cohort
with the same phase (as the crow flies).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from routing.network import load_network
from transport.domain.errors import InputError, OutsideNetworkError
from transport.domain.fleet import default_fleet
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.domain.scenario import (
    WEEKDAYS,
    Placement,
    Point,
    Scenario,
    ScenarioChild,
    ScenarioSchool,
    WeekdayBells,
)
from transport.domain.schools import load_schools

FIRST_NAMES = ("Alex", "Sam", "Jamie", "Charlie", "Riley", "Jordan", "Taylor", "Morgan", "Casey",
               "Rowan", "Ellis", "Harper", "Quinn", "Robin", "Sasha", "Toby", "Amira", "Noah",
               "Isla", "Leo", "Freya", "Oscar", "Maya", "Arlo", "Zara", "Finn", "Ava", "Kai")

def _school_pools(schools) -> tuple[list, list, list]:
    special = [s for s in schools if s.is_special]
    resourced = [s for s in schools if not s.is_special and s.sen_provision.value != "none"]
    mainstream = [s for s in schools if not s.is_special and s.sen_provision.value == "none"
                  and s.school_type.value == "mainstream"]
    return special, resourced, mainstream


def usable_postcodes(postcodes, network=None) -> list[str]:
    """Postcodes whose centroid lies within the snap limit of the drive network (sorted).

    Rural centroids can sit at the end of long private tracks; a synthetic cohort leaves them
    out, where a council would correct the pick-up point by hand.
    """
    net = network or load_network("drive")
    codes = postcodes.postcodes()
    points = [postcodes.lookup(pc) for pc in codes]
    snaps_ok = []
    for pc, p in zip(codes, points):
        try:
            net.snap(p)
        except OutsideNetworkError:
            continue
        snaps_ok.append(pc)
    return snaps_ok


def _near(schools: list, home: LatLon, radius_m: float) -> list:
    """The schools within ``radius_m`` of ``home`` in a straight line, else the nearest one."""
    lat = np.radians([s.location.lat for s in schools])
    lon = np.radians([s.location.lon for s in schools])
    h_lat, h_lon = np.radians(home.lat), np.radians(home.lon)
    a = np.sin((lat - h_lat) / 2) ** 2 + np.cos(lat) * np.cos(h_lat) * np.sin((lon - h_lon) / 2) ** 2
    metres = 2 * 6_371_000 * np.arcsin(np.sqrt(a))
    inside = np.flatnonzero(metres <= radius_m)
    return [schools[k] for k in inside] if len(inside) else [schools[int(np.argmin(metres))]]


def generate_scenario(children: int, seed: int = 0, *, session: str = "am", schools=None,
                      postcodes=None, name: str | None = None, homes=None, fleet=None,
                      school_radius_m: float | None = None) -> Scenario:
    """A synthetic cohort of ``children`` SEN pupils on the sample geography.

    ``homes`` (a sequence of LatLon, e.g. address points) places each child, or each pair of
    siblings, at its own home drawn without replacement instead of at postcode centroids;
    with ``school_radius_m`` each such child's school is drawn from the schools of its kind
    within that straight-line distance of the home (the nearest one when none is), as in a
    county far wider than a journey to school; ``fleet`` replaces the default Rutland fleet.
    """
    if children < 1:
        raise InputError("a scenario needs at least one child")
    schools = list((schools or load_schools()).values())
    rng = np.random.default_rng(seed)
    special, resourced, mainstream = _school_pools(schools)
    if homes is None:
        postcodes = postcodes or PostcodeIndex.load()
        codes = usable_postcodes(postcodes)
    else:
        home_order = iter(rng.permutation(len(homes)).tolist())
    kids: list[ScenarioChild] = []
    used_schools: dict[str, object] = {}
    i = 0
    while len(kids) < children:
        i += 1
        pool = rng.choice(3, p=[0.40, 0.35, 0.25])
        kind = [special, resourced, mainstream][pool]
        if homes is not None:
            pick = next(home_order, None)
            if pick is None:
                raise InputError(f"{children} children need more than the {len(homes)} homes given")
            home = homes[pick]
            if school_radius_m is not None:
                kind = _near(kind, home, school_radius_m)
        school = kind[rng.integers(len(kind))]
        age = int(rng.integers(max(5, school.age_low), min(18, school.age_high) + 1))
        phase = "primary" if age < 11 else "secondary"
        wheelchair = bool(rng.random() < 0.10)
        pa = bool(rng.random() < (0.5 if wheelchair else 0.167))
        if homes is None:
            home = postcodes.lookup(codes[rng.integers(len(codes))])
        sibling = None
        cid = f"C{len(kids) + 1:05d}"
        child = ScenarioChild(
            id=cid, first_name=str(rng.choice(FIRST_NAMES)), home=Point.of(home), school_id=school.id,
            phase=phase, wheelchair=wheelchair, passenger_assistant=pa,
            travel_alone=bool(rng.random() < 0.04),
            max_ride_time_min=int(rng.integers(30, 41)) if rng.random() < 0.10 else None,
            equipment=("wheelchair clamps",) if wheelchair else (),
        )
        kids.append(child)
        used_schools[school.id] = school
        if len(kids) < children and rng.random() < 0.02:  # a sibling at the same home and school
            sibling = f"S{len(kids):05d}"
            kids[-1] = child.model_copy(update={"sibling_group": sibling})
            kids.append(ScenarioChild(
                id=f"C{len(kids) + 1:05d}", first_name=str(rng.choice(FIRST_NAMES)), home=child.home,
                school_id=school.id, phase=phase, sibling_group=sibling))
    # about 1% of children must not share with a named schoolmate
    by_school: dict[str, list[int]] = {}
    for k, c in enumerate(kids):
        if not c.travel_alone and c.sibling_group is None:
            by_school.setdefault(c.school_id, []).append(k)
    for idx in by_school.values():
        if len(idx) >= 2 and rng.random() < min(1.0, 0.005 * len(idx)):
            a, b = rng.choice(idx, 2, replace=False)
            kids[a] = kids[a].model_copy(update={"not_with": (kids[b].id,)})
            kids[b] = kids[b].model_copy(update={"not_with": (kids[a].id,)})
    scen_schools = tuple(
        ScenarioSchool(id=s.id, name=s.name, location=Point.of(s.open_entrances()[0].location),
                       phase="primary" if s.age_high <= 11 else "secondary",
                       bell_start=s.bell_times.start, bell_finish=s.bell_times.finish)
        for s in used_schools.values()
    )
    scenario = Scenario(name=name or f"synthetic-{children}-seed{seed}",
                        session="am" if session == "day" else session,  # type: ignore[arg-type]
                        schools=scen_schools, children=tuple(kids), fleet=fleet or default_fleet(children), synthetic=True)
    return with_week(scenario, seed) if session == "day" else scenario


def with_week(scenario: Scenario, seed: int = 0, *, part_time_share: float = 0.10,
              early_friday_share: float = 1 / 6, early_by_min: int = 75, shared_share: float = 0.02) -> Scenario:
    """The scenario as a school day with a week: part-time children, early Friday finishes and
    shared placements."""
    rng = np.random.default_rng(seed + 7919)
    kids = []
    for c in scenario.children:
        if c.sibling_group is None and rng.random() < part_time_share:
            days = sorted(rng.choice(len(WEEKDAYS), int(rng.integers(2, 5)), replace=False))
            c = c.model_copy(update={"attends": tuple(WEEKDAYS[d] for d in days)})
        kids.append(c)
    schools = list(scenario.schools)
    early = max(1, round(len(schools) * early_friday_share))
    for k in sorted(rng.choice(len(schools), min(early, len(schools)), replace=False)):
        s = schools[k]
        finish = (dt.datetime.combine(dt.date(2026, 1, 2), s.bell_finish) - dt.timedelta(minutes=early_by_min)).time()
        schools[k] = s.model_copy(update={"weekday_bells": {"fri": WeekdayBells(bell_finish=finish)}})
    kids = _shared_placements(kids, schools, np.random.default_rng(seed + 104729), shared_share)
    return scenario.model_copy(update={"session": "day", "children": tuple(kids), "schools": tuple(schools)})


def _shared_placements(kids: list[ScenarioChild], schools: list[ScenarioSchool], rng, share: float) -> list[ScenarioChild]:
    """Some full-time children without a sibling attend their school Monday to Wednesday and the
    nearest other school of their phase on Thursday and Friday."""
    out = []
    for c in kids:
        if c.sibling_group is None and len(c.attends) == len(WEEKDAYS) and not c.not_with and rng.random() < share:
            phase = next(s.phase for s in schools if s.id == c.school_id)
            others = [s for s in schools if s.id != c.school_id and s.phase == phase]
            if others:
                home = c.home
                other = min(others, key=lambda s: (s.location.lat - home.lat) ** 2
                            + ((s.location.lon - home.lon) * 0.6) ** 2)
                c = c.model_copy(update={"placements": (Placement(school_id=c.school_id, days=("mon", "tue", "wed")),
                                                        Placement(school_id=other.id, days=("thu", "fri")))})
        out.append(c)
    return out
