"""The eligibility rules: a pure ``decide(facts, policy) -> Decision``.

No network, no files: ``AssessmentFacts`` carries the application, the school attended and
the measured candidate schools, so every boundary (2.000 vs 2.001 miles, the 8th birthday,
two vs three nearer schools) can be tested with constructed distances. Distances are
compared unrounded, in metres; "more than 2 miles" means strictly greater than 3218.688 m.

Every rule of the policy is checked and recorded (``Decision.checks``) with the inequality
that decided it and the provision it cites, so a decision can be explained at review.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Callable, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from eligibility.dates import (
    ONE_DAY,
    academic_age,
    age_on,
    birthday,
    csa_end,
    csa_start,
    school_year_end,
    school_year_start,
)
from eligibility.offer import Offer, make_offer, pounds, ptb_measure
from eligibility.policy import (
    COMPULSORY_RULES,
    POST_COMPULSORY_RULES,
    CompulsorySchoolAge,
    Policy,
    Refusal,
    Rule,
    RuleRow,
    label_of,
)
from eligibility.route import WalkRoute
from eligibility.suitability import (
    age_or_sex_unsuitable,
    is_qualifying,
    suitability_key,
    unsuitable_reason,
)
from transport.domain.errors import InputError
from transport.domain.geo import LatLon
from transport.domain.models import Application, School
from transport.domain.units import m_to_miles, miles_to_m

INF = math.inf
_NO_ROUTE = WalkRoute()
"""The empty route (read-only, so decisions without a route share it)."""


class Candidate(BaseModel):
    """A school measured from the child's home."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    school: School
    walk_m: float = Field(ge=0)
    """Shortest walking route, ignoring assessed unsafe segments (inf when none)."""
    safe_walk_m: float = Field(ge=0)
    """Shortest walking route avoiding every assessed unsafe segment (inf when none)."""
    road_m: float | None = Field(None, ge=0)
    straight_m: float = Field(ge=0)
    entrance: str = "school point"
    route: WalkRoute = WalkRoute()
    """(lon, lat) of the measured route: the safe route, or the walking route when none is safe."""
    route_edges: tuple[int, ...] = ()
    avoided_edges: tuple[int, ...] = ()
    """Unsafe walk-network edges on the shortest walking route, which the safe route avoids."""
    avoided_segments: tuple[str, ...] = ()


class AssessmentFacts(BaseModel):
    """Everything ``decide`` needs: the application, the school attended, measured schools."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    application: Application
    school: School
    candidates: tuple[Candidate, ...]
    """Measured schools; must include the school attended. Unsuitable ones are filtered here."""
    named_school: School | None = None
    """The school named in the EHC plan, when there is one."""
    home: tuple[float, float] | None = None
    """(lon, lat) of the home start point as understood."""
    home_source: str = ""
    home_measured_from: str = "coordinates"
    """uprn, coordinates or postcode centroid (``Home.measured_from``)."""
    no_place_at: frozenset[str] = frozenset()
    """Schools that would not have offered a place (they do not count as nearer)."""
    measured_on: str = ""
    """Which networks measured the distances (for the record)."""

    def candidate(self, school_id: str) -> Candidate:
        """The measured candidate of a school, or a clear error."""
        for c in self.candidates:
            if c.school.id == school_id:
                return c
        raise InputError(f"application {self.application.id}: school {school_id} was not measured")


class RuleCheck(BaseModel):
    """One rule as checked: whether it holds, the test, and the provision it cites (immutable: decisions
    with the same check share one record)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    holds: bool
    test: str
    cites: str
    label: str = ""
    """The rule's name in the policy ("Beyond statutory walking distance")."""


class SchoolConsidered(BaseModel):
    """A suitable school, ranked by distance from home (immutable: decisions ranking the same school
    the same, at the same distances, share one record)."""

    model_config = ConfigDict(frozen=True)

    rank: int
    school_id: str
    name: str
    attended: bool
    walking_m: float | None
    walking_miles: float | None
    safe_walking_m: float | None
    road_m: float | None
    straight_line_m: float
    entrance: str
    religious_character: str | None = None
    note: str = ""


class InputsUnderstood(BaseModel):
    """The application as the engine read it."""

    application_id: str
    date_of_birth: dt.date
    age: int
    academic_age: int
    age_reference_date: dt.date
    travel_date: dt.date
    compulsory_school_age_from: dt.date
    compulsory_school_age_until: dt.date
    sex: str
    home: tuple[float, float] | None
    wheelchair: bool = False
    passenger_assistant: bool = False
    travel_alone: bool = False
    can_use_public_transport: bool = False
    travel_training_candidate: bool = False
    home_source: str
    school_id: str
    school_name: str
    ehc_plan: bool
    ehc_named_school_id: str | None
    ehc_transport_condition: bool
    sen_mobility: bool
    sen_evidence: str
    temporary_condition_until: dt.date | None
    low_income: bool
    religious_preference: str | None
    no_place_at: list[str]
    measured_on: str


