"""The schools the engine knows: public attributes officers and planners pick from."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Query

from api.deps import Staff
from api.routes.common import AUTH
from api.schemas.schools import SchoolPublic, SchoolsPublic
from transport.domain.models import School
from transport.domain.schools import load_schools

router = APIRouter(tags=["schools"], responses=AUTH)


@lru_cache(maxsize=1)
def _all_schools() -> tuple[School, ...]:
    return tuple(sorted(load_schools().values(), key=lambda s: (s.name, s.id)))


def _summary(s: School) -> SchoolPublic:
    return SchoolPublic(id=s.id, name=s.name, phase=s.phase.value, age_low=s.age_low, age_high=s.age_high,
                         school_type=s.school_type.value, sen_provision=s.sen_provision.value,
                         sen_needs_catered=list(s.sen_needs_catered), religious_character=s.religious_character,
                         postcode=s.postcode, lat=s.location.lat, lon=s.location.lon,
                         start=s.bell_times.start, finish=s.bell_times.finish)


@router.get("/v1/schools", response_model=SchoolsPublic)
def list_schools(who: Staff,
                 q: str | None = Query(None, max_length=80, description="part of the name or the URN, any case"),
                 special: bool | None = Query(None, description="only schools with (true) or without (false) SEN provision"),
                 ) -> SchoolsPublic:
    """Schools for the application form and the planner's map: URN, name, phase, SEN provision, bell times."""
    items = []
    needle = (q or "").strip().lower()
    for s in _all_schools():
        if needle and needle not in s.name.lower() and needle not in s.id.lower():
            continue
        if special is not None and (s.sen_provision.value != "none") != special:
            continue
        items.append(_summary(s))
    return SchoolsPublic(data=items, count=len(items))
