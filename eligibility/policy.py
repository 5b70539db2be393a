"""Eligibility policy as data: load, merge and validate the YAML files in ``policies/``.

A council policy names the file it extends (``extends: statutory``); mappings are merged key
by key, lists and scalars are replaced. The merged document is validated with pydantic and
any problem is reported with the file and the dotted key, e.g.
``policy kent.yaml: rules.statutory-distance.limits.0.more_than_miles: Input should be a
valid number``. The format is documented in ``docs/policy-format.md``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transport.domain.errors import InputError, from_validation

POLICY_DIR = Path(__file__).resolve().parent / "policies"
FORMAT = "sen-transport/eligibility-policy/1"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Rule(StrEnum):
    """Stable ids of the bases of eligibility."""

    SEN_MOBILITY = "sen-mobility"
    TEMPORARY_MEDICAL = "temporary-medical"
    STATUTORY_DISTANCE = "statutory-distance"
    UNSAFE_ROUTE = "unsafe-route"
    LOW_INCOME_8_10 = "low-income-8-10-distance"
    LOW_INCOME_THREE_NEAREST = "low-income-three-nearest"
    LOW_INCOME_RELIGION = "low-income-religion"
    POST16_TRAVEL_SAVER = "post16-travel-saver"
    POST16_SEN_TRANSPORT = "post16-sen-transport"
    POST19_EHC_NECESSARY = "post19-ehc-necessary"


class Refusal(StrEnum):
    """Stable ids of the reasons for refusal."""

    NOT_COMPULSORY_SCHOOL_AGE = "not-compulsory-school-age"
    NOT_QUALIFYING_SCHOOL = "not-qualifying-school"
    SCHOOL_NOT_SUITABLE = "school-not-suitable"
    NOT_NEAREST_SUITABLE = "not-nearest-suitable-school"
    WITHIN_WALKING_DISTANCE = "within-walking-distance"
    NO_POST16_ENTITLEMENT = "no-post16-entitlement"
    POST19_NOT_NECESSARY = "post19-not-necessary"


# Rules that are assessed for children of compulsory school age, and those for older learners.
COMPULSORY_RULES = frozenset(
    {Rule.SEN_MOBILITY, Rule.TEMPORARY_MEDICAL, Rule.STATUTORY_DISTANCE, Rule.UNSAFE_ROUTE,
     Rule.LOW_INCOME_8_10, Rule.LOW_INCOME_THREE_NEAREST, Rule.LOW_INCOME_RELIGION}
)
POST_COMPULSORY_RULES = frozenset({Rule.POST16_TRAVEL_SAVER, Rule.POST16_SEN_TRANSPORT, Rule.POST19_EHC_NECESSARY})

# Parameters each rule must have (beyond cites/summary).
REQUIRED: dict[str, tuple[str, ...]] = {
    Rule.STATUTORY_DISTANCE: ("limits",),
    Rule.LOW_INCOME_8_10: ("age_from", "age_below", "more_than_miles"),
    Rule.LOW_INCOME_THREE_NEAREST: ("age_from", "more_than_miles", "at_most_miles", "fewer_than_nearer"),
    Rule.LOW_INCOME_RELIGION: ("age_from", "more_than_miles", "at_most_miles"),
    Rule.POST16_TRAVEL_SAVER: ("age_from", "age_below"),
    Rule.POST16_SEN_TRANSPORT: ("age_from", "age_below"),
    Rule.POST19_EHC_NECESSARY: ("age_from", "age_below"),
}


class Strict(BaseModel):
    """Base of policy records: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class MonthDay(Strict):
    """A day of the year written ``MM-DD``."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @classmethod
    def parse(cls, text: str) -> "MonthDay":
        """From ``"MM-DD"``."""
        try:
            month, day = (int(p) for p in str(text).split("-"))
            dt.date(2000, month, day)  # a leap year accepts every real day
        except ValueError:
            raise ValueError(f"expected a day as MM-DD, got {text!r}") from None
        return cls(month=month, day=day)

    def in_year(self, year: int) -> dt.date:
        """This day in a given year (29 February falls back to 28 February)."""
        try:
            return dt.date(year, self.month, self.day)
        except ValueError:
            return dt.date(year, self.month, self.day - 1)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def _month_day(value: Any) -> Any:
    return MonthDay.parse(value) if isinstance(value, str) else value


class Settings(Strict):
    """Switches that choose between lawful readings of the guidance."""

    age_reference: Literal["travel_date", "school_year_start"] = "travel_date"
    home_start: Literal["address_point", "network_point"] = "address_point"
    postcode_margin_miles: float = Field(0.25, ge=0)
    """A walk measured from a postcode centroid this close to a limit is marked "measure from the address"."""
    nearest_measure: Literal["walking", "road"] = "walking"
    extended_rights_measure: Literal["walking", "road"] = "road"
    ignore_selective_preference: bool = True
    ignore_single_sex_preference: bool = True
    qualifying_school_types: tuple[str, ...] = ("mainstream", "special", "non-maintained-special",
                                                "alternative-provision")
    religion_aliases: dict[str, str] = Field(default_factory=dict)


class LeavingDay(Strict):
    """The day compulsory school age ends: e.g. the last Friday in June."""

    month: int = Field(ge=1, le=12)
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    which: Literal["last", "first"] = "last"


class CompulsorySchoolAge(Strict):
    """When compulsory school age starts and ends."""

    cites: str
    starts_after_birthday: int = Field(ge=0, le=25)
    prescribed_days: tuple[MonthDay, ...] = Field(min_length=1)
    ends_in_school_year_of_birthday: int = Field(ge=0, le=25)
    ends_on: LeavingDay
    school_year_starts: MonthDay

    _md = field_validator("school_year_starts", mode="before")(_month_day)

    @field_validator("prescribed_days", mode="before")
    @classmethod
    def _days(cls, v: Any) -> Any:
        return [_month_day(x) for x in v] if isinstance(v, (list, tuple)) else v


class AgeLimit(Strict):
    """A walking distance limit for an age band: eligible when the route is MORE THAN it."""

    age_from: int | None = Field(None, ge=0)
    age_below: int | None = Field(None, ge=0)
    more_than_miles: float = Field(gt=0)

    def covers(self, age: int) -> bool:
        """Whether an age falls in this band."""
        return (self.age_from is None or age >= self.age_from) and (self.age_below is None or age < self.age_below)


class RuleRow(Strict):
    """One rule: its citation, plain-English summary and thresholds."""

    enabled: bool = True
    label: str | None = Field(None, min_length=1, max_length=80)
    """The basis's name as officers and letters show it ("SEN, disability or mobility")."""
    cites: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    requires_nearest_suitable: bool = True
    requires_low_income: bool = False
    requires_sen_mobility: bool = False
    requires_ehc_plan: bool = False
    age_basis: Literal["actual", "academic"] = "actual"
    age_from: int | None = Field(None, ge=0, le=25)
    age_below: int | None = Field(None, ge=0, le=26)
    more_than_miles: float | None = Field(None, ge=0)
    at_most_miles: float | None = Field(None, gt=0)
    fewer_than_nearer: int | None = Field(None, ge=1)
    limits: tuple[AgeLimit, ...] | None = None

    def covers_age(self, age: int) -> bool:
        """Whether an age falls in this rule's band."""
        return (self.age_from is None or age >= self.age_from) and (self.age_below is None or age < self.age_below)

    def limit_for(self, age: int) -> AgeLimit:
        """The distance limit for an age (statutory-distance)."""
        for limit in self.limits or ():
            if limit.covers(age):
                return limit
        raise InputError(f"policy has no statutory-distance limit for age {age}")