class Decision(BaseModel):
    """An eligibility decision that explains itself."""

    application_id: str
    eligible: bool
    bases: list[str]
    refusal: str | None
    decided_by: str
    explanation: str
    cites: list[str]
    checks: list[RuleCheck]
    school_id: str
    school_name: str
    walking_m: float | None
    safe_walking_m: float | None
    road_m: float | None
    straight_line_m: float | None
    walking_miles: float | None
    schools_considered: list[SchoolConsidered]
    """The suitable schools ranked by the nearest measure, up to and including the school attended."""
    nearer_schools: list[str]
    route: WalkRoute
    """(lon, lat) of the walking route to the school attended (a sequence of pairs; a list of pairs in JSON)."""
    route_edges: list[int]
    avoided_edges: list[int]
    unsafe_segments_avoided: list[str]
    evidence: str
    offer: Offer | None
    valid_until: dt.date
    valid_until_reason: str
    policy_id: str
    policy_version: str
    inputs: InputsUnderstood
    home_measured_from: str = "coordinates"
    """Where distances were measured from: uprn (address point), coordinates, or postcode centroid."""
    measure_from_address: str | None = None
    """Set when a postcode centroid's walking distance is within the policy's margin of the limit: why the
    decision must be re-measured from the address (UPRN or coordinates) before it is relied on."""
    basis_labels: list[str] = []
    """The policy's names of ``bases``, in the same order ("SEN, disability or mobility")."""
    refusal_label: str | None = None
    """The policy's name of ``refusal`` ("Not the nearest suitable school")."""
    nearer_route: WalkRoute = WalkRoute()
    """(lon, lat) of the measured walking route to the nearer suitable school that decided a "not the
    nearest suitable school" refusal (the first of ``nearer_schools``), drawn beside ``route``; else empty."""


