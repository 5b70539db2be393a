"""Offers of a plan's children: each option's annual cost with workings, and the re-planned saving."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OfferOptionPublic(BaseModel):
    """One way to get the child to school."""

    kind: str = Field(description="seat, ptb, pass or travel_training")
    name: str
    annual_pence: int
    suitable: bool
    reason: str = Field(description="why it is not suitable (empty when it is)")
    workings: str
    rule: str = Field(description="the policy clause the figure comes from")


class ChildOffersPublic(BaseModel):
    """A child's offers: officers see the application reference, everyone the pseudonymous id."""

    child_id: str | None
    pseudonym: str
    school_id: str
    cheapest: str
    saving_vs_seat_pence: int
    attendance_share: float
    options: list[OfferOptionPublic]


class AcceptedSavingPublic(BaseModel):
    """The plan re-planned without the children whose families accept, validated independently."""

    children: list[str]
    daily_before_pence: int
    daily_after_pence: int
    alternatives_annual_pence: int
    annual_saving_pence: int
    school_days: int
    violations: int
    seconds: float
    workings: str


class PlanOffersPublic(BaseModel):
    """Every eligible child's offers in a plan (``data``/``count``), who has none and why, and the saving."""

    plan_id: int
    marginal_s: float
    data: list[ChildOffersPublic]
    count: int
    not_offered: dict[str, str]
    accepted: AcceptedSavingPublic | None


class ApplicationOffersPublic(ChildOffersPublic):
    """One child's offers and the plan they come from."""

    plan_id: int
