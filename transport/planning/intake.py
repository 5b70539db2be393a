"""From eligibility decisions to a routing scenario: the children the council must carry.

Only eligible children whose offer is a seat on council-arranged transport are routed; a pass
or a personal transport budget needs no vehicle. Each child keeps the needs recorded on the
application (wheelchair, passenger assistant, travel alone, own ride limit, not with).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from transport.domain.errors import InputError
from transport.domain.geocode import PostcodeIndex
from transport.domain.models import Application, School
from transport.domain.scenario import FleetVehicle, Point, Scenario, ScenarioChild, ScenarioSchool


def _home_point(app: Application, postcodes) -> Point:
    home = app.home
    if home.location is not None:
        return Point.of(home.location)
    if home.easting is not None and home.northing is not None:
        return Point(easting=home.easting, northing=home.northing)
    return Point.of(postcodes.lookup(home.postcode or ""))


def children_to_carry(apps: Iterable[Application], decisions: Iterable) -> list[Application]:
    """Applications whose decision is eligible with a seat on a vehicle."""
    by_id = {d.application_id: d for d in decisions}
    out = []
    for app in apps:
        d = by_id.get(app.id)
        if d is not None and d.eligible and d.offer is not None and d.offer.kind == "seat":
            out.append(app)
    return out


def scenario_from_applications(apps: Sequence[Application], schools: dict[str, School], fleet: tuple[FleetVehicle, ...],
                               *, session: str = "am", name: str = "eligible children", postcodes=None) -> Scenario:
    """A scenario carrying these children to their schools with this fleet."""
    if postcodes is None and any(a.home.location is None and a.home.easting is None for a in apps):
        postcodes = PostcodeIndex.load()
    used: dict[str, School] = {}
    kids = []
    for app in apps:
        school = schools.get(app.school_id)
        if school is None:
            raise InputError(f"application {app.id}: unknown school {app.school_id!r}")
        used[school.id] = school
        age = app.travel_date.year - app.date_of_birth.year - (
            (app.travel_date.month, app.travel_date.day) < (app.date_of_birth.month, app.date_of_birth.day))
        n = app.needs
        kids.append(ScenarioChild(
            id=app.id, first_name=app.first_name, home=_home_point(app, postcodes), school_id=school.id,
            phase="primary" if age < 11 else "secondary", wheelchair=n.wheelchair,
            passenger_assistant=n.passenger_assistant, travel_alone=n.travel_alone,
            not_with=tuple(x for x in n.not_with if any(a.id == x for a in apps)),
            sibling_group=app.sibling_group, max_ride_time_min=n.max_ride_time_min, load_time_s=n.load_time_s,
            access_notes=n.access_notes, equipment=n.equipment))
    scen_schools = tuple(ScenarioSchool.of(s, week=session == "day") for s in used.values())
    return Scenario(name=name, session=session, schools=scen_schools, children=tuple(kids),  # type: ignore[arg-type]
                    fleet=fleet)