def built(cls: type[BaseModel], /, **fields) -> BaseModel:
    """A record of ``cls`` from values this package derived itself, exactly typed, without validating
    them again (pydantic's ``model_construct`` costs more than validation, field by field in Python).
    Callers give every field in the class's order (JSON follows it; tests check both); when some are
    left out they take their defaults, in order. Anything from outside (API input, files) is validated."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(cls.model_fields)
        _DEFAULTS[cls] = {n: f.default for n, f in cls.model_fields.items() if not f.is_required()}
    given = set(fields)
    if len(given) < len(names):
        defaults = _DEFAULTS[cls]
        fields = {n: fields[n] if n in fields else defaults[n] for n in names}
    record = cls.__new__(cls)
    object.__setattr__(record, "__dict__", fields)
    object.__setattr__(record, "__pydantic_fields_set__", given)
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


_FIELDS: dict[type, tuple[str, ...]] = {}
_DEFAULTS: dict[type, dict] = {}


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------
def fmt_miles(metres: float, against_miles: float | None = None) -> str:
    """Miles to 2 dp, or 3 dp when 2 dp would hide the difference from a limit."""
    if metres == INF:
        return "no route"
    miles = m_to_miles(metres)
    text = f"{miles:.2f}"
    if against_miles is not None and float(text) == against_miles and miles != against_miles:
        text = f"{miles:.3f}"
    return f"{text} mi"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _lim(miles: float) -> str:
    return f"{miles:g} mi"


def _opt(x: float | None) -> float | None:
    return None if x is None or x == INF else round(x, 1)


# ---------------------------------------------------------------------------------------------
# evaluation at a date
# ---------------------------------------------------------------------------------------------
class Checked(NamedTuple):
    """One rule as checked while evaluating (a ``RuleCheck`` once in a decision)."""

    rule: str
    holds: bool
    test: str
    cites: str


@dataclass
class Outcome:
    """The rules evaluated at one date (before wording, offer and validity)."""

    on: dt.date
    age: int
    academic_age: int
    ref_date: dt.date
    checks: list[Checked] = field(default_factory=list)
    """The rules as checked; they become ``RuleCheck`` records only in the decision."""
    bases: list[str] = field(default_factory=list)
    refusal: str | None = None
    decided_by: str = ""
    ranked: list[Candidate] = field(default_factory=list)
    nearer: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        """Whether any basis holds."""
        return bool(self.bases)

    def key(self) -> tuple:
        """What a change of date may change."""
        return (self.eligible, tuple(self.bases), self.refusal)


def _age_reference(on: dt.date, policy: Policy) -> dt.date:
    if policy.settings.age_reference == "school_year_start":
        return school_year_start(on, policy.compulsory_school_age.school_year_starts)
    return on


def _measure(c: Candidate, measure: str, app: Application) -> float:
    if measure == "walking":
        return c.walk_m
    if c.road_m is None:
        raise InputError(f"application {app.id}: road distance to school {c.school.id} is needed "
                         "by the policy but was not measured")
    return c.road_m


def _rank(facts: AssessmentFacts, policy: Policy, academic: int) -> list[Candidate]:
    app, attended, named = facts.application, facts.school, facts.named_school
    unsuitable = _unsuitable_table(app, attended, named, academic, policy)
    out = []
    for c in facts.candidates:
        if c.school.id != attended.id:
            if c.school.id in facts.no_place_at:
                continue
            hit = unsuitable.get(id(c.school))
            if hit is None:
                hit = unsuitable[id(c.school)] = (
                    unsuitable_reason(c.school, app, attended, named, academic, policy) is not None, c.school)
            if hit[0]:
                continue
        out.append(c)
    measure = policy.settings.nearest_measure
    if measure == "walking":   # ``_measure`` without a Python call per school
        return sorted(out, key=_BY_WALK)
    return sorted(out, key=lambda c: (_measure(c, measure, app), c.school.name, c.school.id))


_BY_WALK = attrgetter("walk_m", "school.name", "school.id")
_MEASURED = attrgetter("walk_m", "safe_walk_m", "road_m", "straight_m", "entrance")


_SUITABILITY: dict[tuple, tuple[dict[int, tuple[bool, School]], tuple]] = {}
"""``unsuitable_reason`` answers by the identity of the (frozen) attended and named schools and
policy and the application's ``suitability_key``: per school (by identity) whether it is
unsuitable. Each entry holds its objects, so no identity is reused while it is kept. Cleared when
large."""


def _unsuitable_table(app: Application, attended: School, named: School | None, academic: int,
                      policy: Policy) -> dict[int, tuple[bool, School]]:
    """The memo of ``unsuitable_reason(school, ...) is not None`` for applications like this one."""
    key = (id(attended), id(named), id(policy), suitability_key(app, attended, named, academic))
    hit = _SUITABILITY.get(key)
    if hit is None:
        if len(_SUITABILITY) >= 10_000:
            _SUITABILITY.clear()
        hit = _SUITABILITY[key] = ({}, (attended, named, policy))
    return hit[0]


_CSA: dict[tuple[dt.date, int], tuple[dt.date, dt.date, CompulsorySchoolAge]] = {}
"""Compulsory school age (start, end) by date of birth and the identity of the (frozen) rules."""


def _csa_dates(dob: dt.date, csa: CompulsorySchoolAge) -> tuple[dt.date, dt.date]:
    """``csa_start`` and ``csa_end`` of a date of birth (memoised; errors are not)."""
    hit = _CSA.get((dob, id(csa)))
    if hit is None or hit[2] is not csa:
        if len(_CSA) >= 100_000:
            _CSA.clear()
        hit = _CSA[(dob, id(csa))] = (csa_start(dob, csa), csa_end(dob, csa), csa)
    return hit[0], hit[1]


@lru_cache(maxsize=256)
def _squash(text: str) -> str:
    """Policy text with its YAML line breaks and indents as single spaces."""
    return " ".join(text.split())


def _check(out: Outcome, rule_id: str, row: RuleRow, holds: bool, test: str) -> None:
    out.checks.append(Checked(rule_id, holds, test, _squash(row.cites)))
    if holds:
        out.bases.append(rule_id)


def _evaluate(facts: AssessmentFacts, policy: Policy, on: dt.date) -> Outcome:
    app = facts.application
    csa = policy.compulsory_school_age
    ref = _age_reference(on, policy)
    out = Outcome(on=on, age=age_on(app.date_of_birth, ref),
                  academic_age=academic_age(app.date_of_birth, on, csa.school_year_starts), ref_date=ref)
    start, end = _csa_dates(app.date_of_birth, csa)
    if on < start:
        out.refusal = Refusal.NOT_COMPULSORY_SCHOOL_AGE
        out.decided_by = f"{on} is before compulsory school age starts on {start}"
        return out
    if on > end:
        return _post_compulsory(facts, policy, out, end)
    return _compulsory(facts, policy, out)


def _post_compulsory(facts: AssessmentFacts, policy: Policy, out: Outcome, end: dt.date) -> Outcome:
    app = facts.application
    covered: list[str] = []
    for rule_id, row in policy.rules.items():
        if rule_id not in POST_COMPULSORY_RULES or not row.enabled:
            continue
        age = out.academic_age if row.age_basis == "academic" else out.age
        if not row.covers_age(age):
            continue
        covered.append(rule_id)
        unmet = [name for name, need, has in (
            ("an EHC plan", row.requires_ehc_plan, app.ehc_plan),
            ("evidence that the learner cannot travel independently", row.requires_sen_mobility, app.sen_mobility),
            ("low income", row.requires_low_income, app.low_income),
        ) if need and not has]
        test = f"{'academic ' if row.age_basis == 'academic' else ''}age {age} in {row.age_from}-{(row.age_below or 0) - 1}"
        test += f"; needs {', '.join(unmet)}" if unmet else ""
        _check(out, rule_id, row, not unmet, test)
    if out.bases:
        out.decided_by = out.checks[[c.rule for c in out.checks].index(out.bases[0])].test
        return out
    if not covered:
        out.refusal = Refusal.NOT_COMPULSORY_SCHOOL_AGE
        out.decided_by = (f"compulsory school age ended on {end}; the policy has no post-16 or "
                          f"post-19 rule for academic age {out.academic_age}")
    else:
        post19 = any(r == Rule.POST19_EHC_NECESSARY for r in covered)
        out.refusal = Refusal.POST19_NOT_NECESSARY if post19 else Refusal.NO_POST16_ENTITLEMENT
        out.decided_by = "; ".join(c.test for c in out.checks)
    return out


def _compulsory(facts: AssessmentFacts, policy: Policy, out: Outcome) -> Outcome:
    app, school = facts.application, facts.school
    named = facts.named_school
    named_here = named is not None and named.id == school.id
    if not is_qualifying(school, app, policy):
        out.refusal = Refusal.NOT_QUALIFYING_SCHOOL
        out.decided_by = f"{school.name} is {school.school_type.value}, not a qualifying school, and not named in an EHC plan"
        return out
    why = None if named_here else age_or_sex_unsuitable(school, app, out.academic_age, attended=True)
    if why:
        out.refusal = Refusal.SCHOOL_NOT_SUITABLE
        out.decided_by = f"{school.name} is not suitable: {why}"
        return out
    out.ranked = _rank(facts, policy, out.academic_age)
    mine = facts.candidate(school.id)
    nearest_measure = policy.settings.nearest_measure
    my_d = _measure(mine, nearest_measure, app)
    if nearest_measure == "walking":
        out.nearer = [c for c in out.ranked if c.school.id != school.id and c.walk_m < my_d]
    else:
        out.nearer = [c for c in out.ranked if c.school.id != school.id and _measure(c, nearest_measure, app) < my_d]
    nearest = not out.nearer
    if named_here and not app.ehc_transport_condition:
        nearest = True
        out.notes.append(f"the EHC plan names {school.name}, so it is the nearest suitable school")
    elif named_here:
        out.notes.append(f"the EHC plan names {school.name} on condition that parents arrange transport, "
                         "so a nearer suitable school counts")
    if nearest:
        near_text = f"{school.name} is the nearest suitable school"
    else:
        c0 = out.nearer[0]
        near_text = (f"{c0.school.name} ({fmt_miles(_measure(c0, nearest_measure, app))}) is nearer than "
                     f"{school.name} ({fmt_miles(my_d)}) by {nearest_measure} route")

    for rule_id, row in policy.rules.items():
        if rule_id in COMPULSORY_TESTS and row.enabled:
            result = COMPULSORY_TESTS[rule_id](facts, policy, out, row, mine)
            _record(out, rule_id, row, result, nearest=nearest, near_text=near_text)

    if out.bases:
        out.decided_by = next(c.test for c in out.checks if c.rule == out.bases[0])
    elif not nearest:
        out.refusal = Refusal.NOT_NEAREST_SUITABLE
        out.decided_by = near_text
    else:
        out.refusal = Refusal.WITHIN_WALKING_DISTANCE
        dist_check = next((c for c in out.checks if c.rule in (Rule.UNSAFE_ROUTE, Rule.STATUTORY_DISTANCE)), None)
        out.decided_by = dist_check.test if dist_check else "no basis of eligibility applies"
    return out


class RuleTest(NamedTuple):
    """One basis tested on the facts, before the nearest-suitable-school condition (a named tuple:
    immutable, and made seven times per decision, at a third of a frozen dataclass's cost).

    ``holds``: the basis applies; ``test``: the words of the test; ``nearness_counts``: whether the
    policy's nearest-suitable-school condition (``requires_nearest_suitable``) then applies to it.
    """

    holds: bool
    test: str
    nearness_counts: bool = False


def _record(out: Outcome, rule_id: str, row: RuleRow, result: RuleTest, *, nearest: bool, near_text: str) -> None:
    """The one recording step: apply the nearest-suitable-school condition, then record the check."""
    blocked = result.nearness_counts and row.requires_nearest_suitable and not nearest
    _check(out, rule_id, row, result.holds and not blocked, result.test + (f"; but {near_text}" if blocked else ""))


def _sen_mobility(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow, mine: Candidate) -> RuleTest:
    app = facts.application
    ev = f" (evidence: {app.sen_evidence})" if app.sen_evidence else ""
    test = (f"cannot reasonably be expected to walk because of SEN, disability or mobility{ev}"
            if app.sen_mobility else "no SEN, disability or mobility need affecting walking recorded")
    return RuleTest(app.sen_mobility, test, nearness_counts=app.sen_mobility)


def _temporary_medical(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow, mine: Candidate) -> RuleTest:
    until = facts.application.temporary_condition_until
    current = until is not None and until >= out.on
    test = ("no temporary medical condition recorded" if until is None else
            f"temporary medical condition until {until} {'covers' if current else 'ended before'} {out.on}")
    return RuleTest(current, test, nearness_counts=current)


def _walking_limit_miles(policy: Policy, row: RuleRow, age: int) -> float:
    """The statutory walking distance for the age (the unsafe-route rule measures against it too)."""
    source = policy.rules[Rule.STATUTORY_DISTANCE] if Rule.STATUTORY_DISTANCE in policy.rules else row
    return source.limit_for(age).more_than_miles


def _statutory_distance(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow, mine: Candidate) -> RuleTest:
    limit = _walking_limit_miles(policy, row, out.age)
    beyond = mine.walk_m > miles_to_m(limit)
    op = ">" if beyond else "is not more than"
    test = f"walking route {fmt_miles(mine.walk_m, limit)} {op} {_lim(limit)} limit for age {out.age}"
    return RuleTest(beyond, test, nearness_counts=beyond)


def _unsafe_route(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow, mine: Candidate) -> RuleTest:
    limit = _walking_limit_miles(policy, row, out.age)
    lim_m = miles_to_m(limit)
    unsafe = mine.walk_m <= lim_m < mine.safe_walk_m
    if mine.walk_m > lim_m:
        test = "not needed: the walking route is beyond the limit"
    elif mine.safe_walk_m == INF:
        test = (f"walking route {fmt_miles(mine.walk_m)} is within the {_lim(limit)} "
                f"limit for age {out.age} but no reasonably safe walking route exists")
    elif unsafe:
        test = (f"walking route {fmt_miles(mine.walk_m)} is within the limit but the shortest "
                f"reasonably safe route {fmt_miles(mine.safe_walk_m, limit)} > "
                f"{_lim(limit)} limit for age {out.age}")
    else:
        test = (f"a reasonably safe walking route of {fmt_miles(mine.safe_walk_m, limit)} "
                f"is not more than the {_lim(limit)} limit for age {out.age}")
    return RuleTest(unsafe, test, nearness_counts=unsafe)


def _low_income_distances(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow,
                          mine: Candidate) -> RuleTest | tuple[list[str], bool, bool]:
    """What the extended (low-income) rights share: the refusal when the child is not low income or
    outside the ages, else the distance parts, whether they hold and whether the lower bound holds."""
    app = facts.application
    if row.requires_low_income and not app.low_income:
        return RuleTest(False, "not recorded as low income (free school meals or maximum Working Tax Credit)")
    if not row.covers_age(out.age):
        hi = f"-{row.age_below - 1}" if row.age_below is not None else "+"
        return RuleTest(False, f"age {out.age} is outside {row.age_from}{hi}")
    lower_ok = mine.walk_m > miles_to_m(row.more_than_miles or 0.0)
    parts = [f"walking route {fmt_miles(mine.walk_m, row.more_than_miles)} "
             f"{'>' if lower_ok else 'is not more than'} {_lim(row.more_than_miles or 0.0)}"]
    holds = lower_ok
    if row.at_most_miles is not None:
        measure = policy.settings.extended_rights_measure
        d = _measure(mine, measure, app)
        upper_ok = d <= miles_to_m(row.at_most_miles)
        parts.append(f"{measure} route {fmt_miles(d, row.at_most_miles)} "
                     f"{'is not more than' if upper_ok else '>'} {_lim(row.at_most_miles)}")
        holds = holds and upper_ok
    return parts, holds, lower_ok


def _low_income_distance(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow,
                         mine: Candidate) -> RuleTest:
    shared = _low_income_distances(facts, policy, out, row, mine)
    if isinstance(shared, RuleTest):
        return shared
    parts, holds, lower_ok = shared
    return RuleTest(holds, "; ".join(parts), nearness_counts=lower_ok)


def _low_income_three_nearest(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow,
                              mine: Candidate) -> RuleTest:
    shared = _low_income_distances(facts, policy, out, row, mine)
    if isinstance(shared, RuleTest):
        return shared
    parts, holds, _ = shared
    n = len(out.nearer)
    parts.append(f"{n} suitable school{'s' if n != 1 else ''} nearer (fewer than {row.fewer_than_nearer} needed)")
    return RuleTest(holds and n < (row.fewer_than_nearer or 0), "; ".join(parts))


def _low_income_religion(facts: AssessmentFacts, policy: Policy, out: Outcome, row: RuleRow,
                         mine: Candidate) -> RuleTest:
    shared = _low_income_distances(facts, policy, out, row, mine)
    if isinstance(shared, RuleTest):
        return shared
    parts, holds, _ = shared
    app, school = facts.application, facts.school
    pref = policy.canonical_religion(app.religious_preference)
    if pref is None:
        return RuleTest(False, "; ".join(["no religion or belief preference recorded", *parts]))
    if pref != policy.canonical_religion(school.religious_character):
        return RuleTest(False, "; ".join([f"{school.name} is not a {app.religious_preference} school", *parts]))
    nearest_measure = policy.settings.nearest_measure
    my_d = _measure(mine, nearest_measure, app)
    same = [c for c in out.ranked if c.school.id != school.id
            and policy.canonical_religion(c.school.religious_character) == pref
            and _measure(c, nearest_measure, app) < my_d]
    if same:
        return RuleTest(False, "; ".join([f"{same[0].school.name} is a nearer suitable {app.religious_preference} school",
                                          *parts]))
    return RuleTest(holds, "; ".join([f"nearest suitable {app.religious_preference} school", *parts]))


COMPULSORY_TESTS: dict[str, Callable[[AssessmentFacts, Policy, Outcome, RuleRow, Candidate], RuleTest]] = {
    Rule.SEN_MOBILITY: _sen_mobility,
    Rule.TEMPORARY_MEDICAL: _temporary_medical,
    Rule.STATUTORY_DISTANCE: _statutory_distance,
    Rule.UNSAFE_ROUTE: _unsafe_route,
    Rule.LOW_INCOME_8_10: _low_income_distance,
    Rule.LOW_INCOME_THREE_NEAREST: _low_income_three_nearest,
    Rule.LOW_INCOME_RELIGION: _low_income_religion,
}
"""One test per basis of eligibility of compulsory school age, in the order the policy lists them."""
assert set(COMPULSORY_TESTS) == COMPULSORY_RULES


# ---------------------------------------------------------------------------------------------
# validity, wording, the decision
# ---------------------------------------------------------------------------------------------
_THRESHOLDS: dict[int, tuple[Policy, list[int]]] = {}


def _threshold_ages(policy: Policy) -> list[int]:
    """The ages at which some rule of the (frozen) policy changes, ascending; once per policy object."""
    hit = _THRESHOLDS.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = _THRESHOLDS[id(policy)] = (policy, sorted(_policy_ages(policy)))
    return hit[1]


def _policy_ages(policy: Policy) -> set[int]:
    ages: set[int] = set()
    for row in policy.rules.values():
        ages |= {a for a in (row.age_from, row.age_below) if a is not None}
        for limit in row.limits or ():
            ages |= {a for a in (limit.age_from, limit.age_below) if a is not None}
    return ages


def _valid_until(facts: AssessmentFacts, policy: Policy, first: Outcome) -> tuple[dt.date, str]:
    """Last day the decision holds: the day before the first change of outcome, else the school year end."""
    app, csa = facts.application, policy.compulsory_school_age
    on = first.on
    year_end = school_year_end(on, csa.school_year_starts)
    events: list[tuple[dt.date, str]] = []
    # Of the birthdays, only the next one can fall after ``on`` and by the year's end (a school year is
    # at most 365 days after ``on``, and birthdays are at least 365 days apart).
    next_age = age_on(app.date_of_birth, on) + 1
    if next_age in _threshold_ages(policy):
        events.append((birthday(app.date_of_birth, next_age), f"{ordinal(next_age)} birthday"))
    if app.temporary_condition_until is not None:
        events.append((app.temporary_condition_until + ONE_DAY, "the temporary medical condition ends"))
    start, end = _csa_dates(app.date_of_birth, csa)
    events.append((start, "compulsory school age starts"))
    events.append((end + ONE_DAY, "compulsory school age ends"))
    for when, what in sorted(e for e in events if on < e[0] <= year_end):
        later = _evaluate(facts, policy, when)
        if later.key() != first.key():
            change = ("eligible" if later.eligible else f"not eligible ({later.refusal})")
            return when - ONE_DAY, f"{what} on {when}: the outcome becomes {change}"
    return year_end, "end of the school year"


def _considered(facts: AssessmentFacts, out: Outcome) -> list[SchoolConsidered]:
    """The ranked schools up to the school attended as ``SchoolConsidered`` records (built, not
    validated: see ``decide``): every school that is nearer, or as near and ranked before it, then the school attended.
    Schools beyond it do not change the decision (on a county, a primary school has hundreds)."""
    rows = []
    attended_id = facts.school.id
    last = next((i for i, c in enumerate(out.ranked) if c.school.id == attended_id), len(out.ranked) - 1)
    for i, c in enumerate(out.ranked[:last + 1], start=1):
        attended = c.school.id == attended_id
        rows.append(_shared(_CONSIDERED, (i, attended, id(c.school), _MEASURED(c)), c.school, lambda: built(
            SchoolConsidered, rank=i, school_id=c.school.id, name=c.school.name, attended=attended,
            walking_m=_opt(c.walk_m), walking_miles=None if c.walk_m == INF else round(m_to_miles(c.walk_m), 3),
            safe_walking_m=_opt(c.safe_walk_m), road_m=_opt(c.road_m), straight_line_m=round(c.straight_m, 1),
            entrance=c.entrance, religious_character=c.school.religious_character, note="",
        )))
    return rows


_RECORDS_KEPT = 100_000
_CONSIDERED: dict[tuple, tuple[SchoolConsidered, School]] = {}
"""``SchoolConsidered`` records by rank, attended or not, the identity of the (frozen) school and the
candidate's measured values; each entry holds its school, so no identity is reused while it is kept."""
_CHECKS: dict[tuple[Checked, int], tuple[RuleCheck, Policy]] = {}
"""``RuleCheck`` records by the rule as checked and the identity of the (frozen) policy (held)."""


def _rule_checks(checks: list[Checked], policy: Policy) -> list[RuleCheck]:
    """The checks as (shared, immutable) ``RuleCheck`` records, labelled from the policy."""
    return [_shared(_CHECKS, (c, id(policy)), policy, lambda c=c: built(
        RuleCheck, rule=str(c.rule), holds=c.holds, test=c.test, cites=c.cites,
        label=label_of(policy.rules.get(c.rule), c.rule))) for c in checks]


def _shared(table: dict, key: tuple, owner: object, make) -> BaseModel:
    """The record kept in ``table`` under ``key`` for ``owner`` (whose identity the key holds), made and
    kept if there is none; the table is emptied when it holds ``_RECORDS_KEPT``."""
    hit = table.get(key)
    if hit is None or hit[1] is not owner:
        if len(table) >= _RECORDS_KEPT:
            table.clear()
        hit = table[key] = (make(), owner)
    return hit[0]


def _explain(facts: AssessmentFacts, policy: Policy, out: Outcome, offer: Offer | None,
             valid_until: dt.date, valid_reason: str) -> str:
    school = facts.school.name
    lines = []
    if out.eligible:
        row = policy.rules[out.bases[0]]
        lines.append(f"Your child is eligible for transport to {school} from {out.on} because "
                     f"{_squash(row.summary)}: {out.decided_by}.")
        others = [policy.rules[b] for b in out.bases[1:]]
        if others:
            lines.append("Your child is also eligible because " +
                         "; and ".join(_squash(r.summary) for r in others) + ".")
        if offer is not None:
            charge = f" The charge is {pounds(offer.annual_charge_pence)} a year." if offer.annual_charge_pence else ""
            lines.append(f"The council will provide {offer.name}.{charge} A personal transport budget of "
                         f"{pounds(offer.ptb_annual_pence)} may be offered instead ({offer.ptb_workings}).")
        lines.append(f"This decision applies until {valid_until} ({valid_reason}).")
    else:
        assert out.refusal is not None
        summary = _squash(policy.refusals[Refusal(out.refusal)].summary)
        lines.append(f"Your application for transport to {school} has been refused because {summary}: "
                     f"{out.decided_by}.")
        if out.refusal == Refusal.NOT_NEAREST_SUITABLE:
            names = ", ".join(f"{c.school.name} ({fmt_miles(c.walk_m)})" for c in out.nearer)
            lines.append(f"Nearer suitable schools: {names}.")
        considered = [c.test for c in out.checks if c.rule not in (Rule.STATUTORY_DISTANCE,)
                      and c.test and not c.test.startswith(("no ", "not recorded", "not needed"))]
        if considered:
            lines.append("We also considered: " + "; ".join(considered) + ".")
        lines.append(f"This decision applies until {valid_until} ({valid_reason}).")
    lines.extend(f"Note: {n}." for n in out.notes)
    lines.append(_squash(policy.review_and_appeal))
    return "\n".join(lines)


def decide(facts: AssessmentFacts, policy: Policy) -> Decision:
    """Decide one application from measured facts under a policy. Pure: no I/O."""
    app = facts.application
    out = _evaluate(facts, policy, app.travel_date)
    valid_until, valid_reason = _valid_until(facts, policy, out)
    mine = next((c for c in facts.candidates if c.school.id == facts.school.id), None)
    offer = None
    if out.eligible and mine is not None:
        measure = ptb_measure(policy)
        dist = {"straight_line": mine.straight_m, "walking": mine.walk_m,
                "road": mine.road_m if mine.road_m is not None else INF}[measure]
        if dist == INF:
            raise InputError(f"application {app.id}: the PTB needs the {measure} distance, which was not measured")
        offer = make_offer(policy, out.bases[0], low_income=app.low_income, ptb_distance_m=dist, start=app.travel_date)
    caution = _measure_from_address(facts, policy, out.age, mine)
    cites_map = {c.rule: c.cites for c in out.checks}
    if out.eligible:
        cites = [cites_map[b] for b in out.bases]
    else:
        cites = [_squash(policy.refusals[Refusal(out.refusal)].cites)]  # type: ignore[arg-type]
    csa_from, csa_until = _csa_dates(app.date_of_birth, policy.compulsory_school_age)
    inputs = built(InputsUnderstood, 
        application_id=app.id, date_of_birth=app.date_of_birth, age=out.age, academic_age=out.academic_age,
        age_reference_date=out.ref_date, travel_date=app.travel_date,
        compulsory_school_age_from=csa_from,
        compulsory_school_age_until=csa_until, sex=str(app.sex.value), home=facts.home,
        wheelchair=app.needs.wheelchair, passenger_assistant=app.needs.passenger_assistant,
        travel_alone=app.needs.travel_alone, can_use_public_transport=app.needs.can_use_public_transport,
        travel_training_candidate=app.needs.travel_training_candidate, home_source=facts.home_source, school_id=facts.school.id, school_name=facts.school.name,
        ehc_plan=app.ehc_plan, ehc_named_school_id=app.ehc_named_school_id,
        ehc_transport_condition=app.ehc_transport_condition, sen_mobility=app.sen_mobility,
        sen_evidence=app.sen_evidence, temporary_condition_until=app.temporary_condition_until,
        low_income=app.low_income, religious_preference=app.religious_preference,
        no_place_at=sorted(facts.no_place_at), measured_on=facts.measured_on,
    )
    # Built, not validated: every field comes from typed values this module produced from validated
    # facts and policy (the reference path and the tests re-validate and compare field by field).
    return built(Decision, 
        application_id=app.id, eligible=out.eligible, bases=[str(b) for b in out.bases],
        refusal=None if out.refusal is None else str(out.refusal), decided_by=out.decided_by,
        explanation=_explain(facts, policy, out, offer, valid_until, valid_reason)
        + (f" Measure from the address: {caution}." if caution else ""), cites=cites,
        checks=_rule_checks(out.checks, policy),
        school_id=facts.school.id, school_name=facts.school.name,
        walking_m=_opt(mine.walk_m) if mine else None, safe_walking_m=_opt(mine.safe_walk_m) if mine else None,
        road_m=_opt(mine.road_m) if mine else None, straight_line_m=round(mine.straight_m, 1) if mine else None,
        walking_miles=round(m_to_miles(mine.walk_m), 3) if mine and mine.walk_m != INF else None,
        schools_considered=_considered(facts, out), nearer_schools=[c.school.id for c in out.nearer],
        route=mine.route if mine else _NO_ROUTE, route_edges=list(mine.route_edges) if mine else [],
        avoided_edges=list(mine.avoided_edges) if mine else [],
        unsafe_segments_avoided=list(mine.avoided_segments) if mine else [],
        evidence=app.sen_evidence, offer=offer, valid_until=valid_until, valid_until_reason=valid_reason,
        policy_id=policy.id, policy_version=policy.version_label, inputs=inputs,
        home_measured_from=facts.home_measured_from, measure_from_address=caution,
        basis_labels=[label_of(policy.rules.get(b), b) for b in out.bases],
        refusal_label=None if out.refusal is None else label_of(policy.refusals.get(Refusal(out.refusal)), str(out.refusal)),
        nearer_route=_NO_ROUTE,
    )


def _measure_from_address(facts: AssessmentFacts, policy: Policy, age: int, mine) -> str | None:
    """Why a postcode-centroid measurement is too close to the walking limit to rely on, or None."""
    if facts.home_measured_from != "postcode centroid" or mine is None or mine.walk_m == INF:
        return None
    rule = policy.rules.get(Rule.STATUTORY_DISTANCE)
    if rule is None or not rule.limits:
        return None
    try:
        limit = rule.limit_for(age).more_than_miles
    except InputError:
        return None
    margin = policy.settings.postcode_margin_miles
    walked = m_to_miles(mine.walk_m)
    if abs(walked - limit) > margin:
        return None
    return (f"the walking route from the postcode centroid, {walked:.2f} mi, is within {margin:g} mi of the "
            f"{limit:g} mi limit, and a postcode can span hundreds of metres; give the home's UPRN or "
            f"coordinates and decide again")


def home_point(location: LatLon | None) -> tuple[float, float] | None:
    """(lon, lat) of a home point for ``AssessmentFacts.home``."""
    return None if location is None else (round(location.lon, 7), round(location.lat, 7))
