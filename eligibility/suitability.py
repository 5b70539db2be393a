"""Which schools are suitable for a child: age, sex, ability (selective), SEN, qualifying status.

A suitable school is a qualifying school that provides education appropriate to the child's
age, ability, aptitude, sex and any SEN (Education Act 1996 Sch 35B para 15). School age
ranges are read in academic age (age at the start of the school year): a 4-11 primary takes
academic ages 4 to 10, an 11-18 secondary 11 to 17. The engine does not know whether a
school would have offered a place; callers pass schools that would not (``no_place_at``).

What the engine cannot see it infers from the school attended, and says so:
a child attending a selective school is taken as assessed suitable for selective education;
a child of unknown sex is not matched to a single-sex school they do not attend.
"""

from __future__ import annotations


from collections.abc import Iterable

from eligibility.policy import Policy
from transport.domain.models import Admissions, Application, PupilSex, School, SenProvision, Sex


def is_qualifying(school: School, app: Application, policy: Policy) -> bool:
    """A qualifying school (maintained, academy, non-maintained special), or one named in the EHC plan."""
    if app.ehc_plan and app.ehc_named_school_id == school.id:
        return True
    return school.school_type.value in policy.settings.qualifying_school_types


def age_or_sex_unsuitable(school: School, app: Application, academic_age: int, *, attended: bool) -> str | None:
    """Why a school's age range or admissions by sex rule it out for the child, or None."""
    if not school.age_low <= academic_age < school.age_high:
        return (f"its age range {school.age_low}-{school.age_high} does not take a child in the "
                f"year group for age {academic_age}")
    if school.pupils is PupilSex.MIXED:
        return None
    wanted = Sex.MALE if school.pupils is PupilSex.BOYS else Sex.FEMALE
    if app.sex is wanted or (app.sex is Sex.UNKNOWN and attended):
        return None
    if app.sex is Sex.UNKNOWN:
        return f"it admits {school.pupils.value} only and the child's sex is not recorded"
    return f"it admits {school.pupils.value} only"


def _sen_kind(school: School) -> str:
    if school.is_special or school.sen_provision is SenProvision.SPECIAL_SCHOOL:
        return "special"
    if school.sen_provision in (SenProvision.RESOURCED_PROVISION, SenProvision.SEN_UNIT):
        return "resourced"
    return "mainstream"


def _needs_overlap(a: School, b: School) -> bool:
    if not a.sen_needs_catered or not b.sen_needs_catered:
        return True
    return bool(set(a.sen_needs_catered) & set(b.sen_needs_catered))


def sen_unsuitable(school: School, app: Application, named: School | None) -> str | None:
    """Why a school cannot meet the child's SEN as the EHC plan describes them, or None."""
    if named is not None and school.id == named.id:
        return None
    if named is not None:
        if not app.ehc_transport_condition:
            return f"the EHC plan names {named.name}"
        kind = _sen_kind(named)
        if kind == "special" and _sen_kind(school) != "special":
            return f"the EHC plan names a special school ({named.name})"
        if kind == "resourced" and _sen_kind(school) != "resourced":
            return f"the EHC plan names a school with resourced SEN provision ({named.name})"
        if kind != "mainstream" and not _needs_overlap(named, school):
            return f"it does not cater for the needs {named.name} caters for"
        return None
    if _sen_kind(school) == "special":
        return "a special school place needs an EHC plan naming it"
    return None


def preference_unsuitable(school: School, attended: School, policy: Policy) -> str | None:
    """Why a school is not an alternative given the ability or sex-based choice of school, or None."""
    if school.id == attended.id:
        return None
    selective = school.admissions is Admissions.SELECTIVE
    attends_selective = attended.admissions is Admissions.SELECTIVE
    if selective and not attends_selective:
        return "it is selective and the child is not known to be assessed suitable for it"
    if attends_selective and not selective and not policy.settings.ignore_selective_preference:
        return "the policy respects a preference for selective education"
    single_sex = attended.pupils is not PupilSex.MIXED
    if single_sex and school.pupils is PupilSex.MIXED and not policy.settings.ignore_single_sex_preference:
        return "the policy respects a preference for a single-sex school"
    return None


def unsuitable_reason(school: School, app: Application, attended: School, named: School | None,
                      academic_age: int, policy: Policy) -> str | None:
    """Why a school is not suitable for the child (as an alternative to ``attended``), or None."""
    if named is not None and school.id == named.id:
        return None
    if not is_qualifying(school, app, policy):
        return f"it is not a qualifying school ({school.school_type.value})"
    return (age_or_sex_unsuitable(school, app, academic_age, attended=school.id == attended.id)
            or sen_unsuitable(school, app, named)
            or preference_unsuitable(school, attended, policy))


def suitability_key(app: Application, attended: School, named: School | None, academic_age: int) -> tuple:
    """Everything ``unsuitable_reason`` reads besides the school and the policy: applications with
    equal keys have the same suitable schools."""
    return (attended.id, None if named is None else named.id, academic_age, app.sex, app.ehc_plan,
            app.ehc_named_school_id, app.ehc_transport_condition)


def suitable_schools(app: Application, attended: School, schools: Iterable[School], named: School | None,
                     academic_age: int, policy: Policy) -> list[School]:
    """The schools suitable for the child, plus the school attended whatever its status."""
    out = []
    for school in schools:
        if school.id == attended.id or unsuitable_reason(school, app, attended, named, academic_age, policy) is None:
            out.append(school)
    return out