class RefusalRow(Strict):
    """A refusal reason: its name as shown, citation and plain-English summary."""

    label: str | None = Field(None, min_length=1, max_length=80)
    cites: str = Field(min_length=1)
    summary: str = Field(min_length=1)


OfferKind = Literal["pass", "seat", "ptb"]


class OfferRow(Strict):
    """What the council provides for a basis, and what it charges (pence a year)."""

    kind: OfferKind
    charge_pence: int = Field(0, ge=0)
    low_income_charge_pence: int | None = Field(None, ge=0)
    name: str | None = None


class Offers(Strict):
    """Offer per basis, with a default."""

    default: OfferRow
    by_basis: dict[str, OfferRow] = Field(default_factory=dict)

    def for_basis(self, basis: str) -> OfferRow:
        """The offer for a basis (or the default)."""
        return self.by_basis.get(basis, self.default)


class Band(Strict):
    """A PTB band: applies from ``from_miles`` (inclusive) or over ``over_miles`` (exclusive)."""

    from_miles: float | None = Field(None, ge=0)
    over_miles: float | None = Field(None, ge=0)
    annual_pence: int = Field(ge=0)

    @model_validator(mode="after")
    def _one_bound(self) -> "Band":
        if self.from_miles is not None and self.over_miles is not None:
            raise ValueError("give from_miles or over_miles, not both")
        return self

    @property
    def lower_miles(self) -> float:
        """The band's lower edge in miles."""
        return self.from_miles if self.from_miles is not None else (self.over_miles or 0.0)

    def admits(self, miles: float) -> bool:
        """Whether a distance is at or above this band's lower edge."""
        if self.over_miles is not None:
            return miles > self.over_miles
        return miles >= (self.from_miles or 0.0)


class BandedPtb(Strict):
    """Personal transport budget by distance band."""

    measure: Literal["straight_line", "walking", "road"] = "straight_line"
    cites: str = ""
    bands: tuple[Band, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> "BandedPtb":
        edges = [b.lower_miles for b in self.bands]
        if edges != sorted(edges):
            raise ValueError("bands must be in increasing order of distance")
        return self


class PerMilePtb(Strict):
    """Personal transport budget as rate x distance x journeys x days."""

    measure: Literal["straight_line", "walking", "road"] = "road"
    cites: str = ""
    pence_per_mile: float = Field(ge=0)
    journeys_per_day: int = Field(ge=1)
    days_per_year: int = Field(ge=1, le=366)


class PtbPayments(Strict):
    """How an agreed PTB is paid: equal monthly instalments on a fixed day of the month across
    the PTB year (Kent: 11 instalments, September to July, on the 15th)."""

    instalments: int = Field(11, ge=1, le=12)
    payment_day: int = Field(15, ge=1, le=28)
    post16_deduction_pence: int = Field(0, ge=0)
    """Taken off the annual amount for a learner decided on a post-16 basis (Kent deducts the
    16+ Travel Saver the family would otherwise buy)."""
    cites: str = ""


class Ptb(Strict):
    """Which PTB formula the council uses, and pro-rating for part years."""

    formula: Literal["banded", "per-mile"]
    pro_rata: bool = True
    year_starts: MonthDay
    year_ends: MonthDay
    banded: BandedPtb | None = None
    per_mile: PerMilePtb | None = None
    payments: PtbPayments = PtbPayments()

    _md = field_validator("year_starts", "year_ends", mode="before")(_month_day)

    @model_validator(mode="after")
    def _formula_given(self) -> "Ptb":
        if self.formula == "banded" and not (self.banded and self.banded.bands):
            raise ValueError("ptb.formula is banded but ptb.banded.bands is empty")
        if self.formula == "per-mile" and self.per_mile is None:
            raise ValueError("ptb.formula is per-mile but ptb.per_mile is missing")
        return self


class Letters(Strict):
    """Wording and thresholds of the letters sent to families (``transport.documents``).

    Texts are ``str.format`` templates; the fields each may use are listed in docs/policy-format.md.
    """

    sender: str = Field(min_length=1)
    """Who signs the letters (team and council)."""
    contact: str = Field(min_length=1)
    """How a family contacts the sender (phone, email)."""
    refusal: str = Field(min_length=1)
    """Opening of a refusal: ``{name}``, ``{school}``, ``{reason}``."""
    offers: dict[OfferKind, str]
    """Opening of an award, by offer kind: ``{name}``, ``{school}``, ``{offer}``, ``{charge}``, ``{ptb}``."""
    review_request_days: int = Field(20, ge=1)
    """Working days after the letter's date in which a stage one review may be asked for."""
    review_response_days: int = Field(20, ge=1)
    """Working days after a review request in which the council answers it."""
    appeal_request_days: int = Field(20, ge=1)
    """Working days after the stage one answer in which a stage two appeal may be asked for."""
    absence: str = Field(min_length=1)
    """What to do if the child will not travel: ``{name}``, ``{operator}``, ``{phone}``, ``{pickup}``."""
    change_threshold_min: int = Field(10, ge=1)
    """A change notice is due when a pick-up or drop-off time moves by more than this."""

    @field_validator("offers")
    @classmethod
    def _every_kind(cls, offers: dict[str, str]) -> dict[str, str]:
        missing = [k for k in ("pass", "seat", "ptb") if k not in offers]
        if missing:
            raise ValueError(f"letters.offers is missing {', '.join(missing)}")
        return offers


class PublicTransportPass(Strict):
    """What a public transport pass costs the council a year, and from what age it is offered."""

    annual_pence: int = Field(ge=0)
    min_age: int = Field(0, ge=0, le=25)
    cites: str = ""


class TravelTraining(Strict):
    """Independent travel training: a one-off cost, then a pass; who may be offered it."""

    one_off_pence: int = Field(ge=0)
    min_age: int = Field(11, ge=0, le=25)
    exclude_wheelchair_users: bool = True
    exclude_passenger_assistant: bool = True
    exclude_travel_alone: bool = True
    cites: str = ""


class Alternatives(Strict):
    """The offers a council weighs against a seat on a vehicle (a PTB is priced by ``ptb``)."""

    school_days_per_year: int = Field(190, ge=1, le=366)
    public_transport_pass: PublicTransportPass | None = None
    travel_training: TravelTraining | None = None


class Policy(Strict):
    """A merged, validated eligibility policy."""

    format: Literal["sen-transport/eligibility-policy/1"]
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str
    authority: str = ""
    extends: str | None = None
    lineage: tuple[str, ...] = ()
    """``id@version`` of this policy and each file it extends, nearest first."""
    settings: Settings = Settings()
    compulsory_school_age: CompulsorySchoolAge
    rules: dict[str, RuleRow]
    refusals: dict[Refusal, RefusalRow]
    offers: Offers
    ptb: Ptb
    alternatives: Alternatives = Alternatives()
    review_and_appeal: str = Field(min_length=1)
    letters: Letters

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleRow]) -> dict[str, RuleRow]:
        known = {r.value for r in Rule}
        for rule_id, row in rules.items():
            if rule_id not in known:
                raise ValueError(f"unknown rule id {rule_id!r} (known: {', '.join(sorted(known))})")
            for name in REQUIRED.get(rule_id, ()):
                if getattr(row, name) is None:
                    raise ValueError(f"rule {rule_id} needs {name}")
        return rules

    @model_validator(mode="after")
    def _refusals_complete(self) -> "Policy":
        missing = [r.value for r in Refusal if r not in self.refusals]
        if missing:
            raise ValueError(f"refusals is missing {', '.join(missing)}")
        return self

    @property
    def version_label(self) -> str:
        """``kent@2025-26.1 (extends statutory@2024-01.1)``."""
        head, *rest = self.lineage or (f"{self.id}@{self.version}",)
        return head + (f" (extends {', '.join(rest)})" if rest else "")

    def rule(self, rule_id: str) -> RuleRow | None:
        """An enabled rule by id, or None."""
        row = self.rules.get(rule_id)
        return row if row is not None and row.enabled else None

    def canonical_religion(self, text: str | None) -> str | None:
        """Lower-cased religion name with the policy's aliases applied."""
        if not text:
            return None
        key = " ".join(str(text).lower().replace(".", " ").split())
        return self.settings.religion_aliases.get(key, key)


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge mappings; anything else in ``over`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def _resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        p = Path(text)
        if not p.is_absolute() and relative_to is not None and (relative_to / p).exists():
            p = relative_to / p
        return p
    for folder in (relative_to, POLICY_DIR):
        if folder is not None and (folder / f"{text}.yaml").exists():
            return folder / f"{text}.yaml"
    known = ", ".join(sorted(p.stem for p in POLICY_DIR.glob("*.yaml")))
    raise InputError(f"policy {text!r} not found (shipped policies: {known})")


def _read(path: Path, seen: tuple[Path, ...]) -> tuple[dict, tuple[str, ...]]:
    if not path.exists():
        raise InputError(f"policy file {path} not found")
    if path.resolve() in seen:
        raise InputError(f"policy {path.name}: extends itself through {' -> '.join(p.name for p in seen)}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"policy {path.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise InputError(f"policy {path.name}: expected a mapping at the top level")
    for key in ("id", "version"):
        if key not in doc:
            raise InputError(f"policy {path.name}: {key} is required")
    label = f"{doc['id']}@{doc['version']}"
    parent = doc.get("extends")
    if not parent:
        return doc, (label,)
    base, lineage = _read(_resolve(parent, path.parent), (*seen, path.resolve()))
    merged = _merge(base, doc)
    return merged, (label, *lineage)


def load_policy(name_or_path: str | Path) -> Policy:
    """A shipped policy by name (``"kent"``, ``"statutory"``) or a YAML file by path."""
    return _load(str(Path(name_or_path).resolve()) if Path(str(name_or_path)).exists() else str(name_or_path))


@lru_cache(maxsize=16)
def _load(name_or_path: str) -> Policy:
    path = _resolve(name_or_path)
    doc, lineage = _read(path, ())
    doc["lineage"] = list(lineage)
    try:
        return Policy.model_validate(doc)
    except ValidationError as exc:
        raise from_validation(exc, f"policy {path.name}") from None


def label_of(row: RuleRow | RefusalRow | None, code: str) -> str:
    """A rule's or refusal's name as shown: the policy's label, else its id in words."""
    if row is not None and row.label:
        return row.label
    words = code.replace("-", " ")
    return words[:1].upper() + words[1:]
